using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Tricircle.Differential;

/// <summary>How closely two answers must agree.</summary>
public enum Compare
{
    /// <summary>Status, headers, every field and its value (after <see cref="AnswerComparison.Normalize"/>).</summary>
    Exact,

    /// <summary>Status, headers, every field and its JSON kind: for answers whose values depend on what else is in the cloud.</summary>
    Shape,
}

/// <summary>
/// Compares a region's own answer with Tricircle's, ignoring only what must differ: ids and
/// request ids, links' host and port, timestamps, the side's name prefix and availability zone,
/// and fields named in <c>ignore</c>. Errors are compared by status, error type and code (Nova's
/// and Cinder's messages carry ids and wording nobody parses).
/// </summary>
public static partial class AnswerComparison
{
    /// <summary>Fields whose values are the pod's business on either side (compared by kind only).</summary>
    private static readonly HashSet<string> AlwaysByKind = new(StringComparer.Ordinal)
    {
        "availability_zone", "OS-EXT-AZ:availability_zone", "hostId", "host_id", "zoneName",
        "os-vol-host-attr:host", "OS-EXT-SRV-ATTR:host", "OS-EXT-SRV-ATTR:hypervisor_hostname",
        "OS-EXT-SRV-ATTR:instance_name", "progress", "consumes_quota", "os-vol-tenant-attr:tenant_id",

        // Database ids (a keypair's integer, say): each side's own.
        "id",
    };

    /// <summary>Headers a client reads, compared by value (after normalising); request ids by presence.</summary>
    private static readonly string[] ValueHeaders = ["OpenStack-API-Version", "X-OpenStack-Nova-API-Version"];

    public static List<string> Differences(DifferentialAnswer direct, DifferentialTarget directSide, DifferentialAnswer through, DifferentialTarget throughSide, Compare compare, IReadOnlySet<string> ignore)
    {
        var differences = new List<string>();
        if (direct.Status != through.Status)
        {
            differences.Add($"status {direct.Status} directly, {through.Status} through Tricircle ({Excerpt(through.Text)})");
            return differences;
        }

        foreach (var header in ValueHeaders)
        {
            var d = NormalizeHeader(header, direct.Header(header));
            var t = NormalizeHeader(header, through.Header(header));
            if (d != t)
            {
                differences.Add($"header {header}: '{d}' directly, '{t}' through Tricircle");
            }
        }

        // A body's type matters; an empty 202's (Nova writes one) does not.
        if (direct.Text.Length > 0 || through.Text.Length > 0)
        {
            var d = NormalizeHeader("Content-Type", direct.Header("Content-Type"));
            var t = NormalizeHeader("Content-Type", through.Header("Content-Type"));
            if (d != t)
            {
                differences.Add($"header Content-Type: '{d}' directly, '{t}' through Tricircle");
            }
        }

        var vary = (VaryTokens(direct.Header("Vary")), VaryTokens(through.Header("Vary")));
        if (vary.Item1 != vary.Item2)
        {
            differences.Add($"header Vary: '{vary.Item1}' directly, '{vary.Item2}' through Tricircle");
        }

        foreach (var header in (string[])["x-openstack-request-id", "x-compute-request-id", "Location"])
        {
            // A request id Tricircle adds where the service has none (Nova's version document) harms no client.
            if ((direct.Header(header) is null) != (through.Header(header) is null) && !(header == "x-openstack-request-id" && direct.Header(header) is null))
            {
                differences.Add($"header {header}: {(direct.Header(header) is null ? "absent" : "present")} directly, {(through.Header(header) is null ? "absent" : "present")} through Tricircle");
            }
        }

        if (direct.Header("x-compute-request-id") is { } dc && through.Header("x-compute-request-id") is { } tc
            && (dc == direct.Header("x-openstack-request-id")) != (tc == through.Header("x-openstack-request-id")))
        {
            differences.Add("header x-compute-request-id: equal to x-openstack-request-id on one side only");
        }

        if ((direct.Body is null) != (through.Body is null))
        {
            differences.Add($"body: {(direct.Body is null ? "not JSON" : "JSON")} directly, {(through.Body is null ? "not JSON" : "JSON")} through Tricircle ({Excerpt(through.Text)})");
            return differences;
        }

        if (direct.Body is null || through.Body is null)
        {
            return differences;
        }

        if (direct.Status >= 400)
        {
            CompareError(direct.Body, through.Body, differences);
            return differences;
        }

        CompareNode("", direct.Body, directSide, through.Body, throughSide, compare, ignore, differences);
        return differences;
    }

    private static void CompareError(JsonNode direct, JsonNode through, List<string> differences)
    {
        var d = direct as JsonObject;
        var t = through as JsonObject;
        var dType = d?.Count == 1 ? d.First().Key : null;
        var tType = t?.Count == 1 ? t.First().Key : null;
        if (dType != tType)
        {
            differences.Add($"error type '{dType}' directly, '{tType}' through Tricircle ({Excerpt(through.ToJsonString())})");
            return;
        }

        var dCode = dType is null ? null : d![dType]?["code"]?.ToJsonString();
        var tCode = tType is null ? null : t![tType]?["code"]?.ToJsonString();
        if (dCode != tCode)
        {
            differences.Add($"error code {dCode} directly, {tCode} through Tricircle");
        }
    }

    private static void CompareNode(string path, JsonNode? direct, DifferentialTarget directSide, JsonNode? through, DifferentialTarget throughSide, Compare compare, IReadOnlySet<string> ignore, List<string> differences)
    {
        switch (direct, through)
        {
            case (JsonObject d, JsonObject t):
                foreach (var key in d.Select(p => p.Key).Where(k => !t.ContainsKey(k) && !Ignored(k, ignore)))
                {
                    differences.Add($"{Join(path, key)}: missing through Tricircle");
                }

                foreach (var key in t.Select(p => p.Key).Where(k => !d.ContainsKey(k) && !Ignored(k, ignore)))
                {
                    differences.Add($"{Join(path, key)}: only through Tricircle");
                }

                foreach (var (key, value) in d)
                {
                    if (!t.TryGetPropertyValue(key, out var other) || ignore.Contains(key))
                    {
                        continue;
                    }

                    var byKind = compare == Compare.Shape || AlwaysByKind.Contains(key);
                    CompareNode(Join(path, key), value, directSide, other, throughSide, byKind ? Compare.Shape : compare, ignore, differences);
                }

                break;
            case (JsonArray d, JsonArray t):
                if (compare == Compare.Exact)
                {
                    if (d.Count != t.Count)
                    {
                        differences.Add($"{path}: {d.Count} items directly, {t.Count} through Tricircle");
                        break;
                    }

                    for (var i = 0; i < d.Count; i++)
                    {
                        CompareNode($"{path}[{i}]", d[i], directSide, t[i], throughSide, compare, ignore, differences);
                    }
                }
                else if (d.Count > 0 && t.Count > 0)
                {
                    CompareNode(path + "[0]", d[0], directSide, t[0], throughSide, compare, ignore, differences);
                }

                break;
            default:
                var dKind = Kind(direct);
                var tKind = Kind(through);
                if (dKind != tKind)
                {
                    differences.Add($"{path}: {dKind} {Excerpt(direct?.ToJsonString())} directly, {tKind} {Excerpt(through?.ToJsonString())} through Tricircle");
                }
                else if (dKind == "number" && direct!.GetValue<decimal>() == through!.GetValue<decimal>())
                {
                    // 1.0 and 1 are the same number to every client.
                }
                else if (compare == Compare.Exact && direct is JsonValue && through is JsonValue)
                {
                    var d = Normalize(direct.ToJsonString(), directSide);
                    var t = Normalize(through.ToJsonString(), throughSide);
                    if (d != t)
                    {
                        differences.Add($"{path}: {Excerpt(d)} directly, {Excerpt(t)} through Tricircle");
                    }
                }

                break;
        }
    }

    /// <summary>A value with what must differ between the sides replaced by placeholders.</summary>
    public static string Normalize(string value, DifferentialTarget side)
    {
        var text = value.Replace(side.Prefix, "<name>", StringComparison.Ordinal);
        text = UrlHost().Replace(text, "<url>");
        text = Query().Replace(text, m => "?" + string.Join("&", m.Groups[1].Value.Split("\\u0026").SelectMany(p => p.Split('&')).Order(StringComparer.Ordinal)));
        text = RequestId().Replace(text, "<request-id>");
        text = Uuid().Replace(text, "<id>");
        text = Timestamp().Replace(text, "<time>");
        return text.Replace("\"" + side.AvailabilityZone + "\"", "\"<az>\"", StringComparison.Ordinal);
    }

    private static string? NormalizeHeader(string name, string? value) =>
        value is null ? null
        : name == "Content-Type" ? value.Split(';')[0].Trim().ToLowerInvariant()
        : value.Trim();

    private static string VaryTokens(string? vary) =>
        vary is null ? "" : string.Join(",", vary.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(v => v.ToLowerInvariant()).Order(StringComparer.Ordinal));

    private static string Kind(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.Number => "number",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            _ => "null",
        },
        _ => "?",
    };

    /// <summary>A key named by a pattern ending in '*' (a prefix) may be on one side only: it names what each side has its own of.</summary>
    private static bool Ignored(string key, IReadOnlySet<string> ignore) =>
        ignore.Any(i => i.EndsWith('*') && key.StartsWith(i[..^1], StringComparison.Ordinal));

    private static string Join(string path, string key) => path.Length == 0 ? key : path + "." + key;

    public static string Excerpt(string? text) =>
        text is null ? "null" : text.Length <= 160 ? text : text[..160].ToString(CultureInfo.InvariantCulture) + "…";

    [GeneratedRegex(@"https?://[^/""\s]+")]
    private static partial Regex UrlHost();

    /// <summary>A link's query (in JSON text, '&amp;' may be escaped): its order is the writer's choice.</summary>
    [GeneratedRegex(@"\?([^""\s#]*)")]
    private static partial Regex Query();

    [GeneratedRegex(@"req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial Regex RequestId();

    [GeneratedRegex(@"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", RegexOptions.IgnoreCase)]
    private static partial Regex Uuid();

    [GeneratedRegex(@"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?")]
    private static partial Regex Timestamp();
}
