using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tricircle.Pods;

/// <summary>
/// A pod's JSON answer made the gateway's without reading it into a tree: the pod's base URL
/// replaced by ours in one pass over the bytes, and, for a hook that edits a few properties, only
/// those properties parsed (<see cref="FindParts"/>) and written back in place
/// (<see cref="Splice"/>); every other byte passes as the pod wrote it.
/// </summary>
internal static class PodBodyRewriter
{
    // One writer per thread, pointed at each output in turn: this runs for every item shown
    // (a show, each of a list's items), and a writer per call was 3% of what a forwarded show
    // allocated. Between calls it points at Detached, so that it holds no caller's buffer.
    private static readonly ArrayBufferWriter<byte> Detached = new(1);

    [ThreadStatic]
    private static Utf8JsonWriter? _writer;

    /// <summary>
    /// Writes <paramref name="body"/> with <c>podBase/</c> made <c>ownBase/</c> and a string that is
    /// exactly <c>"podBase"</c> made <c>"ownBase"</c>: what <see cref="PodForwarder.Rewrite"/> does on
    /// text, on UTF-8 (so also inside longer strings, and in a body that is not JSON).
    /// </summary>
    public static void RewriteUrls(ReadOnlySpan<byte> body, ReadOnlySpan<byte> podBase, ReadOnlySpan<byte> ownBase, IBufferWriter<byte> output)
    {
        if (podBase.IsEmpty)
        {
            output.Write(body);
            return;
        }

        var copied = 0;
        var from = 0;
        while (from < body.Length)
        {
            var found = body[from..].IndexOf(podBase);
            if (found < 0)
            {
                break;
            }

            var at = from + found;
            var after = at + podBase.Length;
            var isPrefix = after < body.Length && body[after] == (byte)'/';
            var isWhole = at > 0 && body[at - 1] == (byte)'"' && after < body.Length && body[after] == (byte)'"';
            if (isPrefix || isWhole)
            {
                output.Write(body[copied..at]);
                output.Write(ownBase);
                copied = after;
                from = after;
            }
            else
            {
                from = at + 1;
            }
        }

        output.Write(body[copied..]);
    }

    /// <summary>
    /// The values at <paramref name="paths"/> (property names from the root object), each with
    /// where it lies in <paramref name="json"/>; null when the body is not JSON. A path whose
    /// value is absent is left out.
    /// </summary>
    public static List<JsonPart>? FindParts(ReadOnlySpan<byte> json, IReadOnlyList<string[]> paths)
    {
        var parts = new List<JsonPart>();
        var reader = new Utf8JsonReader(json);
        var names = new List<string>();
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return reader.TokenType == JsonTokenType.None ? null : Validate(ref reader, parts);
            }

            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    if (names.Count == 0)
                    {
                        break; // the root's end
                    }

                    names.RemoveAt(names.Count - 1);
                    continue;
                }

                // Inside an object every token here is a property name (values are read below),
                // compared as the pod's bytes: no string is made for the many passed over.
                var (match, prefix) = Match(ref reader, paths, names);
                reader.Read();
                if (match is { } path)
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    var end = (int)reader.BytesConsumed;
                    parts.Add(new JsonPart(path, start, end, JsonNode.Parse(json[start..end])));
                }
                else if (reader.TokenType == JsonTokenType.StartObject && prefix is not null)
                {
                    names.Add(prefix);
                }
                else
                {
                    reader.Skip();
                }
            }

            return Validate(ref reader, parts);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// An object of the parts' shape (<c>{"server": {"addresses": ...}}</c>) for a hook written
    /// against the whole answer: what it edits there is what <see cref="Splice"/> writes back.
    /// </summary>
    public static JsonObject View(IEnumerable<JsonPart> parts)
    {
        var root = new JsonObject();
        foreach (var part in parts)
        {
            var parent = root;
            for (var i = 0; i < part.Path.Length - 1; i++)
            {
                var name = part.Path[i];
                if (parent[name] is not JsonObject next)
                {
                    next = new JsonObject();
                    parent[name] = next;
                }

                parent = next;
            }

            parent[part.Path[^1]] = part.Value;
        }

        return root;
    }

    /// <summary>Writes <paramref name="json"/> with each part's value replaced by what the view now holds at its path.</summary>
    public static void Splice(ReadOnlySpan<byte> json, IReadOnlyList<JsonPart> parts, JsonObject view, IBufferWriter<byte> output)
    {
        var copied = 0;
        var writer = _writer ??= new Utf8JsonWriter(Detached);
        writer.Reset(output);
        try
        {
            SpliceParts(json, InOrder(parts), view, output, writer, ref copied);
        }
        finally
        {
            writer.Reset(Detached);
        }

        output.Write(json[copied..]);
    }

    private static void SpliceParts(ReadOnlySpan<byte> json, IReadOnlyList<JsonPart> ordered, JsonObject view, IBufferWriter<byte> output, Utf8JsonWriter writer, ref int copied)
    {
        for (var i = 0; i < ordered.Count; i++)
        {
            var part = ordered[i];
            if (part.Start < copied)
            {
                continue; // a duplicate name's overlap; the first one wins
            }

            output.Write(json[copied..part.Start]);
            var node = At(view, part.Path);
            if (node is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                node.WriteTo(writer);
            }

            writer.Flush();
            writer.Reset();
            copied = part.End;
        }
    }

    // FindParts finds the parts in the body's order already: sorted only when not.
    private static IReadOnlyList<JsonPart> InOrder(IReadOnlyList<JsonPart> parts)
    {
        for (var i = 1; i < parts.Count; i++)
        {
            if (parts[i].Start < parts[i - 1].Start)
            {
                return [.. parts.OrderBy(p => p.Start)];
            }
        }

        return parts;
    }

    private static JsonNode? At(JsonObject root, string[] path)
    {
        JsonNode? node = root;
        foreach (var name in path)
        {
            node = node is JsonObject obj ? obj[name] : null;
        }

        return node;
    }

    // The path the property at the reader ends (its value is a part), or else the name it
    // shares with a longer path (an object to go into); neither when no path goes through it.
    private static (string[]? Match, string? Prefix) Match(ref Utf8JsonReader reader, IReadOnlyList<string[]> paths, List<string> names)
    {
        // Indexed, not foreach: the paths come as an interface, whose enumerator would be an
        // allocation per property name read.
        string? prefix = null;
        for (var i = 0; i < paths.Count; i++)
        {
            var path = paths[i];
            if (path.Length > names.Count && StartsWith(path, names) && reader.ValueTextEquals(path[names.Count]))
            {
                if (path.Length == names.Count + 1)
                {
                    return (path, null);
                }

                prefix ??= path[names.Count];
            }
        }

        return (null, prefix);
    }

    private static bool StartsWith(string[] path, List<string> names)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (path[i] != names[i])
            {
                return false;
            }
        }

        return true;
    }

    // The rest of the document must be JSON too (trailing garbage makes it not JSON).
    private static List<JsonPart>? Validate(ref Utf8JsonReader reader, List<JsonPart> parts)
    {
        reader.Skip();
        while (reader.Read())
        {
        }

        return parts;
    }
}

/// <summary>A value found at <see cref="Path"/>, bytes <see cref="Start"/> to <see cref="End"/> of the body.</summary>
internal sealed record JsonPart(string[] Path, int Start, int End, JsonNode? Value);
