using System.Net.Http.Headers;
using Tricircle.Data;
using Tricircle.Emulator.Identity;
using Tricircle.Hosting;

namespace Tricircle.Support;

/// <summary>
/// The real service host on loopback (port 0) against an emulated Keystone and a fresh
/// database of one dialect: what end-to-end tests drive over HTTP.
/// </summary>
public abstract class ServiceFixture(string dialect) : IAsyncLifetime
{
    public const string ServicePassword = "tricircle-service-secret";
    public const string DemoPassword = "demo-secret";

    private WebApplication? _app;
    private string? _stateDirectory;

    public KeystoneEmulator Keystone { get; private set; } = null!;

    public TestDatabase Database { get; private set; } = null!;

    public Uri AdminUrl { get; private set; } = null!;

    public string AdminToken { get; private set; } = "";

    public string AdminProjectId { get; private set; } = "";

    public string DemoToken { get; private set; } = "";

    public string DemoProjectId { get; private set; } = "";

    public HttpClient Http { get; } = new();

    internal IServiceProvider Services => _app!.Services;

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync(dialect);
        Keystone = await KeystoneEmulator.StartAsync(new KeystoneEmulatorOptions { Port = 0 });
        var service = Keystone.AddUser("tricircle", ServicePassword);
        Keystone.Grant(service, Keystone.FindProjectId("service")!, "admin");
        DemoProjectId = Keystone.AddProject("demo");
        var demo = Keystone.AddUser("demo", DemoPassword, defaultProjectId: DemoProjectId);
        Keystone.AddRole("member");
        Keystone.Grant(demo, DemoProjectId, "member");

        var admin = Keystone.IssueToken("admin", "password", "admin");
        AdminToken = admin.Id;
        AdminProjectId = admin.ProjectId;
        DemoToken = Keystone.IssueToken("demo", DemoPassword, "demo").Id;

        _stateDirectory = Directory.CreateTempSubdirectory("tricircle-state-").FullName;
        var configuration = TricircleConfiguration.Load([], Overrides());
        _app = ServiceHost.Build(configuration);
        await _app.StartAsync();
        AdminUrl = _app.Services.GetRequiredService<ServiceListeners>().Url(ServiceRole.Admin);

        // As an operator registers it: the Admin API is service type "tricircle" in CentralRegion.
        var tricircle = Keystone.AddService("tricircle", "tricircle", "Tricircle Admin API");
        Keystone.AddEndpoint(tricircle, "CentralRegion", "public", new Uri(AdminUrl, "v1.0").ToString());
    }

    /// <summary>The configuration the service runs with; what an operator's tricircle.conf would say.</summary>
    public Dictionary<string, string?> Overrides() => new()
    {
        ["DEFAULT:bind_host"] = "127.0.0.1",
        ["DEFAULT:admin_port"] = "0",
        ["DEFAULT:compute_port"] = "0",
        ["DEFAULT:volume_port"] = "0",
        ["DEFAULT:image_port"] = "0",
        ["DEFAULT:network_port"] = "0",
        ["DEFAULT:console_port"] = "0",
        ["DEFAULT:state_path"] = _stateDirectory,
        ["database:connection"] = Database.Connection,
        ["keystone_authtoken:auth_url"] = Keystone.AuthUrl.ToString(),
        ["keystone_authtoken:username"] = "tricircle",
        ["keystone_authtoken:password"] = ServicePassword,
        ["keystone_authtoken:project_name"] = "service",
    };

    /// <summary>A request to the Admin API with a token (none when null).</summary>
    public HttpRequestMessage Admin(HttpMethod method, string path, string? token, string? json = null)
    {
        var request = new HttpRequestMessage(method, new Uri(AdminUrl, path.TrimStart('/')));
        if (token is not null)
        {
            request.Headers.Add("X-Auth-Token", token);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        return request;
    }

    internal Database OpenDatabase() => Database.Open();

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        await Keystone.DisposeAsync();
        await Database.DisposeAsync();
        if (_stateDirectory is not null)
        {
            Directory.Delete(_stateDirectory, recursive: true);
        }
    }
}

public sealed class SqliteServiceFixture() : ServiceFixture("sqlite");

public sealed class PostgresServiceFixture() : ServiceFixture("postgres");
