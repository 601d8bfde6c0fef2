using Tricircle.Errors;
using Tricircle.Pods;
using Tricircle.Support;

namespace Tricircle.Placement;

public abstract class PodBindingStoreTests(string dialect) : IAsyncLifetime
{
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

    [Fact]
    public async Task Bind_SecondPodInSameAz_RetiresTheFirst_AndRebindingReactivates()
    {
        var pods = new PodStore(_database, TimeProvider.System);
        var store = new PodBindingStore(_database, TimeProvider.System);
        var a = await pods.CreateAsync("RegionA", "az1", "", "", default);
        var b = await pods.CreateAsync("RegionB", "az1", "", "", default);
        var c = await pods.CreateAsync("RegionC", "az2", "", "", default);

        var first = await store.AddAsync("tenant", a.PodId, default);
        var other = await store.AddAsync("tenant", c.PodId, default);
        var second = await store.AddAsync("tenant", b.PodId, default);

        var all = (await store.ListAsync(new Dictionary<string, object> { ["tenant_id"] = "tenant" }, default)).ToDictionary(x => x.PodId);
        Assert.False(all[a.PodId].IsBinding);   // same AZ: retired
        Assert.True(all[b.PodId].IsBinding);
        Assert.True(all[c.PodId].IsBinding);    // another AZ: untouched

        // Upstream's unique (tenant, pod) key made this a 409; here it reactivates the old row.
        var again = await store.AddAsync("tenant", a.PodId, default);
        Assert.Equal(first.Id, again.Id);
        Assert.True(again.IsBinding);
        Assert.False((await store.GetAsync(second.Id, default)).IsBinding);
        Assert.True((await store.GetAsync(other.Id, default)).IsBinding);
    }

    [Fact]
    public async Task Bind_Twice_Conflicts_AndCentralOrUnknownPodIsBadRequest()
    {
        var pods = new PodStore(_database, TimeProvider.System);
        var store = new PodBindingStore(_database, TimeProvider.System);
        var central = await pods.CreateAsync("CentralRegion", "", "", "", default);
        var a = await pods.CreateAsync("RegionA", "az1", "", "", default);
        await store.AddAsync("t", a.PodId, default);

        Assert.Equal(ErrorKind.Conflict, (await Assert.ThrowsAsync<TricircleException>(() => store.AddAsync("t", a.PodId, default))).Kind);
        Assert.Equal(ErrorKind.Invalid, (await Assert.ThrowsAsync<TricircleException>(() => store.AddAsync("t", central.PodId, default))).Kind);
        Assert.Equal(ErrorKind.Invalid, (await Assert.ThrowsAsync<TricircleException>(() => store.AddAsync("t", "no-such-pod", default))).Kind);
    }

    [Fact]
    public async Task DeletePod_WithBinding_Conflicts()
    {
        var pods = new PodStore(_database, TimeProvider.System);
        var store = new PodBindingStore(_database, TimeProvider.System);
        var a = await pods.CreateAsync("RegionA", "az1", "", "", default);
        var binding = await store.AddAsync("t", a.PodId, default);

        var e = await Assert.ThrowsAsync<TricircleException>(() => pods.DeleteAsync(a.PodId, default));
        Assert.Equal(ErrorKind.Conflict, e.Kind);
        Assert.Contains("1 pod binding", e.Message, StringComparison.Ordinal);

        await store.DeleteAsync(binding.Id, default);
        await pods.DeleteAsync(a.PodId, default);
        Assert.Null(await pods.FindAsync(a.PodId, default));
    }
}

public sealed class PodBindingStoreSqliteTests() : PodBindingStoreTests("sqlite");

public sealed class PodBindingStorePostgresTests() : PodBindingStoreTests("postgres");
