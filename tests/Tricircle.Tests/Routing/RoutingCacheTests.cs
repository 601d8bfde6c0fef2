using Dapper;
using Microsoft.Extensions.Time.Testing;
using Tricircle.Pods;
using Tricircle.Support;

namespace Tricircle.Routing;

/// <summary>
/// The show path's routing lookups from memory: a row this instance forgets is never served
/// again, and another instance's delete is seen within <see cref="RoutingCache.Lifetime"/>.
/// </summary>
public abstract class RoutingCacheTests(string dialect) : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private TestDatabase _db = null!;
    private Data.Database _database = null!;
    private string _podId = "";

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync(dialect);
        _database = _db.Open();
        _podId = (await new PodStore(_database, TimeProvider.System).CreateAsync("RegionOne", "az1", "", "", default)).PodId;
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        await _db.DisposeAsync();
    }

    // One gateway instance: its own store and cache over the shared database.
    private RoutingStore Instance() => new(_database, _time, new RoutingCache(_time));

    private async Task<string> ServerAsync(RoutingStore store, string project = "p1")
    {
        var id = Guid.NewGuid().ToString();
        await store.CreateAsync(new ResourceRouting { TopId = id, BottomId = id, PodId = _podId, ProjectId = project, ResourceType = "server" }, default);
        return id;
    }

    private async Task DeleteBehindItsBackAsync(string id)
    {
        await using var connection = await _database.OpenAsync(default);
        await connection.ExecuteAsync("DELETE FROM resource_routings WHERE top_id = @id", new { id });
    }

    [Fact]
    public async Task AFoundRow_IsServedFromMemory_UntilItsLifetimeEnds()
    {
        var store = Instance();
        var id = await ServerAsync(store);
        Assert.NotNull(await store.FindTopCachedAsync(id, "server", "p1", default));

        await DeleteBehindItsBackAsync(id); // as another instance would
        Assert.NotNull(await store.FindTopCachedAsync(id, "server", "p1", default));
        Assert.Null(await store.FindTopAsync(id, "server", "p1", default)); // the uncached lookup reads the table

        _time.Advance(RoutingCache.Lifetime);
        Assert.Null(await store.FindTopCachedAsync(id, "server", "p1", default));
    }

    [Fact]
    public async Task ARowThisInstanceForgets_IsNotServedAgain()
    {
        var store = Instance();
        var id = await ServerAsync(store);
        Assert.NotNull(await store.FindTopCachedAsync(id, "server", "p1", default));

        await store.ForgetAsync(id, "server", _podId, default);
        Assert.Null(await store.FindTopCachedAsync(id, "server", "p1", default));
    }

    [Fact]
    public async Task AdminApiUpdatesAndDeletes_DropWhatIsCached()
    {
        var store = Instance();
        var id = await ServerAsync(store);
        var row = (await store.FindTopCachedAsync(id, "server", null, default))!;

        await store.UpdateAsync(row.Id, r => r.ProjectId = "p2", default);
        Assert.Null(await store.FindTopCachedAsync(id, "server", "p1", default));
        Assert.Equal("p2", (await store.FindTopCachedAsync(id, "server", "p2", default))!.ProjectId);

        await store.DeleteAsync(row.Id, default);
        Assert.Null(await store.FindTopCachedAsync(id, "server", null, default));
    }

    [Fact]
    public async Task TwoInstances_OnesDeleteIsSeenByTheOtherWithinTheLifetime_AndByItselfAtOnce()
    {
        var first = Instance();
        var second = Instance();
        var id = await ServerAsync(first);
        Assert.NotNull(await first.FindTopCachedAsync(id, "server", "p1", default));
        Assert.NotNull(await second.FindTopCachedAsync(id, "server", "p1", default));

        await second.ForgetAsync(id, "server", _podId, default);
        Assert.Null(await second.FindTopCachedAsync(id, "server", "p1", default));

        _time.Advance(RoutingCache.Lifetime - TimeSpan.FromSeconds(1));
        Assert.NotNull(await first.FindTopCachedAsync(id, "server", "p1", default)); // at most this long
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await first.FindTopCachedAsync(id, "server", "p1", default));
    }

    [Fact]
    public async Task ACachedRow_IsNeverServedToAnotherProject()
    {
        var store = Instance();
        var id = await ServerAsync(store, "p1");
        Assert.NotNull(await store.FindTopCachedAsync(id, "server", "p1", default));
        Assert.Null(await store.FindTopCachedAsync(id, "server", "p2", default));
        Assert.Null(await store.FindTopCachedAsync(id, "volume", "p1", default)); // nor as another type
    }

    [Fact]
    public async Task AMergedListsLookup_ComesFromMemory_UntilItsLifetimeEnds_OrThisInstanceForgetsTheRow()
    {
        var store = Instance();
        var kept = await ServerAsync(store);
        var forgotten = await ServerAsync(store);
        var listed = new[] { (_podId, kept), (_podId, forgotten), (_podId, "never-routed") };
        Assert.Equal(new[] { true, true, false }, await store.KnownInPodsAsync("server", listed, default));

        await store.ForgetAsync(forgotten, "server", _podId, default);
        await DeleteBehindItsBackAsync(kept); // as another instance would
        Assert.Equal(new[] { true, false, false }, await store.KnownInPodsAsync("server", listed, default));

        _time.Advance(RoutingCache.Lifetime);
        Assert.Equal(new[] { false, false, false }, await store.KnownInPodsAsync("server", listed, default));
    }

    [Fact]
    public async Task APagesLookupFromMemory_SaysUnknown_UntilTheRowWasRead_ThenNamesItsPodOnly()
    {
        var store = Instance();
        var id = await ServerAsync(store);
        var otherPod = (await new PodStore(_database, TimeProvider.System).CreateAsync("RegionTwo", "az2", "", "", default)).PodId;
        Assert.Null(store.KnownInPodFromMemory("server", _podId, id)); // not read yet: the list asks the database

        Assert.Equal(new[] { true }, await store.KnownInPodsAsync("server", [(_podId, id)], default));
        Assert.True(store.KnownInPodFromMemory("server", _podId, id));
        Assert.False(store.KnownInPodFromMemory("server", otherPod, id));
        Assert.Null(store.KnownInPodFromMemory("volume", _podId, id));

        await store.ForgetAsync(id, "server", _podId, default);
        Assert.Null(store.KnownInPodFromMemory("server", _podId, id));
        Assert.Equal(new[] { false }, await store.KnownInPodsAsync("server", [(_podId, id)], default));
    }

    [Fact]
    public async Task AMergedListsLookup_KeepsAnItemOnlyFromThePodItsRowNames()
    {
        var store = Instance();
        var id = await ServerAsync(store);
        var otherPod = (await new PodStore(_database, TimeProvider.System).CreateAsync("RegionTwo", "az2", "", "", default)).PodId;
        Assert.Equal(new[] { true }, await store.KnownInPodsAsync("server", [(_podId, id)], default)); // now in memory

        Assert.Equal(new[] { false }, await store.KnownInPodsAsync("server", [(otherPod, id)], default));
        Assert.Equal(new[] { false }, await store.KnownInPodsAsync("volume", [(_podId, id)], default));

        // Listed by both pods (a copy the routing does not name), from the database and from memory.
        _time.Advance(RoutingCache.Lifetime);
        Assert.Equal(new[] { false, true }, await store.KnownInPodsAsync("server", [(otherPod, id), (_podId, id)], default));
        Assert.Equal(new[] { false, true }, await store.KnownInPodsAsync("server", [(otherPod, id), (_podId, id)], default));
    }

    [Fact]
    public async Task ACopyLock_IsNotCached()
    {
        var store = Instance();
        var id = Guid.NewGuid().ToString();
        var lockId = await store.TryLockCopyAsync("server", id, _podId, "p1", default);
        Assert.NotNull(lockId);
        Assert.Null((await store.FindTopCachedAsync(id, "server", "p1", default))!.BottomId);

        await store.FillCopyAsync(lockId!.Value, "bottom", default);
        Assert.Equal("bottom", (await store.FindTopCachedAsync(id, "server", "p1", default))!.BottomId);
    }
}

public sealed class RoutingCacheSqliteTests() : RoutingCacheTests("sqlite");

public sealed class RoutingCachePostgresTests() : RoutingCacheTests("postgres");
