using System.Net;
using System.Text.Json;
using Tricircle.Support;
using static Tricircle.Support.NetworkSteps;

namespace Tricircle.Network;

/// <summary>
/// A router's copies in the pods (spec §6.7): a router over networks in two pods gets a copy in
/// each, joined by the project's bridge network with routes to the other pod's networks; the
/// external gateway lives in the external network's pod and the other copies route out through
/// it; everything goes again when the interfaces, the gateway and the router do.
/// </summary>
public abstract class RouterCopiesTests(GatewayFixture gateway)
{
    private readonly NetworkSteps _steps = new(gateway);

    [Fact]
    public async Task RouterOverTwoPods_IsJoinedByTheBridge_WithRoutesToTheOtherPod_AndLeavesNothingBehind()
    {
        var (token, project) = gateway.NewTenant("ew");
        var (net1, sub1) = await _steps.NetworkAsync(token, "10.71.1.0/24");
        var (net2, sub2) = await _steps.NetworkAsync(token, "10.71.2.0/24");
        await _steps.BootAsync(token, net1, "az1");
        await _steps.BootAsync(token, net2, "az2");
        var router = await RouterAsync(token, new { name = "r" });

        Ok(await InterfaceAsync(token, router, "add", sub1));
        Ok(await InterfaceAsync(token, router, "add", sub2));
        await gateway.JobsSettledAsync();

        var bridge = await BridgeAsync(project);
        Assert.NotNull(bridge);
        var (one, two) = (await CopyAsync("RegionOne", router), await CopyAsync("RegionTwo", router));
        var oneIp = BridgeIp(one, bridge.Value);
        var twoIp = BridgeIp(two, bridge.Value);
        Assert.NotEqual(oneIp, twoIp);
        Assert.False(one.GetProperty("external_gateway_info").GetProperty("enable_snat").GetBoolean());
        Assert.Equal(["10.71.1.1"], await InterfaceIpsAsync("RegionOne", one));
        Assert.Equal(["10.71.2.1"], await InterfaceIpsAsync("RegionTwo", two));
        Assert.Equal([("10.71.2.0/24", twoIp)], Routes(one));
        Assert.Equal([("10.71.1.0/24", oneIp)], Routes(two));

        // The bridge is an external network in each pod, with the central segment.
        var bottomBridge = await _steps.BottomAsync("RegionOne", "networks", bridge.Value.Network);
        Assert.True(bottomBridge.GetProperty("router:external").GetBoolean());
        Assert.Equal(bridge.Value.Segment, bottomBridge.GetProperty("provider:segmentation_id").GetInt32());
        Assert.Empty((await gateway.NetworkAsync(HttpMethod.Get, "networks?name=bridge_net_" + project, token)).Json.GetProperty("networks").EnumerateArray()); // not the tenant's to see

        // RegionTwo's network leaves the router: so does RegionTwo, and with it the bridge.
        Ok(await InterfaceAsync(token, router, "remove", sub2));
        await gateway.JobsSettledAsync();
        Assert.Empty(await _steps.BottomListAsync("RegionTwo", "routers", router));
        one = await CopyAsync("RegionOne", router);
        Assert.Equal(JsonValueKind.Null, one.GetProperty("external_gateway_info").ValueKind);
        Assert.Empty(Routes(one));
        Assert.Null(await BridgeAsync(project));
        foreach (var region in (string[])["RegionOne", "RegionTwo"])
        {
            Assert.Empty(await _steps.BottomListAsync(region, "networks", bridge.Value.Network));
        }

        Ok(await InterfaceAsync(token, router, "remove", sub1));
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "routers/" + router, token)).Status);
        await gateway.JobsSettledAsync();
        Assert.Empty(await _steps.BottomListAsync("RegionOne", "routers", router));
        Assert.Empty(await gateway.FailedJobsAsync());
        Assert.Contains(await gateway.JobsAsync("router_sync", router), j => j.Status == "SUCCESS");
    }

    [Fact]
    public async Task Gateway_LivesInTheExternalNetworksPod_AndTheOtherPodsRouteOutThroughIt()
    {
        var (token, project) = gateway.NewTenant("ns");
        var (external, externalSubnet) = await ExternalNetworkAsync("RegionTwo", "172.24.71.0/24");
        var (net1, sub1) = await _steps.NetworkAsync(token, "10.72.1.0/24");
        await _steps.BootAsync(token, net1, "az1");
        var router = await RouterAsync(token, new { name = "r" });
        Ok(await InterfaceAsync(token, router, "add", sub1));
        await gateway.JobsSettledAsync();
        Assert.Null(await BridgeAsync(project)); // one pod: no bridge
        Assert.Empty(await _steps.BottomListAsync("RegionTwo", "routers", router));

        var set = Ok(await gateway.NetworkAsync(HttpMethod.Put, "routers/" + router, gateway.AdminToken, Json(new { router = new { external_gateway_info = new { network_id = external } } })));
        var gatewayIp = set.GetProperty("router").GetProperty("external_gateway_info").GetProperty("external_fixed_ips")[0].GetProperty("ip_address").GetString();
        await gateway.JobsSettledAsync();

        var bridge = (await BridgeAsync(project))!.Value;
        var (one, two) = (await CopyAsync("RegionOne", router), await CopyAsync("RegionTwo", router));
        Assert.Equal(["az1", "az2"], Ok(await gateway.NetworkAsync(HttpMethod.Get, "routers/" + router, token)).GetProperty("router").GetProperty("availability_zones").EnumerateArray().Select(z => z.GetString()).Order());
        var bottomExternal = (await _steps.BottomAsync("RegionTwo", "networks", external)).GetProperty("id").GetString();
        var twoGateway = two.GetProperty("external_gateway_info");
        Assert.Equal(bottomExternal, twoGateway.GetProperty("network_id").GetString());
        Assert.True(twoGateway.GetProperty("enable_snat").GetBoolean());
        Assert.Equal(gatewayIp, twoGateway.GetProperty("external_fixed_ips")[0].GetProperty("ip_address").GetString());
        var twoBridgeIp = Assert.Single(await InterfaceIpsAsync("RegionTwo", two));
        Assert.StartsWith(bridge.Cidr[..bridge.Cidr.LastIndexOf('.')], twoBridgeIp, StringComparison.Ordinal);
        var oneIp = BridgeIp(one, bridge);
        Assert.Equal([("0.0.0.0/0", twoBridgeIp)], Routes(one));
        Assert.Equal([("10.72.1.0/24", oneIp)], Routes(two));
        Assert.Empty(await _steps.BottomListAsync("RegionOne", "networks", external)); // the external network is RegionTwo's alone
        Assert.Single(await _steps.BottomListAsync("RegionTwo", "subnets", externalSubnet));

        // A floating IP for the server in RegionOne lives in RegionTwo, on a shadow of its port there.
        var server = await _steps.BootAsync(token, net1, "az1");
        await gateway.JobsSettledAsync();
        var port = (await _steps.ServerPortAsync(token, server)).GetProperty("id").GetString()!;
        var address = (await _steps.ServerPortAsync(token, server)).GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString()!;
        var fip = Ok(await gateway.NetworkAsync(HttpMethod.Post, "floatingips", token, Json(new { floatingip = new { floating_network_id = external, port_id = port } }))).GetProperty("floatingip");
        var fipId = fip.GetProperty("id").GetString()!;
        await gateway.JobsSettledAsync();
        var shadow = await _steps.BottomAsync("RegionTwo", "ports", "shadow_port_" + port);
        Assert.Equal("compute:shadow", shadow.GetProperty("device_owner").GetString());
        Assert.Equal(address, shadow.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString());
        var bottomFips = (await gateway.SendAsync(new Uri(gateway.Region("RegionTwo").NetworkUrl, "v2.0/floatingips?floating_ip_address=" + fip.GetProperty("floating_ip_address").GetString()), HttpMethod.Get, gateway.AdminToken)).Json.GetProperty("floatingips");
        var bottomFip = Assert.Single(bottomFips.EnumerateArray());
        Assert.Equal(shadow.GetProperty("id").GetString(), bottomFip.GetProperty("port_id").GetString());
        Assert.Equal(address, bottomFip.GetProperty("fixed_ip_address").GetString());
        Assert.Empty((await gateway.SendAsync(new Uri(gateway.Region("RegionOne").NetworkUrl, "v2.0/floatingips"), HttpMethod.Get, gateway.AdminToken)).Json.GetProperty("floatingips").EnumerateArray());
        two = await CopyAsync("RegionTwo", router);
        Assert.Contains("10.72.1.1", await InterfaceIpsAsync("RegionTwo", two)); // the way to the port's network there
        Assert.Contains((address + "/32", oneIp), Routes(two)); // and to its address, through RegionOne's bridge IP
        var central = Ok(await gateway.NetworkAsync(HttpMethod.Get, "floatingips/" + fipId, token)).GetProperty("floatingip");
        Assert.Equal(bottomFip.GetProperty("status").GetString(), central.GetProperty("status").GetString());
        Assert.Equal(router, central.GetProperty("router_id").GetString());

        // Off the port: the shadow and the way go; deleted: the copy goes.
        Ok(await gateway.NetworkAsync(HttpMethod.Put, "floatingips/" + fipId, token, Json(new { floatingip = new { port_id = (string?)null } })));
        await gateway.JobsSettledAsync();
        Assert.Empty(await _steps.BottomListAsync("RegionTwo", "ports", "shadow_port_" + port));
        Assert.Equal(JsonValueKind.Null, (await gateway.SendAsync(new Uri(gateway.Region("RegionTwo").NetworkUrl, "v2.0/floatingips/" + bottomFip.GetProperty("id").GetString()), HttpMethod.Get, gateway.AdminToken)).Json.GetProperty("floatingip").GetProperty("port_id").ValueKind);
        Assert.DoesNotContain("10.72.1.1", await InterfaceIpsAsync("RegionTwo", await CopyAsync("RegionTwo", router)));
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "floatingips/" + fipId, token)).Status);
        await gateway.JobsSettledAsync();
        Assert.Empty((await gateway.SendAsync(new Uri(gateway.Region("RegionTwo").NetworkUrl, "v2.0/floatingips?floating_ip_address=" + fip.GetProperty("floating_ip_address").GetString()), HttpMethod.Get, gateway.AdminToken)).Json.GetProperty("floatingips").EnumerateArray());

        Ok(await gateway.NetworkAsync(HttpMethod.Put, "routers/" + router, gateway.AdminToken, Json(new { router = new { external_gateway_info = new { } } })));
        await gateway.JobsSettledAsync();
        Assert.Empty(await _steps.BottomListAsync("RegionTwo", "routers", router));
        Assert.Empty(Routes(await CopyAsync("RegionOne", router)));
        Assert.Null(await BridgeAsync(project));
        Ok(await InterfaceAsync(token, router, "remove", sub1));
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "routers/" + router, token)).Status);
        await gateway.JobsSettledAsync();
        Assert.Empty(await _steps.BottomListAsync("RegionOne", "routers", router));
        Assert.Empty(await gateway.FailedJobsAsync());
    }

    [Fact]
    public async Task GatewayAddedToASpreadRouter_MovesTheBridgeToAnInterface_WhileItsRoutesStay()
    {
        // The exit pod's copy had the bridge as gateway with a route through it; the real gateway
        // replaces it and the bridge becomes an interface, the route the same. Neutron checks the
        // routes when a gateway is set (the lab's real one refused this with InvalidRoutes).
        var (token, project) = gateway.NewTenant("move");
        var (external, _) = await ExternalNetworkAsync("RegionTwo", "172.24.74.0/24");
        var (net1, sub1) = await _steps.NetworkAsync(token, "10.74.1.0/24");
        var (net2, sub2) = await _steps.NetworkAsync(token, "10.74.2.0/24");
        await _steps.BootAsync(token, net1, "az1");
        await _steps.BootAsync(token, net2, "az2");
        var router = await RouterAsync(token, new { name = "r" });
        Ok(await InterfaceAsync(token, router, "add", sub1));
        Ok(await InterfaceAsync(token, router, "add", sub2));
        await gateway.JobsSettledAsync();
        var bridge = (await BridgeAsync(project))!.Value;
        var oneIp = BridgeIp(await CopyAsync("RegionOne", router), bridge);
        var twoIp = BridgeIp(await CopyAsync("RegionTwo", router), bridge);

        Ok(await gateway.NetworkAsync(HttpMethod.Put, "routers/" + router, gateway.AdminToken, Json(new { router = new { external_gateway_info = new { network_id = external } } })));
        await gateway.JobsSettledAsync();
        Assert.Empty(await gateway.FailedJobsAsync());
        var two = await CopyAsync("RegionTwo", router);
        Assert.Equal((await _steps.BottomAsync("RegionTwo", "networks", external)).GetProperty("id").GetString(), two.GetProperty("external_gateway_info").GetProperty("network_id").GetString());
        Assert.Equal(["10.74.2.1", twoIp], await InterfaceIpsAsync("RegionTwo", two));
        Assert.Equal([("10.74.1.0/24", oneIp)], Routes(two));
        Assert.Equal([("0.0.0.0/0", twoIp), ("10.74.2.0/24", twoIp)], Routes(await CopyAsync("RegionOne", router)));

        Ok(await gateway.NetworkAsync(HttpMethod.Put, "routers/" + router, gateway.AdminToken, Json(new { router = new { external_gateway_info = new { } } })));
        Ok(await InterfaceAsync(token, router, "remove", sub1));
        Ok(await InterfaceAsync(token, router, "remove", sub2));
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "routers/" + router, token)).Status);
        await gateway.JobsSettledAsync();
        Assert.Empty(await gateway.FailedJobsAsync());
        Assert.Null(await BridgeAsync(project));
    }

    [Fact]
    public async Task LocalRouter_LivesInItsPodAtOnce_WithItsNetworksThere_AndNoBridge()
    {
        var (token, project) = gateway.NewTenant("local");
        var router = await RouterAsync(token, new { name = "local", availability_zone_hints = new[] { "RegionOne" } });
        var copy = await CopyAsync("RegionOne", router);
        Assert.Empty(await _steps.BottomListAsync("RegionTwo", "routers", router));

        var (net, sub) = await _steps.NetworkAsync(token, "10.73.1.0/24");
        Ok(await InterfaceAsync(token, router, "add", sub));
        Assert.Equal(["10.73.1.1"], await InterfaceIpsAsync("RegionOne", copy)); // made with the interface, before any server
        Assert.Single(await _steps.BottomListAsync("RegionOne", "networks", net));

        var elsewhere = Ok(await gateway.NetworkAsync(HttpMethod.Post, "networks", token, Json(new { network = new { name = "two", availability_zone_hints = new[] { "az2" } } }))).GetProperty("network").GetProperty("id").GetString();
        var elsewhereSubnet = Ok(await gateway.NetworkAsync(HttpMethod.Post, "subnets", token, Json(new { subnet = new { network_id = elsewhere, ip_version = 4, cidr = "10.73.2.0/24" } }))).GetProperty("subnet").GetProperty("id").GetString()!;
        (await InterfaceAsync(token, router, "add", elsewhereSubnet)).AssertNeutronError(HttpStatusCode.BadRequest, "RouterNetworkLocationMismatch");

        // Its gateway too must be in its pod.
        var (external, _) = await ExternalNetworkAsync("RegionTwo", "172.24.73.0/24");
        (await gateway.NetworkAsync(HttpMethod.Put, "routers/" + router, gateway.AdminToken, Json(new { router = new { external_gateway_info = new { network_id = external } } })))
            .AssertNeutronError(HttpStatusCode.BadRequest, "RouterNetworkLocationMismatch");

        Assert.Null(await BridgeAsync(project));
        Ok(await InterfaceAsync(token, router, "remove", sub));
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "routers/" + router, token)).Status);
        Assert.Empty(await _steps.BottomListAsync("RegionOne", "routers", router));
        Assert.Empty(await gateway.FailedJobsAsync());
    }

    [Fact]
    public async Task AnOperator_MayResyncARouter_ButNotOneThatIsNowhere()
    {
        var (token, project) = gateway.NewTenant("resync");
        var router = await RouterAsync(token, new { name = "r" });
        var jobs = new Uri(gateway.AdminUrl, "v1.0/jobs");

        var queued = await gateway.SendAsync(jobs, HttpMethod.Post, gateway.AdminToken, Json(new { job = new { type = "router_sync", resource = new { router_id = router } } }));
        Assert.True(queued.Status == HttpStatusCode.Accepted, queued.Text);
        Assert.Equal(project, queued.Json.GetProperty("job").GetProperty("project_id").GetString());

        var nowhere = await gateway.SendAsync(jobs, HttpMethod.Post, gateway.AdminToken, Json(new { job = new { type = "floatingip_sync", resource = new { floatingip_id = Guid.NewGuid().ToString() } } }));
        Assert.Equal(HttpStatusCode.BadRequest, nowhere.Status);
        Assert.Contains("does not exist centrally nor in any pod", nowhere.Text, StringComparison.Ordinal);
        await gateway.JobsSettledAsync();
        Assert.Contains(await gateway.JobsAsync("router_sync", router), j => j.Status == "SUCCESS");
    }

    private Task<string> RouterAsync(string token, object router) => _steps.RouterAsync(token, router);

    private Task<ApiResponse> InterfaceAsync(string token, string router, string action, string subnet) => _steps.InterfaceAsync(token, router, action, subnet);

    private Task<(string Network, string Subnet)> ExternalNetworkAsync(string region, string cidr) => _steps.ExternalNetworkAsync(region, cidr);

    private Task<JsonElement> CopyAsync(string region, string router) => _steps.BottomAsync(region, "routers", router);

    /// <summary>The project's central bridge (admin's view): network id, its segment and its subnet's CIDR; null when there is none.</summary>
    private async Task<(string Network, int Segment, string Cidr)?> BridgeAsync(string project)
    {
        var networks = Ok(await gateway.NetworkAsync(HttpMethod.Get, "networks?name=bridge_net_" + project, gateway.AdminToken)).GetProperty("networks");
        if (networks.GetArrayLength() == 0)
        {
            return null;
        }

        var network = Assert.Single(networks.EnumerateArray());
        var subnet = Assert.Single(Ok(await gateway.NetworkAsync(HttpMethod.Get, "subnets?network_id=" + network.GetProperty("id").GetString(), gateway.AdminToken)).GetProperty("subnets").EnumerateArray());
        return (network.GetProperty("id").GetString()!, network.GetProperty("provider:segmentation_id").GetInt32(), subnet.GetProperty("cidr").GetString()!);
    }

    /// <summary>The copy's bridge IP (its gateway on the bridge's copy in that pod).</summary>
    private static string BridgeIp(JsonElement copy, (string Network, int Segment, string Cidr) bridge)
    {
        var ip = Assert.Single(copy.GetProperty("external_gateway_info").GetProperty("external_fixed_ips").EnumerateArray()).GetProperty("ip_address").GetString()!;
        Assert.StartsWith(bridge.Cidr[..bridge.Cidr.LastIndexOf('.')], ip, StringComparison.Ordinal);
        return ip;
    }

    private async Task<List<string>> InterfaceIpsAsync(string region, JsonElement copy)
    {
        var ports = await gateway.SendAsync(new Uri(gateway.Region(region).NetworkUrl, $"v2.0/ports?device_id={copy.GetProperty("id").GetString()}&device_owner=network:router_interface"), HttpMethod.Get, gateway.AdminToken);
        return [.. ports.Json.GetProperty("ports").EnumerateArray().SelectMany(p => p.GetProperty("fixed_ips").EnumerateArray()).Select(f => f.GetProperty("ip_address").GetString()!).Order(StringComparer.Ordinal)];
    }

    private static List<(string Destination, string Nexthop)> Routes(JsonElement copy) =>
        [.. copy.GetProperty("routes").EnumerateArray().Select(r => (r.GetProperty("destination").GetString()!, r.GetProperty("nexthop").GetString()!)).Order()];
}

public sealed class RouterCopiesSqliteTests(SqliteGatewayFixture gateway) : RouterCopiesTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class RouterCopiesPostgresTests(PostgresGatewayFixture gateway) : RouterCopiesTests(gateway), IClassFixture<PostgresGatewayFixture>;
