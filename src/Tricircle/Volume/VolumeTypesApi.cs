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

    private static readonly BodyField Public = CinderSchemas.Boolean("is_public");

    private static readonly BodySchema Create = new(
        "volume_type",
        new("name", JsonKind.String) { Required = true, MinLength = 1, MaxLength = 255 },
        new("description", JsonKind.String | JsonKind.Null) { MaxLength = 255 },
        new("extra_specs", JsonKind.Object) { Properties = SpecMap }, // Cinder's extra_specs type is an object, never null
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
        var page = Page(context.Request.Query); // the query first: Cinder refuses a bad one whatever the list holds
        var types = page(await store.ListAsync(caller, context.RequestAborted));
        await ServersApi.WriteJsonAsync(context, 200, new JsonObject { ["volume_types"] = new JsonArray([.. types.Select(t => (JsonNode)t.ToView(caller.IsAdmin))]) });
    }

    /// <summary>
    /// The list's paging as Cinder's types index reads it (common.get_pagination_params and
    /// get_sort_params, then the database's process_sort_params): limit and offset Python
    /// integers of at least 0, directions asc or desc, keys columns of volume_types. A marker that
    /// names no type is ignored (the database's marker lookup finds nothing and the list starts
    /// at the top); without sort parameters the list keeps its own order (by name).
    /// </summary>
    private static Func<IReadOnlyList<VolumeType>, IEnumerable<VolumeType>> Page(IQueryCollection query)
    {
        static string? First(IQueryCollection query, string name) => query.TryGetValue(name, out var values) ? values.FirstOrDefault() ?? "" : null;

        var limit = 1000; // osapi_max_limit
        if (First(query, "limit") is { } limitText)
        {
            var parsed = PythonInt(limitText) ?? throw ApiException.BadRequest("limit param must be an integer");
            limit = parsed < 0 ? throw ApiException.BadRequest("limit param must be positive") : (int)System.Numerics.BigInteger.Min(parsed, limit);
        }

        var offset = 0;
        if (First(query, "offset") is { } offsetText)
        {
            var parsed = PythonInt(offsetText) ?? throw ApiException.BadRequest("offset must be an integer");
            offset = parsed < 0 || parsed > int.MaxValue ? throw ApiException.BadRequest($"offset must be >= 0 and <= {int.MaxValue}") : (int)parsed;
        }

        var sort = First(query, "sort");
        var sortKey = First(query, "sort_key");
        var sortDir = First(query, "sort_dir");
        if (sort is not null && (sortKey is not null || sortDir is not null))
        {
            throw ApiException.BadRequest("The 'sort_key' and 'sort_dir' parameters are deprecated and cannot be used with the 'sort' parameter.");
        }

        var keys = new List<(string Key, string? Dir)>();
        if (sort is not null)
        {
            foreach (var part in sort.Trim().Split(','))
            {
                var colon = part.IndexOf(':', StringComparison.Ordinal);
                keys.Add(colon < 0 ? (part.Trim(), null) : (part[..colon].Trim(), part[(colon + 1)..].Trim() is { Length: > 0 } d ? d : null));
            }
        }
        else if (sortKey is not null || sortDir is not null)
        {
            keys.Add(((sortKey ?? "created_at").Trim(), (sortDir ?? "desc").Trim()));
        }

        foreach (var (key, dir) in keys)
        {
            if (dir is not (null or "asc" or "desc"))
            {
                throw ApiException.BadRequest("Invalid input received: Unknown sort direction, must be 'desc' or 'asc'.");
            }

            if (!SortKeys.Contains(key))
            {
                throw ApiException.BadRequest("Invalid input received: Invalid sort key");
            }
        }

        var marker = First(query, "marker");
        return types =>
        {
            IEnumerable<VolumeType> ordered = types;
            if (keys.Count > 0)
            {
                var defaultDir = keys[0].Dir ?? "desc";
                var all = keys.Select(k => (k.Key, Desc: (k.Dir ?? defaultDir) == "desc")).ToList();
                foreach (var extra in (string[])["created_at", "id"])
                {
                    if (!all.Any(k => k.Key == extra))
                    {
                        all.Add((extra, defaultDir == "desc"));
                    }
                }

                var list = types.ToList();
                list.Sort((a, b) =>
                {
                    foreach (var (key, desc) in all)
                    {
                        var c = Compare(a, b, key);
                        if (c != 0)
                        {
                            return desc ? -c : c;
                        }
                    }

                    return 0;
                });
                ordered = list;
            }

            var rest = ordered.ToList();
            if (marker is not null && rest.FindIndex(t => t.Id == marker) is var at && at >= 0)
            {
                rest = rest.Skip(at + 1).ToList();
            }

            return rest.Skip(offset).Take(limit);
        };
    }

    // The columns of Cinder's volume_types table (a sort by one this gateway does not keep leaves the order to the others).
    private static readonly HashSet<string> SortKeys = new(StringComparer.Ordinal)
    {
        "id", "name", "description", "is_public", "qos_specs_id", "created_at", "updated_at", "deleted_at", "deleted",
    };

    private static int Compare(VolumeType a, VolumeType b, string key) => key switch
    {
        "id" => string.CompareOrdinal(a.Id, b.Id),
        "name" => string.CompareOrdinal(a.Name, b.Name),
        "description" => string.CompareOrdinal(a.Description, b.Description),
        "is_public" => a.IsPublic.CompareTo(b.IsPublic),
        "created_at" => a.CreatedAt.CompareTo(b.CreatedAt),
        "updated_at" => Nullable.Compare(a.UpdatedAt, b.UpdatedAt),
        _ => 0,
    };

    /// <summary>Python's <c>int(text)</c>: blanks around, a sign, digits (any script's) with single underscores between; null when it is not one.</summary>
    private static System.Numerics.BigInteger? PythonInt(string text)
    {
        var t = text.Trim();
        var negative = t.StartsWith('-');
        if (t.StartsWith('-') || t.StartsWith('+'))
        {
            t = t[1..];
        }

        if (t.Length == 0 || t[0] == '_' || t[^1] == '_' || t.Contains("__", StringComparison.Ordinal))
        {
            return null;
        }

        System.Numerics.BigInteger value = 0;
        foreach (var c in t.Replace("_", "", StringComparison.Ordinal))
        {
            var digit = (int)char.GetNumericValue(c);
            if (char.GetUnicodeCategory(c) != System.Globalization.UnicodeCategory.DecimalDigitNumber || digit < 0)
            {
                return null;
            }

            value = (value * 10) + digit;
        }

        return negative ? -value : value;
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
