using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Network;

/// <summary>
/// The seeds' multi-pod walkthrough with the real <c>openstack</c> CLI: two networks in two pods
/// with a server on each, a router over both, an external network in RegionTwo as its gateway and
/// a floating IP for the server in RegionOne. Each emulated pod's Neutron then holds exactly its
/// router copy, bridge, routes and floating IP, every job succeeded (<c>tricircle job list</c>),
/// and taking it all apart leaves nothing behind in any pod.
/// </summary>
public sealed class L3WalkthroughCliTests(SqliteGatewayFixture gateway) : IClassFixture<SqliteGatewayFixture>
{
    [Fact]
    public async Task OpenStackCli_RouterAcrossTwoPods_WithGatewayAndFloatingIp_ThenNothingLeft()
    {
        var demo = OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc.demo"));
        var admin = OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc"));
        var steps = new NetworkSteps(gateway);

        await demo.JsonAsync("network", "create", "--availability-zone-hint", "az1", "net1");
        await demo.JsonAsync("subnet", "create", "--network", "net1", "--subnet-range", "10.0.1.0/24", "subnet1");
        await demo.JsonAsync("network", "create", "--availability-zone-hint", "az2", "net2");
        await demo.JsonAsync("subnet", "create", "--network", "net2", "--subnet-range", "10.0.2.0/24", "subnet2");
        var boot = new[] { "server", "create", "--flavor", "m1.tiny", "--image", "cirros", "--wait" };
        var vm1 = (await demo.JsonAsync([.. boot, "--network", "net1", "--availability-zone", "az1", "vm1"])).GetProperty("id").GetString()!;
        var vm2 = (await demo.JsonAsync([.. boot, "--network", "net2", "--availability-zone", "az2", "vm2"])).GetProperty("id").GetString()!;
        var router = (await demo.JsonAsync("router", "create", "R")).GetProperty("id").GetString()!;
        await demo.RunAsync("router", "add", "subnet", "R", "subnet1");
        await demo.RunAsync("router", "add", "subnet", "R", "subnet2");

        var external = (await admin.JsonAsync("network", "create", "--external", "--availability-zone-hint", "RegionTwo", "ext-net")).GetProperty("id").GetString()!;
        await admin.JsonAsync("subnet", "create", "--network", "ext-net", "--subnet-range", "163.3.124.0/24", "--no-dhcp", "ext-subnet");
        await demo.RunAsync("router", "set", "--external-gateway", external, "R");
        var fip = await demo.JsonAsync("floating", "ip", "create", "ext-net");
        var fipAddress = fip.GetProperty("floating_ip_address").GetString()!;
        await demo.RunAsync("server", "add", "floating", "ip", "vm1", fipAddress);
        await gateway.JobsSettledAsync();

        // The central view, as a single region shows it.
        var shown = await demo.JsonAsync("router", "show", "R");
        Assert.Equal(external, shown.GetProperty("external_gateway_info").GetProperty("network_id").GetString());
        Assert.Equal(["az1", "az2"], shown.GetProperty("availability_zones").EnumerateArray().Select(z => z.GetString()).Order());
        var vm1Port = Assert.Single((await demo.JsonAsync("port", "list", "--server", vm1)).EnumerateArray()).GetProperty("ID").GetString()!;
        var vm1Ip = (await demo.JsonAsync("port", "show", vm1Port)).GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString()!;
        var shownFip = await demo.JsonAsync("floating", "ip", "show", fipAddress);
        Assert.Equal(vm1Port, shownFip.GetProperty("port_id").GetString());
        Assert.Equal(router, shownFip.GetProperty("router_id").GetString());

        // RegionOne: the router's copy, the bridge as gateway, routes to net2 and out through RegionTwo; no floating IP.
        var bridge = Assert.Single((await admin.JsonAsync("network", "list", "--name", "bridge_net_" + ProjectOf(shown))).EnumerateArray()).GetProperty("ID").GetString()!;
        var one = await steps.BottomAsync("RegionOne", "routers", router);
        var two = await steps.BottomAsync("RegionTwo", "routers", router);
        var oneBridgeIp = one.GetProperty("external_gateway_info").GetProperty("external_fixed_ips")[0].GetProperty("ip_address").GetString()!;
        Assert.Equal((await steps.BottomAsync("RegionOne", "networks", bridge)).GetProperty("id").GetString(), one.GetProperty("external_gateway_info").GetProperty("network_id").GetString());
        var twoInterfaces = await InterfacesAsync("RegionTwo", two);
        var twoBridgeIp = twoInterfaces.Single(i => i.StartsWith("100.", StringComparison.Ordinal));
        Assert.Equal([("0.0.0.0/0", twoBridgeIp), ("10.0.2.0/24", twoBridgeIp)], Routes(one));
        Assert.Equal(["10.0.1.1"], await InterfacesAsync("RegionOne", one));
        Assert.Empty(await BottomFloatingIpsAsync("RegionOne"));

        // RegionTwo: the real gateway, the bridge and the way to vm1 as interfaces, routes back through RegionOne, the floating IP on vm1's shadow.
        Assert.Equal((await steps.BottomAsync("RegionTwo", "networks", external)).GetProperty("id").GetString(), two.GetProperty("external_gateway_info").GetProperty("network_id").GetString());
        Assert.StartsWith("163.3.124.", two.GetProperty("external_gateway_info").GetProperty("external_fixed_ips")[0].GetProperty("ip_address").GetString(), StringComparison.Ordinal);
        Assert.Equal(["10.0.1.1", "10.0.2.1", twoBridgeIp], twoInterfaces);
        Assert.Equal([(vm1Ip + "/32", oneBridgeIp)], Routes(two)); // net1 is here for vm1's shadow only: its address, not its CIDR
        var shadow = await steps.BottomAsync("RegionTwo", "ports", "shadow_port_" + vm1Port);
        var bottomFip = Assert.Single(await BottomFloatingIpsAsync("RegionTwo"));
        Assert.Equal(fipAddress, bottomFip.GetProperty("floating_ip_address").GetString());
        Assert.Equal(shadow.GetProperty("id").GetString(), bottomFip.GetProperty("port_id").GetString());

        // Every job it took succeeded (the admin CLI).
        var jobs = await CliRunner.TricircleAsync(admin.Environment, "job", "list", "--project", ProjectOf(shown), "-f", "json");
        Assert.True(jobs.ExitCode == 0, jobs.ToString());
        var listed = JsonDocument.Parse(jobs.Stdout).RootElement.EnumerateArray().ToList();
        Assert.Contains(listed, j => j.GetProperty("type").GetString() == "router_sync");
        Assert.Contains(listed, j => j.GetProperty("type").GetString() == "floatingip_sync");
        Assert.All(listed, j => Assert.Equal("SUCCESS", j.GetProperty("status").GetString()));

        // Apart again: nothing of it is left in any pod.
        await demo.RunAsync("server", "remove", "floating", "ip", "vm1", fipAddress);
        await demo.RunAsync("floating", "ip", "delete", fipAddress);
        await demo.RunAsync("router", "unset", "--external-gateway", "R");
        await demo.RunAsync("router", "remove", "subnet", "R", "subnet1");
        await demo.RunAsync("router", "remove", "subnet", "R", "subnet2");
        await demo.RunAsync("router", "delete", "R");
        await gateway.JobsSettledAsync();
        foreach (var region in (string[])["RegionOne", "RegionTwo"])
        {
            Assert.Empty(await steps.BottomListAsync(region, "routers", router));
            Assert.Empty(await steps.BottomListAsync(region, "networks", bridge));
            Assert.Empty(await BottomFloatingIpsAsync(region));
            var ports = await gateway.SendAsync(new Uri(gateway.Region(region).NetworkUrl, "v2.0/ports?device_owner=compute:shadow"), HttpMethod.Get, gateway.AdminToken);
            Assert.Empty(ports.Json.GetProperty("ports").EnumerateArray());
        }

        Assert.Empty((await admin.JsonAsync("network", "list", "--name", "bridge_net_" + ProjectOf(shown))).EnumerateArray());
        Assert.Empty(await gateway.FailedJobsAsync());
        foreach (var vm in (string[])[vm1, vm2])
        {
            await demo.RunAsync("server", "delete", "--wait", vm);
        }
    }

    private static string ProjectOf(JsonElement router) => router.GetProperty("project_id").GetString()!;

    private async Task<List<string>> InterfacesAsync(string region, JsonElement copy)
    {
        var ports = await gateway.SendAsync(new Uri(gateway.Region(region).NetworkUrl, $"v2.0/ports?device_id={copy.GetProperty("id").GetString()}&device_owner=network:router_interface"), HttpMethod.Get, gateway.AdminToken);
        return [.. ports.Json.GetProperty("ports").EnumerateArray().SelectMany(p => p.GetProperty("fixed_ips").EnumerateArray()).Select(f => f.GetProperty("ip_address").GetString()!).Order(StringComparer.Ordinal)];
    }

    private async Task<List<JsonElement>> BottomFloatingIpsAsync(string region) =>
        [.. (await gateway.SendAsync(new Uri(gateway.Region(region).NetworkUrl, "v2.0/floatingips"), HttpMethod.Get, gateway.AdminToken)).Json.GetProperty("floatingips").EnumerateArray()];

    private static List<(string Destination, string Nexthop)> Routes(JsonElement copy) =>
        [.. copy.GetProperty("routes").EnumerateArray().Select(r => (r.GetProperty("destination").GetString()!, r.GetProperty("nexthop").GetString()!)).Order()];
}
