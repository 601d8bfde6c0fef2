using System.Data.Common;
using Dapper;
using Tricircle.Data;
using Tricircle.Errors;

namespace Tricircle.Network;

/// <summary>
/// What floating IPs forbid elsewhere, as Neutron's L3 plugin does, checked in the transaction of
/// the change they guard (after its router's or port's row is held, so an association racing it
/// is either seen or waits).
/// </summary>
internal static class FloatingIpGuards
{
    /// <summary>
    /// An interface's removal: 409 RouterInterfaceInUseByFloatingIP while a floating IP of the
    /// router is associated with a fixed IP on one of <paramref name="subnetIds"/>.
    /// </summary>
    public static InTransaction InterfaceUnused(string routerId, IReadOnlyList<string> subnetIds) => async (connection, tx, cancellationToken) =>
    {
        foreach (var subnetId in subnetIds)
        {
            var used = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                """
                SELECT COUNT(*) FROM floatingips f JOIN ip_allocations a ON a.port_id = f.fixed_port_id AND a.ip_address = f.fixed_ip_address
                WHERE f.router_id = @routerId AND a.subnet_id = @subnetId
                """,
                new { routerId, subnetId },
                tx,
                cancellationToken: cancellationToken));
            if (used > 0)
            {
                throw TricircleException.Conflict(
                    $"Router interface for subnet {subnetId} on router {routerId} cannot be deleted, as it is required by one or more floating IPs.", "RouterInterfaceInUseByFloatingIP");
            }
        }
    };

    /// <summary>A gateway's removal or move to another network: 409 RouterExternalGatewayInUseByFloatingIp while floating IPs use the router.</summary>
    public static InTransaction GatewayUnused(string routerId) => (connection, tx, cancellationToken) => RequireGatewayUnusedAsync(connection, tx, routerId, cancellationToken);

    public static async Task RequireGatewayUnusedAsync(DbConnection connection, DbTransaction tx, string routerId, CancellationToken cancellationToken)
    {
        var network = await connection.QueryFirstOrDefaultAsync<string?>(new CommandDefinition(
            "SELECT floating_network_id FROM floatingips WHERE router_id = @routerId ORDER BY id LIMIT 1", new { routerId }, tx, cancellationToken: cancellationToken));
        if (network is not null)
        {
            throw TricircleException.Conflict(
                $"Gateway cannot be updated for router {routerId}, since a gateway to external network {network} is required by one or more floating IPs.",
                "RouterExternalGatewayInUseByFloatingIp");
        }
    }

    /// <summary>
    /// A change of a port's fixed IPs (Neutron's prevent_internal_ip_change_for_fip): 400 when a
    /// fixed IP that a floating IP is associated with would go.
    /// </summary>
    public static async Task RequireFixedIpsKeptAsync(DbConnection connection, DbTransaction tx, string portId, IReadOnlyList<FixedIp> fixedIps, CancellationToken cancellationToken)
    {
        var associated = await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT fixed_ip_address FROM floatingips WHERE fixed_port_id = @portId", new { portId }, tx, cancellationToken: cancellationToken));
        if (associated.Any(ip => !fixedIps.Any(f => f.IpAddress == ip)))
        {
            throw TricircleException.Invalid(
                $"Bad port request: Cannot update the fixed_ips of the port {portId}, because its original fixed_ip has been associated to a floating ip.", "BadRequest");
        }
    }
}
