using Microsoft.Extensions.Options;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Network;

/// <summary>
/// Whether a port's shadow in a pod is still needed. Two jobs make shadows (a router's sync for
/// its floating IPs, a network's <c>shadow_port_sync</c> for VxLAN) and share them, one per port
/// and pod; each removes one only when neither needs it, so the other's is never taken away.
/// </summary>
internal sealed class ShadowPortNeeds(FloatingIpStore fips, NetworkStore networks, PortStore ports, RoutingStore routings, ExternalHomes homes, IOptions<NetworkOptions> options)
{
    /// <summary>Whether the network's instance ports get shadows in its other pods (shadow mode, a tenant's VxLAN network).</summary>
    public bool Shadowed(TopNetwork network) =>
        options.Value.ShadowsVxlan && network.Segment.NetworkType == "vxlan" && !network.External && network.ProjectId.Length > 0;

    /// <summary>Of the ports, those whose shadow in the pod is needed: by a floating IP there, or by their VxLAN network.</summary>
    public async Task<HashSet<string>> NeededAsync(Pod pod, IReadOnlyCollection<string> portIds, CancellationToken cancellationToken)
    {
        var needed = await ForFloatingIpsAsync(pod, portIds, cancellationToken);
        needed.UnionWith(await ForVxlanAsync(pod, [.. portIds.Where(p => !needed.Contains(p))], cancellationToken));
        return needed;
    }

    /// <summary>Of the ports, those a floating IP of the pod points at through their shadow: an associated one, on the pod's external network, for a port in another pod.</summary>
    public async Task<HashSet<string>> ForFloatingIpsAsync(Pod pod, IReadOnlyCollection<string> portIds, CancellationToken cancellationToken)
    {
        var needed = new HashSet<string>(StringComparer.Ordinal);
        if (portIds.Count == 0)
        {
            return needed;
        }

        var podOf = await PodsOfPortsAsync(portIds, cancellationToken);
        foreach (var fip in await fips.OnPortsAsync(portIds, cancellationToken))
        {
            if (fip.FixedPortId is { } portId && fip.RouterId is not null && podOf.TryGetValue(portId, out var portPod) && portPod != pod.PodId
                && await networks.FindTopAsync(fip.FloatingNetworkId, cancellationToken) is { } external
                && (await homes.PodOfAsync(external, cancellationToken))?.PodId == pod.PodId)
            {
                needed.Add(portId);
            }
        }

        return needed;
    }

    /// <summary>Of the ports, the instance ports in another pod whose shadowed network has a copy in this one.</summary>
    public async Task<HashSet<string>> ForVxlanAsync(Pod pod, IReadOnlyCollection<string> portIds, CancellationToken cancellationToken)
    {
        var needed = new HashSet<string>(StringComparer.Ordinal);
        if (portIds.Count == 0 || !options.Value.ShadowsVxlan)
        {
            return needed;
        }

        var podOf = await PodsOfPortsAsync(portIds, cancellationToken);
        var found = await ports.FindTopManyAsync(portIds, cancellationToken);
        var candidates = found.Values.Where(p => !p.DeviceOwner.StartsWith("network:", StringComparison.Ordinal) && podOf.TryGetValue(p.Id, out var home) && home != pod.PodId).ToList();
        foreach (var networkId in candidates.Select(p => p.NetworkId).Distinct(StringComparer.Ordinal))
        {
            if (await networks.FindTopAsync(networkId, cancellationToken) is { } network && Shadowed(network)
                && await routings.FindInPodAsync(networkId, "network", pod.PodId, cancellationToken) is { BottomId: not null })
            {
                needed.UnionWith(candidates.Where(p => p.NetworkId == networkId).Select(p => p.Id));
            }
        }

        return needed;
    }

    /// <summary>The pod each port's copy is in (a port is in one pod; its shadows are not copies).</summary>
    public async Task<Dictionary<string, string>> PodsOfPortsAsync(IReadOnlyCollection<string> portIds, CancellationToken cancellationToken) =>
        (await routings.RowsAsync("port", portIds, cancellationToken)).Where(r => r.BottomId is not null)
            .GroupBy(r => r.TopId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().PodId, StringComparer.Ordinal);
}
