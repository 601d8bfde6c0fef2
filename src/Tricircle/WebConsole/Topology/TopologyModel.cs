namespace Tricircle.WebConsole.Topology;

/// <summary>What a network is for: a tenant's, a project's bridge between its routers' pods, or an external one.</summary>
internal enum NetworkKind
{
    Tenant,
    Bridge,
    External,
}

/// <summary>How a router reaches a network: a subnet interface, its bridge port, or its external gateway.</summary>
internal enum RouterLinkKind
{
    Interface,
    Bridge,
    Gateway,
}

/// <summary>One pod as the picture shows it (the central pod is not one of them), in the state the pods page gives it (<see cref="PodOverview"/>), and why when not up.</summary>
internal sealed record TopologyPod(string Id, string Name, string AvailabilityZone, PodState State, string? Reason);

/// <summary>A central resource's copy in one pod: the routing row (no bottom id while it is being made).</summary>
internal sealed record TopologyCopy(string PodId, string PodName, string? BottomId);

internal sealed record TopologySubnet(string Id, string Name, string Cidr);

internal sealed record TopologyNetwork(
    string Id,
    string ProjectId,
    string Name,
    NetworkKind Kind,
    bool Shared,
    string SegmentType,
    string? PhysicalNetwork,
    int? SegmentationId,
    IReadOnlyList<TopologySubnet> Subnets,
    IReadOnlyList<TopologyCopy> Copies)
{
    /// <summary>The segment as an operator writes it: <c>vlan 101 (physnet1)</c>, <c>vxlan 1001</c>, <c>flat (physnet1)</c>.</summary>
    public string Segment =>
        SegmentType + (SegmentationId is { } id ? " " + id.ToString(System.Globalization.CultureInfo.InvariantCulture) : "") + (PhysicalNetwork is { Length: > 0 } physnet ? $" ({physnet})" : "");
}

internal sealed record TopologyRouterLink(RouterLinkKind Kind, string NetworkId, string? SubnetId, string? IpAddress, string PortId);

internal sealed record TopologyRouter(string Id, string ProjectId, string Name, string Status, IReadOnlyList<TopologyRouterLink> Links, IReadOnlyList<TopologyCopy> Copies);

/// <summary>A server in its pod; its name from the pod when the last look at the pods found it, else null.</summary>
internal sealed record TopologyServer(string Id, string ProjectId, string? Name, TopologyCopy Copy, IReadOnlyList<string> NetworkIds);

internal sealed record TopologyVolume(string Id, string ProjectId, TopologyCopy Copy);

internal sealed record TopologyFloatingIp(
    string Id, string ProjectId, string Address, string NetworkId, string? PortId, string? FixedIpAddress, string? ServerId, string? RouterId, string Status, IReadOnlyList<TopologyCopy> Copies);

/// <summary>Everything the picture draws, for one project or (null) all of them, as read at <see cref="ReadAt"/>.</summary>
internal sealed record TopologyModel(
    string? ProjectId,
    IReadOnlyList<TopologyPod> Pods,
    IReadOnlyList<TopologyNetwork> Networks,
    IReadOnlyList<TopologyRouter> Routers,
    IReadOnlyList<TopologyServer> Servers,
    IReadOnlyList<TopologyVolume> Volumes,
    IReadOnlyList<TopologyFloatingIp> FloatingIps,
    DateTimeOffset ReadAt);
