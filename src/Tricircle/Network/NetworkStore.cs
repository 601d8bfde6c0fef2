using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.Options;
using Tricircle.Data;
using Tricircle.Errors;
using Tricircle.Identity;
using Tricircle.Pods;
using Tricircle.Quotas;

namespace Tricircle.Network;

/// <summary>A row of <c>networks</c>.</summary>
internal sealed class NetworkRow
{
    public string Id { get; set; } = "";

    public string ProjectId { get; set; } = "";

    public string Name { get; set; } = "";

    public string Description { get; set; } = "";

    public bool AdminStateUp { get; set; } = true;

    public bool Shared { get; set; }

    public bool RouterExternal { get; set; }

    public int Mtu { get; set; }

    public string Status { get; set; } = "ACTIVE";

    public string NetworkType { get; set; } = "local";

    public string? PhysicalNetwork { get; set; }

    public int? SegmentationId { get; set; }

    public string AvailabilityZoneHints { get; set; } = "[]";

    public bool PortSecurityEnabled { get; set; } = true;

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public int RevisionNumber { get; set; } = 1;

    /// <summary>The address scopes its subnets' pools are in (not columns: <see cref="SubnetPoolStore.ScopesOfNetworksAsync"/>).</summary>
    public (string? V4, string? V6) AddressScopes { get; set; }

    public string? QosPolicyId { get; set; }

    public List<string> Hints() => JsonSerializer.Deserialize<List<string>>(AvailabilityZoneHints) ?? [];

    public TopNetwork ToTop() => new(Id, ProjectId, Name, Description, AdminStateUp, Shared, RouterExternal, Mtu, new NetworkSegment(NetworkType, PhysicalNetwork, SegmentationId), Hints(), QosPolicyId);

    /// <summary>Neutron's view; provider attributes are an admin's, as Neutron's default policy.</summary>
    public JsonObject ToView(bool admin, IReadOnlyList<string> subnets, IReadOnlyList<string> tags, IReadOnlyList<string> availabilityZones)
    {
        var view = new JsonObject
        {
            ["id"] = Id,
            ["name"] = Name,
            ["description"] = Description,
            ["admin_state_up"] = AdminStateUp,
            ["status"] = Status,
            ["shared"] = Shared,
            ["router:external"] = RouterExternal,
            ["mtu"] = Mtu,
            ["subnets"] = new JsonArray([.. subnets.Select(s => (JsonNode)s)]),
            ["availability_zone_hints"] = new JsonArray([.. Hints().Select(h => (JsonNode)h)]),
            ["availability_zones"] = new JsonArray([.. availabilityZones.Select(a => (JsonNode)a)]),
            ["port_security_enabled"] = PortSecurityEnabled,
            ["ipv4_address_scope"] = AddressScopes.V4,
            ["ipv6_address_scope"] = AddressScopes.V6,
            ["l2_adjacency"] = true,
            ["qos_policy_id"] = QosPolicyId,
        };
        if (admin)
        {
            view["provider:network_type"] = NetworkType;
            view["provider:physical_network"] = PhysicalNetwork;
            view["provider:segmentation_id"] = SegmentationId;
        }

        NeutronBody.AddStandard(view, ProjectId, CreatedAt, UpdatedAt, RevisionNumber, tags);
        return view;
    }
}

/// <summary>What a new network asks for; null segment parts are allocated.</summary>
internal sealed record NetworkCreate(
    string ProjectId,
    string Name,
    string Description,
    bool AdminStateUp,
    bool Shared,
    bool External,
    int? Mtu,
    string? NetworkType,
    string? PhysicalNetwork,
    int? SegmentationId,
    IReadOnlyList<string> AvailabilityZoneHints,
    bool PortSecurityEnabled,
    IReadOnlyList<string> Tags,
    string? QosPolicyId = null);

/// <summary>
/// The central networks and their segments. A segment is a <c>segment_allocations</c> row under
/// a unique key, inserted in the network's transaction: the first free id is tried and the key
/// decides between concurrent requests (the loser takes the next).
/// </summary>
internal sealed class NetworkStore(Database database, PodStore pods, NetworkQuotas quotas, DeletingMarks marks, IOptions<NetworkOptions> options, TimeProvider timeProvider, CentralNameCache names)
{
    public const string Columns =
        "n.id, n.project_id, n.name, n.description, n.admin_state_up, n.shared, n.router_external, n.mtu, n.status, n.network_type, n.physical_network, " +
        "n.segmentation_id, n.availability_zone_hints, n.port_security_enabled, n.created_at, n.updated_at, n.revision_number, n.qos_policy_id";

    public static readonly NeutronListSchema Schema = new NeutronListSchema("Network", "networks n", "n.id")
        .Attribute("id", "n.id")
        .Attribute("name", "n.name")
        .Attribute("description", "n.description")
        .Attribute("project_id", "n.project_id")
        .Attribute("tenant_id", "n.project_id")
        .Attribute("admin_state_up", "n.admin_state_up", NeutronValueKind.Bool)
        .Attribute("shared", "n.shared", NeutronValueKind.Bool)
        .Attribute("router:external", "n.router_external", NeutronValueKind.Bool)
        .Attribute("status", "n.status")
        .Attribute("mtu", "n.mtu", NeutronValueKind.Int)
        .Attribute("port_security_enabled", "n.port_security_enabled", NeutronValueKind.Bool)
        .Attribute("provider:network_type", "n.network_type")
        .Attribute("provider:physical_network", "n.physical_network", sortExpression: "COALESCE(n.physical_network, '')")
        .Attribute("provider:segmentation_id", "n.segmentation_id", NeutronValueKind.Int, sortExpression: "COALESCE(n.segmentation_id, -1)")
        .Attribute("revision_number", "n.revision_number", NeutronValueKind.Int)
        .Attribute("qos_policy_id", "n.qos_policy_id", sortExpression: "COALESCE(n.qos_policy_id, '')")
        .Attribute("created_at", "n.created_at")
        .Attribute("updated_at", "n.updated_at")
        .TagFilters("networks")
        .Filter("subnets", (values, sql) => $"EXISTS (SELECT 1 FROM subnets s WHERE s.network_id = n.id AND {sql.In("s.id", values)})");

    /// <summary>SQL for what <paramref name="caller"/> may see: its own, shared and external networks (all for an admin).</summary>
    public static string Visible(RequestContext? caller, NeutronSql sql, string alias = "n") =>
        caller is null || caller.IsAdmin ? "1=1" : $"({alias}.project_id = {sql.Param(caller.ProjectId)} OR {alias}.shared OR {alias}.router_external)";

    public async Task<NetworkRow?> FindAsync(string id, RequestContext? caller, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await FindAsync(connection, null, id, caller, cancellationToken);
    }

    public static async Task<NetworkRow?> FindAsync(DbConnection connection, DbTransaction? tx, string id, RequestContext? caller, CancellationToken cancellationToken)
    {
        var sql = new NeutronSql();
        return await connection.QueryFirstOrDefaultAsync<NetworkRow>(new CommandDefinition(
            $"SELECT {Columns} FROM networks n WHERE n.id = {sql.Param(id)} AND {Visible(caller, sql)}", sql.Parameters, tx, cancellationToken: cancellationToken));
    }

    /// <summary>A network the caller may see, or Neutron's 404.</summary>
    public async Task<NetworkRow> GetAsync(string id, RequestContext? caller, CancellationToken cancellationToken) =>
        await FindAsync(id, caller, cancellationToken) ?? throw NeutronErrors.NotFound("Network", id);

    /// <summary>For other parts (materialisation, compute): the central network, whoever owns it.</summary>
    public async Task<TopNetwork?> FindTopAsync(string id, CancellationToken cancellationToken) => (await FindAsync(id, null, cancellationToken))?.ToTop();

    /// <summary>For an audit: the central networks among <paramref name="ids"/> (those gone are missing), a few queries for any number.</summary>
    public async Task<IReadOnlyDictionary<string, TopNetwork>> FindTopManyAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, TopNetwork>(StringComparer.Ordinal);
        await using var connection = await database.OpenAsync(cancellationToken);
        foreach (var chunk in ids.Distinct(StringComparer.Ordinal).Chunk(NeutronSql.InChunk))
        {
            var sql = new NeutronSql();
            foreach (var row in await connection.QueryAsync<NetworkRow>(new CommandDefinition(
                $"SELECT {Columns} FROM networks n WHERE {sql.In("n.id", chunk)}", sql.Parameters, cancellationToken: cancellationToken)))
            {
                result[row.Id] = row.ToTop();
            }
        }

        return result;
    }

    /// <summary>The networks Nova's <c>auto</c> chooses among: the project's own and shared ones, not external.</summary>
    public async Task<IReadOnlyList<TopNetwork>> UsableForAutoAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<NetworkRow>(new CommandDefinition(
            $"SELECT {Columns} FROM networks n WHERE (n.project_id = @projectId OR n.shared) AND NOT n.router_external ORDER BY n.created_at, n.id",
            new { projectId },
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToTop())];
    }

    /// <summary>A network the caller owns (or admin): 404 if it cannot see it, 403 if it only sees it.</summary>
    public async Task<NetworkRow> GetOwnedAsync(string id, RequestContext caller, string action, CancellationToken cancellationToken)
    {
        var network = await GetAsync(id, caller, cancellationToken);
        return caller.IsAdmin || network.ProjectId == caller.ProjectId ? network : throw NeutronErrors.PolicyDenied($"{action}_network");
    }

    public async Task<(List<NetworkRow> Rows, Dictionary<string, List<string>> Subnets, Dictionary<string, List<string>> Tags, Dictionary<string, List<string>> Zones)> ListAsync(
        NeutronQuery query, RequestContext caller, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var sql = new NeutronSql();
        var rows = await query.ListAsync<NetworkRow>(connection, Schema, Columns, Visible(caller, sql), sql, cancellationToken);
        var ids = rows.Select(r => r.Id).ToList();
        var scopes = await SubnetPoolStore.ScopesOfNetworksAsync(connection, ids, cancellationToken);
        rows.ForEach(r => r.AddressScopes = scopes.GetValueOrDefault(r.Id));
        return (rows, await SubnetIdsAsync(connection, null, ids, cancellationToken), await NeutronTags.LoadAsync(connection, "networks", ids, cancellationToken),
            await ZonesAsync(connection, ids, cancellationToken));
    }

    /// <summary>
    /// Neutron's <c>availability_zones</c> of a network (where it is served): the AZs of the pods
    /// holding a copy of it, for a whole page in one query.
    /// </summary>
    private static Task<Dictionary<string, List<string>>> ZonesAsync(DbConnection connection, List<string> networkIds, CancellationToken cancellationToken) =>
        ZonesAsync(connection, "network", networkIds, cancellationToken);

    /// <summary>The AZs of the pods holding a copy of each resource of <paramref name="resourceType"/> (a network's, a router's <c>availability_zones</c>).</summary>
    public static async Task<Dictionary<string, List<string>>> ZonesAsync(DbConnection connection, string resourceType, List<string> networkIds, CancellationToken cancellationToken)
    {
        var result = networkIds.Distinct().ToDictionary(i => i, _ => new List<string>(), StringComparer.Ordinal);
        if (networkIds.Count > 0)
        {
            var sql = new NeutronSql();
            foreach (var (networkId, zone) in await connection.QueryAsync<(string, string)>(new CommandDefinition(
                $"""
                SELECT DISTINCT r.top_id, p.az_name FROM resource_routings r JOIN pods p ON p.pod_id = r.pod_id
                WHERE r.resource_type = {sql.Param(resourceType)} AND r.bottom_id IS NOT NULL AND {sql.In("r.top_id", networkIds.Distinct())}
                ORDER BY p.az_name
                """,
                sql.Parameters,
                cancellationToken: cancellationToken)))
            {
                result[networkId].Add(zone);
            }
        }

        return result;
    }

    public static async Task<Dictionary<string, List<string>>> SubnetIdsAsync(DbConnection connection, DbTransaction? tx, IReadOnlyCollection<string> networkIds, CancellationToken cancellationToken)
    {
        var result = networkIds.Distinct().ToDictionary(i => i, _ => new List<string>(), StringComparer.Ordinal);
        if (networkIds.Count > 0)
        {
            var sql = new NeutronSql();
            foreach (var (networkId, id) in await connection.QueryAsync<(string, string)>(new CommandDefinition(
                $"SELECT network_id, id FROM subnets WHERE {sql.In("network_id", networkIds.Distinct())} ORDER BY created_at, id", sql.Parameters, tx, cancellationToken: cancellationToken)))
            {
                result[networkId].Add(id);
            }
        }

        return result;
    }

    /// <summary>The view of one network with its subnets and tags.</summary>
    public async Task<JsonObject> ViewAsync(NetworkRow network, bool admin, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var subnets = await SubnetIdsAsync(connection, null, [network.Id], cancellationToken);
        var tags = await NeutronTags.LoadAsync(connection, "networks", [network.Id], cancellationToken);
        var zones = await ZonesAsync(connection, [network.Id], cancellationToken);
        network.AddressScopes = (await SubnetPoolStore.ScopesOfNetworksAsync(connection, [network.Id], cancellationToken)).GetValueOrDefault(network.Id);
        return network.ToView(admin, subnets[network.Id], tags[network.Id], zones[network.Id]);
    }

    /// <summary>AZ hints must name a pod's availability zone or a pod's region (400 naming the unknown one).</summary>
    public async Task CheckHintsAsync(IEnumerable<string> hints, CancellationToken cancellationToken)
    {
        var known = (await pods.ListAsync(new Dictionary<string, string>(), cancellationToken)).Where(p => !p.IsCentral)
            .SelectMany(p => new[] { p.AzName, p.RegionName }).ToHashSet(StringComparer.Ordinal);
        foreach (var hint in hints)
        {
            if (!known.Contains(hint))
            {
                throw NeutronErrors.InvalidInput($"availability_zone_hints: '{hint}' is neither an availability zone nor a region of a pod");
            }
        }
    }

    /// <summary>
    /// Creates a network with its segment; <paramref name="also"/> (given the new row, segment
    /// allocated) runs in the same transaction: an external network's home and the job that makes
    /// it in that pod.
    /// </summary>
    public async Task<NetworkRow> CreateAsync(NetworkCreate create, Func<NetworkRow, InTransaction>? also, CancellationToken cancellationToken)
    {
        var config = options.Value;
        await CheckHintsAsync(create.AvailabilityZoneHints, cancellationToken);
        var now = DbTime.Now(timeProvider);
        var row = new NetworkRow
        {
            Id = Guid.NewGuid().ToString(),
            ProjectId = create.ProjectId,
            Name = create.Name,
            Description = create.Description,
            AdminStateUp = create.AdminStateUp,
            Shared = create.Shared,
            RouterExternal = create.External,
            AvailabilityZoneHints = JsonSerializer.Serialize(create.AvailabilityZoneHints),
            PortSecurityEnabled = create.PortSecurityEnabled,
            QosPolicyId = create.QosPolicyId,
            CreatedAt = now,
            UpdatedAt = now,
        };

        var provider = create.NetworkType is not null || create.PhysicalNetwork is not null || create.SegmentationId is not null;
        if (provider)
        {
            CheckProvider(config, create);
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        await quotas.EnsureWithinAsync(connection, tx, create.ProjectId, QuotaResources.Network, 1, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO networks (id, project_id, name, description, admin_state_up, shared, router_external, mtu, status, network_type,
                                  physical_network, segmentation_id, availability_zone_hints, port_security_enabled, created_at, updated_at, revision_number, qos_policy_id)
            VALUES (@Id, @ProjectId, @Name, @Description, @AdminStateUp, @Shared, @RouterExternal, 0, @Status, 'local',
                    NULL, NULL, @AvailabilityZoneHints, @PortSecurityEnabled, @CreatedAt, @UpdatedAt, 1, @QosPolicyId)
            """,
            row,
            tx,
            cancellationToken: cancellationToken));

        var segment = provider
            ? await ProviderSegmentAsync(connection, tx, config, row.Id, create, cancellationToken)
            : await TenantSegmentAsync(connection, tx, config, row.Id, create.External, cancellationToken);
        row.NetworkType = segment.NetworkType;
        row.PhysicalNetwork = segment.PhysicalNetwork;
        row.SegmentationId = segment.SegmentationId;
        row.Mtu = create.Mtu ?? config.MtuOf(segment.NetworkType);
        if (row.Mtu > config.MtuOf(segment.NetworkType))
        {
            throw NeutronErrors.InvalidInput($"Requested MTU is too big, maximum is {config.MtuOf(segment.NetworkType)}");
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE networks SET network_type = @NetworkType, physical_network = @PhysicalNetwork, segmentation_id = @SegmentationId, mtu = @Mtu WHERE id = @Id", row, tx, cancellationToken: cancellationToken));
        await NeutronTags.ReplaceAsync(connection, tx, "networks", row.Id, create.Tags, cancellationToken);
        await (also?.Invoke(row)(connection, tx, cancellationToken) ?? Task.CompletedTask);
        await tx.CommitAsync(cancellationToken);
        return row;
    }

    private static void CheckProvider(NetworkOptions config, NetworkCreate create)
    {
        var type = create.NetworkType ?? throw NeutronErrors.InvalidInput("provider:network_type required");
        if (!config.TypeDriverList.Contains(type))
        {
            throw NeutronErrors.InvalidInput($"network_type value '{type}' not supported");
        }

        switch (type)
        {
            case "local":
                if (create.PhysicalNetwork is not null || create.SegmentationId is not null)
                {
                    throw NeutronErrors.InvalidInput("provider:physical_network and provider:segmentation_id prohibited for local provider network");
                }

                break;
            case "flat":
                if (create.SegmentationId is not null)
                {
                    throw NeutronErrors.InvalidInput("segmentation_id prohibited for flat provider network");
                }

                if (create.PhysicalNetwork is null)
                {
                    throw NeutronErrors.InvalidInput("physical_network required for flat provider network");
                }

                if (!config.FlatAllowed(create.PhysicalNetwork))
                {
                    throw NeutronErrors.InvalidInput($"physical_network '{create.PhysicalNetwork}' unknown for flat provider network");
                }

                break;
            case "vlan":
                if (create.PhysicalNetwork is { } physnet && !config.VlanRanges().ContainsKey(physnet))
                {
                    throw NeutronErrors.InvalidInput($"physical_network '{physnet}' unknown for VLAN provider network");
                }

                if (create.SegmentationId is { } vlan)
                {
                    if (create.PhysicalNetwork is null)
                    {
                        throw NeutronErrors.InvalidInput("segmentation_id requires physical_network for VLAN provider network");
                    }

                    // As ML2: the ranges are what tenants get; an admin may name any valid tag of a known physical network.
                    if (vlan is < 1 or > 4094)
                    {
                        throw NeutronErrors.InvalidInput("segmentation_id out of range (1 through 4094)");
                    }
                }

                break;
            case "vxlan":
                if (create.PhysicalNetwork is not null)
                {
                    throw NeutronErrors.InvalidInput("provider:physical_network specified for vxlan network");
                }

                if (create.SegmentationId is { } vni && vni is < 1 or > 16_777_215)
                {
                    throw NeutronErrors.InvalidInput("segmentation_id out of range (1 through 16777215)");
                }

                break;
            default:
                throw NeutronErrors.InvalidInput($"network_type value '{type}' not supported");
        }
    }

    private static async Task<NetworkSegment> ProviderSegmentAsync(DbConnection connection, DbTransaction tx, NetworkOptions config, string networkId, NetworkCreate create, CancellationToken cancellationToken)
    {
        var type = create.NetworkType!;
        switch (type)
        {
            case "local":
                return new NetworkSegment("local", null, null);
            case "flat":
                // An external one takes no central key: its physnet is its own region's (see ExternalHomes.Record).
                if (!create.External && !await TryTakeAsync(connection, tx, "flat", create.PhysicalNetwork!, 0, networkId, cancellationToken))
                {
                    throw TricircleException.Conflict($"Unable to create the flat network. Physical network {create.PhysicalNetwork} is in use.", "FlatNetworkInUse");
                }

                return new NetworkSegment("flat", create.PhysicalNetwork, null);
            case "vlan" when create.SegmentationId is { } vlan:
                if (!await TryTakeAsync(connection, tx, "vlan", create.PhysicalNetwork!, vlan, networkId, cancellationToken))
                {
                    throw TricircleException.Conflict($"Unable to create the network. The VLAN {vlan} on physical network {create.PhysicalNetwork} is in use.", "VlanIdInUse");
                }

                return new NetworkSegment("vlan", create.PhysicalNetwork, vlan);
            case "vxlan" when create.SegmentationId is { } vni:
                if (!await TryTakeAsync(connection, tx, "vxlan", "", vni, networkId, cancellationToken))
                {
                    throw TricircleException.Conflict($"Unable to create the network. The tunnel ID {vni} is in use.", "TunnelIdInUse");
                }

                return new NetworkSegment("vxlan", null, vni);
            default:
                return await AllocateAsync(connection, tx, config, type, create.PhysicalNetwork, networkId, cancellationToken)
                    ?? throw NoNetworkAvailable();
        }
    }

    /// <summary>
    /// The first tenant type with a free segment. Never <c>local</c> for an external network: a
    /// local network is the pod's own tenant network, which reaches no physical network outside
    /// it, so an external one without provider attributes needs a type that spans (or the admin's
    /// provider attributes, 400 saying so when the tenant types offer nothing else).
    /// </summary>
    private static async Task<NetworkSegment> TenantSegmentAsync(DbConnection connection, DbTransaction tx, NetworkOptions config, string networkId, bool external, CancellationToken cancellationToken)
    {
        var types = config.TenantTypeList.Where(t => !external || t != "local").ToList();
        if (types.Count == 0)
        {
            throw NeutronErrors.InvalidInput(
                $"an external network gets no segment of type local; give its provider:network_type (flat or vlan, usually), or add another type to [{NetworkOptions.Section}] tenant_network_types.");
        }

        foreach (var type in types)
        {
            if (await AllocateAsync(connection, tx, config, type, null, networkId, cancellationToken) is { } segment)
            {
                return segment;
            }
        }

        throw NoNetworkAvailable();
    }

    private static TricircleException NoNetworkAvailable() =>
        TricircleException.Unavailable("Unable to create the network. No tenant network is available for allocation.", "NoNetworkAvailable");

    /// <summary>The first free segment of <paramref name="type"/> in the configured ranges, or null when they are full.</summary>
    private static async Task<NetworkSegment?> AllocateAsync(DbConnection connection, DbTransaction tx, NetworkOptions config, string type, string? physnet, string networkId, CancellationToken cancellationToken)
    {
        switch (type)
        {
            case "local":
                return new NetworkSegment("local", null, null);
            case "vxlan":
                return await FirstFreeAsync(connection, tx, "vxlan", "", config.VniRangeList(), networkId, cancellationToken) is { } vni ? new NetworkSegment("vxlan", null, vni) : null;
            case "vlan":
                foreach (var (name, ranges) in config.VlanRanges().Where(r => physnet is null || r.Key == physnet))
                {
                    if (await FirstFreeAsync(connection, tx, "vlan", name, ranges, networkId, cancellationToken) is { } vlan)
                    {
                        return new NetworkSegment("vlan", name, vlan);
                    }
                }

                return null;
            default:
                return null; // flat networks are never a tenant's
        }
    }

    private static async Task<int?> FirstFreeAsync(DbConnection connection, DbTransaction tx, string type, string physnet, IReadOnlyList<(int Min, int Max)> ranges, string networkId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var used = (await connection.QueryAsync<int>(new CommandDefinition(
                "SELECT segmentation_id FROM segment_allocations WHERE network_type = @type AND physical_network = @physnet",
                new { type, physnet },
                tx,
                cancellationToken: cancellationToken))).ToHashSet();
            int? candidate = null;
            foreach (var (min, max) in ranges)
            {
                for (var id = min; id <= max && candidate is null; id++)
                {
                    candidate = used.Contains(id) ? null : id;
                }
            }

            if (candidate is null)
            {
                return null;
            }

            if (await TryTakeAsync(connection, tx, type, physnet, candidate.Value, networkId, cancellationToken))
            {
                return candidate;
            }
        }

        throw TricircleException.Conflict("Unable to allocate a segment: too many concurrent requests; try again.", "HTTPConflict");
    }

    /// <summary>Inserts the segment row unless the unique key holds it already (no error: the transaction goes on).</summary>
    private static async Task<bool> TryTakeAsync(DbConnection connection, DbTransaction tx, string type, string physnet, int id, string networkId, CancellationToken cancellationToken) =>
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO segment_allocations (network_type, physical_network, segmentation_id, network_id) VALUES (@type, @physnet, @id, @networkId) ON CONFLICT DO NOTHING",
            new { type, physnet, id, networkId },
            tx,
            cancellationToken: cancellationToken)) == 1;

    public async Task<NetworkRow> UpdateAsync(NetworkRow row, IReadOnlyList<string>? hints, InTransaction? also, CancellationToken cancellationToken)
    {
        if (hints is not null)
        {
            await CheckHintsAsync(hints, cancellationToken);
            row.AvailabilityZoneHints = JsonSerializer.Serialize(hints);
        }

        row.UpdatedAt = DbTime.Now(timeProvider);
        row.RevisionNumber++;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE networks SET name = @Name, description = @Description, admin_state_up = @AdminStateUp, shared = @Shared, router_external = @RouterExternal,
                mtu = @Mtu, availability_zone_hints = @AvailabilityZoneHints, port_security_enabled = @PortSecurityEnabled, updated_at = @UpdatedAt,
                qos_policy_id = @QosPolicyId, revision_number = revision_number + 1
            WHERE id = @Id
            """,
            row,
            tx,
            cancellationToken: cancellationToken));
        await (also?.Invoke(connection, tx, cancellationToken) ?? Task.CompletedTask);
        await tx.CommitAsync(cancellationToken);
        names.ForgetNetwork(row.Id);
        return row;
    }

    /// <summary>
    /// Starts a delete (spec §6.10): 409 NetworkInUse while ports other than our DHCP ports are on
    /// it, else the network is marked, so no port lands on it and no pod gets a copy of it until
    /// <see cref="DeleteAsync"/> (or <see cref="DeletingMarks.ClearAsync(string, CancellationToken)"/> when the delete gives up).
    /// </summary>
    public async Task BeginDeleteAsync(string id, InTransaction? also, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        if (database.Dialect == DatabaseDialect.Postgres)
        {
            // Waits for ports being made on it (their insert holds the network's key) and keeps new ones waiting until the mark is in.
            await connection.ExecuteAsync(new CommandDefinition("SELECT id FROM networks WHERE id = @id FOR UPDATE", new { id }, tx, cancellationToken: cancellationToken));
        }

        await RequireUnusedAsync(connection, tx, id, cancellationToken);
        await marks.MarkAsync(connection, tx, "network", id, cancellationToken);
        await (also?.Invoke(connection, tx, cancellationToken) ?? Task.CompletedTask);
        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Deletes a network with its subnets and our DHCP ports, freeing its segment and clearing its
    /// deletion mark; 409 NetworkInUse while other ports are on it.
    /// </summary>
    public async Task DeleteAsync(string id, bool keepMark, InTransaction? also, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        await RequireUnusedAsync(connection, tx, id, cancellationToken);
        await (also?.Invoke(connection, tx, cancellationToken) ?? Task.CompletedTask);
        await NeutronTags.RemoveOfNetworkAsync(connection, tx, id, cancellationToken);
        await PortStore.DeleteOfNetworkAsync(connection, tx, id, cancellationToken);
        await SubnetStore.DeleteOfNetworkAsync(connection, tx, id, cancellationToken);
        foreach (var statement in new[] { "DELETE FROM segment_allocations WHERE network_id = @id", "DELETE FROM network_homes WHERE network_id = @id", "DELETE FROM networks WHERE id = @id" })
        {
            await connection.ExecuteAsync(new CommandDefinition(statement, new { id }, tx, cancellationToken: cancellationToken));
        }

        if (!keepMark)
        {
            await DeletingMarks.ClearAsync(connection, tx, id, cancellationToken); // else the last copy's delete clears it
        }

        await tx.CommitAsync(cancellationToken);
        names.ForgetNetwork(id);
    }

    /// <summary>
    /// Holds the network's row until the caller's transaction ends (a subnet's create: subnets of
    /// one network are made one at a time on PostgreSQL; SQLite's write lock does so already).
    /// </summary>
    public static Task HoldAsync(DbConnection connection, DbTransaction tx, string networkId, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("UPDATE networks SET updated_at = updated_at WHERE id = @networkId", new { networkId }, tx, cancellationToken: cancellationToken));

    /// <summary>A tag change counts as a revision of the network (in the tag change's transaction).</summary>
    public static Task CountRevisionAsync(DbConnection connection, DbTransaction tx, string id, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("UPDATE networks SET revision_number = revision_number + 1 WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken));

    private static async Task RequireUnusedAsync(DbConnection connection, DbTransaction tx, string id, CancellationToken cancellationToken)
    {
        var inUse = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM ports WHERE network_id = @id AND device_owner <> @dhcp", new { id, dhcp = PortStore.DhcpOwner }, tx, cancellationToken: cancellationToken));
        if (inUse > 0)
        {
            throw TricircleException.Conflict($"Unable to complete operation on network {id}. There are one or more ports still in use on the network.", "NetworkInUse");
        }
    }

    public async Task<IReadOnlyList<(string Id, string ProjectId)>> VxlanOfTenantsAsync(IReadOnlyCollection<string> networkIds, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await VxlanOfTenantsAsync(connection, null, networkIds, cancellationToken);
    }

    /// <summary>Of the networks, the tenants' VxLAN networks (not external, not a bridge): those whose ports <see cref="ShadowPorts"/> shadows.</summary>
    public static async Task<IReadOnlyList<(string Id, string ProjectId)>> VxlanOfTenantsAsync(DbConnection connection, DbTransaction? tx, IReadOnlyCollection<string> networkIds, CancellationToken cancellationToken)
    {
        if (networkIds.Count == 0)
        {
            return [];
        }

        var sql = new NeutronSql();
        return [.. await connection.QueryAsync<(string, string)>(new CommandDefinition(
            $"SELECT n.id, n.project_id FROM networks n WHERE {sql.In("n.id", networkIds)} AND n.network_type = 'vxlan' AND NOT n.router_external AND n.project_id <> ''",
            sql.Parameters,
            tx,
            cancellationToken: cancellationToken))];
    }
}
