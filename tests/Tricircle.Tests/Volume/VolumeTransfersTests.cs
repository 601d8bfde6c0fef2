using System.Net;
using System.Text.Json;
using Tricircle.Jobs;
using Tricircle.Quotas;
using Tricircle.Routing;
using Tricircle.Support;

namespace Tricircle.Volume;

/// <summary>Cinder volume transfers through the gateway over two emulated pods: offered in the volume's pod, accepted by another project, the volume moving centrally and in the pod.</summary>
public abstract class VolumeTransfersTests(GatewayFixture gateway)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Accept_ByAnotherProject_GivesItTheVolumeAndSnapshots_CentrallyAndInThePod_WithTheirQuota()
    {
        var (owner, ownerProject) = gateway.NewTenant("tr");
        var (taker, takerProject) = gateway.NewTenant("tr");
        var volume = await VolumeAsync(owner, ownerProject, "az2", size: 2);
        var snapshot = await SnapshotAsync(owner, ownerProject, volume);

        var created = await Send(owner, ownerProject, HttpMethod.Post, "os-volume-transfer", Body(new { transfer = new { volume_id = volume, name = " gift " } }));
        Assert.True(created.Status == HttpStatusCode.Accepted, created.Text);
        var offer = created.Json.GetProperty("transfer");
        var id = offer.GetProperty("id").GetString()!;
        var key = offer.GetProperty("auth_key").GetString()!;
        Assert.Equal(16, key.Length);
        Assert.Equal("gift", offer.GetProperty("name").GetString());
        Assert.Equal(volume, offer.GetProperty("volume_id").GetString());
        Assert.StartsWith(gateway.VolumeUrl.GetLeftPart(UriPartial.Authority), offer.GetProperty("links")[0].GetProperty("href").GetString()!, StringComparison.Ordinal);

        // Made in RegionTwo, the volume's pod: its volume awaits the transfer there and here.
        Assert.Equal(volume, gateway.Region("RegionTwo").Inspect("transfers").Single(t => t!["id"]!.ToString() == id)!["volume_id"]!.ToString());
        Assert.Equal("awaiting-transfer", PodVolume(volume)["status"]!.ToString());
        Assert.Equal("awaiting-transfer", (await Send(owner, ownerProject, HttpMethod.Get, "volumes/" + volume)).Json.GetProperty("volume").GetProperty("status").GetString());

        // Listed and shown to its project (never the key again); another project is told it does not exist.
        var listed = await Send(owner, ownerProject, HttpMethod.Get, "os-volume-transfer/detail");
        listed.AssertOk();
        var item = Assert.Single(listed.Json.GetProperty("transfers").EnumerateArray());
        Assert.Equal(id, item.GetProperty("id").GetString());
        Assert.False(item.TryGetProperty("auth_key", out _));
        Assert.Equal(["id", "volume_id", "name", "links"], (await Send(owner, ownerProject, HttpMethod.Get, "os-volume-transfer")).Json.GetProperty("transfers")[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal("gift", (await Send(owner, ownerProject, HttpMethod.Get, "os-volume-transfer/" + id)).Json.GetProperty("transfer").GetProperty("name").GetString());
        Assert.Equal($"Transfer {id} could not be found.", (await Send(taker, takerProject, HttpMethod.Get, "os-volume-transfer/" + id)).AssertError(HttpStatusCode.NotFound, "itemNotFound"));
        (await Send(taker, takerProject, HttpMethod.Delete, "os-volume-transfer/" + id)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        Assert.Empty((await Send(taker, takerProject, HttpMethod.Get, "os-volume-transfer")).Json.GetProperty("transfers").EnumerateArray());
        Assert.Contains(id, (await gateway.VolumeAsync(HttpMethod.Get, "os-volume-transfer?all_tenants=1", gateway.AdminToken)).Text, StringComparison.Ordinal);

        var ownerBefore = await UsageAsync(ownerProject);
        Assert.Equal((1, 1, 4), (ownerBefore.GetValueOrDefault("volumes"), ownerBefore.GetValueOrDefault("snapshots"), ownerBefore.GetValueOrDefault("gigabytes")));

        // A wrong key is the pod's 400, and nothing moves (the taker's reservation is given back).
        Assert.Equal(
            $"Invalid auth key: Attempt to transfer {id} with invalid auth key.",
            (await Send(taker, takerProject, HttpMethod.Post, $"os-volume-transfer/{id}/accept", Body(new { accept = new { auth_key = "0000" } }))).AssertError(HttpStatusCode.BadRequest, "badRequest"));
        Assert.Empty(await UsageAsync(takerProject));
        (await Send(taker, takerProject, HttpMethod.Post, $"os-volume-transfer/{id}/accept", Body(new { accept = new { key } }))).AssertError(HttpStatusCode.BadRequest, "badRequest");

        var accepted = await Send(taker, takerProject, HttpMethod.Post, $"os-volume-transfer/{id}/accept", Body(new { accept = new { auth_key = key } }));
        Assert.True(accepted.Status == HttpStatusCode.Accepted, accepted.Text);
        Assert.Equal(volume, accepted.Json.GetProperty("transfer").GetProperty("volume_id").GetString());

        // The taker's now, here and in the pod, with its snapshot; the old owner no longer finds them.
        var shown = await Send(taker, takerProject, HttpMethod.Get, "volumes/" + volume);
        shown.AssertOk();
        Assert.Equal("available", shown.Json.GetProperty("volume").GetProperty("status").GetString());
        Assert.Equal(takerProject, PodVolume(volume)["os-vol-tenant-attr:tenant_id"]!.ToString());
        (await Send(owner, ownerProject, HttpMethod.Get, "volumes/" + volume)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        (await Send(taker, takerProject, HttpMethod.Get, "snapshots/" + snapshot)).AssertOk();
        (await Send(owner, ownerProject, HttpMethod.Get, "snapshots/" + snapshot)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        Assert.Equal(takerProject, gateway.Region("RegionTwo").Inspect("snapshots").Single(s => s!["id"]!.ToString() == snapshot)!["os-extended-snapshot-attributes:project_id"]!.ToString());
        Assert.Contains(volume, (await Send(taker, takerProject, HttpMethod.Get, "volumes")).Text, StringComparison.Ordinal);
        Assert.DoesNotContain(volume, (await Send(owner, ownerProject, HttpMethod.Get, "volumes")).Text, StringComparison.Ordinal);

        // The offer is over: gone from the pod and from the routing table.
        Assert.DoesNotContain(id, gateway.Region("RegionTwo").Inspect("transfers").ToJsonString(), StringComparison.Ordinal);
        (await Send(owner, ownerProject, HttpMethod.Get, "os-volume-transfer/" + id)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        Assert.Null(await Services.GetRequiredService<RoutingStore>().FindTopAsync(id, VolumeTransfersApi.ResourceType, null, CancellationToken.None));

        // And so is what they count: all of it moved from one project to the other.
        Assert.Empty(await UsageAsync(ownerProject));
        Assert.Equal(ownerBefore, await UsageAsync(takerProject));

        // The new owner may use it as its own.
        Assert.Equal(HttpStatusCode.Accepted, (await Send(taker, takerProject, HttpMethod.Delete, "snapshots/" + snapshot)).Status);
    }

    [Fact]
    public async Task Delete_TakesTheOfferBack_TheVolumeAvailableAgain()
    {
        var (owner, ownerProject) = gateway.NewTenant("tr");
        var volume = await VolumeAsync(owner, ownerProject, "az1");
        var id = (await OfferAsync(owner, ownerProject, volume)).Id;

        // While offered, the volume cannot be deleted (Cinder's 400).
        (await Send(owner, ownerProject, HttpMethod.Delete, "volumes/" + volume)).AssertError(HttpStatusCode.BadRequest, "badRequest");

        Assert.Equal(HttpStatusCode.Accepted, (await Send(owner, ownerProject, HttpMethod.Delete, "os-volume-transfer/" + id)).Status);
        Assert.Equal("available", gateway.Region("RegionOne").Inspect("volumes").Single(v => v!["id"]!.ToString() == volume)!["status"]!.ToString());
        Assert.DoesNotContain(gateway.Region("RegionOne").Inspect("transfers"), t => t!["id"]!.ToString() == id);
        (await Send(owner, ownerProject, HttpMethod.Get, "os-volume-transfer/" + id)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        Assert.Null(await Services.GetRequiredService<RoutingStore>().FindTopAsync(id, VolumeTransfersApi.ResourceType, null, CancellationToken.None));
    }

    [Fact]
    public async Task Refusals_AreCinders_BadBodies400_UnknownVolume404_VolumeNotAvailable400_OverTheTakersQuota413()
    {
        var (owner, ownerProject) = gateway.NewTenant("tr");
        var (taker, takerProject) = gateway.NewTenant("tr");
        var unknown = Guid.NewGuid().ToString();
        Assert.Equal($"Volume {unknown} could not be found.", (await Send(owner, ownerProject, HttpMethod.Post, "os-volume-transfer", Body(new { transfer = new { volume_id = unknown } }))).AssertError(HttpStatusCode.NotFound, "itemNotFound"));
        Assert.Contains("volume_id", (await Send(owner, ownerProject, HttpMethod.Post, "os-volume-transfer", Body(new { transfer = new { name = "x" } }))).AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        (await Send(owner, ownerProject, HttpMethod.Post, "os-volume-transfer", Body(new { transfer = new { volume_id = "not-a-uuid" } }))).AssertError(HttpStatusCode.BadRequest, "badRequest");

        // no_snapshots is /volume-transfers' from 3.55 only (the contrib route never takes it).
        var volume = await VolumeAsync(owner, ownerProject, "az1");
        (await Send(owner, ownerProject, HttpMethod.Post, "os-volume-transfer", Body(new { transfer = new { volume_id = volume, no_snapshots = true } }), "3.55")).AssertError(HttpStatusCode.BadRequest, "badRequest");
        (await Send(owner, ownerProject, HttpMethod.Post, "volume-transfers", Body(new { transfer = new { volume_id = volume, no_snapshots = true } }), "3.54")).AssertError(HttpStatusCode.BadRequest, "badRequest");

        var (id, key) = await OfferAsync(owner, ownerProject, volume);
        Assert.Equal("Invalid volume: status must be available", (await Send(owner, ownerProject, HttpMethod.Post, "os-volume-transfer", Body(new { transfer = new { volume_id = volume } }))).AssertError(HttpStatusCode.BadRequest, "badRequest"));
        (await Send(taker, takerProject, HttpMethod.Post, $"os-volume-transfer/{Guid.NewGuid()}/accept", Body(new { accept = new { auth_key = key } }))).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        (await Send(taker, takerProject, HttpMethod.Post, $"os-volume-transfer/{id}/accept", Body(new { accept = new { auth_key = true } }))).AssertError(HttpStatusCode.BadRequest, "badRequest");

        // The taker's central quota must take the volume: 413 before the pod is asked, and nothing moves.
        (await gateway.VolumeAsync(HttpMethod.Put, "os-quota-sets/" + takerProject, gateway.AdminToken, Body(new { quota_set = new { volumes = 0 } }))).AssertOk();
        Assert.StartsWith("VolumeLimitExceeded", (await Send(taker, takerProject, HttpMethod.Post, $"os-volume-transfer/{id}/accept", Body(new { accept = new { auth_key = key } }))).AssertError(HttpStatusCode.RequestEntityTooLarge, "overLimit"), StringComparison.Ordinal);
        Assert.Contains(id, gateway.Region("RegionOne").Inspect("transfers").ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(ownerProject, gateway.Region("RegionOne").Inspect("volumes").Single(v => v!["id"]!.ToString() == volume)!["os-vol-tenant-attr:tenant_id"]!.ToString());
        Assert.Empty(await UsageAsync(takerProject));
        (await Send(owner, ownerProject, HttpMethod.Get, "os-volume-transfer/" + id)).AssertOk();
    }

    [Fact]
    public async Task VolumeTransfers_MergeBothPods_Page359_AndNoSnapshots355_LeavesTheSnapshotsWithTheOwner()
    {
        var (owner, ownerProject) = gateway.NewTenant("tr");
        var (taker, takerProject) = gateway.NewTenant("tr");
        var one = await VolumeAsync(owner, ownerProject, "az1");
        var two = await VolumeAsync(owner, ownerProject, "az2");
        var snapshot = await SnapshotAsync(owner, ownerProject, two);
        var first = (await OfferAsync(owner, ownerProject, one)).Id;
        var made = await Send(owner, ownerProject, HttpMethod.Post, "volume-transfers", Body(new { transfer = new { volume_id = two, name = "bare", no_snapshots = true } }), "3.57");
        Assert.True(made.Status == HttpStatusCode.Accepted, made.Text);
        var second = made.Json.GetProperty("transfer");
        Assert.True(second.GetProperty("no_snapshots").GetBoolean());
        Assert.Equal(ownerProject, second.GetProperty("source_project_id").GetString());
        Assert.False(second.GetProperty("accepted").GetBoolean());

        // Both pods' offers in one list: oldest first before 3.59; from 3.59 newest first, paged.
        var all = await Send(owner, ownerProject, HttpMethod.Get, "volume-transfers/detail", microversion: "3.55");
        Assert.Equal([first, second.GetProperty("id").GetString()], all.Json.GetProperty("transfers").EnumerateArray().Select(t => t.GetProperty("id").GetString()));
        Assert.False(all.Json.GetProperty("transfers")[0].GetProperty("no_snapshots").GetBoolean());
        var page = await Send(owner, ownerProject, HttpMethod.Get, "volume-transfers?limit=1", microversion: "3.59");
        page.AssertOk();
        Assert.Equal(second.GetProperty("id").GetString(), Assert.Single(page.Json.GetProperty("transfers").EnumerateArray()).GetProperty("id").GetString());
        var next = page.Json.GetProperty("transfers_links")[0].GetProperty("href").GetString()!;
        Assert.Contains("marker=" + second.GetProperty("id").GetString(), next, StringComparison.Ordinal);
        var rest = await Send(owner, ownerProject, HttpMethod.Get, "volume-transfers?limit=1&marker=" + second.GetProperty("id").GetString(), microversion: "3.59");
        Assert.Equal(first, Assert.Single(rest.Json.GetProperty("transfers").EnumerateArray()).GetProperty("id").GetString());
        (await Send(owner, ownerProject, HttpMethod.Get, "volume-transfers?marker=" + Guid.NewGuid(), microversion: "3.59")).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        (await Send(owner, ownerProject, HttpMethod.Get, "volume-transfers?limit=x", microversion: "3.59")).AssertError(HttpStatusCode.BadRequest, "badRequest");

        // Accepted through /volume-transfers: the volume goes, its snapshot stays with its owner (no_snapshots).
        var accepted = await Send(taker, takerProject, HttpMethod.Post, $"volume-transfers/{second.GetProperty("id").GetString()}/accept", Body(new { accept = new { auth_key = second.GetProperty("auth_key").GetString() } }), "3.55");
        Assert.True(accepted.Status == HttpStatusCode.Accepted, accepted.Text);
        (await Send(taker, takerProject, HttpMethod.Get, "volumes/" + two)).AssertOk();
        (await Send(owner, ownerProject, HttpMethod.Get, "snapshots/" + snapshot)).AssertOk();
        (await Send(taker, takerProject, HttpMethod.Get, "snapshots/" + snapshot)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        var taken = await UsageAsync(takerProject);
        Assert.Equal((1, 0, 1), (taken.GetValueOrDefault("volumes"), taken.GetValueOrDefault("snapshots"), taken.GetValueOrDefault("gigabytes")));
        var kept = await UsageAsync(ownerProject);
        Assert.Equal((1, 1, 2), (kept.GetValueOrDefault("volumes"), kept.GetValueOrDefault("snapshots"), kept.GetValueOrDefault("gigabytes")));
    }

    [Fact]
    public async Task Accept_ThePodTookButCentralWasNotUpdated_IsFinishedByItsJob()
    {
        var (owner, ownerProject) = gateway.NewTenant("tr");
        var (taker, takerProject) = gateway.NewTenant("tr");
        var volume = await VolumeAsync(owner, ownerProject, "az2");
        var (id, key) = await OfferAsync(owner, ownerProject, volume);

        // As if the gateway died right after the pod accepted: the reservation and its job were written, central was not moved.
        var pod = await Services.GetRequiredService<Pods.PodStore>().FindAsync(
            (await Services.GetRequiredService<RoutingStore>().FindTopAsync(id, VolumeTransfersApi.ResourceType, null, CancellationToken.None))!.PodId, CancellationToken.None);
        var batch = Services.GetRequiredService<JobQueue>().Begin(runHere: false);
        await Services.GetRequiredService<VolumeTransfers>().ReserveAsync(id, pod!, volume, [], takerProject, batch, CancellationToken.None);
        var direct = await gateway.SendAsync(
            new Uri($"{gateway.Region("RegionTwo").VolumeUrl.ToString().TrimEnd('/')}/v3/{takerProject}/os-volume-transfer/{id}/accept"), HttpMethod.Post, taker, Body(new { accept = new { auth_key = key } }), service: "volume");
        Assert.True(direct.Status == HttpStatusCode.Accepted, direct.Text);
        Assert.Equal(1, (await UsageAsync(takerProject)).GetValueOrDefault("volumes")); // held while unsettled
        await batch.RunAsync(refusalsEnd: false, CancellationToken.None); // wakes the workers

        await Poll.UntilAsync(async () => (await Send(taker, takerProject, HttpMethod.Get, "volumes/" + volume)).Status == HttpStatusCode.OK, Within, () => "the volume never became the taker's centrally");
        await Poll.UntilAsync(async () => (await UsageAsync(ownerProject)).Count == 0, Within, () => "the owner's quota was never moved");
        (await Send(owner, ownerProject, HttpMethod.Get, "volumes/" + volume)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        var usage = await UsageAsync(takerProject);
        Assert.Equal((1, 1), (usage.GetValueOrDefault("volumes"), usage.GetValueOrDefault("gigabytes"))); // moved, the reservation gone
        Assert.Null(await Services.GetRequiredService<RoutingStore>().FindTopAsync(id, VolumeTransfersApi.ResourceType, null, CancellationToken.None));
    }

    private IServiceProvider Services => gateway.Sandbox.Services;

    private Task<IReadOnlyDictionary<string, long>> UsageAsync(string project) =>
        Services.GetRequiredService<QuotaStore>().UsageAsync(project, CancellationToken.None);

    private System.Text.Json.Nodes.JsonNode PodVolume(string id) =>
        gateway.Region("RegionTwo").Inspect("volumes").Single(v => v!["id"]!.ToString() == id)!;

    private static string Body(object value) => JsonSerializer.Serialize(value);

    private Task<ApiResponse> Send(string token, string project, HttpMethod method, string path, string? json = null, string? microversion = null) =>
        gateway.VolumeAsync(method, path, token, json, microversion, project);

    private async Task<(string Id, string Key)> OfferAsync(string token, string project, string volume)
    {
        var created = await Send(token, project, HttpMethod.Post, "os-volume-transfer", Body(new { transfer = new { volume_id = volume } }));
        Assert.True(created.Status == HttpStatusCode.Accepted, created.Text);
        var transfer = created.Json.GetProperty("transfer");
        return (transfer.GetProperty("id").GetString()!, transfer.GetProperty("auth_key").GetString()!);
    }

    private async Task<string> VolumeAsync(string token, string project, string az, int size = 1)
    {
        var created = await Send(token, project, HttpMethod.Post, "volumes", Body(new { volume = new { size, name = "to-give", availability_zone = az } }));
        Assert.True(created.Status == HttpStatusCode.Accepted, created.Text);
        var id = created.Json.GetProperty("volume").GetProperty("id").GetString()!;
        await WaitAsync(token, project, "volumes/" + id, "volume");
        return id;
    }

    private async Task<string> SnapshotAsync(string token, string project, string volume)
    {
        var created = await Send(token, project, HttpMethod.Post, "snapshots", Body(new { snapshot = new { volume_id = volume, name = "goes-along" } }));
        Assert.True(created.Status == HttpStatusCode.Accepted, created.Text);
        var id = created.Json.GetProperty("snapshot").GetProperty("id").GetString()!;
        await WaitAsync(token, project, "snapshots/" + id, "snapshot");
        return id;
    }

    private async Task WaitAsync(string token, string project, string path, string key)
    {
        var status = "";
        await Poll.UntilAsync(
            async () =>
            {
                var shown = await Send(token, project, HttpMethod.Get, path);
                shown.AssertOk();
                status = shown.Json.GetProperty(key).GetProperty("status").GetString()!;
                return status == "available";
            },
            Within,
            () => $"{path} never available: {status}");
    }
}

public sealed class VolumeTransfersSqliteTests(SqliteGatewayFixture gateway) : VolumeTransfersTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class VolumeTransfersPostgresTests(PostgresGatewayFixture gateway) : VolumeTransfersTests(gateway), IClassFixture<PostgresGatewayFixture>;
