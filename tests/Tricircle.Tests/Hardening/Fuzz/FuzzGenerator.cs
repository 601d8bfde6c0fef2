using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Tricircle.Hardening.Fuzz;

/// <summary>
/// Makes fuzz case number N of a seed: the route is the N-th of the catalogue (round robin, so
/// every operation gets its share), everything else is drawn from a random source seeded with
/// (seed, N) alone, so a case is the same whichever order or concurrency the run has.
/// </summary>
internal static partial class FuzzGenerator
{
    /// <summary>Input classes for operations with a JSON body, by weight.</summary>
    private static readonly (string, int)[] BodyClasses =
    [
        ("valid", 3), ("json-syntax", 10), ("lone-surrogate", 5), ("duplicate-key", 5), ("invalid-utf8", 5), ("deep-nesting", 3), ("non-object", 6),
        ("wrong-type", 19), ("number", 11), ("odd-string", 8), ("fields", 7), ("id", 6), ("query", 3), ("method", 3), ("content-type", 3), ("header", 3),
        ("oversized", 1), ("long-url", 1),
    ];

    /// <summary>Input classes for operations without one.</summary>
    private static readonly (string, int)[] BodylessClasses =
    [
        ("valid", 6), ("id", 28), ("query", 34), ("method", 9), ("content-type", 4), ("header", 12), ("oversized", 2), ("long-url", 5),
    ];

    private static readonly (string, int)[] Callers =
    [
        (nameof(FuzzCaller.Member), 45), (nameof(FuzzCaller.Admin), 35), (nameof(FuzzCaller.Other), 10), (nameof(FuzzCaller.Anonymous), 5), (nameof(FuzzCaller.Forged), 5),
    ];

    /// <summary>World resources that belong to the fuzz project (or its user): another project must neither see nor use them.</summary>
    private static readonly HashSet<string> Owned = new(StringComparer.Ordinal) { "server", "server2", "volume", "volume2", "snapshot", "network", "subnet", "port", "group", "rule", "image", "keypair", "flavor", "router", "floatingip" };

    /// <summary>Path parameters that name a resource (an unknown one must be 404).</summary>
    private static readonly HashSet<string> Resources = new(Owned, StringComparer.Ordinal) { "type", "pod", "binding", "routing", "job", "aggregate" };

    /// <summary>Body fields that refer to another resource, which must exist (and be the caller's).</summary>
    private static readonly HashSet<string> References = new(StringComparer.Ordinal)
    {
        "network_id", "subnet_id", "security_group_id", "remote_group_id", "volume_id", "volumeId", "snapshot_id", "source_volid", "uuid", "imageRef", "flavorRef", "net_id",
        "port_id", "pod_id", "key_name",
    };

    /// <summary>One field of one body set to one value: the systematic part of a run.</summary>
    internal sealed record SweepEntry(FuzzRoute Route, string Path, string Raw, string Class);

    /// <summary>Values every field gets, one of each JSON kind.</summary>
    private static readonly string[] SweepKinds = ["\"fuzz\"", "1", "true", "null", "[]", "{}"];

    /// <summary>Values every numeric field gets: past 2^31 and 2^63, negative, fractional, beyond a double, digits as a string.</summary>
    private static readonly string[] SweepNumbers = ["2147483648", "9223372036854775807", "9223372036854775808", "-1", "-9223372036854775809", "1.5", "1e309", "\"2147483648\"", "0"];

    /// <summary>Values every string field gets: empty, 256 characters, a NUL, a lone surrogate.</summary>
    private static readonly string[] SweepStrings = ["\"\"", FuzzValues.Json(new string('a', 256)), "\"\\u0000\"", "\"\\ud800\""];

    /// <summary>
    /// The sweep: every node of every JSON body (the wrapper too) set to a value of each other JSON
    /// kind, every numeric field to the edge numbers and every string field to the odd strings,
    /// in catalogue order. Cases 0..Count-1 of a run are these; the rest are drawn at random.
    /// </summary>
    public static IReadOnlyList<SweepEntry> Sweep(FuzzWorld world, IReadOnlyList<FuzzRoute> routes)
    {
        var entries = new List<SweepEntry>();
        foreach (var route in routes.Where(r => r.HasJsonBody && !r.BodyIgnored))
        {
            var probe = new Builder(world, route, FuzzCaller.Member, new Random(0), "sweep", 0);
            probe.Prepare();
            foreach (var node in probe.AllNodes())
            {
                foreach (var raw in SweepKinds.Where(v => !SameKind(Builder.KindOf(v), node.Kind)))
                {
                    entries.Add(new SweepEntry(route, node.Path, raw, "wrong-type"));
                }

                if (node.Kind == JsonValueKind.Number || node.Rule is IntRule or EnumRuleInt)
                {
                    entries.AddRange(SweepNumbers.Select(raw => new SweepEntry(route, node.Path, raw, "number")));
                }

                if (node.Kind == JsonValueKind.String)
                {
                    entries.AddRange(SweepStrings.Select(raw => new SweepEntry(route, node.Path, raw, raw.Contains("\\ud800", StringComparison.Ordinal) ? "lone-surrogate" : "odd-string")));
                }
            }
        }

        return entries;
    }

    private static bool SameKind(JsonValueKind a, JsonValueKind b) => a == b || (a is JsonValueKind.True or JsonValueKind.False && b is JsonValueKind.True or JsonValueKind.False);

    public static FuzzCase Generate(FuzzWorld world, IReadOnlyList<FuzzRoute> routes, int seed, int number)
    {
        var random = new Random(unchecked((seed * 1_000_003) + number));
        var sweep = world.Sweep ??= Sweep(world, routes);
        if (number < sweep.Count)
        {
            var entry = sweep[number];
            return new Builder(world, entry.Route, entry.Route.AdminOnly ? FuzzCaller.Admin : FuzzCaller.Member, random, entry.Class, number) { Forced = entry }.Build();
        }

        var route = routes[number % routes.Count];
        var caller = Enum.Parse<FuzzCaller>(random.PickWeighted(Callers));
        var klass = random.PickWeighted(route.HasJsonBody ? BodyClasses : BodylessClasses);
        var builder = new Builder(world, route, caller, random, klass, number);
        return builder.Build();
    }

    [GeneratedRegex(@"\{(\w+)\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"\[\d+\]")]
    private static partial Regex Index();

    private sealed class Builder(FuzzWorld world, FuzzRoute route, FuzzCaller caller, Random random, string klass, int number)
    {
        private readonly List<(string Name, string Value, bool Mutated)> _params = [];
        private readonly List<string> _query = [];
        private JsonNode? _tree;
        private byte[]? _raw;
        private string _method = route.Method;
        private string? _mustRefuse;
        private string _oracle = "accepted-bad-input";
        private string _key = "";
        private bool _prepared;
        private string _detail = "";

        // The wrapper came twice, the last an object of other fields: a route admin-only by its
        // body's fields (a provider network, a port binding) is then a member's plain create.
        private bool _wrapperReplaced;
        private string? _token = world.Token(caller);

        /// <summary>The sweep's field and value, when this case is one of the sweep's.</summary>
        public SweepEntry? Forced { get; init; }

        public List<Node> AllNodes() => Nodes();

        public FuzzCase Build()
        {
            Prepare();
            var fuzzCase = new FuzzCase { Number = number, Route = route, Class = klass, Method = route.Method, Url = "", Caller = caller };
            if (Forced is { } forced && Nodes().FirstOrDefault(n => n.Path == forced.Path) is { } node)
            {
                SetBody(Emit(_tree, new Edit { Target = node.Path, Replace = forced.Raw }));
                _detail = $"{node.Path} = {Cut(forced.Raw)}";
                if (forced.Class == "lone-surrogate" && ConsumesBody)
                {
                    Refuse("the body holds a lone UTF-16 surrogate, which is not text (OpenStack: 400)", "accepted-malformed-json");
                }
                else
                {
                    Judge(node, forced.Raw, Cut(forced.Raw));
                }
            }
            else
            {
                Mutate(fuzzCase);
            }

            ProtectFromDelete();
            Finish(fuzzCase);
            return fuzzCase;
        }

        public void Prepare()
        {
            if (_prepared)
            {
                return;
            }

            _prepared = true;
            foreach (Match match in Placeholder().Matches(route.Path))
            {
                var name = match.Groups[1].Value;
                _params.Add((name, Resolve(name), false));
            }

            if (route.Body is not null)
            {
                if (route.Data)
                {
                    _raw = Encoding.UTF8.GetBytes(route.Body);
                }
                else
                {
                    _tree = world.FillNode(route.Body, random);
                }
            }
        }

        private string Resolve(string name) => name switch
        {
            "project" => world.Project(caller),
            "spare" => world.SpareProject,
            "speckey" => route.Path.Contains("/flavors/", StringComparison.Ordinal) ? "fuzz:key" : "fuzz_key",
            _ => world.Ids[name],
        };

        private bool ConsumesBody => route.HasJsonBody && !route.BodyIgnored && _method == route.Method;

        private void Refuse(string why, string oracle = "accepted-bad-input", string? key = null)
        {
            if (_mustRefuse is null)
            {
                _mustRefuse = why;
                _oracle = oracle;
                _key = key ?? Normalize.Text(why);
            }
        }

        private void Mutate(FuzzCase fuzzCase)
        {
            switch (klass)
            {
                case "json-syntax": JsonSyntax(); break;
                case "lone-surrogate": LoneSurrogate(); break;
                case "duplicate-key": DuplicateKey(); break;
                case "invalid-utf8": InvalidUtf8(); break;
                case "deep-nesting": DeepNesting(); break;
                case "non-object": NonObject(); break;
                case "wrong-type": ReplaceField(FuzzValues.WrongTypes, differentKind: true, prefer: null); break;
                case "number": ReplaceField(FuzzValues.Numbers, differentKind: false, prefer: n => n.Rule is IntRule || n.Kind == JsonValueKind.Number); break;
                case "odd-string": ReplaceField(FuzzValues.Strings, differentKind: false, prefer: n => n.Kind == JsonValueKind.String); break;
                case "fields": Fields(); break;
                case "id": Id(); break;
                case "query": Query(); break;
                case "method": Method(); break;
                case "content-type": ContentType(fuzzCase); break;
                case "header": Header(fuzzCase); break;
                case "oversized": Oversized(fuzzCase); break;
                case "long-url": LongUrl(); break;
                default: break;
            }
        }

        // ---- bodies -------------------------------------------------------------------

        internal sealed record Node(string Path, string RulePath, JsonNode? Value, JsonValueKind Kind, FieldRule? Rule, string? Key);

        private List<Node> Nodes()
        {
            var nodes = new List<Node>();
            void Walk(JsonNode? node, string path, string? key)
            {
                if (path.Length > 0)
                {
                    var rulePath = Index().Replace(path, "[]");
                    nodes.Add(new Node(path, rulePath, node, node?.GetValueKind() ?? JsonValueKind.Null, RuleFor(rulePath), key));
                }

                switch (node)
                {
                    case JsonObject o:
                        foreach (var (k, v) in o)
                        {
                            Walk(v, path.Length == 0 ? k : path + "." + k, k);
                        }

                        break;
                    case JsonArray a:
                        for (var i = 0; i < a.Count; i++)
                        {
                            Walk(a[i], $"{path}[{i}]", key);
                        }

                        break;
                    default:
                        break;
                }
            }

            Walk(_tree, "", null);
            return nodes;
        }

        private FieldRule? RuleFor(string rulePath)
        {
            if (route.Rules.TryGetValue(rulePath, out var rule))
            {
                return rule;
            }

            var dot = rulePath.LastIndexOf('.');
            return dot > 0 && route.Rules.TryGetValue(rulePath[..dot] + ".*", out rule) ? rule : null;
        }

        /// <summary>The body with one node's JSON replaced (or removed) and raw properties added to one object.</summary>
        private sealed class Edit
        {
            public string? Target { get; init; }

            public string? Replace { get; init; }

            public bool Remove { get; init; }

            public string? ExtraAt { get; init; }

            public List<(string RawKey, string RawValue)> Extra { get; } = [];
        }

        private static string Emit(JsonNode? root, Edit edit)
        {
            var builder = new StringBuilder();
            void Write(JsonNode? node, string path)
            {
                if (path.Length > 0 && path == edit.Target && edit.Replace is not null)
                {
                    builder.Append(edit.Replace);
                    return;
                }

                switch (node)
                {
                    case JsonObject o:
                        builder.Append('{');
                        var first = true;
                        foreach (var (k, v) in o)
                        {
                            var child = path.Length == 0 ? k : path + "." + k;
                            if (edit.Remove && child == edit.Target)
                            {
                                continue;
                            }

                            builder.Append(first ? "" : ",").Append(FuzzValues.Json(k)).Append(':');
                            first = false;
                            Write(v, child);
                        }

                        if ((edit.ExtraAt ?? "\u0001") == path)
                        {
                            foreach (var (key, value) in edit.Extra)
                            {
                                builder.Append(first ? "" : ",").Append(key).Append(':').Append(value);
                                first = false;
                            }
                        }

                        builder.Append('}');
                        break;
                    case JsonArray a:
                        builder.Append('[');
                        for (var i = 0; i < a.Count; i++)
                        {
                            builder.Append(i == 0 ? "" : ",");
                            Write(a[i], $"{path}[{i}]");
                        }

                        builder.Append(']');
                        break;
                    case null:
                        builder.Append("null");
                        break;
                    default:
                        builder.Append(node.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
                        break;
                }
            }

            Write(root, "");
            return builder.ToString();
        }

        private string Text(Edit? edit = null) => Emit(_tree, edit ?? new Edit());

        private void SetBody(string text) => _raw = Encoding.UTF8.GetBytes(text);

        /// <summary>The object fields go into: the wrapped one, else the root, else (a list body) its first object.</summary>
        private string InnerPath => route.Wrapper is { } w && _tree is JsonObject o && o[w] is JsonObject ? w
            : _tree is JsonArray a && a.Count > 0 && a[0] is JsonObject ? "[0]"
            : "";

        private JsonObject? InnerObject => InnerPath switch
        {
            "" => _tree as JsonObject,
            "[0]" => _tree?[0] as JsonObject,
            var path => _tree?[path] as JsonObject,
        };

        private Node? PickNode(Func<Node, bool>? prefer = null, bool leavesOnly = false)
        {
            var nodes = Nodes().Where(n => !leavesOnly || n.Kind is not (JsonValueKind.Object or JsonValueKind.Array)).ToList();
            if (nodes.Count == 0)
            {
                return null;
            }

            var preferred = prefer is null ? [] : nodes.Where(prefer).ToList();
            return preferred.Count > 0 && random.Next(10) < 8 ? random.Pick(preferred) : random.Pick(nodes);
        }

        private void Judge(Node node, string raw, string what)
        {
            if (!ConsumesBody)
            {
                return;
            }

            if (node.Path == route.Wrapper && WrapperViolates(raw))
            {
                Refuse($"'{route.Wrapper}' must be an object", "accepted-bad-input");
                return;
            }

            if (node.Rule?.Violates(raw) == true)
            {
                Refuse($"{node.RulePath} must be {node.Rule.Says} ({what})", "accepted-invalid-field", $"{node.RulePath} must be {node.Rule.Says}");
            }
        }

        /// <summary>A value the wrapper may not have: anything but an object, unless its own rule says more (os-detach may be null).</summary>
        private bool WrapperViolates(string raw) =>
            route.Wrapper is { } wrapper && route.Rules.TryGetValue(wrapper, out var rule) ? rule.Violates(raw) == true : !raw.TrimStart().StartsWith('{');

        private void JsonSyntax()
        {
            var text = Text();
            var variant = random.Next(14);
            string broken;
            switch (variant)
            {
                case 0:
                    broken = text[..random.Next(1, Math.Max(2, text.Length - 1))];
                    _detail = "truncated";
                    break;
                case 1:
                    var tail = random.Pick(["}", ",", "x", " {}", "]", "\"", "{}", "\u0000"]);
                    broken = text + tail;
                    _detail = "trailing " + FuzzValues.Json(tail);
                    break;
                case 2:
                    var positions = Enumerable.Range(0, text.Length).Where(i => text[i] is '"' or ':' or ',' or '}' or '{' or '[' or ']').ToList();
                    var at = positions.Count > 0 ? random.Pick(positions) : 0;
                    broken = text.Remove(at, 1);
                    _detail = $"removed '{text[at]}' at {at}";
                    break;
                case 3:
                    broken = text.Replace('"', '\'');
                    _detail = "single quotes";
                    break;
                case 4:
                    var last = text.LastIndexOf('}');
                    broken = last > 0 ? text.Insert(last, ",") : text + ",";
                    _detail = "trailing comma";
                    break;
                case 5:
                    broken = "/* fuzz */" + text;
                    _detail = "comment";
                    break;
                case 6:
                    broken = ReplaceLeaf(random.Pick(["NaN", "Infinity", "-Infinity", "undefined", "01", "+1", ".5", "1.", "0x10", "True", "None", "'x'"]));
                    break;
                case 7:
                    broken = Emit(_tree, Extra("fuzz", "1"));
                    _detail = "unquoted key";
                    break;
                case 8:
                    broken = ReplaceLeaf(random.Pick(["\"a\tb\"", "\"a\nb\"", "\"\u0001\""]));
                    break;
                case 9:
                    broken = ReplaceLeaf(random.Pick(["\"\\x41\"", "\"\\u12\"", "\"\\\"", "\"\\uZZZZ\"", "\"\\a\""]));
                    break;
                case 10:
                    broken = text + text;
                    _detail = "two documents";
                    break;
                case 11:
                    broken = random.Pick(["", "   \n", "\t"]);
                    _detail = "empty";
                    break;
                case 12:
                    SetBody("\uFEFF" + text);
                    _detail = "UTF-8 BOM before the JSON";
                    return; // a BOM is tolerated by some parsers: not judged
                default:
                    broken = random.Pick(["{", "[", "\"", "{\"", "}", "nul", "tru"]);
                    _detail = "fragment " + broken;
                    break;
            }

            SetBody(broken);
            if (ConsumesBody)
            {
                Refuse("the body is not valid JSON (OpenStack: 400)", "accepted-malformed-json");
            }
        }

        private Edit Extra(string rawKey, string rawValue)
        {
            var edit = new Edit { ExtraAt = InnerPath };
            edit.Extra.Add((rawKey, rawValue));
            return edit;
        }

        private string ReplaceLeaf(string raw)
        {
            var node = PickNode(leavesOnly: true);
            _detail = $"{node?.Path ?? "(root)"} = {raw}";
            return node is null ? raw : Emit(_tree, new Edit { Target = node.Path, Replace = raw });
        }

        private void LoneSurrogate()
        {
            var raw = random.Pick(FuzzValues.LoneSurrogates);
            if ((random.Next(10) < 7 || InnerObject is null) && PickNode(n => n.Kind == JsonValueKind.String, leavesOnly: true) is { } node)
            {
                SetBody(Emit(_tree, new Edit { Target = node.Path, Replace = raw }));
                _detail = $"{node.Path} = {raw}";
            }
            else
            {
                SetBody(Emit(_tree, Extra(raw, "\"x\"")));
                _detail = $"key {raw} in {(InnerPath.Length == 0 ? "the body" : InnerPath)}";
            }

            if (ConsumesBody)
            {
                Refuse("the body holds a lone UTF-16 surrogate, which is not text (OpenStack: 400)", "accepted-malformed-json");
            }
        }

        private void DuplicateKey()
        {
            var inner = InnerObject;
            if (_tree is JsonObject && (inner is null || inner.Count == 0 || random.Next(5) == 0))
            {
                // The wrapper (or the body's first key) twice, the second time with something else.
                var root = (JsonObject)_tree;
                var key = root.FirstOrDefault().Key ?? "fuzz";
                var raw = random.Pick(["{}", "null", "\"x\"", "[]", "{\"name\":\"dup\"}"]);
                var edit = new Edit { ExtraAt = "" };
                edit.Extra.Add((FuzzValues.Json(key), raw));
                SetBody(Emit(_tree, edit));
                _detail = $"\"{key}\" twice, the last {raw}";
                _wrapperReplaced = key == route.Wrapper && raw.StartsWith('{');
                // Cinder's os-detach may be null (its schema: ['object', 'null']).
                if (ConsumesBody && key == route.Wrapper && !raw.StartsWith('{') && !(raw == "null" && key == "os-detach"))
                {
                    Refuse($"the last '{key}' (what Python's json keeps) is not an object", "accepted-bad-input");
                }

                return;
            }

            if (inner is null || inner.Count == 0)
            {
                return;
            }

            var (field, _) = random.Pick(inner.ToList());
            var value = random.Next(3) == 0 ? inner[field]?.ToJsonString() ?? "null" : random.Pick(random.Next(2) == 0 ? FuzzValues.WrongTypes : FuzzValues.Strings);
            var dup = new Edit { ExtraAt = InnerPath };
            dup.Extra.Add((FuzzValues.Json(field), value));
            SetBody(Emit(_tree, dup));
            var path = InnerPath.Length == 0 ? field : InnerPath + "." + field;
            _detail = $"{path} twice, the last {Cut(value)}";
            if (ConsumesBody && RuleFor(Index().Replace(path, "[]")) is { } rule && rule.Violates(value) == true)
            {
                Refuse($"{path} must be {rule.Says}, and the last of a duplicate key is what counts (Python's json keeps it): {Cut(value)}", "accepted-invalid-field", $"{Index().Replace(path, "[]")} given twice: the last value counts and must be {rule.Says}");
            }
        }

        private void InvalidUtf8()
        {
            const string marker = "\"FUZZ-INVALID-UTF8\"";
            var node = PickNode(n => n.Kind == JsonValueKind.String, leavesOnly: true);
            var text = node is null ? Emit(_tree, Extra("\"fuzz\"", marker)) : Emit(_tree, new Edit { Target = node.Path, Replace = marker });
            var bad = random.Pick(FuzzValues.BadUtf8);
            var at = text.IndexOf(marker, StringComparison.Ordinal);
            var bytes = new List<byte>();
            bytes.AddRange(Encoding.UTF8.GetBytes(text[..at]));
            bytes.AddRange(Encoding.UTF8.GetBytes("\"a"));
            bytes.AddRange(bad);
            bytes.AddRange(Encoding.UTF8.GetBytes("b\""));
            bytes.AddRange(Encoding.UTF8.GetBytes(text[(at + marker.Length)..]));
            _raw = [.. bytes];
            _detail = $"{node?.Path ?? "fuzz"} holds bytes {Convert.ToHexString(bad)}";
            if (ConsumesBody)
            {
                Refuse("the body is not UTF-8 (OpenStack: 400)", "accepted-malformed-json");
            }
        }

        private void DeepNesting()
        {
            var depth = random.Pick([64, 65, 100, 512, 1000, 5000, 100000]);
            var where = random.Next(3);
            if (where == 0 || _tree is not JsonObject)
            {
                SetBody(FuzzValues.Nested(depth, objects: true));
                _detail = $"the whole body {depth} objects deep";
                if (ConsumesBody && (depth >= 1000 || route.Wrapper is not null))
                {
                    Refuse($"a body {depth} levels deep without '{route.Wrapper}' (OpenStack: 400)", "accepted-malformed-json");
                }

                return;
            }

            var node = where == 1 && route.Wrapper is not null && InnerObject is not null
                ? Nodes().First(n => n.Path == route.Wrapper)
                : PickNode();
            if (node is null)
            {
                return;
            }

            SetBody(Emit(_tree, new Edit { Target = node.Path, Replace = FuzzValues.Nested(depth, objects: false) }));
            _detail = $"{node.Path} = arrays {depth} deep";
            if (ConsumesBody && (depth >= 1000 || node.Path == route.Wrapper || node.Rule?.Violates("[[]]") == true))
            {
                Refuse($"{node.Path} {depth} levels deep (OpenStack: 400)", "accepted-malformed-json");
            }
        }

        private void NonObject()
        {
            var patch = route.Body?.TrimStart().StartsWith('[') == true;
            if (route.Wrapper is not null && InnerObject is not null && random.Next(2) == 0)
            {
                var raw = random.Pick(["[]", "\"x\"", "null", "1", "true", "[{}]", "\"\""]);
                SetBody(Emit(_tree, new Edit { Target = route.Wrapper, Replace = raw }));
                _detail = $"{route.Wrapper} = {raw}";
                if (ConsumesBody && WrapperViolates(raw))
                {
                    Refuse($"'{route.Wrapper}' must be an object", "accepted-bad-input");
                }

                return;
            }

            var text = Text();
            var body = patch ? random.Pick(["{}", "\"x\"", "42", "null", "true", text.Trim('[', ']')]) : random.Pick(["[]", "[" + text + "]", "\"text\"", "42", "true", "null", "\"\""]);
            SetBody(body);
            _detail = "body " + Cut(body);
            if (ConsumesBody)
            {
                Refuse(patch ? "a JSON patch must be a list" : "the body must be a JSON object", "accepted-bad-input");
            }
        }

        private void ReplaceField(string[] pool, bool differentKind, Func<Node, bool>? prefer)
        {
            var node = PickNode(prefer);
            if (node is null)
            {
                return;
            }

            var candidates = differentKind ? [.. pool.Where(v => KindOf(v) != node.Kind)] : pool;
            var raw = random.Pick(candidates);
            SetBody(Emit(_tree, new Edit { Target = node.Path, Replace = raw }));
            _detail = $"{node.Path} = {Cut(raw)}";
            Judge(node, raw, Cut(raw));
        }

        internal static JsonValueKind KindOf(string raw) => raw[0] switch
        {
            '"' => JsonValueKind.String,
            '[' => JsonValueKind.Array,
            '{' => JsonValueKind.Object,
            't' => JsonValueKind.True,
            'f' => JsonValueKind.False,
            'n' => JsonValueKind.Null,
            _ => JsonValueKind.Number,
        };

        private void Fields()
        {
            var inner = InnerObject;
            var variant = random.Next(5);
            if (variant == 0 || inner is null)
            {
                var key = random.Pick(["fuzz_unknown", "", " ", "NAME", "__proto__", "constructor", "$ref", new string('x', 300), "ünknown", "name ", "Name"]);
                SetBody(Emit(_tree, Extra(FuzzValues.Json(key), "\"x\"")));
                _detail = $"unknown key {FuzzValues.Json(key)} in {(InnerPath.Length == 0 ? "the body" : InnerPath)}";
                if (ConsumesBody && route.StrictKeys && inner is not null)
                {
                    Refuse($"{InnerPath} has no attribute {FuzzValues.Json(Cut(key))} (OpenStack refuses unknown attributes)", "accepted-unknown-field", $"unknown attributes in {InnerPath}");
                }

                return;
            }

            if (variant == 1 && inner.Count > 0)
            {
                var (field, _) = random.Pick(inner.ToList());
                var path = InnerPath.Length == 0 ? field : InnerPath + "." + field;
                SetBody(Emit(_tree, new Edit { Target = path, Remove = true }));
                _detail = "without " + path;
                return;
            }

            if (route.Wrapper is null)
            {
                SetBody("{}");
                _detail = "{}";
                return;
            }

            var innerText = Emit(inner, new Edit());
            var wrapper = route.Wrapper;
            string body;
            switch (variant)
            {
                case 2:
                    var renamed = random.Pick([wrapper.ToUpperInvariant(), wrapper + "s", "", char.ToUpperInvariant(wrapper[0]) + wrapper[1..], wrapper + " "]);
                    body = "{" + FuzzValues.Json(renamed) + ":" + innerText + "}";
                    _detail = $"wrapper '{renamed}' for '{wrapper}'";
                    break;
                case 3:
                    body = innerText;
                    _detail = "no wrapper";
                    break;
                default:
                    body = "{}";
                    _detail = "{}";
                    break;
            }

            SetBody(body);
            if (ConsumesBody)
            {
                Refuse($"the body has no '{wrapper}'", "accepted-bad-input");
            }
        }

        private void Id()
        {
            var project = _params.FindIndex(p => p.Name == "project");
            if (project >= 0 && route.Path.StartsWith("/v3/{project}/", StringComparison.Ordinal) && random.Next(5) == 0)
            {
                var value = random.Pick([world.Project(caller == FuzzCaller.Other ? FuzzCaller.Member : FuzzCaller.Other), world.SpareProject, FuzzValues.Uuid(random), "x", world.Project(caller).ToUpperInvariant() + "x", "%00"]);
                _params[project] = ("project", value, true);
                _detail = "{project} = " + value;
                if (caller is FuzzCaller.Member or FuzzCaller.Other)
                {
                    Refuse("the URL's project is not the token's (Cinder: 400)", "cross-project");
                }

                return;
            }

            var resources = _params.Select((p, i) => (p, i)).Where(x => Resources.Contains(x.p.Name)).ToList();
            var referenceNodes = Nodes().Where(n => n.Key is { } k && References.Contains(k) && n.Kind == JsonValueKind.String).ToList();
            if (resources.Count > 0 && (referenceNodes.Count == 0 || random.Next(10) < 7))
            {
                var (p, i) = random.Pick(resources);
                var unknown = random.Next(2) == 0;
                var value = unknown ? FuzzValues.UnknownLike(p.Value, random) : random.Pick(FuzzValues.OddIds).Replace("{uuid}", "{" + FuzzValues.Uuid(random) + "}", StringComparison.Ordinal);
                _params[i] = (p.Name, value, true);
                _detail = $"{{{p.Name}}} = {Cut(value)}";
                if (unknown)
                {
                    Refuse($"no {p.Name} {value} exists (OpenStack: 404)", "unknown-id-accepted", $"an unknown {{{p.Name}}} in the path");
                }

                return;
            }

            if (referenceNodes.Count > 0)
            {
                var node = random.Pick(referenceNodes);
                var unknown = random.Next(2) == 0;
                var id = unknown ? FuzzValues.Uuid(random) : Uri.UnescapeDataString(random.Pick(FuzzValues.OddIds));
                var raw = FuzzValues.Json(id);
                SetBody(Emit(_tree, new Edit { Target = node.Path, Replace = raw }));
                _detail = $"{node.Path} = {Cut(raw)}";
                if (ConsumesBody && unknown && node.Key != "key_name")
                {
                    Refuse($"{node.Path} names nothing that exists (OpenStack: 400 or 404)", "unknown-id-accepted", $"{Index().Replace(node.Path, "[]")} names nothing that exists");
                }

                return;
            }

            Query();
            _detail = "(no id to vary) " + _detail;
        }

        // ---- the rest of the request --------------------------------------------------

        private void Query()
        {
            var names = route.Query.Count > 0 && random.Next(10) < 7 ? route.Query : FuzzValues.GenericQueryNames;
            var count = random.Next(1, 4);
            var details = new List<string>();
            for (var i = 0; i < count; i++)
            {
                var name = random.Pick(names);
                var style = random.Next(20);
                string value = name == "marker" && random.Next(2) == 0 ? FuzzValues.Uuid(random) : random.Pick(FuzzValues.QueryValues);
                var encodedName = Encode(name);
                switch (style)
                {
                    case 0:
                        _query.Add(encodedName);
                        details.Add(name + " (no value)");
                        continue;
                    case 1:
                        _query.Add($"{encodedName}={Encode(value)}");
                        _query.Add($"{encodedName}={Encode(random.Pick(FuzzValues.QueryValues))}");
                        details.Add(name + " twice");
                        continue;
                    case 2:
                        _query.AddRange(Enumerable.Repeat($"{encodedName}={Encode(value)}", 200));
                        details.Add(name + " 200 times");
                        continue;
                    default:
                        _query.Add($"{encodedName}={Encode(value)}");
                        details.Add($"{name}={Cut(value, 40)}");
                        JudgeQuery(name, value);
                        continue;
                }
            }

            _detail = string.Join("&", details);
        }

        private void JudgeQuery(string name, string value)
        {
            if (_method != "GET" || !route.Query.Contains(name, StringComparer.Ordinal) || (route.Api == FuzzApi.Admin && name != "marker"))
            {
                return;
            }

            var decoded = Uri.UnescapeDataString(value);
            var cinder = route.Api == FuzzApi.Volume;
            if (name == "sort_dir" && (cinder ? decoded.Trim() : decoded) is not ("asc" or "desc"))
            {
                // Cinder's get_sort_params strips the direction first (" asc" is asc).
                Refuse($"sort_dir={Cut(decoded, 40)}: must be asc or desc (OpenStack: 400)", "accepted-bad-query", "sort_dir must be asc or desc");
            }
            // Nova's query schema takes digits only; Cinder, Neutron and Glance read limit with Python's int() ("-0", " 1 ").
            else if (name == "limit" && route.Api != FuzzApi.Admin && !(route.Api != FuzzApi.Compute ? IsPythonNonNegativeInt(decoded) : decoded.Length > 0 && decoded.All(char.IsAsciiDigit)))
            {
                Refuse($"limit={Cut(decoded, 40)}: must be a non-negative integer (OpenStack: 400)", "accepted-bad-query", "limit must be a non-negative integer");
            }
            else if (name == "marker" && Guid.TryParse(decoded, out _) && (route.Api != FuzzApi.Admin || route.Path.StartsWith("/v1.0/jobs", StringComparison.Ordinal))
                && !(cinder && route.Path.EndsWith("/types", StringComparison.Ordinal)))
            {
                // Not Cinder's types list: its marker lookup (_volume_type_get_db_object) finds nothing and
                // the list starts at the top, 200 (volumes and snapshots raise NotFound for theirs).
                Refuse($"marker={decoded} names nothing in the list (OpenStack: 400 or 404)", "accepted-bad-query", "an unknown marker");
            }
        }

        /// <summary>
        /// Cinder reads limit with Python's int() and refuses only a negative one: "-0", "+1" and
        /// " 1 " are limits to it (ASCII digits only here; the query values have no others).
        /// </summary>
        private static bool IsPythonNonNegativeInt(string text)
        {
            var t = text.Trim();
            var negative = t.StartsWith('-');
            t = t.TrimStart('-', '+');
            return text.Trim().Length - t.Length <= 1 && t.Length > 0 && t.All(char.IsAsciiDigit) && (!negative || t.All(c => c == '0'));
        }

        private static string Encode(string value) => value.Contains('%', StringComparison.Ordinal) ? value : Uri.EscapeDataString(value);

        private void Method()
        {
            _method = random.Pick(FuzzValues.OddMethods.Where(m => m != route.Method).ToList());
            if (_method is "GET" or "HEAD" or "TRACE" or "OPTIONS" or "get")
            {
                _raw = null;
                _tree = null;
            }

            _detail = _method;
            if (_method is "FOO" or "PROPFIND" or "TRACE")
            {
                Refuse($"{_method} is no method of this API (OpenStack: 405)", "odd-method-accepted");
            }
        }

        private void ContentType(FuzzCase fuzzCase)
        {
            var type = random.Pick(FuzzValues.ContentTypes);
            if (_raw is null && _tree is null)
            {
                SetBody("{\"fuzz\":1}");
            }

            fuzzCase.ContentType = type;
            _detail = "Content-Type: " + (type ?? "(none)");
        }

        private void Header(FuzzCase fuzzCase)
        {
            var variant = random.Next(8);
            switch (variant)
            {
                case 0 or 1 when route.Api is FuzzApi.Compute or FuzzApi.Volume && !route.Anonymous:
                    var service = route.Api == FuzzApi.Compute ? "compute" : "volume";
                    var version = random.Pick(["2.999", "3.999", "4.0", "1.1", "2.0", "99999999999999999999.1", "abc", "2.1.1", "-2.1", "2.", ".5", "", "latest ", "2.1, compute 2.2", "3.0.0"]);
                    fuzzCase.Headers.Add(new("OpenStack-API-Version", $"{service} {version}"));
                    if (route.Api == FuzzApi.Compute && random.Next(2) == 0)
                    {
                        fuzzCase.Headers.Add(new("X-OpenStack-Nova-API-Version", version));
                    }

                    _detail = $"OpenStack-API-Version: {service} {version}";
                    var tooNew = version is "2.999" or "3.999" or "4.0" or "99999999999999999999.1" || (service == "compute" ? version is "1.1" or "2.0" or "3.0.0" : version is "2.0" or "1.1");
                    if (tooNew || version is "abc" or "2.1.1" or "-2.1")
                    {
                        Refuse($"microversion '{version}' is not one the API offers (OpenStack: 406, or 400 for a malformed one)", "bad-microversion-accepted", $"{service} microversion '{version}'");
                    }

                    return;
                case 2:
                    _token = random.Pick([new string('t', 9000), "", " ", "tökén-ünïcödé", "Bearer x", "gAAAAA\u0000x"]);
                    _detail = $"X-Auth-Token of {_token.Length} odd characters";
                    if (!route.Anonymous)
                    {
                        Refuse("the token is not one Keystone issued (OpenStack: 401)", "unauthenticated-2xx");
                    }

                    return;
                case 3:
                    foreach (var (name, value) in new (string, string)[] { ("X-Roles", "admin"), ("X-Project-Id", world.OtherProject), ("X-Identity-Status", "Confirmed"), ("X-User-Id", "admin"), ("X-Is-Admin-Project", "True") })
                    {
                        fuzzCase.Headers.Add(new(name, value));
                    }

                    _detail = "X-Roles: admin and other identity headers a client may not set";
                    return;
                case 4:
                    fuzzCase.Headers.Add(new("Accept", random.Pick(["application/xml", "text/html", "*/*;q=0", "???", "application/json;q=0", "text/plain"])));
                    _detail = "Accept: " + fuzzCase.Headers[^1].Value;
                    return;
                case 5:
                    fuzzCase.Headers.Add(new("X-Fuzz", random.Pick(["ünïcödé", "日本語", "\u00ff\u00fe", "emoji 😀"])));
                    _detail = "a non-ASCII header value";
                    return;
                case 6:
                    fuzzCase.Headers.Add(new("X-Fuzz", new string('h', random.Pick([9000, 40000, 70000]))));
                    _detail = $"a {fuzzCase.Headers[^1].Value.Length}-character header";
                    return;
                default:
                    fuzzCase.Headers.Add(new("X-OpenStack-Request-ID", random.Pick(["req-" + new string('x', 500), "not-a-request-id", "req-\u00e9"])));
                    _detail = "an odd X-OpenStack-Request-ID";
                    return;
            }
        }

        private void Oversized(FuzzCase fuzzCase)
        {
            fuzzCase.OversizeBytes = random.Pick([1_200_000, 2_000_000, 3_500_000]);
            fuzzCase.Chunked = random.Next(2) == 0;
            const string marker = "\"FUZZ-OVERSIZE\"";
            var node = PickNode(n => n.Kind == JsonValueKind.String, leavesOnly: true);
            var text = _tree is null ? "{\"fuzz\":" + marker + "}" : node is null ? Emit(_tree, Extra("\"fuzz\"", marker)) : Emit(_tree, new Edit { Target = node.Path, Replace = marker });
            SetBody(text);
            _detail = $"{fuzzCase.OversizeBytes} bytes{(fuzzCase.Chunked ? ", chunked" : "")}, in {node?.Path ?? "fuzz"}";
            if (ConsumesBody)
            {
                Refuse($"a {fuzzCase.OversizeBytes}-byte body: OpenStack refuses bodies over 114688 bytes (oslo.middleware max_request_body_size) with 413", "oversized-accepted", "a body over 114688 bytes");
            }
        }

        private void LongUrl()
        {
            var variant = random.Next(3);
            var length = random.Pick([9000, 40000, 70000]);
            switch (variant)
            {
                case 0:
                    _query.Add("name=" + new string('a', length));
                    _detail = $"a {length}-character query";
                    break;
                case 1:
                    _query.AddRange(Enumerable.Repeat("a=1", length / 4));
                    _detail = $"{length / 4} query parameters";
                    break;
                default:
                    var last = _params.FindLastIndex(p => Resources.Contains(p.Name));
                    if (last >= 0)
                    {
                        _params[last] = (_params[last].Name, new string('x', length), true);
                    }
                    else
                    {
                        _params.Add(("tail", new string('x', length), true));
                    }

                    _detail = $"a {length}-character path segment";
                    break;
            }
        }

        // ---- assembling -----------------------------------------------------------------

        /// <summary>A DELETE never names a world resource: the fuzz must not take away its own targets.</summary>
        private void ProtectFromDelete()
        {
            if (!_method.Equals("DELETE", StringComparison.OrdinalIgnoreCase) || !route.Path.EndsWith('}') || _params.Count == 0)
            {
                return;
            }

            var (name, value, mutated) = _params[^1];
            if (Resources.Contains(name) && !mutated)
            {
                var unknown = FuzzValues.UnknownLike(value, random);
                _params[^1] = (name, unknown, true);
                Refuse($"no {name} {unknown} exists (OpenStack: 404)", "unknown-id-accepted", $"an unknown {{{name}}} in the path");
            }
        }

        private static bool HasDotSegment(string url) =>
            url.Split('?')[0].Split('/').Any(segment => segment.Replace("%2e", ".", StringComparison.OrdinalIgnoreCase) is "." or "..");

        private void Finish(FuzzCase fuzzCase)
        {
            var index = 0;
            var path = Placeholder().Replace(route.Path, m =>
            {
                var (_, value, mutated) = _params[index++];
                return mutated ? value : Uri.EscapeDataString(value);
            });
            if (_params.Count > index)
            {
                path += "/" + _params[^1].Value; // a long tail added to a path without parameters
            }

            var root = world.Root(route.Api).ToString().TrimEnd('/');
            fuzzCase.Url = root + path + (_query.Count > 0 ? "?" + string.Join("&", _query) : "");
            fuzzCase.Method = _method;
            if (_raw is null && _tree is not null)
            {
                SetBody(Text());
            }

            fuzzCase.Body = _raw;
            if (klass != "content-type" && fuzzCase.Body is not null)
            {
                fuzzCase.ContentType = route.ContentType;
            }

            if (_token is not null)
            {
                fuzzCase.Headers.Insert(0, new("X-Auth-Token", _token));
            }

            if (route.Api == FuzzApi.Image || route.Api == FuzzApi.Admin)
            {
                if (!fuzzCase.Headers.Any(h => h.Key == "Accept"))
                {
                    fuzzCase.Headers.Add(new("Accept", "application/json"));
                }
            }

            if (route.Microversion is { } mv && klass != "header")
            {
                if (route.Api == FuzzApi.Compute)
                {
                    fuzzCase.Headers.Add(new("OpenStack-API-Version", "compute " + mv));
                    fuzzCase.Headers.Add(new("X-OpenStack-Nova-API-Version", mv));
                }
                else if (route.Api == FuzzApi.Volume)
                {
                    fuzzCase.Headers.Add(new("OpenStack-API-Version", "volume " + mv));
                }
            }

            // What is wrong whatever the input: no token, a member doing an admin's work, another project's resources.
            // A dot segment in the path (".." or "%2e%2e") is resolved by the server, as RFC 3986
            // says, to another route, judged as that route (an anonymous version document, say).
            if (HasDotSegment(fuzzCase.Url))
            {
                _mustRefuse = null; // what was wrong with the request was said of the route it no longer reaches
            }
            else if (caller is FuzzCaller.Anonymous or FuzzCaller.Forged && !route.Anonymous)
            {
                (_mustRefuse, _oracle, _key) = ("no valid token (OpenStack: 401)", "unauthenticated-2xx", "no valid token");
            }
            else if (route.AdminOnly && caller is FuzzCaller.Member or FuzzCaller.Other && _method == route.Method
                && !(_wrapperReplaced && route.Variant is not null && !route.Path.EndsWith("/action", StringComparison.Ordinal)))
            {
                (_mustRefuse, _oracle, _key) = ("only an admin may do this (OpenStack's default policy: 403)", "member-did-admin-op", "a member did an admin-only operation");
            }
            else if (caller == FuzzCaller.Other && OwnedReference(fuzzCase) is { } owned)
            {
                (_mustRefuse, _oracle, _key) = ($"the {owned} is another project's (OpenStack: 404, or 400 where it is used in a create)", "cross-project", $"another project's {owned}");
            }

            fuzzCase.MustRefuse = _mustRefuse;
            fuzzCase.RefusalOracle = _oracle;
            fuzzCase.RefusalKey = _key;
            fuzzCase.Detail = _detail;
        }

        /// <summary>A world resource of the fuzz project that the request names, unchanged (path or body).</summary>
        private string? OwnedReference(FuzzCase fuzzCase)
        {
            foreach (var (name, value, mutated) in _params)
            {
                if (!mutated && Owned.Contains(name))
                {
                    return name;
                }
            }

            if (fuzzCase.Body is not { Length: < 200_000 } body)
            {
                return null;
            }

            var text = Encoding.UTF8.GetString(body);
            foreach (var name in (string[])["server", "volume", "volume2", "snapshot", "network", "subnet", "port", "group", "rule", "image", "router", "floatingip"])
            {
                if (text.Contains(world.Ids[name], StringComparison.Ordinal))
                {
                    return name;
                }
            }

            return null;
        }
    }

    public static string Cut(string text, int max = 80) => text.Length <= max ? text : text[..max] + $"…({text.Length})";

    /// <summary>Integer text for reports.</summary>
    public static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
