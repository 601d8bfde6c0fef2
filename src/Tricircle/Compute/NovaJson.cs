using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tricircle.Hosting;
using Tricircle.Identity;
using Tricircle.Pods;

namespace Tricircle.Compute;

/// <summary>What the gateway's own Nova resources share: microversion checks, links, admin checks and body fields validated as Nova's schemas do.</summary>
internal static class NovaJson
{
    public static bool AtLeast(HttpContext context, int minor) => ComputeApi.Version(context) >= new Microversion(2, minor);

    /// <summary>Nova's self and bookmark links of a resource.</summary>
    public static JsonArray Links(HttpContext context, string collection, string id)
    {
        var escaped = Uri.EscapeDataString(id);
        var project = context.GetRequestContext().ProjectId;
        var root = Hosting.ProjectPathMiddleware.UrlProject(context) is null ? "" : project + "/";
        var gateway = Pods.PodForwarder.GatewayBase(context);
        return
        [
            new JsonObject { ["rel"] = "self", ["href"] = $"{gateway}/v2.1/{root}{collection}/{escaped}" },
            new JsonObject { ["rel"] = "bookmark", ["href"] = $"{gateway}/{root}{collection}/{escaped}" },
        ];
    }

    public static RequestContext Admin(HttpContext context, string rule)
    {
        var caller = ComputeApi.Caller(context);
        return caller.IsAdmin ? caller : throw ApiException.Forbidden($"Policy doesn't allow {rule} to be performed.");
    }

    /// <summary>Rejects properties Nova's schema does not allow (additionalProperties: false).</summary>
    public static void NoExtraKeys(JsonObject body, string wrapper, IEnumerable<string> allowed)
    {
        var extra = body.Select(p => p.Key).Except(allowed, StringComparer.Ordinal).ToList();
        if (extra.Count > 0)
        {
            throw ApiException.BadRequest($"Invalid input for field/attribute {wrapper}. Additional properties are not allowed ({string.Join(", ", extra.Select(e => $"'{e}'"))} {(extra.Count == 1 ? "was" : "were")} unexpected)");
        }
    }

    /// <summary>An integer field (a JSON number or a string of digits, as Nova accepts) of at least <paramref name="min"/>; null when absent.</summary>
    public static int? Int(JsonObject body, string field, int min, bool required)
    {
        var node = body[field];
        if (node is null)
        {
            return required ? throw ApiException.BadRequest($"Invalid input for field/attribute {field}. '{field}' is a required property") : null;
        }

        int value;
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var number))
        {
            value = number;
        }
        else if (node is JsonValue s && s.GetValueKind() == JsonValueKind.String && int.TryParse(s.GetValue<string>(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            value = parsed;
        }
        else
        {
            throw ApiException.BadRequest($"Invalid input for field/attribute {field}. Value: {node.ToJsonString()}. It is not an integer.");
        }

        return value >= min ? value : throw ApiException.BadRequest($"Invalid input for field/attribute {field}. Value: {value}. {value} is less than the minimum of {min}");
    }

    /// <summary>A string field of 1..<paramref name="max"/> characters; null when absent (or JSON null and allowed).</summary>
    public static string? String(JsonObject body, string field, int max, bool required, bool allowNull = false)
    {
        var node = body[field];
        if (node is null)
        {
            return required && !(allowNull && body.ContainsKey(field)) ? throw ApiException.BadRequest($"Invalid input for field/attribute {field}. '{field}' is a required property") : null;
        }

        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
        {
            throw ApiException.BadRequest($"Invalid input for field/attribute {field}. Value: {node.ToJsonString()}. {node.ToJsonString()} is not of type 'string'");
        }

        var text = v.GetValue<string>();
        return text.Length is 0 || text.Length > max
            ? throw ApiException.BadRequest($"Invalid input for field/attribute {field}. Value: {text}. It must be 1 to {max} characters long.")
            : text;
    }

    public static bool? Bool(JsonObject body, string field)
    {
        var node = body[field];
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            return v.GetValue<bool>();
        }

        // Nova's boolean parameter type also takes the usual strings.
        return node.ToString().ToLowerInvariant() switch
        {
            "true" or "t" or "1" or "yes" or "y" or "on" => true,
            "false" or "f" or "0" or "no" or "n" or "off" => false,
            _ => throw ApiException.BadRequest($"Invalid input for field/attribute {field}. Value: {node.ToJsonString()}. It is not a boolean."),
        };
    }

    /// <summary>The body as a JSON object, whatever was sent.</summary>
    public static async Task<JsonObject> ObjectAsync(HttpContext context)
    {
        var element = await RequestBody.ReadAsync(context.Request, context.RequestAborted);
        return JsonNode.Parse(element.GetRawText()) as JsonObject ?? throw ApiException.BadRequest("The request body must be a JSON object.");
    }

    public static Task WriteAsync(HttpContext context, JsonNode body, int status = 200) => ServersApi.WriteJsonAsync(context, status, body);

    public static Task NoContentAsync(HttpContext context, int status)
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    }
}
