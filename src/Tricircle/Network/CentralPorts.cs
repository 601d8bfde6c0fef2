using Tricircle.Hosting;
using Tricircle.Identity;

namespace Tricircle.Network;

/// <summary>
/// What the compute gateway asks of the central Neutron about a server's networks: reading
/// networks and ports as the caller may see them, making and binding the server's central ports,
/// and gathering what a port needs in a pod (<see cref="PortMaterial"/>).
/// <para>
/// The central stores (branch net-core: networks, subnets, ports, IPAM; branch net-sg: security
/// groups) are not merged yet: until they are, every network is unknown, so a boot on one is
/// refused exactly as before. Each method's body becomes a call into those stores.
/// </para>
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "Instance methods once they call the central stores (net-core, net-sg).")]
internal sealed class CentralPorts
{
    private static ApiException Missing(string what) =>
        ApiException.BadRequest($"{what} could not be found: this build's central Neutron keeps no networks yet. Boot with networks \"none\".");

    /// <summary>The network if the caller may use it (own, shared, or any for an admin).</summary>
    public Task<TopNetwork?> FindNetworkAsync(string networkId, RequestContext caller, CancellationToken cancellationToken)
    {
        _ = (networkId, caller, cancellationToken);
        return Task.FromResult<TopNetwork?>(null);
    }

    /// <summary>The networks <c>auto</c> may choose from: the project's own and the shared ones.</summary>
    public Task<IReadOnlyList<TopNetwork>> UsableNetworksAsync(RequestContext caller, CancellationToken cancellationToken)
    {
        _ = (caller, cancellationToken);
        return Task.FromResult<IReadOnlyList<TopNetwork>>([]);
    }

    /// <summary>The port if the caller may use it.</summary>
    public Task<TopPort?> FindPortAsync(string portId, RequestContext caller, CancellationToken cancellationToken)
    {
        _ = (portId, caller, cancellationToken);
        return Task.FromResult<TopPort?>(null);
    }

    /// <summary>A new central port on the network for a server (IP and MAC allocated centrally), in the named groups or the project's default.</summary>
    public Task<TopPort> CreateServerPortAsync(TopNetwork network, string? fixedIp, IReadOnlyList<string> securityGroupNames, string deviceOwner, RequestContext caller, CancellationToken cancellationToken)
    {
        _ = (fixedIp, securityGroupNames, deviceOwner, caller, cancellationToken);
        throw Missing($"Network {network.Id}");
    }

    /// <summary>What the port needs in a pod: its network, subnets with their DHCP ports (allocated when missing), groups and the project's CIDRs.</summary>
    public Task<PortMaterial> MaterialAsync(TopPort port, TopNetwork network, CancellationToken cancellationToken)
    {
        _ = (network, cancellationToken);
        throw Missing($"Port {port.Id}");
    }

    /// <summary>Shows the port as bound to the server (Neutron's view once Nova has it).</summary>
    public Task BindAsync(string portId, string serverId, string deviceOwner, string host, CancellationToken cancellationToken)
    {
        _ = (portId, serverId, deviceOwner, host, cancellationToken);
        return Task.CompletedTask;
    }

    /// <summary>Clears the port's device and binding (a port the user made, left when its server goes).</summary>
    public Task UnbindAsync(string portId, CancellationToken cancellationToken)
    {
        _ = (portId, cancellationToken);
        return Task.CompletedTask;
    }

    /// <summary>Deletes a port Tricircle made for a server (its IP and MAC are free again).</summary>
    public Task DeletePortAsync(string portId, CancellationToken cancellationToken)
    {
        _ = (portId, cancellationToken);
        return Task.CompletedTask;
    }

    /// <summary>Central network names by id, for those of <paramref name="networkIds"/> that exist.</summary>
    public Task<IReadOnlyDictionary<string, string>> NetworkNamesAsync(IReadOnlyCollection<string> networkIds, CancellationToken cancellationToken)
    {
        _ = (networkIds, cancellationToken);
        return Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string>());
    }
}
