using Tricircle.Errors;
using Tricircle.Identity;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Volume;

/// <summary>
/// Cinder 3.45's <c>with_count</c> on a merged list (volumes, snapshots, backups): the number of
/// the caller's items matching the filters is the sum of what each pod holding some counts; a pod
/// that does not answer counts its routed items when no filter was asked.
/// </summary>
internal sealed class ListCounts(PodStore pods, RoutingStore routings, PodClient client, PodFanOut fanOut)
{
    private static readonly Microversion CountInfo = new(3, 45);

    /// <summary>Whether the request asks for a count (a bad value is Cinder's 400).</summary>
    public static bool Wanted(HttpContext context)
    {
        if (VolumeApi.Version(context).CompareTo(CountInfo) < 0 || !context.Request.Query.TryGetValue("with_count", out var text))
        {
            return false;
        }

        return text.ToString().Trim().ToLowerInvariant() switch
        {
            "true" or "1" or "yes" or "y" or "on" or "t" => true,
            "false" or "0" or "no" or "n" or "off" or "f" => false,
            _ => throw TricircleException.Invalid($"Invalid value '{text}' for with_count: it must be a boolean."),
        };
    }

    /// <summary>The query without <c>with_count</c> from 3.45 (where Cinder takes it out before filtering).</summary>
    public static IQueryCollection Filters(HttpContext context, IQueryCollection query) =>
        VolumeApi.Version(context).CompareTo(CountInfo) < 0 ? query : new QueryCollection(query.Where(q => q.Key != "with_count").ToDictionary(q => q.Key, q => q.Value));

    /// <param name="context">The request.</param>
    /// <param name="resourceType">The routing type (volume, snapshot, backup).</param>
    /// <param name="collection">The pod's collection, e.g. <c>volumes</c>.</param>
    /// <param name="filters">The caller's filters (paging keys are left out).</param>
    /// <param name="projectId">Whose items (null: every project's).</param>
    /// <param name="podFilter">Which pods may hold matches (an AZ's), or null.</param>
    public async Task<long> CountAsync(HttpContext context, string resourceType, string collection, IQueryCollection filters, string? projectId, Func<Pod, bool>? podFilter = null)
    {
        var relevant = await routings.PodsWithAsync(resourceType, projectId, context.RequestAborted);
        var asked = (await pods.ListAsync(new Dictionary<string, string>(), context.RequestAborted))
            .Where(p => !p.IsCentral && relevant.Contains(p.PodId) && (podFilter is null || podFilter(p))).ToList();
        var query = filters.Where(q => q.Key is not ("limit" or "marker" or "offset" or "sort" or "sort_key" or "sort_dir"))
            .SelectMany(q => q.Value.Select(v => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(v ?? "")}"))
            .Append("with_count=true").Append("limit=0");
        var uri = VolumeApi.PodPath(context, collection + "?" + string.Join('&', query));
        var token = context.GetRequestContext().AuthToken;
        var answers = await fanOut.AskAsync(asked, async (pod, ct) =>
            (await client.SendJsonAsync(pod, VolumeApi.ServiceType, HttpMethod.Get, uri, null, token, ct, VolumeApi.VersionHeaders(context)))?["count"]?.GetValue<long>() ?? 0, context.RequestAborted);
        var missing = answers.Where(a => !a.Succeeded).Select(a => a.Pod.PodId).ToList();
        var stand = missing.Count > 0 && filters.All(f => f.Key is "all_tenants" or "limit" or "marker" or "offset" or "sort" or "sort_key" or "sort_dir")
            ? (await routings.ListTypeAsync(resourceType, projectId, missing, context.RequestAborted)).Count
            : 0;
        return answers.Where(a => a.Succeeded).Sum(a => a.Value) + stand;
    }
}
