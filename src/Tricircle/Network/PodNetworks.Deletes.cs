using System.Text.Json.Nodes;
using Tricircle.Errors;
using Tricircle.Pods;

namespace Tricircle.Network;

/// <summary>
/// Removing copies from a pod. Each finds its copy by its routing row, or by its name when a
/// crash left none, takes out what Tricircle made on or in it first (the pod's Neutron refuses to
/// delete a network or subnet with ports, a group that ports use), and forgets the routing rows of
/// everything that went. What the pod refuses because something of its own is still there (a port
/// someone made in the pod's Neutron) is its <see cref="PodErrorException"/> with 409. A copy
/// still being made (its routing row has no bottom id yet) is waited for: Unavailable, so a job
/// tries again once it is done.
/// </summary>
internal sealed partial class PodNetworks
{
    /// <summary>Deletes the network's copy with the ports Tricircle made on it; the pod's Neutron takes the subnets along.</summary>
    public async Task DeleteNetworkCopyAsync(Pod pod, string topNetworkId, CancellationToken cancellationToken)
    {
        if (await BottomOfAsync(pod, "network", "networks", topNetworkId, cancellationToken) is not { } bottom)
        {
            return;
        }

        var ports = await ListAsync(pod, "ports", "network_id=" + Uri.EscapeDataString(bottom), cancellationToken);
        var subnets = await ListAsync(pod, "subnets", "network_id=" + Uri.EscapeDataString(bottom), cancellationToken);
        var ours = await OursAsync(pod, ports, cancellationToken);
        await Task.WhenAll(ours.Select(p => DeleteAsync(pod, "ports/" + Uri.EscapeDataString(p.Id), cancellationToken)));
        await DeleteAsync(pod, "networks/" + Uri.EscapeDataString(bottom), cancellationToken);
        await ForgetAsync(pod, [("network", topNetworkId), .. subnets.Select(s => ("subnet", s.Name)), .. ours.Select(RowOf)], cancellationToken);
    }

    /// <summary>
    /// Deletes the subnet's copy with the DHCP port (and shadows) Tricircle made in it. Other copies of ports
    /// with an address in it stay: only automatic addresses (an auto-address subnet's) can be
    /// there, which the pod's Neutron takes off them with the subnet, as central did.
    /// </summary>
    public async Task DeleteSubnetCopyAsync(Pod pod, string topSubnetId, CancellationToken cancellationToken)
    {
        if (await BottomOfAsync(pod, "subnet", "subnets", topSubnetId, cancellationToken) is not { } bottom)
        {
            return;
        }

        var ports = await ListAsync(pod, "ports", "fixed_ips=" + Uri.EscapeDataString("subnet_id=" + bottom), cancellationToken);
        // Shadows too: one a deleted port left (its shadow_port_sync may not have run yet) would hold the subnet; one still needed is made again by that sync.
        var ours = (await OursAsync(pod, ports, cancellationToken)).Where(p => p.DeviceOwner == PortStore.DhcpOwner || IsShadow(p)).ToList();
        await Task.WhenAll(ours.Select(p => DeleteAsync(pod, "ports/" + Uri.EscapeDataString(p.Id), cancellationToken)));
        await DeleteAsync(pod, "subnets/" + Uri.EscapeDataString(bottom), cancellationToken);
        await ForgetAsync(pod, [("subnet", topSubnetId), .. ours.Select(RowOf)], cancellationToken);
    }

    /// <summary>Deletes the security group's copy (the pod refuses while one of its ports uses it).</summary>
    public async Task DeleteSecurityGroupCopyAsync(Pod pod, string topGroupId, CancellationToken cancellationToken)
    {
        if (await BottomOfAsync(pod, "security_group", "security-groups", topGroupId, cancellationToken) is { } bottom)
        {
            await DeleteAsync(pod, "security-groups/" + Uri.EscapeDataString(bottom), cancellationToken);
            await ForgetAsync(pod, [("security_group", topGroupId)], cancellationToken);
        }
    }

    /// <summary>
    /// Deletes the port's copy. A server the pod's Nova booted on it that Tricircle has no record
    /// of is deleted first: a boot that failed after the pod made the server (its answer lost, or
    /// refused later) left it there, on a port only that boot had.
    /// </summary>
    public async Task DeletePortCopyAsync(Pod pod, string topPortId, CancellationToken cancellationToken)
    {
        if (await BottomOfAsync(pod, "port", "ports", topPortId, cancellationToken) is not { } bottom)
        {
            return;
        }

        var copy = await ShowPortAsync(pod, bottom, cancellationToken);
        if (copy?["device_owner"]?.ToString() is { } owner && owner.StartsWith("compute:", StringComparison.Ordinal)
            && copy["device_id"]?.ToString() is { Length: > 0 } server
            && await routings.FindInPodAsync(server, "server", pod.PodId, cancellationToken) is null)
        {
            try
            {
                await client.SendJsonAsync(pod, "compute", HttpMethod.Delete, "servers/" + Uri.EscapeDataString(server), null, null, cancellationToken);
            }
            catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status404NotFound)
            {
                // Gone already.
            }
        }

        await DeleteAsync(pod, "ports/" + Uri.EscapeDataString(bottom), cancellationToken);
        await ForgetAsync(pod, [("port", topPortId)], cancellationToken);
    }

    /// <summary>The copy's id in the pod: its routing row's, else one named after the central id (a crash's); null when it has none.</summary>
    private async Task<string?> BottomOfAsync(Pod pod, string resourceType, string collection, string topId, CancellationToken cancellationToken)
    {
        var row = await routings.FindInPodAsync(topId, resourceType, pod.PodId, cancellationToken);
        if (row is { BottomId: null })
        {
            if (copies.IsBeingMade(row))
            {
                throw TricircleException.Unavailable($"The {resourceType.Replace('_', ' ')} {topId} is still being copied into pod {pod.RegionName}.");
            }

            await routings.ForgetAsync(topId, resourceType, pod.PodId, cancellationToken); // a lock a crash left
        }

        return row?.BottomId ?? await FindByNameAsync(pod, collection, topId, cancellationToken);
    }

    /// <summary>The pod's resources of a collection matching a filter: (id, name).</summary>
    private async Task<IReadOnlyList<(string Id, string Name, string DeviceOwner)>> ListAsync(Pod pod, string collection, string filter, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(pod, HttpMethod.Get, $"{collection}?{filter}", null, cancellationToken);
        return [.. (answer?[collection.Replace('-', '_')] as JsonArray ?? []).OfType<JsonObject>()
            .Select(o => (Id: o["id"]?.ToString() ?? "", Name: o["name"]?.ToString() ?? "", DeviceOwner: o["device_owner"]?.ToString() ?? ""))
            .Where(o => o.Id.Length > 0)];
    }

    /// <summary>Of the pod's ports, those Tricircle made: DHCP ports, shadows, and copies named after a central port it has a row for.</summary>
    private async Task<IReadOnlyList<(string Id, string Name, string DeviceOwner)>> OursAsync(Pod pod, IReadOnlyList<(string Id, string Name, string DeviceOwner)> ports, CancellationToken cancellationToken)
    {
        var known = await routings.KnownAsync("port", pod.PodId, [.. ports.Select(p => p.Name).Where(n => n.Length > 0).Distinct(StringComparer.Ordinal)], cancellationToken);
        return [.. ports.Where(p => p.DeviceOwner == DhcpOwner || IsShadow(p) || known.Contains(p.Name))];
    }

    private static bool IsShadow((string Id, string Name, string DeviceOwner) port) =>
        port.DeviceOwner == ShadowOwner && port.Name.StartsWith(ShadowPrefix, StringComparison.Ordinal);

    /// <summary>The routing row of one of our ports: a shadow's is its port's, of type <c>shadow_port</c>.</summary>
    private static (string ResourceType, string TopId) RowOf((string Id, string Name, string DeviceOwner) port) =>
        IsShadow(port) ? ("shadow_port", port.Name[ShadowPrefix.Length..]) : ("port", port.Name);

    private async Task ForgetAsync(Pod pod, IEnumerable<(string ResourceType, string TopId)> rows, CancellationToken cancellationToken)
    {
        foreach (var (resourceType, topId) in rows.Where(r => r.TopId.Length > 0).Distinct())
        {
            await routings.ForgetAsync(topId, resourceType, pod.PodId, cancellationToken);
        }
    }
}
