using System.Text.RegularExpressions;

namespace Tricircle.Hosting;

/// <summary>
/// Nova and Cinder URLs may carry the project id after the version (<c>/v2.1/{project}/servers</c>,
/// <c>/v3/{project}/volumes</c>), depending on how the catalog was registered. This takes it out
/// before routing, so one route table serves both forms, and remembers it: the handlers refuse a
/// URL whose project is not the token's, as Nova does.
/// </summary>
internal sealed partial class ProjectPathMiddleware(RequestDelegate next)
{
    public const string ItemKey = "tricircle.url_project_id";

    public Task InvokeAsync(HttpContext context)
    {
        var role = context.Features.Get<ApiRoleFeature>()?.Role;
        if (role is ServiceRole.Compute or ServiceRole.Volume && MayNameAProject(context.Request.Path.Value) && ProjectInPath().Match(context.Request.Path.Value!) is { Success: true } match)
        {
            context.Items[ItemKey] = match.Groups["project"].Value;
            context.Request.Path = match.Groups["version"].Value + match.Groups["rest"].Value;
        }

        return next(context);
    }

    /// <summary>The project id the URL named, if it named one.</summary>
    public static string? UrlProject(HttpContext context) => context.Items.TryGetValue(ItemKey, out var value) ? value as string : null;

    // Whether the segment after the version is as long as a project id: most URLs are not, and
    // are spared the expression (it ran on every call through the gateway).
    private static bool MayNameAProject(string? path)
    {
        if (path is null || path.Length < 34 || !path.StartsWith("/v", StringComparison.Ordinal))
        {
            return false;
        }

        var start = path.IndexOf('/', 1) + 1;
        if (start == 0)
        {
            return false;
        }

        var end = path.IndexOf('/', start);
        var length = (end < 0 ? path.Length : end) - start;
        return length is 32 or 36;
    }

    // Keystone project ids are 32 hex digits (UUIDs with dashes are accepted too); resource
    // names after the version never look like that.
    [GeneratedRegex("^(?<version>/v[0-9.]+)/(?<project>[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})(?<rest>/.*)?$")]
    private static partial Regex ProjectInPath();
}
