using System.Data.Common;
using System.Text.Json.Nodes;
using Dapper;
using Tricircle.Data;
using Tricircle.Errors;
using Tricircle.Identity;

namespace Tricircle.Network;

/// <summary>A row of <c>trunks</c>.</summary>
internal sealed class TrunkRow
{
    public string Id { get; set; } = "";

    public string ProjectId { get; set; } = "";

    public string Name { get; set; } = "";

    public string Description { get; set; } = "";

    public string PortId { get; set; } = "";

    public bool AdminStateUp { get; set; } = true;

    public string Status { get; set; } = TrunkStore.Down;

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public int RevisionNumber { get; set; } = 1;

    /// <summary>Neutron's view of a trunk.</summary>
    public JsonObject ToView(IReadOnlyList<Subport> subports, IReadOnlyList<string> tags)
    {
        var view = new JsonObject
        {
            ["id"] = Id,
            ["name"] = Name,
            ["description"] = Description,
            ["admin_state_up"] = AdminStateUp,
            ["status"] = Status,
            ["port_id"] = PortId,
            ["sub_ports"] = Subport.Json(subports),
        };
        NeutronBody.AddStandard(view, ProjectId, CreatedAt, UpdatedAt, RevisionNumber, tags);
        return view;
    }
}

/// <summary>A subport: a port in a trunk with its VLAN (a row of <c>trunk_subports</c>).</summary>
internal sealed record Subport(string PortId, string SegmentationType, int SegmentationId)
{
    public string TrunkId { get; init; } = "";

    public JsonObject ToJson() => new() { ["segmentation_id"] = SegmentationId, ["segmentation_type"] = SegmentationType, ["port_id"] = PortId };

    public static JsonArray Json(IEnumerable<Subport> subports) => new([.. subports.Select(s => (JsonNode)s.ToJson())]);
}

/// <summary>A subport as asked for (validated by <see cref="TrunkRules.Subports"/>; inherit resolved by the store).</summary>
internal sealed record SubportRequest(string PortId, string? SegmentationType, long? SegmentationId);

/// <summary>
/// The central trunks and their subports (the only writer of <c>trunks</c> and
/// <c>trunk_subports</c>), with the rules of Neutron's trunk plugin and its openvswitch driver
/// (neutron.services.trunk.rules): a port is in one trunk at most, a parent is not bound, a
/// subport is on no device, its network's MTU is not above the parent's, VLANs 1..4094 unique
/// per trunk. Every change takes an <see cref="InTransaction"/> (the trunk_sync jobs).
/// </summary>
internal sealed class TrunkStore(Database database, TimeProvider timeProvider)
{
    public const string Down = "DOWN";

    public const string Active = "ACTIVE";

    private const string Columns = "tr.id, tr.project_id, tr.name, tr.description, tr.port_id, tr.admin_state_up, tr.status, tr.created_at, tr.updated_at, tr.revision_number";

    // neutron-lib's trunk attribute map: status sorts but does not filter.
    public static readonly NeutronListSchema Schema = new NeutronListSchema("Trunk", "trunks tr", "tr.id")
        .Attribute("id", "tr.id")
        .Attribute("name", "tr.name")
        .Attribute("description", "tr.description")
        .Attribute("admin_state_up", "tr.admin_state_up", NeutronValueKind.Bool)
        .Attribute("port_id", "tr.port_id")
        .Attribute("status", "tr.status")
        .Attribute("project_id", "tr.project_id")
        .Attribute("tenant_id", "tr.project_id")
        .Attribute("revision_number", "tr.revision_number", NeutronValueKind.Int)
        .Attribute("created_at", "tr.created_at")
        .Attribute("updated_at", "tr.updated_at")
        .TagFilters("trunks");

    /// <summary>A member sees its project's trunks, an admin all (Zed's get_trunk: project reader).</summary>
    public static string Visible(RequestContext? caller, NeutronSql sql) =>
        caller is null || caller.IsAdmin ? "1=1" : $"tr.project_id = {sql.Param(caller.ProjectId)}";

    public static TricircleException NotFound(string id) => NeutronErrors.NotFound("Trunk", id);

    public async Task<TrunkRow?> FindAsync(string id, RequestContext? caller, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await FindAsync(connection, null, id, caller, cancellationToken);
    }

    public async Task<TrunkRow> GetAsync(string id, RequestContext? caller, CancellationToken cancellationToken) =>
        await FindAsync(id, caller, cancellationToken) ?? throw NotFound(id);

    private static Task<TrunkRow?> FindAsync(DbConnection connection, DbTransaction? tx, string id, RequestContext? caller, CancellationToken cancellationToken)
    {
        var sql = new NeutronSql();
        return connection.QueryFirstOrDefaultAsync<TrunkRow>(new CommandDefinition(
            $"SELECT {Columns} FROM trunks tr WHERE tr.id = {sql.Param(id)} AND {Visible(caller, sql)}", sql.Parameters, tx, cancellationToken: cancellationToken));
    }

    /// <summary>The trunk whose parent is the port, if any.</summary>
    public async Task<TrunkRow?> OfParentAsync(string portId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<TrunkRow>(new CommandDefinition(
            $"SELECT {Columns} FROM trunks tr WHERE tr.port_id = @portId", new { portId }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<Subport>> SubportsAsync(string trunkId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await SubportsAsync(connection, null, [trunkId], cancellationToken)).GetValueOrDefault(trunkId) ?? [];
    }

    private static async Task<Dictionary<string, List<Subport>>> SubportsAsync(DbConnection connection, DbTransaction? tx, IReadOnlyCollection<string> trunkIds, CancellationToken cancellationToken)
    {
        var result = trunkIds.Distinct(StringComparer.Ordinal).ToDictionary(t => t, _ => new List<Subport>(), StringComparer.Ordinal);
        foreach (var chunk in result.Keys.Chunk(NeutronSql.InChunk))
        {
            var sql = new NeutronSql();
            var rows = await connection.QueryAsync<(string PortId, string TrunkId, string SegmentationType, int SegmentationId)>(new CommandDefinition(
                $"SELECT port_id, trunk_id, segmentation_type, segmentation_id FROM trunk_subports WHERE {sql.In("trunk_id", chunk)} ORDER BY segmentation_type, segmentation_id",
                sql.Parameters,
                tx,
                cancellationToken: cancellationToken));
            foreach (var row in rows)
            {
                result[row.TrunkId].Add(new Subport(row.PortId, row.SegmentationType, row.SegmentationId) { TrunkId = row.TrunkId });
            }
        }

        return result;
    }

    public async Task<(List<TrunkRow> Rows, Dictionary<string, List<Subport>> Subports, Dictionary<string, List<string>> Tags)> ListAsync(
        NeutronQuery query, RequestContext caller, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var sql = new NeutronSql();
        var rows = await query.ListAsync<TrunkRow>(connection, Schema, Columns, Visible(caller, sql), sql, cancellationToken);
        var ids = rows.Select(r => r.Id).ToList();
        return (rows, await SubportsAsync(connection, null, ids, cancellationToken), await NeutronTags.LoadAsync(connection, "trunks", ids, cancellationToken));
    }

    public async Task<JsonObject> ViewAsync(TrunkRow trunk, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var subports = await SubportsAsync(connection, null, [trunk.Id], cancellationToken);
        return trunk.ToView(subports[trunk.Id], (await NeutronTags.LoadAsync(connection, "trunks", [trunk.Id], cancellationToken))[trunk.Id]);
    }

    /// <summary>trunk-details: the <c>trunk_details</c> of each of the ports that is a parent (subports with their MACs).</summary>
    public static async Task<Dictionary<string, JsonObject>> DetailsAsync(DbConnection connection, IReadOnlyCollection<string> portIds, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var chunk in portIds.Distinct(StringComparer.Ordinal).Chunk(NeutronSql.InChunk))
        {
            var sql = new NeutronSql();
            var trunks = (await connection.QueryAsync<(string Id, string PortId)>(new CommandDefinition(
                $"SELECT id, port_id FROM trunks WHERE {sql.In("port_id", chunk)}", sql.Parameters, cancellationToken: cancellationToken))).ToList();
            if (trunks.Count == 0)
            {
                continue;
            }

            var sub = new NeutronSql();
            var rows = (await connection.QueryAsync<(string TrunkId, string PortId, string SegmentationType, int SegmentationId, string MacAddress)>(new CommandDefinition(
                $"""
                SELECT s.trunk_id, s.port_id, s.segmentation_type, s.segmentation_id, p.mac_address FROM trunk_subports s JOIN ports p ON p.id = s.port_id
                WHERE {sub.In("s.trunk_id", trunks.Select(t => t.Id))} ORDER BY s.segmentation_type, s.segmentation_id
                """,
                sub.Parameters,
                cancellationToken: cancellationToken))).ToList();
            foreach (var (id, portId) in trunks)
            {
                result[portId] = new JsonObject
                {
                    ["trunk_id"] = id,
                    ["sub_ports"] = new JsonArray([.. rows.Where(r => r.TrunkId == id).Select(r => (JsonNode)new JsonObject
                    {
                        ["segmentation_id"] = r.SegmentationId,
                        ["segmentation_type"] = r.SegmentationType,
                        ["port_id"] = r.PortId,
                        ["mac_address"] = r.MacAddress,
                    })]),
                };
            }
        }

        return result;
    }

    /// <summary>Neutron's enforce_port_deletion_rules: a port in a trunk is not deleted (409 PortInUseAsSubPort / PortInUseAsTrunkParent).</summary>
    public async Task RefusePortDeleteAsync(string portId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        if (await connection.QueryFirstOrDefaultAsync<string>(new CommandDefinition(
            "SELECT trunk_id FROM trunk_subports WHERE port_id = @portId", new { portId }, cancellationToken: cancellationToken)) is { } holder)
        {
            throw TricircleException.Conflict($"Port {portId} is currently a subport for trunk {holder}.", "PortInUseAsSubPort");
        }

        if (await connection.QueryFirstOrDefaultAsync<string>(new CommandDefinition(
            "SELECT id FROM trunks WHERE port_id = @portId", new { portId }, cancellationToken: cancellationToken)) is { } trunk)
        {
            throw TricircleException.Conflict($"Port {portId} is currently a parent port for trunk {trunk}.", "PortInUseAsTrunkParent");
        }
    }

    /// <summary>Makes a trunk (Neutron's create_trunk), status DOWN, in one transaction with <paramref name="also"/>.</summary>
    public async Task<TrunkRow> CreateAsync(TrunkRow row, IReadOnlyList<SubportRequest> subports, IReadOnlyList<string> tags, RequestContext caller, InTransaction? also, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        var parent = await CheckTrunkPortAsync(connection, tx, row.PortId, caller, parent: true, cancellationToken);
        var checkedSubports = await CheckSubportsAsync(connection, tx, parent, subports, caller, cancellationToken);
        var now = DbTime.Now(timeProvider);
        row.Id = Guid.NewGuid().ToString();
        row.Status = Down;
        row.CreatedAt = now;
        row.UpdatedAt = now;
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO trunks (id, project_id, name, description, port_id, admin_state_up, status, created_at, updated_at, revision_number)
                VALUES (@Id, @ProjectId, @Name, @Description, @PortId, @AdminStateUp, @Status, @CreatedAt, @UpdatedAt, 1)
                """,
                row,
                tx,
                cancellationToken: cancellationToken));
            await InsertSubportsAsync(connection, tx, row.Id, checkedSubports, cancellationToken);
        }
        catch (DbException e) when (Database.IsUniqueViolation(e))
        {
            throw ParentInUse(row.PortId); // another trunk took the parent (or one of the ports) meanwhile
        }

        await NeutronTags.ReplaceAsync(connection, tx, "trunks", row.Id, tags, cancellationToken);
        await (also?.Invoke(connection, tx, cancellationToken) ?? Task.CompletedTask);
        await tx.CommitAsync(cancellationToken);
        return row;
    }

    /// <summary>Name, description, admin_state_up (Neutron's update_trunk: allowed while disabled), counting a revision.</summary>
    public async Task<TrunkRow> UpdateAsync(string id, string? name, string? description, bool? adminStateUp, RequestContext caller, Func<TrunkRow, InTransaction>? also, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        var row = await HoldAsync(connection, tx, id, caller, cancellationToken);
        row.Name = name ?? row.Name;
        row.Description = description ?? row.Description;
        row.AdminStateUp = adminStateUp ?? row.AdminStateUp;
        row.UpdatedAt = DbTime.Now(timeProvider);
        row.RevisionNumber++;
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE trunks SET name = @Name, description = @Description, admin_state_up = @AdminStateUp, updated_at = @UpdatedAt, revision_number = revision_number + 1 WHERE id = @Id",
            row,
            tx,
            cancellationToken: cancellationToken));
        await (also?.Invoke(row)(connection, tx, cancellationToken) ?? Task.CompletedTask);
        await tx.CommitAsync(cancellationToken);
        return row;
    }

    /// <summary>
    /// add_subports / remove_subports: refused while the trunk is disabled (TrunkDisabled), a
    /// removed port must be a subport of it (SubPortNotFound); <paramref name="check"/> runs on the
    /// added ones before they are written (the pod's rules).
    /// </summary>
    public async Task<TrunkRow> ChangeSubportsAsync(
        string id,
        IReadOnlyList<SubportRequest> subports,
        bool add,
        RequestContext caller,
        Func<TrunkRow, IReadOnlyList<Subport>, CancellationToken, Task>? check,
        Func<TrunkRow, InTransaction>? also,
        CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        var row = await HoldAsync(connection, tx, id, caller, cancellationToken);
        if (add)
        {
            var parent = await PortStore.FindAsync(connection, tx, row.PortId, null, cancellationToken) ?? throw NeutronErrors.NotFound("Port", row.PortId);
            var added = await CheckSubportsAsync(connection, tx, parent, subports, caller, cancellationToken);
            Manageable(row);
            var current = (await SubportsAsync(connection, tx, [id], cancellationToken))[id];
            if (added.FirstOrDefault(a => current.Any(c => c.SegmentationType == a.SegmentationType && c.SegmentationId == a.SegmentationId)) is { } duplicate)
            {
                throw Duplicate(duplicate, id);
            }

            await (check?.Invoke(row, added, cancellationToken) ?? Task.CompletedTask);
            await InsertSubportsAsync(connection, tx, id, added, cancellationToken);
        }
        else
        {
            Manageable(row);
            var current = (await SubportsAsync(connection, tx, [id], cancellationToken))[id];
            foreach (var sub in subports)
            {
                if (!current.Any(c => c.PortId == sub.PortId))
                {
                    throw TricircleException.NotFound($"SubPort {sub.PortId} on trunk {id} could not be found.", "SubPortNotFound");
                }

                await connection.ExecuteAsync(new CommandDefinition(
                    "DELETE FROM trunk_subports WHERE trunk_id = @id AND port_id = @portId", new { id, portId = sub.PortId }, tx, cancellationToken: cancellationToken));
            }
        }

        row.UpdatedAt = DbTime.Now(timeProvider);
        row.RevisionNumber++;
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE trunks SET updated_at = @UpdatedAt, revision_number = revision_number + 1 WHERE id = @Id", row, tx, cancellationToken: cancellationToken));
        await (also?.Invoke(row)(connection, tx, cancellationToken) ?? Task.CompletedTask);
        await tx.CommitAsync(cancellationToken);
        return row;
    }

    /// <summary>Neutron's delete_trunk: not while disabled (TrunkDisabled) nor while its parent is bound (TrunkInUse, the openvswitch driver's).</summary>
    public async Task DeleteAsync(string id, RequestContext caller, Func<TrunkRow, InTransaction>? also, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        var row = await HoldAsync(connection, tx, id, caller, cancellationToken);
        Manageable(row);
        if (await PortStore.FindAsync(connection, tx, row.PortId, null, cancellationToken) is { } parent && IsBound(parent))
        {
            throw TricircleException.Conflict($"Trunk {id} is currently in use.", "TrunkInUse");
        }

        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM trunk_subports WHERE trunk_id = @id", new { id }, tx, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM trunks WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken));
        await NeutronTags.RemoveAsync(connection, tx, "trunks", id, cancellationToken);
        await (also?.Invoke(row)(connection, tx, cancellationToken) ?? Task.CompletedTask);
        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>For the pod side: the trunk's status as its copy shows it (a change counts a revision).</summary>
    public async Task SetStatusAsync(string id, string status, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE trunks SET status = @status, updated_at = @now, revision_number = revision_number + 1 WHERE id = @id AND status <> @status",
            new { id, status, now = DbTime.Now(timeProvider) },
            cancellationToken: cancellationToken));
    }

    /// <summary>A tag change counts as a revision of the trunk.</summary>
    public static Task CountRevisionAsync(DbConnection connection, DbTransaction tx, string id, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("UPDATE trunks SET revision_number = revision_number + 1 WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken));

    /// <summary>A port a server has (its host, or a Nova owner before the host is known) is bound.</summary>
    public static bool IsBound(PortRow port) => port.BindingHostId.Length > 0 || port.DeviceOwner.StartsWith("compute:", StringComparison.Ordinal);

    // Held first, so two changes of one trunk take turns.
    private static async Task<TrunkRow> HoldAsync(DbConnection connection, DbTransaction tx, string id, RequestContext caller, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition("UPDATE trunks SET updated_at = updated_at WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken));
        return await FindAsync(connection, tx, id, caller, cancellationToken) ?? throw NotFound(id);
    }

    private static void Manageable(TrunkRow trunk)
    {
        if (!trunk.AdminStateUp)
        {
            throw TricircleException.Conflict($"Trunk {trunk.Id} is currently disabled.", "TrunkDisabled");
        }
    }

    private static TricircleException ParentInUse(string portId) =>
        TricircleException.Conflict($"Port {portId} is currently in use and is not eligible for use as a parent port.", "ParentPortInUse");

    private static TricircleException Duplicate(Subport sub, string trunkId) =>
        TricircleException.Conflict($"segmentation_type {sub.SegmentationType} and segmentation_id {sub.SegmentationId} already in use on trunk {trunkId}.", "DuplicateSubPort");

    /// <summary>rules.TrunkPortValidator: the port is in no trunk; a parent is not bound, a subport on no device.</summary>
    private static async Task<PortRow> CheckTrunkPortAsync(DbConnection connection, DbTransaction tx, string portId, RequestContext caller, bool parent, CancellationToken cancellationToken)
    {
        if (await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM trunk_subports WHERE port_id = @portId", new { portId }, tx, cancellationToken: cancellationToken)) > 0)
        {
            throw TricircleException.Conflict($"Port {portId} is in use by another trunk.", "TrunkPortInUse");
        }

        if (await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM trunks WHERE port_id = @portId", new { portId }, tx, cancellationToken: cancellationToken)) > 0)
        {
            throw ParentInUse(portId);
        }

        var port = await PortStore.FindAsync(connection, tx, portId, caller, cancellationToken) ?? throw NeutronErrors.NotFound("Port", portId);
        if (parent && IsBound(port))
        {
            throw ParentInUse(portId);
        }

        if (!parent && port.DeviceId.Length > 0)
        {
            throw TricircleException.Conflict(
                $"Unable to complete operation on port {portId} for network {port.NetworkId}. Port already has an attached device {port.DeviceId}.", "PortInUse");
        }

        return port;
    }

    /// <summary>rules.SubPortsValidator's trunk validation, in its order: the parent itself, MTU, segmentation (inherit resolved), the port free.</summary>
    private static async Task<List<Subport>> CheckSubportsAsync(
        DbConnection connection, DbTransaction tx, PortRow parent, IReadOnlyList<SubportRequest> subports, RequestContext caller, CancellationToken cancellationToken)
    {
        var parentMtu = (await NetworkStore.FindAsync(connection, tx, parent.NetworkId, null, cancellationToken))?.Mtu;
        var result = new List<Subport>();
        foreach (var sub in subports)
        {
            var port = await PortStore.FindAsync(connection, tx, sub.PortId, caller, cancellationToken);
            var network = port is null ? null : await NetworkStore.FindAsync(connection, tx, port.NetworkId, null, cancellationToken);
            var (type, segmentation) = (sub.SegmentationType, sub.SegmentationId);
            if (type == TrunkRules.Inherit && network is not null)
            {
                (type, segmentation) = (network.NetworkType, network.SegmentationId);
            }

            if (sub.PortId == parent.Id)
            {
                throw ParentInUse(sub.PortId);
            }

            if (network is not null && parentMtu is { } trunkMtu && network.Mtu > trunkMtu)
            {
                throw TricircleException.Conflict(
                    $"MTU {network.Mtu} of subport {sub.PortId} cannot be greater than MTU {trunkMtu} of trunk {parent.Id}.", "SubPortMtuGreaterThanTrunkPortMtu");
            }

            var (validType, validId) = TrunkRules.Segmentation(sub, type, segmentation);
            await CheckTrunkPortAsync(connection, tx, sub.PortId, caller, parent: false, cancellationToken);
            result.Add(new Subport(sub.PortId, validType, validId));
        }

        return result;
    }

    private static async Task InsertSubportsAsync(DbConnection connection, DbTransaction tx, string trunkId, IReadOnlyList<Subport> subports, CancellationToken cancellationToken)
    {
        foreach (var sub in subports)
        {
            var inserted = await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO trunk_subports (port_id, trunk_id, segmentation_type, segmentation_id) VALUES (@PortId, @trunkId, @SegmentationType, @SegmentationId)
                ON CONFLICT (trunk_id, segmentation_type, segmentation_id) DO NOTHING
                """,
                new { sub.PortId, trunkId, sub.SegmentationType, sub.SegmentationId },
                tx,
                cancellationToken: cancellationToken));
            if (inserted == 0)
            {
                throw Duplicate(sub, trunkId);
            }
        }
    }
}
