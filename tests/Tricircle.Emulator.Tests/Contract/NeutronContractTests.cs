using System.Net;
using System.Text.Json.Nodes;

namespace Tricircle.Emulator.Contract;

/// <summary>Neutron v2.0 on the wire: what a real Zed region answers, and so what the emulator must.</summary>
public sealed class NeutronContractTests(ContractTarget target) : IClassFixture<ContractTarget>
{
    private static string Unique(string what) => $"contract-{what}-{Guid.NewGuid():N}"[..30];

    private Task<ContractResponse> Send(HttpMethod method, string path, JsonNode? body = null, string? token = null) =>
        target.SendAsync(method, target.Network, path, token ?? target.AdminToken, body);

    private async Task<JsonObject> Create(string collection, string singular, JsonObject attributes, string? token = null) =>
        (JsonObject)(await Send(HttpMethod.Post, $"/v2.0/{collection}", new JsonObject { [singular] = attributes }, token)).Expect(HttpStatusCode.Created)[singular]!;

    private async Task Delete(string collection, string id, string? token = null) =>
        (await Send(HttpMethod.Delete, $"/v2.0/{collection}/{id}", token: token)).Expect(HttpStatusCode.NoContent);

    private static void AssertError(ContractResponse response, HttpStatusCode status, string type, string? messagePart = null)
    {
        var error = response.Expect(status)["NeutronError"]!;
        Assert.Equal(type, (string?)error["type"]);
        if (messagePart is not null)
        {
            Assert.Contains(messagePart, (string)error["message"]!, StringComparison.Ordinal);
        }
    }

    private async Task<(JsonObject Network, JsonObject Subnet)> NetworkWithSubnet(string cidr, string? token = null)
    {
        var network = await Create("networks", "network", new JsonObject { ["name"] = Unique("net") }, token);
        var subnet = await Create("subnets", "subnet", new JsonObject { ["network_id"] = (string)network["id"]!, ["ip_version"] = 4, ["cidr"] = cidr }, token);
        return (network, subnet);
    }

    [Fact]
    public async Task Versions_RootWithoutToken_ListsV20()
    {
        var body = (await target.SendAsync(HttpMethod.Get, target.Network, "/", token: null)).Expect(HttpStatusCode.OK);
        var version = Assert.Single(body["versions"]!.AsArray())!;
        Assert.Equal("v2.0", (string?)version["id"]);
        Assert.Equal("CURRENT", (string?)version["status"]);
        Assert.EndsWith("/v2.0/", (string)version["links"]![0]!["href"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extensions_List_ContainsCoreAliases()
    {
        var body = (await Send(HttpMethod.Get, "/v2.0/extensions")).Expect(HttpStatusCode.OK);
        var aliases = body["extensions"]!.AsArray().Select(e => (string)e!["alias"]!).ToHashSet();
        foreach (var alias in (string[])["router", "external-net", "security-group", "binding", "port-security", "allowed-address-pairs", "extraroute"])
        {
            Assert.Contains(alias, aliases);
        }

        var resources = (await Send(HttpMethod.Get, "/v2.0/")).Expect(HttpStatusCode.OK)["resources"]!.AsArray();
        AssertError(await Send(HttpMethod.Get, "/v2.0"), HttpStatusCode.NotFound, "HTTPNotFound"); // only with the slash
        Assert.Contains(resources, r => (string?)r!["collection"] == "networks");
    }

    [Fact]
    public async Task Network_CreateShowUpdateDelete_RoundTripsWithDefaults()
    {
        var name = Unique("net");
        var network = await Create("networks", "network", new JsonObject { ["name"] = name, ["description"] = "d1" });
        var id = (string)network["id"]!;
        Assert.Equal(name, (string?)network["name"]);
        Assert.True((bool)network["admin_state_up"]!);
        Assert.False((bool)network["shared"]!);
        Assert.False((bool)network["router:external"]!);
        Assert.Equal("ACTIVE", (string?)network["status"]);
        Assert.Empty(network["subnets"]!.AsArray());
        Assert.Equal(target.AdminProjectId, (string?)network["project_id"]);
        Assert.Equal(target.AdminProjectId, (string?)network["tenant_id"]);
        Assert.True((int)network["mtu"]! > 0);
        Assert.Equal("d1", (string?)network["description"]);

        var updated = (await Send(HttpMethod.Put, $"/v2.0/networks/{id}", new JsonObject { ["network"] = new JsonObject { ["name"] = name + "-x" } })).Expect(HttpStatusCode.OK)["network"]!;
        Assert.Equal(name + "-x", (string?)updated["name"]);
        Assert.True((int)updated["revision_number"]! > (int)network["revision_number"]!);

        var shown = (await Send(HttpMethod.Get, $"/v2.0/networks/{id}?fields=id&fields=name")).Expect(HttpStatusCode.OK)["network"]!.AsObject();
        Assert.Equal(["id", "name"], shown.Select(p => p.Key).Order(StringComparer.Ordinal));

        await Delete("networks", id);
        AssertError(await Send(HttpMethod.Get, $"/v2.0/networks/{id}"), HttpStatusCode.NotFound, "NetworkNotFound", id);
    }

    [Fact]
    public async Task Network_BadBodies_Are400()
    {
        AssertError(await Send(HttpMethod.Post, "/v2.0/networks", new JsonObject { ["network"] = new JsonObject { ["bogus"] = 1 } }), HttpStatusCode.BadRequest, "HTTPBadRequest", "Unrecognized attribute(s) 'bogus'");
        AssertError(await Send(HttpMethod.Post, "/v2.0/networks", new JsonObject { ["network"] = new JsonObject { ["admin_state_up"] = "maybe" } }), HttpStatusCode.BadRequest, "InvalidInput", "'maybe' cannot be converted to boolean");
        AssertError(await Send(HttpMethod.Post, "/v2.0/networks", new JsonObject { ["net"] = new JsonObject() }), HttpStatusCode.BadRequest, "HTTPBadRequest", "Unable to find 'network' in request body");
        var raw = await target.SendRawAsync(HttpMethod.Post, target.Network, "/v2.0/networks", target.AdminToken, "{not json");
        Assert.Equal(HttpStatusCode.BadRequest, raw.Status);
    }

    [Fact]
    public async Task NullWhereNeutronConvertsOrValidatesAString_Is400()
    {
        // neutron-lib: type:string and convert_to_int refuse None, and so does the security group
        // rule's ethertype converter (with its own error); the provider attributes are an admin's.
        var vlan = new JsonObject { ["name"] = Unique("vlan"), ["provider:network_type"] = "vlan", ["provider:segmentation_id"] = null };
        AssertError(await Send(HttpMethod.Post, "/v2.0/networks", new JsonObject { ["network"] = vlan }), HttpStatusCode.BadRequest, "InvalidInput", "'None' is not an integer");
        AssertError(await Send(HttpMethod.Post, "/v2.0/networks", new JsonObject { ["network"] = new JsonObject { ["provider:network_type"] = null } }), HttpStatusCode.BadRequest, "HTTPBadRequest", "is not a valid string");
        foreach (var field in (string[])["name", "description"])
        {
            AssertError(
                await Send(HttpMethod.Post, "/v2.0/security-groups", new JsonObject { ["security_group"] = new JsonObject { [field] = null } }, target.DemoToken),
                HttpStatusCode.BadRequest,
                "HTTPBadRequest",
                $"Invalid input for {field}");
        }

        AssertError(
            await Send(HttpMethod.Post, "/v2.0/security-groups", new JsonObject { ["security_group"] = new JsonObject { ["name"] = Unique("sg"), ["stateful"] = null } }, target.DemoToken),
            HttpStatusCode.BadRequest,
            "InvalidInput",
            "'None' cannot be converted to boolean");
        var group = await Create("security-groups", "security_group", new JsonObject { ["name"] = Unique("sg") }, target.DemoToken);
        try
        {
            var rule = new JsonObject { ["security_group_id"] = (string)group["id"]!, ["direction"] = "ingress", ["ethertype"] = null };
            AssertError(
                await Send(HttpMethod.Post, "/v2.0/security-group-rules", new JsonObject { ["security_group_rule"] = rule }, target.DemoToken),
                HttpStatusCode.BadRequest,
                "SecurityGroupRuleInvalidEtherType",
                "ethertype 'None' not supported");
        }
        finally
        {
            await Delete("security-groups", (string)group["id"]!, target.DemoToken);
        }
    }

    [Fact]
    public async Task Port_AllowedAddressPairsOrSecurityGroupsNull_IsNone()
    {
        // neutron-lib's allowedaddresspairs: convert_none_to_empty_list before the validator.
        var (network, _) = await NetworkWithSubnet("10.231.12.0/24", target.DemoToken);
        try
        {
            var port = await Create("ports", "port", new JsonObject { ["network_id"] = (string)network["id"]!, ["allowed_address_pairs"] = null }, target.DemoToken);
            Assert.Empty(port["allowed_address_pairs"]!.AsArray());
            var pairs = new JsonArray(new JsonObject { ["ip_address"] = "10.231.12.200" });
            (await Send(HttpMethod.Put, $"/v2.0/ports/{port["id"]}", new JsonObject { ["port"] = new JsonObject { ["allowed_address_pairs"] = pairs } }, target.DemoToken)).Expect(HttpStatusCode.OK);
            var cleared = (await Send(HttpMethod.Put, $"/v2.0/ports/{port["id"]}", new JsonObject { ["port"] = new JsonObject { ["allowed_address_pairs"] = null } }, target.DemoToken)).Expect(HttpStatusCode.OK);
            Assert.Empty(cleared["port"]!["allowed_address_pairs"]!.AsArray());
            await Delete("ports", (string)port["id"]!, target.DemoToken);

            // security_groups converts the same way: null is no groups, not the default group.
            var bare = await Create("ports", "port", new JsonObject { ["network_id"] = (string)network["id"]!, ["security_groups"] = null }, target.DemoToken);
            Assert.Empty(bare["security_groups"]!.AsArray());
            await Delete("ports", (string)bare["id"]!, target.DemoToken);
        }
        finally
        {
            await Delete("networks", (string)network["id"]!, target.DemoToken);
        }
    }

    [Fact]
    public async Task Network_OfAnotherProject_IsInvisibleToDemo()
    {
        var network = await Create("networks", "network", new JsonObject { ["name"] = Unique("private") });
        try
        {
            AssertError(await Send(HttpMethod.Get, $"/v2.0/networks/{network["id"]}", token: target.DemoToken), HttpStatusCode.NotFound, "NetworkNotFound");
            var listed = (await Send(HttpMethod.Get, "/v2.0/networks", token: target.DemoToken)).Expect(HttpStatusCode.OK)["networks"]!.AsArray();
            Assert.DoesNotContain(listed, n => (string?)n!["id"] == (string?)network["id"]);
        }
        finally
        {
            await Delete("networks", (string)network["id"]!);
        }
    }

    [Fact]
    public async Task Port_BulkCreateWithAFailingItem_MakesNone()
    {
        var (network, subnet) = await NetworkWithSubnet("10.231.13.0/24", target.DemoToken);
        try
        {
            var fixedIp = new JsonObject { ["subnet_id"] = (string)subnet["id"]!, ["ip_address"] = "10.231.13.9" };
            var body = new JsonObject
            {
                ["ports"] = new JsonArray(
                    new JsonObject { ["network_id"] = (string)network["id"]!, ["fixed_ips"] = new JsonArray(fixedIp.DeepClone()) },
                    new JsonObject { ["port"] = new JsonObject { ["network_id"] = (string)network["id"]!, ["fixed_ips"] = new JsonArray(fixedIp.DeepClone()) } }),
            };
            AssertError(await Send(HttpMethod.Post, "/v2.0/ports", body, target.DemoToken), HttpStatusCode.Conflict, "IpAddressAlreadyAllocated");
            Assert.Empty((await Send(HttpMethod.Get, $"/v2.0/ports?network_id={network["id"]}", token: target.DemoToken)).Expect(HttpStatusCode.OK)["ports"]!.AsArray());
        }
        finally
        {
            await Delete("networks", (string)network["id"]!, target.DemoToken);
        }
    }

    [Fact]
    public async Task Subnet_Create_DefaultsGatewayAndPoolsAndRejectsBadCidrs()
    {
        var (network, subnet) = await NetworkWithSubnet("10.231.7.0/24");
        var networkId = (string)network["id"]!;
        try
        {
            Assert.Equal("10.231.7.1", (string?)subnet["gateway_ip"]);
            var pool = Assert.Single(subnet["allocation_pools"]!.AsArray())!;
            Assert.Equal("10.231.7.2", (string?)pool["start"]);
            Assert.Equal("10.231.7.254", (string?)pool["end"]);
            Assert.True((bool)subnet["enable_dhcp"]!);
            Assert.Equal(4, (int)subnet["ip_version"]!);

            var shown = (await Send(HttpMethod.Get, $"/v2.0/networks/{networkId}")).Expect(HttpStatusCode.OK)["network"]!;
            Assert.Contains(shown["subnets"]!.AsArray(), s => (string?)s == (string?)subnet["id"]);

            AssertError(await Send(HttpMethod.Post, "/v2.0/subnets", new JsonObject { ["subnet"] = new JsonObject { ["network_id"] = networkId, ["ip_version"] = 4, ["cidr"] = "10.231.7.128/25" } }), HttpStatusCode.BadRequest, "InvalidInput", "overlaps with another subnet");
            AssertError(await Send(HttpMethod.Post, "/v2.0/subnets", new JsonObject { ["subnet"] = new JsonObject { ["network_id"] = networkId, ["ip_version"] = 4, ["cidr"] = "10.300.0.0/24" } }), HttpStatusCode.BadRequest, "InvalidInput", "10.300.0.0/24 is not in a CIDR format");
            AssertError(await Send(HttpMethod.Post, "/v2.0/subnets", new JsonObject { ["subnet"] = new JsonObject { ["network_id"] = networkId, ["ip_version"] = 6, ["cidr"] = "10.232.0.0/24" } }), HttpStatusCode.BadRequest, "InvalidInput");

            var v6 = await Create("subnets", "subnet", new JsonObject { ["network_id"] = networkId, ["ip_version"] = 6, ["cidr"] = "fd00:231:7::/64", ["gateway_ip"] = null });
            Assert.Null(v6["gateway_ip"]);
            var v6pool = Assert.Single(v6["allocation_pools"]!.AsArray())!;
            Assert.Equal("fd00:231:7::1", (string?)v6pool["start"]);
            Assert.Equal("fd00:231:7:0:ffff:ffff:ffff:ffff", (string?)v6pool["end"]);
        }
        finally
        {
            await Delete("networks", networkId);
        }
    }

    [Fact]
    public async Task Port_FixedIps_AllocateConflictAndRelease()
    {
        var (network, subnet) = await NetworkWithSubnet("10.231.8.0/24");
        var networkId = (string)network["id"]!;
        var subnetId = (string)subnet["id"]!;
        try
        {
            var port = await Create("ports", "port", new JsonObject { ["network_id"] = networkId, ["fixed_ips"] = new JsonArray(new JsonObject { ["ip_address"] = "10.231.8.50" }) });
            var fixedIp = Assert.Single(port["fixed_ips"]!.AsArray())!;
            Assert.Equal("10.231.8.50", (string?)fixedIp["ip_address"]);
            Assert.Equal(subnetId, (string?)fixedIp["subnet_id"]);
            Assert.Matches("^fa:16:3e(:[0-9a-f]{2}){3}$", (string)port["mac_address"]!);
            Assert.Equal("DOWN", (string?)port["status"]);
            Assert.Equal("", (string?)port["device_id"]);
            Assert.Single(port["security_groups"]!.AsArray()); // the project's default group

            AssertError(await Send(HttpMethod.Post, "/v2.0/ports", new JsonObject { ["port"] = new JsonObject { ["network_id"] = networkId, ["fixed_ips"] = new JsonArray(new JsonObject { ["ip_address"] = "10.231.8.50" }) } }), HttpStatusCode.Conflict, "IpAddressAlreadyAllocated", "10.231.8.50");
            AssertError(await Send(HttpMethod.Post, "/v2.0/ports", new JsonObject { ["port"] = new JsonObject { ["network_id"] = networkId, ["fixed_ips"] = new JsonArray(new JsonObject { ["subnet_id"] = subnetId, ["ip_address"] = "10.9.9.9" }) } }), HttpStatusCode.BadRequest, "InvalidIpForSubnet");
            AssertError(await Send(HttpMethod.Post, "/v2.0/ports", new JsonObject { ["port"] = new JsonObject { ["network_id"] = networkId, ["mac_address"] = (string)port["mac_address"]! } }), HttpStatusCode.Conflict, "MacAddressInUse");

            var auto = await Create("ports", "port", new JsonObject { ["network_id"] = networkId, ["name"] = "auto" });
            var autoIp = (string)auto["fixed_ips"]![0]!["ip_address"]!;
            Assert.StartsWith("10.231.8.", autoIp, StringComparison.Ordinal);
            Assert.NotEqual("10.231.8.50", autoIp);

            // A real Neutron picks an automatic address at random among the free ones, so the
            // address the port moves to must not be the one "auto" happened to get.
            var movedIp = autoIp == "10.231.8.60" ? "10.231.8.61" : "10.231.8.60";

            var moved = (await Send(HttpMethod.Put, $"/v2.0/ports/{port["id"]}", new JsonObject { ["port"] = new JsonObject { ["fixed_ips"] = new JsonArray(new JsonObject { ["ip_address"] = movedIp }), ["name"] = "moved" } })).Expect(HttpStatusCode.OK)["port"]!;
            Assert.Equal(movedIp, (string?)moved["fixed_ips"]![0]!["ip_address"]);
            Assert.Equal("moved", (string?)moved["name"]);

            var filtered = (await Send(HttpMethod.Get, $"/v2.0/ports?network_id={networkId}&fixed_ips=ip_address%3D{movedIp}")).Expect(HttpStatusCode.OK)["ports"]!.AsArray();
            Assert.Equal((string?)port["id"], (string?)Assert.Single(filtered)!["id"]);

            AssertError(await Send(HttpMethod.Delete, $"/v2.0/networks/{networkId}"), HttpStatusCode.Conflict, "NetworkInUse", networkId);
            await Delete("ports", (string)port["id"]!);
            await Delete("ports", (string)auto["id"]!);
            var again = await Create("ports", "port", new JsonObject { ["network_id"] = networkId, ["fixed_ips"] = new JsonArray(new JsonObject { ["ip_address"] = movedIp }) });
            await Delete("ports", (string)again["id"]!);
        }
        finally
        {
            // Ports a failed step left behind go first, so that the step's own failure is what
            // the test reports, not the network's 409 NetworkInUse.
            var left = (await Send(HttpMethod.Get, $"/v2.0/ports?network_id={networkId}")).Expect(HttpStatusCode.OK)["ports"]!.AsArray();
            foreach (var port in left.Where(p => (string?)p!["device_owner"] is not "network:dhcp"))
            {
                await Send(HttpMethod.Delete, $"/v2.0/ports/{port!["id"]}");
            }

            await Delete("networks", networkId);
        }
    }

    [Fact]
    public async Task Router_Interfaces_AddRemoveRoutesAndInUse()
    {
        var (network, subnet) = await NetworkWithSubnet("10.231.9.0/24");
        var networkId = (string)network["id"]!;
        var subnetId = (string)subnet["id"]!;
        var router = await Create("routers", "router", new JsonObject { ["name"] = Unique("router") });
        var routerId = (string)router["id"]!;
        try
        {
            Assert.Null(router["external_gateway_info"]);
            Assert.Empty(router["routes"]!.AsArray());

            var added = (await Send(HttpMethod.Put, $"/v2.0/routers/{routerId}/add_router_interface", new JsonObject { ["subnet_id"] = subnetId })).Expect(HttpStatusCode.OK);
            Assert.Equal(routerId, (string?)added["id"]);
            Assert.Equal(subnetId, (string?)added["subnet_id"]);
            var port = (await Send(HttpMethod.Get, $"/v2.0/ports/{added["port_id"]}")).Expect(HttpStatusCode.OK)["port"]!;
            Assert.Equal("network:router_interface", (string?)port["device_owner"]);
            Assert.Equal(routerId, (string?)port["device_id"]);
            Assert.Equal("10.231.9.1", (string?)port["fixed_ips"]![0]!["ip_address"]);

            AssertError(await Send(HttpMethod.Put, $"/v2.0/routers/{routerId}/add_router_interface", new JsonObject { ["subnet_id"] = subnetId }), HttpStatusCode.BadRequest, "BadRequest", "already has a port on subnet");
            AssertError(await Send(HttpMethod.Delete, $"/v2.0/routers/{routerId}"), HttpStatusCode.Conflict, "RouterInUse", routerId);
            AssertError(await Send(HttpMethod.Delete, $"/v2.0/ports/{added["port_id"]}"), HttpStatusCode.Conflict, "ServicePortInUse", "has device owner network:router_interface");

            AssertError(await Send(HttpMethod.Put, $"/v2.0/routers/{routerId}", new JsonObject { ["router"] = new JsonObject { ["routes"] = new JsonArray(new JsonObject { ["destination"] = "192.168.77.0/24", ["nexthop"] = "10.1.2.3" }) } }), HttpStatusCode.BadRequest, "InvalidRoutes");
            var routed = (await Send(HttpMethod.Put, $"/v2.0/routers/{routerId}", new JsonObject { ["router"] = new JsonObject { ["routes"] = new JsonArray(new JsonObject { ["destination"] = "192.168.77.0/24", ["nexthop"] = "10.231.9.20" }) } })).Expect(HttpStatusCode.OK)["router"]!;
            Assert.Equal("10.231.9.20", (string?)Assert.Single(routed["routes"]!.AsArray())!["nexthop"]);
            (await Send(HttpMethod.Put, $"/v2.0/routers/{routerId}", new JsonObject { ["router"] = new JsonObject { ["routes"] = new JsonArray() } })).Expect(HttpStatusCode.OK);

            var removed = (await Send(HttpMethod.Put, $"/v2.0/routers/{routerId}/remove_router_interface", new JsonObject { ["subnet_id"] = subnetId })).Expect(HttpStatusCode.OK);
            Assert.Equal((string?)added["port_id"], (string?)removed["port_id"]);
            AssertError(await Send(HttpMethod.Put, $"/v2.0/routers/{routerId}/remove_router_interface", new JsonObject { ["subnet_id"] = subnetId }), HttpStatusCode.NotFound, "RouterInterfaceNotFoundForSubnet");
        }
        finally
        {
            await Delete("routers", routerId);
            await Delete("networks", networkId);
        }
    }

    [Fact]
    public async Task Router_GatewaySet_ChecksTheRoutes_ButAClearedGatewayLeavesThem()
    {
        var external = await Create("networks", "network", new JsonObject { ["name"] = Unique("ext"), ["router:external"] = true });
        var externalId = (string)external["id"]!;
        await Create("subnets", "subnet", new JsonObject { ["network_id"] = externalId, ["ip_version"] = 4, ["cidr"] = "172.31.232.0/24", ["enable_dhcp"] = false });
        var other = await Create("networks", "network", new JsonObject { ["name"] = Unique("ext"), ["router:external"] = true });
        var otherId = (string)other["id"]!;
        await Create("subnets", "subnet", new JsonObject { ["network_id"] = otherId, ["ip_version"] = 4, ["cidr"] = "172.31.233.0/24", ["enable_dhcp"] = false });
        var router = await Create("routers", "router", new JsonObject { ["name"] = Unique("router"), ["external_gateway_info"] = new JsonObject { ["network_id"] = externalId } });
        var routerId = (string)router["id"]!;
        JsonObject Gateway(string? network) => new() { ["router"] = new JsonObject { ["external_gateway_info"] = network is null ? new JsonObject() : new JsonObject { ["network_id"] = network } } };
        try
        {
            // A next hop far from the subnet's start: Neutron gives the gateway port one of the first free addresses at random.
            var routes = new JsonArray(new JsonObject { ["destination"] = "192.168.78.0/24", ["nexthop"] = "172.31.232.250" });
            (await Send(HttpMethod.Put, $"/v2.0/routers/{routerId}", new JsonObject { ["router"] = new JsonObject { ["routes"] = routes } })).Expect(HttpStatusCode.OK);

            // Another network as gateway: the route's next hop would be on none of the router's subnets.
            AssertError(await Send(HttpMethod.Put, $"/v2.0/routers/{routerId}", Gateway(otherId)), HttpStatusCode.BadRequest, "InvalidRoutes", "the nexthop is not connected with router");
            var kept = (await Send(HttpMethod.Get, $"/v2.0/routers/{routerId}")).Expect(HttpStatusCode.OK)["router"]!;
            Assert.Equal(externalId, (string?)kept["external_gateway_info"]!["network_id"]);

            // Cleared, the gateway goes and the route stays; set again, only a gateway that connects the next hop is taken.
            var cleared = (await Send(HttpMethod.Put, $"/v2.0/routers/{routerId}", Gateway(null))).Expect(HttpStatusCode.OK)["router"]!;
            Assert.Null(cleared["external_gateway_info"]);
            Assert.Single(cleared["routes"]!.AsArray());
            AssertError(await Send(HttpMethod.Put, $"/v2.0/routers/{routerId}", Gateway(otherId)), HttpStatusCode.BadRequest, "InvalidRoutes", "the nexthop is not connected with router");
            Assert.Null((await Send(HttpMethod.Get, $"/v2.0/routers/{routerId}")).Expect(HttpStatusCode.OK)["router"]!["external_gateway_info"]);
            var again = (await Send(HttpMethod.Put, $"/v2.0/routers/{routerId}", Gateway(externalId))).Expect(HttpStatusCode.OK)["router"]!;
            Assert.Equal(externalId, (string?)again["external_gateway_info"]!["network_id"]);
        }
        finally
        {
            await Send(HttpMethod.Put, $"/v2.0/routers/{routerId}", new JsonObject { ["router"] = new JsonObject { ["routes"] = new JsonArray() } });
            await Delete("routers", routerId);
            await Delete("networks", externalId);
            await Delete("networks", otherId);
        }
    }

    [Fact]
    public async Task Network_RouterExternal_FlipsBothWays_ButNotOffWhileARouterHasItsGatewayThere()
    {
        var network = await Create("networks", "network", new JsonObject { ["name"] = Unique("flip") });
        var id = (string)network["id"]!;
        await Create("subnets", "subnet", new JsonObject { ["network_id"] = id, ["ip_version"] = 4, ["cidr"] = "172.31.234.0/24", ["enable_dhcp"] = false });
        JsonObject External(bool value) => new() { ["network"] = new JsonObject { ["router:external"] = value } };
        string? routerId = null;
        try
        {
            Assert.True((bool)(await Send(HttpMethod.Put, $"/v2.0/networks/{id}", External(true))).Expect(HttpStatusCode.OK)["network"]!["router:external"]!);
            routerId = (string)(await Create("routers", "router", new JsonObject { ["name"] = Unique("router"), ["external_gateway_info"] = new JsonObject { ["network_id"] = id } }))["id"]!;
            AssertError(await Send(HttpMethod.Put, $"/v2.0/networks/{id}", External(false)), HttpStatusCode.Conflict, "ExternalNetworkInUse", "cannot be updated to be made non-external, since it has existing gateway ports");
            Assert.True((bool)(await Send(HttpMethod.Get, $"/v2.0/networks/{id}")).Expect(HttpStatusCode.OK)["network"]!["router:external"]!);

            await Delete("routers", routerId);
            routerId = null;
            Assert.False((bool)(await Send(HttpMethod.Put, $"/v2.0/networks/{id}", External(false))).Expect(HttpStatusCode.OK)["network"]!["router:external"]!);
        }
        finally
        {
            if (routerId is not null)
            {
                await Delete("routers", routerId);
            }

            await Delete("networks", id);
        }
    }

    [Fact]
    public async Task FloatingIp_AssociateThroughRouterGateway()
    {
        var external = await Create("networks", "network", new JsonObject { ["name"] = Unique("ext"), ["router:external"] = true });
        var externalId = (string)external["id"]!;
        await Create("subnets", "subnet", new JsonObject { ["network_id"] = externalId, ["ip_version"] = 4, ["cidr"] = "172.31.231.0/24" });
        var (network, subnet) = await NetworkWithSubnet("10.231.10.0/24");
        var router = await Create("routers", "router", new JsonObject { ["name"] = Unique("router"), ["external_gateway_info"] = new JsonObject { ["network_id"] = externalId } });
        var routerId = (string)router["id"]!;
        string? fipId = null;
        string? portId = null;
        try
        {
            var gateway = router["external_gateway_info"]!;
            Assert.Equal(externalId, (string?)gateway["network_id"]);
            Assert.StartsWith("172.31.231.", (string)gateway["external_fixed_ips"]![0]!["ip_address"]!, StringComparison.Ordinal);

            var port = await Create("ports", "port", new JsonObject { ["network_id"] = (string)network["id"]! });
            portId = (string)port["id"]!;
            var fip = await Create("floatingips", "floatingip", new JsonObject { ["floating_network_id"] = externalId });
            fipId = (string)fip["id"]!;
            Assert.StartsWith("172.31.231.", (string)fip["floating_ip_address"]!, StringComparison.Ordinal);
            Assert.Null(fip["port_id"]);
            Assert.Equal("DOWN", (string?)fip["status"]);

            // The port's subnet is not on a router with a gateway to the external network yet.
            AssertError(await Send(HttpMethod.Put, $"/v2.0/floatingips/{fipId}", new JsonObject { ["floatingip"] = new JsonObject { ["port_id"] = portId } }), HttpStatusCode.NotFound, "ExternalGatewayForFloatingIPNotFound");

            (await Send(HttpMethod.Put, $"/v2.0/routers/{routerId}/add_router_interface", new JsonObject { ["subnet_id"] = (string)subnet["id"]! })).Expect(HttpStatusCode.OK);
            var associated = (await Send(HttpMethod.Put, $"/v2.0/floatingips/{fipId}", new JsonObject { ["floatingip"] = new JsonObject { ["port_id"] = portId } })).Expect(HttpStatusCode.OK)["floatingip"]!;
            Assert.Equal(portId, (string?)associated["port_id"]);
            Assert.Equal(routerId, (string?)associated["router_id"]);
            Assert.Equal((string?)port["fixed_ips"]![0]!["ip_address"], (string?)associated["fixed_ip_address"]);
            // An L3 agent turns an associated floating IP ACTIVE; without one (the lab runs no
            // agents, and an operator's cloud may be slow) it stays DOWN: both are real answers.
            Assert.Contains((string?)associated["status"], (string[])["ACTIVE", "DOWN"]);

            var disassociated = (await Send(HttpMethod.Put, $"/v2.0/floatingips/{fipId}", new JsonObject { ["floatingip"] = new JsonObject { ["port_id"] = null } })).Expect(HttpStatusCode.OK)["floatingip"]!;
            Assert.Null(disassociated["port_id"]);
            Assert.Null(disassociated["fixed_ip_address"]);
            (await Send(HttpMethod.Put, $"/v2.0/routers/{routerId}/remove_router_interface", new JsonObject { ["subnet_id"] = (string)subnet["id"]! })).Expect(HttpStatusCode.OK);
        }
        finally
        {
            if (fipId is not null)
            {
                await Delete("floatingips", fipId);
            }

            if (portId is not null)
            {
                await Delete("ports", portId);
            }

            await Delete("routers", routerId);
            await Delete("networks", (string)network["id"]!);
            await Delete("networks", externalId);
        }
    }

    [Fact]
    public async Task SecurityGroups_DefaultRulesDuplicateRuleAndInUse()
    {
        var groups = (await Send(HttpMethod.Get, $"/v2.0/security-groups?name=default&project_id={target.DemoProjectId}", token: target.DemoToken)).Expect(HttpStatusCode.OK)["security_groups"]!.AsArray();
        var defaultGroup = Assert.Single(groups)!;
        var rules = defaultGroup["security_group_rules"]!.AsArray();
        Assert.Equal(2, rules.Count(r => (string?)r!["direction"] == "egress" && r["remote_group_id"] is null));
        Assert.Equal(2, rules.Count(r => (string?)r!["direction"] == "ingress" && (string?)r["remote_group_id"] == (string?)defaultGroup["id"]));

        var group = await Create("security-groups", "security_group", new JsonObject { ["name"] = Unique("sg"), ["description"] = "web" }, target.DemoToken);
        var groupId = (string)group["id"]!;
        Assert.Equal(2, group["security_group_rules"]!.AsArray().Count); // egress IPv4 and IPv6
        var ruleBody = new JsonObject { ["security_group_rule"] = new JsonObject { ["security_group_id"] = groupId, ["direction"] = "ingress", ["protocol"] = "tcp", ["port_range_min"] = 22, ["port_range_max"] = 22, ["remote_ip_prefix"] = "0.0.0.0/0" } };
        var rule = (await Send(HttpMethod.Post, "/v2.0/security-group-rules", ruleBody, target.DemoToken)).Expect(HttpStatusCode.Created)["security_group_rule"]!;
        Assert.Equal("IPv4", (string?)rule["ethertype"]);
        Assert.Equal("tcp", (string?)rule["protocol"]);
        AssertError(await Send(HttpMethod.Post, "/v2.0/security-group-rules", ruleBody, target.DemoToken), HttpStatusCode.Conflict, "SecurityGroupRuleExists", (string)rule["id"]!);

        var (network, _) = await NetworkWithSubnet("10.231.11.0/24", target.DemoToken);
        var port = await Create("ports", "port", new JsonObject { ["network_id"] = (string)network["id"]!, ["security_groups"] = new JsonArray(groupId) }, target.DemoToken);
        var inDefault = await Create("ports", "port", new JsonObject { ["network_id"] = (string)network["id"]! }, target.DemoToken);
        try
        {
            Assert.Equal(groupId, (string?)Assert.Single(port["security_groups"]!.AsArray()));
            AssertError(await Send(HttpMethod.Delete, $"/v2.0/security-groups/{groupId}", token: target.DemoToken), HttpStatusCode.Conflict, "SecurityGroupInUse");

            // Neutron looks for ports before the name, so the owner of a default group in use is told
            // "in use". (Not in use, it is SecurityGroupCannotRemoveDefault; that cannot be asserted here:
            // other contract tests boot servers into the demo project's default group at the same time.)
            Assert.Equal((string?)defaultGroup["id"], (string?)Assert.Single(inDefault["security_groups"]!.AsArray()));
            AssertError(await Send(HttpMethod.Delete, $"/v2.0/security-groups/{defaultGroup["id"]}", token: target.DemoToken), HttpStatusCode.Conflict, "SecurityGroupInUse");
        }
        finally
        {
            await Delete("ports", (string)inDefault["id"]!, target.DemoToken);
            await Delete("ports", (string)port["id"]!, target.DemoToken);
            await Delete("networks", (string)network["id"]!, target.DemoToken);
        }

        await Delete("security-group-rules", (string)rule["id"]!, target.DemoToken);
        await Delete("security-groups", groupId, target.DemoToken);
    }

    [Fact]
    public async Task List_FiltersSortingAndPaging_FollowNeutronLinks()
    {
        var name = Unique("page");
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((string)(await Create("networks", "network", new JsonObject { ["name"] = name, ["admin_state_up"] = i != 1 }))["id"]!);
        }

        try
        {
            var page1 = (await Send(HttpMethod.Get, $"/v2.0/networks?name={name}&limit=2&sort_key=id&sort_dir=asc")).Expect(HttpStatusCode.OK);
            var first = page1["networks"]!.AsArray().Select(n => (string)n!["id"]!).ToList();
            Assert.Equal(ids.Order(StringComparer.Ordinal).Take(2), first);
            var next = page1["networks_links"]!.AsArray().First(l => (string?)l!["rel"] == "next")!;
            var nextUri = new Uri((string)next["href"]!);
            var page2 = (await target.SendAsync(HttpMethod.Get, target.Network, nextUri.PathAndQuery, target.AdminToken)).Expect(HttpStatusCode.OK);
            Assert.Equal(ids.Order(StringComparer.Ordinal).Skip(2), page2["networks"]!.AsArray().Select(n => (string)n!["id"]!));

            var down = (await Send(HttpMethod.Get, $"/v2.0/networks?name={name}&admin_state_up=False&fields=id")).Expect(HttpStatusCode.OK)["networks"]!.AsArray();
            var only = Assert.Single(down)!.AsObject();
            Assert.Equal(ids[1], (string?)only["id"]);
            Assert.Single(only);

            var desc = (await Send(HttpMethod.Get, $"/v2.0/networks?name={name}&sort_key=id&sort_dir=desc")).Expect(HttpStatusCode.OK)["networks"]!.AsArray();
            Assert.Equal(ids.OrderDescending(StringComparer.Ordinal), desc.Select(n => (string)n!["id"]!));

            AssertError(await Send(HttpMethod.Get, $"/v2.0/networks?name={name}&sort_key=bogus&sort_dir=asc"), HttpStatusCode.BadRequest, "HTTPBadRequest", "['bogus'] is invalid attribute for sort_keys");

            var either = (await Send(HttpMethod.Get, $"/v2.0/networks?id={ids[0]}&id={ids[2]}")).Expect(HttpStatusCode.OK)["networks"]!.AsArray();
            Assert.Equal(2, either.Count);
        }
        finally
        {
            foreach (var id in ids)
            {
                await Delete("networks", id);
            }
        }
    }

    [Fact]
    public async Task Tags_SetAddRemoveAndFilter()
    {
        var network = await Create("networks", "network", new JsonObject { ["name"] = Unique("tags") });
        var id = (string)network["id"]!;
        var tag = Unique("t");
        try
        {
            var set = (await Send(HttpMethod.Put, $"/v2.0/networks/{id}/tags", new JsonObject { ["tags"] = new JsonArray(tag, "red") })).Expect(HttpStatusCode.OK);
            Assert.Equal(new[] { "red", tag }.Order(StringComparer.Ordinal), set["tags"]!.AsArray().Select(t => (string)t!).Order(StringComparer.Ordinal));
            var added = await Send(HttpMethod.Put, $"/v2.0/networks/{id}/tags/blue");
            Assert.Equal((HttpStatusCode.Created, "null"), (added.Status, added.Text));
            (await Send(HttpMethod.Get, $"/v2.0/networks/{id}/tags/blue")).Expect(HttpStatusCode.NoContent);
            (await Send(HttpMethod.Delete, $"/v2.0/networks/{id}/tags/red")).Expect(HttpStatusCode.NoContent);
            AssertError(await Send(HttpMethod.Delete, $"/v2.0/networks/{id}/tags/red"), HttpStatusCode.NotFound, "TagNotFound");

            var both = (await Send(HttpMethod.Get, $"/v2.0/networks?tags={tag},blue")).Expect(HttpStatusCode.OK)["networks"]!.AsArray();
            Assert.Equal(id, (string?)Assert.Single(both)!["id"]);
            var none = (await Send(HttpMethod.Get, $"/v2.0/networks?tags={tag},red")).Expect(HttpStatusCode.OK)["networks"]!.AsArray();
            Assert.Empty(none);
            var any = (await Send(HttpMethod.Get, $"/v2.0/networks?tags-any={tag},red")).Expect(HttpStatusCode.OK)["networks"]!.AsArray();
            Assert.Single(any);
            var shown = (await Send(HttpMethod.Get, $"/v2.0/networks/{id}")).Expect(HttpStatusCode.OK)["network"]!;
            Assert.Equal(new[] { "blue", tag }.Order(StringComparer.Ordinal), shown["tags"]!.AsArray().Select(t => (string)t!).Order(StringComparer.Ordinal));
        }
        finally
        {
            await Delete("networks", id);
        }
    }

    [Fact]
    public async Task Port_NonAdminBindingHost_IsForbidden()
    {
        var (network, _) = await NetworkWithSubnet("10.231.12.0/24", target.DemoToken);
        try
        {
            AssertError(await Send(HttpMethod.Post, "/v2.0/ports", new JsonObject { ["port"] = new JsonObject { ["network_id"] = (string)network["id"]!, ["binding:host_id"] = "somewhere" } }, target.DemoToken), HttpStatusCode.Forbidden, "PolicyNotAuthorized");
        }
        finally
        {
            await Delete("networks", (string)network["id"]!, target.DemoToken);
        }
    }

    [Fact]
    public async Task Quotas_OwnProjectReadable_OthersForbidden()
    {
        var quota = (await Send(HttpMethod.Get, $"/v2.0/quotas/{target.DemoProjectId}", token: target.DemoToken)).Expect(HttpStatusCode.OK)["quota"]!;
        Assert.True((int)quota["network"]! >= -1);
        Assert.True((int)quota["port"]! >= -1);
        var details = (await Send(HttpMethod.Get, $"/v2.0/quotas/{target.DemoProjectId}/details", token: target.DemoToken)).Expect(HttpStatusCode.OK)["quota"]!;
        Assert.True((int)details["security_group"]!["used"]! >= 0);
        Assert.Equal((int)quota["network"]!, (int)details["network"]!["limit"]!);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(HttpMethod.Get, $"/v2.0/quotas/{target.AdminProjectId}", token: target.DemoToken)).Status);
    }

    [Fact]
    public async Task Network_BulkCreate_ReturnsEveryNetwork()
    {
        var name = Unique("bulk");
        var body = new JsonObject { ["networks"] = new JsonArray(new JsonObject { ["name"] = name }, new JsonObject { ["name"] = name }) };
        var created = (await Send(HttpMethod.Post, "/v2.0/networks", body)).Expect(HttpStatusCode.Created)["networks"]!.AsArray();
        Assert.Equal(2, created.Count);
        foreach (var network in created)
        {
            Assert.Equal(name, (string?)network!["name"]);
            await Delete("networks", (string)network["id"]!);
        }
    }

    [Fact]
    public async Task Addresses_ShortNumericAndHexForms_AreRefused()
    {
        // netaddr and neutron-lib's validators read dotted decimal quads only (.NET's parser takes "256" as 0.0.1.0).
        var group = await Create("security-groups", "security_group", new JsonObject { ["name"] = Unique("sg") }, target.DemoToken);
        var (network, _) = await NetworkWithSubnet("10.231.12.0/24", target.DemoToken);
        try
        {
            foreach (var prefix in (string[])["256", "0x7f.0.0.1", "192.168.1./24"])
            {
                var rule = new JsonObject { ["security_group_rule"] = new JsonObject { ["security_group_id"] = (string)group["id"]!, ["direction"] = "ingress", ["remote_ip_prefix"] = prefix } };
                AssertError(await Send(HttpMethod.Post, "/v2.0/security-group-rules", rule, target.DemoToken), HttpStatusCode.BadRequest, "InvalidCIDR", $"Invalid CIDR {prefix} given as IP prefix.");
            }

            var port = new JsonObject { ["port"] = new JsonObject { ["network_id"] = (string)network["id"]!, ["fixed_ips"] = new JsonArray(new JsonObject { ["ip_address"] = "10.231.12" }) } };
            AssertError(await Send(HttpMethod.Post, "/v2.0/ports", port, target.DemoToken), HttpStatusCode.BadRequest, "HTTPBadRequest", "'10.231.12' is not a valid IP address");
        }
        finally
        {
            await Delete("networks", (string)network["id"]!, target.DemoToken);
            await Delete("security-groups", (string)group["id"]!, target.DemoToken);
        }
    }

    [Fact]
    public async Task Subnet_SlaacDelete_TakesTheAutomaticAddressesOffThePorts()
    {
        var network = await Create("networks", "network", new JsonObject { ["name"] = Unique("net") }, target.DemoToken);
        var networkId = (string)network["id"]!;
        try
        {
            var v4 = await Create("subnets", "subnet", new JsonObject { ["network_id"] = networkId, ["ip_version"] = 4, ["cidr"] = "10.231.14.0/24" }, target.DemoToken);
            var v6 = await Create("subnets", "subnet", new JsonObject { ["network_id"] = networkId, ["ip_version"] = 6, ["cidr"] = "2001:db8:231::/64", ["ipv6_address_mode"] = "slaac", ["ipv6_ra_mode"] = "slaac" }, target.DemoToken);
            var port = await Create("ports", "port", new JsonObject { ["network_id"] = networkId }, target.DemoToken);
            Assert.Contains(port["fixed_ips"]!.AsArray(), f => (string?)f!["subnet_id"] == (string?)v6["id"]);
            AssertError(await Send(HttpMethod.Delete, $"/v2.0/subnets/{v4["id"]}", token: target.DemoToken), HttpStatusCode.Conflict, "SubnetInUse");

            await Delete("subnets", (string)v6["id"]!, target.DemoToken);
            var after = (await Send(HttpMethod.Get, $"/v2.0/ports/{port["id"]}", token: target.DemoToken)).Expect(HttpStatusCode.OK)["port"]!;
            Assert.Equal((string?)v4["id"], (string?)Assert.Single(after["fixed_ips"]!.AsArray())!["subnet_id"]);
            await Delete("ports", (string)port["id"]!, target.DemoToken);
        }
        finally
        {
            await Delete("networks", networkId, target.DemoToken);
        }
    }

    [Fact]
    public async Task Port_Mac_TheNetworkOwnerMaySetIt_OthersMayNot()
    {
        // create_port:mac_address: advsvc, the network's owner or an admin; update_port:mac_address: an admin or advsvc.
        var own = await Create("networks", "network", new JsonObject { ["name"] = Unique("net") }, target.DemoToken);
        var shared = await Create("networks", "network", new JsonObject { ["name"] = Unique("net"), ["shared"] = true });
        try
        {
            var port = await Create("ports", "port", new JsonObject { ["network_id"] = (string)own["id"]!, ["mac_address"] = "fa:16:3e:23:10:01" }, target.DemoToken);
            Assert.Equal("fa:16:3e:23:10:01", (string?)port["mac_address"]);
            AssertError(await Send(HttpMethod.Put, $"/v2.0/ports/{port["id"]}", new JsonObject { ["port"] = new JsonObject { ["mac_address"] = "fa:16:3e:23:10:02" } }, target.DemoToken),
                HttpStatusCode.Forbidden, "PolicyNotAuthorized", "update_port:mac_address");
            AssertError(await Send(HttpMethod.Post, "/v2.0/ports", new JsonObject { ["port"] = new JsonObject { ["network_id"] = (string)shared["id"]!, ["mac_address"] = "fa:16:3e:23:10:03" } }, target.DemoToken),
                HttpStatusCode.Forbidden, "PolicyNotAuthorized", "create_port:mac_address");
            await Delete("ports", (string)port["id"]!, target.DemoToken);
        }
        finally
        {
            await Delete("networks", (string)own["id"]!, target.DemoToken);
            await Delete("networks", (string)shared["id"]!);
        }
    }

    [Fact]
    public async Task QosPolicies_AnAdminsToMake_OwnAndSharedToRead()
    {
        Assert.Contains((await Send(HttpMethod.Get, "/v2.0/extensions")).Expect(HttpStatusCode.OK)["extensions"]!.AsArray(), e => (string?)e!["alias"] == "qos");
        AssertError(await Send(HttpMethod.Post, "/v2.0/qos/policies", new JsonObject { ["policy"] = new JsonObject { ["name"] = Unique("qos") } }, target.DemoToken), HttpStatusCode.Forbidden, "PolicyNotAuthorized");
        var own = await Create("qos/policies", "policy", new JsonObject { ["name"] = Unique("qos-own"), ["description"] = "d", ["project_id"] = target.DemoProjectId });
        var hidden = await Create("qos/policies", "policy", new JsonObject { ["name"] = Unique("qos-hidden") });
        var shared = await Create("qos/policies", "policy", new JsonObject { ["name"] = Unique("qos-shared"), ["shared"] = true });
        try
        {
            foreach (var key in (string[])["id", "name", "description", "shared", "is_default", "project_id", "tenant_id", "rules", "revision_number", "created_at", "updated_at", "tags"])
            {
                Assert.True(own.ContainsKey(key), $"policy without {key}: {own.ToJsonString()}");
            }

            Assert.Equal(target.DemoProjectId, (string?)own["project_id"]);
            Assert.False((bool)own["is_default"]!);
            Assert.Empty(own["rules"]!.AsArray());

            var listed = (await Send(HttpMethod.Get, "/v2.0/qos/policies", token: target.DemoToken)).Expect(HttpStatusCode.OK)["policies"]!.AsArray().Select(p => (string?)p!["id"]).ToList();
            Assert.Contains((string?)own["id"], listed);
            Assert.Contains((string?)shared["id"], listed);
            Assert.DoesNotContain((string?)hidden["id"], listed);
            AssertError(await Send(HttpMethod.Get, $"/v2.0/qos/policies/{hidden["id"]}", token: target.DemoToken), HttpStatusCode.NotFound, "QosPolicyNotFound", (string)hidden["id"]!);
            AssertError(await Send(HttpMethod.Put, $"/v2.0/qos/policies/{own["id"]}", new JsonObject { ["policy"] = new JsonObject { ["name"] = "x" } }, target.DemoToken), HttpStatusCode.Forbidden, "PolicyNotAuthorized");
            AssertError(await Send(HttpMethod.Delete, $"/v2.0/qos/policies/{own["id"]}", token: target.DemoToken), HttpStatusCode.Forbidden, "PolicyNotAuthorized");

            var updated = (await Send(HttpMethod.Put, $"/v2.0/qos/policies/{own["id"]}", new JsonObject { ["policy"] = new JsonObject { ["description"] = "changed" } })).Expect(HttpStatusCode.OK)["policy"]!;
            Assert.Equal("changed", (string?)updated["description"]);
            Assert.Contains((await Send(HttpMethod.Get, "/v2.0/qos/rule-types")).Expect(HttpStatusCode.OK)["rule_types"]!.AsArray(), t => (string?)t!["type"] == "bandwidth_limit");
        }
        finally
        {
            foreach (var policy in (JsonObject[])[own, hidden, shared])
            {
                await Delete("qos/policies", (string)policy["id"]!);
            }
        }
    }

    [Fact]
    public async Task QosRules_ShapesDuplicatesAndBadValues()
    {
        var policy = await Create("qos/policies", "policy", new JsonObject { ["name"] = Unique("qos-rules") });
        var path = $"/v2.0/qos/policies/{policy["id"]}";
        try
        {
            var limit = (JsonObject)(await Send(HttpMethod.Post, path + "/bandwidth_limit_rules", new JsonObject { ["bandwidth_limit_rule"] = new JsonObject { ["max_kbps"] = 1000 } }))
                .Expect(HttpStatusCode.Created)["bandwidth_limit_rule"]!;
            Assert.Equal(["direction", "id", "max_burst_kbps", "max_kbps"], limit.Select(p => p.Key).Order(StringComparer.Ordinal));
            Assert.Equal("egress", (string?)limit["direction"]);
            Assert.Equal(0, (int)limit["max_burst_kbps"]!);
            AssertError(
                await Send(HttpMethod.Post, path + "/bandwidth_limit_rules", new JsonObject { ["bandwidth_limit_rule"] = new JsonObject { ["max_kbps"] = 5, ["direction"] = "egress" } }),
                HttpStatusCode.Conflict,
                "QoSRulesConflict");
            (await Send(HttpMethod.Post, path + "/bandwidth_limit_rules", new JsonObject { ["bandwidth_limit_rule"] = new JsonObject { ["max_kbps"] = 5, ["direction"] = "ingress" } })).Expect(HttpStatusCode.Created);
            AssertError(await Send(HttpMethod.Post, path + "/dscp_marking_rules", new JsonObject { ["dscp_marking_rule"] = new JsonObject { ["dscp_mark"] = 3 } }), HttpStatusCode.BadRequest, "HTTPBadRequest", "dscp_mark");
            var dscp = (await Send(HttpMethod.Post, path + "/dscp_marking_rules", new JsonObject { ["dscp_marking_rule"] = new JsonObject { ["dscp_mark"] = 26 } })).Expect(HttpStatusCode.Created)["dscp_marking_rule"]!;
            Assert.Equal(["dscp_mark", "id"], dscp.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));

            var changed = (await Send(HttpMethod.Put, $"{path}/bandwidth_limit_rules/{limit["id"]}", new JsonObject { ["bandwidth_limit_rule"] = new JsonObject { ["max_kbps"] = 2000 } }))
                .Expect(HttpStatusCode.OK)["bandwidth_limit_rule"]!;
            Assert.Equal(2000, (int)changed["max_kbps"]!);
            AssertError(await Send(HttpMethod.Get, $"{path}/dscp_marking_rules/{limit["id"]}"), HttpStatusCode.NotFound, "QosRuleNotFound");

            var rules = (await Send(HttpMethod.Get, path)).Expect(HttpStatusCode.OK)["policy"]!["rules"]!.AsArray();
            Assert.Equal(3, rules.Count);
            Assert.All(rules, r => Assert.Equal((string?)policy["id"], (string?)r!["qos_policy_id"]));
            Assert.Contains(rules, r => (string?)r!["type"] == "dscp_marking" && (int)r["dscp_mark"]! == 26);
            (await Send(HttpMethod.Delete, $"{path}/dscp_marking_rules/{dscp["id"]}")).Expect(HttpStatusCode.NoContent);
        }
        finally
        {
            await Delete("qos/policies", (string)policy["id"]!);
        }
    }

    [Fact]
    public async Task QosPolicy_OnNetworksAndPorts_IsInUseUntilUnbound()
    {
        var policy = await Create("qos/policies", "policy", new JsonObject { ["name"] = Unique("qos-bind"), ["shared"] = true });
        var policyId = (string)policy["id"]!;
        AssertError(
            await Send(HttpMethod.Post, "/v2.0/networks", new JsonObject { ["network"] = new JsonObject { ["name"] = Unique("net"), ["qos_policy_id"] = Guid.NewGuid().ToString() } }, target.DemoToken),
            HttpStatusCode.NotFound,
            "QosPolicyNotFound");
        var network = await Create("networks", "network", new JsonObject { ["name"] = Unique("net"), ["qos_policy_id"] = policyId }, target.DemoToken);
        var networkId = (string)network["id"]!;
        string? portId = null;
        try
        {
            Assert.Equal(policyId, (string?)network["qos_policy_id"]);
            var port = await Create("ports", "port", new JsonObject { ["network_id"] = networkId }, target.DemoToken);
            portId = (string)port["id"]!;
            Assert.Null((string?)port["qos_policy_id"]);
            Assert.Equal(policyId, (string?)port["qos_network_policy_id"]);
            var bound = (await Send(HttpMethod.Put, $"/v2.0/ports/{port["id"]}", new JsonObject { ["port"] = new JsonObject { ["qos_policy_id"] = policyId } }, target.DemoToken))
                .Expect(HttpStatusCode.OK)["port"]!;
            Assert.Equal(policyId, (string?)bound["qos_policy_id"]);

            // Neutron names the ports that use it first, then the networks (its binding_models' order).
            AssertError(await Send(HttpMethod.Delete, $"/v2.0/qos/policies/{policyId}"), HttpStatusCode.Conflict, "QosPolicyInUse", $"port {port["id"]}");
            (await Send(HttpMethod.Put, $"/v2.0/ports/{port["id"]}", new JsonObject { ["port"] = new JsonObject { ["qos_policy_id"] = null } }, target.DemoToken)).Expect(HttpStatusCode.OK);
            AssertError(await Send(HttpMethod.Delete, $"/v2.0/qos/policies/{policyId}"), HttpStatusCode.Conflict, "QosPolicyInUse", $"network {networkId}");
            (await Send(HttpMethod.Put, $"/v2.0/networks/{networkId}", new JsonObject { ["network"] = new JsonObject { ["qos_policy_id"] = null } }, target.DemoToken)).Expect(HttpStatusCode.OK);
            var shown = (await Send(HttpMethod.Get, $"/v2.0/ports/{port["id"]}", token: target.DemoToken)).Expect(HttpStatusCode.OK)["port"]!;
            Assert.Null((string?)shown["qos_network_policy_id"]);
            await Delete("ports", portId, target.DemoToken);
            portId = null;
        }
        finally
        {
            if (portId is not null)
            {
                await Send(HttpMethod.Delete, "/v2.0/ports/" + portId, token: target.DemoToken); // the failure above is the one to see
            }

            await Delete("networks", networkId, target.DemoToken);
        }

        await Delete("qos/policies", policyId);
    }

    [Fact]
    public async Task Trunk_CreateShowSubportsDelete_ShapesStatusAndTrunkDetails()
    {
        var (network, _) = await NetworkWithSubnet("10.231.30.0/24", target.DemoToken);
        var networkId = (string)network["id"]!;
        try
        {
            var parent = (string)(await Create("ports", "port", new JsonObject { ["network_id"] = networkId }, target.DemoToken))["id"]!;
            var sub1 = (string)(await Create("ports", "port", new JsonObject { ["network_id"] = networkId }, target.DemoToken))["id"]!;
            var sub2Port = await Create("ports", "port", new JsonObject { ["network_id"] = networkId }, target.DemoToken);
            var sub2 = (string)sub2Port["id"]!;
            var trunk = await Create("trunks", "trunk", new JsonObject
            {
                ["name"] = Unique("trunk"),
                ["port_id"] = parent,
                ["sub_ports"] = new JsonArray(new JsonObject { ["port_id"] = sub1, ["segmentation_type"] = "vlan", ["segmentation_id"] = 10 }),
            }, target.DemoToken);
            var id = (string)trunk["id"]!;
            foreach (var key in (string[])["id", "name", "description", "admin_state_up", "status", "port_id", "sub_ports", "project_id", "tenant_id", "created_at", "updated_at", "revision_number", "tags"])
            {
                Assert.True(trunk.ContainsKey(key), key);
            }

            Assert.Equal("DOWN", (string?)trunk["status"]); // its parent is bound to nothing
            Assert.True((bool)trunk["admin_state_up"]!);
            var sub = Assert.Single(trunk["sub_ports"]!.AsArray())!;
            Assert.Equal((sub1, "vlan", 10), ((string?)sub["port_id"], (string?)sub["segmentation_type"], (int)sub["segmentation_id"]!));

            var details = (await Send(HttpMethod.Get, $"/v2.0/ports/{parent}", token: target.DemoToken)).Expect(HttpStatusCode.OK)["port"]!["trunk_details"]!;
            Assert.Equal(id, (string?)details["trunk_id"]);
            Assert.NotNull(Assert.Single(details["sub_ports"]!.AsArray())!["mac_address"]);

            var added = (await Send(HttpMethod.Put, $"/v2.0/trunks/{id}/add_subports",
                new JsonObject { ["sub_ports"] = new JsonArray(new JsonObject { ["port_id"] = sub2, ["segmentation_type"] = "vlan", ["segmentation_id"] = 20 }) }, target.DemoToken)).Expect(HttpStatusCode.OK);
            Assert.Equal(id, (string?)added["id"]); // the trunk itself, not wrapped
            Assert.Equal(2, added["sub_ports"]!.AsArray().Count);
            Assert.Equal(2, (await Send(HttpMethod.Get, $"/v2.0/trunks/{id}/get_subports", token: target.DemoToken)).Expect(HttpStatusCode.OK)["sub_ports"]!.AsArray().Count);

            AssertError(await Send(HttpMethod.Post, "/v2.0/trunks", new JsonObject { ["trunk"] = new JsonObject { ["port_id"] = parent } }, target.DemoToken), HttpStatusCode.Conflict, "ParentPortInUse", parent);
            AssertError(await Send(HttpMethod.Post, "/v2.0/trunks", new JsonObject { ["trunk"] = new JsonObject { ["port_id"] = sub1 } }, target.DemoToken), HttpStatusCode.Conflict, "TrunkPortInUse", sub1);
            AssertError(await Send(HttpMethod.Delete, $"/v2.0/ports/{parent}", token: target.DemoToken), HttpStatusCode.Conflict, "PortInUseAsTrunkParent", id);
            AssertError(await Send(HttpMethod.Delete, $"/v2.0/ports/{sub2}", token: target.DemoToken), HttpStatusCode.Conflict, "PortInUseAsSubPort", id);
            AssertError(await Send(HttpMethod.Put, $"/v2.0/trunks/{id}/add_subports",
                new JsonObject { ["sub_ports"] = new JsonArray(new JsonObject { ["port_id"] = parent, ["segmentation_type"] = "vlan", ["segmentation_id"] = 4095 }) }, target.DemoToken),
                HttpStatusCode.Conflict, "ParentPortInUse", parent);

            var removed = (await Send(HttpMethod.Put, $"/v2.0/trunks/{id}/remove_subports", new JsonObject { ["sub_ports"] = new JsonArray(new JsonObject { ["port_id"] = sub1 }) }, target.DemoToken)).Expect(HttpStatusCode.OK);
            Assert.Equal(sub2, (string?)Assert.Single(removed["sub_ports"]!.AsArray())!["port_id"]);
            AssertError(await Send(HttpMethod.Put, $"/v2.0/trunks/{id}/add_subports",
                new JsonObject { ["sub_ports"] = new JsonArray(new JsonObject { ["port_id"] = sub1, ["segmentation_type"] = "vlan", ["segmentation_id"] = 20 }) }, target.DemoToken),
                HttpStatusCode.Conflict, "DuplicateSubPort", "already in use on trunk");
            AssertError(await Send(HttpMethod.Put, $"/v2.0/trunks/{id}/add_subports",
                new JsonObject { ["sub_ports"] = new JsonArray(new JsonObject { ["port_id"] = sub1, ["segmentation_type"] = "vlan", ["segmentation_id"] = 4095 }) }, target.DemoToken),
                HttpStatusCode.BadRequest, "InvalidInput", "is not in range");
            AssertError(await Send(HttpMethod.Put, $"/v2.0/trunks/{id}/remove_subports", new JsonObject { ["sub_ports"] = new JsonArray(new JsonObject { ["port_id"] = sub1 }) }, target.DemoToken),
                HttpStatusCode.NotFound, "SubPortNotFound", sub1);

            (await Send(HttpMethod.Put, $"/v2.0/trunks/{id}", new JsonObject { ["trunk"] = new JsonObject { ["admin_state_up"] = false } }, target.DemoToken)).Expect(HttpStatusCode.OK);
            AssertError(await Send(HttpMethod.Delete, $"/v2.0/trunks/{id}", token: target.DemoToken), HttpStatusCode.Conflict, "TrunkDisabled", id);
            (await Send(HttpMethod.Put, $"/v2.0/trunks/{id}", new JsonObject { ["trunk"] = new JsonObject { ["admin_state_up"] = true } }, target.DemoToken)).Expect(HttpStatusCode.OK);
            await Delete("trunks", id, target.DemoToken);
            AssertError(await Send(HttpMethod.Get, $"/v2.0/trunks/{id}", token: target.DemoToken), HttpStatusCode.NotFound, "TrunkNotFound", id);
            Assert.Null((await Send(HttpMethod.Get, $"/v2.0/ports/{parent}", token: target.DemoToken)).Expect(HttpStatusCode.OK)["port"]!["trunk_details"]);
            foreach (var port in new[] { parent, sub1, sub2 })
            {
                await Delete("ports", port, target.DemoToken);
            }
        }
        finally
        {
            await Delete("networks", networkId, target.DemoToken);
        }
    }

    [Fact]
    public async Task Extensions_ListTrunkAndTrunkDetails()
    {
        var aliases = (await Send(HttpMethod.Get, "/v2.0/extensions")).Expect(HttpStatusCode.OK)["extensions"]!.AsArray().Select(e => (string)e!["alias"]!).ToHashSet();
        Assert.Contains("trunk", aliases);
        Assert.Contains("trunk-details", aliases);
    }
}
