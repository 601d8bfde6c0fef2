using Microsoft.Extensions.Time.Testing;
using Tricircle.Support;

namespace Tricircle.Pods;

/// <summary>
/// The merged lists' pod list from memory: this instance's own pod changes are seen at once,
/// another instance's within <see cref="PodStore.CachedPodLifetime"/>, and a pod that holds the
/// listed resources at once, whoever registered it.
/// </summary>
public abstract class PodListCacheTests(string dialect) : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private TestDatabase _db = null!;
    private Data.Database _database = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync(dialect);
        _database = _db.Open();
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        await _db.DisposeAsync();
    }

    private static string[] Regions(IReadOnlyList<Pod> pods) => [.. pods.Select(p => p.RegionName)];

    [Fact]
    public async Task AnotherInstancesPod_IsListedAfterTheLifetime_OrAtOnceWhenTheListNeedsIt_OwnChangesAtOnce()
    {
        var one = new PodStore(_database, _time);
        var other = new PodStore(_database, _time);
        await one.CreateAsync("RegionOne", "az1", "", "", default);
        Assert.Equal(["RegionOne"], Regions(await one.ListCachedAsync([], default)));

        // Registered by another instance: not read again for every list...
        var two = await other.CreateAsync("RegionTwo", "az2", "", "", default);
        Assert.Equal(["RegionOne"], Regions(await one.ListCachedAsync([], default)));

        // ...unless the list's resources are in it, then at once.
        Assert.Equal(["RegionOne", "RegionTwo"], Regions(await one.ListCachedAsync([two.PodId], default)));

        // A change on another instance is seen once the copy is older than the lifetime.
        await other.UpdateAsync(two.PodId, null, null, "dc2", null, null, default);
        Assert.Equal("", (await one.ListCachedAsync([two.PodId], default)).Single(p => p.PodId == two.PodId).DcName);
        _time.Advance(PodStore.CachedPodLifetime);
        Assert.Equal("dc2", (await one.ListCachedAsync([], default)).Single(p => p.PodId == two.PodId).DcName);

        // This instance's own changes: at once.
        await one.UpdateAsync(two.PodId, null, null, "dc3", null, null, default);
        Assert.Equal("dc3", (await one.ListCachedAsync([], default)).Single(p => p.PodId == two.PodId).DcName);
        await one.CreateAsync("RegionThree", "az3", "", "", default);
        Assert.Equal(["RegionOne", "RegionThree", "RegionTwo"], Regions(await one.ListCachedAsync([], default)));
    }
}

public sealed class SqlitePodListCacheTests() : PodListCacheTests("sqlite");

public sealed class PostgresPodListCacheTests() : PodListCacheTests("postgres");
