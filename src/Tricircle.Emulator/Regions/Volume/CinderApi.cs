using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Tricircle.Emulator.Regions.Volume;

/// <summary>
/// Cinder v3: versions, volumes (with metadata and actions), snapshots, backups, types, limits,
/// quota sets and availability zones, under <c>/v3/{project_id}/…</c> and project-less <c>/v3/…</c>.
/// </summary>
internal static partial class CinderApi
{
    public const int MaxMinor = 70;

    private const string InvalidVolumeStatus = "Invalid volume: Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, or be disassociated from snapshots after volume transfer.";

    // parameter_types.boolean is an enum: JSON booleans and exactly these strings ("TRUE" passes, "tRUE" and "T" do not).
    private static readonly string[] BooleanStrings =
    [
        "True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes", "y", "t",
        "False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no", "n", "f",
    ];

    // volumes.create's properties; from 3.53 (create_volume_v353) no others are allowed.
    private static readonly string[] VolumeCreateKeys =
    [
        "name", "description", "display_name", "display_description", "volume_type", "metadata", "snapshot_id", "source_volid",
        "consistencygroup_id", "size", "availability_zone", "multiattach", "image_id", "imageRef", "group_id", "backup_id",
    ];

    private static readonly string[] VolumeSortKeys = ["id", "name", "status", "size", "availability_zone", "created_at", "updated_at", "bootable", "volume_type"];

    public static void Map(IEndpointRouteBuilder app, RegionContext region)
    {
        var state = region.Volume;
        // Both version documents are wsgi Resources in Cinder: their answers carry the microversion headers.
        app.MapGet("/", context => VersionsAsync(context, region, 300)).AllowAnonymous();
        app.MapGet("/v3", context =>
        {
            // As real Cinder (routes): "/v3" is a 302 to "/v3/", which answers the version document.
            if (!context.Request.Path.Value!.EndsWith('/'))
            {
                context.Response.StatusCode = StatusCodes.Status302Found;
                context.Response.Headers.Location = context.Request.PathBase + "/v3/";
                return Task.CompletedTask;
            }

            return VersionsAsync(context, region, 200);
        }); // behind auth_token, as api-paste's /v3 pipeline puts it

        void Route(string method, string pattern, Func<CinderRequest, Task> handler)
        {
            foreach (var prefix in (string[])["/v3/{project_id}", "/v3"])
            {
                app.MapMethods(prefix + pattern, [method], context => RunAsync(context, state, handler));
            }
        }

        Route("GET", "/volumes", r => ListVolumesAsync(r, detail: false));
        Route("GET", "/volumes/detail", r => ListVolumesAsync(r, detail: true));
        Route("GET", "/volumes/summary", VolumeSummaryAsync);
        Route("GET", "/extensions", ListExtensionsAsync);
        Route("GET", "/extensions/{alias}", ShowExtensionAsync);
        Route("POST", "/volumes", CreateVolumeAsync);
        Route("GET", "/volumes/{id}", ShowVolumeAsync);
        Route("PUT", "/volumes/{id}", UpdateVolumeAsync);
        Route("DELETE", "/volumes/{id}", DeleteVolumeAsync);
        Route("POST", "/volumes/{id}/action", VolumeActionAsync);
        Route("GET", "/volumes/{id}/metadata", r => MetadataAsync(r, MetadataOp.List));
        Route("POST", "/volumes/{id}/metadata", r => MetadataAsync(r, MetadataOp.Merge));
        Route("PUT", "/volumes/{id}/metadata", r => MetadataAsync(r, MetadataOp.Replace));
        Route("GET", "/volumes/{id}/metadata/{key}", r => MetadataAsync(r, MetadataOp.Get));
        Route("PUT", "/volumes/{id}/metadata/{key}", r => MetadataAsync(r, MetadataOp.Set));
        Route("DELETE", "/volumes/{id}/metadata/{key}", r => MetadataAsync(r, MetadataOp.Delete));

        Route("GET", "/snapshots", r => ListSnapshotsAsync(r, detail: false));
        Route("GET", "/snapshots/detail", r => ListSnapshotsAsync(r, detail: true));
        Route("POST", "/snapshots", CreateSnapshotAsync);
        Route("GET", "/snapshots/{id}", ShowSnapshotAsync);
        Route("PUT", "/snapshots/{id}", UpdateSnapshotAsync);
        Route("DELETE", "/snapshots/{id}", DeleteSnapshotAsync);
        Route("GET", "/snapshots/{id}/metadata", r => SnapshotMetadataAsync(r, replace: null));
        Route("POST", "/snapshots/{id}/metadata", r => SnapshotMetadataAsync(r, replace: false));
        Route("PUT", "/snapshots/{id}/metadata", r => SnapshotMetadataAsync(r, replace: true));

        MapBackups(Route);
        MapTransfers(Route);

        Route("GET", "/types", ListTypesAsync);
        Route("GET", "/types/default", r => ShowTypeAsync(r, CinderState.DefaultTypeName));
        Route("GET", "/types/{id}", r => ShowTypeAsync(r, r.Route("id")));
        Route("POST", "/types", CreateTypeAsync);
        Route("PUT", "/types/{id}", UpdateTypeAsync);
        Route("DELETE", "/types/{id}", DeleteTypeAsync);
        Route("GET", "/types/{id}/extra_specs", r => ExtraSpecsAsync(r, set: false));
        Route("POST", "/types/{id}/extra_specs", r => ExtraSpecsAsync(r, set: true));
        Route("DELETE", "/types/{id}/extra_specs/{key}", DeleteExtraSpecAsync);

        Route("GET", "/limits", LimitsAsync);
        Route("GET", "/os-services", ListServicesAsync);
        Route("PUT", "/os-services/{action}", UpdateServiceAsync);
        Route("GET", "/os-quota-sets/{target}", QuotaSetAsync);
        Route("GET", "/os-quota-sets/{target}/defaults", QuotaDefaultsAsync);
        Route("PUT", "/os-quota-sets/{target}", UpdateQuotaSetAsync);
        Route("DELETE", "/os-quota-sets/{target}", DeleteQuotaSetAsync);
        Route("GET", "/os-quota-class-sets/{name}", ShowQuotaClassAsync);
        Route("PUT", "/os-quota-class-sets/{name}", UpdateQuotaClassAsync);
        Route("GET", "/os-availability-zone", r => r.WriteAsync(200, new JsonObject
        {
            ["availabilityZoneInfo"] = new JsonArray(new JsonObject
            {
                ["zoneName"] = r.State.Region.Options.AvailabilityZone,
                ["zoneState"] = new JsonObject { ["available"] = true },
            }),
        }));
    }

    private static Task VersionsAsync(HttpContext context, RegionContext region, int status)
    {
        Echo(context, Microversion(context));
        var root = region.VolumeUrl.ToString().TrimEnd('/');
        var version = new JsonObject
        {
            ["id"] = "v3.0",
            ["status"] = "CURRENT",
            ["version"] = "3." + MaxMinor.ToString(CultureInfo.InvariantCulture),
            ["min_version"] = "3.0",
            ["updated"] = "2022-08-31T00:00:00Z",
            ["links"] = new JsonArray(
                new JsonObject { ["rel"] = "describedby", ["type"] = "text/html", ["href"] = "https://docs.openstack.org/" },
                new JsonObject { ["rel"] = "self", ["href"] = root + "/v3/" }),
            ["media-types"] = new JsonArray(new JsonObject { ["base"] = "application/json", ["type"] = "application/vnd.openstack.volume+json;version=3" }),
        };
        return RegionHttp.WriteJsonAsync(context, status, new JsonObject { ["versions"] = new JsonArray(version) });
    }

    private static async Task RunAsync(HttpContext context, CinderState state, Func<CinderRequest, Task> handler)
    {
        var caller = context.Caller();
        var version = Microversion(context);
        Echo(context, version);
        var projectId = caller.ProjectId;
        if (context.Request.RouteValues.TryGetValue("project_id", out var urlProject) && urlProject is string p && p != caller.ProjectId && !caller.IsAdmin)
        {
            // Cinder's wsgi layer says only this (real Cinder refuses admins too; the brief lets admins through).
            throw OpenStackFault.BadRequest("Malformed request url");
        }

        await handler(new CinderRequest(context, state, caller, projectId, version, state.Region.VolumeUrl.ToString().TrimEnd('/')));
    }

    private static void Echo(HttpContext context, string version)
    {
        context.Response.Headers["OpenStack-API-Version"] = "volume " + version;
        context.Response.Headers.Vary = "OpenStack-API-Version";
    }

    private static string Microversion(HttpContext context)
    {
        var header = context.Request.Headers["OpenStack-API-Version"].ToString();
        var value = header.Split(',').Select(h => h.Trim()).FirstOrDefault(h => h.StartsWith("volume ", StringComparison.OrdinalIgnoreCase));
        if (value is null)
        {
            return "3.0";
        }

        var requested = value["volume ".Length..].Trim();
        if (requested.Equals("latest", StringComparison.OrdinalIgnoreCase))
        {
            return "3." + MaxMinor.ToString(CultureInfo.InvariantCulture);
        }

        var parts = requested.Split('.');
        if (parts.Length != 2 || parts.Any(p => p.Length == 0 || !p.All(char.IsAsciiDigit)))
        {
            throw OpenStackFault.BadRequest($"API Version String {requested} is of invalid format. Must be of format MajorNum.MinorNum.");
        }

        // Python's ints do not overflow: a version past int is just unsupported (406).
        var major = int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? m : int.MaxValue;
        var minor = int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : int.MaxValue;

        if (major != 3 || minor > MaxMinor)
        {
            // Cinder keeps the version it refuses on the request, and its Fault echoes it.
            Echo(context, $"{(parts[0].TrimStart('0') is { Length: > 0 } a ? a : "0")}.{(parts[1].TrimStart('0') is { Length: > 0 } b ? b : "0")}");
            throw new OpenStackFault(406, $"Version {requested} is not supported by the API. Minimum is 3.0 and maximum is 3.{MaxMinor}.");
        }

        return "3." + minor.ToString(CultureInfo.InvariantCulture);
    }

    // ---- volumes ----

    private static CinderVolume Volume(CinderRequest r, string id) =>
        r.State.GetVolume(id) is { } v && r.Caller.CanSee(v.ProjectId) ? v : throw OpenStackFault.NotFound($"Volume {id} could not be found.");

    private static async Task CreateVolumeAsync(CinderRequest r)
    {
        var body = RegionHttp.Wrapped(await RegionHttp.ReadObjectAsync(r.Http), "volume");
        if (CinderState.AtLeast(r.Version, 53))
        {
            NoExtraKeys(body, "volume", VolumeCreateKeys);
        }

        var name = StrippedName(body, "name") ?? StrippedName(body, "display_name");
        var description = StrippedName(body, "description") ?? StrippedName(body, "display_description");
        if (body.ContainsKey("multiattach"))
        {
            // The schema takes null or a boolean; utils.get_bool_param then refuses null, and true is no longer the way.
            if (body["multiattach"] is null)
            {
                throw OpenStackFault.BadRequest("Value 'None' for 'multiattach' is not a boolean.");
            }

            if (Bool(body["multiattach"]!, "multiattach"))
            {
                throw OpenStackFault.BadRequest("multiattach parameter has been removed. The default behavior is to use multiattach enabled volume types. Contact your administrator to create a multiattach enabled volume type and use it to create multiattach volumes.");
            }
        }

        int? size = null;
        if (body["size"] is { } sizeNode)
        {
            size = Int(sizeNode, "size");
            if (size < 1)
            {
                throw OpenStackFault.BadRequest($"Invalid input for field/attribute size. Value: {size}. {size} is less than the minimum of 1");
            }
        }

        var zone = Str(body, "availability_zone");
        if (zone is not null && zone != r.State.Region.Options.AvailabilityZone)
        {
            throw OpenStackFault.BadRequest($"Invalid input received: Availability zone '{zone}' is invalid.");
        }

        var metadata = StringDict(body["metadata"], "metadata");
        var bootable = body["bootable"] is { } b && Bool(b, "bootable");
        var snapshotId = Str(body, "snapshot_id");
        var sourceVolId = Str(body, "source_volid");
        var imageRef = Str(body, "imageRef") ?? Str(body, "image_id");
        Image.ImageInfo? image = null;
        if (imageRef is not null)
        {
            image = r.State.Region.Image.FindImage(imageRef, r.Caller.ProjectId, r.Caller.IsAdmin)
                ?? throw OpenStackFault.BadRequest($"Invalid input received: Invalid image identifier or unable to access requested image. (Image {imageRef} could not be found.)");
            if (image.Status != "active")
            {
                throw OpenStackFault.BadRequest($"Invalid input received: Image {image.Id} is not active.");
            }
        }

        JsonObject json;
        lock (r.State.Sync)
        {
            var typeName = Str(body, "volume_type");
            CinderVolumeType type;
            if (typeName is null)
            {
                type = r.State.GetType(CinderState.DefaultTypeName)!;
            }
            else
            {
                type = r.State.GetType(typeName) ?? throw OpenStackFault.NotFound($"Volume type with name {typeName} could not be found.");
            }

            string? inheritedType = null;
            if (snapshotId is not null)
            {
                var snapshot = r.State.GetSnapshot(snapshotId) is { } s && r.Caller.CanSee(s.ProjectId) ? s : throw OpenStackFault.NotFound($"Snapshot {snapshotId} could not be found.");
                if (snapshot.Status != "available")
                {
                    throw OpenStackFault.BadRequest($"Invalid snapshot: Originating snapshot status must be one of 'available' values");
                }

                size ??= snapshot.Size;
                if (size < snapshot.Size)
                {
                    throw OpenStackFault.BadRequest($"Invalid input received: Volume size '{size}'GB cannot be smaller than the snapshot size {snapshot.Size}GB. They must be >= original snapshot size.");
                }

                inheritedType = r.State.GetVolume(snapshot.VolumeId)?.VolumeType;
            }

            if (sourceVolId is not null)
            {
                var source = Volume(r, sourceVolId);
                if (source.Status is not ("available" or "in-use"))
                {
                    throw OpenStackFault.BadRequest("Invalid volume: Unable to clone volumes that are in an error state");
                }

                size ??= source.Size;
                if (size < source.Size)
                {
                    throw OpenStackFault.BadRequest($"Invalid input received: Volume size '{size}'GB cannot be smaller than original volume size {source.Size}GB. They must be >= original volume size.");
                }

                inheritedType = source.VolumeType;
                bootable |= source.Bootable;
            }

            // A volume from a backup (3.47's backup_id; before 3.53 Cinder reads it whatever the version).
            if (Str(body, "backup_id") is { } backupId)
            {
                var backup = Backup(r, backupId);
                if (backup.Status != "available")
                {
                    throw OpenStackFault.BadRequest("Invalid backup: Originating backup status must be one of 'available' values");
                }

                size ??= backup.Size;
                if (size < backup.Size)
                {
                    throw OpenStackFault.BadRequest($"Invalid input received: Volume size {size}GB cannot be smaller than the backup size {backup.Size}GB. It must be >= backup size.");
                }
            }

            if (size is null)
            {
                throw OpenStackFault.BadRequest("Invalid input received: Invalid volume size provided for create request: Volume size 'None' must be an integer and greater than 0");
            }

            if (image is not null && (long)size.Value * 1024 * 1024 * 1024 < image.Size)
            {
                throw OpenStackFault.BadRequest($"Invalid input received: Size of specified image {(image.Size + (1L << 30) - 1) >> 30}GB is larger than volume size {size}GB.");
            }

            var own = r.State.Volumes.Where(v => v.ProjectId == r.Caller.ProjectId).ToList();
            if (own.Count >= CinderState.MaxVolumes)
            {
                throw new OpenStackFault(413, $"VolumeLimitExceeded: Maximum number of volumes allowed ({CinderState.MaxVolumes}) exceeded for quota 'volumes'.", "overLimit");
            }

            var used = own.Sum(v => (long)v.Size) + r.State.Snapshots.Where(s => s.ProjectId == r.Caller.ProjectId).Sum(s => (long)s.Size);
            if (used + size.Value > CinderState.MaxGigabytes)
            {
                throw new OpenStackFault(413, $"VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota. Requested {size}G, quota is {CinderState.MaxGigabytes}G and {used}G has been consumed.", "overLimit");
            }

            var now = r.Now;
            var volume = new CinderVolume(RegionContext.NewId(), r.Caller.ProjectId, r.Caller.UserId, now)
            {
                Name = name ?? "",
                Description = description,
                Size = size.Value,
                AvailabilityZone = r.State.Region.Options.AvailabilityZone,
                VolumeType = typeName is null && inheritedType is not null ? inheritedType : type.Name,
                Bootable = bootable || image is not null,
                SnapshotId = snapshotId,
                SourceVolId = sourceVolId,
                Pending = (now + r.State.Region.Options.VolumeCreateDelay, "available"),
            };
            foreach (var (key, value) in metadata)
            {
                volume.Metadata[key] = value;
            }

            if (image is not null)
            {
                r.State.SetImageMetadata(volume, image);
            }

            r.State.Add(volume);
            json = r.State.VolumeJson(volume, now, r.Version, r.Caller.IsAdmin, r.Root);
        }

        await r.WriteAsync(202, new JsonObject { ["volume"] = json });
    }

    private static Task ShowVolumeAsync(CinderRequest r)
    {
        JsonObject json;
        lock (r.State.Sync)
        {
            json = r.State.VolumeJson(Volume(r, r.Route("id")), r.Now, r.Version, r.Caller.IsAdmin, r.Root);
        }

        return r.WriteAsync(200, new JsonObject { ["volume"] = json });
    }

    private static async Task UpdateVolumeAsync(CinderRequest r)
    {
        var body = RegionHttp.Wrapped(await RegionHttp.ReadObjectAsync(r.Http), "volume");
        NoExtraKeys(body, "volume", "name", "description", "display_name", "display_description", "metadata");
        var name = StrippedName(body, "name") ?? StrippedName(body, "display_name");
        var description = StrippedName(body, "description") ?? StrippedName(body, "display_description");
        if (body.ContainsKey("metadata") && body["metadata"] is null)
        {
            throw OpenStackFault.BadRequest("Invalid input for field/attribute metadata. Value: None. None is not of type 'object'"); // parameter_types.extra_specs
        }

        var metadata = body.ContainsKey("metadata") ? StringDict(body["metadata"], "metadata") : null;
        if (name is null && description is null && metadata is null && !body.ContainsKey("name") && !body.ContainsKey("description"))
        {
            throw OpenStackFault.BadRequest("Invalid input for field/attribute volume. Value: {}. {} does not have enough properties");
        }

        JsonObject json;
        lock (r.State.Sync)
        {
            var volume = Volume(r, r.Route("id"));
            if (body.ContainsKey("name") || name is not null)
            {
                volume.Name = name ?? "";
            }

            if (body.ContainsKey("description") || description is not null)
            {
                volume.Description = description;
            }

            if (metadata is not null)
            {
                volume.Metadata.Clear();
                foreach (var (key, value) in metadata)
                {
                    volume.Metadata[key] = value;
                }
            }

            volume.UpdatedAt = r.Now;
            json = r.State.VolumeJson(volume, r.Now, r.Version, r.Caller.IsAdmin, r.Root);
        }

        await r.WriteAsync(200, new JsonObject { ["volume"] = json });
    }

    private static Task DeleteVolumeAsync(CinderRequest r)
    {
        var cascade = r.Http.Request.Query["cascade"].ToString() is "true" or "True" or "1";
        lock (r.State.Sync)
        {
            var volume = Volume(r, r.Route("id"));
            var snapshots = r.State.Snapshots.Where(s => s.VolumeId == volume.Id).Select(s => s.Id).ToList();
            if (volume.Attachments.Count > 0 || volume.Status is not ("available" or "error" or "error_restoring" or "error_extending" or "error_managing") || (snapshots.Count > 0 && !cascade))
            {
                throw OpenStackFault.BadRequest(InvalidVolumeStatus);
            }

            if (r.State.Region.DeleteDone(r.Now, r.Now))
            {
                foreach (var snapshot in snapshots)
                {
                    r.State.RemoveSnapshot(snapshot);
                }

                r.State.RemoveVolume(volume.Id);
            }
            else
            {
                // The volume service takes a moment: deleting (its snapshots too, with cascade) until then.
                foreach (var snapshot in r.State.Snapshots.Where(s => snapshots.Contains(s.Id)))
                {
                    snapshot.Status = "deleting";
                    snapshot.DeletingSince = r.Now;
                }

                volume.Status = "deleting";
                volume.Pending = null;
                volume.DeletingSince = r.Now;
                volume.UpdatedAt = r.Now;
            }
        }

        r.Http.Response.StatusCode = 202;
        return Task.CompletedTask;
    }

    private static Task ListVolumesAsync(CinderRequest r, bool detail)
    {
        var query = r.Http.Request.Query;
        RejectInvalidFilters(r, query, "volume");
        var allTenants = r.Caller.IsAdmin && IsTrue(query["all_tenants"].ToString());
        Dictionary<string, string>? metadataFilter = null;
        if (query["metadata"].ToString() is { Length: > 0 } metadataText)
        {
            try
            {
                metadataFilter = JsonSerializer.Deserialize<Dictionary<string, string>>(metadataText.Replace('\'', '"'));
            }
            catch (JsonException)
            {
                throw OpenStackFault.BadRequest($"Invalid input received: metadata filter {metadataText} is not a JSON object of strings.");
            }
        }

        JsonArray items;
        JsonObject result;
        lock (r.State.Sync)
        {
            var volumes = r.State.Volumes.Where(v => allTenants ? (query["project_id"].ToString() is not { Length: > 0 } p || v.ProjectId == p) : v.ProjectId == r.Caller.ProjectId);
            volumes = FilterEq(volumes, query, "name", v => v.Name);
            volumes = FilterEq(volumes, query, "status", v => v.Status);
            volumes = FilterEq(volumes, query, "availability_zone", v => v.AvailabilityZone);
            volumes = FilterEq(volumes, query, "volume_type", v => v.VolumeType);
            if (query["bootable"].ToString() is { Length: > 0 } bootableText)
            {
                var wanted = IsTrue(bootableText);
                volumes = volumes.Where(v => v.Bootable == wanted);
            }

            if (metadataFilter is not null)
            {
                volumes = volumes.Where(v => metadataFilter.All(m => v.Metadata.TryGetValue(m.Key, out var value) && value == m.Value));
            }

            var sorted = Sort(volumes.ToList(), query, VolumeSortKeys, CompareVolumes, v => v.Id, out var order);
            var withCount = CinderState.AtLeast(r.Version, 45) && IsTrue(query["with_count"].ToString());
            var (page, next) = Page(sorted, query, v => v.Id, id => Volume(r, id), order, withCount ? sorted.Count : null);
            items = new JsonArray([.. page.Select(v => (JsonNode)(detail
                ? r.State.VolumeJson(v, r.Now, r.Version, r.Caller.IsAdmin, r.Root)
                : new JsonObject { ["id"] = v.Id, ["name"] = v.Name, ["links"] = CinderState.Links(r.Root, v.ProjectId, "volumes", v.Id) }))]);
            result = new JsonObject { ["volumes"] = items };
            if (next is not null)
            {
                result["volumes_links"] = new JsonArray(new JsonObject { ["href"] = NextLink(r, detail ? "volumes/detail" : "volumes", next), ["rel"] = "next" });
            }

            if (CinderState.AtLeast(r.Version, 45) && IsTrue(query["with_count"].ToString()))
            {
                result["count"] = sorted.Count;
            }
        }

        return r.WriteAsync(200, result);
    }

    private static int CompareVolumes(CinderVolume a, CinderVolume b, string key) => key switch
    {
        "name" => string.CompareOrdinal(a.Name, b.Name),
        "status" => string.CompareOrdinal(a.Status, b.Status),
        "size" => a.Size.CompareTo(b.Size),
        "availability_zone" => string.CompareOrdinal(a.AvailabilityZone, b.AvailabilityZone),
        "created_at" => a.CreatedAt.CompareTo(b.CreatedAt),
        "updated_at" => Nullable.Compare(a.UpdatedAt, b.UpdatedAt),
        "bootable" => a.Bootable.CompareTo(b.Bootable),
        "volume_type" => string.CompareOrdinal(a.VolumeType, b.VolumeType),
        _ => string.CompareOrdinal(a.Id, b.Id),
    };

    private enum MetadataOp
    {
        List,
        Merge,
        Replace,
        Get,
        Set,
        Delete,
    }

    private static async Task MetadataAsync(CinderRequest r, MetadataOp op)
    {
        JsonObject? body = op is MetadataOp.Merge or MetadataOp.Replace or MetadataOp.Set ? await RegionHttp.ReadObjectAsync(r.Http) : null;
        JsonObject? result;
        lock (r.State.Sync)
        {
            var volume = Volume(r, r.Route("id"));
            var metadata = volume.Metadata;
            switch (op)
            {
                case MetadataOp.List:
                    result = new JsonObject { ["metadata"] = CinderState.Dict(metadata) };
                    break;
                case MetadataOp.Merge or MetadataOp.Replace:
                    var values = StringDict(body!["metadata"] ?? throw OpenStackFault.BadRequest("Malformed request body"), "metadata");
                    if (op == MetadataOp.Replace)
                    {
                        metadata.Clear();
                    }

                    foreach (var (key, value) in values)
                    {
                        metadata[key] = value;
                    }

                    result = new JsonObject { ["metadata"] = CinderState.Dict(op == MetadataOp.Replace ? values : metadata) };
                    break;
                case MetadataOp.Get:
                    var wanted = r.Route("key");
                    result = metadata.TryGetValue(wanted, out var found)
                        ? new JsonObject { ["meta"] = new JsonObject { [wanted] = found } }
                        : throw OpenStackFault.NotFound($"Volume {volume.Id} has no metadata with key {wanted}.");
                    break;
                case MetadataOp.Set:
                    var meta = StringDict(body!["meta"] ?? throw OpenStackFault.BadRequest("Malformed request body"), "meta");
                    var keyInUrl = r.Route("key");
                    if (meta.Count != 1)
                    {
                        throw OpenStackFault.BadRequest("Request body contains too many items");
                    }

                    if (!meta.TryGetValue(keyInUrl, out var newValue))
                    {
                        throw OpenStackFault.BadRequest("Request body and URI mismatch");
                    }

                    metadata[keyInUrl] = newValue;
                    result = new JsonObject { ["meta"] = CinderState.Dict(meta) };
                    break;
                default:
                    var removed = r.Route("key");
                    if (!metadata.Remove(removed))
                    {
                        throw OpenStackFault.NotFound($"Volume {volume.Id} has no metadata with key {removed}.");
                    }

                    result = null;
                    break;
            }

            volume.UpdatedAt = op is MetadataOp.List or MetadataOp.Get ? volume.UpdatedAt : r.Now;
        }

        await r.WriteAsync(200, result);
    }

    // ---- shared helpers ----

    private static bool IsTrue(string text) => text.ToLowerInvariant() is "true" or "1" or "yes" or "t" or "y" or "on";

    /// <summary>What <c>/etc/cinder/resource_filters.json</c> lets a member filter by (Zed's default file).</summary>
    private static readonly Dictionary<string, string[]> ResourceFilters = new(StringComparer.Ordinal)
    {
        ["volume"] = ["name", "status", "metadata", "bootable", "migration_status", "availability_zone", "group_id", "size", "created_at", "updated_at", "consumes_quota"],
        ["backup"] = ["name", "status", "volume_id"],
        ["snapshot"] = ["name", "status", "volume_id", "metadata", "availability_zone", "consumes_quota"],
    };

    /// <summary>
    /// Cinder's <c>reject_invalid_filters</c> from 3.33: a member's filter that the resource
    /// filters do not list is a 400 (an admin's never is; <c>all_tenants</c> is silently dropped).
    /// From 3.34 a configured <c>key~</c> allows <c>key</c>; <c>key~</c> itself must be listed.
    /// </summary>
    private static void RejectInvalidFilters(CinderRequest r, IQueryCollection query, string resource)
    {
        if (!CinderState.AtLeast(r.Version, 33) || r.Caller.IsAdmin)
        {
            return;
        }

        var configured = ResourceFilters[resource];
        var invalid = query.Keys
            .Where(k => k is not ("limit" or "marker" or "offset" or "sort" or "sort_key" or "sort_dir" or "all_tenants")
                && !(k == "with_count" && CinderState.AtLeast(r.Version, 45))
                && !configured.Contains(k, StringComparer.Ordinal)
                && !(CinderState.AtLeast(r.Version, 34) && configured.Contains(k + "~", StringComparer.Ordinal)))
            .ToList();
        if (invalid.Count > 0)
        {
            throw OpenStackFault.BadRequest($"Invalid filters {string.Join(',', invalid)} are found in query options.");
        }
    }

    private static IEnumerable<T> FilterEq<T>(IEnumerable<T> items, IQueryCollection query, string key, Func<T, string?> field)
    {
        var text = query[key].ToString();
        return text.Length == 0 ? items : items.Where(i => field(i) == text);
    }

    private static List<T> Sort<T>(List<T> items, IQueryCollection query, string[] keys, Func<T, T, string, int> compare, Func<T, string> id, out Comparison<T> order)
    {
        var sort = new List<(string Key, bool Desc)>();
        if (query["sort"].ToString().Length > 0 && (query["sort_key"].ToString().Length > 0 || query["sort_dir"].ToString().Length > 0))
        {
            throw OpenStackFault.BadRequest("The param 'sort' isn't supported if either 'sort_key' or 'sort_dir' is used.");
        }

        var parts = query["sort"].ToString() is { Length: > 0 } sortText
            ? sortText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => p.Split(':')).Select(p => (p[0], p.Length > 1 ? p[1] : "desc"))
            : query["sort_key"].ToString() is { Length: > 0 } sortKey
                ? [(sortKey, query["sort_dir"].ToString() is { Length: > 0 } d ? d : "desc")]
                : query["sort_dir"].ToString() is { Length: > 0 } alone
                    ? [("created_at", alone)] // common.get_sort_params: the default key with the given direction
                    : (IEnumerable<(string, string)>)[];
        foreach (var (rawKey, dir) in parts)
        {
            var key = rawKey switch
            {
                "display_name" => "name",
                _ => rawKey,
            };
            if (!keys.Contains(key))
            {
                throw OpenStackFault.BadRequest("Invalid input received: Invalid sort key"); // sqlalchemyutils.paginate_query's words
            }

            if (dir is not ("asc" or "desc"))
            {
                throw OpenStackFault.BadRequest($"Invalid input received: Unknown sort direction, must be 'desc' or 'asc'");
            }

            sort.Add((key, dir == "desc"));
        }

        if (sort.Count == 0)
        {
            sort.Add(("created_at", true));
        }

        if (!sort.Any(s => s.Key == "id"))
        {
            sort.Add(("id", true));
        }

        order = (a, b) =>
        {
            foreach (var (key, desc) in sort)
            {
                var c = key == "id" ? string.CompareOrdinal(id(a), id(b)) : compare(a, b, key);
                if (c != 0)
                {
                    return desc ? -c : c;
                }
            }

            return 0;
        };
        items.Sort(order);
        return items;
    }

    /// <summary>
    /// One page after the marker. The marker is looked up as Cinder's DB does, among everything
    /// the caller may see whatever the filters (<paramref name="find"/> throws its NotFound), and
    /// the page starts after where it sorts. A next link whenever the page is full
    /// (_get_collection_links: limit &lt;= the count when 3.45's with_count gives one, else the items).
    /// </summary>
    private static (List<T> Page, string? NextMarker) Page<T>(List<T> sorted, IQueryCollection query, Func<T, string> id, Func<string, T> find, Comparison<T> order, int? count = null)
    {
        var limit = 1000; // osapi_max_limit
        if (query["limit"].ToString() is { Length: > 0 } limitText)
        {
            if (!int.TryParse(limitText, NumberStyles.Integer, CultureInfo.InvariantCulture, out limit) || limit < 0)
            {
                throw OpenStackFault.BadRequest("Invalid input received: limit must be a non-negative integer");
            }

            limit = Math.Min(limit, 1000);
        }

        var start = 0;
        if (query["marker"].ToString() is { Length: > 0 } marker)
        {
            var index = sorted.FindIndex(i => id(i) == marker);
            if (index < 0)
            {
                var found = find(marker);
                index = sorted.FindIndex(i => order(i, found) > 0) - 1;
                index = index < -1 ? sorted.Count - 1 : index;
            }

            start = index + 1;
        }

        var page = sorted.Skip(start).Take(limit).ToList();
        var next = page.Count > 0 && limit <= (count is > 0 ? count : page.Count) ? id(page[^1]) : null;
        return (page, next);
    }

    private static string NextLink(CinderRequest r, string path, string marker)
    {
        var parameters = r.Http.Request.Query
            .Where(q => q.Key != "marker")
            .SelectMany(q => q.Value.Select(v => Uri.EscapeDataString(q.Key) + "=" + Uri.EscapeDataString(v ?? "")))
            .Append("marker=" + marker);
        return $"{r.Root}/v3/{r.Caller.ProjectId}/{path}?{string.Join('&', parameters)}";
    }

    private static string? Str(JsonObject body, string key) => body[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        var other => throw OpenStackFault.BadRequest($"Invalid input for field/attribute {key}. Value: {other.ToJsonString()}. {other.ToJsonString()} is not of type 'string'"),
    };

    /// <summary>A volume's name or description (volumes.py's *_non_mandatory_remove_white_spaces formats): a string of up to 255 once stripped, or null.</summary>
    private static string? StrippedName(JsonObject body, string key)
    {
        var text = Str(body, key);
        var length = text?.Trim().EnumerateRunes().Count() ?? 0;
        return length <= 255 ? text : throw OpenStackFault.BadRequest($"Invalid input received: {(key.EndsWith("name", StringComparison.Ordinal) ? "name" : "description")} has {length} characters, more than 255.");
    }

    /// <summary>A string of up to 255 characters or null (name_allow_zero_min_length; with <paramref name="printable"/>, parameter_types.description).</summary>
    private static string? ShortStr(JsonObject body, string key, bool printable = false)
    {
        var text = Str(body, key);
        if (text is null)
        {
            return null;
        }

        if (text.EnumerateRunes().Count() > 255)
        {
            throw OpenStackFault.BadRequest($"Invalid input for field/attribute {key}. Value: {text}. '{text}' is too long");
        }

        // Cinder's description pattern: printable characters of the BMP (a character beyond it is two surrogates, category Cs, here).
        if (printable && !System.Text.RegularExpressions.Regex.IsMatch(text, @"^[^\p{C}\p{Zl}\p{Zp}]*$"))
        {
            throw OpenStackFault.BadRequest($"Invalid input for field/attribute {key}. Value: {text}. '{text}' does not match the printable characters pattern");
        }

        return text;
    }

    private static int Int(JsonNode node, string key)
    {
        if (node is JsonValue v)
        {
            if (v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var i))
            {
                return i;
            }

            if (v.TryGetValue<string>(out var s) && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
            {
                return parsed;
            }
        }

        // An integer past int is still an integer to jsonschema: out of range (volume sizes are 1 to DB_MAX_INT).
        if (node is JsonValue n && n.GetValueKind() == JsonValueKind.Number && System.Numerics.BigInteger.TryParse(n.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var big))
        {
            throw OpenStackFault.BadRequest(big.Sign > 0
                ? $"Invalid input for field/attribute {key}. Value: {big}. {big} is greater than the maximum of 2147483647"
                : $"Invalid input for field/attribute {key}. Value: {big}. {big} is less than the minimum of 1");
        }

        throw OpenStackFault.BadRequest($"Invalid input for field/attribute {key}. Value: {node.ToJsonString()}. {node.ToJsonString()} is not of type 'integer', 'string'");
    }

    private static bool Bool(JsonNode node, string key)
    {
        if (node is JsonValue v)
        {
            if (v.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
            {
                return v.GetValue<bool>();
            }

            if (v.TryGetValue<string>(out var s) && BooleanStrings.Contains(s, StringComparer.Ordinal))
            {
                return IsTrue(s);
            }
        }

        throw OpenStackFault.BadRequest($"Invalid input for field/attribute {key}. Value: {node.ToJsonString()}. {node.ToJsonString()} is not of type 'boolean', 'string'");
    }

    /// <summary>Cinder's schemas allow no properties but their own ('additionalProperties': False).</summary>
    private static void NoExtraKeys(JsonObject body, string parent, params string[] allowed)
    {
        var unexpected = body.Select(p => p.Key).Where(k => !allowed.Contains(k, StringComparer.Ordinal)).ToList();
        if (unexpected.Count > 0)
        {
            throw OpenStackFault.BadRequest($"Invalid input for field/attribute {parent}. Value: {body.ToJsonString()}. Additional properties are not allowed ({string.Join(", ", unexpected.Select(k => $"'{k}'"))} {(unexpected.Count == 1 ? "was" : "were")} unexpected)");
        }
    }

    private static Dictionary<string, string> StringDict(JsonNode? node, string key)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node is null)
        {
            return result;
        }

        if (node is not JsonObject obj)
        {
            throw OpenStackFault.BadRequest($"Invalid input for field/attribute {key}. Value: {node.ToJsonString()}. {node.ToJsonString()} is not of type 'object'");
        }

        foreach (var (k, v) in obj)
        {
            if (k.Length is 0 or > 255)
            {
                throw OpenStackFault.BadRequest($"Invalid input for field/attribute {key}. Value: {node.ToJsonString()}. '{k}' does not match any of the regexes: '^[a-zA-Z0-9-_:. /]{{1,255}}$'");
            }

            result[k] = v is JsonValue value && value.TryGetValue<string>(out var s)
                ? s.Length <= 255 ? s : throw OpenStackFault.BadRequest($"Invalid input for field/attribute {key}. Value: {node.ToJsonString()}. '{s}' is too long") // values: maxLength 255
                : throw OpenStackFault.BadRequest($"Invalid input for field/attribute {key}. Value: {node.ToJsonString()}. {v?.ToJsonString() ?? "None"} is not of type 'string'");
        }

        return result;
    }
}

/// <summary>One Cinder request: who, which microversion, the store, where links point.</summary>
internal sealed record CinderRequest(HttpContext Http, CinderState State, Caller Caller, string ProjectId, string Version, string Root)
{
    public DateTimeOffset Now => State.Region.Time.GetUtcNow();

    public string Route(string name) => (string)Http.Request.RouteValues[name]!;

    public Task WriteAsync(int status, JsonNode? body) => RegionHttp.WriteJsonAsync(Http, status, body);
}
