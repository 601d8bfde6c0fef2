using System.Text.Json;
using System.Text.Json.Nodes;
using Tricircle.Compute;
using Tricircle.Hosting;

namespace Tricircle.Volume;

/// <summary>
/// <c>/types</c>: Cinder volume types as a central catalogue (upstream Trio2o kept them in its
/// database but never pushed them to pods; ours are made in a pod when first used there). Only
/// admins change them (403 otherwise, as Cinder's policy answers).
/// </summary>
internal static class VolumeTypesApi
{
    public static void MapVolumeTypesApi(this IEndpointRouteBuilder v3)
    {
        v3.MapGet("/types", ListAsync);
        v3.MapPost("/types", CreateAsync);
        v3.MapGet("/types/{id}", ShowAsync);
        v3.MapPut("/types/{id}", UpdateAsync);
        v3.MapDelete("/types/{id}", DeleteAsync);
        v3.MapGet("/types/{id}/extra_specs", ExtraSpecsAsync);
        v3.MapPost("/types/{id}/extra_specs", SetExtraSpecsAsync);
        v3.MapGet("/types/{id}/extra_specs/{key}", ExtraSpecAsync);
        v3.MapPut("/types/{id}/extra_specs/{key}", SetExtraSpecAsync);
        v3.MapDelete("/types/{id}/extra_specs/{key}", DeleteExtraSpecAsync);
        v3.MapGet("/types/{id}/os-volume-type-access", AccessAsync);
        v3.MapPost("/types/{id}/action", ActionAsync);
    }

    private static async Task ListAsync(HttpContext context, VolumeTypeStore store)
    {
        var caller = VolumeApi.Caller(context);
        var types = await store.ListAsync(caller, context.RequestAborted);
        await ServersApi.WriteJsonAsync(context, 200, new JsonObject { ["volume_types"] = new JsonArray([.. types.Select(t => (JsonNode)t.ToView(caller.IsAdmin))]) });
    }

    private static async Task ShowAsync(string id, HttpContext context, VolumeTypeStore store)
    {
        var caller = VolumeApi.Caller(context);
        var type = await store.GetAsync(id, caller, context.RequestAborted);
        await ServersApi.WriteJsonAsync(context, 200, new JsonObject { ["volume_type"] = type.ToView(caller.IsAdmin) });
    }

    private static async Task CreateAsync(HttpContext context, VolumeTypeStore store)
    {
        var caller = Admin(context, "create");
        var body = await RequestBody.ReadWrappedAsync(context.Request, "volume_type", context.RequestAborted);
        var type = new VolumeType
        {
            Name = RequestBody.RequiredString(body, "name"),
            Description = RequestBody.OptionalString(body, "description", allowNull: true),
            IsPublic = PublicFlag(body, "os-volume-type-access:is_public") ?? PublicFlag(body, "is_public") ?? true,
            ExtraSpecs = VolumeTypeStore.Serialize(Specs(body)),
        };
        type = await store.CreateAsync(type, caller.ProjectId, context.RequestAborted);
        await ServersApi.WriteJsonAsync(context, 200, new JsonObject { ["volume_type"] = type.ToView(true) });
    }

    private static async Task UpdateAsync(string id, HttpContext context, VolumeTypeStore store)
    {
        var caller = Admin(context, "update");
        var body = await RequestBody.ReadWrappedAsync(context.Request, "volume_type", context.RequestAborted);
        var type = await store.GetAsync(id, caller, context.RequestAborted);
        var name = RequestBody.OptionalString(body, "name");
        var hasDescription = body.TryGetProperty("description", out _);
        var isPublic = PublicFlag(body, "is_public");
        if (name is null && !hasDescription && isPublic is null)
        {
            throw ApiException.BadRequest("Specify volume type name, description, is_public or a combination thereof.");
        }

        if (name is { Length: 0 })
        {
            throw ApiException.BadRequest("Volume type name can not be empty.");
        }

        type.Name = name ?? type.Name;
        type.Description = hasDescription ? RequestBody.OptionalString(body, "description", allowNull: true) : type.Description;
        type.IsPublic = isPublic ?? type.IsPublic;
        type = await store.UpdateAsync(type, context.RequestAborted);
        await ServersApi.WriteJsonAsync(context, 200, new JsonObject { ["volume_type"] = type.ToView(true) });
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, VolumeTypeStore store)
    {
        var caller = Admin(context, "delete");
        var type = await store.GetAsync(id, caller, context.RequestAborted);
        await store.DeleteAsync(type.Id, context.RequestAborted);
        return TypedResults.StatusCode(StatusCodes.Status202Accepted);
    }

    private static async Task ExtraSpecsAsync(string id, HttpContext context, VolumeTypeStore store)
    {
        var caller = Admin(context, "extra_specs:index");
        var type = await store.GetAsync(id, caller, context.RequestAborted);
        await ServersApi.WriteJsonAsync(context, 200, new JsonObject { ["extra_specs"] = type.Specs() });
    }

    private static async Task SetExtraSpecsAsync(string id, HttpContext context, VolumeTypeStore store)
    {
        var caller = Admin(context, "extra_specs:create");
        var root = await RequestBody.ReadAsync(context.Request, context.RequestAborted);
        var type = await store.GetAsync(id, caller, context.RequestAborted);
        var added = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("extra_specs", out _) ? Specs(root) : throw ApiException.BadRequest("The request body has no 'extra_specs' key.");
        var specs = type.Specs();
        foreach (var (key, value) in added)
        {
            specs[key] = value?.DeepClone();
        }

        type.ExtraSpecs = VolumeTypeStore.Serialize(specs);
        await store.UpdateAsync(type, context.RequestAborted);
        await ServersApi.WriteJsonAsync(context, 200, new JsonObject { ["extra_specs"] = added });
    }

    private static async Task ExtraSpecAsync(string id, string key, HttpContext context, VolumeTypeStore store)
    {
        var caller = Admin(context, "extra_specs:show");
        var type = await store.GetAsync(id, caller, context.RequestAborted);
        var value = type.Specs()[key] ?? throw ApiException.NotFound($"Volume Type {type.Id} has no extra specs with key {key}.");
        await ServersApi.WriteJsonAsync(context, 200, new JsonObject { [key] = value.DeepClone() });
    }

    private static async Task SetExtraSpecAsync(string id, string key, HttpContext context, VolumeTypeStore store)
    {
        var caller = Admin(context, "extra_specs:update");
        var root = await RequestBody.ReadAsync(context.Request, context.RequestAborted);
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(key, out var value) || root.EnumerateObject().Count() != 1 || value.ValueKind != JsonValueKind.String)
        {
            throw ApiException.BadRequest($"Request body and URI mismatch: the body must be {{\"{key}\": \"value\"}}.");
        }

        var type = await store.GetAsync(id, caller, context.RequestAborted);
        var specs = type.Specs();
        specs[key] = value.GetString();
        type.ExtraSpecs = VolumeTypeStore.Serialize(specs);
        await store.UpdateAsync(type, context.RequestAborted);
        await ServersApi.WriteJsonAsync(context, 200, new JsonObject { [key] = value.GetString() });
    }

    private static async Task<IResult> DeleteExtraSpecAsync(string id, string key, HttpContext context, VolumeTypeStore store)
    {
        var caller = Admin(context, "extra_specs:delete");
        var type = await store.GetAsync(id, caller, context.RequestAborted);
        var specs = type.Specs();
        if (!specs.Remove(key))
        {
            throw ApiException.NotFound($"Volume Type {type.Id} has no extra specs with key {key}.");
        }

        type.ExtraSpecs = VolumeTypeStore.Serialize(specs);
        await store.UpdateAsync(type, context.RequestAborted);
        return TypedResults.StatusCode(StatusCodes.Status202Accepted);
    }

    private static async Task AccessAsync(string id, HttpContext context, VolumeTypeStore store)
    {
        var caller = Admin(context, "type_access");
        var type = await store.GetAsync(id, caller, context.RequestAborted);
        if (type.IsPublic)
        {
            throw ApiException.NotFound($"Volume type {id} is public: access lists are for private types.");
        }

        var projects = await store.ProjectsAsync(type.Id, context.RequestAborted);
        await ServersApi.WriteJsonAsync(context, 200, new JsonObject
        {
            ["volume_type_access"] = new JsonArray([.. projects.Select(p => (JsonNode)new JsonObject { ["volume_type_id"] = type.Id, ["project_id"] = p })]),
        });
    }

    private static async Task<IResult> ActionAsync(string id, HttpContext context, VolumeTypeStore store)
    {
        var caller = Admin(context, "type_access");
        var root = await RequestBody.ReadAsync(context.Request, context.RequestAborted);
        var type = await store.GetAsync(id, caller, context.RequestAborted);
        foreach (var (action, grant) in (ReadOnlySpan<(string, bool)>)[("addProjectAccess", true), ("removeProjectAccess", false)])
        {
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty(action, out var inner) && inner.ValueKind == JsonValueKind.Object)
            {
                if (type.IsPublic)
                {
                    throw ApiException.Conflict($"Invalid volume type: type access modification is not applicable to public volume type {type.Id}.");
                }

                await store.SetAccessAsync(type.Id, RequestBody.RequiredString(inner, "project", 64), grant, context.RequestAborted);
                return TypedResults.StatusCode(StatusCodes.Status202Accepted);
            }
        }

        throw ApiException.BadRequest("Invalid request body: expected addProjectAccess or removeProjectAccess with a project.");
    }

    private static Identity.RequestContext Admin(HttpContext context, string action)
    {
        var caller = VolumeApi.Caller(context);
        return caller.IsAdmin ? caller : throw ApiException.Forbidden($"Policy doesn't allow volume_extension:types_manage:{action} to be performed.");
    }

    /// <summary>Cinder takes booleans or their string forms here.</summary>
    private static bool? PublicFlag(JsonElement body, string field)
    {
        if (!body.TryGetProperty(field, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String when bool.TryParse(value.GetString(), out var parsed) => parsed,
            _ => throw ApiException.BadRequest($"Invalid value '{value}' for {field}: it must be a boolean."),
        };
    }

    private static JsonObject Specs(JsonElement body)
    {
        if (!body.TryGetProperty("extra_specs", out var specs) || specs.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (specs.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.BadRequest("Invalid input for field/attribute extra_specs: it must be an object.");
        }

        var result = new JsonObject();
        foreach (var spec in specs.EnumerateObject())
        {
            result[spec.Name] = spec.Value.ValueKind == JsonValueKind.String ? spec.Value.GetString() : throw ApiException.BadRequest($"Invalid input for field/attribute extra_specs: the value of {spec.Name} must be a string.");
        }

        return result;
    }
}
