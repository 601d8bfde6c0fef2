using System.Net;
using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Volume;

/// <summary>
/// A volume or snapshot delete is finished when its pod says so: until the pod's 404 it is shown
/// deleting, its quota held (as Cinder holds it) and it stays routed; a delete_wait job forgets
/// it when nobody reads it again.
/// </summary>
public abstract class VolumeDeletesTests(GatewayFixture gateway)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    private async Task<string> CreateAvailableAsync(string collection, string token, string project, object body)
    {
        var created = await gateway.VolumeAsync(HttpMethod.Post, collection, token, JsonSerializer.Serialize(body), project: project);
        Assert.True(created.Status == HttpStatusCode.Accepted, created.Text);
        var id = created.Json.GetProperty(collection[..^1]).GetProperty("id").GetString()!;
        await Poll.UntilAsync(
            async () => (await gateway.VolumeAsync(HttpMethod.Get, $"{collection}/{id}", token, project: project)).Json.GetProperty(collection[..^1]).GetProperty("status").GetString() == "available",
            Within,
            () => $"{collection} {id} available");
        return id;
    }

    private async Task<JsonElement> AbsoluteAsync(string token, string project) =>
        (await gateway.VolumeAsync(HttpMethod.Get, "limits", token, project: project)).Json.GetProperty("limits").GetProperty("absolute");

    [Fact]
    public async Task SnapshotThenVolume_ShownDeletingUntilThePodSaysGone_AndTheVolumeDeletesOnceTheClientSawThe404()
    {
        var project = gateway.DemoProjectId;
        var volume = await CreateAvailableAsync("volumes", gateway.DemoToken, project, new { volume = new { size = 1, name = "with-snap", availability_zone = "az1" } });
        var snapshot = await CreateAvailableAsync("snapshots", gateway.DemoToken, project, new { snapshot = new { volume_id = volume, name = "snap" } });
        var region = gateway.Region("RegionOne");
        region.Faults.HoldDeletes = true;
        try
        {
            Assert.Equal(HttpStatusCode.Accepted, (await gateway.VolumeAsync(HttpMethod.Delete, "snapshots/" + snapshot, gateway.DemoToken)).Status);
            var shown = await gateway.VolumeAsync(HttpMethod.Get, "snapshots/" + snapshot, gateway.DemoToken);
            shown.AssertOk();
            Assert.Equal("deleting", shown.Json.GetProperty("snapshot").GetProperty("status").GetString());
            Assert.Contains(snapshot, (await gateway.VolumeAsync(HttpMethod.Get, "snapshots/detail", gateway.DemoToken)).Text, StringComparison.Ordinal);
            Assert.Contains(snapshot, region.Inspect("snapshots")!.ToJsonString(), StringComparison.Ordinal);

            // Meanwhile the pod refuses what it refuses: the volume still has a snapshot, the snapshot is being deleted.
            Assert.Contains("snapshots", (await gateway.VolumeAsync(HttpMethod.Delete, "volumes/" + volume, gateway.DemoToken)).AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
            Assert.Contains("deleting", (await gateway.VolumeAsync(HttpMethod.Delete, "snapshots/" + snapshot, gateway.DemoToken)).AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);

            // Another project sees none of it.
            (await gateway.VolumeAsync(HttpMethod.Get, "snapshots/" + snapshot, gateway.OtherToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
            (await gateway.VolumeAsync(HttpMethod.Delete, "snapshots/" + snapshot, gateway.OtherToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
            Assert.DoesNotContain(snapshot, (await gateway.VolumeAsync(HttpMethod.Get, "snapshots/detail", gateway.OtherToken)).Text, StringComparison.Ordinal);
        }
        finally
        {
            region.Faults.HoldDeletes = false;
        }

        // The client waits for the snapshot's 404, then deletes the volume: that works.
        await Poll.UntilAsync(async () => (await gateway.VolumeAsync(HttpMethod.Get, "snapshots/" + snapshot, gateway.DemoToken)).Status == HttpStatusCode.NotFound, Within, () => "the snapshot's 404");
        var deleted = await gateway.VolumeAsync(HttpMethod.Delete, "volumes/" + volume, gateway.DemoToken);
        Assert.True(deleted.Status == HttpStatusCode.Accepted, deleted.Text);
        await Poll.UntilAsync(async () => (await gateway.VolumeAsync(HttpMethod.Get, "volumes/" + volume, gateway.DemoToken)).Status == HttpStatusCode.NotFound, Within, () => "the volume's 404");
        Assert.DoesNotContain(volume, region.Inspect("volumes")!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeletedVolumeNeverReadAgain_IsForgottenByTheJob_AndItsQuotaHeldUntilThen()
    {
        var (token, project) = gateway.NewTenant("voldel");
        var volume = await CreateAvailableAsync("volumes", token, project, new { volume = new { size = 2, name = "unread", availability_zone = "az2" } });
        Assert.Equal(1, (await AbsoluteAsync(token, project)).GetProperty("totalVolumesUsed").GetInt32());
        var region = gateway.Region("RegionTwo");
        region.Faults.HoldDeletes = true;
        try
        {
            Assert.Equal(HttpStatusCode.Accepted, (await gateway.VolumeAsync(HttpMethod.Delete, "volumes/" + volume, token, project: project)).Status);
            await Poll.UntilAsync(async () => (await gateway.JobsAsync("delete_wait", volume)).Count > 0, Within, () => "a delete_wait job");

            // Cinder holds a deleting volume's quota until it is gone.
            Assert.True(await gateway.RoutedAsync("volume", volume));
            var absolute = await AbsoluteAsync(token, project);
            Assert.Equal(1, absolute.GetProperty("totalVolumesUsed").GetInt32());
            Assert.Equal(2, absolute.GetProperty("totalGigabytesUsed").GetInt32());
            Assert.Equal("deleting", (await gateway.VolumeAsync(HttpMethod.Get, "volumes/" + volume, token, project: project)).Json.GetProperty("volume").GetProperty("status").GetString());
        }
        finally
        {
            region.Faults.HoldDeletes = false;
        }

        await Poll.UntilAsync(async () => !await gateway.RoutedAsync("volume", volume), Within, () => "the job to forget the deleted volume");
        await Poll.UntilAsync(async () => (await AbsoluteAsync(token, project)).GetProperty("totalVolumesUsed").GetInt32() == 0, Within, () => "the volume's quota to be free");
        Assert.Equal(0, (await AbsoluteAsync(token, project)).GetProperty("totalGigabytesUsed").GetInt32());
        Assert.Equal("SUCCESS", (await gateway.JobsAsync("delete_wait", volume))[0].Status);
    }
}

public sealed class VolumeDeletesSqliteTests(SqliteJobsGatewayFixture gateway) : VolumeDeletesTests(gateway), IClassFixture<SqliteJobsGatewayFixture>;

public sealed class VolumeDeletesPostgresTests(PostgresJobsGatewayFixture gateway) : VolumeDeletesTests(gateway), IClassFixture<PostgresJobsGatewayFixture>;
