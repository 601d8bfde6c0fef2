using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Tricircle.Emulator.Identity;

namespace Tricircle.Emulator.Regions.Compute;

/// <summary>Emulator-only Nova behaviour: the fake clock drives BUILD to ACTIVE, state inspection, quotas.</summary>
public sealed class NovaStateTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero));
    private readonly HttpClient _http = new();
    private KeystoneEmulator _keystone = null!;
    private RegionEmulator _region = null!;
    private string _token = "";

    public async Task InitializeAsync()
    {
        _keystone = await KeystoneEmulator.StartAsync(new KeystoneEmulatorOptions { Port = 0 });
        _region = await RegionEmulator.StartAsync(_keystone, new RegionEmulatorOptions { Name = "RegionN", TimeProvider = _clock, ServerBuildDelay = TimeSpan.FromSeconds(30) });
        _token = _keystone.IssueToken("admin", "password", "admin").Id;
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _region.DisposeAsync();
        await _keystone.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, JsonNode? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(_region.ComputeUrl.ToString().TrimEnd('/') + path));
        request.Headers.Add("X-Auth-Token", _token);
        request.Headers.Add("OpenStack-API-Version", "compute 2.37");
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null);
    }

    private string ImageId() => _region.Inspect("images").First(i => i!["name"]!.GetValue<string>() == "cirros")!["id"]!.GetValue<string>();

    private async Task<string> BootAsync(string name, string flavor = "1")
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "/servers", new JsonObject
        {
            ["server"] = new JsonObject { ["name"] = name, ["imageRef"] = ImageId(), ["flavorRef"] = flavor, ["networks"] = "none" },
        });
        Assert.True(status == HttpStatusCode.Accepted, body?.ToJsonString());
        return body!["server"]!["id"]!.GetValue<string>();
    }

    [Fact]
    public async Task Server_StaysInBuildUntilTheClockPassesTheDelay()
    {
        var id = await BootAsync("clocked");
        var (_, body) = await SendAsync(HttpMethod.Get, "/servers/" + id);
        Assert.Equal("BUILD", body!["server"]!["status"]!.GetValue<string>());
        Assert.Equal("spawning", body["server"]!["OS-EXT-STS:task_state"]!.GetValue<string>());
        Assert.Null(body["server"]!["OS-SRV-USG:launched_at"]);

        _clock.Advance(TimeSpan.FromSeconds(29));
        (_, body) = await SendAsync(HttpMethod.Get, "/servers/" + id);
        Assert.Equal("BUILD", body!["server"]!["status"]!.GetValue<string>());

        _clock.Advance(TimeSpan.FromSeconds(1));
        (_, body) = await SendAsync(HttpMethod.Get, "/servers/" + id);
        Assert.Equal("ACTIVE", body!["server"]!["status"]!.GetValue<string>());
        Assert.Equal(1, body["server"]!["OS-EXT-STS:power_state"]!.GetValue<int>());
        Assert.Equal("2026-11-22T10:00:30.000000", body["server"]!["OS-SRV-USG:launched_at"]!.GetValue<string>());

        var inspected = Assert.Single(_region.Inspect("servers"))!;
        Assert.Equal("ACTIVE", inspected["status"]!.GetValue<string>());
        Assert.Equal("1", inspected["flavor_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Server_WhoseImageVanishedDuringBuild_GoesToErrorWithFault()
    {
        var image = _region.Inspect("images").First()!["id"]!.GetValue<string>();
        var (status, body) = await SendAsync(HttpMethod.Post, "/servers", new JsonObject
        {
            ["server"] = new JsonObject { ["name"] = "doomed", ["imageRef"] = image, ["flavorRef"] = "1", ["networks"] = "none" },
        });
        Assert.Equal(HttpStatusCode.Accepted, status);
        var id = body!["server"]!["id"]!.GetValue<string>();

        using (var request = new HttpRequestMessage(HttpMethod.Delete, new Uri(_region.ImageUrl, "v2/images/" + image)))
        {
            request.Headers.Add("X-Auth-Token", _token);
            using var deleted = await _http.SendAsync(request);
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        _clock.Advance(TimeSpan.FromMinutes(1));
        (_, body) = await SendAsync(HttpMethod.Get, "/servers/" + id);
        Assert.Equal("ERROR", body!["server"]!["status"]!.GetValue<string>());
        Assert.Contains(image, body["server"]!["fault"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Servers_BeyondTheInstanceQuota_Are403()
    {
        for (var i = 0; i < 10; i++)
        {
            await BootAsync("q" + i);
        }

        var (status, body) = await SendAsync(HttpMethod.Post, "/servers", new JsonObject
        {
            ["server"] = new JsonObject { ["name"] = "one-too-many", ["imageRef"] = ImageId(), ["flavorRef"] = "1", ["networks"] = "none" },
        });
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("Quota exceeded for instances: Requested 1, but already used 10 of 10 instances", body!["forbidden"]!["message"]!.GetValue<string>());

        var (_, limits) = await SendAsync(HttpMethod.Get, "/limits");
        Assert.Equal(10, limits!["limits"]!["absolute"]!["totalInstancesUsed"]!.GetValue<int>());
        Assert.Equal(10, limits["limits"]!["absolute"]!["totalCoresUsed"]!.GetValue<int>());
    }

    [Fact]
    public async Task Servers_MinMaxCount_NamesAndPagingLinks()
    {
        var (status, _) = await SendAsync(HttpMethod.Post, "/servers", new JsonObject
        {
            ["server"] = new JsonObject { ["name"] = "multi", ["imageRef"] = ImageId(), ["flavorRef"] = "1", ["networks"] = "none", ["min_count"] = 3, ["max_count"] = 3 },
        });
        Assert.Equal(HttpStatusCode.Accepted, status);
        var names = _region.Inspect("servers").Select(s => s!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["multi-1", "multi-2", "multi-3"], names);

        var (_, page) = await SendAsync(HttpMethod.Get, "/servers?limit=2&sort_key=display_name&sort_dir=asc");
        Assert.Equal(["multi-1", "multi-2"], page!["servers"]!.AsArray().Select(s => s!["name"]!.GetValue<string>()));
        var next = new Uri(page["servers_links"]![0]!["href"]!.GetValue<string>());
        var (_, rest) = await SendAsync(HttpMethod.Get, "/servers" + next.Query);
        Assert.Equal("multi-3", Assert.Single(rest!["servers"]!.AsArray())!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task ProjectScopedUrls_AndLinksCarryTheProject()
    {
        var project = _keystone.IssueToken("admin", "password", "admin").ProjectId;
        var (status, body) = await SendAsync(HttpMethod.Get, $"/{project}/flavors/1");
        Assert.Equal(HttpStatusCode.OK, status);
        var self = body!["flavor"]!["links"]!.AsArray().First(l => l!["rel"]!.GetValue<string>() == "self")!["href"]!.GetValue<string>();
        Assert.EndsWith($"/v2.1/{project}/flavors/1", self, StringComparison.Ordinal);
        Assert.Equal(5, _region.Inspect("flavors").Count);
    }
}
