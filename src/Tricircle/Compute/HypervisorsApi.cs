using System.Globalization;
using System.Text.Json.Nodes;
using Tricircle.Hosting;
using Tricircle.Identity;
using Tricircle.Pods;

namespace Tricircle.Compute;

/// <summary>
/// <c>os-hypervisors</c> merged over every pod (admin only, as Nova's default policy): list and
/// detail in the pods' registration order, paged centrally (2.33 on), a show (and uptime) that finds its
/// pod again from the id, and <c>statistics</c> (until 2.87) summed over the pods. Hostnames are
/// <c>host@Region</c>; ids are made unique as <see cref="ComputeServicesApi"/> makes them. A pod
/// that does not answer is left out.
/// </summary>
internal static class HypervisorsApi
{
    private const int UuidForIdMinor = 53;

    private static readonly string[] StatisticsFields =
    [
        "count", "vcpus", "memory_mb", "local_gb", "vcpus_used", "memory_mb_used", "local_gb_used",
        "free_ram_mb", "free_disk_gb", "current_workload", "running_vms", "disk_available_least",
    ];

    public static void MapHypervisorsApi(this IEndpointRouteBuilder v21)
    {
        v21.MapGet("/os-hypervisors", (HttpContext context, OperatorViews views, PodClient client) => ListAsync(context, views, client, detail: false));
        v21.MapGet("/os-hypervisors/detail", (HttpContext context, OperatorViews views, PodClient client) => ListAsync(context, views, client, detail: true));
        v21.MapGet("/os-hypervisors/statistics", StatisticsAsync);
        v21.MapGet("/os-hypervisors/{id}", (string id, HttpContext context, OperatorViews views, PodClient client) => ShowAsync(id, context, views, client, uptime: false));
        v21.MapGet("/os-hypervisors/{id}/uptime", (string id, HttpContext context, OperatorViews views, PodClient client) => ShowAsync(id, context, views, client, uptime: true));
    }

    private static JsonObject View(JsonObject hypervisor, int podNumber, Pod pod)
    {
        OperatorViews.CentralIdField(hypervisor, "id", podNumber);
        OperatorViews.QualifyField(hypervisor, "hypervisor_hostname", pod);
        if (hypervisor["service"] is JsonObject service)
        {
            OperatorViews.CentralIdField(service, "id", podNumber);
            OperatorViews.QualifyField(service, "host", pod);
        }

        return hypervisor;
    }

    private static async Task<List<(int Number, Pod Pod, JsonObject Hypervisor)>> HypervisorsAsync(
        HttpContext context, OperatorViews views, PodClient client, IReadOnlyList<(int Number, Pod Pod)> pods, string path, string query)
    {
        var caller = context.GetRequestContext();
        var answers = await views.AskAsync("os-hypervisors", pods, async (pod, ct) =>
        {
            try
            {
                return (await client.SendJsonAsync(pod, ComputeApi.ServiceType, HttpMethod.Get, path + query, null, caller.AuthToken, ct, ComputeApi.VersionHeaders(context)))?["hypervisors"] as JsonArray ?? [];
            }
            catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status404NotFound)
            {
                return []; // no hypervisor of the pod matches the pattern
            }
        }, context.RequestAborted);
        return [.. answers.SelectMany(a => a.Value.OfType<JsonObject>().Select(h => (a.Number, a.Pod, View((JsonObject)h.DeepClone(), a.Number, a.Pod))))];
    }

    private static async Task ListAsync(HttpContext context, OperatorViews views, PodClient client, bool detail)
    {
        context.RequireAdmin(detail ? "os_compute_api:os-hypervisors:list-detail" : "os_compute_api:os-hypervisors:list");
        var query = context.Request.Query;
        var pods = await views.PodsAsync(context.RequestAborted);
        var uuids = NovaJson.AtLeast(context, UuidForIdMinor);
        var paged = NovaJson.AtLeast(context, 33);
        var pattern = uuids ? query["hypervisor_hostname_pattern"].LastOrDefault() : null;
        var marker = paged ? query["marker"].LastOrDefault() : null;
        int? limit = null;
        if (paged && query.TryGetValue("limit", out var limitText))
        {
            limit = int.TryParse(limitText.LastOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var l)
                ? l
                : throw ApiException.BadRequest($"Invalid input for query parameters limit. Value: {limitText}. '{limitText}' does not match '^[0-9]*$'");
        }

        if (pattern is not null && (limit is not null || marker is not null))
        {
            throw ApiException.BadRequest("Paging over hypervisors with the hypervisor_hostname_pattern query parameter is not supported.");
        }

        // Each pod is asked for all of its hypervisors (without the caller's paging): the page is cut here.
        var parts = new List<string>();
        foreach (var (key, values) in query.Where(q => q.Key is not ("limit" or "marker")))
        {
            foreach (var value in values)
            {
                var text = value ?? "";
                if (key == "hypervisor_hostname_pattern" && OperatorViews.Split(text, pods) is { Pod: { } pod } split)
                {
                    pods = [.. pods.Where(p => p.Pod == pod)];
                    text = split.Host;
                }

                parts.Add(Uri.EscapeDataString(key) + "=" + Uri.EscapeDataString(text));
            }
        }

        var all = await HypervisorsAsync(context, views, client, pods, detail ? "os-hypervisors/detail" : "os-hypervisors", parts.Count > 0 ? "?" + string.Join('&', parts) : "");
        if (pattern is not null && all.Count == 0)
        {
            throw ApiException.NotFound($"No hypervisor matching '{pattern}' could be found.");
        }

        var items = all.Select(h => h.Hypervisor).ToList();
        if (marker is not null)
        {
            var at = items.FindIndex(h => h["id"]?.ToString() == marker);
            items = at >= 0 ? items[(at + 1)..] : throw ApiException.BadRequest($"marker [{marker}] not found");
        }

        var max = limit ?? int.MaxValue;
        var page = items.Take(max).ToList();
        var body = new JsonObject { ["hypervisors"] = new JsonArray([.. page]) };
        if (limit is not null && page.Count > 0 && items.Count > page.Count)
        {
            body["hypervisors_links"] = MergedList.NextLinks(ComputeApi.Url(context, detail ? "os-hypervisors/detail" : "os-hypervisors"), query, page[^1]["id"]!.ToString());
        }

        await NovaJson.WriteAsync(context, body);
    }

    /// <summary>A hypervisor, or its uptime (until 2.87), from its pod.</summary>
    private static async Task ShowAsync(string id, HttpContext context, OperatorViews views, PodClient client, bool uptime)
    {
        if (uptime && NovaJson.AtLeast(context, 88))
        {
            throw ApiException.NotFound("The resource could not be found.");
        }

        var caller = context.RequireAdmin(uptime ? "os_compute_api:os-hypervisors:uptime" : "os_compute_api:os-hypervisors:show");
        var pods = await views.PodsAsync(context.RequestAborted);
        var notFound = ApiException.NotFound($"Hypervisor with ID '{id}' could not be found.");
        var query = context.Request.QueryString.Value ?? "";
        int number;
        Pod? pod;
        string podId;
        if (NovaJson.AtLeast(context, UuidForIdMinor))
        {
            if (!Guid.TryParse(id, out _))
            {
                throw ApiException.BadRequest($"Invalid uuid {id}");
            }

            var found = (await HypervisorsAsync(context, views, client, pods, "os-hypervisors", "")).FirstOrDefault(h => h.Hypervisor["id"]?.ToString() == id);
            (number, pod, podId) = (found.Number, found.Pod, id);
        }
        else
        {
            (pod, var own) = OperatorViews.FromCentralId(id, pods);
            number = pods.FirstOrDefault(p => p.Pod == pod).Number;
            podId = own.ToString(CultureInfo.InvariantCulture);
        }

        if (pod is null)
        {
            throw notFound;
        }

        JsonNode? answer;
        try
        {
            answer = await client.SendJsonAsync(pod, ComputeApi.ServiceType, HttpMethod.Get, "os-hypervisors/" + Uri.EscapeDataString(podId) + (uptime ? "/uptime" : "") + query, null, caller.AuthToken, context.RequestAborted, ComputeApi.VersionHeaders(context));
        }
        catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status404NotFound)
        {
            throw notFound;
        }

        await NovaJson.WriteAsync(context, new JsonObject { ["hypervisor"] = View(answer?["hypervisor"]?.DeepClone() as JsonObject ?? [], number, pod) });
    }

    private static async Task StatisticsAsync(HttpContext context, OperatorViews views, PodClient client)
    {
        if (NovaJson.AtLeast(context, 88))
        {
            throw ApiException.NotFound("The resource could not be found.");
        }

        var caller = context.RequireAdmin("os_compute_api:os-hypervisors:statistics");
        var pods = await views.PodsAsync(context.RequestAborted);
        var answers = await views.AskAsync("os-hypervisors/statistics", pods, async (pod, ct) =>
            (await client.SendJsonAsync(pod, ComputeApi.ServiceType, HttpMethod.Get, "os-hypervisors/statistics", null, caller.AuthToken, ct, ComputeApi.VersionHeaders(context)))?["hypervisor_statistics"] as JsonObject ?? [],
            context.RequestAborted);
        var sums = new JsonObject();
        foreach (var field in StatisticsFields)
        {
            sums[field] = answers.Sum(a => a.Value[field] is JsonValue v && v.TryGetValue<long>(out var n) ? n : 0L);
        }

        await NovaJson.WriteAsync(context, new JsonObject { ["hypervisor_statistics"] = sums });
    }
}
