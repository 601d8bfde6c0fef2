using System.Data.Common;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.Options;
using Tricircle.Data;
using Tricircle.Errors;
using Tricircle.Identity;
using Tricircle.Quotas;

namespace Tricircle.Network;

/// <summary>A row of <c>ports</c> with its fixed IPs and security group ids.</summary>
internal sealed class PortRow
{
    public string Id { get; set; } = "";

    public string ProjectId { get; set; } = "";

    public string NetworkId { get; set; } = "";

    public string Name { get; set; } = "";

    public string Description { get; set; } = "";

    public string MacAddress { get; set; } = "";

    public bool AdminStateUp { get; set; } = true;

    public string Status { get; set; } = "DOWN";

    public string DeviceId { get; set; } = "";

    public string DeviceOwner { get; set; } = "";

    public bool PortSecurityEnabled { get; set; } = true;

    public string BindingHostId { get; set; } = "";

    public string BindingProfile { get; set; } = "{}";

    public string BindingVnicType { get; set; } = "normal";

    public string BindingVifType { get; set; } = "unbound";

    public string BindingVifDetails { get; set; } = "{}";

    public string AllowedAddressPairs { get; set; } = "[]";

    public string ExtraDhcpOpts { get; set; } = "[]";

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public int RevisionNumber { get; set; } = 1;

    public string? QosPolicyId { get; set; }

    /// <summary>The port's network's policy (qos-port-network-policy; read only).</summary>
    public string? QosNetworkPolicyId { get; set; }

    public List<FixedIp> FixedIps { get; set; } = [];

    public List<string> SecurityGroups { get; set; } = [];

    /// <summary>trunk-details: set on a trunk's parent (the store loads it for views).</summary>
    public JsonObject? TrunkDetails { get; set; }

    public List<AddressPair> Pairs() => JsonSerializer.Deserialize<List<AddressPair>>(AllowedAddressPairs) ?? [];

    public TopPort ToTop() => new(
        Id, ProjectId, NetworkId, Name, Description, MacAddress, FixedIps, SecurityGroups, Pairs(), PortSecurityEnabled, AdminStateUp, DeviceId, DeviceOwner,
        BindingHostId.Length == 0 ? null : BindingHostId, QosPolicyId);

    /// <summary>Neutron's view; binding details other than the vnic type are an admin's.</summary>
    public JsonObject ToView(bool admin, IReadOnlyList<string> tags)
    {
        var view = new JsonObject
        {
            ["id"] = Id,
            ["name"] = Name,
            ["description"] = Description,
            ["network_id"] = NetworkId,
            ["mac_address"] = MacAddress,
            ["admin_state_up"] = AdminStateUp,
            ["status"] = Status,
            ["device_id"] = DeviceId,
            ["device_owner"] = DeviceOwner,
            ["fixed_ips"] = new JsonArray([.. FixedIps.Select(f => (JsonNode)new JsonObject { ["subnet_id"] = f.SubnetId, ["ip_address"] = f.IpAddress })]),
            ["security_groups"] = new JsonArray([.. SecurityGroups.Select(s => (JsonNode)s)]),
            ["allowed_address_pairs"] = new JsonArray([.. Pairs().Select(p => (JsonNode)new JsonObject { ["ip_address"] = p.IpAddress, ["mac_address"] = p.MacAddress ?? MacAddress })]),
            ["port_security_enabled"] = PortSecurityEnabled,
            ["extra_dhcp_opts"] = JsonNode.Parse(ExtraDhcpOpts),
            ["binding:vnic_type"] = BindingVnicType,
            ["qos_policy_id"] = QosPolicyId,
            ["qos_network_policy_id"] = QosNetworkPolicyId,
        };
        if (admin)
        {
            view["binding:host_id"] = BindingHostId;
            view["binding:profile"] = JsonNode.Parse(BindingProfile);
            view["binding:vif_type"] = BindingVifType;
            view["binding:vif_details"] = JsonNode.Parse(BindingVifDetails);
        }

        if (TrunkDetails is not null)
        {
            view["trunk_details"] = TrunkDetails.DeepClone();
        }

        NeutronBody.AddStandard(view, ProjectId, CreatedAt, UpdatedAt, RevisionNumber, tags);
        return view;
    }
}

/// <summary>A fixed IP asked for: an address, a subnet, or both.</summary>
internal sealed record FixedIpRequest(string? SubnetId, string? IpAddress);

/// <summary>
/// The central ports, and the central allocation of their MACs and IPs. An address is taken by
/// inserting an <c>ip_allocations</c> row whose primary key is (network, address); an insert the
/// key refuses (<c>ON CONFLICT DO NOTHING</c>: the transaction goes on) means another request
/// won it, and the next free address is tried. So no address is given twice, whichever
/// instances the requests reach.
/// </summary>
internal sealed class PortStore(Database database, SecurityGroupStore groupStore, NetworkQuotas quotas, FreeAddressHints hints, IOptions<NetworkOptions> options, TimeProvider timeProvider)
{
    /// <summary>The error type of a create whose given id is taken.</summary>
    public const string PortExists = "PortExists";

    public const string DhcpOwner = "network:dhcp";

    /// <summary>A router's interface port (its device_id the router's id), as Neutron's.</summary>
    public const string RouterInterfaceOwner = "network:router_interface";

    /// <summary>A router's gateway port on an external network, as Neutron's.</summary>
    public const string RouterGatewayOwner = "network:router_gateway";

    /// <summary>A floating IP's address on its external network (its device_id the floating IP's id), as Neutron's.</summary>
    public const string FloatingIpOwner = "network:floatingip";

    /// <summary>Our DHCP ports with an address in subnet <c>@id</c> (<c>@dhcp</c> is <see cref="DhcpOwner"/>), as a subquery.</summary>
    public const string DhcpPortsOfSubnet = "SELECT p.id FROM ports p JOIN ip_allocations a ON a.port_id = p.id WHERE a.subnet_id = @id AND p.device_owner = @dhcp";

    public const string Columns =
        "p.id, p.project_id, p.network_id, p.name, p.description, p.mac_address, p.admin_state_up, p.status, p.device_id, p.device_owner, p.port_security_enabled, " +
        "p.binding_host_id, p.binding_profile, p.binding_vnic_type, p.binding_vif_type, p.binding_vif_details, p.allowed_address_pairs, p.extra_dhcp_opts, " +
        "p.created_at, p.updated_at, p.revision_number, p.qos_policy_id, (SELECT qn.qos_policy_id FROM networks qn WHERE qn.id = p.network_id) AS qos_network_policy_id";

    public static readonly NeutronListSchema Schema = new NeutronListSchema("Port", "ports p JOIN networks n ON n.id = p.network_id", "p.id")
        .Attribute("id", "p.id")
        .Attribute("name", "p.name")
        .Attribute("description", "p.description")
        .Attribute("project_id", "p.project_id")
        .Attribute("tenant_id", "p.project_id")
        .Attribute("network_id", "p.network_id")
        .Attribute("mac_address", "p.mac_address")
        .Attribute("admin_state_up", "p.admin_state_up", NeutronValueKind.Bool)
        .Attribute("status", "p.status")
        .Attribute("device_id", "p.device_id")
        .Attribute("device_owner", "p.device_owner")
        .Attribute("port_security_enabled", "p.port_security_enabled", NeutronValueKind.Bool)
        .Attribute("binding:host_id", "p.binding_host_id")
        .Attribute("binding:vnic_type", "p.binding_vnic_type")
        .Attribute("revision_number", "p.revision_number", NeutronValueKind.Int)
        .Attribute("qos_policy_id", "p.qos_policy_id", sortExpression: "COALESCE(p.qos_policy_id, '')")
        .Attribute("created_at", "p.created_at")
        .Attribute("updated_at", "p.updated_at")
        .TagFilters("ports")
        .Filter("security_groups", (values, sql) => $"EXISTS (SELECT 1 FROM port_security_groups g WHERE g.port_id = p.id AND {sql.In("g.security_group_id", values)})")
        .Filter("fixed_ips", FixedIpFilter);

    // fixed_ips=ip_address=10.0.0.5, fixed_ips=subnet_id=..., fixed_ips=ip_address_substr=10.0.

    /// <summary>The port's groups in one insert (one row each), not one command per group.</summary>
    private static async Task InsertGroupsAsync(DbConnection connection, DbTransaction tx, PortRow port, CancellationToken cancellationToken)
    {
        var groups = port.SecurityGroups.Distinct(StringComparer.Ordinal).ToList();
        if (groups.Count == 0)
        {
            return;
        }

        var parameters = new DynamicParameters();
        parameters.Add("id", port.Id);
        var rows = new List<string>(groups.Count);
        for (var i = 0; i < groups.Count; i++)
        {
            var name = "g" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            parameters.Add(name, groups[i]);
            rows.Add($"(@id, @{name})");
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO port_security_groups (port_id, security_group_id) VALUES " + string.Join(", ", rows), parameters, tx, cancellationToken: cancellationToken));
    }

    private static string FixedIpFilter(IReadOnlyList<string> values, NeutronSql sql)
    {
        var any = new List<string>();
        foreach (var value in values)
        {
            var eq = value.IndexOf('=', StringComparison.Ordinal);
            var (key, wanted) = eq < 0 ? ("ip_address", value) : (value[..eq], value[(eq + 1)..]);
            any.Add(key switch
            {
                "ip_address" => $"a.ip_address = {sql.Param(Ipam.Canonical(wanted))}",
                "subnet_id" => $"a.subnet_id = {sql.Param(wanted)}",
                "ip_address_substr" => $"a.ip_address LIKE {sql.Param("%" + wanted + "%")}",
                _ => throw NeutronErrors.InvalidInput($"'{key}' is not a fixed_ips filter (ip_address, subnet_id, ip_address_substr)"),
            });
        }

        return $"EXISTS (SELECT 1 FROM ip_allocations a WHERE a.port_id = p.id AND ({string.Join(" OR ", any)}))";
    }

    /// <summary>The caller's ports; an admin sees all, a network's owner those on it (as Neutron's policy).</summary>
    public static string Visible(RequestContext? caller, NeutronSql sql)
    {
        if (caller is null || caller.IsAdmin)
        {
            return "1=1";
        }

        var project = sql.Param(caller.ProjectId);
        return $"(p.project_id = {project} OR n.project_id = {project})";
    }

    public async Task<PortRow?> FindAsync(string id, RequestContext? caller, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await FindAsync(connection, null, id, caller, cancellationToken);
    }

    /// <summary>The same in the caller's transaction (a floating IP's association reads its port there).</summary>
    public static async Task<PortRow?> FindAsync(DbConnection connection, DbTransaction? tx, string id, RequestContext? caller, CancellationToken cancellationToken)
    {
        var sql = new NeutronSql();
        var row = await connection.QueryFirstOrDefaultAsync<PortRow>(new CommandDefinition(
            $"SELECT {Columns} FROM {Schema.From} WHERE p.id = {sql.Param(id)} AND {Visible(caller, sql)}", sql.Parameters, tx, cancellationToken: cancellationToken));
        if (row is not null)
        {
            await LoadAsync(connection, tx, [row], cancellationToken);
        }

        return row;
    }

    public async Task<PortRow> GetAsync(string id, RequestContext? caller, CancellationToken cancellationToken) =>
        await FindAsync(id, caller, cancellationToken) ?? throw NeutronErrors.NotFound("Port", id);

    /// <summary>For other parts (compute, materialisation): a central port by id, whoever owns it.</summary>
    public async Task<TopPort?> FindTopAsync(string id, CancellationToken cancellationToken) => (await FindAsync(id, null, cancellationToken))?.ToTop();

    /// <summary>For an audit: the central ports among <paramref name="ids"/> (those gone are missing), a few queries for any number.</summary>
    public async Task<IReadOnlyDictionary<string, TopPort>> FindTopManyAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        var rows = new List<PortRow>();
        await using var connection = await database.OpenAsync(cancellationToken);
        foreach (var chunk in ids.Distinct(StringComparer.Ordinal).Chunk(NeutronSql.InChunk))
        {
            var sql = new NeutronSql();
            var found = (await connection.QueryAsync<PortRow>(new CommandDefinition(
                $"SELECT {Columns} FROM ports p WHERE {sql.In("p.id", chunk)}", sql.Parameters, cancellationToken: cancellationToken))).ToList();
            await LoadAsync(connection, null, found, cancellationToken);
            rows.AddRange(found);
        }

        return rows.ToDictionary(r => r.Id, r => r.ToTop(), StringComparer.Ordinal);
    }

    /// <summary>A network's ports of one device owner (its DHCP ports, say), oldest first: read on every boot, so filtered in SQL.</summary>
    public async Task<IReadOnlyList<TopPort>> ListTopAsync(string networkId, string deviceOwner, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ListTopAsync(connection, networkId, deviceOwner, cancellationToken);
    }

    /// <summary>As <see cref="ListTopAsync(string, string, CancellationToken)"/>, on the caller's connection.</summary>
    public static async Task<IReadOnlyList<TopPort>> ListTopAsync(DbConnection connection, string networkId, string deviceOwner, CancellationToken cancellationToken)
    {
        var rows = (await connection.QueryAsync<PortRow>(new CommandDefinition(
            $"SELECT {Columns} FROM ports p WHERE p.network_id = @networkId AND p.device_owner = @deviceOwner ORDER BY p.created_at, p.id",
            new { networkId, deviceOwner },
            cancellationToken: cancellationToken))).ToList();
        await LoadAsync(connection, null, rows, cancellationToken);
        return [.. rows.Select(r => r.ToTop())];
    }

    public async Task<(List<PortRow> Rows, Dictionary<string, List<string>> Tags)> ListAsync(NeutronQuery query, RequestContext caller, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var sql = new NeutronSql();
        var rows = await query.ListAsync<PortRow>(connection, Schema, Columns, Visible(caller, sql), sql, cancellationToken);
        await LoadAsync(connection, null, rows, cancellationToken);
        var details = await TrunkStore.DetailsAsync(connection, [.. rows.Select(r => r.Id)], cancellationToken);
        foreach (var row in rows)
        {
            row.TrunkDetails = details.GetValueOrDefault(row.Id);
        }

        return (rows, await NeutronTags.LoadAsync(connection, "ports", [.. rows.Select(r => r.Id)], cancellationToken));
    }

    public async Task<JsonObject> ViewAsync(PortRow port, bool admin, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        port.QosNetworkPolicyId = await connection.QueryFirstOrDefaultAsync<string>(new CommandDefinition(
            "SELECT qos_policy_id FROM networks WHERE id = @NetworkId", port, cancellationToken: cancellationToken));
        port.TrunkDetails = (await TrunkStore.DetailsAsync(connection, [port.Id], cancellationToken)).GetValueOrDefault(port.Id);
        return port.ToView(admin, (await NeutronTags.LoadAsync(connection, "ports", [port.Id], cancellationToken))[port.Id]);
    }

    /// <summary>Fixed IPs and security group ids of a page of ports, in two queries.</summary>
    private static async Task LoadAsync(DbConnection connection, DbTransaction? tx, List<PortRow> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var byId = rows.ToDictionary(r => r.Id);
        var sql = new NeutronSql();
        var inPorts = sql.In("port_id", byId.Keys);
        foreach (var (portId, subnetId, ip) in await connection.QueryAsync<(string, string, string)>(new CommandDefinition(
            $"SELECT port_id, subnet_id, ip_address FROM ip_allocations WHERE {inPorts} ORDER BY port_id, subnet_id, ip_address", sql.Parameters, tx, cancellationToken: cancellationToken)))
        {
            byId[portId].FixedIps.Add(new FixedIp(subnetId, ip));
        }

        foreach (var (portId, group) in await connection.QueryAsync<(string, string)>(new CommandDefinition(
            $"SELECT port_id, security_group_id FROM port_security_groups WHERE {inPorts} ORDER BY port_id, security_group_id", sql.Parameters, tx, cancellationToken: cancellationToken)))
        {
            byId[portId].SecurityGroups.Add(group);
        }
    }

    /// <summary>
    /// Creates a port with its MAC (given: unique, 409 MacAddressInUse; else from base_mac) and
    /// fixed IPs (null: Neutron's default, one IPv4 address and the IPv6 ones). Other parts use
    /// this too (a server's port, a pod's DHCP port), with <paramref name="port"/> filled in.
    /// </summary>
    public Task<PortRow> CreateAsync(PortRow port, IReadOnlyList<FixedIpRequest>? fixedIps, IReadOnlyList<string>? securityGroups, IReadOnlyList<string> tags, CancellationToken cancellationToken) =>
        CreateAsync(port, fixedIps, securityGroups, tags, null, null, false, cancellationToken);

    /// <summary>
    /// A server's port made by the compute gateway, with what the gateway learned earlier in the
    /// same request: <paramref name="resolvedGroups"/> are ids it resolved among the port's
    /// project's own groups (null: the default group), so they are not looked up again before
    /// the transaction (they are still checked and held in it, as for any port), and
    /// <paramref name="quotaLimits"/> are the project's limits its quota reservation read (the
    /// port count is still taken in the transaction, under the project's quota lock).
    /// </summary>
    public Task<PortRow> CreateForServerAsync(PortRow port, IReadOnlyList<FixedIpRequest>? fixedIps, IReadOnlyList<string>? resolvedGroups, IReadOnlyDictionary<string, long>? quotaLimits, CancellationToken cancellationToken) =>
        CreateAsync(port, fixedIps, resolvedGroups, [], null, null, false, cancellationToken, groupsResolved: resolvedGroups is not null, quotaLimits);

    /// <summary>
    /// A router's port: no security groups (Neutron gives <c>network:</c> ports none), not counted
    /// against the port quota (Neutron's plugin makes them below its API's quota check), and
    /// <paramref name="also"/> in its transaction after the insert.
    /// </summary>
    public Task<PortRow> CreateServicePortAsync(PortRow port, IReadOnlyList<FixedIpRequest>? fixedIps, InTransaction? also, CancellationToken cancellationToken) =>
        CreateAsync(port, fixedIps, [], [], null, also, true, cancellationToken);

    /// <summary>
    /// The same with <paramref name="first"/> at the start of its transaction, before anything is
    /// taken (a floating IP's quota: its lock comes before the addresses' keys, as for any port).
    /// </summary>
    public Task<PortRow> CreateServicePortAsync(PortRow port, IReadOnlyList<FixedIpRequest>? fixedIps, InTransaction? first, InTransaction? also, CancellationToken cancellationToken) =>
        CreateAsync(port, fixedIps, [], [], first, also, true, cancellationToken);

    private async Task<PortRow> CreateAsync(
        PortRow port,
        IReadOnlyList<FixedIpRequest>? fixedIps,
        IReadOnlyList<string>? securityGroups,
        IReadOnlyList<string> tags,
        InTransaction? first,
        InTransaction? also,
        bool serviceOwned,
        CancellationToken cancellationToken,
        bool groupsResolved = false,
        IReadOnlyDictionary<string, long>? quotaLimits = null)
    {
        var macGiven = port.MacAddress.Length > 0;
        var now = DbTime.Now(timeProvider);
        port.Id = port.Id.Length == 0 ? Guid.NewGuid().ToString() : port.Id;
        port.CreatedAt = now;
        port.UpdatedAt = now;
        port.SecurityGroups = groupsResolved ? [.. securityGroups!.Distinct(StringComparer.Ordinal)]
            : port.PortSecurityEnabled || securityGroups is { Count: > 0 } ? [.. await groupStore.ResolveForPortAsync(port.ProjectId, securityGroups, cancellationToken)]
            : [];
        if (!port.PortSecurityEnabled && port.SecurityGroups.Count > 0)
        {
            throw TricircleException.Conflict("Port has security group associated. Cannot disable port security or ip address until security group is removed", "PortSecurityPortHasSecurityGroup");
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        await (first?.Invoke(connection, tx, cancellationToken) ?? Task.CompletedTask);
        if (port.DeviceOwner != DhcpOwner && !serviceOwned)
        {
            // A pod's DHCP port is Tricircle's own doing: it never fails a tenant's boot for quota.
            await quotas.EnsureWithinAsync(connection, tx, port.ProjectId, QuotaResources.Port, 1, cancellationToken, quotaLimits);
        }

        if (port.SecurityGroups.Count > 0)
        {
            // Held until the port is written: a group deleted meanwhile waits (PostgreSQL) or is seen gone.
            // Their deleting marks are read with the network's below (a later statement sees them too).
            await groupStore.RequireForPortAsync(connection, tx, port.ProjectId, admin: false, port.SecurityGroups, cancellationToken, checkMarks: false);
        }

        for (var attempt = 0; ; attempt++)
        {
            if (!macGiven)
            {
                port.MacAddress = NewMac();
            }

            var inserted = await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO ports (id, project_id, network_id, name, description, mac_address, admin_state_up, status, device_id, device_owner, port_security_enabled,
                                   binding_host_id, binding_profile, binding_vnic_type, binding_vif_type, binding_vif_details, allowed_address_pairs, extra_dhcp_opts,
                                   created_at, updated_at, revision_number, qos_policy_id)
                VALUES (@Id, @ProjectId, @NetworkId, @Name, @Description, @MacAddress, @AdminStateUp, @Status, @DeviceId, @DeviceOwner, @PortSecurityEnabled,
                        @BindingHostId, @BindingProfile, @BindingVnicType, @BindingVifType, @BindingVifDetails, @AllowedAddressPairs, @ExtraDhcpOpts,
                        @CreatedAt, @UpdatedAt, 1, @QosPolicyId)
                ON CONFLICT DO NOTHING
                """,
                port,
                tx,
                cancellationToken: cancellationToken));
            if (inserted == 1)
            {
                break;
            }

            if (await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM ports WHERE id = @Id", port, tx, cancellationToken: cancellationToken)) > 0)
            {
                throw TricircleException.Conflict($"Port {port.Id} already exists.", PortExists); // an id given by the caller (a DHCP port's, derived from its subnet)
            }

            if (macGiven || attempt >= 10)
            {
                throw TricircleException.Conflict($"Unable to complete operation for network {port.NetworkId}. The mac address {port.MacAddress} is in use.", "MacAddressInUse");
            }
        }

        port.FixedIps = await AllocateAsync(connection, tx, port, fixedIps, cancellationToken);

        // After the insert, which waited for a delete that had the network's row (PostgreSQL): its
        // mark is seen; the groups' too (held since RequireForPortAsync), in the same query.
        await DeletingMarks.RefuseAsync(connection, tx, [port.NetworkId, .. port.FixedIps.Select(f => f.SubnetId), .. port.SecurityGroups], cancellationToken);
        await InsertGroupsAsync(connection, tx, port, cancellationToken);

        // A new port has no tags to replace: only those asked for are written.
        if (tags.Count > 0)
        {
            await NeutronTags.ReplaceAsync(connection, tx, "ports", port.Id, tags, cancellationToken);
        }
        await (also?.Invoke(connection, tx, cancellationToken) ?? Task.CompletedTask);
        await tx.CommitAsync(cancellationToken);
        return port;
    }

    /// <summary>
    /// Gives a port without a device to <paramref name="deviceId"/> (a router's interface by
    /// port): false when it has a device by now, so that two claims cannot both win.
    /// </summary>
    public async Task<bool> ClaimAsync(string portId, string deviceId, string deviceOwner, InTransaction? also, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        var claimed = await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE ports SET device_id = @deviceId, device_owner = @deviceOwner, updated_at = @now, revision_number = revision_number + 1
            WHERE id = @portId AND device_id = ''
            """,
            new { portId, deviceId, deviceOwner, now = DbTime.Now(timeProvider) },
            tx,
            cancellationToken: cancellationToken));
        if (claimed == 0)
        {
            return false;
        }

        await (also?.Invoke(connection, tx, cancellationToken) ?? Task.CompletedTask);
        await tx.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>The ports of a device (a router's interfaces and gateway), with their fixed IPs.</summary>
    public static async Task<List<PortRow>> OfDeviceAsync(DbConnection connection, DbTransaction? tx, IReadOnlyCollection<string> deviceIds, string? deviceOwner, CancellationToken cancellationToken)
    {
        if (deviceIds.Count == 0)
        {
            return [];
        }

        var sql = new NeutronSql();
        var owner = deviceOwner is null ? "" : $" AND p.device_owner = {sql.Param(deviceOwner)}";
        var rows = (await connection.QueryAsync<PortRow>(new CommandDefinition(
            $"SELECT {Columns} FROM ports p WHERE {sql.In("p.device_id", deviceIds.Distinct())}{owner} ORDER BY p.created_at, p.id", sql.Parameters, tx, cancellationToken: cancellationToken))).ToList();
        await LoadAsync(connection, tx, rows, cancellationToken);
        return rows;
    }

    /// <summary>
    /// The addresses of instances on the networks, with the pod each one's port is in (its copy
    /// there): what a router's copies route to. Ports of routers, DHCP and other network devices
    /// are not instances.
    /// </summary>
    public async Task<IReadOnlyList<InstanceAddress>> InstancesAsync(IReadOnlyCollection<string> networkIds, CancellationToken cancellationToken)
    {
        if (networkIds.Count == 0)
        {
            return [];
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var sql = new NeutronSql();
        var rows = await connection.QueryAsync<(string NetworkId, string IpAddress, string PodId)>(new CommandDefinition(
            $"""
            SELECT p.network_id, a.ip_address, r.pod_id FROM ports p
            JOIN ip_allocations a ON a.port_id = p.id
            JOIN resource_routings r ON r.top_id = p.id AND r.resource_type = 'port' AND r.bottom_id IS NOT NULL
            WHERE {sql.In("p.network_id", networkIds)} AND p.device_owner NOT LIKE 'network:%'
            ORDER BY p.network_id, a.ip_address
            """,
            sql.Parameters,
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => new InstanceAddress(r.NetworkId, r.IpAddress, r.PodId))];
    }

    /// <summary>
    /// The network's instance ports that are in a pod (their copy there), with that pod: what
    /// <see cref="ShadowPorts"/> stands in for in the network's other pods.
    /// </summary>
    public async Task<IReadOnlyList<(TopPort Port, string PodId)>> InPodsAsync(string networkId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<PortRow>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM ports p
            WHERE p.network_id = @networkId AND p.device_owner NOT LIKE 'network:%'
              AND EXISTS (SELECT 1 FROM resource_routings r WHERE r.top_id = p.id AND r.resource_type = 'port' AND r.bottom_id IS NOT NULL)
            ORDER BY p.created_at, p.id
            """,
            new { networkId },
            cancellationToken: cancellationToken))).ToList();
        await LoadAsync(connection, null, rows, cancellationToken);
        var podOf = (await connection.QueryAsync<(string TopId, string PodId)>(new CommandDefinition(
            """
            SELECT r.top_id, r.pod_id FROM resource_routings r JOIN ports p ON p.id = r.top_id
            WHERE p.network_id = @networkId AND r.resource_type = 'port' AND r.bottom_id IS NOT NULL
            """,
            new { networkId },
            cancellationToken: cancellationToken))).GroupBy(r => r.TopId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().PodId, StringComparer.Ordinal);
        return [.. rows.Where(r => podOf.ContainsKey(r.Id)).Select(r => (r.ToTop(), podOf[r.Id]))];
    }

    /// <summary>A MAC of the configured base (its first three octets) with the rest random.</summary>
    public string NewMac()
    {
        var prefix = options.Value.MacPrefix();
        Span<byte> tail = stackalloc byte[3];
        Random.Shared.NextBytes(tail);
        return string.Join(':', prefix.Concat(tail.ToArray()).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>Takes the asked addresses (or Neutron's default ones) for the port, in its transaction.</summary>
    private async Task<List<FixedIp>> AllocateAsync(DbConnection connection, DbTransaction tx, PortRow port, IReadOnlyList<FixedIpRequest>? requests, CancellationToken cancellationToken)
    {
        var subnets = await SubnetStore.OfNetworkAsync(connection, tx, port.NetworkId, cancellationToken);
        var result = new List<FixedIp>();
        if (requests is null)
        {
            // Neutron's default: one address of the first IPv4 subnet with room, one of a stateful
            // IPv6 subnet, and the SLAAC address of every auto-address subnet.
            foreach (var subnet in subnets.Where(s => s.AutoAddress))
            {
                result.Add(await TakeAsync(connection, tx, port, subnet, Ipam.Eui64(Ipam.ParseCidr(subnet.Cidr), port.MacAddress), cancellationToken));
            }

            foreach (var version in new[] { 4, 6 })
            {
                var candidates = subnets.Where(s => s.IpVersion == version && !s.AutoAddress).ToList();
                foreach (var subnet in candidates)
                {
                    if (await TakeFreeAsync(connection, tx, port, subnet, cancellationToken) is { } ip)
                    {
                        result.Add(ip);
                        break;
                    }

                    if (subnet == candidates[^1])
                    {
                        throw Exhausted(port.NetworkId);
                    }
                }
            }

            return result;
        }

        foreach (var request in requests)
        {
            SubnetRow subnet;
            if (request.SubnetId is { } subnetId)
            {
                subnet = subnets.FirstOrDefault(s => s.Id == subnetId)
                    ?? (await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM subnets WHERE id = @subnetId", new { subnetId }, tx, cancellationToken: cancellationToken)) > 0
                        ? throw NeutronErrors.InvalidInput($"Failed to create port on network {port.NetworkId}, because fixed_ips included invalid subnet {subnetId}.")
                        : throw NeutronErrors.NotFound("Subnet", subnetId));
                if (request.IpAddress is { } wanted && !InSubnet(subnet, wanted))
                {
                    throw TricircleException.Invalid($"IP address {wanted} is not a valid IP for the specified subnet.", "InvalidIpForSubnet");
                }
            }
            else if (request.IpAddress is { } wanted)
            {
                subnet = subnets.FirstOrDefault(s => InSubnet(s, wanted))
                    ?? throw TricircleException.Invalid($"IP address {wanted} is not a valid IP for any of the subnets on the specified network.", "InvalidIpForNetwork");
            }
            else
            {
                throw NeutronErrors.InvalidInput("fixed_ips entries need a subnet_id or an ip_address");
            }

            if (request.IpAddress is { } address)
            {
                result.Add(await TakeAsync(connection, tx, port, subnet, Ipam.Canonical(address), cancellationToken));
            }
            else if (subnet.AutoAddress)
            {
                result.Add(await TakeAsync(connection, tx, port, subnet, Ipam.Eui64(Ipam.ParseCidr(subnet.Cidr), port.MacAddress), cancellationToken));
            }
            else
            {
                result.Add(await TakeFreeAsync(connection, tx, port, subnet, cancellationToken) ?? throw Exhausted(port.NetworkId));
            }
        }

        return result;
    }

    private static TricircleException Exhausted(string networkId) =>
        TricircleException.Conflict($"No more IP addresses available on network {networkId}.", "IpAddressGenerationFailure");

    private static bool InSubnet(SubnetRow subnet, string address)
    {
        var cidr = Ipam.ParseCidr(subnet.Cidr);
        if (!Ipam.TryParseAddress(address, out var value, out var version) || version != cidr.Version)
        {
            return false;
        }

        var (first, last) = Ipam.Usable(cidr);
        return value >= first && value <= last;
    }

    private static async Task<FixedIp> TakeAsync(DbConnection connection, DbTransaction tx, PortRow port, SubnetRow subnet, string ip, CancellationToken cancellationToken) =>
        await TryTakeAsync(connection, tx, port, subnet, ip, cancellationToken)
            ? new FixedIp(subnet.Id, ip)
            : throw TricircleException.Conflict($"IP address {ip} already allocated in subnet {subnet.Id}", "IpAddressAlreadyAllocated");

    private static async Task<bool> TryTakeAsync(DbConnection connection, DbTransaction tx, PortRow port, SubnetRow subnet, string ip, CancellationToken cancellationToken) =>
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO ip_allocations (network_id, ip_address, subnet_id, port_id) VALUES (@network, @ip, @subnet, @port) ON CONFLICT DO NOTHING",
            new { network = port.NetworkId, ip, subnet = subnet.Id, port = port.Id },
            tx,
            cancellationToken: cancellationToken)) == 1;

    /// <summary>
    /// A free address of the subnet's pools: the first one past this instance's hint (see
    /// <see cref="FreeAddressHints"/>), found by probing a window of addresses through the primary
    /// key, a wider one each time it is all taken; with no hint, or past the pools' end, the first
    /// free one of the pools read from all the network's allocations (so addresses released
    /// elsewhere are found again). After a lost race, a random one of the next few free ones, so
    /// that concurrent requests stop choosing the same address.
    /// </summary>
    private async Task<FixedIp?> TakeFreeAsync(DbConnection connection, DbTransaction tx, PortRow port, SubnetRow subnet, CancellationToken cancellationToken)
    {
        var pools = string.Join(',', subnet.Pools.Select(p => p.Start + "-" + p.End));
        var ranges = Ipam.Ranges(subnet.Pools);
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var free = await ProbeAsync(connection, tx, port.NetworkId, subnet, pools, ranges, attempt == 0 ? 1 : 16, cancellationToken);
            if (free.Count == 0)
            {
                return null;
            }

            var ip = free[attempt == 0 ? 0 : Random.Shared.Next(free.Count)];
            var text = Ipam.Format(ip, subnet.IpVersion);
            if (await TryTakeAsync(connection, tx, port, subnet, text, cancellationToken))
            {
                hints.Taken(subnet.Id, pools, ip);
                return new FixedIp(subnet.Id, text);
            }
        }

        throw TricircleException.Conflict($"Unable to allocate an address on network {port.NetworkId}: too many concurrent requests; try again.", "IpAddressGenerationFailure");
    }

    /// <summary>Up to <paramref name="count"/> free addresses, lowest first (see <see cref="TakeFreeAsync"/>).</summary>
    private async Task<List<BigInteger>> ProbeAsync(
        DbConnection connection, DbTransaction tx, string networkId, SubnetRow subnet, string pools, List<(BigInteger First, BigInteger Last)> ranges, int count, CancellationToken cancellationToken)
    {
        if (hints.Claim(subnet.Id, pools) is { } start)
        {
            for (var size = 32; ; size = Math.Min(size * 4, 4096))
            {
                var window = Ipam.Window(ranges, start, size);
                if (window.Count == 0)
                {
                    break; // past the pools' end: read them whole
                }

                // Written out: Npgsql cannot expand Dapper's IN @list.
                var texts = window.Select(a => Ipam.Format(a, subnet.IpVersion)).ToList();
                var parameters = new DynamicParameters(new { networkId });
                var names = string.Join(", ", texts.Select((text, i) =>
                {
                    var name = "a" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    parameters.Add(name, text);
                    return "@" + name;
                }));
                var taken = (await connection.QueryAsync<string>(new CommandDefinition(
                    $"SELECT ip_address FROM ip_allocations WHERE network_id = @networkId AND ip_address IN ({names})", parameters, tx, cancellationToken: cancellationToken)))
                    .ToHashSet(StringComparer.Ordinal);
                var free = window.Where((_, i) => !taken.Contains(texts[i])).Take(count).ToList();
                if (free.Count > 0)
                {
                    return free;
                }

                start = window[^1] + 1;
            }
        }

        var all = await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT ip_address FROM ip_allocations WHERE network_id = @networkId", new { networkId }, tx, cancellationToken: cancellationToken));
        return [.. Ipam.FreeCandidates(subnet.IpVersion, subnet.Pools, all, count).Select(a => Ipam.ParseAddress(a, "ip_address"))];
    }

    /// <summary>The addresses of a port about to be released: this instance's next creates may have them again.</summary>
    private async Task ReleasingAsync(DbConnection connection, DbTransaction tx, string portId, CancellationToken cancellationToken)
    {
        foreach (var (subnetId, address) in await connection.QueryAsync<(string, string)>(new CommandDefinition(
            "SELECT subnet_id, ip_address FROM ip_allocations WHERE port_id = @portId", new { portId }, tx, cancellationToken: cancellationToken)))
        {
            if (Ipam.TryParseAddress(address, out var value, out _))
            {
                hints.Released(subnetId, value);
            }
        }
    }

    /// <summary>For other parts (a pod's DHCP port): one more address of <paramref name="subnetId"/> on an existing port.</summary>
    public async Task<FixedIp> AllocateIpAsync(string portId, string subnetId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        var port = await FindAsync(connection, tx, portId, null, cancellationToken) ?? throw NeutronErrors.NotFound("Port", portId);
        var ip = (await AllocateAsync(connection, tx, port, [new FixedIpRequest(subnetId, null)], cancellationToken))[0];
        await tx.CommitAsync(cancellationToken);
        return ip;
    }

    /// <summary>For other parts (compute, materialisation): sets the device, binding and status of a port; null leaves a value.</summary>
    public async Task UpdateBindingAsync(string portId, string? deviceId, string? deviceOwner, string? hostId, string? status, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        if (await UpdateBindingAsync(connection, null, portId, deviceId, deviceOwner, hostId, status, DbTime.Now(timeProvider), cancellationToken) == 0)
        {
            throw NeutronErrors.NotFound("Port", portId);
        }
    }

    /// <summary>The same in the caller's transaction (a server recorded with its ports); the number of ports changed.</summary>
    public static Task<int> UpdateBindingAsync(
        DbConnection connection, DbTransaction? tx, string portId, string? deviceId, string? deviceOwner, string? hostId, string? status, DateTime now, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE ports SET device_id = COALESCE(@deviceId, device_id), device_owner = COALESCE(@deviceOwner, device_owner),
                binding_host_id = COALESCE(@hostId, binding_host_id), status = COALESCE(@status, status),
                updated_at = @now, revision_number = revision_number + 1
            WHERE id = @portId
            """,
            new { portId, deviceId, deviceOwner, hostId, status, now },
            tx,
            cancellationToken: cancellationToken));

    /// <summary>
    /// A new MAC (an admin's update), as Neutron's ML2 allows it: not while the port is bound
    /// (409 <c>PortBound</c>), not one another port of the network has (409 <c>MacAddressInUse</c>).
    /// </summary>
    private static async Task RequireMacChangeAllowedAsync(DbConnection connection, DbTransaction tx, PortRow port, CancellationToken cancellationToken)
    {
        var old = await connection.ExecuteScalarAsync<string>(new CommandDefinition("SELECT mac_address FROM ports WHERE id = @Id", port, tx, cancellationToken: cancellationToken));
        if (old is null || string.Equals(old, port.MacAddress, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        if (!string.IsNullOrEmpty(port.BindingHostId))
        {
            throw TricircleException.Conflict(
                $"Unable to complete operation on port {port.Id}, port is already bound, port type: {port.BindingVifType}, old_mac {old}, new_mac {port.MacAddress}.", "PortBound");
        }

        if (await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM ports WHERE network_id = @NetworkId AND mac_address = @MacAddress AND id <> @Id", port, tx, cancellationToken: cancellationToken)) > 0)
        {
            throw TricircleException.Conflict($"Unable to complete operation for network {port.NetworkId}. The mac address {port.MacAddress} is in use.", "MacAddressInUse");
        }
    }

    /// <summary>Writes a port's changed attributes; new <paramref name="fixedIps"/> (if any) replace the old addresses.</summary>
    public async Task<PortRow> UpdateAsync(PortRow port, IReadOnlyList<FixedIpRequest>? fixedIps, IReadOnlyList<string>? securityGroups, InTransaction? also, CancellationToken cancellationToken)
    {
        if (securityGroups is not null)
        {
            port.SecurityGroups = [.. await groupStore.ResolveForPortAsync(port.ProjectId, securityGroups, cancellationToken)];
        }

        if (!port.PortSecurityEnabled && port.SecurityGroups.Count > 0)
        {
            throw TricircleException.Conflict("Port has security group associated. Cannot disable port security or ip address until security group is removed", "PortSecurityPortHasSecurityGroup");
        }

        port.UpdatedAt = DbTime.Now(timeProvider);
        port.RevisionNumber++;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        await RequireMacChangeAllowedAsync(connection, tx, port, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE ports SET name = @Name, description = @Description, mac_address = @MacAddress, admin_state_up = @AdminStateUp, status = @Status, device_id = @DeviceId, device_owner = @DeviceOwner,
                port_security_enabled = @PortSecurityEnabled, binding_host_id = @BindingHostId, binding_profile = @BindingProfile, binding_vnic_type = @BindingVnicType,
                allowed_address_pairs = @AllowedAddressPairs, extra_dhcp_opts = @ExtraDhcpOpts, updated_at = @UpdatedAt, qos_policy_id = @QosPolicyId,
                revision_number = revision_number + 1
            WHERE id = @Id
            """,
            port,
            tx,
            cancellationToken: cancellationToken));
        if (fixedIps is not null)
        {
            await ReleasingAsync(connection, tx, port.Id, cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM ip_allocations WHERE port_id = @Id", port, tx, cancellationToken: cancellationToken));
            port.FixedIps = await AllocateAsync(connection, tx, port, fixedIps, cancellationToken);
            await DeletingMarks.RefuseAsync(connection, tx, port.FixedIps.Select(f => f.SubnetId), cancellationToken);
            await FloatingIpGuards.RequireFixedIpsKeptAsync(connection, tx, port.Id, port.FixedIps, cancellationToken);
        }

        if (securityGroups is not null)
        {
            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM port_security_groups WHERE port_id = @Id", port, tx, cancellationToken: cancellationToken));
            await InsertGroupsAsync(connection, tx, port, cancellationToken);
        }

        await (also?.Invoke(connection, tx, cancellationToken) ?? Task.CompletedTask);
        await tx.CommitAsync(cancellationToken);
        return port;
    }

    /// <summary>
    /// Remembers a booted server's ports (and whether Tricircle made each for it) for its delete,
    /// one statement each; a retried boot finds its rows there already.
    /// </summary>
    public static async Task RecordServerPortsAsync(DbConnection connection, DbTransaction tx, string serverId, string podId, IReadOnlyList<(string PortId, bool Created)> serverPorts, CancellationToken cancellationToken)
    {
        foreach (var (portId, created) in serverPorts)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO server_ports (server_id, port_id, pod_id, created) VALUES (@serverId, @portId, @podId, @created) ON CONFLICT (server_id, port_id) DO NOTHING",
                new { serverId, portId, podId, created },
                tx,
                cancellationToken: cancellationToken));
        }
    }

    /// <summary>The ports remembered for a server, and whether Tricircle made each for it.</summary>
    public async Task<IReadOnlyList<(string PortId, bool Created)>> ServerPortsAsync(string serverId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<(string, bool)>(new CommandDefinition(
            "SELECT port_id, created FROM server_ports WHERE server_id = @serverId", new { serverId }, cancellationToken: cancellationToken))];
    }

    /// <summary>A port attached to a running server: remembered for the server's delete and shown as its, in one transaction.</summary>
    public async Task AttachToServerAsync(string serverId, string podId, string portId, bool created, string deviceOwner, string hostId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        await RecordServerPortsAsync(connection, tx, serverId, podId, [(portId, created)], cancellationToken);
        await UpdateBindingAsync(connection, tx, portId, serverId, deviceOwner, hostId, "ACTIVE", DbTime.Now(timeProvider), cancellationToken);
        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>A server's port is released: its delete has nothing more to do for it.</summary>
    public async Task ForgetServerPortAsync(string serverId, string portId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM server_ports WHERE server_id = @serverId AND port_id = @portId", new { serverId, portId }, cancellationToken: cancellationToken));
    }

    /// <summary>A tag change counts as a revision of the port (in the tag change's transaction).</summary>
    public static Task CountRevisionAsync(DbConnection connection, DbTransaction tx, string id, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("UPDATE ports SET revision_number = revision_number + 1 WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken));

    /// <summary>
    /// The ports of a network being deleted (only our DHCP ports are left by then) and every
    /// address on it, in the network's delete transaction.
    /// </summary>
    public static async Task DeleteOfNetworkAsync(DbConnection connection, DbTransaction tx, string networkId, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM ports WHERE network_id = @id", new { id = networkId }, tx, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM ip_allocations WHERE network_id = @id", new { id = networkId }, tx, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Our DHCP ports with an address in a subnet being deleted and every address in it (no other
    /// port holds one by then), in the subnet's delete transaction.
    /// </summary>
    public static async Task DeleteOfSubnetAsync(DbConnection connection, DbTransaction tx, string subnetId, CancellationToken cancellationToken)
    {
        foreach (var statement in new[] { $"DELETE FROM ports WHERE id IN ({DhcpPortsOfSubnet})", "DELETE FROM ip_allocations WHERE subnet_id = @id" })
        {
            await connection.ExecuteAsync(new CommandDefinition(statement, new { id = subnetId, dhcp = DhcpOwner }, tx, cancellationToken: cancellationToken));
        }
    }

    /// <summary>
    /// Deletes a port, releasing its addresses and MAC, with <paramref name="also"/> before and <paramref name="after"/> after it in its
    /// transaction. What takes locks a floating IP's association also takes after the port's (the
    /// jobs it queues) goes after, so the two never wait for each other in a circle.
    /// </summary>
    public async Task DeleteAsync(string id, InTransaction? also, CancellationToken cancellationToken, InTransaction? after = null)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        await (also?.Invoke(connection, tx, cancellationToken) ?? Task.CompletedTask);
        await Delete(id)(connection, tx, cancellationToken);
        await (after?.Invoke(connection, tx, cancellationToken) ?? Task.CompletedTask);
        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>A port's delete as part of another change's transaction (a gateway port replaced by one with other addresses, in one step).</summary>
    public InTransaction Delete(string id) => async (connection, tx, cancellationToken) =>
    {
        // As Neutron's delete_port: floating IPs on the port stay, without it.
        await FloatingIpStore.DisassociatePortAsync(connection, tx, id, DbTime.Now(timeProvider), cancellationToken);
        await NeutronTags.RemoveAsync(connection, tx, "ports", id, cancellationToken);
        await ReleasingAsync(connection, tx, id, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM ip_allocations WHERE port_id = @id", new { id }, tx, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM port_security_groups WHERE port_id = @id", new { id }, tx, cancellationToken: cancellationToken));

        // A server that had it no longer does: its delete has nothing to release.
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM server_ports WHERE port_id = @id", new { id }, tx, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM ports WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken));
    };
}
