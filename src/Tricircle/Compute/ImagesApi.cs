using System.Text.Json.Nodes;
using Tricircle.Hosting;
using Tricircle.Image;
using Tricircle.Pods;

namespace Tricircle.Compute;

/// <summary>
/// Nova's image proxy (<c>/images</c>, deprecated in Nova but used by novaclient-era tools):
/// read-only, answered in Nova's format from the central Glance (<c>[image] glance_region</c>),
/// the same one the image gateway forwards to.
/// </summary>
internal static class ImagesApi
{
    private const string ImageServiceType = "image";

    private static readonly HashSet<string> CoreFields = new(StringComparer.Ordinal)
    {
        "id", "name", "status", "visibility", "protected", "checksum", "owner", "size", "virtual_size", "min_ram", "min_disk",
        "container_format", "disk_format", "created_at", "updated_at", "tags", "self", "file", "schema", "os_hash_algo",
        "os_hash_value", "os_hidden", "direct_url", "locations",
    };

    public static void MapImagesApi(this IEndpointRouteBuilder v21)
    {
        v21.MapGet("/images", (HttpContext context, CentralGlance central, PodClient client) => ListAsync(context, central, client, detail: false));
        v21.MapGet("/images/detail", (HttpContext context, CentralGlance central, PodClient client) => ListAsync(context, central, client, detail: true));
        v21.MapGet("/images/{id}", ShowAsync);
    }

    private static async Task ListAsync(HttpContext context, CentralGlance central, PodClient client, bool detail)
    {
        var caller = ComputeApi.Caller(context);
        var query = context.Request.Query;

        // Nova's filters in Glance's words.
        var glance = new List<string>();
        void Add(string key, string value) => glance.Add($"{key}={Uri.EscapeDataString(value)}");
        foreach (var (key, values) in query)
        {
            var value = values.ToString();
            switch (key)
            {
                case "name" or "limit" or "marker":
                    Add(key, value);
                    break;
                case "status":
                    Add("status", value.ToLowerInvariant());
                    break;
                case "server":
                    Add("instance_uuid", value[(value.LastIndexOf('/') + 1)..]);
                    break;
                case "type":
                    Add("image_type", value);
                    break;
                case "changes-since":
                    Add("updated_at", "gte:" + value);
                    break;
            }
        }

        var minRam = IntQuery(query, "minRam");
        var minDisk = IntQuery(query, "minDisk");
        var (pod, _) = await central.GetAsync(context.RequestAborted);
        var answer = await client.SendJsonAsync(pod, ImageServiceType, HttpMethod.Get, "v2/images" + (glance.Count > 0 ? "?" + string.Join('&', glance) : ""), null, caller.AuthToken, context.RequestAborted);
        var images = new JsonArray();
        var last = "";
        foreach (var image in (answer?["images"] as JsonArray ?? []).OfType<JsonObject>())
        {
            last = image["id"]?.ToString() ?? last;
            if ((minRam is null || Int(image["min_ram"]) >= minRam) && (minDisk is null || Int(image["min_disk"]) >= minDisk))
            {
                images.Add(detail ? View(context, image) : new JsonObject { ["id"] = image["id"]?.DeepClone(), ["name"] = image["name"]?.DeepClone(), ["links"] = Links(context, image) });
            }
        }

        var body = new JsonObject { ["images"] = images };
        if (answer?["next"] is not null && last.Length > 0)
        {
            body["images_links"] = MergedList.NextLinks(ComputeApi.Url(context, detail ? "images/detail" : "images"), query, last);
        }

        await NovaJson.WriteAsync(context, body);
    }

    private static async Task ShowAsync(string id, HttpContext context, CentralGlance central, PodClient client)
    {
        var caller = ComputeApi.Caller(context);
        var (pod, _) = await central.GetAsync(context.RequestAborted);
        JsonNode? image;
        try
        {
            image = await client.SendJsonAsync(pod, ImageServiceType, HttpMethod.Get, "v2/images/" + Uri.EscapeDataString(id), null, caller.AuthToken, context.RequestAborted);
        }
        catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status404NotFound)
        {
            throw ApiException.NotFound("Image not found.");
        }

        await NovaJson.WriteAsync(context, new JsonObject { ["image"] = View(context, image as JsonObject ?? []) });
    }

    private static int? IntQuery(IQueryCollection query, string name) =>
        !query.TryGetValue(name, out var text) ? null
        : int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value
        : throw ApiException.BadRequest($"Invalid {name} filter [{text}]");

    private static int Int(JsonNode? node) => node is JsonValue v && v.TryGetValue<int>(out var i) ? i : 0;

    private static JsonArray Links(HttpContext context, JsonObject image) => NovaJson.Links(context, "images", image["id"]?.ToString() ?? "");

    /// <summary>Nova's image view of a Glance v2 image.</summary>
    private static JsonObject View(HttpContext context, JsonObject image)
    {
        var status = image["status"]?.ToString();
        var metadata = new JsonObject();
        foreach (var (key, value) in image)
        {
            if (!CoreFields.Contains(key))
            {
                metadata[key] = value is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String ? v.DeepClone() : value?.ToJsonString();
            }
        }

        var json = new JsonObject
        {
            ["id"] = image["id"]?.DeepClone(),
            ["name"] = image["name"]?.DeepClone(),
            ["minRam"] = Int(image["min_ram"]),
            ["minDisk"] = Int(image["min_disk"]),
            ["metadata"] = metadata,
            ["created"] = Iso(image["created_at"]),
            ["updated"] = Iso(image["updated_at"]),
            ["status"] = status switch
            {
                "active" => "ACTIVE",
                "queued" or "saving" or "importing" or "uploading" => "SAVING",
                "deleted" or "pending_delete" => "DELETED",
                "killed" => "ERROR",
                _ => "UNKNOWN",
            },
            ["progress"] = status switch { "queued" => 25, "saving" or "importing" or "uploading" => 50, "active" => 100, _ => 0 },
            ["OS-EXT-IMG-SIZE:size"] = image["size"]?.DeepClone(),
            ["links"] = Links(context, image),
        };
        if (metadata["instance_uuid"]?.ToString() is { } server)
        {
            json["server"] = new JsonObject { ["id"] = server, ["links"] = NovaJson.Links(context, "servers", server) };
        }

        return json;
    }

    // Glance says 2026-01-01T00:00:00Z; Nova says the same without fractions.
    private static string? Iso(JsonNode? node) => node?.ToString() is { Length: >= 19 } text ? text[..19] + "Z" : node?.ToString();
}
