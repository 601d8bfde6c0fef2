using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Network;

/// <summary>
/// <c>cross_pod_vxlan_mode = shadow</c>: upstream's shadow ports (spec §6.6) through the pods'
/// public APIs. A VxLAN network stretched over pods has, in each pod holding a copy, a shadow of
/// every instance port of the other pods: its MAC and addresses, <c>binding:host_id</c> its real
/// host, <c>binding:profile</c> naming its region. Each pod's Neutron then knows the whole network
/// (what a controller building the tunnels from Neutron's ports needs, and what keeps a pod's
/// ARP responder and address checks right); the tunnels between the pods' hosts are the
/// operator's, as an unmodified pod has no agent for a remote host (upstream patched one in).
/// One <c>shadow_port_sync</c> per network converges all its pods: a run lists each copy's
/// shadows (one call per pod, in parallel), makes those missing, updates those whose port's
/// addresses or host changed, and removes those no port needs (unless a floating IP points
/// through one: <see cref="ShadowPortNeeds"/>).
/// </summary>
internal sealed class ShadowPorts(
    NetworkStore networks,
    SubnetStore subnets,
    PortStore ports,
    CentralPorts central,
    PodNetworks podNetworks,
    RoutingStore routings,
    PodStore pods,
    ShadowPortNeeds needs)
{
    public async Task ConvergeAsync(string networkId, CancellationToken cancellationToken)
    {
        var copies = (await routings.RowsAsync("network", [networkId], cancellationToken)).Where(r => r.BottomId is not null).ToList();
        if (copies.Count == 0)
        {
            return;
        }

        var network = await networks.FindTopAsync(networkId, cancellationToken);
        var instances = network is not null && needs.Shadowed(network) ? await ports.InPodsAsync(networkId, cancellationToken) : [];
        if (copies.Count == 1 && instances.All(i => i.PodId == copies[0].PodId))
        {
            return; // in one pod only: nothing to stand in for, and a shadow there could stand in for nothing
        }

        var ofNetwork = network is not null && instances.Count > 0 ? await subnets.ListTopAsync(networkId, cancellationToken) : [];
        var podsById = new Dictionary<string, Pod>(StringComparer.Ordinal);
        foreach (var podId in copies.Select(c => c.PodId).Concat(instances.Select(i => i.PodId)).Distinct(StringComparer.Ordinal))
        {
            if (await pods.FindAsync(podId, cancellationToken) is { } pod)
            {
                podsById[podId] = pod;
            }
        }

        var wanted = instances.Where(i => podsById.ContainsKey(i.PodId)).Select(i => (i.Port, Binding: new ShadowBinding(i.Port.BindingHostId ?? "", podsById[i.PodId].RegionName), i.PodId)).ToList();
        await Task.WhenAll(copies.Where(c => podsById.ContainsKey(c.PodId)).Select(c =>
            ConvergeInAsync(podsById[c.PodId], c.BottomId!, network, ofNetwork, [.. wanted.Where(w => w.PodId != c.PodId).Select(w => (w.Port, w.Binding))], cancellationToken)));
    }

    private async Task ConvergeInAsync(Pod pod, string networkCopy, TopNetwork? network, IReadOnlyList<TopSubnet> ofNetwork, IReadOnlyList<(TopPort Port, ShadowBinding Binding)> wanted, CancellationToken cancellationToken)
    {
        var existing = (await podNetworks.ShadowPortsAsync(pod, networkCopy, cancellationToken)).ToList();
        var wantedIds = wanted.Select(w => w.Port.Id).ToHashSet(StringComparer.Ordinal);

        // Those no port of another pod needs go first: the address one held may be another's now.
        var extra = existing.Where(e => !wantedIds.Contains(e.TopPortId)).ToList();
        var kept = await needs.ForFloatingIpsAsync(pod, [.. extra.Select(e => e.TopPortId)], cancellationToken);
        foreach (var shadow in extra.Where(e => !kept.Contains(e.TopPortId)))
        {
            await podNetworks.DeleteShadowPortAsync(pod, shadow.TopPortId, shadow.Id, cancellationToken);
        }

        if (wanted.Count == 0 || network is null)
        {
            return;
        }

        var subnetCopies = await podNetworks.EnsureSubnetsAsync(pod, networkCopy, network, ofNetwork, await central.DhcpPortsAsync(network, ofNetwork, cancellationToken), cancellationToken);
        var byPort = existing.GroupBy(e => e.TopPortId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var (port, binding) in wanted)
        {
            if (!byPort.TryGetValue(port.Id, out var shadow))
            {
                if (await routings.FindInPodAsync(port.Id, "shadow_port", pod.PodId, cancellationToken) is { BottomId: not null })
                {
                    // Recorded, but not in the pod (deleted there by hand): made again (or adopted by its name, had another job just made it).
                    await routings.ForgetAsync(port.Id, "shadow_port", pod.PodId, cancellationToken);
                }

                await podNetworks.EnsureShadowPortAsync(pod, port, networkCopy, subnetCopies, binding, cancellationToken);
            }
            else if (!PodNetworks.ShadowIsCurrent(shadow, port, subnetCopies, binding))
            {
                await podNetworks.UpdateShadowPortAsync(pod, shadow.Id, port, subnetCopies, binding, cancellationToken);
            }
        }
    }
}
