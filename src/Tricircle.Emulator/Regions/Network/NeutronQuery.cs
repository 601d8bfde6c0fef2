using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Tricircle.Emulator.Regions.Network;

/// <summary>Neutron's list features: equality filters, <c>fields</c>, sorting, <c>limit</c>/<c>marker</c> paging with links.</summary>
internal static class NeutronQuery
{
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal) { "fields", "sort_key", "sort_dir", "limit", "marker", "page_reverse" };

    /// <summary>Filters, sorts and pages <paramref name="items"/> (already what the caller may see) into <c>{"networks": [...], "networks_links": [...]}</c>.</summary>
    public static JsonObject List(HttpRequest request, string collection, IEnumerable<JsonObject> items)
    {
        var query = request.Query;
        IEnumerable<JsonObject> result = items;
        foreach (var (key, values) in query)
        {
            if (Reserved.Contains(key))
            {
                continue;
            }

            var wanted = values.Where(v => v is not null).Select(v => v!).ToList();
            if (key is "tags" or "tags-any" or "not-tags" or "not-tags-any")
            {
                var tags = wanted.SelectMany(w => w.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToList();
                Func<JsonObject, bool> has = key.EndsWith("any", StringComparison.Ordinal)
                    ? item => tags.Any(t => Tagged(item, t))
                    : item => tags.All(t => Tagged(item, t));
                result = key.StartsWith("not-", StringComparison.Ordinal) ? result.Where(i => !has(i)) : result.Where(has);
                continue;
            }

            result = result.Where(item => item.ContainsKey(key) && wanted.Any(w => Matches(item[key], w)));
        }

        // As neutron.api.api_common.get_sorts.
        var sortKeys = query["sort_key"].Where(k => !string.IsNullOrEmpty(k)).Select(k => k!).ToList();
        var sortDirs = query["sort_dir"].Where(d => !string.IsNullOrEmpty(d)).Select(d => d!).ToList();
        if (sortDirs.Count != sortKeys.Count)
        {
            throw OpenStackFault.BadRequest("The number of sort_keys and sort_dirs must be same");
        }

        int? limit = null;
        if (query.TryGetValue("limit", out var limitText) && !string.IsNullOrEmpty(limitText))
        {
            if (!int.TryParse(limitText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) || l < 0)
            {
                throw OpenStackFault.BadRequest($"Invalid input for limit. Reason: '{limitText}' is not a valid integer.");
            }

            limit = l == 0 ? null : l;
        }

        var marker = query["marker"].FirstOrDefault();
        var pageReverse = string.Equals(query["page_reverse"].FirstOrDefault(), "true", StringComparison.OrdinalIgnoreCase);

        var list = result.ToList();
        var absent = list.Count > 0 ? sortKeys.Where(k => !list[0].ContainsKey(k)).ToList() : [];
        if (absent.Count > 0)
        {
            throw OpenStackFault.BadRequest($"{PythonList(absent)} is invalid attribute for sort_keys");
        }

        var invalidDirs = sortDirs.Where(d => d is not ("asc" or "desc")).ToList();
        if (invalidDirs.Count > 0)
        {
            throw OpenStackFault.BadRequest($"{PythonList(invalidDirs)} is invalid value for sort_dirs, valid value is 'asc' and 'desc'");
        }

        var keys = sortKeys.Select((k, i) => (Key: k, Desc: i < sortDirs.Count && sortDirs[i] == "desc")).ToList();
        if (keys.Count > 0 || limit is not null || marker is not null)
        {
            if (!keys.Any(k => k.Key == "id"))
            {
                keys.Add(("id", false));
            }

            list.Sort((a, b) => Compare(a, b, keys));
        }

        if (pageReverse)
        {
            list.Reverse();
        }

        if (marker is not null)
        {
            var at = list.FindIndex(i => (string?)i["id"] == marker);
            if (at < 0)
            {
                throw OpenStackFault.NotFound($"Marker {marker} could not be found.", "MarkerNotFound");
            }

            list = list.Skip(at + 1).ToList();
        }

        if (limit is not null)
        {
            list = list.Take(limit.Value).ToList();
        }

        if (pageReverse)
        {
            list.Reverse();
        }

        var fields = query["fields"].Where(f => !string.IsNullOrEmpty(f)).Select(f => f!).ToList();
        var array = new JsonArray(list.Select(i => (JsonNode)Project(i, fields)).ToArray());
        var response = new JsonObject { [collection] = array };
        if (limit is not null)
        {
            response[collection + "_links"] = Links(request, list, limit.Value, pageReverse);
        }

        return response;
    }

    /// <summary>Only the <c>fields</c> asked for (all when none).</summary>
    public static JsonObject Project(JsonObject item, IReadOnlyCollection<string> fields)
    {
        if (fields.Count == 0)
        {
            return item;
        }

        var projected = new JsonObject();
        foreach (var field in fields.Distinct(StringComparer.Ordinal))
        {
            if (item.TryGetPropertyValue(field, out var value))
            {
                projected[field] = value?.DeepClone();
            }
        }

        return projected;
    }

    // As neutron.api.api_common.get_pagination_links.
    private static JsonArray Links(HttpRequest request, List<JsonObject> items, int limit, bool pageReverse)
    {
        // An empty page has its links too, without a marker.
        var links = new JsonArray();
        if (!(items.Count < limit && !pageReverse))
        {
            links.Add(new JsonObject { ["rel"] = "next", ["href"] = Href(request, limit, items.Count > 0 ? (string)items[^1]["id"]! : null, false) });
        }

        if (!(items.Count < limit && pageReverse))
        {
            links.Add(new JsonObject { ["rel"] = "previous", ["href"] = Href(request, limit, items.Count > 0 ? (string)items[0]["id"]! : null, true) });
        }

        return links;
    }

    private static string Href(HttpRequest request, int limit, string? marker, bool reverse)
    {
        var builder = new StringBuilder();
        foreach (var (key, values) in request.Query)
        {
            if (key is "limit" or "marker" or "page_reverse")
            {
                continue;
            }

            foreach (var value in values)
            {
                builder.Append(Uri.EscapeDataString(key)).Append('=').Append(Uri.EscapeDataString(value ?? "")).Append('&');
            }
        }

        builder.Append("limit=").Append(limit.ToString(CultureInfo.InvariantCulture));
        if (marker is not null)
        {
            builder.Append("&marker=").Append(marker);
        }

        if (reverse)
        {
            builder.Append("&page_reverse=True");
        }

        return $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}?{builder}";
    }

    private static int Compare(JsonObject a, JsonObject b, List<(string Key, bool Desc)> keys)
    {
        foreach (var (key, desc) in keys)
        {
            var c = CompareValues(a[key], b[key]);
            if (c != 0)
            {
                return desc ? -c : c;
            }
        }

        return 0;
    }

    private static int CompareValues(JsonNode? a, JsonNode? b)
    {
        if (a is null || b is null)
        {
            return a is null ? (b is null ? 0 : -1) : 1;
        }

        if (a.GetValueKind() == JsonValueKind.Number && b.GetValueKind() == JsonValueKind.Number)
        {
            return a.GetValue<double>().CompareTo(b.GetValue<double>());
        }

        return string.CompareOrdinal(Text(a), Text(b));
    }

    private static string Text(JsonNode node) => node.GetValueKind() switch
    {
        JsonValueKind.String => node.GetValue<string>(),
        JsonValueKind.True => "True",
        JsonValueKind.False => "False",
        _ => node.ToJsonString(),
    };

    private static string PythonList(IEnumerable<string> values) => "[" + string.Join(", ", values.Select(v => $"'{v}'")) + "]";

    private static bool Tagged(JsonObject item, string tag) => item["tags"] is JsonArray tags && tags.Any(t => (string?)t == tag);

    private static bool Matches(JsonNode? value, string wanted)
    {
        if (value is null)
        {
            return wanted.Length == 0 || wanted == "None";
        }

        switch (value.GetValueKind())
        {
            case JsonValueKind.True:
            case JsonValueKind.False:
                return NeutronBody.TryBool(JsonValue.Create(wanted), out var b) && b == (value.GetValueKind() == JsonValueKind.True);
            case JsonValueKind.Array:
                // fixed_ips=ip_address=10.0.0.5 / subnet_id=...; lists (security_groups, tags) match a member.
                if (wanted.Contains('=', StringComparison.Ordinal))
                {
                    var (k, v) = (wanted[..wanted.IndexOf('=', StringComparison.Ordinal)], wanted[(wanted.IndexOf('=', StringComparison.Ordinal) + 1)..]);
                    return value.AsArray().Any(e => e is JsonObject o && o[k] is JsonNode n && Text(n) == v);
                }

                return value.AsArray().Any(e => e is not null && Text(e) == wanted);
            default:
                return Text(value) == wanted;
        }
    }
}
