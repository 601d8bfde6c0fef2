using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tricircle.Compute;
using Tricircle.Data;
using Tricircle.Hosting;
using Tricircle.Identity;

namespace Tricircle.Network;

/// <summary>
/// Reading Neutron request bodies (<c>{"network": {...}}</c>) with Neutron's checks and 400s:
/// unknown attributes, attributes not allowed in a PUT, wrong types; and the admin-only
/// attributes of Neutron's default policy (403 PolicyNotAuthorized).
/// </summary>
internal static class NeutronBody
{
    public static async Task<JsonObject> ReadAsync(HttpContext context, string wrapper, IReadOnlySet<string> allowed, IReadOnlySet<string>? adminOnly = null, string action = "create")
    {
        var (_, body) = await RequestBody.ReadNodeAsync(context.Request, wrapper, context.RequestAborted);
        var unknown = body.Select(p => p.Key).Where(k => !allowed.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw action == "update"
                ? new ApiException(StatusCodes.Status400BadRequest, $"Attribute '{unknown[0]}' not allowed in PUT", "HTTPBadRequest")
                : new ApiException(StatusCodes.Status400BadRequest, $"Unrecognized attribute(s) '{string.Join(", ", unknown)}'", "HTTPBadRequest");
        }

        if (adminOnly is not null && !context.GetRequestContext().IsAdmin)
        {
            var denied = body.Select(p => p.Key).FirstOrDefault(adminOnly.Contains);
            if (denied is not null)
            {
                throw NeutronErrors.PolicyDenied($"{action}_{wrapper}:{denied}");
            }
        }

        return body;
    }

    public static string? Str(JsonObject body, string name, int maxLength = 255)
    {
        if (!body.TryGetPropertyValue(name, out var node) || node is null)
        {
            return null;
        }

        if (node.GetValueKind() != JsonValueKind.String)
        {
            throw NeutronErrors.InvalidInput($"'{node.ToJsonString()}' is not a valid string for {name}");
        }

        var value = node.GetValue<string>();
        return value.Length > maxLength ? throw NeutronErrors.InvalidInput($"'{value}' exceeds maximum length of {maxLength} for {name}") : value;
    }

    public static bool? Bool(JsonObject body, string name)
    {
        if (!body.TryGetPropertyValue(name, out var node) || node is null)
        {
            return null;
        }

        return node.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String => NeutronQuery.ParseBool(name, node.GetValue<string>()),
            _ => throw NeutronErrors.InvalidInput($"'{node.ToJsonString()}' is not a valid boolean value for {name}"),
        };
    }

    public static int? Int(JsonObject body, string name)
    {
        if (!body.TryGetPropertyValue(name, out var node) || node is null)
        {
            return null;
        }

        if (node.GetValueKind() == JsonValueKind.Number && node.AsValue().TryGetValue<int>(out var n))
        {
            return n;
        }

        if (node.GetValueKind() == JsonValueKind.String && int.TryParse(node.GetValue<string>(), NumberStyles.Integer, CultureInfo.InvariantCulture, out n))
        {
            return n;
        }

        throw NeutronErrors.InvalidInput($"'{node.ToJsonString()}' is not an integer for {name}");
    }

    /// <summary>A list attribute; null when absent, 400 when not a list.</summary>
    public static JsonArray? List(JsonObject body, string name)
    {
        if (!body.TryGetPropertyValue(name, out var node) || node is null)
        {
            return null;
        }

        return node as JsonArray ?? throw NeutronErrors.InvalidInput($"'{node.ToJsonString()}' is not a list for {name}");
    }

    public static List<string>? Strings(JsonObject body, string name)
    {
        if (List(body, name) is not { } list)
        {
            return null;
        }

        var values = new List<string>();
        foreach (var item in list)
        {
            values.Add(item?.GetValueKind() == JsonValueKind.String ? item.GetValue<string>() : throw NeutronErrors.InvalidInput($"'{item?.ToJsonString()}' is not a valid string for {name}"));
        }

        if (values.Distinct(StringComparer.Ordinal).Count() != values.Count)
        {
            throw NeutronErrors.InvalidInput($"Duplicate items in the list: '{string.Join(", ", values.GroupBy(v => v).Where(g => g.Count() > 1).Select(g => g.Key))}'");
        }

        return values;
    }

    /// <summary>The project a new resource belongs to: an admin may name another (project_id or tenant_id).</summary>
    public static string OwnerOf(JsonObject body, RequestContext caller, string wrapper)
    {
        var project = Str(body, "project_id") ?? Str(body, "tenant_id");
        if (project is null || project == caller.ProjectId)
        {
            return caller.ProjectId;
        }

        return caller.IsAdmin ? project : throw NeutronErrors.PolicyDenied($"create_{wrapper}:tenant_id");
    }

    /// <summary>The standard attributes every resource shows (project, timestamps, revision, tags).</summary>
    public static void AddStandard(JsonObject view, string projectId, DateTime createdAt, DateTime updatedAt, int revision, IReadOnlyList<string> tags)
    {
        view["tenant_id"] = projectId;
        view["project_id"] = projectId;
        view["created_at"] = Time(createdAt);
        view["updated_at"] = Time(updatedAt);
        view["revision_number"] = revision;
        view["tags"] = new JsonArray([.. tags.Select(t => (JsonNode)t)]);
    }

    /// <summary>Neutron prints timestamps as ISO 8601 UTC with a Z.</summary>
    public static string Time(DateTime value) => DbTime.Utc(value).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static Task WriteAsync(HttpContext context, int status, JsonObject body) => ServersApi.WriteJsonAsync(context, status, body);

    /// <summary>A show answer: the resource under its name, cut to the asked <c>fields</c>.</summary>
    public static Task ShowAsync(HttpContext context, string wrapper, JsonObject view, int status = 200) =>
        WriteAsync(context, status, new JsonObject { [wrapper] = NeutronQuery.Project(view, NeutronQuery.FieldsOf(context.Request.Query)) });
}
