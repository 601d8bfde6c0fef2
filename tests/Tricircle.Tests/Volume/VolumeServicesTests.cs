using System.Net;
using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Volume;

/// <summary>Cinder's os-services merged over two pods whose hosts share a name: hosts qualified (host@Region, host@backend@Region), zones the central AZs, updates routed to the host's pod, admin only, a pod that is down left out.</summary>
public sealed class VolumeServicesTests(SameHostGatewayFixture gateway) : IClassFixture<SameHostGatewayFixture>
{
    private const string Host = SameHostGatewayFixture.HostName;

    private async Task<List<JsonElement>> PodServicesAsync(string region)
    {
        var admin = await gateway.SendAsync(new Uri(new Uri(gateway.Region(region).VolumeUrl, "v3/") + "os-services"), HttpMethod.Get, gateway.AdminToken);
        admin.AssertOk();
        return [.. admin.Json.GetProperty("services").EnumerateArray()];
    }

    [Fact]
    public async Task Services_MergedOverPods_QualifiedHostsAndCentralZones()
    {
        var list = await gateway.VolumeAsync(HttpMethod.Get, "os-services", gateway.AdminToken);
        list.AssertOk();
        var services = list.Json.GetProperty("services").EnumerateArray().ToList();
        var hosts = services.Select(s => (s.GetProperty("binary").GetString(), s.GetProperty("host").GetString(), s.GetProperty("zone").GetString())).ToHashSet();
        Assert.Contains(("cinder-volume", $"{Host}@lvmdriver-1@RegionOne", "az1"), hosts);
        Assert.Contains(("cinder-volume", $"{Host}@lvmdriver-1@RegionTwo", "az2"), hosts);
        Assert.Contains(("cinder-scheduler", $"{Host}@RegionTwo", "az2"), hosts);

        var filtered = await gateway.VolumeAsync(HttpMethod.Get, $"os-services?host={Host}@lvmdriver-1@RegionTwo", gateway.AdminToken);
        Assert.Equal("cinder-volume", Assert.Single(filtered.Json.GetProperty("services").EnumerateArray()).GetProperty("binary").GetString());

        Assert.Equal("Policy doesn't allow volume_extension:services:index to be performed.", (await gateway.VolumeAsync(HttpMethod.Get, "os-services", gateway.DemoToken)).AssertError(HttpStatusCode.Forbidden, "forbidden"));
    }

    [Fact]
    public async Task DisableLogReason_GoesToTheHostsPodOnly_EnableUndoes()
    {
        var body = JsonSerializer.Serialize(new { host = $"{Host}@lvmdriver-1@RegionTwo", binary = "cinder-volume", disabled_reason = "disk swap" });
        var disabled = await gateway.VolumeAsync(HttpMethod.Put, "os-services/disable-log-reason", gateway.AdminToken, body);
        disabled.AssertOk();
        Assert.Equal($"{Host}@lvmdriver-1@RegionTwo", disabled.Json.GetProperty("host").GetString());
        Assert.True(disabled.Json.GetProperty("disabled").GetBoolean());
        var two = (await PodServicesAsync("RegionTwo")).Single(s => s.GetProperty("binary").GetString() == "cinder-volume");
        Assert.Equal("disabled", two.GetProperty("status").GetString());
        Assert.Equal("disk swap", two.GetProperty("disabled_reason").GetString());
        Assert.Equal("enabled", (await PodServicesAsync("RegionOne")).Single(s => s.GetProperty("binary").GetString() == "cinder-volume").GetProperty("status").GetString());

        var enable = JsonSerializer.Serialize(new { host = $"{Host}@lvmdriver-1@RegionTwo", binary = "cinder-volume" });
        (await gateway.VolumeAsync(HttpMethod.Put, "os-services/enable", gateway.AdminToken, enable)).AssertOk();
        Assert.Equal("enabled", (await PodServicesAsync("RegionTwo")).Single(s => s.GetProperty("binary").GetString() == "cinder-volume").GetProperty("status").GetString());

        (await gateway.VolumeAsync(HttpMethod.Put, "os-services/enable", gateway.AdminToken, JsonSerializer.Serialize(new { host = $"{Host}@lvmdriver-1", binary = "cinder-volume" }))).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        (await gateway.VolumeAsync(HttpMethod.Put, "os-services/explode", gateway.AdminToken, enable)).AssertError(HttpStatusCode.BadRequest, "badRequest");
        (await gateway.VolumeAsync(HttpMethod.Put, "os-services/enable", gateway.AdminToken, JsonSerializer.Serialize(new { binary = "cinder-volume" }))).AssertError(HttpStatusCode.BadRequest, "badRequest");
        (await gateway.VolumeAsync(HttpMethod.Put, "os-services/enable", gateway.DemoToken, enable)).AssertError(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task PodDown_ListAnswersWithTheOtherPod()
    {
        await gateway.Region("RegionOne").Faults.SetDownAsync(true);
        try
        {
            var list = await gateway.VolumeAsync(HttpMethod.Get, "os-services", gateway.AdminToken);
            list.AssertOk();
            var services = list.Json.GetProperty("services").EnumerateArray().ToList();
            Assert.NotEmpty(services);
            Assert.All(services, s => Assert.EndsWith("@RegionTwo", s.GetProperty("host").GetString(), StringComparison.Ordinal));
        }
        finally
        {
            await gateway.BringBackAsync("RegionOne");
        }
    }
}
