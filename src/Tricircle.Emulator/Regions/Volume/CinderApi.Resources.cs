using System.Text.Json.Nodes;

namespace Tricircle.Emulator.Regions.Volume;

/// <summary>Cinder v3: volume actions, snapshots, types, limits and quotas.</summary>
internal static partial class CinderApi
{
    private static readonly string[] SnapshotSortKeys = ["id", "name", "status", "size", "created_at", "updated_at", "volume_id"];

    private static OpenStackFault AdminOnly(string action) =>
        OpenStackFault.Forbidden($"Policy doesn't allow {action} to be performed.");

    // ---- volume actions ----

    private static async Task VolumeActionAsync(CinderRequest r)
    {
        var body = await RegionHttp.ReadObjectAsync(r.Http);
        if (body.Count != 1)
        {
            throw OpenStackFault.BadRequest("There is no such action: " + string.Join(",", body.Select(p => p.Key)));
        }

        var (action, argsNode) = body.First();
        CheckActionSchema(action, argsNode); // Cinder validates the body before it looks at the volume or the caller's rights
        var args = argsNode as JsonObject ?? [];
        JsonObject? result = null;
        var status = 202;
        Image.ImageInfo? uploaded = null;
        lock (r.State.Sync)
        {
            var volume = Volume(r, r.Route("id"));
            var now = r.Now;
            switch (action)
            {
                case "os-extend":
                    var newSize = Int(args["new_size"] ?? throw OpenStackFault.BadRequest("Invalid input for field/attribute os-extend. Value: {}. 'new_size' is a required property"), "new_size");
                    var allowed = CinderState.AtLeast(r.Version, 42) ? volume.Status is "available" or "in-use" : volume.Status == "available";
                    if (!allowed)
                    {
                        throw OpenStackFault.BadRequest($"Invalid volume: Volume {volume.Id} status must be '{(CinderState.AtLeast(r.Version, 42) ? "available or in-use" : "available")}' to extend, currently {volume.Status}.");
                    }

                    if (newSize <= volume.Size)
                    {
                        throw OpenStackFault.BadRequest($"Invalid input received: New size for extend must be greater than current size. (current: {volume.Size}, extended: {newSize}).");
                    }

                    volume.Size = newSize;
                    break;
                case "os-reset_status":
                    if (!r.Caller.IsAdmin)
                    {
                        throw AdminOnly("volume_extension:volume_admin_actions:reset_status");
                    }

                    var newStatus = Str(args, "status") ?? volume.Status;
                    if (newStatus is not ("available" or "in-use" or "error" or "creating" or "deleting" or "attaching" or "detaching" or "error_deleting" or "maintenance" or "reserved" or "error_extending"))
                    {
                        throw OpenStackFault.BadRequest($"Invalid input for field/attribute status. Value: {newStatus}.");
                    }

                    volume.Status = newStatus;
                    volume.Pending = null;
                    if (Str(args, "attach_status") == "detached")
                    {
                        volume.Attachments.Clear();
                    }

                    break;
                case "os-set_bootable":
                    volume.Bootable = Bool(args["bootable"] ?? throw OpenStackFault.BadRequest("Invalid input for field/attribute os-set_bootable. 'bootable' is a required property"), "bootable");
                    status = 200;
                    break;
                case "os-update_readonly_flag":
                    volume.ReadOnly = Bool(args["readonly"] ?? throw OpenStackFault.BadRequest("Invalid input for field/attribute os-update_readonly_flag. 'readonly' is a required property"), "readonly");
                    volume.Metadata["readonly"] = volume.ReadOnly ? "True" : "False";
                    break;
                case "os-volume_upload_image":
                    var imageName = Str(args, "image_name") ?? throw OpenStackFault.BadRequest("Invalid input for field/attribute os-volume_upload_image. 'image_name' is a required property");
                    var force = args["force"] is { } f && Bool(f, "force");
                    if (!(volume.Status == "available" || (force && volume.Status == "in-use")))
                    {
                        throw OpenStackFault.BadRequest($"Invalid volume: Volume {volume.Id} status must be available or in-use, but current status is: {volume.Status}.");
                    }

                    var diskFormat = Str(args, "disk_format") ?? "raw";
                    var containerFormat = Str(args, "container_format") ?? "bare";
                    if (!Image.GlanceState.DiskFormats.Contains(diskFormat))
                    {
                        throw OpenStackFault.BadRequest($"Invalid input received: Invalid disk-format '{diskFormat}' is specified. Allowed disk-formats are {string.Join(", ", Image.GlanceState.DiskFormats)}.");
                    }

                    var properties = new Dictionary<string, string>(StringComparer.Ordinal);
                    if (volume.ImageMetadata is not null)
                    {
                        foreach (var (key, value) in volume.ImageMetadata.Where(m => m.Key is not ("image_id" or "image_name" or "checksum" or "size" or "container_format" or "disk_format" or "min_disk" or "min_ram" or "signature_verified")))
                        {
                            properties[key] = value;
                        }
                    }

                    uploaded = r.State.Region.Image.CreateImage(volume.ProjectId, imageName, properties, (long)volume.Size << 30, diskFormat, containerFormat);
                    var previous = volume.Status;
                    volume.Status = "uploading";
                    volume.Pending = (now + r.State.Region.Options.VolumeCreateDelay, previous);
                    result = new JsonObject
                    {
                        ["os-volume_upload_image"] = new JsonObject
                        {
                            ["id"] = volume.Id,
                            ["updated_at"] = RegionHttp.CinderTimestamp(now),
                            ["status"] = "uploading",
                            ["display_description"] = volume.Description,
                            ["size"] = volume.Size,
                            ["volume_type"] = r.State.GetType(volume.VolumeType) is { } t ? CinderState.TypeJson(t, r.Caller.IsAdmin) : null,
                            ["image_id"] = uploaded.Id,
                            ["container_format"] = containerFormat,
                            ["disk_format"] = diskFormat,
                            ["image_name"] = imageName,
                            ["protected"] = false,
                            ["visibility"] = "private",
                        },
                    };
                    break;
                case "os-force_detach":
                    if (!r.Caller.IsAdmin)
                    {
                        throw AdminOnly("volume_extension:volume_admin_actions:force_detach");
                    }

                    if (Str(args, "attachment_id") is { } attachmentId)
                    {
                        volume.Attachments.RemoveAll(a => a.Id == attachmentId);
                    }
                    else
                    {
                        volume.Attachments.Clear();
                    }

                    if (volume.Attachments.Count == 0)
                    {
                        volume.Status = "available";
                    }

                    break;
                case "os-reserve":
                    RequireStatus(volume, "available", "reserve");
                    volume.Status = "attaching";
                    break;
                case "os-unreserve":
                    if (volume.Status == "attaching")
                    {
                        volume.Status = volume.Attachments.Count > 0 ? "in-use" : "available";
                    }

                    break;
                case "os-attach":
                    if (volume.Status is not ("available" or "attaching" or "reserved"))
                    {
                        throw OpenStackFault.BadRequest($"Invalid volume: Volume {volume.Id} status must be available or attaching, but current status is: {volume.Status}.");
                    }

                    var server = Str(args, "instance_uuid") ?? Str(args, "host_name") ?? "";
                    volume.Attachments.Add(new CinderAttachment(RegionContext.NewId(), server, Str(args, "mountpoint") ?? "", Str(args, "host_name") ?? r.State.Region.ComputeHost, now));
                    volume.Status = "in-use";
                    break;
                case "os-begin_detaching":
                    RequireStatus(volume, "in-use", "begin detaching");
                    volume.Status = "detaching";
                    break;
                case "os-roll_detaching":
                    if (volume.Status == "detaching")
                    {
                        volume.Status = "in-use";
                    }

                    break;
                case "os-detach":
                    if (Str(args, "attachment_id") is { } detachId)
                    {
                        volume.Attachments.RemoveAll(a => a.Id == detachId);
                    }
                    else
                    {
                        volume.Attachments.Clear();
                    }

                    if (volume.Attachments.Count == 0)
                    {
                        volume.Status = "available";
                    }

                    break;
                case "os-initialize_connection":
                    status = 200;
                    result = new JsonObject
                    {
                        ["connection_info"] = new JsonObject
                        {
                            ["driver_volume_type"] = "iscsi",
                            ["data"] = new JsonObject
                            {
                                ["target_discovered"] = false,
                                ["target_iqn"] = "iqn.2010-10.org.openstack:volume-" + volume.Id,
                                ["target_portal"] = "127.0.0.1:3260",
                                ["target_lun"] = 1,
                                ["volume_id"] = volume.Id,
                                ["access_mode"] = volume.ReadOnly ? "ro" : "rw",
                            },
                        },
                    };
                    break;
                case "os-terminate_connection":
                    break;
                default:
                    throw OpenStackFault.BadRequest($"There is no such action: {action}");
            }

            volume.UpdatedAt = now;
        }

        await r.WriteAsync(status, result);
    }

    /// <summary>The schemas of the actions Cinder validates (volume_actions.py, admin_actions.py): their value is an object of known keys.</summary>
    private static void CheckActionSchema(string action, JsonNode? value)
    {
        if (action is "os-reserve" or "os-unreserve" or "os-begin_detaching" or "os-roll_detaching" || (action == "os-detach" && value is null))
        {
            return; // no schema (any value), or os-detach's null kept for old clients
        }

        var args = value as JsonObject
            ?? throw OpenStackFault.BadRequest($"Invalid input for field/attribute {action}. Value: {value?.ToJsonString() ?? "None"}. {value?.ToJsonString() ?? "None"} is not of type 'object'");
        switch (action)
        {
            case "os-attach":
                NoExtraKeys(args, action, "instance_uuid", "mountpoint", "host_name", "mode");
                Uuid(args, "instance_uuid", nullable: false);
                if (Str(args, "mountpoint") is not { Length: >= 1 and <= 255 })
                {
                    throw OpenStackFault.BadRequest(args.ContainsKey("mountpoint")
                        ? $"Invalid input for field/attribute mountpoint. Value: {args["mountpoint"]!.ToJsonString()}. It must be a string of 1 to 255 characters"
                        : $"Invalid input for field/attribute {action}. Value: {args.ToJsonString()}. 'mountpoint' is a required property");
                }

                if (Str(args, "host_name") is { Length: > 255 } hostName)
                {
                    throw OpenStackFault.BadRequest($"Invalid input for field/attribute host_name. Value: {hostName}. '{hostName}' is too long");
                }

                if (Str(args, "mode") is { } mode && mode is not ("rw" or "ro"))
                {
                    throw OpenStackFault.BadRequest($"Invalid input for field/attribute mode. Value: {mode}. '{mode}' is not one of ['rw', 'ro']");
                }

                if (!args.ContainsKey("instance_uuid") && !args.ContainsKey("host_name"))
                {
                    throw OpenStackFault.BadRequest($"Invalid input for field/attribute {action}. Value: {args.ToJsonString()}. {args.ToJsonString()} is not valid under any of the given schemas");
                }

                break;
            case "os-set_bootable" or "os-update_readonly_flag":
                var flag = action == "os-set_bootable" ? "bootable" : "readonly";
                NoExtraKeys(args, action, flag);
                Bool(args[flag] ?? throw OpenStackFault.BadRequest($"Invalid input for field/attribute {action}. Value: {args.ToJsonString()}. '{flag}' is a required property"), flag);
                break;
            case "os-extend":
                NoExtraKeys(args, action, "new_size");
                Int(args["new_size"] ?? throw OpenStackFault.BadRequest($"Invalid input for field/attribute {action}. Value: {args.ToJsonString()}. 'new_size' is a required property"), "new_size");
                break;
            case "os-detach":
                NoExtraKeys(args, action, "attachment_id");
                Uuid(args, "attachment_id", nullable: true);
                break;
            case "os-reset_status":
                NoExtraKeys(args, action, "status", "attach_status", "migration_status");
                var status = Str(args, "status");
                var attachStatus = Str(args, "attach_status");
                var migrationStatus = Str(args, "migration_status");
                if (string.IsNullOrEmpty(status) && string.IsNullOrEmpty(attachStatus) && string.IsNullOrEmpty(migrationStatus))
                {
                    throw OpenStackFault.BadRequest("Must specify 'status', 'attach_status' or 'migration_status' for update.");
                }

                if (!string.IsNullOrEmpty(attachStatus) && attachStatus.ToLowerInvariant() is not ("attached" or "detached"))
                {
                    throw OpenStackFault.BadRequest($"Volume attach status: {attachStatus} is invalid, valid statuses are: ['attached', 'detached'].");
                }

                break;
        }
    }

    private static void Uuid(JsonObject args, string key, bool nullable)
    {
        if (args.ContainsKey(key) && !(args[key] is null ? nullable : Str(args, key) is { } text && Guid.TryParse(text, out _)))
        {
            var shown = args[key]?.ToJsonString() ?? "None";
            throw OpenStackFault.BadRequest($"Invalid input for field/attribute {key}. Value: {shown}. {shown} is not a 'uuid'");
        }
    }

    private static void RequireStatus(CinderVolume volume, string wanted, string what)
    {
        if (volume.Status != wanted)
        {
            throw OpenStackFault.BadRequest($"Invalid volume: Volume {volume.Id} status must be {wanted} to {what}, but current status is: {volume.Status}.");
        }
    }

    // ---- snapshots ----

    private static CinderSnapshot Snapshot(CinderRequest r, string id) =>
        r.State.GetSnapshot(id) is { } s && r.Caller.CanSee(s.ProjectId) ? s : throw OpenStackFault.NotFound($"Snapshot {id} could not be found.");

    private static async Task CreateSnapshotAsync(CinderRequest r)
    {
        var body = RegionHttp.Wrapped(await RegionHttp.ReadObjectAsync(r.Http), "snapshot");
        NoExtraKeys(body, "snapshot", "name", "display_name", "description", "volume_id", "force", "metadata"); // snapshots.create
        ShortStr(body, "name");
        ShortStr(body, "display_name");
        ShortStr(body, "description", printable: true);
        // The schema requires the key but allows null (uuid_allow_null), which then names no volume: "Volume None could not be found."
        var volumeId = body.ContainsKey("volume_id")
            ? Str(body, "volume_id") ?? "None"
            : throw OpenStackFault.BadRequest("Invalid input for field/attribute snapshot. Value: " + body.ToJsonString() + ". 'volume_id' is a required property");
        var force = body["force"] is { } f && Bool(f, "force");
        var metadata = StringDict(body["metadata"], "metadata");
        JsonObject json;
        lock (r.State.Sync)
        {
            var volume = Volume(r, volumeId);
            if (!(volume.Status == "available" || (force && volume.Status == "in-use")))
            {
                throw OpenStackFault.BadRequest($"Invalid volume: Volume {volume.Id} status must be available, but current status is: {volume.Status}.");
            }

            if (r.State.Snapshots.Count(s => s.ProjectId == volume.ProjectId) >= CinderState.MaxSnapshots)
            {
                throw new OpenStackFault(413, $"SnapshotLimitExceeded: Maximum number of snapshots allowed ({CinderState.MaxSnapshots}) exceeded for quota 'snapshots'.", "overLimit");
            }

            var now = r.Now;
            var snapshot = new CinderSnapshot(RegionContext.NewId(), volume.ProjectId, r.Caller.UserId, volume.Id, volume.Size, now)
            {
                Name = Str(body, "name") ?? Str(body, "display_name"),
                Description = Str(body, "description") ?? Str(body, "display_description"),
                ReadyAt = now + r.State.Region.Options.VolumeCreateDelay,
            };
            foreach (var (key, value) in metadata)
            {
                snapshot.Metadata[key] = value;
            }

            r.State.Add(snapshot);
            json = SnapshotView(r, snapshot);
        }

        await r.WriteAsync(202, new JsonObject { ["snapshot"] = json });
    }

    private static JsonObject SnapshotView(CinderRequest r, CinderSnapshot s)
    {
        var json = CinderState.SnapshotJson(s, r.Now);
        if (CinderState.AtLeast(r.Version, 14))
        {
            json["group_snapshot_id"] = null;
        }

        if (CinderState.AtLeast(r.Version, 41))
        {
            json["user_id"] = s.UserId;
        }

        if (CinderState.AtLeast(r.Version, 65))
        {
            json["consumes_quota"] = true;
        }

        return json;
    }

    private static Task ShowSnapshotAsync(CinderRequest r)
    {
        JsonObject json;
        lock (r.State.Sync)
        {
            json = SnapshotView(r, Snapshot(r, r.Route("id")));
        }

        return r.WriteAsync(200, new JsonObject { ["snapshot"] = json });
    }

    private static async Task UpdateSnapshotAsync(CinderRequest r)
    {
        var body = RegionHttp.Wrapped(await RegionHttp.ReadObjectAsync(r.Http), "snapshot");
        NoExtraKeys(body, "snapshot", "name", "description", "display_name", "display_description"); // snapshots.update
        ShortStr(body, "name");
        ShortStr(body, "display_name");
        ShortStr(body, "description", printable: true);
        ShortStr(body, "display_description", printable: true);
        if (body.Count == 0)
        {
            throw OpenStackFault.BadRequest("Invalid input for field/attribute snapshot. Value: {}. {} is not valid under any of the given schemas");
        }

        JsonObject json;
        lock (r.State.Sync)
        {
            var snapshot = Snapshot(r, r.Route("id"));
            if (body.ContainsKey("name") || body.ContainsKey("display_name"))
            {
                snapshot.Name = Str(body, "name") ?? Str(body, "display_name");
            }

            if (body.ContainsKey("description") || body.ContainsKey("display_description"))
            {
                snapshot.Description = Str(body, "description") ?? Str(body, "display_description");
            }

            snapshot.UpdatedAt = r.Now;
            json = SnapshotView(r, snapshot);
        }

        await r.WriteAsync(200, new JsonObject { ["snapshot"] = json });
    }

    private static Task DeleteSnapshotAsync(CinderRequest r)
    {
        lock (r.State.Sync)
        {
            var snapshot = Snapshot(r, r.Route("id"));
            if (snapshot.Status is not ("available" or "error" or "error_deleting"))
            {
                throw OpenStackFault.BadRequest($"Invalid snapshot: Volume Snapshot status must be available or error or error_deleting, but current status is: {snapshot.Status}.");
            }

            if (r.State.Region.DeleteDone(r.Now, r.Now))
            {
                r.State.RemoveSnapshot(snapshot.Id);
            }
            else
            {
                // The volume service takes a moment: deleting until then.
                snapshot.Status = "deleting";
                snapshot.Pending = null;
                snapshot.DeletingSince = r.Now;
                snapshot.UpdatedAt = r.Now;
            }
        }

        r.Http.Response.StatusCode = 202;
        return Task.CompletedTask;
    }

    private static Task ListSnapshotsAsync(CinderRequest r, bool detail)
    {
        var query = r.Http.Request.Query;
        RejectInvalidFilters(r, query, "snapshot");
        var allTenants = r.Caller.IsAdmin && IsTrue(query["all_tenants"].ToString());
        JsonObject result;
        lock (r.State.Sync)
        {
            var snapshots = r.State.Snapshots.Where(s => allTenants || s.ProjectId == r.Caller.ProjectId);
            snapshots = FilterEq(snapshots, query, "name", s => s.Name);
            snapshots = FilterEq(snapshots, query, "status", s => s.Status);
            snapshots = FilterEq(snapshots, query, "volume_id", s => s.VolumeId);
            var sorted = Sort(snapshots.ToList(), query, SnapshotSortKeys, CompareSnapshots, s => s.Id, out var order);
            var withCount = CinderState.AtLeast(r.Version, 45) && IsTrue(query["with_count"].ToString());
            var (page, next) = Page(sorted, query, s => s.Id, id => Snapshot(r, id), order, withCount ? sorted.Count : null);
            result = new JsonObject
            {
                ["snapshots"] = new JsonArray([.. page.Select(s =>
                {
                    var json = SnapshotView(r, s);
                    if (!detail)
                    {
                        json.Remove("os-extended-snapshot-attributes:progress");
                        json.Remove("os-extended-snapshot-attributes:project_id");
                    }

                    return (JsonNode)json;
                })]),
            };
            if (next is not null)
            {
                result["snapshots_links"] = new JsonArray(new JsonObject { ["href"] = NextLink(r, detail ? "snapshots/detail" : "snapshots", next), ["rel"] = "next" });
            }
        }

        return r.WriteAsync(200, result);
    }

    private static int CompareSnapshots(CinderSnapshot a, CinderSnapshot b, string key) => key switch
    {
        "name" => string.CompareOrdinal(a.Name, b.Name),
        "status" => string.CompareOrdinal(a.Status, b.Status),
        "size" => a.Size.CompareTo(b.Size),
        "created_at" => a.CreatedAt.CompareTo(b.CreatedAt),
        "updated_at" => Nullable.Compare(a.UpdatedAt, b.UpdatedAt),
        "volume_id" => string.CompareOrdinal(a.VolumeId, b.VolumeId),
        _ => string.CompareOrdinal(a.Id, b.Id),
    };

    private static async Task SnapshotMetadataAsync(CinderRequest r, bool? replace)
    {
        var body = replace is null ? null : await RegionHttp.ReadObjectAsync(r.Http);
        JsonObject result;
        lock (r.State.Sync)
        {
            var snapshot = Snapshot(r, r.Route("id"));
            if (body is not null)
            {
                var values = StringDict(body["metadata"] ?? throw OpenStackFault.BadRequest("Malformed request body"), "metadata");
                if (replace == true)
                {
                    snapshot.Metadata.Clear();
                }

                foreach (var (key, value) in values)
                {
                    snapshot.Metadata[key] = value;
                }

                snapshot.UpdatedAt = r.Now;
            }

            result = new JsonObject { ["metadata"] = CinderState.Dict(snapshot.Metadata) };
        }

        await r.WriteAsync(200, result);
    }

    // ---- types ----

    private static CinderVolumeType VolumeType(CinderRequest r, string idOrName) =>
        r.State.GetType(idOrName) is { } t && (t.IsPublic || r.Caller.IsAdmin) ? t : throw OpenStackFault.NotFound($"Volume type {idOrName} could not be found.");

    private static Task ListTypesAsync(CinderRequest r)
    {
        // common.get_pagination_params and process_sort_params, as for every Cinder list; an unknown
        // marker is ignored here, though (the types' marker lookup finds nothing and the list starts at the top).
        var query = r.Http.Request.Query;
        var limit = int.MaxValue;
        if (query.TryGetValue("limit", out var limitValues))
        {
            var text = limitValues.FirstOrDefault()?.Trim() ?? "";
            if (!System.Numerics.BigInteger.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
            {
                throw OpenStackFault.BadRequest("limit param must be an integer");
            }

            limit = parsed < 0 ? throw OpenStackFault.BadRequest("limit param must be positive") : (int)System.Numerics.BigInteger.Min(parsed, 1000);
        }

        var directions = query.TryGetValue("sort", out var sortValues)
            ? (sortValues.FirstOrDefault() ?? "").Trim().Split(',').Select(p => p.Split(':', 2) is [_, var d] ? d.Trim() : "desc")
            : query.TryGetValue("sort_dir", out var dirValues) ? [(dirValues.FirstOrDefault() ?? "").Trim()] : [];
        if (directions.Any(d => d is not ("asc" or "desc" or "")))
        {
            throw OpenStackFault.BadRequest("Invalid input received: Unknown sort direction, must be 'desc' or 'asc'.");
        }

        JsonArray types;
        lock (r.State.Sync)
        {
            var visible = r.State.Types.Where(t => t.IsPublic || r.Caller.IsAdmin).OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
            var at = query["marker"].ToString() is { Length: > 0 } marker ? visible.FindIndex(t => t.Id == marker) : -1;
            types = new JsonArray([.. visible.Skip(at + 1).Take(limit).Select(t => (JsonNode)CinderState.TypeJson(t, r.Caller.IsAdmin))]);
        }

        return r.WriteAsync(200, new JsonObject { ["volume_types"] = types });
    }

    private static Task ShowTypeAsync(CinderRequest r, string idOrName)
    {
        JsonObject json;
        lock (r.State.Sync)
        {
            json = CinderState.TypeJson(VolumeType(r, idOrName), r.Caller.IsAdmin);
        }

        return r.WriteAsync(200, new JsonObject { ["volume_type"] = json });
    }

    private static async Task CreateTypeAsync(CinderRequest r)
    {
        if (!r.Caller.IsAdmin)
        {
            throw AdminOnly("volume_extension:types_manage");
        }

        var body = RegionHttp.Wrapped(await RegionHttp.ReadObjectAsync(r.Http), "volume_type");
        NoExtraKeys(body, "volume_type", "name", "description", "extra_specs", "os-volume-type-access:is_public");
        var name = Str(body, "name") is { Length: > 0 } n ? n.Trim() : throw OpenStackFault.BadRequest("Invalid input for field/attribute name. Value: None. None is not of type 'string'");
        var specs = StringDict(body["extra_specs"], "extra_specs");
        JsonObject json;
        lock (r.State.Sync)
        {
            if (r.State.Types.Any(t => t.Name == name))
            {
                throw OpenStackFault.Conflict($"Volume Type {name} already exists.");
            }

            var type = new CinderVolumeType(RegionContext.NewId(), name, r.Now)
            {
                Description = Str(body, "description"),
                IsPublic = body["os-volume-type-access:is_public"] is not { } pub || Bool(pub, "os-volume-type-access:is_public"),
            };
            foreach (var (key, value) in specs)
            {
                type.ExtraSpecs[key] = value;
            }

            r.State.Add(type);
            json = CinderState.TypeJson(type, admin: true);
        }

        await r.WriteAsync(200, new JsonObject { ["volume_type"] = json });
    }

    private static async Task UpdateTypeAsync(CinderRequest r)
    {
        if (!r.Caller.IsAdmin)
        {
            throw AdminOnly("volume_extension:types_manage");
        }

        var body = RegionHttp.Wrapped(await RegionHttp.ReadObjectAsync(r.Http), "volume_type");
        NoExtraKeys(body, "volume_type", "name", "description", "is_public");
        JsonObject json;
        lock (r.State.Sync)
        {
            var type = VolumeType(r, r.Route("id"));
            if (Str(body, "name") is { Length: > 0 } name)
            {
                if (r.State.Types.Any(t => t.Name == name && t != type))
                {
                    throw OpenStackFault.Conflict($"Volume Type {name} already exists.");
                }

                type.Name = name;
            }

            if (body.ContainsKey("description"))
            {
                type.Description = Str(body, "description");
            }

            if (body["is_public"] is { } pub)
            {
                type.IsPublic = Bool(pub, "is_public");
            }

            json = CinderState.TypeJson(type, admin: true);
        }

        await r.WriteAsync(200, new JsonObject { ["volume_type"] = json });
    }

    private static Task DeleteTypeAsync(CinderRequest r)
    {
        if (!r.Caller.IsAdmin)
        {
            throw AdminOnly("volume_extension:types_manage");
        }

        lock (r.State.Sync)
        {
            var type = VolumeType(r, r.Route("id"));
            if (type.Name is "__DEFAULT__" or CinderState.DefaultTypeName || r.State.Volumes.Any(v => v.VolumeType == type.Name))
            {
                throw OpenStackFault.BadRequest("Target volume type is still in use.");
            }

            r.State.RemoveType(type.Id);
        }

        r.Http.Response.StatusCode = 202;
        return Task.CompletedTask;
    }

    private static async Task ExtraSpecsAsync(CinderRequest r, bool set)
    {
        if (!r.Caller.IsAdmin && set)
        {
            throw AdminOnly("volume_extension:types_manage");
        }

        var body = set ? await RegionHttp.ReadObjectAsync(r.Http) : null;
        JsonObject result;
        lock (r.State.Sync)
        {
            var type = VolumeType(r, r.Route("id"));
            if (body is not null)
            {
                var specs = StringDict(body["extra_specs"] ?? throw OpenStackFault.BadRequest("Malformed request body"), "extra_specs");
                foreach (var (key, value) in specs)
                {
                    type.ExtraSpecs[key] = value;
                }

                result = new JsonObject { ["extra_specs"] = CinderState.Dict(specs) };
            }
            else
            {
                result = new JsonObject { ["extra_specs"] = CinderState.TypeJson(type, r.Caller.IsAdmin)["extra_specs"]!.DeepClone() };
            }
        }

        await r.WriteAsync(200, result);
    }

    private static Task DeleteExtraSpecAsync(CinderRequest r)
    {
        if (!r.Caller.IsAdmin)
        {
            throw AdminOnly("volume_extension:types_manage");
        }

        lock (r.State.Sync)
        {
            var type = VolumeType(r, r.Route("id"));
            var key = r.Route("key");
            if (!type.ExtraSpecs.Remove(key))
            {
                throw OpenStackFault.NotFound($"Volume Type {type.Id} has no extra specs with key {key}.");
            }
        }

        r.Http.Response.StatusCode = 202;
        return Task.CompletedTask;
    }

    // ---- limits and quotas ----

    private static Task LimitsAsync(CinderRequest r)
    {
        int volumes, snapshots, backups;
        long gigabytes, backupGigabytes; // summed as long: admins' extensions have no quota here
        lock (r.State.Sync)
        {
            var own = r.State.Volumes.Where(v => v.ProjectId == r.Caller.ProjectId).ToList();
            var ownSnapshots = r.State.Snapshots.Where(s => s.ProjectId == r.Caller.ProjectId).ToList();
            var ownBackups = r.State.Backups.Where(b => b.ProjectId == r.Caller.ProjectId).ToList();
            volumes = own.Count;
            snapshots = ownSnapshots.Count;
            gigabytes = own.Sum(v => (long)v.Size) + ownSnapshots.Sum(s => (long)s.Size);
            backups = ownBackups.Count;
            backupGigabytes = ownBackups.Sum(b => (long)b.Size);
        }

        return r.WriteAsync(200, new JsonObject
        {
            ["limits"] = new JsonObject
            {
                ["rate"] = new JsonArray(),
                ["absolute"] = new JsonObject
                {
                    ["totalSnapshotsUsed"] = snapshots,
                    ["maxTotalBackups"] = CinderState.MaxBackups,
                    ["maxTotalVolumeGigabytes"] = CinderState.MaxGigabytes,
                    ["maxTotalSnapshots"] = CinderState.MaxSnapshots,
                    ["maxTotalBackupGigabytes"] = CinderState.MaxBackupGigabytes,
                    ["totalBackupGigabytesUsed"] = backupGigabytes,
                    ["maxTotalVolumes"] = CinderState.MaxVolumes,
                    ["totalVolumesUsed"] = volumes,
                    ["totalBackupsUsed"] = backups,
                    ["totalGigabytesUsed"] = gigabytes,
                },
            },
        });
    }

    private static Task QuotaSetAsync(CinderRequest r)
    {
        var target = r.Route("target");
        if (target != r.Caller.ProjectId && !r.Caller.IsAdmin)
        {
            throw AdminOnly("volume_extension:quotas:show");
        }

        // quotas.py show: "usage" goes through get_bool_param (a non-boolean is a 400).
        var usage = false;
        if (r.Http.Request.Query.TryGetValue("usage", out var flag))
        {
            var text = flag.ToString().Trim().ToLowerInvariant();
            if (text is not ("true" or "false" or "1" or "0" or "yes" or "no" or "on" or "off" or "y" or "n" or "t" or "f"))
            {
                throw OpenStackFault.BadRequest($"Value '{flag}' for 'usage' is not a boolean.");
            }

            usage = IsTrue(text);
        }

        JsonObject quota;
        lock (r.State.Sync)
        {
            quota = ProjectQuota(r.State, target);
            if (usage)
            {
                var used = QuotaUsage(r.State, target);
                foreach (var key in quota.Select(p => p.Key).ToList())
                {
                    quota[key] = new JsonObject { ["limit"] = quota[key]!.DeepClone(), ["in_use"] = used.GetValueOrDefault(key), ["reserved"] = 0 };
                }
            }
        }

        quota["id"] = target;
        return r.WriteAsync(200, new JsonObject { ["quota_set"] = quota });
    }

    private static Task QuotaDefaultsAsync(CinderRequest r)
    {
        var target = r.Route("target");
        if (target != r.Caller.ProjectId && !r.Caller.IsAdmin)
        {
            throw AdminOnly("volume_extension:quotas:show");
        }

        JsonObject quota;
        lock (r.State.Sync)
        {
            quota = QuotaClass(r.State, "default");
        }

        quota["id"] = target;
        return r.WriteAsync(200, new JsonObject { ["quota_set"] = quota });
    }

    /// <summary>A project's quotas: its own limits (set by an admin) over the default class. Call under the lock.</summary>
    private static JsonObject ProjectQuota(CinderState state, string project)
    {
        var quota = QuotaClass(state, "default");
        foreach (var (key, value) in state.ProjectQuotas.GetValueOrDefault(project) ?? [])
        {
            if (quota.ContainsKey(key))
            {
                quota[key] = value;
            }
        }

        return quota;
    }

    /// <summary>What a project uses of each quota (snapshots count in gigabytes, as Cinder's default). Call under the lock.</summary>
    private static Dictionary<string, long> QuotaUsage(CinderState state, string project)
    {
        var volumes = state.Volumes.Where(v => v.ProjectId == project).ToList();
        var snapshots = state.Snapshots.Where(s => s.ProjectId == project).ToList();
        var backups = state.Backups.Where(b => b.ProjectId == project).ToList();
        var typeOf = volumes.ToDictionary(v => v.Id, v => v.VolumeType, StringComparer.Ordinal);
        var used = new Dictionary<string, long>(StringComparer.Ordinal)
        {
            ["volumes"] = volumes.Count,
            ["gigabytes"] = volumes.Sum(v => (long)v.Size) + snapshots.Sum(s => (long)s.Size),
            ["snapshots"] = snapshots.Count,
            ["backups"] = backups.Count,
            ["backup_gigabytes"] = backups.Sum(b => (long)b.Size),
        };
        foreach (var group in volumes.GroupBy(v => v.VolumeType, StringComparer.Ordinal))
        {
            used["volumes_" + group.Key] = group.Count();
            used["gigabytes_" + group.Key] = group.Sum(v => (long)v.Size);
        }

        foreach (var group in snapshots.Where(s => typeOf.ContainsKey(s.VolumeId)).GroupBy(s => typeOf[s.VolumeId], StringComparer.Ordinal))
        {
            used["snapshots_" + group.Key] = group.Count();
            used["gigabytes_" + group.Key] = used.GetValueOrDefault("gigabytes_" + group.Key) + group.Sum(s => (long)s.Size);
        }

        return used;
    }

    /// <summary>quotas.py update: the body's schema first, then volume_extension:quotas:update (admin); the answer has no id.</summary>
    private static async Task UpdateQuotaSetAsync(CinderRequest r)
    {
        var root = await RegionHttp.ReadObjectAsync(r.Http);
        NoExtraKeys(root, "", "quota_set");
        if (root["quota_set"] is not JsonObject { Count: > 0 } body)
        {
            throw OpenStackFault.BadRequest(root["quota_set"] is JsonObject
                ? "Invalid input for field/attribute quota_set. Value: {}. {} does not have enough properties"
                : $"Invalid input for field/attribute quota_set. Value: {root["quota_set"]?.ToJsonString() ?? "None"}. 'quota_set' is a required property");
        }

        var target = r.Route("target");
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        lock (r.State.Sync)
        {
            var known = QuotaClass(r.State, "default");
            var bad = body.Select(p => p.Key).Where(k => !known.ContainsKey(k) && k is not ("tenant_id" or "id")).ToList();
            if (bad.Count > 0)
            {
                throw OpenStackFault.BadRequest($"Invalid input received: Bad key(s) in quota set: {string.Join(", ", bad)}");
            }

            foreach (var (key, node) in body.Where(p => p.Key is not ("tenant_id" or "id")))
            {
                long? value = node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number && v.TryGetValue<long>(out var n) ? n
                    : node is JsonValue s && s.GetValueKind() == System.Text.Json.JsonValueKind.String && long.TryParse(s.GetValue<string>(), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed
                    : null;
                values[key] = value switch
                {
                    null => throw OpenStackFault.BadRequest($"Invalid input received: Quota '{key}' for {target} should be integer."),
                    < -1 or > int.MaxValue => throw OpenStackFault.BadRequest($"Invalid input received: Quota limit {value} for {key} must be in the range of -1 and {int.MaxValue}."),
                    _ => value.Value,
                };
            }
        }

        if (!r.Caller.IsAdmin)
        {
            throw AdminOnly("volume_extension:quotas:update");
        }

        JsonObject quota;
        lock (r.State.Sync)
        {
            if (!r.State.ProjectQuotas.TryGetValue(target, out var stored))
            {
                r.State.ProjectQuotas[target] = stored = new Dictionary<string, long>(StringComparer.Ordinal);
            }

            foreach (var (key, value) in values)
            {
                stored[key] = value;
            }

            quota = ProjectQuota(r.State, target);
        }

        await r.WriteAsync(200, new JsonObject { ["quota_set"] = quota });
    }

    /// <summary>volume_extension:quotas:delete (admin): the project is back on the defaults.</summary>
    private static Task DeleteQuotaSetAsync(CinderRequest r)
    {
        if (!r.Caller.IsAdmin)
        {
            throw AdminOnly("volume_extension:quotas:delete");
        }

        lock (r.State.Sync)
        {
            r.State.ProjectQuotas.Remove(r.Route("target"));
        }

        r.Http.Response.StatusCode = 200;
        return Task.CompletedTask;
    }

    /// <summary>
    /// A quota class as Cinder's get_class_quotas shows it: every quota (the volume types' too),
    /// the class's own value, else the default class's, else the configured default. Call under the lock.
    /// </summary>
    private static JsonObject QuotaClass(CinderState state, string name)
    {
        var quota = new JsonObject
        {
            ["volumes"] = CinderState.MaxVolumes,
            ["gigabytes"] = CinderState.MaxGigabytes,
            ["snapshots"] = CinderState.MaxSnapshots,
            ["backups"] = CinderState.MaxBackups,
            ["backup_gigabytes"] = CinderState.MaxBackupGigabytes,
            ["per_volume_gigabytes"] = -1,
            ["groups"] = 10,
        };
        foreach (var type in state.Types.Where(t => t.Name != "__DEFAULT__").OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            quota["volumes_" + type.Name] = -1;
            quota["gigabytes_" + type.Name] = -1;
            quota["snapshots_" + type.Name] = -1;
        }

        foreach (var className in name == "default" ? ["default"] : new[] { "default", name })
        {
            foreach (var (key, value) in state.QuotaClasses.GetValueOrDefault(className) ?? [])
            {
                if (quota.ContainsKey(key))
                {
                    quota[key] = value;
                }
            }
        }

        return quota;
    }

    private static Task ShowQuotaClassAsync(CinderRequest r)
    {
        if (!r.Caller.IsAdmin)
        {
            throw AdminOnly("volume_extension:quota_classes:get");
        }

        JsonObject quota;
        lock (r.State.Sync)
        {
            quota = QuotaClass(r.State, r.Route("name"));
        }

        quota["id"] = r.Route("name");
        return r.WriteAsync(200, new JsonObject { ["quota_class_set"] = quota });
    }

    /// <summary>Cinder's quota class update: keys its quotas (bad ones named), values integers from -1 or strings of digits; stored as given.</summary>
    private static async Task UpdateQuotaClassAsync(CinderRequest r)
    {
        if (!r.Caller.IsAdmin)
        {
            throw AdminOnly("volume_extension:quota_classes:update");
        }

        var root = await RegionHttp.ReadObjectAsync(r.Http);
        NoExtraKeys(root, "", "quota_class_set");
        var body = root["quota_class_set"] as JsonObject
            ?? throw OpenStackFault.BadRequest($"Invalid input for field/attribute quota_class_set. Value: {root["quota_class_set"]?.ToJsonString() ?? "None"}. 'quota_class_set' is a required property");
        var name = r.Route("name");
        JsonObject quota;
        lock (r.State.Sync)
        {
            var known = QuotaClass(r.State, "default");
            var bad = body.Select(p => p.Key).Where(k => !known.ContainsKey(k)).ToList();
            if (bad.Count > 0)
            {
                throw OpenStackFault.BadRequest($"Invalid input received: Bad key(s) in quota class set: {string.Join(", ", bad)}");
            }

            var values = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (key, node) in body)
            {
                long? value = node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number && v.TryGetValue<long>(out var n) ? n
                    : node is JsonValue s && s.GetValueKind() == System.Text.Json.JsonValueKind.String && s.GetValue<string>() is { Length: > 0 } text && text.All(char.IsAsciiDigit) && long.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed
                    : null;
                values[key] = value switch
                {
                    null => throw OpenStackFault.BadRequest($"Invalid input for field/attribute {key}. Value: {node?.ToJsonString() ?? "None"}. {node?.ToJsonString() ?? "None"} is not of type 'integer', 'string'"),
                    < -1 => throw OpenStackFault.BadRequest($"Invalid input for field/attribute {key}. Value: {value}. {value} is less than the minimum of -1"),
                    > int.MaxValue => throw OpenStackFault.BadRequest($"Invalid input for field/attribute {key}. Value: {value}. {value} is greater than the maximum of {int.MaxValue}"),
                    _ => value.Value,
                };
            }

            if (!r.State.QuotaClasses.TryGetValue(name, out var stored))
            {
                r.State.QuotaClasses[name] = stored = new Dictionary<string, long>(StringComparer.Ordinal);
            }

            foreach (var (key, value) in values)
            {
                stored[key] = value;
            }

            quota = QuotaClass(r.State, name);
        }

        await r.WriteAsync(200, new JsonObject { ["quota_class_set"] = quota });
    }
}
