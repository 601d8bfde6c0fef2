using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Tricircle.Hosting;
using Tricircle.Identity;
using Tricircle.Jobs;
using Tricircle.Network;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Admin;

/// <summary>
/// <c>/v1.0/jobs</c>: the job engine's jobs, to see what is pending or failing and to start,
/// redo or drop one. Upstream's shape (§2.5), without its quirks: admins see every project,
/// and a queued job is 202.
/// </summary>
internal static class JobsApi
{
    private const int ShownRuns = 20;

    // The resource's keys depend on the type: checked by Resource below.
    private static readonly BodySchema Create = new(
        "job",
        new("type", JsonKind.String) { Required = true, MinLength = 1, MaxLength = 64 },
        new("project_id", JsonKind.String | JsonKind.Null) { MaxLength = 64 },
        new("resource", JsonKind.Any));
    private static readonly string[] Paging = ["limit", "marker"];

    /// <summary>The key and routing resource type of the resource each sync job works on.</summary>
    private static readonly Dictionary<string, (string Key, string ResourceType)> Synced = new(StringComparer.Ordinal)
    {
        [JobTypes.NetworkSync.Name] = ("network_id", "network"),
        [JobTypes.SubnetSync.Name] = ("subnet_id", "subnet"),
        [JobTypes.PortSync.Name] = ("port_id", "port"),
        [JobTypes.SecurityGroupSync.Name] = ("security_group_id", "security_group"),
        [JobTypes.QosPolicySync.Name] = ("qos_policy_id", "qos_policy"),
        [JobTypes.TrunkSync.Name] = ("trunk_id", "trunk"),
    };

    public static void MapJobsApi(this IEndpointRouteBuilder v1)
    {
        var jobs = v1.MapGroup("/jobs").RequireAdmin("jobs");
        jobs.MapGet("", ListAsync).WithPolicyAction("list");
        jobs.MapGet("/detail", ListAsync).WithPolicyAction("list");
        jobs.MapGet("/schemas", () => TypedResults.Json(new
        {
            schemas = JobTypes.All.Select(t => new { type = t.Name, resource = t.Keys, operator_may_create = t.OperatorMay, description = t.Description }),
        })).WithPolicyAction("schema_list");
        jobs.MapPost("", CreateAsync).WithPolicyAction("create");
        jobs.MapGet("/{id}", ShowAsync).WithPolicyAction("show");
        jobs.MapPut("/{id}", RedoAsync).WithPolicyAction("redo");
        jobs.MapDelete("/{id}", DeleteAsync).WithPolicyAction("delete");
    }

    private static async Task<IResult> ListAsync(HttpContext context, JobStore store, IOptions<ServiceOptions> options, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var filters = AdminApi.Filters(request, JobStore.Filters, Paging);
        var limit = AdminApi.PageLimit(request, options.Value.PaginationMaxLimit);
        var marker = request.Query.TryGetValue("marker", out var markerText) ? markerText.ToString() : null;
        var (jobs, more) = await store.ListAsync(filters, marker, limit, cancellationToken);
        var links = new List<object>();
        if (more)
        {
            // The next link keeps the filters and the path asked for (jobs or jobs/detail).
            var query = filters.Select(f => $"{f.Key}={Uri.EscapeDataString(f.Value)}")
                .Append($"limit={limit}")
                .Append($"marker={Uri.EscapeDataString(jobs[^1].Id)}");
            links.Add(new { rel = "next", href = $"{AdminApi.BaseUrl(context)}{request.Path}?{string.Join('&', query)}" });
        }

        return TypedResults.Json(new { jobs = jobs.Select(j => j.ToView()), jobs_links = links });
    }

    private static async Task<IResult> ShowAsync(string id, JobStore store, CancellationToken cancellationToken)
    {
        var job = await store.FindAsync(id, cancellationToken) ?? throw ApiException.NotFound($"Job {id} could not be found.");
        var runs = await store.RunsAsync(id, ShownRuns, cancellationToken);
        return TypedResults.Json(new { job = job.ToView(runs) });
    }

    private static async Task<IResult> CreateAsync(
        HttpContext context,
        JobStore store,
        JobSignal signal,
        PodStore pods,
        RoutingStore routings,
        NetworkStore networks,
        SubnetStore subnets,
        PortStore ports,
        SecurityGroupStore groups,
        RouterStore routers,
        FloatingIpStore floatingIps,
        TrunkStore trunks,
        CancellationToken cancellationToken)
    {
        var body = await Create.ReadAsync(context);
        var type = OperatorType(body.String("type")!);
        var projectId = body.String("project_id");
        if (projectId is { Length: 0 })
        {
            throw ApiException.BadRequest("'project_id' can not be empty; leave it out to take the resource's project.");
        }

        var resource = Resource(body, type);

        if (type.PodOf(resource) is { } podId)
        {
            var pod = await pods.FindAsync(podId, cancellationToken) ?? throw ApiException.BadRequest($"The pod {podId} doesn't exist.");
            if (pod.IsCentral)
            {
                throw ApiException.BadRequest($"The pod {podId} is the central pod ({pod.RegionName}); jobs work in the other pods.");
            }

            if (Synced.TryGetValue(type.Name, out var synced))
            {
                // A sync makes the pod's copy what central says, or deletes a copy central no
                // longer has: one of the two must exist for it to have anything to do.
                var id = resource[synced.Key];
                var owner = synced.ResourceType switch
                {
                    "network" => (await networks.FindTopAsync(id, cancellationToken))?.ProjectId,
                    "subnet" => (await subnets.FindTopAsync(id, cancellationToken))?.ProjectId,
                    "port" => (await ports.FindTopAsync(id, cancellationToken))?.ProjectId,
                    "trunk" => (await trunks.FindAsync(id, null, cancellationToken))?.ProjectId,
                    _ => (await groups.FindTopAsync(id, cancellationToken))?.ProjectId,
                };
                owner ??= (await routings.FindInPodAsync(id, synced.ResourceType, podId, cancellationToken)
                    ?? throw ApiException.BadRequest($"The {synced.ResourceType} {id} does not exist centrally nor in pod {pod.RegionName} ({podId}).")).ProjectId;
                if (owner.Length > 0)
                {
                    if (projectId is not null && projectId != owner)
                    {
                        throw ApiException.BadRequest($"The {synced.ResourceType} {id} belongs to project {owner}, not {projectId}.");
                    }

                    projectId = owner;
                }
            }
        }

        else if (type == JobTypes.RouterSync || type == JobTypes.FloatingIpSync || type == JobTypes.ShadowPortSync)
        {
            // Like a pod's sync: the router (floating IP, network) exists centrally, or has copies its sync would put right.
            var (key, resourceType) = type == JobTypes.RouterSync ? ("router_id", "router")
                : type == JobTypes.FloatingIpSync ? ("floatingip_id", "floatingip") : ("network_id", "network");
            var id = resource[key];
            var owner = resourceType switch
            {
                "router" => (await routers.FindAsync(id, null, cancellationToken))?.ProjectId,
                "floatingip" => (await floatingIps.FindAsync(id, null, cancellationToken))?.ProjectId,
                _ => (await networks.FindTopAsync(id, cancellationToken))?.ProjectId,
            };
            var copies = owner is null ? await routings.RowsAsync(resourceType, [id], cancellationToken) : [];
            owner ??= copies.Count > 0 ? copies[0].ProjectId : throw ApiException.BadRequest($"The {resourceType} {id} does not exist centrally nor in any pod.");
            if (owner.Length > 0)
            {
                if (projectId is not null && projectId != owner)
                {
                    throw ApiException.BadRequest($"The {resourceType} {id} belongs to project {owner}, not {projectId}.");
                }

                projectId = owner;
            }
        }

        var queued = (await store.EnqueueAsync([new JobRequest(type, resource, projectId)], cancellationToken))[0];
        var job = await store.FindAsync(queued, cancellationToken)
            ?? throw Errors.TricircleException.Conflict($"Job {queued} was deleted as it was queued.");
        signal.Pulse();
        return TypedResults.Json(new { job = job.ToView() }, statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> DeleteAsync(string id, JobStore store, CancellationToken cancellationToken)
    {
        await store.DeleteAsync(id, cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>Redo (upstream's PUT, no body needed): the job that will run, which a failed job may have folded into.</summary>
    private static async Task<IResult> RedoAsync(string id, JobQueue queue, CancellationToken cancellationToken)
    {
        var job = await queue.RedoAsync(id, cancellationToken);
        return TypedResults.Json(new { job = job.ToView() });
    }

    private static JobType OperatorType(string name)
    {
        var startable = string.Join(", ", JobTypes.All.Where(t => t.OperatorMay).Select(t => t.Name));
        var type = JobTypes.Find(name) ?? throw ApiException.BadRequest($"Job type '{name}' is unknown; an operator may create: {startable}.");
        return type.OperatorMay
            ? type
            : throw ApiException.BadRequest($"Jobs of type {name} are queued by the service itself (the end of a user's delete); an operator may create: {startable}.");
    }

    /// <summary>The <c>resource</c> map: exactly the type's keys, each a non-empty string.</summary>
    private static Dictionary<string, string> Resource(Body body, JobType type)
    {
        var keys = string.Join(", ", type.Keys);
        if (body.Object("resource") is not { } resource)
        {
            throw ApiException.BadRequest($"'resource' is required: an object with the keys of a {type.Name} job ({keys}).");
        }

        var extra = resource.Select(p => p.Key).Where(n => !type.Keys.Contains(n, StringComparer.Ordinal)).ToList();
        if (extra.Count > 0)
        {
            throw ApiException.BadRequest($"Unrecognized key(s) in 'resource': {string.Join(", ", extra)}; a {type.Name} job's keys are {keys}.");
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in type.Keys)
        {
            if (!resource.TryGetPropertyValue(key, out var value))
            {
                throw ApiException.BadRequest($"'resource' lacks {key}; a {type.Name} job's keys are {keys}.");
            }

            var text = value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>().Trim() : "";
            if (text.Length == 0)
            {
                throw ApiException.BadRequest($"'resource' {key} must be a non-empty string.");
            }

            // The keys are stored joined by '#' (upstream's resource_id), so a value may not hold one.
            if (text.Contains('#', StringComparison.Ordinal) || text.Length > 64)
            {
                throw ApiException.BadRequest($"'resource' {key} must be an id: at most 64 characters, without '#'.");
            }

            map[key] = text;
        }

        return map;
    }
}
