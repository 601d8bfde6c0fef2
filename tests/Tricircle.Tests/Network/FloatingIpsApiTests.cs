using System.Net;
using System.Text.Json;
using Tricircle.Support;
using static Tricircle.Network.SecurityGroupsApiTests;

namespace Tricircle.Network;

/// <summary>The central Neutron's floating IPs: CRUD, Neutron's association rules, what they guard elsewhere, quota, isolation (central state only).</summary>
public abstract class FloatingIpsApiTests(GatewayFixture gateway)
{
    [Fact]
    public async Task FloatingIp_CreateShowListUpdateDelete()
    {
        var (token, project) = gateway.NewTenant("fip");
        var (external, externalSubnet) = await ExternalAsync("172.30.1.0/24");

        var created = await CreateAsync(token, new { floating_network_id = external, description = "first", tags = new[] { "blue" } });
        var id = created.GetProperty("id").GetString()!;
        var address = created.GetProperty("floating_ip_address").GetString()!;
        Assert.StartsWith("172.30.1.", address, StringComparison.Ordinal);
        Assert.Equal(external, created.GetProperty("floating_network_id").GetString());
        Assert.Equal("DOWN", created.GetProperty("status").GetString());
        Assert.Equal("first", created.GetProperty("description").GetString());
        Assert.Equal(project, created.GetProperty("project_id").GetString());
        Assert.Equal(project, created.GetProperty("tenant_id").GetString());
        Assert.Equal(["blue"], created.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        foreach (var unset in new[] { "port_id", "fixed_ip_address", "router_id", "port_details" })
        {
            Assert.Equal(JsonValueKind.Null, created.GetProperty(unset).ValueKind);
        }

        foreach (var absent in new[] { "dns_name", "dns_domain", "qos_policy_id", "port_forwardings", "subnet_id" })
        {
            Assert.False(created.TryGetProperty(absent, out _), absent); // extensions not served; subnet_id is input only
        }

        // Its address is a central port on the external network, no project's (only an admin sees it).
        var port = Assert.Single((await gateway.NetworkAsync(HttpMethod.Get, "ports?device_id=" + id, gateway.AdminToken)).Json.GetProperty("ports").EnumerateArray());
        Assert.Equal("network:floatingip", port.GetProperty("device_owner").GetString());
        Assert.Equal("", port.GetProperty("project_id").GetString());
        Assert.Equal(external, port.GetProperty("network_id").GetString());
        var fixedIp = Assert.Single(port.GetProperty("fixed_ips").EnumerateArray());
        Assert.Equal(address, fixedIp.GetProperty("ip_address").GetString());
        Assert.Equal(externalSubnet, fixedIp.GetProperty("subnet_id").GetString());
        Assert.Empty((await gateway.NetworkAsync(HttpMethod.Get, "ports?device_id=" + id, token)).Json.GetProperty("ports").EnumerateArray());

        var second = (await CreateAsync(token, new { floating_network_id = external })).GetProperty("id").GetString()!;
        var shown = await gateway.NetworkAsync(HttpMethod.Get, $"floatingips/{id}?fields=id&fields=floating_ip_address", token);
        shown.AssertOk();
        Assert.Equal(["floating_ip_address", "id"], shown.Json.GetProperty("floatingip").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));

        var filtered = await gateway.NetworkAsync(HttpMethod.Get, $"floatingips?floating_ip_address={address}&floating_network_id={external}&tenant_id={project}&status=DOWN", token);
        Assert.Equal(id, Assert.Single(filtered.Json.GetProperty("floatingips").EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal(2, (await gateway.NetworkAsync(HttpMethod.Get, "floatingips?port_id=", token)).Json.GetProperty("floatingips").GetArrayLength()); // none associated
        Assert.Equal([id], (await gateway.NetworkAsync(HttpMethod.Get, "floatingips?tags=blue", token)).Json.GetProperty("floatingips").EnumerateArray().Select(f => f.GetProperty("id").GetString()));
        var page = await gateway.NetworkAsync(HttpMethod.Get, "floatingips?sort_key=floating_ip_address&sort_dir=desc&limit=1", token);
        page.AssertOk();
        Assert.Single(page.Json.GetProperty("floatingips").EnumerateArray());
        var next = page.Json.GetProperty("floatingips_links").EnumerateArray().Single(l => l.GetProperty("rel").GetString() == "next").GetProperty("href").GetString()!;
        Assert.Single((await gateway.SendAsync(new Uri(next), HttpMethod.Get, token)).Json.GetProperty("floatingips").EnumerateArray());
        Assert.Equal(HttpStatusCode.BadRequest, (await gateway.NetworkAsync(HttpMethod.Get, "floatingips?colour=red", token)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await gateway.NetworkAsync(HttpMethod.Get, "floatingips?sort_key=port_id&sort_dir=asc", token)).Status); // not a sort key in Neutron

        var updated = await UpdateAsync(token, id, new { description = "changed" });
        updated.AssertOk();
        Assert.Equal("changed", updated.Json.GetProperty("floatingip").GetProperty("description").GetString());
        Assert.True(updated.Json.GetProperty("floatingip").GetProperty("revision_number").GetInt32() > created.GetProperty("revision_number").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, (await UpdateAsync(token, id, new { floating_network_id = external })).Status); // allow_put False
        Assert.Equal(HttpStatusCode.BadRequest, (await FipAsync(token, new { floating_network_id = external, dns_name = "x" })).Status); // dns not served

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "floatingips/" + id, token)).Status);
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Get, "floatingips/" + id, token), HttpStatusCode.NotFound, "FloatingIPNotFound", $"Floating IP {id} could not be found");
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Delete, "floatingips/" + id, token), HttpStatusCode.NotFound, "FloatingIPNotFound", id);
        Assert.Empty((await gateway.NetworkAsync(HttpMethod.Get, "ports?device_id=" + id, gateway.AdminToken)).Json.GetProperty("ports").EnumerateArray());

        // The address is free again: an admin may ask for it (members may not choose one).
        AssertNeutronError(await FipAsync(token, new { floating_network_id = external, floating_ip_address = address }), HttpStatusCode.Forbidden, "PolicyNotAuthorized", "create_floatingip:floating_ip_address");
        var chosen = await CreateAsync(gateway.AdminToken, new { floating_network_id = external, floating_ip_address = address, project_id = project });
        Assert.Equal(address, chosen.GetProperty("floating_ip_address").GetString());
        Assert.Equal(project, chosen.GetProperty("project_id").GetString());
        AssertNeutronError(await FipAsync(gateway.AdminToken, new { floating_network_id = external, floating_ip_address = address }), HttpStatusCode.Conflict, "IpAddressAlreadyAllocated", address);
        Assert.Equal(3 - 1, (await gateway.NetworkAsync(HttpMethod.Get, "floatingips", token)).Json.GetProperty("floatingips").GetArrayLength());
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "floatingips/" + second, token)).Status);
    }

    [Fact]
    public async Task Create_TakesItsAddressFromAnExternalIpv4Subnet()
    {
        var (token, _) = gateway.NewTenant("fip");
        var (external, _) = await ExternalAsync("172.30.2.0/24");
        var (internalNetwork, _) = await TenantNetworkAsync(token, "10.130.2.0/24");

        AssertNeutronError(await FipAsync(token, new { floating_network_id = internalNetwork }), HttpStatusCode.BadRequest, "BadRequest", $"Bad floatingip request: Network {internalNetwork} is not a valid external network.");
        var missing = Guid.NewGuid().ToString();
        AssertNeutronError(await FipAsync(token, new { floating_network_id = missing }), HttpStatusCode.NotFound, "NetworkNotFound", missing);
        AssertNeutronError(await FipAsync(token, new { floating_network_id = "not-a-uuid" }), HttpStatusCode.BadRequest, "HTTPBadRequest", "is not a valid UUID");
        Assert.Equal(HttpStatusCode.BadRequest, (await FipAsync(token, new { description = "no network" })).Status);

        // Only IPv6 subnets: no floating IP (Neutron's check), and an IPv6 subnet asked for: none either.
        var v6Only = Ok(await gateway.NetworkAsync(HttpMethod.Post, "networks", gateway.AdminToken, Json(new Dictionary<string, object> { ["network"] = new Dictionary<string, object> { ["name"] = "ext6", ["router:external"] = true } })))
            .GetProperty("network").GetProperty("id").GetString()!;
        var v6Subnet = Ok(await gateway.NetworkAsync(HttpMethod.Post, "subnets", gateway.AdminToken, Json(new { subnet = new { network_id = v6Only, ip_version = 6, cidr = "2001:db8:30::/64" } })))
            .GetProperty("subnet").GetProperty("id").GetString()!;
        AssertNeutronError(await FipAsync(token, new { floating_network_id = v6Only }), HttpStatusCode.BadRequest, "BadRequest", $"Network {v6Only} does not contain any IPv4 subnet");
        Ok(await gateway.NetworkAsync(HttpMethod.Post, "subnets", gateway.AdminToken, Json(new { subnet = new { network_id = v6Only, ip_version = 4, cidr = "172.30.3.0/29" } })));
        AssertNeutronError(await FipAsync(token, new { floating_network_id = v6Only, subnet_id = v6Subnet }), HttpStatusCode.BadRequest, "ExternalIpAddressExhausted", $"Unable to find any IP address on external network {v6Only}.");

        // A dual-stack external network: the floating IP's port takes an IPv4 address only.
        var dual = await CreateAsync(token, new { floating_network_id = v6Only });
        var dualPort = Assert.Single((await gateway.NetworkAsync(HttpMethod.Get, "ports?device_id=" + dual.GetProperty("id").GetString(), gateway.AdminToken)).Json.GetProperty("ports").EnumerateArray());
        Assert.StartsWith("172.30.3.", Assert.Single(dualPort.GetProperty("fixed_ips").EnumerateArray()).GetProperty("ip_address").GetString(), StringComparison.Ordinal);

        // A full subnet gives way to the next IPv4 one; all full is Neutron's 409.
        var small = Ok(await gateway.NetworkAsync(HttpMethod.Post, "subnets", gateway.AdminToken, Json(new { subnet = new { network_id = external, ip_version = 4, cidr = "172.30.4.0/30", enable_dhcp = false } })))
            .GetProperty("subnet").GetProperty("id").GetString()!;
        var inSmall = await CreateAsync(token, new { floating_network_id = external, subnet_id = small });
        Assert.Equal("172.30.4.2", inSmall.GetProperty("floating_ip_address").GetString());
        AssertNeutronError(await FipAsync(token, new { floating_network_id = external, subnet_id = small }), HttpStatusCode.Conflict, "IpAddressGenerationFailure", external);
        Assert.StartsWith("172.30.2.", (await CreateAsync(token, new { floating_network_id = external })).GetProperty("floating_ip_address").GetString(), StringComparison.Ordinal);
        AssertNeutronError(await FipAsync(token, new { floating_network_id = external, subnet_id = v6Subnet }), HttpStatusCode.BadRequest, "InvalidInput", v6Subnet);
    }

    [Fact]
    public async Task Association_NeedsARouterBetween_AsNeutronChoosesIt()
    {
        var (token, project) = gateway.NewTenant("fip");
        var (external, _) = await ExternalAsync("172.30.10.0/24");
        var (network, subnet) = await TenantNetworkAsync(token, "10.130.10.0/24");
        var port = await PortAsync(token, network, new { ip_address = "10.130.10.20" });

        // No router joins the subnet to the external network: nothing is made.
        AssertNeutronError(
            await FipAsync(token, new { floating_network_id = external, port_id = port }),
            HttpStatusCode.NotFound,
            "ExternalGatewayForFloatingIPNotFound",
            $"External network {external} is not reachable from subnet {subnet}.  Therefore, cannot associate Port {port} with a Floating IP.");
        Assert.Empty((await gateway.NetworkAsync(HttpMethod.Get, "floatingips", token)).Json.GetProperty("floatingips").EnumerateArray());
        Assert.Empty((await gateway.NetworkAsync(HttpMethod.Get, $"ports?network_id={external}&device_owner=network:floatingip", gateway.AdminToken)).Json.GetProperty("ports").EnumerateArray());

        // A router with only an interface, then another with both: the second serves it.
        var interfaceOnly = await RouterAsync(token, null, null);
        (await InterfaceAsync(token, interfaceOnly, "add", new { port_id = await PortAsync(token, network, new { ip_address = "10.130.10.253" }) })).AssertOk();
        var router = await RouterAsync(token, external, null);
        (await InterfaceAsync(token, router, "add", new { port_id = await PortAsync(token, network, new { ip_address = "10.130.10.254" }) })).AssertOk();
        var created = await CreateAsync(token, new { floating_network_id = external, port_id = port });
        var fip = created.GetProperty("id").GetString()!;
        Assert.Equal(port, created.GetProperty("port_id").GetString());
        Assert.Equal("10.130.10.20", created.GetProperty("fixed_ip_address").GetString());
        Assert.Equal(router, created.GetProperty("router_id").GetString());
        Assert.NotEqual(interfaceOnly, router);
        var details = created.GetProperty("port_details");
        Assert.Equal(network, details.GetProperty("network_id").GetString());
        Assert.Equal("fip-port", details.GetProperty("name").GetString());
        Assert.Equal("DOWN", details.GetProperty("status").GetString());
        Assert.True(details.GetProperty("admin_state_up").GetBoolean());
        Assert.Equal("", details.GetProperty("device_owner").GetString());
        Assert.Equal(17, details.GetProperty("mac_address").GetString()!.Length);
        Assert.Equal(7, details.EnumerateObject().Count());
        Assert.Equal([fip], (await gateway.NetworkAsync(HttpMethod.Get, $"floatingips?port_id={port}&router_id={router}&fixed_ip_address=10.130.10.20", token)).Json.GetProperty("floatingips").EnumerateArray().Select(f => f.GetProperty("id").GetString()));

        // A router whose interface holds the subnet's gateway IP is Neutron's first choice.
        var preferred = await RouterAsync(token, external, subnet);
        var another = await PortAsync(token, network, new { ip_address = "10.130.10.21" });
        Assert.Equal(preferred, (await CreateAsync(token, new { floating_network_id = external, port_id = another })).GetProperty("router_id").GetString());

        // One fixed IP, one floating IP per external network, on create and on update.
        AssertNeutronError(
            await FipAsync(token, new { floating_network_id = external, port_id = port }),
            HttpStatusCode.Conflict,
            "FloatingIPPortAlreadyAssociated",
            $"with port {port} using fixed IP 10.130.10.20, as that fixed IP already has a floating IP on external network {external}.");
        var spare = (await CreateAsync(token, new { floating_network_id = external })).GetProperty("id").GetString()!;
        AssertNeutronError(await UpdateAsync(token, spare, new { port_id = port }), HttpStatusCode.Conflict, "FloatingIPPortAlreadyAssociated", $"({spare}) with port {port}");

        // Neutron's 400s about the fixed IP.
        AssertNeutronError(await UpdateAsync(token, spare, new { fixed_ip_address = "10.130.10.20" }), HttpStatusCode.BadRequest, "BadRequest", "Bad floatingip request: fixed_ip_address cannot be specified without a port_id.");
        AssertNeutronError(await UpdateAsync(token, spare, new { port_id = port, fixed_ip_address = "10.130.10.99" }), HttpStatusCode.BadRequest, "BadRequest", $"Port {port} does not have fixed ip 10.130.10.99");
        AssertNeutronError(await UpdateAsync(token, spare, new { port_id = port, fixed_ip_address = "2001:db8::5" }), HttpStatusCode.BadRequest, "BadRequest", "Cannot process floating IP association with 2001:db8::5, since that is not an IPv4 address");
        var noAddress = await PortAsync(token, network, null);
        AssertNeutronError(await UpdateAsync(token, spare, new { port_id = noAddress }), HttpStatusCode.BadRequest, "BadRequest", $"Cannot add floating IP to port {noAddress} that has no fixed IPv4 addresses");
        var twoAddresses = await PortAsync(token, network, new { ip_address = "10.130.10.30" }, new { ip_address = "10.130.10.31" });
        AssertNeutronError(
            await UpdateAsync(token, spare, new { port_id = twoAddresses }),
            HttpStatusCode.BadRequest,
            "BadRequest",
            $"Port {twoAddresses} has multiple fixed IPv4 addresses.  Must provide a specific IPv4 address when assigning a floating IP");
        var picked = await UpdateAsync(token, spare, new { port_id = twoAddresses, fixed_ip_address = "10.130.10.31" });
        picked.AssertOk();
        Assert.Equal("10.130.10.31", picked.Json.GetProperty("floatingip").GetProperty("fixed_ip_address").GetString());

        // Another fixed IP of the same port; a description change keeps the association (unlike Neutron, also on a port with two).
        (await UpdateAsync(token, spare, new { port_id = twoAddresses, fixed_ip_address = "10.130.10.30" })).AssertOk();
        var kept = await UpdateAsync(token, spare, new { description = "kept" });
        kept.AssertOk();
        Assert.Equal("10.130.10.30", kept.Json.GetProperty("floatingip").GetProperty("fixed_ip_address").GetString());

        // An empty update disassociates, as Neutron has always read it.
        var blank = await UpdateAsync(token, spare, new { });
        blank.AssertOk();
        Assert.Equal(JsonValueKind.Null, blank.Json.GetProperty("floatingip").GetProperty("port_id").ValueKind);
        Assert.Equal("kept", blank.Json.GetProperty("floatingip").GetProperty("description").GetString());

        // port_id null: disassociated.
        var freed = await UpdateAsync(token, fip, new { port_id = (string?)null });
        freed.AssertOk();
        foreach (var unset in new[] { "port_id", "fixed_ip_address", "router_id", "port_details" })
        {
            Assert.Equal(JsonValueKind.Null, freed.Json.GetProperty("floatingip").GetProperty(unset).ValueKind);
        }

        // The port must be the floating IP's project's (an admin's choice otherwise), and visible.
        var (intruder, _) = gateway.NewTenant("fip");
        var theirs = (await CreateAsync(intruder, new { floating_network_id = external })).GetProperty("id").GetString()!;
        AssertNeutronError(await UpdateAsync(intruder, theirs, new { port_id = port }), HttpStatusCode.NotFound, "PortNotFound", port);
        var adminOwned = await CreateAsync(gateway.AdminToken, new { floating_network_id = external, port_id = port, project_id = project });
        Assert.Equal(port, adminOwned.GetProperty("port_id").GetString());
    }

    [Fact]
    public async Task AssociatedFloatingIp_HoldsItsInterfaceGatewayAndFixedIp_UntilItsPortGoes()
    {
        var (token, _) = gateway.NewTenant("fip");
        var (external, _) = await ExternalAsync("172.30.20.0/24");
        var (otherExternal, _) = await ExternalAsync("172.30.21.0/24");
        var (network, subnet) = await TenantNetworkAsync(token, "10.130.20.0/24");
        var router = await RouterAsync(token, external, subnet);
        var port = await PortAsync(token, network, new { ip_address = "10.130.20.5" });
        var fip = await CreateAsync(token, new { floating_network_id = external, port_id = port });
        var fipId = fip.GetProperty("id").GetString()!;

        AssertNeutronError(
            await InterfaceAsync(token, router, "remove", new { subnet_id = subnet }),
            HttpStatusCode.Conflict,
            "RouterInterfaceInUseByFloatingIP",
            $"Router interface for subnet {subnet} on router {router} cannot be deleted, as it is required by one or more floating IPs.");
        var gatewayInUse = $"Gateway cannot be updated for router {router}, since a gateway to external network {external} is required by one or more floating IPs.";
        AssertNeutronError(await SetGatewayAsync(token, router, new { }), HttpStatusCode.Conflict, "RouterExternalGatewayInUseByFloatingIp", gatewayInUse);
        AssertNeutronError(await SetGatewayAsync(token, router, new { network_id = otherExternal }), HttpStatusCode.Conflict, "RouterExternalGatewayInUseByFloatingIp", gatewayInUse);
        Assert.Equal(external, (await gateway.NetworkAsync(HttpMethod.Get, "routers/" + router, token)).Json.GetProperty("router").GetProperty("external_gateway_info").GetProperty("network_id").GetString());
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Delete, "routers/" + router, token), HttpStatusCode.Conflict, "RouterInUse", router);

        // Another address on the same external network keeps the gateway the floating IP needs.
        (await gateway.NetworkAsync(HttpMethod.Put, "routers/" + router, gateway.AdminToken, Json(new { router = new { external_gateway_info = new { network_id = external, external_fixed_ips = new[] { new { ip_address = "172.30.20.250" } } } } }))).AssertOk();
        Assert.Equal(router, (await gateway.NetworkAsync(HttpMethod.Get, "floatingips/" + fipId, token)).Json.GetProperty("floatingip").GetProperty("router_id").GetString());

        // In one step, as Neutron changes the port in place: an address taken leaves the gateway as it was, its own address may be asked for again.
        AssertNeutronError(
            await gateway.NetworkAsync(HttpMethod.Put, "routers/" + router, gateway.AdminToken, Json(new { router = new { external_gateway_info = new { network_id = external, external_fixed_ips = new[] { new { ip_address = fip.GetProperty("floating_ip_address").GetString() } } } } })),
            HttpStatusCode.Conflict,
            "IpAddressAlreadyAllocated",
            fip.GetProperty("floating_ip_address").GetString()!);
        var kept = (await gateway.NetworkAsync(HttpMethod.Get, "routers/" + router, token)).Json.GetProperty("router").GetProperty("external_gateway_info");
        Assert.Equal("172.30.20.250", Assert.Single(kept.GetProperty("external_fixed_ips").EnumerateArray()).GetProperty("ip_address").GetString());
        var again = await gateway.NetworkAsync(HttpMethod.Put, "routers/" + router, gateway.AdminToken, Json(new { router = new { external_gateway_info = new { network_id = external, external_fixed_ips = new[] { new { ip_address = "172.30.20.250" } } } } }));
        again.AssertOk();
        Assert.Equal("172.30.20.250", Assert.Single(again.Json.GetProperty("router").GetProperty("external_gateway_info").GetProperty("external_fixed_ips").EnumerateArray()).GetProperty("ip_address").GetString());

        // The associated fixed IP stays on the port; the floating IP's own port goes with it only.
        AssertNeutronError(
            await gateway.NetworkAsync(HttpMethod.Put, "ports/" + port, token, Json(new { port = new { fixed_ips = new[] { new { ip_address = "10.130.20.6" } } } })),
            HttpStatusCode.BadRequest,
            "BadRequest",
            $"Cannot update the fixed_ips of the port {port}, because its original fixed_ip has been associated to a floating ip.");
        (await gateway.NetworkAsync(HttpMethod.Put, "ports/" + port, token, Json(new { port = new { fixed_ips = new[] { new { ip_address = "10.130.20.5" }, new { ip_address = "10.130.20.7" } } } }))).AssertOk();
        var floatingPort = Assert.Single((await gateway.NetworkAsync(HttpMethod.Get, "ports?device_id=" + fipId, gateway.AdminToken)).Json.GetProperty("ports").EnumerateArray()).GetProperty("id").GetString()!;
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Delete, "ports/" + floatingPort, gateway.AdminToken), HttpStatusCode.Conflict, "ServicePortInUse", "has device owner network:floatingip");
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Delete, "networks/" + external, gateway.AdminToken), HttpStatusCode.Conflict, "NetworkInUse", external);
        Assert.Equal(HttpStatusCode.OK, (await gateway.NetworkAsync(HttpMethod.Get, "floatingips/" + fipId, token)).Status); // a refused network delete keeps them

        // The port's delete disassociates (Neutron's disassociate_floatingips); then all may go.
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "ports/" + port, token)).Status);
        var after = (await gateway.NetworkAsync(HttpMethod.Get, "floatingips/" + fipId, token)).Json.GetProperty("floatingip");
        Assert.Equal(JsonValueKind.Null, after.GetProperty("port_id").ValueKind);
        Assert.Equal(JsonValueKind.Null, after.GetProperty("router_id").ValueKind);
        Assert.True(after.GetProperty("revision_number").GetInt32() > fip.GetProperty("revision_number").GetInt32());
        (await InterfaceAsync(token, router, "remove", new { subnet_id = subnet })).AssertOk();
        (await SetGatewayAsync(token, router, new { })).AssertOk();
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "routers/" + router, token)).Status);

        // As Neutron: an external network's floating IPs without a port go with it.
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "networks/" + external, gateway.AdminToken)).Status);
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Get, "floatingips/" + fipId, token), HttpStatusCode.NotFound, "FloatingIPNotFound", fipId);
    }

    [Fact]
    public async Task AMembersPortDelete_RefusedWhileAnAdminsFloatingIpIsOnIt()
    {
        var (token, _) = gateway.NewTenant("fip");
        var (external, _) = await ExternalAsync("172.30.30.0/24");
        var (network, subnet) = await TenantNetworkAsync(token, "10.130.30.0/24");
        await RouterAsync(token, external, subnet);
        var port = await PortAsync(token, network, new { ip_address = "10.130.30.5" });
        var adminFip = (await CreateAsync(gateway.AdminToken, new { floating_network_id = external, port_id = port })).GetProperty("id").GetString()!;

        AssertNeutronError(
            await gateway.NetworkAsync(HttpMethod.Delete, "ports/" + port, token),
            HttpStatusCode.Conflict,
            "FipAssociated",
            $"Unable to complete the operation on port {port} because the port still has an associated floating IP.");
        (await UpdateAsync(gateway.AdminToken, adminFip, new { port_id = (string?)null })).AssertOk();
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "ports/" + port, token)).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "floatingips/" + adminFip, gateway.AdminToken)).Status);
    }

    [Fact]
    public async Task AServersDelete_DisassociatesTheFloatingIpsOfThePortsItTakesAlong()
    {
        var (token, _) = gateway.NewTenant("fip");
        var (external, _) = await ExternalAsync("172.30.40.0/24");
        var (network, subnet) = await TenantNetworkAsync(token, "10.130.40.0/24");
        await RouterAsync(token, external, subnet);
        var steps = new NetworkSteps(gateway);
        var server = await steps.BootAsync(token, network, "az1");
        await steps.ActiveAsync(token, server);
        var port = Assert.Single((await gateway.NetworkAsync(HttpMethod.Get, "ports?device_id=" + server, token)).Json.GetProperty("ports").EnumerateArray()).GetProperty("id").GetString()!;
        var fip = (await CreateAsync(token, new { floating_network_id = external, port_id = port })).GetProperty("id").GetString()!;

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.ComputeAsync(HttpMethod.Delete, "servers/" + server, token)).Status);

        var portId = JsonValueKind.String;
        for (var i = 0; i < 200 && portId != JsonValueKind.Null; i++)
        {
            await Task.Delay(i == 0 ? 0 : 50);
            portId = (await gateway.NetworkAsync(HttpMethod.Get, "floatingips/" + fip, token)).Json.GetProperty("floatingip").GetProperty("port_id").ValueKind;
        }

        Assert.Equal(JsonValueKind.Null, portId);
    }

    [Fact]
    public async Task Quota_CountsFloatingIps_AndRefusesOverTheLimit()
    {
        var (token, project) = gateway.NewTenant("fip");
        var (external, _) = await ExternalAsync("172.30.50.0/24");
        Assert.Equal(50, (await gateway.NetworkAsync(HttpMethod.Get, "quotas/" + project, token)).Json.GetProperty("quota").GetProperty("floatingip").GetInt32());
        (await gateway.NetworkAsync(HttpMethod.Put, "quotas/" + project, gateway.AdminToken, Json(new { quota = new { floatingip = 1 } }))).AssertOk();

        var first = (await CreateAsync(token, new { floating_network_id = external })).GetProperty("id").GetString()!;
        AssertNeutronError(await FipAsync(token, new { floating_network_id = external }), HttpStatusCode.Conflict, "OverQuota", "['floatingip']");
        Assert.Single((await gateway.NetworkAsync(HttpMethod.Get, $"ports?network_id={external}&device_owner=network:floatingip", gateway.AdminToken)).Json.GetProperty("ports").EnumerateArray());
        var details = (await gateway.NetworkAsync(HttpMethod.Get, $"quotas/{project}/details", token)).Json.GetProperty("quota");
        Assert.Equal(1, details.GetProperty("floatingip").GetProperty("used").GetInt32());
        Assert.Equal(0, details.GetProperty("port").GetProperty("used").GetInt32()); // a floating IP's port is no project's

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "floatingips/" + first, token)).Status);
        Assert.Equal(0, (await gateway.NetworkAsync(HttpMethod.Get, $"quotas/{project}/details", token)).Json.GetProperty("quota").GetProperty("floatingip").GetProperty("used").GetInt32());
        await CreateAsync(token, new { floating_network_id = external });
    }

    [Fact]
    public async Task AnotherProjectsFloatingIp_IsNotFound_ButAnAdminSeesIt()
    {
        var (token, _) = gateway.NewTenant("fip");
        var (intruder, _) = gateway.NewTenant("fip");
        var (external, _) = await ExternalAsync("172.30.60.0/24");
        var fip = (await CreateAsync(token, new { floating_network_id = external })).GetProperty("id").GetString()!;

        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Get, "floatingips/" + fip, intruder), HttpStatusCode.NotFound, "FloatingIPNotFound", fip);
        AssertNeutronError(await UpdateAsync(intruder, fip, new { description = "x" }), HttpStatusCode.NotFound, "FloatingIPNotFound", fip);
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Delete, "floatingips/" + fip, intruder), HttpStatusCode.NotFound, "FloatingIPNotFound", fip);
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Put, $"floatingips/{fip}/tags/x", intruder), HttpStatusCode.NotFound, "FloatingIPNotFound", fip);
        Assert.DoesNotContain(fip, (await gateway.NetworkAsync(HttpMethod.Get, "floatingips", intruder)).Text, StringComparison.Ordinal);
        Assert.DoesNotContain(fip, (await gateway.NetworkAsync(HttpMethod.Get, "floatingips?id=" + fip, intruder)).Text, StringComparison.Ordinal);

        (await gateway.NetworkAsync(HttpMethod.Get, "floatingips/" + fip, gateway.AdminToken)).AssertOk();
        Assert.Contains(fip, (await gateway.NetworkAsync(HttpMethod.Get, "floatingips", gateway.AdminToken)).Text, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, (await gateway.NetworkAsync(HttpMethod.Put, $"floatingips/{fip}/tags/mine", token)).Status);
        Assert.Equal(["mine"], (await gateway.NetworkAsync(HttpMethod.Get, "floatingips/" + fip, token)).Json.GetProperty("floatingip").GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task ConcurrentAssociations_OfOneFixedIp_OneWins()
    {
        var (token, _) = gateway.NewTenant("fip");
        var (external, _) = await ExternalAsync("172.30.70.0/24");
        var (network, subnet) = await TenantNetworkAsync(token, "10.130.70.0/24");
        await RouterAsync(token, external, subnet);
        var port = await PortAsync(token, network, new { ip_address = "10.130.70.5" });
        var fips = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            fips.Add((await CreateAsync(token, new { floating_network_id = external })).GetProperty("id").GetString()!);
        }

        var updates = await Task.WhenAll(fips.Select(f => UpdateAsync(token, f, new { port_id = port })));
        Assert.Single(updates, u => u.Status == HttpStatusCode.OK);
        Assert.All(updates.Where(u => u.Status != HttpStatusCode.OK), u => AssertNeutronError(u, HttpStatusCode.Conflict, "FloatingIPPortAlreadyAssociated", port));

        // Creates with the port at once, after it is free again.
        (await UpdateAsync(token, fips[updates.ToList().FindIndex(u => u.Status == HttpStatusCode.OK)], new { port_id = (string?)null })).AssertOk();
        var creates = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => FipAsync(token, new { floating_network_id = external, port_id = port })));
        Assert.Single(creates, c => c.Status == HttpStatusCode.Created);
        Assert.All(creates.Where(c => c.Status != HttpStatusCode.Created), c => AssertNeutronError(c, HttpStatusCode.Conflict, "FloatingIPPortAlreadyAssociated", port));
        Assert.Single((await gateway.NetworkAsync(HttpMethod.Get, "floatingips?port_id=" + port, token)).Json.GetProperty("floatingips").EnumerateArray());
        Assert.Equal(fips.Count + 1, (await gateway.NetworkAsync(HttpMethod.Get, $"ports?network_id={external}&device_owner=network:floatingip", gateway.AdminToken)).Json.GetProperty("ports").GetArrayLength());
    }

    [Fact]
    public async Task APortDeleteRacingAnAssociation_LeavesNoFloatingIpOnAPortThatIsGone()
    {
        var (token, _) = gateway.NewTenant("fip");
        var (external, _) = await ExternalAsync("172.30.80.0/24");
        var (network, subnet) = await TenantNetworkAsync(token, "10.130.80.0/24");
        await RouterAsync(token, external, subnet);
        var fip = (await CreateAsync(token, new { floating_network_id = external })).GetProperty("id").GetString()!;

        for (var i = 0; i < 5; i++)
        {
            var port = await PortAsync(token, network, new { subnet_id = subnet });
            var raced = await Task.WhenAll(UpdateAsync(token, fip, new { port_id = port }), gateway.NetworkAsync(HttpMethod.Delete, "ports/" + port, token));
            var (associate, delete) = (raced[0], raced[1]);
            Assert.Equal(HttpStatusCode.NoContent, delete.Status);
            if (associate.Status != HttpStatusCode.OK)
            {
                AssertNeutronError(associate, HttpStatusCode.NotFound, "PortNotFound", port); // the delete went first
            }

            Assert.Equal(JsonValueKind.Null, (await gateway.NetworkAsync(HttpMethod.Get, "floatingips/" + fip, token)).Json.GetProperty("floatingip").GetProperty("port_id").ValueKind);
        }
    }

    [Fact]
    public async Task AnInterfaceRemovalOrGatewayClearRacingAnAssociation_OneOfThemWins()
    {
        var (token, _) = gateway.NewTenant("fip");
        var (external, _) = await ExternalAsync("172.30.90.0/24");
        var (network, subnet) = await TenantNetworkAsync(token, "10.130.90.0/24");
        var port = await PortAsync(token, network, new { ip_address = "10.130.90.5" });
        var fip = (await CreateAsync(token, new { floating_network_id = external })).GetProperty("id").GetString()!;

        for (var i = 0; i < 3; i++)
        {
            var router = await RouterAsync(token, external, subnet);
            var raced = await Task.WhenAll(UpdateAsync(token, fip, new { port_id = port }), InterfaceAsync(token, router, "remove", new { subnet_id = subnet }));
            var (associate, remove) = (raced[0], raced[1]);
            if (remove.Status == HttpStatusCode.OK)
            {
                AssertNeutronError(associate, HttpStatusCode.NotFound, "ExternalGatewayForFloatingIPNotFound", subnet);
            }
            else
            {
                associate.AssertOk();
                AssertNeutronError(remove, HttpStatusCode.Conflict, "RouterInterfaceInUseByFloatingIP", subnet);
                raced = await Task.WhenAll(UpdateAsync(token, fip, new { port_id = (string?)null }), SetGatewayAsync(token, router, new { }));
                raced[0].AssertOk();
                Assert.True(raced[1].Status is HttpStatusCode.OK or HttpStatusCode.Conflict, raced[1].Text);
                (await UpdateAsync(token, fip, new { port_id = (string?)null })).AssertOk();
                (await InterfaceAsync(token, router, "remove", new { subnet_id = subnet })).AssertOk();
            }

            Assert.Equal(HttpStatusCode.OK, (await SetGatewayAsync(token, router, new { })).Status);
            Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "routers/" + router, token)).Status);
            Assert.Equal(JsonValueKind.Null, (await gateway.NetworkAsync(HttpMethod.Get, "floatingips/" + fip, token)).Json.GetProperty("floatingip").GetProperty("router_id").ValueKind);
        }
    }

    [Fact]
    public async Task TheApi_NamesFloatingIps()
    {
        var aliases = (await gateway.NetworkAsync(HttpMethod.Get, "extensions", gateway.DemoToken)).Json.GetProperty("extensions").EnumerateArray().Select(e => e.GetProperty("alias").GetString()).ToList();
        Assert.Contains("router", aliases);
        Assert.Contains("fip-port-details", aliases);
        Assert.DoesNotContain("dns-integration", aliases);
        Assert.DoesNotContain("qos-fip", aliases);
        Assert.DoesNotContain("floating-ip-port-forwarding", aliases);
        var collections = (await gateway.NetworkAsync(HttpMethod.Get, "", gateway.DemoToken)).Json.GetProperty("resources").EnumerateArray().Select(r => r.GetProperty("collection").GetString());
        Assert.Contains("floatingips", collections);
    }

    private static string Json(object value) => JsonSerializer.Serialize(value);

    private static JsonElement Ok(ApiResponse response) => NetworkSteps.Ok(response);

    private Task<ApiResponse> FipAsync(string token, object floatingip) => gateway.NetworkAsync(HttpMethod.Post, "floatingips", token, Json(new { floatingip }));

    private async Task<JsonElement> CreateAsync(string token, object floatingip)
    {
        var created = await FipAsync(token, floatingip);
        Assert.True(created.Status == HttpStatusCode.Created, created.Text);
        return created.Json.GetProperty("floatingip");
    }

    private Task<ApiResponse> UpdateAsync(string token, string id, object floatingip) => gateway.NetworkAsync(HttpMethod.Put, "floatingips/" + id, token, Json(new { floatingip }));

    private async Task<(string Network, string Subnet)> ExternalAsync(string cidr)
    {
        var network = Ok(await gateway.NetworkAsync(HttpMethod.Post, "networks", gateway.AdminToken, Json(new Dictionary<string, object> { ["network"] = new Dictionary<string, object> { ["name"] = "ext-" + cidr, ["router:external"] = true } })))
            .GetProperty("network").GetProperty("id").GetString()!;
        var subnet = Ok(await gateway.NetworkAsync(HttpMethod.Post, "subnets", gateway.AdminToken, Json(new { subnet = new { network_id = network, ip_version = 4, cidr } })))
            .GetProperty("subnet").GetProperty("id").GetString()!;
        return (network, subnet);
    }

    private Task<(string Network, string Subnet)> TenantNetworkAsync(string token, string cidr) => new NetworkSteps(gateway).NetworkAsync(token, cidr);

    /// <summary>A port named fip-port with the given fixed IPs (none given: no address at all).</summary>
    private async Task<string> PortAsync(string token, string network, params object[]? fixedIps) =>
        Ok(await gateway.NetworkAsync(HttpMethod.Post, "ports", token, Json(new { port = new { network_id = network, name = "fip-port", fixed_ips = fixedIps ?? [] } })))
            .GetProperty("port").GetProperty("id").GetString()!;

    /// <summary>A router with a gateway on <paramref name="external"/> and an interface on <paramref name="subnet"/> (either may be null).</summary>
    private async Task<string> RouterAsync(string token, string? external, string? subnet)
    {
        var body = external is null ? Json(new { router = new { name = "fip-router" } }) : Json(new { router = new { name = "fip-router", external_gateway_info = new { network_id = external } } });
        var router = Ok(await gateway.NetworkAsync(HttpMethod.Post, "routers", token, body)).GetProperty("router").GetProperty("id").GetString()!;
        if (subnet is not null)
        {
            (await InterfaceAsync(token, router, "add", new { subnet_id = subnet })).AssertOk();
        }

        return router;
    }

    private Task<ApiResponse> InterfaceAsync(string token, string router, string action, object body) =>
        gateway.NetworkAsync(HttpMethod.Put, $"routers/{router}/{action}_router_interface", token, Json(body));

    private Task<ApiResponse> SetGatewayAsync(string token, string router, object info) =>
        gateway.NetworkAsync(HttpMethod.Put, "routers/" + router, token, Json(new { router = new { external_gateway_info = info } }));
}

public sealed class FloatingIpsApiSqliteTests(SqliteGatewayFixture gateway) : FloatingIpsApiTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class FloatingIpsApiPostgresTests(PostgresGatewayFixture gateway) : FloatingIpsApiTests(gateway), IClassFixture<PostgresGatewayFixture>;
