using System.Text.Json.Nodes;

#pragma warning disable CA1822 // placeholder until the service emulator lands

namespace Tricircle.Emulator.Regions.Network;

/// <summary>
/// The region's Neutron: networks, subnets, ports, routers, floating IPs, security groups.
/// PLACEHOLDER: the Neutron emulator replaces this file. The members below are the contract
/// the region's Nova uses (in-process, as real Nova calls Neutron); keep their signatures.
/// </summary>
internal sealed class NeutronState(RegionContext region)
{
    public RegionContext Region { get; } = region;

    /// <summary>
    /// Nova boot with a network: creates a port on <paramref name="networkId"/> owned by
    /// <paramref name="projectId"/>, with an IP from one of its subnets, bound to the server
    /// (device_id, device_owner <c>compute:&lt;az&gt;</c>, binding:host_id), status ACTIVE.
    /// Throws <see cref="OpenStackFault"/> 404 when the network does not exist or is not visible
    /// to the project, 409 when no IP is left, 400 when the network has no subnet.
    /// </summary>
    public PortInfo CreatePortForDevice(string projectId, string networkId, string deviceId, string deviceOwner, string host, IReadOnlyList<string>? securityGroupNames, string? fixedIp) =>
        throw new NotImplementedException();

    /// <summary>Nova boot or interface attach with a port id: binds the existing port; 404 unknown, 409 when already bound to another device.</summary>
    public PortInfo BindPort(string projectId, string portId, string deviceId, string deviceOwner, string host) =>
        throw new NotImplementedException();

    /// <summary>Nova server delete or interface detach: deletes ports Nova created, unbinds ports it was given.</summary>
    public void ReleasePort(string portId, bool delete) => throw new NotImplementedException();

    public PortInfo? FindPort(string portId) => throw new NotImplementedException();

    /// <summary>The ports bound to a device (a server), in creation order.</summary>
    public IReadOnlyList<PortInfo> PortsOfDevice(string deviceId) => throw new NotImplementedException();

    /// <summary>Admin inspection: the collection (networks, subnets, ports, routers, floatingips, security_groups, security_group_rules) as the API would list it to an admin.</summary>
    public JsonArray? Inspect(string collection) => null;
}

/// <summary>A port as Nova sees it.</summary>
internal sealed record PortInfo(string Id, string NetworkId, string NetworkName, string MacAddress, IReadOnlyList<FixedIpInfo> FixedIps, string Status, string DeviceId);

internal sealed record FixedIpInfo(string SubnetId, string IpAddress, int IpVersion);
