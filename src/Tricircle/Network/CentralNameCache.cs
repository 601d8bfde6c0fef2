using System.Collections.Concurrent;

namespace Tricircle.Network;

/// <summary>
/// Central network and security group names by id, from memory: every server show renames the
/// pod's address labels and group names (the central ids) to them, and reading the rows for each
/// show cost more than the rest of the call.
/// </summary>
/// <remarks>
/// This instance's renames and deletes drop the entry once they are committed
/// (<see cref="NetworkStore"/>, <see cref="SecurityGroupStore"/>); another instance's are seen
/// within <see cref="Lifetime"/>, until then a show may carry the old name. Ids not found are not
/// kept (they are asked again).
/// </remarks>
internal sealed class CentralNameCache(TimeProvider timeProvider)
{
    /// <summary>How long a rename by another instance sharing the database may go unseen here.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);

    private const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<string, Entry> _networks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Entry> _groups = new(StringComparer.Ordinal);

    public bool TryGetNetwork(string id, out string name) => TryGet(_networks, id, out name);

    public bool TryGetGroup(string id, out string name) => TryGet(_groups, id, out name);

    public void AddNetwork(string id, string name) => Add(_networks, id, name);

    public void AddGroup(string id, string name) => Add(_groups, id, name);

    public void ForgetNetwork(string id) => _networks.TryRemove(id, out _);

    public void ForgetGroup(string id) => _groups.TryRemove(id, out _);

    private bool TryGet(ConcurrentDictionary<string, Entry> entries, string id, out string name)
    {
        if (entries.TryGetValue(id, out var entry) && entry.Until > timeProvider.GetTimestamp())
        {
            name = entry.Name;
            return true;
        }

        name = "";
        return false;
    }

    private void Add(ConcurrentDictionary<string, Entry> entries, string id, string name)
    {
        if (entries.Count >= MaxEntries)
        {
            entries.Clear();
        }

        entries[id] = new Entry(name, timeProvider.GetTimestamp() + (long)(Lifetime.TotalSeconds * timeProvider.TimestampFrequency));
    }

    private sealed record Entry(string Name, long Until);
}
