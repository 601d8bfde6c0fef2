using System.Globalization;
using System.Text.Json.Nodes;
using Tricircle.Hosting;
using Tricircle.Identity;
using Tricircle.Pods;

namespace Tricircle.Compute;

/// <summary>
/// <c>GET /os-migrations</c> (admin, as Nova's default policy): every pod's migrations merged,
/// newest first. Each pod numbers its migrations from 1, so the central id is the pod's id times
/// <see cref="Stride"/> plus the pod's place among the pods (oldest registered first): unique and
/// stable while pods are only added. Server ids are the same centrally and in pods. A pod that
/// does not answer in time is left out, as in every merged list. From 2.59 paging is by the
/// migration's <c>uuid</c>, done here over the merged list.
/// </summary>
internal static class MigrationsApi
{
    public const int Stride = 1000;

    public static void MapMigrationsApi(this IEndpointRouteBuilder v21)
    {
        v21.MapGet("/os-migrations", ListAsync).AdminOnly("os_compute_api:os-migrations:index");
    }

    private static async Task ListAsync(HttpContext context, PodStore pods, PodFanOut fanOut, PodClient client)
    {
        var caller = ComputeApi.Caller(context);
        var query = context.Request.Query;
        var paged = NovaJson.AtLeast(context, 59);
        int? limit = null;
        if (paged && query.TryGetValue("limit", out var limitText))
        {
            limit = int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out var l)
                ? Math.Min(l, 1000)
                : throw ApiException.BadRequest($"Invalid input for query parameters limit. Value: {limitText}. '{limitText}' does not match '^[0-9]*$'");
        }

        // Filters go to the pods; paging is done on the merged list.
        var forward = string.Join('&', query.Where(q => q.Key is not ("limit" or "marker")).SelectMany(q => q.Value.Select(v => Uri.EscapeDataString(q.Key) + "=" + Uri.EscapeDataString(v ?? ""))));
        var all = (await pods.ListAsync(new Dictionary<string, string>(), context.RequestAborted)).Where(p => !p.IsCentral).OrderBy(p => p.CreatedAt).ThenBy(p => p.PodId, StringComparer.Ordinal).ToList();
        var answers = await fanOut.AskAsync(all, async (pod, ct) =>
            await client.SendJsonAsync(pod, ComputeApi.ServiceType, HttpMethod.Get, "os-migrations" + (forward.Length > 0 ? "?" + forward : ""), null, caller.AuthToken, ct, ComputeApi.VersionHeaders(context)), context.RequestAborted);

        var gateway = PodForwarder.GatewayBase(context);
        var merged = new List<JsonObject>();
        foreach (var answer in answers)
        {
            if (answer is { Succeeded: false, Error: PodErrorException { StatusCode: >= 400 and < 500 } refused })
            {
                // The pod judged the query (a bad filter): its answer is Nova's.
                throw ApiException.BadRequest(refused.PodMessage);
            }

            if (!answer.Succeeded || answer.Value?["migrations"] is not JsonArray items)
            {
                continue;
            }

            var ordinal = all.IndexOf(answer.Pod) + 1;
            var podBase = PodForwarder.BaseOf(await client.ServiceRootAsync(answer.Pod, ComputeApi.ServiceType, context.RequestAborted));
            foreach (var item in items.OfType<JsonObject>())
            {
                var copy = JsonNode.Parse(PodForwarder.Rewrite(item.ToJsonString(), podBase, gateway))!.AsObject();
                if (copy["id"] is JsonValue id && id.TryGetValue<long>(out var podId))
                {
                    copy["id"] = (podId * Stride) + ordinal;
                }

                merged.Add(copy);
            }
        }

        merged = [.. merged.OrderByDescending(m => m["created_at"]?.ToString(), StringComparer.Ordinal).ThenByDescending(m => m["id"]?.GetValue<long>() ?? 0)];
        var body = new JsonObject();
        if (paged)
        {
            if (query.TryGetValue("marker", out var marker))
            {
                var index = merged.FindIndex(m => m["uuid"]?.ToString() == marker.ToString());
                merged = index < 0 ? throw ApiException.BadRequest($"Marker {marker} could not be found.") : merged[(index + 1)..];
            }

            if (limit is { } max && merged.Count > max)
            {
                merged = merged[..max];
            }

            if (limit is { } asked && asked > 0 && merged.Count == asked)
            {
                body["migrations_links"] = MergedList.NextLinks(ComputeApi.Url(context, "os-migrations"), query, merged[^1]["uuid"]!.ToString());
            }
        }

        body["migrations"] = new JsonArray([.. merged]);
        await NovaJson.WriteAsync(context, body);
    }
}
