using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Dapper;
using Tricircle.Network;
using Tricircle.Routing;
using Tricircle.Support;
using Xunit.Abstractions;
using static Tricircle.Support.NetworkSteps;

namespace Tricircle.Jobs;

/// <summary>
/// A job worker that dies with <c>kill -9</c> in the middle of a job: another instance finishes
/// the job once the lease runs out, and the pod holds one copy of what the job made, not two.
/// The gateway here does not work jobs itself; <c>tricircle serve --roles jobs</c> children do.
/// </summary>
public sealed class KilledWorkerTests(WorkerlessGatewayFixture gateway, ITestOutputHelper output) : IClassFixture<WorkerlessGatewayFixture>
{
    private static readonly TimeSpan PodLatency = TimeSpan.FromSeconds(3);

    private readonly NetworkSteps _steps = new(gateway);

    [Fact]
    public async Task AWorkerKilledMidJob_AnotherInstanceFinishesItAfterTheLease_AndThePodGetsOneDhcpPort()
    {
        var (token, _) = gateway.NewTenant("killed");
        var network = Ok(await gateway.NetworkAsync(HttpMethod.Post, "networks", token, Json(new { network = new { name = "killed" } }))).GetProperty("network").GetProperty("id").GetString()!;
        var subnet = Ok(await gateway.NetworkAsync(HttpMethod.Post, "subnets", token, Json(new { subnet = new { network_id = network, ip_version = 4, cidr = "10.90.0.0/24", enable_dhcp = false } })))
            .GetProperty("subnet").GetProperty("id").GetString()!;
        await _steps.BootAsync(token, network, "az1"); // the network and subnet get their copies in RegionOne
        var bottomNetwork = (await _steps.BottomAsync("RegionOne", "networks", network)).GetProperty("id").GetString()!;
        Assert.Empty(await DhcpPortsInPodAsync("RegionOne", bottomNetwork));

        // DHCP goes on while RegionOne is down: the request's own run fails, the job is left to the workers.
        var regionOne = gateway.Region("RegionOne");
        await regionOne.Faults.SetDownAsync(true);
        try
        {
            Ok(await gateway.NetworkAsync(HttpMethod.Put, "subnets/" + subnet, token, Json(new { subnet = new { enable_dhcp = true } })));
        }
        finally
        {
            regionOne.Faults.Latency = PodLatency; // back, but slow: a run there stays in flight for seconds
            await regionOne.Faults.SetDownAsync(false);
        }

        try
        {
            var job = Assert.Single(await gateway.JobsAsync("subnet_sync", subnet));
            Assert.Equal("NEW", job.Status);
            var dhcpPort = CentralPorts.DhcpPortId(subnet);

            await using var first = await ServeProcess.StartAsync(gateway.ConfigFile, "jobs");
            await MakingTheDhcpPortAsync(first, job.Id, dhcpPort);
            await first.KillAsync();
            var killed = Stopwatch.StartNew();
            Assert.StartsWith(first.Worker + " ", await LeaseOwnerAsync(job.Id)); // still RUNNING, leased to the dead worker
            regionOne.Faults.Latency = TimeSpan.Zero;

            await using var second = await ServeProcess.StartAsync(gateway.ConfigFile, "jobs");
            await Poll.UntilAsync(async () => await StatusAsync(job.Id) is "SUCCESS" or "FAIL", TimeSpan.FromSeconds(90), () => $"job {job.Id} did not end; second worker:\n{second.Output}");
            var takeover = killed.Elapsed;
            output.WriteLine($"the job ended {takeover.TotalSeconds:0.0} s after its worker was killed");

            Assert.Equal("SUCCESS", await StatusAsync(job.Id));
            var runs = await JobTables.RunsAsync(gateway.Database, job.Id);
            var story = string.Join("; ", runs.Select(r => $"{r.Worker} {r.Outcome} {r.Error}"));
            Assert.True(
                runs.Select(r => (r.Worker, r.Outcome)).SequenceEqual([(JobRunner.Worker, "RETRY"), (first.Worker, "LOST"), (second.Worker, "SUCCESS")]),
                "runs: the request's (pod down), the killed worker's, the second worker's; were: " + story);

            // Taken over once the lease ran out, and the copy lock the dead worker left seen dead by
            // its missed heartbeats: not held up until that lock grew as old as a copy may take.
            var bound = TimeSpan.FromSeconds(WorkerlessGatewayFixture.LeaseSeconds) + PodCopies.DeadAfter + TimeSpan.FromSeconds(5);
            Assert.True(takeover < bound, $"the job ended {takeover.TotalSeconds:0.0} s after the kill (at most {bound.TotalSeconds:0} s expected); runs: {story}");

            // RegionOne's own Neutron: one DHCP port on the network's copy, the central one's address.
            var central = Assert.Single(Ok(await gateway.NetworkAsync(HttpMethod.Get, "ports?network_id=" + network, token)).GetProperty("ports").EnumerateArray(), p => p.GetProperty("device_owner").GetString() == "network:dhcp");
            Assert.Equal(dhcpPort, central.GetProperty("id").GetString());
            var inPod = Assert.Single(await DhcpPortsInPodAsync("RegionOne", bottomNetwork));
            Assert.Equal(dhcpPort, inPod.GetProperty("name").GetString());
            Assert.Equal(central.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString(), inPod.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString());
            Assert.True((await _steps.BottomAsync("RegionOne", "subnets", subnet)).GetProperty("enable_dhcp").GetBoolean());
        }
        finally
        {
            regionOne.Faults.Latency = TimeSpan.Zero;
        }
    }

    [Fact]
    public async Task InstancesWithOnlyTheJobsRole_ListenNowhere_SoTwoRunOnOneMachine()
    {
        await using var one = await ServeProcess.StartAsync(gateway.ConfigFile, "jobs");
        await using var two = await ServeProcess.StartAsync(gateway.ConfigFile, "jobs");

        Assert.False(one.HasExited, one.Output);
        Assert.False(two.HasExited, two.Output);
        Assert.DoesNotContain("Now listening", one.Output + two.Output, StringComparison.Ordinal);
        // The worker says so from its own loop, which may come just after "Application started".
        var started = Task.WhenAll(one.WaitFor($"Job worker {one.Worker} started"), two.WaitFor($"Job worker {two.Worker} started"));
        Assert.True(await Task.WhenAny(started, Task.Delay(TimeSpan.FromSeconds(30))) == started, one.Output + two.Output);
    }

    /// <summary>
    /// Waits until <paramref name="worker"/> is in the middle of the job: it holds the job's lease
    /// and is making the DHCP port's copy in the pod (the copy's lock row is there, no bottom id yet).
    /// </summary>
    private Task MakingTheDhcpPortAsync(ServeProcess worker, string jobId, string dhcpPort) =>
        Poll.UntilAsync(
            async () => await LeaseOwnerAsync(jobId) is { } owner && owner.StartsWith(worker.Worker + " ", StringComparison.Ordinal) && await CopyBeingMadeAsync(dhcpPort, "RegionOne"),
            TimeSpan.FromSeconds(60),
            () => $"the worker did not start making the DHCP port; its output:\n{worker.Output}");

    private async Task<List<JsonElement>> DhcpPortsInPodAsync(string region, string bottomNetwork)
    {
        var answer = await gateway.SendAsync(new Uri(gateway.Region(region).NetworkUrl, "v2.0/ports?network_id=" + bottomNetwork), HttpMethod.Get, gateway.AdminToken);
        return [.. Ok(answer).GetProperty("ports").EnumerateArray().Where(p => p.GetProperty("device_owner").GetString() == "network:dhcp")];
    }

    private async Task<string?> StatusAsync(string jobId) => await ScalarAsync<string>("SELECT status FROM jobs WHERE id = @jobId", new { jobId });

    private async Task<string?> LeaseOwnerAsync(string jobId) => await ScalarAsync<string>("SELECT lease_owner FROM jobs WHERE id = @jobId AND status = 'RUNNING'", new { jobId });

    private async Task<bool> CopyBeingMadeAsync(string topId, string region) =>
        await ScalarAsync<long>(
            "SELECT COUNT(*) FROM resource_routings r JOIN pods p ON p.pod_id = r.pod_id WHERE r.top_id = @topId AND p.region_name = @region AND r.bottom_id IS NULL",
            new { topId, region }) > 0;

    private async Task<T?> ScalarAsync<T>(string sql, object parameters)
    {
        await using var database = gateway.Database.Open();
        await using var connection = await database.OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<T>(sql, parameters);
    }
}

/// <summary>
/// Two Tricircle instances on one PostgreSQL database, both working jobs: changes sent to both at
/// once never make one job run twice at the same time, and the pods end as central says; first
/// boots on a new network through both make one DHCP port per subnet.
/// </summary>
public sealed class TwoInstanceJobsTests(TwoInstanceGatewayFixture gateway, ITestOutputHelper output) : IClassFixture<TwoInstanceGatewayFixture>
{
    private readonly NetworkSteps _steps = new(gateway);

    [Fact]
    public async Task TwoHundredConcurrentChangesThroughBothInstances_NoJobRunsTwiceAtOnce_AndEveryCopyEndsAsCentralSays()
    {
        var (token, _) = gateway.NewTenant("storm");
        var (network, subnet) = await _steps.NetworkAsync(token, "10.81.0.0/24");
        var group = Ok(await gateway.NetworkAsync(HttpMethod.Post, "security-groups", token, Json(new { security_group = new { name = "storm" } }))).GetProperty("security_group").GetProperty("id").GetString()!;
        var doomed = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            doomed.Add(Ok(await gateway.NetworkAsync(HttpMethod.Post, "security-group-rules", token, Json(Rule(group, 3000 + i)))).GetProperty("security_group_rule").GetProperty("id").GetString()!);
        }

        var ports = new Dictionary<string, string>();
        foreach (var (az, region) in new[] { ("az1", "RegionOne"), ("az2", "RegionTwo") })
        {
            var booted = await gateway.ComputeAsync(HttpMethod.Post, "servers", token,
                Json(new { server = new { name = "storm-" + az, flavorRef = "1", imageRef = await gateway.CirrosAsync(region), security_groups = new[] { new { name = "storm" } }, networks = new[] { new { uuid = network } }, availability_zone = az } }), "2.37");
            Assert.True(booted.Status == HttpStatusCode.Accepted, booted.Text);
            ports[region] = (await _steps.ServerPortAsync(token, booted.Json.GetProperty("server").GetProperty("id").GetString()!)).GetProperty("id").GetString()!;
        }

        await gateway.JobsSettledAsync();
        var since = (await JobTables.RunsAsync(gateway.Database)).Select(r => r.Id).DefaultIfEmpty().Max();

        // 200 changes to these few resources, shuffled, half through each instance, all at once.
        var changes = new List<(HttpMethod Method, string Path, string? Body)>();
        for (var i = 0; i < 40; i++)
        {
            changes.Add((HttpMethod.Put, "networks/" + network, Json(new { network = new { description = $"network change {i}" } })));
            changes.Add((HttpMethod.Put, "subnets/" + subnet, Json(new { subnet = new { dns_nameservers = new[] { $"192.0.2.{i + 1}", $"198.51.100.{i + 1}" } } })));
        }

        for (var i = 0; i < 20; i++)
        {
            changes.Add((HttpMethod.Put, "ports/" + ports["RegionOne"], Json(new { port = new { description = $"port one change {i}" } })));
            changes.Add((HttpMethod.Put, "ports/" + ports["RegionTwo"], Json(new { port = new { description = $"port two change {i}" } })));
            changes.Add((HttpMethod.Delete, "security-group-rules/" + doomed[i], null));
        }

        for (var i = 0; i < 30; i++)
        {
            changes.Add((HttpMethod.Post, "security-group-rules", Json(Rule(group, 4000 + i))));
            changes.Add((HttpMethod.Put, "security-groups/" + group, Json(new { security_group = new { description = $"group change {i}" } })));
        }

        Assert.Equal(200, changes.Count);
        var shuffled = changes.OrderBy(_ => Random.Shared.Next()).ToList();
        var answers = await Task.WhenAll(shuffled.Select((c, i) => Task.Run(() =>
            gateway.SendAsync(new Uri(gateway.Network(i), "v2.0/" + c.Path), c.Method, token, c.Body))));
        var refused = answers.Select((a, i) => (a, c: shuffled[i])).Where(x => x.a.Status is not (HttpStatusCode.OK or HttpStatusCode.Created or HttpStatusCode.NoContent)).ToList();
        Assert.True(refused.Count == 0, string.Join("\n", refused.Take(5).Select(x => $"{x.c.Method} {x.c.Path}: {(int)x.a.Status} {x.a.Text}")));

        await gateway.JobsSettledAsync(TimeSpan.FromSeconds(120));

        // No two runs of one job type on one resource overlapped in time.
        var runs = (await JobTables.RunsAsync(gateway.Database)).Where(r => r.Id > since).ToList();
        Assert.True(runs.Count >= 8, $"only {runs.Count} runs: the changes reached no copies");
        Assert.Contains(runs.GroupBy(r => (r.Type, r.ResourceId)), g => g.Count() > 1);
        Assert.All(runs, r => Assert.NotNull(r.FinishedAt));
        var overlaps = runs.SelectMany(a => runs.Where(b => b.Id > a.Id && b.Type == a.Type && b.ResourceId == a.ResourceId
            && a.StartedAt < b.FinishedAt && b.StartedAt < a.FinishedAt).Select(b => (a, b))).ToList();
        Assert.True(overlaps.Count == 0, $"{overlaps.Count} overlapping runs of {runs.Count}, e.g. " + string.Join("; ", overlaps.Take(3).Select(o => $"{o.a.Type} {o.a.ResourceId}: {Describe(o.a)} and {Describe(o.b)}")));
        Assert.DoesNotContain(runs, r => r.Outcome is not ("SUCCESS" or "RETRY"));
        output.WriteLine($"{runs.Count} runs of {runs.Select(r => (r.Type, r.ResourceId)).Distinct().Count()} jobs' resources for 200 changes; at most {runs.GroupBy(r => (r.Type, r.ResourceId)).Max(g => g.Count())} runs on one");

        // Every copy is what central ended with.
        var centralNetwork = Ok(await gateway.NetworkAsync(HttpMethod.Get, "networks/" + network, token)).GetProperty("network");
        var centralSubnet = Ok(await gateway.NetworkAsync(HttpMethod.Get, "subnets/" + subnet, token)).GetProperty("subnet");
        var centralGroup = Ok(await gateway.NetworkAsync(HttpMethod.Get, "security-groups/" + group, token)).GetProperty("security_group");
        var centralRules = Rules(Ok(await gateway.NetworkAsync(HttpMethod.Get, "security-group-rules?security_group_id=" + group, token)).GetProperty("security_group_rules").EnumerateArray());
        Assert.Equal(2 + 30, centralRules.Count); // the two egress rules and the 30 added; the 20 deleted are gone
        foreach (var region in new[] { "RegionOne", "RegionTwo" })
        {
            Assert.Equal(centralNetwork.GetProperty("description").GetString(), (await _steps.BottomAsync(region, "networks", network)).GetProperty("description").GetString());
            Assert.Equal(Strings(centralSubnet.GetProperty("dns_nameservers")), Strings((await _steps.BottomAsync(region, "subnets", subnet)).GetProperty("dns_nameservers")));
            var port = Ok(await gateway.NetworkAsync(HttpMethod.Get, "ports/" + ports[region], token)).GetProperty("port");
            Assert.Equal(port.GetProperty("description").GetString(), (await _steps.BottomAsync(region, "ports", ports[region])).GetProperty("description").GetString());
            Assert.Equal(centralGroup.GetProperty("description").GetString(), (await _steps.BottomAsync(region, "security-groups", group)).GetProperty("description").GetString());
            Assert.Equal(centralRules, Rules(await _steps.BottomRulesAsync(region, group)));
        }
    }

    [Fact]
    public async Task FirstBootsOnANewNetworkThroughBothInstancesAtOnce_LeaveOneDhcpPortPerSubnet_CentrallyAndInEachPod_EveryRound()
    {
        var images = new Dictionary<string, string> { ["az1"] = await gateway.CirrosAsync("RegionOne"), ["az2"] = await gateway.CirrosAsync("RegionTwo") };
        for (var round = 0; round < 5; round++)
        {
            var timer = Stopwatch.StartNew();
            var (token, _) = gateway.NewTenant("dhcp");
            var (network, subnet) = await _steps.NetworkAsync(token, $"10.82.{round}.0/24");

            // Ten first boots at once: half in each AZ, through both instances' Nova gateways.
            var boots = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(async () =>
            {
                var az = i % 2 == 0 ? "az1" : "az2";
                var body = Json(new { server = new { name = $"first-{round}-{i}", flavorRef = "1", imageRef = images[az], networks = new[] { new { uuid = network } }, availability_zone = az } });
                return await gateway.SendAsync(new Uri(gateway.Compute(i / 2) + "/servers"), HttpMethod.Post, token, body, "2.37");
            })));
            Assert.All(boots, b => Assert.True(b.Status == HttpStatusCode.Accepted, $"round {round}: {(int)b.Status} {b.Text}"));
            await gateway.JobsSettledAsync();

            var centralDhcp = Ok(await gateway.NetworkAsync(HttpMethod.Get, "ports?network_id=" + network, token)).GetProperty("ports").EnumerateArray()
                .Where(p => p.GetProperty("device_owner").GetString() == "network:dhcp").ToList();
            Assert.True(centralDhcp.Count == 1, $"round {round}: {centralDhcp.Count} central DHCP ports on the subnet");
            Assert.Equal(subnet, centralDhcp[0].GetProperty("fixed_ips")[0].GetProperty("subnet_id").GetString());
            foreach (var region in new[] { "RegionOne", "RegionTwo" })
            {
                var copies = await _steps.BottomListAsync(region, "networks", network);
                Assert.True(copies.Count == 1, $"round {round}: {copies.Count} copies of the network in {region}");
                Assert.True((await _steps.BottomListAsync(region, "subnets", subnet)).Count == 1, $"round {round}: not one copy of the subnet in {region}");
                var podPorts = await gateway.SendAsync(new Uri(gateway.Region(region).NetworkUrl, "v2.0/ports?network_id=" + copies[0].GetProperty("id").GetString()), HttpMethod.Get, gateway.AdminToken);
                var podDhcp = Ok(podPorts).GetProperty("ports").EnumerateArray().Where(p => p.GetProperty("device_owner").GetString() == "network:dhcp").ToList();
                Assert.True(podDhcp.Count == 1, $"round {round}: {podDhcp.Count} DHCP ports on the network's copy in {region}");
                Assert.Equal(centralDhcp[0].GetProperty("id").GetString(), podDhcp[0].GetProperty("name").GetString());
            }

            foreach (var boot in boots)
            {
                var deleted = await gateway.ComputeAsync(HttpMethod.Delete, "servers/" + boot.Json.GetProperty("server").GetProperty("id").GetString(), token);
                Assert.True(deleted.Status == HttpStatusCode.NoContent, deleted.Text);
            }

            await gateway.JobsSettledAsync();
            output.WriteLine($"round {round}: {timer.Elapsed.TotalSeconds:0.0} s");
        }
    }

    private static string Describe(JobTables.Run run) =>
        $"run {run.Id} of job {run.JobId} [{run.StartedAt:HH:mm:ss.ffffff}, {run.FinishedAt:HH:mm:ss.ffffff}] {run.Outcome}";

    private static object Rule(string group, int port) =>
        new { security_group_rule = new { security_group_id = group, direction = "ingress", ethertype = "IPv4", protocol = "tcp", port_range_min = port, port_range_max = port, remote_ip_prefix = "203.0.113.0/24" } };

    /// <summary>What a rule does, whoever holds it: direction, ethertype, protocol, ports, prefix.</summary>
    private static SortedSet<string> Rules(IEnumerable<JsonElement> rules) =>
        new(rules.Select(r => string.Join('|', Field(r, "direction"), Field(r, "ethertype"), Field(r, "protocol")?.ToLowerInvariant(), Field(r, "port_range_min"), Field(r, "port_range_max"), Field(r, "remote_ip_prefix"))), StringComparer.Ordinal);

    private static string? Field(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value.ToString() : null;

    private static List<string?> Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString())];
}
