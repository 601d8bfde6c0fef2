using System.Text.Json.Nodes;

#pragma warning disable CA1822 // placeholder until the service emulator lands

namespace Tricircle.Emulator.Regions.Volume;

/// <summary>
/// The region's Cinder: volumes, snapshots, types. PLACEHOLDER: the Cinder emulator replaces
/// this file. The members below are the contract the region's Nova uses; keep their signatures.
/// </summary>
internal sealed class CinderState(RegionContext region)
{
    public RegionContext Region { get; } = region;

    public VolumeInfo? FindVolume(string volumeId) => throw new NotImplementedException();

    /// <summary>
    /// Nova attach: the volume must belong to the project and be available (else
    /// <see cref="OpenStackFault"/> 400 "Invalid volume"); it becomes in-use with an attachment
    /// to the server at <paramref name="device"/>.
    /// </summary>
    public VolumeInfo Attach(string projectId, string volumeId, string serverId, string device, string host) => throw new NotImplementedException();

    /// <summary>Nova detach: removes the server's attachment; the volume is available again when none is left.</summary>
    public void Detach(string volumeId, string serverId) => throw new NotImplementedException();

    /// <summary>Nova block_device_mapping_v2 source=image, destination=volume: a bootable volume from the image, available at once.</summary>
    public VolumeInfo CreateBootVolume(string projectId, string imageId, int sizeGb, string? name) => throw new NotImplementedException();

    /// <summary>Nova delete_on_termination: deletes a volume that is no longer attached.</summary>
    public void DeleteVolume(string volumeId) => throw new NotImplementedException();

    /// <summary>Admin inspection: volumes, snapshots, types.</summary>
    public JsonArray? Inspect(string collection) => null;
}

internal sealed record VolumeInfo(string Id, string ProjectId, string Status, int Size, bool Bootable, string AvailabilityZone, IReadOnlyList<string> AttachedServerIds);
