using System.Net.Http.Headers;
using System.Text.Json;
using Tricircle.Emulator.Regions;
using Tricircle.Sandbox;

namespace Tricircle.Support;

/// <summary>
/// The whole system in this process, as <c>tricircle sandbox</c> runs it: an emulated Keystone,
/// two emulated regions (RegionOne in az1, RegionTwo in az2), Tricircle with every role on free
/// ports and its endpoints in CentralRegion, on a fresh database of one dialect. Tenants:
/// <c>demo</c> and <c>other</c> (members of their own projects) and <c>admin</c>.
/// </summary>
public abstract class GatewayFixture(string dialect) : IAsyncLifetime
{
    /// <summary>Configuration beyond the sandbox's (a short list deadline, say).</summary>
    protected virtual Dictionary<string, string?> Settings => [];

    /// <summary>How many emulated regions (RegionOne in az1, RegionTwo in az2, RegionThree in az3, ...).</summary>
    protected virtual int Pods => 2;

    /// <summary>One compute host name for every pod (null: each region its own).</summary>
    protected virtual string? ComputeHost => null;

    protected virtual int? ComputeHostCount => null;

    private static int _tenants;

    public const string OtherPassword = "other-secret";

    private RunningSandbox _sandbox = null!;
    private string _directory = "";
    private string _adminProjectId = "";

    public TestDatabase Database { get; private set; } = null!;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    public string AdminToken { get; private set; } = "";

    public string DemoToken { get; private set; } = "";

    public string DemoProjectId { get; private set; } = "";

    public string OtherToken { get; private set; } = "";

    public string OtherProjectId { get; private set; } = "";

    public Uri ComputeUrl => _sandbox.ComputeUrl;

    public Uri AdminUrl => _sandbox.AdminUrl;

    /// <summary>The Cinder gateway's v3 root (without the project).</summary>
    public Uri VolumeUrl => _sandbox.VolumeUrl;
    public Uri ImageUrl => _sandbox.ImageUrl;

    /// <summary>The central Neutron's root (its version list); the API is under <c>v2.0/</c>.</summary>
    public Uri NetworkUrl => _sandbox.NetworkUrl;

    /// <summary>The web console (the <c>console</c> role).</summary>
    public Uri ConsoleUrl => _sandbox.ConsoleUrl ?? throw new InvalidOperationException("This gateway runs no console role.");

    public string DataDirectory => _sandbox.DataDirectory;

    /// <summary>The gateway's services (its metrics, stores).</summary>
    public IServiceProvider Services => _sandbox.Services;

    /// <summary>The configuration file the sandbox wrote: what its Tricircle runs with, for another instance (<c>tricircle serve --config-file</c>).</summary>
    public string ConfigFile => Path.Combine(_sandbox.DataDirectory, "tricircle.conf");

    public Uri AuthUrl => _sandbox.Keystone.AuthUrl;

    internal RunningSandbox Sandbox => _sandbox;

    public RegionEmulator Region(string name) => _sandbox.Regions[name];

    /// <summary>
    /// Brings a region taken down (<c>Faults.SetDownAsync(true)</c>) back, and waits out the rest
    /// its circuit may have been given by the calls that failed meanwhile: the class's next test
    /// would otherwise find its zone unreachable for that long.
    /// </summary>
    public async Task BringBackAsync(string region)
    {
        await Region(region).Faults.SetDownAsync(false);
        var client = Services.GetRequiredService<Tricircle.Pods.PodClient>();
        var pod = (await Services.GetRequiredService<Tricircle.Pods.PodStore>().FindByRegionAsync(region, CancellationToken.None))!;
        await Poll.UntilAsync(() => Task.FromResult(client.IsReachable(pod)), TimeSpan.FromSeconds(30), () => $"{region}'s circuit is still resting");
    }

    public virtual async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync(dialect);
        _directory = Directory.CreateTempSubdirectory("tricircle-gateway-").FullName;
        _sandbox = await SandboxRunner.StartAsync(
            new SandboxOptions(Pods, _directory, Database.Connection, 0, 0) { ComputePort = 0, VolumePort = 0, ImagePort = 0, NetworkPort = 0, ConsolePort = 0, BuildDelay = TimeSpan.FromMilliseconds(50), Settings = Settings, ComputeHost = ComputeHost, ComputeHostCount = ComputeHostCount },
            CancellationToken.None);
        var keystone = _sandbox.Keystone;
        OtherProjectId = keystone.AddProject("other");
        var other = keystone.AddUser("other", OtherPassword, defaultProjectId: OtherProjectId);
        keystone.Grant(other, OtherProjectId, "member");
        var admin = keystone.IssueToken("admin", SandboxOptions.AdminPassword, "admin");
        AdminToken = admin.Id;
        _adminProjectId = admin.ProjectId;
        var demo = keystone.IssueToken("demo", SandboxOptions.DemoPassword, "demo");
        DemoToken = demo.Id;
        DemoProjectId = demo.ProjectId;
        OtherToken = keystone.IssueToken("other", OtherPassword, "other").Id;
    }

    /// <summary>A fresh project with a member user (token and project id), so that quota tests start from zero.</summary>
    public (string Token, string ProjectId) NewTenant(string prefix = "tenant")
    {
        var name = $"{prefix}{Interlocked.Increment(ref _tenants)}-{Guid.NewGuid():N}"[..20];
        var keystone = _sandbox.Keystone;
        var project = keystone.AddProject(name);
        var user = keystone.AddUser(name, "pw-" + name, defaultProjectId: project);
        keystone.Grant(user, project, "member");
        return (keystone.IssueToken(name, "pw-" + name, name).Id, project);
    }

    /// <summary>A request to the Nova gateway (path relative to /v2.1/), with a microversion when given.</summary>
    public Task<ApiResponse> ComputeAsync(HttpMethod method, string path, string? token, string? json = null, string? microversion = null) =>
        SendAsync(new Uri(ComputeUrl.ToString().TrimEnd('/') + "/" + path.TrimStart('/')), method, token, json, microversion);

    /// <summary>A request to the Cinder gateway (path relative to /v3/{project}/, the token's project unless <paramref name="project"/>), with a microversion when given.</summary>
    public Task<ApiResponse> VolumeAsync(HttpMethod method, string path, string? token, string? json = null, string? microversion = null, string? project = null)
    {
        project ??= token == OtherToken ? OtherProjectId : token == AdminToken ? _adminProjectId : DemoProjectId;
        return SendAsync(new Uri($"{VolumeUrl.ToString().TrimEnd('/')}/{project}/{path.TrimStart('/')}"), method, token, json, microversion, "volume");
    }

    /// <summary>A request to the central Neutron (path relative to /v2.0/, e.g. <c>networks</c>).</summary>
    public Task<ApiResponse> NetworkAsync(HttpMethod method, string path, string? token, string? json = null) =>
        SendAsync(new Uri(NetworkUrl, "v2.0/" + path.TrimStart('/')), method, token, json);

    /// <summary>
    /// A request to the Glance gateway (path relative to its root, e.g. <c>v2/images</c>); a
    /// string body goes as JSON unless <paramref name="contentType"/> says otherwise.
    /// </summary>
    public Task<ApiResponse> ImageAsync(HttpMethod method, string path, string? token, string? json = null, string? contentType = null)
    {
        var request = new HttpRequestMessage(method, new Uri(ImageUrl, path.TrimStart('/')));
        request.Headers.Accept.ParseAdd("application/json"); // Glance words its webob errors as JSON only when asked
        if (token is not null)
        {
            request.Headers.Add("X-Auth-Token", token);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType ?? "application/json");
        }

        return ApiResponse.SendAsync(Http, request);
    }

    public async Task<ApiResponse> SendAsync(Uri url, HttpMethod method, string? token, string? json = null, string? microversion = null, string service = "compute")
    {
        var request = new HttpRequestMessage(method, url);
        if (token is not null)
        {
            request.Headers.Add("X-Auth-Token", token);
        }

        if (microversion is not null)
        {
            request.Headers.Add("OpenStack-API-Version", service + " " + microversion);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        return await ApiResponse.SendAsync(Http, request);
    }

    /// <summary>The id of the seeded cirros image in one region's own Glance.</summary>
    public async Task<string> CirrosAsync(string region)
    {
        var images = await SendAsync(new Uri(Region(region).ImageUrl, "v2/images?name=cirros"), HttpMethod.Get, AdminToken);
        return images.Json.GetProperty("images")[0].GetProperty("id").GetString()!;
    }

    /// <summary>Boots a server through the gateway (no networks) and returns its id.</summary>
    public async Task<string> BootAsync(string token, string az, string name)
    {
        var image = await CirrosAsync(az == "az1" ? "RegionOne" : "RegionTwo");
        var body = JsonSerializer.Serialize(new { server = new { name, flavorRef = "1", imageRef = image, networks = "none", availability_zone = az } });
        var created = await ComputeAsync(HttpMethod.Post, "servers", token, body, "2.37");
        Assert.True(created.Status == System.Net.HttpStatusCode.Accepted, created.Text);
        return created.Json.GetProperty("server").GetProperty("id").GetString()!;
    }

    /// <summary>
    /// Waits until no job is pending (NEW or RUNNING): what the workers had to carry to the pods is
    /// done, or has failed for good. Fails the test after <paramref name="within"/>.
    /// </summary>
    public async Task JobsSettledAsync(TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(60));
        var database = _sandbox.Services.GetRequiredService<Tricircle.Data.Database>();
        while (true)
        {
            await using (var connection = await database.OpenAsync(CancellationToken.None))
            {
                var pending = await Dapper.SqlMapper.QueryAsync<(string Type, string Resource, string? Error)>(connection,
                    "SELECT type, resource_id, last_error FROM jobs WHERE status IN ('NEW', 'RUNNING')");
                if (!pending.Any())
                {
                    return;
                }

                if (DateTime.UtcNow > deadline)
                {
                    Assert.Fail("Jobs still pending: " + string.Join("; ", pending.Select(p => $"{p.Type} {p.Resource} ({p.Error})")));
                }
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Whether Tricircle still routes the resource (a routing row of the type).</summary>
    public async Task<bool> RoutedAsync(string resourceType, string topId)
    {
        var database = _sandbox.Services.GetRequiredService<Tricircle.Data.Database>();
        await using var connection = await database.OpenAsync(CancellationToken.None);
        return await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection,
            "SELECT COUNT(*) FROM resource_routings WHERE resource_type = @resourceType AND top_id = @topId", new { resourceType, topId }) > 0;
    }

    /// <summary>Jobs that ended in FAIL: type, resource and error.</summary>
    public async Task<IReadOnlyList<string>> FailedJobsAsync()
    {
        var database = _sandbox.Services.GetRequiredService<Tricircle.Data.Database>();
        await using var connection = await database.OpenAsync(CancellationToken.None);
        return [.. (await Dapper.SqlMapper.QueryAsync<(string Type, string Resource, string? Error)>(connection,
            "SELECT type, resource_id, last_error FROM jobs WHERE status = 'FAIL'")).Select(j => $"{j.Type} {j.Resource}: {j.Error}")];
    }

    /// <summary>The jobs of one type about one resource key (e.g. a port's id), newest first.</summary>
    public async Task<IReadOnlyList<(string Id, string Status, string? Error)>> JobsAsync(string type, string key)
    {
        var database = _sandbox.Services.GetRequiredService<Tricircle.Data.Database>();
        await using var connection = await database.OpenAsync(CancellationToken.None);
        return [.. await Dapper.SqlMapper.QueryAsync<(string, string, string?)>(connection,
            "SELECT id, status, last_error FROM jobs WHERE type = @type AND ('#' || resource_id || '#') LIKE @key ORDER BY seq DESC",
            new { type, key = "%#" + key + "#%" })];
    }

    public virtual async Task DisposeAsync()
    {
        Http.Dispose();
        await _sandbox.DisposeAsync();
        await Database.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}

public sealed class SqliteGatewayFixture() : GatewayFixture("sqlite");

public sealed class PostgresGatewayFixture() : GatewayFixture("postgres");

/// <summary>Three pods (RegionThree starts in az3; a test may move it), for placement among pods of one AZ.</summary>
public class ThreePodGatewayFixture(string dialect) : GatewayFixture(dialect)
{
    protected override int Pods => 3;
}

public sealed class SqliteThreePodGatewayFixture() : ThreePodGatewayFixture("sqlite");

public sealed class PostgresThreePodGatewayFixture() : ThreePodGatewayFixture("postgres");

/// <summary>
/// A gateway for pod outages: a two-second list deadline and pod rest, jobs that retry within a
/// second and give up after four counted attempts, and no periodic audit (tests run it).
/// </summary>
public class JobsGatewayFixture(string dialect) : GatewayFixture(dialect)
{
    protected override Dictionary<string, string?> Settings => new()
    {
        ["client:list_timeout"] = "2",
        ["client:circuit_break_seconds"] = "2",
        ["jobs:retry_base_seconds"] = "0.2",
        ["jobs:retry_max_seconds"] = "1",
        ["jobs:max_attempts"] = "4",
        ["jobs:audit_interval"] = "0",
    };
}

public sealed class SqliteJobsGatewayFixture() : JobsGatewayFixture("sqlite");

public sealed class PostgresJobsGatewayFixture() : JobsGatewayFixture("postgres");

/// <summary>
/// A gateway for audits: as <see cref="JobsGatewayFixture"/> (no periodic audit: tests queue
/// them), with audits held to four calls a second to a pod, so that the limit is measurable.
/// </summary>
public class AuditGatewayFixture(string dialect) : JobsGatewayFixture(dialect)
{
    public const double AuditRate = 4;

    protected override Dictionary<string, string?> Settings => new(base.Settings) { ["jobs:audit_rate"] = "4" };
}

public sealed class SqliteAuditGatewayFixture() : AuditGatewayFixture("sqlite");

public sealed class PostgresAuditGatewayFixture() : AuditGatewayFixture("postgres");

/// <summary>A gateway whose list deadline is one second, for tests that take pods down or slow them.</summary>
public sealed class OutageGatewayFixture() : GatewayFixture("sqlite")
{
    protected override Dictionary<string, string?> Settings => new() { ["client:list_timeout"] = "1", ["client:circuit_break_seconds"] = "2" };
}

/// <summary>Two pods of one compute host each whose hosts have the same name (as the lab's regions on one machine), and a one-second list deadline, for the operator views.</summary>
public sealed class SameHostGatewayFixture() : GatewayFixture("sqlite")
{
    public const string HostName = "lab-host";

    protected override string? ComputeHost => HostName;

    protected override int? ComputeHostCount => 1;

    protected override Dictionary<string, string?> Settings => new() { ["client:list_timeout"] = "1", ["client:circuit_break_seconds"] = "2" };
}
