using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Tricircle.Support;
using Xunit.Abstractions;
using static Tricircle.Support.NetworkSteps;

namespace Tricircle.Jobs;

/// <summary>
/// Two Tricircle instances on one PostgreSQL database, both working jobs, take 200 concurrent
/// router-interface changes on four routers whose networks are in one pod or both: every
/// <c>router_sync</c> run of a router is alone in time, and once they settle each router's copies
/// are what central says (the interfaces of the networks in that pod, the routes over the
/// bridge to the other pod's networks, no copy in a pod none of its networks is in).
/// </summary>
public sealed class TwoInstanceRouterStormTests(TwoInstanceGatewayFixture gateway, ITestOutputHelper output) : IClassFixture<TwoInstanceGatewayFixture>
{
    private static readonly string[] Regions = ["RegionOne", "RegionTwo"];

    private readonly NetworkSteps _steps = new(gateway);

    /// <summary>A subnet one router may have, its network's CIDR and the pods its servers are in.</summary>
    private sealed record Attachable(string Router, string Network, string Subnet, string Cidr, string[] Pods);

    [Fact]
    public async Task TwoHundredConcurrentInterfaceChangesThroughBothInstances_NoRouterSyncRunsTwiceAtOnce_AndEveryCopyEndsAsCentralSays()
    {
        var clock = Stopwatch.StartNew();
        var (token, project) = gateway.NewTenant("rstorm");
        var quota = await gateway.ComputeAsync(HttpMethod.Put, "os-quota-sets/" + project, gateway.AdminToken, Json(new { quota_set = new { instances = 20, cores = 40 } }));
        Assert.True(quota.Status == HttpStatusCode.OK, quota.Text); // 16 servers

        // Four routers, each with three subnets of its own: a network with servers in both pods
        // (stretched: reached over L2), one in RegionOne only and one in RegionTwo only.
        var attachables = new List<Attachable>();
        var routers = new List<string>();
        for (var r = 0; r < 4; r++)
        {
            routers.Add(Ok(await gateway.NetworkAsync(HttpMethod.Post, "routers", token, Json(new { router = new { name = "storm-" + r } }))).GetProperty("router").GetProperty("id").GetString()!);
        }

        string[][] placements = [["az1", "az2"], ["az1"], ["az2"]];
        attachables.AddRange(await Task.WhenAll(routers.SelectMany((router, r) => placements.Select(async (azs, k) =>
        {
            var cidr = $"10.84.{(r * 3) + k}.0/24";
            var (network, subnet) = await _steps.NetworkAsync(token, cidr);
            foreach (var az in azs)
            {
                await _steps.BootAsync(token, network, az);
            }

            return new Attachable(router, network, subnet, cidr, [.. azs.Select(az => az == "az1" ? "RegionOne" : "RegionTwo")]);
        }))));
        await gateway.JobsSettledAsync();
        var since = (await JobTables.RunsAsync(gateway.Database)).Select(r => r.Id).DefaultIfEmpty().Max();
        output.WriteLine($"set up in {clock.Elapsed.TotalSeconds:0.0} s");

        // 200 adds and removes of those subnets, at random (three adds to a remove: adds are refused
        // more often), alternating between the instances, all at once.
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var changes = Enumerable.Range(0, 200).Select(_ => (Subnet: attachables[random.Next(attachables.Count)], Add: random.Next(4) != 0)).ToList();
        var storm = Stopwatch.StartNew();
        var answers = await Task.WhenAll(changes.Select((c, i) => Task.Run(() => gateway.SendAsync(
            new Uri(gateway.Network(i), $"v2.0/routers/{c.Subnet.Router}/{(c.Add ? "add" : "remove")}_router_interface"), HttpMethod.Put, token, Json(new { subnet_id = c.Subnet.Subnet })))));
        var answered = storm.Elapsed;
        await gateway.JobsSettledAsync(TimeSpan.FromSeconds(60));
        var tally = answers.Select((a, i) => $"{(changes[i].Add ? "add" : "remove")} {(int)a.Status} {ErrorType(a)}").GroupBy(s => s, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}: {g.Count()}");
        output.WriteLine($"seed {seed}; 200 changes answered in {answered.TotalSeconds:0.0} s, settled in {storm.Elapsed.TotalSeconds:0.0} s; {string.Join(", ", tally)}");

        // Each refusal is Neutron's for what central held at that moment: a second port on the
        // subnet, or no interface on it; or, for two adds of one subnet at once, the loser's (its
        // gateway IP taken meanwhile, as Neutron answers the same race).
        var wrong = answers.Select((a, i) => (a, c: changes[i])).Where(x => !Acceptable(x.a, x.c.Add)).ToList();
        Assert.True(wrong.Count == 0, string.Join("\n", wrong.Take(5).Select(x => $"{(x.c.Add ? "add" : "remove")} {x.c.Subnet.Subnet} on {x.c.Subnet.Router}: {(int)x.a.Status} {x.a.Text}")));
        Assert.Contains(answers, a => a.Status == HttpStatusCode.OK);
        Assert.Empty(await gateway.FailedJobsAsync());
        await AssertRunsAloneAsync(since);

        // Every router's copies are what central ended with, and no interface's copy is left over.
        var bridge = await BridgeAsync(project);
        foreach (var router in routers)
        {
            await AssertCopiesAsync(token, router, [.. attachables.Where(a => a.Router == router)]);
        }

        await AssertNoStrayPortsAsync(project);

        // Then every interface goes, through both instances at once: no copy is left, nor the bridge.
        var left = new List<Attachable>();
        foreach (var router in routers)
        {
            var held = await CentralInterfacesAsync(token, router);
            left.AddRange(attachables.Where(a => a.Router == router && held.Any(p => p.Network == a.Network)));
        }

        var removals = await Task.WhenAll(left.Select((a, i) => Task.Run(() => gateway.SendAsync(
            new Uri(gateway.Network(i), $"v2.0/routers/{a.Router}/remove_router_interface"), HttpMethod.Put, token, Json(new { subnet_id = a.Subnet })))));
        Assert.All(removals, r => Assert.True(r.Status == HttpStatusCode.OK, $"{(int)r.Status} {r.Text}"));
        await gateway.JobsSettledAsync(TimeSpan.FromSeconds(60));
        Assert.Empty(await gateway.FailedJobsAsync());
        foreach (var router in routers)
        {
            foreach (var region in Regions)
            {
                Assert.True((await _steps.BottomListAsync(region, "routers", router)).Count == 0, $"router {router} without interfaces still has a copy in {region}");
            }
        }

        Assert.Null(await BridgeAsync(project));
        if (bridge is not null)
        {
            foreach (var region in Regions)
            {
                Assert.Empty(await _steps.BottomListAsync(region, "networks", bridge));
            }
        }

        await AssertNoStrayPortsAsync(project);
        await AssertRunsAloneAsync(since);
        output.WriteLine($"{left.Count} interfaces left after the storm, removed; {clock.Elapsed.TotalSeconds:0.0} s in all");
    }

    private static bool Acceptable(ApiResponse answer, bool add) => answer.Status switch
    {
        HttpStatusCode.OK => true,
        HttpStatusCode.BadRequest => add && answer.Text.Contains("Router already has a port on subnet", StringComparison.Ordinal),
        HttpStatusCode.Conflict => add && ErrorType(answer) == "IpAddressAlreadyAllocated",
        HttpStatusCode.NotFound => !add && ErrorType(answer) == "RouterInterfaceNotFoundForSubnet",
        _ => false,
    };

    private static string ErrorType(ApiResponse answer) =>
        answer.Status == HttpStatusCode.OK ? "" : answer.Text.StartsWith('{') && answer.Json.TryGetProperty("NeutronError", out var error) ? error.GetProperty("type").GetString() ?? "" : answer.Text;

    /// <summary>No two runs of one job (type and resource) since <paramref name="since"/> overlapped in time, and each ended well.</summary>
    private async Task AssertRunsAloneAsync(long since)
    {
        var runs = (await JobTables.RunsAsync(gateway.Database)).Where(r => r.Id > since).ToList();
        Assert.Contains(runs, r => r.Type == "router_sync");
        Assert.All(runs, r => Assert.NotNull(r.FinishedAt));
        var overlaps = runs.SelectMany(a => runs.Where(b => b.Id > a.Id && b.Type == a.Type && b.ResourceId == a.ResourceId
            && a.StartedAt < b.FinishedAt && b.StartedAt < a.FinishedAt).Select(b => (a, b))).ToList();
        Assert.True(overlaps.Count == 0, $"{overlaps.Count} overlapping runs of {runs.Count}, e.g. " + string.Join("; ", overlaps.Take(3).Select(o => $"{o.a.Type} {o.a.ResourceId}: {Describe(o.a)} and {Describe(o.b)}")));
        Assert.DoesNotContain(runs, r => r.Outcome is not ("SUCCESS" or "RETRY"));
        var syncs = runs.Where(r => r.Type == "router_sync").ToList();
        output.WriteLine($"{runs.Count} runs since the storm began, {syncs.Count} of router_sync over {syncs.Select(r => r.ResourceId).Distinct(StringComparer.Ordinal).Count()} routers, {runs.Count(r => r.Outcome == "RETRY")} retried");
        foreach (var retried in runs.Where(r => r.Outcome == "RETRY"))
        {
            output.WriteLine($"  retried: {retried.Type} {retried.ResourceId}: {retried.Error}");
        }
    }

    /// <summary>
    /// The router's copies against central: one in each pod where an attached network has
    /// servers and none elsewhere; in each, the interfaces (by address) of the attached networks
    /// there; spread over both pods, the bridge as gateway and a route to each attached network
    /// found only in the other pod (its CIDR, through the other copy's bridge IP), and no other.
    /// </summary>
    private async Task AssertCopiesAsync(string token, string router, IReadOnlyList<Attachable> own)
    {
        var central = await CentralInterfacesAsync(token, router);
        var attached = own.Where(a => central.Any(p => p.Network == a.Network)).ToList();
        Assert.Equal(central.Count, attached.Count); // one interface per attached subnet, no stray one
        var pods = attached.SelectMany(a => a.Pods).ToHashSet(StringComparer.Ordinal);
        var copies = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var region in Regions)
        {
            var found = await _steps.BottomListAsync(region, "routers", router);
            Assert.True(found.Count == (pods.Contains(region) ? 1 : 0), $"router {router} (networks {Describe(attached)}) has {found.Count} copies in {region}");
            if (found.Count == 1)
            {
                copies[region] = found[0];
            }
        }

        var spread = copies.Count > 1;
        foreach (var (region, copy) in copies)
        {
            var there = attached.Where(a => a.Pods.Contains(region)).Select(a => a.Network).ToHashSet(StringComparer.Ordinal);
            var wanted = central.Where(p => there.Contains(p.Network)).SelectMany(p => p.Addresses).Order(StringComparer.Ordinal).ToList();
            Assert.True(wanted.SequenceEqual(await InterfaceIpsAsync(region, copy)), $"router {router} in {region}: interfaces {string.Join(",", await InterfaceIpsAsync(region, copy))}, central says {string.Join(",", wanted)}");

            var gatewayInfo = copy.GetProperty("external_gateway_info");
            List<(string, string)> wantedRoutes = [];
            if (spread)
            {
                Assert.False(gatewayInfo.GetProperty("enable_snat").GetBoolean()); // the bridge, no SNAT
                var other = copies.Single(c => c.Key != region).Value;
                var hop = other.GetProperty("external_gateway_info").GetProperty("external_fixed_ips")[0].GetProperty("ip_address").GetString()!;
                wantedRoutes = [.. attached.Where(a => !a.Pods.Contains(region)).Select(a => (a.Cidr, hop)).Order()];
            }
            else
            {
                Assert.Equal(JsonValueKind.Null, gatewayInfo.ValueKind);
            }

            var routes = Routes(copy);
            Assert.True(wantedRoutes.SequenceEqual(routes), $"router {router} in {region} (networks {Describe(attached)}): routes {string.Join(",", routes)}, wanted {string.Join(",", wantedRoutes)}");
        }
    }

    /// <summary>
    /// Every port of the project in the pods belongs to something: a server, a DHCP agent or a
    /// router copy. A copy of an interface port that never made it onto its router (or stayed
    /// after its central port went) would have no device.
    /// </summary>
    private async Task AssertNoStrayPortsAsync(string project)
    {
        foreach (var region in Regions)
        {
            var ports = Ok(await gateway.SendAsync(new Uri(gateway.Region(region).NetworkUrl, "v2.0/ports?project_id=" + project), HttpMethod.Get, gateway.AdminToken)).GetProperty("ports").EnumerateArray()
                .Where(p => p.GetProperty("device_id").GetString() is null or "").Select(p => $"{p.GetProperty("name").GetString()} ({string.Join(",", p.GetProperty("fixed_ips").EnumerateArray().Select(f => f.GetProperty("ip_address").GetString()))})").ToList();
            Assert.True(ports.Count == 0, $"ports of no device in {region}: {string.Join("; ", ports)}");
        }
    }

    private async Task<List<(string Network, List<string> Addresses)>> CentralInterfacesAsync(string token, string router) =>
        [.. Ok(await gateway.NetworkAsync(HttpMethod.Get, $"ports?device_id={router}&device_owner=network:router_interface", token)).GetProperty("ports").EnumerateArray()
            .Select(p => (p.GetProperty("network_id").GetString()!, p.GetProperty("fixed_ips").EnumerateArray().Select(f => f.GetProperty("ip_address").GetString()!).ToList()))];

    private async Task<List<string>> InterfaceIpsAsync(string region, JsonElement copy)
    {
        var ports = await gateway.SendAsync(new Uri(gateway.Region(region).NetworkUrl, $"v2.0/ports?device_id={copy.GetProperty("id").GetString()}&device_owner=network:router_interface"), HttpMethod.Get, gateway.AdminToken);
        return [.. Ok(ports).GetProperty("ports").EnumerateArray().SelectMany(p => p.GetProperty("fixed_ips").EnumerateArray()).Select(f => f.GetProperty("ip_address").GetString()!).Order(StringComparer.Ordinal)];
    }

    /// <summary>The project's central bridge network (admin's view), or null.</summary>
    private async Task<string?> BridgeAsync(string project)
    {
        var networks = Ok(await gateway.NetworkAsync(HttpMethod.Get, "networks?name=bridge_net_" + project, gateway.AdminToken)).GetProperty("networks");
        return networks.GetArrayLength() == 0 ? null : Assert.Single(networks.EnumerateArray()).GetProperty("id").GetString();
    }

    private static List<(string Destination, string Nexthop)> Routes(JsonElement copy) =>
        [.. copy.GetProperty("routes").EnumerateArray().Select(r => (r.GetProperty("destination").GetString()!, r.GetProperty("nexthop").GetString()!)).Order()];

    private static string Describe(IEnumerable<Attachable> attached) => string.Join(" ", attached.Select(a => $"{a.Cidr}@{string.Join('+', a.Pods)}"));

    private static string Describe(JobTables.Run run) =>
        $"run {run.Id} of job {run.JobId} by {run.Worker} [{run.StartedAt:HH:mm:ss.ffffff}, {run.FinishedAt:HH:mm:ss.ffffff}] {run.Outcome}";
}
