using Tricircle.Errors;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Network;

/// <summary>
/// Carries central changes to the pods' copies (spec §6.4): an update of a network, subnet,
/// port or security group goes to every pod holding a copy, all pods at once, each within the
/// fan-out deadline; a delete first removes the copies, under the deletion guard
/// (<see cref="DeletingMarks"/>), and only then the central resource.
/// <para>
/// An update stands once central has it: a pod that cannot take it is logged and keeps the old
/// copy (asynchronous retries belong to the job engine). A delete is all or nothing from the
/// caller's view: when a pod refuses (its copy is in use there: 409) or cannot be reached
/// (503), the central resource stays, so the delete can be asked again; the copies already
/// gone are forgotten and made again by the next boot that needs them.
/// </para>
/// </summary>
internal sealed partial class NetworkPropagation(
    RoutingStore routings,
    PodStore pods,
    PodNetworks podNetworks,
    PodFanOut fanOut,
    NetworkStore networks,
    SubnetStore subnets,
    PortStore ports,
    SecurityGroupStore groups,
    CentralPorts central,
    DeletingMarks marks,
    ILogger<NetworkPropagation> logger)
{
    private static readonly Dictionary<string, string> NoFilter = [];

    public async Task NetworkUpdatedAsync(TopNetwork network, CancellationToken cancellationToken)
    {
        var copies = await routings.CopiesAsync("network", [network.Id], cancellationToken);
        var change = PodNetworks.NetworkChange(network);
        await UpdateEverywhereAsync("network", network.Id, copies, (pod, copy, ct) =>
            podNetworks.UpdateAsync(pod, "networks", "network", copy.BottomId!, change.DeepClone().AsObject(), ct), cancellationToken);
    }

    /// <summary>The subnet's copies take the change; DHCP turned on also gets each of them its (central) DHCP port.</summary>
    public async Task SubnetUpdatedAsync(TopSubnet subnet, bool dhcpTurnedOn, CancellationToken cancellationToken)
    {
        var copies = await routings.CopiesAsync("subnet", [subnet.Id], cancellationToken);
        if (copies.Count == 0)
        {
            return;
        }

        var change = PodNetworks.SubnetChange(subnet);
        TopPort? dhcpPort = null;
        if (dhcpTurnedOn && await networks.FindTopAsync(subnet.NetworkId, cancellationToken) is { } network)
        {
            var made = await central.DhcpPortsAsync(network, [subnet], cancellationToken);
            dhcpPort = made.Count > 0 ? made[0] : null;
        }

        var networkCopies = (await routings.CopiesAsync("network", [subnet.NetworkId], cancellationToken)).ToDictionary(c => c.PodId, c => c.BottomId!, StringComparer.Ordinal);
        await UpdateEverywhereAsync("subnet", subnet.Id, copies, async (pod, copy, ct) =>
        {
            await podNetworks.UpdateAsync(pod, "subnets", "subnet", copy.BottomId!, change.DeepClone().AsObject(), ct);
            if (dhcpPort is not null && networkCopies.TryGetValue(pod.PodId, out var bottomNetwork))
            {
                await podNetworks.EnsureDhcpPortAsync(pod, dhcpPort, bottomNetwork, new Dictionary<string, string> { [subnet.Id] = copy.BottomId! }, ct);
            }
        }, cancellationToken);
    }

    /// <summary>The port's copies take its addresses, groups, pairs and state (groups new to a pod are made there first).</summary>
    public async Task PortUpdatedAsync(TopPort port, CancellationToken cancellationToken)
    {
        var copies = await routings.CopiesAsync("port", [port.Id], cancellationToken);
        if (copies.Count == 0 || await networks.FindTopAsync(port.NetworkId, cancellationToken) is not { } network)
        {
            return;
        }

        var material = await central.MaterialAsync(port, network, cancellationToken);
        await UpdateEverywhereAsync("port", port.Id, copies, (pod, copy, ct) => podNetworks.UpdatePortAsync(pod, material, copy.BottomId!, ct), cancellationToken);
    }

    /// <summary>A group's rules or description changed: its copies are made like it again.</summary>
    public async Task SecurityGroupChangedAsync(string groupId, CancellationToken cancellationToken)
    {
        if (await groups.FindTopAsync(groupId, cancellationToken) is { } group)
        {
            await ResyncGroupsAsync([group], cancellationToken);
        }
    }

    /// <summary>
    /// The project's subnets changed, so the CIDRs its remote-group rules stand for in the pods
    /// did: its groups with such rules are synced wherever they have copies.
    /// </summary>
    public async Task ProjectSubnetsChangedAsync(string projectId, CancellationToken cancellationToken) =>
        await ResyncGroupsAsync(await groups.WithRemoteGroupRulesAsync(projectId, cancellationToken), cancellationToken);

    private async Task ResyncGroupsAsync(IReadOnlyList<TopSecurityGroup> changed, CancellationToken cancellationToken)
    {
        var copies = await routings.CopiesAsync("security_group", [.. changed.Select(g => g.Id)], cancellationToken);
        if (copies.Count == 0)
        {
            return;
        }

        var byId = changed.ToDictionary(g => g.Id, StringComparer.Ordinal);
        var cidrs = await Task.WhenAll(changed.Select(g => g.ProjectId).Distinct(StringComparer.Ordinal)
            .Select(async project => (Project: project, Cidrs: await subnets.CidrsOfProjectAsync(project, cancellationToken))));
        var cidrsOf = cidrs.ToDictionary(c => c.Project, c => c.Cidrs, StringComparer.Ordinal);

        // Every copy of every group in one fan-out, not a fan-out per group.
        await UpdateEverywhereAsync("security group", string.Join(", ", byId.Keys), copies, (pod, copy, ct) =>
        {
            var group = byId[copy.TopId];
            return podNetworks.ResyncSecurityGroupAsync(pod, group, copy.BottomId!, cidrsOf[group.ProjectId], ct);
        }, cancellationToken);
    }

    /// <summary>Deletes a network: refused while in use; its DHCP ports' and its own copies go from every pod, then central's rows.</summary>
    public async Task DeleteNetworkAsync(string id, CancellationToken cancellationToken)
    {
        await networks.BeginDeleteAsync(id, cancellationToken);
        await UnderMarkAsync(id, async () =>
        {
            var subnetIds = (await subnets.ListTopAsync(id, cancellationToken)).Select(s => s.Id).ToList();
            var dhcpIds = (await ports.ListTopAsync(id, PortStore.DhcpOwner, cancellationToken)).Select(p => p.Id).ToList();
            var networkCopies = await routings.CopiesAsync("network", [id], cancellationToken);
            var dhcpCopies = await routings.CopiesAsync("port", dhcpIds, cancellationToken);
            var subnetCopies = await routings.CopiesAsync("subnet", subnetIds, cancellationToken);

            // The pod's Neutron deletes the subnets with the network; DHCP ports are ours to delete first.
            await DeleteEverywhereAsync("network", id, "NetworkInUse", [.. networkCopies, .. dhcpCopies, .. subnetCopies], async (pod, inPod, ct) =>
            {
                await Task.WhenAll(inPod.Where(c => c.ResourceType == "port").Select(c => podNetworks.DeleteCopyAsync(pod, "ports", c.BottomId!, ct)));
                await Task.WhenAll(inPod.Where(c => c.ResourceType == "network").Select(c => podNetworks.DeleteCopyAsync(pod, "networks", c.BottomId!, ct)));
            }, cancellationToken);
            await networks.DeleteAsync(id, cancellationToken);
        });
    }

    /// <summary>Deletes a subnet: refused while in use; its DHCP port's and its own copies go from every pod, then central's rows.</summary>
    public async Task DeleteSubnetAsync(TopSubnet subnet, CancellationToken cancellationToken)
    {
        await subnets.BeginDeleteAsync(subnet.Id, cancellationToken);
        await UnderMarkAsync(subnet.Id, async () =>
        {
            var dhcpIds = (await ports.ListTopAsync(subnet.NetworkId, PortStore.DhcpOwner, cancellationToken))
                .Where(p => p.FixedIps.Any(f => f.SubnetId == subnet.Id)).Select(p => p.Id).ToList();
            var dhcpCopies = await routings.CopiesAsync("port", dhcpIds, cancellationToken);
            var subnetCopies = await routings.CopiesAsync("subnet", [subnet.Id], cancellationToken);
            await DeleteEverywhereAsync("subnet", subnet.Id, "SubnetInUse", [.. dhcpCopies, .. subnetCopies], async (pod, inPod, ct) =>
            {
                await Task.WhenAll(inPod.Where(c => c.ResourceType == "port").Select(c => podNetworks.DeleteCopyAsync(pod, "ports", c.BottomId!, ct)));
                await Task.WhenAll(inPod.Where(c => c.ResourceType == "subnet").Select(c => podNetworks.DeleteCopyAsync(pod, "subnets", c.BottomId!, ct)));
            }, cancellationToken);
            await subnets.DeleteAsync(subnet.Id, cancellationToken);
        });
        await ProjectSubnetsChangedAsync(subnet.ProjectId, cancellationToken);
    }

    /// <summary>Deletes a port: its copies go from every pod (a server there loses the NIC, as with Neutron), then the central port.</summary>
    public async Task DeletePortAsync(string id, CancellationToken cancellationToken)
    {
        var copies = await routings.CopiesAsync("port", [id], cancellationToken);
        await DeleteEverywhereAsync("port", id, "PortInUse", copies, (pod, inPod, ct) =>
            Task.WhenAll(inPod.Select(c => podNetworks.DeleteCopyAsync(pod, "ports", c.BottomId!, ct))), cancellationToken);
        await ports.DeleteAsync(id, cancellationToken);
    }

    /// <summary>Deletes a security group: refused while in use (or the default group, for non-admins); its copies go from every pod, then central's.</summary>
    public async Task DeleteSecurityGroupAsync(Identity.RequestContext caller, string id, CancellationToken cancellationToken)
    {
        var group = await groups.BeginDeleteAsync(caller, id, cancellationToken);
        await UnderMarkAsync(id, async () =>
        {
            var copies = await routings.CopiesAsync("security_group", [id], cancellationToken);
            await DeleteEverywhereAsync("security group", id, "SecurityGroupInUse", copies, (pod, inPod, ct) =>
                Task.WhenAll(inPod.Select(c => podNetworks.DeleteCopyAsync(pod, "security-groups", c.BottomId!, ct))), cancellationToken);
            await groups.DeleteAsync(id, cancellationToken);
        });

        // Rules of other groups that named it went with it (Neutron's cascade): their copies follow.
        await ProjectSubnetsChangedAsync(group.ProjectId, cancellationToken);
    }

    /// <summary>Runs a delete under its mark; the mark goes when the delete gives up (a finished delete cleared it with the rows).</summary>
    private async Task UnderMarkAsync(string id, Func<Task> delete)
    {
        try
        {
            await delete();
        }
        catch
        {
            await marks.ClearAsync(id, CancellationToken.None);
            throw;
        }
    }

    private async Task UpdateEverywhereAsync(string what, string id, IReadOnlyList<ResourceRouting> copies, Func<Pod, ResourceRouting, CancellationToken, Task> update, CancellationToken cancellationToken)
    {
        var answers = await EachPodAsync(copies, (pod, inPod, ct) => Task.WhenAll(inPod.Select(c => update(pod, c, ct))), cancellationToken);
        foreach (var failed in answers.Where(a => !a.Succeeded))
        {
            Log.UpdateMissed(logger, what, id, failed.Pod.RegionName, failed.Failure!);
        }
    }

    /// <summary>Deletes copies pod by pod (all pods at once) and forgets each pod's rows once its copies are gone; the first refusal or failure is thrown.</summary>
    private async Task DeleteEverywhereAsync(string what, string id, string inUseType, IReadOnlyList<ResourceRouting> copies, Func<Pod, IReadOnlyList<ResourceRouting>, CancellationToken, Task> delete, CancellationToken cancellationToken)
    {
        var answers = await EachPodAsync(copies, async (pod, inPod, ct) =>
        {
            await delete(pod, inPod, ct);
            foreach (var copy in inPod)
            {
                await routings.DeleteAsync(copy.Id, ct);
            }
        }, cancellationToken);
        if (answers.FirstOrDefault(a => !a.Succeeded) is not { } failed)
        {
            return;
        }

        var region = failed.Pod.RegionName;
        throw failed.Error is PodErrorException { StatusCode: StatusCodes.Status409Conflict } refused
            ? TricircleException.Conflict($"Unable to delete the {what} {id}: its copy in pod {region} is in use there ({refused.PodMessage}).", inUseType)
            : TricircleException.Unavailable($"Unable to delete the {what} {id} now: pod {region} did not delete its copy ({failed.Failure}). Nothing was deleted centrally; try again.", "ServiceUnavailable");
    }

    private async Task<IReadOnlyList<PodAnswer<bool>>> EachPodAsync(IReadOnlyList<ResourceRouting> copies, Func<Pod, IReadOnlyList<ResourceRouting>, CancellationToken, Task> act, CancellationToken cancellationToken)
    {
        if (copies.Count == 0)
        {
            return [];
        }

        var byPod = copies.GroupBy(c => c.PodId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (IReadOnlyList<ResourceRouting>)[.. g], StringComparer.Ordinal);
        var targets = (await pods.ListAsync(NoFilter, cancellationToken)).Where(p => byPod.ContainsKey(p.PodId)).ToList();
        return await fanOut.AskAsync(targets, async (pod, ct) =>
        {
            await act(pod, byPod[pod.PodId], ct);
            return true;
        }, cancellationToken);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "The {What} {Id} changed centrally, but its copy in pod {Region} could not take the change: {Reason}")]
        public static partial void UpdateMissed(ILogger logger, string what, string id, string region, string reason);
    }
}
