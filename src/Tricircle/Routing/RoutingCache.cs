using System.Collections.Concurrent;

namespace Tricircle.Routing;

/// <summary>
/// Top id → routing row, from memory, for the show path (every call on one server asks it).
/// A resource's row is written once (when its bottom exists) and deleted once, so a positive
/// answer stays true until the delete; only rows with a bottom id are kept.
/// </summary>
/// <remarks>
/// Several instances may share one database, and a row deleted by another instance is not seen
/// here: each entry lives <see cref="Lifetime"/> at most, and this instance's own writes
/// (<see cref="RoutingStore"/>'s forget, update and delete) drop it at once. Within that time a
/// stale entry sends the call to a pod that no longer has the resource: the pod's 404 is what the
/// client hears (and the server show path forgets the row on it), so a stale entry never shows
/// a resource that is gone, nor another project's (the project is checked on every hit).
/// A generation counter in the database would be exact but costs a query per call, which is
/// what this cache removes.
/// </remarks>
internal sealed class RoutingCache(TimeProvider timeProvider)
{
    /// <summary>How long another instance's delete may go unseen here.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);

    // Bounded: past this many entries the cache starts again (a show costs one query then).
    private const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<(string Type, string TopId), Entry> _entries = new();

    public bool TryGet(string resourceType, string topId, out ResourceRouting routing)
    {
        if (_entries.TryGetValue((resourceType, topId), out var entry))
        {
            if (entry.Until > timeProvider.GetTimestamp())
            {
                routing = entry.Routing;
                return true;
            }

            _entries.TryRemove(KeyValuePair.Create((resourceType, topId), entry));
        }

        routing = null!;
        return false;
    }

    public void Add(ResourceRouting routing)
    {
        if (routing.BottomId is null)
        {
            return; // a copy lock, not yet a resource
        }

        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }

        var until = timeProvider.GetTimestamp() + (long)(Lifetime.TotalSeconds * timeProvider.TimestampFrequency);
        _entries[(routing.ResourceType, routing.TopId)] = new Entry(routing, until);
    }

    public void Forget(string resourceType, string topId) => _entries.TryRemove((resourceType, topId), out _);

    /// <summary>For writes that name a row by its number (the Admin API's update and delete): rare, so everything goes.</summary>
    public void Clear() => _entries.Clear();

    private sealed record Entry(ResourceRouting Routing, long Until);
}
