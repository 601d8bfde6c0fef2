using System.Net;
using System.Text.Json;

namespace Tricircle.Support;

/// <summary>Steps on the central Neutron and on the pods' own Neutrons that the network tests share.</summary>
public sealed class NetworkSteps(GatewayFixture gateway)
{
    public async Task<(string Network, string Subnet)> NetworkAsync(string token, string cidr)
    {
        var network = Ok(await gateway.NetworkAsync(HttpMethod.Post, "networks", token, Json(new { network = new { name = "net-" + cidr } }))).GetProperty("network").GetProperty("id").GetString()!;
        var subnet = Ok(await gateway.NetworkAsync(HttpMethod.Post, "subnets", token, Json(new { subnet = new { network_id = network, ip_version = 4, cidr } }))).GetProperty("subnet").GetProperty("id").GetString()!;
        return (network, subnet);
    }

    public async Task<string> BootAsync(string token, string networkId, string az)
    {
        var booted = await gateway.ComputeAsync(HttpMethod.Post, "servers", token,
            Json(new { server = new { name = "on-" + az, flavorRef = "1", imageRef = await gateway.CirrosAsync(az == "az1" ? "RegionOne" : "RegionTwo"), networks = new[] { new { uuid = networkId } }, availability_zone = az } }), "2.37");
        Assert.True(booted.Status == HttpStatusCode.Accepted, booted.Text);
        return booted.Json.GetProperty("server").GetProperty("id").GetString()!;
    }

    /// <summary>Waits out the emulated build (50 ms in the fixture): Nova refuses most actions while a server builds.</summary>
    public async Task ActiveAsync(string token, string serverId)
    {
        var status = "";
        for (var i = 0; i < 200 && status is not ("ACTIVE" or "ERROR"); i++)
        {
            if (i > 0)
            {
                await Task.Delay(25);
            }

            status = (await gateway.ComputeAsync(HttpMethod.Get, "servers/" + serverId, token)).Json.GetProperty("server").GetProperty("status").GetString()!;
        }

        Assert.Equal("ACTIVE", status);
    }

    public async Task<JsonElement> ServerPortAsync(string token, string serverId) =>
        Assert.Single((await gateway.NetworkAsync(HttpMethod.Get, "ports?device_id=" + serverId, token)).Json.GetProperty("ports").EnumerateArray());

    /// <summary>The pod's copies of a central resource (named after its id).</summary>
    public async Task<List<JsonElement>> BottomListAsync(string region, string collection, string topId)
    {
        var answer = await gateway.SendAsync(new Uri(gateway.Region(region).NetworkUrl, $"v2.0/{collection}?name={topId}"), HttpMethod.Get, gateway.AdminToken);
        Assert.True(answer.Status == HttpStatusCode.OK, answer.Text);
        return [.. answer.Json.GetProperty(collection.Replace('-', '_')).EnumerateArray()];
    }

    public async Task<JsonElement> BottomAsync(string region, string collection, string topId) => Assert.Single(await BottomListAsync(region, collection, topId));

    public async Task<List<JsonElement>> BottomRulesAsync(string region, string topGroupId)
    {
        var group = await BottomAsync(region, "security-groups", topGroupId);
        var rules = await gateway.SendAsync(new Uri(gateway.Region(region).NetworkUrl, "v2.0/security-group-rules?security_group_id=" + group.GetProperty("id").GetString()), HttpMethod.Get, gateway.AdminToken);
        return [.. rules.Json.GetProperty("security_group_rules").EnumerateArray()];
    }

    public async Task<string> RouterAsync(string token, object router) =>
        Ok(await gateway.NetworkAsync(HttpMethod.Post, "routers", token, Json(new { router }))).GetProperty("router").GetProperty("id").GetString()!;

    public Task<ApiResponse> InterfaceAsync(string token, string router, string action, string subnet) =>
        gateway.NetworkAsync(HttpMethod.Put, $"routers/{router}/{action}_router_interface", token, Json(new { subnet_id = subnet }));

    /// <summary>An external network (admin's) hinted to one region, with a subnet.</summary>
    public async Task<(string Network, string Subnet)> ExternalNetworkAsync(string region, string cidr)
    {
        var network = Ok(await gateway.NetworkAsync(HttpMethod.Post, "networks", gateway.AdminToken, Json(new
        {
            network = new Dictionary<string, object>
            {
                ["name"] = "ext-" + cidr,
                ["router:external"] = true,
                ["availability_zone_hints"] = new[] { region },
            },
        }))).GetProperty("network").GetProperty("id").GetString()!;
        var subnet = Ok(await gateway.NetworkAsync(HttpMethod.Post, "subnets", gateway.AdminToken, Json(new { subnet = new { network_id = network, ip_version = 4, cidr, enable_dhcp = false } })))
            .GetProperty("subnet").GetProperty("id").GetString()!;
        return (network, subnet);
    }

    public static JsonElement Ok(ApiResponse response)
    {
        Assert.True(response.Status is HttpStatusCode.OK or HttpStatusCode.Created, $"{(int)response.Status}: {response.Text}");
        return response.Json;
    }

    public static string Json(object value) => JsonSerializer.Serialize(value);
}
