using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Tricircle.Hosting;

/// <summary>
/// Checks a body against its <see cref="BodySchema"/>, in the order each API checks: Nova's
/// jsonschema reports a bad property before a missing one before an unknown one; Neutron and the
/// Admin API refuse unknown attributes first.
/// </summary>
internal static class BodyValidator
{
    // Nova's parameter_types.boolean, and Neutron's convert_to_boolean ("true"/"false" any case, "1"/"0").
    private static readonly Dictionary<string, bool> Booleans = new(StringComparer.OrdinalIgnoreCase)
    {
        ["true"] = true,
        ["1"] = true,
        ["on"] = true,
        ["yes"] = true,
        ["y"] = true,
        ["t"] = true,
        ["false"] = false,
        ["0"] = false,
        ["off"] = false,
        ["no"] = false,
        ["n"] = false,
        ["f"] = false,
    };

    public static bool? BooleanText(string text) => Booleans.TryGetValue(text.Trim(), out var value) ? value : null;

    /// <summary>Validates <paramref name="root"/> (an object, as the reader made sure) and returns its typed view.</summary>
    public static Body Validate(JsonObject root, BodySchema schema, BodyCheck check)
    {
        var dialect = check.Dialect;
        JsonObject fields;
        if (schema.Wrapper is { } wrapper)
        {
            if (!root.TryGetPropertyValue(wrapper, out var inner))
            {
                throw dialect.NoWrapper(wrapper);
            }

            fields = inner as JsonObject ?? throw dialect.WrapperNotObject(wrapper, inner);
            if (schema.RejectUnknown)
            {
                var extra = root.Select(p => p.Key).Where(k => k != wrapper && !schema.Siblings.Contains(k, StringComparer.Ordinal)).ToList();
                if (extra.Count > 0 && dialect == BodyDialect.Nova)
                {
                    throw dialect.Unknown(wrapper, root, extra, check.Action, atRoot: true);
                }
            }
        }
        else
        {
            fields = root;
        }

        CheckObject(fields, schema, schema.Wrapper ?? "body", check);
        return new Body(root, fields, trim: dialect == BodyDialect.Admin);
    }

    private static void CheckObject(JsonObject obj, BodySchema schema, string where, BodyCheck check)
    {
        var dialect = check.Dialect;
        var unknown = obj.Select(p => p.Key)
            .Where(k => schema.Field(k) is not { } f || !f.Applies(check.Version))
            .Where(k => schema.Other is null || (schema.KeyPattern is { } pattern && !Regex.IsMatch(k, pattern)))
            .ToList();
        var nova = dialect == BodyDialect.Nova;
        if (!nova)
        {
            Refuse(obj, schema, where, check, unknown);
            foreach (var (name, _) in obj)
            {
                if (schema.Field(name) is { } field && !(check.Action == BodyAction.Create ? field.Post : field.Put))
                {
                    throw dialect.NotAllowed(name, check.Action);
                }
            }

            Require(obj, schema, where, check);
        }

        foreach (var (name, value) in obj)
        {
            if (schema.Field(name) is { } field && field.Applies(check.Version))
            {
                CheckValue(field, value, check);
            }
            else if (schema.Other is { } other && (schema.KeyPattern is null || Regex.IsMatch(name, schema.KeyPattern)))
            {
                CheckValue(other with { Name = name }, value, check);
            }
        }

        if (nova)
        {
            Require(obj, schema, where, check);
            Refuse(obj, schema, where, check, unknown);
        }

        if (obj.Count < schema.MinProperties)
        {
            throw dialect.TooFewFields(where, obj, schema.MinProperties);
        }

        foreach (var field in schema.Fields)
        {
            if (field.AdminRule is { } rule && obj.ContainsKey(field.Name) && field.Applies(check.Version) && !check.IsAdmin)
            {
                throw dialect.Denied(rule.Length > 0 ? rule : $"{(check.Action == BodyAction.Create ? "create" : "update")}_{where}:{field.Name}");
            }
        }
    }

    private static void Refuse(JsonObject obj, BodySchema schema, string where, BodyCheck check, List<string> unknown)
    {
        if (schema.RejectUnknown && unknown.Count > 0)
        {
            throw check.Dialect.Unknown(where, obj, unknown, check.Action, atRoot: false);
        }
    }

    private static void Require(JsonObject obj, BodySchema schema, string where, BodyCheck check)
    {
        foreach (var field in schema.Fields)
        {
            if (field.RequiredAt(check.Version) && (check.Action == BodyAction.Create || check.Dialect != BodyDialect.Neutron) && !obj.ContainsKey(field.Name))
            {
                throw check.Dialect.Required(where, obj, field.Name);
            }
        }
    }

    private static void CheckValue(BodyField field, JsonNode? value, BodyCheck check)
    {
        var dialect = check.Dialect;
        var kind = KindOf(value);
        var allowed = field.Kind;
        var ok = kind switch
        {
            JsonValueKind.Null => (allowed & JsonKind.Null) != 0,
            JsonValueKind.String => (allowed & JsonKind.String) != 0
                || ((allowed & JsonKind.IntegerText) != 0 && IsIntegerText(value!.GetValue<string>()))
                || ((allowed & JsonKind.BooleanText) != 0 && BooleanText(value!.GetValue<string>()) is not null),
            JsonValueKind.Number => (allowed & JsonKind.Number) != 0
                || ((allowed & (JsonKind.Integer | JsonKind.IntegerText)) != 0 && IsInteger(value!.AsValue())),
            JsonValueKind.True or JsonValueKind.False => (allowed & (JsonKind.Boolean | JsonKind.BooleanText)) != 0,
            JsonValueKind.Object => (allowed & JsonKind.Object) != 0,
            JsonValueKind.Array => (allowed & JsonKind.Array) != 0,
            _ => false,
        };
        if (!ok)
        {
            throw dialect.Invalid(field, value, BodyProblem.Type);
        }

        switch (value)
        {
            case JsonValue v when kind == JsonValueKind.String && (allowed & JsonKind.String) != 0:
                CheckString(field, v.GetValue<string>(), value, dialect);
                break;
            case JsonArray array:
                CheckArray(field, array, check);
                break;
            case JsonObject obj when field.Properties is { } properties:
                CheckObject(obj, properties, field.Name, check);
                break;
        }

        if ((allowed & (JsonKind.Integer | JsonKind.IntegerText)) != 0 && NumberOf(value, allowed) is { } number)
        {
            if (number < field.Minimum)
            {
                throw dialect.Invalid(field, value, BodyProblem.TooSmall);
            }

            if (number > field.Maximum)
            {
                throw dialect.Invalid(field, value, BodyProblem.TooLarge);
            }
        }
    }

    /// <summary>An integer field's value as a number to compare with its bounds (a double, so that one beyond 64 bits is still "too large").</summary>
    private static double? NumberOf(JsonNode? value, JsonKind allowed) => value switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<double>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.String && (allowed & JsonKind.IntegerText) != 0 && IsIntegerText(v.GetValue<string>()) =>
            double.Parse(v.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture),
        _ => null,
    };

    private static bool IsIntegerText(string text) => Regex.IsMatch(text, @"^\s*[-+]?[0-9]+\s*$");

    private static void CheckString(BodyField field, string text, JsonNode value, BodyDialect dialect)
    {
        // The Admin API trims its strings, and a blank one counts as missing; Python counts code points (an emoji is one).
        var length = dialect == BodyDialect.Admin ? text.Trim().Length : text.EnumerateRunes().Count();
        if (length < field.MinLength)
        {
            throw dialect.Invalid(field, value, BodyProblem.TooShort);
        }

        if (length > field.MaxLength)
        {
            throw dialect.Invalid(field, value, BodyProblem.TooLong);
        }

        if (field.Enum is { } values && !values.Contains(text, StringComparer.Ordinal))
        {
            throw dialect.Invalid(field, value, BodyProblem.NotInEnum);
        }

        if (field.Format is { } format && !HasFormat(format, text))
        {
            throw dialect.Invalid(field, value, BodyProblem.Format);
        }

        if (field.Pattern is { } pattern && !Regex.IsMatch(text, pattern))
        {
            throw dialect.Invalid(field, value, BodyProblem.Pattern);
        }
    }

    private static void CheckArray(BodyField field, JsonArray array, BodyCheck check)
    {
        if (array.Count > field.MaxItems)
        {
            throw check.Dialect.Invalid(field, array, BodyProblem.TooMany);
        }

        if (field.Items is { } items)
        {
            foreach (var item in array)
            {
                CheckValue(items with { Name = field.Name }, item, check);
            }
        }

        if (field.Unique)
        {
            var texts = array.Select(i => i?.ToJsonString() ?? "null").ToList();
            var repeated = texts.GroupBy(t => t, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            if (repeated.Count > 0)
            {
                throw check.Dialect.Invalid(field, JsonValue.Create(string.Join(", ", repeated.Select(r => r.Trim('"')))), BodyProblem.Duplicates);
            }
        }
    }

    private static JsonValueKind KindOf(JsonNode? node) => node?.GetValueKind() ?? JsonValueKind.Null;

    // As Python's json: 1 is an int, 1.0 and 1e3 are floats; an integer beyond 64 bits is still one (too large).
    private static bool IsInteger(JsonValue value) => value.ToJsonString().All(c => char.IsAsciiDigit(c) || c == '-');

    /// <summary>The string formats the declarations use (Nova's format checkers, Neutron's validators).</summary>
    public static bool HasFormat(string format, string text) => format switch
    {
        "uuid" => Guid.TryParse(text, out _),
        "ipv4" => IsAddress(text, AddressFamily.InterNetwork),
        "ipv6" => IsAddress(text, AddressFamily.InterNetworkV6),
        "ip" => IsAddress(text, AddressFamily.InterNetwork) || IsAddress(text, AddressFamily.InterNetworkV6),
        "base64" => IsBase64(text),
        "name" => text.Length == 0 || (!char.IsWhiteSpace(text[0]) && !char.IsWhiteSpace(text[^1]) && text.All(c => !char.IsControl(c))),
        "mac" => Regex.IsMatch(text, "^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$"),
        "cinder-name" or "cinder-description" => StrippedLength(text) <= 255,
        _ => true,
    };

    /// <summary>A string's length as Cinder's <c>*_non_mandatory_remove_white_spaces</c> formats count it: in code points, blanks at either end left out.</summary>
    public static int StrippedLength(string text) => text.Trim().EnumerateRunes().Count();

    // Python's ipaddress and Neutron's validators alike: dotted decimal quads without leading zeros
    // for IPv4 (IPAddress.TryParse would take "1", "1.2", hex or octal), no zone for IPv6.
    private static bool IsAddress(string text, AddressFamily family) =>
        Shared.IpLiteral.TryParse(text, out var address) && address.AddressFamily == family;

    private static bool IsBase64(string text)
    {
        var buffer = new byte[(text.Length * 3 / 4) + 3];
        return Convert.TryFromBase64String(text.Trim(), buffer, out _);
    }
}
