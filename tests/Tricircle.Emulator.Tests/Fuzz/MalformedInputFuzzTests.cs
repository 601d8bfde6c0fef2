using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Tricircle.Emulator.Identity;
using Tricircle.Emulator.Regions;
using Xunit.Abstractions;

namespace Tricircle.Emulator.Fuzz;

/// <summary>
/// Every route of the emulated Keystone and of one emulated region's Nova, Neutron, Cinder and
/// Glance, sent malformed input (broken and odd JSON, wrong types for every field of a valid
/// body, huge and negative numbers, odd ids, query parameters, headers, methods and content
/// types): no answer may be a 5xx or a dropped connection, and every error must be in the
/// service's own shape. A fixed seed keeps it deterministic; <c>TRICIRCLE_FUZZ_SCALE</c> (a
/// multiplier, default 1) sends more for an exploratory run.
/// </summary>
public sealed partial class MalformedInputFuzzTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly int Scale = int.TryParse(Environment.GetEnvironmentVariable("TRICIRCLE_FUZZ_SCALE"), out var scale) && scale > 0 ? scale : 1;

    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };
    private readonly Dictionary<string, string> _ids = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _unseeded = new(StringComparer.Ordinal);
    private KeystoneEmulator _keystone = null!;
    private RegionEmulator _region = null!;
    private string _admin = "";
    private string _member = "";

    public async Task InitializeAsync()
    {
        _keystone = await KeystoneEmulator.StartAsync(new KeystoneEmulatorOptions());
        var demoProject = _keystone.AddProject("demo");
        var demo = _keystone.AddUser("demo", "demo-secret", defaultProjectId: demoProject);
        _keystone.Grant(demo, demoProject, "member");
        _region = await RegionEmulator.StartAsync(_keystone, new RegionEmulatorOptions
        {
            Name = "RegionOne",
            ServerBuildDelay = TimeSpan.Zero,
            VolumeCreateDelay = TimeSpan.Zero,
        });
        _admin = _keystone.IssueToken("admin", "password", "admin").Id;
        _member = _keystone.IssueToken("demo", "demo-secret", "demo").Id;
        await SeedAsync(_keystone.FindProjectId("admin")!, demoProject);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _region.DisposeAsync();
        await _keystone.DisposeAsync();
    }

    [Theory]
    [InlineData("Compute")]
    [InlineData("Network")]
    [InlineData("Volume")]
    [InlineData("Image")]
    [InlineData("Identity")]
    public async Task EveryRoute_MalformedInput_NoServerErrorAndErrorsInTheServiceShape(string service)
    {
        var (root, routes, prefixes) = service == "Identity"
            ? (_keystone.Url, _keystone.Routes, (string[])["/v3"])
            : Service(Enum.Parse<ServiceKind>(service));
        var random = new Random(20261122 + service.Length);
        var failures = new List<(string Signature, string Example)>();
        var sent = 0;

        // Deletes last: they take the seeded resources away from the routes after them.
        var ordered = routes.Where(r => r.Method != "*").OrderBy(r => r.Method == "DELETE").ThenBy(r => r.Pattern, StringComparer.Ordinal).ThenBy(r => r.Method, StringComparer.Ordinal).ToList();
        foreach (var (method, pattern) in ordered)
        {
            var key = method + " " + Strip(pattern, prefixes);
            var path = Fill(pattern, random, odd: false);
            var samples = Samples(service, key);
            var hasBody = method is "POST" or "PUT" or "PATCH";

            // The route's plain form with odd ids, queries and headers; a sample body when it takes one.
            var plain = hasBody && samples.Count > 0 ? Encoding.UTF8.GetBytes(samples[0].ToJsonString()) : null;
            var contentType = ContentType(service, key);
            foreach (var _ in Enumerable.Range(0, 4 * Scale))
            {
                sent += await SendAsync(failures, service, key, method, Fill(pattern, random, odd: true), plain, contentType, Token(random));
            }

            foreach (var query in FuzzInputs.Queries.Where(_ => method == "GET" || random.Next(4) == 0))
            {
                sent += await SendAsync(failures, service, key, method, path + "?" + query, plain, contentType, Token(random));
            }

            foreach (var _ in Enumerable.Range(0, (method == "GET" ? 20 : 2) * Scale))
            {
                sent += await SendAsync(failures, service, key, method, path + "?" + FuzzInputs.RandomQuery(random), plain, contentType, Token(random));
            }

            foreach (var (name, value) in FuzzInputs.Headers.Where(_ => random.Next(3) == 0))
            {
                sent += await SendAsync(failures, service, key, method, path, plain, contentType, Token(random), (name, value));
            }

            if (!hasBody)
            {
                continue;
            }

            foreach (var body in FuzzInputs.Bodies)
            {
                sent += await SendAsync(failures, service, key, method, path, body, contentType, Token(random));
            }

            foreach (var type in FuzzInputs.ContentTypes)
            {
                sent += await SendAsync(failures, service, key, method, path, plain ?? "{}"u8.ToArray(), type, Token(random));
            }

            // Project-in-URL twins share their handler: the full set goes to one of them.
            var mutations = (pattern.Contains("{project_id}", StringComparison.Ordinal) ? 10 : 60) * Scale;
            foreach (var sample in samples)
            {
                foreach (var _ in Enumerable.Range(0, mutations))
                {
                    sent += await SendAsync(failures, service, key, method, path, FuzzInputs.Mutate(sample, random), contentType, Token(random));
                }
            }
        }

        // Odd methods on every path.
        foreach (var pattern in routes.Select(r => r.Pattern).Distinct(StringComparer.Ordinal))
        {
            foreach (var method in FuzzInputs.Methods)
            {
                sent += await SendAsync(failures, service, method + " " + pattern, method, Fill(pattern, random, odd: random.Next(2) == 0), "{}"u8.ToArray(), "application/json", Token(random));
            }
        }

        Assert.True(_unseeded.Count == 0, "Route parameters with no seeded resource (add them to SeedAsync): " + string.Join(", ", _unseeded));
        output.WriteLine($"{sent} requests to {service}, {failures.Count} failed");
        var grouped = failures.GroupBy(f => f.Signature, StringComparer.Ordinal).Select(g => $"{g.Count()} × {g.Key}\n      e.g. {g.First().Example}");
        Assert.True(failures.Count == 0, $"{failures.Count} of {sent} requests to {service} failed:\n" + string.Join("\n", grouped.Take(100)));
    }

    private (Uri Root, IReadOnlyList<(string Method, string Pattern)> Routes, string[] Prefixes) Service(ServiceKind kind)
    {
        var (_, root, routes) = _region.Routes.Single(s => s.Kind == kind);
        string[] prefixes = kind switch
        {
            ServiceKind.Compute => ["/v2.1/{project_id}", "/v2.1"],
            ServiceKind.Network => ["/v2.0"],
            ServiceKind.Volume => ["/v3/{project_id}", "/v3"],
            _ => ["/v2"],
        };
        return (root, routes, prefixes);
    }

    private static string Strip(string pattern, string[] prefixes) =>
        prefixes.FirstOrDefault(p => pattern.StartsWith(p + "/", StringComparison.Ordinal)) is { } prefix ? pattern[prefix.Length..] : pattern;

    private string Token(Random random) => random.Next(3) == 0 ? _member : _admin;

    /// <summary>The pattern with its parameters filled: the seeded resource's id, or (odd) something else.</summary>
    private string Fill(string pattern, Random random, bool odd)
    {
        var segments = pattern.Split('/');
        for (var i = 1; i < segments.Length; i++)
        {
            var match = ParameterPattern().Match(segments[i]);
            if (!match.Success)
            {
                continue;
            }

            var key = segments[i - 1] + "/" + match.Groups[1].Value;
            segments[i] = odd && random.Next(3) != 0
                ? FuzzInputs.Pick(random, FuzzInputs.PathValues)
                : _ids.TryGetValue(key, out var id) ? Uri.EscapeDataString(id) : Unseeded(key);
        }

        return string.Join('/', segments);
    }

    private string Unseeded(string key)
    {
        _unseeded.Add(key);
        return "unseeded";
    }

    [GeneratedRegex(@"^\{(\w+)\}$")]
    private static partial Regex ParameterPattern();

    private static string? ContentType(string service, string key) => (service, key) switch
    {
        ("Image", "PATCH /images/{id}") => "application/openstack-images-v2.1-json-patch",
        ("Image", "PUT /images/{id}/file") => "application/octet-stream",
        _ => "application/json",
    };

    private async Task<int> SendAsync(List<(string Signature, string Example)> failures, string service, string route, string method, string path, byte[]? body, string? contentType, string token, (string Name, string Value)? header = null)
    {
        var root = service == "Identity" ? _keystone.Url : Service(Enum.Parse<ServiceKind>(service)).Root;
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(root.ToString().TrimEnd('/') + path));
        request.Headers.TryAddWithoutValidation("X-Auth-Token", token);
        if (header is { } extra)
        {
            request.Headers.TryAddWithoutValidation(extra.Name, extra.Value);
        }

        if (body is not null && method != "HEAD")
        {
            request.Content = new ByteArrayContent(body);
            if (contentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }

        var what = $"{method} {path[..Math.Min(path.Length, 160)]}{(header is { } h ? $" [{h.Name}: {h.Value}]" : "")} [{contentType}] {Show(body)}";
        try
        {
            using var response = await _http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var status = (int)response.StatusCode;
            if (status >= 500)
            {
                failures.Add(($"{status} {route}: {Digitless(OneLine(text))}", $"{what} → {OneLine(text)}"));
            }
            else if (status >= 400 && method != "HEAD" && ShapeProblem(service, status, response.Content.Headers.ContentType?.MediaType, text) is { } problem)
            {
                failures.Add(($"{status} not in {service}'s error shape ({problem}) {route}", $"{what} → {OneLine(text)}"));
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            failures.Add(($"no answer ({e.GetType().Name}: {e.Message}) {route}", what));
        }

        return 1;
    }

    private static string OneLine(string text) => WhitespacePattern().Replace(text, " ") is var line && line.Length > 300 ? line[..300] + "…" : line;

    // Failures differing only in ids and numbers are one failure.
    private static string Digitless(string text) => HexPattern().Replace(text, "#")[..Math.Min(text.Length, 120)];

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespacePattern();

    [GeneratedRegex(@"[0-9a-fA-F-]{6,}|\d+")]
    private static partial Regex HexPattern();

    private static string Show(byte[]? body)
    {
        if (body is null)
        {
            return "(no body)";
        }

        var text = Encoding.UTF8.GetString(body);
        return text.Length > 200 ? text[..200] + $"… ({body.Length} bytes)" : text;
    }

    /// <summary>What is wrong with an error body for the service, or null when it is in its shape.</summary>
    private static string? ShapeProblem(string service, int status, string? mediaType, string text)
    {
        if ((service == "Image" || status == 413) && mediaType != "application/json")
        {
            // webob's error page, in the type the Accept header asked for (Glance's errors, and
            // oslo.middleware's sizelimit in front of Nova, Cinder and Keystone).
            return text.Contains(status.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal) ? null : "no status in webob's page";
        }

        JsonNode? json;
        try
        {
            json = JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return "not JSON";
        }

        if (json is not JsonObject obj)
        {
            return "not a JSON object";
        }

        if (status == 401)
        {
            // keystonemiddleware's auth_token answers for every service, in its own shape.
            return obj["error"] is JsonObject { } denied && denied["code"]?.GetValue<int>() == 401 && denied["title"] is JsonValue && denied["message"] is JsonValue ? null : "not keystonemiddleware's 401";
        }

        switch (service)
        {
            case "Network":
                return obj["NeutronError"] is JsonObject { } error && error["type"] is JsonValue && error["message"] is JsonValue ? null : "no NeutronError with type and message";
            case "Identity" when status == 413 && obj["title"] is JsonValue && obj["message"] is JsonValue:
                return null;
            case "Identity":
                return obj["error"] is JsonObject { } e && e["code"]?.GetValue<int>() == status && e["message"] is JsonValue ? null : "no error with code and message";
            case "Image":
                return (obj["code"] is JsonValue && obj["message"] is JsonValue) || obj["error"] is JsonObject ? null : "no code and message";
            case "Compute" or "Volume" when status == 413 && obj["title"] is JsonValue && obj["message"] is JsonValue:
                return null; // webob's JSON page
            default:
                return obj.Count == 1 && obj.First().Value is JsonObject { } fault && fault["message"] is JsonValue && fault["code"]?.GetValue<int>() == status
                    ? null
                    : "not one fault with message and code";
        }
    }
}
