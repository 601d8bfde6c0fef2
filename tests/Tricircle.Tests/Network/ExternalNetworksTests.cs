using System.Net;
using System.Text.Json;
using Dapper;
using Tricircle.Support;
using static Tricircle.Support.NetworkSteps;

namespace Tricircle.Network;

/// <summary>
/// External networks live in exactly one pod and are made there at once, with their subnets:
/// each test checks the central answer and the emulated pods' own Neutrons. The pod's refusal is
/// the answer and leaves nothing centrally; a pod that is down gets the copy from a job once back.
/// </summary>
public abstract class ExternalNetworksTests(JobsGatewayFixture gateway)
{
    private readonly NetworkSteps _steps = new(gateway);

    [Fact]
    public async Task AFlatNetworkHintedToARegion_IsMadeThereAtOnce_AndNowhereElse()
    {
        var network = await CreateAsync(new() { ["provider:network_type"] = "flat", ["provider:physical_network"] = "extern", ["availability_zone_hints"] = new[] { "RegionTwo" } });
        var id = Id(network);
        Assert.True(network.GetProperty("router:external").GetBoolean());
        Assert.Equal(["RegionTwo"], Strings(network, "availability_zone_hints"));
        Assert.Equal(["az2"], Strings(network, "availability_zones"));
        Assert.Equal("flat", network.GetProperty("provider:network_type").GetString());
        Assert.Equal("extern", network.GetProperty("provider:physical_network").GetString());

        var copy = await _steps.BottomAsync("RegionTwo", "networks", id);
        Assert.True(copy.GetProperty("router:external").GetBoolean());
        Assert.Equal("flat", copy.GetProperty("provider:network_type").GetString());
        Assert.Equal("extern", copy.GetProperty("provider:physical_network").GetString());
        Assert.Empty(await _steps.BottomListAsync("RegionOne", "networks", id));
        Assert.Equal(["RegionTwo"], await CopiesAsync(id));

        // A physnet is each region's own: RegionOne takes its own external network on extern; a
        // second one on extern in RegionTwo is refused before any pod is asked.
        var other = Id(await CreateAsync(new() { ["provider:network_type"] = "flat", ["provider:physical_network"] = "extern", ["availability_zone_hints"] = new[] { "RegionOne" } }));
        Assert.Equal("flat", (await _steps.BottomAsync("RegionOne", "networks", other)).GetProperty("provider:network_type").GetString());
        var name = "ext-twice-" + Guid.NewGuid().ToString("N")[..6];
        var twice = (await PostAsync(new() { ["name"] = name, ["provider:network_type"] = "flat", ["provider:physical_network"] = "extern", ["availability_zone_hints"] = new[] { "RegionTwo" } }))
            .AssertNeutronError(HttpStatusCode.Conflict, "FlatNetworkInUse");
        Assert.Contains(id, twice, StringComparison.Ordinal);
        await AssertNoneCentrallyAsync(name);

        foreach (var (network1, region) in new[] { (id, "RegionTwo"), (other, "RegionOne") })
        {
            Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "networks/" + network1, gateway.AdminToken)).Status);
            Assert.Empty(await _steps.BottomListAsync(region, "networks", network1));
            Assert.Empty(await CopiesAsync(network1));
        }
    }

    [Fact]
    public async Task AVlanNetworkHintedToAnAzOfOnePod_AndOneWithoutHints_LiveInTheirPods_WithTheirSegments()
    {
        var vlan = await CreateAsync(new() { ["provider:network_type"] = "vlan", ["provider:physical_network"] = "extern", ["provider:segmentation_id"] = 3500, ["availability_zone_hints"] = new[] { "az2" } });
        Assert.Equal(["az2"], Strings(vlan, "availability_zone_hints")); // as given
        var copy = await _steps.BottomAsync("RegionTwo", "networks", Id(vlan));
        Assert.Equal("vlan", copy.GetProperty("provider:network_type").GetString());
        Assert.Equal("extern", copy.GetProperty("provider:physical_network").GetString());
        Assert.Equal(3500, copy.GetProperty("provider:segmentation_id").GetInt32());
        Assert.True(copy.GetProperty("router:external").GetBoolean());
        Assert.Empty(await _steps.BottomListAsync("RegionOne", "networks", Id(vlan)));

        // No hints: [network] default_region_for_external_network (the sandbox's RegionOne), kept
        // as its hint; no provider attributes: the first tenant type that is not local (vxlan).
        var plain = await CreateAsync(new());
        Assert.Equal(["RegionOne"], Strings(plain, "availability_zone_hints"));
        Assert.Equal(["az1"], Strings(plain, "availability_zones"));
        Assert.Equal("vxlan", plain.GetProperty("provider:network_type").GetString());
        var plainCopy = await _steps.BottomAsync("RegionOne", "networks", Id(plain));
        Assert.Equal("vxlan", plainCopy.GetProperty("provider:network_type").GetString());
        Assert.Equal(plain.GetProperty("provider:segmentation_id").GetInt32(), plainCopy.GetProperty("provider:segmentation_id").GetInt32());
        Assert.True(plainCopy.GetProperty("router:external").GetBoolean());
        Assert.Empty(await _steps.BottomListAsync("RegionTwo", "networks", Id(plain)));

        // An admin who names local gets it, as Neutron allows: in its pod as the pod's own tenant network.
        var local = await CreateAsync(new() { ["provider:network_type"] = "local", ["availability_zone_hints"] = new[] { "RegionTwo" } });
        Assert.Equal("local", local.GetProperty("provider:network_type").GetString());
        Assert.True((await _steps.BottomAsync("RegionTwo", "networks", Id(local))).GetProperty("router:external").GetBoolean());
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "networks/" + Id(local), gateway.AdminToken)).Status);

        // A member sees an external network (without its provider attributes), as Neutron shows it.
        var seen = Ok(await gateway.NetworkAsync(HttpMethod.Get, "networks/" + Id(plain), gateway.DemoToken)).GetProperty("network");
        Assert.True(seen.GetProperty("router:external").GetBoolean());
        Assert.False(seen.TryGetProperty("provider:network_type", out _));

        foreach (var network in new[] { vlan, plain })
        {
            Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "networks/" + Id(network), gateway.AdminToken)).Status);
        }

        Assert.Empty(await _steps.BottomListAsync("RegionTwo", "networks", Id(vlan)));
        Assert.Empty(await _steps.BottomListAsync("RegionOne", "networks", Id(plain)));
    }

    [Fact]
    public async Task HintsThatNameNoOnePod_Are400_AndLeaveNothing()
    {
        var name = "ext-bad-" + Guid.NewGuid().ToString("N")[..6];
        var several = (await PostAsync(new() { ["name"] = name, ["availability_zone_hints"] = new[] { "RegionOne", "RegionTwo" } })).AssertNeutronError(HttpStatusCode.BadRequest, "InvalidInput");
        Assert.Contains("exactly one region", several, StringComparison.Ordinal);
        var unknown = (await PostAsync(new() { ["name"] = name, ["availability_zone_hints"] = new[] { "Atlantis" } })).AssertNeutronError(HttpStatusCode.BadRequest, "InvalidInput");
        Assert.Contains("'Atlantis'", unknown, StringComparison.Ordinal);

        // An AZ with two pods names no one pod (a pod registered for this test, without endpoints).
        var pod = await gateway.SendAsync(new Uri(gateway.AdminUrl, "v1.0/pods"), HttpMethod.Post, gateway.AdminToken, Json(new { pod = new { region_name = "RegionExtra", az_name = "az1" } }));
        Assert.True(pod.Status == HttpStatusCode.OK, pod.Text);
        try
        {
            var zone = (await PostAsync(new() { ["name"] = name, ["availability_zone_hints"] = new[] { "az1" } })).AssertNeutronError(HttpStatusCode.BadRequest, "InvalidInput");
            Assert.Contains("availability zone az1 has 2 pods (RegionExtra, RegionOne)", zone, StringComparison.Ordinal);
        }
        finally
        {
            var deleted = await gateway.SendAsync(new Uri(gateway.AdminUrl, "v1.0/pods/" + pod.Json.GetProperty("pod").GetProperty("pod_id").GetString()), HttpMethod.Delete, gateway.AdminToken);
            Assert.True(deleted.Status is HttpStatusCode.OK or HttpStatusCode.NoContent, deleted.Text);
        }

        // router:external is an admin's, as Neutron's policy says.
        Assert.Equal(HttpStatusCode.Forbidden, (await gateway.NetworkAsync(HttpMethod.Post, "networks", gateway.DemoToken, Json(new { network = new Dictionary<string, object> { ["name"] = name, ["router:external"] = true } }))).Status);
        await AssertNoneCentrallyAsync(name);
    }

    [Fact]
    public async Task ThePodsRefusal_IsTheAnswer_AndLeavesNothingCentrally()
    {
        // RegionOne's own Neutron has a flat network on bridge: it refuses a second one there.
        var pods = new Uri(gateway.Region("RegionOne").NetworkUrl, "v2.0/networks");
        var own = await gateway.SendAsync(pods, HttpMethod.Post, gateway.AdminToken,
            Json(new { network = new Dictionary<string, object> { ["name"] = "the-pods-own", ["provider:network_type"] = "flat", ["provider:physical_network"] = "bridge" } }));
        Assert.True(own.Status == HttpStatusCode.Created, own.Text);
        try
        {
            var name = "ext-refused-" + Guid.NewGuid().ToString("N")[..6];
            var refused = (await PostAsync(new() { ["name"] = name, ["provider:network_type"] = "flat", ["provider:physical_network"] = "bridge", ["availability_zone_hints"] = new[] { "RegionOne" } }))
                .AssertNeutronError(HttpStatusCode.Conflict, "FlatNetworkInUse");
            Assert.Contains("RegionOne", refused, StringComparison.Ordinal);
            Assert.Contains("Physical network bridge is in use", refused, StringComparison.Ordinal);
            await AssertNoneCentrallyAsync(name);
            var inPod = await gateway.SendAsync(new Uri(pods, "?provider:physical_network=bridge"), HttpMethod.Get, gateway.AdminToken);
            Assert.Equal(["the-pods-own"], inPod.Json.GetProperty("networks").EnumerateArray().Select(n => n.GetProperty("name").GetString()));
        }
        finally
        {
            Assert.Equal(HttpStatusCode.NoContent, (await gateway.SendAsync(new Uri(pods, "networks/" + own.Json.GetProperty("network").GetProperty("id").GetString()), HttpMethod.Delete, gateway.AdminToken)).Status);
        }

        // A subnet the pod refuses (its own subnet on the copy overlaps) goes centrally too; the network stays.
        var network = Id(await CreateAsync(new() { ["provider:network_type"] = "vlan", ["provider:physical_network"] = "extern", ["provider:segmentation_id"] = 3501, ["availability_zone_hints"] = new[] { "RegionOne" } }));
        var bottom = (await _steps.BottomAsync("RegionOne", "networks", network)).GetProperty("id").GetString();
        var podsSubnet = await gateway.SendAsync(new Uri(gateway.Region("RegionOne").NetworkUrl, "v2.0/subnets"), HttpMethod.Post, gateway.AdminToken,
            Json(new { subnet = new { network_id = bottom, ip_version = 4, cidr = "198.51.100.0/24", name = "the-pods-own" } }));
        Assert.True(podsSubnet.Status == HttpStatusCode.Created, podsSubnet.Text);
        var overlap = (await SubnetAsync(network, "198.51.100.0/25", dhcp: false)).AssertNeutronError(HttpStatusCode.BadRequest, "InvalidInput");
        Assert.Contains("RegionOne", overlap, StringComparison.Ordinal);
        Assert.Contains("overlaps", overlap, StringComparison.Ordinal);
        Assert.Empty(Ok(await gateway.NetworkAsync(HttpMethod.Get, "subnets?network_id=" + network, gateway.AdminToken)).GetProperty("subnets").EnumerateArray());
        Assert.Empty(Strings(Ok(await gateway.NetworkAsync(HttpMethod.Get, "networks/" + network, gateway.AdminToken)).GetProperty("network"), "subnets"));
        Assert.Empty(await gateway.FailedJobsAsync());
        await gateway.JobsSettledAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.SendAsync(new Uri(gateway.Region("RegionOne").NetworkUrl, "v2.0/subnets/" + podsSubnet.Json.GetProperty("subnet").GetProperty("id").GetString()), HttpMethod.Delete, gateway.AdminToken)).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "networks/" + network, gateway.AdminToken)).Status);
        Assert.Empty(await _steps.BottomListAsync("RegionOne", "networks", network));
    }

    [Fact]
    public async Task Subnets_AreMadeThereAtOnce_AndUpdatesAndDeletesReachThePod()
    {
        var network = Id(await CreateAsync(new() { ["provider:network_type"] = "vlan", ["provider:physical_network"] = "extern", ["provider:segmentation_id"] = 3502, ["availability_zone_hints"] = new[] { "RegionOne" } }));
        var bottomNetwork = (await _steps.BottomAsync("RegionOne", "networks", network)).GetProperty("id").GetString();

        var plain = Ok(await SubnetAsync(network, "203.0.113.0/24", dhcp: false)).GetProperty("subnet");
        var copy = await _steps.BottomAsync("RegionOne", "subnets", Id(plain));
        Assert.Equal(bottomNetwork, copy.GetProperty("network_id").GetString());
        Assert.Equal("203.0.113.0/24", copy.GetProperty("cidr").GetString());
        Assert.Equal("203.0.113.1", copy.GetProperty("gateway_ip").GetString());
        Assert.False(copy.GetProperty("enable_dhcp").GetBoolean());

        // With DHCP, the pod gets the central DHCP port with its address.
        var withDhcp = Ok(await SubnetAsync(network, "198.18.0.0/24", dhcp: true)).GetProperty("subnet");
        Assert.True((await _steps.BottomAsync("RegionOne", "subnets", Id(withDhcp))).GetProperty("enable_dhcp").GetBoolean());
        var dhcp = Assert.Single(Ok(await gateway.NetworkAsync(HttpMethod.Get, $"ports?network_id={network}&device_owner=network:dhcp", gateway.AdminToken)).GetProperty("ports").EnumerateArray());
        var dhcpCopy = await _steps.BottomAsync("RegionOne", "ports", Id(dhcp));
        Assert.Equal(dhcp.GetProperty("mac_address").GetString(), dhcpCopy.GetProperty("mac_address").GetString());
        Assert.Equal(dhcp.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString(), dhcpCopy.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString());
        Assert.Empty(await _steps.BottomListAsync("RegionTwo", "networks", network));
        Assert.Empty(await _steps.BottomListAsync("RegionTwo", "subnets", Id(plain)));

        Ok(await gateway.NetworkAsync(HttpMethod.Put, "networks/" + network, gateway.AdminToken, Json(new { network = new { description = "the way out" } })));
        Ok(await gateway.NetworkAsync(HttpMethod.Put, "subnets/" + Id(plain), gateway.AdminToken, Json(new { subnet = new { dns_nameservers = new[] { "192.0.2.53" }, description = "uplink" } })));
        Assert.Equal("the way out", (await _steps.BottomAsync("RegionOne", "networks", network)).GetProperty("description").GetString());
        var changed = await _steps.BottomAsync("RegionOne", "subnets", Id(plain));
        Assert.Equal("192.0.2.53", Assert.Single(changed.GetProperty("dns_nameservers").EnumerateArray()).GetString());
        Assert.Equal("uplink", changed.GetProperty("description").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "subnets/" + Id(withDhcp), gateway.AdminToken)).Status);
        Assert.Empty(await _steps.BottomListAsync("RegionOne", "subnets", Id(withDhcp)));
        Assert.Empty(await _steps.BottomListAsync("RegionOne", "ports", Id(dhcp)));
        Assert.Single(await _steps.BottomListAsync("RegionOne", "subnets", Id(plain)));

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "networks/" + network, gateway.AdminToken)).Status);
        Assert.Empty(await _steps.BottomListAsync("RegionOne", "networks", network));
        Assert.Empty(await _steps.BottomListAsync("RegionOne", "subnets", Id(plain)));
        Assert.Empty(await CopiesAsync(network));
        Assert.Empty(await CopiesAsync(Id(plain)));
    }

    [Fact]
    public async Task AnExternalNetworksSubnets_AreHiddenFromOtherProjects_UnlessItIsShared()
    {
        // Neutron's policy: a subnet is seen by its owner, or by anyone on a shared network; every
        // project sees an external network (and its subnets' ids), not its subnets (Tempest's
        // test_external_network_visibility).
        var network = Id(await CreateAsync(new() { ["availability_zone_hints"] = new[] { "RegionOne" } }));
        var subnet = Id(Ok(await SubnetAsync(network, "192.0.2.0/24", dhcp: false)).GetProperty("subnet"));
        var seen = Ok(await gateway.NetworkAsync(HttpMethod.Get, "networks/" + network, gateway.DemoToken)).GetProperty("network");
        Assert.Equal([subnet], Strings(seen, "subnets"));
        Assert.Empty(Ok(await gateway.NetworkAsync(HttpMethod.Get, "subnets?network_id=" + network, gateway.DemoToken)).GetProperty("subnets").EnumerateArray());
        (await gateway.NetworkAsync(HttpMethod.Get, "subnets/" + subnet, gateway.DemoToken)).AssertNeutronError(HttpStatusCode.NotFound, "SubnetNotFound");
        Assert.Single(Ok(await gateway.NetworkAsync(HttpMethod.Get, "subnets?network_id=" + network, gateway.AdminToken)).GetProperty("subnets").EnumerateArray());

        var shared = Id(await CreateAsync(new() { ["shared"] = true, ["availability_zone_hints"] = new[] { "RegionOne" } }));
        var sharedSubnet = Id(Ok(await SubnetAsync(shared, "192.0.2.0/24", dhcp: false)).GetProperty("subnet"));
        Assert.Equal(sharedSubnet, Id(Assert.Single(Ok(await gateway.NetworkAsync(HttpMethod.Get, "subnets?network_id=" + shared, gateway.DemoToken)).GetProperty("subnets").EnumerateArray())));

        foreach (var id in (string[])[network, shared])
        {
            Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "networks/" + id, gateway.AdminToken)).Status);
        }
    }

    [Fact]
    public async Task RouterExternal_FlipsBothWays_TheCopyInTheOnePodTheHintsChooseFlipsWithIt()
    {
        var network = Id(Ok(await gateway.NetworkAsync(HttpMethod.Post, "networks", gateway.AdminToken, Json(new { network = new { name = "flip-" + Guid.NewGuid().ToString("N")[..6], availability_zone_hints = new[] { "az2" } } })))
            .GetProperty("network"));
        var subnet = Id(Ok(await SubnetAsync(network, "192.0.2.0/24", dhcp: false)).GetProperty("subnet"));
        Assert.Empty(await CopiesAsync(network)); // an internal network waits for a boot

        // A member may not flip it, as Neutron's policy says; the hints may not change on the way.
        (await Put(network, gateway.DemoToken, new Dictionary<string, object> { ["router:external"] = true })).AssertNeutronError(HttpStatusCode.NotFound, "NetworkNotFound");
        Assert.Contains("availability_zone_hints", (await Put(network, gateway.AdminToken, new Dictionary<string, object> { ["router:external"] = true, ["availability_zone_hints"] = new[] { "az1" } }))
            .AssertNeutronError(HttpStatusCode.BadRequest, "InvalidInput"), StringComparison.Ordinal);

        var external = Ok(await Put(network, gateway.AdminToken, new Dictionary<string, object> { ["router:external"] = true, ["name"] = "now-out" })).GetProperty("network");
        Assert.True(external.GetProperty("router:external").GetBoolean());
        Assert.Equal("now-out", external.GetProperty("name").GetString());
        Assert.Equal(["az2"], Strings(external, "availability_zones"));
        var copy = await _steps.BottomAsync("RegionTwo", "networks", network);
        Assert.True(copy.GetProperty("router:external").GetBoolean());
        Assert.Single(await _steps.BottomListAsync("RegionTwo", "subnets", subnet));
        Assert.Equal(["RegionTwo"], await CopiesAsync(network));
        Assert.Empty(await _steps.BottomListAsync("RegionOne", "networks", network));
        // Every project sees an external network.
        Assert.True(Ok(await gateway.NetworkAsync(HttpMethod.Get, "networks/" + network, gateway.DemoToken)).GetProperty("network").GetProperty("router:external").GetBoolean());

        var back = Ok(await Put(network, gateway.AdminToken, new Dictionary<string, object> { ["router:external"] = false })).GetProperty("network");
        Assert.False(back.GetProperty("router:external").GetBoolean());
        Assert.False((await _steps.BottomAsync("RegionTwo", "networks", network)).GetProperty("router:external").GetBoolean());
        (await gateway.NetworkAsync(HttpMethod.Get, "networks/" + network, gateway.DemoToken)).AssertNeutronError(HttpStatusCode.NotFound, "NetworkNotFound");

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "networks/" + network, gateway.AdminToken)).Status);
        Assert.Empty(await _steps.BottomListAsync("RegionTwo", "networks", network));
        Assert.Empty(await CopiesAsync(network));
    }

    [Fact]
    public async Task ANetworkWithACopyInAnotherPod_OrOfTypeLocal_DoesNotBecomeExternal_AndNothingChanges()
    {
        var network = Id(Ok(await gateway.NetworkAsync(HttpMethod.Post, "networks", gateway.AdminToken, Json(new { network = new { name = "flip-busy" } })))
            .GetProperty("network"));
        await SubnetAsync(network, "10.96.0.0/24", dhcp: false);
        var server = await _steps.BootAsync(gateway.AdminToken, network, "az2"); // a copy in RegionTwo, with a port there
        await _steps.ActiveAsync(gateway.AdminToken, server);

        var refused = (await Put(network, gateway.AdminToken, new Dictionary<string, object> { ["router:external"] = true })).AssertNeutronError(HttpStatusCode.Conflict, "NetworkInUse");
        Assert.Contains("RegionOne", refused, StringComparison.Ordinal); // without hints, default_region_for_external_network
        Assert.False(Ok(await gateway.NetworkAsync(HttpMethod.Get, "networks/" + network, gateway.AdminToken)).GetProperty("network").GetProperty("router:external").GetBoolean());
        Assert.False((await _steps.BottomAsync("RegionTwo", "networks", network)).GetProperty("router:external").GetBoolean());
        Assert.Equal(["RegionTwo"], await CopiesAsync(network));

        var local = Id(Ok(await gateway.NetworkAsync(HttpMethod.Post, "networks", gateway.AdminToken, Json(new Dictionary<string, object>
        {
            ["network"] = new Dictionary<string, object> { ["name"] = "flip-local", ["provider:network_type"] = "local" },
        }))).GetProperty("network"));
        Assert.Contains("local", (await Put(local, gateway.AdminToken, new Dictionary<string, object> { ["router:external"] = true })).AssertNeutronError(HttpStatusCode.BadRequest, "InvalidInput"), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.ComputeAsync(HttpMethod.Delete, "servers/" + server, gateway.AdminToken)).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "networks/" + local, gateway.AdminToken)).Status);
    }

    [Fact]
    public async Task AnExternalNetworkWithARouterGatewayOrAFloatingIp_StaysExternal()
    {
        var (external, _) = await _steps.ExternalNetworkAsync("RegionTwo", "198.51.100.0/24");
        var router = await _steps.RouterAsync(gateway.AdminToken, new { name = "gw-holder", external_gateway_info = new { network_id = external } });
        var inUse = (await Put(external, gateway.AdminToken, new Dictionary<string, object> { ["router:external"] = false })).AssertNeutronError(HttpStatusCode.Conflict, "ExternalNetworkInUse");
        Assert.Contains("gateway ports", inUse, StringComparison.Ordinal);

        Ok(await gateway.NetworkAsync(HttpMethod.Put, "routers/" + router, gateway.AdminToken, Json(new { router = new { external_gateway_info = new { } } })));
        var fip = Ok(await gateway.NetworkAsync(HttpMethod.Post, "floatingips", gateway.AdminToken, Json(new { floatingip = new { floating_network_id = external } }))).GetProperty("floatingip");
        Assert.Contains("floating IP", (await Put(external, gateway.AdminToken, new Dictionary<string, object> { ["router:external"] = false })).AssertNeutronError(HttpStatusCode.Conflict, "ExternalNetworkInUse"), StringComparison.Ordinal);
        Assert.True(Ok(await gateway.NetworkAsync(HttpMethod.Get, "networks/" + external, gateway.AdminToken)).GetProperty("network").GetProperty("router:external").GetBoolean());
        Assert.True((await _steps.BottomAsync("RegionTwo", "networks", external)).GetProperty("router:external").GetBoolean());

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "floatingips/" + Id(fip), gateway.AdminToken)).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "routers/" + router, gateway.AdminToken)).Status);
        Assert.False(Ok(await Put(external, gateway.AdminToken, new Dictionary<string, object> { ["router:external"] = false })).GetProperty("network").GetProperty("router:external").GetBoolean());
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "networks/" + external, gateway.AdminToken)).Status);
        Assert.Empty(await _steps.BottomListAsync("RegionTwo", "networks", external));
    }

    [Fact]
    public async Task AnExternalNetworksHints_DoNotChange()
    {
        var external = Id(await CreateAsync(new() { ["availability_zone_hints"] = new[] { "RegionTwo" } }));
        Assert.Contains("availability_zone_hints", (await Put(external, gateway.AdminToken, new { availability_zone_hints = new[] { "RegionOne" } })).AssertNeutronError(HttpStatusCode.BadRequest, "InvalidInput"), StringComparison.Ordinal);
        Ok(await Put(external, gateway.AdminToken, new Dictionary<string, object> { ["router:external"] = true, ["availability_zone_hints"] = new[] { "RegionTwo" }, ["name"] = "still-out" }));
        Assert.Single(await _steps.BottomListAsync("RegionTwo", "networks", external));
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "networks/" + external, gateway.AdminToken)).Status);
    }

    private Task<ApiResponse> Put(string id, string token, object network) => gateway.NetworkAsync(HttpMethod.Put, "networks/" + id, token, Json(new { network }));

    [Fact]
    public async Task APodDownAtCreate_Is201_AndTheJobMakesTheNetworkAndItsSubnetOnceItIsBack()
    {
        string network, subnet;
        await gateway.Region("RegionTwo").Faults.SetDownAsync(true);
        try
        {
            var created = await CreateAsync(new() { ["provider:network_type"] = "vlan", ["provider:physical_network"] = "extern", ["provider:segmentation_id"] = 3503, ["availability_zone_hints"] = new[] { "RegionTwo" } });
            network = Id(created);
            Assert.Empty(Strings(created, "availability_zones")); // not served anywhere yet
            subnet = Id(Ok(await SubnetAsync(network, "192.0.2.0/24", dhcp: false)).GetProperty("subnet"));
            Assert.Contains(await gateway.JobsAsync("network_sync", network), j => j.Status is "NEW" or "RUNNING");
            Assert.Contains(await gateway.JobsAsync("subnet_sync", subnet), j => j.Status is "NEW" or "RUNNING");
        }
        finally
        {
            await gateway.BringBackAsync("RegionTwo");
        }

        await gateway.JobsSettledAsync();
        Assert.Empty(await gateway.FailedJobsAsync());
        var copy = await _steps.BottomAsync("RegionTwo", "networks", network);
        Assert.Equal(3503, copy.GetProperty("provider:segmentation_id").GetInt32());
        Assert.True(copy.GetProperty("router:external").GetBoolean());
        Assert.Equal(copy.GetProperty("id").GetString(), (await _steps.BottomAsync("RegionTwo", "subnets", subnet)).GetProperty("network_id").GetString());
        Assert.Equal(["az2"], Strings(Ok(await gateway.NetworkAsync(HttpMethod.Get, "networks/" + network, gateway.AdminToken)).GetProperty("network"), "availability_zones"));
        Assert.Empty(await _steps.BottomListAsync("RegionOne", "networks", network));

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "networks/" + network, gateway.AdminToken)).Status);
        Assert.Empty(await _steps.BottomListAsync("RegionTwo", "networks", network));
    }

    [Fact]
    public async Task ACopyThePodLost_OrOneNotRecorded_IsMadeAgain_ByTheAuditsSync()
    {
        var network = Id(await CreateAsync(new() { ["provider:network_type"] = "vlan", ["provider:physical_network"] = "extern", ["provider:segmentation_id"] = 3504, ["availability_zone_hints"] = new[] { "RegionOne" } }));
        var subnet = Id(Ok(await SubnetAsync(network, "100.64.0.0/24", dhcp: false)).GetProperty("subnet"));
        var podId = Ok(await gateway.SendAsync(new Uri(gateway.AdminUrl, "v1.0/pods?region_name=RegionOne"), HttpMethod.Get, gateway.AdminToken)).GetProperty("pods")[0].GetProperty("pod_id").GetString()!;

        // Deleted in the pod by hand (its routing rows stay): its sync finds it gone and makes it again.
        await DeleteInPodAsync("RegionOne", network);
        await AuditAsync(podId);
        Assert.Single(await _steps.BottomListAsync("RegionOne", "subnets", subnet));
        var remade = (await _steps.BottomAsync("RegionOne", "networks", network)).GetProperty("id").GetString();
        Assert.Equal(remade, (await _steps.BottomAsync("RegionOne", "subnets", subnet)).GetProperty("network_id").GetString());

        // Its rows gone too (as a crash between steps could leave it): the audit sees an external network without its copy.
        await DeleteInPodAsync("RegionOne", network);
        await using (var database = gateway.Database.Open())
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        {
            await connection.ExecuteAsync("DELETE FROM resource_routings WHERE top_id IN (@network, @subnet)", new { network, subnet });
        }

        await AuditAsync(podId);
        Assert.Single(await _steps.BottomListAsync("RegionOne", "subnets", subnet));
        Assert.Equal(["RegionOne"], await CopiesAsync(network));
        Assert.Equal(["RegionOne"], await CopiesAsync(subnet));

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "networks/" + network, gateway.AdminToken)).Status);
        Assert.Empty(await _steps.BottomListAsync("RegionOne", "networks", network));
    }

    private async Task DeleteInPodAsync(string region, string topNetworkId)
    {
        var bottom = (await _steps.BottomAsync(region, "networks", topNetworkId)).GetProperty("id").GetString();
        var deleted = await gateway.SendAsync(new Uri(gateway.Region(region).NetworkUrl, "v2.0/networks/" + bottom), HttpMethod.Delete, gateway.AdminToken);
        Assert.True(deleted.Status == HttpStatusCode.NoContent, deleted.Text);
        Assert.Empty(await _steps.BottomListAsync(region, "networks", topNetworkId));
    }

    private async Task AuditAsync(string podId)
    {
        var queued = await gateway.SendAsync(new Uri(gateway.AdminUrl, "v1.0/jobs"), HttpMethod.Post, gateway.AdminToken, Json(new { job = new { type = "pod_audit", resource = new { pod_id = podId } } }));
        Assert.True(queued.Status == HttpStatusCode.Accepted, queued.Text);
        await gateway.JobsSettledAsync();
        Assert.Empty(await gateway.FailedJobsAsync());
    }

    private Task<ApiResponse> PostAsync(Dictionary<string, object> network)
    {
        network.TryAdd("name", "ext-" + Guid.NewGuid().ToString("N")[..6]);
        network["router:external"] = true;
        return gateway.NetworkAsync(HttpMethod.Post, "networks", gateway.AdminToken, Json(new { network }));
    }

    private async Task<JsonElement> CreateAsync(Dictionary<string, object> network)
    {
        var created = await PostAsync(network);
        Assert.True(created.Status == HttpStatusCode.Created, created.Text);
        return created.Json.GetProperty("network");
    }

    private Task<ApiResponse> SubnetAsync(string network, string cidr, bool dhcp) =>
        gateway.NetworkAsync(HttpMethod.Post, "subnets", gateway.AdminToken, Json(new { subnet = new { network_id = network, ip_version = 4, cidr, enable_dhcp = dhcp } }));

    /// <summary>Nothing of a refused create centrally: no network of that name, no home, no job left pending or failed.</summary>
    private async Task AssertNoneCentrallyAsync(string name)
    {
        Assert.Empty(Ok(await gateway.NetworkAsync(HttpMethod.Get, "networks?name=" + name, gateway.AdminToken)).GetProperty("networks").EnumerateArray());
        await gateway.JobsSettledAsync();
        Assert.Empty(await gateway.FailedJobsAsync());
        await using var database = gateway.Database.Open();
        await using var connection = await database.OpenAsync(CancellationToken.None);
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM network_homes h WHERE NOT EXISTS (SELECT 1 FROM networks n WHERE n.id = h.network_id)"));
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM resource_routings r WHERE r.resource_type = 'network' AND NOT EXISTS (SELECT 1 FROM networks n WHERE n.id = r.top_id)"));
    }

    /// <summary>The regions holding a recorded copy of a central resource.</summary>
    private async Task<List<string>> CopiesAsync(string topId)
    {
        await using var database = gateway.Database.Open();
        await using var connection = await database.OpenAsync(CancellationToken.None);
        return [.. await connection.QueryAsync<string>(
            "SELECT p.region_name FROM resource_routings r JOIN pods p ON p.pod_id = r.pod_id WHERE r.top_id = @topId AND r.bottom_id IS NOT NULL ORDER BY p.region_name", new { topId })];
    }

    private static string Id(JsonElement resource) => resource.GetProperty("id").GetString()!;

    private static List<string?> Strings(JsonElement resource, string property) => [.. resource.GetProperty(property).EnumerateArray().Select(e => e.GetString())];
}

public sealed class SqliteExternalNetworksTests(SqliteJobsGatewayFixture gateway) : ExternalNetworksTests(gateway), IClassFixture<SqliteJobsGatewayFixture>;

public sealed class PostgresExternalNetworksTests(PostgresJobsGatewayFixture gateway) : ExternalNetworksTests(gateway), IClassFixture<PostgresJobsGatewayFixture>;
