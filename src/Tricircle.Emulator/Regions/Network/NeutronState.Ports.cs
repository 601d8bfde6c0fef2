using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tricircle.Emulator.Regions.Network;

internal sealed partial class NeutronState
{
    private static readonly string[] VnicTypes = ["normal", "direct", "macvtap", "baremetal", "direct-physical", "virtio-forwarder", "smart-nic", "vdpa", "accelerator-direct", "accelerator-direct-physical", "remote-managed"];

    public JsonObject CreatePort(Caller caller, JsonObject body)
    {
        NeutronBody.Validate("port", body, create: true);
        if (!body.ContainsKey("network_id"))
        {
            throw OpenStackFault.BadRequest("Failed to parse request. Required attribute 'network_id' not specified");
        }

        lock (_gate)
        {
            var network = Get(caller, "networks", NeutronBody.Str(body, "network_id"));
            var project = OwnerProject(caller, body, "port");
            AdminOnlyBinding(caller, body, "create_port");

            // create_port:mac_address: an advanced service, the network's owner or an admin.
            if (body.ContainsKey("mac_address") && !caller.IsAdmin && !caller.Roles.Contains("advsvc", StringComparer.Ordinal) && Str(network, "project_id") != caller.ProjectId)
            {
                throw Policy("rule:create_port and rule:create_port:mac_address");
            }

            CheckQuota(project, "port");
            return View(caller, NewPort(caller, network, project, body));
        }
    }

    private JsonObject NewPort(Caller caller, JsonObject network, string project, JsonObject body, JsonArray? securityGroups = null)
    {
        var networkId = Id(network);
        var mac = NeutronBody.Str(body, "mac_address") is { } givenMac ? Mac(givenMac, networkId, null) : NewMac(networkId);
        var deviceOwner = NeutronBody.Str(body, "device_owner") ?? "";
        var portSecurity = NeutronBody.Bool(body, "port_security_enabled", Bool(network, "port_security_enabled"));
        var vnic = VnicType(body) ?? "normal";
        var id = RegionContext.NewId();
        var fixedIps = AllocateIps(network, body["fixed_ips"] as JsonArray, mac, null);
        var qosPolicy = QosPolicyOf(caller, body);
        securityGroups ??= PortGroups(project, body.TryGetPropertyValue("security_groups", out var sg) ? sg ?? new JsonArray() : null, portSecurity, deviceOwner, fixedIps.Count > 0);
        var port = Stamp(new JsonObject
        {
            ["id"] = id,
            ["name"] = NeutronBody.Str(body, "name") ?? "",
            ["network_id"] = networkId,
            ["mac_address"] = mac,
            ["admin_state_up"] = NeutronBody.Bool(body, "admin_state_up", true),
            ["status"] = "DOWN",
            ["device_id"] = NeutronBody.Str(body, "device_id") ?? "",
            ["device_owner"] = deviceOwner,
            ["fixed_ips"] = fixedIps,
            ["allowed_address_pairs"] = AddressPairs(body, mac, portSecurity),
            ["extra_dhcp_opts"] = DhcpOptions(body),
            ["security_groups"] = securityGroups,
            ["description"] = NeutronBody.Str(body, "description") ?? "",
            ["binding:vnic_type"] = vnic,
            ["binding:profile"] = body["binding:profile"]?.DeepClone() ?? new JsonObject(),
            ["binding:host_id"] = "",
            ["binding:vif_type"] = "unbound",
            ["binding:vif_details"] = new JsonObject(),
            ["port_security_enabled"] = portSecurity,
            ["ip_allocation"] = "immediate",
            ["tags"] = new JsonArray(),
            ["qos_policy_id"] = qosPolicy,
            ["qos_network_policy_id"] = Str(network, "qos_policy_id"),
        }, project);
        SetBinding(port, NeutronBody.Str(body, "binding:host_id") ?? "");
        _ = caller;
        _ports.Add(port);
        return port;
    }

    // Zed's default policy: only admins set binding:host_id and binding:profile.
    private static void AdminOnlyBinding(Caller caller, JsonObject body, string action)
    {
        foreach (var key in (string[])["binding:host_id", "binding:profile"])
        {
            if (!caller.IsAdmin && body.ContainsKey(key))
            {
                throw Policy($"rule:{action} and rule:{action}:{key}");
            }
        }
    }

    private static string? VnicType(JsonObject body)
    {
        var vnic = NeutronBody.Str(body, "binding:vnic_type");
        if (vnic is not null && !VnicTypes.Contains(vnic))
        {
            throw OpenStackFault.BadRequest($"Invalid input for binding:vnic_type. Reason: '{vnic}' is not in [{string.Join(", ", VnicTypes.Select(v => $"'{v}'"))}].");
        }

        return vnic;
    }

    private static void SetBinding(JsonObject port, string host)
    {
        port["binding:host_id"] = host;
        if (host.Length == 0)
        {
            port["binding:vif_type"] = "unbound";
            port["binding:vif_details"] = new JsonObject();
            port["status"] = "DOWN";
            return;
        }

        port["binding:vif_type"] = "ovs";
        port["binding:vif_details"] = new JsonObject
        {
            ["connectivity"] = "l2",
            ["port_filter"] = true,
            ["ovs_hybrid_plug"] = false,
            ["datapath_type"] = "system",
            ["bridge_name"] = "br-int",
        };
        port["status"] = "ACTIVE";
    }

    private string Mac(string mac, string networkId, string? portId)
    {
        var parts = mac.Split(':');
        if (parts.Length != 6 || parts.Any(p => p.Length != 2 || !byte.TryParse(p, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out _)))
        {
            throw OpenStackFault.BadRequest($"Invalid input for mac_address. Reason: '{mac}' is not a valid MAC address.");
        }

        var normalized = mac.ToLowerInvariant();
        if (_ports.Any(p => Str(p, "network_id") == networkId && Str(p, "mac_address") == normalized && Id(p) != portId))
        {
            throw OpenStackFault.Conflict($"Unable to complete operation for network {networkId}. The mac address {normalized} is in use.", "MacAddressInUse");
        }

        return normalized;
    }

    private string NewMac(string networkId)
    {
        while (true)
        {
            var bytes = new byte[3];
            Random.Shared.NextBytes(bytes);
            var mac = $"fa:16:3e:{bytes[0]:x2}:{bytes[1]:x2}:{bytes[2]:x2}";
            if (!_ports.Any(p => Str(p, "network_id") == networkId && Str(p, "mac_address") == mac))
            {
                return mac;
            }
        }
    }

    private HashSet<UInt128> Used(string subnetId) =>
        _ports.SelectMany(p => p["fixed_ips"]!.AsArray())
            .Where(f => (string?)f!["subnet_id"] == subnetId)
            .Select(f => NeutronIpam.ToNumber(IPAddress.Parse((string)f!["ip_address"]!)))
            .ToHashSet();

    private static bool Slaac(JsonObject subnet) => Str(subnet, "ipv6_address_mode") is "slaac" or "dhcpv6-stateless";

    private UInt128? NextFree(JsonObject subnet, List<UInt128> alsoTaken)
    {
        var used = Used(Id(subnet));
        foreach (var (start, end) in NeutronIpam.Pools(subnet))
        {
            for (var a = start; a <= end; a++)
            {
                if (!used.Contains(a) && !alsoTaken.Contains(a))
                {
                    return a;
                }

                if (a == UInt128.MaxValue)
                {
                    break;
                }
            }
        }

        return null;
    }

    private static JsonObject FixedIp(JsonObject subnet, UInt128 address) => new()
    {
        ["subnet_id"] = Id(subnet),
        ["ip_address"] = NeutronIpam.FromNumber(address, Version(subnet)).ToString(),
    };

    private static OpenStackFault NoMoreIps(string networkId) =>
        OpenStackFault.Conflict($"No more IP addresses available on network {networkId}.", "IpAddressGenerationFailure");

    /// <summary>Neutron's IPAM for a port: requested fixed IPs, or one IPv4 address plus the IPv6 ones. <paramref name="keep"/> are the port's current IPs (update).</summary>
    private JsonArray AllocateIps(JsonObject network, JsonArray? requested, string mac, JsonArray? keep)
    {
        var networkId = Id(network);
        var subnets = _subnets.Where(s => Str(s, "network_id") == networkId).ToList();
        var result = new JsonArray();
        var taken = new List<UInt128>();
        if (requested is null)
        {
            var v4 = subnets.Where(s => Version(s) == 4).ToList();
            if (v4.Count > 0)
            {
                var allocated = v4.Select(s => (Subnet: s, Ip: NextFree(s, taken))).FirstOrDefault(x => x.Ip is not null);
                if (allocated.Subnet is null)
                {
                    throw NoMoreIps(networkId);
                }

                result.Add(FixedIp(allocated.Subnet, allocated.Ip!.Value));
            }

            foreach (var subnet in subnets.Where(s => Version(s) == 6))
            {
                var ip = Slaac(subnet) ? NeutronIpam.ToNumber(NeutronIpam.Eui64(Cidr(subnet), mac)) : NextFree(subnet, taken) ?? throw NoMoreIps(networkId);
                result.Add(FixedIp(subnet, ip));
            }

            return result;
        }

        var kept = keep?.Select(k => (JsonObject)k!.DeepClone()).ToList() ?? [];
        foreach (var node in requested)
        {
            if (node is not JsonObject entry)
            {
                throw OpenStackFault.BadRequest($"Invalid input for fixed_ips. Reason: Invalid data format for fixed IP: '{node?.ToJsonString()}'.");
            }

            var subnetId = NeutronBody.Str(entry, "subnet_id");
            var ipText = NeutronBody.Str(entry, "ip_address");
            JsonObject? subnet = null;
            if (subnetId is not null)
            {
                subnet = subnets.FirstOrDefault(s => Id(s) == subnetId)
                    ?? throw OpenStackFault.BadRequest(InvalidInput($"Failed to create port on network {networkId}, because fixed_ips included invalid subnet {subnetId}"), "InvalidInput");
            }

            if (ipText is not null)
            {
                if (NeutronIpam.ParseIp(ipText) is not { } ip)
                {
                    throw OpenStackFault.BadRequest($"Invalid input for fixed_ips. Reason: '{ipText}' is not a valid IP address.");
                }

                var number = NeutronIpam.ToNumber(ip);
                var family = NeutronIpam.VersionOf(ip);
                if (subnet is null)
                {
                    subnet = subnets.FirstOrDefault(s => Version(s) == family && NeutronIpam.Contains(Cidr(s), number))
                        ?? throw OpenStackFault.BadRequest($"IP address {ipText} is not a valid IP for any of the subnets on the specified network.", "InvalidIpForNetwork");
                }

                var (first, last) = NeutronIpam.Range(Cidr(subnet));
                if (Version(subnet) != family || !NeutronIpam.Contains(Cidr(subnet), number) || number == first || (family == 4 && number == last && first != last))
                {
                    throw OpenStackFault.BadRequest($"IP address {ipText} is not a valid IP for the specified subnet.", "InvalidIpForSubnet");
                }

                if (Used(Id(subnet)).Contains(number) || taken.Contains(number))
                {
                    throw OpenStackFault.Conflict($"IP address {ip} already allocated in subnet {Id(subnet)}", "IpAddressAlreadyAllocated");
                }

                taken.Add(number);
                result.Add(FixedIp(subnet, number));
                continue;
            }

            if (subnet is null)
            {
                throw OpenStackFault.BadRequest($"Invalid input for fixed_ips. Reason: Invalid data format for fixed IP: '{entry.ToJsonString()}'.");
            }

            var previous = kept.FirstOrDefault(k => (string?)k["subnet_id"] == subnetId);
            if (previous is not null)
            {
                kept.Remove(previous);
                var number = NeutronIpam.ToNumber(IPAddress.Parse((string)previous["ip_address"]!));
                if (!Used(subnetId!).Contains(number) && !taken.Contains(number))
                {
                    taken.Add(number);
                    result.Add(previous);
                    continue;
                }
            }

            var next = Slaac(subnet) ? NeutronIpam.ToNumber(NeutronIpam.Eui64(Cidr(subnet), mac)) : NextFree(subnet, taken) ?? throw NoMoreIps(networkId);
            taken.Add(next);
            result.Add(FixedIp(subnet, next));
        }

        return result;
    }

    private JsonObject EnsureDefaultGroup(string project)
    {
        var existing = _groups.FirstOrDefault(g => Project(g) == project && Str(g, "name") == "default");
        if (existing is not null)
        {
            return existing;
        }

        var group = NewGroup(project, "default", "Default security group", true);
        foreach (var ethertype in (string[])["IPv4", "IPv6"])
        {
            AddRule(project, Id(group), "egress", ethertype, null, null, null, null, null, "");
            AddRule(project, Id(group), "ingress", ethertype, null, null, null, null, Id(group), "");
        }

        return group;
    }

    private JsonArray PortGroups(string project, JsonNode? requested, bool portSecurity, string deviceOwner, bool hasIps)
    {
        if (requested is null)
        {
            return portSecurity && !deviceOwner.StartsWith("network:", StringComparison.Ordinal)
                ? Strings([Id(EnsureDefaultGroup(project))])
                : [];
        }

        if (requested is not JsonArray ids)
        {
            throw OpenStackFault.BadRequest($"Invalid input for security_groups. Reason: {requested.ToJsonString()} is not a list.");
        }

        if (ids.Count > 0 && (!portSecurity || !hasIps))
        {
            throw OpenStackFault.BadRequest("Port security must be enabled and port must have an IP address in order to use security groups.", "PortSecurityAndIPRequiredForSecurityGroups");
        }

        var result = new List<string>();
        foreach (var node in ids)
        {
            var id = node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : node?.ToJsonString() ?? "None";
            if (!_groups.Any(g => Id(g) == id && Project(g) == project))
            {
                throw OpenStackFault.NotFound($"Security group {id} does not exist", "SecurityGroupNotFound");
            }

            if (!result.Contains(id))
            {
                result.Add(id);
            }
        }

        return Strings(result);
    }

    private static JsonArray AddressPairs(JsonObject body, string mac, bool portSecurity)
    {
        var pairs = new JsonArray();
        var given = body["allowed_address_pairs"]?.AsArray() ?? [];
        if (given.Count > 0 && !portSecurity)
        {
            throw OpenStackFault.Conflict("Port Security must be enabled in order to have allowed address pairs on a port.", "AddressPairAndPortSecurityRequired");
        }

        foreach (var node in given)
        {
            if (node is not JsonObject pair || NeutronBody.Str(pair, "ip_address") is not { } ip)
            {
                throw OpenStackFault.BadRequest("AllowedAddressPair must contain ip_address", "AllowedAddressPairsMissingIP");
            }

            if (NeutronIpam.ParseIp(ip) is null)
            {
                if (!ip.Contains('/', StringComparison.Ordinal))
                {
                    throw OpenStackFault.BadRequest($"Invalid input for allowed_address_pairs. Reason: '{ip}' is not a valid IP address.");
                }

                NeutronIpam.ParseCidr(ip, "allowed_address_pairs");
            }

            pairs.Add(new JsonObject { ["ip_address"] = ip, ["mac_address"] = NeutronBody.Str(pair, "mac_address") ?? mac });
        }

        return pairs;
    }

    private static JsonArray DhcpOptions(JsonObject body)
    {
        var options = new JsonArray();
        foreach (var node in body["extra_dhcp_opts"]?.AsArray() ?? [])
        {
            if (node is not JsonObject option || NeutronBody.Str(option, "opt_name") is not { } name)
            {
                throw OpenStackFault.BadRequest($"Invalid input for extra_dhcp_opts. Reason: Invalid data format for extra-dhcp-opt: {node?.ToJsonString()}.");
            }

            options.Add(new JsonObject
            {
                ["opt_name"] = name,
                ["opt_value"] = option["opt_value"]?.DeepClone(),
                ["ip_version"] = NeutronBody.Int(option, "ip_version") ?? 4,
            });
        }

        return options;
    }

    public JsonObject UpdatePort(Caller caller, string id, JsonObject body)
    {
        NeutronBody.Validate("port", body, create: false);
        lock (_gate)
        {
            var port = Get(caller, "ports", id);
            RequireOwner(caller, port, "rule:update_port");
            var network = Net(Str(port, "network_id"))!;
            AdminOnlyBinding(caller, body, "update_port");
            if (body.ContainsKey("qos_policy_id"))
            {
                port["qos_policy_id"] = QosPolicyOf(caller, body);
            }

            if (body.ContainsKey("mac_address"))
            {
                if (!caller.IsAdmin && !caller.Roles.Contains("advsvc", StringComparer.Ordinal))
                {
                    throw Policy("rule:update_port and rule:update_port:mac_address");
                }

                port["mac_address"] = Mac(NeutronBody.Str(body, "mac_address")!, Id(network), id);
            }

            if (body["fixed_ips"] is JsonArray requested)
            {
                var old = port["fixed_ips"]!.AsArray();
                port["fixed_ips"] = new JsonArray();
                try
                {
                    port["fixed_ips"] = AllocateIps(network, requested, Str(port, "mac_address")!, old);
                }
                catch
                {
                    port["fixed_ips"] = old;
                    throw;
                }
            }

            if (body.ContainsKey("port_security_enabled"))
            {
                port["port_security_enabled"] = NeutronBody.Bool(body, "port_security_enabled", true);
            }

            var portSecurity = Bool(port, "port_security_enabled");
            if (body.TryGetPropertyValue("security_groups", out var groups))
            {
                port["security_groups"] = PortGroups(Project(port), groups ?? new JsonArray(), portSecurity, Str(port, "device_owner")!, port["fixed_ips"]!.AsArray().Count > 0);
            }
            else if (!portSecurity && port["security_groups"]!.AsArray().Count > 0)
            {
                throw OpenStackFault.Conflict($"Port {id} has security group associated. Cannot disable port security or ip address until security group is removed", "PortSecurityPortHasSecurityGroup");
            }

            if (body.ContainsKey("allowed_address_pairs"))
            {
                port["allowed_address_pairs"] = AddressPairs(body, Str(port, "mac_address")!, portSecurity);
            }

            if (body.ContainsKey("extra_dhcp_opts"))
            {
                port["extra_dhcp_opts"] = DhcpOptions(body);
            }

            foreach (var key in (string[])["name", "description", "device_id", "device_owner"])
            {
                if (body.ContainsKey(key))
                {
                    port[key] = NeutronBody.Str(body, key);
                }
            }

            if (body.ContainsKey("admin_state_up"))
            {
                port["admin_state_up"] = NeutronBody.Bool(body, "admin_state_up", true);
            }

            if (VnicType(body) is { } vnic)
            {
                port["binding:vnic_type"] = vnic;
            }

            if (body.ContainsKey("binding:profile"))
            {
                port["binding:profile"] = body["binding:profile"]?.DeepClone() ?? new JsonObject();
            }

            if (body.ContainsKey("binding:host_id"))
            {
                SetBinding(port, NeutronBody.Str(body, "binding:host_id") ?? "");
                ParentBindingChanged(port);
            }

            Touch(port);
            return View(caller, port);
        }
    }

    public void DeletePort(Caller caller, string id)
    {
        lock (_gate)
        {
            var port = Get(caller, "ports", id);
            RequireOwner(caller, port, "rule:delete_port");
            var owner = Str(port, "device_owner");
            if (owner is RouterInterface or RouterGateway or FloatingIpOwner)
            {
                throw OpenStackFault.Conflict($"Port {id} cannot be deleted directly via the port API: has device owner {owner}.", "ServicePortInUse");
            }

            RefuseTrunkPortDelete(id);
            RemovePort(port);
        }
    }

    private void RemovePort(JsonObject port)
    {
        foreach (var fip in _floatingIps.Where(f => Str(f, "port_id") == Id(port)))
        {
            Disassociate(fip);
        }

        _ports.Remove(port);
    }

    private PortInfo Info(JsonObject port) => new(
        Id(port),
        Str(port, "network_id")!,
        Net(Str(port, "network_id")) is { } n ? Str(n, "name") ?? "" : "",
        Str(port, "mac_address")!,
        port["fixed_ips"]!.AsArray().Select(f => new FixedIpInfo(
            (string)f!["subnet_id"]!,
            (string)f["ip_address"]!,
            NeutronIpam.VersionOf(IPAddress.Parse((string)f["ip_address"]!)))).ToList(),
        Str(port, "status")!,
        Str(port, "device_id")!);

    /// <summary>
    /// Nova boot with a network: creates a port on <paramref name="networkId"/> owned by
    /// <paramref name="projectId"/>, with an IP from one of its subnets, bound to the server
    /// (device_id, device_owner <c>compute:&lt;az&gt;</c>, binding:host_id), status ACTIVE.
    /// Throws <see cref="OpenStackFault"/> 404 when the network does not exist or is not visible
    /// to the project, 409 when no IP is left, 400 when the network has no subnet.
    /// </summary>
    public PortInfo CreatePortForDevice(string projectId, string networkId, string deviceId, string deviceOwner, string host, IReadOnlyList<string>? securityGroupNames, string? fixedIp)
    {
        var caller = new Caller("", "", projectId, []);
        lock (_gate)
        {
            var network = Get(caller, "networks", networkId);
            if (!_subnets.Any(s => Str(s, "network_id") == networkId))
            {
                throw OpenStackFault.BadRequest($"Network {networkId} requires a subnet in order to boot instances on.", "NetworkRequiresSubnet");
            }

            JsonArray? groups = null;
            if (securityGroupNames is { Count: > 0 } && Bool(network, "port_security_enabled"))
            {
                EnsureDefaultGroup(projectId);
                groups = Strings(securityGroupNames.Select(name =>
                    (_groups.FirstOrDefault(g => Project(g) == projectId && (Str(g, "name") == name || Id(g) == name))
                        ?? throw OpenStackFault.BadRequest($"Unable to find security_group with name or id '{name}'", "SecurityGroupNotFound")) is var g ? Id(g) : "").Distinct());
            }

            var body = new JsonObject
            {
                ["device_id"] = deviceId,
                ["device_owner"] = deviceOwner,
                ["binding:host_id"] = host,
            };
            if (fixedIp is not null)
            {
                body["fixed_ips"] = new JsonArray(new JsonObject { ["ip_address"] = fixedIp });
            }

            return Info(NewPort(caller, network, projectId, body, groups));
        }
    }

    /// <summary>
    /// Nova's <c>addSecurityGroup</c> and <c>removeSecurityGroup</c> with Neutron: the project's
    /// group (by name or id; 404 when it has none, 409 when the name is not unique) goes on, or
    /// off, every port of the device. Returns the group's name, as the server shows it.
    /// </summary>
    public string ChangeDeviceGroup(string projectId, string deviceId, string nameOrId, bool add)
    {
        lock (_gate)
        {
            if (nameOrId == "default")
            {
                EnsureDefaultGroup(projectId);
            }

            var matches = _groups.Where(g => Project(g) == projectId && (Str(g, "name") == nameOrId || Id(g) == nameOrId)).ToList();
            var group = matches.Count switch
            {
                0 => throw OpenStackFault.NotFound($"Security group {nameOrId} not found for project {projectId}."),
                1 => matches[0],
                _ => throw OpenStackFault.Conflict($"Multiple security_group matches found for name '{nameOrId}', use an ID to be more specific."),
            };
            var ports = _ports.Where(p => Str(p, "device_id") == deviceId).ToList();
            if (ports.Count == 0)
            {
                throw OpenStackFault.NotFound($"instance_id {deviceId} could not be found as device id on any ports");
            }

            var found = false;
            foreach (var port in ports)
            {
                var groups = port["security_groups"] as JsonArray ?? [];
                var has = groups.Any(g => (string?)g == Id(group));
                found |= has;
                if (add && !has)
                {
                    if (!Bool(port, "port_security_enabled") || port["fixed_ips"] is not JsonArray { Count: > 0 })
                    {
                        throw OpenStackFault.BadRequest("Network requires port_security_enabled and subnet associated in order to apply security groups.");
                    }

                    groups.Add(Id(group));
                    port["security_groups"] = groups;
                    Touch(port);
                }
                else if (!add && has)
                {
                    port["security_groups"] = new JsonArray([.. groups.Where(g => (string?)g != Id(group)).Select(g => (JsonNode?)JsonValue.Create((string?)g))]);
                    Touch(port);
                }
            }

            return !add && !found
                ? throw OpenStackFault.NotFound($"Security group {nameOrId} not associated with the instance {deviceId}")
                : Str(group, "name")!;
        }
    }

    /// <summary>Nova boot or interface attach with a port id: binds the existing port; 404 unknown, 409 when already bound to another device.</summary>
    public PortInfo BindPort(string projectId, string portId, string deviceId, string deviceOwner, string host)
    {
        lock (_gate)
        {
            var port = Get(new Caller("", "", projectId, []), "ports", portId);
            if (Str(port, "device_id") is { Length: > 0 } current && current != deviceId)
            {
                throw OpenStackFault.Conflict($"Port {portId} is still in use.", "PortInUse");
            }

            port["device_id"] = deviceId;
            port["device_owner"] = deviceOwner;
            SetBinding(port, host);
            Touch(port);
            ParentBindingChanged(port);
            return Info(port);
        }
    }

    /// <summary>Nova server delete or interface detach: deletes ports Nova created, unbinds ports it was given.</summary>
    public void ReleasePort(string portId, bool delete)
    {
        lock (_gate)
        {
            var port = _ports.FirstOrDefault(p => Id(p) == portId);
            if (port is null)
            {
                return;
            }

            if (delete)
            {
                RemovePort(port);
                return;
            }

            port["device_id"] = "";
            port["device_owner"] = "";
            SetBinding(port, "");
            Touch(port);
            ParentBindingChanged(port);
        }
    }

    public PortInfo? FindPort(string portId)
    {
        lock (_gate)
        {
            return _ports.FirstOrDefault(p => Id(p) == portId) is { } port ? Info(port) : null;
        }
    }

    /// <summary>The names of the groups on a device's ports, each once: what Nova shows as a server's <c>security_groups</c>.</summary>
    public IReadOnlyList<string> GroupNamesOfDevice(string deviceId)
    {
        lock (_gate)
        {
            var ids = _ports.Where(p => Str(p, "device_id") == deviceId).SelectMany(p => (p["security_groups"] as JsonArray ?? []).Select(g => (string?)g)).ToHashSet(StringComparer.Ordinal);
            return [.. _groups.Where(g => ids.Contains(Id(g))).Select(g => Str(g, "name") ?? "").Distinct(StringComparer.Ordinal)];
        }
    }

    /// <summary>A server's ports follow it to another host (a migration): their binding names it.</summary>
    public void MoveDevice(string deviceId, string host)
    {
        lock (_gate)
        {
            foreach (var port in _ports.Where(p => Str(p, "device_id") == deviceId && Str(p, "binding:host_id") is { Length: > 0 }))
            {
                SetBinding(port, host);
            }
        }
    }

    /// <summary>The ports bound to a device (a server), in creation order.</summary>
    public IReadOnlyList<PortInfo> PortsOfDevice(string deviceId)
    {
        lock (_gate)
        {
            return _ports.Where(p => Str(p, "device_id") == deviceId).Select(Info).ToList();
        }
    }
}
