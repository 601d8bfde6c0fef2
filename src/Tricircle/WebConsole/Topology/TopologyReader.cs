using Dapper;
using Tricircle.Data;
using Tricircle.Network;

namespace Tricircle.WebConsole.Topology;

/// <summary>
/// Reads what the topology picture draws from Tricircle's own tables (never through the APIs, never
/// from the pods on each refresh): one query per kind of resource, joined in memory, so the cost
/// does not grow with the number of resources in round trips. Server names are the only thing the
/// pods are asked for, through <see cref="ServerNames"/> (one fan-out, cached); the pods' states are
/// the pods page's (<see cref="PodOverview"/>: its probe is shared and made at most once a refresh).
/// </summary>
internal sealed class TopologyReader(Database database, PodOverview overview, ServerNames serverNames, TimeProvider timeProvider)
{
    private static readonly string[] RoutedTypes = ["network", "router", "floatingip", "server", "volume"];

    /// <summary>The topology of <paramref name="projectId"/> (what its member may see: its own, shared and external networks, its bridge), or of every project when null.</summary>
    public async Task<TopologyModel> ReadAsync(string? projectId, CancellationToken cancellationToken)
    {
        var views = (await overview.ListAsync(cancellationToken)).Where(v => !v.Pod.IsCentral).ToList();
        var podList = views.Select(v => v.Pod).ToList();
        var podNames = podList.ToDictionary(p => p.PodId, p => p.RegionName, StringComparer.Ordinal);

        await using var connection = await database.OpenAsync(cancellationToken);
        var p = new DynamicParameters();
        if (projectId is not null)
        {
            p.Add("project", projectId);
        }

        var own = projectId is null ? "1=1" : "{0} = @project";
        string Own(string column) => string.Format(System.Globalization.CultureInfo.InvariantCulture, own, column);
        var visibleNetworks = projectId is null
            ? "1=1"
            : "(n.project_id = @project OR n.shared OR n.router_external OR n.id IN (SELECT b.network_id FROM bridge_networks b WHERE b.project_id = @project))";

        var networks = (await connection.QueryAsync<NetworkLine>(new CommandDefinition(
            "SELECT n.id, n.project_id, n.name, n.shared, n.router_external, n.network_type, n.physical_network, n.segmentation_id, " +
            "(SELECT b.project_id FROM bridge_networks b WHERE b.network_id = n.id) AS bridge_of " +
            $"FROM networks n WHERE {visibleNetworks} ORDER BY n.router_external DESC, n.name, n.id",
            p, cancellationToken: cancellationToken))).ToList();
        var subnets = await connection.QueryAsync<SubnetLine>(new CommandDefinition(
            $"SELECT s.id, s.network_id, s.name, s.cidr FROM subnets s JOIN networks n ON n.id = s.network_id WHERE {visibleNetworks} ORDER BY s.cidr",
            p, cancellationToken: cancellationToken));
        var routers = (await connection.QueryAsync<RouterLine>(new CommandDefinition(
            $"SELECT r.id, r.project_id, r.name, r.status FROM routers r WHERE {Own("r.project_id")} ORDER BY r.name, r.id",
            p, cancellationToken: cancellationToken))).ToList();
        var routerPorts = await connection.QueryAsync<RouterPortLine>(new CommandDefinition(
            "SELECT p.id, p.device_id, p.device_owner, p.network_id, a.subnet_id, a.ip_address FROM ports p " +
            "JOIN routers r ON r.id = p.device_id LEFT JOIN ip_allocations a ON a.port_id = p.id " +
            $"WHERE p.device_owner IN (@interface, @gateway, @bridge) AND {Own("r.project_id")} ORDER BY p.created_at, p.id",
            new DynamicParameters(p).With("interface", PortStore.RouterInterfaceOwner).With("gateway", PortStore.RouterGatewayOwner).With("bridge", BridgeNetworks.BridgePortOwner),
            cancellationToken: cancellationToken));
        // A network's copies are its whoever made them (a shared network's serve other projects
        // too); the rest are the project's own rows.
        var routings = await connection.QueryAsync<Routing.ResourceRouting>(new CommandDefinition(
            "SELECT rr.top_id, rr.bottom_id, rr.pod_id, rr.project_id, rr.resource_type, rr.created_at FROM resource_routings rr " +
            $"WHERE rr.resource_type IN ({string.Join(", ", RoutedTypes.Select((_, i) => "@t" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)))}) AND " +
            $"({Own("rr.project_id")} OR (rr.resource_type = 'network' AND rr.top_id IN (SELECT n.id FROM networks n WHERE {visibleNetworks}))) ORDER BY rr.id",
            RoutedTypes.Select((t, i) => (t, i)).Aggregate(new DynamicParameters(p), (d, x) => d.With("t" + x.i.ToString(System.Globalization.CultureInfo.InvariantCulture), x.t)),
            cancellationToken: cancellationToken));
        var serverPorts = await connection.QueryAsync<ServerPortLine>(new CommandDefinition(
            "SELECT sp.server_id, p.network_id FROM server_ports sp JOIN ports p ON p.id = sp.port_id " +
            $"WHERE sp.server_id IN (SELECT rr.top_id FROM resource_routings rr WHERE rr.resource_type = 'server' AND {Own("rr.project_id")}) ORDER BY p.created_at, p.id",
            p, cancellationToken: cancellationToken));
        var floatingIps = await connection.QueryAsync<FloatingIpLine>(new CommandDefinition(
            "SELECT f.id, f.project_id, f.floating_ip_address, f.floating_network_id, f.fixed_port_id, f.fixed_ip_address, f.router_id, f.status, fp.device_id AS port_device_id " +
            $"FROM floatingips f LEFT JOIN ports fp ON fp.id = f.fixed_port_id WHERE {Own("f.project_id")} ORDER BY f.floating_ip_address",
            p, cancellationToken: cancellationToken));

        var copies = routings
            .Where(r => podNames.ContainsKey(r.PodId))
            .GroupBy(r => (r.ResourceType, r.TopId))
            .ToDictionary(g => g.Key, g => (IReadOnlyList<TopologyCopy>)[.. g.Select(r => new TopologyCopy(r.PodId, podNames[r.PodId], r.BottomId)).OrderBy(c => c.PodName, StringComparer.Ordinal)]);
        IReadOnlyList<TopologyCopy> CopiesOf(string type, string id) => copies.GetValueOrDefault((type, id)) ?? [];

        var subnetsOf = subnets.ToLookup(s => s.NetworkId, StringComparer.Ordinal);
        var portsOf = routerPorts.ToLookup(r => r.DeviceId, StringComparer.Ordinal);
        var networksOfServer = serverPorts.ToLookup(s => s.ServerId, s => s.NetworkId, StringComparer.Ordinal);
        var servers = routings.Where(r => r.ResourceType == "server" && podNames.ContainsKey(r.PodId)).ToList();
        var serverPods = servers.Select(s => s.PodId).ToHashSet(StringComparer.Ordinal);
        var newest = servers.GroupBy(s => s.PodId).ToDictionary(g => g.Key, g => g.Max(s => s.CreatedAt), StringComparer.Ordinal);
        var names = await serverNames.GetAsync([.. podList.Where(pod => serverPods.Contains(pod.PodId))], newest, cancellationToken);
        var serverIds = servers.Select(s => s.TopId).ToHashSet(StringComparer.Ordinal);
        var serverOfPort = floatingIps.Where(f => f.PortDeviceId is not null && serverIds.Contains(f.PortDeviceId)).ToDictionary(f => f.Id, f => f.PortDeviceId);

        return new TopologyModel(
            projectId,
            [.. views.Select(v => new TopologyPod(v.Pod.PodId, v.Pod.RegionName, v.Pod.AzName, v.State, v.State == PodState.Up ? null : v.StateDetail))],
            [.. networks.Select(n => new TopologyNetwork(
                n.Id, n.ProjectId, n.Name, n.RouterExternal ? NetworkKind.External : n.BridgeOf is not null ? NetworkKind.Bridge : NetworkKind.Tenant, n.Shared,
                n.NetworkType, n.PhysicalNetwork, n.SegmentationId,
                [.. subnetsOf[n.Id].Select(s => new TopologySubnet(s.Id, s.Name, s.Cidr))],
                CopiesOf("network", n.Id)))],
            [.. routers.Select(r => new TopologyRouter(r.Id, r.ProjectId, r.Name, r.Status,
                [.. portsOf[r.Id].Select(l => new TopologyRouterLink(
                    l.DeviceOwner == PortStore.RouterGatewayOwner ? RouterLinkKind.Gateway : l.DeviceOwner == BridgeNetworks.BridgePortOwner ? RouterLinkKind.Bridge : RouterLinkKind.Interface,
                    l.NetworkId, l.SubnetId, l.IpAddress, l.Id))],
                CopiesOf("router", r.Id)))],
            [.. servers.Select(s => new TopologyServer(s.TopId, s.ProjectId, names.GetValueOrDefault(s.BottomId ?? s.TopId), new TopologyCopy(s.PodId, podNames[s.PodId], s.BottomId),
                [.. networksOfServer[s.TopId].Distinct(StringComparer.Ordinal)]))],
            [.. routings.Where(r => r.ResourceType == "volume" && podNames.ContainsKey(r.PodId)).Select(v => new TopologyVolume(v.TopId, v.ProjectId, new TopologyCopy(v.PodId, podNames[v.PodId], v.BottomId)))],
            [.. floatingIps.Select(f => new TopologyFloatingIp(f.Id, f.ProjectId, f.FloatingIpAddress, f.FloatingNetworkId, f.FixedPortId, f.FixedIpAddress,
                serverOfPort.GetValueOrDefault(f.Id), f.RouterId, f.Status, CopiesOf("floatingip", f.Id)))],
            timeProvider.GetUtcNow());
    }

    /// <summary>The projects that own something Tricircle keeps, for an admin's project selector (one query).</summary>
    public async Task<IReadOnlyList<string>> ProjectsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT project_id FROM networks WHERE project_id <> '' UNION SELECT project_id FROM routers UNION " +
            "SELECT project_id FROM resource_routings WHERE resource_type IN ('server', 'volume', 'network', 'router') AND project_id <> '' ORDER BY 1",
            cancellationToken: cancellationToken))];
    }

    private sealed class NetworkLine
    {
        public string Id { get; set; } = "";

        public string ProjectId { get; set; } = "";

        public string Name { get; set; } = "";

        public bool Shared { get; set; }

        public bool RouterExternal { get; set; }

        public string NetworkType { get; set; } = "";

        public string? PhysicalNetwork { get; set; }

        public int? SegmentationId { get; set; }

        public string? BridgeOf { get; set; }
    }

    private sealed class SubnetLine
    {
        public string Id { get; set; } = "";

        public string NetworkId { get; set; } = "";

        public string Name { get; set; } = "";

        public string Cidr { get; set; } = "";
    }

    private sealed class RouterLine
    {
        public string Id { get; set; } = "";

        public string ProjectId { get; set; } = "";

        public string Name { get; set; } = "";

        public string Status { get; set; } = "";
    }

    private sealed class RouterPortLine
    {
        public string Id { get; set; } = "";

        public string DeviceId { get; set; } = "";

        public string DeviceOwner { get; set; } = "";

        public string NetworkId { get; set; } = "";

        public string? SubnetId { get; set; }

        public string? IpAddress { get; set; }
    }

    private sealed class ServerPortLine
    {
        public string ServerId { get; set; } = "";

        public string NetworkId { get; set; } = "";
    }

    private sealed class FloatingIpLine
    {
        public string Id { get; set; } = "";

        public string ProjectId { get; set; } = "";

        public string FloatingIpAddress { get; set; } = "";

        public string FloatingNetworkId { get; set; } = "";

        public string? FixedPortId { get; set; }

        public string? FixedIpAddress { get; set; }

        public string? RouterId { get; set; }

        public string Status { get; set; } = "";

        public string? PortDeviceId { get; set; }
    }
}

internal static class DynamicParametersExtensions
{
    /// <summary>Adds a parameter and returns the same bag, for a query's parameters written in one expression.</summary>
    public static DynamicParameters With(this DynamicParameters parameters, string name, object? value)
    {
        parameters.Add(name, value);
        return parameters;
    }
}
