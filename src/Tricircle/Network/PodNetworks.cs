using System.Text.Json.Nodes;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Network;

/// <summary>
/// Everything a central port needs in a pod before a server there can use it: the port, its
/// network, that network's subnets with their centrally allocated DHCP ports, the port's security
/// groups, and the CIDRs a remote-group rule stands for (see <see cref="PodNetworks"/>).
/// </summary>
internal sealed record PortMaterial(
    TopPort Port,
    TopNetwork Network,
    IReadOnlyList<TopSubnet> Subnets,
    IReadOnlyList<TopPort> DhcpPorts,
    IReadOnlyList<TopSecurityGroup> SecurityGroups,
    IReadOnlyList<string> RemoteGroupCidrs);

/// <summary>
/// Makes central Neutron resources in a pod's own Neutron (spec §6.2, §6.3, §6.11), through its
/// public API with the admin token (provider attributes and other projects' resources need it).
/// Every copy is named after its central id and recorded by <see cref="PodCopies"/>: concurrent
/// boots make one copy, and a copy a crashed request left without its routing row is found by
/// that name and adopted instead of made again.
/// <para>
/// Remote-group rules become one rule per CIDR of the project's subnets (of the rule's
/// ethertype), as upstream does for its default group: a group's members may sit in any pod, and
/// a bottom group only ever holds the pod's own members, so a bottom <c>remote_group_id</c> would
/// cut off the other pods' members of a stretched network. CIDRs change only when subnets do, not
/// on every boot; the price is that the rule admits the whole subnet, not just the members.
/// </para>
/// </summary>
internal sealed partial class PodNetworks(PodClient client, PodCopies copies, RoutingStore routings, DeletingMarks marks, QosStore qos)
{
    public const string ServiceType = NetworkApi.ServiceType;

    /// <summary>The <c>device_id</c> upstream gives DHCP ports it makes for a pod's DHCP agent to adopt.</summary>
    public const string ReservedDhcpDevice = "reserved_dhcp_port";

    public const string DhcpOwner = "network:dhcp";

    /// <summary>The port's id in the pod, making (or finding) everything it needs there first.</summary>
    public async Task<string> EnsurePortAsync(Pod pod, PortMaterial material, CancellationToken cancellationToken)
    {
        var port = material.Port;

        // Every copy the port needs, looked up in one query (a boot's network, subnets, DHCP
        // ports, groups and the port are usually all there but the port).
        var recorded = await copies.RecordedAsync(pod, [.. AroundPortIds(material), port.Id], cancellationToken);
        var (networkId, subnets, groups) = await EnsureAroundPortAsync(pod, material, cancellationToken, recorded);
        return await copies.EnsureAsync("port", port.Id, pod, port.ProjectId, async ct =>
        {
            if (await FindByNameAsync(pod, "ports", port.Id, ct) is { } found)
            {
                return found;
            }

            var body = PortBody(port, networkId, subnets, groups);
            await AddQosPolicyAsync(pod, body, port.QosPolicyId, copyHasPolicy: false, ct);
            return await CreateAsync(pod, "ports", "port", body, ct);
        }, cancellationToken, recorded: recorded);
    }

    /// <summary>The central ids of what a port needs in a pod: its network, subnets, their DHCP ports and its groups.</summary>
    private static IEnumerable<string> AroundPortIds(PortMaterial material) =>
        material.Subnets.Select(s => s.Id).Concat(material.DhcpPorts.Select(p => p.Id)).Concat(material.SecurityGroups.Select(g => g.Id)).Prepend(material.Network.Id);

    /// <summary>
    /// Puts a changed central port on its copy in the pod: addresses, groups (made in the pod
    /// first when new there), address pairs, port security, state and description. The name
    /// (the central id), MAC and network never change.
    /// </summary>
    public async Task UpdatePortAsync(Pod pod, PortMaterial material, string bottomPortId, CancellationToken cancellationToken)
    {
        var recorded = await copies.RecordedAsync(pod, [.. AroundPortIds(material)], cancellationToken);
        var (networkId, subnets, groups) = await EnsureAroundPortAsync(pod, material, cancellationToken, recorded);
        var body = PortBody(material.Port, networkId, subnets, groups);
        foreach (var fixedKey in (string[])["name", "network_id", "project_id", "mac_address"])
        {
            body.Remove(fixedKey);
        }

        body["allowed_address_pairs"] ??= new JsonArray();
        var copyHasPolicy = material.Port.QosPolicyId is null && (await ShowPortAsync(pod, bottomPortId, cancellationToken))?["qos_policy_id"] is JsonValue;
        await AddQosPolicyAsync(pod, body, material.Port.QosPolicyId, copyHasPolicy, cancellationToken);
        await UpdateAsync(pod, "ports", "port", bottomPortId, body, cancellationToken);
    }

    /// <summary>The port's network, subnets (with DHCP ports) and groups in the pod, made where missing.</summary>
    private async Task<(string NetworkId, IReadOnlyDictionary<string, string> Subnets, Dictionary<string, string> Groups)> EnsureAroundPortAsync(
        Pod pod, PortMaterial material, CancellationToken cancellationToken, IReadOnlyDictionary<(string ResourceType, string TopId), string>? recorded = null)
    {
        var port = material.Port;
        var networkId = await EnsureNetworkAsync(pod, material.Network, cancellationToken, recorded);

        // Subnets (then their DHCP ports) and security groups do not depend on each other.
        var subnetsTask = EnsureSubnetsAsync(pod, networkId, material.Network, material.Subnets, material.DhcpPorts, cancellationToken, recorded);
        var wantedGroups = port.PortSecurityEnabled ? material.SecurityGroups.Where(g => port.SecurityGroups.Contains(g.Id)).ToList() : [];
        var groupsTask = Task.WhenAll(wantedGroups.Select(g => EnsureSecurityGroupAsync(pod, g, material.RemoteGroupCidrs, cancellationToken, recorded)));
        await Task.WhenAll(subnetsTask, groupsTask);
        return (networkId, await subnetsTask, (await groupsTask).ToDictionary(g => g.TopId, g => g.BottomId, StringComparer.Ordinal));
    }

    /// <summary>A PUT of <paramref name="body"/> on the copy <paramref name="bottomId"/>.</summary>
    public Task UpdateAsync(Pod pod, string collection, string singular, string bottomId, JsonObject body, CancellationToken cancellationToken) =>
        SendAsync(pod, HttpMethod.Put, $"{collection}/{Uri.EscapeDataString(bottomId)}", new JsonObject { [singular] = body }, cancellationToken);

    /// <summary>What a network update changes on a copy: not the name (the central id) nor the segment, which never change.</summary>
    public static JsonObject NetworkChange(TopNetwork network) => new()
    {
        ["description"] = network.Description,
        ["admin_state_up"] = network.AdminStateUp,
        ["shared"] = network.Shared,
        ["router:external"] = network.External,
    };

    /// <summary>What a subnet update changes on a copy (CIDR, version and IPv6 modes never change).</summary>
    public static JsonObject SubnetChange(TopSubnet subnet)
    {
        var body = SubnetBody(subnet, "");
        foreach (var fixedKey in (string[])["name", "network_id", "project_id", "ip_version", "cidr", "ipv6_ra_mode", "ipv6_address_mode"])
        {
            body.Remove(fixedKey);
        }

        return body;
    }

    /// <summary>Makes a copied group's rules and description central's again (a rule added or removed centrally, or the project's subnets changed).</summary>
    public async Task ResyncSecurityGroupAsync(Pod pod, TopSecurityGroup group, string bottomId, IReadOnlyList<string> remoteGroupCidrs, CancellationToken cancellationToken)
    {
        await SyncRulesAsync(pod, group, bottomId, remoteGroupCidrs, cancellationToken);
        await UpdateAsync(pod, "security-groups", "security_group", bottomId, new JsonObject { ["description"] = group.Description }, cancellationToken);
    }

    /// <summary>A subnet's DHCP port in the pod (DHCP turned on after the subnet was copied there).</summary>
    public Task<string> EnsureDhcpPortAsync(Pod pod, TopPort dhcpPort, string bottomNetworkId, IReadOnlyDictionary<string, string> subnets, CancellationToken cancellationToken) =>
        copies.EnsureAsync("port", dhcpPort.Id, pod, dhcpPort.ProjectId, async ct =>
            await FindByNameAsync(pod, "ports", dhcpPort.Id, ct) ?? await CreateAsync(pod, "ports", "port", DhcpPortBody(dhcpPort, bottomNetworkId, subnets), ct), cancellationToken);

    /// <summary>The port's copy in the pod as the pod shows it, or null when there is none.</summary>
    public async Task<JsonObject?> ShowPortAsync(Pod pod, string bottomPortId, CancellationToken cancellationToken)
    {
        try
        {
            return (await SendAsync(pod, HttpMethod.Get, "ports/" + Uri.EscapeDataString(bottomPortId), null, cancellationToken))?["port"] as JsonObject;
        }
        catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status404NotFound)
        {
            return null;
        }
    }

    /// <summary>The network's id in the pod, made there with the same segment (a <c>local</c> one as the pod's own tenant network).</summary>
    public Task<string> EnsureNetworkAsync(Pod pod, TopNetwork network, CancellationToken cancellationToken, IReadOnlyDictionary<(string ResourceType, string TopId), string>? recorded = null) =>
        copies.EnsureAsync("network", network.Id, pod, network.ProjectId, async ct =>
        {
            // Never again in a pod while a delete removes it from the pods (spec §6.10).
            await marks.RefuseAsync([network.Id], ct);
            if (await FindByNameAsync(pod, "networks", network.Id, ct) is { } found)
            {
                return found;
            }

            // The policy's copy is made under the network's copy lock, so a qos_policy_sync
            // running meanwhile sees it is needed in this pod.
            var body = NetworkBody(network);
            await AddQosPolicyAsync(pod, body, network.QosPolicyId, copyHasPolicy: false, ct);
            return await CreateAsync(pod, "networks", "network", body, ct);
        }, cancellationToken, recorded: recorded);

    /// <summary>The network's id in the pod and its subnets' (top id → bottom id), with the DHCP ports of those with DHCP on, made where missing.</summary>
    public async Task<(string NetworkId, IReadOnlyDictionary<string, string> Subnets)> EnsureNetworkWithSubnetsAsync(
        Pod pod, TopNetwork network, IReadOnlyList<TopSubnet> subnets, IReadOnlyList<TopPort> dhcpPorts, CancellationToken cancellationToken)
    {
        var networkId = await EnsureNetworkAsync(pod, network, cancellationToken);
        return (networkId, await EnsureSubnetsAsync(pod, networkId, network, subnets, dhcpPorts, cancellationToken));
    }

    /// <summary>
    /// The network's <paramref name="subnets"/> in the pod (top id → bottom id), then the DHCP
    /// ports (of <paramref name="dhcpPorts"/>) of those with DHCP on; the network's copy is
    /// <paramref name="networkId"/>.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> EnsureSubnetsAsync(
        Pod pod, string networkId, TopNetwork network, IReadOnlyList<TopSubnet> subnets, IReadOnlyList<TopPort> dhcpPorts, CancellationToken cancellationToken, IReadOnlyDictionary<(string ResourceType, string TopId), string>? recorded = null)
    {
        subnets = [.. subnets.Where(s => s.NetworkId == network.Id)];
        var bottoms = await Task.WhenAll(subnets.Select(async s => (s.Id, Bottom: await copies.EnsureAsync("subnet", s.Id, pod, s.ProjectId, async ct =>
            await FindByNameAsync(pod, "subnets", s.Id, ct) ?? await CreateAsync(pod, "subnets", "subnet", SubnetBody(s, networkId), ct), cancellationToken, recorded: recorded))));
        var map = bottoms.ToDictionary(b => b.Id, b => b.Bottom, StringComparer.Ordinal);
        var withDhcp = subnets.Where(s => s.EnableDhcp).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        var wanted = dhcpPorts.Where(p => p.NetworkId == network.Id && p.FixedIps.Any(f => withDhcp.Contains(f.SubnetId))).ToList();
        await Task.WhenAll(wanted.Select(p => copies.EnsureAsync("port", p.Id, pod, p.ProjectId, async ct =>
            await FindByNameAsync(pod, "ports", p.Id, ct) ?? await CreateAsync(pod, "ports", "port", DhcpPortBody(p, networkId, map), ct), cancellationToken, recorded: recorded)));
        return map;
    }

    /// <summary>The group's id in the pod, with its rules as central has them (remote groups expanded).</summary>
    public async Task<(string TopId, string BottomId)> EnsureSecurityGroupAsync(Pod pod, TopSecurityGroup group, IReadOnlyList<string> remoteGroupCidrs, CancellationToken cancellationToken, IReadOnlyDictionary<(string ResourceType, string TopId), string>? recorded = null)
    {
        // Recorded as soon as the group exists, then its rules made (a group found by name may be
        // one a crash left before its rules were all made: its rules are put right too).
        var bottom = await copies.EnsureAsync(
            "security_group",
            group.Id,
            pod,
            group.ProjectId,
            async ct => await FindByNameAsync(pod, "security-groups", group.Id, ct) ?? await CreateAsync(pod, "security-groups", "security_group", new JsonObject
            {
                ["name"] = group.Id,
                ["description"] = group.Description,
                ["project_id"] = group.ProjectId,
            }, ct),
            cancellationToken,
            made: (id, ct) => SyncRulesAsync(pod, group, id, remoteGroupCidrs, ct),
            recorded: recorded);
        return (group.Id, bottom);
    }

    /// <summary>Makes the bottom group's rules those central says (Neutron gives a new group its own egress rules, which may not be).</summary>
    private async Task SyncRulesAsync(Pod pod, TopSecurityGroup group, string bottomId, IReadOnlyList<string> remoteGroupCidrs, CancellationToken cancellationToken, bool retried = false)
    {
        var existing = (await SendAsync(pod, HttpMethod.Get, "security-group-rules?security_group_id=" + Uri.EscapeDataString(bottomId), null, cancellationToken))?["security_group_rules"] as JsonArray ?? [];
        var (extra, missing) = RuleDifference(group, remoteGroupCidrs, existing.OfType<JsonObject>());
        var deletes = extra.Select(id => DeleteAsync(pod, "security-group-rules/" + Uri.EscapeDataString(id), cancellationToken));
        Task create = Task.CompletedTask;
        if (missing.Count > 0)
        {
            // One bulk call for all of them.
            var rules = new JsonArray([.. missing.Select(k => (JsonNode)k.ToBody(bottomId, group.ProjectId))]);
            create = SendAsync(pod, HttpMethod.Post, "security-group-rules", new JsonObject { ["security_group_rules"] = rules }, cancellationToken);
        }

        try
        {
            await Task.WhenAll([.. deletes, create]);
        }
        catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status409Conflict && !retried)
        {
            // Another sync of the same copy (a boot's, a job's) made some of them a moment ago.
            await SyncRulesAsync(pod, group, bottomId, remoteGroupCidrs, cancellationToken, retried: true);
        }
    }

    /// <summary>
    /// How a copy's rules (<paramref name="copyRules"/>, as the pod lists them) differ from those
    /// central's group becomes in a pod: the ids of the copy's rules central does not have, and
    /// the rules the copy lacks. Both empty: the copy's rules are right.
    /// </summary>
    public static (IReadOnlyList<string> Extra, IReadOnlyList<RuleKey> Missing) RuleDifference(TopSecurityGroup group, IReadOnlyList<string> remoteGroupCidrs, IEnumerable<JsonObject> copyRules)
    {
        var wanted = BottomRules(group, remoteGroupCidrs).ToHashSet();
        var have = copyRules.Select(r => (Id: r["id"]?.ToString() ?? "", Key: RuleKey.Of(r))).ToList();
        var haveKeys = have.Select(h => h.Key).ToHashSet();
        return ([.. have.Where(h => !wanted.Contains(h.Key)).Select(h => h.Id)], [.. wanted.Where(w => !haveKeys.Contains(w))]);
    }

    /// <summary>The rules central's group becomes in a pod: as they are, but a remote-group rule becomes one rule per CIDR of the project's subnets (of its ethertype).</summary>
    public static IEnumerable<RuleKey> BottomRules(TopSecurityGroup group, IReadOnlyList<string> remoteGroupCidrs)
    {
        foreach (var rule in group.Rules)
        {
            var key = new RuleKey(rule.Direction, rule.Ethertype, rule.Protocol?.ToLowerInvariant(), rule.PortRangeMin, rule.PortRangeMax, rule.RemoteIpPrefix);
            if (rule.RemoteGroupId is null)
            {
                yield return key;
                continue;
            }

            var v6 = rule.Ethertype == "IPv6";
            foreach (var cidr in remoteGroupCidrs.Where(c => c.Contains(':', StringComparison.Ordinal) == v6))
            {
                yield return key with { RemoteIpPrefix = cidr };
            }
        }
    }

    private async Task DeleteAsync(Pod pod, string path, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(pod, HttpMethod.Delete, path, null, cancellationToken);
        }
        catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status404NotFound)
        {
            // Gone already.
        }
    }

    /// <summary>The id of the pod's resource named <paramref name="name"/> (the first, should a crash have left two).</summary>
    private async Task<string?> FindByNameAsync(Pod pod, string collection, string name, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(pod, HttpMethod.Get, $"{collection}?name={Uri.EscapeDataString(name)}", null, cancellationToken);
        return (answer?[collection[(collection.LastIndexOf('/') + 1)..].Replace('-', '_')] as JsonArray)?.OfType<JsonObject>().Select(o => o["id"]?.ToString()).FirstOrDefault(id => id is { Length: > 0 });
    }

    private async Task<string> CreateAsync(Pod pod, string collection, string singular, JsonObject body, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(pod, HttpMethod.Post, collection, new JsonObject { [singular] = body }, cancellationToken);
        return answer?[singular]?["id"]?.ToString() is { Length: > 0 } id
            ? id
            : throw new PodErrorException(pod, StatusCodes.Status502BadGateway, $"creating a {singular} answered without its id");
    }

    /// <summary>
    /// A Neutron v2.0 call with the admin token. Catalogs register Neutron unversioned (then
    /// <c>v2.0/</c> goes in front) or, rarely, with <c>/v2.0</c> already.
    /// </summary>
    public async Task<JsonNode?> SendAsync(Pod pod, HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken)
    {
        var root = await client.ServiceRootAsync(pod, ServiceType, cancellationToken);
        var versioned = root.AbsolutePath.TrimEnd('/').EndsWith("/v2.0", StringComparison.Ordinal);
        return await client.SendJsonAsync(pod, ServiceType, method, (versioned ? "" : "v2.0/") + path, body, null, cancellationToken);
    }

    private static JsonObject NetworkBody(TopNetwork network)
    {
        // No mtu: the pod derives it from the same segment type, and its own overhead may differ.
        var body = new JsonObject
        {
            ["name"] = network.Id,
            ["description"] = network.Description,
            ["admin_state_up"] = network.AdminStateUp,
            ["shared"] = network.Shared,
            ["project_id"] = network.ProjectId,
        };
        if (network.External)
        {
            body["router:external"] = true;
        }

        var segment = network.Segment;
        if (segment.NetworkType is "vlan" or "flat" or "vxlan")
        {
            body["provider:network_type"] = segment.NetworkType;
            if (segment.PhysicalNetwork is { } physnet)
            {
                body["provider:physical_network"] = physnet;
            }

            if (segment.SegmentationId is { } id)
            {
                body["provider:segmentation_id"] = id;
            }
        }

        return body;
    }

    private static JsonObject SubnetBody(TopSubnet subnet, string networkId)
    {
        var body = new JsonObject
        {
            ["name"] = subnet.Id,
            ["description"] = subnet.Description,
            ["network_id"] = networkId,
            ["project_id"] = subnet.ProjectId,
            ["ip_version"] = subnet.IpVersion,
            ["cidr"] = subnet.Cidr,
            ["gateway_ip"] = subnet.GatewayIp,
            ["enable_dhcp"] = subnet.EnableDhcp,
            ["allocation_pools"] = new JsonArray([.. subnet.AllocationPools.Select(p => (JsonNode)new JsonObject { ["start"] = p.Start, ["end"] = p.End })]),
            ["dns_nameservers"] = new JsonArray([.. subnet.DnsNameservers.Select(d => (JsonNode)JsonValue.Create(d))]),
            ["host_routes"] = new JsonArray([.. subnet.HostRoutes.Select(r => (JsonNode)new JsonObject { ["destination"] = r.Destination, ["nexthop"] = r.Nexthop })]),
        };
        if (subnet.Ipv6RaMode is { } ra)
        {
            body["ipv6_ra_mode"] = ra;
        }

        if (subnet.Ipv6AddressMode is { } mode)
        {
            body["ipv6_address_mode"] = mode;
        }

        return body;
    }

    private static JsonArray FixedIps(TopPort port, IReadOnlyDictionary<string, string> subnets) =>
        new([.. port.FixedIps.Where(f => subnets.ContainsKey(f.SubnetId)).Select(f => (JsonNode)new JsonObject { ["subnet_id"] = subnets[f.SubnetId], ["ip_address"] = f.IpAddress })]);

    private static JsonObject DhcpPortBody(TopPort port, string networkId, IReadOnlyDictionary<string, string> subnets) => new()
    {
        ["name"] = port.Id,
        ["network_id"] = networkId,
        ["project_id"] = port.ProjectId,
        ["mac_address"] = port.MacAddress,
        ["fixed_ips"] = FixedIps(port, subnets),
        ["device_owner"] = DhcpOwner,
        ["device_id"] = ReservedDhcpDevice,
    };

    private static JsonObject PortBody(TopPort port, string networkId, IReadOnlyDictionary<string, string> subnets, Dictionary<string, string> groups)
    {
        // device_id, device_owner and the binding are Nova's to set when it takes the port.
        var body = new JsonObject
        {
            ["name"] = port.Id,
            ["description"] = port.Description,
            ["network_id"] = networkId,
            ["project_id"] = port.ProjectId,
            ["mac_address"] = port.MacAddress,
            ["fixed_ips"] = FixedIps(port, subnets),
            ["admin_state_up"] = port.AdminStateUp,
            ["port_security_enabled"] = port.PortSecurityEnabled,
            ["security_groups"] = new JsonArray([.. port.SecurityGroups.Where(groups.ContainsKey).Select(g => (JsonNode)JsonValue.Create(groups[g]))]),
        };
        if (port.PortSecurityEnabled && port.AllowedAddressPairs.Count > 0)
        {
            body["allowed_address_pairs"] = new JsonArray([.. port.AllowedAddressPairs.Select(p =>
            {
                var pair = new JsonObject { ["ip_address"] = p.IpAddress };
                if (p.MacAddress is { } mac)
                {
                    pair["mac_address"] = mac;
                }

                return (JsonNode)pair;
            })]);
        }

        return body;
    }

    /// <summary>What makes two rules the same rule (Neutron refuses a duplicate of these).</summary>
    internal sealed record RuleKey(string Direction, string Ethertype, string? Protocol, int? PortRangeMin, int? PortRangeMax, string? RemoteIpPrefix)
    {
        public static RuleKey Of(JsonObject rule) => new(
            rule["direction"]?.ToString() ?? "",
            rule["ethertype"]?.ToString() ?? "",
            rule["protocol"]?.ToString()?.ToLowerInvariant(),
            rule["port_range_min"]?.GetValue<int>(),
            rule["port_range_max"]?.GetValue<int>(),
            rule["remote_group_id"] is JsonValue ? "group:" + rule["remote_group_id"] : rule["remote_ip_prefix"]?.ToString());

        public JsonObject ToBody(string groupId, string projectId) => new()
        {
            ["security_group_id"] = groupId,
            ["project_id"] = projectId,
            ["direction"] = Direction,
            ["ethertype"] = Ethertype,
            ["protocol"] = Protocol,
            ["port_range_min"] = PortRangeMin,
            ["port_range_max"] = PortRangeMax,
            ["remote_ip_prefix"] = RemoteIpPrefix,
        };
    }
}
