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

    // Insertion order, so that the oldest pairs go first in O(1) each: a write call never scans.
    private readonly ConcurrentQueue<(string GatewayId, DateTimeOffset At)> _order = new();

    public void Remember(string gatewayId, string podId)
    {
        var now = time.GetUtcNow();
        _pods[gatewayId] = (podId, now);
        _order.Enqueue((gatewayId, now));
        while (_order.TryPeek(out var oldest) && (now - oldest.At > Kept || _order.Count > Limit) && _order.TryDequeue(out oldest))
        {
            // Only the pair this entry recorded: a later Remember of the same id keeps its own.
            if (_pods.TryGetValue(oldest.GatewayId, out var held) && held.At == oldest.At)
            {
                _pods.TryRemove(KeyValuePair.Create(oldest.GatewayId, held));
            }
        }
    }

    /// <summary>The pod's id behind the gateway's, or null when not known here.</summary>
    public string? PodIdOf(string gatewayId) =>
        _pods.TryGetValue(gatewayId, out var entry) && time.GetUtcNow() - entry.At <= Kept ? entry.PodId : null;
}
