using System.Text.Json.Nodes;

namespace Tricircle.Emulator.Regions.Volume;

/// <summary>
/// Cinder v3 backups (api/contrib/backups.py, api/v3/backups.py, backup/api.py of Zed), with a
/// backup service that always answers: create (the volume is backing-up meanwhile), list, show,
/// update (3.9), delete, restore into a new or an existing volume (restoring-backup meanwhile),
/// and the admin actions os-reset_status and os-force_delete.
/// </summary>
internal static partial class CinderApi
{
    private static readonly string[] BackupSortKeys = ["id", "name", "display_name", "status", "size", "created_at", "updated_at", "volume_id", "availability_zone", "container"];

    private static void MapBackups(Action<string, string, Func<CinderRequest, Task>> route)
    {
        route("GET", "/backups", r => ListBackupsAsync(r, detail: false));
        route("GET", "/backups/detail", r => ListBackupsAsync(r, detail: true));
        route("POST", "/backups", CreateBackupAsync);
        route("GET", "/backups/{id}", ShowBackupAsync);
        route("PUT", "/backups/{id}", UpdateBackupAsync);
        route("DELETE", "/backups/{id}", r => DeleteBackupAsync(r, force: false));
        route("POST", "/backups/{id}/restore", RestoreBackupAsync);
        route("POST", "/backups/{id}/action", BackupActionAsync);
    }

    /// <summary>backup/api.py's _get_available_backup_service_host, when the region runs no cinder-backup.</summary>
    private static void RequireBackupService(CinderRequest r)
    {
        if (r.State.Region.Faults.NoBackupService)
        {
            throw OpenStackFault.NotFound("Service cinder-backup could not be found.");
        }
    }

    private static CinderBackup Backup(CinderRequest r, string id) =>
        r.State.GetBackup(id) is { } b && r.Caller.CanSee(b.ProjectId) ? b : throw OpenStackFault.NotFound($"Backup {id} could not be found.");

    private static JsonObject BackupSummary(CinderRequest r, CinderBackup b) =>
        new() { ["id"] = b.Id, ["name"] = b.Name, ["links"] = CinderState.Links(r.Root, b.ProjectId, "backups", b.Id) };

    private static async Task CreateBackupAsync(CinderRequest r)
    {
        var root = await RegionHttp.ReadObjectAsync(r.Http);
        NoExtraKeys(root, "body", "backup");
        var body = root["backup"] as JsonObject
            ?? throw OpenStackFault.BadRequest(root.ContainsKey("backup")
                ? $"Invalid input for field/attribute backup. Value: {root["backup"]?.ToJsonString() ?? "None"}. {root["backup"]?.ToJsonString() ?? "None"} is not of type 'object'"
                : "Invalid input for field/attribute body. Value: " + root.ToJsonString() + ". 'backup' is a required property");
        string[] keys = ["volume_id", "container", "description", "incremental", "force", "name", "snapshot_id"];
        if (CinderState.AtLeast(r.Version, 43))
        {
            keys = [.. keys, "metadata"];
        }

        if (CinderState.AtLeast(r.Version, 51))
        {
            keys = [.. keys, "availability_zone"];
        }

        NoExtraKeys(body, "backup", keys);
        if (!body.ContainsKey("volume_id"))
        {
            throw OpenStackFault.BadRequest("Invalid input for field/attribute backup. Value: " + body.ToJsonString() + ". 'volume_id' is a required property");
        }

        Uuid(body, "volume_id", nullable: false);
        Uuid(body, "snapshot_id", nullable: true);
        ShortStr(body, "name");
        ShortStr(body, "description", printable: true);
        ShortStr(body, "container");
        var incremental = body["incremental"] is { } inc && Bool(inc, "incremental");
        var force = body["force"] is { } f && Bool(f, "force");
        var metadata = body.ContainsKey("metadata") && body["metadata"] is not null ? StringDict(body["metadata"], "metadata") : [];
        var zone = body.ContainsKey("availability_zone") ? ShortStr(body, "availability_zone") : null;

        JsonObject json;
        lock (r.State.Sync)
        {
            var volumeId = Str(body, "volume_id")!;
            var volume = Volume(r, volumeId);
            var snapshotId = Str(body, "snapshot_id");
            CinderSnapshot? snapshot = null;
            if (snapshotId is not null)
            {
                snapshot = Snapshot(r, snapshotId);
                if (snapshot.VolumeId != volume.Id)
                {
                    throw OpenStackFault.BadRequest($"Invalid volume: Volume {volume.Id} does not match with snapshot.volume_id {snapshot.VolumeId}.");
                }

                if (snapshot.Status != "available")
                {
                    throw OpenStackFault.BadRequest($"Invalid snapshot: Snapshot to be backed up must be available, but the current status is \"{snapshot.Status}\".");
                }
            }
            else if (volume.Status is not ("available" or "in-use"))
            {
                throw OpenStackFault.BadRequest($"Invalid volume: Volume to be backed up must be available or in-use, but the current status is \"{volume.Status}\".");
            }
            else if (volume.Status == "in-use" && !force)
            {
                throw OpenStackFault.BadRequest("Invalid volume: Backing up an in-use volume must use the force flag.");
            }

            // The region's own quota, as QUOTAS.reserve(backups=1, backup_gigabytes=size).
            var own = r.State.Backups.Where(b => b.ProjectId == r.Caller.ProjectId).ToList();
            if (own.Count >= CinderState.MaxBackups)
            {
                throw new OpenStackFault(413, $"BackupLimitExceeded: Maximum number of backups allowed ({CinderState.MaxBackups}) exceeded", "overLimit");
            }

            if (own.Sum(b => (long)b.Size) + volume.Size > CinderState.MaxBackupGigabytes)
            {
                throw new OpenStackFault(413, $"VolumeBackupSizeExceedsAvailableQuota: Requested backup exceeds allowed Backup gigabytes quota. Requested {volume.Size}G, quota is {CinderState.MaxBackupGigabytes}G and {own.Sum(b => (long)b.Size)}G has been consumed.", "overLimit");
            }

            // An incremental backup's parent is the volume's latest (by its data's time) of the caller's backups.
            string? parentId = null;
            if (incremental)
            {
                var previous = own.Where(b => b.VolumeId == volume.Id && (snapshot is null || b.DataTimestamp < snapshot.CreatedAt)).OrderBy(b => b.DataTimestamp).LastOrDefault();
                if (!own.Any(b => b.VolumeId == volume.Id))
                {
                    throw OpenStackFault.BadRequest("Invalid backup: No backups available to do an incremental backup.");
                }

                if (previous is not null && previous.Status != "available")
                {
                    throw OpenStackFault.BadRequest("Invalid backup: The parent backup must be available for incremental backup.");
                }

                parentId = previous?.Id;
            }

            var now = r.Now;
            var done = now + r.State.Region.Options.VolumeCreateDelay;
            var backup = new CinderBackup(RegionContext.NewId(), r.Caller.ProjectId, r.Caller.UserId, volume.Id, volume.Size, now)
            {
                Name = Str(body, "name"),
                Description = Str(body, "description"),
                Container = Str(body, "container") ?? "volumebackups",
                AvailabilityZone = zone ?? r.State.Region.Options.AvailabilityZone,
                SnapshotId = snapshotId,
                ParentId = parentId,
                DataTimestamp = snapshot?.CreatedAt ?? now,
                Pending = (done, "available"),
            };
            foreach (var (key, value) in metadata)
            {
                backup.Metadata[key] = value;
            }

            // The volume (or snapshot) is busy until the backup is made, then back to what it was;
            // without a backup service the scheduler puts the volume back at once and the backup in error.
            if (r.State.Region.Faults.NoBackupService)
            {
                backup.Status = "error";
                backup.FailReason = "Service not found for creating backup.";
                backup.Pending = null;
            }
            else if (snapshot is not null)
            {
                snapshot.Pending = (done, snapshot.Status);
                snapshot.Status = "backing-up";
            }
            else
            {
                volume.Pending = (done, volume.Status);
                volume.Status = "backing-up";
                volume.UpdatedAt = now;
            }

            r.State.Add(backup);
            json = BackupSummary(r, backup);
        }

        await r.WriteAsync(202, new JsonObject { ["backup"] = json });
    }

    private static Task ShowBackupAsync(CinderRequest r)
    {
        JsonObject json;
        lock (r.State.Sync)
        {
            json = r.State.BackupJson(Backup(r, r.Route("id")), r.Version, r.Caller.IsAdmin, r.Root);
        }

        return r.WriteAsync(200, new JsonObject { ["backup"] = json });
    }

    private static async Task UpdateBackupAsync(CinderRequest r)
    {
        if (!CinderState.AtLeast(r.Version, 9))
        {
            throw OpenStackFault.NotFound("The resource could not be found."); // update is 3.9's
        }

        var root = await RegionHttp.ReadObjectAsync(r.Http);
        NoExtraKeys(root, "body", "backup");
        if (!root.ContainsKey("backup"))
        {
            throw OpenStackFault.BadRequest("Invalid input for field/attribute body. Value: " + root.ToJsonString() + ". 'backup' is a required property");
        }

        var body = root["backup"] switch
        {
            null => [],
            JsonObject o => o,
            var other => throw OpenStackFault.BadRequest($"Invalid input for field/attribute backup. Value: {other.ToJsonString()}. {other.ToJsonString()} is not of type 'object', 'null'"),
        };
        NoExtraKeys(body, "backup", CinderState.AtLeast(r.Version, 43) ? ["name", "description", "metadata"] : ["name", "description"]);
        ShortStr(body, "name");
        ShortStr(body, "description", printable: true);
        if (body.ContainsKey("metadata") && body["metadata"] is null)
        {
            throw OpenStackFault.BadRequest("Invalid input for field/attribute metadata. Value: None. None is not of type 'object'");
        }

        var metadata = body.ContainsKey("metadata") ? StringDict(body["metadata"], "metadata") : null;
        JsonObject json;
        lock (r.State.Sync)
        {
            var backup = Backup(r, r.Route("id"));
            if (body.ContainsKey("name"))
            {
                backup.Name = Str(body, "name");
            }

            if (body.ContainsKey("description"))
            {
                backup.Description = Str(body, "description");
            }

            if (metadata is not null)
            {
                backup.Metadata.Clear();
                foreach (var (key, value) in metadata)
                {
                    backup.Metadata[key] = value;
                }
            }

            backup.UpdatedAt = r.Now;
            json = BackupSummary(r, backup);
        }

        await r.WriteAsync(200, new JsonObject { ["backup"] = json });
    }

    private static Task DeleteBackupAsync(CinderRequest r, bool force)
    {
        lock (r.State.Sync)
        {
            var backup = Backup(r, r.Route("id"));
            if (!force && backup.Status is not ("available" or "error"))
            {
                throw OpenStackFault.BadRequest("Invalid backup: Backup status must be available or error");
            }

            if (r.State.Backups.Any(b => b.ParentId == backup.Id))
            {
                throw OpenStackFault.BadRequest("Invalid backup: Incremental backups exist for this backup.");
            }

            RequireBackupService(r);

            // Real Cinder shows "deleting" until its backup service is done; this one is done at once.
            r.State.RemoveBackup(backup.Id);
        }

        r.Http.Response.StatusCode = 202;
        return Task.CompletedTask;
    }

    private static async Task RestoreBackupAsync(CinderRequest r)
    {
        var root = await RegionHttp.ReadObjectAsync(r.Http);
        NoExtraKeys(root, "body", "restore");
        if (!root.ContainsKey("restore"))
        {
            throw OpenStackFault.BadRequest("Invalid input for field/attribute body. Value: " + root.ToJsonString() + ". 'restore' is a required property");
        }

        var body = root["restore"] switch
        {
            null => [],
            JsonObject o => o,
            var other => throw OpenStackFault.BadRequest($"Invalid input for field/attribute restore. Value: {other.ToJsonString()}. {other.ToJsonString()} is not of type 'object', 'null'"),
        };
        NoExtraKeys(body, "restore", "name", "volume_id");
        ShortStr(body, "name");
        Uuid(body, "volume_id", nullable: true);

        JsonObject json;
        lock (r.State.Sync)
        {
            var backup = Backup(r, r.Route("id"));
            if (backup.Status != "available")
            {
                throw OpenStackFault.BadRequest("Invalid backup: Backup status must be available");
            }

            var now = r.Now;
            var done = now + r.State.Region.Options.VolumeCreateDelay;
            CinderVolume volume;
            if (Str(body, "volume_id") is { } volumeId)
            {
                volume = Volume(r, volumeId);
                if (volume.Status != "available")
                {
                    throw OpenStackFault.BadRequest("Invalid volume: Volume to be restored to must be available");
                }

                if (backup.Size > volume.Size)
                {
                    throw OpenStackFault.BadRequest($"Invalid volume: volume size {volume.Size} is too small to restore backup of size {backup.Size}.");
                }
            }
            else
            {
                // A new volume of the backup's size and the default type, counted like any other.
                var own = r.State.Volumes.Where(v => v.ProjectId == r.Caller.ProjectId).ToList();
                if (own.Count >= CinderState.MaxVolumes)
                {
                    throw new OpenStackFault(413, $"VolumeLimitExceeded: Maximum number of volumes allowed ({CinderState.MaxVolumes}) exceeded for quota 'volumes'.", "overLimit");
                }

                var used = own.Sum(v => (long)v.Size) + r.State.Snapshots.Where(s => s.ProjectId == r.Caller.ProjectId).Sum(s => (long)s.Size);
                if (used + backup.Size > CinderState.MaxGigabytes)
                {
                    throw new OpenStackFault(413, $"VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota. Requested {backup.Size}G, quota is {CinderState.MaxGigabytes}G and {used}G has been consumed.", "overLimit");
                }

                volume = new CinderVolume(RegionContext.NewId(), r.Caller.ProjectId, r.Caller.UserId, now)
                {
                    Name = Str(body, "name") ?? $"restore_backup_{backup.Id}",
                    Description = "auto-created_from_restore_from_backup",
                    Size = backup.Size,
                    AvailabilityZone = r.State.Region.Options.AvailabilityZone,
                    UpdatedAt = now,
                };
                r.State.Add(volume);
                volume.Status = "available"; // Cinder waits for it to be made before it looks for a backup service
            }

            RequireBackupService(r);
            volume.Status = "restoring-backup";
            volume.Pending = (done, "available");
            volume.UpdatedAt = now;
            backup.Status = "restoring";
            backup.Pending = (done, "available");
            backup.UpdatedAt = now;
            json = new JsonObject { ["backup_id"] = backup.Id, ["volume_id"] = volume.Id, ["volume_name"] = volume.Name };
        }

        await r.WriteAsync(202, new JsonObject { ["restore"] = json });
    }

    private static async Task BackupActionAsync(CinderRequest r)
    {
        var body = await RegionHttp.ReadObjectAsync(r.Http);
        if (body.Count != 1 || body.First().Key is not ("os-reset_status" or "os-force_delete"))
        {
            throw OpenStackFault.BadRequest("There is no such action: " + string.Join(",", body.Select(p => p.Key)));
        }

        var (action, value) = body.First();
        if (action == "os-force_delete")
        {
            lock (r.State.Sync)
            {
                Backup(r, r.Route("id")); // found first, then authorized (admin_actions._force_delete)
            }

            if (!r.Caller.IsAdmin)
            {
                throw AdminOnly("volume_extension:backup_admin_actions:force_delete");
            }

            await DeleteBackupAsync(r, force: true);
            return;
        }

        // reset_status_backup: {"status": one of available, error (any case)}, validated before anything else.
        var args = value as JsonObject
            ?? throw OpenStackFault.BadRequest($"Invalid input for field/attribute os-reset_status. Value: {value?.ToJsonString() ?? "None"}. {value?.ToJsonString() ?? "None"} is not of type 'object'");
        NoExtraKeys(args, "os-reset_status", "status");
        var status = args.ContainsKey("status")
            ? Str(args, "status") ?? throw OpenStackFault.BadRequest("Invalid input for field/attribute status. Value: None. None is not of type 'string'")
            : throw OpenStackFault.BadRequest($"Invalid input for field/attribute os-reset_status. Value: {args.ToJsonString()}. 'status' is a required property");
        if (status.ToLowerInvariant() is not ("available" or "error"))
        {
            throw OpenStackFault.BadRequest($"Backup status: {status} is invalid, valid statuses are: ['available', 'error'].");
        }

        if (!r.Caller.IsAdmin)
        {
            throw AdminOnly("volume_extension:backup_admin_actions:reset_status");
        }

        lock (r.State.Sync)
        {
            var backup = Backup(r, r.Route("id"));
            RequireBackupService(r);
            backup.Status = status.ToLowerInvariant();
            backup.Pending = null;
            backup.UpdatedAt = r.Now;
        }

        r.Http.Response.StatusCode = 202;
    }

    private static Task ListBackupsAsync(CinderRequest r, bool detail)
    {
        var query = r.Http.Request.Query;
        RejectInvalidFilters(r, query, "backup");
        var allTenants = r.Caller.IsAdmin && IsTrue(query["all_tenants"].ToString());
        JsonObject result;
        lock (r.State.Sync)
        {
            var backups = r.State.Backups.Where(b => allTenants ? (query["project_id"].ToString() is not { Length: > 0 } p || b.ProjectId == p) : b.ProjectId == r.Caller.ProjectId);
            backups = FilterEq(backups, query, "name", b => b.Name);
            backups = FilterEq(backups, query, "status", b => b.Status);
            backups = FilterEq(backups, query, "volume_id", b => b.VolumeId);
            var sorted = Sort(backups.ToList(), query, BackupSortKeys, CompareBackups, b => b.Id, out var order);
            var withCount = CinderState.AtLeast(r.Version, 45) && IsTrue(query["with_count"].ToString());
            var (page, next) = Page(sorted, query, b => b.Id, id => Backup(r, id), order, withCount ? sorted.Count : null);
            result = new JsonObject
            {
                ["backups"] = new JsonArray([.. page.Select(b => (JsonNode)(detail ? r.State.BackupJson(b, r.Version, r.Caller.IsAdmin, r.Root) : BackupSummary(r, b)))]),
            };
            if (next is not null)
            {
                result["backups_links"] = new JsonArray(new JsonObject { ["href"] = NextLink(r, detail ? "backups/detail" : "backups", next), ["rel"] = "next" });
            }

            if (CinderState.AtLeast(r.Version, 45) && IsTrue(query["with_count"].ToString()))
            {
                result["count"] = sorted.Count;
            }
        }

        return r.WriteAsync(200, result);
    }

    private static int CompareBackups(CinderBackup a, CinderBackup b, string key) => key switch
    {
        "name" or "display_name" => string.CompareOrdinal(a.Name, b.Name),
        "status" => string.CompareOrdinal(a.Status, b.Status),
        "size" => a.Size.CompareTo(b.Size),
        "created_at" => a.CreatedAt.CompareTo(b.CreatedAt),
        "updated_at" => Nullable.Compare(a.UpdatedAt, b.UpdatedAt),
        "volume_id" => string.CompareOrdinal(a.VolumeId, b.VolumeId),
        "availability_zone" => string.CompareOrdinal(a.AvailabilityZone, b.AvailabilityZone),
        "container" => string.CompareOrdinal(a.Container, b.Container),
        _ => string.CompareOrdinal(a.Id, b.Id),
    };
}
