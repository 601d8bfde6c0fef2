using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Tricircle.Emulator.Regions.Compute;

/// <summary>
/// Nova v2.1 with microversions 2.1 to <see cref="MaxMinor"/>: every route answers both as
/// <c>/v2.1/…</c> and <c>/v2.1/{project_id}/…</c>; responses carry the microversion headers.
/// </summary>
internal sealed partial class NovaApi(RegionContext region)
{
    public const int MaxMinor = 79;
    private const string MicroversionItem = "nova.microversion";
    private const string ProjectInUrlItem = "nova.project-in-url";

    private NovaState State => region.Compute;

    private static string MaxVersion => "2." + MaxMinor.ToString(CultureInfo.InvariantCulture);

    public static void Map(IEndpointRouteBuilder app, RegionContext region)
    {
        var api = new NovaApi(region);
        app.MapGet("/", VersionsAsync).AllowAnonymous();
        app.MapGet("/v2.1", VersionAsync).AllowAnonymous();
        app.MapGet("/v2", LegacyVersionAsync).AllowAnonymous();
        api.MapFlavors(app);
        api.MapKeypairs(app);
        api.MapServers(app);
        api.MapServerExtras(app);
        api.MapActions(app);
        api.MapServerGroups(app);
        api.MapInstanceActions(app);
        api.MapMisc(app);
    }

    private void Route(IEndpointRouteBuilder app, string method, string pattern, Func<HttpContext, Task> handler)
    {
        Task Run(HttpContext context) => RunAsync(context, handler);
        app.MapMethods("/v2.1" + pattern, [method], Run);
        app.MapMethods("/v2.1/{project_id}" + pattern, [method], Run);
    }

    private static async Task RunAsync(HttpContext context, Func<HttpContext, Task> handler)
    {
        var minor = Negotiate(context);
        var caller = context.Caller();
        if (context.Request.RouteValues.TryGetValue("project_id", out var value) && value is string project)
        {
            if (project != caller.ProjectId)
            {
                throw OpenStackFault.BadRequest($"Malformed request URL: URL's project_id '{project}' doesn't match Context's project_id '{caller.ProjectId}'");
            }

            context.Items[ProjectInUrlItem] = project;
        }

        context.Items[MicroversionItem] = minor;
        await handler(context);
    }

    /// <summary>The requested microversion (minor number of 2.x); headers echo it; 400/406 as Nova.</summary>
    private static int Negotiate(HttpContext context)
    {
        string? requested = null;
        var modern = context.Request.Headers["OpenStack-API-Version"].ToString();
        foreach (var part in modern.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pieces = part.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (pieces.Length == 2 && pieces[0].Equals("compute", StringComparison.OrdinalIgnoreCase))
            {
                requested = pieces[1];
            }
        }

        if (requested is null && context.Request.Headers["X-OpenStack-Nova-API-Version"].ToString() is { Length: > 0 } legacy)
        {
            requested = legacy.Trim();
        }

        var minor = 1;
        if (requested is not null)
        {
            if (requested.Equals("latest", StringComparison.OrdinalIgnoreCase))
            {
                minor = MaxMinor;
            }
            else
            {
                var match = VersionPattern().Match(requested);
                if (!match.Success)
                {
                    throw OpenStackFault.BadRequest($"API Version String {requested} is of invalid format. Must be of format MajorNum.MinorNum.");
                }

                // Python's ints do not overflow: a version past int is just unsupported (406).
                var major = int.TryParse(match.Groups[1].Value, CultureInfo.InvariantCulture, out var m) ? m : int.MaxValue;
                minor = int.TryParse(match.Groups[2].Value, CultureInfo.InvariantCulture, out var n) ? n : int.MaxValue;
                if (major != 2 || minor < 1 || minor > MaxMinor)
                {
                    // Nova keeps the version it refuses on the request, and its fault echoes it.
                    Echo(context, $"{match.Groups[1].Value.TrimStart('0')}.{(match.Groups[2].Value.TrimStart('0') is { Length: > 0 } m2 ? m2 : "0")}");
                    throw new OpenStackFault(406, $"Version {requested} is not supported by the API. Minimum is 2.1 and maximum is {MaxVersion}.");
                }
            }
        }

        Echo(context, "2." + minor.ToString(CultureInfo.InvariantCulture));
        return minor;
    }

    private static void Echo(HttpContext context, string version)
    {
        context.Response.Headers["OpenStack-API-Version"] = "compute " + version;
        context.Response.Headers["X-OpenStack-Nova-API-Version"] = version;
        context.Response.Headers.Vary = "OpenStack-API-Version, X-OpenStack-Nova-API-Version";
    }

    [GeneratedRegex(@"^([1-9]\d*)\.([1-9]\d*|0)$")]
    private static partial Regex VersionPattern();

    private static int Mv(HttpContext context) => (int)context.Items[MicroversionItem]!;

    private static bool AtLeast(HttpContext context, int minor) => Mv(context) >= minor;

    private static void RequireAdmin(HttpContext context, string policy)
    {
        if (!context.Caller().IsAdmin)
        {
            throw OpenStackFault.Forbidden($"Policy doesn't allow os_compute_api:{policy} to be performed.");
        }
    }

    private static string Host(HttpContext context) => context.Request.Scheme + "://" + context.Request.Host.Value;

    /// <summary>self and bookmark links, with the project in them when the request URL had it (as Nova).</summary>
    private static JsonArray Links(HttpContext context, string collection, string id) =>
    [
        new JsonObject { ["rel"] = "self", ["href"] = SelfHref(context, collection, id) },
        new JsonObject { ["rel"] = "bookmark", ["href"] = BookmarkHref(context, collection, id) },
    ];

    private static JsonArray Bookmark(HttpContext context, string collection, string id) =>
        [new JsonObject { ["rel"] = "bookmark", ["href"] = BookmarkHref(context, collection, id) }];

    /// <summary><see cref="Links"/> as a <c>links</c> property of the object being written.</summary>
    private static void WriteLinks(Utf8JsonWriter w, HttpContext context, string collection, string id)
    {
        w.WriteStartArray("links");
        WriteLink(w, "self", SelfHref(context, collection, id));
        WriteLink(w, "bookmark", BookmarkHref(context, collection, id));
        w.WriteEndArray();
    }

    /// <summary><see cref="Bookmark"/> as a <c>links</c> property of the object being written.</summary>
    private static void WriteBookmark(Utf8JsonWriter w, HttpContext context, string collection, string id)
    {
        w.WriteStartArray("links");
        WriteLink(w, "bookmark", BookmarkHref(context, collection, id));
        w.WriteEndArray();
    }

    private static void WriteLink(Utf8JsonWriter w, string rel, string href)
    {
        w.WriteStartObject();
        w.WriteString("rel", rel);
        w.WriteString("href", href);
        w.WriteEndObject();
    }

    private static string SelfHref(HttpContext context, string collection, string id) => $"{Host(context)}/v2.1{ProjectInUrl(context)}/{collection}/{id}";

    private static string BookmarkHref(HttpContext context, string collection, string id) => $"{Host(context)}{ProjectInUrl(context)}/{collection}/{id}";

    private static string ProjectInUrl(HttpContext context) => context.Items[ProjectInUrlItem] is string p ? "/" + p : "";

    private static JsonArray NextLinks(HttpContext context, string path, int limit, string marker)
    {
        var project = ProjectInUrl(context);
        var query = new List<string>();
        foreach (var (key, values) in context.Request.Query)
        {
            if (key is "limit" or "marker")
            {
                continue;
            }

            query.AddRange(values.Select(v => Uri.EscapeDataString(key) + "=" + Uri.EscapeDataString(v ?? "")));
        }

        query.Add("limit=" + limit.ToString(CultureInfo.InvariantCulture));
        query.Add("marker=" + Uri.EscapeDataString(marker));
        return [new JsonObject { ["rel"] = "next", ["href"] = $"{Host(context)}/v2.1{project}/{path}?{string.Join('&', query)}" }];
    }

    private static string? Query(HttpContext context, string name) =>
        context.Request.Query.TryGetValue(name, out var values) && values.Count > 0 ? values[^1] : null;

    private static int? QueryLimit(HttpContext context)
    {
        if (Query(context, "limit") is not { } text)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit))
        {
            throw OpenStackFault.BadRequest($"Invalid input for query parameters limit. Value: {text}. '{text}' does not match '^[0-9]*$'");
        }

        return Math.Min(limit, 1000);
    }

    private static async Task Ok(HttpContext context, JsonNode? body, int status = 200) => await RegionHttp.WriteJsonAsync(context, status, body);

    private static Task NoContent(HttpContext context, int status)
    {
        // As real Nova (webob): a bodiless answer still says application/json.
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return Task.CompletedTask;
    }

    private static string Param(HttpContext context, string name) => (string)context.Request.RouteValues[name]!;

    private static string Iso(DateTimeOffset at) => RegionHttp.Timestamp(at);

    /// <summary>Nova's DB-style timestamps (<c>2026-11-22T10:00:00.000000</c>): os-keypairs, aggregates, services, launched_at.</summary>
    private static string DbTime(DateTimeOffset at) => RegionHttp.CinderTimestamp(at);

    // ---- versions ----

    /// <summary>Nova's <c>versions.py</c>: the legacy v2.0 (SUPPORTED) and v2.1.</summary>
    private static JsonObject VersionDocument(HttpContext context, bool legacy, bool full)
    {
        var version = legacy
            ? new JsonObject
            {
                ["id"] = "v2.0",
                ["status"] = "SUPPORTED",
                ["version"] = "",
                ["min_version"] = "",
                ["updated"] = "2011-01-21T11:33:21Z",
                ["links"] = new JsonArray(new JsonObject { ["rel"] = "self", ["href"] = Host(context) + "/v2/" }),
            }
            : new JsonObject
            {
                ["id"] = "v2.1",
                ["status"] = "CURRENT",
                ["version"] = MaxVersion,
                ["min_version"] = "2.1",
                ["updated"] = "2013-07-23T11:33:21Z",
                ["links"] = new JsonArray(new JsonObject { ["rel"] = "self", ["href"] = Host(context) + "/v2.1/" }),
            };
        if (full)
        {
            version["links"]!.AsArray().Add(new JsonObject { ["rel"] = "describedby", ["type"] = "text/html", ["href"] = "http://docs.openstack.org/" });
            version["media-types"] = new JsonArray(new JsonObject { ["base"] = "application/json", ["type"] = "application/vnd.openstack.compute+json;version=" + (legacy ? "2" : "2.1") });
        }

        return version;
    }

    private static Task VersionsAsync(HttpContext context)
    {
        // Nova serves "/" outside its request-id middleware: no request id on it.
        context.Response.Headers.Remove("x-openstack-request-id");
        context.Response.Headers.Remove("x-compute-request-id");
        return Ok(context, new JsonObject { ["versions"] = new JsonArray(VersionDocument(context, legacy: true, full: false), VersionDocument(context, legacy: false, full: false)) });
    }

    /// <summary>"/v2.1" and "/v2.1/" (both open, as in Zed): a versioned answer.</summary>
    private static Task VersionAsync(HttpContext context)
    {
        Negotiate(context);
        return Ok(context, new JsonObject { ["version"] = VersionDocument(context, legacy: false, full: true) });
    }

    /// <summary>"/v2" and "/v2/": the legacy API answers without microversion headers.</summary>
    private static Task LegacyVersionAsync(HttpContext context) =>
        Ok(context, new JsonObject { ["version"] = VersionDocument(context, legacy: true, full: true) });

    // ---- request body helpers (Nova's jsonschema messages, approximately) ----

    private static async Task<JsonObject> Body(HttpContext context, string key)
    {
        var body = await RegionHttp.ReadObjectAsync(context);
        return body[key] as JsonObject
            ?? throw OpenStackFault.BadRequest($"Invalid input for field/attribute {key}. Value: {body.ToJsonString()}. '{key}' is a required property");
    }

    private static string? OptString(JsonObject body, string key, int maxLength = 255, bool allowEmpty = true)
    {
        var node = body[key];
        if (node is null)
        {
            return null;
        }

        if (node is not JsonValue value || !value.TryGetValue<string>(out var text))
        {
            throw OpenStackFault.BadRequest($"Invalid input for field/attribute {key}. Value: {node.ToJsonString()}. {node.ToJsonString()} is not of type 'string'");
        }

        if (text.Length > maxLength)
        {
            throw OpenStackFault.BadRequest($"Invalid input for field/attribute {key}. Value: {text}. '{text}' is too long");
        }

        if (!allowEmpty && text.Trim().Length == 0)
        {
            throw OpenStackFault.BadRequest($"Invalid input for field/attribute {key}. Value: {text}. '{text}' does not match '^(?! )[\\S ]*(?<! )$'");
        }

        return text;
    }

    private static string ReqString(JsonObject body, string key, string parent, int maxLength = 255) =>
        OptString(body, key, maxLength, allowEmpty: false)
        ?? throw OpenStackFault.BadRequest($"Invalid input for field/attribute {parent}. Value: {body.ToJsonString()}. '{key}' is a required property");

    /// <summary>An integer given as a number or a numeric string (Nova accepts both).</summary>
    private static int? OptInt(JsonObject body, string key, int min, int max = int.MaxValue)
    {
        var node = body[key];
        if (node is null)
        {
            return null;
        }

        int? parsed = null;
        if (node is JsonValue value)
        {
            if (value.TryGetValue<int>(out var number))
            {
                parsed = number;
            }
            else if (value.TryGetValue<string>(out var text) && int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var fromText))
            {
                parsed = fromText;
            }
        }

        if (parsed is null)
        {
            throw OpenStackFault.BadRequest($"Invalid input for field/attribute {key}. Value: {node.ToJsonString()}. {node.ToJsonString()} is not of type 'integer', 'string'");
        }

        if (parsed < min || parsed > max)
        {
            throw OpenStackFault.BadRequest($"Invalid input for field/attribute {key}. Value: {parsed}. {parsed} is {(parsed < min ? "less than the minimum of " + min.ToString(CultureInfo.InvariantCulture) : "greater than the maximum of " + max.ToString(CultureInfo.InvariantCulture))}");
        }

        return parsed;
    }

    private static bool? OptBool(JsonObject body, string key)
    {
        var node = body[key];
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue value)
        {
            if (value.TryGetValue<bool>(out var flag))
            {
                return flag;
            }

            if (value.TryGetValue<string>(out var text))
            {
                switch (text.ToLowerInvariant())
                {
                    case "true" or "1" or "yes" or "on" or "t" or "y":
                        return true;
                    case "false" or "0" or "no" or "off" or "f" or "n":
                        return false;
                }
            }
        }

        throw OpenStackFault.BadRequest($"Invalid input for field/attribute {key}. Value: {node.ToJsonString()}. {node.ToJsonString()} is not of type 'boolean', 'string'");
    }

    private static Dictionary<string, string> StringMap(JsonObject body, string key, bool allowNullValues = false)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (body[key] is null)
        {
            return result;
        }

        if (body[key] is not JsonObject map)
        {
            throw OpenStackFault.BadRequest($"Invalid input for field/attribute {key}. Value: {body[key]!.ToJsonString()}. {body[key]!.ToJsonString()} is not of type 'object'");
        }

        foreach (var (name, node) in map)
        {
            if (name.Length is 0 or > 255)
            {
                throw OpenStackFault.BadRequest($"Invalid input for field/attribute {key}. Value: {map.ToJsonString()}. Metadata keys must be between 1 and 255 characters");
            }

            if (node is null && allowNullValues)
            {
                result[name] = null!;
                continue;
            }

            if (node is not JsonValue value || !value.TryGetValue<string>(out var text) || text.Length > 255)
            {
                throw OpenStackFault.BadRequest($"Invalid input for field/attribute {key}. Value: {map.ToJsonString()}. {(node?.ToJsonString() ?? "None")} is not of type 'string'");
            }

            result[name] = text;
        }

        return result;
    }

    private static void NoExtraKeys(JsonObject body, string parent, params string[] allowed)
    {
        var unexpected = body.Select(p => p.Key).Where(k => !allowed.Contains(k, StringComparer.Ordinal)).ToList();
        if (unexpected.Count > 0)
        {
            throw OpenStackFault.BadRequest($"Invalid input for field/attribute {parent}. Value: {body.ToJsonString()}. Additional properties are not allowed ({string.Join(", ", unexpected.Select(k => $"'{k}'"))} {(unexpected.Count == 1 ? "was" : "were")} unexpected)");
        }
    }
}
