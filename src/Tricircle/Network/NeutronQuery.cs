using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using Tricircle.Errors;

namespace Tricircle.Network;

/// <summary>How an attribute's query-string value is converted before it is compared in SQL.</summary>
internal enum NeutronValueKind
{
    String,
    Bool,
    Int,
}

/// <summary>
/// One attribute of a Neutron collection as the list query sees it: its API name, the SQL
/// expression it is read from (written into the SQL, so never user input), and whether it may
/// be filtered and sorted on. <paramref name="SortExpression"/> is a non-null form of the column
/// (COALESCE) so that keyset paging over it is exact.
/// </summary>
internal sealed record NeutronAttribute(string Name, string Column, NeutronValueKind Kind = NeutronValueKind.String, bool Sortable = true, string? SortExpression = null)
{
    public string SortBy => SortExpression ?? Column;
}

/// <summary>
/// A collection's list schema: the table (<c>FROM</c> text), its id column, the attributes that
/// map to columns, and filters that need their own SQL (<c>tags</c>, <c>fixed_ips</c>...).
/// </summary>
internal sealed class NeutronListSchema(string kind, string from, string idColumn)
{
    private readonly Dictionary<string, NeutronAttribute> _attributes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<IReadOnlyList<string>, NeutronSql, string>> _filters = new(StringComparer.Ordinal);

    /// <summary>The resource name in messages ("Network"): a missing marker is "Network X could not be found.".</summary>
    public string Kind { get; } = kind;

    public string From { get; } = from;

    public string IdColumn { get; } = idColumn;

    public NeutronListSchema Attribute(string name, string column, NeutronValueKind kind = NeutronValueKind.String, bool sortable = true, string? sortExpression = null)
    {
        _attributes[name] = new NeutronAttribute(name, column, kind, sortable, sortExpression);
        return this;
    }

    /// <summary>A filter with its own SQL: gets the values asked for (OR) and returns a condition.</summary>
    public NeutronListSchema Filter(string name, Func<IReadOnlyList<string>, NeutronSql, string> condition)
    {
        _filters[name] = condition;
        return this;
    }

    /// <summary>
    /// Neutron's <c>tags</c>, <c>tags-any</c>, <c>not-tags</c>, <c>not-tags-any</c> filters over
    /// <c>neutron_tags</c> rows of <paramref name="resourceType"/> (comma-separated tag lists).
    /// </summary>
    public NeutronListSchema TagFilters(string resourceType)
    {
        string Tagged(NeutronSql sql, string tag) =>
            $"EXISTS (SELECT 1 FROM neutron_tags t WHERE t.resource_type = {sql.Param(resourceType)} AND t.resource_id = {IdColumn} AND t.tag = {sql.Param(tag)})";

        static IEnumerable<string> Split(IReadOnlyList<string> values) => values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct(StringComparer.Ordinal);

        string All(IReadOnlyList<string> values, NeutronSql sql) => "(" + string.Join(" AND ", Split(values).Select(t => Tagged(sql, t)).DefaultIfEmpty("1=1")) + ")";
        string Any(IReadOnlyList<string> values, NeutronSql sql) => "(" + string.Join(" OR ", Split(values).Select(t => Tagged(sql, t)).DefaultIfEmpty("1=0")) + ")";

        Filter("tags", All);
        Filter("tags-any", Any);
        Filter("not-tags", (v, sql) => "NOT " + All(v, sql));
        Filter("not-tags-any", (v, sql) => "NOT " + Any(v, sql));
        return this;
    }

    public NeutronAttribute? Find(string name) => _attributes.GetValueOrDefault(name);

    public Func<IReadOnlyList<string>, NeutronSql, string>? FindFilter(string name) => _filters.GetValueOrDefault(name);
}

/// <summary>Numbered Dapper parameters for SQL text that is being built.</summary>
internal sealed class NeutronSql
{
    /// <summary>How many values one written-out <c>IN</c> list takes at most (bulk reads split longer ones).</summary>
    public const int InChunk = 500;

    private int _next;

    public DynamicParameters Parameters { get; } = new();

    /// <summary>Adds a parameter and returns its placeholder (<c>@q3</c>).</summary>
    public string Param(object? value)
    {
        var name = "q" + _next++.ToString(CultureInfo.InvariantCulture);
        Parameters.Add(name, value);
        return "@" + name;
    }

    /// <summary><c>column IN (@a, @b)</c> written out (Npgsql cannot expand Dapper's <c>IN @list</c>).</summary>
    public string In(string column, IEnumerable<object?> values)
    {
        var list = values.ToList();
        return list.Count == 0 ? "1=0" : $"{column} IN ({string.Join(", ", list.Select(Param))})";
    }
}

/// <summary>
/// Neutron's list query: equality filters (a repeated key means any of its values), <c>fields</c>,
/// <c>sort_key</c>/<c>sort_dir</c> pairs, and <c>limit</c>/<c>marker</c>/<c>page_reverse</c> paging
/// with <c>{collection}_links</c>. Filtering, sorting and paging happen in SQL (keyset paging
/// from the marker row), so a page costs one query whatever the table size.
/// </summary>
internal sealed class NeutronQuery
{
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal) { "fields", "sort_key", "sort_dir", "limit", "marker", "page_reverse" };

    private NeutronQuery(
        Dictionary<string, IReadOnlyList<string>> filters,
        IReadOnlyList<string> fields,
        IReadOnlyList<(NeutronAttribute Attribute, bool Descending)> sorts,
        int? limit,
        string? marker,
        bool pageReverse)
    {
        Filters = filters;
        Fields = fields;
        Sorts = sorts;
        Limit = limit;
        Marker = marker;
        PageReverse = pageReverse;
    }

    /// <summary>Filters by attribute name; each lists the values any of which matches.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Filters { get; }

    /// <summary>The attributes to answer with; empty means all.</summary>
    public IReadOnlyList<string> Fields { get; }

    public IReadOnlyList<(NeutronAttribute Attribute, bool Descending)> Sorts { get; }

    public int? Limit { get; }

    public string? Marker { get; }

    public bool PageReverse { get; }

    /// <summary>Reads the query string; 400 (HTTPBadRequest) for unknown filters or sort keys and a bad limit.</summary>
    public static NeutronQuery Parse(IQueryCollection query, NeutronListSchema schema)
    {
        var filters = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var unknown = new List<string>();
        foreach (var (key, values) in query)
        {
            if (Reserved.Contains(key))
            {
                continue;
            }

            if (schema.Find(key) is null && schema.FindFilter(key) is null)
            {
                unknown.Add(key);
                continue;
            }

            filters[key] = values.Select(v => v ?? "").ToList();
        }

        if (unknown.Count > 0)
        {
            // As Neutron with filter validation (its default since Rocky).
            throw TricircleException.Invalid($"{PythonList(unknown)} is invalid attribute for filtering", "HTTPBadRequest");
        }

        var fields = query["fields"].Where(f => !string.IsNullOrEmpty(f)).SelectMany(f => f!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct(StringComparer.Ordinal).ToList();

        // As neutron.api.api_common.get_sorts.
        var sortKeys = query["sort_key"].Where(k => !string.IsNullOrEmpty(k)).Select(k => k!).ToList();
        var sortDirs = query["sort_dir"].Where(d => !string.IsNullOrEmpty(d)).Select(d => d!).ToList();
        if (sortDirs.Count != sortKeys.Count)
        {
            throw BadRequest("The number of sort_keys and sort_dirs must be same");
        }

        var badKeys = sortKeys.Where(k => schema.Find(k) is not { Sortable: true }).ToList();
        if (badKeys.Count > 0)
        {
            throw BadRequest($"{PythonList(badKeys)} is invalid attribute for sort_keys");
        }

        var badDirs = sortDirs.Where(d => d is not ("asc" or "desc")).ToList();
        if (badDirs.Count > 0)
        {
            throw BadRequest($"{PythonList(badDirs)} is invalid value for sort_dirs, valid value is 'asc' and 'desc'");
        }

        var sorts = new List<(NeutronAttribute, bool)>();
        for (var i = 0; i < sortKeys.Count; i++)
        {
            if (sorts.All(s => s.Item1.Name != sortKeys[i]))
            {
                sorts.Add((schema.Find(sortKeys[i])!, sortDirs[i] == "desc"));
            }
        }

        // The id ends every order so that paging is total.
        if (sorts.All(s => s.Item1.Name != "id"))
        {
            sorts.Add((schema.Find("id") ?? new NeutronAttribute("id", schema.IdColumn), false));
        }

        int? limit = null;
        var limitText = query["limit"].FirstOrDefault();
        if (limitText is not null)
        {
            // Neutron reads it with Python's int(): an empty one is its 400 too.
            if (!int.TryParse(limitText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) || l < 0)
            {
                throw BadRequest($"Limit must be an integer 0 or greater and not '{limitText}'");
            }

            limit = l == 0 ? null : l;
        }

        var marker = query["marker"].FirstOrDefault();
        var pageReverse = query["page_reverse"].FirstOrDefault() is { } reverse && ParseBool("page_reverse", reverse);
        return new NeutronQuery(filters, fields, sorts, limit, string.IsNullOrEmpty(marker) ? null : marker, pageReverse);
    }

    /// <summary>
    /// Runs the query: <c>SELECT {select} FROM {schema.From} WHERE {visibility} AND filters
    /// ORDER BY ... LIMIT</c>, rows in the asked order. <paramref name="visibility"/> is SQL
    /// built with <paramref name="sql"/>'s parameters (what the caller may see), or null.
    /// </summary>
    public async Task<List<T>> ListAsync<T>(DbConnection connection, NeutronListSchema schema, string select, string? visibility, NeutronSql sql, CancellationToken cancellationToken)
    {
        var conditions = new List<string>();
        if (visibility is not null)
        {
            conditions.Add("(" + visibility + ")");
        }

        foreach (var (key, values) in Filters)
        {
            conditions.Add(FilterCondition(schema, key, values, sql));
        }

        var sorts = Sorts.Select(s => (s.Attribute, Descending: s.Descending ^ PageReverse)).ToList();
        if (Marker is not null)
        {
            var markerWhere = $"{schema.IdColumn} = {sql.Param(Marker)}" + (visibility is null ? "" : $" AND ({visibility})");
            var markerSelect = string.Join(", ", sorts.Select((s, i) => $"{s.Attribute.SortBy} AS m{i}"));
            var row = (IDictionary<string, object?>?)await connection.QueryFirstOrDefaultAsync(new CommandDefinition(
                $"SELECT {markerSelect} FROM {schema.From} WHERE {markerWhere}", sql.Parameters, cancellationToken: cancellationToken))
                ?? throw NeutronErrors.NotFound(schema.Kind, Marker);

            // Rows strictly after the marker in the sort order: (k0 > m0) OR (k0 = m0 AND k1 > m1) ...
            var keyset = new List<string>();
            for (var i = 0; i < sorts.Count; i++)
            {
                var parts = new List<string>();
                for (var j = 0; j < i; j++)
                {
                    parts.Add($"{sorts[j].Attribute.SortBy} = {sql.Param(row["m" + j.ToString(CultureInfo.InvariantCulture)])}");
                }

                parts.Add($"{sorts[i].Attribute.SortBy} {(sorts[i].Descending ? "<" : ">")} {sql.Param(row["m" + i.ToString(CultureInfo.InvariantCulture)])}");
                keyset.Add("(" + string.Join(" AND ", parts) + ")");
            }

            conditions.Add("(" + string.Join(" OR ", keyset) + ")");
        }

        var text = new StringBuilder($"SELECT {select} FROM {schema.From}");
        if (conditions.Count > 0)
        {
            text.Append(" WHERE ").Append(string.Join(" AND ", conditions));
        }

        text.Append(" ORDER BY ").Append(string.Join(", ", sorts.Select(s => s.Attribute.SortBy + (s.Descending ? " DESC" : " ASC"))));
        if (Limit is { } limit)
        {
            text.Append(" LIMIT ").Append(limit.ToString(CultureInfo.InvariantCulture));
        }

        var rows = (await connection.QueryAsync<T>(new CommandDefinition(text.ToString(), sql.Parameters, cancellationToken: cancellationToken))).ToList();
        if (PageReverse)
        {
            rows.Reverse();
        }

        return rows;
    }

    /// <summary>
    /// The answer: <c>{collection: [...]}</c> with only the asked <c>fields</c>, and
    /// <c>{collection}_links</c> when a limit was given (as neutron.api.api_common does).
    /// </summary>
    public JsonObject Respond(HttpContext context, string collection, IReadOnlyList<JsonObject> items)
    {
        var response = new JsonObject { [collection] = new JsonArray([.. items.Select(i => (JsonNode)Project(i, Fields))]) };
        if (Limit is { } limit)
        {
            // An empty page has links too, without a marker: the previous page of an empty last
            // page is the last page (a client walks back from there, as Neutron's own tests do).
            var links = new JsonArray();
            if (!(items.Count < limit && !PageReverse))
            {
                links.Add(new JsonObject { ["rel"] = "next", ["href"] = Href(context, limit, items.Count > 0 ? (string)items[^1]["id"]! : null, false) });
            }

            if (!(items.Count < limit && PageReverse))
            {
                links.Add(new JsonObject { ["rel"] = "previous", ["href"] = Href(context, limit, items.Count > 0 ? (string)items[0]["id"]! : null, true) });
            }

            response[collection + "_links"] = links;
        }

        return response;
    }

    /// <summary>Only the <paramref name="fields"/> asked for (all when none); for show as well as list.</summary>
    public static JsonObject Project(JsonObject item, IReadOnlyCollection<string> fields)
    {
        if (fields.Count == 0)
        {
            return item;
        }

        var projected = new JsonObject();
        foreach (var field in fields)
        {
            if (item.TryGetPropertyValue(field, out var value))
            {
                projected[field] = value?.DeepClone();
            }
        }

        return projected;
    }

    /// <summary>The <c>fields</c> of a show request (<c>GET /networks/{id}?fields=name</c>).</summary>
    public static IReadOnlyList<string> FieldsOf(IQueryCollection query) =>
        query["fields"].Where(f => !string.IsNullOrEmpty(f)).SelectMany(f => f!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Neutron's booleans in query strings and bodies: true/false/1/0 in any case.</summary>
    public static bool ParseBool(string name, string value) => value.ToLowerInvariant() switch
    {
        "true" or "1" => true,
        "false" or "0" => false,
        _ => throw NeutronErrors.InvalidInput($"'{value}' is not a valid boolean value for {name}"),
    };

    private static string FilterCondition(NeutronListSchema schema, string key, IReadOnlyList<string> values, NeutronSql sql)
    {
        if (schema.FindFilter(key) is { } custom)
        {
            return custom(values, sql);
        }

        var attribute = schema.Find(key)!;
        var alternatives = new List<string>();
        var hasNull = false;
        var typed = new List<object?>();
        foreach (var value in values)
        {
            if (value.Length == 0 || value == "None")
            {
                // An empty value matches what is unset, as Neutron's filters on nullable columns.
                hasNull = true;
                if (attribute.Kind == NeutronValueKind.String)
                {
                    typed.Add("");
                }

                continue;
            }

            typed.Add(attribute.Kind switch
            {
                NeutronValueKind.Bool => ParseBool(key, value),
                NeutronValueKind.Int => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
                    ? n
                    : throw NeutronErrors.InvalidInput($"'{value}' is not an integer for {key}"),
                _ => value,
            });
        }

        if (typed.Count > 0)
        {
            alternatives.Add(sql.In(attribute.Column, typed));
        }

        if (hasNull)
        {
            alternatives.Add($"{attribute.Column} IS NULL");
        }

        return "(" + string.Join(" OR ", alternatives) + ")";
    }

    private static string Href(HttpContext context, int limit, string? marker, bool reverse)
    {
        var request = context.Request;
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
            builder.Append("&marker=").Append(Uri.EscapeDataString(marker));
        }

        if (reverse)
        {
            builder.Append("&page_reverse=True");
        }

        var path = request.Path.Value ?? "";
        var at = path.IndexOf("/v2.0/", StringComparison.Ordinal);
        return NetworkApi.Url(context, (at >= 0 ? path[(at + "/v2.0/".Length)..] : path.TrimStart('/')) + "?" + builder);
    }

    private static TricircleException BadRequest(string message) => TricircleException.Invalid(message, "HTTPBadRequest");

    private static string PythonList(IEnumerable<string> values) => "[" + string.Join(", ", values.Select(v => $"'{v}'")) + "]";
}
