using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Tricircle.Data;
using Tricircle.Errors;
using Tricircle.Identity;
using Tricircle.Quotas;

namespace Tricircle.Network;

/// <summary>A row of <c>subnets</c> with its pools.</summary>
internal sealed class SubnetRow
{
    public string Id { get; set; } = "";

    public string ProjectId { get; set; } = "";

    public string NetworkId { get; set; } = "";

    public string Name { get; set; } = "";

    public string Description { get; set; } = "";

    public int IpVersion { get; set; }

    public string Cidr { get; set; } = "";

    public string? GatewayIp { get; set; }

    public bool EnableDhcp { get; set; } = true;

    public string DnsNameservers { get; set; } = "[]";

    public string HostRoutes { get; set; } = "[]";

    public string? Ipv6RaMode { get; set; }

    public string? Ipv6AddressMode { get; set; }

    /// <summary>The central subnet pool its CIDR was allocated from (pods never see it).</summary>
    public string? SubnetpoolId { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public int RevisionNumber { get; set; } = 1;

    public List<AllocationPool> Pools { get; set; } = [];

    public List<string> Dns() => JsonSerializer.Deserialize<List<string>>(DnsNameservers) ?? [];

    public List<HostRoute> Routes() => JsonSerializer.Deserialize<List<HostRoute>>(HostRoutes) ?? [];

    /// <summary>Whether ports get their address from the MAC (SLAAC) rather than from the pools.</summary>
    public bool AutoAddress => IpVersion == 6 && Ipv6AddressMode is "slaac" or "dhcpv6-stateless";

    public TopSubnet ToTop() => new(Id, ProjectId, NetworkId, Name, Description, IpVersion, Cidr, GatewayIp, EnableDhcp, Pools, Dns(), Routes(), Ipv6RaMode, Ipv6AddressMode);

    public JsonObject ToView(IReadOnlyList<string> tags)
    {
        var view = new JsonObject
        {
            ["id"] = Id,
            ["name"] = Name,
            ["description"] = Description,
            ["network_id"] = NetworkId,
            ["ip_version"] = IpVersion,
            ["cidr"] = Cidr,
            ["gateway_ip"] = GatewayIp,
            ["enable_dhcp"] = EnableDhcp,
            ["allocation_pools"] = new JsonArray([.. Pools.Select(p => (JsonNode)new JsonObject { ["start"] = p.Start, ["end"] = p.End })]),
            ["dns_nameservers"] = new JsonArray([.. Dns().Select(d => (JsonNode)d)]),
            ["host_routes"] = new JsonArray([.. Routes().Select(r => (JsonNode)new JsonObject { ["destination"] = r.Destination, ["nexthop"] = r.Nexthop })]),
            ["ipv6_ra_mode"] = Ipv6RaMode,
            ["ipv6_address_mode"] = Ipv6AddressMode,
            ["subnetpool_id"] = SubnetpoolId,
            ["service_types"] = new JsonArray(),
            ["segment_id"] = null,
        };
        NeutronBody.AddStandard(view, ProjectId, CreatedAt, UpdatedAt, RevisionNumber, tags);
        return view;
    }
}

/// <summary>The central subnets; their pools in <c>subnet_allocation_pools</c>.</summary>
internal sealed class SubnetStore(Database database, NetworkQuotas quotas, DeletingMarks marks, FreeAddressHints hints, TimeProvider timeProvider)
{
    public const string Columns =
        "s.id, s.project_id, s.network_id, s.name, s.description, s.ip_version, s.cidr, s.gateway_ip, s.enable_dhcp, s.dns_nameservers, s.host_routes, " +
        "s.ipv6_ra_mode, s.ipv6_address_mode, s.subnetpool_id, s.created_at, s.updated_at, s.revision_number";

    public static readonly NeutronListSchema Schema = new NeutronListSchema("Subnet", "subnets s JOIN networks n ON n.id = s.network_id", "s.id")
        .Attribute("id", "s.id")
        .Attribute("name", "s.name")
        .Attribute("description", "s.description")
        .Attribute("project_id", "s.project_id")
        .Attribute("tenant_id", "s.project_id")
        .Attribute("network_id", "s.network_id")
        .Attribute("ip_version", "s.ip_version", NeutronValueKind.Int)
        .Attribute("cidr", "s.cidr")
        .Attribute("gateway_ip", "s.gateway_ip", sortExpression: "COALESCE(s.gateway_ip, '')")
        .Attribute("enable_dhcp", "s.enable_dhcp", NeutronValueKind.Bool)
        .Attribute("ipv6_ra_mode", "s.ipv6_ra_mode", sortExpression: "COALESCE(s.ipv6_ra_mode, '')")
        .Attribute("ipv6_address_mode", "s.ipv6_address_mode", sortExpression: "COALESCE(s.ipv6_address_mode, '')")
        .Attribute("subnetpool_id", "s.subnetpool_id", sortExpression: "COALESCE(s.subnetpool_id, '')")
        .Attribute("segment_id", "NULL", sortable: false)
        .Attribute("shared", "n.shared", NeutronValueKind.Bool, sortable: false) // Neutron's extra filter: the network's flag
        .Attribute("revision_number", "s.revision_number", NeutronValueKind.Int)
        .Attribute("created_at", "s.created_at")
        .Attribute("updated_at", "s.updated_at")
        .TagFilters("subnets");

    /// <summary>
    /// The caller's subnets and those on shared networks, as Neutron's policy has it
    /// (<c>admin_or_owner or shared</c>): an external network is listed to every project, its
    /// subnets are not unless it is also shared.
    /// </summary>
    public static string Visible(RequestContext? caller, NeutronSql sql) =>
        caller is null || caller.IsAdmin ? "1=1" : $"(s.project_id = {sql.Param(caller.ProjectId)} OR n.shared)";

    public async Task<SubnetRow?> FindAsync(string id, RequestContext? caller, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var sql = new NeutronSql();
        var row = await connection.QueryFirstOrDefaultAsync<SubnetRow>(new CommandDefinition(
            $"SELECT {Columns} FROM {Schema.From} WHERE s.id = {sql.Param(id)} AND {Visible(caller, sql)}", sql.Parameters, cancellationToken: cancellationToken));
        if (row is not null)
        {
            await LoadPoolsAsync(connection, null, [row], cancellationToken);
        }

        return row;
    }

    public async Task<SubnetRow> GetAsync(string id, RequestContext? caller, CancellationToken cancellationToken) =>
        await FindAsync(id, caller, cancellationToken) ?? throw NeutronErrors.NotFound("Subnet", id);

    /// <summary>For other parts: a central subnet by id, whoever owns it.</summary>
    public async Task<TopSubnet?> FindTopAsync(string id, CancellationToken cancellationToken) => (await FindAsync(id, null, cancellationToken))?.ToTop();

    /// <summary>For other parts: the subnets of a network, oldest first.</summary>
    public async Task<IReadOnlyList<TopSubnet>> ListTopAsync(string networkId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ListTopAsync(connection, networkId, cancellationToken);
    }

    /// <summary>As <see cref="ListTopAsync(string, CancellationToken)"/>, on the caller's connection.</summary>
    public static async Task<IReadOnlyList<TopSubnet>> ListTopAsync(DbConnection connection, string networkId, CancellationToken cancellationToken) =>
        [.. (await OfNetworkAsync(connection, null, networkId, cancellationToken)).Select(s => s.ToTop())];

    /// <summary>For an audit: the central subnets among <paramref name="ids"/> (those gone are missing), a few queries for any number.</summary>
    public async Task<IReadOnlyDictionary<string, TopSubnet>> FindTopManyAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        var rows = new List<SubnetRow>();
        await using var connection = await database.OpenAsync(cancellationToken);
        foreach (var chunk in ids.Distinct(StringComparer.Ordinal).Chunk(NeutronSql.InChunk))
        {
            var sql = new NeutronSql();
            var found = (await connection.QueryAsync<SubnetRow>(new CommandDefinition(
                $"SELECT {Columns} FROM subnets s WHERE {sql.In("s.id", chunk)}", sql.Parameters, cancellationToken: cancellationToken))).ToList();
            await LoadPoolsAsync(connection, null, found, cancellationToken);
            rows.AddRange(found);
        }

        return rows.ToDictionary(r => r.Id, r => r.ToTop(), StringComparer.Ordinal);
    }

    /// <summary><see cref="CidrsOfProjectAsync(string, CancellationToken)"/> of several projects at once (every project named has an entry).</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> CidrsOfProjectsAsync(IReadOnlyCollection<string> projectIds, CancellationToken cancellationToken)
    {
        var result = projectIds.Distinct(StringComparer.Ordinal).ToDictionary(p => p, _ => new List<string>(), StringComparer.Ordinal);
        await using var connection = await database.OpenAsync(cancellationToken);
        foreach (var chunk in result.Keys.Chunk(NeutronSql.InChunk))
        {
            var sql = new NeutronSql();
            foreach (var (projectId, cidr) in await connection.QueryAsync<(string, string)>(new CommandDefinition(
                $"SELECT project_id, cidr FROM subnets WHERE {sql.In("project_id", chunk)} ORDER BY created_at, id", sql.Parameters, cancellationToken: cancellationToken)))
            {
                result[projectId].Add(cidr);
            }
        }

        return result.ToDictionary(r => r.Key, r => (IReadOnlyList<string>)r.Value, StringComparer.Ordinal);
    }

    /// <summary>The CIDRs of the project's subnets: what a remote-group rule stands for in a pod (<see cref="PodNetworks"/>).</summary>
    public async Task<IReadOnlyList<string>> CidrsOfProjectAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await CidrsOfProjectAsync(connection, projectId, cancellationToken);
    }

    /// <summary>As <see cref="CidrsOfProjectAsync(string, CancellationToken)"/>, on the caller's connection.</summary>
    public static async Task<IReadOnlyList<string>> CidrsOfProjectAsync(DbConnection connection, string projectId, CancellationToken cancellationToken) =>
        [.. await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT cidr FROM subnets WHERE project_id = @projectId ORDER BY created_at, id", new { projectId }, cancellationToken: cancellationToken))];

    public static async Task<List<SubnetRow>> OfNetworkAsync(DbConnection connection, DbTransaction? tx, string networkId, CancellationToken cancellationToken)
    {
        var rows = (await connection.QueryAsync<SubnetRow>(new CommandDefinition(
            $"SELECT {Columns} FROM subnets s WHERE s.network_id = @networkId ORDER BY s.created_at, s.id", new { networkId }, tx, cancellationToken: cancellationToken))).ToList();
        await LoadPoolsAsync(connection, tx, rows, cancellationToken);
        return rows;
    }

    public async Task<(List<SubnetRow> Rows, Dictionary<string, List<string>> Tags)> ListAsync(NeutronQuery query, RequestContext caller, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var sql = new NeutronSql();
        var rows = await query.ListAsync<SubnetRow>(connection, Schema, Columns, Visible(caller, sql), sql, cancellationToken);
        await LoadPoolsAsync(connection, null, rows, cancellationToken);
        return (rows, await NeutronTags.LoadAsync(connection, "subnets", [.. rows.Select(r => r.Id)], cancellationToken));
    }

    public async Task<JsonObject> ViewAsync(SubnetRow subnet, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return subnet.ToView((await NeutronTags.LoadAsync(connection, "subnets", [subnet.Id], cancellationToken))[subnet.Id]);
    }

    private static async Task LoadPoolsAsync(DbConnection connection, DbTransaction? tx, List<SubnetRow> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var sql = new NeutronSql();
        var byId = rows.ToDictionary(r => r.Id);
        foreach (var (subnetId, first, last) in await connection.QueryAsync<(string, string, string)>(new CommandDefinition(
            $"SELECT subnet_id, first_ip, last_ip FROM subnet_allocation_pools WHERE {sql.In("subnet_id", byId.Keys)} ORDER BY subnet_id, position", sql.Parameters, tx, cancellationToken: cancellationToken)))
        {
            byId[subnetId].Pools.Add(new AllocationPool(first, last));
        }
    }

    /// <summary>Creates a subnet; 400 if its CIDR overlaps another subnet of the network.</summary>
    public Task<SubnetRow> CreateAsync(SubnetRow row, IReadOnlyList<string> tags, InTransaction? also, CancellationToken cancellationToken) =>
        CreateAsync(row, tags, null, also, cancellationToken);

    /// <summary>
    /// Creates a subnet; <paramref name="allocate"/>, when given, sets its CIDR (and what follows
    /// from it) from a subnet pool in this transaction, after the network's lock (see
    /// <see cref="SubnetPoolStore.AllocateAsync"/>). 400 if the CIDR overlaps another subnet of the
    /// network, or if the network's subnets of its IP version come from another pool.
    /// </summary>
    public async Task<SubnetRow> CreateAsync(SubnetRow row, IReadOnlyList<string> tags, InTransaction? allocate, InTransaction? also, CancellationToken cancellationToken)
    {
        var now = DbTime.Now(timeProvider);
        row.Id = Guid.NewGuid().ToString();
        row.CreatedAt = now;
        row.UpdatedAt = now;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        await quotas.EnsureWithinAsync(connection, tx, row.ProjectId, QuotaResources.Subnet, 1, cancellationToken);

        // Serialises subnet creation per network on PostgreSQL (SQLite's write lock does already).
        await NetworkStore.HoldAsync(connection, tx, row.NetworkId, cancellationToken);
        await (allocate?.Invoke(connection, tx, cancellationToken) ?? Task.CompletedTask);
        var cidr = Ipam.ParseCidr(row.Cidr);
        foreach (var other in await OfNetworkAsync(connection, tx, row.NetworkId, cancellationToken))
        {
            if (other.IpVersion == row.IpVersion && other.SubnetpoolId != row.SubnetpoolId)
            {
                throw TricircleException.Invalid("Subnets hosted on the same network must be allocated from the same subnet pool.", "NetworkSubnetPoolAffinityError");
            }

            if (Ipam.ParseCidr(other.Cidr).Overlaps(cidr))
            {
                throw NeutronErrors.InvalidInput($"Requested subnet with cidr: {row.Cidr} for network: {row.NetworkId} overlaps with another subnet");
            }
        }

        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO subnets (id, project_id, network_id, name, description, ip_version, cidr, gateway_ip, enable_dhcp, dns_nameservers, host_routes,
                                 ipv6_ra_mode, ipv6_address_mode, subnetpool_id, created_at, updated_at, revision_number)
            VALUES (@Id, @ProjectId, @NetworkId, @Name, @Description, @IpVersion, @Cidr, @GatewayIp, @EnableDhcp, @DnsNameservers, @HostRoutes,
                    @Ipv6RaMode, @Ipv6AddressMode, @SubnetpoolId, @CreatedAt, @UpdatedAt, 1)
            """,
            row,
            tx,
            cancellationToken: cancellationToken));
        await WritePoolsAsync(connection, tx, row, cancellationToken);
        await NeutronTags.ReplaceAsync(connection, tx, "subnets", row.Id, tags, cancellationToken);
        await NetworkStore.CountRevisionAsync(connection, tx, row.NetworkId, cancellationToken); // its subnets changed, as Neutron counts it
        await (also?.Invoke(connection, tx, cancellationToken) ?? Task.CompletedTask);
        await tx.CommitAsync(cancellationToken);
        return row;
    }

    public async Task<SubnetRow> UpdateAsync(SubnetRow row, bool poolsChanged, InTransaction? also, CancellationToken cancellationToken)
    {
        row.UpdatedAt = DbTime.Now(timeProvider);
        row.RevisionNumber++;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        await RequireGatewayFreeAsync(connection, tx, row, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE subnets SET name = @Name, description = @Description, gateway_ip = @GatewayIp, enable_dhcp = @EnableDhcp, dns_nameservers = @DnsNameservers,
                host_routes = @HostRoutes, updated_at = @UpdatedAt, revision_number = revision_number + 1
            WHERE id = @Id
            """,
            row,
            tx,
            cancellationToken: cancellationToken));
        if (poolsChanged)
        {
            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM subnet_allocation_pools WHERE subnet_id = @Id", row, tx, cancellationToken: cancellationToken));
            await WritePoolsAsync(connection, tx, row, cancellationToken);
        }

        await (also?.Invoke(connection, tx, cancellationToken) ?? Task.CompletedTask);
        await tx.CommitAsync(cancellationToken);
        return row;
    }

    /// <summary>
    /// Neutron's <c>GatewayIpInUse</c> (409): a subnet's gateway IP does not move while a router's
    /// interface holds it (read in the update's transaction, after the write lock).
    /// </summary>
    private static async Task RequireGatewayFreeAsync(DbConnection connection, DbTransaction tx, SubnetRow row, CancellationToken cancellationToken)
    {
        var current = await connection.ExecuteScalarAsync<string?>(new CommandDefinition("SELECT gateway_ip FROM subnets WHERE id = @Id", row, tx, cancellationToken: cancellationToken));
        if (current is null || (row.GatewayIp is not null && Ipam.Canonical(row.GatewayIp) == Ipam.Canonical(current)))
        {
            return;
        }

        var holder = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT p.id FROM ports p JOIN ip_allocations a ON a.port_id = p.id WHERE a.subnet_id = @id AND a.ip_address = @ip AND p.device_owner = @owner",
            new { id = row.Id, ip = Ipam.Canonical(current), owner = PortStore.RouterInterfaceOwner },
            tx,
            cancellationToken: cancellationToken));
        if (holder is not null)
        {
            throw TricircleException.Conflict($"Current gateway ip {current} already in use by port {holder}. Unable to update.", "GatewayIpInUse");
        }
    }

    /// <summary>Starts a delete (see <see cref="NetworkStore.BeginDeleteAsync"/>): 409 SubnetInUse while ports other than our DHCP ports hold addresses in it, else it is marked.</summary>
    public async Task BeginDeleteAsync(string id, InTransaction? also, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        if (database.Dialect == DatabaseDialect.Postgres)
        {
            // An address being allocated in it holds the subnet's key: wait for it, and keep new ones waiting until the mark is in.
            await connection.ExecuteAsync(new CommandDefinition("SELECT id FROM subnets WHERE id = @id FOR UPDATE", new { id }, tx, cancellationToken: cancellationToken));
        }

        await RequireUnusedAsync(connection, tx, id, cancellationToken);
        await marks.MarkAsync(connection, tx, "subnet", id, cancellationToken);
        await (also?.Invoke(connection, tx, cancellationToken) ?? Task.CompletedTask);
        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>Deletes a subnet with our DHCP port in it, clearing its deletion mark; 409 SubnetInUse while other ports hold addresses in it.</summary>
    public async Task DeleteAsync(string id, bool keepMark, InTransaction? also, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        await RequireUnusedAsync(connection, tx, id, cancellationToken);
        await (also?.Invoke(connection, tx, cancellationToken) ?? Task.CompletedTask);

        // The ports that lose an automatic address (an auto-address subnet's) are changed ports.
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE ports SET revision_number = revision_number + 1, updated_at = @now WHERE device_owner <> @dhcp AND id IN (SELECT port_id FROM ip_allocations WHERE subnet_id = @id)",
            new { id, dhcp = PortStore.DhcpOwner, now = DbTime.Now(timeProvider) },
            tx,
            cancellationToken: cancellationToken));
        await NeutronTags.RemoveOfSubnetAsync(connection, tx, id, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE networks SET revision_number = revision_number + 1 WHERE id = (SELECT network_id FROM subnets WHERE id = @id)", new { id }, tx, cancellationToken: cancellationToken));
        await PortStore.DeleteOfSubnetAsync(connection, tx, id, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM subnets WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken));
        hints.Forget(id);

        if (!keepMark)
        {
            await DeletingMarks.ClearAsync(connection, tx, id, cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>The subnets of a network being deleted, in its delete transaction (their ports and addresses are gone by then).</summary>
    public static Task DeleteOfNetworkAsync(DbConnection connection, DbTransaction tx, string networkId, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("DELETE FROM subnets WHERE network_id = @id", new { id = networkId }, tx, cancellationToken: cancellationToken));

    /// <summary>A tag change counts as a revision of the subnet (in the tag change's transaction).</summary>
    public static Task CountRevisionAsync(DbConnection connection, DbTransaction tx, string id, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("UPDATE subnets SET revision_number = revision_number + 1 WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken));

    /// <summary>
    /// 409 SubnetInUse while a port holds an address in it: any port but our DHCP ports; in an
    /// auto-address subnet (SLAAC, DHCPv6-stateless) only a router's interface, as Neutron's
    /// delete_subnet, which takes the automatic addresses off the other ports.
    /// </summary>
    private static async Task RequireUnusedAsync(DbConnection connection, DbTransaction tx, string id, CancellationToken cancellationToken)
    {
        var auto = await IsAutoAddressAsync(connection, tx, id, cancellationToken);
        var inUse = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM ip_allocations a JOIN ports p ON p.id = a.port_id WHERE a.subnet_id = @id AND " +
            (auto ? "p.device_owner IN (@router, 'network:router_interface_distributed', 'network:ha_router_replicated_interface')" : "p.device_owner <> @dhcp"),
            new { id, dhcp = PortStore.DhcpOwner, router = PortStore.RouterInterfaceOwner },
            tx,
            cancellationToken: cancellationToken));
        if (inUse > 0)
        {
            throw TricircleException.Conflict($"Unable to complete operation on subnet {id}: One or more ports have an IP allocation from this subnet.", "SubnetInUse");
        }
    }

    private static async Task<bool> IsAutoAddressAsync(DbConnection connection, DbTransaction tx, string id, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM subnets WHERE id = @id AND ip_version = 6 AND ipv6_address_mode IN ('slaac', 'dhcpv6-stateless')", new { id }, tx, cancellationToken: cancellationToken)) > 0;

    private static async Task WritePoolsAsync(DbConnection connection, DbTransaction tx, SubnetRow row, CancellationToken cancellationToken)
    {
        for (var i = 0; i < row.Pools.Count; i++)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO subnet_allocation_pools (subnet_id, position, first_ip, last_ip) VALUES (@id, @position, @first, @last)",
                new { id = row.Id, position = i, first = row.Pools[i].Start, last = row.Pools[i].End },
                tx,
                cancellationToken: cancellationToken));
        }
    }
}
