using System.Data.Common;
using System.Text.Json.Nodes;
using Dapper;
using Tricircle.Data;
using Tricircle.Errors;
using Tricircle.Identity;
using Tricircle.Quotas;

namespace Tricircle.Network;

/// <summary>A row of <c>security_groups</c> (with whether it is its project's default).</summary>
internal sealed class SecurityGroupRow
{
    public string Id { get; set; } = "";

    public string ProjectId { get; set; } = "";

    public string Name { get; set; } = "";

    public string Description { get; set; } = "";

    public bool Stateful { get; set; } = true;

    public int RevisionNumber { get; set; }

    public bool IsDefault { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public JsonObject ToJson(IEnumerable<SecurityGroupRuleRow> rules, IEnumerable<string>? tags = null) => new()
    {
        ["id"] = Id,
        ["name"] = Name,
        ["description"] = Description,
        ["stateful"] = Stateful,
        ["project_id"] = ProjectId,
        ["tenant_id"] = ProjectId,
        ["revision_number"] = RevisionNumber,
        ["created_at"] = SecurityGroupStore.Time(CreatedAt),
        ["updated_at"] = SecurityGroupStore.Time(UpdatedAt),
        ["tags"] = NeutronTags.Json(tags ?? []),
        ["security_group_rules"] = new JsonArray([.. rules.Select(r => (JsonNode)r.ToJson())]),
    };

    public TopSecurityGroup ToTop(IEnumerable<SecurityGroupRuleRow> rules) => new(Id, ProjectId, Name, Description, [.. rules.Select(r => r.ToTop())]);
}

/// <summary>A row of <c>security_group_rules</c>.</summary>
internal sealed class SecurityGroupRuleRow
{
    public string Id { get; set; } = "";

    public string SecurityGroupId { get; set; } = "";

    public string ProjectId { get; set; } = "";

    public string Direction { get; set; } = "";

    public string Ethertype { get; set; } = "";

    public string? Protocol { get; set; }

    public int? PortRangeMin { get; set; }

    public int? PortRangeMax { get; set; }

    public string? RemoteIpPrefix { get; set; }

    public string? RemoteGroupId { get; set; }

    public string Description { get; set; } = "";

    public string Fingerprint { get; set; } = "";

    public int RevisionNumber { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public JsonObject ToJson() => new()
    {
        ["id"] = Id,
        ["security_group_id"] = SecurityGroupId,
        ["direction"] = Direction,
        ["ethertype"] = Ethertype,
        ["protocol"] = Protocol,
        ["port_range_min"] = PortRangeMin,
        ["port_range_max"] = PortRangeMax,
        ["remote_ip_prefix"] = RemoteIpPrefix,
        ["normalized_cidr"] = RemoteIpPrefix is null ? null : SecurityGroupRuleInput.NormalizedCidr(RemoteIpPrefix),
        ["remote_group_id"] = RemoteGroupId,
        ["description"] = Description,
        ["project_id"] = ProjectId,
        ["tenant_id"] = ProjectId,
        ["revision_number"] = RevisionNumber,
        ["created_at"] = SecurityGroupStore.Time(CreatedAt),
        ["updated_at"] = SecurityGroupStore.Time(UpdatedAt),
    };

    public TopSecurityGroupRule ToTop() =>
        new(Id, SecurityGroupId, ProjectId, Direction, Ethertype, Protocol, PortRangeMin, PortRangeMax, RemoteIpPrefix, RemoteGroupId, Description);
}

/// <summary>
/// The central security groups and rules: tenant isolation (another project's group is not
/// found), a default group per project made on first use, count-based quotas, and equal rules
/// refused by the schema.
/// </summary>
internal sealed class SecurityGroupStore(Database database, NetworkQuotas quotas, DeletingMarks marks, TimeProvider timeProvider, CentralNameCache names)
{
    public const string DefaultName = "default";

    /// <summary>The groups' resource type in <c>neutron_tags</c> (their collection's name).</summary>
    public const string TagType = "security-groups";

    private const string GroupColumns =
        "g.id, g.project_id, g.name, g.description, g.stateful, g.revision_number, g.created_at, g.updated_at, " +
        "CASE WHEN d.project_id IS NULL THEN 0 ELSE 1 END AS is_default";

    private const string GroupFrom = "security_groups g LEFT JOIN default_security_groups d ON d.security_group_id = g.id";

    private const string RuleColumns =
        "r.id, r.security_group_id, r.project_id, r.direction, r.ethertype, r.protocol, r.port_range_min, r.port_range_max, " +
        "r.remote_ip_prefix, r.remote_group_id, r.description, r.fingerprint, r.revision_number, r.created_at, r.updated_at";

    /// <summary>Neutron's timestamps: <c>2018-03-19T19:16:56Z</c>.</summary>
    public static string Time(DateTime value) => DbTime.Utc(value).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The project's default group, made with Neutron's default rules when it has none yet (the
    /// first list, show or create of security groups, or the first port that needs one). Two
    /// first uses at once, on any instances, end with one group: the project is the primary key
    /// of <c>default_security_groups</c>, and the loser reads the winner's.
    /// </summary>
    public async Task<string> EnsureDefaultAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await EnsureDefaultAsync(connection, projectId, cancellationToken);
    }

    /// <summary>As <see cref="EnsureDefaultAsync(string, CancellationToken)"/>, on the caller's connection (with no transaction open on it).</summary>
    private async Task<string> EnsureDefaultAsync(DbConnection connection, string projectId, CancellationToken cancellationToken)
    {
        if (await DefaultIdAsync(connection, null, projectId, cancellationToken) is { } existing)
        {
            return existing;
        }

        try
        {
            await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
            if (await DefaultIdAsync(connection, tx, projectId, cancellationToken) is { } made)
            {
                return made;
            }

            var now = DbTime.Now(timeProvider);
            var group = new SecurityGroupRow { Id = Guid.NewGuid().ToString(), ProjectId = projectId, Name = DefaultName, Description = "Default security group", RevisionNumber = 1, CreatedAt = now, UpdatedAt = now };
            await InsertGroupAsync(connection, tx, group, cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO default_security_groups (project_id, security_group_id) VALUES (@ProjectId, @Id)", group, tx, cancellationToken: cancellationToken));

            // Neutron's default rules: everything out, and in from members of the group itself.
            foreach (var ethertype in new[] { SecurityGroupRuleInput.IPv4, SecurityGroupRuleInput.IPv6 })
            {
                await InsertRuleAsync(connection, tx, NewRule(group, new SecurityGroupRuleInput(group.Id, "egress", ethertype, null, null, null, null, null, "", null), now), cancellationToken);
                await InsertRuleAsync(connection, tx, NewRule(group, new SecurityGroupRuleInput(group.Id, "ingress", ethertype, null, null, null, null, group.Id, "", null), now), cancellationToken);
            }

            await tx.CommitAsync(cancellationToken);
            return group.Id;
        }
        catch (DbException e) when (Database.IsUniqueViolation(e))
        {
            // Another instance made it first.
            await using var again = await database.OpenAsync(cancellationToken);
            return await DefaultIdAsync(again, null, projectId, cancellationToken)
                ?? throw new InvalidOperationException($"The default security group of project {projectId} was made and is gone.");
        }
    }

    /// <summary>A new group of <paramref name="projectId"/>, with Neutron's egress rules of every new group; counted against its security_group quota.</summary>
    public async Task<(SecurityGroupRow Group, List<SecurityGroupRuleRow> Rules)> CreateAsync(string projectId, string name, string description, bool stateful, CancellationToken cancellationToken)
    {
        await EnsureDefaultAsync(projectId, cancellationToken);
        var now = DbTime.Now(timeProvider);
        var group = new SecurityGroupRow { Id = Guid.NewGuid().ToString(), ProjectId = projectId, Name = name, Description = description, Stateful = stateful, RevisionNumber = 1, CreatedAt = now, UpdatedAt = now };
        var rules = new[] { SecurityGroupRuleInput.IPv4, SecurityGroupRuleInput.IPv6 }
            .Select(e => NewRule(group, new SecurityGroupRuleInput(group.Id, "egress", e, null, null, null, null, null, "", null), now))
            .ToList();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        await quotas.EnsureWithinAsync(connection, tx, projectId, QuotaResources.SecurityGroup, 1, cancellationToken);
        await InsertGroupAsync(connection, tx, group, cancellationToken);
        foreach (var rule in rules)
        {
            await InsertRuleAsync(connection, tx, rule, cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return (group, rules);
    }

    /// <summary>The tags of each group.</summary>
    public async Task<Dictionary<string, List<string>>> TagsOfAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await NeutronTags.LoadAsync(connection, TagType, ids, cancellationToken);
    }

    /// <summary>A tag change counts as a revision of the group (in the change's transaction).</summary>
    public static Task CountRevisionAsync(DbConnection connection, DbTransaction tx, string id, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("UPDATE security_groups SET revision_number = revision_number + 1 WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken));

    /// <summary>The group if the caller may see it (its project's, or any for an admin); otherwise Neutron's 404.</summary>
    public async Task<SecurityGroupRow> GetAsync(RequestContext caller, string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await FindAsync(connection, null, caller, id, cancellationToken) ?? throw GroupNotFound(id);
    }

    /// <summary>
    /// Nova's <c>security_groups</c> of a server (names, or ids as Nova also takes) as the
    /// project's group ids; <c>default</c> is made if need be. One Nova does not know is its 400.
    /// </summary>
    public async Task<IReadOnlyList<string>> IdsByNameAsync(string projectId, IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        var wanted = names.Distinct(StringComparer.Ordinal).ToList();
        await using var connection = await database.OpenAsync(cancellationToken);

        // Any name but the default's: the project's groups, the default one among them marked, in one query.
        List<(string Id, string Name, string? DefaultId)>? groups = wanted.Any(n => n != DefaultName)
            ? [.. await connection.QueryAsync<(string, string, string?)>(new CommandDefinition(
                "SELECT g.id, g.name, d.security_group_id FROM security_groups g LEFT JOIN default_security_groups d ON d.security_group_id = g.id WHERE g.project_id = @projectId",
                new { projectId },
                cancellationToken: cancellationToken))]
            : null;
        var ids = new List<string>();
        foreach (var name in wanted)
        {
            if (name == DefaultName)
            {
                ids.Add(groups?.Where(g => g.DefaultId is not null).Select(g => g.Id).FirstOrDefault() ?? await EnsureDefaultAsync(connection, projectId, cancellationToken));
                continue;
            }

            var matches = groups!.Where(g => g.Id == name || g.Name == name).Select(g => g.Id).Distinct(StringComparer.Ordinal).ToList();
            ids.Add(matches.Count switch
            {
                1 => matches[0],
                0 => throw TricircleException.Invalid($"Security group {name} not found for project {projectId}."),
                _ => throw TricircleException.Conflict($"Multiple security groups named {name} in project {projectId}: use the group's id."),
            });
        }

        return [.. ids.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The group as materialisation needs it (no caller: the integrator has already checked access).</summary>
    public async Task<TopSecurityGroup?> FindTopAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var group = await connection.QueryFirstOrDefaultAsync<SecurityGroupRow>(new CommandDefinition(
            $"SELECT {GroupColumns} FROM {GroupFrom} WHERE g.id = @id", new { id }, cancellationToken: cancellationToken));
        return group?.ToTop((await RulesOfAsync(connection, [id], cancellationToken)).GetValueOrDefault(id, []));
    }

    /// <summary>A project's groups with their rules (every project's when null), its default group made first as Neutron's list does.</summary>
    public async Task<IReadOnlyList<TopSecurityGroup>> ListTopAsync(string? projectId, CancellationToken cancellationToken)
    {
        if (projectId is not null)
        {
            await EnsureDefaultAsync(projectId, cancellationToken);
        }

        List<string> ids;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            ids = [.. await connection.QueryAsync<string>(new CommandDefinition(
                projectId is null ? "SELECT id FROM security_groups" : "SELECT id FROM security_groups WHERE project_id = @projectId", new { projectId }, cancellationToken: cancellationToken))];
        }

        return [.. (await FindTopManyAsync(ids, cancellationToken)).Values];
    }

    /// <summary>For an audit: the central groups among <paramref name="ids"/> with their rules (those gone are missing), a few queries for any number.</summary>
    public async Task<IReadOnlyDictionary<string, TopSecurityGroup>> FindTopManyAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await FindTopManyAsync(connection, ids, cancellationToken);
    }

    /// <summary>As <see cref="FindTopManyAsync(IReadOnlyCollection{string}, CancellationToken)"/>, on the caller's connection.</summary>
    public static async Task<IReadOnlyDictionary<string, TopSecurityGroup>> FindTopManyAsync(DbConnection connection, IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, TopSecurityGroup>(StringComparer.Ordinal);
        foreach (var chunk in ids.Distinct(StringComparer.Ordinal).Chunk(NeutronSql.InChunk))
        {
            var sql = new NeutronSql();
            var groups = (await connection.QueryAsync<SecurityGroupRow>(new CommandDefinition(
                $"SELECT {GroupColumns} FROM {GroupFrom} WHERE {sql.In("g.id", chunk)}", sql.Parameters, cancellationToken: cancellationToken))).ToList();
            var rules = await RulesOfAsync(connection, [.. groups.Select(g => g.Id)], cancellationToken);
            foreach (var group in groups)
            {
                result[group.Id] = group.ToTop(rules.GetValueOrDefault(group.Id, []));
            }
        }

        return result;
    }

    /// <summary>The project's groups with a remote-group rule (theirs are the pod rules that follow the project's subnets).</summary>
    public async Task<IReadOnlyList<TopSecurityGroup>> WithRemoteGroupRulesAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var found = (await connection.QueryAsync<SecurityGroupRow>(new CommandDefinition(
            $"SELECT {GroupColumns} FROM {GroupFrom} WHERE g.project_id = @projectId AND EXISTS (SELECT 1 FROM security_group_rules r WHERE r.security_group_id = g.id AND r.remote_group_id IS NOT NULL)",
            new { projectId },
            cancellationToken: cancellationToken))).ToList();
        var rules = await RulesOfAsync(connection, [.. found.Select(g => g.Id)], cancellationToken);
        return [.. found.Select(g => g.ToTop(rules.GetValueOrDefault(g.Id, [])))];
    }

    /// <summary>The project's groups that have remote-group rules (what the project's subnets stand for in pods), in the caller's transaction.</summary>
    public static async Task<IReadOnlyList<string>> WithRemoteGroupRulesAsync(DbConnection connection, DbTransaction tx, string projectId, CancellationToken cancellationToken) =>
        [.. await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT DISTINCT security_group_id FROM security_group_rules WHERE project_id = @projectId AND remote_group_id IS NOT NULL",
            new { projectId },
            tx,
            cancellationToken: cancellationToken))];

    /// <summary>The other groups with rules naming <paramref name="id"/> as their remote group (they lose them when it goes).</summary>
    public static async Task<IReadOnlyList<string>> ReferencingAsync(DbConnection connection, DbTransaction tx, string id, CancellationToken cancellationToken) =>
        [.. await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT DISTINCT security_group_id FROM security_group_rules WHERE remote_group_id = @id AND security_group_id <> @id",
            new { id },
            tx,
            cancellationToken: cancellationToken))];

    /// <summary>The rules of each group, oldest first.</summary>
    public async Task<Dictionary<string, List<SecurityGroupRuleRow>>> RulesOfAsync(IReadOnlyCollection<string> groupIds, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await RulesOfAsync(connection, groupIds, cancellationToken);
    }

    /// <summary>
    /// Changes name, description or stateful. The default group keeps its name (409
    /// SecurityGroupCannotUpdateDefault); no other group may take the name "default".
    /// </summary>
    public async Task<SecurityGroupRow> UpdateAsync(RequestContext caller, string id, string? name, string? description, bool? stateful, InTransaction? also, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        var group = await FindAsync(connection, tx, caller, id, cancellationToken) ?? throw GroupNotFound(id);
        if (name is not null && name != group.Name && group.IsDefault)
        {
            throw TricircleException.Conflict("Updating default security group not allowed.", "SecurityGroupCannotUpdateDefault");
        }

        group.Name = name ?? group.Name;
        group.Description = description ?? group.Description;
        group.Stateful = stateful ?? group.Stateful;
        group.RevisionNumber++;
        group.UpdatedAt = DbTime.Now(timeProvider);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE security_groups SET name = @Name, description = @Description, stateful = @Stateful, revision_number = @RevisionNumber, updated_at = @UpdatedAt WHERE id = @Id",
            group,
            tx,
            cancellationToken: cancellationToken));
        await (also?.Invoke(connection, tx, cancellationToken) ?? Task.CompletedTask);
        await tx.CommitAsync(cancellationToken);
        names.ForgetGroup(id);
        return group;
    }

    /// <summary>
    /// Starts a group's delete: refused while a port uses it (409 SecurityGroupInUse) and, for
    /// non-admins, for the default group (409); else the group is marked (see
    /// <see cref="DeletingMarks"/>) so no port takes it until <see cref="DeleteAsync"/>.
    /// </summary>
    public async Task<SecurityGroupRow> BeginDeleteAsync(RequestContext caller, string id, InTransaction? also, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        var group = await FindAsync(connection, tx, caller, id, cancellationToken) ?? throw GroupNotFound(id);
        if (database.Dialect == DatabaseDialect.Postgres)
        {
            // Waits for ports being made with the group (RequireForPortAsync holds it FOR SHARE), and keeps new ones off until the mark is in.
            await connection.ExecuteAsync(new CommandDefinition("SELECT id FROM security_groups WHERE id = @id FOR UPDATE", new { id }, tx, cancellationToken: cancellationToken));
        }

        // Ports first, as Neutron: a default group in use is "in use" even to its owner.
        if (await InUseAsync(connection, tx, id, cancellationToken))
        {
            throw TricircleException.Conflict($"Security Group {id} in use.", "SecurityGroupInUse");
        }

        if (group.IsDefault && !caller.IsAdmin)
        {
            throw TricircleException.Conflict("Insufficient rights for removing default security group.", "SecurityGroupCannotRemoveDefault");
        }

        await marks.MarkAsync(connection, tx, "security_group", id, cancellationToken);
        await (also?.Invoke(connection, tx, cancellationToken) ?? Task.CompletedTask);
        await tx.CommitAsync(cancellationToken);
        return group;
    }

    /// <summary>
    /// Deletes a marked group and its rules (and the rules of other groups that named it as
    /// their remote group, as Neutron's cascade does), clearing the mark unless
    /// <paramref name="keepMark"/> (copies of it are still to go from pods).
    /// <paramref name="also"/> runs in the transaction before the delete (it sees the rules that go).
    /// </summary>
    public async Task DeleteAsync(string id, bool keepMark, InTransaction? also, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        await (also?.Invoke(connection, tx, cancellationToken) ?? Task.CompletedTask);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM security_groups WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken));
        await NeutronTags.RemoveAsync(connection, tx, TagType, id, cancellationToken);
        if (!keepMark)
        {
            await DeletingMarks.ClearAsync(connection, tx, id, cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        names.ForgetGroup(id);
    }

    /// <summary>
    /// A port's groups, for <see cref="PortStore"/>: none asked for gives the
    /// project's default group (made if need be); asked-for groups must be the port's project's
    /// (Neutron's 404 otherwise).
    /// </summary>
    public async Task<IReadOnlyList<string>> ResolveForPortAsync(string projectId, IReadOnlyList<string>? requested, CancellationToken cancellationToken)
    {
        if (requested is null)
        {
            return [await EnsureDefaultAsync(projectId, cancellationToken)];
        }

        var ids = requested.Distinct(StringComparer.Ordinal).ToList();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await RequireForPortAsync(connection, tx, projectId, admin: false, ids, cancellationToken);
        return ids;
    }

    /// <summary>
    /// For port create and update, inside their write transaction: the groups must exist and be
    /// the port's project's (any for an admin), else Neutron's 404; held (PostgreSQL: FOR SHARE)
    /// until that transaction ends, so a concurrent delete of a group waits and then sees the port
    /// (SQLite's write transactions are serialised already). An empty list means the project's
    /// default group, made if need be: call <see cref="EnsureDefaultAsync(string, CancellationToken)"/> before the transaction.
    /// Without <paramref name="checkMarks"/> the caller reads the groups' deleting marks itself,
    /// later in the same transaction (with others of its own, in one query).
    /// </summary>
    public async Task RequireForPortAsync(DbConnection connection, DbTransaction tx, string projectId, bool admin, IReadOnlyCollection<string> ids, CancellationToken cancellationToken, bool checkMarks = true)
    {
        if (ids.Count == 0)
        {
            return;
        }

        var sql = new NeutronSql();
        var visible = admin ? "" : $" AND project_id = {sql.Param(projectId)}";
        var lockClause = database.Dialect == DatabaseDialect.Postgres ? " FOR SHARE" : "";
        var found = (await connection.QueryAsync<string>(new CommandDefinition(
            $"SELECT id FROM security_groups WHERE {sql.In("id", ids)}{visible}{lockClause}", sql.Parameters, tx, cancellationToken: cancellationToken))).ToHashSet(StringComparer.Ordinal);
        if (ids.FirstOrDefault(id => !found.Contains(id)) is { } missing)
        {
            throw GroupNotFound(missing);
        }

        if (checkMarks)
        {
            await DeletingMarks.RefuseAsync(connection, tx, ids, cancellationToken);
        }
    }

    /// <summary>
    /// Adds a rule to a group the caller may see. The remote group must be visible too (404);
    /// an equal rule in the group is Neutron's 409 naming it; counted against the group's
    /// project's security_group_rule quota.
    /// </summary>
    public async Task<SecurityGroupRuleRow> CreateRuleAsync(RequestContext caller, SecurityGroupRuleInput input, InTransaction? also, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var group = await FindAsync(connection, null, caller, input.SecurityGroupId, cancellationToken) ?? throw GroupNotFound(input.SecurityGroupId);
        if (input.RemoteGroupId is { } remote && remote != group.Id && await FindAsync(connection, null, caller, remote, cancellationToken) is null)
        {
            throw GroupNotFound(remote);
        }

        var rule = NewRule(group, input, DbTime.Now(timeProvider));
        if (await ExistingRuleAsync(connection, null, rule, cancellationToken) is { } duplicate)
        {
            throw RuleExists(duplicate);
        }

        try
        {
            await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
            await quotas.EnsureWithinAsync(connection, tx, group.ProjectId, QuotaResources.SecurityGroupRule, 1, cancellationToken);
            await InsertRuleAsync(connection, tx, rule, cancellationToken);
            await BumpAsync(connection, tx, group.Id, rule.CreatedAt, cancellationToken);
            await (also?.Invoke(connection, tx, cancellationToken) ?? Task.CompletedTask);
            await tx.CommitAsync(cancellationToken);
            return rule;
        }
        catch (DbException e) when (Database.IsUniqueViolation(e))
        {
            await using var again = await database.OpenAsync(cancellationToken);
            throw RuleExists(await ExistingRuleAsync(again, null, rule, cancellationToken) ?? "(just deleted)");
        }
        catch (DbException e) when (Database.IsForeignKeyViolation(e))
        {
            // The group or the remote group was deleted meanwhile.
            throw GroupNotFound(input.SecurityGroupId);
        }
    }

    public async Task<SecurityGroupRuleRow> GetRuleAsync(RequestContext caller, string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await FindRuleAsync(connection, null, caller, id, cancellationToken) ?? throw RuleNotFound(id);
    }

    /// <summary>Deletes a rule; returns its group's id.</summary>
    public async Task<string> DeleteRuleAsync(RequestContext caller, string id, Func<string, InTransaction>? also, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        var rule = await FindRuleAsync(connection, tx, caller, id, cancellationToken) ?? throw RuleNotFound(id);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM security_group_rules WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken));
        await BumpAsync(connection, tx, rule.SecurityGroupId, DbTime.Now(timeProvider), cancellationToken);
        await (also?.Invoke(rule.SecurityGroupId)(connection, tx, cancellationToken) ?? Task.CompletedTask);
        await tx.CommitAsync(cancellationToken);
        return rule.SecurityGroupId;
    }

    /// <summary>Neutron's 404 for a group: <c>Security group X does not exist</c>.</summary>
    public static TricircleException GroupNotFound(string id) =>
        TricircleException.NotFound($"Security group {id} does not exist", "SecurityGroupNotFound");

    public static TricircleException RuleNotFound(string id) =>
        TricircleException.NotFound($"Security group rule {id} does not exist", "SecurityGroupRuleNotFound");

    private static TricircleException RuleExists(string existingId) =>
        TricircleException.Conflict($"Security group rule already exists. Rule id is {existingId}.", "SecurityGroupRuleExists");

    private static SecurityGroupRuleRow NewRule(SecurityGroupRow group, SecurityGroupRuleInput input, DateTime now) => new()
    {
        Id = Guid.NewGuid().ToString(),
        SecurityGroupId = group.Id,
        ProjectId = group.ProjectId,
        Direction = input.Direction,
        Ethertype = input.Ethertype,
        Protocol = input.Protocol,
        PortRangeMin = input.PortRangeMin,
        PortRangeMax = input.PortRangeMax,
        RemoteIpPrefix = input.RemoteIpPrefix,
        RemoteGroupId = input.RemoteGroupId,
        Description = input.Description,
        Fingerprint = input.Fingerprint,
        CreatedAt = now,
        UpdatedAt = now,
    };

    private static Task<string?> DefaultIdAsync(DbConnection connection, DbTransaction? tx, string projectId, CancellationToken cancellationToken) =>
        connection.QueryFirstOrDefaultAsync<string?>(new CommandDefinition(
            "SELECT security_group_id FROM default_security_groups WHERE project_id = @projectId", new { projectId }, tx, cancellationToken: cancellationToken));

    private static Task<SecurityGroupRow?> FindAsync(DbConnection connection, DbTransaction? tx, RequestContext caller, string id, CancellationToken cancellationToken) =>
        connection.QueryFirstOrDefaultAsync<SecurityGroupRow?>(new CommandDefinition(
            $"SELECT {GroupColumns} FROM {GroupFrom} WHERE g.id = @id AND (@admin OR g.project_id = @project)",
            new { id, admin = caller.IsAdmin, project = caller.ProjectId },
            tx,
            cancellationToken: cancellationToken));

    private static Task<SecurityGroupRuleRow?> FindRuleAsync(DbConnection connection, DbTransaction? tx, RequestContext caller, string id, CancellationToken cancellationToken) =>
        connection.QueryFirstOrDefaultAsync<SecurityGroupRuleRow?>(new CommandDefinition(
            $"SELECT {RuleColumns} FROM security_group_rules r WHERE r.id = @id AND (@admin OR r.project_id = @project)",
            new { id, admin = caller.IsAdmin, project = caller.ProjectId },
            tx,
            cancellationToken: cancellationToken));

    private static Task<string?> ExistingRuleAsync(DbConnection connection, DbTransaction? tx, SecurityGroupRuleRow rule, CancellationToken cancellationToken) =>
        connection.QueryFirstOrDefaultAsync<string?>(new CommandDefinition(
            "SELECT id FROM security_group_rules WHERE security_group_id = @SecurityGroupId AND fingerprint = @Fingerprint", rule, tx, cancellationToken: cancellationToken));

    private static async Task<Dictionary<string, List<SecurityGroupRuleRow>>> RulesOfAsync(DbConnection connection, IReadOnlyCollection<string> groupIds, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, List<SecurityGroupRuleRow>>(StringComparer.Ordinal);
        if (groupIds.Count == 0)
        {
            return result;
        }

        var sql = new NeutronSql();
        var rows = await connection.QueryAsync<SecurityGroupRuleRow>(new CommandDefinition(
            $"SELECT {RuleColumns} FROM security_group_rules r WHERE {sql.In("r.security_group_id", groupIds)} ORDER BY r.created_at, r.id",
            sql.Parameters,
            cancellationToken: cancellationToken));
        foreach (var row in rows)
        {
            (result.TryGetValue(row.SecurityGroupId, out var list) ? list : result[row.SecurityGroupId] = []).Add(row);
        }

        return result;
    }

    /// <summary>Whether a port uses the group (<c>port_security_groups</c>, the ports' group ids).</summary>
    private static async Task<bool> InUseAsync(DbConnection connection, DbTransaction tx, string id, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM port_security_groups WHERE security_group_id = @id", new { id }, tx, cancellationToken: cancellationToken)) > 0;

    private static Task<int> BumpAsync(DbConnection connection, DbTransaction tx, string groupId, DateTime now, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "UPDATE security_groups SET revision_number = revision_number + 1, updated_at = @now WHERE id = @groupId", new { groupId, now }, tx, cancellationToken: cancellationToken));

    private static Task<int> InsertGroupAsync(DbConnection connection, DbTransaction tx, SecurityGroupRow group, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO security_groups (id, project_id, name, description, stateful, revision_number, created_at, updated_at)
            VALUES (@Id, @ProjectId, @Name, @Description, @Stateful, @RevisionNumber, @CreatedAt, @UpdatedAt)
            """,
            group,
            tx,
            cancellationToken: cancellationToken));

    private static Task<int> InsertRuleAsync(DbConnection connection, DbTransaction tx, SecurityGroupRuleRow rule, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO security_group_rules (id, security_group_id, project_id, direction, ethertype, protocol, port_range_min, port_range_max,
                remote_ip_prefix, remote_group_id, description, fingerprint, revision_number, created_at, updated_at)
            VALUES (@Id, @SecurityGroupId, @ProjectId, @Direction, @Ethertype, @Protocol, @PortRangeMin, @PortRangeMax,
                @RemoteIpPrefix, @RemoteGroupId, @Description, @Fingerprint, @RevisionNumber, @CreatedAt, @UpdatedAt)
            """,
            rule,
            tx,
            cancellationToken: cancellationToken));
}
