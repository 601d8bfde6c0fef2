using System.Data.Common;
using System.Text.Json.Nodes;
using Dapper;
using Tricircle.Data;
using Tricircle.Errors;
using Tricircle.Identity;
using Tricircle.Quotas;

namespace Tricircle.Network;

/// <summary>
/// The central floating IPs (the only writer of <c>floatingips</c>). A floating IP's address is a
/// central port on its external network (<see cref="PortStore.FloatingIpOwner"/>, device_id the
/// floating IP's id, no project, as Neutron's), made and deleted in one transaction with the row.
/// Every change takes an <see cref="InTransaction"/> that runs in its transaction (the pod side's
/// jobs: <see cref="FloatingIpCopies"/>).
/// </summary>
internal sealed class FloatingIpStore(Database database, PortStore ports, NetworkQuotas quotas, TimeProvider timeProvider)
{
    /// <summary>A new floating IP's status (Neutron's L3 plugin: DOWN until its router has it).</summary>
    public const string Down = "DOWN";

    public const string Columns =
        "f.id, f.project_id, f.floating_network_id, f.floating_ip_address, f.floating_port_id, f.fixed_port_id, f.fixed_ip_address, f.router_id, " +
        "f.status, f.description, f.created_at, f.updated_at, f.revision_number";

    // neutron-lib's l3 attribute map: port_id filters but does not sort.
    public static readonly NeutronListSchema Schema = new NeutronListSchema("Floating IP", "floatingips f", "f.id")
        .Attribute("id", "f.id")
        .Attribute("floating_ip_address", "f.floating_ip_address")
        .Attribute("floating_network_id", "f.floating_network_id")
        .Attribute("router_id", "f.router_id", sortExpression: "COALESCE(f.router_id, '')")
        .Attribute("port_id", "f.fixed_port_id", sortable: false)
        .Attribute("fixed_ip_address", "f.fixed_ip_address", sortExpression: "COALESCE(f.fixed_ip_address, '')")
        .Attribute("project_id", "f.project_id")
        .Attribute("tenant_id", "f.project_id")
        .Attribute("status", "f.status")
        .Attribute("description", "f.description")
        .Attribute("revision_number", "f.revision_number", NeutronValueKind.Int)
        .Attribute("created_at", "f.created_at")
        .Attribute("updated_at", "f.updated_at")
        .TagFilters("floatingips");

    /// <summary>A member's floating IPs are its project's; an admin sees all (Neutron's default policy).</summary>
    public static string Visible(RequestContext? caller, NeutronSql sql) =>
        caller is null || caller.IsAdmin ? "1=1" : $"f.project_id = {sql.Param(caller.ProjectId)}";

    /// <summary>Neutron's 404 (its message has no full stop).</summary>
    public static TricircleException NotFound(string id) => TricircleException.NotFound($"Floating IP {id} could not be found", "FloatingIPNotFound");

    /// <summary>A floating IP the caller may see (<paramref name="caller"/> null: any).</summary>
    public async Task<FloatingIpRow?> FindAsync(string id, RequestContext? caller, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await FindAsync(connection, null, id, caller, cancellationToken);
    }

    public async Task<FloatingIpRow> GetAsync(string id, RequestContext? caller, CancellationToken cancellationToken) =>
        await FindAsync(id, caller, cancellationToken) ?? throw NotFound(id);

    private static Task<FloatingIpRow?> FindAsync(DbConnection connection, DbTransaction? tx, string id, RequestContext? caller, CancellationToken cancellationToken)
    {
        var sql = new NeutronSql();
        return connection.QueryFirstOrDefaultAsync<FloatingIpRow>(new CommandDefinition(
            $"SELECT {Columns} FROM floatingips f WHERE f.id = {sql.Param(id)} AND {Visible(caller, sql)}", sql.Parameters, tx, cancellationToken: cancellationToken));
    }

    public async Task<(List<FloatingIpRow> Rows, Dictionary<string, FloatingIpPort> Ports, Dictionary<string, List<string>> Tags)> ListAsync(
        NeutronQuery query, RequestContext caller, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var sql = new NeutronSql();
        var rows = await query.ListAsync<FloatingIpRow>(connection, Schema, Columns, Visible(caller, sql), sql, cancellationToken);
        var associated = await PortsAsync(connection, [.. rows.Select(r => r.FixedPortId).OfType<string>()], cancellationToken);
        return (rows, associated, await NeutronTags.LoadAsync(connection, "floatingips", [.. rows.Select(r => r.Id)], cancellationToken));
    }

    public async Task<JsonObject> ViewAsync(FloatingIpRow fip, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var port = fip.FixedPortId is { } portId ? (await PortsAsync(connection, [portId], cancellationToken)).GetValueOrDefault(portId) : null;
        return fip.ToView(port, (await NeutronTags.LoadAsync(connection, "floatingips", [fip.Id], cancellationToken))[fip.Id]);
    }

    /// <summary>The associated ports, by id, as port_details shows them.</summary>
    private static async Task<Dictionary<string, FloatingIpPort>> PortsAsync(DbConnection connection, IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, FloatingIpPort>(StringComparer.Ordinal);
        foreach (var chunk in ids.Distinct(StringComparer.Ordinal).Chunk(NeutronSql.InChunk))
        {
            var sql = new NeutronSql();
            foreach (var port in await connection.QueryAsync<FloatingIpPort>(new CommandDefinition(
                $"SELECT id, name, network_id, mac_address, admin_state_up, status, device_id, device_owner FROM ports WHERE {sql.In("id", chunk)}", sql.Parameters, cancellationToken: cancellationToken)))
            {
                result[port.Id] = port;
            }
        }

        return result;
    }

    /// <summary>
    /// Makes a floating IP: its address (the asked subnet or address, else the first IPv4 subnet
    /// of the external network with room), its row and its association, within the project's
    /// <c>floatingip</c> quota, in one transaction with <paramref name="also"/>.
    /// </summary>
    public async Task<FloatingIpRow> CreateAsync(FloatingIpCreate create, RequestContext caller, Func<string, InTransaction>? also, CancellationToken cancellationToken)
    {
        List<SubnetRow> ipv4;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            var network = await NetworkStore.FindAsync(connection, null, create.NetworkId, caller, cancellationToken) ?? throw NeutronErrors.NotFound("Network", create.NetworkId);
            if (!network.RouterExternal)
            {
                throw FloatingIpAssociations.Bad($"Network {network.Id} is not a valid external network");
            }

            ipv4 = [.. (await SubnetStore.OfNetworkAsync(connection, null, network.Id, cancellationToken)).Where(s => s.IpVersion == 4)];
            if (ipv4.Count == 0)
            {
                throw FloatingIpAssociations.Bad($"Network {network.Id} does not contain any IPv4 subnet");
            }
        }

        var now = DbTime.Now(timeProvider);
        var row = new FloatingIpRow
        {
            Id = Guid.NewGuid().ToString(),
            ProjectId = create.ProjectId,
            FloatingNetworkId = create.NetworkId,
            Description = create.Description,
            CreatedAt = now,
            UpdatedAt = now,
        };

        // Only IPv4 subnets unless asked otherwise: a floating IP uses one IPv4 address, and the
        // port's other addresses would be taken for nothing.
        var choices = create.SubnetId is not null || create.FloatingIpAddress is not null
            ? [[new FixedIpRequest(create.SubnetId, create.FloatingIpAddress)]]
            : ipv4.Select(s => (IReadOnlyList<FixedIpRequest>)[new FixedIpRequest(s.Id, null)]).ToList();
        for (var i = 0; ; i++)
        {
            var port = new PortRow
            {
                ProjectId = "",
                NetworkId = create.NetworkId,
                DeviceId = row.Id,
                DeviceOwner = PortStore.FloatingIpOwner,
                PortSecurityEnabled = false,
                Status = "N/A",
            };
            try
            {
                await ports.CreateServicePortAsync(
                    port,
                    choices[i],
                    (connection, tx, ct) => quotas.EnsureWithinAsync(connection, tx, create.ProjectId, QuotaResources.Floatingip, 1, ct),
                    (connection, tx, ct) => InsertAsync(connection, tx, row, port, create, caller, also, ct),
                    cancellationToken);
                return row;
            }
            catch (TricircleException e) when (e.Type == "IpAddressGenerationFailure" && i + 1 < choices.Count)
            {
                // That subnet is full: the next one.
            }
        }
    }

    /// <summary>In the floating port's transaction: the address, the association and the row.</summary>
    private static async Task InsertAsync(
        DbConnection connection, DbTransaction tx, FloatingIpRow row, PortRow port, FloatingIpCreate create, RequestContext caller, Func<string, InTransaction>? also, CancellationToken cancellationToken)
    {
        row.FloatingPortId = port.Id;
        row.FloatingIpAddress = port.FixedIps.FirstOrDefault(f => Ipam.TryParseAddress(f.IpAddress, out _, out var v) && v == 4)?.IpAddress
            ?? throw TricircleException.Invalid($"Unable to find any IP address on external network {create.NetworkId}.", "ExternalIpAddressExhausted");
        var association = await FloatingIpAssociations.DecideAsync(
            connection, tx, row, new FloatingIpChange(create.PortId is not null, create.PortId, create.FixedIpAddress, null), caller, cancellationToken);
        Associate(row, association);
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO floatingips (id, project_id, floating_network_id, floating_ip_address, floating_port_id, fixed_port_id, fixed_ip_address, router_id,
                                     status, description, created_at, updated_at, revision_number)
            VALUES (@Id, @ProjectId, @FloatingNetworkId, @FloatingIpAddress, @FloatingPortId, @FixedPortId, @FixedIpAddress, @RouterId,
                    @Status, @Description, @CreatedAt, @UpdatedAt, 1)
            ON CONFLICT DO NOTHING
            """,
            row,
            tx,
            cancellationToken: cancellationToken));
        if (inserted == 0)
        {
            throw FloatingIpAssociations.AlreadyAssociated(row, association!); // the unique key: another one took that fixed IP meanwhile
        }

        await NeutronTags.ReplaceAsync(connection, tx, "floatingips", row.Id, create.Tags, cancellationToken);
        await (also?.Invoke(row.Id)(connection, tx, cancellationToken) ?? Task.CompletedTask);
    }

    /// <summary>Changes a floating IP's association and description (Neutron's update_floatingip), counting a revision.</summary>
    public async Task<FloatingIpRow> UpdateAsync(string id, FloatingIpChange change, RequestContext caller, InTransaction? also, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);

        // Held first, so two changes of one floating IP take turns and each decides from what the other left.
        await connection.ExecuteAsync(new CommandDefinition("UPDATE floatingips SET updated_at = updated_at WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken));
        var row = await FindAsync(connection, tx, id, caller, cancellationToken) ?? throw NotFound(id);
        var association = await FloatingIpAssociations.DecideAsync(connection, tx, row, change, caller, cancellationToken);
        Associate(row, association);
        row.Description = change.Description ?? row.Description;
        row.UpdatedAt = DbTime.Now(timeProvider);
        row.RevisionNumber++;
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE floatingips SET fixed_port_id = @FixedPortId, fixed_ip_address = @FixedIpAddress, router_id = @RouterId, description = @Description,
                    updated_at = @UpdatedAt, revision_number = revision_number + 1
                WHERE id = @Id
                """,
                row,
                tx,
                cancellationToken: cancellationToken));
        }
        catch (DbException e) when (Database.IsUniqueViolation(e) && association is not null)
        {
            throw FloatingIpAssociations.AlreadyAssociated(row, association);
        }

        await (also?.Invoke(connection, tx, cancellationToken) ?? Task.CompletedTask);
        await tx.CommitAsync(cancellationToken);
        return row;
    }

    private static void Associate(FloatingIpRow row, FloatingIpAssociation? association)
    {
        row.FixedPortId = association?.PortId;
        row.FixedIpAddress = association?.FixedIpAddress;
        row.RouterId = association?.RouterId;
    }

    /// <summary>Deletes a floating IP with its port (its address is free again), in one transaction with <paramref name="also"/>.</summary>
    public Task DeleteAsync(FloatingIpRow fip, InTransaction? also, CancellationToken cancellationToken) =>
        ports.DeleteAsync(
            fip.FloatingPortId,
            async (connection, tx, ct) =>
            {
                if (await connection.ExecuteAsync(new CommandDefinition("DELETE FROM floatingips WHERE id = @Id", fip, tx, cancellationToken: ct)) == 0)
                {
                    throw NotFound(fip.Id); // a delete at the same moment went first
                }

                await NeutronTags.RemoveAsync(connection, tx, "floatingips", fip.Id, ct);
                await (also?.Invoke(connection, tx, ct) ?? Task.CompletedTask);
            },
            cancellationToken);

    /// <summary>
    /// Before an external network's delete, as Neutron's <c>delete_disassociated_floatingips</c>:
    /// the caller's floating IPs on it that have no port go (<paramref name="also"/>: for each, in
    /// its transaction). Unlike Neutron, only when nothing else holds the network, so a delete
    /// refused as NetworkInUse (a router's gateway, an associated floating IP) loses none of them.
    /// </summary>
    public async Task DeleteDisassociatedAsync(string networkId, RequestContext caller, Func<string, InTransaction>? also, CancellationToken cancellationToken)
    {
        List<FloatingIpRow> unused;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            var sql = new NeutronSql();
            unused = [.. await connection.QueryAsync<FloatingIpRow>(new CommandDefinition(
                $"SELECT {Columns} FROM floatingips f WHERE f.floating_network_id = {sql.Param(networkId)} AND f.fixed_port_id IS NULL AND {Visible(caller, sql)}",
                sql.Parameters,
                cancellationToken: cancellationToken))];
            var held = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM ports WHERE network_id = @networkId AND device_owner <> @dhcp", new { networkId, dhcp = PortStore.DhcpOwner }, cancellationToken: cancellationToken));
            if (unused.Count == 0 || held > unused.Count)
            {
                return;
            }
        }

        foreach (var fip in unused)
        {
            try
            {
                await DeleteAsync(fip, also?.Invoke(fip.Id), cancellationToken);
            }
            catch (TricircleException e) when (e.Kind == ErrorKind.NotFound)
            {
                // Deleted meanwhile by its owner.
            }
        }
    }

    /// <summary>Whether a floating IP of another project than <paramref name="projectId"/> is associated with the port.</summary>
    public async Task<bool> AssociatedByOtherProjectAsync(string portId, string projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM floatingips WHERE fixed_port_id = @portId AND project_id <> @projectId", new { portId, projectId }, cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>The floating IPs associated through a router (what its copy in the external network's pod carries).</summary>
    public async Task<IReadOnlyList<FloatingIpRow>> OfRouterAsync(string routerId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<FloatingIpRow>(new CommandDefinition(
            $"SELECT {Columns} FROM floatingips f WHERE f.router_id = @routerId ORDER BY f.id", new { routerId }, cancellationToken: cancellationToken))];
    }

    /// <summary>The floating IPs on any of the ports.</summary>
    public async Task<IReadOnlyList<FloatingIpRow>> OnPortsAsync(IReadOnlyCollection<string> portIds, CancellationToken cancellationToken)
    {
        if (portIds.Count == 0)
        {
            return [];
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var sql = new NeutronSql();
        return [.. await connection.QueryAsync<FloatingIpRow>(new CommandDefinition(
            $"SELECT {Columns} FROM floatingips f WHERE {sql.In("f.fixed_port_id", portIds)}", sql.Parameters, cancellationToken: cancellationToken))];
    }

    /// <summary>For the pod side: sets a floating IP's status (a change counts a revision); false when it is gone.</summary>
    public async Task<bool> SetStatusAsync(string id, string status, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE floatingips SET status = @status, updated_at = @now, revision_number = revision_number + 1 WHERE id = @id AND status <> @status",
            new { id, status, now = DbTime.Now(timeProvider) },
            cancellationToken: cancellationToken));
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM floatingips WHERE id = @id", new { id }, cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>
    /// In a port's delete transaction, as Neutron's <c>disassociate_floatingips</c>: the floating IPs
    /// on the port lose their association (their ids returned). Those on it now first, then the
    /// port's row is held and those an association made meanwhile follow (PostgreSQL): the
    /// association holds the port's row after its floating IP's, so this order never waits in a
    /// circle, and no floating IP is left naming a deleted port.
    /// </summary>
    public static async Task<IReadOnlyList<string>> DisassociatePortAsync(DbConnection connection, DbTransaction tx, string portId, DateTime now, CancellationToken cancellationToken)
    {
        var ids = await DisassociateAsync(connection, tx, portId, now, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("UPDATE ports SET updated_at = updated_at WHERE id = @portId", new { portId }, tx, cancellationToken: cancellationToken));
        return [.. ids, .. await DisassociateAsync(connection, tx, portId, now, cancellationToken)];
    }

    private static async Task<List<string>> DisassociateAsync(DbConnection connection, DbTransaction tx, string portId, DateTime now, CancellationToken cancellationToken)
    {
        var ids = (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT id FROM floatingips WHERE fixed_port_id = @portId", new { portId }, tx, cancellationToken: cancellationToken))).ToList();
        if (ids.Count > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE floatingips SET fixed_port_id = NULL, fixed_ip_address = NULL, router_id = NULL, updated_at = @now, revision_number = revision_number + 1
                WHERE fixed_port_id = @portId
                """,
                new { portId, now },
                tx,
                cancellationToken: cancellationToken));
        }

        return ids;
    }

    /// <summary>A tag change counts as a revision of the floating IP (in the tag change's transaction).</summary>
    public static Task CountRevisionAsync(DbConnection connection, DbTransaction tx, string id, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("UPDATE floatingips SET revision_number = revision_number + 1 WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken));
}
