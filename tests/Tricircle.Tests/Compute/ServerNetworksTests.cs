using System.Net;
using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Compute;

/// <summary>Servers booted through the compute gateway on central networks and ports.</summary>
public sealed class ServerNetworksTests(SqliteGatewayFixture gateway) : IClassFixture<SqliteGatewayFixture>
{
    [Fact]
    public async Task Boot_OnACentralNetwork_MakesItInThePod_ShowsTheServerOnTheCentralPort_AndDeleteRemovesThePort()
    {
        var network = await gateway.NetworkAsync(HttpMethod.Post, "networks", gateway.DemoToken, """{"network": {"name": "net1"}}""");
        Assert.True(network.Status == HttpStatusCode.Created, network.Text);
        var networkId = network.Json.GetProperty("network").GetProperty("id").GetString()!;
        var subnet = await gateway.NetworkAsync(HttpMethod.Post, "subnets", gateway.DemoToken,
            JsonSerializer.Serialize(new { subnet = new { network_id = networkId, ip_version = 4, cidr = "10.30.0.0/24", name = "sub1" } }));
        Assert.True(subnet.Status == HttpStatusCode.Created, subnet.Text);

        var image = await gateway.CirrosAsync("RegionOne");
        var booted = await gateway.ComputeAsync(HttpMethod.Post, "servers", gateway.DemoToken,
            JsonSerializer.Serialize(new { server = new { name = "on-net1", flavorRef = "1", imageRef = image, networks = new[] { new { uuid = networkId } }, availability_zone = "az1" } }), "2.37");
        Assert.True(booted.Status == HttpStatusCode.Accepted, booted.Text);
        var serverId = booted.Json.GetProperty("server").GetProperty("id").GetString()!;

        var central = await gateway.NetworkAsync(HttpMethod.Get, "ports?device_id=" + serverId, gateway.DemoToken);
        var port = Assert.Single(central.Json.GetProperty("ports").EnumerateArray());
        Assert.Equal("compute:az1", port.GetProperty("device_owner").GetString());
        Assert.Equal("ACTIVE", port.GetProperty("status").GetString());
        var ip = port.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString();

        var pod = await gateway.SendAsync(new Uri(gateway.Region("RegionOne").NetworkUrl, "v2.0/ports?name=" + port.GetProperty("id").GetString()), HttpMethod.Get, gateway.AdminToken);
        var bottom = Assert.Single(pod.Json.GetProperty("ports").EnumerateArray());
        Assert.Equal(ip, bottom.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString());
        Assert.Equal(port.GetProperty("mac_address").GetString(), bottom.GetProperty("mac_address").GetString());
        Assert.Equal(serverId, bottom.GetProperty("device_id").GetString());

        var shown = await gateway.ComputeAsync(HttpMethod.Get, "servers/" + serverId, gateway.DemoToken);
        var addresses = shown.Json.GetProperty("server").GetProperty("addresses");
        Assert.Equal(ip, addresses.GetProperty("net1")[0].GetProperty("addr").GetString());

        var deleted = await gateway.ComputeAsync(HttpMethod.Delete, "servers/" + serverId, gateway.DemoToken);
        Assert.Equal(HttpStatusCode.NoContent, deleted.Status);
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.NetworkAsync(HttpMethod.Get, "ports/" + port.GetProperty("id").GetString(), gateway.DemoToken)).Status);
        var gone = await gateway.SendAsync(new Uri(gateway.Region("RegionOne").NetworkUrl, "v2.0/ports?name=" + port.GetProperty("id").GetString()), HttpMethod.Get, gateway.AdminToken);
        Assert.Empty(gone.Json.GetProperty("ports").EnumerateArray());
    }
}
