using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
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

    /// <summary>
    /// The fields <see cref="FromPod"/> may change. A list sorted by none of them reads each
    /// pod's items without making trees of them (only the page's items become trees); null: any.
    /// </summary>
    public IReadOnlySet<string>? FromPodFields { get; init; }

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

/// <summary>
/// One pod's page of a merged list, read light; <see cref="Full"/>: it may have more;
/// <see cref="Routed"/>: for each item, whether it has a routing row in the pod, as far as
/// memory says (null: not known there).
/// </summary>
internal sealed record PodPage(Pod Pod, List<ListItem> Items, bool Full, string? PodBase, bool?[] Routed);

/// <summary>One merged page: the items, whether more follow, the pods that could not answer, and the page size that applied (the caller's limit, capped).</summary>
internal sealed record MergedPage(IReadOnlyList<JsonObject> Items, bool More, IReadOnlyList<string> MissingPods, int Limit = 0)
{
    /// <summary>
    /// With the list asked for its items' parts only (<see cref="MergedList.ListAsync"/>'s
    /// <c>shownParts</c>): for each item shown from its pod's bytes, those bytes and where the
    /// parts lie; <see cref="Items"/> then holds the parts alone (null for an item that is a whole
    /// tree: a placeholder, the marker).
    /// </summary>
    public IReadOnlyList<ItemBytes?>? Bytes { get; init; }

    /// <summary>
    /// The answer of a list: <c>{"servers": [...], "servers_links": [...], "count": n}</c>, the
    /// links and the count when given. Each item is written as <paramref name="brief"/> makes it,
    /// or else whole: as its pod wrote it with the edited parts spliced in, or its tree.
    /// </summary>
    public void WriteList(Utf8JsonWriter writer, string collectionKey, Func<JsonObject, JsonObject>? brief = null, JsonArray? links = null, long? count = null)
    {
        writer.WriteStartObject();
        writer.WriteStartArray(collectionKey);
        for (var i = 0; i < Items.Count; i++)
        {
            if (brief is not null)
            {
                brief(Items[i]).WriteTo(writer);
            }
            else if (Bytes?[i] is { } bytes)
            {
                bytes.Write(writer, Items[i]);
            }
            else
            {
                Items[i].WriteTo(writer);
            }
        }

        writer.WriteEndArray();
        if (links is not null)
        {
            writer.WritePropertyName(collectionKey + "_links");
            links.WriteTo(writer);
        }

        if (count is { } n)
        {
            writer.WriteNumber("count", n);
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// Cinder's and Nova's rule for a next link (<c>_get_collection_links</c>): the page is full,
    /// whether or not more follow; with Cinder's count (3.45) the count stands for the items.
    /// </summary>
    public bool Full(long? count = null) => Items.Count > 0 && Limit <= (count is > 0 ? count : Items.Count);
}

/// <summary>An item's JSON as its pod wrote it (its URLs made the gateway's), and where the parts shown as a tree lie in it.</summary>
internal sealed record ItemBytes(ReadOnlyMemory<byte> Json, IReadOnlyList<JsonPart> Parts)
{
    /// <summary>Writes the item with each part as <paramref name="view"/> now holds it.</summary>
    public void Write(Utf8JsonWriter writer, JsonObject view)
    {
        var spliced = new ArrayBufferWriter<byte>(Json.Length + 512);
        PodBodyRewriter.Splice(Json.Span, Parts, view, spliced);

        // Checked JSON already: the pod's item (read whole by the page's reader and again by
        // FindParts) with values the writer made put in place of values.
        writer.WriteRawValue(spliced.WrittenSpan, skipInputValidation: true);
    }
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
internal sealed class MergedList(PodStore pods, PodClient client, PodFanOut fanOut, RoutingStore routings, IOptions<ServiceOptions> options, TimeProvider timeProvider)
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
    /// <param name="shownParts">
    /// The properties (paths in an item) the caller reads or edits, when not the whole item: each
    /// item from a pod is then kept as its pod's bytes and only these become a tree (see
    /// <see cref="MergedPage.Bytes"/>); a long list is not made a tree per item and written again.
    /// </param>
    public async Task<MergedPage> ListAsync(
        MergedListShape shape,
        IQueryCollection query,
        string? projectId,
        string token,
        string podPath,
        IEnumerable<KeyValuePair<string, string>> headers,
        CancellationToken cancellationToken,
        Func<Pod, bool>? podFilter = null,
        string? ownBase = null,
        IReadOnlyList<string[]>? shownParts = null)
    {
        var limit = Limit(query);
        var sort = Sort(query, shape.DefaultSort);

        var filters = query.Where(q => !PagingKeys.Contains(q.Key)).ToList();
        var markerId = query.TryGetValue("marker", out var m) ? m.ToString() : null;
        var headerList = headers.ToList();

        var relevant = await routings.PodsWithAsync(shape.ResourceType, projectId, cancellationToken);
        var candidates = (await pods.ListCachedAsync(relevant, cancellationToken)).Where(p => !p.IsCentral && (podFilter is null || podFilter(p))).ToList();
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
        var fields = sort.Select(s => shape.FieldOfSortKey(s.Key)).ToList();
        var comparer = new ListItems.Order([.. sort.Select(s => s.Descending)]);

        // Where the pod's view is adjusted in a field the list is sorted by (an AZ), each item
        // becomes a tree first so that it sorts by what the caller will see.
        var eager = shape.FromPod is not null && (shape.FromPodFields is null || fields.Any(shape.FromPodFields.Contains));

        ListItem? marker = null;
        Pod? markerPod = null;
        if (markerId is not null)
        {
            var routing = await routings.FindTopAsync(markerId, shape.ResourceType, projectId, cancellationToken)
                ?? throw (shape.MarkerNotFound?.Invoke(markerId) ?? TricircleException.Invalid($"marker [{markerId}] not found"));
            markerPod = bottom.FirstOrDefault(p => p.PodId == routing.PodId);
            var node = markerPod is null ? null : await FetchOneAsync(shape, markerPod, podPath, markerId, token, headerList, cancellationToken);
            node ??= shape.Placeholder(routing);
            if (markerPod is not null)
            {
                shape.FromPod?.Invoke(markerPod, node);
            }

            marker = ListItem.FromNode(node, fields, rank.GetValueOrDefault(routing.PodId, int.MaxValue), -1, null);
        }

        var sortQuery = shape.SortParameter
            ? "sort=" + string.Join(',', sort.Select(s => $"{Uri.EscapeDataString(s.Key)}:{(s.Descending ? "desc" : "asc")}"))
            : string.Join('&', sort.Select(s => $"sort_key={Uri.EscapeDataString(s.Key)}&sort_dir={(s.Descending ? "desc" : "asc")}"));
        var filterQuery = string.Join('&', filters.SelectMany(f => f.Value.Select(v => $"{Uri.EscapeDataString(f.Key)}={Uri.EscapeDataString(v ?? "")}")));
        var pageSize = Math.Min(limit + 1, options.Value.PaginationMaxLimit);
        bool After(Pod pod, ListItem item) => marker is null || pod == markerPod || comparer.Compare(item, marker) > 0;

        // The pods' pages stay in pooled buffers until the page shown is made of them.
        var pages = new List<PooledBuffer>();
        try
        {
            // One page from each pod, at once. The marker's own pod continues from it; the others are
            // read from the start and skip what sorts before it.
            var started = timeProvider.GetTimestamp();
            var answers = await fanOut.AskAsync(bottom, (pod, ct) => ReadPageAsync(pod, pod == markerPod ? markerId : null, 0, ct), cancellationToken);
            Refused(shape, answers);

            // Items without a routing row are left out. Each page was checked against the rows in
            // memory as it came (ReadPageAsync); what memory did not know is looked up here, in
            // one query for every pod's page.
            var listed = new List<(string PodId, string TopId)>();
            foreach (var answer in answers.Where(a => a.Succeeded))
            {
                var page = answer.Value!;
                for (var i = 0; i < page.Items.Count; i++)
                {
                    if (page.Routed[i] is null)
                    {
                        listed.Add((answer.Pod.PodId, page.Items[i].Id));
                    }
                }
            }

            var looked = listed.Count == 0 ? [] : await routings.KnownInPodsAsync(shape.ResourceType, listed, cancellationToken);
            var kept = new Dictionary<Pod, List<ListItem>>();
            var missing = new List<Pod>();
            var position = 0; // in listed, which is in the same order
            foreach (var answer in answers)
            {
                if (answer.Succeeded)
                {
                    var page = answer.Value!;
                    var items = new List<ListItem>(page.Items.Count);
                    for (var i = 0; i < page.Items.Count; i++)
                    {
                        if ((page.Routed[i] ?? looked[position++]) && After(answer.Pod, page.Items[i]))
                        {
                            items.Add(page.Items[i]);
                        }
                    }

                    kept[answer.Pod] = items;
                }
                else
                {
                    missing.Add(answer.Pod);
                }
            }

            // A pod whose page had too few to show (unrouted items, or all before the marker) and
            // has more is read on, page by page, in what is left of the deadline.
            var more = answers.Where(a => a.Succeeded && a.Value!.Full && kept[a.Pod].Count <= limit).ToDictionary(a => a.Pod, a => (Page: a.Value!, List: kept[a.Pod]));
            if (more.Count > 0)
            {
                var left = fanOut.Deadline - timeProvider.GetElapsedTime(started);
                var rest = await fanOut.AskAsync([.. more.Keys], async (pod, ct) =>
                {
                    var (page, list) = more[pod];
                    var position = page.Items.Count;
                    while (true)
                    {
                        page = await ReadPageAsync(pod, page.Items[^1].Id, position, ct);
                        position += page.Items.Count;
                        // As the first pages: what memory knew as the page came, the rest in one query.
                        var unknown = page.Items.Where((_, i) => page.Routed[i] is null).Select(i => i.Id).ToList();
                        var routed = await routings.KnownAsync(shape.ResourceType, pod.PodId, unknown, ct);
                        list.AddRange(page.Items.Where((item, i) => (page.Routed[i] ?? routed.Contains(item.Id)) && After(pod, item)));
                        if (list.Count > limit || !page.Full)
                        {
                            return list;
                        }
                    }
                }, cancellationToken, left > TimeSpan.Zero ? left : TimeSpan.Zero);
                Refused(shape, rest);
                foreach (var failed in rest.Where(a => !a.Succeeded))
                {
                    kept.Remove(failed.Pod);
                    missing.Add(failed.Pod);
                }
            }

            var merged = kept.Values.SelectMany(k => k).ToList();
            if (missing.Count > 0 && filters.All(f => f.Key is "all_tenants"))
            {
                // A pod that could not answer is shown by its routing rows (when no filter was
                // asked, as Nova does for a down cell).
                var stand = await routings.ListTypeAsync(shape.ResourceType, projectId, missing.Select(p => p.PodId).ToList(), cancellationToken);
                merged.AddRange(stand.Select((r, i) =>
                {
                    var pod = missing.First(p => p.PodId == r.PodId);
                    var placeholder = shape.Placeholder(r);
                    shape.FromPod?.Invoke(pod, placeholder);
                    return ListItem.FromNode(placeholder, fields, rank[r.PodId], i, pod);
                }).Where(p => marker is null || comparer.Compare(p, marker) > 0));
            }

            var top = ListItems.Smallest(merged, limit + 1, comparer);
            var shown = top.Take(limit).ToList();
            var utf8 = new Dictionary<string, byte[]>(StringComparer.Ordinal); // the base URLs' bytes, once per list
            foreach (var item in shown)
            {
                if (item.Node is null)
                {
                    Show(shape, item, shownParts, utf8);
                }
            }

            missing.Sort((a, b) => rank[a.PodId].CompareTo(rank[b.PodId]));
            return new MergedPage(shown.Select(i => i.Node!).ToList(), top.Count > limit, missing.Select(p => p.RegionName).ToList(), limit)
            {
                Bytes = shownParts is null ? null : shown.Select(i => i.Bytes).ToList(),
            };
        }
        finally
        {
            // A page a pod gave after the deadline is added after this and left to the GC; one a
            // late call is still reading is read only by that call, whose answer nobody uses.
            lock (pages)
            {
                pages.ForEach(p => p.Dispose());
                pages.Clear();
            }
        }

        async Task<PodPage> ReadPageAsync(Pod pod, string? podMarker, int firstPosition, CancellationToken ct)
        {
            var uri = $"{podPath}?limit={pageSize}&{sortQuery}" + (filterQuery.Length > 0 ? "&" + filterQuery : "") + (podMarker is null ? "" : "&marker=" + Uri.EscapeDataString(podMarker));
            var body = await client.SendPooledAsync(pod, shape.ServiceType, HttpMethod.Get, uri, token, ct, headerList);
            lock (pages)
            {
                pages.Add(body);
            }

            var podBase = ownBase is null ? null : await PodBaseAsync(pod, shape.ServiceType, ct);
            var items = ListItems.Read(body.Memory, shape.CollectionKey, fields, rank[pod.PodId], firstPosition, pod, podBase, ownBase);
            if (eager)
            {
                items = [.. items.Select(i => ListItem.FromNode(Tree(shape, i), fields, i.Rank, i.Position, pod))];
            }

            var routed = new bool?[items.Count];
            for (var i = 0; i < items.Count; i++)
            {
                routed[i] = routings.KnownInPodFromMemory(shape.ResourceType, pod.PodId, items[i].Id);
            }

            return new PodPage(pod, items, items.Count >= pageSize, podBase, routed);
        }
    }

    // A pod that refused the query itself (a bad filter or sort key: 400) is not down: the
    // caller's request is wrong, and saying so beats showing placeholders.
    private static void Refused<T>(MergedListShape shape, IReadOnlyList<PodAnswer<T>> answers)
    {
        if (answers.Select(a => a.Error).OfType<PodErrorException>().FirstOrDefault(e => e.StatusCode == StatusCodes.Status400BadRequest) is { } refused)
        {
            // Where a pod judges the query for all (Cinder), its words are the answer, as the caller would hear them from one Cinder.
            throw shape.PodWordsOnRefusal ? TricircleException.Invalid(refused.PodMessage) : refused;
        }
    }

    private async Task<string> PodBaseAsync(Pod pod, string serviceType, CancellationToken cancellationToken) =>
        PodForwarder.BaseOf(await client.ServiceRootAsync(pod, serviceType, cancellationToken));

    /// <summary>
    /// Makes an item of the page what the caller sees: with <paramref name="parts"/>, its pod's
    /// bytes with the URLs made ours and the parts a tree in the gateway's view (the AZ); else
    /// (or should its bytes not read as plain JSON) the whole of it a tree.
    /// </summary>
    private static void Show(MergedListShape shape, ListItem item, IReadOnlyList<string[]>? parts, Dictionary<string, byte[]> utf8)
    {
        if (parts is not null)
        {
            // (Copied out of the pod's pooled page, which goes back to the pool when the list is made.)
            ReadOnlyMemory<byte> json;
            if (item.OwnBase is not null && item.PodBase is not null)
            {
                var rewritten = new ArrayBufferWriter<byte>(item.Raw.Length + 256);
                PodBodyRewriter.RewriteUrls(item.Raw.Span, Bytes(item.PodBase), Bytes(item.OwnBase), rewritten);
                json = rewritten.WrittenMemory;
            }
            else
            {
                json = item.Raw.ToArray();
            }

            if (PodBodyRewriter.FindParts(json.Span, parts) is { } found)
            {
                var view = PodBodyRewriter.View(found);
                shape.FromPod?.Invoke(item.Pod!, view);
                item.Node = view;
                item.Bytes = new ItemBytes(json, found);
                return;
            }
        }

        item.Node = Tree(shape, item);

        byte[] Bytes(string text) => utf8.TryGetValue(text, out var bytes) ? bytes : utf8[text] = Encoding.UTF8.GetBytes(text);
    }

    /// <summary>An item of the page as the caller sees it: its pod's JSON made a tree, in the gateway's view (AZ, URLs).</summary>
    private static JsonObject Tree(MergedListShape shape, ListItem item)
    {
        var node = JsonNode.Parse(item.Raw.Span) as JsonObject ?? [];
        shape.FromPod?.Invoke(item.Pod!, node);
        if (item.OwnBase is not null && item.PodBase is not null)
        {
            PodUrls.Rewrite(node, item.PodBase, item.OwnBase);
        }

        return node;
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
}
