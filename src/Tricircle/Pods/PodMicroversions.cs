using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Tricircle.Pods;

/// <summary>
/// The microversion range a gateway can offer for one service type: the lowest maximum among
/// the pods' version documents (what every pod supports), capped by what the gateway itself
/// understands. Read from the pods in parallel and kept for five minutes (ten seconds when a pod
/// could not say).
/// </summary>
internal sealed class PodMicroversions(PodStore pods, PodClient client, PodFanOut fanOut, TimeProvider timeProvider)
{
    private static readonly TimeSpan KeepFor = TimeSpan.FromMinutes(5);
    private readonly ConcurrentDictionary<string, (Microversion Max, DateTimeOffset Until)> _cached = new(StringComparer.Ordinal);

    public async Task<Microversion> LowestMaxAsync(string serviceType, Microversion gatewayMax, CancellationToken cancellationToken)
    {
        if (_cached.TryGetValue(serviceType, out var cached) && cached.Until > timeProvider.GetUtcNow())
        {
            return cached.Max;
        }

        var bottom = (await pods.ListAsync(new Dictionary<string, string>(), cancellationToken)).Where(p => !p.IsCentral).ToList();
        var answers = await fanOut.AskAsync(bottom, async (pod, ct) =>
        {
            var document = await client.SendJsonAsync(pod, serviceType, HttpMethod.Get, "", null, null, ct);

            // Nova's versioned root answers {"version": ...}; Cinder's {"versions": [...]}.
            var entry = document?["version"] ?? (document?["versions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(v => v["status"]?.ToString() == "CURRENT");
            return Microversion.TryParse(entry?["version"]?.ToString(), out var v) ? v : (Microversion?)null;
        }, cancellationToken);
        var known = answers.Where(a => a.Succeeded && a.Value is not null).Select(a => a.Value!.Value).ToList();
        var max = known.Append(gatewayMax).Min();

        // Kept for long only when every pod told its version; with one that did not answer, for
        // seconds; with no pod yet (a fresh deployment, asked by a health check before the first
        // pod is registered), not at all: the first pod's maximum counts from its first call.
        if (bottom.Count > 0)
        {
            _cached[serviceType] = (max, timeProvider.GetUtcNow() + (known.Count == bottom.Count ? KeepFor : TimeSpan.FromSeconds(10)));
        }

        return max;
    }
}
