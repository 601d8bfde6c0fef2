using System.Data.Common;
using System.Numerics;
using Dapper;
using Microsoft.Extensions.Options;
using Tricircle.Data;
using Tricircle.Errors;

namespace Tricircle.Network;

/// <summary>A project's bridge network and subnet, and the /24 it has of <c>[network] bridge_cidr</c>.</summary>
internal sealed record Bridge(string ProjectId, TopNetwork Network, TopSubnet Subnet);

/// <summary>
/// Each project's bridge (spec §6.7): a central network and subnet owned by no project (so no
/// tenant sees, counts or uses them), of <c>bridge_network_type</c>, made when one of the
/// project's routers first spans pods and removed when none does. A router's copy in a pod gets
/// a central port on it per pod (<see cref="BridgePortOwner"/>, named after the pod), whose
/// address is that copy's bridge IP: central IPAM keeps the addresses of all pods apart.
/// </summary>
internal sealed class BridgeNetworks(Database database, NetworkStore networks, SubnetStore subnets, PortStore ports, IOptions<NetworkOptions> options, TimeProvider timeProvider)
{
    /// <summary>The device_owner of a router's central bridge ports (device_id: the router).</summary>
    public const string BridgePortOwner = "network:router_bridge";

    public async Task<Bridge?> FindAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QueryFirstOrDefaultAsync<(string NetworkId, string? SubnetId)>(new CommandDefinition(
            "SELECT network_id, subnet_id FROM bridge_networks WHERE project_id = @projectId", new { projectId }, cancellationToken: cancellationToken));
        if (row.NetworkId is null || row.SubnetId is null)
        {
            return null;
        }

        var network = await networks.FindTopAsync(row.NetworkId, cancellationToken);
        var subnet = await subnets.FindTopAsync(row.SubnetId, cancellationToken);
        return network is null || subnet is null ? null : new Bridge(projectId, network, subnet);
    }

    /// <summary>The project's bridge, made when it has none (the first free /24; the unique key decides between concurrent firsts).</summary>
    public async Task<Bridge> EnsureAsync(string projectId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 8; attempt++)
        {
            if (await FindAsync(projectId, cancellationToken) is { } bridge)
            {
                return bridge;
            }

            try
            {
                await MakeAsync(projectId, cancellationToken);
            }
            catch (Exception e) when (attempt < 7 && e is DbException or TricircleException { Kind: ErrorKind.Invalid or ErrorKind.Conflict })
            {
                // Another run made the project's bridge (or its subnet: "overlaps"), or took that /24, meanwhile: look again.
                await Task.Delay(TimeSpan.FromMilliseconds(20 * (attempt + 1)), timeProvider, cancellationToken);
            }
        }

        throw TricircleException.Conflict($"The bridge network of project {projectId} could not be made.", "BridgeNetworkConflict");
    }

    private async Task MakeAsync(string projectId, CancellationToken cancellationToken)
    {
        var config = options.Value;
        await using var connection = await database.OpenAsync(cancellationToken);
        var existing = await connection.QueryFirstOrDefaultAsync<string>(new CommandDefinition(
            "SELECT network_id FROM bridge_networks WHERE project_id = @projectId", new { projectId }, cancellationToken: cancellationToken));
        string networkId;
        string cidr;
        if (existing is null)
        {
            var taken = (await connection.QueryAsync<string>(new CommandDefinition("SELECT cidr FROM bridge_networks", cancellationToken: cancellationToken))).ToHashSet(StringComparer.Ordinal);
            cidr = FreeBlock(config.BridgeCidrOrNull()!, taken) ?? throw TricircleException.Unavailable(
                $"No bridge subnet is left in [network] bridge_cidr {config.BridgeCidr} for project {projectId}.", "BridgeCidrExhausted");
            // The row goes in with the network (its id read back in that transaction): a concurrent
            // first of the same project, or of another project taking the same /24, fails its key
            // and leaves nothing.
            var name = "bridge_net_" + projectId;
            var network = await networks.CreateAsync(
                new NetworkCreate("", name, "", true, false, false, null, config.BridgeNetworkType, null, null, [], false, []),
                _ => (c, tx, ct) => c.ExecuteAsync(new CommandDefinition(
                    """
                    INSERT INTO bridge_networks (project_id, network_id, subnet_id, cidr, created_at)
                    SELECT @projectId, id, NULL, @cidr, @now FROM networks WHERE project_id = '' AND name = @name
                    """,
                    new { projectId, cidr, name, now = DbTime.Now(timeProvider) },
                    tx,
                    cancellationToken: ct)),
                cancellationToken);
            networkId = network.Id;
        }
        else
        {
            networkId = existing;
            cidr = await connection.ExecuteScalarAsync<string>(new CommandDefinition(
                "SELECT cidr FROM bridge_networks WHERE project_id = @projectId", new { projectId }, cancellationToken: cancellationToken)) ?? "";
        }

        // No gateway: the bridge is a router's gateway network in most pods, and a default route
        // there must come only from the router that has the real external gateway (an extra route).
        var parsed = Ipam.ParseCidr(cidr);
        await subnets.CreateAsync(
            new SubnetRow
            {
                ProjectId = "",
                NetworkId = networkId,
                Name = "bridge_subnet_" + projectId,
                IpVersion = 4,
                Cidr = cidr,
                GatewayIp = null,
                EnableDhcp = false,
                Pools = Ipam.DefaultPools(parsed, null),
            },
            [],
            (c, tx, ct) => c.ExecuteAsync(new CommandDefinition(
                "UPDATE bridge_networks SET subnet_id = (SELECT id FROM subnets WHERE network_id = @networkId) WHERE project_id = @projectId AND subnet_id IS NULL",
                new { networkId, projectId },
                tx,
                cancellationToken: ct)),
            cancellationToken);
    }

    /// <summary>The first /24 of <paramref name="pool"/> no project has.</summary>
    public static string? FreeBlock(IpCidr pool, IReadOnlySet<string> taken)
    {
        var blocks = BigInteger.One << (24 - pool.Prefix);
        for (var i = BigInteger.Zero; i < blocks; i++)
        {
            var cidr = new IpCidr(pool.Network + (i << 8), 24, 4).ToString();
            if (!taken.Contains(cidr))
            {
                return cidr;
            }
        }

        return null;
    }

    /// <summary>A router's bridge IPs by pod id (its central bridge ports).</summary>
    public async Task<IReadOnlyDictionary<string, PortRow>> PortsAsync(string routerId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await PortStore.OfDeviceAsync(connection, null, [routerId], BridgePortOwner, cancellationToken)).ToDictionary(p => p.Name, StringComparer.Ordinal);
    }

    /// <summary>The router's bridge port for a pod, made when missing.</summary>
    public async Task<PortRow> EnsurePortAsync(Bridge bridge, string routerId, string podId, CancellationToken cancellationToken)
    {
        if ((await PortsAsync(routerId, cancellationToken)).GetValueOrDefault(podId) is { } port)
        {
            return port;
        }

        return await ports.CreateServicePortAsync(
            new PortRow
            {
                // One per router and pod: the id says so, so two concurrent runs make one.
                Id = DerivedId(routerId, podId),
                ProjectId = "",
                NetworkId = bridge.Network.Id,
                Name = podId,
                DeviceId = routerId,
                DeviceOwner = BridgePortOwner,
                PortSecurityEnabled = false,
                Status = "ACTIVE",
            },
            [new FixedIpRequest(bridge.Subnet.Id, null)],
            null,
            cancellationToken);
    }

    /// <summary>Deletes a router's bridge ports except those of <paramref name="keepPods"/>.</summary>
    public async Task DeletePortsAsync(string routerId, IReadOnlySet<string> keepPods, CancellationToken cancellationToken)
    {
        foreach (var (podId, port) in await PortsAsync(routerId, cancellationToken))
        {
            if (!keepPods.Contains(podId))
            {
                await ports.DeleteAsync(port.Id, null, cancellationToken);
            }
        }
    }

    /// <summary>The pods where some router of the project has a bridge port (where the bridge's copy is still needed).</summary>
    public async Task<IReadOnlySet<string>> PodsInUseAsync(Bridge bridge, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT DISTINCT name FROM ports WHERE network_id = @id AND device_owner = @owner",
            new { id = bridge.Network.Id, owner = BridgePortOwner },
            cancellationToken: cancellationToken))).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Removes the project's central bridge once no router has a port on it (409 NetworkInUse otherwise, which the caller lets be).</summary>
    public Task DeleteAsync(Bridge bridge, CancellationToken cancellationToken) =>
        networks.DeleteAsync(bridge.Network.Id, keepMark: false, (c, tx, ct) => c.ExecuteAsync(new CommandDefinition(
            "DELETE FROM bridge_networks WHERE project_id = @projectId", new { projectId = bridge.ProjectId }, tx, cancellationToken: ct)), cancellationToken);

    /// <summary>A stable id for a router's bridge port in a pod (a name-based UUID, as RFC 4122 §4.3).</summary>
    public static string DerivedId(string routerId, string podId)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("bridge_port#" + routerId + "#" + podId));
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true).ToString();
    }
}
