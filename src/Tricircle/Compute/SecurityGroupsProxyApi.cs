using System.Globalization;
using System.Text.Json.Nodes;
using Tricircle.Hosting;
using Tricircle.Network;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Compute;

/// <summary>
/// Nova's security-group proxy (<c>/os-security-groups</c> and a server's
/// <c>/servers/{id}/os-security-groups</c>, to microversion 2.35), read from the central
/// Neutron's groups as Nova reads them from its Neutron: <c>openstack server add security group
/// vm default</c> finds the group here, by id or else by name. Not the pod's Nova: it would show
/// its copies, named by central id. Only reads are served; groups are made and changed in Neutron.
/// </summary>
internal static class SecurityGroupsProxyApi
{
    /// <summary>Nova's <c>MAX_PROXY_API_SUPPORT_VERSION</c>: from 2.36 the proxy APIs are gone (404).</summary>
    private static readonly Microversion LastProxyVersion = new(2, 35);

    /// <summary>Nova's <c>[api] max_limit</c> default: a page holds at most this many, whatever <c>limit</c> asks.</summary>
    private const int MaxLimit = 1000;

    public static void MapSecurityGroupsProxyApi(this IEndpointRouteBuilder v21)
    {
        v21.MapGet("/os-security-groups", ListAsync);
        v21.MapGet("/os-security-groups/{id}", ShowAsync);
        v21.MapGet("/servers/{id}/os-security-groups", OfServerAsync);
    }

    private static async Task ListAsync(HttpContext context, SecurityGroupStore groups)
    {
        var caller = Proxy(context);
        var offset = NonNegative(context, "offset") ?? 0;
        var limit = Math.Min(NonNegative(context, "limit") is { } asked and > 0 ? asked : MaxLimit, MaxLimit);
        var all = caller.IsAdmin && context.Request.Query.ContainsKey("all_tenants");
        var list = await groups.ListTopAsync(all ? null : caller.ProjectId, context.RequestAborted);
        await NovaJson.WriteAsync(context, new JsonObject { ["security_groups"] = Sorted(list, list.Skip(offset).Take(limit)) });
    }

    private static async Task ShowAsync(string id, HttpContext context, SecurityGroupStore groups)
    {
        var caller = Proxy(context);
        if (!Guid.TryParse(id, out _))
        {
            throw ApiException.BadRequest("Security group id should be uuid");
        }

        var group = await groups.FindTopAsync(id, context.RequestAborted);
        if (group is null || (!caller.IsAdmin && group.ProjectId != caller.ProjectId))
        {
            throw ApiException.NotFound($"Security group {id} not found.");
        }

        var names = await RemoteNamesAsync([group], groups, context.RequestAborted);
        await NovaJson.WriteAsync(context, new JsonObject { ["security_group"] = View(group, names) });
    }

    private static async Task OfServerAsync(string id, HttpContext context, RoutingStore routings, PodStore pods, ServerSecurityGroups serverGroups, SecurityGroupStore groups)
    {
        Proxy(context);
        var (server, _) = await ServersApi.FindAsync(id, context, routings, pods);
        var list = await serverGroups.OfServerAsync(server.TopId, context.RequestAborted);
        await NovaJson.WriteAsync(context, new JsonObject { ["security_groups"] = await SortedAsync(list, groups, context.RequestAborted) });
    }

    private static Identity.RequestContext Proxy(HttpContext context)
    {
        var caller = ComputeApi.Caller(context);
        return ComputeApi.Version(context) > LastProxyVersion ? throw ApiException.NotFound("The resource could not be found.") : caller;
    }

    /// <summary>Nova's <c>limit</c>/<c>offset</c>: non-negative integers (its query schema's words when not).</summary>
    private static int? NonNegative(HttpContext context, string name)
    {
        if (!context.Request.Query.TryGetValue(name, out var values))
        {
            return null;
        }

        var text = values[^1] ?? "";
        return text.Length > 0 && text.All(char.IsAsciiDigit) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw ApiException.BadRequest($"Invalid input for query parameters {name}. Value: {text}. '{text}' does not match '^[0-9]*$'");
    }

    private static JsonArray Sorted(IReadOnlyList<TopSecurityGroup> all, IEnumerable<TopSecurityGroup> page)
    {
        var names = all.ToDictionary(g => g.Id, g => (g.Name, g.ProjectId), StringComparer.Ordinal);
        return new JsonArray([.. page.OrderBy(g => g.ProjectId, StringComparer.Ordinal).ThenBy(g => g.Name, StringComparer.Ordinal).Select(g => (JsonNode)View(g, names))]);
    }

    private static async Task<JsonArray> SortedAsync(IReadOnlyList<TopSecurityGroup> list, SecurityGroupStore groups, CancellationToken cancellationToken)
    {
        var names = await RemoteNamesAsync(list, groups, cancellationToken);
        return new JsonArray([.. list.OrderBy(g => g.ProjectId, StringComparer.Ordinal).ThenBy(g => g.Name, StringComparer.Ordinal).Select(g => (JsonNode)View(g, names))]);
    }

    /// <summary>Name and project of every group the rules name as their remote group.</summary>
    private static async Task<Dictionary<string, (string Name, string ProjectId)>> RemoteNamesAsync(IReadOnlyList<TopSecurityGroup> list, SecurityGroupStore groups, CancellationToken cancellationToken)
    {
        var names = list.ToDictionary(g => g.Id, g => (g.Name, g.ProjectId), StringComparer.Ordinal);
        var missing = list.SelectMany(g => g.Rules).Select(r => r.RemoteGroupId).OfType<string>().Where(id => !names.ContainsKey(id)).ToList();
        foreach (var (id, group) in await groups.FindTopManyAsync(missing, cancellationToken))
        {
            names[id] = (group.Name, group.ProjectId);
        }

        return names;
    }

    /// <summary>A group as Nova shows one from Neutron: its ingress rules only, in Nova's rule shape.</summary>
    private static JsonObject View(TopSecurityGroup group, Dictionary<string, (string Name, string ProjectId)> names)
    {
        var rules = new JsonArray();
        foreach (var rule in group.Rules.Where(r => r.Direction == "ingress"))
        {
            if (rule.RemoteGroupId is { } remote && !names.ContainsKey(remote))
            {
                continue; // its remote group went meanwhile: Nova leaves the rule out
            }

            var (from, to) = rule.Protocol is { } protocol && rule.PortRangeMin is null && rule.PortRangeMax is null
                ? protocol.ToUpperInvariant() is "TCP" or "UDP" ? (1, 65535) : (-1, -1)
                : ((int?)rule.PortRangeMin, (int?)rule.PortRangeMax);
            rules.Add(new JsonObject
            {
                ["id"] = rule.Id,
                ["parent_group_id"] = group.Id,
                ["ip_protocol"] = rule.Protocol,
                ["from_port"] = from,
                ["to_port"] = to,
                ["group"] = rule.RemoteGroupId is { } source ? new JsonObject { ["name"] = names[source].Name, ["tenant_id"] = names[source].ProjectId } : new JsonObject(),
                ["ip_range"] = rule.RemoteGroupId is null ? new JsonObject { ["cidr"] = string.IsNullOrEmpty(rule.RemoteIpPrefix) ? "0.0.0.0/0" : rule.RemoteIpPrefix } : new JsonObject(),
            });
        }

        return new JsonObject
        {
            ["id"] = group.Id,
            ["description"] = group.Description,
            ["name"] = group.Name,
            ["tenant_id"] = group.ProjectId,
            ["rules"] = rules,
        };
    }
}
