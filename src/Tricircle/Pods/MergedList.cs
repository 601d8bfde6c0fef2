using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Tricircle.Errors;
using Tricircle.Hosting;
using Tricircle.Routing;

namespace Tricircle.Pods;

/// <summary>What a merged list is made of, for one API's collection (Nova servers, Cinder volumes, ...).</summary>
internal sealed record MergedListShape(
    string ServiceType,
    string ResourceType,
    string CollectionKey,
    IReadOnlyList<(string Key, bool Descending)> DefaultSort,
    Func<string, string> FieldOfSortKey,
    Func<ResourceRouting, JsonObject> Placeholder)
{
    /// <summary>Adjusts an item (or placeholder) to the gateway's view of its pod (Cinder's top AZ name, say) before it is merged.</summary>
    public Action<Pod, JsonObject>? FromPod { get; init; }

    /// <summary>Ask pods for several sort keys as Cinder takes them (<c>sort=k1:desc,k2:desc</c>; it reads one <c>sort_key</c> only), not as Nova does (repeated <c>sort_key</c>/<c>sort_dir</c>).</summary>
    public bool SortParameter { get; init; }

    /// <summary>The error for a marker the caller has no such item for (Nova's 400 "marker [x] not found" unless told; Cinder's is the item's 404).</summary>
    public Func<string, Exception>? MarkerNotFound { get; init; }

    /// <summary>
    /// A pod's refusal of the query (400: an unknown sort key or filter, which only the service
    /// knows) is passed on in its own words, without the pod's name, as Cinder's clients read them.
    /// </summary>
    public bool PodWordsOnRefusal { get; init; }
}

/// <summary>One merged page: the items, whether more follow, the pods that could not answer, and the page size that applied (the caller's limit, capped).</summary>
internal sealed record MergedPage(IReadOnlyList<JsonObject> Items, bool More, IReadOnlyList<string> MissingPods, int Limit = 0)
{
    /// <summary>
    /// Cinder's and Nova's rule for a next link (<c>_get_collection_links</c>): the page is full,
    /// whether or not more follow; with Cinder's count (3.45) the count stands for the items.
    /// </summary>
    public bool Full(long? count = null) => Items.Count > 0 && Limit <= (count is > 0 ? count : Items.Count);
}

/// <summary>
/// A list call answered from every pod at once: each relevant pod (one holding resources of the
/// caller's project, by the routing table) is asked in parallel under the fan-out deadline for
/// the first <c>limit + 1</c> items after the marker in the requested order; the answers are
/// merged by the sort keys (the id breaks ties, in the pods too) and cut to one global page. Items without a routing
/// row (made in a pod behind Tricircle's back) are left out, so a list never shows what show
/// would not find. A pod that fails or misses the deadline contributes placeholders from the
/// routing table (when no filter was asked, as Nova does for a down cell).
/// </summary>
internal sealed class MergedList(PodStore pods, PodClient client, PodFanOut fanOut, RoutingStore routings, IOptions<ServiceOptions> options)
{
    private static readonly HashSet<string> PagingKeys = new(StringComparer.Ordinal) { "limit", "marker", "sort_key", "sort_dir", "sort" };

    /// <param name="shape">The collection.</param>
    /// <param name="query">The caller's query (filters are passed to the pods).</param>
    /// <param name="projectId">Whose resources (null: every project's, for an admin's all_tenants).</param>
    /// <param name="token">The caller's token.</param>
    /// <param name="podPath">The pod-relative collection path, e.g. <c>servers/detail</c>.</param>
    /// <param name="headers">Headers to pass (microversion).</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <param name="podFilter">Which pods may hold matches (all when null), e.g. those of one AZ.</param>
    /// <param name="ownBase">The gateway's base URL: the pods' URLs in the items (links, bookmarks) are made this one's.</param>
    public async Task<MergedPage> ListAsync(
        MergedListShape shape,
        IQueryCollection query,
        string? projectId,
        string token,
        string podPath,
        IEnumerable<KeyValuePair<string, string>> headers,
        CancellationToken cancellationToken,
        Func<Pod, bool>? podFilter = null,
        string? ownBase = null)
    {
        var limit = Limit(query);
        var sort = Sort(query, shape.DefaultSort);

        var filters = query.Where(q => !PagingKeys.Contains(q.Key)).ToList();
        var markerId = query.TryGetValue("marker", out var m) ? m.ToString() : null;
        var headerList = headers.ToList();

        var relevant = await routings.PodsWithAsync(shape.ResourceType, projectId, cancellationToken);
        var candidates = (await pods.ListAsync(new Dictionary<string, string>(), cancellationToken)).Where(p => !p.IsCentral && (podFilter is null || podFilter(p))).ToList();
        var bottom = candidates.Where(p => relevant.Contains(p.PodId)).ToList();
        if (bottom.Count == 0 && candidates.Count > 0)
        {
            // Nothing of the project anywhere: one pod still reads the query, so that a bad sort
            // key or filter gets the service's own 400 rather than an empty list (its items are
            // dropped below, as none is routed).
            bottom.Add(candidates[0]);
        }

        // Ties on the sort keys (servers made in the same second) keep each pod's own order, as
        // one Nova or Cinder orders them (by its internal id), and go pod by pod across pods: a
        // total order, so that a marker neither skips nor repeats an item.
        var rank = candidates.Select((p, i) => (p.PodId, i)).ToDictionary(x => x.PodId, x => x.i);
        var order = new System.Collections.Concurrent.ConcurrentDictionary<JsonObject, (int Rank, int Position)>(ReferenceEqualityComparer.Instance);

        JsonObject? marker = null;
        Pod? markerPod = null;
        if (markerId is not null)
        {
            var routing = await routings.FindTopAsync(markerId, shape.ResourceType, projectId, cancellationToken)
                ?? throw (shape.MarkerNotFound?.Invoke(markerId) ?? TricircleException.Invalid($"marker [{markerId}] not found"));
            markerPod = bottom.FirstOrDefault(p => p.PodId == routing.PodId);
            marker = markerPod is null ? null : await FetchOneAsync(shape, markerPod, podPath, markerId, token, headerList, cancellationToken);
            marker ??= shape.Placeholder(routing);
            order[marker] = (rank.GetValueOrDefault(routing.PodId, int.MaxValue), -1);
            if (markerPod is not null)
            {
                shape.FromPod?.Invoke(markerPod, marker);
            }
        }

        var sortQuery = shape.SortParameter
            ? "sort=" + string.Join(',', sort.Select(s => $"{Uri.EscapeDataString(s.Key)}:{(s.Descending ? "desc" : "asc")}"))
            : string.Join('&', sort.Select(s => $"sort_key={Uri.EscapeDataString(s.Key)}&sort_dir={(s.Descending ? "desc" : "asc")}"));
        var filterQuery = string.Join('&', filters.SelectMany(f => f.Value.Select(v => $"{Uri.EscapeDataString(f.Key)}={Uri.EscapeDataString(v ?? "")}")));
        var comparer = new ItemComparer(sort, shape.FieldOfSortKey, item => order.TryGetValue(item, out var at) ? at : null);

        var answers = await fanOut.AskAsync(bottom, async (pod, ct) =>
        {
            // The marker's own pod continues from it; the others are read from the start and
            // skip what sorts before it.
            var podMarker = pod == markerPod ? markerId : null;
            var pageSize = Math.Min(limit + 1, options.Value.PaginationMaxLimit);
            var kept = new List<JsonObject>();
            var position = 0;
            while (true)
            {
                var uri = $"{podPath}?limit={pageSize}&{sortQuery}" + (filterQuery.Length > 0 ? "&" + filterQuery : "") + (podMarker is null ? "" : "&marker=" + Uri.EscapeDataString(podMarker));
                var page = (await client.SendJsonAsync(pod, shape.ServiceType, HttpMethod.Get, uri, null, token, ct, headerList))?[shape.CollectionKey] as JsonArray ?? [];
                var items = page.OfType<JsonObject>().ToList();
                items.ForEach(i => shape.FromPod?.Invoke(pod, i));
                items.ForEach(i => order[i] = (rank[pod.PodId], position++));
                if (ownBase is not null)
                {
                    var podBase = PodForwarder.BaseOf(await client.ServiceRootAsync(pod, shape.ServiceType, ct));
                    items.ForEach(i => PodUrls.Rewrite(i, podBase, ownBase));
                }
                var known = await routings.KnownAsync(shape.ResourceType, pod.PodId, items.Select(Id).ToList(), ct);
                kept.AddRange(items.Where(i => known.Contains(Id(i)) && (marker is null || pod == markerPod || comparer.Compare(i, marker) > 0)));
                if (kept.Count > limit || items.Count < pageSize)
                {
                    return kept;
                }

                podMarker = Id(items[^1]);
            }
        }, cancellationToken);

        // A pod that refused the query itself (a bad filter or sort key: 400) is not down: the
        // caller's request is wrong, and saying so beats showing placeholders.
        if (answers.Select(a => a.Error).OfType<PodErrorException>().FirstOrDefault(e => e.StatusCode == StatusCodes.Status400BadRequest) is { } refused)
        {
            // Where a pod judges the query for all (Cinder), its words are the answer, as the caller would hear them from one Cinder.
            throw shape.PodWordsOnRefusal ? TricircleException.Invalid(refused.PodMessage) : refused;
        }

        var merged = answers.Where(a => a.Succeeded).SelectMany(a => a.Value!).ToList();
        var missing = answers.Where(a => !a.Succeeded).Select(a => a.Pod).ToList();
        if (missing.Count > 0 && filters.All(f => f.Key is "all_tenants"))
        {
            var stand = await routings.ListTypeAsync(shape.ResourceType, projectId, missing.Select(p => p.PodId).ToList(), cancellationToken);
            merged.AddRange(stand.Select((r, i) =>
            {
                var placeholder = shape.Placeholder(r);
                shape.FromPod?.Invoke(missing.First(p => p.PodId == r.PodId), placeholder);
                order[placeholder] = (rank[r.PodId], i);
                return placeholder;
            }).Where(p => marker is null || comparer.Compare(p, marker) > 0));
        }

        merged.Sort(comparer);
        var more = merged.Count > limit;
        return new MergedPage(merged.Take(limit).ToList(), more, missing.Select(p => p.RegionName).ToList(), limit);
    }

    /// <summary>The next-page link of a merged page (the caller's query with the marker moved on).</summary>
    public static JsonArray NextLinks(string collectionUrl, IQueryCollection query, string lastId)
    {
        var rest = query.Where(q => q.Key != "marker").SelectMany(q => q.Value.Select(v => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(v ?? "")}"));
        var href = collectionUrl + "?" + string.Join('&', rest.Append("marker=" + Uri.EscapeDataString(lastId)));
        return [new JsonObject { ["rel"] = "next", ["href"] = href }];
    }

    public static string Id(JsonObject item) => item["id"]?.ToString() ?? "";

    private int Limit(IQueryCollection query)
    {
        var max = options.Value.PaginationMaxLimit;
        if (!query.TryGetValue("limit", out var text))
        {
            return max;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit))
        {
            throw TricircleException.Invalid($"limit must be a non-negative integer, not '{text}'.");
        }

        return Math.Clamp(limit, 0, max);
    }

    private static List<(string Key, bool Descending)> Sort(IQueryCollection query, IReadOnlyList<(string Key, bool Descending)> defaults)
    {
        var keys = query["sort_key"].Where(k => !string.IsNullOrEmpty(k)).Select(k => k!).ToList();
        var dirs = query["sort_dir"].Select(d => d?.ToLowerInvariant()).ToList();
        if (query.TryGetValue("sort", out var sort))
        {
            // Cinder's "sort=key:dir,key2" form.
            foreach (var part in sort.ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var pieces = part.Split(':', 2);
                keys.Add(pieces[0]);
                dirs.Add(pieces.Length > 1 ? pieces[1].ToLowerInvariant() : null);
            }
        }

        // Checked even without a sort key (Nova and Cinder sort by their default key then).
        if (dirs.FirstOrDefault(d => d is not (null or "asc" or "desc")) is { } bad)
        {
            throw TricircleException.Invalid($"Invalid input received: Unknown sort direction, must be 'desc' or 'asc' (not '{bad}').");
        }

        if (keys.Count == 0)
        {
            return [.. defaults];
        }

        var result = new List<(string, bool)>();
        for (var i = 0; i < keys.Count; i++)
        {
            var dir = i < dirs.Count ? dirs[i] : dirs.LastOrDefault() ?? "desc";

            result.Add((keys[i], dir != "asc"));
        }

        return result;
    }

    private async Task<JsonObject?> FetchOneAsync(MergedListShape shape, Pod pod, string podPath, string id, string token, List<KeyValuePair<string, string>> headers, CancellationToken cancellationToken)
    {
        // The marker's sort values, from its own pod ("servers/detail" → "servers/{id}").
        var collection = podPath.EndsWith("/detail", StringComparison.Ordinal) ? podPath[..^"/detail".Length] : podPath;
        try
        {
            var single = shape.CollectionKey.TrimEnd('s');
            return (await client.SendJsonAsync(pod, shape.ServiceType, HttpMethod.Get, $"{collection}/{Uri.EscapeDataString(id)}", null, token, cancellationToken, headers))?[single] as JsonObject;
        }
        catch (Exception e) when (e is PodErrorException or TricircleException)
        {
            return null; // its pod is down or it is gone: the routing row's values stand in
        }
    }

    /// <summary>Orders items by the sort keys (missing values sort as smallest), then by pod and the pod's own order.</summary>
    private sealed class ItemComparer(IReadOnlyList<(string Key, bool Descending)> sort, Func<string, string> fieldOf, Func<JsonObject, (int Rank, int Position)?> placeOf) : IComparer<JsonObject>
    {
        public int Compare(JsonObject? x, JsonObject? y)
        {
            foreach (var (key, descending) in sort)
            {
                var field = fieldOf(key);
                var c = CompareValues(x?[field], y?[field]);
                if (c != 0)
                {
                    return descending ? -c : c;
                }
            }

            if (x is not null && y is not null && placeOf(x) is { } px && placeOf(y) is { } py)
            {
                return px.CompareTo(py);
            }

            var last = sort.Count > 0 && sort[^1].Descending;
            var byId = string.CompareOrdinal(x is null ? null : Id(x), y is null ? null : Id(y));
            return last ? -byId : byId;
        }

        private static int CompareValues(JsonNode? a, JsonNode? b)
        {
            if (a is null || b is null)
            {
                return (a is null ? 0 : 1) - (b is null ? 0 : 1);
            }

            if (a is JsonValue va && b is JsonValue vb && va.TryGetValue<double>(out var da) && vb.TryGetValue<double>(out var db))
            {
                return da.CompareTo(db);
            }

            return string.CompareOrdinal(a.ToString(), b.ToString());
        }
    }
}
