using System.Data.Common;
using System.Text.Json.Nodes;
using Dapper;
using Tricircle.Data;
using Tricircle.Errors;
using Tricircle.Identity;

namespace Tricircle.Network;

/// <summary>A row of <c>address_scopes</c> (Neutron's address scopes carry no standard attributes).</summary>
internal sealed class AddressScopeRow
{
    public string Id { get; set; } = "";

    public string ProjectId { get; set; } = "";

    public string Name { get; set; } = "";

    public bool Shared { get; set; }

    public int IpVersion { get; set; }

    public JsonObject ToView() => new()
    {
        ["id"] = Id,
        ["name"] = Name,
        ["tenant_id"] = ProjectId,
        ["project_id"] = ProjectId,
        ["shared"] = Shared,
        ["ip_version"] = IpVersion,
    };
}

/// <summary>The central address scopes (the one writer of <c>address_scopes</c>).</summary>
internal sealed class AddressScopeStore(Database database)
{
    private const string Columns = "a.id, a.project_id, a.name, a.shared, a.ip_version";

    public static readonly NeutronListSchema Schema = new NeutronListSchema("Address scope", "address_scopes a", "a.id")
        .Attribute("id", "a.id")
        .Attribute("name", "a.name")
        .Attribute("project_id", "a.project_id")
        .Attribute("tenant_id", "a.project_id")
        .Attribute("shared", "a.shared", NeutronValueKind.Bool)
        .Attribute("ip_version", "a.ip_version", NeutronValueKind.Int);

    /// <summary>Neutron's <c>get_address_scope</c>: admin, owner, or a shared scope.</summary>
    public static string Visible(RequestContext? caller, NeutronSql sql, string alias = "a") =>
        caller is null || caller.IsAdmin ? "1=1" : $"({alias}.project_id = {sql.Param(caller.ProjectId)} OR {alias}.shared)";

    public static async Task<AddressScopeRow?> FindAsync(DbConnection connection, DbTransaction? tx, string id, RequestContext? caller, CancellationToken cancellationToken, bool forUpdate = false)
    {
        var sql = new NeutronSql();
        return await connection.QueryFirstOrDefaultAsync<AddressScopeRow>(new CommandDefinition(
            $"SELECT {Columns} FROM address_scopes a WHERE a.id = {sql.Param(id)} AND {Visible(caller, sql)}{(forUpdate ? SubnetPoolStore.ForUpdate(connection) : "")}",
            sql.Parameters,
            tx,
            cancellationToken: cancellationToken));
    }

    /// <summary>A scope the caller may see, or Neutron's 404.</summary>
    public async Task<AddressScopeRow> GetAsync(string id, RequestContext caller, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await FindAsync(connection, null, id, caller, cancellationToken) ?? throw NotFound(id);
    }

    public static TricircleException NotFound(string id) => TricircleException.NotFound($"Address scope {id} could not be found.", "AddressScopeNotFound");

    public async Task<List<AddressScopeRow>> ListAsync(NeutronQuery query, RequestContext caller, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var sql = new NeutronSql();
        return await query.ListAsync<AddressScopeRow>(connection, Schema, Columns, Visible(caller, sql), sql, cancellationToken);
    }

    public async Task<AddressScopeRow> CreateAsync(AddressScopeRow row, CancellationToken cancellationToken)
    {
        row.Id = Guid.NewGuid().ToString();
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO address_scopes (id, project_id, name, shared, ip_version) VALUES (@Id, @ProjectId, @Name, @Shared, @IpVersion)", row, cancellationToken: cancellationToken));
        return row;
    }

    /// <summary>Neutron's update: a shared scope is never unshared (AddressScopeUpdateError).</summary>
    public async Task<AddressScopeRow> UpdateAsync(string id, string? name, bool? shared, RequestContext caller, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        var row = await FindAsync(connection, tx, id, caller, cancellationToken, forUpdate: true) ?? throw NotFound(id);
        Owner(row, caller, "update");
        if (row.Shared && shared == false)
        {
            throw TricircleException.Invalid($"Unable to update address scope {id} : Shared address scope can't be unshared.", "AddressScopeUpdateError");
        }

        row.Name = name ?? row.Name;
        row.Shared = shared ?? row.Shared;
        await connection.ExecuteAsync(new CommandDefinition("UPDATE address_scopes SET name = @Name, shared = @Shared WHERE id = @Id", row, tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return row;
    }

    /// <summary>Neutron's delete: 409 AddressScopeInUse while a subnet pool is in it.</summary>
    public async Task DeleteAsync(string id, RequestContext caller, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        var row = await FindAsync(connection, tx, id, caller, cancellationToken, forUpdate: true) ?? throw NotFound(id);
        Owner(row, caller, "delete");
        if (await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM subnetpools WHERE address_scope_id = @id", new { id }, tx, cancellationToken: cancellationToken)) > 0)
        {
            throw TricircleException.Conflict($"Unable to complete operation on address scope {id}. There are one or more subnet pools in use on the address scope.", "AddressScopeInUse");
        }

        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM address_scopes WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>Neutron's admin_or_owner for changes: 403 for a scope the caller only sees (shared).</summary>
    public static void Owner(AddressScopeRow row, RequestContext caller, string action)
    {
        if (!caller.IsAdmin && row.ProjectId != caller.ProjectId)
        {
            throw NeutronErrors.PolicyDenied($"{action}_address_scope");
        }
    }
}
