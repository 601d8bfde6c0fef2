using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;

namespace Tricircle.Hosting;

/// <summary>Writes errors in the shape of the API that serves the request.</summary>
internal static class ApiErrors
{
    /// <summary>Nova-style type names, used by the Admin API, Nova and Cinder.</summary>
    public static string NovaType(int status) => status switch
    {
        400 => "badRequest",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "itemNotFound",
        405 => "badMethod",
        409 => "conflictingRequest",
        413 => "overLimit",
        415 => "badMediaType",
        429 => "overLimit",
        501 => "notImplemented",
        503 => "serviceUnavailable",
        _ => "computeFault", // Nova's and Cinder's fault type for everything else (406, 500, ...)
    };

    public static string DefaultMessage(int status) => status switch
    {
        400 => "The request is malformed.",
        401 => "The request you have made requires authentication.",
        403 => "Policy does not allow this request to be performed.",
        404 => "The resource could not be found.",
        405 => "The method is not allowed for this resource.",
        406 => "The requested version or media type is not acceptable.",
        414 => "The request URI is too long.",
        431 => "A request header is too large.",
        415 => "The request content type is not supported.",
        503 => "The service is unavailable.",
        _ => "An unexpected error occurred.",
    };

    /// <summary>The standard reason phrase ("Not Found"), as Glance's webob errors carry it.</summary>
    public static string Title(int status) => ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Error";

    /// <summary>Neutron's type names for errors that have no more specific one.</summary>
    public static string NeutronType(int status) => status switch
    {
        400 => "HTTPBadRequest",
        401 => "HTTPUnauthorized",
        403 => "HTTPForbidden",
        404 => "HTTPNotFound",
        405 => "HTTPMethodNotAllowed",
        409 => "HTTPConflict",
        413 => "HTTPRequestEntityTooLarge",
        414 => "HTTPRequestURITooLong",
        431 => "HTTPRequestHeaderFieldsTooLarge",
        415 => "HTTPUnsupportedMediaType",
        503 => "HTTPServiceUnavailable",
        _ => "HTTPInternalServerError",
    };

    public static async Task WriteAsync(HttpContext context, int status, string message, string? errorType = null)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (RoleOf(context) == ServiceRole.Image)
            {
                // Glance answers with webob's JSON error body.
                writer.WriteString("message", message);
                writer.WriteString("code", $"{status} {Title(status)}");
                writer.WriteString("title", Title(status));
            }
            else if (RoleOf(context) == ServiceRole.Network)
            {
                writer.WriteStartObject("NeutronError");
                writer.WriteString("type", errorType ?? NeutronType(status));
                writer.WriteString("message", message);
                writer.WriteString("detail", "");
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteStartObject(NovaType(status));
                writer.WriteString("message", message);
                writer.WriteNumber("code", status);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        response.ContentLength = buffer.Length;
        await response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted);
    }

    /// <summary>
    /// webob's own error page, which Nova and Cinder answer where their router matches no route
    /// (<c>/volumes/</c>): the body follows the Accept header (text/html wins ties and is the
    /// default, application/json when asked for, else text/plain).
    /// </summary>
    public static async Task WriteWebobAsync(HttpContext context, int status, string message)
    {
        context.Items[RequestIdMiddleware.RouterAnswer] = true;
        var statusLine = $"{status} {Title(status)}";
        var accept = context.Request.Headers.Accept.ToString();
        var html = AcceptQuality(accept, "text/html");
        var json = AcceptQuality(accept, "application/json");
        string text, contentType;
        if (json > 0 && json > html)
        {
            text = new JsonObject { ["message"] = message + "<br /><br />\n\n\n", ["code"] = statusLine, ["title"] = Title(status) }.ToJsonString();
            contentType = "application/json";
        }
        else if (html > 0)
        {
            text = $"<html>\n <head>\n  <title>{statusLine}</title>\n </head>\n <body>\n  <h1>{statusLine}</h1>\n  {System.Net.WebUtility.HtmlEncode(message)}<br /><br />\n\n\n\n </body>\n</html>";
            contentType = "text/html; charset=UTF-8";
        }
        else
        {
            text = $"{statusLine}\n\n{message}\n\n\n";
            contentType = "text/plain; charset=UTF-8";
        }

        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
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

    internal static ServiceRole? RoleOf(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<ApiRoleMetadata>()?.Role ?? context.Features.Get<ApiRoleFeature>()?.Role;

    /// <summary>Keystonemiddleware's 401, which every OpenStack API answers before its own code runs.</summary>
    public static async Task WriteUnauthorizedAsync(HttpContext context, string authUri)
    {
        context.Response.Headers.WWWAuthenticate = $"Keystone uri=\"{authUri}\"";
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        await context.Response.WriteAsJsonAsync(
            new { error = new { code = 401, title = "Unauthorized", message = DefaultMessage(401) } },
            context.RequestAborted);
    }
}
