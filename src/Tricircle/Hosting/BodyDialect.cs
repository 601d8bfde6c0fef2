using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tricircle.Errors;

namespace Tricircle.Hosting;

/// <summary>What is wrong with one field's value.</summary>
internal enum BodyProblem
{
    Type,
    TooShort,
    TooLong,
    TooSmall,
    TooLarge,
    NotInEnum,
    Format,
    Pattern,
    Duplicates,
    TooMany,
}

/// <summary>
/// How an API says that a body is wrong. Nova and Cinder say it as their jsonschema validation
/// does (<c>Invalid input for field/attribute X. Value: V. &lt;reason&gt;</c>), Neutron as its
/// attribute converters and validators do, the Admin API (and the sandbox's control) in its own
/// words. The error shape around the message is <see cref="ApiErrors"/>'.
/// </summary>
internal abstract class BodyDialect
{
    public static readonly BodyDialect Admin = new AdminDialect();

    public static readonly BodyDialect Nova = new NovaDialect();

    public static readonly BodyDialect Neutron = new NeutronDialect();

    /// <summary>The dialect of the API serving the request (Cinder speaks Nova's: both validate with the same jsonschema code).</summary>
    public static BodyDialect Of(HttpContext context) => ApiErrors.RoleOf(context) switch
    {
        ServiceRole.Compute or ServiceRole.Volume => Nova,
        ServiceRole.Network => Neutron,
        _ => Admin,
    };

    public abstract Exception Empty();

    /// <summary>Not JSON, or JSON whose text cannot be a string (invalid UTF-8, a lone surrogate).</summary>
    public abstract Exception Malformed(string detail);

    public virtual Exception UnsupportedMediaType(string contentType) =>
        new ApiException(StatusCodes.Status415UnsupportedMediaType, $"The content type '{contentType}' is not supported; send application/json.");

    /// <summary>
    /// A string holding U+0000. PostgreSQL cannot store it in text, and no OpenStack field means
    /// one (Nova's names refuse control characters): refused on every API and database alike.
    /// </summary>
    public virtual Exception NulCharacter() =>
        Errors.TricircleException.Invalid("Invalid input: a string in the request body holds the NUL character (U+0000).");

    public abstract Exception NotAnObject(JsonNode? root, string? wrapper);

    public abstract Exception NoWrapper(string wrapper);

    public abstract Exception WrapperNotObject(string wrapper, JsonNode? value);

    /// <summary>Keys the declaration does not know, in the object named <paramref name="where"/>.</summary>
    public abstract Exception Unknown(string where, JsonObject obj, IReadOnlyList<string> names, BodyAction action, bool atRoot);

    /// <summary>A known field that this action may not set (Neutron's <c>allow_post</c>/<c>allow_put</c>).</summary>
    public virtual Exception NotAllowed(string field, BodyAction action) => Unknown("", [], [field], action, false);

    public abstract Exception Required(string where, JsonObject obj, string field);

    public abstract Exception TooFewFields(string where, JsonObject obj, int minimum);

    public abstract Exception Invalid(BodyField field, JsonNode? value, BodyProblem problem, string? detail = null);

    /// <summary>The caller may not set the field: a 403 naming the rule.</summary>
    public abstract Exception Denied(string rule);

    /// <summary>A value as Python prints it with <c>%r</c> (<c>'x'</c>, <c>True</c>, <c>None</c>, <c>{'a': 1}</c>), cut short so that a huge value does not make a huge error.</summary>
    public static string Repr(JsonNode? node) => Cut(ReprOf(node));

    /// <summary>A value as Python prints it with <c>%s</c> (a string bare).</summary>
    public static string Str(JsonNode? node) => Cut(node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : ReprOf(node));

    private static string Cut(string text) => text.Length <= 300 ? text : text[..300] + "...";

    private static string ReprOf(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return "None";
            case JsonArray array:
                return "[" + string.Join(", ", array.Select(ReprOf)) + "]";
            case JsonObject obj:
                return "{" + string.Join(", ", obj.Select(p => $"{Quote(p.Key)}: {ReprOf(p.Value)}")) + "}";
            default:
                var value = node.AsValue();
                return value.GetValueKind() switch
                {
                    JsonValueKind.String => Quote(value.GetValue<string>()),
                    JsonValueKind.True => "True",
                    JsonValueKind.False => "False",
                    _ => value.ToJsonString(),
                };
        }
    }

    private static string Quote(string text) => text.Contains('\'', StringComparison.Ordinal) && !text.Contains('"', StringComparison.Ordinal) ? $"\"{text}\"" : $"'{text.Replace("'", "\\'", StringComparison.Ordinal)}'";

    /// <summary>JSON kinds by jsonschema's names (<c>'integer', 'string'</c>).</summary>
    protected static string TypeNames(JsonKind kind)
    {
        var names = new List<string>();
        void Add(JsonKind k, string name)
        {
            if ((kind & k) != 0 && !names.Contains(name))
            {
                names.Add(name);
            }
        }

        Add(JsonKind.Array, "array");
        Add(JsonKind.Boolean, "boolean");
        Add(JsonKind.Integer | JsonKind.IntegerText, "integer");
        Add(JsonKind.Null, "null");
        Add(JsonKind.Number, "number");
        Add(JsonKind.Object, "object");
        Add(JsonKind.String | JsonKind.IntegerText | JsonKind.BooleanText, "string");
        return string.Join(", ", names.Select(n => $"'{n}'"));
    }

    private sealed class NovaDialect : BodyDialect
    {
        public override Exception Empty() => Bad("None is not of type 'object'");

        // Nova's and Cinder's wsgi say no more than this about a body they cannot parse.
        public override Exception Malformed(string detail) => Bad("Malformed request body");

        public override Exception UnsupportedMediaType(string contentType) =>
            new ApiException(StatusCodes.Status415UnsupportedMediaType, $"Invalid content type {contentType}.");

        public override Exception NotAnObject(JsonNode? root, string? wrapper) => Bad($"{Repr(root)} is not of type 'object'");

        public override Exception NoWrapper(string wrapper) => Bad($"'{wrapper}' is a required property");

        public override Exception WrapperNotObject(string wrapper, JsonNode? value) => Field(wrapper, value, $"{Repr(value)} is not of type 'object'");

        public override Exception Unknown(string where, JsonObject obj, IReadOnlyList<string> names, BodyAction action, bool atRoot)
        {
            var reason = $"Additional properties are not allowed ({string.Join(", ", names.Select(n => Repr(n)))} {(names.Count == 1 ? "was" : "were")} unexpected)";
            return atRoot ? Bad(reason) : Field(where, obj, reason);
        }

        public override Exception Required(string where, JsonObject obj, string field) => Field(where, obj, $"'{field}' is a required property");

        public override Exception TooFewFields(string where, JsonObject obj, int minimum) => Field(where, obj, $"{Repr(obj)} does not have enough properties");

        public override Exception Invalid(BodyField field, JsonNode? value, BodyProblem problem, string? detail = null)
        {
            if (problem == BodyProblem.Format && field.Format == "name")
            {
                // Nova's name format raises its own error, which replaces the schema's words.
                return Bad("An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.");
            }

            if (problem == BodyProblem.Format && field.Format is "cinder-name" or "cinder-description" && value is JsonValue stripped)
            {
                // Cinder's checker raises InvalidInput itself (utils.check_string_length), past jsonschema's wording.
                var what = field.Format == "cinder-name" ? "name" : "description";
                return Bad($"Invalid input received: {what} has {BodyValidator.StrippedLength(stripped.GetValue<string>())} characters, more than 255.");
            }

            var shown = Repr(value);
            var reason = problem switch
            {
                BodyProblem.Type when (field.Kind & JsonKind.IntegerText) != 0 && value is JsonValue text && text.GetValueKind() == JsonValueKind.String =>
                    $"{shown} does not match '^-?[0-9]+$'",
                BodyProblem.Type => $"{shown} is not of type {TypeNames(field.Kind)}",
                BodyProblem.TooShort => $"{shown} is too short",
                BodyProblem.TooLong => $"{shown} is too long",
                BodyProblem.TooSmall => $"{Str(value)} is less than the minimum of {field.Minimum}",
                BodyProblem.TooLarge => $"{Str(value)} is greater than the maximum of {field.Maximum}",
                BodyProblem.NotInEnum => $"{shown} is not one of [{string.Join(", ", field.Enum!.Select(e => $"'{e}'"))}]",
                BodyProblem.Format when field.Format == "ip" => $"{shown} is not valid under any of the given schemas",
                BodyProblem.Format => $"{shown} is not a '{field.Format}'",
                BodyProblem.Pattern => $"{shown} does not match '{field.Pattern}'",
                BodyProblem.Duplicates => $"{shown} has non-unique elements",
                _ => $"{shown} is too long",
            };
            return Field(field.Name, value, detail ?? reason);
        }

        public override Exception Denied(string rule) => ApiException.Forbidden($"Policy doesn't allow {rule} to be performed.");

        private static ApiException Field(string path, JsonNode? value, string reason) =>
            Bad($"Invalid input for field/attribute {path}. Value: {Str(value)}. {reason}");

        private static ApiException Bad(string message) => ApiException.BadRequest(message);
    }

    private sealed class NeutronDialect : BodyDialect
    {
        public override Exception Empty() => Bad("Resource body required");

        public override Exception Malformed(string detail) => TricircleException.Invalid("Malformed request body: Cannot understand JSON.", "MalformedRequestBody");

        public override Exception UnsupportedMediaType(string contentType) =>
            new ApiException(StatusCodes.Status415UnsupportedMediaType, $"Unsupported Content-Type: {contentType}", "HTTPUnsupportedMediaType");

        public override Exception NotAnObject(JsonNode? root, string? wrapper) => Bad("Body contains invalid data");

        public override Exception NoWrapper(string wrapper) => Bad($"Unable to find '{wrapper}' in request body");

        public override Exception WrapperNotObject(string wrapper, JsonNode? value) => Bad($"Object '{wrapper}' contains invalid data");

        public override Exception Unknown(string where, JsonObject obj, IReadOnlyList<string> names, BodyAction action, bool atRoot) =>
            Bad($"Unrecognized attribute(s) '{string.Join(", ", names)}'");

        public override Exception NotAllowed(string field, BodyAction action) =>
            Bad(action == BodyAction.Update ? $"Cannot update read-only attribute {field}" : $"Attribute '{field}' not allowed in POST");

        public override Exception Required(string where, JsonObject obj, string field) => Bad($"Failed to parse request. Required attribute '{field}' not specified");

        public override Exception TooFewFields(string where, JsonObject obj, int minimum) => Bad($"Object '{where}' contains invalid data");

        public override Exception Invalid(BodyField field, JsonNode? value, BodyProblem problem, string? detail = null)
        {
            var shown = Str(value);

            // The converters (to integer, to boolean) and the range check with them raise InvalidInput;
            // the other validators say "Invalid input for <attribute>. Reason: ...".
            if (problem == BodyProblem.Type && (field.Kind & (JsonKind.Integer | JsonKind.IntegerText)) != 0)
            {
                return Converter($"'{shown}' is not an integer for {field.Name}");
            }

            if (problem == BodyProblem.Type && (field.Kind & (JsonKind.Boolean | JsonKind.BooleanText)) != 0)
            {
                return Converter($"'{shown}' cannot be converted to boolean for {field.Name}");
            }

            if (problem is BodyProblem.TooSmall or BodyProblem.TooLarge)
            {
                return Converter(problem == BodyProblem.TooSmall
                    ? $"'{shown}' is too small - must be at least '{field.Minimum}' for {field.Name}"
                    : $"'{shown}' is too large - must be no larger than '{field.Maximum}' for {field.Name}");
            }

            var reason = detail ?? problem switch
            {
                BodyProblem.Type when (field.Kind & JsonKind.Array) != 0 => $"'{shown}' is not a list",
                BodyProblem.Type when (field.Kind & JsonKind.Object) != 0 => $"'{shown}' is not a dictionary",
                BodyProblem.Type => $"'{shown}' is not a valid string",
                BodyProblem.TooShort => $"'{shown}' is too short - must be at least {field.MinLength} characters",
                BodyProblem.TooLong => $"'{shown}' exceeds maximum length of {field.MaxLength}",
                BodyProblem.NotInEnum => $"'{shown}' is not in [{string.Join(", ", field.Enum!.Select(e => $"'{e}'"))}]",
                BodyProblem.Format when field.Format == "uuid" => $"'{shown}' is not a valid UUID",
                BodyProblem.Format when field.Format == "mac" => $"'{shown}' is not a valid MAC address",
                BodyProblem.Format => $"'{shown}' is not a valid IP address",
                BodyProblem.Duplicates => $"Duplicate items in the list: '{shown}'",
                BodyProblem.TooMany => $"'{shown}' has too many items",
                _ => $"'{shown}' does not match {field.Pattern}",
            };
            return Bad($"Invalid input for {field.Name}. Reason: {reason}.");
        }

        public override Exception Denied(string rule) => Network.NeutronErrors.PolicyDenied(rule);

        private static ApiException Bad(string message) => new(StatusCodes.Status400BadRequest, message, "HTTPBadRequest");

        private static TricircleException Converter(string message) => Network.NeutronErrors.InvalidInput(message);
    }

    /// <summary>The Admin API's own words (upstream Tricircle checked fields by hand and said little).</summary>
    private sealed class AdminDialect : BodyDialect
    {
        public override Exception Empty() => ApiException.BadRequest("The request body is empty; a JSON object is expected.");

        public override Exception Malformed(string detail) => ApiException.BadRequest($"The request body is not valid JSON ({detail}).");

        public override Exception NotAnObject(JsonNode? root, string? wrapper) =>
            ApiException.BadRequest(wrapper is null ? "The request body must be a JSON object." : $"The request body must be a JSON object with the key '{wrapper}'.");

        public override Exception NoWrapper(string wrapper) => ApiException.BadRequest($"The request body has no '{wrapper}' key.");

        public override Exception WrapperNotObject(string wrapper, JsonNode? value) => ApiException.BadRequest($"'{wrapper}' must be a JSON object.");

        public override Exception Unknown(string where, JsonObject obj, IReadOnlyList<string> names, BodyAction action, bool atRoot) =>
            ApiException.BadRequest($"Unrecognized attribute(s) in '{where}': {string.Join(", ", names)}.");

        public override Exception Required(string where, JsonObject obj, string field) => ApiException.BadRequest($"'{field}' is required and can not be empty.");

        public override Exception TooFewFields(string where, JsonObject obj, int minimum) => ApiException.BadRequest($"'{where}' names no field to change.");

        public override Exception Invalid(BodyField field, JsonNode? value, BodyProblem problem, string? detail = null) => ApiException.BadRequest(detail ?? problem switch
        {
            BodyProblem.Type => $"'{field.Name}' must be {Article(field.Kind)}.",
            BodyProblem.TooShort => $"'{field.Name}' is required and can not be empty.",
            BodyProblem.TooLong => $"'{field.Name}' is longer than {field.MaxLength} characters.",
            BodyProblem.TooSmall => $"'{field.Name}' must be at least {field.Minimum}.",
            BodyProblem.TooLarge => $"'{field.Name}' must be at most {field.Maximum}.",
            BodyProblem.NotInEnum => $"'{field.Name}' must be one of: {string.Join(", ", field.Enum!)}.",
            _ => $"'{field.Name}' is not valid: {Str(value)}.",
        });

        public override Exception Denied(string rule) => ApiException.Forbidden($"Policy doesn't allow {rule} to be performed.");

        private static string Article(JsonKind kind) => kind switch
        {
            _ when (kind & JsonKind.String) != 0 => "a string",
            _ when (kind & (JsonKind.Boolean | JsonKind.BooleanText)) != 0 => "a boolean",
            _ when (kind & (JsonKind.Integer | JsonKind.IntegerText)) != 0 => "an integer",
            _ when (kind & JsonKind.Object) != 0 => "an object",
            _ when (kind & JsonKind.Array) != 0 => "a list",
            _ => "a " + TypeNames(kind).Trim('\''),
        };
    }
}

/// <summary>Where a JSON text went wrong, as the Admin API reports it.</summary>
internal static class JsonErrorPosition
{
    public const string Encoding = "a string in it is not valid UTF-8 text or holds a lone surrogate";

    public static string Of(JsonException e) =>
        string.Create(CultureInfo.InvariantCulture, $"line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}");
}
