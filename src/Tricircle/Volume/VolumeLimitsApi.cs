using System.Text.Json.Nodes;
using Tricircle.Compute;
using Tricircle.Pods;

namespace Tricircle.Volume;

/// <summary>
/// <c>/limits</c> and <c>/os-availability-zone</c> from every pod. Limits are the central view of
/// the pods' own: usage summed, each maximum the smallest any pod allows (quotas themselves stay
/// the pods' until central volume quotas exist).
/// </summary>
internal static class VolumeLimitsApi
{
    public static void MapVolumeLimitsApi(this IEndpointRouteBuilder v3)
    {
        v3.MapGet("/limits", LimitsAsync);
        v3.MapGet("/os-availability-zone", ZonesAsync);
    }

    private static async Task LimitsAsync(HttpContext context, PodStore pods, PodClient client, PodFanOut fanOut)
    {
        var caller = VolumeApi.Caller(context);
        var bottom = (await pods.ListAsync(new Dictionary<string, string>(), context.RequestAborted)).Where(p => !p.IsCentral).ToList();
        var answers = await fanOut.AskAsync(bottom, async (pod, ct) =>
            (await client.SendJsonAsync(pod, VolumeApi.ServiceType, HttpMethod.Get, VolumeApi.PodPath(context, "limits"), null, caller.AuthToken, ct, VolumeApi.VersionHeaders(context)))?["limits"]?["absolute"] as JsonObject,
            context.RequestAborted);

        var absolute = new JsonObject();
        foreach (var limits in answers.Where(a => a.Succeeded && a.Value is not null).Select(a => a.Value!))
        {
            foreach (var (key, value) in limits)
            {
                if (value is not JsonValue v || !v.TryGetValue<long>(out var number))
                {
                    continue;
                }

                var known = absolute[key] is JsonValue k && k.TryGetValue<long>(out var current) ? current : (long?)null;
                absolute[key] = key.StartsWith("max", StringComparison.Ordinal)
                    ? known is null ? number : SmallestMax(known.Value, number)
                    : (known ?? 0) + number;
            }
        }

        await ServersApi.WriteJsonAsync(context, 200, new JsonObject { ["limits"] = new JsonObject { ["rate"] = new JsonArray(), ["absolute"] = absolute } });
    }

    /// <summary>-1 is "unlimited": any real limit is smaller.</summary>
    private static long SmallestMax(long a, long b) => a < 0 ? b : b < 0 ? a : Math.Min(a, b);

    private static async Task ZonesAsync(HttpContext context, PodStore pods, PodClient client)
    {
        VolumeApi.Caller(context);
        var zones = (await pods.ListAsync(new Dictionary<string, string>(), context.RequestAborted))
            .Where(p => !p.IsCentral)
            .GroupBy(p => p.AzName, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (JsonNode)new JsonObject { ["zoneName"] = g.Key, ["zoneState"] = new JsonObject { ["available"] = g.Any(client.IsReachable) } });
        await ServersApi.WriteJsonAsync(context, 200, new JsonObject { ["availabilityZoneInfo"] = new JsonArray([.. zones]) });
    }
}
