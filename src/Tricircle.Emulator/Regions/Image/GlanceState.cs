using System.Text.Json.Nodes;

#pragma warning disable CA1822 // placeholder until the service emulator lands

namespace Tricircle.Emulator.Regions.Image;

/// <summary>
/// The region's Glance. PLACEHOLDER: the Glance emulator replaces this file. The members below
/// are the contract the region's Nova and Cinder use; keep their signatures.
/// </summary>
internal sealed class GlanceState(RegionContext region)
{
    public RegionContext Region { get; } = region;

    /// <summary>An image the project may use (its own, public, shared or community), or null.</summary>
    public ImageInfo? FindImage(string imageId, string projectId, bool isAdmin) => throw new NotImplementedException();

    /// <summary>Nova createImage / Cinder os-volume_upload_image: a new image owned by the project, active at once.</summary>
    public ImageInfo CreateImage(string projectId, string name, IReadOnlyDictionary<string, string> properties, long size, string diskFormat, string containerFormat) =>
        throw new NotImplementedException();

    /// <summary>Admin inspection: images.</summary>
    public JsonArray? Inspect(string collection) => null;
}

internal sealed record ImageInfo(string Id, string Name, string Status, long Size, int MinDisk, int MinRam, string OwnerId, string Visibility);
