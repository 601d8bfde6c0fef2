using System.Collections.Concurrent;

namespace Tricircle.Compute;

/// <summary>
/// The pod's request id behind each of the gateway's (for an hour, in this process). Nova records
/// an instance action under its own request id, which it answers in <c>x-compute-request-id</c>;
/// through the gateway a client reads the gateway's id there, and shows the action by it: this
/// finds the pod's. (Another gateway instance does not know the pair: there the pod's ids, which
/// the action list shows, still work.)
/// </summary>
internal sealed class InstanceActionRequestIds(TimeProvider time)
{
    private const int Limit = 20_000;
    private static readonly TimeSpan Kept = TimeSpan.FromHours(1);
    private readonly ConcurrentDictionary<string, (string PodId, DateTimeOffset At)> _pods = new(StringComparer.Ordinal);

    public void Remember(string gatewayId, string podId)
    {
        var now = time.GetUtcNow();
        if (_pods.Count >= Limit)
        {
            foreach (var (key, value) in _pods)
            {
                if (now - value.At > Kept || _pods.Count >= Limit)
                {
                    _pods.TryRemove(key, out _);
                }
            }
        }

        _pods[gatewayId] = (podId, now);
    }

    /// <summary>The pod's id behind the gateway's, or null when not known here.</summary>
    public string? PodIdOf(string gatewayId) =>
        _pods.TryGetValue(gatewayId, out var entry) && time.GetUtcNow() - entry.At <= Kept ? entry.PodId : null;
}
