using System.Globalization;
using System.Net;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tricircle.Hardening.Fuzz;

/// <summary>How an OpenStack API parses booleans.</summary>
internal enum BoolStyle
{
    /// <summary>JSON true/false only (jsonschema "boolean"; Glance; Tricircle's Admin API).</summary>
    Strict,

    /// <summary>Nova's <c>parameter_types.boolean</c>: true/false or the strings true, 1, on, yes (any case) and their opposites.</summary>
    Nova,

    /// <summary>
    /// Cinder's <c>parameter_types.boolean</c>: an enum of true/false and the strings True, TRUE,
    /// true, 1, ON, On, on, YES, Yes, yes, y, t and their opposites, exactly (so "tRUE", "T" and "Y"
    /// are refused; strutils.bool_from_string, which took any case, is not what the schema checks).
    /// </summary>
    Cinder,

    /// <summary>
    /// Neutron's <c>convert_to_boolean</c>, which is oslo's <c>bool_from_string(strict=True)</c>:
    /// true/false, the integers 0 and 1, the strings true/false/1/0/on/off/yes/no/y/n/t/f in any
    /// case and with spaces around (strutils strips them).
    /// </summary>
    Neutron,
}

/// <summary>
/// What OpenStack's own schema says about one request field: <see cref="Violates"/> is true when
/// a value is one every real service refuses with a 400 (so a 2xx for it is a finding), false when
/// it is valid, null when it depends (ids that must exist, formats the schema does not pin down).
/// </summary>
internal abstract record FieldRule(string Says)
{
    public abstract bool? Violates(string rawJson);

    /// <summary>The raw JSON text parsed (null when it is not JSON: a broken value is not judged).</summary>
    protected static JsonNode? Parse(string rawJson, out bool ok)
    {
        try
        {
            ok = true;
            return JsonNode.Parse(rawJson);
        }
        catch (JsonException)
        {
            ok = false;
            return null;
        }
    }

    protected static JsonValueKind Kind(JsonNode? node) => node?.GetValueKind() ?? JsonValueKind.Null;

    /// <summary>The string a JSON string holds, or null (also when it cannot be read: lone surrogates).</summary>
    protected static string? Text(JsonNode? node)
    {
        if (Kind(node) != JsonValueKind.String)
        {
            return null;
        }

        try
        {
            return node!.GetValue<string>();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}

/// <summary>A string of <c>Min</c>..<c>Max</c> characters (null allowed when <c>Nullable</c>).</summary>
internal sealed record StrRule(int Min, int Max, bool Nullable)
    : FieldRule($"a string of {Min} to {Max} characters{(Nullable ? " or null" : "")}")
{
    public override bool? Violates(string rawJson)
    {
        var node = Parse(rawJson, out var ok);
        if (!ok)
        {
            return null;
        }

        var kind = Kind(node);
        if (kind == JsonValueKind.Null)
        {
            return !Nullable;
        }

        if (kind != JsonValueKind.String)
        {
            return true;
        }

        var text = Text(node);
        if (text is null)
        {
            return null; // a lone surrogate: judged by its own class
        }

        // Python counts code points; a surrogate pair is one.
        var length = text.EnumerateRunes().Count();
        return length < Min || length > Max;
    }
}

/// <summary>An integer in [<c>Min</c>, <c>Max</c>] (no upper bound when null): a JSON integer, or a string of digits when <c>Strings</c>.</summary>
internal sealed record IntRule(BigInteger Min, BigInteger? Max, bool Strings = true, bool Nullable = false, bool BoolsAmbiguous = false, bool PythonInt = false)
    : FieldRule($"an integer from {Min} to {(Max is null ? "any" : Max.Value.ToString(CultureInfo.InvariantCulture))}{(Strings ? " (or its digits as a string)" : "")}{(Nullable ? " or null" : "")}")
{
    public const long Int32Max = int.MaxValue;

    public override bool? Violates(string rawJson)
    {
        var node = Parse(rawJson, out var ok);
        if (!ok)
        {
            return null;
        }

        string digits;
        switch (Kind(node))
        {
            case JsonValueKind.Null:
                return !Nullable;
            case JsonValueKind.True or JsonValueKind.False:
                return BoolsAmbiguous ? null : true;
            case JsonValueKind.Number:
                digits = rawJson.Trim();
                break;
            case JsonValueKind.String when Strings:
                digits = Text(node) ?? "";
                break;
            default:
                return true;
        }

        if (digits.Contains('.', StringComparison.Ordinal) || digits.Contains('e', StringComparison.OrdinalIgnoreCase))
        {
            // 1.0 is an integer to some validators and not to others; 1.5 and 1e400 are never one.
            return double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) && d == Math.Floor(d) ? null : true;
        }

        if (PythonInt && Kind(node) == JsonValueKind.String)
        {
            // Python's int(): surrounding whitespace, a '+', '_' between digits and any Unicode digit are fine.
            if (digits.Any(c => c > 127 || c == '_'))
            {
                return null;
            }

            digits = digits.Trim().TrimStart('+');
        }

        if (!BigInteger.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || digits.Length == 0 || digits.Trim() != digits)
        {
            return true;
        }

        return value < Min || (Max is { } max && value > max);
    }
}

/// <summary>A boolean in one API's spelling.</summary>
internal sealed record BoolRule(BoolStyle Style) : FieldRule($"a boolean ({Style} style)")
{
    private static readonly string[] CinderBooleans =
    [
        "True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes", "y", "t",
        "False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no", "n", "f",
    ];

    public bool Nullable { get; init; }

    public override bool? Violates(string rawJson)
    {
        var node = Parse(rawJson, out var ok);
        if (!ok)
        {
            return null;
        }

        switch (Kind(node))
        {
            case JsonValueKind.True or JsonValueKind.False:
                return false;
            case JsonValueKind.Null when Nullable:
                return false;
            case JsonValueKind.Number when Style == BoolStyle.Neutron:
                return rawJson.Trim() is not ("0" or "1");
            case JsonValueKind.String when Style != BoolStyle.Strict:
                if (Style == BoolStyle.Cinder)
                {
                    return Text(node) is { } exact ? !CinderBooleans.Contains(exact, StringComparer.Ordinal) : null;
                }

                var text = Style == BoolStyle.Neutron ? Text(node)?.Trim().ToLowerInvariant() : Text(node)?.ToLowerInvariant();
                string[] accepted = Style switch
                {
                    BoolStyle.Neutron => ["true", "false", "1", "0", "on", "off", "yes", "no", "y", "n", "t", "f"],
                    _ => ["true", "false", "1", "0", "on", "off", "yes", "no"],
                };
                return text is null ? null : !accepted.Contains(text, StringComparer.Ordinal);
            default:
                return true;
        }
    }
}

/// <summary>One of some strings.</summary>
internal sealed record EnumRule(string[] Values, bool Nullable = false) : FieldRule($"one of {string.Join(", ", Values)}")
{
    public override bool? Violates(string rawJson)
    {
        var node = Parse(rawJson, out var ok);
        if (!ok)
        {
            return null;
        }

        var kind = Kind(node);
        if (kind == JsonValueKind.Null)
        {
            return !Nullable;
        }

        if (kind != JsonValueKind.String)
        {
            return true;
        }

        return Text(node) is { } text ? !Values.Contains(text, StringComparer.Ordinal) : null;
    }
}

/// <summary>A JSON container (object or array) of the right kind.</summary>
internal sealed record ShapeRule(JsonValueKind Shape, bool Nullable = false, string[]? OrStrings = null)
    : FieldRule($"{(Shape == JsonValueKind.Object ? "an object" : "a list")}{(OrStrings is null ? "" : " or one of " + string.Join(", ", OrStrings))}")
{
    public override bool? Violates(string rawJson)
    {
        var node = Parse(rawJson, out var ok);
        if (!ok)
        {
            return null;
        }

        var kind = Kind(node);
        if (kind == JsonValueKind.Null)
        {
            return !Nullable;
        }

        if (kind == JsonValueKind.String && OrStrings is not null)
        {
            return Text(node) is { } text ? !OrStrings.Contains(text, StringComparer.Ordinal) : null;
        }

        return kind != Shape;
    }
}

/// <summary>An IP address string of one family (Nova's accessIPv4/accessIPv6 formats).</summary>
internal sealed record IpRule(int Version) : FieldRule($"an IPv{Version} address")
{
    public override bool? Violates(string rawJson)
    {
        var node = Parse(rawJson, out var ok);
        if (!ok)
        {
            return null;
        }

        if (Kind(node) != JsonValueKind.String)
        {
            return true;
        }

        var text = Text(node);
        if (text is null or "")
        {
            return null; // Nova's own handling of an empty address differs by release
        }

        return !(IPAddress.TryParse(text, out var address) && address.AddressFamily == (Version == 4 ? System.Net.Sockets.AddressFamily.InterNetwork : System.Net.Sockets.AddressFamily.InterNetworkV6)
            && (Version == 6 || text.Count(c => c == '.') == 3));
    }
}

/// <summary>A value of one of some JSON kinds (a Nova flavor extra spec: string, number or boolean, 1..255 characters as a string).</summary>
internal sealed record ScalarRule(int MaxLength) : FieldRule($"a string (up to {MaxLength}), number or boolean")
{
    public override bool? Violates(string rawJson)
    {
        var node = Parse(rawJson, out var ok);
        if (!ok)
        {
            return null;
        }

        return Kind(node) switch
        {
            JsonValueKind.String => Text(node) is { } text ? text.EnumerateRunes().Count() > MaxLength : null,
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => false,
            _ => true,
        };
    }
}

/// <summary>Shorthands for the catalogue.</summary>
internal static class Rules
{
    public static readonly BigInteger Int32Max = int.MaxValue;

    public static FieldRule Str(int min = 0, int max = 255, bool nullable = false) => new StrRule(min, max, nullable);

    public static FieldRule Int(long min, long? max = int.MaxValue, bool strings = true, bool nullable = false) =>
        new IntRule(min, max is null ? null : new BigInteger(max.Value), strings, nullable);

    /// <summary>Neutron's convert_to_int: Python's int(True) is 1, so booleans are not judged.</summary>
    public static FieldRule NeutronInt(long min, long max, bool nullable = false) => new IntRule(min, max, true, nullable, BoolsAmbiguous: true, PythonInt: true);

    /// <summary>An integer read with Python's int(str(value)) (Cinder's validate_integer).</summary>
    public static FieldRule PythonInt(long min, long max = int.MaxValue) => new IntRule(min, max, true, PythonInt: true);

    public static FieldRule Bool(BoolStyle style) => new BoolRule(style);

    public static FieldRule OneOf(params string[] values) => new EnumRule(values);

    public static readonly FieldRule ObjectShape = new ShapeRule(JsonValueKind.Object);

    public static readonly FieldRule ListShape = new ShapeRule(JsonValueKind.Array);

    /// <summary>Neutron's convert_none_to_empty_list and *_or_none validators: null is an empty list.</summary>
    public static readonly FieldRule NullableList = new ShapeRule(JsonValueKind.Array, Nullable: true);

    public static readonly FieldRule Ipv4 = new IpRule(4);

    public static readonly FieldRule Ipv6 = new IpRule(6);
}
