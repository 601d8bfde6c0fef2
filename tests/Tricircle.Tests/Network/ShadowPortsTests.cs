using System.Net;
using System.Text.Json;
using Tricircle.Support;
using static Tricircle.Support.NetworkSteps;

namespace Tricircle.Network;

/// <summary>
/// <c>[network] cross_pod_vxlan_mode = shadow</c>: a VxLAN network stretched over two pods has,
/// in each pod, a shadow of every instance port of the other (its MAC, addresses and host), kept
/// right as ports change and removed with them; a floating IP's shadow and a VxLAN one are the
/// same port, and neither need removes it while the other holds.
/// </summary>
public abstract class ShadowPortsTests(GatewayFixture gateway)
{
    private readonly NetworkSteps _steps = new(gateway);

    [Fact]
    public async Task StretchedVxlanNetwork_EachPodShadowsTheOthersInstances_FollowingTheirAddresses_UntilTheyGo()
    {
        var (token, _) = gateway.NewTenant("shadow");
        var (net, _) = await _steps.NetworkAsync(token, "10.81.1.0/24");
        var vm1 = await _steps.BootAsync(token, net, "az1");
        var vm2 = await _steps.BootAsync(token, net, "az2");
        await gateway.JobsSettledAsync();

        var port1 = await CentralPortAsync(vm1);
        var port2 = await CentralPortAsync(vm2);
        AssertShadow(Assert.Single(await ShadowsAsync("RegionOne", net)), port2, "RegionTwo");
        AssertShadow(Assert.Single(await ShadowsAsync("RegionTwo", net)), port1, "RegionOne");
        Assert.Contains(await gateway.JobsAsync("shadow_port_sync", net), j => j.Status == "SUCCESS");

        // vm2's address changes: its shadow in RegionOne follows.
        var subnet = port2.GetProperty("fixed_ips")[0].GetProperty("subnet_id").GetString()!;
        Ok(await gateway.NetworkAsync(HttpMethod.Put, "ports/" + port2.GetProperty("id").GetString(), token,
            Json(new { port = new { fixed_ips = new[] { new { subnet_id = subnet, ip_address = "10.81.1.200" } } } })));
        await gateway.JobsSettledAsync();
        var moved = Assert.Single(await ShadowsAsync("RegionOne", net));
        Assert.Equal("10.81.1.200", moved.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString());

        // A shadow deleted in the pod by hand is made again by an operator's resync.
        var deleted = await gateway.SendAsync(new Uri(gateway.Region("RegionOne").NetworkUrl, "v2.0/ports/" + moved.GetProperty("id").GetString()), HttpMethod.Delete, gateway.AdminToken);
        Assert.Equal(HttpStatusCode.NoContent, deleted.Status);
        var queued = await gateway.SendAsync(new Uri(gateway.AdminUrl, "v1.0/jobs"), HttpMethod.Post, gateway.AdminToken, Json(new { job = new { type = "shadow_port_sync", resource = new { network_id = net } } }));
        Assert.True(queued.Status == HttpStatusCode.Accepted, queued.Text);
        await gateway.JobsSettledAsync();
        Assert.Equal("10.81.1.200", Assert.Single(await ShadowsAsync("RegionOne", net)).GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString());
        var nowhere = await gateway.SendAsync(new Uri(gateway.AdminUrl, "v1.0/jobs"), HttpMethod.Post, gateway.AdminToken, Json(new { job = new { type = "shadow_port_sync", resource = new { network_id = Guid.NewGuid().ToString() } } }));
        Assert.Equal(HttpStatusCode.BadRequest, nowhere.Status);
        Assert.Contains("does not exist centrally nor in any pod", nowhere.Text, StringComparison.Ordinal);

        // vm2 goes: so does its shadow; then vm1 and the network, with nothing left in either pod.
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.ComputeAsync(HttpMethod.Delete, "servers/" + vm2, token)).Status);
        await gateway.JobsSettledAsync();
        Assert.Empty(await ShadowsAsync("RegionOne", net));
        Assert.Single(await ShadowsAsync("RegionTwo", net)); // vm1 is still there, and so is the network's copy in RegionTwo

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.ComputeAsync(HttpMethod.Delete, "servers/" + vm1, token)).Status);
        await gateway.JobsSettledAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "networks/" + net, token)).Status);
        await gateway.JobsSettledAsync();
        foreach (var region in (string[])["RegionOne", "RegionTwo"])
        {
            Assert.Empty(await _steps.BottomListAsync(region, "networks", net));
            Assert.Empty(await PodShadowsAsync(region, "?device_owner=compute:shadow&name=shadow_port_" + port1.GetProperty("id").GetString()));
        }

        Assert.Empty(await gateway.FailedJobsAsync());
    }

    [Fact]
    public async Task AFloatingIpsShadow_IsTheVxlanShadow_AndStaysWhenTheFloatingIpLeaves()
    {
        // The network is in RegionOne only, until the floating IP's way brings it into RegionTwo.
        var (token, _) = gateway.NewTenant("fipshadow");
        var (external, _) = await _steps.ExternalNetworkAsync("RegionTwo", "172.24.81.0/24");
        var (net, subnet) = await _steps.NetworkAsync(token, "10.82.1.0/24");
        var vm1 = await _steps.BootAsync(token, net, "az1");
        var router = await _steps.RouterAsync(token, new { name = "r", external_gateway_info = new { network_id = external } });
        Ok(await _steps.InterfaceAsync(token, router, "add", subnet));
        await gateway.JobsSettledAsync();
        var port1 = await CentralPortAsync(vm1);
        var fip = Ok(await gateway.NetworkAsync(HttpMethod.Post, "floatingips", token, Json(new { floatingip = new { floating_network_id = external, port_id = port1.GetProperty("id").GetString() } })))
            .GetProperty("floatingip").GetProperty("id").GetString()!;
        await gateway.JobsSettledAsync();

        Assert.Empty(await ShadowsAsync("RegionOne", net));

        // One shadow of vm1 in RegionTwo, bound by the network's sync the router's queued, and the floating IP's copy on it.
        var shadow = Assert.Single(await ShadowsAsync("RegionTwo", net));
        AssertShadow(shadow, port1, "RegionOne");
        var copy = Assert.Single((await gateway.SendAsync(new Uri(gateway.Region("RegionTwo").NetworkUrl, "v2.0/floatingips?port_id=" + shadow.GetProperty("id").GetString()), HttpMethod.Get, gateway.AdminToken))
            .Json.GetProperty("floatingips").EnumerateArray());
        Assert.Equal(port1.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString(), copy.GetProperty("fixed_ip_address").GetString());

        // The floating IP goes; the router's sync leaves the shadow the network still needs.
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "floatingips/" + fip, token)).Status);
        await gateway.JobsSettledAsync();
        Assert.Equal(shadow.GetProperty("id").GetString(), Assert.Single(await ShadowsAsync("RegionTwo", net)).GetProperty("id").GetString());

        Ok(await _steps.InterfaceAsync(token, router, "remove", subnet));
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "routers/" + router, token)).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.ComputeAsync(HttpMethod.Delete, "servers/" + vm1, token)).Status);

        await gateway.JobsSettledAsync();
        Assert.Empty(await ShadowsAsync("RegionTwo", net));
        Assert.Empty(await gateway.FailedJobsAsync());
    }

    private async Task<JsonElement> CentralPortAsync(string serverId) =>
        Assert.Single(Ok(await gateway.NetworkAsync(HttpMethod.Get, "ports?device_id=" + serverId, gateway.AdminToken)).GetProperty("ports").EnumerateArray());

    /// <summary>The shadows on the network's copy in the pod (none when the pod has no copy).</summary>
    private async Task<List<JsonElement>> ShadowsAsync(string region, string net)
    {
        var copies = await _steps.BottomListAsync(region, "networks", net);
        return copies.Count == 0 ? [] : await PodShadowsAsync(region, $"?device_owner=compute:shadow&network_id={copies[0].GetProperty("id").GetString()}");
    }

    private async Task<List<JsonElement>> PodShadowsAsync(string region, string query)
    {
        var answer = await gateway.SendAsync(new Uri(gateway.Region(region).NetworkUrl, "v2.0/ports" + query), HttpMethod.Get, gateway.AdminToken);
        Assert.True(answer.Status == HttpStatusCode.OK, answer.Text);
        return [.. answer.Json.GetProperty("ports").EnumerateArray()];
    }

    private static void AssertShadow(JsonElement shadow, JsonElement port, string region)
    {
        Assert.Equal("shadow_port_" + port.GetProperty("id").GetString(), shadow.GetProperty("name").GetString());
        Assert.Equal(port.GetProperty("mac_address").GetString(), shadow.GetProperty("mac_address").GetString());
        Assert.Equal(port.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString(), shadow.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString());
        Assert.Equal(port.GetProperty("device_id").GetString(), shadow.GetProperty("device_id").GetString());
        var host = port.GetProperty("binding:host_id").GetString();
        Assert.False(string.IsNullOrEmpty(host));
        Assert.Equal(host, shadow.GetProperty("binding:host_id").GetString());
        Assert.Equal(region, shadow.GetProperty("binding:profile").GetProperty("tricircle_region").GetString());
    }
}

/// <summary>A sandbox whose central Neutron shadows VxLAN ports.</summary>
public class ShadowModeGatewayFixture(string dialect) : GatewayFixture(dialect)
{
    protected override Dictionary<string, string?> Settings => new() { ["network:cross_pod_vxlan_mode"] = "shadow" };
}

public sealed class SqliteShadowModeGatewayFixture() : ShadowModeGatewayFixture("sqlite");

public sealed class PostgresShadowModeGatewayFixture() : ShadowModeGatewayFixture("postgres");

public sealed class ShadowPortsSqliteTests(SqliteShadowModeGatewayFixture gateway) : ShadowPortsTests(gateway), IClassFixture<SqliteShadowModeGatewayFixture>;

public sealed class ShadowPortsPostgresTests(PostgresShadowModeGatewayFixture gateway) : ShadowPortsTests(gateway), IClassFixture<PostgresShadowModeGatewayFixture>;

/// <summary>The default, <c>noop</c>: the operator joins the pods; no pod holds a shadow of another's instance.</summary>
public sealed class ShadowPortsNoopTests(SqliteGatewayFixture gateway) : IClassFixture<SqliteGatewayFixture>
{
    private readonly NetworkSteps _steps = new(gateway);

    [Fact]
    public async Task StretchedVxlanNetwork_GetsNoShadows()
    {
        var (token, _) = gateway.NewTenant("noshadow");
        var (net, _) = await _steps.NetworkAsync(token, "10.83.1.0/24");
        await _steps.BootAsync(token, net, "az1");
        await _steps.BootAsync(token, net, "az2");
        await gateway.JobsSettledAsync();
        foreach (var region in (string[])["RegionOne", "RegionTwo"])
        {
            var copy = await _steps.BottomAsync(region, "networks", net);
            var shadows = await gateway.SendAsync(new Uri(gateway.Region(region).NetworkUrl, "v2.0/ports?device_owner=compute:shadow&network_id=" + copy.GetProperty("id").GetString()), HttpMethod.Get, gateway.AdminToken);
            Assert.Empty(shadows.Json.GetProperty("ports").EnumerateArray());
        }

        Assert.Empty(await gateway.JobsAsync("shadow_port_sync", net));
    }
}
