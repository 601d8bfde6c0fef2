using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Tricircle.Emulator.Regions;

/// <summary>Reading JSON requests and writing JSON responses and errors as OpenStack services do.</summary>
internal static class RegionHttp
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    // Python's json module writes "+" and "&" literally.
    private static readonly JsonSerializerOptions WireOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task WriteJsonAsync(HttpContext context, int statusCode, JsonNode? body)
    {
        if (body is null)
        {
            context.Response.StatusCode = statusCode;
            return;
        }

        await WriteJsonAsync(context, statusCode, Render(w => body.WriteTo(w, WireOptions)));
    }

    /// <summary>
    /// JSON as the services write it, as UTF-8 at once (what ToJsonString writes, without its
    /// string and the copy of it): every answer of every emulated region is written here.
    /// </summary>
    public static ArrayBufferWriter<byte> Render(Action<Utf8JsonWriter> write)
    {
        var bytes = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(bytes, new JsonWriterOptions { Encoder = WireOptions.Encoder }))
        {
            write(writer);
        }

        return bytes;
    }

    public static async Task WriteJsonAsync(HttpContext context, int statusCode, ArrayBufferWriter<byte> body)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.WrittenCount;
        await context.Response.Body.WriteAsync(body.WrittenMemory, context.RequestAborted);
    }

    /// <summary>
    /// The request body as a JSON object; 400 in the service's shape when it is not one. Bodies
    /// the service cannot parse get <paramref name="malformed"/> (Nova's and Cinder's wsgi
    /// layer say "Malformed request body"), and so does an empty or non-object one when
    /// <paramref name="sameForAnyNonObject"/> (Neutron, which only looks for its resource key);
    /// <paramref name="malformedType"/> is Neutron's exception name for it.
    /// </summary>
    public static async Task<JsonObject> ReadObjectAsync(HttpContext context, string malformed = "Malformed request body", bool sameForAnyNonObject = false, string? malformedType = null)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        if (buffer.Length == 0)
        {
            throw sameForAnyNonObject ? OpenStackFault.BadRequest(malformed, malformedType) : OpenStackFault.BadRequest("The request body is empty; a JSON object is expected.");
        }

        JsonNode? node;
        try
        {
            node = RequestJson.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
        }
        catch (MalformedJsonException)
        {
            throw OpenStackFault.BadRequest(malformed, malformedType);
        }

        return node as JsonObject ?? throw (sameForAnyNonObject ? OpenStackFault.BadRequest(malformed, malformedType) : OpenStackFault.BadRequest("The request body must be a JSON object."));
    }

    /// <summary>The object under <paramref name="key"/> (<c>{"network": {...}}</c>); 400 when missing.</summary>
    public static JsonObject Wrapped(JsonObject body, string key) =>
        body[key] as JsonObject ?? throw OpenStackFault.BadRequest($"Resource body must contain the key '{key}' with an object value.");

    /// <summary>Writes an error in the shape of <paramref name="kind"/>'s real service.</summary>
    public static Task WriteErrorAsync(HttpContext context, ServiceKind kind, int status, string message, string? type = null)
    {
        if (status == 401)
        {
            // A 401 comes from keystonemiddleware's auth_token in front of every service, in its own shape.
            return WriteJsonAsync(context, status, new JsonObject { ["error"] = new JsonObject { ["code"] = 401, ["title"] = "Unauthorized", ["message"] = message } });
        }

        if (kind == ServiceKind.Image)
        {
            return WriteWebobErrorAsync(context, status, message);
        }

        JsonNode body = kind switch
        {
            // Neutron: {"NeutronError": {"type": "NetworkNotFound", "message": "...", "detail": ""}}
            ServiceKind.Network => new JsonObject
            {
                ["NeutronError"] = new JsonObject
                {
                    ["type"] = type ?? NeutronType(status),
                    ["message"] = message,
                    ["detail"] = "",
                },
            },

            // Nova and Cinder: {"itemNotFound": {"message": "...", "code": 404}}
            _ => new JsonObject
            {
                [type ?? NovaType(kind, status)] = new JsonObject
                {
                    ["message"] = message,
                    ["code"] = status,
                },
            },
        };
        return WriteJsonAsync(context, status, body);
    }

    /// <summary>
    /// Glance v2 errors are webob's: the body follows the Accept header (text/html wins ties and
    /// is the default, application/json when asked for, else text/plain), the message being
    /// <c>explanation&lt;br /&gt;&lt;br /&gt;\n\n\n</c> from webob's body template.
    /// </summary>
    public static async Task WriteWebobErrorAsync(HttpContext context, int status, string message)
    {
        var statusLine = $"{status} {Title(status)}";
        var body = message + "<br /><br />\n\n\n";
        var accept = context.Request.Headers.Accept.ToString();
        var html = AcceptQuality(accept, "text/html");
        var json = AcceptQuality(accept, "application/json");
        string text, contentType;
        if (json > 0 && json > html)
        {
            (text, contentType) = (new JsonObject { ["message"] = body, ["code"] = statusLine, ["title"] = Title(status) }.ToJsonString(WireOptions), "application/json");
        }
        else if (html > 0)
        {
            var escaped = System.Net.WebUtility.HtmlEncode(message) + "<br /><br />\n\n\n";
            (text, contentType) = ($"<html>\n <head>\n  <title>{statusLine}</title>\n </head>\n <body>\n  <h1>{statusLine}</h1>\n  {escaped}\n </body>\n</html>", "text/html; charset=UTF-8");
        }
        else
        {
            (text, contentType) = ($"{statusLine}\n\n{message}\n\n\n", "text/plain; charset=UTF-8");
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        var bytes = Utf8.GetBytes(text);
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    // The q of the most specific media range in an Accept header matching the type (no header: everything at 1).
    private static double AcceptQuality(string accept, string mediaType)
    {
        if (string.IsNullOrWhiteSpace(accept))
        {
            return 1;
        }

        var (best, specificity) = (0.0, -1);
        foreach (var range in accept.Split(','))
        {
            var parts = range.Split(';');
            var name = parts[0].Trim().ToLowerInvariant();
            var q = 1.0;
            foreach (var parameter in parts.Skip(1))
            {
                var pair = parameter.Split('=', 2);
                if (pair.Length == 2 && pair[0].Trim() == "q" && double.TryParse(pair[1].Trim(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
                {
                    q = parsed;
                }
            }

            var level = name == mediaType ? 2 : name == mediaType.Split('/')[0] + "/*" ? 1 : name == "*/*" ? 0 : -1;
            if (level > specificity)
            {
                (best, specificity) = (q, level);
            }
        }

        return best;
    }

    public static string NovaType(ServiceKind kind, int status) => status switch
    {
        400 => "badRequest",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "itemNotFound",
        405 => "badMethod",
        409 => "conflictingRequest",
        413 => "overLimit",
        415 => "badMediaType",
        501 => "notImplemented",
        503 => "serviceUnavailable",
        _ => kind == ServiceKind.Compute ? "computeFault" : "computeFault",
    };

    public static string NeutronType(int status) => status switch
    {
        400 => "HTTPBadRequest",
        401 => "HTTPUnauthorized",
        403 => "HTTPForbidden",
        404 => "HTTPNotFound",
        405 => "HTTPMethodNotAllowed",
        406 => "HTTPNotAcceptable",
        409 => "HTTPConflict",
        413 => "HTTPRequestEntityTooLarge",
        415 => "HTTPUnsupportedMediaType",
        _ => "HTTPInternalServerError",
    };

    public static string Title(int status) => status switch
    {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        409 => "Conflict",
        413 => "Request Entity Too Large",
        415 => "Unsupported Media Type",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    };

    // Both cut from the round-trip format ("o": 2026-11-22T10:00:00.0000000Z), which .NET
    // writes without reading a pattern: a custom pattern cost a few percent of an emulated
    // region's CPU per server listed.

    /// <summary>OpenStack's timestamp format: <c>2026-11-22T10:00:00Z</c> (Nova, Neutron, Glance).</summary>
    public static string Timestamp(DateTimeOffset at) => string.Create(20, at.UtcDateTime, static (text, time) =>
    {
        Span<char> round = stackalloc char[28];
        time.TryFormat(round, out _, "o", System.Globalization.CultureInfo.InvariantCulture);
        round[..19].CopyTo(text);
        text[19] = 'Z';
    });

    /// <summary>Cinder's timestamp format: <c>2026-11-22T10:00:00.000000</c>.</summary>
    public static string CinderTimestamp(DateTimeOffset at) => string.Create(26, at.UtcDateTime, static (text, time) =>
    {
        Span<char> round = stackalloc char[28];
        time.TryFormat(round, out _, "o", System.Globalization.CultureInfo.InvariantCulture);
        round[..26].CopyTo(text);
    });
}
