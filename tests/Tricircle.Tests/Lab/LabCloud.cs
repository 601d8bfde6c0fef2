using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tricircle.Lab;

/// <summary>
/// The real cloud the Lab tests run against, from <c>TRICIRCLE_LAB_*</c> variables (what
/// <c>lab/lab.sh env</c> prints; an operator sets them for a cloud of their own):
/// <c>AUTH_URL</c> (required), <c>ADMIN_USERNAME</c>/<c>_PASSWORD</c>/<c>_PROJECT_NAME</c>
/// (admin/-/admin), <c>SERVICE_USERNAME</c>/<c>_PASSWORD</c>/<c>_PROJECT_NAME</c> (Tricircle's
/// service user: tricircle/-/service, admin role), <c>DEMO_USERNAME</c>/<c>_PASSWORD</c>/<c>_PROJECT_NAME</c>
/// (a member: demo/-/demo), <c>REGIONS</c> (the pods, comma-separated; default: every region
/// with a network endpoint except the central one), <c>CENTRAL_REGION</c> (CentralRegion),
/// <c>DATABASE</c> (Tricircle's database; default a SQLite file in a temp directory).
/// Talks to Keystone over plain HTTP, so it needs nothing of Tricircle's.
/// </summary>
public sealed class LabCloud
{
    public const string Prefix = "TRICIRCLE_LAB_";

    private LabCloud(Uri authUrl)
    {
        AuthUrl = authUrl;
    }

    /// <summary>Keystone's v3 URL, ending in "/v3/".</summary>
    public Uri AuthUrl { get; }

    public string AdminUser { get; private init; } = "admin";

    public string AdminPassword { get; private init; } = "";

    public string AdminProject { get; private init; } = "admin";

    public string ServiceUser { get; private init; } = "tricircle";

    public string ServicePassword { get; private init; } = "";

    public string ServiceProject { get; private init; } = "service";

    public string DemoUser { get; private init; } = "demo";

    public string DemoPassword { get; private init; } = "";

    public string DemoProject { get; private init; } = "demo";

    public string CentralRegion { get; private init; } = "CentralRegion";

    public string? Database { get; private init; }

    /// <summary>The pod regions, in order (RegionOne, RegionTwo, ...).</summary>
    public IReadOnlyList<string> Regions { get; private set; } = [];

    public static string? Env(string name) =>
        Environment.GetEnvironmentVariable(Prefix + name) is { Length: > 0 } value ? value : null;

    private static string Required(string name) =>
        Env(name) ?? throw new InvalidOperationException($"{Prefix}{name} is required with {Prefix}AUTH_URL (lab/README.md)");

    /// <summary>Reads the variables and checks the cloud answers: a missing lab fails here, loudly.</summary>
    public static async Task<LabCloud> FromEnvironmentAsync(HttpClient http)
    {
        var authUrl = Required("AUTH_URL").TrimEnd('/');
        var cloud = new LabCloud(new Uri(authUrl.EndsWith("/v3", StringComparison.Ordinal) ? authUrl + "/" : authUrl + "/v3/"))
        {
            AdminUser = Env("ADMIN_USERNAME") ?? "admin",
            AdminPassword = Required("ADMIN_PASSWORD"),
            AdminProject = Env("ADMIN_PROJECT_NAME") ?? "admin",
            ServiceUser = Env("SERVICE_USERNAME") ?? "tricircle",
            ServicePassword = Required("SERVICE_PASSWORD"),
            ServiceProject = Env("SERVICE_PROJECT_NAME") ?? "service",
            DemoUser = Env("DEMO_USERNAME") ?? "demo",
            DemoPassword = Required("DEMO_PASSWORD"),
            DemoProject = Env("DEMO_PROJECT_NAME") ?? "demo",
            CentralRegion = Env("CENTRAL_REGION") ?? "CentralRegion",
            Database = Env("DATABASE"),
        };
        var admin = await cloud.AdminTokenAsync(http);
        cloud.Regions = Env("REGIONS") is { } regions
            ? regions.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : admin.Catalog
                .Where(s => (string?)s!["type"] == "network")
                .SelectMany(s => s!["endpoints"]!.AsArray())
                .Select(e => (string)e!["region_id"]!)
                .Where(r => r != cloud.CentralRegion)
                .Distinct()
                .Order(StringComparer.Ordinal)
                .ToList();
        if (cloud.Regions.Count == 0)
        {
            throw new InvalidOperationException($"no pod regions: the catalog at {cloud.AuthUrl} has no network endpoint outside {cloud.CentralRegion}");
        }

        return cloud;
    }

    /// <summary>The OS_* variables of <c>source openrc</c> for the admin (or the demo member), scoped to <paramref name="region"/>.</summary>
    public Dictionary<string, string?> Openrc(string? region = null, bool demo = false) => new()
    {
        ["OS_AUTH_URL"] = AuthUrl.ToString(),
        ["OS_IDENTITY_API_VERSION"] = "3",
        ["OS_USERNAME"] = demo ? DemoUser : AdminUser,
        ["OS_PASSWORD"] = demo ? DemoPassword : AdminPassword,
        ["OS_PROJECT_NAME"] = demo ? DemoProject : AdminProject,
        ["OS_USER_DOMAIN_NAME"] = "Default",
        ["OS_PROJECT_DOMAIN_NAME"] = "Default",
        ["OS_REGION_NAME"] = region ?? CentralRegion,
        ["OS_INTERFACE"] = "public",
    };

    public Task<Token> AdminTokenAsync(HttpClient http) => TokenAsync(http, AdminUser, AdminPassword, AdminProject);

    public Task<Token> DemoTokenAsync(HttpClient http) => TokenAsync(http, DemoUser, DemoPassword, DemoProject);

    public async Task<Token> TokenAsync(HttpClient http, string user, string password, string project)
    {
        var body = new JsonObject
        {
            ["auth"] = new JsonObject
            {
                ["identity"] = new JsonObject
                {
                    ["methods"] = new JsonArray("password"),
                    ["password"] = new JsonObject { ["user"] = new JsonObject { ["name"] = user, ["domain"] = new JsonObject { ["id"] = "default" }, ["password"] = password } },
                },
                ["scope"] = new JsonObject { ["project"] = new JsonObject { ["name"] = project, ["domain"] = new JsonObject { ["id"] = "default" } } },
            },
        };
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri(AuthUrl, "auth/tokens"), content);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"{user}/{project} could not log in at {AuthUrl}: {(int)response.StatusCode} {text}");
        }

        var token = JsonNode.Parse(text)!["token"]!;
        return new Token(response.Headers.GetValues("X-Subject-Token").Single(), (string)token["project"]!["id"]!, token["catalog"]?.AsArray() ?? []);
    }

    /// <summary>
    /// Puts <paramref name="url"/> in the catalog as <paramref name="serviceType"/> in the central
    /// region (public, internal, admin), replacing that service's earlier central endpoints (a
    /// previous run's port); returns the endpoint ids to remove afterwards.
    /// </summary>
    public async Task<IReadOnlyList<string>> RegisterCentralEndpointAsync(HttpClient http, string serviceType, string serviceName, Uri url)
    {
        var token = (await AdminTokenAsync(http)).Id;
        var services = (await KeystoneAsync(http, HttpMethod.Get, $"services?type={serviceType}", token))["services"]!.AsArray();
        var serviceId = (string?)services.FirstOrDefault(s => (string?)s!["name"] == serviceName)?["id"]
            ?? (string)(await KeystoneAsync(http, HttpMethod.Post, "services", token, new JsonObject
            {
                ["service"] = new JsonObject { ["type"] = serviceType, ["name"] = serviceName, ["description"] = "Tricircle (lab conformance tests)" },
            }))["service"]!["id"]!;

        var old = (await KeystoneAsync(http, HttpMethod.Get, $"endpoints?service_id={serviceId}&region_id={CentralRegion}", token))["endpoints"]!.AsArray();
        foreach (var endpoint in old)
        {
            await KeystoneAsync(http, HttpMethod.Delete, $"endpoints/{endpoint!["id"]}", token);
        }

        var ids = new List<string>();
        foreach (var @interface in (string[])["public", "internal", "admin"])
        {
            var created = await KeystoneAsync(http, HttpMethod.Post, "endpoints", token, new JsonObject
            {
                ["endpoint"] = new JsonObject { ["service_id"] = serviceId, ["region_id"] = CentralRegion, ["interface"] = @interface, ["url"] = url.ToString() },
            });
            ids.Add((string)created["endpoint"]!["id"]!);
        }

        return ids;
    }

    public async Task RemoveEndpointsAsync(HttpClient http, IEnumerable<string> endpointIds)
    {
        var token = (await AdminTokenAsync(http)).Id;
        foreach (var id in endpointIds)
        {
            await KeystoneAsync(http, HttpMethod.Delete, $"endpoints/{id}", token, allowNotFound: true);
        }
    }

    private async Task<JsonNode> KeystoneAsync(HttpClient http, HttpMethod method, string path, string token, JsonNode? body = null, bool allowNotFound = false)
    {
        using var request = new HttpRequestMessage(method, new Uri(AuthUrl, path));
        request.Headers.Add("X-Auth-Token", token);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode && !(allowNotFound && response.StatusCode == HttpStatusCode.NotFound))
        {
            throw new InvalidOperationException($"Keystone {method} {path}: {(int)response.StatusCode} {text}");
        }

        return text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!;
    }

    public sealed record Token(string Id, string ProjectId, JsonArray Catalog)
    {
        /// <summary>The public URL of <paramref name="serviceType"/> in <paramref name="region"/>, or null.</summary>
        public string? Endpoint(string serviceType, string region) =>
            Catalog.Where(s => (string?)s!["type"] == serviceType)
                .SelectMany(s => s!["endpoints"]!.AsArray())
                .Where(e => (string?)e!["interface"] == "public" && (string?)e["region_id"] == region)
                .Select(e => (string?)e!["url"])
                .FirstOrDefault();
    }

    /// <summary>Parses a CLI's <c>-f json</c> output.</summary>
    public static JsonElement Json(string stdout) => JsonDocument.Parse(stdout).RootElement.Clone();
}
