using Microsoft.AspNetCore.Routing;

namespace Tricircle.Emulator.Regions.Compute;

/// <summary>Nova v2.1. PLACEHOLDER: the Nova emulator replaces this file.</summary>
internal static class NovaApi
{
    public static void Map(IEndpointRouteBuilder app, RegionContext region)
    {
    }
}
