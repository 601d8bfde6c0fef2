using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;

namespace Tricircle.Emulator;

/// <summary>
/// Request bodies parsed as the real services' Python parsers take them: a repeated key keeps
/// its last value (a dict built key by key), and text that is not UTF-8 or a string that no
/// text can hold (a lone surrogate such as <c>"\ud800"</c>) is malformed rather than a crash
/// deep in a handler. Every value is checked here, once, so handlers can read the tree freely.
/// </summary>
internal static class RequestJson
{
    /// <summary>The parsed body (null for the JSON <c>null</c>).</summary>
    /// <exception cref="MalformedJsonException">Not JSON, not UTF-8, or a lone surrogate.</exception>
    public static JsonNode? Parse(ReadOnlyMemory<byte> utf8)
    {
        if (!Utf8.IsValid(utf8.Span))
        {
            throw new MalformedJsonException("the body is not valid UTF-8");
        }

        try
        {
            using var document = JsonDocument.Parse(utf8);
            return Convert(document.RootElement);
        }
        catch (JsonException e)
        {
            throw new MalformedJsonException(e.Message);
        }
        catch (InvalidOperationException e)
        {
            // JsonElement.GetString and a property's Name throw this for a lone surrogate.
            throw new MalformedJsonException(e.Message);
        }
    }

    private static JsonNode? Convert(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                // A repeated key replaces the earlier value, which is never looked at (as in a dict).
                var last = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                var order = new List<string>();
                foreach (var property in element.EnumerateObject())
                {
                    if (!last.ContainsKey(property.Name))
                    {
                        order.Add(property.Name);
                    }

                    last[property.Name] = property.Value;
                }

                var obj = new JsonObject();
                foreach (var name in order)
                {
                    obj[name] = Convert(last[name]);
                }

                return obj;
            case JsonValueKind.Array:
                var array = new JsonArray();
                foreach (var item in element.EnumerateArray())
                {
                    array.Add(Convert(item));
                }

                return array;
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.String:
                _ = element.GetString(); // throws for a lone surrogate
                return JsonValue.Create(element.Clone());
            default:
                // Numbers keep their text (2^64 and 1e400 stay numbers that fit no int), as JsonNode.Parse keeps them.
                return JsonValue.Create(element.Clone());
        }
    }
}

/// <summary>A request body the services' JSON parsers refuse; each service words its 400 its own way.</summary>
internal sealed class MalformedJsonException(string reason) : Exception(reason);
