using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Tricircle.Emulator.Identity;

/// <summary>Reading requests and writing responses the way Keystone does on the wire.</summary>
internal static class KeystoneHttp
{
    public const string UnauthorizedMessage = "The request you have made requires authentication.";
    public const string AuthTokenHeader = "X-Auth-Token";
    public const string SubjectTokenHeader = "X-Subject-Token";
    private const string BodyItem = "keystone.body";

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    // Python's json module writes "+" and "&" literally; the default encoder's \u002B is valid but noisy.
    private static readonly JsonSerializerOptions WireOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Title(int statusCode) => statusCode switch
    {
        StatusCodes.Status400BadRequest => "Bad Request",
        StatusCodes.Status401Unauthorized => "Unauthorized",
        StatusCodes.Status403Forbidden => "Forbidden",
        StatusCodes.Status404NotFound => "Not Found",
        StatusCodes.Status405MethodNotAllowed => "Method Not Allowed",
        StatusCodes.Status409Conflict => "Conflict",
        StatusCodes.Status413PayloadTooLarge => "Request Entity Too Large",
        _ => "Internal Server Error",
    };

    public static async Task WriteJsonAsync(HttpContext context, int statusCode, JsonNode body)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json";
        var bytes = Utf8.GetBytes(body.ToJsonString(WireOptions));
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    public static Task WriteErrorAsync(HttpContext context, KeystoneUrls urls, int statusCode, string message)
    {
        if (statusCode == StatusCodes.Status401Unauthorized)
        {
            // keystoneauth and keystonemiddleware read this to find where to authenticate.
            context.Response.Headers.WWWAuthenticate = $"Keystone uri=\"{urls.WwwAuthenticateUri}\"";
        }

        var error = new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["code"] = statusCode,
                ["message"] = message,
                ["title"] = Title(statusCode),
            },
        };
        return WriteJsonAsync(context, statusCode, error);
    }

    /// <summary>
    /// Keystone's <c>json_body_before_request</c>, run for every request: a body must be a JSON
    /// object (with a JSON content type, or none), else 400 before any route runs. The parsed
    /// body waits in the request's items for <see cref="ReadJson"/>.
    /// </summary>
    public static async Task ReadBodyAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        if (buffer.Length == 0)
        {
            return;
        }

        var contentType = context.Request.ContentType ?? "";
        if (contentType.Length > 0 && !IsJson(contentType))
        {
            throw KeystoneException.Validation("application/json", "Content-Type header");
        }

        JsonNode? body;
        try
        {
            body = RequestJson.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
        }
        catch (MalformedJsonException)
        {
            throw KeystoneException.Validation("valid JSON", "request body");
        }

        context.Items[BodyItem] = body as JsonObject ?? throw KeystoneException.Validation("valid JSON", "request body");
    }

    /// <summary>The request body read by <see cref="ReadBodyAsync"/>; an empty object when there was none.</summary>
    public static JsonDocument ReadJson(HttpContext context) =>
        JsonDocument.Parse(context.Items[BodyItem] is JsonObject body ? body.ToJsonString() : "{}");

    // Flask's is_json: application/json or application/*+json.
    private static bool IsJson(string contentType)
    {
        var mediaType = contentType.Split(';')[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (mediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The object member <paramref name="name"/> of the body root, e.g. <c>region</c> in <c>{"region": {...}}</c>.</summary>
    public static JsonElement RequiredMember(JsonElement root, string name)
    {
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty(name, out var value)
            || value.ValueKind != JsonValueKind.Object)
        {
            throw KeystoneException.BadRequest($"Expecting to find {name} (an object) in the request body.");
        }

        return value;
    }

    public static string? OptionalString(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw KeystoneException.BadRequest($"Invalid input for field '{path}.{name}': expected a string.");
    }

    public static bool? OptionalBool(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? value.GetBoolean()
            : throw KeystoneException.BadRequest($"Invalid input for field '{path}.{name}': {value.GetRawText()} is not of type 'boolean'.");
    }

    /// <summary>A string of at most <paramref name="maxLength"/> characters (Keystone's name schemas).</summary>
    public static string? OptionalName(JsonElement parent, string name, string path, int maxLength)
    {
        var value = OptionalString(parent, name, path);
        if (value is null)
        {
            return null;
        }

        if (value.Trim().Length == 0 || value.Length > maxLength)
        {
            throw KeystoneException.BadRequest($"Invalid input for field '{path}.{name}': '{value}' is {(value.Length > maxLength ? "too long" : "too short")}.");
        }

        return value;
    }

    public static string RequiredString(JsonElement parent, string name, string path) =>
        OptionalString(parent, name, path) is { Length: > 0 } value
            ? value
            : throw KeystoneException.BadRequest($"Invalid input for field '{path}': '{name}' is a required property.");

    public static string? Header(HttpContext context, string name) =>
        context.Request.Headers.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;

    /// <summary>Keystone treats a bare <c>?nocatalog</c> as true.</summary>
    public static bool NoCatalog(HttpContext context) => context.Request.Query.ContainsKey("nocatalog");

    /// <summary>Keeps items whose flag matches a boolean query parameter (Keystone's attr_as_boolean: only false words are false).</summary>
    public static IEnumerable<T> WhereBoolQuery<T>(this IEnumerable<T> items, HttpContext context, string parameter, Func<T, bool> selector)
    {
        var wanted = context.Request.Query[parameter];
        if (wanted.Count == 0)
        {
            return items;
        }

        var value = !((wanted[0] ?? "").Trim().ToLowerInvariant() is "0" or "false" or "f" or "no" or "n" or "off");
        return items.Where(item => selector(item) == value);
    }

    /// <summary>Keeps items whose selected value equals the query parameter, when that parameter is present.</summary>
    public static IEnumerable<T> WhereQuery<T>(this IEnumerable<T> items, HttpContext context, string parameter, Func<T, string?> selector)
    {
        var wanted = context.Request.Query[parameter];
        if (wanted.Count == 0)
        {
            return items;
        }

        var value = wanted[0];
        return items.Where(item => string.Equals(selector(item), value, StringComparison.Ordinal));
    }
}
