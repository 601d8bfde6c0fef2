using System.Globalization;
using Tricircle.Hosting;

namespace Tricircle.Admin;

/// <summary>The Admin API v1.0 (upstream's <c>tricircle-api</c>) on its own port.</summary>
internal static class AdminApi
{
    public const string UpdatedAt = "2015-09-09";

    private static readonly string[] Resources = ["bindings", "jobs", "pods", "routings"];

    public static void MapAdminApi(this IEndpointRouteBuilder app)
    {
        var root = app.MapGroup("").WithMetadata(new ApiRoleMetadata(ServiceRole.Admin));

        // Version documents need a token too, as upstream's did; other methods are 405.
        root.MapGet("/", (HttpContext context) => TypedResults.Json(new
        {
            versions = new[] { new { id = "v1.0", status = "CURRENT", updated = UpdatedAt, links = new[] { new { rel = "self", href = BaseUrl(context) + "/v1.0/" } } } },
        }));
        root.MapGet("/v1.0", (HttpContext context) => TypedResults.Json(VersionDocument(context)));

        var v1 = root.MapGroup("/v1.0");
        v1.MapPodsApi();
        v1.MapBindingsApi();
        v1.MapRoutingsApi();
        v1.MapJobsApi();
        v1.MapFlavorImportApi();
        v1.MapStatusApi();
    }

    private static object VersionDocument(HttpContext context)
    {
        var self = BaseUrl(context) + "/v1.0";
        var links = new List<object> { new { rel = "self", href = self } };
        links.AddRange(Resources.Select(r => new { rel = r, href = $"{self}/{r}" }));
        return new { version = "1.0", links };
    }

    public static string BaseUrl(HttpContext context) => $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}";

    /// <summary>A boolean query parameter, as OpenStack APIs spell them.</summary>
    public static bool ParseBool(string name, string value) => value.ToLowerInvariant() switch
    {
        "true" or "1" or "yes" => true,
        "false" or "0" or "no" => false,
        _ => throw ApiException.BadRequest($"{name} must be true or false, not '{value}'."),
    };

    /// <summary>A list's page size: <c>limit</c> capped at <c>pagination_max_limit</c>; missing or not above 0, the maximum (upstream).</summary>
    public static int PageLimit(HttpRequest request, int max)
    {
        if (!request.Query.TryGetValue("limit", out var text))
        {
            return max;
        }

        var asked = int.TryParse(text.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var limit)
            ? limit
            : throw ApiException.BadRequest($"limit must be an integer, not '{text}'.");
        return asked <= 0 ? max : Math.Min(asked, max);
    }

    /// <summary>Query parameters of a list call, with unknown names rejected (upstream's "Unsupported filter type").</summary>
    public static Dictionary<string, string> Filters(HttpRequest request, IReadOnlyCollection<string> allowed, params string[] alsoAllowed)
    {
        var filters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, values) in request.Query)
        {
            if (alsoAllowed.Contains(key, StringComparer.Ordinal))
            {
                continue;
            }

            if (!allowed.Contains(key, StringComparer.Ordinal))
            {
                throw ApiException.BadRequest($"Unsupported filter type: {key}. Supported: {string.Join(", ", allowed.Concat(alsoAllowed))}.");
            }

            if (values.Count != 1)
            {
                throw ApiException.BadRequest($"Filter {key} may be given once.");
            }

            filters[key] = values.ToString();
        }

        return filters;
    }
}
