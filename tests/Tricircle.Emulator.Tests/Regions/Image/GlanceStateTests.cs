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

    [Fact]
    public async Task NotFound_ErrorBody_IsWebobJson()
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_region.ImageUrl, "v2/images/" + Guid.NewGuid()));
        request.Headers.Add("X-Auth-Token", _keystone.IssueToken("admin", "password", "admin").Id);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("404 Not Found", body["code"]!.GetValue<string>());
        Assert.StartsWith("No image found with ID", body["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
