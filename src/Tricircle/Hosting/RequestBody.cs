using System.Text.Json;

namespace Tricircle.Hosting;

/// <summary>
/// Reads an OpenStack-style wrapped JSON body (<c>{"pod": {...}}</c>) and its fields, turning
/// every kind of bad input into a 400 that names the problem.
/// </summary>
internal static class RequestBody
{
    private const int MaxBodyBytes = 1024 * 1024;

    /// <summary>Parses the body and returns the object under <paramref name="wrapper"/>.</summary>
    public static async Task<JsonElement> ReadWrappedAsync(HttpRequest request, string wrapper, CancellationToken cancellationToken)
    {
        var root = await ReadAsync(request, cancellationToken);
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.BadRequest($"The request body must be a JSON object with the key '{wrapper}'.");
        }

        if (!root.TryGetProperty(wrapper, out var inner))
        {
            throw ApiException.BadRequest($"The request body has no '{wrapper}' key.");
        }

        if (inner.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.BadRequest($"'{wrapper}' must be a JSON object.");
        }

        return inner;
    }

    /// <summary>The body as a mutable tree (for a gateway that edits and forwards it) and the object under <paramref name="wrapper"/>.</summary>
    public static async Task<(System.Text.Json.Nodes.JsonObject Root, System.Text.Json.Nodes.JsonObject Inner)> ReadNodeAsync(HttpRequest request, string wrapper, CancellationToken cancellationToken)
    {
        var element = await ReadAsync(request, cancellationToken);
        if (System.Text.Json.Nodes.JsonNode.Parse(element.GetRawText()) is not System.Text.Json.Nodes.JsonObject root)
        {
            throw ApiException.BadRequest($"The request body must be a JSON object with the key '{wrapper}'.");
        }

        return root[wrapper] is System.Text.Json.Nodes.JsonObject inner
            ? (root, inner)
            : throw ApiException.BadRequest(root.ContainsKey(wrapper) ? $"'{wrapper}' must be a JSON object." : $"The request body has no '{wrapper}' key.");
    }

    public static async Task<JsonElement> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            throw new ApiException(StatusCodes.Status413PayloadTooLarge, $"The request body is larger than {MaxBodyBytes} bytes.");
        }

        if (request.ContentType is { } contentType && !contentType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            throw new ApiException(StatusCodes.Status415UnsupportedMediaType, $"The content type '{contentType}' is not supported; send application/json.");
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
            throw ApiException.BadRequest("The request body is empty; a JSON object is expected.");
        }

        try
        {
            using var document = JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"The request body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}).");
        }
    }

    /// <summary>Rejects fields the API does not know, so a misspelt field is not silently ignored.</summary>
    public static void RejectUnknown(JsonElement body, string wrapper, params string[] known)
    {
        var unknown = body.EnumerateObject().Select(p => p.Name).Where(n => !known.Contains(n, StringComparer.Ordinal)).ToList();
        if (unknown.Count > 0)
        {
            throw ApiException.BadRequest($"Unrecognized attribute(s) in '{wrapper}': {string.Join(", ", unknown)}.");
        }
    }

    /// <summary>A string field, trimmed; null when absent (or JSON null and <paramref name="allowNull"/>).</summary>
    public static string? String(JsonElement body, string field, bool allowNull = false)
    {
        if (!body.TryGetProperty(field, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!.Trim(),
            JsonValueKind.Null when allowNull => null,
            _ => throw ApiException.BadRequest($"'{field}' must be a string."),
        };
    }

    /// <summary>A required non-blank string field.</summary>
    public static string RequiredString(JsonElement body, string field, int maxLength = 255)
    {
        var value = String(body, field);
        if (string.IsNullOrEmpty(value))
        {
            throw ApiException.BadRequest($"'{field}' is required and can not be empty.");
        }

        return CheckLength(field, value, maxLength);
    }

    public static string? OptionalString(JsonElement body, string field, int maxLength = 255, bool allowNull = false)
    {
        var value = String(body, field, allowNull);
        return value is null ? null : CheckLength(field, value, maxLength);
    }

    public static bool? Boolean(JsonElement body, string field)
    {
        if (!body.TryGetProperty(field, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw ApiException.BadRequest($"'{field}' must be a boolean."),
        };
    }

    private static string CheckLength(string field, string value, int maxLength) =>
        value.Length <= maxLength ? value : throw ApiException.BadRequest($"'{field}' is longer than {maxLength} characters.");
}
