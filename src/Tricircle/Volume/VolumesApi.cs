using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tricircle.Compute;
using Tricircle.Hosting;
using Tricircle.Identity;
using Tricircle.Image;
using Tricircle.Placement;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Volume;

/// <summary>
/// <c>/volumes</c>: create places the volume in a pod (beside its source snapshot or volume, if
/// any) and forwards the whole request there; lists are merged across pods; everything under one
/// volume goes to the pod that holds it. Volumes show their top AZ name, never the pod's own.
/// </summary>
internal static class VolumesApi
{
    public const string ResourceType = "volume";

    public static readonly MergedListShape Shape = new(
        VolumeApi.ServiceType,
        ResourceType,
        "volumes",
        [("created_at", true)],
        key => key == "display_name" ? "name" : key,
        Placeholder)
    {
        FromPod = VolumeRoutes.TopAz,
        FromPodFields = new HashSet<string>(StringComparer.Ordinal) { "availability_zone" },
        SortParameter = true,
        MarkerNotFound = VolumeApi.MarkerNotFound("Volume"),
        PodWordsOnRefusal = true,
    };

    // What a listed volume has edited (the AZ; its id, for the next link): the rest is written as its pod wrote it.
    private static readonly string[][] DetailParts = [["id"], ["availability_zone"]];

    public static void MapVolumesApi(this IEndpointRouteBuilder v3)
    {
        v3.MapPost("/volumes", CreateAsync);
        v3.MapGet("/volumes", (HttpContext context, MergedList list, ListCounts counts) => ListAsync(context, list, counts, detail: false));
        v3.MapGet("/volumes/detail", (HttpContext context, MergedList list, ListCounts counts) => ListAsync(context, list, counts, detail: true));
        v3.MapMethods("/volumes/{id}", ["GET", "DELETE"], ForwardOneAsync);
        v3.MapPut("/volumes/{id}", UpdateAsync);
        v3.MapPost("/volumes/{id}/action", ActionAsync);
        v3.MapMethods("/volumes/{id}/metadata", ["GET", "POST", "PUT"], ForwardUnderAsync);
        v3.MapMethods("/volumes/{id}/metadata/{key}", ["GET", "PUT", "DELETE"], ForwardUnderAsync);
    }

    private static async Task CreateAsync(HttpContext context, PodScheduler scheduler, PodForwarder forwarder, RoutingStore routings, PodStore pods, VolumeTypeStore types, VolumeQuotas quotas, ImageSync imageSync)
    {
        var caller = VolumeApi.Caller(context);
        var version = VolumeApi.Version(context);
        var body = await CinderSchemas.VolumeCreate(version).ReadAsync(context, version: version);
        var (root, volume) = (body.Root, body.Fields);
        if (body.Has("multiattach"))
        {
            // The schema takes null or a boolean; Cinder's utils.get_bool_param then refuses null, and true is no longer the way.
            switch (body.Bool("multiattach"))
            {
                case null:
                    throw ApiException.BadRequest("Value 'None' for 'multiattach' is not a boolean.");
                case true:
                    throw ApiException.BadRequest("multiattach parameter has been removed. The default behavior is to use multiattach enabled volume types. Contact your administrator to create a multiattach enabled volume type and use it to create multiattach volumes.");
            }
        }
        var requestedAz = volume["availability_zone"] is JsonValue azValue && azValue.GetValueKind() == JsonValueKind.String ? azValue.ToString() : null;
        var size = VolumeQuotas.Size(volume, "size");

        // A volume made from a snapshot, another volume or a backup is made where that lives (and is, unless told, its size).
        PodPlacement placement;
        if (await SourceAsync(volume, caller, routings, pods, context.RequestAborted) is { } source)
        {
            placement = await scheduler.PlaceBesideAsync(caller.ProjectId, source.Pod, source.What, requestedAz, context.RequestAborted);
            size ??= (await quotas.ShowInPodAsync(context, source.Pod, source.Collection, source.Id))["size"]?.GetValue<long>();
        }
        else
        {
            placement = await scheduler.PlaceAsync(caller.ProjectId, requestedAz, context.RequestAborted);
        }

        volume.Remove("availability_zone");
        if (placement.BottomAz is { } bottomAz)
        {
            volume["availability_zone"] = bottomAz;
        }

        // A type of the central catalogue is made in the pod on first use there; any other name is the pod's business.
        VolumeType? type = null;
        if (volume["volume_type"] is JsonValue typeValue && typeValue.GetValueKind() == JsonValueKind.String)
        {
            type = await types.FindAsync(typeValue.ToString(), caller, context.RequestAborted);
            if (type is null && !caller.IsAdmin && await types.FindAsync(typeValue.ToString(), caller with { Roles = ["admin"] }, context.RequestAborted) is not null)
            {
                // Another project's private type: its copy in a pod is public there, so the
                // name must stop here, as Cinder's own lookup stops it.
                throw ApiException.NotFound($"Volume type with name {typeValue} could not be found.");
            }
        }

        // Quota first (nothing in the pod yet): a size the pod refuses gives it back below.
        var reservation = await quotas.ReserveAsync(caller.ProjectId, ResourceType, size ?? 0, type?.Name, context.RequestAborted);
        string? created = null, made = null;
        try
        {
            if (type is not null)
            {
                volume["volume_type"] = await types.EnsureInPodAsync(type, placement.Pod, context.RequestAborted);
            }

            // A pod with its own Glance gets the image first (imageRef then names the pod's copy).
            await imageSync.EnsureInPodAsync(placement.Pod, volume, caller, context.RequestAborted);

            var content = new StringContent(root.ToJsonString(), Encoding.UTF8, "application/json");
            await forwarder.ForwardAsync(context, placement.Pod, VolumeApi.ServiceType, VolumeApi.PodPath(context, "volumes"), async answer =>
            {
                if (answer["volume"] is JsonObject answered && answered["id"]?.ToString() is { Length: > 0 } id)
                {
                    // The volume exists in the pod from here on; once recorded, its quota stays held whatever follows.
                    made = id;
                    await scheduler.RecordAsync(placement, caller.ProjectId, ResourceType, id, id, null, CancellationToken.None);
                    created = id;
                    await quotas.KeepAsync(reservation, id, CancellationToken.None);
                    VolumeRoutes.TopAz(placement.Pod, answered);
                }
            }, content, VolumeApi.VersionHeaders(context));
        }
        finally
        {
            if (created is null)
            {
                await quotas.ReleaseAsync(reservation, CancellationToken.None); // the pod refused, or we never got there
                if (made is not null)
                {
                    // The pod made it but it could not be recorded: it goes again (by a job if the pod cannot be reached now).
                    await context.RequestServices.GetRequiredService<Jobs.JobQueue>().RunAsync(
                        [Jobs.JobRequest.InPod(Jobs.JobTypes.VolumeCleanup, placement.Pod.PodId, made, caller.ProjectId)], CancellationToken.None);
                }
            }
        }
    }

    /// <summary>The pod of the snapshot, volume or backup (3.47) a new volume is made from, if any.</summary>
    private static async Task<(Pod Pod, string What, string Collection, string Id)?> SourceAsync(JsonObject volume, RequestContext caller, RoutingStore routings, PodStore pods, CancellationToken cancellationToken)
    {
        (string Type, string Id, string What)? source =
            volume["snapshot_id"] is JsonValue snapshot && snapshot.ToString() is { Length: > 0 } snapshotId ? ("snapshot", snapshotId, $"Snapshot {snapshotId}")
            : volume["source_volid"] is JsonValue source2 && source2.ToString() is { Length: > 0 } volumeId ? (ResourceType, volumeId, $"Volume {volumeId}")
            : volume["backup_id"] is JsonValue backup && backup.ToString() is { Length: > 0 } backupId ? (BackupsApi.ResourceType, backupId, $"Backup {backupId}")
            : null;
        if (source is not { } s)
        {
            return null;
        }

        var routing = await routings.FindTopAsync(s.Id, s.Type, caller.IsAdmin ? null : caller.ProjectId, cancellationToken)
            ?? throw ApiException.NotFound($"{s.What} could not be found.");
        var pod = await pods.FindAsync(routing.PodId, cancellationToken) ?? throw ApiException.NotFound($"{s.What} could not be found.");
        return (pod, s.What, s.Type + "s", s.Id);
    }

    private static async Task ListAsync(HttpContext context, MergedList list, ListCounts counts, bool detail)
    {
        var caller = VolumeApi.Caller(context);
        var withCount = ListCounts.Wanted(context);
        var query = ListCounts.Filters(context, context.Request.Query);
        var allTenants = caller.IsAdmin && query.TryGetValue("all_tenants", out var all) && all.ToString() is not ("0" or "false" or "False"); // Cinder ignores it from others

        // Each pod holds one top AZ, so an AZ filter picks pods rather than being asked of them (they know their zone by another name).
        Func<Pod, bool>? podFilter = null;
        if (query.TryGetValue("availability_zone", out var az))
        {
            var wanted = az.ToString();
            podFilter = p => p.AzName == wanted;
            query = new QueryCollection(query.Where(q => q.Key != "availability_zone").ToDictionary(q => q.Key, q => q.Value));
        }

        var page = await list.ListAsync(Shape, query, allTenants ? null : caller.ProjectId, caller.AuthToken, VolumeApi.PodPath(context, "volumes/detail"), VolumeApi.VersionHeaders(context), context.RequestAborted, podFilter, PodForwarder.GatewayBase(context), detail ? DetailParts : VolumeApi.BriefParts);
        long? count = withCount ? await counts.CountAsync(context, ResourceType, "volumes", query, allTenants ? null : caller.ProjectId, podFilter) : null;
        var links = page.Full(count) // Cinder judges a page full by the count when it has one
            ? MergedList.NextLinks(VolumeApi.Url(context, detail ? "volumes/detail" : "volumes"), context.Request.Query, MergedList.Id(page.Items[^1]))
            : null;
        await ServersApi.WriteJsonAsync(context, 200, writer => page.WriteList(writer, "volumes", detail ? null : VolumeApi.Brief, links, count));
    }

    private static async Task ForwardOneAsync(string id, HttpContext context, VolumeRoutes routes)
    {
        var (routing, pod) = await routes.FindAsync(context, ResourceType, id, context.RequestAborted);
        await routes.ForwardAsync(context, routing, pod, "volumes/" + Uri.EscapeDataString(id), answer =>
        {
            if (answer["volume"] is JsonObject volume)
            {
                VolumeRoutes.TopAz(pod, volume);
            }

            return Task.CompletedTask;
        });
    }

    /// <summary>An update is checked against Cinder's schema before the volume is looked up (Cinder's order: 400 before 404).</summary>
    private static async Task UpdateAsync(string id, HttpContext context, VolumeRoutes routes)
    {
        var version = VolumeApi.Version(context);
        CinderSchemas.VolumeUpdate(version).Check(context, await RequestBody.PeekObjectAsync(context, "volume"), BodyAction.Update, version);
        await ForwardOneAsync(id, context, routes);
    }

    private static async Task ForwardUnderAsync(string id, HttpContext context, VolumeRoutes routes)
    {
        var (routing, pod) = await routes.FindAsync(context, ResourceType, id, context.RequestAborted);
        var rest = context.Request.Path.Value![(context.Request.Path.Value!.IndexOf("/volumes/", StringComparison.Ordinal) + "/volumes/".Length)..];
        await routes.ForwardAsync(context, routing, pod, "volumes/" + PodUrls.EscapePath(rest));
    }

    /// <summary>
    /// Every action goes to the volume's pod with its microversion. An attach to a server must
    /// find the server in the same pod: said here as a 409, rather than the pod's "not found".
    /// </summary>
    private static async Task ActionAsync(string id, HttpContext context, VolumeRoutes routes, RoutingStore routings, PodStore pods, VolumeQuotas quotas)
    {
        var body = await RequestBody.ReadObjectAsync(context);
        if (body.Count != 1)
        {
            throw ApiException.BadRequest("Invalid request body: a volume action is an object with exactly one action key, such as {\"os-extend\": {\"new_size\": 2}}.");
        }

        // Cinder validates an action's body before it looks the volume up.
        CinderSchemas.CheckVolumeAction(context, body, VolumeApi.Version(context));
        var (routing, pod) = await routes.FindAsync(context, ResourceType, id, context.RequestAborted);

        var (actionName, actionValue) = body.First();
        if (actionName == "os-attach" && actionValue is JsonObject attach && attach["instance_uuid"] is JsonValue instance && instance.GetValueKind() == JsonValueKind.String)
        {
            var caller = context.GetRequestContext();
            var serverId = instance.GetValue<string>();
            var server = await routings.FindTopAsync(serverId, ServersApi.ResourceType, caller.IsAdmin ? null : caller.ProjectId, context.RequestAborted)
                ?? throw ApiException.NotFound($"Instance {serverId} could not be found.");
            if (server.PodId != routing.PodId)
            {
                var serverPod = await pods.GetAsync(server.PodId, context.RequestAborted);
                throw ApiException.Conflict($"Volume {id} is in pod {pod.RegionName} ({pod.AzName}) and server {serverId} in pod {serverPod.RegionName} ({serverPod.AzName}): a volume attaches only to a server in its own pod.");
            }
        }

        // An extension grows the volume's gigabytes in the central quota of the volume's project first.
        (long Gigabytes, string? Type)? grown = null;
        if (actionName == "os-extend" && actionValue is JsonObject extend && VolumeQuotas.Size(extend, "new_size") is { } newSize)
        {
            var current = await quotas.ShowInPodAsync(context, pod, "volumes", id);
            var delta = newSize - (current["size"]?.GetValue<long>() ?? 0);
            if (delta > 0)
            {
                var typeName = current["volume_type"]?.ToString() is { Length: > 0 } t && await context.RequestServices.GetRequiredService<VolumeTypeStore>().FindAsync(t, context.GetRequestContext() with { Roles = ["admin"] }, context.RequestAborted) is { } central ? central.Name : null;
                await quotas.ResizeAsync(routing.ProjectId, id, newSize, delta, typeName, context.RequestAborted);
                grown = (delta, typeName);
            }
        }

        // The pod refused the extension, or never answered: the growth is given back before the caller hears it.
        var givenBack = grown is null;
        async Task GiveBackAsync()
        {
            if (!givenBack && grown is { } g)
            {
                givenBack = true;
                await quotas.ResizeAsync(routing.ProjectId, id, 0, -g.Gigabytes, g.Type, CancellationToken.None);
            }
        }

        var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        var answered = false;
        try
        {
            var status = await routes.ForwardAsync(context, routing, pod, $"volumes/{Uri.EscapeDataString(id)}/action", body: content, onFailure: _ => GiveBackAsync());
            answered = true;
            if (actionName == "os-force_delete" && status == StatusCodes.Status202Accepted)
            {
                await routes.DeletingAsync(context, routing, pod); // as a delete: routed until its pod says it is gone
            }
        }
        finally
        {
            if (!answered)
            {
                await GiveBackAsync(); // no answer from the pod: nothing was written to the caller yet
            }
        }
    }

    /// <summary>
    /// A volume of a pod that did not answer. Cinder has no down-cell record, so this is the
    /// volume shape with what the routing table knows and status "unknown": cinderclient and
    /// openstackclient print absent fields as empty.
    /// </summary>
    private static JsonObject Placeholder(ResourceRouting routing) => new()
    {
        ["id"] = routing.TopId,
        ["name"] = null,
        ["status"] = "unknown",
        ["availability_zone"] = null,
        ["created_at"] = VolumeRoutes.CinderTime(routing.CreatedAt),
        ["os-vol-tenant-attr:tenant_id"] = routing.ProjectId,
        ["attachments"] = new JsonArray(),
        ["metadata"] = new JsonObject(),
        ["links"] = new JsonArray(),
    };
}
