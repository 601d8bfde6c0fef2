using System.Net;
using System.Text.Json.Nodes;

namespace Tricircle.Emulator.Regions.Network;

internal sealed partial class NeutronState
{
    public JsonObject CreateRouter(Caller caller, JsonObject body)
    {
        NeutronBody.Validate("router", body, create: true);
        lock (_gate)
        {
            var project = OwnerProject(caller, body, "router");
            CheckQuota(project, "router");
            var router = Stamp(new JsonObject
            {
                ["id"] = RegionContext.NewId(),
                ["name"] = NeutronBody.Str(body, "name") ?? "",
                ["admin_state_up"] = NeutronBody.Bool(body, "admin_state_up", true),
                ["status"] = "ACTIVE",
                ["external_gateway_info"] = null,
                ["routes"] = new JsonArray(),
                ["description"] = NeutronBody.Str(body, "description") ?? "",
                ["availability_zone_hints"] = AvailabilityZoneHints(body),
                ["availability_zones"] = Strings([Region.Options.AvailabilityZone]),
                ["flavor_id"] = null,
                ["tags"] = new JsonArray(),
            }, project);
            if (body["external_gateway_info"] is JsonObject gateway && gateway.Count > 0)
            {
                router["external_gateway_info"] = Gateway(caller, router, gateway);
            }

            _routers.Add(router);
            return View(caller, router);
        }
    }

    private JsonObject Gateway(Caller caller, JsonObject router, JsonObject info)
    {
        var networkId = NeutronBody.Str(info, "network_id")
            ?? throw OpenStackFault.BadRequest("Invalid input for external_gateway_info. Reason: Validation of dictionary's keys failed. Expected keys: {'network_id'} Provided keys: {" + string.Join(", ", info.Select(p => $"'{p.Key}'")) + "}.");
        var network = Get(caller, "networks", networkId);
        if (!Bool(network, "router:external"))
        {
            throw OpenStackFault.BadRequest($"Bad router request: Network {networkId} is not an external network.", "BadRequest");
        }

        if (info.ContainsKey("enable_snat") && !caller.IsAdmin)
        {
            throw Policy("rule:create_router and rule:create_router:external_gateway_info:enable_snat");
        }

        var portBody = new JsonObject { ["device_id"] = Id(router), ["device_owner"] = RouterGateway };
        if (info["external_fixed_ips"] is JsonArray fixedIps && fixedIps.Count > 0)
        {
            portBody["fixed_ips"] = fixedIps.DeepClone();
        }

        var port = NewPort(caller, network, "", portBody, []);
        SetBinding(port, Region.ComputeHost);
        return new JsonObject
        {
            ["network_id"] = networkId,
            ["external_fixed_ips"] = port["fixed_ips"]!.DeepClone(),
            ["enable_snat"] = NeutronBody.Bool(info, "enable_snat", true),
        };
    }

    public JsonObject UpdateRouter(Caller caller, string id, JsonObject body)
    {
        NeutronBody.Validate("router", body, create: false);
        lock (_gate)
        {
            var router = Get(caller, "routers", id);
            RequireOwner(caller, router, "rule:update_router");
            foreach (var key in (string[])["name", "description"])
            {
                if (body.ContainsKey(key))
                {
                    router[key] = NeutronBody.Str(body, key);
                }
            }

            if (body.ContainsKey("admin_state_up"))
            {
                router["admin_state_up"] = NeutronBody.Bool(body, "admin_state_up", true);
            }

            if (body.TryGetPropertyValue("external_gateway_info", out var gatewayNode))
            {
                var gateway = gatewayNode as JsonObject;
                var current = router["external_gateway_info"] as JsonObject;
                var sameNetwork = current is not null && gateway is not null && NeutronBody.Str(gateway, "network_id") == Str(current, "network_id");
                if (sameNetwork && !gateway!.ContainsKey("external_fixed_ips"))
                {
                    if (gateway.ContainsKey("enable_snat"))
                    {
                        if (!caller.IsAdmin)
                        {
                            throw Policy("rule:update_router and rule:update_router:external_gateway_info:enable_snat");
                        }

                        current!["enable_snat"] = NeutronBody.Bool(gateway, "enable_snat", true);
                    }
                }
                else
                {
                    if (current is not null && _floatingIps.Any(f => Str(f, "router_id") == id))
                    {
                        throw OpenStackFault.Conflict($"Gateway cannot be updated for router {id}, since a gateway to external network {Str(current, "network_id")} is required by one or more floating IPs.", "RouterExternalGatewayInUseByFloatingIp");
                    }

                    var oldPort = _ports.FirstOrDefault(p => Str(p, "device_id") == id && Str(p, "device_owner") == RouterGateway);
                    if (oldPort is not null)
                    {
                        _ports.Remove(oldPort);
                    }


                    var oldInfo = router["external_gateway_info"];
                    try
                    {
                        router["external_gateway_info"] = gateway is { Count: > 0 } ? Gateway(caller, router, gateway) : null;

                        // Real Neutron (lab, Zed) checks the router's routes when it sets a gateway
                        // (not when it clears one: a route through the old gateway then stays):
                        // a next hop on none of its subnets is 400 InvalidRoutes, naming the routes
                        // as its DB rows, and the router keeps the gateway it had.
                        if (gateway is { Count: > 0 } && !body.ContainsKey("routes") && router["routes"] is JsonArray { Count: > 0 } held && !AllConnected(id, held))
                        {
                            throw OpenStackFault.BadRequest($"Invalid format for routes: {PythonRouteRows(id, held)}, the nexthop is not connected with router", "InvalidRoutes");
                        }
                    }
                    catch
                    {
                        _ports.RemoveAll(p => Str(p, "device_id") == id && Str(p, "device_owner") == RouterGateway);
                        router["external_gateway_info"] = oldInfo;
                        if (oldPort is not null)
                        {
                            _ports.Add(oldPort);
                        }

                        throw;
                    }
                }
            }

            if (body["routes"] is JsonArray routes)
            {
                router["routes"] = Routes(router, routes);
            }

            Touch(router);
            return View(caller, router);
        }
    }

    private IEnumerable<JsonObject> RouterPorts(string routerId) =>
        _ports.Where(p => Str(p, "device_id") == routerId && Str(p, "device_owner") is RouterInterface or RouterGateway);

    private static string PythonRoutes(JsonArray routes) =>
        "[" + string.Join(", ", routes.Select(r => r is JsonObject o ? "{" + string.Join(", ", o.Select(p => $"'{p.Key}': '{p.Value}'")) + "}" : r?.ToJsonString() ?? "None")) + "]";

    /// <summary>Whether every route's next hop is on a subnet one of the router's ports is on.</summary>
    private bool AllConnected(string routerId, JsonArray routes)
    {
        var connected = RouterPorts(routerId).SelectMany(p => p["fixed_ips"]!.AsArray()).Select(f => SubnetById((string?)f!["subnet_id"])).Where(s => s is not null).Select(s => Cidr(s!)).ToList();
        return routes.OfType<JsonObject>().All(r => NeutronIpam.ParseIp((string?)r["nexthop"] ?? "") is { } hop
            && connected.Any(c => NeutronIpam.VersionOf(c.BaseAddress) == NeutronIpam.VersionOf(hop) && NeutronIpam.Contains(c, NeutronIpam.ToNumber(hop))));
    }

    /// <summary>A router's routes as Neutron prints its RouterRoute rows in an InvalidRoutes message.</summary>
    private static string PythonRouteRows(string routerId, JsonArray routes) =>
        "[" + string.Join(", ", routes.OfType<JsonObject>().Select(r =>
            $"<neutron.db.models.l3.RouterRoute[object at 7f0000000000] {{destination='{r["destination"]}', nexthop='{r["nexthop"]}', router_id='{routerId}'}}>")) + "]";

    // l3 extraroute: every nexthop on a subnet connected to the router, not one of its own addresses.
    private JsonArray Routes(JsonObject router, JsonArray routes)
    {
        var connected = RouterPorts(Id(router)).SelectMany(p => p["fixed_ips"]!.AsArray()).Select(f => SubnetById((string?)f!["subnet_id"])).Where(s => s is not null).Select(s => Cidr(s!)).ToList();
        var own = RouterPorts(Id(router)).SelectMany(p => p["fixed_ips"]!.AsArray()).Select(f => (string?)f!["ip_address"]).ToHashSet();
        var result = new JsonArray();
        foreach (var node in routes)
        {
            if (node is not JsonObject route || NeutronBody.Str(route, "destination") is not { } destination || NeutronBody.Str(route, "nexthop") is not { } nexthop)
            {
                throw OpenStackFault.BadRequest($"Invalid input for routes. Reason: Invalid data format for hostroute: '{node?.ToJsonString()}'.");
            }

            var cidr = NeutronIpam.ParseCidr(destination, "routes");
            if (NeutronIpam.ParseIp(nexthop) is not { } hop)
            {
                throw OpenStackFault.BadRequest($"Invalid input for routes. Reason: '{nexthop}' is not a valid IP address.");
            }

            if (own.Contains(hop.ToString()))
            {
                throw OpenStackFault.BadRequest($"Invalid format for routes: {PythonRoutes(routes)}, the nexthop is used by router", "InvalidRoutes");
            }

            if (!connected.Any(c => NeutronIpam.VersionOf(c.BaseAddress) == NeutronIpam.VersionOf(hop) && NeutronIpam.Contains(c, NeutronIpam.ToNumber(hop))))
            {
                throw OpenStackFault.BadRequest($"Invalid format for routes: {PythonRoutes(routes)}, the nexthop is not connected with router", "InvalidRoutes");
            }

            if (!result.Any(r => (string?)r!["destination"] == cidr.ToString() && (string?)r["nexthop"] == hop.ToString()))
            {
                result.Add(new JsonObject { ["destination"] = cidr.ToString(), ["nexthop"] = hop.ToString() });
            }
        }

        return result;
    }

    public void DeleteRouter(Caller caller, string id)
    {
        lock (_gate)
        {
            var router = Get(caller, "routers", id);
            RequireOwner(caller, router, "rule:delete_router");
            if (_ports.Any(p => Str(p, "device_id") == id && Str(p, "device_owner") == RouterInterface))
            {
                throw OpenStackFault.Conflict($"Router {id} still has ports", "RouterInUse");
            }

            if (_floatingIps.Any(f => Str(f, "router_id") == id))
            {
                throw OpenStackFault.Conflict($"Router {id} still has ports", "RouterInUse");
            }

            _ports.RemoveAll(p => Str(p, "device_id") == id && Str(p, "device_owner") == RouterGateway);
            _routers.Remove(router);
        }
    }

    public JsonObject AddRouterInterface(Caller caller, string id, JsonObject body)
    {
        lock (_gate)
        {
            var router = Get(caller, "routers", id);
            RequireOwner(caller, router, "rule:add_router_interface");
            var subnetId = NeutronBody.Str(body, "subnet_id");
            var portId = NeutronBody.Str(body, "port_id");
            if (subnetId is not null && portId is not null)
            {
                throw OpenStackFault.BadRequest("Bad router request: Cannot specify both subnet-id and port-id.", "BadRequest");
            }

            if (subnetId is null && portId is null)
            {
                throw OpenStackFault.BadRequest("Bad router request: Either subnet_id or port_id must be specified.", "BadRequest");
            }

            var attached = RouterPorts(id).Where(p => Str(p, "device_owner") == RouterInterface)
                .SelectMany(p => p["fixed_ips"]!.AsArray()).Select(f => SubnetById((string?)f!["subnet_id"])).Where(s => s is not null).Select(s => s!).ToList();
            JsonObject port;
            if (subnetId is not null)
            {
                var subnet = Get(caller, "subnets", subnetId);
                if (Str(subnet, "gateway_ip") is not { } gatewayIp)
                {
                    throw OpenStackFault.BadRequest("Bad router request: Subnet for router interface must have a gateway IP.", "BadRequest");
                }

                CheckAttachable(id, attached, [subnet]);
                port = NewPort(caller, Net(Str(subnet, "network_id"))!, Project(router), new JsonObject
                {
                    ["device_id"] = id,
                    ["device_owner"] = RouterInterface,
                    ["fixed_ips"] = new JsonArray(new JsonObject { ["subnet_id"] = subnetId, ["ip_address"] = gatewayIp }),
                }, []);
            }
            else
            {
                port = Get(caller, "ports", portId);
                if (Str(port, "device_id") is { Length: > 0 } device)
                {
                    throw OpenStackFault.Conflict($"Unable to complete operation on port {portId} for network {Str(port, "network_id")}. Port already has an attached device {device}.", "PortInUse");
                }

                var fixedIps = port["fixed_ips"]!.AsArray();
                if (fixedIps.Count == 0)
                {
                    throw OpenStackFault.BadRequest("Bad router request: Router port must have at least one fixed IP.", "BadRequest");
                }

                CheckAttachable(id, attached, fixedIps.Select(f => SubnetById((string?)f!["subnet_id"])!).ToList());
                port["device_id"] = id;
                port["device_owner"] = RouterInterface;
                port["security_groups"] = new JsonArray();
                Touch(port);
            }

            SetBinding(port, Region.ComputeHost);
            Touch(router);
            return InterfaceInfo(router, port);
        }
    }

    private static void CheckAttachable(string routerId, List<JsonObject> attached, List<JsonObject> subnets)
    {
        _ = routerId;
        foreach (var subnet in subnets)
        {
            if (attached.Any(a => Id(a) == Id(subnet)))
            {
                throw OpenStackFault.BadRequest($"Bad router request: Router already has a port on subnet {Id(subnet)}.", "BadRequest");
            }

            foreach (var other in attached.Where(a => NeutronIpam.Overlaps(Cidr(a), Cidr(subnet))))
            {
                throw OpenStackFault.BadRequest($"Bad router request: Cidr {Str(subnet, "cidr")} of subnet {Id(subnet)} overlaps with cidr {Str(other, "cidr")} of subnet {Id(other)}.", "BadRequest");
            }
        }
    }

    private static JsonObject InterfaceInfo(JsonObject router, JsonObject port)
    {
        var subnetIds = port["fixed_ips"]!.AsArray().Select(f => (string)f!["subnet_id"]!).ToList();
        return new JsonObject
        {
            ["network_id"] = Str(port, "network_id"),
            ["tenant_id"] = Project(router),
            ["subnet_id"] = subnetIds.FirstOrDefault(),
            ["subnet_ids"] = Strings(subnetIds),
            ["port_id"] = Id(port),
            ["id"] = Id(router),
            ["project_id"] = Project(router),
        };
    }

    public JsonObject RemoveRouterInterface(Caller caller, string id, JsonObject body)
    {
        lock (_gate)
        {
            var router = Get(caller, "routers", id);
            RequireOwner(caller, router, "rule:remove_router_interface");
            var subnetId = NeutronBody.Str(body, "subnet_id");
            var portId = NeutronBody.Str(body, "port_id");
            if (subnetId is null && portId is null)
            {
                throw OpenStackFault.BadRequest("Bad router request: Either subnet_id or port_id must be specified.", "BadRequest");
            }

            var interfaces = RouterPorts(id).Where(p => Str(p, "device_owner") == RouterInterface).ToList();
            JsonObject port;
            if (portId is not null)
            {
                port = interfaces.FirstOrDefault(p => Id(p) == portId)
                    ?? throw OpenStackFault.NotFound($"Router {id} does not have an interface with id {portId}", "RouterInterfaceNotFound");
                if (subnetId is not null && !port["fixed_ips"]!.AsArray().Any(f => (string?)f!["subnet_id"] == subnetId))
                {
                    throw OpenStackFault.Conflict($"Subnet {subnetId} is not associated with port {portId}", "SubnetMismatchForPort");
                }
            }
            else
            {
                Get(caller, "subnets", subnetId);
                port = interfaces.FirstOrDefault(p => p["fixed_ips"]!.AsArray().Any(f => (string?)f!["subnet_id"] == subnetId))
                    ?? throw OpenStackFault.NotFound($"Router {id} has no interface on subnet {subnetId}", "RouterInterfaceNotFoundForSubnet");
            }

            foreach (var fixedIp in port["fixed_ips"]!.AsArray())
            {
                var sid = (string)fixedIp!["subnet_id"]!;
                var cidr = Cidr(SubnetById(sid)!);
                if (router["routes"]!.AsArray().Any(r => NeutronIpam.ParseIp((string?)r!["nexthop"]) is { } hop && NeutronIpam.VersionOf(hop) == NeutronIpam.VersionOf(cidr.BaseAddress) && NeutronIpam.Contains(cidr, NeutronIpam.ToNumber(hop))))
                {
                    throw OpenStackFault.Conflict($"Router interface for subnet {sid} on router {id} cannot be deleted, as it is required by one or more routes.", "RouterInterfaceInUseByRoute");
                }

                if (_floatingIps.Any(f => Str(f, "router_id") == id && _ports.FirstOrDefault(p => Id(p) == Str(f, "port_id")) is { } p && p["fixed_ips"]!.AsArray().Any(x => (string?)x!["subnet_id"] == sid)))
                {
                    throw OpenStackFault.Conflict($"Router interface for subnet {sid} on router {id} cannot be deleted, as it is required by one or more floating IPs.", "RouterInterfaceInUseByFloatingIP");
                }
            }

            var info = InterfaceInfo(router, port);
            _ports.Remove(port);
            Touch(router);
            return info;
        }
    }

    public JsonObject CreateFloatingIp(Caller caller, JsonObject body)
    {
        NeutronBody.Validate("floatingip", body, create: true);
        if (!body.ContainsKey("floating_network_id"))
        {
            throw OpenStackFault.BadRequest("Failed to parse request. Required attribute 'floating_network_id' not specified");
        }

        lock (_gate)
        {
            var project = OwnerProject(caller, body, "floatingip");
            CheckQuota(project, "floatingip");
            var networkId = NeutronBody.Str(body, "floating_network_id")!;
            var network = _networks.FirstOrDefault(n => Id(n) == networkId);
            if (network is null || !CanSee(caller, "networks", network) || !Bool(network, "router:external"))
            {
                throw network is null || !CanSee(caller, "networks", network)
                    ? NotFound("networks", networkId)
                    : OpenStackFault.BadRequest($"Bad floatingip request: Network {networkId} is not a valid external network.", "BadRequest");
            }

            if (body.ContainsKey("floating_ip_address") && !caller.IsAdmin)
            {
                throw Policy("rule:create_floatingip and rule:create_floatingip:floating_ip_address");
            }

            var id = RegionContext.NewId();
            var fixedIp = new JsonObject();
            if (NeutronBody.Str(body, "subnet_id") is { } subnetId)
            {
                fixedIp["subnet_id"] = subnetId;
            }

            if (NeutronBody.Str(body, "floating_ip_address") is { } address)
            {
                fixedIp["ip_address"] = address;
            }

            var portBody = new JsonObject { ["device_id"] = id, ["device_owner"] = FloatingIpOwner };
            if (fixedIp.Count > 0)
            {
                portBody["fixed_ips"] = new JsonArray(fixedIp);
            }
            else
            {
                // Floating IPs are IPv4: only the external network's IPv4 subnets.
                var v4 = _subnets.Where(s => Str(s, "network_id") == networkId && Version(s) == 4).ToList();
                var free = v4.Select(s => (Subnet: s, Ip: NextFree(s, []))).FirstOrDefault(x => x.Ip is not null);
                if (free.Subnet is null)
                {
                    throw NoMoreIps(networkId);
                }

                portBody["fixed_ips"] = new JsonArray(FixedIp(free.Subnet, free.Ip!.Value));
            }

            var fip = Stamp(new JsonObject
            {
                ["id"] = id,
                ["floating_network_id"] = networkId,
                ["router_id"] = null,
                ["fixed_ip_address"] = null,
                ["floating_ip_address"] = null,
                ["port_id"] = null,
                ["status"] = "DOWN",
                ["description"] = NeutronBody.Str(body, "description") ?? "",
                ["port_details"] = null,
                ["port_forwardings"] = new JsonArray(),
                ["tags"] = new JsonArray(),
            }, project);
            if (NeutronBody.Str(body, "port_id") is { } portId)
            {
                Associate(caller, fip, portId, NeutronBody.Str(body, "fixed_ip_address"));
            }

            var port = NewPort(caller, network, "", portBody, []);
            fip["floating_ip_address"] = (string?)port["fixed_ips"]![0]!["ip_address"];
            _floatingIps.Add(fip);
            return View(caller, fip);
        }
    }

    private void Associate(Caller caller, JsonObject fip, string portId, string? fixedIpAddress)
    {
        var port = Get(caller, "ports", portId);
        var ips = port["fixed_ips"]!.AsArray().Select(f => (JsonObject)f!).ToList();
        JsonObject? chosen;
        if (fixedIpAddress is not null)
        {
            chosen = ips.FirstOrDefault(f => (string?)f["ip_address"] == fixedIpAddress)
                ?? throw OpenStackFault.BadRequest($"Bad floatingip request: Port {portId} does not have fixed ip {fixedIpAddress}.", "BadRequest");
        }
        else
        {
            chosen = ips.FirstOrDefault(f => NeutronIpam.VersionOf(IPAddress.Parse((string)f["ip_address"]!)) == 4)
                ?? throw OpenStackFault.BadRequest($"Bad floatingip request: Port {portId} does not have any IPv4 address. Cannot associate a Floating IP to it.", "BadRequest");
        }

        var subnetId = (string)chosen["subnet_id"]!;
        var externalId = Str(fip, "floating_network_id")!;
        var router = _routers.FirstOrDefault(r =>
            r["external_gateway_info"] is JsonObject gw && Str(gw, "network_id") == externalId
            && _ports.Any(p => Str(p, "device_id") == Id(r) && Str(p, "device_owner") == RouterInterface && p["fixed_ips"]!.AsArray().Any(f => (string?)f!["subnet_id"] == subnetId)))
            ?? throw OpenStackFault.NotFound($"External network {externalId} is not reachable from subnet {subnetId}.  Therefore, cannot associate Port {portId} with a Floating IP.", "ExternalGatewayForFloatingIPNotFound");
        var fixedIp = (string)chosen["ip_address"]!;
        if (_floatingIps.FirstOrDefault(f => Id(f) != Id(fip) && Str(f, "port_id") == portId && Str(f, "fixed_ip_address") == fixedIp && Str(f, "floating_network_id") == externalId) is { } other)
        {
            throw OpenStackFault.Conflict($"Cannot associate floating IP {Str(other, "floating_ip_address")} ({Id(other)}) with port {portId} using fixed IP {fixedIp}, as that fixed IP already has a floating IP on external network {externalId}.", "FloatingIPPortAlreadyAssociated");
        }

        fip["port_id"] = portId;
        fip["fixed_ip_address"] = fixedIp;
        fip["router_id"] = Id(router);
        fip["status"] = "ACTIVE";
        fip["port_details"] = new JsonObject
        {
            ["name"] = Str(port, "name"),
            ["network_id"] = Str(port, "network_id"),
            ["mac_address"] = Str(port, "mac_address"),
            ["admin_state_up"] = Bool(port, "admin_state_up"),
            ["status"] = Str(port, "status"),
            ["device_id"] = Str(port, "device_id"),
            ["device_owner"] = Str(port, "device_owner"),
        };
    }

    private void Disassociate(JsonObject fip)
    {
        fip["port_id"] = null;
        fip["fixed_ip_address"] = null;
        fip["router_id"] = null;
        fip["port_details"] = null;
        fip["status"] = "DOWN";
        Touch(fip);
    }

    public JsonObject UpdateFloatingIp(Caller caller, string id, JsonObject body)
    {
        NeutronBody.Validate("floatingip", body, create: false);
        lock (_gate)
        {
            var fip = Get(caller, "floatingips", id);
            RequireOwner(caller, fip, "rule:update_floatingip");
            if (body.ContainsKey("description"))
            {
                fip["description"] = NeutronBody.Str(body, "description");
            }

            // An empty update disassociates (l3_db._check_and_get_fip_assoc); other bodies keep it.
            if (body.ContainsKey("port_id") || body.Count == 0)
            {
                if (NeutronBody.Str(body, "port_id") is { } portId)
                {
                    Associate(caller, fip, portId, NeutronBody.Str(body, "fixed_ip_address"));
                }
                else
                {
                    Disassociate(fip);
                }
            }

            Touch(fip);
            return View(caller, fip);
        }
    }

    public void DeleteFloatingIp(Caller caller, string id)
    {
        lock (_gate)
        {
            var fip = Get(caller, "floatingips", id);
            RequireOwner(caller, fip, "rule:delete_floatingip");
            _ports.RemoveAll(p => Str(p, "device_id") == id && Str(p, "device_owner") == FloatingIpOwner);
            _floatingIps.Remove(fip);
        }
    }
}
