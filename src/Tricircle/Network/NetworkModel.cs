namespace Tricircle.Network;

// The central ("top") Neutron resources as the rest of the system sees them: what the API
// stores and answers, and what materialisation makes in a pod's Neutron. Ids are the central
// ids; a pod's copy is named after the central id (spec §6.2: crash recovery finds it by name).

/// <summary>A network's one segment: <c>local</c>, <c>flat</c>, <c>vlan</c> or <c>vxlan</c>.</summary>
internal sealed record NetworkSegment(string NetworkType, string? PhysicalNetwork, int? SegmentationId);

internal sealed record TopNetwork(
    string Id,
    string ProjectId,
    string Name,
    string Description,
    bool AdminStateUp,
    bool Shared,
    bool External,
    int Mtu,
    NetworkSegment Segment,
    IReadOnlyList<string> AvailabilityZoneHints,
    string? QosPolicyId = null);

internal sealed record AllocationPool(string Start, string End);

internal sealed record HostRoute(string Destination, string Nexthop);

internal sealed record TopSubnet(
    string Id,
    string ProjectId,
    string NetworkId,
    string Name,
    string Description,
    int IpVersion,
    string Cidr,
    string? GatewayIp,
    bool EnableDhcp,
    IReadOnlyList<AllocationPool> AllocationPools,
    IReadOnlyList<string> DnsNameservers,
    IReadOnlyList<HostRoute> HostRoutes,
    string? Ipv6RaMode,
    string? Ipv6AddressMode);

internal sealed record FixedIp(string SubnetId, string IpAddress);

internal sealed record AddressPair(string IpAddress, string? MacAddress);

internal sealed record TopPort(
    string Id,
    string ProjectId,
    string NetworkId,
    string Name,
    string Description,
    string MacAddress,
    IReadOnlyList<FixedIp> FixedIps,
    IReadOnlyList<string> SecurityGroups,
    IReadOnlyList<AddressPair> AllowedAddressPairs,
    bool PortSecurityEnabled,
    bool AdminStateUp,
    string DeviceId,
    string DeviceOwner,
    string? BindingHostId,
    string? QosPolicyId = null);

internal sealed record TopSecurityGroupRule(
    string Id,
    string SecurityGroupId,
    string ProjectId,
    string Direction,
    string Ethertype,
    string? Protocol,
    int? PortRangeMin,
    int? PortRangeMax,
    string? RemoteIpPrefix,
    string? RemoteGroupId,
    string Description);

internal sealed record TopSecurityGroup(
    string Id,
    string ProjectId,
    string Name,
    string Description,
    IReadOnlyList<TopSecurityGroupRule> Rules);

/// <summary>A QoS rule: its type's values (the others null) and direction ('' for dscp_marking).</summary>
internal sealed record TopQosRule(string Id, string Type, string Direction, long? MaxKbps, long? MaxBurstKbps, int? DscpMark, long? MinKbps, long? MinKpps);

internal sealed record TopQosPolicy(
    string Id,
    string ProjectId,
    string Name,
    string Description,
    bool Shared,
    IReadOnlyList<TopQosRule> Rules);
