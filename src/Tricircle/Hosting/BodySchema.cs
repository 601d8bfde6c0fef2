using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tricircle.Identity;
using Tricircle.Pods;

namespace Tricircle.Hosting;

/// <summary>The JSON kinds a body field may hold (one or several, as a JSON schema's <c>type</c> list).</summary>
[Flags]
internal enum JsonKind
{
    None = 0,
    String = 1,
    Integer = 2,
    Number = 4,
    Boolean = 8,
    Object = 16,
    Array = 32,
    Null = 64,

    /// <summary>A string holding an integer, taken as one (Nova's <c>['integer', 'string']</c> with a digits pattern, Neutron's <c>convert_to_int</c>).</summary>
    IntegerText = 128,

    /// <summary>A string naming a boolean, taken as one (Nova's <c>parameter_types.boolean</c>, Neutron's <c>convert_to_boolean</c>).</summary>
    BooleanText = 256,

    Any = String | Integer | Number | Boolean | Object | Array | Null,
}

/// <summary>Whether a body creates or updates (Neutron's <c>allow_post</c> and <c>allow_put</c> differ).</summary>
internal enum BodyAction
{
    Create,
    Update,
}

/// <summary>
/// One field of a request body, declared as Nova's JSON schemas and Neutron's attribute maps
/// declare theirs: its kinds, whether it must be there, its bounds, the values or format it must
/// have, who may set it and from which microversion on.
/// </summary>
internal sealed record BodyField(string Name, JsonKind Kind)
{
    public bool Required { get; init; }

    /// <summary>Required from this microversion on (Nova's <c>networks</c> from 2.37).</summary>
    public Microversion? RequiredSince { get; init; }

    public long? Minimum { get; init; }

    public long? Maximum { get; init; }

    public int? MinLength { get; init; }

    public int? MaxLength { get; init; }

    public IReadOnlyList<string>? Enum { get; init; }

    /// <summary>
    /// A named string format: <c>uuid</c>, <c>ipv4</c>, <c>ipv6</c>, <c>ip</c> (either),
    /// <c>base64</c>, <c>name</c> (Nova's: printable, no leading or trailing blanks), <c>mac</c>,
    /// <c>cinder-name</c> and <c>cinder-description</c> (Cinder's: up to 255 once stripped of blanks).
    /// </summary>
    public string? Format { get; init; }

    /// <summary>A regular expression the whole string must match (as written in Nova's schemas, anchors included).</summary>
    public string? Pattern { get; init; }

    /// <summary>An admin may set it, others get 403 naming this policy rule (Neutron: <c>create_port:binding:host_id</c>; empty there means <c>{action}_{wrapper}:{field}</c>).</summary>
    public string? AdminRule { get; init; }

    /// <summary>Neutron's <c>allow_post</c> and <c>allow_put</c>.</summary>
    public bool Post { get; init; } = true;

    public bool Put { get; init; } = true;

    /// <summary>The first microversion that knows the field (Nova's and Cinder's schemas per version); before it the field is unknown.</summary>
    public Microversion? Since { get; init; }

    /// <summary>An object's own fields (a nested schema, its unknown-field rule included).</summary>
    public BodySchema? Properties { get; init; }

    /// <summary>What each item of an array must be (its name is the array's, for messages).</summary>
    public BodyField? Items { get; init; }

    /// <summary>An array's items must differ (Neutron's lists of ids and names).</summary>
    public bool Unique { get; init; }

    public int? MaxItems { get; init; }

    public bool Applies(Microversion? version) => Since is null || version is null || version.Value.CompareTo(Since.Value) >= 0;

    public bool RequiredAt(Microversion? version) =>
        Applies(version) && (Required || (RequiredSince is { } since && version is { } v && v.CompareTo(since) >= 0));
}

/// <summary>
/// A request body's declaration: the wrapper key (<c>{"server": {...}}</c>), its fields, and
/// what to do with fields it does not declare. Validated by <see cref="BodyValidator"/> in the
/// API's own words (<see cref="BodyDialect"/>).
/// </summary>
/// <remarks>
/// Hand-written rather than JSON Schema (JsonSchema.Net is served): what a client sees is each
/// API's own wording (Python jsonschema's through Nova's formatting, Neutron's converters and
/// validators, the Admin API's), Neutron's <c>allow_post</c>/<c>allow_put</c> and admin-only
/// attributes are policy rather than schema, and handlers want typed values afterwards; mapping a
/// general validator's results onto all of that would be larger than this.
/// </remarks>
internal sealed class BodySchema(string? wrapper, params BodyField[] fields)
{
    private readonly Dictionary<string, BodyField> _byName = fields.ToDictionary(f => f.Name, StringComparer.Ordinal);

    /// <summary>The key the fields are under; null when they are the body itself (extra specs, a tag list).</summary>
    public string? Wrapper { get; } = wrapper;

    public IReadOnlyList<BodyField> Fields { get; } = fields;

    /// <summary>Undeclared fields are refused (Nova's <c>additionalProperties: false</c>, Neutron's attribute maps); false lets them through untouched (to a pod that judges them).</summary>
    public bool RejectUnknown { get; init; } = true;

    /// <summary>Keys beside the wrapper that are allowed (Nova's <c>os:scheduler_hints</c>); others are refused when <see cref="RejectUnknown"/>.</summary>
    public IReadOnlyList<string> Siblings { get; init; } = [];

    /// <summary>What every undeclared key's value must be, when any key is allowed (extra specs: keys by <see cref="KeyPattern"/>, values strings of up to 255).</summary>
    public BodyField? Other { get; init; }

    /// <summary>The pattern undeclared keys must match (with <see cref="Other"/>).</summary>
    public string? KeyPattern { get; init; }

    /// <summary>At least this many fields (Nova's and Cinder's <c>minProperties</c>).</summary>
    public int MinProperties { get; init; }

    public BodyField? Field(string name) => _byName.GetValueOrDefault(name);

    /// <summary>
    /// Reads the request's body and checks it against this declaration: the typed view of the
    /// fields, or the API's 400 (403 for an admin-only field) naming what is wrong.
    /// </summary>
    public async Task<Body> ReadAsync(HttpContext context, BodyAction action = BodyAction.Create, Microversion? version = null)
    {
        var root = await RequestBody.ReadObjectAsync(context, Wrapper);
        return Check(context, root, action, version);
    }

    /// <summary>As <see cref="ReadAsync"/>, for a body already read (one of several schemas, chosen by what the body holds; a body peeked before forwarding).</summary>
    public Body Check(HttpContext context, JsonObject root, BodyAction action = BodyAction.Create, Microversion? version = null) =>
        BodyValidator.Validate(root, this, new BodyCheck(BodyDialect.Of(context), context.Features.Get<RequestContext>(), action, version));
}

/// <summary>Who asks, how and in which API: what a validation needs besides the body.</summary>
internal sealed record BodyCheck(BodyDialect Dialect, RequestContext? Caller, BodyAction Action, Microversion? Version)
{
    public bool IsAdmin => Caller?.IsAdmin ?? false;
}

/// <summary>
/// A validated body: the whole tree (to forward or edit) and typed reads of its fields, which the
/// schema has already checked (a read cannot fail on a declared field).
/// </summary>
internal sealed class Body(JsonObject root, JsonObject fields, bool trim = false)
{
    /// <summary>Typed reads of an item object of a validated array (a fixed IP, a host route).</summary>
    public static Body Of(JsonObject item) => new(item, item);

    /// <summary>The whole body, e.g. <c>{"server": {...}, "os:scheduler_hints": {...}}</c>.</summary>
    public JsonObject Root { get; } = root;

    /// <summary>The object under the wrapper (the root itself when there is none).</summary>
    public JsonObject Fields { get; } = fields;

    public bool Has(string name) => Fields.ContainsKey(name);

    /// <summary>Present with JSON null.</summary>
    public bool IsNull(string name) => Fields.TryGetPropertyValue(name, out var node) && node is null;

    public JsonNode? Node(string name) => Fields[name];

    /// <summary>A string field (trimmed in the Admin API, which has always taken its strings so).</summary>
    public string? String(string name) => Fields[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? trim ? v.GetValue<string>().Trim() : v.GetValue<string>() : null;

    public long? Long(string name) => AsLong(Fields[name]);

    public int? Int(string name) => Long(name) is { } value ? checked((int)value) : null;

    public double? Double(string name) => Fields[name] is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>() : null;

    public bool? Bool(string name) => AsBool(Fields[name]);

    public JsonObject? Object(string name) => Fields[name] as JsonObject;

    public JsonArray? Array(string name) => Fields[name] as JsonArray;

    public List<string>? Strings(string name) => Array(name)?.Select(i => i!.GetValue<string>()).ToList();

    /// <summary>The value of an item object of an array, read as the schema took it.</summary>
    public static long? AsLong(JsonNode? node) => node is not JsonValue v ? null : v.GetValueKind() switch
    {
        JsonValueKind.Number => v.TryGetValue<long>(out var n) ? n : (long)v.GetValue<double>(),
        JsonValueKind.String => long.TryParse(v.GetValue<string>().Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) ? parsed : null,
        _ => null,
    };

    public static bool? AsBool(JsonNode? node) => node is not JsonValue v ? null : v.GetValueKind() switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => BodyValidator.BooleanText(v.GetValue<string>()),
        JsonValueKind.Number => v.GetValue<double>() != 0,
        _ => null,
    };
}
