using System.Net;
using System.Text.Json.Nodes;

namespace Tricircle.Emulator.Regions.Network;

internal sealed partial class NeutronState
{
    public JsonObject CreateNetwork(Caller caller, JsonObject body)
    {
        NeutronBody.Validate("network", body, create: true);
        lock (_gate)
        {
            var project = OwnerProject(caller, body, "network");
            CheckQuota(project, "network");
            foreach (var key in (string[])["shared", "router:external"])
            {
                if (!caller.IsAdmin && NeutronBody.Bool(body, key, false))
                {
                    throw Policy($"rule:create_network and rule:create_network:{key}");
                }
            }

            foreach (var key in (string[])["provider:network_type", "provider:physical_network", "provider:segmentation_id"])
            {
                if (!caller.IsAdmin && body[key] is not null)
                {
                    throw Policy($"rule:create_network and rule:create_network:{key}");
                }
            }

            var (type, physnet, segment) = Segment(body);
            var maxMtu = type == "vxlan" ? 1450 : 1500;
            var mtu = NeutronBody.Int(body, "mtu") ?? maxMtu;
            if (mtu > maxMtu)
            {
                throw OpenStackFault.BadRequest(InvalidInput($"Requested MTU is too big, maximum is {maxMtu}"), "InvalidInput");
            }

            var hints = AvailabilityZoneHints(body);
            var qosPolicy = NewNetworkQosPolicy(caller, body, project);
            EnsureDefaultGroup(project);
            var network = Stamp(new JsonObject
            {
                ["id"] = RegionContext.NewId(),
                ["name"] = NeutronBody.Str(body, "name") ?? "",
                ["admin_state_up"] = NeutronBody.Bool(body, "admin_state_up", true),
                ["mtu"] = mtu,
                ["status"] = "ACTIVE",
                ["subnets"] = new JsonArray(),
                ["shared"] = NeutronBody.Bool(body, "shared", false),
                ["availability_zone_hints"] = hints,
                ["availability_zones"] = Strings([Region.Options.AvailabilityZone]),
                ["ipv4_address_scope"] = null,
                ["ipv6_address_scope"] = null,
                ["router:external"] = NeutronBody.Bool(body, "router:external", false),
                ["description"] = NeutronBody.Str(body, "description") ?? "",
                ["port_security_enabled"] = NeutronBody.Bool(body, "port_security_enabled", true),
                ["l2_adjacency"] = true,
                ["tags"] = new JsonArray(),
                ["provider:network_type"] = type,
                ["provider:physical_network"] = physnet,
                ["provider:segmentation_id"] = segment,
                ["qos_policy_id"] = qosPolicy,
            }, project);
            _networks.Add(network);
            return View(caller, network);
        }
    }

    private JsonArray AvailabilityZoneHints(JsonObject body)
    {
        var hints = body["availability_zone_hints"]?.AsArray() ?? [];
        foreach (var hint in hints)
        {
            var name = hint?.GetValueKind() == System.Text.Json.JsonValueKind.String ? hint.GetValue<string>() : hint?.ToJsonString();
            if (name != Region.Options.AvailabilityZone)
            {
                throw OpenStackFault.NotFound($"AvailabilityZone {name} could not be found.", "AvailabilityZoneNotFound");
            }
        }

        return (JsonArray)hints.DeepClone();
    }

    // ML2's type drivers: validate_provider_segment and tenant allocation.
    private (string Type, string? Physnet, int? Segment) Segment(JsonObject body)
    {
        var type = NeutronBody.Str(body, "provider:network_type");
        var physnet = NeutronBody.Str(body, "provider:physical_network");
        var segment = NeutronBody.Int(body, "provider:segmentation_id");
        if (type is null)
        {
            if (physnet is not null || segment is not null)
            {
                throw OpenStackFault.BadRequest(InvalidInput("network_type required"), "InvalidInput");
            }

            return ("vxlan", null, AllocateSegment("vxlan", null, Region.Options.VxlanRange));
        }

        switch (type)
        {
            case "local":
                if (physnet is not null || segment is not null)
                {
                    throw OpenStackFault.BadRequest(InvalidInput("provider:physical_network and provider:segmentation_id specified for local network"), "InvalidInput");
                }

                return (type, null, null);
            case "flat":
                if (segment is not null)
                {
                    throw OpenStackFault.BadRequest(InvalidInput("segmentation_id not allowed for flat provider network"), "InvalidInput");
                }

                if (physnet is null)
                {
                    throw OpenStackFault.BadRequest(InvalidInput("physical_network required for flat provider network"), "InvalidInput");
                }

                if (!Region.Options.PhysicalNetworks.Contains(physnet))
                {
                    throw OpenStackFault.BadRequest(InvalidInput($"physical_network '{physnet}' unknown for flat provider network"), "InvalidInput");
                }

                if (_networks.Any(n => Str(n, "provider:network_type") == "flat" && Str(n, "provider:physical_network") == physnet))
                {
                    throw OpenStackFault.Conflict($"Unable to create the flat network. Physical network {physnet} is in use.", "FlatNetworkInUse");
                }

                return (type, physnet, null);
            case "vlan":
                if (physnet is not null && !Region.Options.PhysicalNetworks.Contains(physnet))
                {
                    throw OpenStackFault.BadRequest(InvalidInput($"physical_network '{physnet}' unknown for VLAN provider network"), "InvalidInput");
                }

                physnet ??= Region.Options.PhysicalNetworks.FirstOrDefault()
                    ?? throw OpenStackFault.Conflict("Unable to create the network. No tenant network is available for allocation.", "NoNetworkAvailable");
                return (type, physnet, AllocateSegment("vlan", physnet, Region.Options.VlanRange, segment));
            case "vxlan":
                if (physnet is not null)
                {
                    throw OpenStackFault.BadRequest(InvalidInput("provider:physical_network specified for VXLAN network"), "InvalidInput");
                }

                return (type, null, AllocateSegment("vxlan", null, Region.Options.VxlanRange, segment));
            default:
                throw OpenStackFault.BadRequest(InvalidInput($"network_type value '{type}' not supported"), "InvalidInput");
        }
    }

    private int AllocateSegment(string type, string? physnet, (int Min, int Max) range, int? wanted = null)
    {
        var taken = _networks
            .Where(n => Str(n, "provider:network_type") == type && Str(n, "provider:physical_network") == physnet)
            .Select(n => (int)n["provider:segmentation_id"]!)
            .ToHashSet();
        if (wanted is { } w)
        {
            // As ML2: the configured ranges are what tenants get; an admin may name any valid id
            // (the lab's real regions take a VNI or VLAN outside their ranges).
            var (min, max) = type == "vlan" ? (1, 4094) : (1, 16_777_215);
            if (w < min || w > max)
            {
                throw OpenStackFault.BadRequest(InvalidInput($"segmentation_id out of range ({min} through {max})"), "InvalidInput");
            }

            if (taken.Contains(w))
            {
                throw type == "vlan"
                    ? OpenStackFault.Conflict($"Unable to create the network. The VLAN {w} on physical network {physnet} is in use.", "VlanIdInUse")
                    : OpenStackFault.Conflict($"Unable to create the network. The tunnel ID {w} is in use.", "TunnelIdInUse");
            }

            return w;
        }

        for (var id = range.Min; id <= range.Max; id++)
        {
            if (!taken.Contains(id))
            {
                return id;
            }
        }

        throw OpenStackFault.Conflict("Unable to create the network. No tenant network is available for allocation.", "NoNetworkAvailable");
    }

    public JsonObject UpdateNetwork(Caller caller, string id, JsonObject body)
    {
        NeutronBody.Validate("network", body, create: false);
        lock (_gate)
        {
            var network = Get(caller, "networks", id);
            RequireOwner(caller, network, "rule:update_network");
            foreach (var key in (string[])["shared", "router:external"])
            {
                if (!caller.IsAdmin && body.ContainsKey(key))
                {
                    throw Policy($"rule:update_network and rule:update_network:{key}");
                }
            }

            if (body.ContainsKey("mtu"))
            {
                var max = Str(network, "provider:network_type") == "vxlan" ? 1450 : 1500;
                if (NeutronBody.Int(body, "mtu") > max)
                {
                    throw OpenStackFault.BadRequest(InvalidInput($"Requested MTU is too big, maximum is {max}"), "InvalidInput");
                }

                network["mtu"] = NeutronBody.Int(body, "mtu");
            }

            foreach (var key in (string[])["name", "description"])
            {
                if (body.ContainsKey(key))
                {
                    network[key] = NeutronBody.Str(body, key);
                }
            }

            // As external_net_db: a network stops being external only while no router has its gateway on it.
            if (body.ContainsKey("router:external") && !NeutronBody.Bool(body, "router:external", false) && Bool(network, "router:external")
                && _ports.Any(p => Str(p, "network_id") == id && Str(p, "device_owner") == RouterGateway))
            {
                throw OpenStackFault.Conflict($"External network {id} cannot be updated to be made non-external, since it has existing gateway ports.", "ExternalNetworkInUse");
            }

            foreach (var key in (string[])["admin_state_up", "shared", "router:external", "port_security_enabled"])
            {
                if (body.ContainsKey(key))
                {
                    network[key] = NeutronBody.Bool(body, key, false);
                }
            }

            if (body.ContainsKey("qos_policy_id"))
            {
                SetNetworkQosPolicy(network, QosPolicyOf(caller, body));
            }

            Touch(network);
            return View(caller, network);
        }
    }

    public void DeleteNetwork(Caller caller, string id)
    {
        lock (_gate)
        {
            var network = Get(caller, "networks", id);
            RequireOwner(caller, network, "rule:delete_network");
            if (_ports.Any(p => Str(p, "network_id") == id && Str(p, "device_owner") != DhcpOwner))
            {
                throw OpenStackFault.Conflict($"Unable to complete operation on network {id}. There are one or more ports still in use on the network.", "NetworkInUse");
            }

            _ports.RemoveAll(p => Str(p, "network_id") == id);
            _subnets.RemoveAll(s => Str(s, "network_id") == id);
            _networks.Remove(network);
        }
    }

    public JsonObject CreateSubnet(Caller caller, JsonObject body)
    {
        NeutronBody.Validate("subnet", body, create: true);
        foreach (var required in (string[])["network_id", "ip_version", "cidr"])
        {
            if (!body.ContainsKey(required))
            {
                throw OpenStackFault.BadRequest($"Failed to parse request. Required attribute '{required}' not specified");
            }
        }

        var version = NeutronBody.Int(body, "ip_version");
        if (version is not (4 or 6))
        {
            throw OpenStackFault.BadRequest($"Invalid input for ip_version. Reason: {body["ip_version"]!.ToJsonString()} is not in [4, 6].");
        }

        var cidrText = NeutronBody.Str(body, "cidr");
        var cidr = NeutronIpam.ParseCidr(cidrText);
        if (NeutronIpam.VersionOf(cidr.BaseAddress) != version)
        {
            throw OpenStackFault.BadRequest(InvalidInput($"cidr '{cidrText}' does not match the ip_version '{version}'"), "InvalidInput");
        }

        var v6 = version == 6;
        var raMode = NeutronBody.Str(body, "ipv6_ra_mode");
        var addressMode = NeutronBody.Str(body, "ipv6_address_mode");
        foreach (var (key, mode) in new[] { ("ipv6_ra_mode", raMode), ("ipv6_address_mode", addressMode) })
        {
            if (mode is not null && mode is not ("slaac" or "dhcpv6-stateful" or "dhcpv6-stateless"))
            {
                throw OpenStackFault.BadRequest($"Invalid input for {key}. Reason: '{mode}' is not in ['dhcpv6-stateful', 'dhcpv6-stateless', 'slaac'].");
            }

            if (mode is not null && !v6)
            {
                throw OpenStackFault.BadRequest(InvalidInput($"{key} is not valid when ip_version is 4"), "InvalidInput");
            }
        }

        if (raMode is not null && addressMode is not null && raMode != addressMode)
        {
            throw OpenStackFault.BadRequest(InvalidInput($"ipv6_ra_mode set to '{raMode}' with ipv6_address_mode set to '{addressMode}' is not valid. If both attributes are set, they must be the same value"), "InvalidInput");
        }

        if (addressMode is "slaac" or "dhcpv6-stateless" && cidr.PrefixLength != 64)
        {
            throw OpenStackFault.BadRequest(InvalidInput($"Invalid CIDR {cidrText} for IPv6 address mode. OpenStack uses the EUI-64 address format, which requires the prefix to be /64"), "InvalidInput");
        }

        lock (_gate)
        {
            var networkId = NeutronBody.Str(body, "network_id");
            var network = Get(caller, "networks", networkId);
            if (!caller.IsAdmin && Project(network) != caller.ProjectId)
            {
                throw Policy("rule:create_subnet and rule:create_subnet:network_id");
            }

            var project = OwnerProject(caller, body, "subnet");
            CheckQuota(project, "subnet");
            foreach (var other in _subnets.Where(s => Str(s, "network_id") == networkId))
            {
                if (NeutronIpam.Overlaps(Cidr(other), cidr))
                {
                    throw OpenStackFault.BadRequest(InvalidInput($"Requested subnet with cidr: {cidrText} for network: {networkId} overlaps with another subnet"), "InvalidInput");
                }
            }

            var (first, _) = NeutronIpam.Range(cidr);
            UInt128? gateway = first + 1;
            if (body.TryGetPropertyValue("gateway_ip", out var gatewayNode))
            {
                gateway = gatewayNode is null ? null : Ip(NeutronBody.Str(body, "gateway_ip"), "gateway_ip", version.Value);
            }

            var pools = body["allocation_pools"] is JsonArray given && given.Count > 0
                ? ValidatePools(given, cidr, version.Value, gateway)
                : NeutronIpam.DefaultPools(cidr, gateway);
            var subnet = Stamp(new JsonObject
            {
                ["id"] = RegionContext.NewId(),
                ["name"] = NeutronBody.Str(body, "name") ?? "",
                ["network_id"] = networkId,
                ["ip_version"] = version,
                ["subnetpool_id"] = null,
                ["enable_dhcp"] = NeutronBody.Bool(body, "enable_dhcp", true),
                ["ipv6_ra_mode"] = raMode,
                ["ipv6_address_mode"] = addressMode,
                ["gateway_ip"] = gateway is { } g ? NeutronIpam.FromNumber(g, version.Value).ToString() : null,
                ["cidr"] = cidr.ToString(),
                ["allocation_pools"] = NeutronIpam.PoolsJson(pools, version.Value),
                ["host_routes"] = HostRoutes(body, version.Value),
                ["dns_nameservers"] = DnsNameservers(body, version.Value),
                ["description"] = NeutronBody.Str(body, "description") ?? "",
                ["service_types"] = new JsonArray(),
                ["tags"] = new JsonArray(),
            }, project);
            _subnets.Add(subnet);
            network["subnets"]!.AsArray().Add(Id(subnet));
            Touch(network);
            return View(caller, subnet);
        }
    }

    private static UInt128 Ip(string? text, string attribute, int version)
    {
        if (NeutronIpam.ParseIp(text) is not { } ip)
        {
            throw OpenStackFault.BadRequest($"Invalid input for {attribute}. Reason: '{text}' is not a valid IP address.");
        }

        if (NeutronIpam.VersionOf(ip) != version)
        {
            throw OpenStackFault.BadRequest(InvalidInput($"{attribute} '{text}' does not match the ip_version '{version}'"), "InvalidInput");
        }

        return NeutronIpam.ToNumber(ip);
    }

    private static List<(UInt128 Start, UInt128 End)> ValidatePools(JsonArray given, IPNetwork cidr, int version, UInt128? gateway)
    {
        var pools = new List<(UInt128 Start, UInt128 End)>();
        foreach (var node in given)
        {
            if (node is not JsonObject pool || NeutronBody.Str(pool, "start") is not { } start || NeutronBody.Str(pool, "end") is not { } end)
            {
                throw OpenStackFault.BadRequest($"Invalid input for allocation_pools. Reason: Invalid data format for IP pool: '{node?.ToJsonString()}'.");
            }

            var (s, e) = (Ip(start, "allocation_pools", version), Ip(end, "allocation_pools", version));
            if (!NeutronIpam.Contains(cidr, s) || !NeutronIpam.Contains(cidr, e))
            {
                throw OpenStackFault.BadRequest($"The allocation pool {start}-{end} spans beyond the subnet cidr {cidr}.", "OutOfBoundsAllocationPool");
            }

            if (s > e)
            {
                throw OpenStackFault.BadRequest($"The allocation pool {start}-{end} is not valid.", "InvalidAllocationPool");
            }

            if (pools.Any(p => p.Start <= e && s <= p.End))
            {
                throw OpenStackFault.BadRequest($"Found overlapping allocation pools: {start}-{end}", "OverlappingAllocationPools");
            }

            if (gateway is { } g && g >= s && g <= e)
            {
                throw OpenStackFault.Conflict($"Gateway ip {NeutronIpam.FromNumber(g, version)} conflicts with allocation pool {start}-{end}.", "GatewayConflictWithAllocationPools");
            }

            pools.Add((s, e));
        }

        return pools;
    }

    private static JsonArray HostRoutes(JsonObject body, int version)
    {
        var routes = new JsonArray();
        foreach (var node in body["host_routes"]?.AsArray() ?? [])
        {
            if (node is not JsonObject route || NeutronBody.Str(route, "destination") is not { } destination || NeutronBody.Str(route, "nexthop") is not { } nexthop)
            {
                throw OpenStackFault.BadRequest($"Invalid input for host_routes. Reason: Invalid data format for hostroute: '{node?.ToJsonString()}'.");
            }

            var cidr = NeutronIpam.ParseCidr(destination, "host_routes");
            Ip(nexthop, "host_routes", version);
            routes.Add(new JsonObject { ["destination"] = cidr.ToString(), ["nexthop"] = nexthop });
        }

        return routes;
    }

    private static JsonArray DnsNameservers(JsonObject body, int version)
    {
        var servers = new JsonArray();
        foreach (var node in body["dns_nameservers"]?.AsArray() ?? [])
        {
            var text = node?.GetValueKind() == System.Text.Json.JsonValueKind.String ? node.GetValue<string>() : node?.ToJsonString();
            if (NeutronIpam.ParseIp(text) is null)
            {
                throw OpenStackFault.BadRequest($"Invalid input for dns_nameservers. Reason: '{text}' is not a valid nameserver.");
            }

            if (servers.Any(s => (string?)s == text))
            {
                throw OpenStackFault.BadRequest($"Invalid input for dns_nameservers. Reason: Duplicate nameserver '{text}'.");
            }

            _ = version;
            servers.Add(text);
        }

        return servers;
    }

    public JsonObject UpdateSubnet(Caller caller, string id, JsonObject body)
    {
        NeutronBody.Validate("subnet", body, create: false);
        lock (_gate)
        {
            var subnet = Get(caller, "subnets", id);
            RequireOwner(caller, subnet, "rule:update_subnet");
            var version = Version(subnet);
            var cidr = Cidr(subnet);
            foreach (var key in (string[])["name", "description"])
            {
                if (body.ContainsKey(key))
                {
                    subnet[key] = NeutronBody.Str(body, key);
                }
            }

            if (body.ContainsKey("enable_dhcp"))
            {
                subnet["enable_dhcp"] = NeutronBody.Bool(body, "enable_dhcp", true);
            }

            if (body.TryGetPropertyValue("gateway_ip", out var gatewayNode))
            {
                UInt128? gateway = gatewayNode is null ? null : Ip(NeutronBody.Str(body, "gateway_ip"), "gateway_ip", version);
                if (gateway is { } g && !body.ContainsKey("allocation_pools") && NeutronIpam.Pools(subnet).Any(p => g >= p.Start && g <= p.End))
                {
                    throw OpenStackFault.Conflict($"Gateway ip {NeutronIpam.FromNumber(g, version)} conflicts with allocation pool {string.Join(", ", NeutronIpam.Pools(subnet).Select(p => $"{NeutronIpam.FromNumber(p.Start, version)}-{NeutronIpam.FromNumber(p.End, version)}"))}.", "GatewayConflictWithAllocationPools");
                }

                subnet["gateway_ip"] = gateway is { } gw ? NeutronIpam.FromNumber(gw, version).ToString() : null;
            }

            if (body["allocation_pools"] is JsonArray pools)
            {
                var gateway = Str(subnet, "gateway_ip") is { } g ? NeutronIpam.ToNumber(IPAddress.Parse(g)) : (UInt128?)null;
                subnet["allocation_pools"] = NeutronIpam.PoolsJson(ValidatePools(pools, cidr, version, gateway), version);
            }

            if (body.ContainsKey("host_routes"))
            {
                subnet["host_routes"] = HostRoutes(body, version);
            }

            if (body.ContainsKey("dns_nameservers"))
            {
                subnet["dns_nameservers"] = DnsNameservers(body, version);
            }

            Touch(subnet);
            return View(caller, subnet);
        }
    }

    public void DeleteSubnet(Caller caller, string id)
    {
        lock (_gate)
        {
            var subnet = Get(caller, "subnets", id);
            RequireOwner(caller, subnet, "rule:delete_subnet");
            // Neutron's delete_subnet: an auto-address subnet (SLAAC, DHCPv6-stateless) is held only by a
            // router's interface, and its automatic addresses are taken off the other ports.
            var auto = Str(subnet, "ipv6_address_mode") is "slaac" or "dhcpv6-stateless";
            var holders = _ports.Where(p => p["fixed_ips"]!.AsArray().Any(f => (string?)f!["subnet_id"] == id)).ToList();
            if (holders.Any(p => auto ? Str(p, "device_owner") is "network:router_interface" or "network:router_interface_distributed" or "network:ha_router_replicated_interface" : Str(p, "device_owner") != DhcpOwner))
            {
                throw OpenStackFault.Conflict($"Unable to complete operation on subnet {id}: One or more ports have an IP allocation from this subnet.", "SubnetInUse");
            }

            foreach (var port in holders.Where(_ => auto))
            {
                var ips = port["fixed_ips"]!.AsArray();
                foreach (var ip in ips.Where(f => (string?)f!["subnet_id"] == id).ToList())
                {
                    ips.Remove(ip);
                }

                Touch(port);
            }

            _subnets.Remove(subnet);
            if (Net(Str(subnet, "network_id")) is { } network)
            {
                var ids = network["subnets"]!.AsArray();
                ids.Remove(ids.First(s => (string?)s == id));
                Touch(network);
            }
        }
    }
}
