using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Tricircle.Emulator.Identity;

namespace Tricircle.Emulator.Regions.Compute;

/// <summary>A region with one compute host, as a lab region is: migrations have nowhere to go and Nova says so.</summary>
public sealed class NovaOneHostTests : IAsyncLifetime
{
    private readonly HttpClient _http = new();
    private KeystoneEmulator _keystone = null!;
    private RegionEmulator _region = null!;
    private string _token = "";

    public async Task InitializeAsync()
    {
        _keystone = await KeystoneEmulator.StartAsync(new KeystoneEmulatorOptions { Port = 0 });
        _region = await RegionEmulator.StartAsync(_keystone, new RegionEmulatorOptions { Name = "RegionSolo", ComputeHostCount = 1, ServerBuildDelay = TimeSpan.Zero });
        _token = _keystone.IssueToken("admin", "password", "admin").Id;
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _region.DisposeAsync();
        await _keystone.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, JsonNode? body = null, string microversion = "2.37")
    {
        using var request = new HttpRequestMessage(method, new Uri(_region.ComputeUrl.ToString().TrimEnd('/') + path));
        request.Headers.Add("X-Auth-Token", _token);
        request.Headers.Add("OpenStack-API-Version", "compute " + microversion);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null);
    }

    [Fact]
    public async Task ColdMigration_IsAcceptedAndEndsInError_LiveIsNoValidHost_From234AcceptedAndInError_TheServerStays()
    {
        var image = _region.Inspect("images").First(i => i!["name"]!.GetValue<string>() == "cirros")!["id"]!.GetValue<string>();
        var (status, body) = await SendAsync(HttpMethod.Post, "/servers", new JsonObject { ["server"] = new JsonObject { ["name"] = "solo", ["imageRef"] = image, ["flavorRef"] = "1", ["networks"] = "none" } });
        Assert.Equal(HttpStatusCode.Accepted, status);
        var id = body!["server"]!["id"]!.GetValue<string>();
        Assert.Single((await SendAsync(HttpMethod.Get, "/os-hypervisors", null)).Body!["hypervisors"]!.AsArray());

        // Zed casts a cold migration: accepted, then it ends in error and the server stays.
        var cold = await SendAsync(HttpMethod.Post, $"/servers/{id}/action", new JsonObject { ["migrate"] = null });
        Assert.Equal(HttpStatusCode.Accepted, cold.Status);
        Assert.Equal("error", Assert.Single(_region.Inspect("migrations"))!["status"]!.GetValue<string>());
        var coldAction = (await SendAsync(HttpMethod.Get, $"/servers/{id}/os-instance-actions", null)).Body!["instanceActions"]!.AsArray()[0]!;
        Assert.Equal("migrate", coldAction["action"]!.GetValue<string>());
        Assert.Equal("Error", coldAction["message"]!.GetValue<string>());

        var live = await SendAsync(HttpMethod.Post, $"/servers/{id}/action", new JsonObject { ["os-migrateLive"] = new JsonObject { ["host"] = null, ["block_migration"] = "auto" } }, "2.25");
        Assert.Equal(HttpStatusCode.BadRequest, live.Status);
        Assert.StartsWith("No valid host was found.", live.Body!["badRequest"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);

        var async = await SendAsync(HttpMethod.Post, $"/servers/{id}/action", new JsonObject { ["os-migrateLive"] = new JsonObject { ["host"] = null, ["block_migration"] = "auto" } }, "2.34");
        Assert.Equal(HttpStatusCode.Accepted, async.Status);
        Assert.All(_region.Inspect("migrations"), m => Assert.Equal("error", m!["status"]!.GetValue<string>()));
        Assert.Equal(2, _region.Inspect("migrations").Count);
        var server = Assert.Single(_region.Inspect("servers"))!;
        Assert.Equal("ACTIVE", server["status"]!.GetValue<string>());
        var actions = (await SendAsync(HttpMethod.Get, $"/servers/{id}/os-instance-actions", null)).Body!["instanceActions"]!.AsArray();
        Assert.Equal("live-migration", actions[0]!["action"]!.GetValue<string>());
        Assert.Equal("Error", actions[0]!["message"]!.GetValue<string>());
    }
}
