using Microsoft.AspNetCore.Routing;

namespace Tricircle.Emulator.Regions.Network;

/// <summary>Neutron v2.0. PLACEHOLDER: the Neutron emulator replaces this file.</summary>
internal static class NeutronApi
{
    public static void Map(IEndpointRouteBuilder app, RegionContext region)
    {
    }
}
