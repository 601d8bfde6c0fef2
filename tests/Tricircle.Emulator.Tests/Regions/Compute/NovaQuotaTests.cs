using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Tricircle.Emulator.Identity;

namespace Tricircle.Emulator.Regions.Compute;

/// <summary>The emulated Nova's boot quota is the project's quota set, as Nova's: an admin's update raises or lifts it (-1).</summary>
public sealed class NovaQuotaTests : IAsyncLifetime
{
    private KeystoneEmulator _keystone = null!;
    private RegionEmulator _region = null!;
    private readonly HttpClient _http = new();
    private string _token = "";
    private string _image = "";

    public async Task InitializeAsync()
    {
        _keystone = await KeystoneEmulator.StartAsync(new KeystoneEmulatorOptions { Port = 0 });
        _region = await RegionEmulator.StartAsync(_keystone, new RegionEmulatorOptions { Name = "RegionQ" });
        _token = _keystone.IssueToken("admin", "password", "admin").Id;
        using var images = await SendAsync(HttpMethod.Get, new Uri(_region.ImageUrl, "v2/images?name=cirros"));
        _image = (await images.Content.ReadFromJsonAsync<JsonObject>())!["images"]![0]!["id"]!.GetValue<string>();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _region.DisposeAsync();
        await _keystone.DisposeAsync();
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri uri, object? body = null)
    {
        using var request = new HttpRequestMessage(method, uri);
        request.Headers.Add("X-Auth-Token", _token);
        request.Headers.Add("OpenStack-API-Version", "compute 2.37"); // networks "none"
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await _http.SendAsync(request);
    }

    private async Task<(HttpStatusCode Status, string Text)> BootAsync(int i)
    {
        using var response = await SendAsync(HttpMethod.Post, new Uri(_region.ComputeUrl + "/servers"), new { server = new { name = "q" + i, flavorRef = "1", imageRef = _image, networks = "none" } });
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task SetInstancesAsync(int limit)
    {
        var project = _keystone.FindProjectId("admin");
        using var response = await SendAsync(HttpMethod.Put, new Uri(_region.ComputeUrl + "/os-quota-sets/" + project), new { quota_set = new { instances = limit, cores = -1, ram = -1 } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Boot_BeyondTheDefaultTen_IsRefused_UntilAnAdminRaisesOrLiftsTheQuota()
    {
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await BootAsync(i)).Status);
        }

        var refused = await BootAsync(10);
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Contains("Quota exceeded for instances: Requested 1, but already used 10 of 10 instances", refused.Text, StringComparison.Ordinal);

        await SetInstancesAsync(11);
        Assert.Equal(HttpStatusCode.Accepted, (await BootAsync(10)).Status);
        refused = await BootAsync(11);
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Contains("already used 11 of 11 instances", refused.Text, StringComparison.Ordinal);

        await SetInstancesAsync(-1);
        Assert.Equal(HttpStatusCode.Accepted, (await BootAsync(11)).Status);
    }
}
