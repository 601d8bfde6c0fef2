using Microsoft.AspNetCore.Routing;

namespace Tricircle.Emulator.Regions.Image;

/// <summary>Glance v2. PLACEHOLDER: the Glance emulator replaces this file.</summary>
internal static class GlanceApi
{
    public static void Map(IEndpointRouteBuilder app, RegionContext region)
    {
    }
}
