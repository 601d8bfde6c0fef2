using Tricircle.Data;
using Tricircle.Errors;
using Tricircle.Identity;

namespace Tricircle.Network;

/// <summary>
/// What the compute gateway asks of the central Neutron about a server's networks: reading
/// networks and ports as the caller may see them, making and binding the server's central ports,
/// and gathering what a port needs in a pod (<see cref="PortMaterial"/>), DHCP ports included.
/// </summary>
internal sealed class CentralPorts(Database database, NetworkStore networks, PortStore ports, SecurityGroupStore securityGroups, RouterStore routers, ShadowPortSyncs shadows, CentralNameCache names)
{
    /// <summary>The network if the caller may use it (own, shared, or any for an admin).</summary>
    public async Task<TopNetwork?> FindNetworkAsync(string networkId, RequestContext caller, CancellationToken cancellationToken) =>
        (await networks.FindAsync(networkId, caller, cancellationToken))?.ToTop();

    /// <summary>The networks <c>auto</c> may choose from: the project's own and shared ones (not external).</summary>
    public Task<IReadOnlyList<TopNetwork>> UsableNetworksAsync(RequestContext caller, CancellationToken cancellationToken) =>
        networks.UsableForAutoAsync(caller.ProjectId, cancellationToken);

    /// <summary>The port if the caller may use it.</summary>
    public async Task<TopPort?> FindPortAsync(string portId, RequestContext caller, CancellationToken cancellationToken) =>
        (await ports.FindAsync(portId, caller, cancellationToken))?.ToTop();

    /// <summary>
    /// The groups a server's ports go in (Nova's <c>security_groups</c>, names or ids) as the
    /// project's group ids, for <see cref="CreateServerPortAsync"/>; null when none is named (the
    /// project's default group). Nova's 400 for one the project does not have.
    /// </summary>
    public async Task<IReadOnlyList<string>?> ServerGroupIdsAsync(IReadOnlyList<string> securityGroupNames, RequestContext caller, CancellationToken cancellationToken) =>
        securityGroupNames.Count == 0 ? null : await securityGroups.IdsByNameAsync(caller.ProjectId, securityGroupNames, cancellationToken);

    /// <summary>
    /// A new central port on the network for a server (IP and MAC allocated centrally), in the
    /// groups <paramref name="groupIds"/> (from <see cref="ServerGroupIdsAsync"/>; null: the
    /// project's default group), counted against the port quota with the limits the boot's quota
    /// reservation read (<paramref name="quotaLimits"/>; null: read here).
    /// </summary>
    public async Task<TopPort> CreateServerPortAsync(
        TopNetwork network, string? fixedIp, IReadOnlyList<string>? groupIds, string deviceOwner, RequestContext caller, IReadOnlyDictionary<string, long>? quotaLimits, CancellationToken cancellationToken)
    {
        var row = new PortRow { ProjectId = caller.ProjectId, NetworkId = network.Id, DeviceOwner = deviceOwner };
        var created = await ports.CreateForServerAsync(row, fixedIp is null ? null : [new FixedIpRequest(null, fixedIp)], groupIds, quotaLimits, cancellationToken);
        return created.ToTop();
    }

    /// <summary>What the port needs in a pod: its network, subnets with their DHCP ports (allocated centrally when missing) and the CIDRs of its project's subnets.</summary>
    public async Task<PortMaterial> MaterialAsync(TopPort port, TopNetwork network, CancellationToken cancellationToken)
    {
        // Plain reads one after the other: one connection for them all (no transaction), given
        // back before a missing DHCP port is made (with a connection of its own).
        IReadOnlyList<TopSubnet> ofNetwork;
        IReadOnlyList<TopPort> existingDhcp;
        IReadOnlyDictionary<string, TopSecurityGroup> found;
        IReadOnlyList<string> cidrs;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            ofNetwork = await SubnetStore.ListTopAsync(connection, network.Id, cancellationToken);
            existingDhcp = await PortStore.ListTopAsync(connection, network.Id, PodNetworks.DhcpOwner, cancellationToken);

            // The port's groups with their rules in two queries, not two per group.
            found = await SecurityGroupStore.FindTopManyAsync(connection, port.SecurityGroups, cancellationToken);
            cidrs = await SubnetStore.CidrsOfProjectAsync(connection, port.ProjectId, cancellationToken);
        }

        var dhcp = await DhcpPortsAsync(network, ofNetwork, existingDhcp, cancellationToken);
        var groups = port.SecurityGroups.Distinct(StringComparer.Ordinal).Select(found.GetValueOrDefault).OfType<TopSecurityGroup>().ToList(); // in the port's order
        return new PortMaterial(port, network, ofNetwork, dhcp, groups, cidrs);
    }

    /// <summary>
    /// One DHCP port per DHCP subnet (spec §6.3's <c>dhcp_port_&lt;subnet&gt;</c>), made centrally on
    /// first need. Its id is derived from the subnet's, so the primary key lets only one of two
    /// first boots at once make it, on any instance; the other takes the one made.
    /// </summary>
    public async Task<IReadOnlyList<TopPort>> DhcpPortsAsync(TopNetwork network, IReadOnlyList<TopSubnet> ofNetwork, CancellationToken cancellationToken) =>
        await DhcpPortsAsync(network, ofNetwork, await ports.ListTopAsync(network.Id, PodNetworks.DhcpOwner, cancellationToken), cancellationToken);

    /// <summary>As <see cref="DhcpPortsAsync(TopNetwork, IReadOnlyList{TopSubnet}, CancellationToken)"/>, with the network's DHCP ports read already.</summary>
    private async Task<IReadOnlyList<TopPort>> DhcpPortsAsync(TopNetwork network, IReadOnlyList<TopSubnet> ofNetwork, IReadOnlyList<TopPort> existing, CancellationToken cancellationToken)
    {
        var result = new List<TopPort>();
        foreach (var subnet in ofNetwork.Where(s => s.EnableDhcp))
        {
            if (existing.FirstOrDefault(p => p.FixedIps.Any(f => f.SubnetId == subnet.Id)) is { } found)
            {
                result.Add(found);
                continue;
            }

            var row = new PortRow
            {
                Id = DhcpPortId(subnet.Id),
                ProjectId = network.ProjectId,
                NetworkId = network.Id,
                Name = "dhcp_port_" + subnet.Id,
                DeviceOwner = PodNetworks.DhcpOwner,
                DeviceId = PodNetworks.ReservedDhcpDevice,
                PortSecurityEnabled = false,
            };
            try
            {
                result.Add((await ports.CreateAsync(row, [new FixedIpRequest(subnet.Id, null)], null, [], cancellationToken)).ToTop());
            }
            catch (TricircleException e) when (e.Type == PortStore.PortExists)
            {
                result.Add(await ports.FindTopAsync(row.Id, cancellationToken) ?? throw TricircleException.Unavailable($"The DHCP port of subnet {subnet.Id} was made and deleted at once; try again."));
            }
        }

        return result;
    }

    /// <summary>The id of a subnet's DHCP port: a UUID derived from the subnet's id (RFC 9562 version 8, from SHA-256).</summary>
    public static string DhcpPortId(string subnetId)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("tricircle:dhcp_port:" + subnetId));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true).ToString();
    }

    /// <summary>Shows the port as bound to the server (Neutron's view once Nova has it: ACTIVE on its host).</summary>
    public Task BindAsync(string portId, string serverId, string deviceOwner, string host, CancellationToken cancellationToken) =>
        ports.UpdateBindingAsync(portId, serverId, deviceOwner, host, "ACTIVE", cancellationToken);

    /// <summary>Clears the port's device and binding (a port the user made, left when its server goes).</summary>
    public Task UnbindAsync(string portId, CancellationToken cancellationToken) =>
        ports.UpdateBindingAsync(portId, "", "", "", "DOWN", cancellationToken);

    /// <summary>
    /// Deletes a port Tricircle made (its IP and MAC are free again), with <paramref name="also"/>
    /// in its transaction (the jobs that delete its copies) and a sync of the routers that route
    /// to it queued in <paramref name="batch"/>; one already gone is fine.
    /// </summary>
    public async Task DeletePortAsync(string portId, Jobs.JobBatch batch, InTransaction also, CancellationToken cancellationToken)
    {
        try
        {
            var network = (await ports.FindTopAsync(portId, cancellationToken))?.NetworkId;
            await ports.DeleteAsync(portId, also, cancellationToken, network is null ? null : RouterSyncs.ForNetworks(batch, network).Then(shadows.ForNetworks(batch, network)));
        }
        catch (TricircleException e) when (e.Kind == ErrorKind.NotFound)
        {
        }
    }

    /// <summary>
    /// What a port of theirs now in a pod (a boot, an attach) asks of the networks: syncs of the
    /// routers that route to them, and of their shadows in the other pods (shadow mode).
    /// </summary>
    public async Task<IReadOnlyList<Jobs.JobRequest>> PortsInPodSyncsAsync(IReadOnlyCollection<string> networkIds, CancellationToken cancellationToken) =>
        [.. (await routers.OnNetworksAsync(networkIds, cancellationToken)).Select(r => RouterSyncs.For(r.Id, r.ProjectId)), .. await shadows.ForNetworksAsync(networkIds, cancellationToken)];

    /// <summary>Central security group names by id, for those of <paramref name="groupIds"/> that exist.</summary>
    public async Task<IReadOnlyDictionary<string, string>> SecurityGroupNamesAsync(IReadOnlyCollection<string> groupIds, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, string>(groupIds.Count, StringComparer.Ordinal);
        List<string>? missing = null;
        foreach (var id in groupIds)
        {
            if (names.TryGetGroup(id, out var name))
            {
                found[id] = name;
            }
            else
            {
                (missing ??= []).Add(id);
            }
        }

        if (missing is not null)
        {
            foreach (var (id, group) in await securityGroups.FindTopManyAsync(missing, cancellationToken))
            {
                names.AddGroup(id, group.Name);
                found[id] = group.Name;
            }
        }

        return found;
    }

    /// <summary>Central network names by id, for those of <paramref name="networkIds"/> that exist.</summary>
    public async Task<IReadOnlyDictionary<string, string>> NetworkNamesAsync(IReadOnlyCollection<string> networkIds, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, string>(networkIds.Count, StringComparer.Ordinal);
        List<string>? missing = null;
        foreach (var id in networkIds)
        {
            if (names.TryGetNetwork(id, out var name))
            {
                found[id] = name;
            }
            else
            {
                (missing ??= []).Add(id);
            }
        }

        if (missing is not null)
        {
            foreach (var (id, network) in await networks.FindTopManyAsync(missing, cancellationToken))
            {
                names.AddNetwork(id, network.Name);
                found[id] = network.Name;
            }
        }

        return found;
    }
}
