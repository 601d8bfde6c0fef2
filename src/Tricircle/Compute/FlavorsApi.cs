using System.Globalization;
using System.Text.Json.Nodes;
using Tricircle.Hosting;
using Tricircle.Identity;

namespace Tricircle.Compute;

/// <summary>
/// <c>/flavors</c> answered from the central catalogue (pods get a copy on first use, see
/// <see cref="FlavorSync"/>): list/detail/show, create/delete/description for admins, extra specs
/// and project access.
/// </summary>
internal static class FlavorsApi
{
    private static readonly string[] SortKeys = ["created_at", "description", "disabled", "ephemeral_gb", "flavorid", "id", "is_public", "memory_mb", "name", "root_gb", "rxtx_factor", "swap", "updated_at", "vcpu_weight", "vcpus"];

    // Nova's flavor_param_positive and _non_negative: integers (or strings of digits) up to the database's int.
    private static readonly BodyField Positive = new("", JsonKind.Integer | JsonKind.IntegerText) { Minimum = 1, Maximum = int.MaxValue };

    private static readonly BodySchema Create = new(
        "flavor",
        new("name", JsonKind.String) { Required = true, MinLength = 1, MaxLength = 255, Format = "name" },
        new("id", JsonKind.String | JsonKind.Null) { MinLength = 1, MaxLength = 255, Pattern = "^(?! )[a-zA-Z0-9. _-]+(?<! )$" },
        Positive with { Name = "ram", Required = true },
        Positive with { Name = "vcpus", Required = true },
        Positive with { Name = "disk", Required = true, Minimum = 0 },
        Positive with { Name = "OS-FLV-EXT-DATA:ephemeral", Minimum = 0 },
        Positive with { Name = "swap", Minimum = 0 },
        new("rxtx_factor", JsonKind.Number),
        new("os-flavor-access:is_public", JsonKind.Boolean | JsonKind.BooleanText),
        new("description", JsonKind.String | JsonKind.Null) { MaxLength = 65535, Since = new(2, 55) });

    private static readonly BodySchema Update = new(
        "flavor",
        new BodyField("description", JsonKind.String | JsonKind.Null) { Required = true, MaxLength = 65535 });

    // Nova's flavors_extraspecs: keys of safe characters, values strings, numbers or booleans of up to 255.
    private static readonly BodyField SpecValue = new("", JsonKind.String | JsonKind.Number | JsonKind.Integer | JsonKind.Boolean) { MaxLength = 255 };

    private const string SpecKey = "^[a-zA-Z0-9-_:. ]{1,255}$";

    private static readonly BodySchema SpecsBody = new("extra_specs") { Other = SpecValue, KeyPattern = SpecKey };

    private static readonly BodySchema Spec = new(null) { Other = SpecValue, KeyPattern = SpecKey, MinProperties = 1 };

    private static readonly BodySchema AddAccess = new("addTenantAccess", new BodyField("tenant", JsonKind.String) { Required = true, MinLength = 1, MaxLength = 255 });

    private static readonly BodySchema RemoveAccess = new("removeTenantAccess", new BodyField("tenant", JsonKind.String) { Required = true, MinLength = 1, MaxLength = 255 });

    public static void MapFlavorsApi(this IEndpointRouteBuilder v21)
    {
        v21.MapGet("/flavors", (HttpContext context, FlavorStore store) => ListAsync(context, store, detail: false));
        v21.MapGet("/flavors/detail", (HttpContext context, FlavorStore store) => ListAsync(context, store, detail: true));
        v21.MapPost("/flavors", CreateAsync).AdminOnly("os_compute_api:os-flavor-manage:create");
        v21.MapGet("/flavors/{id}", ShowAsync);
        v21.MapPut("/flavors/{id}", UpdateAsync);
        v21.MapDelete("/flavors/{id}", DeleteAsync).AdminOnly("os_compute_api:os-flavor-manage:delete");
        v21.MapGet("/flavors/{id}/os-extra_specs", ListSpecsAsync);
        v21.MapPost("/flavors/{id}/os-extra_specs", CreateSpecsAsync).AdminOnly("os_compute_api:os-flavor-extra-specs:create");
        v21.MapGet("/flavors/{id}/os-extra_specs/{key}", ShowSpecAsync);
        v21.MapPut("/flavors/{id}/os-extra_specs/{key}", UpdateSpecAsync).AdminOnly("os_compute_api:os-flavor-extra-specs:update");
        v21.MapDelete("/flavors/{id}/os-extra_specs/{key}", DeleteSpecAsync).AdminOnly("os_compute_api:os-flavor-extra-specs:delete");
        v21.MapGet("/flavors/{id}/os-flavor-access", ListAccessAsync).AdminOnly("os_compute_api:os-flavor-access");
        v21.MapPost("/flavors/{id}/action", ActionAsync);
    }

    /// <summary>A flavor the caller may see, or Nova's 404.</summary>
    public static async Task<Flavor> UsableAsync(FlavorStore store, string id, RequestContext caller, CancellationToken cancellationToken) =>
        await store.FindUsableAsync(id, caller.ProjectId, caller.IsAdmin, cancellationToken)
        ?? throw ApiException.NotFound($"Flavor {id} could not be found.");

    private static async Task<JsonObject> ViewAsync(HttpContext context, FlavorStore store, Flavor flavor, bool detail)
    {
        var json = new JsonObject { ["id"] = flavor.FlavorId, ["name"] = flavor.Name };
        if (detail)
        {
            json["ram"] = flavor.Ram;
            json["disk"] = flavor.Disk;
            json["swap"] = flavor.Swap == 0 && !NovaJson.AtLeast(context, 75) ? "" : flavor.Swap;
            json["OS-FLV-EXT-DATA:ephemeral"] = flavor.Ephemeral;
            json["OS-FLV-DISABLED:disabled"] = false;
            json["vcpus"] = flavor.Vcpus;
            json["os-flavor-access:is_public"] = flavor.IsPublic;
            json["rxtx_factor"] = flavor.RxtxFactor;
        }

        json["links"] = NovaJson.Links(context, "flavors", flavor.FlavorId);
        if (NovaJson.AtLeast(context, 55))
        {
            json["description"] = flavor.Description;
        }

        if (detail && NovaJson.AtLeast(context, 61))
        {
            json["extra_specs"] = Specs(await store.ExtraSpecsAsync(flavor.FlavorId, context.RequestAborted));
        }

        return json;
    }

    private static JsonObject Specs(IReadOnlyDictionary<string, string> specs)
    {
        var json = new JsonObject();
        foreach (var (key, value) in specs)
        {
            json[key] = value;
        }

        return json;
    }

    private static async Task ListAsync(HttpContext context, FlavorStore store, bool detail)
    {
        var caller = ComputeApi.Caller(context);
        var query = context.Request.Query;
        var minRam = QueryInt(query, "minRam");
        var minDisk = QueryInt(query, "minDisk");
        var limit = QueryInt(query, "limit");

        // As Nova: admins see the public flavors unless is_public says otherwise (none/all: every
        // flavor); others see the public ones and the private ones their project may use.
        bool? isPublic = true;
        if (caller.IsAdmin && query.TryGetValue("is_public", out var publicText))
        {
            isPublic = publicText.ToString().ToLowerInvariant() switch
            {
                "none" or "all" => null,
                "true" or "t" or "1" or "yes" or "y" or "on" => true,
                "false" or "f" or "0" or "no" or "n" or "off" => false,
                _ => throw ApiException.BadRequest($"Invalid is_public filter [{publicText}]"),
            };
        }

        var sortKey = query.TryGetValue("sort_key", out var key) ? key.ToString() : "flavorid";
        var sortDir = query.TryGetValue("sort_dir", out var dir) ? dir.ToString() : "asc";
        if (!SortKeys.Contains(sortKey, StringComparer.Ordinal))
        {
            throw ApiException.BadRequest($"Invalid input for query parameters sort_key. Value: {sortKey}. '{sortKey}' is not one of [{string.Join(", ", SortKeys.Select(k => $"'{k}'"))}]");
        }

        if (sortDir is not ("asc" or "desc"))
        {
            throw ApiException.BadRequest($"Invalid input for query parameters sort_dir. Value: {sortDir}. '{sortDir}' is not one of ['asc', 'desc']");
        }

        var access = await store.AccessAsync(context.RequestAborted);
        var flavors = (await store.ListAsync(context.RequestAborted)).Where(f =>
            (caller.IsAdmin ? isPublic is null || f.IsPublic == isPublic : f.IsPublic || access[f.FlavorId].Contains(caller.ProjectId, StringComparer.Ordinal))
            && (minRam is null || f.Ram >= minRam) && (minDisk is null || f.Disk >= minDisk)).ToList();
        Func<Flavor, IComparable> sortBy = sortKey switch
        {
            "name" => f => f.Name,
            "memory_mb" => f => f.Ram,
            "vcpus" => f => f.Vcpus,
            "root_gb" => f => f.Disk,
            "ephemeral_gb" => f => f.Ephemeral,
            "swap" => f => f.Swap,
            "rxtx_factor" => f => f.RxtxFactor,
            "is_public" => f => f.IsPublic,
            "created_at" => f => f.CreatedAt,
            "updated_at" => f => f.UpdatedAt ?? DateTime.MinValue,
            "description" => f => f.Description ?? "",
            _ => f => f.FlavorId,
        };
        flavors = sortDir == "asc"
            ? [.. flavors.OrderBy(sortBy).ThenBy(f => f.FlavorId, StringComparer.Ordinal)]
            : [.. flavors.OrderByDescending(sortBy).ThenByDescending(f => f.FlavorId, StringComparer.Ordinal)];
        if (query.TryGetValue("marker", out var marker))
        {
            var index = flavors.FindIndex(f => f.FlavorId == marker.ToString());
            flavors = index < 0 ? throw ApiException.BadRequest($"marker [{marker}] not found") : flavors[(index + 1)..];
        }

        // Nova links the next page whenever this one is full, more or not (common._get_collection_links).
        var full = limit is { } max && flavors.Count >= max;
        if (full)
        {
            flavors = flavors[..limit!.Value];
        }

        var items = new JsonArray();
        foreach (var flavor in flavors)
        {
            items.Add(await ViewAsync(context, store, flavor, detail));
        }

        var body = new JsonObject { ["flavors"] = items };
        if (full && flavors.Count > 0)
        {
            body["flavors_links"] = Pods.MergedList.NextLinks(ComputeApi.Url(context, detail ? "flavors/detail" : "flavors"), query, flavors[^1].FlavorId);
        }

        await NovaJson.WriteAsync(context, body);
    }

    private static int? QueryInt(IQueryCollection query, string name) =>
        !query.TryGetValue(name, out var text) ? null
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value
        : throw ApiException.BadRequest($"Invalid {name} filter [{text}]");

    private static async Task ShowAsync(string id, HttpContext context, FlavorStore store)
    {
        var flavor = await UsableAsync(store, id, ComputeApi.Caller(context), context.RequestAborted);
        await NovaJson.WriteAsync(context, new JsonObject { ["flavor"] = await ViewAsync(context, store, flavor, detail: true) });
    }

    private static async Task CreateAsync(HttpContext context, FlavorStore store)
    {
        var body = await Create.ReadAsync(context, version: ComputeApi.Version(context));
        var rxtx = body.Double("rxtx_factor") ?? 1.0;
        if (rxtx <= 0)
        {
            throw ApiException.BadRequest($"Invalid input for field/attribute rxtx_factor. Value: {rxtx}. {rxtx} is less than or equal to the minimum of 0");
        }

        var flavor = new Flavor
        {
            FlavorId = body.String("id") ?? Guid.NewGuid().ToString(),
            Name = body.String("name")!,
            Ram = body.Int("ram")!.Value,
            Vcpus = body.Int("vcpus")!.Value,
            Disk = body.Int("disk")!.Value,
            Ephemeral = body.Int("OS-FLV-EXT-DATA:ephemeral") ?? 0,
            Swap = body.Int("swap") ?? 0,
            RxtxFactor = rxtx,
            IsPublic = body.Bool("os-flavor-access:is_public") ?? true,
            Description = body.String("description"),
        };
        await store.CreateAsync(flavor, context.RequestAborted);
        await NovaJson.WriteAsync(context, new JsonObject { ["flavor"] = await ViewAsync(context, store, flavor, detail: true) });
    }

    private static async Task UpdateAsync(string id, HttpContext context, FlavorStore store)
    {
        if (!NovaJson.AtLeast(context, 55))
        {
            throw new ApiException(StatusCodes.Status405MethodNotAllowed, "Updating a flavor's description needs microversion 2.55 or later.");
        }

        var caller = context.RequireAdmin("os_compute_api:os-flavor-manage:update");
        var body = await Update.ReadAsync(context, BodyAction.Update);
        var flavor = await UsableAsync(store, id, caller, context.RequestAborted);
        flavor.Description = body.String("description");
        await store.UpdateDescriptionAsync(id, flavor.Description, context.RequestAborted);
        await NovaJson.WriteAsync(context, new JsonObject { ["flavor"] = await ViewAsync(context, store, flavor, detail: true) });
    }

    private static async Task DeleteAsync(string id, HttpContext context, FlavorStore store)
    {
        if (!await store.DeleteAsync(id, context.RequestAborted))
        {
            throw ApiException.NotFound($"Flavor {id} could not be found.");
        }

        await NovaJson.NoContentAsync(context, StatusCodes.Status202Accepted);
    }

    private static async Task ListSpecsAsync(string id, HttpContext context, FlavorStore store)
    {
        var flavor = await UsableAsync(store, id, ComputeApi.Caller(context), context.RequestAborted);
        await NovaJson.WriteAsync(context, new JsonObject { ["extra_specs"] = Specs(await store.ExtraSpecsAsync(flavor.FlavorId, context.RequestAborted)) });
    }

    private static async Task CreateSpecsAsync(string id, HttpContext context, FlavorStore store)
    {
        var caller = context.GetRequestContext();
        var specs = SpecMap((await SpecsBody.ReadAsync(context)).Fields);
        var flavor = await UsableAsync(store, id, caller, context.RequestAborted);
        await store.SetExtraSpecsAsync(flavor.FlavorId, specs, context.RequestAborted);
        await NovaJson.WriteAsync(context, new JsonObject { ["extra_specs"] = Specs(specs) });
    }

    private static async Task ShowSpecAsync(string id, string key, HttpContext context, FlavorStore store)
    {
        var flavor = await UsableAsync(store, id, ComputeApi.Caller(context), context.RequestAborted);
        var specs = await store.ExtraSpecsAsync(flavor.FlavorId, context.RequestAborted);
        var value = specs.TryGetValue(key, out var v) ? v : throw ApiException.NotFound($"Flavor {id} has no extra specs with key {key}.");
        await NovaJson.WriteAsync(context, new JsonObject { [key] = value });
    }

    private static async Task UpdateSpecAsync(string id, string key, HttpContext context, FlavorStore store)
    {
        var caller = context.GetRequestContext();
        var body = (await Spec.ReadAsync(context, BodyAction.Update)).Fields;
        if (body.Count > 1)
        {
            throw ApiException.BadRequest("Request body contains too many items");
        }

        if (!body.ContainsKey(key))
        {
            throw ApiException.BadRequest("Request body and URI mismatch");
        }

        var specs = SpecMap(body);
        var flavor = await UsableAsync(store, id, caller, context.RequestAborted);
        await store.SetExtraSpecsAsync(flavor.FlavorId, specs, context.RequestAborted);
        await NovaJson.WriteAsync(context, new JsonObject { [key] = specs[key] });
    }

    private static async Task DeleteSpecAsync(string id, string key, HttpContext context, FlavorStore store)
    {
        var caller = context.GetRequestContext();
        var flavor = await UsableAsync(store, id, caller, context.RequestAborted);
        if (!await store.DeleteExtraSpecAsync(flavor.FlavorId, key, context.RequestAborted))
        {
            throw ApiException.NotFound($"Flavor {id} has no extra specs with key {key}.");
        }

        await NovaJson.NoContentAsync(context, StatusCodes.Status200OK);
    }

    /// <summary>Validated extra specs as stored: numbers and booleans turned into strings, as Nova stores them.</summary>
    private static Dictionary<string, string> SpecMap(JsonObject body) =>
        body.ToDictionary(p => p.Key, p => p.Value is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String ? v.GetValue<string>() : p.Value!.ToJsonString(), StringComparer.Ordinal);

    private static async Task ListAccessAsync(string id, HttpContext context, FlavorStore store)
    {
        var caller = context.GetRequestContext();
        var flavor = await UsableAsync(store, id, caller, context.RequestAborted);
        if (flavor.IsPublic)
        {
            throw ApiException.NotFound("Access list not available for public flavors.");
        }

        await NovaJson.WriteAsync(context, await AccessListAsync(store, flavor.FlavorId, context.RequestAborted));
    }

    private static async Task<JsonObject> AccessListAsync(FlavorStore store, string id, CancellationToken cancellationToken) => new()
    {
        ["flavor_access"] = new JsonArray([.. (await store.ProjectsAsync(id, cancellationToken)).Select(p => (JsonNode)new JsonObject { ["flavor_id"] = id, ["tenant_id"] = p })]),
    };

    private static async Task ActionAsync(string id, HttpContext context, FlavorStore store)
    {
        var root = await RequestBody.ReadObjectAsync(context);
        var adding = root.ContainsKey("addTenantAccess");
        if (!adding && !root.ContainsKey("removeTenantAccess"))
        {
            throw ApiException.BadRequest("There is no such action: " + string.Join(", ", root.Select(p => p.Key)));
        }

        var caller = context.RequireAdmin(adding ? "os_compute_api:os-flavor-access:add_tenant_access" : "os_compute_api:os-flavor-access:remove_tenant_access");
        var tenant = (adding ? AddAccess : RemoveAccess).Check(context, root).String("tenant")!;
        var add = adding ? tenant : null;
        var flavor = await UsableAsync(store, id, caller, context.RequestAborted);
        if (add is not null)
        {
            if (flavor.IsPublic)
            {
                throw ApiException.Conflict("Can not add access to a public flavor.");
            }

            if (!await store.AddAccessAsync(flavor.FlavorId, tenant, context.RequestAborted))
            {
                throw ApiException.Conflict($"Flavor access already exists for flavor {flavor.FlavorId} and project {tenant} combination.");
            }
        }
        else if (!await store.RemoveAccessAsync(flavor.FlavorId, tenant, context.RequestAborted))
        {
            throw ApiException.NotFound($"Flavor access not found for {flavor.FlavorId} / {tenant} combination.");
        }

        await NovaJson.WriteAsync(context, await AccessListAsync(store, flavor.FlavorId, context.RequestAborted));
    }
}
