using System.Globalization;
using Microsoft.Extensions.Options;
using Tricircle.Data;
using Tricircle.Hosting;
using Tricircle.Identity;
using Tricircle.Routing;

namespace Tricircle.Admin;

/// <summary><c>/v1.0/routings</c>: the resource routing table, paged newest first.</summary>
internal static class RoutingsApi
{
    private static readonly BodySchema Create = new(
        "routing",
        new("top_id", JsonKind.String) { Required = true, MinLength = 1, MaxLength = 127 },
        new("bottom_id", JsonKind.String) { Required = true, MinLength = 1, MaxLength = 36 },
        new("pod_id", JsonKind.String) { Required = true, MinLength = 1, MaxLength = 36 },
        new("project_id", JsonKind.String) { Required = true, MinLength = 1, MaxLength = 36 },
        new("resource_type", JsonKind.String) { Required = true, MinLength = 1, MaxLength = 64 });

    // Any subset of the same fields, at least one.
    private static readonly BodySchema Update = new("routing", [.. Create.Fields.Select(f => f with { Required = false })]) { MinProperties = 1 };
    private static readonly string[] Paging = ["limit", "marker", "all_projects"];

    public static void MapRoutingsApi(this IEndpointRouteBuilder v1)
    {
        var routings = v1.MapGroup("/routings").RequireAdmin("routings");
        routings.MapGet("", ListAsync).WithPolicyAction("list");
        routings.MapPost("", CreateAsync).WithPolicyAction("create");
        routings.MapGet("/{id}", ShowAsync).WithPolicyAction("show");
        routings.MapPut("/{id}", UpdateAsync).WithPolicyAction("put");
        routings.MapDelete("/{id}", DeleteAsync).WithPolicyAction("delete");
    }

    private static async Task<IResult> ListAsync(HttpContext context, RoutingStore store, IOptions<ServiceOptions> options, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var raw = AdminApi.Filters(request, RoutingStore.Filters, Paging);
        var filters = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (key, value) in raw)
        {
            filters[key] = key switch
            {
                "id" => ParseId("id", value),
                "created_at" or "updated_at" => DbTime.TryParse(value, out var at) ? at : throw ApiException.BadRequest($"Filter {key} must be a time like 2026-01-31 12:00:00, not '{value}'."),
                _ => value,
            };
        }

        // Upstream forced the caller's project even on admins; here an admin may name another
        // project, or ask for all of them.
        var allProjects = request.Query.TryGetValue("all_projects", out var all) && (all.ToString().Length == 0 || AdminApi.ParseBool("all_projects", all.ToString()));
        if (!filters.ContainsKey("project_id") && !allProjects)
        {
            filters["project_id"] = context.GetRequestContext().ProjectId;
        }

        var limit = AdminApi.PageLimit(request, options.Value.PaginationMaxLimit);

        long? marker = null;
        if (request.Query.TryGetValue("marker", out var markerText))
        {
            marker = ParseId("marker", markerText.ToString());
            if (await store.FindAsync(marker.Value, cancellationToken) is null)
            {
                throw ApiException.BadRequest($"Marker {marker} is not the id of a resource routing.");
            }
        }

        var (rows, more) = await store.ListAsync(filters, marker, limit, cancellationToken);
        var links = new List<object>();
        if (more)
        {
            // The next link keeps the filters (upstream dropped them).
            var query = raw.Where(f => !(f.Key == "project_id" && !request.Query.ContainsKey("project_id")))
                .Select(f => $"{f.Key}={Uri.EscapeDataString(f.Value)}")
                .Append($"limit={limit}")
                .Append($"marker={rows[^1].Id}");
            if (allProjects)
            {
                query = query.Append("all_projects=true");
            }

            links.Add(new { rel = "next", href = $"{AdminApi.BaseUrl(context)}/v1.0/routings?{string.Join('&', query)}" });
        }

        return TypedResults.Json(new { routings = rows.Select(r => r.ToView()), routings_links = links });
    }

    private static async Task<IResult> CreateAsync(HttpContext context, RoutingStore store, CancellationToken cancellationToken)
    {
        var body = await Create.ReadAsync(context);
        var routing = new ResourceRouting
        {
            TopId = body.String("top_id")!,
            BottomId = body.String("bottom_id")!,
            PodId = body.String("pod_id")!,
            ProjectId = body.String("project_id")!,
            ResourceType = CheckType(body.String("resource_type")!),
        };
        return TypedResults.Json(new { routing = (await store.CreateAsync(routing, cancellationToken)).ToView() });
    }

    private static async Task<IResult> ShowAsync(string id, RoutingStore store, CancellationToken cancellationToken)
    {
        var routing = await store.FindAsync(PathId(id), cancellationToken) ?? throw ApiException.NotFound($"Resource routing {id} could not be found.");
        return TypedResults.Json(new { routing = routing.ToView() });
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext context, RoutingStore store, CancellationToken cancellationToken)
    {
        var routingId = PathId(id);
        if (await store.FindAsync(routingId, cancellationToken) is null)
        {
            throw ApiException.NotFound($"Resource routing {id} could not be found.");
        }

        var body = await Update.ReadAsync(context, BodyAction.Update);
        var topId = body.String("top_id");
        var bottomId = body.String("bottom_id");
        var podId = body.String("pod_id");
        var projectId = body.String("project_id");
        var type = body.String("resource_type") is { } t ? CheckType(t) : null;
        var updated = await store.UpdateAsync(
            routingId,
            r =>
            {
                r.TopId = topId ?? r.TopId;
                r.BottomId = bottomId ?? r.BottomId;
                r.PodId = podId ?? r.PodId;
                r.ProjectId = projectId ?? r.ProjectId;
                r.ResourceType = type ?? r.ResourceType;
            },
            cancellationToken);
        return TypedResults.Json(new { routing = updated.ToView() });
    }

    private static async Task<IResult> DeleteAsync(string id, RoutingStore store, CancellationToken cancellationToken)
    {
        await store.DeleteAsync(PathId(id), cancellationToken);
        return TypedResults.Json(new { });
    }

    private static string CheckType(string type) => ResourceTypes.All.Contains(type)
        ? type
        : throw ApiException.BadRequest($"resource_type '{type}' is not one of: {string.Join(", ", ResourceTypes.All.Order(StringComparer.Ordinal))}.");

    private static long ParseId(string name, string value) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) && id > 0
            ? id
            : throw ApiException.BadRequest($"{name} must be a positive integer, not '{value}'.");

    // A path id that is not a number names no routing: 404, as for any unknown id.
    private static long PathId(string value) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) && id > 0
            ? id
            : throw ApiException.NotFound($"Resource routing {value} could not be found.");
}
