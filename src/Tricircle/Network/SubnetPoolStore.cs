using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;
using Tricircle.Data;
using Tricircle.Errors;
using Tricircle.Identity;

namespace Tricircle.Network;

/// <summary>A row of <c>subnetpools</c>; its prefixes a JSON list of compacted CIDRs.</summary>
internal sealed class SubnetPoolRow
{
    public string Id { get; set; } = "";

    public string ProjectId { get; set; } = "";

    public string Name { get; set; } = "";

    public string Description { get; set; } = "";

    public int IpVersion { get; set; }

    public string Prefixes { get; set; } = "[]";

    public int DefaultPrefixlen { get; set; }

    public int MinPrefixlen { get; set; }

    public int MaxPrefixlen { get; set; }

    public int? DefaultQuota { get; set; }

    public bool IsDefault { get; set; }

    public bool Shared { get; set; }

    public string? AddressScopeId { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public int RevisionNumber { get; set; } = 1;

    public List<string> PrefixList() => JsonSerializer.Deserialize<List<string>>(Prefixes) ?? [];

    public PrefixSet PrefixSet() => Network.PrefixSet.Of(PrefixList().Select(Ipam.ParseCidr));

    public JsonObject ToView(IReadOnlyList<string> tags)
    {
        var view = new JsonObject
        {
            ["id"] = Id,
            ["name"] = Name,
            ["description"] = Description,
            ["ip_version"] = IpVersion,
            ["prefixes"] = new JsonArray([.. PrefixList().Select(p => (JsonNode)p)]),
            ["default_prefixlen"] = DefaultPrefixlen,
            ["min_prefixlen"] = MinPrefixlen,
            ["max_prefixlen"] = MaxPrefixlen,
            ["default_quota"] = DefaultQuota,
            ["is_default"] = IsDefault,
            ["shared"] = Shared,
            ["address_scope_id"] = AddressScopeId,
        };
        NeutronBody.AddStandard(view, ProjectId, CreatedAt, UpdatedAt, RevisionNumber, tags);
        return view;
    }
}

/// <summary>
/// The central subnet pools (the one writer of <c>subnetpools</c>) and Neutron's subnet
/// allocation from them. An allocation runs in the transaction that writes the subnet, with the
/// pool's row locked (PostgreSQL's <c>FOR UPDATE</c>; SQLite's single writer), so two central
/// instances never hand out overlapping CIDRs from one pool.
/// </summary>
internal sealed class SubnetPoolStore(Database database, TimeProvider timeProvider)
{
    public const string Columns =
        "p.id, p.project_id, p.name, p.description, p.ip_version, p.prefixes, p.default_prefixlen, p.min_prefixlen, p.max_prefixlen, p.default_quota, " +
        "p.is_default, p.shared, p.address_scope_id, p.created_at, p.updated_at, p.revision_number";

    public static readonly NeutronListSchema Schema = new NeutronListSchema("Subnet pool", "subnetpools p", "p.id")
        .Attribute("id", "p.id")
        .Attribute("name", "p.name")
        .Attribute("description", "p.description")
        .Attribute("project_id", "p.project_id")
        .Attribute("tenant_id", "p.project_id")
        .Attribute("ip_version", "p.ip_version", NeutronValueKind.Int)
        .Attribute("default_prefixlen", "p.default_prefixlen", NeutronValueKind.Int)
        .Attribute("min_prefixlen", "p.min_prefixlen", NeutronValueKind.Int)
        .Attribute("max_prefixlen", "p.max_prefixlen", NeutronValueKind.Int)
        .Attribute("default_quota", "p.default_quota", NeutronValueKind.Int, sortExpression: "COALESCE(p.default_quota, -1)")
        .Attribute("is_default", "p.is_default", NeutronValueKind.Bool)
        .Attribute("shared", "p.shared", NeutronValueKind.Bool)
        .Attribute("address_scope_id", "p.address_scope_id", sortExpression: "COALESCE(p.address_scope_id, '')")
        .Attribute("revision_number", "p.revision_number", NeutronValueKind.Int)
        .Attribute("created_at", "p.created_at")
        .Attribute("updated_at", "p.updated_at")
        .TagFilters("subnetpools");

    /// <summary>Neutron's <c>get_subnetpool</c>: admin, owner, or a shared pool.</summary>
    public static string Visible(RequestContext? caller, NeutronSql sql) =>
        caller is null || caller.IsAdmin ? "1=1" : $"(p.project_id = {sql.Param(caller.ProjectId)} OR p.shared)";

    /// <summary>Locks the rows read (PostgreSQL); SQLite's write transaction already has them to itself.</summary>
    public static string ForUpdate(DbConnection connection) => Data.MeasuredConnection.Unwrap(connection) is NpgsqlConnection ? " FOR UPDATE" : "";

    public static TricircleException NotFound(string id) => TricircleException.NotFound($"Subnet pool {id} could not be found.", "SubnetPoolNotFound");

    private static async Task<SubnetPoolRow?> FindAsync(DbConnection connection, DbTransaction? tx, string id, RequestContext? caller, bool forUpdate, CancellationToken cancellationToken)
    {
        var sql = new NeutronSql();
        return await connection.QueryFirstOrDefaultAsync<SubnetPoolRow>(new CommandDefinition(
            $"SELECT {Columns} FROM subnetpools p WHERE p.id = {sql.Param(id)} AND {Visible(caller, sql)}{(forUpdate ? ForUpdate(connection) : "")}", sql.Parameters, tx, cancellationToken: cancellationToken));
    }

    /// <summary>A pool the caller may see, or Neutron's 404.</summary>
    public async Task<SubnetPoolRow> GetAsync(string id, RequestContext caller, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await FindAsync(connection, null, id, caller, false, cancellationToken) ?? throw NotFound(id);
    }

    /// <summary>The default pool of an IP version if the caller may see it (Neutron's <c>get_default_subnetpool</c> lists with the caller's context).</summary>
    public async Task<SubnetPoolRow?> DefaultAsync(int ipVersion, RequestContext caller, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var sql = new NeutronSql();
        return await connection.QueryFirstOrDefaultAsync<SubnetPoolRow>(new CommandDefinition(
            $"SELECT {Columns} FROM subnetpools p WHERE p.is_default AND p.ip_version = {sql.Param(ipVersion)} AND {Visible(caller, sql)}", sql.Parameters, cancellationToken: cancellationToken));
    }

    public async Task<(List<SubnetPoolRow> Rows, Dictionary<string, List<string>> Tags)> ListAsync(NeutronQuery query, RequestContext caller, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var sql = new NeutronSql();
        var rows = await query.ListAsync<SubnetPoolRow>(connection, Schema, Columns, Visible(caller, sql), sql, cancellationToken);
        return (rows, await NeutronTags.LoadAsync(connection, "subnetpools", [.. rows.Select(r => r.Id)], cancellationToken));
    }

    public async Task<JsonObject> ViewAsync(SubnetPoolRow pool, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return pool.ToView((await NeutronTags.LoadAsync(connection, "subnetpools", [pool.Id], cancellationToken))[pool.Id]);
    }

    public async Task<SubnetPoolRow> CreateAsync(SubnetPoolRow row, IReadOnlyList<string> tags, RequestContext caller, CancellationToken cancellationToken)
    {
        var now = DbTime.Now(timeProvider);
        row.Id = Guid.NewGuid().ToString();
        row.CreatedAt = now;
        row.UpdatedAt = now;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        await CheckDefaultAsync(connection, tx, row, cancellationToken);
        await CheckScopeAsync(connection, tx, row, caller, cancellationToken);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO subnetpools (id, project_id, name, description, ip_version, prefixes, default_prefixlen, min_prefixlen, max_prefixlen, default_quota,
                                         is_default, shared, address_scope_id, created_at, updated_at, revision_number)
                VALUES (@Id, @ProjectId, @Name, @Description, @IpVersion, @Prefixes, @DefaultPrefixlen, @MinPrefixlen, @MaxPrefixlen, @DefaultQuota,
                        @IsDefault, @Shared, @AddressScopeId, @CreatedAt, @UpdatedAt, 1)
                """,
                row,
                tx,
                cancellationToken: cancellationToken));
        }
        catch (DbException e) when (Database.IsUniqueViolation(e))
        {
            throw DefaultExists(); // a concurrent default of the same IP version won
        }

        await NeutronTags.ReplaceAsync(connection, tx, "subnetpools", row.Id, tags, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return row;
    }

    /// <summary>
    /// Changes a pool under its row lock: <paramref name="change"/> gets the current row and the
    /// CIDRs allocated from it and changes the row (its checks throw Neutron's errors).
    /// </summary>
    public async Task<SubnetPoolRow> UpdateAsync(string id, RequestContext caller, Action<SubnetPoolRow, PrefixSet> change, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        var row = await FindAsync(connection, tx, id, caller, true, cancellationToken) ?? throw NotFound(id);
        var wasDefault = row.IsDefault;
        var originalScope = row.AddressScopeId;
        change(row, await AllocatedAsync(connection, tx, id, cancellationToken));
        if (row.IsDefault && !wasDefault)
        {
            await CheckDefaultAsync(connection, tx, row, cancellationToken);
        }

        if (originalScope is not null && !caller.IsAdmin
            && await AddressScopeStore.FindAsync(connection, tx, originalScope, null, cancellationToken) is { } scope && scope.ProjectId != caller.ProjectId)
        {
            throw TricircleException.Invalid(
                $"Illegal subnetpool update : subnetpool {id} cannot be updated when associated with shared address scope {originalScope}.", "IllegalSubnetPoolUpdate");
        }

        await CheckScopeAsync(connection, tx, row, caller, cancellationToken);
        row.UpdatedAt = DbTime.Now(timeProvider);
        row.RevisionNumber++;
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE subnetpools SET name = @Name, description = @Description, prefixes = @Prefixes, default_prefixlen = @DefaultPrefixlen, min_prefixlen = @MinPrefixlen,
                    max_prefixlen = @MaxPrefixlen, default_quota = @DefaultQuota, is_default = @IsDefault, address_scope_id = @AddressScopeId, updated_at = @UpdatedAt,
                    revision_number = revision_number + 1
                WHERE id = @Id
                """,
                row,
                tx,
                cancellationToken: cancellationToken));
        }
        catch (DbException e) when (Database.IsUniqueViolation(e))
        {
            throw DefaultExists();
        }

        await tx.CommitAsync(cancellationToken);
        return row;
    }

    /// <summary>Neutron's delete: refused while subnets are allocated from the pool (<c>SubnetPoolDeleteError</c>, 400 as Zed has it).</summary>
    public async Task DeleteAsync(string id, RequestContext caller, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        var row = await FindAsync(connection, tx, id, caller, true, cancellationToken) ?? throw NotFound(id);
        Owner(row, caller, "delete");
        if (await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM subnets WHERE subnetpool_id = @id", new { id }, tx, cancellationToken: cancellationToken)) > 0)
        {
            throw TricircleException.Invalid("Unable to delete subnet pool: Subnet pool has existing allocations.", "SubnetPoolDeleteError");
        }

        await NeutronTags.RemoveAsync(connection, tx, "subnetpools", id, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM subnetpools WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>A tag change counts as a revision of the pool (in the tag change's transaction).</summary>
    public static Task CountRevisionAsync(DbConnection connection, DbTransaction tx, string id, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("UPDATE subnetpools SET revision_number = revision_number + 1 WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken));

    /// <summary>Neutron's admin_or_owner for changes: 403 for a pool the caller only sees (shared).</summary>
    public static void Owner(SubnetPoolRow row, RequestContext caller, string action)
    {
        if (!caller.IsAdmin && row.ProjectId != caller.ProjectId)
        {
            throw NeutronErrors.PolicyDenied($"{action}_subnetpool");
        }
    }

    /// <summary>
    /// Neutron's <c>SubnetAllocator</c>, in the subnet's transaction: locks the pool, checks the
    /// prefix bounds and the project's quota (in /32 or /64 units), then takes <paramref name="cidr"/>
    /// if it lies in the pool's free space, else the first free block of <paramref name="prefixlen"/>
    /// (smallest free blocks first, as Neutron).
    /// </summary>
    public static async Task<IpCidr> AllocateAsync(DbConnection connection, DbTransaction tx, string poolId, string projectId, int? prefixlen, IpCidr? cidr, CancellationToken cancellationToken)
    {
        var pool = await FindAsync(connection, tx, poolId, null, true, cancellationToken) ?? throw NotFound(poolId);
        var length = cidr?.Prefix ?? prefixlen ?? pool.DefaultPrefixlen;
        if (length > pool.MaxPrefixlen)
        {
            throw TricircleException.Invalid($"Unable to allocate subnet with prefix length {length}, maximum allowed prefix is {pool.MaxPrefixlen}.", "MaxPrefixSubnetAllocationError");
        }

        if (length < pool.MinPrefixlen)
        {
            throw TricircleException.Invalid($"Unable to allocate subnet with prefix length {length}, minimum allowed prefix is {pool.MinPrefixlen}.", "MinPrefixSubnetAllocationError");
        }

        var allocated = (await connection.QueryAsync<(string Cidr, string ProjectId)>(new CommandDefinition(
            "SELECT cidr, project_id FROM subnets WHERE subnetpool_id = @poolId", new { poolId }, tx, cancellationToken: cancellationToken))).ToList();
        if (pool.DefaultQuota is > 0 and var quota)
        {
            var unit = pool.IpVersion == 4 ? 32 : 64;
            var used = allocated.Where(a => a.ProjectId == projectId).Sum(a => Math.Pow(2, unit - Ipam.ParseCidr(a.Cidr).Prefix));
            if (used + Math.Pow(2, unit - length) > quota)
            {
                throw TricircleException.Conflict("Per-tenant subnet pool prefix quota exceeded.", "SubnetPoolQuotaExceeded");
            }
        }

        var free = pool.PrefixSet().Minus(PrefixSet.Of(allocated.Select(a => Ipam.ParseCidr(a.Cidr))));
        if (cidr is not null)
        {
            // A set holds numbers only: a CIDR of the other IP version is never in it.
            return cidr.Version == pool.IpVersion && free.Contains(cidr) ? cidr : throw AllocationError("Cannot allocate requested subnet from the available set of prefixes");
        }

        var block = free.Cidrs(pool.IpVersion).OrderByDescending(c => c.Prefix).FirstOrDefault(c => c.Prefix <= length)
            ?? throw AllocationError($"Insufficient prefix space to allocate subnet size /{length}");
        return new IpCidr(block.Network, length, pool.IpVersion);
    }

    // Neutron raises a bare NeutronException (its 500); a pool out of space is the caller's conflict with the pool's state.
    private static TricircleException AllocationError(string reason) => TricircleException.Conflict($"Failed to allocate subnet: {reason}.", "SubnetAllocationError");

    /// <summary>The CIDRs allocated from a pool (in its lock's transaction).</summary>
    private static async Task<PrefixSet> AllocatedAsync(DbConnection connection, DbTransaction tx, string poolId, CancellationToken cancellationToken) =>
        PrefixSet.Of((await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT cidr FROM subnets WHERE subnetpool_id = @poolId", new { poolId }, tx, cancellationToken: cancellationToken))).Select(Ipam.ParseCidr));

    /// <summary>The address scopes of networks, as Neutron derives them from their subnets' pools (<c>ipv4_address_scope</c>, <c>ipv6_address_scope</c>).</summary>
    public static async Task<Dictionary<string, (string? V4, string? V6)>> ScopesOfNetworksAsync(DbConnection connection, IReadOnlyCollection<string> networkIds, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, (string? V4, string? V6)>(StringComparer.Ordinal);
        if (networkIds.Count == 0)
        {
            return result;
        }

        var sql = new NeutronSql();
        foreach (var (networkId, version, scope) in await connection.QueryAsync<(string, string, string)>(new CommandDefinition(
            $"SELECT DISTINCT s.network_id, CASE WHEN p.ip_version = 4 THEN 'v4' ELSE 'v6' END, p.address_scope_id FROM subnets s JOIN subnetpools p ON p.id = s.subnetpool_id WHERE p.address_scope_id IS NOT NULL AND {sql.In("s.network_id", networkIds.Distinct())}",
            sql.Parameters,
            cancellationToken: cancellationToken)))
        {
            var current = result.GetValueOrDefault(networkId);
            result[networkId] = version == "v4" ? (scope, current.V6) : (current.V4, scope);
        }

        return result;
    }

    private static TricircleException DefaultExists() =>
        NeutronErrors.InvalidInput("A default subnetpool for this IP family has already been set. Only one default may exist per IP family");

    private static async Task CheckDefaultAsync(DbConnection connection, DbTransaction tx, SubnetPoolRow row, CancellationToken cancellationToken)
    {
        if (row.IsDefault && await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM subnetpools WHERE is_default AND ip_version = @IpVersion AND id <> @Id", row, tx, cancellationToken: cancellationToken)) > 0)
        {
            throw DefaultExists();
        }
    }

    /// <summary>
    /// Neutron's <c>_validate_address_scope_id</c>: a scope the caller may use (owner, shared,
    /// admin), of the pool's IP version, whose other pools' prefixes do not overlap the pool's.
    /// The scope's row is locked so that two pools joining it at once are checked one after the other.
    /// </summary>
    private static async Task CheckScopeAsync(DbConnection connection, DbTransaction tx, SubnetPoolRow row, RequestContext caller, CancellationToken cancellationToken)
    {
        if (row.AddressScopeId is not { } scopeId)
        {
            return;
        }

        var scope = await AddressScopeStore.FindAsync(connection, tx, scopeId, caller, cancellationToken, forUpdate: true) ?? throw AddressScopeStore.NotFound(scopeId);
        if (scope.IpVersion != row.IpVersion)
        {
            throw TricircleException.Invalid(
                $"Illegal subnetpool association: subnetpool {row.Id} cannot associate with address scope {scopeId} because subnetpool ip_version is not {scope.IpVersion}.",
                "IllegalSubnetPoolIpVersionAssociationToAddressScope");
        }

        var mine = row.PrefixSet();
        foreach (var other in await connection.QueryAsync<SubnetPoolRow>(new CommandDefinition(
            $"SELECT {Columns} FROM subnetpools p WHERE p.address_scope_id = @scopeId AND p.id <> @id", new { scopeId, id = row.Id }, tx, cancellationToken: cancellationToken)))
        {
            if (other.PrefixSet().Overlaps(mine))
            {
                throw TricircleException.Conflict("Failed to associate address scope: subnetpools within an address scope must have unique prefixes.", "AddressScopePrefixConflict");
            }
        }
    }
}
