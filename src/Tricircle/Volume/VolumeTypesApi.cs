using System.Text.Json.Nodes;
using Tricircle.Compute;
using Tricircle.Hosting;
using Tricircle.Identity;

namespace Tricircle.Volume;

/// <summary>
/// <c>/types</c>: Cinder volume types as a central catalogue (upstream Trio2o kept them in its
/// database but never pushed them to pods; ours are made in a pod when first used there). Only
/// admins change them (403 otherwise, as Cinder's policy answers).
/// </summary>
internal static class VolumeTypesApi
{
    private const string Rule = "volume_extension:types_manage:";

    // Cinder's parameter_types.extra_specs: keys of safe characters, values strings of up to 255.
    private static readonly BodySchema SpecMap = new(null)
    {
        Other = new BodyField("", JsonKind.String) { MaxLength = 255 },
        KeyPattern = "^[a-zA-Z0-9-_:. /]{1,255}$",
    };

    private static readonly BodyField Public = new("is_public", JsonKind.Boolean | JsonKind.BooleanText);

    private static readonly BodySchema Create = new(
        "volume_type",
        new("name", JsonKind.String) { Required = true, MinLength = 1, MaxLength = 255 },
        new("description", JsonKind.String | JsonKind.Null) { MaxLength = 255 },
        new("extra_specs", JsonKind.Object | JsonKind.Null) { Properties = SpecMap },
        Public with { Name = "os-volume-type-access:is_public" },
        Public);

    private static readonly BodySchema Update = new(
        "volume_type",
        new("name", JsonKind.String | JsonKind.Null) { MaxLength = 255 },
        new("description", JsonKind.String | JsonKind.Null) { MaxLength = 255 },
        Public);

    private static readonly BodySchema SetSpecs = new("extra_specs") { Other = SpecMap.Other, KeyPattern = SpecMap.KeyPattern };

    private static readonly BodySchema SetSpec = new(null) { Other = SpecMap.Other, KeyPattern = SpecMap.KeyPattern, MinProperties = 1 };

    private static readonly BodyField Project = new("project", JsonKind.String) { Required = true, MinLength = 1, MaxLength = 255 };

    private static readonly BodySchema AddAccess = new("addProjectAccess", Project);

    private static readonly BodySchema RemoveAccess = new("removeProjectAccess", Project);

    public static void MapVolumeTypesApi(this IEndpointRouteBuilder v3)
    {
        v3.MapGet("/types", ListAsync);
        v3.MapPost("/types", CreateAsync).AdminOnly(Rule + "create");
        v3.MapGet("/types/{id}", ShowAsync);
        v3.MapPut("/types/{id}", UpdateAsync).AdminOnly(Rule + "update");
        v3.MapDelete("/types/{id}", DeleteAsync).AdminOnly(Rule + "delete");
        v3.MapGet("/types/{id}/extra_specs", ExtraSpecsAsync).AdminOnly(Rule + "extra_specs:index");
        v3.MapPost("/types/{id}/extra_specs", SetExtraSpecsAsync).AdminOnly(Rule + "extra_specs:create");
        v3.MapGet("/types/{id}/extra_specs/{key}", ExtraSpecAsync).AdminOnly(Rule + "extra_specs:show");
        v3.MapPut("/types/{id}/extra_specs/{key}", SetExtraSpecAsync).AdminOnly(Rule + "extra_specs:update");
        v3.MapDelete("/types/{id}/extra_specs/{key}", DeleteExtraSpecAsync).AdminOnly(Rule + "extra_specs:delete");
        v3.MapGet("/types/{id}/os-volume-type-access", AccessAsync).AdminOnly(Rule + "type_access");
        v3.MapPost("/types/{id}/action", ActionAsync).AdminOnly(Rule + "type_access");
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
        var caller = VolumeApi.Caller(context);
        var body = await Create.ReadAsync(context);
        var type = new VolumeType
        {
            Name = body.String("name")!.Trim(),
            Description = body.String("description"),
            IsPublic = body.Bool("os-volume-type-access:is_public") ?? body.Bool("is_public") ?? true,
            ExtraSpecs = VolumeTypeStore.Serialize((JsonObject?)body.Object("extra_specs")?.DeepClone() ?? []),
        };
        type = await store.CreateAsync(type, caller.ProjectId, context.RequestAborted);
        await ServersApi.WriteJsonAsync(context, 200, new JsonObject { ["volume_type"] = type.ToView(true) });
    }

    private static async Task UpdateAsync(string id, HttpContext context, VolumeTypeStore store)
    {
        var caller = VolumeApi.Caller(context);
        var body = await Update.ReadAsync(context, BodyAction.Update);
        var type = await store.GetAsync(id, caller, context.RequestAborted);
        var name = body.String("name")?.Trim();
        var hasDescription = body.Has("description");
        var isPublic = body.Bool("is_public");
        if (name is null && !hasDescription && isPublic is null)
        {
            throw ApiException.BadRequest("Specify volume type name, description, is_public or a combination thereof.");
        }

        if (name is { Length: 0 })
        {
            throw ApiException.BadRequest("Volume type name can not be empty.");
        }

        type.Name = name ?? type.Name;
        type.Description = hasDescription ? body.String("description") : type.Description;
        type.IsPublic = isPublic ?? type.IsPublic;
        type = await store.UpdateAsync(type, context.RequestAborted);
        await ServersApi.WriteJsonAsync(context, 200, new JsonObject { ["volume_type"] = type.ToView(true) });
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, VolumeTypeStore store)
    {
        var caller = VolumeApi.Caller(context);
        var type = await store.GetAsync(id, caller, context.RequestAborted);
        await store.DeleteAsync(type.Id, context.RequestAborted);
        return TypedResults.StatusCode(StatusCodes.Status202Accepted);
    }

    private static async Task ExtraSpecsAsync(string id, HttpContext context, VolumeTypeStore store)
    {
        var caller = VolumeApi.Caller(context);
        var type = await store.GetAsync(id, caller, context.RequestAborted);
        await ServersApi.WriteJsonAsync(context, 200, new JsonObject { ["extra_specs"] = type.Specs() });
    }

    private static async Task SetExtraSpecsAsync(string id, HttpContext context, VolumeTypeStore store)
    {
        var caller = VolumeApi.Caller(context);
        var added = (await SetSpecs.ReadAsync(context)).Fields;
        var type = await store.GetAsync(id, caller, context.RequestAborted);
        var specs = type.Specs();
        foreach (var (key, value) in added)
        {
            specs[key] = value?.DeepClone();
        }

        type.ExtraSpecs = VolumeTypeStore.Serialize(specs);
        await store.UpdateAsync(type, context.RequestAborted);
        await ServersApi.WriteJsonAsync(context, 200, new JsonObject { ["extra_specs"] = added.DeepClone() });
    }

    private static async Task ExtraSpecAsync(string id, string key, HttpContext context, VolumeTypeStore store)
    {
        var caller = VolumeApi.Caller(context);
        var type = await store.GetAsync(id, caller, context.RequestAborted);
        var value = type.Specs()[key] ?? throw ApiException.NotFound($"Volume Type {type.Id} has no extra specs with key {key}.");
        await ServersApi.WriteJsonAsync(context, 200, new JsonObject { [key] = value.DeepClone() });
    }

    private static async Task SetExtraSpecAsync(string id, string key, HttpContext context, VolumeTypeStore store)
    {
        var caller = VolumeApi.Caller(context);
        var body = await SetSpec.ReadAsync(context, BodyAction.Update);
        if (body.Fields.Count != 1 || body.String(key) is not { } value)
        {
            throw ApiException.BadRequest($"Request body and URI mismatch: the body must be {{\"{key}\": \"value\"}}.");
        }

        var type = await store.GetAsync(id, caller, context.RequestAborted);
        var specs = type.Specs();
        specs[key] = value;
        type.ExtraSpecs = VolumeTypeStore.Serialize(specs);
        await store.UpdateAsync(type, context.RequestAborted);
        await ServersApi.WriteJsonAsync(context, 200, new JsonObject { [key] = value });
    }

    private static async Task<IResult> DeleteExtraSpecAsync(string id, string key, HttpContext context, VolumeTypeStore store)
    {
        var caller = VolumeApi.Caller(context);
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
        var caller = VolumeApi.Caller(context);
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
        var caller = VolumeApi.Caller(context);
        var root = await RequestBody.ReadObjectAsync(context);
        var grant = root.ContainsKey("addProjectAccess");
        if (!grant && !root.ContainsKey("removeProjectAccess"))
        {
            throw ApiException.BadRequest("Invalid request body: expected addProjectAccess or removeProjectAccess with a project.");
        }

        var project = (grant ? AddAccess : RemoveAccess).Check(context, root).String("project")!;
        var type = await store.GetAsync(id, caller, context.RequestAborted);
        if (type.IsPublic)
        {
            throw ApiException.Conflict($"Invalid volume type: type access modification is not applicable to public volume type {type.Id}.");
        }

        await store.SetAccessAsync(type.Id, project, grant, context.RequestAborted);
        return TypedResults.StatusCode(StatusCodes.Status202Accepted);
    }
}
