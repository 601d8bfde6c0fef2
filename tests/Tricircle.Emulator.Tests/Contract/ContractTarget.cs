using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Tricircle.Emulator.Identity;
using Tricircle.Emulator.Regions;

namespace Tricircle.Emulator.Contract;

/// <summary>
/// The region a contract test talks to: an emulated one by default, or a real OpenStack region
/// when <c>TRICIRCLE_CONTRACT_AUTH_URL</c> is set (with <c>_USERNAME</c>, <c>_PASSWORD</c>,
/// <c>_PROJECT_NAME</c>, <c>_REGION</c>, and for the non-admin tests <c>_DEMO_USERNAME</c>,
/// <c>_DEMO_PASSWORD</c>, <c>_DEMO_PROJECT_NAME</c>; domains default to Default). The tests
/// speak only HTTP to URLs from the catalog, so the same test judges both.
/// </summary>
public sealed class ContractTarget : IAsyncLifetime
{
    public const string Prefix = "TRICIRCLE_CONTRACT_";

    private KeystoneEmulator? _keystone;

    public bool IsEmulated => Region is not null;

    /// <summary>The emulated region (null against a real cloud): for tests that also inspect state.</summary>
    public RegionEmulator? Region { get; private set; }

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(120) };

    public Uri AuthUrl { get; private set; } = null!;

    public string RegionName { get; private set; } = "RegionOne";

    public string AdminToken { get; private set; } = "";

    public string AdminProjectId { get; private set; } = "";

    public string DemoToken { get; private set; } = "";

    public string DemoProjectId { get; private set; } = "";

    /// <summary>Catalog URLs of the region (public interface), project templates filled in for the admin.</summary>
    public Uri Compute { get; private set; } = null!;

    public Uri Network { get; private set; } = null!;

    public Uri Volume { get; private set; } = null!;

    public Uri Image { get; private set; } = null!;

    /// <summary>Cinder's URL for the demo project (it carries the project id).</summary>
    public Uri DemoVolume { get; private set; } = null!;

    private static string? Env(string name) => Environment.GetEnvironmentVariable(Prefix + name) is { Length: > 0 } v ? v : null;

    public async Task InitializeAsync()
    {
        string user, password, project, demoUser, demoPassword, demoProject;
        if (Env("AUTH_URL") is { } authUrl)
        {
            AuthUrl = new Uri(authUrl.TrimEnd('/').EndsWith("/v3", StringComparison.Ordinal) ? authUrl.TrimEnd('/') + "/" : authUrl.TrimEnd('/') + "/v3/");
            user = Env("USERNAME") ?? "admin";
            password = Env("PASSWORD") ?? throw new InvalidOperationException(Prefix + "PASSWORD is required with " + Prefix + "AUTH_URL");
            project = Env("PROJECT_NAME") ?? "admin";
            RegionName = Env("REGION") ?? "RegionOne";
            demoUser = Env("DEMO_USERNAME") ?? "demo";
            demoPassword = Env("DEMO_PASSWORD") ?? password;
            demoProject = Env("DEMO_PROJECT_NAME") ?? "demo";
        }
        else
        {
            _keystone = await KeystoneEmulator.StartAsync(new KeystoneEmulatorOptions { Port = 0 });
            var demoProjectId = _keystone.AddProject("demo");
            var demo = _keystone.AddUser("demo", "demo-secret", defaultProjectId: demoProjectId);
            _keystone.Grant(demo, demoProjectId, "member");
            Region = await RegionEmulator.StartAsync(_keystone, new RegionEmulatorOptions { Name = RegionName });
            AuthUrl = new Uri(_keystone.AuthUrl.ToString().TrimEnd('/') + "/");
            (user, password, project, demoUser, demoPassword, demoProject) = ("admin", "password", "admin", "demo", "demo-secret", "demo");
        }

        var admin = await AuthenticateAsync(user, password, project);
        AdminToken = admin.Token;
        AdminProjectId = admin.ProjectId;
        Compute = admin.Endpoint("compute");
        Network = admin.Endpoint("network");
        Volume = admin.Endpoint("volumev3");
        Image = admin.Endpoint("image");

        var demoAuth = await AuthenticateAsync(demoUser, demoPassword, demoProject);
        DemoToken = demoAuth.Token;
        DemoProjectId = demoAuth.ProjectId;
        DemoVolume = demoAuth.Endpoint("volumev3");
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (Region is not null)
        {
            await Region.DisposeAsync();
        }

        if (_keystone is not null)
        {
            await _keystone.DisposeAsync();
        }
    }

    /// <summary>Sends a request to <paramref name="service"/> + <paramref name="path"/> with a token (none when null).</summary>
    public async Task<ContractResponse> SendAsync(HttpMethod method, Uri service, string path, string? token, JsonNode? body = null, IDictionary<string, string>? headers = null)
    {
        var baseText = service.ToString().TrimEnd('/');
        using var request = new HttpRequestMessage(method, new Uri(baseText + (path.StartsWith('/') ? path : "/" + path)));
        if (token is not null)
        {
            request.Headers.Add("X-Auth-Token", token);
        }

        foreach (var (key, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(key, value);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new ContractResponse(response.StatusCode, response.Headers, response.Content.Headers, text);
    }

    /// <summary>Sends raw text as the body (malformed JSON tests).</summary>
    public Task<ContractResponse> SendRawAsync(HttpMethod method, Uri service, string path, string? token, string body, string contentType = "application/json") =>
        SendRawAsync(method, service, path, token, Encoding.UTF8.GetBytes(body), contentType);

    /// <summary>Sends raw bytes as the body (bodies that are not even UTF-8).</summary>
    public async Task<ContractResponse> SendRawAsync(HttpMethod method, Uri service, string path, string? token, byte[] body, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, new Uri(service.ToString().TrimEnd('/') + path));
        if (token is not null)
        {
            request.Headers.Add("X-Auth-Token", token);
        }

        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var response = await Http.SendAsync(request);
        return new ContractResponse(response.StatusCode, response.Headers, response.Content.Headers, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Polls <paramref name="probe"/> until it says done, or fails after <paramref name="timeout"/> (default 60 s: real clouds are slow).</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<(bool Done, T Value)>> probe, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var (done, value) = await probe();
            if (done)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}; last seen: {value}");
            }

            await Task.Delay(200);
        }
    }

    private async Task<Auth> AuthenticateAsync(string user, string password, string project)
    {
        var body = new JsonObject
        {
            ["auth"] = new JsonObject
            {
                ["identity"] = new JsonObject
                {
                    ["methods"] = new JsonArray("password"),
                    ["password"] = new JsonObject { ["user"] = new JsonObject { ["name"] = user, ["domain"] = new JsonObject { ["name"] = Env("USER_DOMAIN_NAME") ?? "Default" }, ["password"] = password } },
                },
                ["scope"] = new JsonObject { ["project"] = new JsonObject { ["name"] = project, ["domain"] = new JsonObject { ["name"] = Env("PROJECT_DOMAIN_NAME") ?? "Default" } } },
            },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(AuthUrl, "auth/tokens")) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"Could not authenticate {user}/{project} at {AuthUrl}: {(int)response.StatusCode} {text}");
        }

        var token = JsonNode.Parse(text)!["token"]!;
        return new Auth(response.Headers.GetValues("X-Subject-Token").First(), token["project"]!["id"]!.GetValue<string>(), token["catalog"]!.AsArray(), RegionName);
    }

    private sealed record Auth(string Token, string ProjectId, JsonArray Catalog, string Region)
    {
        public Uri Endpoint(string type)
        {
            var url = Catalog
                .Where(s => s!["type"]!.GetValue<string>() == type)
                .SelectMany(s => s!["endpoints"]!.AsArray())
                .Where(e => e!["interface"]!.GetValue<string>() == "public" && (e["region_id"] ?? e["region"])!.GetValue<string>() == Region)
                .Select(e => e!["url"]!.GetValue<string>())
                .FirstOrDefault() ?? throw new InvalidOperationException($"No public {type} endpoint in region {Region}.");
            return new Uri(url);
        }
    }
}

/// <summary>A response read whole.</summary>
public sealed record ContractResponse(HttpStatusCode Status, HttpResponseHeaders Headers, HttpContentHeaders ContentHeaders, string Text)
{
    public JsonNode Json => JsonNode.Parse(Text) ?? throw new InvalidOperationException("empty body");

    public override string ToString() => $"{(int)Status} {Text}";

    /// <summary>Asserts the status and returns the body; the message shows the body on failure.</summary>
    public JsonNode Expect(HttpStatusCode status)
    {
        Assert.True(Status == status, $"expected {(int)status}, got {this}");
        return Text.Length == 0 || Text == "null" ? new JsonObject() : Json; // Neutron answers a tag PUT with null
    }
}
