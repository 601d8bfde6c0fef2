using System.Net;
using System.Text.Json;
using Tricircle.Support;
using static Tricircle.Network.SecurityGroupsApiTests;

namespace Tricircle.Network;

/// <summary>The central Neutron's routers: CRUD, interfaces, gateways, routes, placement, quotas, isolation (central state only).</summary>
public abstract class RoutersApiTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Router_CreateShowUpdateListPageDelete()
    {
        var (token, project) = gateway.NewTenant("rt");

        var created = await CreateRouterAsync(token, new { name = "r1", description = "first" });
        var id = created.GetProperty("id").GetString()!;
        Assert.Equal("ACTIVE", created.GetProperty("status").GetString());
        Assert.True(created.GetProperty("admin_state_up").GetBoolean());
        Assert.Equal(JsonValueKind.Null, created.GetProperty("external_gateway_info").ValueKind);
        Assert.Empty(created.GetProperty("routes").EnumerateArray());
        Assert.Empty(created.GetProperty("availability_zone_hints").EnumerateArray());
        Assert.Equal(project, created.GetProperty("project_id").GetString());
        Assert.Equal(project, created.GetProperty("tenant_id").GetString());
        Assert.False(created.TryGetProperty("distributed", out _)); // an admin's
        Assert.False((await gateway.NetworkAsync(HttpMethod.Get, "routers/" + id, gateway.AdminToken)).Json.GetProperty("router").GetProperty("distributed").GetBoolean());

        foreach (var name in new[] { "r3", "r2" })
        {
            await CreateRouterAsync(token, new { name, admin_state_up = false });
        }

        var shown = await gateway.NetworkAsync(HttpMethod.Get, $"routers/{id}?fields=id&fields=name", token);
        shown.AssertOk();
        Assert.Equal(["id", "name"], shown.Json.GetProperty("router").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));

        var updated = await gateway.NetworkAsync(HttpMethod.Put, "routers/" + id, token, Json(new { router = new { name = "r0", description = "changed", admin_state_up = false } }));
        updated.AssertOk();
        var after = updated.Json.GetProperty("router");
        Assert.Equal("r0", after.GetProperty("name").GetString());
        Assert.False(after.GetProperty("admin_state_up").GetBoolean());
        Assert.True(after.GetProperty("revision_number").GetInt32() > created.GetProperty("revision_number").GetInt32());

        var filtered = await gateway.NetworkAsync(HttpMethod.Get, $"routers?name=r0&tenant_id={project}&status=ACTIVE", token);
        Assert.Equal(id, Assert.Single(filtered.Json.GetProperty("routers").EnumerateArray()).GetProperty("id").GetString());
        var down = await gateway.NetworkAsync(HttpMethod.Get, "routers?admin_state_up=false&sort_key=name&sort_dir=desc&fields=name", token);
        Assert.Equal(["r3", "r2", "r0"], down.Json.GetProperty("routers").EnumerateArray().Select(r => r.GetProperty("name").GetString()));

        var page = await gateway.NetworkAsync(HttpMethod.Get, "routers?sort_key=name&sort_dir=asc&limit=2", token);
        page.AssertOk();
        Assert.Equal(["r0", "r2"], page.Json.GetProperty("routers").EnumerateArray().Select(r => r.GetProperty("name").GetString()));
        var next = page.Json.GetProperty("routers_links").EnumerateArray().Single(l => l.GetProperty("rel").GetString() == "next").GetProperty("href").GetString()!;
        var second = await gateway.SendAsync(new Uri(next), HttpMethod.Get, token);
        Assert.Equal(["r3"], second.Json.GetProperty("routers").EnumerateArray().Select(r => r.GetProperty("name").GetString()));
        Assert.Equal(HttpStatusCode.BadRequest, (await gateway.NetworkAsync(HttpMethod.Get, "routers?colour=red", token)).Status);

        // routes are not a create attribute (extraroute: allow_post False).
        Assert.Equal(HttpStatusCode.BadRequest, (await gateway.NetworkAsync(HttpMethod.Post, "routers", token, Json(new { router = new { name = "x", routes = Array.Empty<object>() } }))).Status);

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "routers/" + id, token)).Status);
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Get, "routers/" + id, token), HttpStatusCode.NotFound, "RouterNotFound", id);
    }

    [Fact]
    public async Task InterfaceBySubnet_HoldsTheGatewayIp_AndGuardsWhatItUses()
    {
        var (token, project) = gateway.NewTenant("rt");
        var (network, subnet) = await NetworkAsync(token, "10.10.0.0/24");
        var router = (await CreateRouterAsync(token, new { name = "r" })).GetProperty("id").GetString()!;

        var added = await InterfaceAsync(token, router, "add", new { subnet_id = subnet });

        added.AssertOk();
        var info = added.Json;
        Assert.Equal(router, info.GetProperty("id").GetString());
        Assert.Equal(subnet, info.GetProperty("subnet_id").GetString());
        Assert.Equal([subnet], info.GetProperty("subnet_ids").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(network, info.GetProperty("network_id").GetString());
        Assert.Equal(project, info.GetProperty("project_id").GetString());
        var portId = info.GetProperty("port_id").GetString()!;
        var port = (await gateway.NetworkAsync(HttpMethod.Get, "ports/" + portId, token)).Json.GetProperty("port");
        Assert.Equal("network:router_interface", port.GetProperty("device_owner").GetString());
        Assert.Equal(router, port.GetProperty("device_id").GetString());
        Assert.Equal("10.10.0.1", Assert.Single(port.GetProperty("fixed_ips").EnumerateArray()).GetProperty("ip_address").GetString());
        Assert.Empty(port.GetProperty("security_groups").EnumerateArray());

        AssertNeutronError(await InterfaceAsync(token, router, "add", new { subnet_id = subnet }), HttpStatusCode.BadRequest, "BadRequest", "Router already has a port on subnet " + subnet);
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Delete, "ports/" + portId, token), HttpStatusCode.Conflict, "ServicePortInUse", "cannot be deleted directly via the port API: has device owner network:router_interface");
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Delete, "subnets/" + subnet, token), HttpStatusCode.Conflict, "SubnetInUse", subnet);
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Delete, "networks/" + network, token), HttpStatusCode.Conflict, "NetworkInUse", network);
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Delete, "routers/" + router, token), HttpStatusCode.Conflict, "RouterInUse", router);

        // The quota does not count it: Neutron makes router ports below its API.
        var details = await gateway.NetworkAsync(HttpMethod.Get, $"quotas/{project}/details", token);
        Assert.Equal(1, details.Json.GetProperty("quota").GetProperty("router").GetProperty("used").GetInt32());

        var removed = await InterfaceAsync(token, router, "remove", new { subnet_id = subnet });
        removed.AssertOk();
        Assert.Equal(portId, removed.Json.GetProperty("port_id").GetString());
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Get, "ports/" + portId, token), HttpStatusCode.NotFound, "PortNotFound", portId);
        AssertNeutronError(await InterfaceAsync(token, router, "remove", new { subnet_id = subnet }), HttpStatusCode.NotFound, "RouterInterfaceNotFoundForSubnet", subnet);
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "routers/" + router, token)).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "networks/" + network, token)).Status);
    }

    [Fact]
    public async Task InterfaceByPort_BindsThePort_AndNeutronsRefusals()
    {
        var (token, _) = gateway.NewTenant("rt");
        var (network, subnet) = await NetworkAsync(token, "10.20.0.0/24");
        var router = (await CreateRouterAsync(token, new { name = "r" })).GetProperty("id").GetString()!;
        var other = (await CreateRouterAsync(token, new { name = "other" })).GetProperty("id").GetString()!;
        var port = NetworkSteps.Ok(await gateway.NetworkAsync(HttpMethod.Post, "ports", token, Json(new { port = new { network_id = network, fixed_ips = new[] { new { ip_address = "10.20.0.50" } } } })))
            .GetProperty("port").GetProperty("id").GetString()!;

        AssertNeutronError(await InterfaceAsync(token, router, "add", new { subnet_id = subnet, port_id = port }), HttpStatusCode.BadRequest, "BadRequest", "Cannot specify both subnet-id and port-id");
        AssertNeutronError(await InterfaceAsync(token, router, "add", new { }), HttpStatusCode.BadRequest, "BadRequest", "Either subnet_id or port_id must be specified");
        AssertNeutronError(await InterfaceAsync(token, router, "add", new { port_id = "port-1" }), HttpStatusCode.BadRequest, "BadRequest", "Bad router request: 'port-1' is not a valid UUID");
        AssertNeutronError(await InterfaceAsync(token, router, "remove", new { subnet_id = "sub" }), HttpStatusCode.BadRequest, "BadRequest", "Bad router request: 'sub' is not a valid UUID");

        var added = await InterfaceAsync(token, router, "add", new { port_id = port });
        added.AssertOk();
        Assert.Equal(port, added.Json.GetProperty("port_id").GetString());
        Assert.Equal(subnet, added.Json.GetProperty("subnet_id").GetString());
        var bound = (await gateway.NetworkAsync(HttpMethod.Get, "ports/" + port, token)).Json.GetProperty("port");
        Assert.Equal(router, bound.GetProperty("device_id").GetString());
        Assert.Equal("network:router_interface", bound.GetProperty("device_owner").GetString());

        AssertNeutronError(await InterfaceAsync(token, other, "add", new { port_id = port }), HttpStatusCode.Conflict, "PortInUse", port);
        AssertNeutronError(await InterfaceAsync(token, router, "remove", new { port_id = Guid.NewGuid().ToString() }), HttpStatusCode.NotFound, "RouterInterfaceNotFound", router);
        AssertNeutronError(await InterfaceAsync(token, other, "remove", new { port_id = port }), HttpStatusCode.NotFound, "RouterInterfaceNotFound", port);

        (await InterfaceAsync(token, router, "remove", new { port_id = port })).AssertOk();
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Get, "ports/" + port, token), HttpStatusCode.NotFound, "PortNotFound", port);

        // A subnet without a gateway cannot be an interface.
        var noGateway = NetworkSteps.Ok(await gateway.NetworkAsync(HttpMethod.Post, "subnets", token, Json(new { subnet = new { network_id = network, ip_version = 4, cidr = "10.21.0.0/24", gateway_ip = (string?)null } })))
            .GetProperty("subnet").GetProperty("id").GetString()!;
        AssertNeutronError(await InterfaceAsync(token, router, "add", new { subnet_id = noGateway }), HttpStatusCode.BadRequest, "BadRequest", "must have a gateway IP");
    }

    [Fact]
    public async Task Routes_NeedAConnectedNexthop_AndHoldTheirInterface()
    {
        var (token, _) = gateway.NewTenant("rt");
        var (_, subnet) = await NetworkAsync(token, "10.30.0.0/24");
        var router = (await CreateRouterAsync(token, new { name = "r" })).GetProperty("id").GetString()!;

        AssertNeutronError(await RoutesAsync(token, router, new { destination = "192.168.0.0/24", nexthop = "10.30.0.5" }), HttpStatusCode.BadRequest, "InvalidRoutes", "the nexthop is not connected with router");
        (await InterfaceAsync(token, router, "add", new { subnet_id = subnet })).AssertOk();

        var set = await RoutesAsync(token, router, new { destination = "192.168.0.0/24", nexthop = "10.30.0.5" });
        set.AssertOk();
        var route = Assert.Single(set.Json.GetProperty("router").GetProperty("routes").EnumerateArray());
        Assert.Equal("192.168.0.0/24", route.GetProperty("destination").GetString());
        Assert.Equal("10.30.0.5", route.GetProperty("nexthop").GetString());

        AssertNeutronError(await RoutesAsync(token, router, new { destination = "192.168.1.0/24", nexthop = "10.30.0.1" }), HttpStatusCode.BadRequest, "InvalidRoutes", "the nexthop is used by router");
        Assert.Equal(HttpStatusCode.BadRequest, (await RoutesAsync(token, router, new { destination = "192.168.1.1/24", nexthop = "10.30.0.5" })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await RoutesAsync(token, router, new { destination = "192.168.1.0/24", nexthop = "not-an-ip" })).Status);
        AssertNeutronError(await InterfaceAsync(token, router, "remove", new { subnet_id = subnet }), HttpStatusCode.Conflict, "RouterInterfaceInUseByRoute", subnet);

        (await gateway.NetworkAsync(HttpMethod.Put, "routers/" + router, token, Json(new { router = new { routes = Array.Empty<object>() } }))).AssertOk();
        (await InterfaceAsync(token, router, "remove", new { subnet_id = subnet })).AssertOk();
    }

    [Fact]
    public async Task Gateway_OnAnExternalNetwork_WithACentralAddress_SnatAnAdminsChoice()
    {
        var (token, _) = gateway.NewTenant("rt");
        var external = NetworkSteps.Ok(await gateway.NetworkAsync(HttpMethod.Post, "networks", gateway.AdminToken, Json(new Dictionary<string, object> { ["network"] = new Dictionary<string, object> { ["name"] = "public-" + Guid.NewGuid().ToString("N")[..6], ["router:external"] = true } })))
            .GetProperty("network").GetProperty("id").GetString()!;
        var externalSubnet = NetworkSteps.Ok(await gateway.NetworkAsync(HttpMethod.Post, "subnets", gateway.AdminToken, Json(new { subnet = new { network_id = external, ip_version = 4, cidr = "172.24.4.0/24" } })))
            .GetProperty("subnet").GetProperty("id").GetString()!;
        var (internalNetwork, _) = await NetworkAsync(token, "10.40.0.0/24");

        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Post, "routers", token, Json(new { router = new { name = "r", external_gateway_info = new { network_id = internalNetwork } } })), HttpStatusCode.BadRequest, "BadRequest", "is not an external network");
        Assert.Equal(HttpStatusCode.Forbidden, (await gateway.NetworkAsync(HttpMethod.Post, "routers", token, Json(new { router = new { name = "r", external_gateway_info = new { network_id = external, enable_snat = false } } }))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await gateway.NetworkAsync(HttpMethod.Post, "routers", token, Json(new { router = new { name = "r", external_gateway_info = new { network_id = external, external_fixed_ips = new[] { new { ip_address = "172.24.4.9" } } } } }))).Status);
        Assert.Empty((await gateway.NetworkAsync(HttpMethod.Get, "routers", token)).Json.GetProperty("routers").EnumerateArray()); // nothing left behind

        var router = await CreateRouterAsync(token, new { name = "r", external_gateway_info = new { network_id = external } });
        var id = router.GetProperty("id").GetString()!;
        var info = router.GetProperty("external_gateway_info");
        Assert.Equal(external, info.GetProperty("network_id").GetString());
        Assert.True(info.GetProperty("enable_snat").GetBoolean());
        var ip = Assert.Single(info.GetProperty("external_fixed_ips").EnumerateArray());
        Assert.Equal(externalSubnet, ip.GetProperty("subnet_id").GetString());
        var gatewayPort = Assert.Single((await gateway.NetworkAsync(HttpMethod.Get, $"ports?device_id={id}&device_owner=network:router_gateway", gateway.AdminToken)).Json.GetProperty("ports").EnumerateArray());
        Assert.Equal(ip.GetProperty("ip_address").GetString(), Assert.Single(gatewayPort.GetProperty("fixed_ips").EnumerateArray()).GetProperty("ip_address").GetString());

        var admin = await gateway.NetworkAsync(HttpMethod.Put, "routers/" + id, gateway.AdminToken, Json(new { router = new { external_gateway_info = new { network_id = external, enable_snat = false, external_fixed_ips = new[] { new { ip_address = "172.24.4.77" } } } } }));
        admin.AssertOk();
        var changed = admin.Json.GetProperty("router").GetProperty("external_gateway_info");
        Assert.False(changed.GetProperty("enable_snat").GetBoolean());
        Assert.Equal("172.24.4.77", Assert.Single(changed.GetProperty("external_fixed_ips").EnumerateArray()).GetProperty("ip_address").GetString());

        // A PUT whose routes are malformed is refused before its gateway change is made.
        var refused = await gateway.NetworkAsync(HttpMethod.Put, "routers/" + id, token, Json(new { router = new { external_gateway_info = new { }, routes = new[] { new { destination = "not-a-cidr", nexthop = "10.0.0.1" } } } }));
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal(JsonValueKind.Object, (await gateway.NetworkAsync(HttpMethod.Get, "routers/" + id, token)).Json.GetProperty("router").GetProperty("external_gateway_info").ValueKind);

        var cleared = await gateway.NetworkAsync(HttpMethod.Put, "routers/" + id, token, Json(new { router = new { external_gateway_info = new { } } }));
        cleared.AssertOk();
        Assert.Equal(JsonValueKind.Null, cleared.Json.GetProperty("router").GetProperty("external_gateway_info").ValueKind);
        Assert.Empty((await gateway.NetworkAsync(HttpMethod.Get, "ports?device_id=" + id, gateway.AdminToken)).Json.GetProperty("ports").EnumerateArray());

        (await gateway.NetworkAsync(HttpMethod.Put, "routers/" + id, token, Json(new { router = new { external_gateway_info = new { network_id = external } } }))).AssertOk();
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Delete, "networks/" + external, gateway.AdminToken), HttpStatusCode.Conflict, "NetworkInUse", external);
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "routers/" + id, token)).Status);
        Assert.Empty((await gateway.NetworkAsync(HttpMethod.Get, "ports?device_id=" + id, gateway.AdminToken)).Json.GetProperty("ports").EnumerateArray());
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "networks/" + external, gateway.AdminToken)).Status);
    }

    [Fact]
    public async Task AvailabilityZoneHints_AndTricirclesPlacementRules()
    {
        var (token, _) = gateway.NewTenant("rt");

        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Post, "routers", token, Json(new { router = new { name = "r", availability_zone_hints = new[] { "nowhere" } } })), HttpStatusCode.NotFound, "AvailabilityZoneNotFound", "nowhere");

        var local = await CreateRouterAsync(token, new { name = "local", availability_zone_hints = new[] { "RegionOne" } });
        Assert.Equal(["RegionOne"], local.GetProperty("availability_zone_hints").EnumerateArray().Select(h => h.GetString()));
        var localId = local.GetProperty("id").GetString()!;
        var (_, inOne) = await NetworkAsync(token, "10.50.1.0/24", ["RegionOne"]);
        var (_, inTwo) = await NetworkAsync(token, "10.50.2.0/24", ["RegionTwo"]);
        var (_, anywhere) = await NetworkAsync(token, "10.50.3.0/24");

        (await InterfaceAsync(token, localId, "add", new { subnet_id = inOne })).AssertOk();
        (await InterfaceAsync(token, localId, "add", new { subnet_id = anywhere })).AssertOk(); // a network without hints may join a local router
        AssertNeutronError(await InterfaceAsync(token, localId, "add", new { subnet_id = inTwo }), HttpStatusCode.BadRequest, "RouterNetworkLocationMismatch", "['RegionOne']");

        // A router hinted to an AZ is not local: a network without hints may be anywhere, so no.
        var zoned = (await CreateRouterAsync(token, new { name = "zoned", availability_zone_hints = new[] { "az1" } })).GetProperty("id").GetString()!;
        AssertNeutronError(await InterfaceAsync(token, zoned, "add", new { subnet_id = anywhere }), HttpStatusCode.BadRequest, "RouterNetworkLocationMismatch", "All Region");
        AssertNeutronError(await InterfaceAsync(token, zoned, "add", new { subnet_id = inTwo }), HttpStatusCode.BadRequest, "RouterNetworkLocationMismatch", "RegionTwo");
        var (_, alsoInOne) = await NetworkAsync(token, "10.50.4.0/24", ["RegionOne"]);
        (await InterfaceAsync(token, zoned, "add", new { subnet_id = alsoInOne })).AssertOk();

        // A router without hints takes any network.
        var free = (await CreateRouterAsync(token, new { name = "free" })).GetProperty("id").GetString()!;
        (await InterfaceAsync(token, free, "add", new { subnet_id = inTwo })).AssertOk();
    }

    [Fact]
    public async Task Quotas_CountRouters_AndRefuseOverTheLimit()
    {
        var (token, project) = gateway.NewTenant("rt");

        var defaults = (await gateway.NetworkAsync(HttpMethod.Get, "quotas/" + project, token)).Json.GetProperty("quota");
        Assert.Equal(10, defaults.GetProperty("router").GetInt32());
        Assert.Equal(50, defaults.GetProperty("floatingip").GetInt32());
        (await gateway.NetworkAsync(HttpMethod.Put, "quotas/" + project, gateway.AdminToken, Json(new { quota = new { router = 1 } }))).AssertOk();

        await CreateRouterAsync(token, new { name = "one" });
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Post, "routers", token, Json(new { router = new { name = "two" } })), HttpStatusCode.Conflict, "OverQuota", "['router']");

        var details = (await gateway.NetworkAsync(HttpMethod.Get, $"quotas/{project}/details", token)).Json.GetProperty("quota").GetProperty("router");
        Assert.Equal(1, details.GetProperty("used").GetInt32());
        Assert.Equal(1, details.GetProperty("limit").GetInt32());
    }

    [Fact]
    public async Task AnotherTenantsRouterSubnetAndPort_AreNotFound_ButAnAdminSeesThem()
    {
        var (token, _) = gateway.NewTenant("rt");
        var (intruder, _) = gateway.NewTenant("rt");
        var router = (await CreateRouterAsync(token, new { name = "mine" })).GetProperty("id").GetString()!;
        var (network, subnet) = await NetworkAsync(token, "10.60.0.0/24");
        var port = NetworkSteps.Ok(await gateway.NetworkAsync(HttpMethod.Post, "ports", token, Json(new { port = new { network_id = network } }))).GetProperty("port").GetProperty("id").GetString()!;

        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Get, "routers/" + router, intruder), HttpStatusCode.NotFound, "RouterNotFound", router);
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Put, "routers/" + router, intruder, Json(new { router = new { name = "x" } })), HttpStatusCode.NotFound, "RouterNotFound", router);
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Delete, "routers/" + router, intruder), HttpStatusCode.NotFound, "RouterNotFound", router);
        AssertNeutronError(await InterfaceAsync(intruder, router, "add", new { subnet_id = subnet }), HttpStatusCode.NotFound, "RouterNotFound", router);
        Assert.DoesNotContain(router, (await gateway.NetworkAsync(HttpMethod.Get, "routers", intruder)).Text, StringComparison.Ordinal);

        var theirs = (await CreateRouterAsync(intruder, new { name = "theirs" })).GetProperty("id").GetString()!;
        AssertNeutronError(await InterfaceAsync(intruder, theirs, "add", new { subnet_id = subnet }), HttpStatusCode.NotFound, "SubnetNotFound", subnet);
        AssertNeutronError(await InterfaceAsync(intruder, theirs, "add", new { port_id = port }), HttpStatusCode.NotFound, "PortNotFound", port);

        (await gateway.NetworkAsync(HttpMethod.Get, "routers/" + router, gateway.AdminToken)).AssertOk();
        var all = await gateway.NetworkAsync(HttpMethod.Get, "routers?id=" + router + "&id=" + theirs, gateway.AdminToken);
        Assert.Equal(2, all.Json.GetProperty("routers").GetArrayLength());
    }

    [Fact]
    public async Task ConcurrentInterfaceChanges_EndInOneConsistentState()
    {
        var (token, _) = gateway.NewTenant("rt");
        var (_, subnet) = await NetworkAsync(token, "10.70.0.0/24");
        var router = (await CreateRouterAsync(token, new { name = "busy" })).GetProperty("id").GetString()!;

        // One subnet added eight times at once: one interface, the others refused.
        var adds = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => InterfaceAsync(token, router, "add", new { subnet_id = subnet })));
        Assert.Single(adds, a => a.Status == HttpStatusCode.OK);
        Assert.All(adds.Where(a => a.Status != HttpStatusCode.OK), a => Assert.True(a.Status is HttpStatusCode.BadRequest or HttpStatusCode.Conflict, a.Text));
        Assert.Single((await gateway.NetworkAsync(HttpMethod.Get, $"ports?device_id={router}&device_owner=network:router_interface", token)).Json.GetProperty("ports").EnumerateArray());
        (await InterfaceAsync(token, router, "remove", new { subnet_id = subnet })).AssertOk();

        // A delete racing an add: either the router goes and the add finds nothing, or the add wins and the delete is refused.
        var (_, second) = await NetworkAsync(token, "10.71.0.0/24");
        var raced = await Task.WhenAll(InterfaceAsync(token, router, "add", new { subnet_id = second }), gateway.NetworkAsync(HttpMethod.Delete, "routers/" + router, token));
        var (add, delete) = (raced[0], raced[1]);
        if (delete.Status == HttpStatusCode.NoContent)
        {
            Assert.Equal(HttpStatusCode.NotFound, add.Status);
            Assert.Empty((await gateway.NetworkAsync(HttpMethod.Get, "ports?device_id=" + router, token)).Json.GetProperty("ports").EnumerateArray());
        }
        else
        {
            AssertNeutronError(delete, HttpStatusCode.Conflict, "RouterInUse", router);
            add.AssertOk();
        }
    }

    [Fact]
    public async Task LocalRouter_CannotTakeASubnetWhoseGatewayANonLocalRouterHolds()
    {
        var (token, _) = gateway.NewTenant("rt");
        var (network, subnet) = await NetworkAsync(token, "10.74.0.0/24", ["RegionOne"]);
        var spread = (await CreateRouterAsync(token, new { name = "spread" })).GetProperty("id").GetString()!;
        (await InterfaceAsync(token, spread, "add", new { subnet_id = subnet })).AssertOk();
        var local = (await CreateRouterAsync(token, new { name = "local", availability_zone_hints = new[] { "RegionOne" } })).GetProperty("id").GetString()!;
        var port = NetworkSteps.Ok(await gateway.NetworkAsync(HttpMethod.Post, "ports", token, Json(new { port = new { network_id = network } }))).GetProperty("port").GetProperty("id").GetString()!;

        AssertNeutronError(await InterfaceAsync(token, local, "add", new { port_id = port }), HttpStatusCode.Conflict, "NetAttachedToNonLocalRouter", spread);

        (await InterfaceAsync(token, spread, "remove", new { subnet_id = subnet })).AssertOk();
        (await InterfaceAsync(token, local, "add", new { port_id = port })).AssertOk();
    }

    [Fact]
    public async Task RemoveBySubnet_FromAPortOnTwoSubnets_LeavesThePortWithTheOther()
    {
        var (token, _) = gateway.NewTenant("rt");
        var (network, first) = await NetworkAsync(token, "10.75.0.0/24");
        var second = NetworkSteps.Ok(await gateway.NetworkAsync(HttpMethod.Post, "subnets", token, Json(new { subnet = new { network_id = network, ip_version = 4, cidr = "10.75.1.0/24" } })))
            .GetProperty("subnet").GetProperty("id").GetString()!;
        var port = NetworkSteps.Ok(await gateway.NetworkAsync(HttpMethod.Post, "ports", token, Json(new { port = new { network_id = network, fixed_ips = new[] { new { subnet_id = first }, new { subnet_id = second } } } })))
            .GetProperty("port").GetProperty("id").GetString()!;
        var router = (await CreateRouterAsync(token, new { name = "r" })).GetProperty("id").GetString()!;
        (await InterfaceAsync(token, router, "add", new { port_id = port })).AssertOk();

        var removed = await InterfaceAsync(token, router, "remove", new { subnet_id = first });

        removed.AssertOk();
        Assert.Equal([first], removed.Json.GetProperty("subnet_ids").EnumerateArray().Select(s => s.GetString()));
        var left = NetworkSteps.Ok(await gateway.NetworkAsync(HttpMethod.Get, "ports/" + port, token)).GetProperty("port");
        Assert.Equal(router, left.GetProperty("device_id").GetString());
        Assert.Equal([second], left.GetProperty("fixed_ips").EnumerateArray().Select(f => f.GetProperty("subnet_id").GetString()));
        (await InterfaceAsync(token, router, "remove", new { subnet_id = second })).AssertOk();
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Get, "ports/" + port, token), HttpStatusCode.NotFound, "PortNotFound", port);
    }

    [Fact]
    public async Task SubnetGateway_DoesNotMoveWhileARouterInterfaceHoldsIt()
    {
        var (token, _) = gateway.NewTenant("rt");
        var (_, subnet) = await NetworkAsync(token, "10.76.0.0/24");
        var router = (await CreateRouterAsync(token, new { name = "r" })).GetProperty("id").GetString()!;
        var port = (await InterfaceAsync(token, router, "add", new { subnet_id = subnet })).Json.GetProperty("port_id").GetString()!;

        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Put, "subnets/" + subnet, token, Json(new { subnet = new { gateway_ip = "10.76.0.254", allocation_pools = new[] { new { start = "10.76.0.2", end = "10.76.0.200" } } } })), HttpStatusCode.Conflict, "GatewayIpInUse", port);
        Assert.Equal("10.76.0.1", NetworkSteps.Ok(await gateway.NetworkAsync(HttpMethod.Get, "subnets/" + subnet, token)).GetProperty("subnet").GetProperty("gateway_ip").GetString());
        NetworkSteps.Ok(await gateway.NetworkAsync(HttpMethod.Put, "subnets/" + subnet, token, Json(new { subnet = new { name = "renamed" } })));
    }

    [Fact]
    public async Task RouterPut_WithAGatewayAndRoutesItRefuses_LeavesTheOldGateway()
    {
        var (token, _) = gateway.NewTenant("rt");
        var external = NetworkSteps.Ok(await gateway.NetworkAsync(HttpMethod.Post, "networks", gateway.AdminToken, Json(new Dictionary<string, object> { ["network"] = new Dictionary<string, object> { ["name"] = "pub-a", ["router:external"] = true } })))
            .GetProperty("network").GetProperty("id").GetString()!;
        NetworkSteps.Ok(await gateway.NetworkAsync(HttpMethod.Post, "subnets", gateway.AdminToken, Json(new { subnet = new { network_id = external, ip_version = 4, cidr = "172.26.1.0/24" } })));
        var other = NetworkSteps.Ok(await gateway.NetworkAsync(HttpMethod.Post, "networks", gateway.AdminToken, Json(new Dictionary<string, object> { ["network"] = new Dictionary<string, object> { ["name"] = "pub-b", ["router:external"] = true } })))
            .GetProperty("network").GetProperty("id").GetString()!;
        NetworkSteps.Ok(await gateway.NetworkAsync(HttpMethod.Post, "subnets", gateway.AdminToken, Json(new { subnet = new { network_id = other, ip_version = 4, cidr = "172.26.2.0/24" } })));
        var router = (await CreateRouterAsync(token, new { name = "r", external_gateway_info = new { network_id = external } })).GetProperty("id").GetString()!;

        // The route's next hop is on the old gateway's subnet, not the new one's.
        var refused = await gateway.NetworkAsync(HttpMethod.Put, "routers/" + router, token,
            Json(new { router = new { external_gateway_info = new { network_id = other }, routes = new[] { new { destination = "192.0.2.0/24", nexthop = "172.26.1.50" } } } }));

        AssertNeutronError(refused, HttpStatusCode.BadRequest, "InvalidRoutes", "nexthop is not connected");
        var after = NetworkSteps.Ok(await gateway.NetworkAsync(HttpMethod.Get, "routers/" + router, token)).GetProperty("router");
        Assert.Equal(external, after.GetProperty("external_gateway_info").GetProperty("network_id").GetString());
        Assert.Empty(after.GetProperty("routes").EnumerateArray());
        Assert.Single((await gateway.NetworkAsync(HttpMethod.Get, $"ports?device_id={router}&device_owner=network:router_gateway", gateway.AdminToken)).Json.GetProperty("ports").EnumerateArray());
    }

    [Fact]
    public async Task Extensions_NameTheRouterOnes()
    {
        var aliases = (await gateway.NetworkAsync(HttpMethod.Get, "extensions", gateway.DemoToken)).Json.GetProperty("extensions").EnumerateArray().Select(e => e.GetProperty("alias").GetString()).ToList();

        Assert.Contains("router", aliases);
        Assert.Contains("extraroute", aliases);
        Assert.Contains("ext-gw-mode", aliases);
        Assert.Contains("router_availability_zone", aliases);
        Assert.DoesNotContain("l3-ha", aliases);
        Assert.DoesNotContain("dvr", aliases);
    }

    private static string Json(object value) => JsonSerializer.Serialize(value);

    private async Task<JsonElement> CreateRouterAsync(string token, object router)
    {
        var created = await gateway.NetworkAsync(HttpMethod.Post, "routers", token, Json(new { router }));
        Assert.True(created.Status == HttpStatusCode.Created, created.Text);
        return created.Json.GetProperty("router");
    }

    private async Task<(string Network, string Subnet)> NetworkAsync(string token, string cidr, string[]? hints = null)
    {
        var network = NetworkSteps.Ok(await gateway.NetworkAsync(HttpMethod.Post, "networks", token, Json(new { network = new { name = "net-" + cidr, availability_zone_hints = hints ?? [] } })))
            .GetProperty("network").GetProperty("id").GetString()!;
        var subnet = NetworkSteps.Ok(await gateway.NetworkAsync(HttpMethod.Post, "subnets", token, Json(new { subnet = new { network_id = network, ip_version = 4, cidr } })))
            .GetProperty("subnet").GetProperty("id").GetString()!;
        return (network, subnet);
    }

    private Task<ApiResponse> InterfaceAsync(string token, string router, string action, object body) =>
        gateway.NetworkAsync(HttpMethod.Put, $"routers/{router}/{action}_router_interface", token, Json(body));

    private Task<ApiResponse> RoutesAsync(string token, string router, params object[] routes) =>
        gateway.NetworkAsync(HttpMethod.Put, "routers/" + router, token, Json(new { router = new { routes } }));
}

public sealed class RoutersApiSqliteTests(SqliteGatewayFixture gateway) : RoutersApiTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class RoutersApiPostgresTests(PostgresGatewayFixture gateway) : RoutersApiTests(gateway), IClassFixture<PostgresGatewayFixture>;
