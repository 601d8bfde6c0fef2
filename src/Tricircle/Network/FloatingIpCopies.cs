using Tricircle.Errors;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Network;

/// <summary>
/// A floating IP lives in its external network's pod (spec §6.7): its copy there keeps the
/// central address and points at the port's copy when the port is in that pod, or at a shadow of
/// the port on a copy of the port's network there when it is in another (the router's copy in
/// the external pod gets an interface on that network, and a route to the address through the
/// bridge, from <see cref="RouterTopology"/>). Two jobs converge it: the router's sync associates
/// the router's floating IPs once the way is made; the floating IP's own sync makes the copy,
/// takes it off a port the central one left, and deletes it when the central one is gone.
/// </summary>
internal sealed class FloatingIpCopies(
    FloatingIpStore fips,
    NetworkStore networks,
    SubnetStore subnets,
    PortStore ports,
    CentralPorts central,
    PodNetworks podNetworks,
    RoutingStore routings,
    ExternalHomes homes,
    PodStore pods,
    ShadowPortNeeds needs)
{
    /// <summary>The router's floating IPs whose port is in a pod (where its copy is).</summary>
    public async Task<IReadOnlyList<FloatingTarget>> TargetsAsync(string routerId, CancellationToken cancellationToken)
    {
        var list = await fips.OfRouterAsync(routerId, cancellationToken);
        var portIds = list.Select(f => f.FixedPortId).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var podOf = await needs.PodsOfPortsAsync(portIds, cancellationToken);
        var portRows = await ports.FindTopManyAsync(portIds, cancellationToken);
        return [.. list.Where(f => f.FixedPortId is { } p && podOf.ContainsKey(p) && portRows.ContainsKey(p))
            .Select(f => new FloatingTarget(f.Id, f.FixedPortId!, portRows[f.FixedPortId!].NetworkId, podOf[f.FixedPortId!]))];
    }

    /// <summary>Before the router's copies change: shadows no floating IP needs go (the pod takes a floating IP off its shadow with it).</summary>
    public async Task BeforeRouterAsync(RouterRow router, Pod? gatewayPod, CancellationToken cancellationToken)
    {
        if (gatewayPod is not null)
        {
            await CleanShadowsAsync(gatewayPod, router.ProjectId, cancellationToken);
        }
    }

    /// <summary>After the router's copies are right: its floating IPs on their ports (or shadows) in the external network's pod.</summary>
    public async Task AfterRouterAsync(RouterRow router, Pod? gatewayPod, CancellationToken cancellationToken)
    {
        if (gatewayPod is null)
        {
            return;
        }

        foreach (var fip in await fips.OfRouterAsync(router.Id, cancellationToken))
        {
            await EnsureAsync(gatewayPod, fip, mayWait: false, cancellationToken);
        }
    }

    /// <summary>Before a router's copy goes from a pod: its floating IPs there leave their ports (they hold its interfaces and gateway).</summary>
    public async Task ReleaseRouterAsync(Pod pod, string bottomRouterId, CancellationToken cancellationToken)
    {
        foreach (var copy in await podNetworks.FloatingIpsOfRouterAsync(pod, bottomRouterId, cancellationToken))
        {
            await podNetworks.AssociateFloatingIpAsync(pod, copy["id"]!.ToString(), null, null, cancellationToken);
        }
    }

    /// <summary><c>floatingip_sync</c>: the floating IP's copy, made, taken off a port it left, or deleted.</summary>
    public async Task ConvergeAsync(string fipId, CancellationToken cancellationToken)
    {
        var fip = await fips.FindAsync(fipId, null, cancellationToken);
        if (fip is null)
        {
            foreach (var row in await routings.RowsAsync("floatingip", [fipId], cancellationToken))
            {
                if (row.BottomId is { } bottom && await pods.FindAsync(row.PodId, cancellationToken) is { } pod)
                {
                    await podNetworks.DeleteFloatingIpCopyAsync(pod, fipId, bottom, cancellationToken);
                }
                else if (row.BottomId is null)
                {
                    throw TricircleException.Unavailable($"The copy of floating IP {fipId} is still being made.");
                }
            }

            return;
        }

        if (await networks.FindTopAsync(fip.FloatingNetworkId, cancellationToken) is { } external && await homes.PodOfAsync(external, cancellationToken) is { } home)
        {
            await EnsureAsync(home, fip, mayWait: true, cancellationToken);
        }
    }

    /// <summary>
    /// The copy there, on what central says. A port in another pod is reached through its shadow
    /// on its network's copy here, which the router's sync makes (with the interface): until then
    /// (<paramref name="mayWait"/>), the floating IP's own sync leaves the association to it.
    /// </summary>
    private async Task EnsureAsync(Pod pod, FloatingIpRow fip, bool mayWait, CancellationToken cancellationToken)
    {
        var external = await networks.FindTopAsync(fip.FloatingNetworkId, cancellationToken) ?? throw NeutronErrors.NotFound("Network", fip.FloatingNetworkId);
        var externalNetwork = await podNetworks.EnsureNetworkAsync(pod, external, cancellationToken);
        var bottom = await podNetworks.EnsureFloatingIpAsync(pod, fip, externalNetwork, cancellationToken);
        var copy = await podNetworks.ShowFloatingIpAsync(pod, bottom, cancellationToken);
        if (copy is null)
        {
            await routings.ForgetAsync(fip.Id, "floatingip", pod.PodId, cancellationToken); // deleted in the pod by hand
            throw TricircleException.Unavailable($"The copy of floating IP {fip.Id} in pod {pod.RegionName} was gone; it is made again.");
        }

        var target = await TargetAsync(pod, fip, cancellationToken);
        if (target is null && fip.FixedPortId is not null && mayWait)
        {
            return; // its port's way into this pod is the router's sync's to make
        }

        var portId = target?.PortId;
        var fixedIp = target?.FixedIp;
        if (copy["port_id"]?.ToString() != portId || (portId is not null && Ipam.Canonical(copy["fixed_ip_address"]?.ToString() ?? "") != Ipam.Canonical(fixedIp ?? "")))
        {
            await podNetworks.AssociateFloatingIpAsync(pod, bottom, portId, fixedIp, cancellationToken);
            copy = await podNetworks.ShowFloatingIpAsync(pod, bottom, cancellationToken) ?? copy;
        }

        // Neutron shows a floating IP on no port DOWN; on one, what the pod's L3 agent made of it.
        await fips.SetStatusAsync(fip.Id, portId is null ? FloatingIpStore.Down : copy["status"]?.ToString() ?? FloatingIpStore.Down, cancellationToken);
    }

    /// <summary>The port (its copy, or its shadow) and address the copy should be on, or null for none (yet).</summary>
    private async Task<(string PortId, string? FixedIp)?> TargetAsync(Pod pod, FloatingIpRow fip, CancellationToken cancellationToken)
    {
        if (fip.FixedPortId is not { } portId || fip.RouterId is null)
        {
            return null;
        }

        var copies = (await routings.RowsAsync("port", [portId], cancellationToken)).Where(r => r.BottomId is not null).ToList();
        if (copies.FirstOrDefault(r => r.PodId == pod.PodId) is { } here)
        {
            return (here.BottomId!, fip.FixedIpAddress);
        }

        if (copies.Count == 0 || await ports.FindTopAsync(portId, cancellationToken) is not { } port
            || await routings.FindInPodAsync(port.NetworkId, "network", pod.PodId, cancellationToken) is not { BottomId: { } networkCopy }
            || await networks.FindTopAsync(port.NetworkId, cancellationToken) is not { } network)
        {
            return null;
        }

        var ofNetwork = await subnets.ListTopAsync(network.Id, cancellationToken);
        var subnetCopies = await podNetworks.EnsureSubnetsAsync(pod, networkCopy, network, ofNetwork, await central.DhcpPortsAsync(network, ofNetwork, cancellationToken), cancellationToken);
        return (await podNetworks.EnsureShadowPortAsync(pod, port, networkCopy, subnetCopies, binding: null, cancellationToken), fip.FixedIpAddress);
    }

    /// <summary>The project's shadows in the pod that nothing needs any more (no floating IP there points through them, nor their VxLAN network).</summary>
    private async Task CleanShadowsAsync(Pod pod, string projectId, CancellationToken cancellationToken)
    {
        var shadows = (await routings.OfPodAsync(pod.PodId, ["shadow_port"], cancellationToken)).Where(r => r.ProjectId == projectId).ToList();
        if (shadows.Count == 0)
        {
            return;
        }

        var needed = await needs.NeededAsync(pod, [.. shadows.Select(s => s.TopId)], cancellationToken);
        foreach (var shadow in shadows.Where(s => !needed.Contains(s.TopId)))
        {
            if (shadow.BottomId is { } bottom)
            {
                await podNetworks.DeleteShadowPortAsync(pod, shadow.TopId, bottom, cancellationToken);
            }
        }
    }
}
