using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Tricircle.Compute;
using Tricircle.Pods;

namespace Tricircle.WebConsole.Topology;

/// <summary>
/// Servers' names, which Tricircle does not keep (a server is a routing row): one list call per
/// pod (<c>GET /servers?all_tenants=1</c>, ids and names only, admin token) through
/// <see cref="PodFanOut"/> with a short deadline, kept for <see cref="Lifetime"/> so that a picture
/// refreshed every few seconds by several operators asks each pod at most that often. A pod that
/// does not answer keeps the names it gave last (or none: the picture shows the id).
/// </summary>
internal sealed class ServerNames(PodClient client, PodFanOut fanOut, TimeProvider timeProvider)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<string, (DateTimeOffset At, IReadOnlyDictionary<string, string> Names)> _byPod = new(StringComparer.Ordinal);

    /// <summary>
    /// The pods' server ids (bottom ids) → names, for the servers of the given pods; a pod is asked
    /// again before its names expire when it holds a server routed after it was last asked
    /// (<paramref name="newestServer"/>: the newest routing row per pod).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> GetAsync(IReadOnlyCollection<Pod> pods, IReadOnlyDictionary<string, DateTime> newestServer, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var stale = pods.Where(p => !_byPod.TryGetValue(p.PodId, out var cached) || now - cached.At > Lifetime
            || (newestServer.TryGetValue(p.PodId, out var newest) && Data.DbTime.Utc(newest).AddSeconds(1) > cached.At.UtcDateTime)).ToList(); // rows keep whole seconds
        if (stale.Count > 0)
        {
            var answers = await fanOut.AskAsync(stale, ListAsync, cancellationToken, Deadline);
            foreach (var answer in answers)
            {
                if (answer.Succeeded && answer.Value is not null)
                {
                    _byPod[answer.Pod.PodId] = (now, answer.Value);
                }
                else if (_byPod.TryGetValue(answer.Pod.PodId, out var old))
                {
                    // Keep the old names, but ask again next time rather than after a whole lifetime.
                    _byPod[answer.Pod.PodId] = (now - Lifetime, old.Names);
                }
            }
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            if (_byPod.TryGetValue(pod.PodId, out var cached))
            {
                foreach (var (id, name) in cached.Names)
                {
                    result[id] = name;
                }
            }
        }

        return result;
    }

    private async Task<IReadOnlyDictionary<string, string>> ListAsync(Pod pod, CancellationToken cancellationToken)
    {
        var answer = await client.SendJsonAsync(pod, ComputeApi.ServiceType, HttpMethod.Get, "servers?all_tenants=1", null, null, cancellationToken);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var server in answer?["servers"] as JsonArray ?? [])
        {
            if (server?["id"]?.GetValue<string>() is { } id)
            {
                names[id] = server["name"]?.GetValue<string>() ?? "";
            }
        }

        return names;
    }
}
