using System.Net;
using Tricircle.Support;

namespace Tricircle.Compute;

/// <summary>
/// A server delete is finished when its pod says so: until the pod's 404 the server is shown as
/// the pod shows it (task_state deleting), counted in quota, and routed; a delete_wait job forgets
/// it when nobody reads it again; its instance actions stay readable from microversion 2.21.
/// </summary>
public abstract class ServerDeletesTests(GatewayFixture gateway)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    private async Task<int> InstancesUsedAsync(string token) =>
        (await gateway.ComputeAsync(HttpMethod.Get, "limits", token)).Json.GetProperty("limits").GetProperty("absolute").GetProperty("totalInstancesUsed").GetInt32();

    [Fact]
    public async Task GetRightAfterDelete_ShowsTheServerDeleting_ThenNotFoundOnceItsPodSaysGone()
    {
        var id = await gateway.BootAsync(gateway.DemoToken, "az1", "going");
        var region = gateway.Region("RegionOne");
        region.Faults.HoldDeletes = true;
        try
        {
            Assert.Equal(HttpStatusCode.NoContent, (await gateway.ComputeAsync(HttpMethod.Delete, "servers/" + id, gateway.DemoToken)).Status);

            var shown = await gateway.ComputeAsync(HttpMethod.Get, "servers/" + id, gateway.DemoToken);
            shown.AssertOk();
            Assert.Equal("deleting", shown.Json.GetProperty("server").GetProperty("OS-EXT-STS:task_state").GetString());
            Assert.Contains(id, region.Inspect("servers").ToJsonString(), StringComparison.Ordinal);
            Assert.Contains(id, (await gateway.ComputeAsync(HttpMethod.Get, "servers/detail", gateway.DemoToken)).Text, StringComparison.Ordinal);

            // A second delete answers as the pod does (Nova ignores it: 204); another project still sees nothing.
            Assert.Equal(HttpStatusCode.NoContent, (await gateway.ComputeAsync(HttpMethod.Delete, "servers/" + id, gateway.DemoToken)).Status);
            (await gateway.ComputeAsync(HttpMethod.Get, "servers/" + id, gateway.OtherToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
            (await gateway.ComputeAsync(HttpMethod.Delete, "servers/" + id, gateway.OtherToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
            Assert.DoesNotContain(id, (await gateway.ComputeAsync(HttpMethod.Get, "servers/detail", gateway.OtherToken)).Text, StringComparison.Ordinal);
        }
        finally
        {
            region.Faults.HoldDeletes = false;
        }

        await Poll.UntilAsync(async () => (await gateway.ComputeAsync(HttpMethod.Get, "servers/" + id, gateway.DemoToken)).Status == HttpStatusCode.NotFound, Within, () => "the server's GET to be 404 once its pod deleted it");
        (await gateway.ComputeAsync(HttpMethod.Get, "servers/" + id, gateway.DemoToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        Assert.DoesNotContain(id, region.Inspect("servers").ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeletedServerNeverReadAgain_IsForgottenByTheJob_AndItsQuotaFreedOnlyThen()
    {
        var (token, _) = gateway.NewTenant("delwait");
        var id = await gateway.BootAsync(token, "az2", "unread");
        Assert.Equal(1, await InstancesUsedAsync(token));
        var region = gateway.Region("RegionTwo");
        region.Faults.HoldDeletes = true;
        try
        {
            Assert.Equal(HttpStatusCode.NoContent, (await gateway.ComputeAsync(HttpMethod.Delete, "servers/" + id, token)).Status);
            await Poll.UntilAsync(async () => (await gateway.JobsAsync("delete_wait", id)).Count > 0, Within, () => "a delete_wait job");

            // Nova counts a server until its compute host has destroyed it.
            Assert.True(await gateway.RoutedAsync("server", id));
            Assert.Equal(1, await InstancesUsedAsync(token));
            Assert.Contains((await gateway.JobsAsync("delete_wait", id))[0].Status, new[] { "NEW", "RUNNING" });
        }
        finally
        {
            region.Faults.HoldDeletes = false;
        }

        // Nobody reads the server: the job finds it gone and forgets it, and the cleanup frees its quota.
        await Poll.UntilAsync(async () => !await gateway.RoutedAsync("server", id), Within, () => "the job to forget the deleted server");
        await Poll.UntilAsync(async () => await InstancesUsedAsync(token) == 0, Within, () => "the quota of the deleted server to be free");
        Assert.Equal("SUCCESS", (await gateway.JobsAsync("delete_wait", id))[0].Status);
        (await gateway.ComputeAsync(HttpMethod.Get, "servers/" + id, token)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
    }

    [Fact]
    public async Task DeletedServer_ItsActionsListedFrom221_404At220_AndForAnotherProject()
    {
        var id = await gateway.BootAsync(gateway.DemoToken, "az1", "acted-then-gone");
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.ComputeAsync(HttpMethod.Delete, "servers/" + id, gateway.DemoToken)).Status);
        await Poll.UntilAsync(async () => (await gateway.ComputeAsync(HttpMethod.Get, "servers/" + id, gateway.DemoToken)).Status == HttpStatusCode.NotFound, Within, () => "the server gone");
        await Poll.UntilAsync(async () => !await gateway.RoutedAsync("server", id), Within, () => "the server forgotten");

        var listed = await gateway.ComputeAsync(HttpMethod.Get, $"servers/{id}/os-instance-actions", gateway.DemoToken, microversion: "2.21");
        listed.AssertOk();
        var actions = listed.Json.GetProperty("instanceActions").EnumerateArray().ToList();
        Assert.Contains(actions, a => a.GetProperty("action").GetString() == "create");
        var delete = Assert.Single(actions, a => a.GetProperty("action").GetString() == "delete");
        var requestId = delete.GetProperty("request_id").GetString()!;
        var shown = await gateway.ComputeAsync(HttpMethod.Get, $"servers/{id}/os-instance-actions/{requestId}", gateway.DemoToken, microversion: "2.21");
        shown.AssertOk();
        Assert.Equal("delete", shown.Json.GetProperty("instanceAction").GetProperty("action").GetString());
        Assert.Equal(id, shown.Json.GetProperty("instanceAction").GetProperty("instance_uuid").GetString());

        // Below 2.21 Nova does not read deleted instances; another project never sees them.
        (await gateway.ComputeAsync(HttpMethod.Get, $"servers/{id}/os-instance-actions", gateway.DemoToken, microversion: "2.20")).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        (await gateway.ComputeAsync(HttpMethod.Get, $"servers/{id}/os-instance-actions", gateway.OtherToken, microversion: "2.21")).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        (await gateway.ComputeAsync(HttpMethod.Get, $"servers/{id}/os-instance-actions/{requestId}", gateway.OtherToken, microversion: "2.21")).AssertError(HttpStatusCode.NotFound, "itemNotFound");

        // The admin reads them too; the server itself stays gone.
        (await gateway.ComputeAsync(HttpMethod.Get, $"servers/{id}/os-instance-actions", gateway.AdminToken, microversion: "2.21")).AssertOk();
        (await gateway.ComputeAsync(HttpMethod.Get, "servers/" + id, gateway.DemoToken, microversion: "2.21")).AssertError(HttpStatusCode.NotFound, "itemNotFound");
    }
}

public sealed class ServerDeletesSqliteTests(SqliteJobsGatewayFixture gateway) : ServerDeletesTests(gateway), IClassFixture<SqliteJobsGatewayFixture>;

public sealed class ServerDeletesPostgresTests(PostgresJobsGatewayFixture gateway) : ServerDeletesTests(gateway), IClassFixture<PostgresJobsGatewayFixture>;
