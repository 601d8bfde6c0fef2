using Microsoft.AspNetCore.Routing;

namespace Tricircle.Emulator.Regions.Volume;

/// <summary>Cinder v3. PLACEHOLDER: the Cinder emulator replaces this file.</summary>
internal static class CinderApi
{
    public static void Map(IEndpointRouteBuilder app, RegionContext region)
    {
    }
}
