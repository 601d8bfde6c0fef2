using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Tricircle.Emulator.Regions.Compute;

/// <summary>
/// Server groups (<c>os-server-groups</c>) and what the scheduler does with them: a new server's
/// host by its group's policy over the region's compute hosts, and a migration's destination.
/// </summary>
internal sealed partial class NovaApi
{
    private static readonly string[] PoliciesBefore215 = ["anti-affinity", "affinity"];
    private static readonly string[] AllPolicies = ["anti-affinity", "affinity", "soft-anti-affinity", "soft-affinity"];

    private void MapServerGroups(IEndpointRouteBuilder app)
    {
        Route(app, "GET", "/os-server-groups", ListServerGroupsAsync);
        Route(app, "POST", "/os-server-groups", CreateServerGroupAsync);
        Route(app, "GET", "/os-server-groups/{id}", ShowServerGroupAsync);
        Route(app, "DELETE", "/os-server-groups/{id}", DeleteServerGroupAsync);
    }

    private JsonObject ServerGroupJson(HttpContext context, ServerGroup group)
    {
        var json = new JsonObject { ["id"] = group.Id, ["name"] = group.Name };
        if (AtLeast(context, 64))
        {
            json["policy"] = group.Policy;
            json["rules"] = group.MaxServerPerHost is { } max ? new JsonObject { ["max_server_per_host"] = max } : new JsonObject();
        }
        else
        {
            json["policies"] = new JsonArray(group.Policy);
            json["metadata"] = new JsonObject();
        }

        // Nova lists the members not deleted.
        json["members"] = new JsonArray([.. group.Members.Where(m => State.Servers.Any(s => s.Id == m)).Select(m => (JsonNode)m)]);
        if (AtLeast(context, 13))
        {
            json["project_id"] = group.ProjectId;
            json["user_id"] = group.UserId;
        }

        return json;
    }

    private async Task ListServerGroupsAsync(HttpContext context)
    {
        foreach (var (key, values) in context.Request.Query)
        {
            if (key is "limit" or "offset")
            {
                var text = values[^1] ?? "";
                if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    throw OpenStackFault.BadRequest($"Invalid input for query parameters {key}. Value: {text}. '{text}' does not match '^[0-9]*$'");
                }
            }
            else if (key != "all_projects" && AtLeast(context, 75))
            {
                throw OpenStackFault.BadRequest($"Invalid input for query parameters {key}. Value: {values[^1]}. Additional properties are not allowed ('{key}' was unexpected)");
            }
        }

        var caller = context.Caller();
        var all = context.Request.Query.ContainsKey("all_projects") && caller.IsAdmin;
        var offset = Query(context, "offset") is { } o ? int.Parse(o, CultureInfo.InvariantCulture) : 0;
        var limit = QueryLimit(context) ?? 1000;
        JsonArray items;
        lock (State.Sync)
        {
            items = [.. State.ServerGroups.Where(g => all || g.ProjectId == caller.ProjectId).Skip(offset).Take(limit).Select(g => (JsonNode)ServerGroupJson(context, g))];
        }

        await Ok(context, new JsonObject { ["server_groups"] = items });
    }

    private async Task CreateServerGroupAsync(HttpContext context)
    {
        var caller = context.Caller();
        var spec = await Body(context, "server_group");
        string policy;
        int? maxPerHost = null;
        if (AtLeast(context, 64))
        {
            NoExtraKeys(spec, "server_group", "name", "policy", "rules");
            var name = ReqString(spec, "name", "server_group");
            _ = name;
            policy = spec["policy"] is null
                ? throw OpenStackFault.BadRequest($"Invalid input for field/attribute server_group. Value: {spec.ToJsonString()}. 'policy' is a required property")
                : OptString(spec, "policy")!;
            if (!AllPolicies.Contains(policy))
            {
                throw OpenStackFault.BadRequest($"Invalid input for field/attribute policy. Value: {policy}. '{policy}' is not one of ['anti-affinity', 'affinity', 'soft-anti-affinity', 'soft-affinity']");
            }

            if (spec["rules"] is { } rulesNode)
            {
                if (rulesNode is not JsonObject rules)
                {
                    throw OpenStackFault.BadRequest($"Invalid input for field/attribute rules. Value: {rulesNode.ToJsonString()}. {rulesNode.ToJsonString()} is not of type 'object'");
                }

                NoExtraKeys(rules, "rules", "max_server_per_host");
                maxPerHost = OptInt(rules, "max_server_per_host", 1);
                if (rules.Count > 0 && policy != "anti-affinity")
                {
                    throw OpenStackFault.BadRequest("Only anti-affinity policy supports rules.");
                }
            }
        }
        else
        {
            NoExtraKeys(spec, "server_group", "name", "policies");
            _ = ReqString(spec, "name", "server_group");
            var allowed = AtLeast(context, 15) ? AllPolicies : PoliciesBefore215;
            if (spec["policies"] is not JsonArray policies)
            {
                throw spec["policies"] is null
                    ? OpenStackFault.BadRequest($"Invalid input for field/attribute server_group. Value: {spec.ToJsonString()}. 'policies' is a required property")
                    : OpenStackFault.BadRequest($"Invalid input for field/attribute policies. Value: {spec["policies"]!.ToJsonString()}. {spec["policies"]!.ToJsonString()} is not of type 'array'");
            }

            if (policies.Count != 1)
            {
                throw OpenStackFault.BadRequest($"Invalid input for field/attribute policies. Value: {policies.ToJsonString()}. {policies.ToJsonString()} is {(policies.Count == 0 ? "too short" : "too long")}");
            }

            policy = policies[0] is JsonValue v && v.TryGetValue<string>(out var text) && allowed.Contains(text)
                ? text
                : throw OpenStackFault.BadRequest($"Invalid input for field/attribute policies. Value: {policies.ToJsonString()}. {policies[0]?.ToJsonString()} is not one of [{string.Join(", ", allowed.Select(a => $"'{a}'"))}]");
        }

        var group = new ServerGroup
        {
            Id = RegionContext.NewId(),
            Name = spec["name"]!.GetValue<string>(),
            ProjectId = caller.ProjectId,
            UserId = caller.UserId,
            Policy = policy,
            MaxServerPerHost = maxPerHost,
        };
        JsonObject json;
        lock (State.Sync)
        {
            if (State.ServerGroups.Count(g => g.ProjectId == caller.ProjectId) >= NovaLimits.ServerGroups)
            {
                throw OpenStackFault.Forbidden("Quota exceeded, too many server groups.");
            }

            State.ServerGroups.Add(group);
            json = ServerGroupJson(context, group);
        }

        await Ok(context, new JsonObject { ["server_group"] = json });
    }

    /// <summary>The group by id, among those the caller's project may see (an admin: all).</summary>
    private ServerGroup FindServerGroupLocked(HttpContext context, string policy)
    {
        var id = Param(context, "id");
        // Nova's query filters by the caller's project unless admin: another project's group is not found.
        _ = policy;
        return State.ServerGroups.FirstOrDefault(g => g.Id == id && context.Caller().CanSee(g.ProjectId))
            ?? throw OpenStackFault.NotFound($"Instance group {id} could not be found.");
    }

    private async Task ShowServerGroupAsync(HttpContext context)
    {
        JsonObject json;
        lock (State.Sync)
        {
            json = ServerGroupJson(context, FindServerGroupLocked(context, "show"));
        }

        await Ok(context, new JsonObject { ["server_group"] = json });
    }

    private Task DeleteServerGroupAsync(HttpContext context)
    {
        lock (State.Sync)
        {
            State.ServerGroups.Remove(FindServerGroupLocked(context, "delete"));
        }

        return NoContent(context, 204);
    }

    /// <summary>
    /// The group a create's <c>os:scheduler_hints</c> names, if any: a uuid (the schema's
    /// format), a group that exists (else Nova's 400), with room for <paramref name="count"/> more
    /// members (<c>server_group_members</c>, a 403).
    /// </summary>
    private ServerGroup? HintedGroup(JsonObject body, int count)
    {
        var hints = body["os:scheduler_hints"] as JsonObject ?? body["OS-SCH-HNT:scheduler_hints"] as JsonObject;
        if (hints?["group"] is not { } node)
        {
            return null;
        }

        var id = node is JsonValue value && value.TryGetValue<string>(out var text) ? text : node.ToJsonString();
        if (!Guid.TryParse(id, out _))
        {
            throw OpenStackFault.BadRequest($"Invalid input for field/attribute group. Value: {id}. '{id}' is not a 'uuid'");
        }

        lock (State.Sync)
        {
            var group = State.ServerGroups.FirstOrDefault(g => g.Id.Equals(id, StringComparison.OrdinalIgnoreCase))
                ?? throw OpenStackFault.BadRequest($"Instance group {id} could not be found.");
            if (group.Members.Count(m => State.Servers.Any(s => s.Id == m)) + count > NovaLimits.ServerGroupMembers)
            {
                throw OpenStackFault.Forbidden("Quota exceeded, too many servers in group");
            }

            return group;
        }
    }

    /// <summary>
    /// The hosts a member of <paramref name="group"/> may go to, best first, as Nova's
    /// (Soft)(Anti)AffinityFilter/Weigher: affinity on its members' host, anti-affinity on a host
    /// with fewer than <c>max_server_per_host</c> of them; soft policies only order. Caller holds the lock.
    /// </summary>
    private List<string> HostsFor(ServerGroup? group, string? exceptServer, IEnumerable<string> candidates, IEnumerable<Server>? placing = null)
    {
        var hosts = candidates.ToList();
        if (group is null)
        {
            return hosts;
        }

        var memberHosts = State.Servers.Concat(placing ?? []).Where(s => s.Id != exceptServer && group.Members.Contains(s.Id) && s.Host is not null).Select(s => s.Host!).ToList();
        int On(string host) => memberHosts.Count(h => h == host);
        return group.Policy switch
        {
            "affinity" => memberHosts.Count == 0 ? hosts : [.. hosts.Where(h => On(h) > 0)],
            "anti-affinity" => [.. hosts.Where(h => On(h) < (group.MaxServerPerHost ?? 1))],
            "soft-affinity" => [.. hosts.OrderByDescending(On)],
            "soft-anti-affinity" => [.. hosts.OrderBy(On)],
            _ => hosts,
        };
    }

    /// <summary>The group <paramref name="serverId"/> is a member of, if any. Caller holds the lock.</summary>
    private ServerGroup? GroupOf(string serverId) => State.ServerGroups.FirstOrDefault(g => g.Members.Contains(serverId));
}
