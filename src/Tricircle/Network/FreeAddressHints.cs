using System.Collections.Concurrent;
using System.Numerics;

namespace Tricircle.Network;

/// <summary>
/// Where this instance's search for a subnet's next free address starts: just past the last
/// address it gave, or lower where it saw one released. Without it every automatic address
/// read all the network's allocations (60,000 rows on a full /16, for each port create). A hint
/// only says where to look: <c>ip_allocations</c>' primary key still decides, so a hint stale
/// because of another instance costs a few probes, never a duplicate. Addresses another
/// instance releases below this one's hint are given again once the search reaches the pools'
/// end and starts over from their beginning. Keyed by the subnet's pools too, so that an update
/// of its pools starts afresh.
/// </summary>
internal sealed class FreeAddressHints
{
    private readonly ConcurrentDictionary<string, Hint> _hints = new(StringComparer.Ordinal);

    /// <summary>
    /// The address to start from, moved past at once so that concurrent creates on this instance
    /// start from different addresses; null when none is known (the caller reads the subnet).
    /// </summary>
    public BigInteger? Claim(string subnetId, string pools)
    {
        if (!_hints.TryGetValue(subnetId, out var hint))
        {
            return null;
        }

        lock (hint)
        {
            if (hint.Pools != pools)
            {
                return null;
            }

            var next = hint.Next;
            hint.Next = next + 1;
            return next;
        }
    }

    /// <summary>The address was taken: the next search starts after it (a hint another create moved further stays).</summary>
    public void Taken(string subnetId, string pools, BigInteger address)
    {
        var hint = _hints.GetOrAdd(subnetId, _ => new Hint(pools, address + 1));
        lock (hint)
        {
            if (hint.Pools != pools)
            {
                hint.Pools = pools;
                hint.Next = address + 1;
            }
            else if (address + 1 > hint.Next)
            {
                hint.Next = address + 1;
            }
        }
    }

    /// <summary>The address was released (perhaps: a rolled-back release only costs a probe): the next search starts there at the latest.</summary>
    public void Released(string subnetId, BigInteger address)
    {
        if (_hints.TryGetValue(subnetId, out var hint))
        {
            lock (hint)
            {
                if (address < hint.Next)
                {
                    hint.Next = address;
                }
            }
        }
    }

    /// <summary>The subnet is gone.</summary>
    public void Forget(string subnetId) => _hints.TryRemove(subnetId, out _);

    private sealed class Hint(string pools, BigInteger next)
    {
        public string Pools { get; set; } = pools;

        public BigInteger Next { get; set; } = next;
    }
}
