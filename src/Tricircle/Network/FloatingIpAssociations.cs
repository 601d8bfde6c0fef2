using System.Data.Common;
using Dapper;
using Tricircle.Errors;
using Tricircle.Identity;

namespace Tricircle.Network;

/// <summary>A floating IP's association: the internal port, the fixed IP on it and the router that serves it.</summary>
internal sealed record FloatingIpAssociation(string PortId, string FixedIpAddress, string RouterId);

/// <summary>
/// Neutron's association rules (l3_db's <c>_check_and_get_fip_assoc</c>,
/// <c>_internal_fip_assoc_data</c> and <c>get_router_for_floatingip</c>), read in the floating
/// IP's write transaction with the port's and the router's rows held: a port delete, an interface
/// removal or a gateway change racing the association either waits for it and then sees the
/// floating IP, or went first and the association sees what it left.
/// </summary>
internal static class FloatingIpAssociations
{
    /// <summary>The association a create or an update ends with (null: none).</summary>
    public static async Task<FloatingIpAssociation?> DecideAsync(
        DbConnection connection, DbTransaction tx, FloatingIpRow fip, FloatingIpChange change, RequestContext caller, CancellationToken cancellationToken)
    {
        if (change.FixedIpAddress is not null && change.PortId is null)
        {
            throw Bad("fixed_ip_address cannot be specified without a port_id");
        }

        if (change.PortId is { } portId)
        {
            var association = await ResolveAsync(connection, tx, fip, portId, change.FixedIpAddress, caller, cancellationToken);
            await RequireFreeAsync(connection, tx, fip, association, cancellationToken);
            return association;
        }

        if (!change.PortGiven && fip.FixedPortId is { } current)
        {
            // Neutron checks the kept association again (its bug 1610045). With the fixed IP it
            // has, and as an admin would see the port: unlike Neutron, a port with several IPv4
            // addresses, or one an admin chose in another project, does not make a change of
            // the description fail.
            return await ResolveAsync(connection, tx, fip, current, fip.FixedIpAddress, null, cancellationToken);
        }

        return null;
    }

    /// <summary>The port's fixed IP and the router for it; <paramref name="caller"/> null checks as an admin.</summary>
    private static async Task<FloatingIpAssociation> ResolveAsync(
        DbConnection connection, DbTransaction tx, FloatingIpRow fip, string portId, string? fixedIp, RequestContext? caller, CancellationToken cancellationToken)
    {
        // Held until commit: a delete of the port waits, then disassociates what this wrote.
        await connection.ExecuteAsync(new CommandDefinition("UPDATE ports SET updated_at = updated_at WHERE id = @portId", new { portId }, tx, cancellationToken: cancellationToken));
        var port = await PortStore.FindAsync(connection, tx, portId, caller, cancellationToken) ?? throw NeutronErrors.NotFound("Port", portId);
        if (caller is { IsAdmin: false } && port.ProjectId != fip.ProjectId)
        {
            throw Bad($"Cannot process floating IP association with Port {portId}, since that port is owned by a different project");
        }

        if (port.DeviceOwner == PortStore.DhcpOwner)
        {
            // Neutron's message forgets to name the port ("Port %(id)s ..."); this one names it.
            throw Bad($"Port {portId} is unable to be assigned a floating IP");
        }

        var fixedIpOnPort = FixedIpOf(port, fixedIp);
        var routerId = await RouterForAsync(connection, tx, port, fixedIpOnPort.SubnetId, fip.FloatingNetworkId, cancellationToken);
        return new FloatingIpAssociation(port.Id, fixedIpOnPort.IpAddress, routerId);
    }

    /// <summary>The asked fixed IP of the port, or its only IPv4 address.</summary>
    private static FixedIp FixedIpOf(PortRow port, string? fixedIp)
    {
        if (fixedIp is not null)
        {
            if (!Ipam.TryParseAddress(fixedIp, out _, out var version) || version != 4)
            {
                throw Bad($"Cannot process floating IP association with {fixedIp}, since that is not an IPv4 address");
            }

            var wanted = Ipam.Canonical(fixedIp);
            return port.FixedIps.FirstOrDefault(f => f.IpAddress == wanted) ?? throw Bad($"Port {port.Id} does not have fixed ip {fixedIp}");
        }

        var ipv4 = port.FixedIps.Where(f => Ipam.TryParseAddress(f.IpAddress, out _, out var v) && v == 4).ToList();
        return ipv4.Count switch
        {
            0 => throw Bad($"Cannot add floating IP to port {port.Id} that has no fixed IPv4 addresses"),
            1 => ipv4[0],
            _ => throw Bad($"Port {port.Id} has multiple fixed IPv4 addresses.  Must provide a specific IPv4 address when assigning a floating IP"),
        };
    }

    /// <summary>
    /// Any router with its gateway on the external network and an interface on the fixed IP's
    /// subnet (whoever owns it, as Neutron); the one whose interface holds the subnet's gateway IP
    /// first. Its row is held, then the choice read again: an interface or gateway removed while
    /// this waited for the row is seen.
    /// </summary>
    private static async Task<string> RouterForAsync(DbConnection connection, DbTransaction tx, PortRow port, string subnetId, string externalNetworkId, CancellationToken cancellationToken)
    {
        var gatewayIp = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT gateway_ip FROM subnets WHERE id = @subnetId", new { subnetId }, tx, cancellationToken: cancellationToken));
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var candidates = await CandidatesAsync(connection, tx, port.NetworkId, subnetId, externalNetworkId, cancellationToken);
            if (candidates.Count == 0)
            {
                break;
            }

            var chosen = candidates.FirstOrDefault(c => c.InterfaceIp == gatewayIp).RouterId ?? candidates[0].RouterId;
            await connection.ExecuteAsync(new CommandDefinition("UPDATE routers SET updated_at = updated_at WHERE id = @chosen", new { chosen }, tx, cancellationToken: cancellationToken));
            if ((await CandidatesAsync(connection, tx, port.NetworkId, subnetId, externalNetworkId, cancellationToken)).Any(c => c.RouterId == chosen))
            {
                return chosen;
            }
        }

        throw TricircleException.NotFound(
            $"External network {externalNetworkId} is not reachable from subnet {subnetId}.  Therefore, cannot associate Port {port.Id} with a Floating IP.",
            "ExternalGatewayForFloatingIPNotFound");
    }

    private static async Task<List<(string RouterId, string InterfaceIp)>> CandidatesAsync(
        DbConnection connection, DbTransaction tx, string networkId, string subnetId, string externalNetworkId, CancellationToken cancellationToken) =>
        [.. await connection.QueryAsync<(string, string)>(new CommandDefinition(
            """
            SELECT r.id, a.ip_address FROM routers r
            JOIN ports i ON i.device_id = r.id AND i.device_owner = @owner AND i.network_id = @networkId
            JOIN ip_allocations a ON a.port_id = i.id AND a.subnet_id = @subnetId
            WHERE r.gw_network_id = @externalNetworkId
            ORDER BY i.created_at, i.id
            """,
            new { owner = PortStore.RouterInterfaceOwner, networkId, subnetId, externalNetworkId },
            tx,
            cancellationToken: cancellationToken))];

    /// <summary>
    /// 409 FloatingIPPortAlreadyAssociated when another floating IP of the external network has
    /// that fixed IP (the table's unique key holds it too, for requests that race).
    /// </summary>
    private static async Task RequireFreeAsync(DbConnection connection, DbTransaction tx, FloatingIpRow fip, FloatingIpAssociation association, CancellationToken cancellationToken)
    {
        var taken = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM floatingips WHERE floating_network_id = @network AND fixed_port_id = @port AND fixed_ip_address = @ip AND id <> @id",
            new { network = fip.FloatingNetworkId, port = association.PortId, ip = association.FixedIpAddress, id = fip.Id },
            tx,
            cancellationToken: cancellationToken));
        if (taken > 0)
        {
            throw AlreadyAssociated(fip, association);
        }
    }

    public static TricircleException AlreadyAssociated(FloatingIpRow fip, FloatingIpAssociation association) =>
        TricircleException.Conflict(
            $"Cannot associate floating IP {fip.FloatingIpAddress} ({fip.Id}) with port {association.PortId} using fixed IP {association.FixedIpAddress}, " +
            $"as that fixed IP already has a floating IP on external network {fip.FloatingNetworkId}.",
            "FloatingIPPortAlreadyAssociated");

    /// <summary>Neutron's <c>BadRequest(resource='floatingip')</c>.</summary>
    public static TricircleException Bad(string message) => TricircleException.Invalid($"Bad floatingip request: {message}.", "BadRequest");
}
