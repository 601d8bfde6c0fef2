using System.Net;
using System.Text.Json;
using Dapper;
using Tricircle.Pods;
using Tricircle.Routing;
using Tricircle.Support;
using static Tricircle.Support.NetworkSteps;

namespace Tricircle.Jobs;

/// <summary>
/// <c>pod_audit</c>, queued by the test (the fixture has no periodic audit): what was changed by
/// hand in a pod's own services is put right by the jobs the audit queues, each one visible;
/// what Tricircle did not make is left alone; servers and volumes the pod lost are forgotten
/// with what they held; a pod that is down makes the audit wait; the pod is asked no faster than
/// <c>audit_rate</c>.
/// </summary>
public abstract class PodAuditTests(AuditGatewayFixture gateway)
{
    private readonly NetworkSteps _steps = new(gateway);

    [Fact]
    public void EveryJobType_HasAHandler() =>
        Assert.Empty(JobTypes.All.Select(t => t.Name).Except(Service<JobRunner>().HandledTypes));

    [Fact]
    public async Task DriftMadeByHandInAPod_IsPutRightByTheSyncsTheAuditQueues_AndWhatIsInStepGetsNone()
    {
        var (token, _) = gateway.NewTenant("drift");
        var (network, subnet) = await _steps.NetworkAsync(token, "10.80.0.0/24");
        var group = Ok(await gateway.NetworkAsync(HttpMethod.Post, "security-groups", token, Json(new { security_group = new { name = "audit-web" } })))
            .GetProperty("security_group").GetProperty("id").GetString()!;
        Ok(await gateway.NetworkAsync(HttpMethod.Post, "security-group-rules", token,
            Json(new { security_group_rule = new { security_group_id = group, direction = "ingress", protocol = "tcp", port_range_min = 8080, port_range_max = 8080, remote_ip_prefix = "0.0.0.0/0" } })));
        var booted = await gateway.ComputeAsync(HttpMethod.Post, "servers", token,
            Json(new { server = new { name = "drifting", flavorRef = "1", imageRef = await gateway.CirrosAsync("RegionOne"), security_groups = new[] { new { name = "audit-web" } }, networks = new[] { new { uuid = network } }, availability_zone = "az1" } }), "2.37");
        Assert.True(booted.Status == HttpStatusCode.Accepted, booted.Text);
        await gateway.JobsSettledAsync();
        var port = (await _steps.ServerPortAsync(token, booted.Json.GetProperty("server").GetProperty("id").GetString()!)).GetProperty("id").GetString()!;

        // By hand, in RegionOne's own Neutron.
        Ok(await PodNeutronAsync("RegionOne", HttpMethod.Put, "networks/" + await BottomIdAsync("RegionOne", "networks", network), Json(new { network = new { description = "changed by hand" } })));
        Ok(await PodNeutronAsync("RegionOne", HttpMethod.Post, "security-group-rules",
            Json(new { security_group_rule = new { security_group_id = await BottomIdAsync("RegionOne", "security-groups", group), direction = "ingress", protocol = "tcp", port_range_min = 9999, port_range_max = 9999, remote_ip_prefix = "0.0.0.0/0" } })));
        Ok(await PodNeutronAsync("RegionOne", HttpMethod.Put, "ports/" + await BottomIdAsync("RegionOne", "ports", port), Json(new { port = new { admin_state_up = false } })));

        Assert.Equal("SUCCESS", (await AuditAsync("RegionOne")).Status);
        Assert.Equal("", (await _steps.BottomAsync("RegionOne", "networks", network)).GetProperty("description").GetString());
        var rules = await _steps.BottomRulesAsync("RegionOne", group);
        Assert.DoesNotContain(rules, r => Opens(r, 9999));
        Assert.Contains(rules, r => Opens(r, 8080));
        Assert.True((await _steps.BottomAsync("RegionOne", "ports", port)).GetProperty("admin_state_up").GetBoolean());
        foreach (var (type, id) in new[] { ("network_sync", network), ("security_group_sync", group), ("port_sync", port) })
        {
            Assert.Contains(await gateway.JobsAsync(type, id), j => j.Status == "SUCCESS");
        }

        Assert.Empty(await gateway.JobsAsync("subnet_sync", subnet)); // its copy did not differ
    }

    [Fact]
    public async Task ANetworkCopyDeletedInThePod_IsForgotten_AndTheNextBootMakesItThereAgain()
    {
        var (token, _) = gateway.NewTenant("lost");
        var (network, subnet) = await _steps.NetworkAsync(token, "10.81.0.0/24");
        var server = await _steps.BootAsync(token, network, "az2");
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.ComputeAsync(HttpMethod.Delete, "servers/" + server, token)).Status);
        await gateway.JobsSettledAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await PodNeutronAsync("RegionTwo", HttpMethod.Delete, "networks/" + await BottomIdAsync("RegionTwo", "networks", network))).Status);

        Assert.Equal("SUCCESS", (await AuditAsync("RegionTwo")).Status);
        Assert.Contains(await gateway.JobsAsync("network_sync", network), j => j.Status == "SUCCESS");
        Assert.Empty(await gateway.JobsAsync("subnet_sync", subnet)); // lost with its network: that one's sync forgets it
        Assert.Empty(await Service<RoutingStore>().PodsOfAsync(network, "network", CancellationToken.None));
        Assert.Empty(await Service<RoutingStore>().PodsOfAsync(subnet, "subnet", CancellationToken.None));

        await _steps.BootAsync(token, network, "az2");
        Assert.Single(await _steps.BottomListAsync("RegionTwo", "networks", network));
        Assert.Single(await _steps.BottomListAsync("RegionTwo", "subnets", subnet));
    }

    [Fact]
    public async Task AServerDeletedInThePodsOwnNova_IsForgottenCentrally_WithItsPortAndQuota()
    {
        var (token, project) = gateway.NewTenant("gone");
        var (network, _) = await _steps.NetworkAsync(token, "10.82.0.0/24");
        var server = await _steps.BootAsync(token, network, "az1");
        await gateway.JobsSettledAsync();
        var port = (await _steps.ServerPortAsync(token, server)).GetProperty("id").GetString()!;
        Assert.Equal(1, await InstancesInUseAsync(token, project));

        var deleted = await gateway.SendAsync(new Uri(gateway.Region("RegionOne").ComputeUrl + "/servers/" + server), HttpMethod.Delete, gateway.AdminToken);
        Assert.True(deleted.Status == HttpStatusCode.NoContent, deleted.Text);

        Assert.Equal("SUCCESS", (await AuditAsync("RegionOne")).Status);
        Assert.Contains(await gateway.JobsAsync("server_cleanup", server), j => j.Status == "SUCCESS");
        Assert.Empty(await Service<RoutingStore>().PodsOfAsync(server, "server", CancellationToken.None));
        Assert.Empty(Ok(await gateway.NetworkAsync(HttpMethod.Get, "ports?device_id=" + server, token)).GetProperty("ports").EnumerateArray());
        (await gateway.NetworkAsync(HttpMethod.Get, "ports/" + port, token)).AssertNeutronError(HttpStatusCode.NotFound, "PortNotFound");
        Assert.Empty(await _steps.BottomListAsync("RegionOne", "ports", port));
        Assert.Equal(0, await InstancesInUseAsync(token, project));
        Assert.DoesNotContain(Ok(await gateway.ComputeAsync(HttpMethod.Get, "servers", token)).GetProperty("servers").EnumerateArray(), s => s.GetProperty("id").GetString() == server);
    }

    [Fact]
    public async Task AVolumeDeletedInThePodsOwnCinder_IsForgottenCentrally_AndItsQuotaFreed()
    {
        var (token, project) = gateway.NewTenant("vgone");
        var created = await gateway.VolumeAsync(HttpMethod.Post, "volumes", token, Json(new { volume = new { size = 1, availability_zone = "az1" } }), project: project);
        Assert.True(created.Status == HttpStatusCode.Accepted, created.Text);
        var volume = created.Json.GetProperty("volume").GetProperty("id").GetString()!;
        Assert.Equal(1, await VolumesInUseAsync(token, project));

        var inPod = new Uri(gateway.Region("RegionOne").VolumeUrl, $"v3/{project}/volumes/{volume}");
        await WaitForAsync(async () => (await gateway.SendAsync(inPod, HttpMethod.Get, token)).Json.GetProperty("volume").GetProperty("status").GetString() == "available");
        var deleted = await gateway.SendAsync(inPod, HttpMethod.Delete, token);
        Assert.True(deleted.Status == HttpStatusCode.Accepted, deleted.Text);
        await WaitForAsync(async () => (await gateway.SendAsync(inPod, HttpMethod.Get, token)).Status == HttpStatusCode.NotFound);

        Assert.Equal("SUCCESS", (await AuditAsync("RegionOne")).Status);
        Assert.Contains(await gateway.JobsAsync("volume_cleanup", volume), j => j.Status == "SUCCESS");
        Assert.Empty(await Service<RoutingStore>().PodsOfAsync(volume, "volume", CancellationToken.None));
        Assert.Equal(0, await VolumesInUseAsync(token, project));
    }

    [Fact]
    public async Task CopiesNamedAfterWhatTricircleIsDeletingOrHasDeleted_AreRemoved_AndThePodsOwnAreNot()
    {
        var (token, _) = gateway.NewTenant("leftover");
        var (deleting, _) = await _steps.NetworkAsync(token, "10.83.0.0/24");
        var (deleted, _) = await _steps.NetworkAsync(token, "10.84.0.0/24");
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "networks/" + deleted, token)).Status); // its network_delete job stays listed
        await MarkAsync(deleting, "network"); // as a delete holds it while it removes the pods' copies

        // As a crash would leave them (no routing row), beside the pod's own networks, one named like an id.
        var stranger = Guid.NewGuid().ToString();
        foreach (var name in new[] { deleting, deleted, stranger, "pods-own" })
        {
            Ok(await PodNeutronAsync("RegionOne", HttpMethod.Post, "networks", Json(new { network = new { name } })));
        }

        try
        {
            Assert.Equal("SUCCESS", (await AuditAsync("RegionOne")).Status);
            Assert.Empty(await _steps.BottomListAsync("RegionOne", "networks", deleting));
            Assert.Empty(await _steps.BottomListAsync("RegionOne", "networks", deleted));
            Assert.Contains(await gateway.JobsAsync("network_sync", deleting), j => j.Status == "SUCCESS");
            Assert.Contains(await gateway.JobsAsync("network_sync", deleted), j => j.Status == "SUCCESS");
            Assert.Single(await _steps.BottomListAsync("RegionOne", "networks", stranger));
            Assert.Single(await _steps.BottomListAsync("RegionOne", "networks", "pods-own"));
            Assert.Empty(await gateway.JobsAsync("network_sync", stranger));
        }
        finally
        {
            await MarkAsync(deleting, null);
            foreach (var name in new[] { stranger, "pods-own" })
            {
                foreach (var left in await _steps.BottomListAsync("RegionOne", "networks", name))
                {
                    await PodNeutronAsync("RegionOne", HttpMethod.Delete, "networks/" + left.GetProperty("id").GetString());
                }
            }
        }
    }

    [Fact]
    public async Task AnAuditOfAPodThatIsDown_WaitsWithoutCountingAttempts_AndRunsOnceItIsBack()
    {
        var pod = await PodAsync("RegionTwo");
        Job waiting;
        await gateway.Region("RegionTwo").Faults.SetDownAsync(true);
        try
        {
            await QueueAuditAsync(pod);
            var id = (await gateway.JobsAsync("pod_audit", pod.PodId))[0].Id;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            do
            {
                await Task.Delay(200);
                waiting = (await Service<JobStore>().FindAsync(id, CancellationToken.None))!;
            }
            while (waiting.Failures <= 4 && DateTime.UtcNow < deadline);

            Assert.True(waiting.Failures > 4, $"{waiting.Failures} failed runs: {waiting.LastError}"); // more than max_attempts
            Assert.Equal(0, waiting.Attempts);
            Assert.NotEqual(JobStatus.Fail, waiting.Status);
            Assert.Contains("RegionTwo", waiting.LastError, StringComparison.Ordinal);
        }
        finally
        {
            await gateway.BringBackAsync("RegionTwo");
        }

        await gateway.JobsSettledAsync();
        Assert.Equal(JobStatus.Success, (await Service<JobStore>().FindAsync(waiting.Id, CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task AnAuditOfAPodInStep_QueuesNothing_AndAsksThePodNoFasterThanAuditRate()
    {
        // Every kind of copy, and a server, in RegionTwo; then whatever earlier tests left there is put right.
        var (token, _) = gateway.NewTenant("instep");
        var (network, _) = await _steps.NetworkAsync(token, "10.85.0.0/24");
        await _steps.BootAsync(token, network, "az2");
        await gateway.JobsSettledAsync();
        await AuditAsync("RegionTwo");

        var jobs = await JobCountAsync();
        var traffic = gateway.Region("RegionTwo").Traffic;
        traffic.Reset();
        var audit = await AuditAsync("RegionTwo");
        var calls = traffic.Requests;
        Assert.Equal("SUCCESS", audit.Status);
        Assert.Equal(jobs + 1, await JobCountAsync()); // the audit, and no sync: nothing differed

        var seconds = await RunSecondsAsync(audit.Id);
        var limits = Service<AuditRateLimits>();
        Assert.True(calls >= 6, $"{calls} calls"); // five Neutron lists and Nova's
        Assert.True(calls <= (AuditGatewayFixture.AuditRate * seconds) + limits.Burst + 1, $"{calls} calls in {seconds:0.00} s");
    }

    private T Service<T>()
        where T : notnull => gateway.Sandbox.Services.GetRequiredService<T>();

    private async Task<Pod> PodAsync(string region) =>
        await Service<PodStore>().FindByRegionAsync(region, CancellationToken.None) ?? throw new InvalidOperationException("no pod " + region);

    private Task QueueAuditAsync(Pod pod) =>
        Service<JobQueue>().QueueAsync([JobRequest.For(JobTypes.PodAudit, null, (JobType.PodKey, pod.PodId))], CancellationToken.None);

    /// <summary>Queues an audit of the pod, waits until it and the jobs it queued are done, and returns it.</summary>
    private async Task<(string Id, string Status, string? Error)> AuditAsync(string region)
    {
        var pod = await PodAsync(region);
        await QueueAuditAsync(pod);
        await gateway.JobsSettledAsync();
        return (await gateway.JobsAsync("pod_audit", pod.PodId))[0];
    }

    private Task<ApiResponse> PodNeutronAsync(string region, HttpMethod method, string path, string? json = null) =>
        gateway.SendAsync(new Uri(gateway.Region(region).NetworkUrl, "v2.0/" + path), method, gateway.AdminToken, json);

    private async Task<string> BottomIdAsync(string region, string collection, string topId) =>
        (await _steps.BottomAsync(region, collection, topId)).GetProperty("id").GetString()!;

    private async Task<int> InstancesInUseAsync(string token, string project) =>
        Ok(await gateway.ComputeAsync(HttpMethod.Get, $"os-quota-sets/{project}/detail", token)).GetProperty("quota_set").GetProperty("instances").GetProperty("in_use").GetInt32();

    private async Task<int> VolumesInUseAsync(string token, string project) =>
        Ok(await gateway.VolumeAsync(HttpMethod.Get, $"os-quota-sets/{project}?usage=True", token, project: project)).GetProperty("quota_set").GetProperty("volumes").GetProperty("in_use").GetInt32();

    private static bool Opens(JsonElement rule, int port) =>
        rule.TryGetProperty("port_range_min", out var min) && min.ValueKind == JsonValueKind.Number && min.GetInt32() == port;

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting");
            await Task.Delay(100);
        }
    }

    /// <summary>Sets (a type) or clears (null) a deletion mark, as a delete under way holds one.</summary>
    private async Task MarkAsync(string id, string? resourceType)
    {
        await using var connection = await Service<Data.Database>().OpenAsync(CancellationToken.None);
        await connection.ExecuteAsync(
            resourceType is null
                ? "DELETE FROM deleting_resources WHERE resource_id = @id"
                : "INSERT INTO deleting_resources (resource_id, resource_type, deleted_at) VALUES (@id, @resourceType, @now)",
            new { id, resourceType, now = DateTime.UtcNow });
    }

    private async Task<long> JobCountAsync()
    {
        await using var connection = await Service<Data.Database>().OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM jobs");
    }

    /// <summary>How long the job's (one) run took, as the runs table has it.</summary>
    private async Task<double> RunSecondsAsync(string jobId)
    {
        await using var connection = await Service<Data.Database>().OpenAsync(CancellationToken.None);
        var run = await connection.QuerySingleAsync<(DateTime Started, DateTime Finished)>(
            "SELECT started_at, finished_at FROM job_runs WHERE job_id = @jobId", new { jobId });
        return (run.Finished - run.Started).TotalSeconds;
    }
}

public sealed class SqlitePodAuditTests(SqliteAuditGatewayFixture gateway) : PodAuditTests(gateway), IClassFixture<SqliteAuditGatewayFixture>;

public sealed class PostgresPodAuditTests(PostgresAuditGatewayFixture gateway) : PodAuditTests(gateway), IClassFixture<PostgresAuditGatewayFixture>;
