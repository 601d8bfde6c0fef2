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
    private static readonly string[] Fields = ["top_id", "bottom_id", "pod_id", "project_id", "resource_type"];
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

    private static async Task<IResult> CreateAsync(HttpRequest request, RoutingStore store, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadWrappedAsync(request, "routing", cancellationToken);
        RequestBody.RejectUnknown(body, "routing", Fields);
        var routing = new ResourceRouting
        {
            TopId = RequestBody.RequiredString(body, "top_id", 127),
            BottomId = RequestBody.RequiredString(body, "bottom_id", 36),
            PodId = RequestBody.RequiredString(body, "pod_id", 36),
            ProjectId = RequestBody.RequiredString(body, "project_id", 36),
            ResourceType = CheckType(RequestBody.RequiredString(body, "resource_type", 64)),
        };
        return TypedResults.Json(new { routing = (await store.CreateAsync(routing, cancellationToken)).ToView() });
    }

    private static async Task<IResult> ShowAsync(string id, RoutingStore store, CancellationToken cancellationToken)
    {
        var routing = await store.FindAsync(PathId(id), cancellationToken) ?? throw ApiException.NotFound($"Resource routing {id} could not be found.");
        return TypedResults.Json(new { routing = routing.ToView() });
    }

    private static async Task<IResult> UpdateAsync(string id, HttpRequest request, RoutingStore store, CancellationToken cancellationToken)
    {
        var routingId = PathId(id);
        if (await store.FindAsync(routingId, cancellationToken) is null)
        {
            throw ApiException.NotFound($"Resource routing {id} could not be found.");
        }

        var body = await RequestBody.ReadWrappedAsync(request, "routing", cancellationToken);
        RequestBody.RejectUnknown(body, "routing", Fields);
        if (!body.EnumerateObject().Any())
        {
            throw ApiException.BadRequest("'routing' names no field to change.");
        }

        string? Field(string name, int max) => body.TryGetProperty(name, out _) ? RequestBody.RequiredString(body, name, max) : null;
        var topId = Field("top_id", 127);
        var bottomId = Field("bottom_id", 36);
        var podId = Field("pod_id", 36);
        var projectId = Field("project_id", 36);
        var type = Field("resource_type", 64) is { } t ? CheckType(t) : null;
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
