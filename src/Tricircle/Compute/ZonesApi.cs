using System.Text.Json.Nodes;
using Tricircle.Hosting;
using Tricircle.Identity;
using Tricircle.Pods;

namespace Tricircle.Compute;

/// <summary>
/// <c>os-availability-zone</c> and <c>os-aggregates</c> from the pod table: every AZ that has
/// bottom pods, and one read-only aggregate per bottom pod (aggregates follow pods, which the
/// Admin API manages; creating or changing one here is refused with a 400 saying so).
/// </summary>
internal static class ZonesApi
{
    public static void MapZonesApi(this IEndpointRouteBuilder v21)
    {
        v21.MapGet("/os-availability-zone", (HttpContext context, PodStore pods, PodClient client) => ZonesAsync(context, pods, client, detail: false));
        v21.MapGet("/os-availability-zone/detail", (HttpContext context, PodStore pods, PodClient client) => ZonesAsync(context, pods, client, detail: true));
        v21.MapGet("/os-aggregates", ListAggregatesAsync);
        v21.MapGet("/os-aggregates/{id}", ShowAggregateAsync);
        v21.MapPost("/os-aggregates", Refuse);
        v21.MapMethods("/os-aggregates/{id}", ["PUT", "DELETE"], Refuse);
        v21.MapPost("/os-aggregates/{id}/action", Refuse);
    }

    private static async Task<IReadOnlyList<Pod>> BottomPodsAsync(PodStore pods, CancellationToken cancellationToken) =>
        [.. (await pods.ListAsync(new Dictionary<string, string>(), cancellationToken)).Where(p => !p.IsCentral)];

    private static async Task ZonesAsync(HttpContext context, PodStore pods, PodClient client, bool detail)
    {
        if (detail)
        {
            context.RequireAdmin("os_compute_api:os-availability-zone:detail");
        }
        else
        {
            ComputeApi.Caller(context);
        }

        var zones = new JsonArray();
        foreach (var zone in (await BottomPodsAsync(pods, context.RequestAborted)).GroupBy(p => p.AzName).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            JsonObject? hosts = null;
            if (detail)
            {
                // The pods stand in for Nova's compute hosts: that is what the gateway schedules to.
                hosts = [];
                foreach (var pod in zone)
                {
                    hosts[pod.RegionName] = new JsonObject
                    {
                        ["nova-compute"] = new JsonObject { ["available"] = client.IsReachable(pod), ["active"] = !pod.Disabled, ["updated_at"] = null },
                    };
                }
            }

            zones.Add(new JsonObject
            {
                ["zoneName"] = zone.Key,
                ["zoneState"] = new JsonObject { ["available"] = zone.Any(p => !p.Disabled && client.IsReachable(p)) },
                ["hosts"] = hosts,
            });
        }

        await NovaJson.WriteAsync(context, new JsonObject { ["availabilityZoneInfo"] = zones });
    }

    /// <summary>Aggregates numbered by the pods' order of registration (Nova's ids are integers); at 2.41+ the uuid is the pod id.</summary>
    private static async Task<IReadOnlyList<(int Id, Pod Pod)>> AggregatesAsync(PodStore pods, CancellationToken cancellationToken) =>
        [.. (await BottomPodsAsync(pods, cancellationToken)).OrderBy(p => p.CreatedAt).ThenBy(p => p.PodId, StringComparer.Ordinal).Select((p, i) => (i + 1, p))];

    private static JsonObject View(HttpContext context, int id, Pod pod)
    {
        var json = new JsonObject
        {
            ["availability_zone"] = pod.AzName,
            ["created_at"] = Data.DbTime.Print(pod.CreatedAt)?.Replace(' ', 'T') + ".000000",
            ["deleted"] = false,
            ["deleted_at"] = null,
            ["hosts"] = new JsonArray(),
            ["id"] = id,
            ["metadata"] = new JsonObject { ["availability_zone"] = pod.AzName, ["region_name"] = pod.RegionName, ["pod_az_name"] = pod.PodAzName, ["dc_name"] = pod.DcName },
            ["name"] = pod.RegionName,
            ["updated_at"] = pod.UpdatedAt is { } updated ? Data.DbTime.Print(updated)?.Replace(' ', 'T') + ".000000" : null,
        };
        if (NovaJson.AtLeast(context, 41))
        {
            json["uuid"] = pod.PodId;
        }

        return json;
    }

    private static async Task ListAggregatesAsync(HttpContext context, PodStore pods)
    {
        context.RequireAdmin("os_compute_api:os-aggregates:index");
        var list = new JsonArray();
        foreach (var (id, pod) in await AggregatesAsync(pods, context.RequestAborted))
        {
            list.Add(View(context, id, pod));
        }

        await NovaJson.WriteAsync(context, new JsonObject { ["aggregates"] = list });
    }

    private static async Task ShowAggregateAsync(string id, HttpContext context, PodStore pods)
    {
        context.RequireAdmin("os_compute_api:os-aggregates:show");
        var match = (await AggregatesAsync(pods, context.RequestAborted))
            .FirstOrDefault(a => a.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) == id || (NovaJson.AtLeast(context, 41) && a.Pod.PodId == id));
        if (match.Pod is null)
        {
            throw ApiException.NotFound($"Aggregate {id} could not be found.");
        }

        await NovaJson.WriteAsync(context, new JsonObject { ["aggregate"] = View(context, match.Id, match.Pod) });
    }

    private static Task Refuse(HttpContext context)
    {
        context.RequireAdmin("os_compute_api:os-aggregates:create");
        throw ApiException.BadRequest("Aggregates follow Tricircle's pods (one per bottom pod, in its availability zone): add, change or remove pods with the Admin API (`tricircle pod ...`), not aggregates.");
    }
}
