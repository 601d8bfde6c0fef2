using Tricircle.Data;
using Tricircle.Errors;
using Tricircle.Identity;
using Tricircle.Jobs;

namespace Tricircle.Network;

/// <summary>
/// Central changes of networks, subnets, ports and security groups, with the jobs that carry
/// them to the pods' copies queued in the same transaction (spec §6.4, §7). The request then
/// runs those jobs itself, all pods at once, each within the fan-out deadline; what a pod cannot
/// take now is left to the workers, which retry until it can (see README "Jobs").
/// <para>
/// Deletes of networks, subnets and security groups mark the resource (the deletion guard) and
/// queue the delete as a job in that transaction, which the request runs at once: the copies go
/// first, and a pod that refuses (its copy is in use there) refuses the whole delete (409, nothing
/// changed); a pod that cannot be reached does not hold it up (204: its copy goes by a job when
/// it is back, and the guard holds until then). A request that dies half-way leaves the job,
/// which finishes the delete.
/// </para>
/// </summary>
internal sealed class NetworkPropagation(
    NetworkStore networks,
    SubnetStore subnets,
    PortStore ports,
    SecurityGroupStore groups,
    CentralPorts central,
    ExternalHomes homes,
    ShadowPortSyncs shadows,
    QosPropagation qos,
    JobQueue jobs)
{
    public async Task<NetworkRow> UpdateNetworkAsync(NetworkRow network, IReadOnlyList<string>? hints, CancellationToken cancellationToken)
    {
        var batch = jobs.Begin();
        network = await networks.UpdateAsync(network, hints, batch.Sync(JobTypes.NetworkSync, "network", network.Id), cancellationToken);
        await batch.RunAsync(refusalsEnd: false, cancellationToken);
        return network;
    }

    /// <summary>
    /// A new subnet changes what the project's remote-group rules stand for in the pods: its
    /// groups with such rules are synced. A subnet of an external network is made in that
    /// network's pod at once (<see cref="ExternalNetworks"/>): the pod's refusal removes it
    /// centrally and is the answer; the groups are synced after that, with what central then holds.
    /// <paramref name="allocate"/> takes the subnet's CIDR from a subnet pool in the create's transaction.
    /// </summary>
    public async Task<SubnetRow> CreateSubnetAsync(SubnetRow subnet, IReadOnlyList<string> tags, InTransaction? allocate, CancellationToken cancellationToken)
    {
        var home = await networks.FindTopAsync(subnet.NetworkId, cancellationToken) is { } network ? await homes.PodOfAsync(network, cancellationToken) : null;
        var batch = jobs.Begin();
        var copy = jobs.Begin();
        subnet = await subnets.CreateAsync(subnet, tags, allocate, async (connection, tx, ct) =>
        {
            await SyncRemoteGroupsAsync(batch, connection, tx, subnet.ProjectId, ct);
            if (home is not null)
            {
                await copy.Queue(JobRequest.InPod(JobTypes.SubnetSync, home.PodId, subnet.Id, subnet.ProjectId))(connection, tx, ct);
            }
        }, cancellationToken);
        try
        {
            await ExternalNetworks.RunOrUndoAsync(copy, () => subnets.DeleteAsync(subnet.Id, keepMark: false, null, CancellationToken.None), cancellationToken);
        }
        finally
        {
            await batch.RunAsync(refusalsEnd: false, cancellationToken);
        }

        return subnet;
    }

    /// <summary>The subnet's copies take the change; DHCP turned on also gets it its central DHCP port (which the copies then get too).</summary>
    public async Task<SubnetRow> UpdateSubnetAsync(SubnetRow subnet, bool poolsChanged, bool dhcpTurnedOn, CancellationToken cancellationToken)
    {
        var batch = jobs.Begin();
        subnet = await subnets.UpdateAsync(subnet, poolsChanged, batch.Sync(JobTypes.SubnetSync, "subnet", subnet.Id), cancellationToken);
        if (dhcpTurnedOn && await networks.FindTopAsync(subnet.NetworkId, cancellationToken) is { } network)
        {
            await central.DhcpPortsAsync(network, [subnet.ToTop()], cancellationToken);
        }

        await batch.RunAsync(refusalsEnd: false, cancellationToken);
        return subnet;
    }

    /// <summary>The port's copies take its addresses, groups, pairs and state (groups new to a pod are made there first).</summary>
    public async Task<PortRow> UpdatePortAsync(PortRow port, IReadOnlyList<FixedIpRequest>? fixedIps, IReadOnlyList<string>? securityGroups, CancellationToken cancellationToken)
    {
        var batch = jobs.Begin();
        var also = batch.Sync(JobTypes.PortSync, "port", port.Id);
        port = await ports.UpdateAsync(port, fixedIps, securityGroups, fixedIps is null ? also : also.Then(RouterSyncs.ForNetworks(batch, port.NetworkId)).Then(shadows.ForNetworks(batch, port.NetworkId)), cancellationToken);
        await batch.RunAsync(refusalsEnd: false, cancellationToken);
        return port;
    }

    public async Task<SecurityGroupRow> UpdateSecurityGroupAsync(RequestContext caller, string id, string? name, string? description, bool? stateful, CancellationToken cancellationToken)
    {
        var batch = jobs.Begin();
        var group = await groups.UpdateAsync(caller, id, name, description, stateful, batch.Sync(JobTypes.SecurityGroupSync, "security_group", id), cancellationToken);
        await batch.RunAsync(refusalsEnd: false, cancellationToken);
        return group;
    }

    public async Task<SecurityGroupRuleRow> CreateRuleAsync(RequestContext caller, SecurityGroupRuleInput input, CancellationToken cancellationToken)
    {
        var batch = jobs.Begin();
        var rule = await groups.CreateRuleAsync(caller, input, batch.Sync(JobTypes.SecurityGroupSync, "security_group", input.SecurityGroupId), cancellationToken);
        await batch.RunAsync(refusalsEnd: false, cancellationToken);
        return rule;
    }

    public async Task DeleteRuleAsync(RequestContext caller, string id, CancellationToken cancellationToken)
    {
        var batch = jobs.Begin();
        await groups.DeleteRuleAsync(caller, id, groupId => batch.Sync(JobTypes.SecurityGroupSync, "security_group", groupId), cancellationToken);
        await batch.RunAsync(refusalsEnd: false, cancellationToken);
    }

    /// <summary>Deletes a network: refused while in use, centrally (409 NetworkInUse) or in a pod; see the class remarks.</summary>
    public async Task DeleteNetworkAsync(NetworkRow network, CancellationToken cancellationToken)
    {
        var batch = jobs.Begin();
        await networks.BeginDeleteAsync(network.Id, batch.Queue(JobRequest.For(JobTypes.NetworkDelete, network.ProjectId, ("network_id", network.Id))), cancellationToken);
        await FinishDeleteAsync(batch, cancellationToken);
        await qos.SyncCopiesAsync(network.QosPolicyId, cancellationToken); // its policy's copies go where nothing uses them now
    }

    public async Task DeleteSubnetAsync(SubnetRow subnet, CancellationToken cancellationToken)
    {
        var batch = jobs.Begin();
        await subnets.BeginDeleteAsync(subnet.Id, batch.Queue(JobRequest.For(JobTypes.SubnetDelete, subnet.ProjectId, ("subnet_id", subnet.Id))), cancellationToken);
        await FinishDeleteAsync(batch, cancellationToken);
    }

    /// <summary>Deletes a security group: refused while in use (or the default group, for non-admins).</summary>
    public async Task DeleteSecurityGroupAsync(RequestContext caller, string id, CancellationToken cancellationToken)
    {
        var group = await groups.GetAsync(caller, id, cancellationToken);
        var batch = jobs.Begin();
        await groups.BeginDeleteAsync(caller, id, batch.Queue(JobRequest.For(JobTypes.SecurityGroupDelete, group.ProjectId, ("security_group_id", id))), cancellationToken);
        await FinishDeleteAsync(batch, cancellationToken);
    }

    /// <summary>Deletes a port; its copies go from the pods by their sync jobs (a server there loses that NIC, as with Neutron).</summary>
    public async Task DeletePortAsync(string id, CancellationToken cancellationToken)
    {
        var batch = jobs.Begin();
        var port = await ports.FindTopAsync(id, cancellationToken);
        var network = port?.NetworkId;
        await ports.DeleteAsync(id, batch.Sync(JobTypes.PortSync, "port", id), cancellationToken, network is null ? null : RouterSyncs.ForNetworks(batch, network).Then(shadows.ForNetworks(batch, network)));
        await batch.RunAsync(refusalsEnd: false, cancellationToken);
        await qos.SyncCopiesAsync(port?.QosPolicyId, cancellationToken); // its policy's copies go where nothing uses them now
    }

    /// <summary>The delete job runs here to its end, so the caller hears a pod's refusal; anything else it leaves to the workers.</summary>
    private static async Task FinishDeleteAsync(JobBatch batch, CancellationToken cancellationToken)
    {
        var results = await batch.RunAsync(refusalsEnd: true, cancellationToken, untilDone: true);
        if (results.Values.OfType<TricircleException>().FirstOrDefault(e => e.Kind != ErrorKind.Unavailable) is { } refusal)
        {
            throw refusal;
        }
    }

    private static async Task SyncRemoteGroupsAsync(JobBatch batch, System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction tx, string projectId, CancellationToken cancellationToken) =>
        await batch.SyncAsync(connection, tx, JobTypes.SecurityGroupSync, "security_group",
            await SecurityGroupStore.WithRemoteGroupRulesAsync(connection, tx, projectId, cancellationToken), cancellationToken);
}
