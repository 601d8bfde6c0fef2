using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tricircle.Compute;
using Tricircle.Errors;
using Tricircle.Hosting;
using Tricircle.Identity;
using Tricircle.Placement;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Volume;

/// <summary>
/// <c>/backups</c>: a backup is made by the backup service of its volume's pod, so it lives
/// there: it is listed across pods, and show, update, delete, restore and the admin actions go to
/// its pod. A restore writes into a volume of that same pod (a new one, routed here as if created
/// centrally, or an existing one); pods do not share a backup store, so another pod's volume is
/// refused.
/// </summary>
internal static class BackupsApi
{
    public const string ResourceType = "backup";

    // What a listed backup has edited (the AZ; its id, for the next link): the rest is written as its pod wrote it.
    private static readonly string[][] DetailParts = [["id"], ["availability_zone"]];

    public static readonly MergedListShape Shape = new(
        VolumeApi.ServiceType,
        ResourceType,
        "backups",
        [("created_at", true)],
        key => key == "display_name" ? "name" : key,
        Placeholder)
    {
        FromPod = VolumeRoutes.TopAz,
        FromPodFields = new HashSet<string>(StringComparer.Ordinal) { "availability_zone" },
        SortParameter = true,
        MarkerNotFound = VolumeApi.MarkerNotFound("Backup"),
        PodWordsOnRefusal = true,
    };

    public static void MapBackupsApi(this IEndpointRouteBuilder v3)
    {
        v3.MapPost("/backups", CreateAsync);
        v3.MapGet("/backups", (HttpContext context, MergedList list, ListCounts counts) => ListAsync(context, list, counts, detail: false));
        v3.MapGet("/backups/detail", (HttpContext context, MergedList list, ListCounts counts) => ListAsync(context, list, counts, detail: true));
        v3.MapMethods("/backups/{id}", ["GET", "DELETE"], ForwardAsync);
        v3.MapPut("/backups/{id}", UpdateAsync);
        v3.MapPost("/backups/{id}/restore", RestoreAsync);
        v3.MapPost("/backups/{id}/action", ActionAsync);
    }

    private static async Task CreateAsync(HttpContext context, VolumeRoutes routes, PodScheduler scheduler, VolumeQuotas quotas)
    {
        var caller = VolumeApi.Caller(context);
        var version = VolumeApi.Version(context);
        var body = await CinderSchemas.BackupCreate.ReadAsync(context, version: version);
        var volumeId = body.String("volume_id")!;

        var (_, pod) = await routes.FindAsync(context, VolumesApi.ResourceType, volumeId, context.RequestAborted);
        PodScheduler.CheckOpen(pod, $"Volume {volumeId}");
        if (body.String("snapshot_id") is { Length: > 0 } snapshotId)
        {
            // A snapshot of the volume lives in the volume's pod; one elsewhere (or another tenant's) is not found, as Cinder says.
            var (_, snapshotPod) = await routes.FindAsync(context, SnapshotsApi.ResourceType, snapshotId, context.RequestAborted);
            if (snapshotPod.PodId != pod.PodId)
            {
                throw TricircleException.Invalid($"Invalid volume: Volume {volumeId} does not match with snapshot.volume_id of snapshot {snapshotId}.");
            }
        }

        // The backup service's AZ (3.51) is the pod's: its top name is sent as the pod's own, another is refused.
        if (body.Fields["availability_zone"] is JsonValue az && az.GetValueKind() == JsonValueKind.String)
        {
            if (az.GetValue<string>() != pod.AzName)
            {
                throw TricircleException.Invalid($"Invalid input received: volume {volumeId} is in availability zone {pod.AzName}: its backup is made there, not in {az.GetValue<string>()}.");
            }

            body.Fields.Remove("availability_zone");
            if (new PodPlacement(pod, false).BottomAz is { } bottomAz)
            {
                body.Fields["availability_zone"] = bottomAz;
            }
        }

        // Cinder counts a backup as 1 of backups and its volume's size in backup_gigabytes.
        var volume = await quotas.ShowInPodAsync(context, pod, "volumes", volumeId);
        var reservation = await quotas.ReserveAsync(caller.ProjectId, ResourceType, volume["size"]?.GetValue<long>() ?? 0, null, context.RequestAborted);
        string? created = null;
        try
        {
            var content = new StringContent(body.Root.ToJsonString(), Encoding.UTF8, "application/json");
            await context.RequestServices.GetRequiredService<PodForwarder>().ForwardAsync(context, pod, VolumeApi.ServiceType, VolumeApi.PodPath(context, "backups"), async answer =>
            {
                if (answer["backup"]?["id"]?.ToString() is { Length: > 0 } id)
                {
                    await scheduler.RecordAsync(new PodPlacement(pod, false), caller.ProjectId, ResourceType, id, id, null, CancellationToken.None);
                    created = id;
                    await quotas.KeepAsync(reservation, id, CancellationToken.None);
                }
            }, content, VolumeApi.VersionHeaders(context));
        }
        finally
        {
            if (created is null)
            {
                await quotas.ReleaseAsync(reservation, CancellationToken.None); // the pod refused, or we never got there
            }
        }
    }

    private static async Task ListAsync(HttpContext context, MergedList list, ListCounts counts, bool detail)
    {
        var caller = VolumeApi.Caller(context);
        var query = context.Request.Query;
        var allTenants = caller.IsAdmin && query.TryGetValue("all_tenants", out var all) && all.ToString() is not ("0" or "false" or "False");
        var withCount = ListCounts.Wanted(context);
        var filters = ListCounts.Filters(context, query);
        var projectId = allTenants ? null : caller.ProjectId;

        var page = await list.ListAsync(Shape, filters, projectId, caller.AuthToken, VolumeApi.PodPath(context, "backups/detail"), VolumeApi.VersionHeaders(context), context.RequestAborted, ownBase: PodForwarder.GatewayBase(context), shownParts: detail ? DetailParts : VolumeApi.BriefParts);
        long? count = withCount ? await counts.CountAsync(context, ResourceType, "backups", filters, projectId) : null;
        var links = page.Full(count) // Cinder judges a page full by the count when it has one
            ? MergedList.NextLinks(VolumeApi.Url(context, detail ? "backups/detail" : "backups"), query, MergedList.Id(page.Items[^1]))
            : null;
        await ServersApi.WriteJsonAsync(context, 200, writer => page.WriteList(writer, "backups", detail ? null : VolumeApi.Brief, links, count));
    }

    /// <summary>Checked against Cinder's schema before the backup is looked up (Cinder's order: 400 before 404); 3.9's.</summary>
    private static async Task UpdateAsync(string id, HttpContext context, VolumeRoutes routes)
    {
        var version = VolumeApi.Version(context);
        if (version.CompareTo(CinderSchemas.BackupUpdateSince) < 0)
        {
            throw TricircleException.NotFound($"Backup update needs microversion {CinderSchemas.BackupUpdateSince} or later (this request's is {version}).");
        }

        CinderSchemas.CheckNullable(context, CinderSchemas.BackupUpdate, await RequestBody.PeekObjectAsync(context), BodyAction.Update, version);
        await ForwardAsync(id, context, routes);
    }

    /// <summary>
    /// Restore goes to the backup's pod. Into an existing volume: one of that pod only. Into a new
    /// volume: the pod makes it, so it is counted (volumes, gigabytes) before and routed here after.
    /// </summary>
    private static async Task RestoreAsync(string id, HttpContext context, VolumeRoutes routes, PodScheduler scheduler, VolumeQuotas quotas)
    {
        var caller = VolumeApi.Caller(context);
        var body = CinderSchemas.CheckNullable(context, CinderSchemas.BackupRestore, await RequestBody.ReadObjectAsync(context), BodyAction.Create, VolumeApi.Version(context));
        var (routing, pod) = await routes.FindAsync(context, ResourceType, id, context.RequestAborted);
        var volumeId = body.String("volume_id");

        VolumeQuotas.Reservation? reservation = null;
        if (volumeId is not null)
        {
            var (_, volumePod) = await routes.FindAsync(context, VolumesApi.ResourceType, volumeId, context.RequestAborted);
            if (volumePod.PodId != pod.PodId)
            {
                throw TricircleException.Invalid(
                    $"Invalid volume: backup {id} is in pod {pod.RegionName} ({pod.AzName}) and volume {volumeId} in pod {volumePod.RegionName} ({volumePod.AzName}): " +
                    "a backup restores only into a volume of its own pod (pods do not share a backup store). Restore it into a new volume, which is made in the backup's pod.");
            }
        }
        else
        {
            PodScheduler.CheckOpen(pod, $"Backup {id}");
            var backup = await quotas.ShowInPodAsync(context, pod, "backups", id);
            reservation = await quotas.ReserveAsync(caller.ProjectId, VolumesApi.ResourceType, backup["size"]?.GetValue<long>() ?? 0, null, context.RequestAborted);
        }

        string? created = null;
        try
        {
            var content = new StringContent(body.Root.ToJsonString(), Encoding.UTF8, "application/json");
            await routes.ForwardAsync(context, routing, pod, $"backups/{Uri.EscapeDataString(id)}/restore", async answer =>
            {
                if (reservation is not null && answer["restore"]?["volume_id"]?.ToString() is { Length: > 0 } newVolume)
                {
                    // The new volume exists in the backup's pod: routed as if created centrally, and its quota held.
                    await scheduler.RecordAsync(new PodPlacement(pod, false), caller.ProjectId, VolumesApi.ResourceType, newVolume, newVolume, null, CancellationToken.None);
                    created = newVolume;
                    await quotas.KeepAsync(reservation, newVolume, CancellationToken.None);
                }
            }, content);
        }
        finally
        {
            if (reservation is not null && created is null)
            {
                await quotas.ReleaseAsync(reservation, CancellationToken.None);
            }
        }
    }

    /// <summary>os-reset_status and os-force_delete, admin only as in Cinder's default policy; a force delete is waited for as a delete.</summary>
    private static async Task ActionAsync(string id, HttpContext context, VolumeRoutes routes)
    {
        var body = await RequestBody.ReadObjectAsync(context);
        if (body.Count != 1 || body.First().Key is not ("os-reset_status" or "os-force_delete"))
        {
            throw ApiException.BadRequest("There is no such action: " + string.Join(",", body.Select(p => p.Key)) + " (a backup takes os-reset_status and os-force_delete).");
        }

        var (action, _) = body.First();
        if (action == "os-reset_status")
        {
            CinderSchemas.BackupResetStatus.Check(context, body, version: VolumeApi.Version(context));
        }

        var (routing, pod) = await routes.FindAsync(context, ResourceType, id, context.RequestAborted);
        context.RequireAdmin($"volume_extension:backup_admin_actions:{action[3..]}");
        var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        var status = await routes.ForwardAsync(context, routing, pod, $"backups/{Uri.EscapeDataString(id)}/action", body: content);
        if (action == "os-force_delete" && status == StatusCodes.Status202Accepted)
        {
            // Going from its pod: routed until the pod says it is gone, as a delete.
            await routes.DeletingAsync(context, routing, pod);
        }
    }

    private static async Task ForwardAsync(string id, HttpContext context, VolumeRoutes routes)
    {
        var (routing, pod) = await routes.FindAsync(context, ResourceType, id, context.RequestAborted);
        await routes.ForwardAsync(context, routing, pod, "backups/" + Uri.EscapeDataString(id), answer =>
        {
            if (answer["backup"] is JsonObject backup)
            {
                VolumeRoutes.TopAz(pod, backup);
            }

            return Task.CompletedTask;
        });
    }

    /// <summary>oslo's bool_from_string, strict (utils.get_bool_param): null when it is no boolean.</summary>
    /// <summary>A backup of a pod that did not answer: what the routing table knows, status "unknown".</summary>
    private static JsonObject Placeholder(ResourceRouting routing) => new()
    {
        ["id"] = routing.TopId,
        ["name"] = null,
        ["status"] = "unknown",
        ["availability_zone"] = null,
        ["created_at"] = VolumeRoutes.CinderTime(routing.CreatedAt),
        ["links"] = new JsonArray(),
    };
}
