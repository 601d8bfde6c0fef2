using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Tricircle.Data;
using Tricircle.Hosting;
using Tricircle.Identity;

namespace Tricircle.Network;

/// <summary>
/// <c>/v2.0/qos/policies</c> with their rules and <c>/v2.0/qos/rule-types</c>, as Zed's qos
/// service plugin serves them: policies and rules are an admin's to create, change and delete
/// (Zed's default policy); a project reads its own and shared policies. Changes reach the pods'
/// copies of a policy by <c>qos_policy_sync</c> jobs (<see cref="QosPropagation"/>).
/// </summary>
internal static class QosApi
{
    private static readonly NeutronListSchema Policies = new NeutronListSchema("Policy", "qos_policies q", "q.id")
        .Attribute("id", "q.id")
        .Attribute("name", "q.name")
        .Attribute("description", "q.description")
        .Attribute("project_id", "q.project_id")
        .Attribute("tenant_id", "q.project_id")
        .Attribute("shared", "q.shared", NeutronValueKind.Bool)
        .Attribute("is_default", "q.is_default", NeutronValueKind.Bool)
        .Attribute("revision_number", "q.revision_number", NeutronValueKind.Int)
        .Attribute("created_at", "q.created_at")
        .Attribute("updated_at", "q.updated_at");

    private static readonly BodySchema Policy = new(
        "policy",
        NeutronBody.Name,
        NeutronBody.Description,
        NeutronBody.Bool with { Name = "shared" },
        NeutronBody.Bool with { Name = "is_default" },
        NeutronBody.Owner[0],
        NeutronBody.Owner[1]);

    public static void MapQosApi(this IEndpointRouteBuilder v20)
    {
        v20.MapGet("/qos/policies", ListAsync);
        v20.MapPost("/qos/policies", CreateAsync);
        v20.MapGet("/qos/policies/{id}", ShowAsync);
        v20.MapPut("/qos/policies/{id}", UpdateAsync);
        v20.MapDelete("/qos/policies/{id}", DeleteAsync);
        foreach (var type in QosRuleTypes.All)
        {
            v20.MapGet($"/qos/policies/{{id}}/{type.Collection}", (string id, HttpContext context, QosStore store) => ListRulesAsync(id, type, context, store));
            v20.MapPost($"/qos/policies/{{id}}/{type.Collection}", (string id, HttpContext context, QosStore store, QosPropagation propagation) => CreateRuleAsync(id, type, context, store, propagation));
            v20.MapGet($"/qos/policies/{{id}}/{type.Collection}/{{ruleId}}", (string id, string ruleId, HttpContext context, QosStore store) => ShowRuleAsync(id, type, ruleId, context, store));
            v20.MapPut($"/qos/policies/{{id}}/{type.Collection}/{{ruleId}}", (string id, string ruleId, HttpContext context, QosStore store, QosPropagation propagation) => UpdateRuleAsync(id, type, ruleId, context, store, propagation));
            v20.MapDelete($"/qos/policies/{{id}}/{type.Collection}/{{ruleId}}", (string id, string ruleId, HttpContext context, QosStore store, QosPropagation propagation) => DeleteRuleAsync(id, type, ruleId, context, store, propagation));
        }

        v20.MapGet("/qos/rule-types", (HttpContext context) => TypedResults.Json(new JsonObject
        {
            ["rule_types"] = new JsonArray([.. QosRuleTypes.All.Select(t => (JsonNode)NeutronQuery.Project(new JsonObject { ["type"] = t.Type }, NeutronQuery.FieldsOf(context.Request.Query)))]),
        }));
        v20.MapGet("/qos/rule-types/{type}", ShowRuleType);
    }

    private static async Task<IResult> ListAsync(HttpContext context, QosStore store, Database database)
    {
        var caller = context.GetRequestContext();
        var query = NeutronQuery.Parse(context.Request.Query, Policies);
        var sql = new NeutronSql();
        List<QosPolicyRow> policies;
        await using (var connection = await database.OpenAsync(context.RequestAborted))
        {
            policies = await query.ListAsync<QosPolicyRow>(connection, Policies, QosStore.PolicyColumns, caller.IsAdmin ? null : QosStore.Visible(caller, sql), sql, context.RequestAborted);
        }

        var rules = await store.RulesOfAsync([.. policies.Select(p => p.Id)], context.RequestAborted);
        return TypedResults.Json(query.Respond(context, "policies", [.. policies.Select(p => p.ToJson(rules.GetValueOrDefault(p.Id, [])))]));
    }

    private static async Task<IResult> ShowAsync(string id, HttpContext context, QosStore store)
    {
        var policy = await store.GetAsync(id, context.GetRequestContext(), context.RequestAborted);
        return TypedResults.Json(new JsonObject { ["policy"] = NeutronQuery.Project(await JsonAsync(store, policy, context), NeutronQuery.FieldsOf(context.Request.Query)) });
    }

    private static async Task<IResult> CreateAsync(HttpContext context, QosStore store)
    {
        var caller = context.GetRequestContext();
        RequireAdmin(caller, "create_policy");
        var body = await Policy.ReadAsync(context);
        var policy = await store.CreateAsync(
            new QosPolicyRow
            {
                ProjectId = NeutronBody.OwnerOf(body, caller, "policy"),
                Name = body.String("name") ?? "",
                Description = body.String("description") ?? "",
                Shared = body.Bool("shared") ?? false,
                IsDefault = body.Bool("is_default") ?? false,
            },
            context.RequestAborted);
        return TypedResults.Json(new JsonObject { ["policy"] = policy.ToJson([]) }, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext context, QosStore store, QosPropagation propagation)
    {
        var caller = context.GetRequestContext();
        var policy = await store.GetAsync(id, caller, context.RequestAborted);
        RequireAdmin(caller, "update_policy");
        var body = await Policy.ReadAsync(context, BodyAction.Update);
        policy.Name = body.String("name") ?? policy.Name;
        policy.Description = body.String("description") ?? policy.Description;
        policy.Shared = body.Bool("shared") ?? policy.Shared;
        policy.IsDefault = body.Bool("is_default") ?? policy.IsDefault;
        policy = await propagation.UpdatePolicyAsync(policy, context.RequestAborted);
        return TypedResults.Json(new JsonObject { ["policy"] = await JsonAsync(store, policy, context) });
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, QosStore store, QosPropagation propagation)
    {
        var caller = context.GetRequestContext();
        _ = await store.GetAsync(id, caller, context.RequestAborted);
        RequireAdmin(caller, "delete_policy");
        await propagation.DeletePolicyAsync(id, context.RequestAborted);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> ListRulesAsync(string id, QosRuleType type, HttpContext context, QosStore store)
    {
        _ = await store.GetAsync(id, context.GetRequestContext(), context.RequestAborted);
        var fields = NeutronQuery.FieldsOf(context.Request.Query);
        var rules = (await store.RulesOfAsync([id], context.RequestAborted)).GetValueOrDefault(id, []).Where(r => r.RuleType == type.Type);
        return TypedResults.Json(new JsonObject { [type.Collection] = new JsonArray([.. rules.Select(r => (JsonNode)NeutronQuery.Project(r.ToJson(inPolicy: false), fields))]) });
    }

    private static async Task<IResult> ShowRuleAsync(string id, QosRuleType type, string ruleId, HttpContext context, QosStore store)
    {
        _ = await store.GetAsync(id, context.GetRequestContext(), context.RequestAborted);
        var rule = await store.GetRuleAsync(id, type, ruleId, context.RequestAborted);
        return TypedResults.Json(new JsonObject { [type.Singular] = NeutronQuery.Project(rule.ToJson(inPolicy: false), NeutronQuery.FieldsOf(context.Request.Query)) });
    }

    private static async Task<IResult> CreateRuleAsync(string id, QosRuleType type, HttpContext context, QosStore store, QosPropagation propagation)
    {
        var caller = context.GetRequestContext();
        _ = await store.GetAsync(id, caller, context.RequestAborted);
        RequireAdmin(caller, $"create_policy_{type.Singular}");
        var body = await type.Schema.ReadAsync(context);
        var rule = new QosRuleRow
        {
            Id = Guid.NewGuid().ToString(),
            QosPolicyId = id,
            RuleType = type.Type,
            Direction = type.DefaultDirection ?? "",
            CreatedAt = store.Now(),
        };
        foreach (var required in type.RequiredValues.Where(v => !body.Has(v)))
        {
            throw NeutronErrors.BadRequest($"Failed to parse request. Required attribute '{required}' not specified");
        }

        if (type == QosRuleTypes.BandwidthLimit)
        {
            rule.MaxBurstKbps = 0;
        }

        Apply(type, body, rule);
        rule = await propagation.SaveRuleAsync(rule, isNew: true, context.RequestAborted);
        return TypedResults.Json(new JsonObject { [type.Singular] = rule.ToJson(inPolicy: false) }, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> UpdateRuleAsync(string id, QosRuleType type, string ruleId, HttpContext context, QosStore store, QosPropagation propagation)
    {
        var caller = context.GetRequestContext();
        _ = await store.GetAsync(id, caller, context.RequestAborted);
        RequireAdmin(caller, $"update_policy_{type.Singular}");
        var rule = await store.GetRuleAsync(id, type, ruleId, context.RequestAborted);
        var body = await type.Schema.ReadAsync(context, BodyAction.Update);
        Apply(type, body, rule);
        rule = await propagation.SaveRuleAsync(rule, isNew: false, context.RequestAborted);
        return TypedResults.Json(new JsonObject { [type.Singular] = rule.ToJson(inPolicy: false) });
    }

    private static async Task<IResult> DeleteRuleAsync(string id, QosRuleType type, string ruleId, HttpContext context, QosStore store, QosPropagation propagation)
    {
        var caller = context.GetRequestContext();
        _ = await store.GetAsync(id, caller, context.RequestAborted);
        RequireAdmin(caller, $"delete_policy_{type.Singular}");
        var rule = await store.GetRuleAsync(id, type, ruleId, context.RequestAborted);
        await propagation.DeleteRuleAsync(rule, context.RequestAborted);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// <c>GET /v2.0/qos/rule-types/{type}</c> (qos-rule-type-details): an admin's, as Zed's
    /// plugin. The central Neutron has no backend of its own: the pods' drivers enforce the
    /// rules, so it names the one driver the pods are expected to run.
    /// </summary>
    private static JsonHttpResult<JsonObject> ShowRuleType(string type, HttpContext context)
    {
        if (!context.GetRequestContext().IsAdmin)
        {
            throw Errors.TricircleException.Forbidden("Not authorized.", "NotAuthorized");
        }

        var found = QosRuleTypes.Find(type) ?? throw Errors.TricircleException.NotFound($"Rule type {type} could not be found.", "QosRuleTypeNotFound");
        return TypedResults.Json(new JsonObject
        {
            ["rule_type"] = new JsonObject
            {
                ["type"] = found.Type,
                ["drivers"] = new JsonArray(new JsonObject { ["name"] = "openvswitch", ["supported_parameters"] = found.SupportedParameters() }),
            },
        });
    }

    /// <summary>The values and direction a create or update gives; a DSCP mark Neutron does not know is its 400.</summary>
    private static void Apply(QosRuleType type, Body body, QosRuleRow rule)
    {
        foreach (var field in type.Values)
        {
            if (body.Long(field) is { } value)
            {
                if (field == "dscp_mark" && !QosRuleTypes.DscpMarks.Contains((int)value))
                {
                    throw NeutronErrors.BadRequest($"Invalid input for dscp_mark. Reason: {value} is not in [{string.Join(", ", QosRuleTypes.DscpMarks)}].");
                }

                rule.Set(field, value);
            }
        }

        rule.Direction = body.String("direction") ?? rule.Direction;
    }

    private static async Task<JsonObject> JsonAsync(QosStore store, QosPolicyRow policy, HttpContext context) =>
        policy.ToJson((await store.RulesOfAsync([policy.Id], context.RequestAborted)).GetValueOrDefault(policy.Id, []));

    private static void RequireAdmin(RequestContext caller, string rule)
    {
        if (!caller.IsAdmin)
        {
            throw NeutronErrors.PolicyDenied(rule);
        }
    }
}
