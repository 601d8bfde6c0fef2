using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tricircle.Hosting;

/// <summary>
/// The one reader of JSON request bodies: every API's edge gets the body as a JSON tree from
/// here, and every kind of bad input as the API's own 4xx (<see cref="BodyDialect"/>): a content
/// type that is not JSON (415), an empty body, text that is not JSON, JSON whose strings are not
/// text (invalid UTF-8, a lone surrogate such as <c>"\ud800"</c>), and a body that is not an
/// object. Duplicate keys are taken as OpenStack's parsers take them: the last value wins.
/// </summary>
internal static class RequestBody
{
    private const int MaxBodyBytes = 1024 * 1024;

    /// <summary>The body, which must be a JSON object (<paramref name="wrapper"/>, the key expected in it, is named when it is not).</summary>
    public static async Task<JsonObject> ReadObjectAsync(HttpContext context, string? wrapper = null)
    {
        var root = await ReadAsync(context);
        return root as JsonObject ?? throw BodyDialect.Of(context).NotAnObject(root, wrapper);
    }

    /// <summary>The body as a JSON tree (null for a JSON <c>null</c>).</summary>
    public static async Task<JsonNode?> ReadAsync(HttpContext context)
    {
        var dialect = BodyDialect.Of(context);
        var (buffer, length) = await ReadBytesAsync(context.Request, dialect, context.RequestAborted);
        return Parse(buffer.AsMemory(0, length), dialect);
    }

    /// <summary>
    /// Reads the body of a request that is forwarded afterwards, and rewinds it so that the
    /// forwarder streams it whole (a gateway that needs one field of an action, say).
    /// </summary>
    public static async Task<JsonNode?> PeekAsync(HttpContext context)
    {
        context.Request.EnableBuffering();
        var body = await ReadAsync(context);
        context.Request.Body.Position = 0;
        return body;
    }

    /// <summary><see cref="PeekAsync"/> for a body that must be an object.</summary>
    public static async Task<JsonObject> PeekObjectAsync(HttpContext context, string? wrapper = null)
    {
        var root = await PeekAsync(context);
        return root as JsonObject ?? throw BodyDialect.Of(context).NotAnObject(root, wrapper);
    }

    /// <summary>Parses JSON text into a tree whose strings are all valid text, the last of duplicate keys winning.</summary>
    public static JsonNode? Parse(ReadOnlyMemory<byte> utf8, BodyDialect dialect)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw dialect.Malformed(JsonErrorPosition.Of(e));
        }

        using (document)
        {
            try
            {
                return Build(document.RootElement);
            }
            catch (NulInStringException)
            {
                throw dialect.NulCharacter();
            }
            catch (InvalidOperationException)
            {
                // System.Text.Json checks a string's text only when it is read: invalid UTF-8 or
                // a lone surrogate escape fails here, not in Parse.
                throw dialect.Malformed(JsonErrorPosition.Encoding);
            }
        }
    }

    // JsonNode.Parse refuses duplicate keys (an exception of its own); OpenStack's parsers keep the last.
    private static JsonNode? Build(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var obj = new JsonObject();
                foreach (var property in element.EnumerateObject())
                {
                    obj[NoNul(property.Name)] = Build(property.Value);
                }

                return obj;
            case JsonValueKind.Array:
                var array = new JsonArray();
                foreach (var item in element.EnumerateArray())
                {
                    array.Add(Build(item));
                }

                return array;
            case JsonValueKind.String:
                return JsonValue.Create(NoNul(element.GetString()!));
            case JsonValueKind.True:
                return JsonValue.Create(true);
            case JsonValueKind.False:
                return JsonValue.Create(false);
            case JsonValueKind.Number:
                return JsonValue.Create(element.Clone()); // the number as written, whatever its size
            default:
                return null;
        }
    }

    private static string NoNul(string text) => text.Contains('\0', StringComparison.Ordinal) ? throw new NulInStringException() : text;

    private static async Task<(byte[] Buffer, int Length)> ReadBytesAsync(HttpRequest request, BodyDialect dialect, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            throw new ApiException(StatusCodes.Status413PayloadTooLarge, $"The request body is larger than {MaxBodyBytes} bytes.");
        }

        if (request.ContentType is { } contentType && !contentType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            throw dialect.UnsupportedMediaType(contentType);
        }

        // Buffered with a cap, so a chunked body cannot grow without bound either.
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBodyBytes)
            {
                throw new ApiException(StatusCodes.Status413PayloadTooLarge, $"The request body is larger than {MaxBodyBytes} bytes.");
            }
        }

        if (buffer.Length == 0)
        {
            throw dialect.Empty();
        }

        return (buffer.GetBuffer(), (int)buffer.Length);
    }
}

/// <summary>A string of the body holds U+0000 (<see cref="BodyDialect.NulCharacter"/>).</summary>
internal sealed class NulInStringException : Exception
{
}
