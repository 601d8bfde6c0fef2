using Microsoft.Extensions.Time.Testing;
using Tricircle.Emulator.Identity;
using Tricircle.Hosting;
using Tricircle.Support;

namespace Tricircle.Pods;

public abstract class PodEndpointsTests(string dialect) : IAsyncLifetime
{
    private KeystoneEmulator _keystone = null!;
    private TestDatabase _db = null!;
    private string _network = "";

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync(dialect);
        _keystone = await KeystoneEmulator.StartAsync(new KeystoneEmulatorOptions { Port = 0 });
        var service = _keystone.AddUser("tricircle", "secret");
        _keystone.Grant(service, _keystone.FindProjectId("service")!, "admin");
        _keystone.AddRegion("RegionOne");
        _keystone.AddRegion("RegionTwo");
        _network = _keystone.AddService("network", "neutron");
        _keystone.AddEndpoint(_network, "RegionOne", "public", "http://r1.example:9696");
        _keystone.AddEndpoint(_network, "RegionOne", "internal", "http://r1.internal:9696");
        _keystone.AddEndpoint(_network, "RegionTwo", "public", "http://r2.example:9696");
        _keystone.AddEndpoint(_keystone.AddService("block-storage", "cinder"), "RegionOne", "public", "http://r1.example:8776/v3/$(project_id)s");
    }

    public async Task DisposeAsync()
    {
        await _keystone.DisposeAsync();
        await _db.DisposeAsync();
    }

    private WebApplication Host(bool autoRefresh = true, string @interface = "public", TimeProvider? time = null) => ServiceHost.Build(
        TricircleConfiguration.Load([], new Dictionary<string, string?>
        {
            ["database:connection"] = _db.Connection,
            ["keystone_authtoken:auth_url"] = _keystone.AuthUrl.ToString(),
            ["keystone_authtoken:username"] = "tricircle",
            ["keystone_authtoken:password"] = "secret",
            ["client:auto_refresh_endpoint"] = autoRefresh ? "true" : "false",
            ["client:endpoint_interface"] = @interface,
        }),
        services =>
        {
            if (time is not null)
            {
                services.AddSingleton(time);
            }
        });

    [Fact]
    public async Task Get_SeesAnotherInstancesRefresh_OnceItsMemoryCopyExpires()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero));
        await using var one = Host(time: time);
        await using var other = Host();
        var pod = await one.Services.GetRequiredService<PodStore>().CreateAsync("RegionTwo", "az2", "", "", default);
        var endpoints = one.Services.GetRequiredService<PodEndpoints>();
        Assert.Equal(new Uri("http://r2.example:9696"), await endpoints.GetAsync(pod, "network", default));

        // The region moves its endpoint; the other instance finds out and stores the new URL.
        foreach (var id in EndpointIds("RegionTwo"))
        {
            _keystone.RemoveEndpoint(id);
        }

        _keystone.AddEndpoint(_network, "RegionTwo", "public", "http://r2-moved.example:9696");
        Assert.Equal(new Uri("http://r2-moved.example:9696"), await other.Services.GetRequiredService<PodEndpoints>().RefreshAsync(pod, "network", default));

        // This instance serves requests from memory (no database read per forward) for a minute, then reads the rows again.
        Assert.Equal(new Uri("http://r2.example:9696"), await endpoints.GetAsync(pod, "network", default));
        time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(new Uri("http://r2-moved.example:9696"), await endpoints.GetAsync(pod, "network", default));
    }

    [Fact]
    public async Task Get_ReadsThePodsRegionFromTheCatalog_ThenServesFromTheCache()
    {
        await using var host = Host();
        var pod = await host.Services.GetRequiredService<PodStore>().CreateAsync("RegionOne", "az1", "", "", default);
        var endpoints = host.Services.GetRequiredService<PodEndpoints>();

        Assert.Equal(new Uri("http://r1.example:9696"), await endpoints.GetAsync(pod, "network", default));
        Assert.Null(await endpoints.GetAsync(pod, "compute", default));

        // Keystone changes; the cache does not until the endpoint is reported unreachable.
        _keystone.RemoveEndpoint(_keystone.AddEndpoint(_network, "RegionOne", "admin", "http://unused"));
        var moved = _keystone.AddEndpoint(_network, "RegionOne", "public", "http://r1-new.example:9696");
        Assert.NotNull(moved);
        Assert.Equal(new Uri("http://r1.example:9696"), await endpoints.GetAsync(pod, "network", default));
    }

    [Fact]
    public async Task Refresh_AfterTheEndpointMoved_ReadsTheCatalogAgain()
    {
        await using var host = Host();
        var pod = await host.Services.GetRequiredService<PodStore>().CreateAsync("RegionTwo", "az2", "", "", default);
        var endpoints = host.Services.GetRequiredService<PodEndpoints>();
        Assert.Equal(new Uri("http://r2.example:9696"), await endpoints.GetAsync(pod, "network", default));

        foreach (var id in EndpointIds("RegionTwo"))
        {
            _keystone.RemoveEndpoint(id);
        }

        _keystone.AddEndpoint(_network, "RegionTwo", "public", "http://r2-moved.example:9696");
        Assert.Equal(new Uri("http://r2-moved.example:9696"), await endpoints.RefreshAsync(pod, "network", default));
        Assert.Equal(new Uri("http://r2-moved.example:9696"), await endpoints.GetAsync(pod, "network", default));
    }

    [Fact]
    public async Task Refresh_ReadsTheCatalogAtMostOnceInTenSecondsPerPod_SoADownPodCostsKeystoneOneCall()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 10, 0, 0, TimeSpan.Zero));
        await using var host = Host(time: time);
        var pod = await host.Services.GetRequiredService<PodStore>().CreateAsync("RegionTwo", "az2", "", "", default);
        var endpoints = host.Services.GetRequiredService<PodEndpoints>();
        Assert.Equal(new Uri("http://r2.example:9696"), await endpoints.RefreshAsync(pod, "network", default));

        // The region moves its endpoint: a refresh right after the last one does not ask Keystone.
        foreach (var id in EndpointIds("RegionTwo"))
        {
            _keystone.RemoveEndpoint(id);
        }

        _keystone.AddEndpoint(_network, "RegionTwo", "public", "http://r2-moved.example:9696");
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(new Uri("http://r2.example:9696"), await endpoints.RefreshAsync(pod, "network", default));

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(new Uri("http://r2-moved.example:9696"), await endpoints.RefreshAsync(pod, "network", default));
    }

    [Fact]
    public async Task Refresh_WhenAutoRefreshIsOff_KeepsTheCachedUrl()
    {
        await using var host = Host(autoRefresh: false);
        var pod = await host.Services.GetRequiredService<PodStore>().CreateAsync("RegionTwo", "az2", "", "", default);
        var endpoints = host.Services.GetRequiredService<PodEndpoints>();
        var first = await endpoints.GetAsync(pod, "network", default);
        _keystone.AddEndpoint(_network, "RegionTwo", "admin", "http://r2-admin.example:9696");
        Assert.Equal(first, await endpoints.RefreshAsync(pod, "network", default));
    }

    [Fact]
    public async Task Get_HonoursTheInterface_AndVolumeAliases()
    {
        await using var host = Host(@interface: "internal");
        var pod = await host.Services.GetRequiredService<PodStore>().CreateAsync("RegionOne", "az1", "", "", default);
        var endpoints = host.Services.GetRequiredService<PodEndpoints>();
        Assert.Equal(new Uri("http://r1.internal:9696"), await endpoints.GetAsync(pod, "network", default));

        await using var publicHost = Host();
        var publicEndpoints = publicHost.Services.GetRequiredService<PodEndpoints>();
        var url = await publicEndpoints.RefreshAsync(pod, "volumev3", default);
        Assert.NotNull(url);
        Assert.StartsWith("http://r1.example:8776/v3/", url.ToString(), StringComparison.Ordinal);
    }

    private List<string> EndpointIds(string region)
    {
        var token = _keystone.IssueToken("admin", "password", "admin");
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_keystone.AuthUrl, $"v3/endpoints?region_id={region}"));
        request.Headers.Add("X-Auth-Token", token.Id);
        using var response = http.Send(request);
        using var document = System.Text.Json.JsonDocument.Parse(response.Content.ReadAsStream());
        return document.RootElement.GetProperty("endpoints").EnumerateArray().Select(e => e.GetProperty("id").GetString()!).ToList();
    }
}

public sealed class PodEndpointsSqliteTests() : PodEndpointsTests("sqlite");

public sealed class PodEndpointsPostgresTests() : PodEndpointsTests("postgres");
