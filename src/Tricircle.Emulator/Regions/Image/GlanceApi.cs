using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Tricircle.Emulator.Regions.Image;

/// <summary>Glance v2: versions, images (CRUD, JSON patch, data, tags) and schemas.</summary>
internal static class GlanceApi
{
    private static readonly string[] ReadOnly = ["id", "status", "checksum", "os_hash_algo", "os_hash_value", "size", "virtual_size", "created_at", "updated_at", "self", "file", "schema", "direct_url", "locations", "stores"];

    private static readonly string[] Reserved = ["deleted", "deleted_at", "location"];

    private static readonly string[] SortKeys = ["name", "status", "container_format", "disk_format", "size", "id", "created_at", "updated_at", "min_disk", "min_ram", "visibility", "owner", "protected"];

    private static readonly string[] Versions = ["2.16", "2.15", "2.14", "2.13", "2.12", "2.11", "2.10", "2.9", "2.8", "2.7", "2.6", "2.5", "2.4", "2.3", "2.2", "2.1", "2.0"];

    public static void Map(IEndpointRouteBuilder app, RegionContext region)
    {
        var state = region.Image;
        // Glance answers its version list with 300 Multiple Choices at "/", 200 at "/versions".
        app.MapGet("/", context => VersionsAsync(context, region, 300)).AllowAnonymous();
        app.MapGet("/versions", context => VersionsAsync(context, region, 200)).AllowAnonymous();

        app.MapGet("/v2/images", context => ListAsync(context, state));
        app.MapPost("/v2/images", context => CreateAsync(context, state));
        app.MapGet("/v2/images/{id}", context => ShowAsync(context, state, Id(context)));
        app.MapMethods("/v2/images/{id}", ["PATCH"], context => PatchAsync(context, state, Id(context)));
        app.MapDelete("/v2/images/{id}", context => DeleteAsync(context, state, Id(context)));
        app.MapPut("/v2/images/{id}/file", context => UploadAsync(context, state, Id(context)));
        app.MapGet("/v2/images/{id}/file", context => DownloadAsync(context, state, Id(context)));
        app.MapPut("/v2/images/{id}/tags/{tag}", context => TagAsync(context, state, Id(context), add: true));
        app.MapDelete("/v2/images/{id}/tags/{tag}", context => TagAsync(context, state, Id(context), add: false));
        app.MapGet("/v2/schemas/image", context => RegionHttp.WriteJsonAsync(context, 200, ImageSchema()));
        app.MapGet("/v2/schemas/images", context => RegionHttp.WriteJsonAsync(context, 200, new JsonObject
        {
            ["name"] = "images",
            ["properties"] = new JsonObject
            {
                ["images"] = new JsonObject { ["type"] = "array", ["items"] = ImageSchema() },
                ["schema"] = new JsonObject { ["type"] = "string" },
                ["first"] = new JsonObject { ["type"] = "string" },
                ["next"] = new JsonObject { ["type"] = "string" },
            },
            ["links"] = new JsonArray(
                new JsonObject { ["rel"] = "first", ["href"] = "{first}" },
                new JsonObject { ["rel"] = "next", ["href"] = "{next}" },
                new JsonObject { ["rel"] = "describedby", ["href"] = "{schema}" }),
        }));
    }

    private static string Id(HttpContext context) => (string)context.Request.RouteValues["id"]!;

    private static Task VersionsAsync(HttpContext context, RegionContext region, int status)
    {
        var root = region.ImageUrl.ToString().TrimEnd('/');
        var versions = new JsonArray();
        for (var i = 0; i < Versions.Length; i++)
        {
            versions.Add(new JsonObject
            {
                ["id"] = "v" + Versions[i],
                ["status"] = i == 0 ? "CURRENT" : "SUPPORTED",
                ["links"] = new JsonArray(new JsonObject { ["rel"] = "self", ["href"] = root + "/v2/" }),
            });
        }

        return RegionHttp.WriteJsonAsync(context, status, new JsonObject { ["versions"] = versions });
    }

    private static GlanceImage Visible(GlanceState state, Caller caller, string id) =>
        state.Get(id) is { } image && image.VisibleTo(caller.ProjectId, caller.IsAdmin)
            ? image
            : throw OpenStackFault.NotFound($"No image found with ID {id}");

    // Only the owner (or an admin) may change an image; others get 403 as Glance's policy does.
    private static GlanceImage Owned(GlanceState state, Caller caller, string id, string action)
    {
        var image = Visible(state, caller, id);
        return caller.IsAdmin || image.Owner == caller.ProjectId
            ? image
            : throw OpenStackFault.Forbidden($"You are not authorized to complete {action} action.");
    }

    private static Task ShowAsync(HttpContext context, GlanceState state, string id)
    {
        var caller = context.Caller();
        JsonObject json;
        lock (state.Sync)
        {
            json = Visible(state, caller, id).ToJson();
        }

        return RegionHttp.WriteJsonAsync(context, 200, json);
    }

    private static async Task<JsonObject> ReadAsync(HttpContext context)
    {
        return await ReadJsonAsync(context) is var node && node is JsonObject body
            ? body
            : throw OpenStackFault.BadRequest($"Provided object does not match schema 'image': {node?.ToJsonString() ?? "None"} is not of type 'object'");
    }

    // As glance.common.wsgi.JSONRequestDeserializer: no body, or one json.loads refuses, is a 400.
    private static async Task<JsonNode?> ReadJsonAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        if (buffer.Length == 0)
        {
            throw OpenStackFault.BadRequest("Body expected in request.");
        }

        try
        {
            return RequestJson.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
        }
        catch (MalformedJsonException)
        {
            throw OpenStackFault.BadRequest("Malformed JSON in request body.");
        }
    }

    private static string NotInEnum(JsonNode? value, string[] allowed) =>
        $"Provided object does not match schema 'image': {value?.ToJsonString() ?? "None"} is not one of [{string.Join(", ", allowed.Select(a => "'" + a + "'"))}]";

    private static string? OptionalString(JsonNode? node, string key) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => throw OpenStackFault.BadRequest($"Provided object does not match schema 'image': {node.ToJsonString()} is not of type 'string'. Failed validating 'type' in schema['properties']['{key}']"),
    };

    private static int NonNegativeInt(JsonNode? node, string key)
    {
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var i) && i >= 0)
        {
            return i;
        }

        throw OpenStackFault.BadRequest($"Provided object does not match schema 'image': {node?.ToJsonString() ?? "None"} is not a non-negative integer ('{key}').");
    }

    private static bool Bool(JsonNode? node, string key) =>
        node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False
            ? v.GetValue<bool>()
            : throw OpenStackFault.BadRequest($"Provided object does not match schema 'image': {node?.ToJsonString() ?? "None"} is not of type 'boolean' ('{key}').");

    // Sets one attribute (create or patch "add"/"replace"); read-only ones are refused by the caller.
    private static void SetAttribute(GlanceImage image, Caller caller, string key, JsonNode? value)
    {
        switch (key)
        {
            case "name":
                var name = OptionalString(value, key);
                if (name is { Length: > 255 })
                {
                    throw OpenStackFault.BadRequest("Provided object does not match schema 'image': name is too long (maximum 255 characters).");
                }

                image.Name = name;
                break;
            case "visibility":
                var visibility = OptionalString(value, key);
                if (visibility is null || !GlanceState.Visibilities.Contains(visibility))
                {
                    throw OpenStackFault.BadRequest(NotInEnum(value, GlanceState.Visibilities));
                }

                if (visibility == "public" && !caller.IsAdmin)
                {
                    throw OpenStackFault.Forbidden("You are not authorized to complete publicize_image action.");
                }

                image.Visibility = visibility;
                break;
            case "container_format":
                var container = OptionalString(value, key);
                if (container is not null && !GlanceState.ContainerFormats.Contains(container))
                {
                    throw OpenStackFault.BadRequest(NotInEnum(value, GlanceState.ContainerFormats));
                }

                image.ContainerFormat = container;
                break;
            case "disk_format":
                var disk = OptionalString(value, key);
                if (disk is not null && !GlanceState.DiskFormats.Contains(disk))
                {
                    throw OpenStackFault.BadRequest(NotInEnum(value, GlanceState.DiskFormats));
                }

                image.DiskFormat = disk;
                break;
            case "min_disk":
                image.MinDisk = NonNegativeInt(value, key);
                break;
            case "min_ram":
                image.MinRam = NonNegativeInt(value, key);
                break;
            case "protected":
                image.Protected = Bool(value, key);
                break;
            case "os_hidden":
                image.Hidden = Bool(value, key);
                break;
            case "owner":
                image.Owner = OptionalString(value, key) ?? "";
                break;
            case "tags":
                if (value is not JsonArray tags || tags.Any(t => t is not JsonValue tv || tv.GetValueKind() != JsonValueKind.String))
                {
                    throw OpenStackFault.BadRequest($"Provided object does not match schema 'image': {value?.ToJsonString() ?? "None"} is not of type 'array' of strings ('tags').");
                }

                image.Tags.Clear();
                foreach (var tag in tags.Select(t => t!.GetValue<string>()).Distinct(StringComparer.Ordinal))
                {
                    image.Tags.Add(tag);
                }

                break;
            default:
                image.Properties[key] = OptionalString(value, key)
                    ?? throw OpenStackFault.BadRequest($"Provided object does not match schema 'image': None is not of type 'string' ('{key}').");
                break;
        }
    }

    private static void CheckWritable(string key)
    {
        if (ReadOnly.Contains(key))
        {
            throw OpenStackFault.Forbidden($"Attribute '{key}' is read-only.");
        }

        if (Reserved.Contains(key))
        {
            throw OpenStackFault.Forbidden($"Attribute '{key}' is reserved.");
        }
    }

    private static async Task CreateAsync(HttpContext context, GlanceState state)
    {
        var caller = context.Caller();
        var body = await ReadAsync(context);
        var id = RegionContext.NewId();
        if (body["id"] is { } idNode)
        {
            id = OptionalString(idNode, "id") is { } given && Guid.TryParse(given, out _)
                ? given
                : throw OpenStackFault.BadRequest($"Provided object does not match schema 'image': {idNode.ToJsonString()} does not match '^([0-9a-fA-F]){{8}}-([0-9a-fA-F]){{4}}-([0-9a-fA-F]){{4}}-([0-9a-fA-F]){{4}}-([0-9a-fA-F]){{12}}$'");
        }

        var image = new GlanceImage(id, caller.ProjectId, state.Region.Time.GetUtcNow());
        foreach (var (key, value) in body)
        {
            if (key == "id")
            {
                continue;
            }

            CheckWritable(key);
            if (key == "owner" && !caller.IsAdmin)
            {
                // Glance lets only admins create images for another project.
                if (OptionalString(value, key) is { } owner && owner != caller.ProjectId)
                {
                    throw OpenStackFault.Forbidden("You are not permitted to create images owned by '" + owner + "'.");
                }

                continue;
            }

            SetAttribute(image, caller, key, value);
        }

        JsonObject json;
        lock (state.Sync)
        {
            if (state.Contains(id))
            {
                throw OpenStackFault.Conflict($"Image with identifier {id} already exists!");
            }

            state.Add(image);
            json = image.ToJson();
        }

        context.Response.Headers.Location = "/v2/images/" + id;
        await RegionHttp.WriteJsonAsync(context, 201, json);
    }

    private static async Task PatchAsync(HttpContext context, GlanceState state, string id)
    {
        var caller = context.Caller();
        var contentType = context.Request.ContentType ?? "";
        if (!contentType.StartsWith("application/openstack-images-v2.1-json-patch", StringComparison.OrdinalIgnoreCase)
            && !contentType.StartsWith("application/openstack-images-v2.0-json-patch", StringComparison.OrdinalIgnoreCase))
        {
            throw new OpenStackFault(415, $"Unsupported Content-Type '{contentType}'; use application/openstack-images-v2.1-json-patch.");
        }

        var v20 = contentType.StartsWith("application/openstack-images-v2.0-json-patch", StringComparison.OrdinalIgnoreCase);
        var operations = await ReadJsonAsync(context) as JsonArray ?? throw OpenStackFault.BadRequest("Request body must be a JSON array of operation objects.");

        JsonObject json;
        lock (state.Sync)
        {
            var image = Owned(state, caller, id, "modify_image");
            foreach (var node in operations)
            {
                // v2.1: {"op": "replace", "path": "/name", "value": ...}; v2.0: {"replace": "/name", "value": ...}.
                if (node is JsonObject legacy && !legacy.ContainsKey("op") && ((string[])["add", "replace", "remove"]).FirstOrDefault(legacy.ContainsKey) is { } legacyOp)
                {
                    legacy["op"] = legacyOp;
                    legacy["path"] = legacy[legacyOp]?.DeepClone();
                }

                if (node is not JsonObject op || OptionalString(op["op"], "op") is not { } kind || OptionalString(op["path"], "path") is not { } path)
                {
                    throw OpenStackFault.BadRequest("Operation objects must contain exactly one member named \"op\" and \"path\".");
                }

                var segments = path.TrimStart('/').Split('/');
                var key = segments[0].Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
                if (key.Length == 0)
                {
                    throw OpenStackFault.BadRequest($"Json path should start with a '/', end with no '/', no 2 subsequent '/' are allowed ('{path}').");
                }

                CheckWritable(key);
                if (key == "owner" && !caller.IsAdmin)
                {
                    throw OpenStackFault.Forbidden("You are not permitted to modify 'owner' on this image.");
                }

                switch (kind)
                {
                    case "add" when key == "tags" && segments.Length == 2 && segments[1] == "-":
                        var tag = OptionalString(op["value"], "tags") ?? throw OpenStackFault.BadRequest("Tag must be a string.");
                        if (!image.Tags.Contains(tag))
                        {
                            image.Tags.Add(tag);
                        }

                        break;
                    case "add" or "replace":
                        if (!op.ContainsKey("value"))
                        {
                            throw OpenStackFault.BadRequest($"Operation \"{kind}\" requires a member named \"value\".");
                        }

                        if (kind == "replace" && !IsCore(key) && !image.Properties.ContainsKey(key))
                        {
                            throw OpenStackFault.Conflict($"Property {key} does not exist.");
                        }

                        // The v2.0 patch dialect refuses "add" over an existing property; v2.1 overwrites.
                        if (kind == "add" && v20 && (IsCore(key) || image.Properties.ContainsKey(key)))
                        {
                            throw OpenStackFault.Conflict($"Property {key} already present.");
                        }

                        SetAttribute(image, caller, key, op["value"]?.DeepClone());
                        break;
                    case "remove":
                        if (IsCore(key))
                        {
                            throw OpenStackFault.Forbidden($"Property {key} may not be removed.");
                        }

                        if (!image.Properties.Remove(key))
                        {
                            throw OpenStackFault.Conflict($"Property {key} does not exist.");
                        }

                        break;
                    default:
                        throw OpenStackFault.BadRequest($"Operation objects must contain exactly one member named \"op\" (one of add, remove, replace); got '{kind}'.");
                }
            }

            image.UpdatedAt = state.Region.Time.GetUtcNow();
            json = image.ToJson();
        }

        await RegionHttp.WriteJsonAsync(context, 200, json);
    }

    private static bool IsCore(string key) =>
        key is "name" or "visibility" or "container_format" or "disk_format" or "min_disk" or "min_ram" or "protected" or "os_hidden" or "owner" or "tags";

    private static Task DeleteAsync(HttpContext context, GlanceState state, string id)
    {
        var caller = context.Caller();
        lock (state.Sync)
        {
            var image = Owned(state, caller, id, "delete_image");
            if (image.Protected)
            {
                throw OpenStackFault.Forbidden($"Image {id} is protected and cannot be deleted.");
            }

            state.Remove(id);
        }

        context.Response.StatusCode = 204;
        return Task.CompletedTask;
    }

    private static async Task UploadAsync(HttpContext context, GlanceState state, string id)
    {
        var caller = context.Caller();
        var contentType = context.Request.ContentType ?? "";
        if (!contentType.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            throw new OpenStackFault(415, $"Content type {contentType} not supported. Use application/octet-stream.");
        }

        lock (state.Sync)
        {
            var image = Owned(state, caller, id, "upload_image");
            if (image.Status != "queued")
            {
                throw OpenStackFault.Conflict($"Image status transition from {image.Status} to saving is not allowed");
            }

            if (image.DiskFormat is null || image.ContainerFormat is null)
            {
                throw OpenStackFault.BadRequest("Properties disk_format, container_format must be set prior to saving data.");
            }

            image.Status = "saving";
        }

        byte[] data;
        try
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            data = buffer.ToArray();
        }
        catch
        {
            lock (state.Sync)
            {
                if (state.Get(id) is { Status: "saving" } image)
                {
                    image.Status = "queued";
                }
            }

            throw;
        }

        lock (state.Sync)
        {
            if (state.Get(id) is not { } image)
            {
                throw OpenStackFault.Conflict($"Image {id} could not be found after upload. The image may have been deleted during the upload.");
            }

            image.SetData(data, state.Region.Time.GetUtcNow());
        }

        context.Response.StatusCode = 204;
    }

    private static async Task DownloadAsync(HttpContext context, GlanceState state, string id)
    {
        var caller = context.Caller();
        byte[]? data;
        string? checksum;
        lock (state.Sync)
        {
            var image = Visible(state, caller, id);
            data = image.Data;
            checksum = image.Checksum;
        }

        if (data is null)
        {
            // Glance answers 204 No Content for an image without data.
            context.Response.StatusCode = 204;
            return;
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = data.Length;
        context.Response.Headers["Content-MD5"] = checksum;
        await context.Response.Body.WriteAsync(data, context.RequestAborted);
    }

    private static Task TagAsync(HttpContext context, GlanceState state, string id, bool add)
    {
        var caller = context.Caller();
        var tag = (string)context.Request.RouteValues["tag"]!;
        lock (state.Sync)
        {
            var image = Owned(state, caller, id, "modify_image");
            if (add)
            {
                if (!image.Tags.Contains(tag))
                {
                    image.Tags.Add(tag);
                }
            }
            else if (!image.Tags.Remove(tag))
            {
                throw OpenStackFault.NotFound($"Tag {tag} not found.");
            }

            image.UpdatedAt = state.Region.Time.GetUtcNow();
        }

        context.Response.StatusCode = 204;
        return Task.CompletedTask;
    }

    private static async Task ListAsync(HttpContext context, GlanceState state)
    {
        var caller = context.Caller();
        var query = context.Request.Query;
        var limit = 25;
        if (query.TryGetValue("limit", out var limitText))
        {
            if (!int.TryParse(limitText, NumberStyles.Integer, CultureInfo.InvariantCulture, out limit))
            {
                throw OpenStackFault.BadRequest("limit param must be an integer");
            }

            if (limit < 0)
            {
                throw OpenStackFault.BadRequest("limit param must be positive");
            }

            limit = Math.Min(limit, 1000);
        }

        var sort = new List<(string Key, bool Desc)>();
        if (query.TryGetValue("sort", out var sortText))
        {
            if (query.ContainsKey("sort_key") || query.ContainsKey("sort_dir"))
            {
                throw OpenStackFault.BadRequest("The 'sort' parameter cannot be combined with 'sort_key' or 'sort_dir'.");
            }

            foreach (var part in sortText.ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var pieces = part.Split(':');
                sort.Add((SortKey(pieces[0]), pieces.Length > 1 && SortDesc(pieces[1])));
            }
        }
        else
        {
            var keys = query["sort_key"].Where(k => !string.IsNullOrEmpty(k)).Select(k => SortKey(k!)).ToList();
            var dirs = query["sort_dir"].Select(d => SortDesc(d!)).ToList();
            for (var i = 0; i < keys.Count; i++)
            {
                sort.Add((keys[i], i < dirs.Count ? dirs[i] : dirs.Count == 1 ? dirs[0] : true));
            }
        }

        if (sort.Count == 0)
        {
            sort.Add(("created_at", true));
        }

        if (!sort.Any(s => s.Key == "id"))
        {
            sort.Add(("id", sort[^1].Desc));
        }

        var visibility = query["visibility"].ToString();
        if (visibility.Length > 0 && visibility != "all" && !GlanceState.Visibilities.Contains(visibility))
        {
            throw OpenStackFault.BadRequest($"Invalid visibility value: {visibility}");
        }

        long? sizeMin = Long(query, "size_min");
        long? sizeMax = Long(query, "size_max");
        var tags = query["tag"].Where(t => !string.IsNullOrEmpty(t)).Select(t => t!).ToList();
        var hidden = query["os_hidden"].ToString() is "true" or "True";

        JsonArray images;
        string? nextMarker = null;
        lock (state.Sync)
        {
            IEnumerable<GlanceImage> candidates = state.All.Where(i => i.VisibleTo(caller.ProjectId, caller.IsAdmin));
            candidates = visibility switch
            {
                "" => candidates.Where(i => caller.IsAdmin || i.Visibility != "community" || i.Owner == caller.ProjectId),
                "all" => candidates,
                _ => candidates.Where(i => i.Visibility == visibility),
            };
            candidates = candidates.Where(i => i.Hidden == hidden);
            candidates = Filter(candidates, query, "name", i => i.Name);
            candidates = Filter(candidates, query, "status", i => i.Status);
            candidates = Filter(candidates, query, "owner", i => i.Owner);
            candidates = Filter(candidates, query, "container_format", i => i.ContainerFormat);
            candidates = Filter(candidates, query, "disk_format", i => i.DiskFormat);
            candidates = Filter(candidates, query, "id", i => i.Id);
            candidates = candidates.Where(i => tags.All(i.Tags.Contains));
            if (sizeMin is { } min)
            {
                candidates = candidates.Where(i => i.Size >= min);
            }

            if (sizeMax is { } max)
            {
                candidates = candidates.Where(i => i.Size <= max);
            }

            if (query["protected"].ToString() is { Length: > 0 } protectedText)
            {
                candidates = candidates.Where(i => i.Protected == protectedText is "true" or "True");
            }

            var sorted = candidates.ToList();
            sorted.Sort((a, b) =>
            {
                foreach (var (key, desc) in sort)
                {
                    var c = Compare(a, b, key);
                    if (c != 0)
                    {
                        return desc ? -c : c;
                    }
                }

                return 0;
            });

            var start = 0;
            if (query["marker"].ToString() is { Length: > 0 } marker)
            {
                var index = sorted.FindIndex(i => i.Id == marker);
                if (index < 0)
                {
                    throw OpenStackFault.BadRequest("Invalid marker. Image could not be found.");
                }

                start = index + 1;
            }

            var page = sorted.Skip(start).Take(limit).ToList();
            if (page.Count > 0 && page.Count == limit)
            {
                nextMarker = page[^1].Id;
            }

            images = new JsonArray([.. page.Select(i => (JsonNode)i.ToJson())]);
        }

        // Glance's "first" and "next" repeat the request's own parameters (less the marker).
        var parameters = new StringBuilder();
        foreach (var (key, values) in query)
        {
            if (key == "marker")
            {
                continue;
            }

            foreach (var value in values)
            {
                parameters.Append(Uri.EscapeDataString(key)).Append('=').Append(Uri.EscapeDataString(value ?? "")).Append('&');
            }
        }

        var result = new JsonObject
        {
            ["images"] = images,
            ["first"] = parameters.Length == 0 ? "/v2/images" : "/v2/images?" + parameters.ToString(0, parameters.Length - 1),
            ["schema"] = "/v2/schemas/images",
        };
        if (nextMarker is not null)
        {
            parameters.Append("marker=").Append(nextMarker);
            result["next"] = "/v2/images?" + parameters;
        }

        await RegionHttp.WriteJsonAsync(context, 200, result);
    }

    private static long? Long(IQueryCollection query, string key)
    {
        var text = query[key].ToString();
        if (text.Length == 0)
        {
            return null;
        }

        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw OpenStackFault.BadRequest($"Invalid value for {key}: {text}");
    }

    private static IEnumerable<GlanceImage> Filter(IEnumerable<GlanceImage> images, IQueryCollection query, string key, Func<GlanceImage, string?> field)
    {
        var text = query[key].ToString();
        if (text.Length == 0)
        {
            return images;
        }

        // Glance's "in:a,b" operator, and plain equality.
        if (text.StartsWith("in:", StringComparison.Ordinal))
        {
            var set = text[3..].Split(',').ToHashSet(StringComparer.Ordinal);
            return images.Where(i => field(i) is { } v && set.Contains(v));
        }

        var wanted = text.StartsWith("eq:", StringComparison.Ordinal) ? text[3..] : text;
        return images.Where(i => field(i) == wanted);
    }

    private static string SortKey(string key) =>
        SortKeys.Contains(key) ? key : throw OpenStackFault.BadRequest($"Invalid sort key: {key}. It must be one of the following: {string.Join(", ", SortKeys)}.");

    private static bool SortDesc(string dir) => dir switch
    {
        "asc" => false,
        "desc" => true,
        _ => throw OpenStackFault.BadRequest($"Invalid sort direction: {dir}"),
    };

    private static int Compare(GlanceImage a, GlanceImage b, string key) => key switch
    {
        "name" => string.CompareOrdinal(a.Name, b.Name),
        "status" => string.CompareOrdinal(a.Status, b.Status),
        "container_format" => string.CompareOrdinal(a.ContainerFormat, b.ContainerFormat),
        "disk_format" => string.CompareOrdinal(a.DiskFormat, b.DiskFormat),
        "size" => Nullable.Compare(a.Size, b.Size),
        "created_at" => a.CreatedAt.CompareTo(b.CreatedAt),
        "updated_at" => a.UpdatedAt.CompareTo(b.UpdatedAt),
        "min_disk" => a.MinDisk.CompareTo(b.MinDisk),
        "min_ram" => a.MinRam.CompareTo(b.MinRam),
        "visibility" => string.CompareOrdinal(a.Visibility, b.Visibility),
        "owner" => string.CompareOrdinal(a.Owner, b.Owner),
        "protected" => a.Protected.CompareTo(b.Protected),
        _ => string.CompareOrdinal(a.Id, b.Id),
    };

    // A subset of Glance's image schema: what glanceclient and openstackclient read.
    private static JsonObject ImageSchema()
    {
        static JsonObject Prop(string type, string description, bool nullable = false) => new()
        {
            ["type"] = nullable ? new JsonArray("null", type) : type,
            ["description"] = description,
        };

        static JsonObject ReadOnlyProp(string type, string description, bool nullable = false)
        {
            var p = Prop(type, description, nullable);
            p["readOnly"] = true;
            return p;
        }

        static JsonObject Enum(string description, string[] values, bool nullable)
        {
            var list = new JsonArray([.. values.Select(v => (JsonNode)v)]);
            if (nullable)
            {
                list.Add(null);
            }

            return new JsonObject { ["type"] = nullable ? new JsonArray("null", "string") : "string", ["description"] = description, ["enum"] = list };
        }

        return new JsonObject
        {
            ["name"] = "image",
            ["properties"] = new JsonObject
            {
                ["id"] = new JsonObject { ["type"] = "string", ["description"] = "An identifier for the image", ["pattern"] = "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$" },
                ["name"] = new JsonObject { ["type"] = new JsonArray("null", "string"), ["description"] = "Descriptive name for the image", ["maxLength"] = 255 },
                ["status"] = new JsonObject { ["type"] = "string", ["readOnly"] = true, ["description"] = "Status of the image", ["enum"] = new JsonArray("queued", "saving", "active", "killed", "deleted", "uploading", "importing", "pending_delete", "deactivated") },
                ["visibility"] = Enum("Scope of image accessibility", GlanceState.Visibilities, nullable: false),
                ["protected"] = Prop("boolean", "If true, image will not be deletable."),
                ["os_hidden"] = Prop("boolean", "If true, image will not appear in default image list response."),
                ["checksum"] = ReadOnlyProp("string", "md5 hash of image contents.", nullable: true),
                ["os_hash_algo"] = ReadOnlyProp("string", "Algorithm to calculate the os_hash_value", nullable: true),
                ["os_hash_value"] = ReadOnlyProp("string", "Hexdigest of the image contents using the algorithm specified by the os_hash_algo", nullable: true),
                ["owner"] = Prop("string", "Owner of the image", nullable: true),
                ["size"] = ReadOnlyProp("integer", "Size of image file in bytes", nullable: true),
                ["virtual_size"] = ReadOnlyProp("integer", "Virtual size of image in bytes", nullable: true),
                ["container_format"] = Enum("Format of the container", GlanceState.ContainerFormats, nullable: true),
                ["disk_format"] = Enum("Format of the disk", GlanceState.DiskFormats, nullable: true),
                ["created_at"] = ReadOnlyProp("string", "Date and time of image registration"),
                ["updated_at"] = ReadOnlyProp("string", "Date and time of the last image modification"),
                ["tags"] = new JsonObject { ["type"] = "array", ["description"] = "List of strings related to the image", ["items"] = new JsonObject { ["type"] = "string", ["maxLength"] = 255 } },
                ["direct_url"] = ReadOnlyProp("string", "URL to access the image file kept in external store"),
                ["min_ram"] = Prop("integer", "Amount of ram (in MB) required to boot image."),
                ["min_disk"] = Prop("integer", "Amount of disk space (in GB) required to boot image."),
                ["self"] = ReadOnlyProp("string", "An image self url"),
                ["file"] = ReadOnlyProp("string", "An image file url"),
                ["schema"] = ReadOnlyProp("string", "An image schema url"),
                ["locations"] = new JsonObject { ["type"] = "array", ["description"] = "A set of URLs to access the image file kept in external store", ["items"] = new JsonObject { ["type"] = "object" } },
            },
            ["additionalProperties"] = new JsonObject { ["type"] = "string" },
            ["links"] = new JsonArray(
                new JsonObject { ["rel"] = "self", ["href"] = "{self}" },
                new JsonObject { ["rel"] = "enclosure", ["href"] = "{file}" },
                new JsonObject { ["rel"] = "describedby", ["href"] = "{schema}" }),
        };
    }
}
