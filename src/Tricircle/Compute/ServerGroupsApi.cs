using System.Globalization;
using System.Text.Json.Nodes;
using Tricircle.Hosting;
using Tricircle.Jobs;
using Tricircle.Quotas;
using Tricircle.Routing;

namespace Tricircle.Compute;

/// <summary>
/// <c>/os-server-groups</c>: central records (see <see cref="ServerGroups"/> for what a policy
/// means across pods), in Nova's shape at the request's microversion (<c>policies</c> before
/// 2.64, <c>policy</c> and <c>rules</c> from it; project and user from 2.13).
/// </summary>
internal static class ServerGroupsApi
{
    public const string ResourceType = "server_group";

    private static readonly string[] Policies = ["anti-affinity", "affinity", "soft-anti-affinity", "soft-affinity"];

    // parameter_types.name
    private static readonly BodyField Name = new("name", JsonKind.String) { Required = true, MinLength = 1, MaxLength = 255, Format = "name" };

    /// <summary>Nova's create schema before 2.64: one policy in a list (the soft ones from 2.15, checked below).</summary>
    private static readonly BodySchema CreateBefore264 = new(
        "server_group",
        Name,
        new("policies", JsonKind.Array) { Required = true, Unique = true, MaxItems = 1, Items = new("", JsonKind.String) { Enum = Policies } });

    /// <summary>From 2.64: <c>policy</c>, and <c>rules</c> with <c>max_server_per_host</c> only.</summary>
    private static readonly BodySchema CreateFrom264 = new(
        "server_group",
        Name,
        new("policy", JsonKind.String) { Required = true, Enum = Policies },
        new("rules", JsonKind.Object) { Properties = new(null, new BodyField("max_server_per_host", JsonKind.Integer | JsonKind.IntegerText) { Minimum = 1 }) });

    public static void MapServerGroupsApi(this IEndpointRouteBuilder v21)
    {
        v21.MapGet("/os-server-groups", ListAsync);
        v21.MapPost("/os-server-groups", CreateAsync);
        v21.MapGet("/os-server-groups/{id}", ShowAsync);
        v21.MapDelete("/os-server-groups/{id}", DeleteAsync);
    }

    private static JsonObject View(HttpContext context, ServerGroup group, IEnumerable<ServerGroupMember> members)
    {
        var json = new JsonObject { ["id"] = group.Id, ["name"] = group.Name };
        if (NovaJson.AtLeast(context, 64))
        {
            json["policy"] = group.Policy;
            json["rules"] = group.MaxServerPerHost is { } max ? new JsonObject { ["max_server_per_host"] = max } : new JsonObject();
        }
        else
        {
            json["policies"] = new JsonArray(group.Policy);
            json["metadata"] = new JsonObject();
        }

        json["members"] = new JsonArray([.. members.Select(m => (JsonNode)m.ServerId)]);
        if (NovaJson.AtLeast(context, 13))
        {
            json["project_id"] = group.ProjectId;
            json["user_id"] = group.UserId;
        }

        return json;
    }

    private static async Task ListAsync(HttpContext context, ServerGroupStore store)
    {
        var caller = ComputeApi.Caller(context);
        var query = context.Request.Query;
        int Number(string name)
        {
            var text = query[name].ToString();
            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                ? n
                : throw ApiException.BadRequest($"Invalid input for query parameters {name}. Value: {text}. '{text}' does not match '^[0-9]*$'");
        }

        foreach (var (key, _) in query)
        {
            if (key is not ("all_projects" or "limit" or "offset") && NovaJson.AtLeast(context, 75))
            {
                throw ApiException.BadRequest($"Invalid input for query parameters {key}. Value: {query[key]}. Additional properties are not allowed ('{key}' was unexpected)");
            }
        }

        var offset = query.ContainsKey("offset") ? Number("offset") : 0;
        var limit = query.ContainsKey("limit") ? Math.Min(Number("limit"), 1000) : 1000;

        // As Nova: all_projects is honoured for an admin and ignored for anyone else.
        var all = query.ContainsKey("all_projects") && caller.IsAdmin;
        var groups = (await store.ListAsync(all ? null : caller.ProjectId, context.RequestAborted)).Skip(offset).Take(limit).ToList();
        var members = await store.MembersAsync([.. groups.Select(g => g.Id)], context.RequestAborted);
        await NovaJson.WriteAsync(context, new JsonObject { ["server_groups"] = new JsonArray([.. groups.Select(g => (JsonNode)View(context, g, members[g.Id]))]) });
    }

    private static async Task CreateAsync(HttpContext context, ServerGroupStore store, QuotaStore quotas)
    {
        var caller = ComputeApi.Caller(context);
        var version = ComputeApi.Version(context);
        var group = new ServerGroup { Id = Guid.NewGuid().ToString(), ProjectId = caller.ProjectId, UserId = caller.UserId };
        if (NovaJson.AtLeast(context, 64))
        {
            var body = await CreateFrom264.ReadAsync(context, version: version);
            group.Name = body.String("name")!;
            group.Policy = body.String("policy")!;
            if (body.Node("rules") is JsonObject rules && rules.Count > 0)
            {
                if (group.Policy != "anti-affinity")
                {
                    throw ApiException.BadRequest("Only anti-affinity policy supports rules.");
                }

                group.MaxServerPerHost = Body.Of(rules).Int("max_server_per_host");
            }
        }
        else
        {
            var body = await CreateBefore264.ReadAsync(context, version: version);
            var policies = body.Node("policies")!.AsArray();
            if (policies.Count == 0)
            {
                throw ApiException.BadRequest("Invalid input for field/attribute policies. Value: []. [] is too short");
            }

            group.Name = body.String("name")!;
            group.Policy = policies[0]!.GetValue<string>();
            if (group.IsSoft && !NovaJson.AtLeast(context, 15))
            {
                throw ApiException.BadRequest($"Invalid input for field/attribute 0. Value: {group.Policy}. '{group.Policy}' is not one of ['anti-affinity', 'affinity']");
            }
        }

        var limits = await quotas.LimitsAsync(caller.ProjectId, context.RequestAborted);
        await store.CreateAsync(group, limits.GetValueOrDefault(QuotaResources.ServerGroups, -1), context.RequestAborted);
        await NovaJson.WriteAsync(context, new JsonObject { ["server_group"] = View(context, group, []) });
    }

    /// <summary>The group; Nova's 404 when there is none, or when it is another project's (Nova's query is the caller's project unless admin).</summary>
    private static async Task<ServerGroup> FindAsync(string id, HttpContext context, ServerGroupStore store, string action)
    {
        _ = action;
        var caller = ComputeApi.Caller(context);
        var group = await store.FindAsync(id, context.RequestAborted);
        return group is not null && (caller.IsAdmin || group.ProjectId == caller.ProjectId)
            ? group
            : throw ApiException.NotFound($"Instance group {id} could not be found.");
    }

    private static async Task ShowAsync(string id, HttpContext context, ServerGroupStore store)
    {
        var group = await FindAsync(id, context, store, "show");
        var members = await store.MembersAsync([group.Id], context.RequestAborted);
        await NovaJson.WriteAsync(context, new JsonObject { ["server_group"] = View(context, group, members[group.Id]) });
    }

    /// <summary>
    /// The central group and its members go, and in the same transaction a
    /// <c>server_group_cleanup</c> job per pod copy, run at once: a pod that is down gets its
    /// copy deleted when it is back. The members stay where they are, as in Nova.
    /// </summary>
    private static async Task DeleteAsync(string id, HttpContext context, ServerGroupStore store, RoutingStore routings, JobQueue jobs)
    {
        var group = await FindAsync(id, context, store, "delete");
        var copies = await routings.PodsOfAsync(group.Id, ResourceType, context.RequestAborted);
        var batch = jobs.Begin();
        var cleanups = batch.Queue([.. copies.Select(pod => JobRequest.InPod(JobTypes.ServerGroupCleanup, pod, group.Id, group.ProjectId))]);
        if (!await store.DeleteAsync(group.Id, cleanups, CancellationToken.None))
        {
            throw ApiException.NotFound($"Instance group {id} could not be found.");
        }

        await batch.RunAsync(refusalsEnd: false, CancellationToken.None);
        await NovaJson.NoContentAsync(context, StatusCodes.Status204NoContent);
    }
}
