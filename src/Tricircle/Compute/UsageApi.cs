using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Tricircle.Hosting;
using Tricircle.Identity;
using Tricircle.Pods;

namespace Tricircle.Compute;

/// <summary>
/// <c>os-simple-tenant-usage</c> merged over every pod: each pod is asked for every server's
/// usage in the period (paging through the pod at 2.40), the server usages are put in Nova's
/// order (project, then server id), cut to the caller's page (<c>limit</c>/<c>marker</c> from
/// 2.40, the marker a server id), and summed per tenant as Nova sums them, so a tenant's usage
/// is the sum over the pods. The list is admin only; a project may see its own usage (Nova's
/// default policy). A pod that does not answer is left out (its servers count nothing).
/// </summary>
internal static class UsageApi
{
    private const int PodPage = 1000;

    public static void MapUsageApi(this IEndpointRouteBuilder v21)
    {
        v21.MapGet("/os-simple-tenant-usage", (HttpContext context, OperatorViews views, PodClient client, IOptions<ServiceOptions> options, TimeProvider time) =>
            UsageAsync(context, views, client, options.Value, time, tenant: null));
        v21.MapGet("/os-simple-tenant-usage/{tenant}", (string tenant, HttpContext context, OperatorViews views, PodClient client, IOptions<ServiceOptions> options, TimeProvider time) =>
            UsageAsync(context, views, client, options.Value, time, tenant));
    }

    /// <summary>Nova's accepted times (its three formats, UTC); none is now.</summary>
    private static DateTime Time(string? text, DateTime now)
    {
        if (string.IsNullOrEmpty(text))
        {
            return now;
        }

        string[] formats = ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFF", "yyyy-MM-dd HH:mm:ss.FFFFFF"];
        return DateTime.TryParseExact(text, formats, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : throw ApiException.BadRequest("Invalid datetime string: Datetime is in invalid format");
    }

    private static string Print(DateTime at) => at.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture);

    private static async Task UsageAsync(HttpContext context, OperatorViews views, PodClient client, ServiceOptions options, TimeProvider time, string? tenant)
    {
        var caller = context.GetRequestContext();
        if (tenant is null)
        {
            context.RequireAdmin("os_compute_api:os-simple-tenant-usage:list");
        }
        else if (!caller.IsAdmin && !string.Equals(tenant, caller.ProjectId, StringComparison.OrdinalIgnoreCase))
        {
            throw AdminPolicy.Denied(context, "os_compute_api:os-simple-tenant-usage:show");
        }

        var query = context.Request.Query;
        var now = time.GetUtcNow().UtcDateTime;
        var start = Time(query["start"].LastOrDefault(), now);
        var stop = Time(query["end"].LastOrDefault(), now);
        // Nova reads the clock once for each missing bound: two missing bounds are an empty period, not a bad one.
        if (start > stop || (start == stop && (query["start"].LastOrDefault() is { Length: > 0 } || query["end"].LastOrDefault() is { Length: > 0 })))
        {
            throw ApiException.BadRequest("Invalid start time. The start time cannot occur after the end time.");
        }

        stop = stop > now ? now : stop;
        var detailed = tenant is not null || query["detailed"].LastOrDefault() == "1";
        var paged = NovaJson.AtLeast(context, 40);
        var limit = options.PaginationMaxLimit;
        string? marker = null;
        if (paged)
        {
            if (query.TryGetValue("limit", out var limitText))
            {
                limit = int.TryParse(limitText.LastOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var l)
                    ? Math.Min(l, options.PaginationMaxLimit)
                    : throw ApiException.BadRequest($"Invalid input for query parameters limit. Value: {limitText}. '{limitText}' does not match '^[0-9]*$'");
            }

            marker = query["marker"].LastOrDefault();
        }

        // Every pod's server usages in the period, all of them (the pods page at 2.40).
        var window = $"start={Uri.EscapeDataString(Print(start))}&end={Uri.EscapeDataString(Print(stop))}&detailed=1";
        var path = tenant is null ? "os-simple-tenant-usage" : "os-simple-tenant-usage/" + Uri.EscapeDataString(tenant);
        KeyValuePair<string, string>[] v240 = [new("OpenStack-API-Version", "compute 2.40"), new("X-OpenStack-Nova-API-Version", "2.40")];
        // An empty period (no start and no end: both now) has no usage; the pods are not asked.
        IReadOnlyList<(int Number, Pod Pod)> pods = start == stop ? [] : await views.PodsAsync(context.RequestAborted);
        var answers = await views.AskAsync("os-simple-tenant-usage", pods, async (pod, ct) =>
        {
            var usages = new List<JsonObject>();
            string? podMarker = null;
            while (true)
            {
                var uri = $"{path}?{window}&limit={PodPage}" + (podMarker is null ? "" : "&marker=" + Uri.EscapeDataString(podMarker));
                var answer = await client.SendJsonAsync(pod, ComputeApi.ServiceType, HttpMethod.Get, uri, null, caller.AuthToken, ct, v240);
                var tenants = tenant is null
                    ? (answer?["tenant_usages"] as JsonArray ?? []).OfType<JsonObject>()
                    : answer?["tenant_usage"] is JsonObject one ? [one] : [];
                var page = tenants.SelectMany(t => (t["server_usages"] as JsonArray ?? []).OfType<JsonObject>()).ToList();
                usages.AddRange(page.Select(u => (JsonObject)u.DeepClone()));
                if (page.Count < PodPage)
                {
                    return usages;
                }

                podMarker = page[^1]["instance_id"]?.ToString();
            }
        }, context.RequestAborted);

        static string Key(JsonObject usage, string field) => usage[field]?.ToString() ?? "";
        var all = answers.SelectMany(a => a.Value)
            .OrderBy(u => Key(u, "tenant_id"), StringComparer.Ordinal).ThenBy(u => Key(u, "instance_id"), StringComparer.Ordinal)
            .ToList();
        if (marker is not null)
        {
            var at = all.FindIndex(u => Key(u, "instance_id") == marker);
            all = at >= 0 ? all[(at + 1)..] : throw ApiException.BadRequest($"Marker {marker} could not be found.");
        }

        var pageItems = all.Take(limit).ToList();
        var summaries = new JsonArray();
        foreach (var group in pageItems.GroupBy(u => Key(u, "tenant_id")))
        {
            double Sum(Func<JsonObject, double> of) => group.Sum(of);
            static double Number(JsonObject u, string field) => u[field] is JsonValue v && v.TryGetValue<double>(out var d) ? d : 0;
            var summary = new JsonObject
            {
                ["start"] = Print(start),
                ["stop"] = Print(stop),
                ["tenant_id"] = group.Key,
                ["total_hours"] = Sum(u => Number(u, "hours")),
                ["total_local_gb_usage"] = Sum(u => Number(u, "local_gb") * Number(u, "hours")),
                ["total_memory_mb_usage"] = Sum(u => Number(u, "memory_mb") * Number(u, "hours")),
                ["total_vcpus_usage"] = Sum(u => Number(u, "vcpus") * Number(u, "hours")),
            };
            if (detailed)
            {
                summary["server_usages"] = new JsonArray([.. group]);
            }

            summaries.Add(summary);
        }

        var body = tenant is null
            ? new JsonObject { ["tenant_usages"] = summaries }
            : new JsonObject { ["tenant_usage"] = summaries.Count > 0 ? summaries[0]!.DeepClone() : new JsonObject() };
        if (paged && pageItems.Count > 0 && pageItems.Count == limit)
        {
            // As Nova: a full page links to the next, whose marker is the page's last server.
            body[tenant is null ? "tenant_usages_links" : "tenant_usage_links"] = MergedList.NextLinks(ComputeApi.Url(context, path), query, Key(pageItems[^1], "instance_id"));
        }

        await NovaJson.WriteAsync(context, body);
    }
}
