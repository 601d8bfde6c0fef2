using System.Text.Json.Nodes;

namespace Tricircle.Emulator.Regions.Volume;

/// <summary>
/// The region's Cinder: volumes, snapshots, types, one lock. Status transitions (creating to
/// available, uploading back) are evaluated lazily against <see cref="RegionContext.Time"/>.
/// The contract members (FindVolume, Attach, Detach, CreateBootVolume, DeleteVolume) are what
/// the region's Nova calls in-process.
/// </summary>
internal sealed class CinderState
{
    public const string DefaultTypeName = "lvmdriver-1";

    public const int MaxVolumes = 10;

    public const int MaxGigabytes = 1000;

    public const int MaxSnapshots = 10;

    public const int MaxBackups = 10;

    public const int MaxBackupGigabytes = 1000;

    private readonly Lock _lock = new();
    private readonly string _serviceUuid = RegionContext.NewId();
    private readonly Dictionary<string, CinderVolume> _volumes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CinderSnapshot> _snapshots = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CinderVolumeType> _types = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CinderBackup> _backups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CinderTransfer> _transfers = new(StringComparer.Ordinal);

    public CinderState(RegionContext region)
    {
        Region = region;
        var now = region.Time.GetUtcNow();
        var defaultType = new CinderVolumeType(RegionContext.NewId(), "__DEFAULT__", now) { Description = "Default Volume Type" };
        var lvm = new CinderVolumeType(RegionContext.NewId(), DefaultTypeName, now);
        lvm.ExtraSpecs["volume_backend_name"] = DefaultTypeName;
        _types[defaultType.Id] = defaultType;
        _types[lvm.Id] = lvm;
        Services.Add(new CinderService("cinder-scheduler", region.ComputeHost, region.Options.AvailabilityZone) { UpdatedAt = now });
        Services.Add(new CinderService("cinder-volume", region.ComputeHost + "@" + DefaultTypeName, region.Options.AvailabilityZone) { UpdatedAt = now });
    }

    public RegionContext Region { get; }

    /// <summary>The region's Cinder services (a scheduler and one LVM backend), for <c>os-services</c>; guarded by <see cref="Sync"/>.</summary>
    public List<CinderService> Services { get; } = [];

    public Lock Sync => _lock;

    /// <summary>os-quota-class-sets: each class's stored limits (the <c>default</c> class's are every project's here); guarded by <see cref="Sync"/>.</summary>
    public Dictionary<string, Dictionary<string, long>> QuotaClasses { get; } = new(StringComparer.Ordinal);

    /// <summary>os-quota-sets: the limits an admin set for a project (over the default class); guarded by <see cref="Sync"/>.</summary>
    public Dictionary<string, Dictionary<string, long>> ProjectQuotas { get; } = new(StringComparer.Ordinal);

    public string Host => Region.ComputeHost + "@" + DefaultTypeName + "#" + DefaultTypeName;

    public VolumeInfo? FindVolume(string volumeId)
    {
        lock (_lock)
        {
            return GetVolume(volumeId)?.Info();
        }
    }

    /// <summary>
    /// Nova attach: the volume must belong to the project and be available (else
    /// <see cref="OpenStackFault"/> 400 "Invalid volume"); it becomes in-use with an attachment
    /// to the server at <paramref name="device"/>.
    /// </summary>
    public VolumeInfo Attach(string projectId, string volumeId, string serverId, string device, string host)
    {
        lock (_lock)
        {
            var volume = GetVolume(volumeId);
            if (volume is null || volume.ProjectId != projectId)
            {
                throw OpenStackFault.NotFound($"Volume {volumeId} could not be found.");
            }

            if (volume.Status != "available")
            {
                throw OpenStackFault.BadRequest($"Invalid volume: Volume {volumeId} status must be available to attach, but current status is: {volume.Status}.");
            }

            volume.Attachments.Add(new CinderAttachment(RegionContext.NewId(), serverId, device, host, Region.Time.GetUtcNow()));
            volume.Status = "in-use";
            volume.UpdatedAt = Region.Time.GetUtcNow();
            return volume.Info();
        }
    }

    /// <summary>Nova detach: removes the server's attachment; the volume is available again when none is left.</summary>
    public void Detach(string volumeId, string serverId)
    {
        lock (_lock)
        {
            var volume = GetVolume(volumeId) ?? throw OpenStackFault.NotFound($"Volume {volumeId} could not be found.");
            volume.Attachments.RemoveAll(a => a.ServerId == serverId);
            if (volume.Attachments.Count == 0 && volume.Status is "in-use" or "detaching" or "attaching" or "reserved")
            {
                volume.Status = "available";
            }

            volume.UpdatedAt = Region.Time.GetUtcNow();
        }
    }

    /// <summary>Nova block_device_mapping_v2 source=image, destination=volume: a bootable volume from the image, available at once.</summary>
    public VolumeInfo CreateBootVolume(string projectId, string imageId, int sizeGb, string? name)
    {
        var image = Region.Image.FindImage(imageId, projectId, isAdmin: false)
            ?? throw OpenStackFault.BadRequest($"Invalid input received: Invalid image identifier or unable to access requested image. (Image {imageId} could not be found.)");
        var now = Region.Time.GetUtcNow();
        var volume = new CinderVolume(RegionContext.NewId(), projectId, "", now)
        {
            Name = name ?? "",
            Size = Math.Max(sizeGb, 1),
            AvailabilityZone = Region.Options.AvailabilityZone,
            VolumeType = DefaultTypeName,
            Bootable = true,
            Status = "available",
            UpdatedAt = now,
        };
        SetImageMetadata(volume, image);
        lock (_lock)
        {
            _volumes[volume.Id] = volume;
            return volume.Info();
        }
    }

    /// <summary>Nova delete_on_termination: deletes a volume that is no longer attached.</summary>
    public void DeleteVolume(string volumeId)
    {
        lock (_lock)
        {
            if (GetVolume(volumeId) is { } volume)
            {
                if (volume.Attachments.Count > 0)
                {
                    throw OpenStackFault.BadRequest("Invalid volume: Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, or be disassociated from snapshots after volume transfer.");
                }

                _volumes.Remove(volumeId);
            }
        }
    }

    /// <summary>Admin inspection: volumes, snapshots, types.</summary>
    public JsonArray? Inspect(string collection)
    {
        lock (FinishDeletes()._lock)
        {
            var now = Region.Time.GetUtcNow();
            return collection switch
            {
                "volumes" => new JsonArray([.. _volumes.Values.OrderBy(v => v.CreatedAt).Select(v => (JsonNode)VolumeJson(v, now, "3.70", admin: true, Region.VolumeUrl.ToString().TrimEnd('/')))]),
                "snapshots" => new JsonArray([.. _snapshots.Values.OrderBy(s => s.CreatedAt).Select(s => (JsonNode)SnapshotJson(s, now))]),
                "types" => new JsonArray([.. _types.Values.OrderBy(t => t.Name, StringComparer.Ordinal).Select(t => (JsonNode)TypeJson(t, admin: true))]),
                "backups" => new JsonArray([.. Backups.OrderBy(b => b.CreatedAt).Select(b => (JsonNode)BackupJson(b, "3.70", admin: true, Region.VolumeUrl.ToString().TrimEnd('/')))]),
                "transfers" => new JsonArray([.. _transfers.Values.OrderBy(t => t.CreatedAt).Select(t => (JsonNode)new JsonObject
                {
                    ["id"] = t.Id,
                    ["volume_id"] = t.VolumeId,
                    ["name"] = t.Name,
                    ["no_snapshots"] = t.NoSnapshots,
                    ["source_project_id"] = t.SourceProjectId,
                })]),
                _ => null,
            };
        }
    }

    // ---- used by the API under Sync ----

    public IEnumerable<CinderVolume> Volumes => FinishDeletes()._volumes.Values.Select(v => v.Refresh(Region.Time.GetUtcNow()));

    public IEnumerable<CinderSnapshot> Snapshots => FinishDeletes()._snapshots.Values.Select(s => s.Refresh(Region.Time.GetUtcNow()));

    /// <summary>Volumes and snapshots whose delete is done are gone, as Cinder's volume service removes them.</summary>
    private CinderState FinishDeletes()
    {
        lock (_lock)
        {
            var now = Region.Time.GetUtcNow();
            foreach (var snapshot in _snapshots.Values.Where(s => s.DeletingSince is { } since && Region.DeleteDone(since, now)).ToList())
            {
                _snapshots.Remove(snapshot.Id);
            }

            foreach (var volume in _volumes.Values.Where(v => v.DeletingSince is { } since && Region.DeleteDone(since, now)).ToList())
            {
                _volumes.Remove(volume.Id);
            }
        }

        return this;
    }

    public IEnumerable<CinderVolumeType> Types => _types.Values;

    public IEnumerable<CinderBackup> Backups => _backups.Values.Select(b => b.Refresh(Region.Time.GetUtcNow()));

    public CinderBackup? GetBackup(string id) => _backups.TryGetValue(id, out var b) ? b.Refresh(Region.Time.GetUtcNow()) : null;

    public void Add(CinderBackup backup) => _backups[backup.Id] = backup;

    public void RemoveBackup(string id) => _backups.Remove(id);

    /// <summary>Transfers on offer (accepted and deleted ones are gone, as Cinder's soft-deleted rows are to its API).</summary>
    public IEnumerable<CinderTransfer> Transfers => _transfers.Values;

    public CinderTransfer? GetTransfer(string id) => _transfers.GetValueOrDefault(id);

    public void Add(CinderTransfer transfer) => _transfers[transfer.Id] = transfer;

    public void RemoveTransfer(string id) => _transfers.Remove(id);

    public CinderVolume? GetVolume(string id) => FinishDeletes()._volumes.TryGetValue(id, out var v) ? v.Refresh(Region.Time.GetUtcNow()) : null;

    public CinderSnapshot? GetSnapshot(string id) => FinishDeletes()._snapshots.TryGetValue(id, out var s) ? s.Refresh(Region.Time.GetUtcNow()) : null;

    public CinderVolumeType? GetType(string idOrName) =>
        _types.GetValueOrDefault(idOrName) ?? _types.Values.FirstOrDefault(t => t.Name == idOrName);

    public void Add(CinderVolume volume) => _volumes[volume.Id] = volume;

    public void Add(CinderSnapshot snapshot) => _snapshots[snapshot.Id] = snapshot;

    public void Add(CinderVolumeType type) => _types[type.Id] = type;

    public void RemoveVolume(string id) => _volumes.Remove(id);

    public void RemoveSnapshot(string id) => _snapshots.Remove(id);

    public void RemoveType(string id) => _types.Remove(id);

    public void SetImageMetadata(CinderVolume volume, Image.ImageInfo image) =>
        volume.ImageMetadata = Region.Image.VolumeImageMetadata(image.Id);

    public static bool AtLeast(string microversion, int minor) =>
        int.Parse(microversion.AsSpan(microversion.IndexOf('.', StringComparison.Ordinal) + 1), System.Globalization.CultureInfo.InvariantCulture) >= minor;

    /// <summary>A volume as Cinder's detail view shows it at <paramref name="microversion"/>.</summary>
    public JsonObject VolumeJson(CinderVolume v, DateTimeOffset now, string microversion, bool admin, string root)
    {
        _ = now;
        var json = new JsonObject
        {
            ["id"] = v.Id,
            ["name"] = v.Name,
            ["description"] = v.Description,
            ["status"] = v.Status,
            ["size"] = v.Size,
            ["availability_zone"] = v.AvailabilityZone,
            ["created_at"] = RegionHttp.CinderTimestamp(v.CreatedAt),
            ["updated_at"] = v.UpdatedAt is { } u ? RegionHttp.CinderTimestamp(u) : null,
            ["attachments"] = new JsonArray([.. v.Attachments.Select(a => (JsonNode)new JsonObject
            {
                ["server_id"] = a.ServerId,
                ["attachment_id"] = a.Id,
                ["attached_at"] = RegionHttp.CinderTimestamp(a.AttachedAt),
                ["host_name"] = a.Host,
                ["volume_id"] = v.Id,
                ["device"] = a.Device,
                ["id"] = v.Id,
            })]),
            ["bootable"] = v.Bootable ? "true" : "false",
            ["encrypted"] = false,
            ["multiattach"] = false,
            ["volume_type"] = v.VolumeType,
            ["snapshot_id"] = v.SnapshotId,
            ["source_volid"] = v.SourceVolId,
            ["metadata"] = Dict(v.Metadata),
            ["user_id"] = v.UserId,
            ["os-vol-tenant-attr:tenant_id"] = v.ProjectId,
            ["replication_status"] = null,
            ["consistencygroup_id"] = null,
            ["migration_status"] = null,
            ["links"] = Links(root, v.ProjectId, "volumes", v.Id),
        };
        if (v.ImageMetadata is not null)
        {
            json["volume_image_metadata"] = Dict(v.ImageMetadata);
        }

        if (admin)
        {
            json["os-vol-host-attr:host"] = v.Status == "creating" ? null : Host;
            json["os-vol-mig-status-attr:migstat"] = null;
            json["os-vol-mig-status-attr:name_id"] = null;
        }

        if (AtLeast(microversion, 13))
        {
            json["group_id"] = null;
        }

        if (AtLeast(microversion, 21))
        {
            json["provider_id"] = null;
        }

        if (AtLeast(microversion, 48))
        {
            json["shared_targets"] = false;
            json["service_uuid"] = v.Status == "creating" ? null : _serviceUuid;
        }

        if (AtLeast(microversion, 61) && admin)
        {
            json["cluster_name"] = null;
        }

        if (AtLeast(microversion, 63))
        {
            json["volume_type_id"] = GetType(v.VolumeType)?.Id;
        }

        if (AtLeast(microversion, 65))
        {
            json["consumes_quota"] = true;
        }

        return json;
    }

    public static JsonObject SnapshotJson(CinderSnapshot s, DateTimeOffset now)
    {
        _ = now;
        return new JsonObject
        {
            ["id"] = s.Id,
            ["name"] = s.Name,
            ["description"] = s.Description,
            ["status"] = s.Status,
            ["size"] = s.Size,
            ["volume_id"] = s.VolumeId,
            ["created_at"] = RegionHttp.CinderTimestamp(s.CreatedAt),
            ["updated_at"] = s.UpdatedAt is { } u ? RegionHttp.CinderTimestamp(u) : null,
            ["metadata"] = Dict(s.Metadata),
            ["os-extended-snapshot-attributes:progress"] = s.Status == "available" ? "100%" : "0%",
            ["os-extended-snapshot-attributes:project_id"] = s.ProjectId,
        };
    }

    /// <summary>A backup as Cinder's detail view shows it at <paramref name="microversion"/> (api/v3/views/backups.py, v3/backups.py).</summary>
    public JsonObject BackupJson(CinderBackup b, string microversion, bool admin, string root)
    {
        var json = new JsonObject
        {
            ["id"] = b.Id,
            ["status"] = b.Status,
            ["size"] = b.Size,
            ["object_count"] = b.Status == "creating" ? 0 : b.Size * 20, // the chunked driver's objects per GiB at its default chunk size, roughly
            ["availability_zone"] = b.AvailabilityZone,
            ["container"] = b.Container,
            ["created_at"] = RegionHttp.CinderTimestamp(b.CreatedAt),
            ["updated_at"] = b.UpdatedAt is { } u ? RegionHttp.CinderTimestamp(u) : null,
            ["name"] = b.Name,
            ["description"] = b.Description,
            ["fail_reason"] = b.FailReason,
            ["volume_id"] = b.VolumeId,
            ["links"] = Links(root, b.ProjectId, "backups", b.Id),
            ["is_incremental"] = b.ParentId is not null,
            ["has_dependent_backups"] = _backups.Values.Any(d => d.ParentId == b.Id),
            ["snapshot_id"] = b.SnapshotId,
            ["data_timestamp"] = RegionHttp.CinderTimestamp(b.DataTimestamp),
        };
        if (AtLeast(microversion, 43))
        {
            json["metadata"] = Dict(b.Metadata);
        }

        if (AtLeast(microversion, 18) && admin)
        {
            json["os-backup-project-attr:project_id"] = b.ProjectId;
        }

        if (AtLeast(microversion, 56) && admin)
        {
            json["user_id"] = b.UserId;
        }

        return json;
    }

    // Cinder shows non-admins only the extra specs its policy calls non-sensitive.
    private static readonly string[] PublicExtraSpecs = ["multiattach", "RESKEY:availability_zones", "replication_enabled"];

    public static JsonObject TypeJson(CinderVolumeType t, bool admin)
    {
        var specs = new JsonObject();
        foreach (var (key, value) in t.ExtraSpecs)
        {
            if (admin || PublicExtraSpecs.Contains(key))
            {
                specs[key] = value;
            }
        }

        var json = new JsonObject
        {
            ["id"] = t.Id,
            ["name"] = t.Name,
            ["description"] = t.Description,
            ["is_public"] = t.IsPublic,
            ["os-volume-type-access:is_public"] = t.IsPublic,
            ["extra_specs"] = specs,
        };
        if (admin)
        {
            json["qos_specs_id"] = null;
        }

        return json;
    }

    public static JsonObject Dict(IDictionary<string, string> values)
    {
        var json = new JsonObject();
        foreach (var (key, value) in values)
        {
            json[key] = value;
        }

        return json;
    }

    public static JsonArray Links(string root, string projectId, string collection, string id) => new(
        new JsonObject { ["href"] = $"{root}/v3/{projectId}/{collection}/{id}", ["rel"] = "self" },
        new JsonObject { ["href"] = $"{root}/{projectId}/{collection}/{id}", ["rel"] = "bookmark" });
}

internal sealed record VolumeInfo(string Id, string ProjectId, string Status, int Size, bool Bootable, string AvailabilityZone, IReadOnlyList<string> AttachedServerIds);

internal sealed record CinderAttachment(string Id, string ServerId, string Device, string Host, DateTimeOffset AttachedAt);

/// <summary>One volume (mutable; guarded by the store's lock).</summary>
internal sealed class CinderVolume(string id, string projectId, string userId, DateTimeOffset createdAt)
{
    public string Id { get; } = id;

    /// <summary>The owner: changes when a transfer is accepted.</summary>
    public string ProjectId { get; set; } = projectId;

    public string UserId { get; set; } = userId;

    public string Name { get; set; } = "";

    public string? Description { get; set; }

    public int Size { get; set; }

    public string AvailabilityZone { get; set; } = "nova";

    public string VolumeType { get; set; } = CinderState.DefaultTypeName;

    public string Status { get; set; } = "creating";

    /// <summary>A pending lazy transition: at that time the status becomes the given one.</summary>
    public (DateTimeOffset At, string To)? Pending { get; set; }

    /// <summary>When its delete was accepted (status deleting): it is gone once the region's delete delay has passed.</summary>
    public DateTimeOffset? DeletingSince { get; set; }

    public bool Bootable { get; set; }

    public bool ReadOnly { get; set; }

    public string? SnapshotId { get; set; }

    public string? SourceVolId { get; set; }

    public SortedDictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    public SortedDictionary<string, string>? ImageMetadata { get; set; }

    public List<CinderAttachment> Attachments { get; } = [];

    public DateTimeOffset CreatedAt { get; } = createdAt;

    public DateTimeOffset? UpdatedAt { get; set; }

    public CinderVolume Refresh(DateTimeOffset now)
    {
        if (Pending is { } pending && now >= pending.At)
        {
            Status = pending.To == "available" && Attachments.Count > 0 ? "in-use" : pending.To;
            UpdatedAt = pending.At;
            Pending = null;
        }

        return this;
    }

    public VolumeInfo Info() => new(Id, ProjectId, Status, Size, Bootable, AvailabilityZone, [.. Attachments.Select(a => a.ServerId)]);
}

/// <summary>One snapshot (mutable; guarded by the store's lock).</summary>
internal sealed class CinderSnapshot(string id, string projectId, string userId, string volumeId, int size, DateTimeOffset createdAt)
{
    public string Id { get; } = id;

    /// <summary>The owner: changes with its volume's when a transfer is accepted (unless no_snapshots).</summary>
    public string ProjectId { get; set; } = projectId;

    public string UserId { get; set; } = userId;

    public string VolumeId { get; } = volumeId;

    public int Size { get; } = size;

    public string? Name { get; set; }

    public string? Description { get; set; }

    public string Status { get; set; } = "creating";

    public DateTimeOffset? ReadyAt { get; set; }

    /// <summary>When its delete was accepted (status deleting): it is gone once the region's delete delay has passed.</summary>
    public DateTimeOffset? DeletingSince { get; set; }

    /// <summary>A pending lazy transition other than creation's (a backup of it, say): at that time the status becomes the given one.</summary>
    public (DateTimeOffset At, string To)? Pending { get; set; }

    public SortedDictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    public DateTimeOffset CreatedAt { get; } = createdAt;

    public DateTimeOffset? UpdatedAt { get; set; }

    public CinderSnapshot Refresh(DateTimeOffset now)
    {
        if (Pending is { } pending && now >= pending.At)
        {
            Status = pending.To;
            UpdatedAt = pending.At;
            Pending = null;
        }

        if (Status == "creating" && ReadyAt is { } ready && now >= ready)
        {
            Status = "available";
            UpdatedAt = ready;
            ReadyAt = null;
        }

        return this;
    }
}

/// <summary>One volume type.</summary>
internal sealed class CinderVolumeType(string id, string name, DateTimeOffset createdAt)
{
    public string Id { get; } = id;

    public string Name { get; set; } = name;

    public string? Description { get; set; }

    public bool IsPublic { get; set; } = true;

    public SortedDictionary<string, string> ExtraSpecs { get; } = new(StringComparer.Ordinal);

    public DateTimeOffset CreatedAt { get; } = createdAt;
}

/// <summary>One backup (mutable; guarded by the store's lock). Its own and its volume's transitions finish together, lazily.</summary>
internal sealed class CinderBackup(string id, string projectId, string userId, string volumeId, int size, DateTimeOffset createdAt)
{
    public string Id { get; } = id;

    public string ProjectId { get; } = projectId;

    public string UserId { get; } = userId;

    public string VolumeId { get; } = volumeId;

    public int Size { get; } = size;

    public string? Name { get; set; }

    public string? Description { get; set; }

    public string? Container { get; set; }

    public string AvailabilityZone { get; set; } = "nova";

    public string? SnapshotId { get; set; }

    public string? ParentId { get; set; }

    public string Status { get; set; } = "creating";

    public string? FailReason { get; set; }

    /// <summary>A pending lazy transition: at that time the status becomes the given one.</summary>
    public (DateTimeOffset At, string To)? Pending { get; set; }

    public SortedDictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    public DateTimeOffset CreatedAt { get; } = createdAt;

    public DateTimeOffset DataTimestamp { get; set; } = createdAt;

    public DateTimeOffset? UpdatedAt { get; set; }

    public CinderBackup Refresh(DateTimeOffset now)
    {
        if (Pending is { } pending && now >= pending.At)
        {
            Status = pending.To;
            UpdatedAt = pending.At;
            Pending = null;
        }

        return this;
    }
}

/// <summary>One volume transfer on offer (cinder/db/sqlalchemy/models.py's Transfer): the auth key is kept only as its salted HMAC.</summary>
internal sealed class CinderTransfer(string id, string volumeId, string? name, string salt, string cryptHash, bool noSnapshots, string sourceProjectId, DateTimeOffset createdAt)
{
    public string Id { get; } = id;

    public string VolumeId { get; } = volumeId;

    public string? Name { get; } = name;

    public string Salt { get; } = salt;

    public string CryptHash { get; } = cryptHash;

    public bool NoSnapshots { get; } = noSnapshots;

    public string SourceProjectId { get; } = sourceProjectId;

    public DateTimeOffset CreatedAt { get; } = createdAt;
}
