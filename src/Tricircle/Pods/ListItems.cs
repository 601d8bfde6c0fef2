using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tricircle.Pods;

/// <summary>
/// One value an item is sorted by, read once: a number (when JSON says so), its text (what
/// <see cref="JsonNode.ToString"/> gives), or missing (absent or JSON null, which sorts as
/// smallest).
/// </summary>
internal readonly record struct SortValue(bool Present, bool IsNumber, double Number, string Text)
{
    public static readonly SortValue Missing = new(false, false, 0, "");

    public static SortValue Of(JsonNode? node) => node switch
    {
        null => Missing,
        JsonValue v when v.TryGetValue<double>(out var d) => new(true, true, d, v.ToString()),
        _ => new(true, false, 0, node.ToString()),
    };

    /// <summary>Missing values first; two numbers by value; anything else by its text, ordinally.</summary>
    public static int Compare(in SortValue a, in SortValue b)
    {
        if (!a.Present || !b.Present)
        {
            return (a.Present ? 1 : 0) - (b.Present ? 1 : 0);
        }

        return a.IsNumber && b.IsNumber ? a.Number.CompareTo(b.Number) : string.CompareOrdinal(a.Text, b.Text);
    }
}

/// <summary>
/// An item of a merged list before it is known to be shown: its id, its sort values and where it
/// stands (its pod's rank, its place in the pod's order), with its JSON still as the pod's bytes
/// (<see cref="Raw"/>) or, for the marker and placeholders, a tree. A pod's page is read into
/// these without building a tree per item; only the items of the merged page become trees.
/// </summary>
internal sealed class ListItem(string id, SortValue[] keys, int rank, int position, Pod? pod)
{
    public string Id { get; } = id;

    public SortValue[] Keys { get; } = keys;

    public int Rank { get; } = rank;

    public int Position { get; } = position;

    /// <summary>The pod the item came from (null for the marker).</summary>
    public Pod? Pod { get; } = pod;

    /// <summary>The pod's base URL and the gateway's: the pod's URLs in the item are made the gateway's when it becomes a tree.</summary>
    public string? PodBase { get; init; }

    /// <inheritdoc cref="PodBase"/>
    public string? OwnBase { get; init; }

    /// <summary>The item's JSON as its pod wrote it, when it has no tree yet.</summary>
    public ReadOnlyMemory<byte> Raw { get; init; }

    /// <summary>The item as a tree: given for the marker and placeholders, made from <see cref="Raw"/> otherwise (or only its shown parts, with <see cref="Bytes"/>).</summary>
    public JsonObject? Node { get; set; }

    /// <summary>When <see cref="Node"/> holds only the parts shown: the item's bytes to write them into.</summary>
    public ItemBytes? Bytes { get; set; }

    /// <summary>A tree made light (the marker, a placeholder): its sort values read from it.</summary>
    public static ListItem FromNode(JsonObject node, IReadOnlyList<string> fields, int rank, int position, Pod? pod) =>
        new(Text(node["id"]), [.. fields.Select(f => SortValue.Of(node[f]))], rank, position, pod) { Node = node };

    private static string Text(JsonNode? node) => node?.ToString() ?? "";
}

/// <summary>Reads a pod's page of a collection (<c>{"servers": [...]}</c>) into light items, and picks a merged page from many.</summary>
internal static class ListItems
{
    /// <summary>
    /// The objects in <paramref name="collectionKey"/>'s array of <paramref name="page"/> (other
    /// elements are skipped, as a missing array reads as empty), each with its id and
    /// <paramref name="fields"/>' values; nested values are read as JSON text, as a tree's
    /// <c>ToString</c> would give them. With <paramref name="podBase"/> and <paramref name="ownBase"/>,
    /// a string sort value that is a pod's URL is read as the gateway's, as the item's tree will show it.
    /// </summary>
    public static List<ListItem> Read(ReadOnlyMemory<byte> page, string collectionKey, IReadOnlyList<string> fields, int rank, int firstPosition, Pod? pod, string? podBase = null, string? ownBase = null)
    {
        Func<string, string>? rewrite = podBase is null || ownBase is null ? null : text => PodUrls.Rewritten(text, podBase, ownBase) ?? text;
        var items = new List<ListItem>();
        if (page.IsEmpty)
        {
            return items; // an empty answer, as a tree reads it: no items
        }

        var reader = new Utf8JsonReader(page.Span, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"the answer is not a JSON object with '{collectionKey}'");
        }

        var names = fields.Select(Encoding.UTF8.GetBytes).ToArray();
        var found = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isCollection = !found && reader.ValueTextEquals(collectionKey);
            reader.Read();
            if (!isCollection || reader.TokenType != JsonTokenType.StartArray)
            {
                reader.Skip();
                continue;
            }

            found = true;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                var start = (int)reader.TokenStartIndex;
                string? id = null;
                var keys = new SortValue[fields.Count];
                var seen = new bool[fields.Count];
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    // Names compared as the pod's bytes: no string made for the fields passed over.
                    var isId = reader.ValueTextEquals("id"u8);
                    var wanted = -1;
                    for (var f = 0; f < names.Length && wanted < 0; f++)
                    {
                        wanted = reader.ValueTextEquals(names[f]) ? f : -1;
                    }

                    reader.Read();
                    if (!isId && wanted < 0)
                    {
                        reader.Skip();
                        continue;
                    }

                    var isString = reader.TokenType == JsonTokenType.String;
                    var value = ValueOf(ref reader, page.Span);
                    if (isId)
                    {
                        id = value.Present ? value.Text : ""; // the last one wins, as in a tree
                    }

                    for (var f = wanted; f >= 0 && f < fields.Count; f++)
                    {
                        if (fields[f] == fields[wanted])
                        {
                            keys[f] = rewrite is not null && isString ? value with { Text = rewrite(value.Text) } : value;
                            seen[f] = true;
                        }
                    }
                }

                for (var f = 0; f < fields.Count; f++)
                {
                    keys[f] = seen[f] ? keys[f] : SortValue.Missing;
                }

                var end = (int)reader.BytesConsumed;
                items.Add(new ListItem(id ?? "", keys, rank, firstPosition + items.Count, pod) { Raw = page[start..end], PodBase = podBase, OwnBase = ownBase });
            }
        }

        return items;
    }

    /// <summary>
    /// The first <paramref name="count"/> of <paramref name="items"/> in <paramref name="comparer"/>'s
    /// order: the same as sorting them all and taking the head, without sorting the rest (a heap
    /// of <paramref name="count"/>).
    /// </summary>
    public static List<ListItem> Smallest(IEnumerable<ListItem> items, int count, IComparer<ListItem> comparer)
    {
        if (count <= 0)
        {
            return [];
        }

        // A max-heap of the best so far: its top is the worst kept, replaced by anything better.
        var heap = new PriorityQueue<ListItem, ListItem>(Comparer<ListItem>.Create((a, b) => comparer.Compare(b, a)));
        foreach (var item in items)
        {
            if (heap.Count < count)
            {
                heap.Enqueue(item, item);
            }
            else if (comparer.Compare(item, heap.Peek()) < 0)
            {
                heap.DequeueEnqueue(item, item);
            }
        }

        var result = new List<ListItem>(heap.Count);
        while (heap.Count > 0)
        {
            result.Add(heap.Dequeue());
        }

        result.Reverse();
        return result;
    }

    private static SortValue ValueOf(ref Utf8JsonReader reader, ReadOnlySpan<byte> page)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return SortValue.Missing;
            case JsonTokenType.String:
                return new(true, false, 0, reader.GetString()!);
            case JsonTokenType.Number:
                var text = Encoding.UTF8.GetString(reader.ValueSpan); // read from one span: never a sequence
                return reader.TryGetDouble(out var number) ? new(true, true, number, text) : new(true, false, 0, text);
            case JsonTokenType.True:
            case JsonTokenType.False:
                return new(true, false, 0, reader.TokenType == JsonTokenType.True ? "true" : "false");
            default:
                // An object or array: its text as a tree shows it (rare: nobody sorts by these).
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                var raw = page[start..(int)reader.BytesConsumed];
                return new(true, false, 0, JsonNode.Parse(raw)?.ToString() ?? "");
        }
    }

    /// <summary>Orders light items by the sort keys (missing values first), then by pod and the pod's own order.</summary>
    public sealed class Order(IReadOnlyList<bool> descending) : IComparer<ListItem>
    {
        public int Compare(ListItem? x, ListItem? y)
        {
            if (ReferenceEquals(x, y))
            {
                return 0;
            }

            if (x is null || y is null)
            {
                return x is null ? -1 : 1;
            }

            for (var k = 0; k < descending.Count; k++)
            {
                var c = SortValue.Compare(x.Keys[k], y.Keys[k]);
                if (c != 0)
                {
                    return descending[k] ? -c : c;
                }
            }

            var byPlace = (x.Rank, x.Position).CompareTo((y.Rank, y.Position));
            if (byPlace != 0)
            {
                return byPlace;
            }

            var byId = string.CompareOrdinal(x.Id, y.Id);
            return descending.Count > 0 && descending[^1] ? -byId : byId;
        }
    }
}
