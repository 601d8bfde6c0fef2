using Tricircle.Network;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.WebConsole;

/// <summary>A central record the console found: what Tricircle itself holds of a resource.</summary>
internal sealed record CentralRecord(string Type, string Id, string Name, string ProjectId, string Detail);

/// <summary>One routing row with the name of its pod.</summary>
internal sealed record FoundCopy(ResourceRouting Row, string PodName);

/// <summary>Where an id lives: its routing rows (central id → pod, bottom id) and its central record.</summary>
internal sealed record FoundResource(string Id, IReadOnlyList<FoundCopy> Copies, CentralRecord? Central)
{
    public bool IsEmpty => Copies.Count == 0 && Central is null;
}

/// <summary>
/// The console's find: any id, central or a pod's own (bottom) id, looked up in the routing
/// table both ways, and the central Neutron's record of the resource if it has one. A member
/// sees only what belongs to its own project; nothing of another project, not even that it exists.
/// </summary>
internal sealed class ResourceFinder(
    RoutingStore routings,
    PodStore pods,
    NetworkStore networks,
    SubnetStore subnets,
    PortStore ports,
    RouterStore routers,
    FloatingIpStore floatingIps,
    SecurityGroupStore groups)
{
    private const int MaxRows = 200;

    /// <summary>Whether the text can be an id at all (the page says so rather than looking).</summary>
    public static bool CanBeId(string id) => id.Length is > 0 and <= 64 && !id.Any(c => char.IsControl(c) || char.IsWhiteSpace(c));

    public async Task<FoundResource> FindAsync(string id, ConsoleUser user, CancellationToken cancellationToken)
    {
        var byTop = await routings.ListAsync(new Dictionary<string, object> { ["top_id"] = id }, null, MaxRows, cancellationToken);
        var byBottom = await routings.ListAsync(new Dictionary<string, object> { ["bottom_id"] = id }, null, MaxRows, cancellationToken);
        var rows = byTop.Rows.Concat(byBottom.Rows).DistinctBy(r => r.Id).ToList();

        // A bottom id leads to its central id: show every copy of that resource, not only the one.
        foreach (var (topId, type) in byBottom.Rows.Where(r => r.TopId != id).Select(r => (r.TopId, r.ResourceType)).Distinct().ToList())
        {
            rows.AddRange(await routings.RowsAsync(type, [topId], cancellationToken));
        }

        rows = [.. rows.DistinctBy(r => r.Id).Where(r => user.IsAdmin || r.ProjectId == user.ProjectId)
            .OrderBy(r => r.ResourceType, StringComparer.Ordinal).ThenBy(r => r.PodId, StringComparer.Ordinal)];

        var names = (await pods.ListAsync(new Dictionary<string, string>(), cancellationToken)).ToDictionary(p => p.PodId, p => p.RegionName, StringComparer.Ordinal);
        var copies = rows.Select(r => new FoundCopy(r, names.TryGetValue(r.PodId, out var name) ? name : r.PodId)).ToList();

        var centralId = rows.Select(r => r.TopId).FirstOrDefault() ?? id;
        var central = await CentralAsync(centralId, cancellationToken);
        if (central is not null && !user.IsAdmin && central.ProjectId != user.ProjectId)
        {
            central = null;
        }

        return new FoundResource(id, copies, central);
    }

    /// <summary>The central Neutron's own record of an id (servers and volumes have none: they live in their pod).</summary>
    private async Task<CentralRecord?> CentralAsync(string id, CancellationToken cancellationToken)
    {
        if (await networks.FindAsync(id, null, cancellationToken) is { } network)
        {
            return new CentralRecord("network", network.Id, network.Name, network.ProjectId, network.Shared ? "shared" : "");
        }

        if (await subnets.FindAsync(id, null, cancellationToken) is { } subnet)
        {
            return new CentralRecord("subnet", subnet.Id, subnet.Name, subnet.ProjectId, $"{subnet.Cidr} on network {subnet.NetworkId}");
        }

        if (await ports.FindAsync(id, null, cancellationToken) is { } port)
        {
            return new CentralRecord("port", port.Id, port.Name, port.ProjectId, $"network {port.NetworkId}, device {port.DeviceId}");
        }

        if (await routers.FindAsync(id, null, cancellationToken) is { } router)
        {
            return new CentralRecord("router", router.Id, router.Name, router.ProjectId, "");
        }

        if (await floatingIps.FindAsync(id, null, cancellationToken) is { } floatingIp)
        {
            return new CentralRecord("floatingip", floatingIp.Id, floatingIp.FloatingIpAddress, floatingIp.ProjectId, $"network {floatingIp.FloatingNetworkId}");
        }

        return await groups.FindTopAsync(id, cancellationToken) is { } group
            ? new CentralRecord("security_group", group.Id, group.Name, group.ProjectId, "")
            : null;
    }
}
