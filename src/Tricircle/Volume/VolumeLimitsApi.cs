using System.Text.Json.Nodes;
using Tricircle.Compute;
using Tricircle.Pods;

namespace Tricircle.Volume;

/// <summary>
/// <c>/os-availability-zone</c>: the pods' top AZs, available while one of their pods is enabled
/// and reachable. (<c>/limits</c> is the central quotas': see <see cref="VolumeQuotaSetsApi"/>.)
/// </summary>
internal static class VolumeLimitsApi
{
    public static void MapVolumeLimitsApi(this IEndpointRouteBuilder v3)
    {
        v3.MapGet("/os-availability-zone", ZonesAsync);
    }

    private static async Task ZonesAsync(HttpContext context, PodStore pods, PodClient client)
    {
        VolumeApi.Caller(context);
        var zones = (await pods.ListAsync(new Dictionary<string, string>(), context.RequestAborted))
            .Where(p => !p.IsCentral)
            .GroupBy(p => p.AzName, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (JsonNode)new JsonObject { ["zoneName"] = g.Key, ["zoneState"] = new JsonObject { ["available"] = g.Any(p => !p.Disabled && client.IsReachable(p)) } });
        await ServersApi.WriteJsonAsync(context, 200, new JsonObject { ["availabilityZoneInfo"] = new JsonArray([.. zones]) });
    }
}
