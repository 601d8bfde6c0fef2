using System.Text.Json;

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
        500 => "internalServerError",
        501 => "notImplemented",
        503 => "serviceUnavailable",
        _ => "Error",
    };

    public static string DefaultMessage(int status) => status switch
    {
        400 => "The request is malformed.",
        401 => "The request you have made requires authentication.",
        403 => "Policy does not allow this request to be performed.",
        404 => "The resource could not be found.",
        405 => "The method is not allowed for this resource.",
        415 => "The request content type is not supported.",
        503 => "The service is unavailable.",
        _ => "An unexpected error occurred.",
    };

    public static async Task WriteAsync(HttpContext context, int status, string message)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject(NovaType(status));
            writer.WriteString("message", message);
            writer.WriteNumber("code", status);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        response.ContentLength = buffer.Length;
        await response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted);
    }

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
