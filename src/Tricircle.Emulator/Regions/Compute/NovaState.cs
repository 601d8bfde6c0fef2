using System.Text.Json.Nodes;

#pragma warning disable CA1822 // placeholder until the service emulator lands

namespace Tricircle.Emulator.Regions.Compute;

/// <summary>The region's Nova. PLACEHOLDER: the Nova emulator replaces this file.</summary>
internal sealed class NovaState(RegionContext region)
{
    public RegionContext Region { get; } = region;

    /// <summary>Admin inspection: servers, flavors, keypairs, aggregates.</summary>
    public JsonArray? Inspect(string collection) => null;
}
