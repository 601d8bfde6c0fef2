using Tricircle.Pods;
using Tricircle.Support;

namespace Tricircle.Routing;

/// <summary>
/// The routing questions every merged list asks: which pods hold the project's resources of a
/// type, and a down pod's rows for its placeholders. Both are answered by the query alone (the
/// pods chosen in SQL, no table read whole), so each must still pick exactly the right rows.
/// </summary>
public abstract class RoutingStoreTests(string dialect) : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private Data.Database _database = null!;
    private RoutingStore _store = null!;
    private string _one = "";
    private string _two = "";
    private string _three = "";

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync(dialect);
        _database = _db.Open();
        var pods = new PodStore(_database, TimeProvider.System);
        _one = (await pods.CreateAsync("RegionOne", "az1", "", "", default)).PodId;
        _two = (await pods.CreateAsync("RegionTwo", "az2", "", "", default)).PodId;
        _three = (await pods.CreateAsync("RegionThree", "az3", "", "", default)).PodId;
        _store = new RoutingStore(_database, TimeProvider.System, new RoutingCache(TimeProvider.System));

        // p1's servers in pods one and two, its volume in three; p2's server in three.
        await RowAsync("s1", _one, "p1", "server");
        await RowAsync("s2", _one, "p1", "server");
        await RowAsync("s3", _two, "p1", "server");
        await RowAsync("v1", _three, "p1", "volume");
        await RowAsync("s4", _three, "p2", "server");
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        await _db.DisposeAsync();
    }

    private Task<ResourceRouting> RowAsync(string id, string pod, string project, string type) =>
        _store.CreateAsync(new ResourceRouting { TopId = id, BottomId = "b-" + id, PodId = pod, ProjectId = project, ResourceType = type }, default);

    [Fact]
    public async Task PodsWith_NamesThePodsHoldingTheProjectsResourcesOfTheType_OrAnyProjectsForAnAdmin()
    {
        Assert.Equal(new HashSet<string> { _one, _two }, await _store.PodsWithAsync("server", "p1", default));
        Assert.Equal(new HashSet<string> { _three }, await _store.PodsWithAsync("volume", "p1", default));
        Assert.Equal(new HashSet<string> { _three }, await _store.PodsWithAsync("server", "p2", default));
        Assert.Empty(await _store.PodsWithAsync("server", "p3", default));
        Assert.Equal(new HashSet<string> { _one, _two, _three }, await _store.PodsWithAsync("server", null, default));
    }

    [Fact]
    public async Task ListType_GivesOnlyTheNamedPodsRows_OfTheTypeAndProject()
    {
        Assert.Equal(["s1", "s2"], (await _store.ListTypeAsync("server", "p1", [_one], default)).Select(r => r.TopId).Order());
        Assert.Equal(["s1", "s2", "s3"], (await _store.ListTypeAsync("server", "p1", [_one, _two, _two], default)).Select(r => r.TopId).Order());
        Assert.Empty(await _store.ListTypeAsync("server", "p1", [_three], default));
        Assert.Equal(["s4"], (await _store.ListTypeAsync("server", null, [_three], default)).Select(r => r.TopId));
        Assert.Empty(await _store.ListTypeAsync("server", "p1", [], default));
        Assert.Equal(["s1", "s2", "s3", "s4"], (await _store.ListTypeAsync("server", null, null, default)).Select(r => r.TopId).Order());
        Assert.Equal(_two, Assert.Single(await _store.ListTypeAsync("server", "p1", [_two], default)).PodId);
    }
}

public sealed class RoutingStoreSqliteTests() : RoutingStoreTests("sqlite");

public sealed class RoutingStorePostgresTests() : RoutingStoreTests("postgres");
