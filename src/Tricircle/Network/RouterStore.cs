using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Tricircle.Data;
using Tricircle.Errors;
using Tricircle.Identity;
using Tricircle.Quotas;

namespace Tricircle.Network;

/// <summary>A row of <c>routers</c>.</summary>
internal sealed class RouterRow
{
    public string Id { get; set; } = "";

    public string ProjectId { get; set; } = "";

    public string Name { get; set; } = "";

    public string Description { get; set; } = "";

    public bool AdminStateUp { get; set; } = true;

    public string Status { get; set; } = "ACTIVE";

    public string? GwNetworkId { get; set; }

    public string? GwPortId { get; set; }

    public bool EnableSnat { get; set; } = true;

    public string AvailabilityZoneHints { get; set; } = "[]";

    public string Routes { get; set; } = "[]";

    public bool Distributed { get; set; }

    public bool Ha { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public int RevisionNumber { get; set; } = 1;

    public List<string> Hints() => JsonSerializer.Deserialize<List<string>>(AvailabilityZoneHints) ?? [];

    public List<HostRoute> RouteList() => JsonSerializer.Deserialize<List<HostRoute>>(Routes) ?? [];

    /// <summary>
    /// Neutron's view. <c>availability_zones</c> is where the router is served: the AZs of the pods
    /// holding a copy of it; <c>distributed</c> and <c>ha</c> are an admin's (Neutron's default policy).
    /// </summary>
    public JsonObject ToView(bool admin, PortRow? gateway, IReadOnlyList<string> tags, IReadOnlyList<string> zones)
    {
        var view = new JsonObject
        {
            ["id"] = Id,
            ["name"] = Name,
            ["description"] = Description,
            ["admin_state_up"] = AdminStateUp,
            ["status"] = Status,
            ["external_gateway_info"] = GwNetworkId is null ? null : new JsonObject
            {
                ["network_id"] = GwNetworkId,
                ["enable_snat"] = EnableSnat,
                ["external_fixed_ips"] = new JsonArray([.. (gateway?.FixedIps ?? []).Select(f => (JsonNode)new JsonObject { ["subnet_id"] = f.SubnetId, ["ip_address"] = f.IpAddress })]),
            },
            ["routes"] = new JsonArray([.. RouteList().Select(r => (JsonNode)new JsonObject { ["destination"] = r.Destination, ["nexthop"] = r.Nexthop })]),
            ["availability_zone_hints"] = new JsonArray([.. Hints().Select(h => (JsonNode)h)]),
            ["availability_zones"] = new JsonArray([.. zones.Select(z => (JsonNode)z)]),
        };
        if (admin)
        {
            view["distributed"] = Distributed;
            view["ha"] = Ha;
        }

        NeutronBody.AddStandard(view, ProjectId, CreatedAt, UpdatedAt, RevisionNumber, tags);
        return view;
    }
}

/// <summary>
/// The central routers (the only writer of <c>routers</c>). Their interface and gateway ports
/// are <see cref="PortStore"/>'s; a change of either runs in that port's transaction with the
/// router's row held (<see cref="Touch"/>), so two changes of one router go one at a time.
/// </summary>
internal sealed class RouterStore(Database database, NetworkQuotas quotas, TimeProvider timeProvider)
{
    public const string Columns =
        "r.id, r.project_id, r.name, r.description, r.admin_state_up, r.status, r.gw_network_id, r.gw_port_id, r.enable_snat, r.availability_zone_hints, r.routes, " +
        "r.distributed, r.ha, r.created_at, r.updated_at, r.revision_number";

    public static readonly NeutronListSchema Schema = new NeutronListSchema("Router", "routers r", "r.id")
        .Attribute("id", "r.id")
        .Attribute("name", "r.name")
        .Attribute("description", "r.description")
        .Attribute("project_id", "r.project_id")
        .Attribute("tenant_id", "r.project_id")
        .Attribute("admin_state_up", "r.admin_state_up", NeutronValueKind.Bool)
        .Attribute("status", "r.status")
        .Attribute("revision_number", "r.revision_number", NeutronValueKind.Int)
        .Attribute("created_at", "r.created_at")
        .Attribute("updated_at", "r.updated_at")
        .TagFilters("routers");

    /// <summary>A member's routers are its project's; an admin sees all (Neutron's default policy).</summary>
    public static string Visible(RequestContext? caller, NeutronSql sql) =>
        caller is null || caller.IsAdmin ? "1=1" : $"r.project_id = {sql.Param(caller.ProjectId)}";

    public async Task<RouterRow?> FindAsync(string id, RequestContext? caller, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await FindAsync(connection, null, id, caller, cancellationToken);
    }

    private static Task<RouterRow?> FindAsync(DbConnection connection, DbTransaction? tx, string id, RequestContext? caller, CancellationToken cancellationToken)
    {
        var sql = new NeutronSql();
        return connection.QueryFirstOrDefaultAsync<RouterRow>(new CommandDefinition(
            $"SELECT {Columns} FROM routers r WHERE r.id = {sql.Param(id)} AND {Visible(caller, sql)}", sql.Parameters, tx, cancellationToken: cancellationToken));
    }

    /// <summary>A router the caller may see, or Neutron's 404 (another project's router is not there for a member).</summary>
    public async Task<RouterRow> GetAsync(string id, RequestContext? caller, CancellationToken cancellationToken) =>
        await FindAsync(id, caller, cancellationToken) ?? throw NeutronErrors.NotFound("Router", id);

    public async Task<(List<RouterRow> Rows, Dictionary<string, PortRow> Gateways, Dictionary<string, List<string>> Tags, Dictionary<string, List<string>> Zones)> ListAsync(
        NeutronQuery query, RequestContext caller, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var sql = new NeutronSql();
        var rows = await query.ListAsync<RouterRow>(connection, Schema, Columns, Visible(caller, sql), sql, cancellationToken);
        var ids = rows.Select(r => r.Id).ToList();
        var gateways = (await PortStore.OfDeviceAsync(connection, null, ids, PortStore.RouterGatewayOwner, cancellationToken)).ToDictionary(p => p.DeviceId, StringComparer.Ordinal);
        return (rows, gateways, await NeutronTags.LoadAsync(connection, "routers", ids, cancellationToken), await NetworkStore.ZonesAsync(connection, "router", ids, cancellationToken));
    }

    public async Task<JsonObject> ViewAsync(RouterRow router, bool admin, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var gateway = (await PortStore.OfDeviceAsync(connection, null, [router.Id], PortStore.RouterGatewayOwner, cancellationToken)).FirstOrDefault();
        var zones = await NetworkStore.ZonesAsync(connection, "router", [router.Id], cancellationToken);
        return router.ToView(admin, gateway, (await NeutronTags.LoadAsync(connection, "routers", [router.Id], cancellationToken))[router.Id], zones[router.Id]);
    }

    /// <summary>A router's interface ports (oldest first) with their fixed IPs.</summary>
    public async Task<List<PortRow>> InterfacesAsync(string routerId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await PortStore.OfDeviceAsync(connection, null, [routerId], PortStore.RouterInterfaceOwner, cancellationToken);
    }

    /// <summary>All a router's ports, interfaces and gateway (what its routes' next hops may be on; not its bridge ports, which are Tricircle's).</summary>
    public async Task<List<PortRow>> PortsAsync(string routerId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return [.. (await PortStore.OfDeviceAsync(connection, null, [routerId], null, cancellationToken)).Where(p => p.DeviceOwner != BridgeNetworks.BridgePortOwner)];
    }

    /// <summary>Inserts a new router within the project's <c>router</c> quota (409 OverQuota, counted in the insert's transaction).</summary>
    public async Task<RouterRow> CreateAsync(RouterRow row, IReadOnlyList<string> tags, InTransaction? also, CancellationToken cancellationToken)
    {
        var now = DbTime.Now(timeProvider);
        row.Id = Guid.NewGuid().ToString();
        row.CreatedAt = now;
        row.UpdatedAt = now;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        await quotas.EnsureWithinAsync(connection, tx, row.ProjectId, QuotaResources.Router, 1, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO routers (id, project_id, name, description, admin_state_up, status, gw_network_id, gw_port_id, enable_snat, availability_zone_hints, routes,
                                 distributed, ha, created_at, updated_at, revision_number)
            VALUES (@Id, @ProjectId, @Name, @Description, @AdminStateUp, @Status, NULL, NULL, @EnableSnat, @AvailabilityZoneHints, @Routes,
                    @Distributed, @Ha, @CreatedAt, @UpdatedAt, 1)
            """,
            row,
            tx,
            cancellationToken: cancellationToken));
        await NeutronTags.ReplaceAsync(connection, tx, "routers", row.Id, tags, cancellationToken);
        await (also?.Invoke(connection, tx, cancellationToken) ?? Task.CompletedTask);
        await tx.CommitAsync(cancellationToken);
        return row;
    }

    /// <summary>Writes a router's plain attributes (name, description, admin state, routes, SNAT), counting a revision.</summary>
    public async Task<RouterRow> UpdateAsync(RouterRow row, InTransaction? also, CancellationToken cancellationToken)
    {
        row.UpdatedAt = DbTime.Now(timeProvider);
        row.RevisionNumber++;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        if (await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE routers SET name = @Name, description = @Description, admin_state_up = @AdminStateUp, routes = @Routes, enable_snat = @EnableSnat,
                updated_at = @UpdatedAt, revision_number = revision_number + 1
            WHERE id = @Id
            """,
            row,
            tx,
            cancellationToken: cancellationToken)) == 0)
        {
            throw NeutronErrors.NotFound("Router", row.Id);
        }

        await (also?.Invoke(connection, tx, cancellationToken) ?? Task.CompletedTask);
        await tx.CommitAsync(cancellationToken);
        return row;
    }

    /// <summary>In a gateway port's transaction: the router's gateway is now that port on that network (or none), counting a revision.</summary>
    public InTransaction SetGateway(RouterRow row, string? networkId, string? portId) => async (connection, tx, cancellationToken) =>
    {
        row.GwNetworkId = networkId;
        row.GwPortId = portId;
        row.UpdatedAt = DbTime.Now(timeProvider);
        row.RevisionNumber++;
        if (await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE routers SET gw_network_id = @GwNetworkId, gw_port_id = @GwPortId, enable_snat = @EnableSnat, updated_at = @UpdatedAt, revision_number = revision_number + 1
            WHERE id = @Id
            """,
            row,
            tx,
            cancellationToken: cancellationToken)) == 0)
        {
            throw NeutronErrors.NotFound("Router", row.Id);
        }
    };

    /// <summary>
    /// In an interface port's transaction: holds the router's row (a concurrent delete waits and
    /// then sees the port, or went first and the router is gone: 404) and counts a revision.
    /// </summary>
    public InTransaction Touch(string routerId) => async (connection, tx, cancellationToken) =>
    {
        if (await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE routers SET updated_at = @now, revision_number = revision_number + 1 WHERE id = @routerId",
            new { routerId, now = DbTime.Now(timeProvider) },
            tx,
            cancellationToken: cancellationToken)) == 0)
        {
            throw NeutronErrors.NotFound("Router", routerId);
        }
    };

    /// <summary>
    /// In the gateway port's delete transaction (or alone when there is none): deletes the router,
    /// 409 RouterInUse while interfaces are on it, 409 RouterExternalGatewayInUseByFloatingIp while
    /// floating IPs use it (read after its row is held, so an interface or an association being
    /// added is seen or waits).
    /// </summary>
    public static InTransaction Delete(string routerId) => async (connection, tx, cancellationToken) =>
    {
        await connection.ExecuteAsync(new CommandDefinition("UPDATE routers SET updated_at = updated_at WHERE id = @routerId", new { routerId }, tx, cancellationToken: cancellationToken));
        if ((await PortStore.OfDeviceAsync(connection, tx, [routerId], PortStore.RouterInterfaceOwner, cancellationToken)).Count > 0)
        {
            throw TricircleException.Conflict($"Router {routerId} still has ports", "RouterInUse");
        }

        // As Neutron's delete_router (its gateway goes): not while floating IPs use it.
        await FloatingIpGuards.RequireGatewayUnusedAsync(connection, tx, routerId, cancellationToken);

        await NeutronTags.RemoveAsync(connection, tx, "routers", routerId, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM routers WHERE id = @routerId", new { routerId }, tx, cancellationToken: cancellationToken));
    };

    /// <summary>Deletes a router without a gateway port (see <see cref="Delete"/>).</summary>
    public async Task DeleteAsync(string routerId, InTransaction? also, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        await Delete(routerId).Then(also)(connection, tx, cancellationToken);
        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>The routers (id, project) with an interface on any of the networks.</summary>
    public async Task<IReadOnlyList<(string Id, string ProjectId)>> OnNetworksAsync(IReadOnlyCollection<string> networkIds, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await OnNetworksAsync(connection, null, networkIds, cancellationToken);
    }

    /// <summary>The routers (id, project) with an interface on any of the networks, in the caller's transaction.</summary>
    public static async Task<IReadOnlyList<(string Id, string ProjectId)>> OnNetworksAsync(DbConnection connection, DbTransaction? tx, IReadOnlyCollection<string> networkIds, CancellationToken cancellationToken)
    {
        if (networkIds.Count == 0)
        {
            return [];
        }

        var sql = new NeutronSql();
        return [.. await connection.QueryAsync<(string, string)>(new CommandDefinition(
            $"SELECT DISTINCT r.id, r.project_id FROM routers r JOIN ports p ON p.device_id = r.id WHERE p.device_owner = {sql.Param(PortStore.RouterInterfaceOwner)} AND {sql.In("p.network_id", networkIds)}",
            sql.Parameters,
            tx,
            cancellationToken: cancellationToken))];
    }

    /// <summary>A tag change counts as a revision of the router (in the tag change's transaction).</summary>
    public static Task CountRevisionAsync(DbConnection connection, DbTransaction tx, string id, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("UPDATE routers SET revision_number = revision_number + 1 WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken));
}
