using System.Text;
using System.Text.Json.Nodes;
using Tricircle.Compute;
using Tricircle.Hosting;
using Tricircle.Placement;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Volume;

/// <summary><c>/snapshots</c>: made in the pod of their volume, listed across pods, forwarded by routing.</summary>
internal static class SnapshotsApi
{
    public const string ResourceType = "snapshot";

    public static readonly MergedListShape Shape = new(
        VolumeApi.ServiceType,
        ResourceType,
        "snapshots",
        [("created_at", true)],
        key => key == "display_name" ? "name" : key,
        Placeholder)
    {
        SortParameter = true,
        MarkerNotFound = VolumeApi.MarkerNotFound("Snapshot"),
        PodWordsOnRefusal = true,
    };

    public static void MapSnapshotsApi(this IEndpointRouteBuilder v3)
    {
        v3.MapPost("/snapshots", CreateAsync);
        v3.MapGet("/snapshots", (HttpContext context, MergedList list, ListCounts counts) => ListAsync(context, list, counts, detail: false));
        v3.MapGet("/snapshots/detail", (HttpContext context, MergedList list, ListCounts counts) => ListAsync(context, list, counts, detail: true));
        v3.MapMethods("/snapshots/{id}", ["GET", "DELETE"], ForwardAsync);
        v3.MapPut("/snapshots/{id}", UpdateAsync);
        v3.MapMethods("/snapshots/{id}/metadata", ["GET", "POST", "PUT"], ForwardAsync);
        v3.MapMethods("/snapshots/{id}/metadata/{key}", ["GET", "PUT", "DELETE"], ForwardAsync);
        v3.MapPost("/snapshots/{id}/action", ActionAsync);
    }

    private static async Task CreateAsync(HttpContext context, VolumeRoutes routes, PodScheduler scheduler, VolumeQuotas quotas, VolumeTypeStore types)
    {
        var caller = VolumeApi.Caller(context);
        var body = await CinderSchemas.SnapshotCreate.ReadAsync(context, version: VolumeApi.Version(context));
        var root = body.Root;
        var volumeId = body.String("volume_id") ?? "None"; // the schema allows null, which then names no volume (Python's "None")

        var (_, pod) = await routes.FindAsync(context, VolumesApi.ResourceType, volumeId, context.RequestAborted);
        PodScheduler.CheckOpen(pod, $"Volume {volumeId}");

        // A snapshot counts its volume's size against the caller's gigabytes, as Cinder does.
        var volume = await quotas.ShowInPodAsync(context, pod, "volumes", volumeId);
        var type = volume["volume_type"]?.ToString() is { Length: > 0 } typeName
            && await types.FindAsync(typeName, caller with { Roles = ["admin"] }, context.RequestAborted) is { } central ? central.Name : null;
        var reservation = await quotas.ReserveAsync(caller.ProjectId, ResourceType, volume["size"]?.GetValue<long>() ?? 0, type, context.RequestAborted);
        string? created = null;
        try
        {
            var content = new StringContent(root.ToJsonString(), Encoding.UTF8, "application/json");
            await context.RequestServices.GetRequiredService<PodForwarder>().ForwardAsync(context, pod, VolumeApi.ServiceType, VolumeApi.PodPath(context, "snapshots"), async answer =>
            {
                if (answer["snapshot"]?["id"]?.ToString() is { Length: > 0 } id)
                {
                    await quotas.KeepAsync(reservation, id, CancellationToken.None);
                    created = id;
                    await scheduler.RecordAsync(new PodPlacement(pod, false), caller.ProjectId, ResourceType, id, id, null, CancellationToken.None);
                }
            }, content, VolumeApi.VersionHeaders(context));
        }
        finally
        {
            if (created is null)
            {
                await quotas.ReleaseAsync(reservation, CancellationToken.None);
            }
        }
    }

    private static async Task ListAsync(HttpContext context, MergedList list, ListCounts counts, bool detail)
    {
        var caller = VolumeApi.Caller(context);
        var allTenants = caller.IsAdmin && context.Request.Query.TryGetValue("all_tenants", out var all) && all.ToString() is not ("0" or "false" or "False");
        var withCount = ListCounts.Wanted(context);
        var query = ListCounts.Filters(context, context.Request.Query);
        var page = await list.ListAsync(Shape, query, allTenants ? null : caller.ProjectId, caller.AuthToken, VolumeApi.PodPath(context, "snapshots/detail"), VolumeApi.VersionHeaders(context), context.RequestAborted, ownBase: PodForwarder.GatewayBase(context));
        var items = new JsonArray();
        foreach (var item in page.Items)
        {
            // Cinder's brief snapshot view is the detail without the extension attributes.
            var shown = (JsonObject)item.DeepClone();
            if (!detail)
            {
                foreach (var key in shown.Select(p => p.Key).Where(k => k.StartsWith("os-", StringComparison.Ordinal)).ToList())
                {
                    shown.Remove(key);
                }
            }

            items.Add(shown);
        }

        var body = new JsonObject { ["snapshots"] = items };
        long? count = withCount ? await counts.CountAsync(context, ResourceType, "snapshots", query, allTenants ? null : caller.ProjectId) : null;
        if (page.Full(count)) // Cinder judges a page full by the count when it has one
        {
            body["snapshots_links"] = MergedList.NextLinks(VolumeApi.Url(context, detail ? "snapshots/detail" : "snapshots"), context.Request.Query, MergedList.Id(page.Items[^1]));
        }

        if (count is not null)
        {
            body["count"] = count;
        }

        await ServersApi.WriteJsonAsync(context, 200, body);
    }

    /// <summary>Checked against Cinder's schema before the snapshot is looked up (Cinder's order: 400 before 404).</summary>
    private static async Task UpdateAsync(string id, HttpContext context, VolumeRoutes routes)
    {
        CinderSchemas.SnapshotUpdate.Check(context, await RequestBody.PeekObjectAsync(context, "snapshot"), BodyAction.Update, VolumeApi.Version(context));
        await ForwardAsync(id, context, routes);
    }

    private static async Task ActionAsync(string id, HttpContext context, VolumeRoutes routes)
    {
        var body = await RequestBody.PeekObjectAsync(context);
        CinderSchemas.CheckSnapshotAction(context, body, VolumeApi.Version(context));
        var (routing, pod, status) = await ForwardStatusAsync(id, context, routes);
        if (body.ContainsKey("os-force_delete") && status == StatusCodes.Status202Accepted)
        {
            await routes.DeletingAsync(context, routing, pod); // as a delete: routed until its pod says it is gone
        }
    }

    private static async Task ForwardAsync(string id, HttpContext context, VolumeRoutes routes) => await ForwardStatusAsync(id, context, routes);

    private static async Task<(ResourceRouting Routing, Pod Pod, int Status)> ForwardStatusAsync(string id, HttpContext context, VolumeRoutes routes)
    {
        var (routing, pod) = await routes.FindAsync(context, ResourceType, id, context.RequestAborted);
        var path = context.Request.Path.Value!;
        var rest = path[(path.IndexOf("/snapshots/", StringComparison.Ordinal) + 1)..];
        return (routing, pod, await routes.ForwardAsync(context, routing, pod, rest));
    }

    /// <summary>A snapshot of a pod that did not answer: what the routing table knows, status "unknown".</summary>
    private static JsonObject Placeholder(ResourceRouting routing) => new()
    {
        ["id"] = routing.TopId,
        ["name"] = null,
        ["status"] = "unknown",
        ["created_at"] = VolumeRoutes.CinderTime(routing.CreatedAt),
        ["os-extended-snapshot-attributes:project_id"] = routing.ProjectId,
        ["metadata"] = new JsonObject(),
    };
}
