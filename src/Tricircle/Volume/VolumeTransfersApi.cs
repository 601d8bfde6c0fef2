using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Tricircle.Compute;
using Tricircle.Errors;
using Tricircle.Hosting;
using Tricircle.Identity;
using Tricircle.Jobs;
using Tricircle.Placement;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Volume;

/// <summary>
/// Volume transfers, <c>/os-volume-transfer</c> and <c>/volume-transfers</c> (Zed maps both at
/// every microversion; <c>no_snapshots</c> is taken on the second from 3.55, paging and sorting
/// from 3.59). A transfer is made in its volume's pod and routed (<c>volume_transfer</c>, the pod's
/// id, the volume's project); lists are merged across pods; show and delete go to its pod, for its
/// project only (another project is told it is not found, as Cinder's query says). Anyone holding
/// its id and auth key may accept it: the pod checks the key, and the volume becomes the acceptor's
/// centrally too (<see cref="VolumeTransfers"/>).
/// </summary>
internal static class VolumeTransfersApi
{
    public const string ResourceType = "volume_transfer";

    /// <summary>TRANSFER_WITH_SNAPSHOTS: <c>no_snapshots</c> on <c>/volume-transfers</c>.</summary>
    public static readonly Microversion WithSnapshots = new(3, 55);

    /// <summary>SUPPORT_TRANSFER_PAGINATION: marker, limit, offset and sort on <c>/volume-transfers</c>.</summary>
    public static readonly Microversion Pagination = new(3, 59);

    // Cinder's cap on a page (osapi_max_limit).
    private const int MaxLimit = 1000;

    private static readonly string[] PagingKeys = ["marker", "limit", "offset", "sort", "sort_key", "sort_dir"];

    // Transfer columns a 3.59 list sorts by (name is display_name).
    private static readonly string[] SortKeys = ["id", "created_at", "updated_at", "display_name", "name", "volume_id", "source_project_id", "destination_project_id"];

    private static readonly BodyField TransferName = new("name", JsonKind.String | JsonKind.Null) { Format = "cinder-name" };

    private static readonly BodyField TransferVolume = new("volume_id", JsonKind.String) { Format = "uuid", Required = true };

    /// <summary>volume_transfer.create (the contrib controller's at every microversion).</summary>
    private static readonly BodySchema Create = new("transfer", TransferVolume, TransferName);

    /// <summary>volume_transfer.create_v355.</summary>
    private static readonly BodySchema Create355 = new("transfer", TransferVolume, TransferName, CinderSchemas.Boolean("no_snapshots"));

    /// <summary>volume_transfer.accept: the key, a string or an integer.</summary>
    private static readonly BodySchema Accept = new("accept", new BodyField("auth_key", JsonKind.String | JsonKind.Integer) { Required = true });

    public static void MapVolumeTransfersApi(this IEndpointRouteBuilder v3)
    {
        foreach (var (collection, isV3) in (ReadOnlySpan<(string, bool)>)[("os-volume-transfer", false), ("volume-transfers", true)])
        {
            v3.MapPost("/" + collection, (HttpContext context, VolumeRoutes routes, PodScheduler scheduler, PodForwarder forwarder, PodClient client) =>
                CreateAsync(context, collection, isV3, routes, scheduler, forwarder, client));
            v3.MapGet("/" + collection, (HttpContext context, [AsParameters] ListSources sources) => ListAsync(context, collection, isV3, sources, detail: false));
            v3.MapGet("/" + collection + "/detail", (HttpContext context, [AsParameters] ListSources sources) => ListAsync(context, collection, isV3, sources, detail: true));
            v3.MapMethods("/" + collection + "/{id}", ["GET", "DELETE"], (string id, HttpContext context, VolumeRoutes routes, RoutingStore routings) =>
                ForwardAsync(id, context, collection, routes, routings));
            v3.MapPost("/" + collection + "/{id}/accept", (string id, HttpContext context, [AsParameters] AcceptSources sources) => AcceptAsync(id, context, collection, sources));
        }
    }

    private static async Task CreateAsync(HttpContext context, string collection, bool isV3, VolumeRoutes routes, PodScheduler scheduler, PodForwarder forwarder, PodClient client)
    {
        VolumeApi.Caller(context);
        var version = VolumeApi.Version(context);
        var schema = isV3 && version.CompareTo(WithSnapshots) >= 0 ? Create355 : Create;
        var body = await schema.ReadAsync(context, version: version);
        var volumeId = body.String("volume_id")!;
        var (volume, pod) = await routes.FindAsync(context, VolumesApi.ResourceType, volumeId, context.RequestAborted);

        var content = new StringContent(body.Root.ToJsonString(), Encoding.UTF8, "application/json");
        await forwarder.ForwardAsync(context, pod, VolumeApi.ServiceType, VolumeApi.PodPath(context, collection), async answer =>
        {
            if (answer["transfer"]?["id"]?.ToString() is not { Length: > 0 } id)
            {
                return;
            }

            try
            {
                // The transfer is the volume's project's (an admin may offer another project's volume).
                await scheduler.RecordAsync(new PodPlacement(pod, false), volume.ProjectId, ResourceType, id, id, null, CancellationToken.None);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Not recorded, so nobody could find it to accept or delete it: the pod's goes too, so its volume is not left awaiting it.
                await client.SendJsonAsync(pod, VolumeApi.ServiceType, HttpMethod.Delete, VolumeApi.PodPath(context, $"os-volume-transfer/{Uri.EscapeDataString(id)}"), null, context.GetRequestContext().AuthToken, CancellationToken.None);
                throw;
            }
        }, content, VolumeApi.VersionHeaders(context));
    }

    private static async Task ForwardAsync(string id, HttpContext context, string collection, VolumeRoutes routes, RoutingStore routings)
    {
        var (routing, pod) = await routes.FindAsync(context, ResourceType, id, context.RequestAborted);
        var status = await routes.ForwardAsync(context, routing, pod, $"{collection}/{Uri.EscapeDataString(id)}");
        if (HttpMethods.IsDelete(context.Request.Method) && status == StatusCodes.Status202Accepted)
        {
            // Cinder deletes a transfer at once (its volume is available again): nothing routes to it any more.
            await routings.ForgetAsync(routing.TopId, ResourceType, routing.PodId, CancellationToken.None);
        }
    }

    /// <summary>What an acceptance needs.</summary>
    internal sealed record AcceptSources(RoutingStore Routings, PodStore Pods, PodClient Client, PodForwarder Forwarder, VolumeTransfers Transfers, JobQueue Jobs);

    /// <summary>
    /// The transfer is looked up whoever asks (the key is the proof, checked by the pod). The
    /// acceptor's quota is held first (413 before the pod is asked), with the job that settles it;
    /// the pod then accepts or refuses with the acceptor's token, and the job runs at once.
    /// </summary>
    private static async Task AcceptAsync(string id, HttpContext context, string collection, AcceptSources sources)
    {
        var caller = VolumeApi.Caller(context);
        var body = await Accept.ReadAsync(context, version: VolumeApi.Version(context));
        var notFound = TricircleException.NotFound($"Transfer {id} could not be found.");
        var routing = await sources.Routings.FindTopAsync(id, ResourceType, null, context.RequestAborted) ?? throw notFound;
        var pod = await sources.Pods.FindAsync(routing.PodId, context.RequestAborted) ?? throw notFound;

        // Which volume, and whether its snapshots go with it: the pod's record, read as admin (the acceptor may not see it).
        var transferPath = $"os-volume-transfer/{Uri.EscapeDataString(id)}";
        JsonNode? transfer;
        try
        {
            transfer = (await sources.Client.SendJsonAsync(pod, VolumeApi.ServiceType, HttpMethod.Get, await AdminPathAsync(context, transferPath), null, null, context.RequestAborted, WithSnapshotsHeader))?["transfer"];
        }
        catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status404NotFound)
        {
            await sources.Transfers.ForgetAsync(id, pod.PodId, CancellationToken.None); // gone from its pod
            throw notFound;
        }

        var volumeId = transfer?["volume_id"]?.ToString() ?? throw notFound;
        var snapshots = new List<string>();
        if (transfer["no_snapshots"]?.GetValue<bool>() != true)
        {
            var listed = await sources.Client.SendJsonAsync(
                pod, VolumeApi.ServiceType, HttpMethod.Get, await AdminPathAsync(context, $"snapshots/detail?all_tenants=1&volume_id={Uri.EscapeDataString(volumeId)}"), null, null, context.RequestAborted);
            snapshots.AddRange((listed?["snapshots"] as JsonArray ?? []).Select(s => s?["id"]?.ToString()).OfType<string>());
        }

        var batch = sources.Jobs.Begin();
        await sources.Transfers.ReserveAsync(id, pod, volumeId, snapshots, caller.ProjectId, batch, context.RequestAborted);

        // Settled before the caller hears the pod's answer, so a show right after sees the new owner.
        var settled = false;
        async Task SettleAsync()
        {
            if (!settled)
            {
                settled = true;
                await batch.RunAsync(refusalsEnd: false, CancellationToken.None);
            }
        }

        try
        {
            var content = new StringContent(body.Root.ToJsonString(), Encoding.UTF8, "application/json");
            await sources.Forwarder.ForwardAsync(
                context, pod, VolumeApi.ServiceType, VolumeApi.PodPath(context, $"{collection}/{Uri.EscapeDataString(id)}/accept"), _ => SettleAsync(), content, VolumeApi.VersionHeaders(context), onFailure: _ => SettleAsync());
        }
        finally
        {
            await SettleAsync(); // no answer from the pod: the job finds out what it did (now, or later by a worker)
        }
    }

    private static readonly KeyValuePair<string, string>[] WithSnapshotsHeader = [new("OpenStack-API-Version", "volume " + WithSnapshots)];

    private static async Task<string> AdminPathAsync(HttpContext context, string relative) =>
        $"{Uri.EscapeDataString((await context.RequestServices.GetRequiredService<PodAdminToken>().GetAsync(context.RequestAborted)).ProjectId ?? "")}/{relative}";

    /// <summary>What a merged list needs.</summary>
    internal sealed record ListSources(RoutingStore Routings, PodStore Pods, PodClient Client, PodFanOut FanOut);

    /// <summary>
    /// Every pod holding the caller's transfers is asked for its whole list (a project has few
    /// offers open); the items with a routing row are merged. Before 3.59 (and always on
    /// <c>/os-volume-transfer</c>) the order is oldest first and every query key is a filter to
    /// Cinder (so <c>limit</c> matches nothing, as there); from 3.59 on <c>/volume-transfers</c>
    /// the marker, limit, offset and sort are applied here to the merged list.
    /// </summary>
    private static async Task ListAsync(HttpContext context, string collection, bool isV3, ListSources sources, bool detail)
    {
        var caller = VolumeApi.Caller(context);
        var query = context.Request.Query;
        var paging = isV3 && VolumeApi.Version(context).CompareTo(Pagination) >= 0;
        var limit = PagingInt(query, "limit");
        var offset = PagingInt(query, "offset") ?? 0;
        var sort = paging ? Sort(query) : [("created_at", false), ("id", false)];
        var allTenants = caller.IsAdmin && query.TryGetValue("all_tenants", out var all) && all.ToString() is not ("0" or "false" or "False" or "");
        var projectId = allTenants ? null : caller.ProjectId;

        var asked = query.Where(q => !paging || !PagingKeys.Contains(q.Key, StringComparer.Ordinal)).ToList();
        var podQuery = string.Join('&', asked.SelectMany(q => q.Value.Select(v => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(v ?? "")}")));
        var relevant = await sources.Routings.PodsWithAsync(ResourceType, projectId, context.RequestAborted);
        var pods = (await sources.Pods.ListAsync(new Dictionary<string, string>(), context.RequestAborted)).Where(p => !p.IsCentral && relevant.Contains(p.PodId)).ToList();
        var uri = VolumeApi.PodPath(context, $"{collection}/detail" + (podQuery.Length > 0 ? "?" + podQuery : ""));
        var ownBase = PodForwarder.GatewayBase(context);
        var answers = await sources.FanOut.AskAsync(pods, async (pod, ct) =>
        {
            var answer = await sources.Client.SendJsonAsync(pod, VolumeApi.ServiceType, HttpMethod.Get, uri, null, caller.AuthToken, ct, VolumeApi.VersionHeaders(context));
            var podBase = PodForwarder.BaseOf(await sources.Client.ServiceRootAsync(pod, VolumeApi.ServiceType, ct));
            var items = (answer?["transfers"] as JsonArray ?? []).OfType<JsonObject>().ToList();
            var known = await sources.Routings.KnownAsync(ResourceType, pod.PodId, [.. items.Select(i => i["id"]?.ToString() ?? "")], ct);
            return items.Where(i => known.Contains(i["id"]?.ToString() ?? ""))
                .Select(i => (JsonObject)JsonNode.Parse(PodForwarder.Rewrite(i.ToJsonString(), podBase, ownBase))!)
                .ToList();
        }, context.RequestAborted);

        var merged = answers.Where(a => a.Succeeded).SelectMany(a => a.Value!).ToList();
        var missing = answers.Where(a => !a.Succeeded).Select(a => a.Pod.PodId).ToList();
        if (missing.Count > 0 && asked.All(q => q.Key == "all_tenants"))
        {
            // A pod that did not answer: what the routing table knows of its offers.
            merged.AddRange((await sources.Routings.ListTypeAsync(ResourceType, projectId, missing, context.RequestAborted)).Select(Placeholder));
        }

        merged.Sort((a, b) =>
        {
            foreach (var (key, descending) in sort)
            {
                var c = string.CompareOrdinal(Field(a, key), Field(b, key));
                if (c != 0)
                {
                    return descending ? -c : c;
                }
            }

            return 0;
        });

        var count = merged.Count;
        if (paging)
        {
            var start = 0;
            if (query.TryGetValue("marker", out var marker) && marker.ToString() is { Length: > 0 } markerId)
            {
                start = merged.FindIndex(t => t["id"]?.ToString() == markerId) is var at and >= 0 ? at + 1 : throw TricircleException.NotFound($"Transfer {markerId} could not be found.");
            }

            merged = [.. merged.Skip(start + offset).Take(Math.Min(limit ?? MaxLimit, MaxLimit))];
            count = merged.Count;
        }

        // Cinder's common.limited then slices the page by offset and limit once more (from 3.59 the offset counts twice, as in Zed).
        var page = merged.Skip(offset).Take(limit is null or 0 ? MaxLimit : Math.Min(limit.Value, MaxLimit)).ToList();
        var items = new JsonArray([.. page.Select(t => (JsonNode)(detail ? t : Brief(t)))]);
        var result = new JsonObject { ["transfers"] = items };
        if (page.Count > 0 && Math.Min(limit ?? MaxLimit, MaxLimit) <= count)
        {
            result["transfers_links"] = MergedList.NextLinks(VolumeApi.Url(context, "os-volume-transfer"), query, page[^1]["id"]!.ToString());
        }

        await ServersApi.WriteJsonAsync(context, 200, result);
    }

    /// <summary>common.get_pagination_params' checks (they apply to every list, paging or not), in its words.</summary>
    private static int? PagingInt(IQueryCollection query, string key)
    {
        if (!query.TryGetValue(key, out var values) || values.ToString() is not { Length: > 0 } text)
        {
            return null;
        }

        if (!int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            throw ApiException.BadRequest(key == "limit" ? "limit param must be an integer" : $"{key} must be an integer");
        }

        return value >= 0 ? value : throw ApiException.BadRequest(key == "limit" ? "limit param must be positive" : $"{key} must be >= 0");
    }

    /// <summary>common.get_sort_params (sort=k:dir,… or sort_key/sort_dir; created_at desc by default), with the id last to break ties.</summary>
    private static List<(string Key, bool Descending)> Sort(IQueryCollection query)
    {
        var sortText = query["sort"].ToString();
        if (sortText.Length > 0 && (query.ContainsKey("sort_key") || query.ContainsKey("sort_dir")))
        {
            throw ApiException.BadRequest("The param 'sort' isn't supported if either 'sort_key' or 'sort_dir' is used.");
        }

        var parts = sortText.Length > 0
            ? sortText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => p.Split(':')).Select(p => (Key: p[0], Dir: p.Length > 1 ? p[1] : "desc")).ToList()
            : [(Key: query["sort_key"].ToString() is { Length: > 0 } k ? k : "created_at", Dir: query["sort_dir"].ToString() is { Length: > 0 } d ? d : "desc")];
        var sort = new List<(string Key, bool Descending)>();
        foreach (var (key, dir) in parts)
        {
            if (!SortKeys.Contains(key, StringComparer.Ordinal))
            {
                throw ApiException.BadRequest($"Invalid input received: Invalid sort key {key}");
            }

            if (dir is not ("asc" or "desc"))
            {
                throw ApiException.BadRequest("Invalid input received: Unknown sort direction, must be 'desc' or 'asc'");
            }

            sort.Add((key == "display_name" ? "name" : key, dir == "desc"));
        }

        if (!sort.Any(s => s.Key == "id"))
        {
            sort.Add(("id", sort[^1].Descending));
        }

        return sort;
    }

    // An offer is never updated (its updated_at is null everywhere): that key orders nothing.
    private static string? Field(JsonObject item, string key) => key == "updated_at" ? null : item[key]?.ToString();

    private static JsonObject Brief(JsonObject item) => new()
    {
        ["id"] = item["id"]?.DeepClone(),
        ["volume_id"] = item["volume_id"]?.DeepClone(),
        ["name"] = item["name"]?.DeepClone(),
        ["links"] = item["links"]?.DeepClone() ?? new JsonArray(),
    };

    /// <summary>An offer of a pod that did not answer: its id and creation time.</summary>
    private static JsonObject Placeholder(ResourceRouting routing) => new()
    {
        ["id"] = routing.TopId,
        ["created_at"] = VolumeRoutes.CinderTime(routing.CreatedAt),
        ["name"] = null,
        ["volume_id"] = null,
        ["links"] = new JsonArray(),
    };
}
