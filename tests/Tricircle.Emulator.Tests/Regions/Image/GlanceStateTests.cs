using System.Net;
using System.Text.Json.Nodes;
using Tricircle.Emulator.Identity;

namespace Tricircle.Emulator.Regions.Image;

public sealed class GlanceStateTests : IAsyncLifetime
{
    private KeystoneEmulator _keystone = null!;
    private RegionEmulator _region = null!;

    public async Task InitializeAsync()
    {
        _keystone = await KeystoneEmulator.StartAsync(new KeystoneEmulatorOptions { Port = 0 });
        _region = await RegionEmulator.StartAsync(_keystone, new RegionEmulatorOptions { Name = "RegionG" });
        var project = _keystone.AddProject("demo-g");
        _keystone.Grant(_keystone.AddUser("demo-g", "secret", defaultProjectId: project), project, "member");
    }

    public async Task DisposeAsync()
    {
        await _region.DisposeAsync();
        await _keystone.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, string token, JsonNode? body = null)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(method, new Uri(_region.ImageUrl, path.TrimStart('/')));
        request.Headers.Add("X-Auth-Token", token);
        request.Headers.Add("Accept", "application/json");
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null);
    }

    private string DemoToken() => _keystone.IssueToken("demo-g", "secret", "demo-g").Id;

    [Fact]
    public async Task CommunityImage_ShowableByOthers_ListedOnlyWithVisibilityFilter()
    {
        var admin = _keystone.IssueToken("admin", "password", "admin").Id;
        var (status, created) = await SendAsync(HttpMethod.Post, "/v2/images", admin, new JsonObject { ["name"] = "community-img", ["visibility"] = "community" });
        Assert.Equal(HttpStatusCode.Created, status);
        var id = created!["id"]!.GetValue<string>();
        var demo = DemoToken();

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/v2/images/" + id, demo)).Status);
        var (_, list) = await SendAsync(HttpMethod.Get, "/v2/images", demo);
        Assert.DoesNotContain(list!["images"]!.AsArray(), i => i!["id"]!.GetValue<string>() == id);
        (_, list) = await SendAsync(HttpMethod.Get, "/v2/images?visibility=community", demo);
        Assert.Contains(list!["images"]!.AsArray(), i => i!["id"]!.GetValue<string>() == id);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Delete, "/v2/images/" + id, demo)).Status);
    }

    [Fact]
    public async Task List_NextLink_OnlyWhenPageIsFull_KeepsRequestParameters()
    {
        var admin = _keystone.IssueToken("admin", "password", "admin").Id;
        await SendAsync(HttpMethod.Post, "/v2/images", admin, new JsonObject { ["name"] = "second" });
        var (_, page) = await SendAsync(HttpMethod.Get, "/v2/images?limit=1&sort_key=name&sort_dir=asc", admin);
        Assert.Equal("cirros", page!["images"]![0]!["name"]!.GetValue<string>());
        var next = page["next"]!.GetValue<string>();
        Assert.StartsWith("/v2/images?limit=1&sort_key=name&sort_dir=asc&marker=", next, StringComparison.Ordinal);
        var (_, all) = await SendAsync(HttpMethod.Get, "/v2/images", admin);
        Assert.Equal(2, all!["images"]!.AsArray().Count);
        Assert.Null(all["next"]);
    }

    [Fact]
    public void Inspect_Images_HasActivePublicCirrosWithHashes()
    {
        var cirros = Assert.Single(_region.Inspect("images"), i => i!["name"]!.GetValue<string>() == "cirros")!;
        Assert.Equal("active", cirros["status"]!.GetValue<string>());
        Assert.Equal("public", cirros["visibility"]!.GetValue<string>());
        Assert.Equal(1024, cirros["size"]!.GetValue<long>());
        Assert.Equal(32, cirros["checksum"]!.GetValue<string>().Length);
        Assert.Equal(128, cirros["os_hash_value"]!.GetValue<string>().Length);
        Assert.Equal(_keystone.FindProjectId("admin"), cirros["owner"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(null, "text/html")]
    [InlineData("*/*", "text/html")]
    [InlineData("application/json", "application/json")]
    [InlineData("text/plain", "text/plain")]
    public async Task NotFound_ErrorBody_FollowsAcceptAsWebobDoes(string? accept, string contentType)
    {
        using var http = new HttpClient();
        var id = Guid.NewGuid().ToString();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_region.ImageUrl, "v2/images/" + id));
        request.Headers.Add("X-Auth-Token", _keystone.IssueToken("admin", "password", "admin").Id);
        if (accept is not null)
        {
            request.Headers.Add("Accept", accept);
        }

        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType!.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        if (contentType == "application/json")
        {
            var body = JsonNode.Parse(text)!;
            Assert.Equal("404 Not Found", body["code"]!.GetValue<string>());
            Assert.Equal("Not Found", body["title"]!.GetValue<string>());
            Assert.Equal($"No image found with ID {id}<br /><br />\n\n\n", body["message"]!.GetValue<string>());
        }
        else
        {
            Assert.Contains("404 Not Found", text, StringComparison.Ordinal);
            Assert.Contains($"No image found with ID {id}", text, StringComparison.Ordinal);
        }
    }
}
