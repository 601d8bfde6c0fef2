using System.Text.Json.Nodes;
using Tricircle.Data;
using Tricircle.Hosting;
using Tricircle.Identity;

namespace Tricircle.Network;

/// <summary>
/// <c>/v2.0/security-groups</c> and <c>/v2.0/security-group-rules</c> as Neutron serves them:
/// a project's own groups (an admin's: all), its default group made on first use, rules inside
/// each group's <c>security_group_rules</c>, Neutron's list query and error types.
/// </summary>
internal static class SecurityGroupsApi
{
    private static readonly NeutronListSchema Groups = new NeutronListSchema("Security group", "security_groups g", "g.id")
        .Attribute("id", "g.id")
        .Attribute("name", "g.name")
        .Attribute("description", "g.description")
        .Attribute("project_id", "g.project_id")
        .Attribute("tenant_id", "g.project_id")
        .Attribute("stateful", "g.stateful", NeutronValueKind.Bool)
        .Attribute("revision_number", "g.revision_number", NeutronValueKind.Int)
        .Attribute("created_at", "g.created_at")
        .Attribute("updated_at", "g.updated_at")
        .TagFilters(SecurityGroupStore.TagType);

    private static readonly NeutronListSchema Rules = new NeutronListSchema("Security group rule", "security_group_rules r", "r.id")
        .Attribute("id", "r.id")
        .Attribute("security_group_id", "r.security_group_id")
        .Attribute("direction", "r.direction")
        .Attribute("ethertype", "r.ethertype")
        .Attribute("protocol", "r.protocol", sortExpression: "COALESCE(r.protocol, '')")
        .Attribute("port_range_min", "r.port_range_min", NeutronValueKind.Int, sortExpression: "COALESCE(r.port_range_min, -1)")
        .Attribute("port_range_max", "r.port_range_max", NeutronValueKind.Int, sortExpression: "COALESCE(r.port_range_max, -1)")
        .Attribute("remote_ip_prefix", "r.remote_ip_prefix", sortExpression: "COALESCE(r.remote_ip_prefix, '')")
        .Attribute("remote_group_id", "r.remote_group_id", sortExpression: "COALESCE(r.remote_group_id, '')")
        .Attribute("description", "r.description")
        .Attribute("project_id", "r.project_id")
        .Attribute("tenant_id", "r.project_id")
        .Attribute("revision_number", "r.revision_number", NeutronValueKind.Int)
        .Attribute("created_at", "r.created_at")
        .Attribute("updated_at", "r.updated_at");

    private const string GroupSelect =
        "g.id, g.project_id, g.name, g.description, g.stateful, g.revision_number, g.created_at, g.updated_at";

    private const string RuleSelect =
        "r.id, r.security_group_id, r.project_id, r.direction, r.ethertype, r.protocol, r.port_range_min, r.port_range_max, " +
        "r.remote_ip_prefix, r.remote_group_id, r.description, r.fingerprint, r.revision_number, r.created_at, r.updated_at";

    // Neutron's: name is type:name_not_default and description type:string, which refuse None
    // ("'None' is not a valid string"); stateful is convert_to_boolean, which refuses it too.
    private static readonly BodySchema Group = new(
        "security_group",
        NeutronBody.Name,
        NeutronBody.Description,
        NeutronBody.Bool with { Name = "stateful" },
        NeutronBody.Owner[0],
        NeutronBody.Owner[1]);

    public static void MapSecurityGroupsApi(this IEndpointRouteBuilder v20)
    {
        v20.MapGet("/security-groups", ListAsync);
        v20.MapPost("/security-groups", CreateAsync);
        v20.MapGet("/security-groups/{id}", ShowAsync);
        v20.MapPut("/security-groups/{id}", UpdateAsync);
        v20.MapDelete("/security-groups/{id}", DeleteAsync);
        v20.MapGet("/security-group-rules", ListRulesAsync);
        v20.MapPost("/security-group-rules", CreateRuleAsync);
        v20.MapGet("/security-group-rules/{id}", ShowRuleAsync);
        v20.MapDelete("/security-group-rules/{id}", DeleteRuleAsync);
        v20.MapTags(SecurityGroupStore.TagType, SecurityGroupStore.CountRevisionAsync, async (context, id, _) =>
            await context.RequestServices.GetRequiredService<SecurityGroupStore>().GetAsync(context.GetRequestContext(), id, context.RequestAborted));
    }

    private static async Task<IResult> ListAsync(HttpContext context, SecurityGroupStore store, Database database)
    {
        var caller = context.GetRequestContext();
        var query = NeutronQuery.Parse(context.Request.Query, Groups);
        await store.EnsureDefaultAsync(caller.ProjectId, context.RequestAborted);
        var sql = new NeutronSql();
        var visibility = caller.IsAdmin ? null : $"g.project_id = {sql.Param(caller.ProjectId)}";
        List<SecurityGroupRow> groups;
        await using (var connection = await database.OpenAsync(context.RequestAborted))
        {
            groups = await query.ListAsync<SecurityGroupRow>(connection, Groups, GroupSelect, visibility, sql, context.RequestAborted);
        }

        var rules = await store.RulesOfAsync([.. groups.Select(g => g.Id)], context.RequestAborted);
        var tags = await store.TagsOfAsync([.. groups.Select(g => g.Id)], context.RequestAborted);
        return TypedResults.Json(query.Respond(context, "security_groups", [.. groups.Select(g => g.ToJson(rules.GetValueOrDefault(g.Id, []), tags[g.Id]))]));
    }

    private static async Task<IResult> ShowAsync(string id, HttpContext context, SecurityGroupStore store)
    {
        var caller = context.GetRequestContext();
        await store.EnsureDefaultAsync(caller.ProjectId, context.RequestAborted);
        var group = await store.GetAsync(caller, id, context.RequestAborted);
        return TypedResults.Json(new JsonObject { ["security_group"] = NeutronQuery.Project(await JsonAsync(store, group, context), NeutronQuery.FieldsOf(context.Request.Query)) });
    }

    private static Task CreateAsync(HttpContext context, SecurityGroupStore store, NetworkPropagation propagation) =>
        NeutronBulk.CreateAsync(context, Group, "security_groups", async body =>
        {
            var caller = context.GetRequestContext();
            var name = Name(body) ?? "";
            var project = ProjectOf(caller, body);
            var (group, rules) = await store.CreateAsync(project, name, body.String("description") ?? "", body.Bool("stateful") ?? true, context.RequestAborted);
            return new(group.ToJson(rules), ct => propagation.DeleteSecurityGroupAsync(caller, group.Id, ct));
        });

    private static async Task<IResult> UpdateAsync(string id, HttpContext context, SecurityGroupStore store, NetworkPropagation propagation)
    {
        var caller = context.GetRequestContext();
        var body = await Group.ReadAsync(context, BodyAction.Update);
        var group = await propagation.UpdateSecurityGroupAsync(caller, id, Name(body), body.String("description"), body.Bool("stateful"), context.RequestAborted);
        return TypedResults.Json(new JsonObject { ["security_group"] = await JsonAsync(store, group, context) });
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, NetworkPropagation propagation)
    {
        await propagation.DeleteSecurityGroupAsync(context.GetRequestContext(), id, context.RequestAborted);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> ListRulesAsync(HttpContext context, SecurityGroupStore store, Database database)
    {
        var caller = context.GetRequestContext();
        var query = NeutronQuery.Parse(context.Request.Query, Rules);
        await store.EnsureDefaultAsync(caller.ProjectId, context.RequestAborted);
        var sql = new NeutronSql();
        var visibility = caller.IsAdmin ? null : $"r.project_id = {sql.Param(caller.ProjectId)}";
        await using var connection = await database.OpenAsync(context.RequestAborted);
        var rules = await query.ListAsync<SecurityGroupRuleRow>(connection, Rules, RuleSelect, visibility, sql, context.RequestAborted);
        return TypedResults.Json(query.Respond(context, "security_group_rules", [.. rules.Select(r => r.ToJson())]));
    }

    private static Task CreateRuleAsync(HttpContext context, NetworkPropagation propagation) =>
        NeutronBulk.CreateAsync(context, SecurityGroupRuleInput.Schema, "security_group_rules", async body =>
        {
            var caller = context.GetRequestContext();
            var input = SecurityGroupRuleInput.Parse(body.Fields);
            if (input.ProjectId is { } project && project != caller.ProjectId && !caller.IsAdmin)
            {
                throw NotYours();
            }

            var rule = await propagation.CreateRuleAsync(caller, input, context.RequestAborted);
            return new(rule.ToJson(), ct => propagation.DeleteRuleAsync(caller, rule.Id, ct));
        });

    private static async Task<IResult> ShowRuleAsync(string id, HttpContext context, SecurityGroupStore store)
    {
        var rule = await store.GetRuleAsync(context.GetRequestContext(), id, context.RequestAborted);
        return TypedResults.Json(new JsonObject { ["security_group_rule"] = NeutronQuery.Project(rule.ToJson(), NeutronQuery.FieldsOf(context.Request.Query)) });
    }

    private static async Task<IResult> DeleteRuleAsync(string id, HttpContext context, NetworkPropagation propagation)
    {
        await propagation.DeleteRuleAsync(context.GetRequestContext(), id, context.RequestAborted);
        return TypedResults.NoContent();
    }

    private static async Task<JsonObject> JsonAsync(SecurityGroupStore store, SecurityGroupRow group, HttpContext context) =>
        group.ToJson((await store.RulesOfAsync([group.Id], context.RequestAborted)).GetValueOrDefault(group.Id, []), (await store.TagsOfAsync([group.Id], context.RequestAborted))[group.Id]);

    /// <summary>The project a new group is for: the caller's, or any an admin names.</summary>
    private static string ProjectOf(RequestContext caller, Body body)
    {
        var asked = NeutronBody.ProjectOf(body);
        return asked is null || asked == caller.ProjectId ? caller.ProjectId
            : caller.IsAdmin ? asked
            : throw NotYours();
    }

    private static ApiException NotYours() => new(StatusCodes.Status400BadRequest,
        "Specifying 'project_id' or 'tenant_id' other than the authenticated project in request requires admin privileges", "HTTPBadRequest");

    /// <summary>A group's name; "default" is the project's own default group's alone (neutron's name_not_default).</summary>
    private static string? Name(Body body)
    {
        var name = body.String("name");
        return name is not null && name.Equals(SecurityGroupStore.DefaultName, StringComparison.OrdinalIgnoreCase)
            ? throw new ApiException(StatusCodes.Status409Conflict, "Default security group already exists.", "SecurityGroupDefaultAlreadyExists")
            : name;
    }
}
