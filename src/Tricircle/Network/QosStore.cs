using System.Data.Common;
using System.Text.Json.Nodes;
using Dapper;
using Tricircle.Data;
using Tricircle.Errors;
using Tricircle.Identity;

namespace Tricircle.Network;

/// <summary>A row of <c>qos_policies</c>.</summary>
internal sealed class QosPolicyRow
{
    public string Id { get; set; } = "";

    public string ProjectId { get; set; } = "";

    public string Name { get; set; } = "";

    public string Description { get; set; } = "";

    public bool Shared { get; set; }

    public bool IsDefault { get; set; }

    public int RevisionNumber { get; set; } = 1;

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public JsonObject ToJson(IEnumerable<QosRuleRow> rules)
    {
        var view = new JsonObject
        {
            ["id"] = Id,
            ["name"] = Name,
            ["description"] = Description,
            ["shared"] = Shared,
            ["is_default"] = IsDefault,
            ["rules"] = new JsonArray([.. rules.Select(r => (JsonNode)r.ToJson(inPolicy: true))]),
        };
        NeutronBody.AddStandard(view, ProjectId, CreatedAt, UpdatedAt, RevisionNumber, []);
        return view;
    }

    public TopQosPolicy ToTop(IEnumerable<QosRuleRow> rules) => new(Id, ProjectId, Name, Description, Shared, [.. rules.Select(r => r.ToTop())]);
}

/// <summary>A row of <c>qos_rules</c> (any type; the values of other types are null).</summary>
internal sealed class QosRuleRow
{
    public string Id { get; set; } = "";

    public string QosPolicyId { get; set; } = "";

    public string RuleType { get; set; } = "";

    public string Direction { get; set; } = "";

    public long? MaxKbps { get; set; }

    public long? MaxBurstKbps { get; set; }

    public int? DscpMark { get; set; }

    public long? MinKbps { get; set; }

    public long? MinKpps { get; set; }

    public DateTime CreatedAt { get; set; }

    public QosRuleType Type => QosRuleTypes.Find(RuleType) ?? throw new InvalidOperationException($"unknown QoS rule type {RuleType}");

    /// <summary>The value of a field of its type (<c>max_kbps</c> …).</summary>
    public long? Value(string field) => field switch
    {
        "max_kbps" => MaxKbps,
        "max_burst_kbps" => MaxBurstKbps,
        "dscp_mark" => DscpMark,
        "min_kbps" => MinKbps,
        "min_kpps" => MinKpps,
        _ => null,
    };

    public void Set(string field, long value)
    {
        switch (field)
        {
            case "max_kbps": MaxKbps = value; break;
            case "max_burst_kbps": MaxBurstKbps = value; break;
            case "dscp_mark": DscpMark = (int)value; break;
            case "min_kbps": MinKbps = value; break;
            case "min_kpps": MinKpps = value; break;
        }
    }

    /// <summary>
    /// As Neutron shows it: the rule's own answer has its id, values and direction; inside its
    /// policy's <c>rules</c> it also says its type and policy (the rule object's to_dict).
    /// </summary>
    public JsonObject ToJson(bool inPolicy)
    {
        var view = new JsonObject { ["id"] = Id };
        foreach (var field in Type.Values)
        {
            view[field] = Value(field);
        }

        if (Type.Directions is not null)
        {
            view["direction"] = Direction;
        }

        if (inPolicy)
        {
            view["qos_policy_id"] = QosPolicyId;
            view["type"] = RuleType;
        }

        return view;
    }

    public TopQosRule ToTop() => new(Id, RuleType, Direction, MaxKbps, MaxBurstKbps, DscpMark, MinKbps, MinKpps);
}

/// <summary>
/// The central QoS policies and rules (Neutron's qos service plugin): a project sees its own and
/// shared policies; one default policy per project; one rule of a type per direction; a policy a
/// network or port uses cannot be deleted.
/// </summary>
internal sealed class QosStore(Database database, TimeProvider timeProvider)
{
    public const string PolicyColumns = "q.id, q.project_id, q.name, q.description, q.shared, q.is_default, q.revision_number, q.created_at, q.updated_at";

    private const string RuleColumns = "r.id, r.qos_policy_id, r.rule_type, r.direction, r.max_kbps, r.max_burst_kbps, r.dscp_mark, r.min_kbps, r.min_kpps, r.created_at";

    /// <summary>SQL for what <paramref name="caller"/> may see: its own and shared policies (all for an admin).</summary>
    public static string Visible(RequestContext? caller, NeutronSql sql) =>
        caller is null || caller.IsAdmin ? "1=1" : $"(q.project_id = {sql.Param(caller.ProjectId)} OR q.shared)";

    public static TricircleException PolicyNotFound(string id) => TricircleException.NotFound($"QoS policy {id} could not be found.", "QosPolicyNotFound");

    public static TricircleException RuleNotFound(string ruleId, string policyId) =>
        TricircleException.NotFound($"QoS rule {ruleId} for policy {policyId} could not be found.", "QosRuleNotFound");

    public async Task<QosPolicyRow?> FindAsync(string id, RequestContext? caller, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await FindAsync(connection, null, id, caller, cancellationToken);
    }

    private static async Task<QosPolicyRow?> FindAsync(DbConnection connection, DbTransaction? tx, string id, RequestContext? caller, CancellationToken cancellationToken)
    {
        var sql = new NeutronSql();
        return await connection.QueryFirstOrDefaultAsync<QosPolicyRow>(new CommandDefinition(
            $"SELECT {PolicyColumns} FROM qos_policies q WHERE q.id = {sql.Param(id)} AND {Visible(caller, sql)}", sql.Parameters, tx, cancellationToken: cancellationToken));
    }

    /// <summary>A policy the caller may see, or Neutron's 404 QosPolicyNotFound.</summary>
    public async Task<QosPolicyRow> GetAsync(string id, RequestContext? caller, CancellationToken cancellationToken) =>
        await FindAsync(id, caller, cancellationToken) ?? throw PolicyNotFound(id);

    /// <summary>The policy as materialisation needs it, with its rules (null when gone).</summary>
    public async Task<TopQosPolicy?> FindTopAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var policy = await FindAsync(connection, null, id, null, cancellationToken);
        return policy?.ToTop((await RulesOfAsync(connection, [id], cancellationToken)).GetValueOrDefault(id, []));
    }

    /// <summary>The project's default policy (qos-default: a new network without one gets it), if any.</summary>
    public async Task<string?> DefaultOfAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<string>(new CommandDefinition(
            "SELECT id FROM qos_policies WHERE project_id = @projectId AND is_default = @yes", new { projectId, yes = true }, cancellationToken: cancellationToken));
    }

    /// <summary>The rules of each policy, oldest first.</summary>
    public async Task<Dictionary<string, List<QosRuleRow>>> RulesOfAsync(IReadOnlyCollection<string> policyIds, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await RulesOfAsync(connection, policyIds, cancellationToken);
    }

    private static async Task<Dictionary<string, List<QosRuleRow>>> RulesOfAsync(DbConnection connection, IReadOnlyCollection<string> policyIds, CancellationToken cancellationToken, DbTransaction? tx = null)
    {
        var result = new Dictionary<string, List<QosRuleRow>>(StringComparer.Ordinal);
        foreach (var chunk in policyIds.Distinct(StringComparer.Ordinal).Chunk(NeutronSql.InChunk))
        {
            var sql = new NeutronSql();
            var rules = await connection.QueryAsync<QosRuleRow>(new CommandDefinition(
                $"SELECT {RuleColumns} FROM qos_rules r WHERE {sql.In("r.qos_policy_id", chunk)} ORDER BY r.created_at, r.id", sql.Parameters, tx, cancellationToken: cancellationToken));
            foreach (var rule in rules)
            {
                (result.TryGetValue(rule.QosPolicyId, out var list) ? list : result[rule.QosPolicyId] = []).Add(rule);
            }
        }

        return result;
    }

    public async Task<QosPolicyRow> CreateAsync(QosPolicyRow row, CancellationToken cancellationToken)
    {
        var now = DbTime.Now(timeProvider);
        row.Id = Guid.NewGuid().ToString();
        row.CreatedAt = now;
        row.UpdatedAt = now;
        row.RevisionNumber = 1;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO qos_policies (id, project_id, name, description, shared, is_default, revision_number, created_at, updated_at)
                VALUES (@Id, @ProjectId, @Name, @Description, @Shared, @IsDefault, 1, @CreatedAt, @UpdatedAt)
                """,
                row,
                tx,
                cancellationToken: cancellationToken));
            await tx.CommitAsync(cancellationToken);
        }
        catch (DbException e) when (Database.IsUniqueViolation(e))
        {
            throw DefaultExists(row.ProjectId);
        }

        return row;
    }

    /// <summary>Stores a changed name, description, shared or is_default; <paramref name="also"/> (the copies' syncs) in the same transaction.</summary>
    public async Task<QosPolicyRow> UpdateAsync(QosPolicyRow row, InTransaction? also, CancellationToken cancellationToken)
    {
        row.UpdatedAt = DbTime.Now(timeProvider);
        row.RevisionNumber++;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE qos_policies SET name = @Name, description = @Description, shared = @Shared, is_default = @IsDefault,
                    updated_at = @UpdatedAt, revision_number = revision_number + 1
                WHERE id = @Id
                """,
                row,
                tx,
                cancellationToken: cancellationToken));
        }
        catch (DbException e) when (Database.IsUniqueViolation(e))
        {
            throw DefaultExists(row.ProjectId);
        }

        await (also?.Invoke(connection, tx, cancellationToken) ?? Task.CompletedTask);
        await tx.CommitAsync(cancellationToken);
        return row;
    }

    /// <summary>Deletes a policy: Neutron's 409 QosPolicyInUse while a network or port uses it (checked in the delete's transaction).</summary>
    public async Task DeleteAsync(string id, InTransaction? also, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        foreach (var (kind, table) in new[] { ("port", "ports"), ("network", "networks") }) // ports first, as Neutron's binding_models
        {
            if (await connection.QueryFirstOrDefaultAsync<string>(new CommandDefinition(
                $"SELECT id FROM {table} WHERE qos_policy_id = @id ORDER BY id", new { id }, tx, cancellationToken: cancellationToken)) is { } user)
            {
                throw TricircleException.Conflict($"QoS Policy {id} is used by {kind} {user}.", "QosPolicyInUse");
            }
        }

        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM qos_rules WHERE qos_policy_id = @id", new { id }, tx, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM qos_policies WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken));
        await (also?.Invoke(connection, tx, cancellationToken) ?? Task.CompletedTask);
        await tx.CommitAsync(cancellationToken);
    }

    public async Task<QosRuleRow> GetRuleAsync(string policyId, QosRuleType type, string ruleId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<QosRuleRow>(new CommandDefinition(
            $"SELECT {RuleColumns} FROM qos_rules r WHERE r.id = @ruleId AND r.qos_policy_id = @policyId AND r.rule_type = @type",
            new { ruleId, policyId, type = type.Type },
            cancellationToken: cancellationToken)) ?? throw RuleNotFound(ruleId, policyId);
    }

    /// <summary>
    /// Adds a rule, or stores a changed one (<paramref name="isNew"/> false), after Neutron's
    /// checks against the policy's other rules (QoSRulesConflict, QoSRuleParameterConflict); the
    /// policy's revision goes up and <paramref name="also"/> runs, all in one transaction.
    /// </summary>
    public async Task<QosRuleRow> SaveRuleAsync(QosRuleRow rule, bool isNew, InTransaction? also, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        var others = (await RulesOfAsync(connection, [rule.QosPolicyId], cancellationToken, tx)).GetValueOrDefault(rule.QosPolicyId, []).Where(r => r.Id != rule.Id).ToList();
        CheckConflicts(rule, others);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                isNew
                    ? """
                      INSERT INTO qos_rules (id, qos_policy_id, rule_type, direction, max_kbps, max_burst_kbps, dscp_mark, min_kbps, min_kpps, created_at)
                      VALUES (@Id, @QosPolicyId, @RuleType, @Direction, @MaxKbps, @MaxBurstKbps, @DscpMark, @MinKbps, @MinKpps, @CreatedAt)
                      """
                    : """
                      UPDATE qos_rules SET direction = @Direction, max_kbps = @MaxKbps, max_burst_kbps = @MaxBurstKbps, dscp_mark = @DscpMark,
                          min_kbps = @MinKbps, min_kpps = @MinKpps
                      WHERE id = @Id
                      """,
                rule,
                tx,
                cancellationToken: cancellationToken));
        }
        catch (DbException e) when (Database.IsUniqueViolation(e))
        {
            throw TricircleException.Conflict($"Rule {rule.RuleType} conflicts with rule which already exists in QoS Policy {rule.QosPolicyId}.", "QoSRulesConflict");
        }

        await TouchAsync(connection, tx, rule.QosPolicyId, cancellationToken);
        await (also?.Invoke(connection, tx, cancellationToken) ?? Task.CompletedTask);
        await tx.CommitAsync(cancellationToken);
        return rule;
    }

    public async Task DeleteRuleAsync(QosRuleRow rule, InTransaction? also, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM qos_rules WHERE id = @Id", rule, tx, cancellationToken: cancellationToken));
        await TouchAsync(connection, tx, rule.QosPolicyId, cancellationToken);
        await (also?.Invoke(connection, tx, cancellationToken) ?? Task.CompletedTask);
        await tx.CommitAsync(cancellationToken);
    }

    public DateTime Now() => DbTime.Now(timeProvider);

    /// <summary>The networks and ports using the policy that have a copy in the pod (what its copy there is for).</summary>
    public async Task<bool> UsedInPodAsync(string policyId, string podId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            """
            SELECT COUNT(*) FROM resource_routings rr
            WHERE rr.pod_id = @podId AND (
                (rr.resource_type = 'network' AND rr.top_id IN (SELECT id FROM networks WHERE qos_policy_id = @policyId))
                OR (rr.resource_type = 'port' AND rr.top_id IN (SELECT id FROM ports WHERE qos_policy_id = @policyId)))
            """,
            new { policyId, podId },
            cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>Neutron's rule checks: one rule of a type per direction, no minimum above the limit, no "any" next to a direction for packet rates.</summary>
    private static void CheckConflicts(QosRuleRow rule, IReadOnlyList<QosRuleRow> others)
    {
        if (others.FirstOrDefault(o => o.RuleType == rule.RuleType && o.Direction == rule.Direction) is { } same)
        {
            throw TricircleException.Conflict($"Rule {rule.RuleType} conflicts with rule {same.Id} which already exists in QoS Policy {rule.QosPolicyId}.", "QoSRulesConflict");
        }

        if (rule.RuleType == QosRuleTypes.MinimumPacketRate.Type
            && others.FirstOrDefault(o => o.RuleType == rule.RuleType && (o.Direction == "any") != (rule.Direction == "any")) is { } mixed)
        {
            throw ParameterConflict(rule.Direction, rule.QosPolicyId, mixed.RuleType, mixed.Direction);
        }

        // neutron's check_bandwidth_rule_conflict: a minimum above the limit of the same direction.
        if (rule.RuleType == QosRuleTypes.MinimumBandwidth.Type
            && others.FirstOrDefault(o => o.RuleType == QosRuleTypes.BandwidthLimit.Type && o.Direction == rule.Direction && o.MaxKbps < rule.MinKbps) is { } limit)
        {
            throw ParameterConflict(rule.MinKbps!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), rule.QosPolicyId, limit.RuleType, limit.MaxKbps!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (rule.RuleType == QosRuleTypes.BandwidthLimit.Type
            && others.FirstOrDefault(o => o.RuleType == QosRuleTypes.MinimumBandwidth.Type && o.Direction == rule.Direction && o.MinKbps > rule.MaxKbps) is { } minimum)
        {
            throw ParameterConflict(rule.MaxKbps!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), rule.QosPolicyId, minimum.RuleType, minimum.MinKbps!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private static TricircleException ParameterConflict(string value, string policyId, string existingRule, string existingValue) => TricircleException.Conflict(
        $"Unable to add the rule with value {value} to the policy {policyId} as the existing rule of type {existingRule} has value {existingValue}.", "QoSRuleParameterConflict");

    private static TricircleException DefaultExists(string projectId) =>
        TricircleException.Conflict($"A default QoS policy exists for project {projectId}.", "QoSPolicyDefaultAlreadyExists");

    private Task<int> TouchAsync(DbConnection connection, DbTransaction tx, string policyId, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "UPDATE qos_policies SET revision_number = revision_number + 1, updated_at = @now WHERE id = @policyId",
            new { policyId, now = DbTime.Now(timeProvider) },
            tx,
            cancellationToken: cancellationToken));
}
