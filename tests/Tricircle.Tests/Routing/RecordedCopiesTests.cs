using Tricircle.Pods;
using Tricircle.Support;

namespace Tricircle.Routing;

/// <summary>
/// What a boot's port needs in a pod read in one query (<see cref="RoutingStore.BottomsInPodAsync"/>,
/// <see cref="PodCopies.RecordedAsync"/>): only that pod's recorded copies, of any type, never a
/// maker's lock; and <see cref="PodCopies.EnsureAsync"/> takes a copy found so without making it,
/// nor one made since by another (one not found is locked first and looked up when the lock is refused).
/// </summary>
public abstract class RecordedCopiesTests(string dialect) : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private Data.Database _database = null!;
    private Pod _pod = null!;
    private Pod _other = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync(dialect);
        _database = _db.Open();
        var pods = new PodStore(_database, TimeProvider.System);
        _pod = await pods.CreateAsync("RegionOne", "az1", "", "", default);
        _other = await pods.CreateAsync("RegionTwo", "az2", "", "", default);
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        await _db.DisposeAsync();
    }

    private RoutingStore Store() => new(_database, TimeProvider.System, new RoutingCache(TimeProvider.System));

    private static async Task CopyAsync(RoutingStore store, string type, string top, Pod pod, string bottom) =>
        await store.CreateAsync(new ResourceRouting { TopId = top, BottomId = bottom, PodId = pod.PodId, ProjectId = "p1", ResourceType = type }, default);

    [Fact]
    public async Task BottomsInPod_AreThatPodsRecordedCopiesOfAnyType_NotOtherPodsNorLocks()
    {
        var store = Store();
        await CopyAsync(store, "network", "net", _pod, "b-net");
        await CopyAsync(store, "subnet", "sub", _pod, "b-sub");
        await CopyAsync(store, "security_group", "sg", _pod, "b-sg");
        await CopyAsync(store, "security_group", "sg-elsewhere", _other, "b-sg2");
        await CopyAsync(store, "network", "unasked", _pod, "b-unasked");
        Assert.NotNull(await store.TryLockCopyAsync("port", "port-being-made", _pod.PodId, "p1", default));

        var found = await store.BottomsInPodAsync(_pod.PodId, ["net", "sub", "sg", "sg-elsewhere", "port-being-made", "missing", "net"], default);

        Assert.Equal(
            new Dictionary<(string, string), string> { [("network", "net")] = "b-net", [("subnet", "sub")] = "b-sub", [("security_group", "sg")] = "b-sg" },
            found.ToDictionary(f => f.Key, f => f.Value));
        Assert.Empty(await store.BottomsInPodAsync(_pod.PodId, [], default));
    }

    [Fact]
    public async Task Ensure_TakesARecordedCopy_WithoutMakingIt_AndMakesOneNotRecorded()
    {
        var store = Store();
        var copies = new PodCopies(store, TimeProvider.System);
        await CopyAsync(store, "network", "net", _pod, "b-net");
        var recorded = await copies.RecordedAsync(_pod, ["net", "sub"], default);
        var made = new List<string>();

        var network = await copies.EnsureAsync("network", "net", _pod, "p1", _ => { made.Add("net"); return Task.FromResult("new-net"); }, default, recorded: recorded);
        var subnet = await copies.EnsureAsync("subnet", "sub", _pod, "p1", _ => { made.Add("sub"); return Task.FromResult("new-sub"); }, default, recorded: recorded);

        Assert.Equal("b-net", network);
        Assert.Equal("new-sub", subnet);
        Assert.Equal(["sub"], made);
        Assert.Equal("new-sub", (await store.FindInPodAsync("sub", "subnet", _pod.PodId, default))?.BottomId);
    }

    [Fact]
    public async Task Ensure_OfOneNotRecorded_ButMadeSinceByAnother_TakesThatCopy_WithoutMakingOne()
    {
        // Not recorded when read, so Ensure tries the lock before looking: the row there refuses it, and it is read then.
        var store = Store();
        var copies = new PodCopies(store, TimeProvider.System);
        var recorded = await copies.RecordedAsync(_pod, ["port"], default);
        await CopyAsync(store, "port", "port", _pod, "b-port");
        var made = false;

        var port = await copies.EnsureAsync("port", "port", _pod, "p1", _ => { made = true; return Task.FromResult("new-port"); }, default, recorded: recorded);

        Assert.Equal("b-port", port);
        Assert.False(made);
        Assert.Single(await store.ListTypeAsync("port", "p1", [_pod.PodId], default), r => r.TopId == "port");
    }
}

public sealed class RecordedCopiesSqliteTests() : RecordedCopiesTests("sqlite");

public sealed class RecordedCopiesPostgresTests() : RecordedCopiesTests("postgres");
