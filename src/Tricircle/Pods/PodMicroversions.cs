using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Tricircle.Pods;

/// <summary>
/// The microversion range a gateway can offer for one service type: the lowest maximum among
/// the pods' version documents (what every pod supports), capped by what the gateway itself
/// understands. Read from the pods in parallel and kept for five minutes (ten seconds when a pod
/// could not say). Every compute and volume request asks for it, so once known it is always
/// answered from memory: when its time is up, one refresh asks the pods in the background and
/// requests go on with the value known until it lands. (Read inline, a refresh made one request
/// in five minutes wait for every pod's answer, and while a pod was slow to answer, one request
/// every ten seconds wait up to the list deadline.)
/// </summary>
internal sealed partial class PodMicroversions(PodStore pods, PodClient client, PodFanOut fanOut, TimeProvider timeProvider, ILogger<PodMicroversions> logger)
{
    private static readonly TimeSpan KeepFor = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan KeepPartialFor = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, Known> _known = new(StringComparer.Ordinal);

    public Task<Microversion> LowestMaxAsync(string serviceType, Microversion gatewayMax, CancellationToken cancellationToken)
    {
        if (!_known.TryGetValue(serviceType, out var known))
        {
            return ReadAsync(serviceType, gatewayMax, cancellationToken);
        }

        if (known.Until <= timeProvider.GetUtcNow() && Interlocked.Exchange(ref known.Refreshing, 1) == 0)
        {
            _ = RefreshAsync(serviceType, gatewayMax, known);
        }

        return known.Answer;
    }

    // Not the request's token: the refresh outlives the request that started it, bounded by the fan-out's deadline.
    private async Task RefreshAsync(string serviceType, Microversion gatewayMax, Known stale)
    {
        try
        {
            await ReadAsync(serviceType, gatewayMax, CancellationToken.None);
        }
        catch (Exception e)
        {
            Log.RefreshFailed(logger, serviceType, e.Message);
        }
        finally
        {
            Volatile.Write(ref stale.Refreshing, 0); // replaced when the read succeeded; else the next request tries again
        }
    }

    private async Task<Microversion> ReadAsync(string serviceType, Microversion gatewayMax, CancellationToken cancellationToken)
    {
        var bottom = (await pods.ListAsync(new Dictionary<string, string>(), cancellationToken)).Where(p => !p.IsCentral).ToList();
        var answers = await fanOut.AskAsync(bottom, async (pod, ct) =>
        {
            var document = await client.SendJsonAsync(pod, serviceType, HttpMethod.Get, "", null, null, ct);

            // Nova's versioned root answers {"version": ...}; Cinder's {"versions": [...]}.
            var entry = document?["version"] ?? (document?["versions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(v => v["status"]?.ToString() == "CURRENT");
            return Microversion.TryParse(entry?["version"]?.ToString(), out var v) ? v : (Microversion?)null;
        }, cancellationToken);
        var told = answers.Where(a => a.Succeeded && a.Value is not null).Select(a => a.Value!.Value).ToList();
        var max = told.Append(gatewayMax).Min();

        // Kept for long only when every pod told its version; with one that did not answer, for
        // seconds; with no pod yet (a fresh deployment, asked by a health check before the first
        // pod is registered, or every pod removed), not at all: the first pod's maximum counts
        // from its first call.
        if (bottom.Count > 0)
        {
            _known[serviceType] = new Known(Task.FromResult(max), timeProvider.GetUtcNow() + (told.Count == bottom.Count ? KeepFor : KeepPartialFor));
        }
        else
        {
            _known.TryRemove(serviceType, out _);
        }

        return max;
    }

    /// <summary>A known maximum (as a finished task: no allocation per request) and when to ask again.</summary>
    private sealed class Known(Task<Microversion> answer, DateTimeOffset until)
    {
        public readonly Task<Microversion> Answer = answer;
        public readonly DateTimeOffset Until = until;
        public int Refreshing;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Could not read the pods' {ServiceType} versions again; the known maximum stays until the next try: {Reason}")]
        public static partial void RefreshFailed(ILogger logger, string serviceType, string reason);
    }
}
