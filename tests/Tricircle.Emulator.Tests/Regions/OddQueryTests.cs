using System.Net;
using System.Text.Json.Nodes;
using Tricircle.Emulator.Identity;

namespace Tricircle.Emulator.Regions;

/// <summary>Query parameters Nova reads as its common.get_sort_params and common.is_all_tenants do.</summary>
public sealed class OddQueryTests : IAsyncLifetime
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false });
    private KeystoneEmulator _keystone = null!;
    private RegionEmulator _region = null!;

    public async Task InitializeAsync()
    {
        _keystone = await KeystoneEmulator.StartAsync(new KeystoneEmulatorOptions());
        _region = await RegionEmulator.StartAsync(_keystone, new RegionEmulatorOptions { Name = "RegionOne" });
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _region.DisposeAsync();
        await _keystone.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, JsonNode Body)> GetAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _region.ComputeUrl + path);
        request.Headers.Add("X-Auth-Token", _keystone.IssueToken("admin", "password", "admin").Id);
        using var response = await _http.SendAsync(request);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    [Fact]
    public async Task Servers_SortDirWithoutSortKey_StillHasToBeAscOrDesc()
    {
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/servers?sort_dir=asc")).Status);

        var (status, body) = await GetAsync("/servers?sort_dir=sideways");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("sort_dir", body["badRequest"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", HttpStatusCode.OK)]
    [InlineData("=", HttpStatusCode.OK)]
    [InlineData("=yes", HttpStatusCode.OK)]
    [InlineData("=off", HttpStatusCode.OK)]
    [InlineData("=maybe", HttpStatusCode.BadRequest)]
    public async Task Servers_AllTenants_IsABooleanOrPresentAndEmpty(string value, HttpStatusCode expected)
    {
        var (status, body) = await GetAsync("/servers/detail?all_tenants" + value);

        Assert.True(status == expected, body.ToJsonString());
    }
}
