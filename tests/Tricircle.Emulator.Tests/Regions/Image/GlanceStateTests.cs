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
    }

    public async Task DisposeAsync()
    {
        await _region.DisposeAsync();
        await _keystone.DisposeAsync();
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
