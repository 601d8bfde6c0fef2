using Tricircle.Errors;
using Tricircle.Pods;
using Tricircle.Support;

namespace Tricircle.Placement;

/// <summary>The placement policy: binding first, then the AZ's least-bound reachable pod; recorded with the routing.</summary>
public abstract class PodSchedulerTests(ServiceFixture fixture)
{
    private PodScheduler Scheduler => fixture.Services.GetRequiredService<PodScheduler>();

    private PodStore Pods => fixture.Services.GetRequiredService<PodStore>();

    private async Task<(Pod A, Pod B)> TwoPodsInNewAzAsync()
    {
        var az = "az-" + Guid.NewGuid().ToString("N")[..8];
        if (await Pods.FindByRegionAsync("Central", default) is null)
        {
            await Pods.CreateAsync("Central", "", "", "", default);
        }

        var a = await Pods.CreateAsync("A-" + az, az, "nova", "", default);
        var b = await Pods.CreateAsync("B-" + az, az, "nova", "", default);
        return (a, b);
    }

    [Fact]
    public async Task NewTenants_SpreadOverTheAzsPods_AndEachStaysWhereItWasPlaced()
    {
        var (a, b) = await TwoPodsInNewAzAsync();
        var first = await Scheduler.PlaceAsync("tenant-1-" + a.AzName, a.AzName, default);
        Assert.True(first.NewBinding);
        Assert.Equal(a.PodId, first.Pod.PodId); // tie: by region name
        Assert.Equal("nova", first.BottomAz);
        await Scheduler.RecordAsync(first, "tenant-1-" + a.AzName, "server", Guid.NewGuid().ToString(), null, null, default);

        // The next tenant goes to the pod with fewer tenants.
        var second = await Scheduler.PlaceAsync("tenant-2-" + a.AzName, a.AzName, default);
        Assert.Equal(b.PodId, second.Pod.PodId);

        // The first tenant's next resource joins its first.
        var again = await Scheduler.PlaceAsync("tenant-1-" + a.AzName, a.AzName, default);
        Assert.Equal(a.PodId, again.Pod.PodId);
        Assert.False(again.NewBinding);
    }

    [Fact]
    public async Task DisabledPod_GetsNothingNew_TheTenantMovesToAnotherPodOfTheAz_AndAClosedAzIs400()
    {
        var (a, b) = await TwoPodsInNewAzAsync();
        var tenant = "t-disabled-" + a.AzName;
        var first = await Scheduler.PlaceAsync(tenant, a.AzName, default);
        Assert.Equal(a.PodId, first.Pod.PodId);
        await Scheduler.RecordAsync(first, tenant, "volume", Guid.NewGuid().ToString(), null, null, default);

        await Pods.UpdateAsync(a.PodId, null, null, null, true, "maintenance", default);
        var moved = await Scheduler.PlaceAsync(tenant, a.AzName, default);
        Assert.Equal(b.PodId, moved.Pod.PodId);
        Assert.True(moved.NewBinding); // recorded with the resource, retiring the binding to the disabled pod
        await Scheduler.RecordAsync(moved, tenant, "volume", Guid.NewGuid().ToString(), null, null, default);
        var again = await Scheduler.PlaceAsync(tenant, a.AzName, default);
        Assert.Equal(b.PodId, again.Pod.PodId);
        Assert.False(again.NewBinding);

        // Beside something in the disabled pod: refused, naming the pod and why.
        var disabledA = await Pods.GetAsync(a.PodId, default);
        var beside = Assert.Throws<TricircleException>(() => PodScheduler.CheckOpen(disabledA, "Volume v1"));
        Assert.Equal(ErrorKind.Conflict, beside.Kind);
        Assert.Contains("maintenance", beside.Message, StringComparison.Ordinal);

        await Pods.UpdateAsync(b.PodId, null, null, null, true, "", default);
        var closed = await Assert.ThrowsAsync<TricircleException>(() => Scheduler.PlaceAsync(tenant, a.AzName, default));
        Assert.Equal(ErrorKind.Invalid, closed.Kind);
        Assert.Contains(a.AzName, closed.Message, StringComparison.Ordinal);
        Assert.Contains("disabled", closed.Message, StringComparison.Ordinal);
        Assert.Contains(a.RegionName + ": maintenance", closed.Message, StringComparison.Ordinal);

        // Enabled again, the AZ takes resources again.
        await Pods.UpdateAsync(a.PodId, null, null, null, false, null, default);
        Assert.Equal(a.PodId, (await Scheduler.PlaceAsync(tenant, a.AzName, default)).Pod.PodId);
    }

    [Fact]
    public async Task UnknownAz_Is400NamingIt()
    {
        await TwoPodsInNewAzAsync();
        var e = await Assert.ThrowsAsync<TricircleException>(() => Scheduler.PlaceAsync("t", "atlantis", default));
        Assert.Equal(ErrorKind.Invalid, e.Kind);
        Assert.Contains("atlantis", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CentralPod_NeverGetsResources()
    {
        var (a, _) = await TwoPodsInNewAzAsync();
        for (var i = 0; i < 5; i++)
        {
            var placed = await Scheduler.PlaceAsync("t-any-" + i, null, default);
            Assert.False(placed.Pod.IsCentral);
        }

        Assert.NotNull(a);
    }

    [Fact]
    public async Task Record_IsIdempotent_ForARetriedRequest()
    {
        var (a, _) = await TwoPodsInNewAzAsync();
        var tenant = "t-retry-" + a.AzName;
        var placed = await Scheduler.PlaceAsync(tenant, a.AzName, default);
        var id = Guid.NewGuid().ToString();
        await Scheduler.RecordAsync(placed, tenant, "volume", id, null, null, default);
        await Scheduler.RecordAsync(placed, tenant, "volume", id, null, null, default);
        var routing = await fixture.Services.GetRequiredService<Routing.RoutingStore>().FindTopAsync(id, "volume", tenant, default);
        Assert.Equal(placed.Pod.PodId, routing!.PodId);
    }
}

public sealed class PodSchedulerSqliteTests(SqliteServiceFixture fixture) : PodSchedulerTests(fixture), IClassFixture<SqliteServiceFixture>;

public sealed class PodSchedulerPostgresTests(PostgresServiceFixture fixture) : PodSchedulerTests(fixture), IClassFixture<PostgresServiceFixture>;
