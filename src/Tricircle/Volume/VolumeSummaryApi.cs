using System.Text.Json.Nodes;
using Tricircle.Compute;
using Tricircle.Hosting;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Volume;

/// <summary>
/// <c>GET /volumes/summary</c> (3.12; metadata from 3.36): the number and total size of the
/// caller's volumes and their distinct metadata, the sum of each pod's own summary. A pod that
/// does not answer counts the volumes the routing table places there (their size unknown to it).
/// </summary>
internal static class VolumeSummaryApi
{
    /// <summary>VOLUME_SUMMARY.</summary>
    public static readonly Microversion Since = new(3, 12);

    /// <summary>VOLUME_SUMMARY_METADATA.</summary>
    public static readonly Microversion MetadataSince = new(3, 36);

    // oslo's strutils.is_valid_boolstr, which Cinder's get_bool_param asks.
    private static readonly string[] BoolStrings = ["true", "false", "1", "0", "yes", "no", "on", "off", "y", "n", "t", "f"];

    /// <summary>What a summary needs from the pods.</summary>
    private sealed record Sources(PodStore Pods, RoutingStore Routings, PodClient Client, PodFanOut FanOut);

    public static void MapVolumeSummaryApi(this IEndpointRouteBuilder v3) =>
        v3.MapGet("/volumes/summary", (HttpContext context, PodStore pods, RoutingStore routings, PodClient client, PodFanOut fanOut) =>
            SummaryAsync(context, new Sources(pods, routings, client, fanOut)));

    private static async Task SummaryAsync(HttpContext context, Sources sources)
    {
        var caller = VolumeApi.Caller(context);
        var version = VolumeApi.Version(context);
        if (version.CompareTo(Since) < 0)
        {
            // Cinder's versioned method not found: a bare 404, as if there were no such route.
            throw ApiException.NotFound("The resource could not be found.");
        }

        // Cinder drops filters a member may not use (all_tenants among them) before it reads the flag; an admin's must be a boolean.
        var allTenants = false;
        if (caller.IsAdmin && context.Request.Query.TryGetValue("all_tenants", out var flag))
        {
            var text = flag.ToString();
            if (!BoolStrings.Contains(text.ToLowerInvariant()))
            {
                throw ApiException.BadRequest($"Value '{text}' for 'all_tenants' is not a boolean.");
            }

            allTenants = text.ToLowerInvariant() is "true" or "1" or "yes" or "on" or "y" or "t";
        }

        var projectId = allTenants ? null : caller.ProjectId;
        var relevant = await sources.Routings.PodsWithAsync(VolumesApi.ResourceType, projectId, context.RequestAborted);
        var pods = (await sources.Pods.ListAsync(new Dictionary<string, string>(), context.RequestAborted)).Where(p => !p.IsCentral && relevant.Contains(p.PodId)).ToList();
        var uri = VolumeApi.PodPath(context, "volumes/summary" + (allTenants ? "?all_tenants=1" : ""));
        var answers = await sources.FanOut.AskAsync(pods, async (pod, ct) =>
            (await sources.Client.SendJsonAsync(pod, VolumeApi.ServiceType, HttpMethod.Get, uri, null, caller.AuthToken, ct, VolumeApi.VersionHeaders(context)))?["volume-summary"] as JsonObject ?? [],
            context.RequestAborted);

        long count = 0, size = 0;
        var metadata = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var answer in answers.Where(a => a.Succeeded))
        {
            count += answer.Value!["total_count"]?.GetValue<long>() ?? 0;
            size += answer.Value!["total_size"]?.GetValue<long>() ?? 0;
            foreach (var (key, values) in answer.Value!["metadata"] as JsonObject ?? [])
            {
                var known = metadata.TryGetValue(key, out var list) ? list : metadata[key] = [];
                known.AddRange((values as JsonArray ?? []).Select(v => v?.ToString() ?? "").Where(v => !known.Contains(v, StringComparer.Ordinal)));
            }
        }

        var missing = answers.Where(a => !a.Succeeded).Select(a => a.Pod.PodId).ToList();
        if (missing.Count > 0)
        {
            count += (await sources.Routings.ListTypeAsync(VolumesApi.ResourceType, projectId, missing, context.RequestAborted)).Count;
        }

        var summary = new JsonObject { ["total_count"] = count, ["total_size"] = size };
        if (version.CompareTo(MetadataSince) >= 0)
        {
            summary["metadata"] = new JsonObject(metadata.Select(m => KeyValuePair.Create(m.Key, (JsonNode?)new JsonArray([.. m.Value.Select(v => (JsonNode)v)]))));
        }

        await ServersApi.WriteJsonAsync(context, 200, new JsonObject { ["volume-summary"] = summary });
    }
}
