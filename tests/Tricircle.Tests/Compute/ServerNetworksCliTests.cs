using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Compute;

/// <summary>
/// The walkthrough with the real <c>openstack</c> CLI in CentralRegion: servers booted
/// on central networks (<c>--nic net-id</c>, <c>--network</c>, <c>--nic port-id</c>) in two AZs,
/// one VLAN network stretched over both pods, and each pod's own Neutron holding the same
/// segment, CIDR, IPs and MACs as central.
/// </summary>
public sealed class ServerNetworksCliTests(SqliteGatewayFixture gateway) : IClassFixture<SqliteGatewayFixture>
{
    [Fact]
    public async Task OpenStackCli_ServersOnCentralNetworks_InTwoPods_AndOneStretchedVlan()
    {
        var demo = OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc.demo"));
        var admin = OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc"));
        var suffix = Guid.NewGuid().ToString("N")[..6];

        static Task<JsonElement> Os(OpenStackCli who, params string[] args) => who.JsonAsync(args);
        static Task OsQuiet(OpenStackCli who, params string[] args) => who.RunAsync(args);

        var net1 = (await Os(demo, "network", "create", "net1-" + suffix)).GetProperty("id").GetString()!;
        var net2 = (await Os(demo, "network", "create", "net2-" + suffix)).GetProperty("id").GetString()!;
        await Os(demo, "subnet", "create", "--network", net1, "--subnet-range", "10.81.0.0/24", "sub1-" + suffix);
        await Os(demo, "subnet", "create", "--network", net2, "--subnet-range", "10.82.0.0/24", "sub2-" + suffix);

        // The operator's VLAN network for the demo project, on the sandbox's physical network "bridge".
        var vlan = await Os(admin, "network", "create", "--project", "demo", "--provider-network-type", "vlan", "--provider-physical-network", "bridge", "vlan-" + suffix);
        var vlanId = vlan.GetProperty("id").GetString()!;
        var segment = vlan.GetProperty("provider:segmentation_id").GetInt32();
        Assert.InRange(segment, 2001, 3000);
        var vlanSubnet = (await Os(demo, "subnet", "create", "--network", vlanId, "--subnet-range", "10.83.0.0/24", "vsub-" + suffix)).GetProperty("id").GetString()!;
        var userPort = (await Os(demo, "port", "create", "--network", vlanId, "--fixed-ip", $"subnet={vlanSubnet},ip-address=10.83.0.50", "uport-" + suffix)).GetProperty("id").GetString()!;

        var boot = new[] { "server", "create", "--flavor", "m1.tiny", "--image", "cirros", "--wait" };
        var vm1 = await Os(demo, [.. boot, "--nic", "net-id=" + net1, "--availability-zone", "az1", "vm1-" + suffix]);
        var vm2 = await Os(demo, [.. boot, "--network", "net2-" + suffix, "--availability-zone", "az2", "vm2-" + suffix]);
        var vm3 = await Os(demo, [.. boot, "--nic", "port-id=" + userPort, "--availability-zone", "az1", "vm3-" + suffix]);
        var vm4 = await Os(demo, [.. boot, "--network", vlanId, "--availability-zone", "az2", "vm4-" + suffix]);
        foreach (var vm in new[] { vm1, vm2, vm3, vm4 })
        {
            Assert.Equal("ACTIVE", vm.GetProperty("status").GetString());
        }

        // addresses name the central networks; the central ports show their servers.
        var addresses = (await Os(demo, "server", "show", Id(vm1))).GetProperty("addresses");
        Assert.StartsWith("10.81.0.", Assert.Single(addresses.GetProperty("net1-" + suffix).EnumerateArray()).GetString(), StringComparison.Ordinal);
        Assert.Contains("10.83.0.50", (await Os(demo, "server", "show", Id(vm3))).GetProperty("addresses").ToString(), StringComparison.Ordinal);
        var vm1Port = Assert.Single((await Os(demo, "port", "list", "--server", Id(vm1), "--long")).EnumerateArray());
        Assert.Equal("ACTIVE", vm1Port.GetProperty("Status").GetString());
        var shownUserPort = await Os(demo, "port", "show", userPort);
        Assert.Equal(Id(vm3), shownUserPort.GetProperty("device_id").GetString());
        Assert.Equal("compute:az1", shownUserPort.GetProperty("device_owner").GetString());

        // The stretched VLAN network: the same segment and CIDR in both pods, the ports' IPs and MACs as central.
        var centralPorts = (await Os(demo, "port", "list", "--network", vlanId, "--long")).EnumerateArray()
            .Where(p => p.GetProperty("Device Owner").GetString()!.StartsWith("compute:", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, centralPorts.Count);
        foreach (var region in new[] { "RegionOne", "RegionTwo" })
        {
            var bottom = Assert.Single((await PodNeutronAsync(region, "networks?name=" + vlanId)).GetProperty("networks").EnumerateArray());
            Assert.Equal("vlan", bottom.GetProperty("provider:network_type").GetString());
            Assert.Equal(segment, bottom.GetProperty("provider:segmentation_id").GetInt32());
            var bottomSubnet = Assert.Single((await PodNeutronAsync(region, "subnets?name=" + vlanSubnet)).GetProperty("subnets").EnumerateArray());
            Assert.Equal("10.83.0.0/24", bottomSubnet.GetProperty("cidr").GetString());
        }

        foreach (var (central, region) in new[] { (centralPorts.Single(p => p.GetProperty("ID").GetString() == userPort), "RegionOne"), (centralPorts.Single(p => p.GetProperty("ID").GetString() != userPort), "RegionTwo") })
        {
            var id = central.GetProperty("ID").GetString()!;
            var bottom = Assert.Single((await PodNeutronAsync(region, "ports?name=" + id)).GetProperty("ports").EnumerateArray());
            Assert.Equal(central.GetProperty("MAC Address").GetString(), bottom.GetProperty("mac_address").GetString());
            Assert.Contains(bottom.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString()!, central.GetProperty("Fixed IP Addresses").ToString(), StringComparison.Ordinal);
        }

        // Deleting the servers removes the ports Tricircle made, and only unbinds the user's own.
        foreach (var vm in new[] { vm1, vm2, vm3, vm4 })
        {
            await OsQuiet(demo, "server", "delete", "--wait", Id(vm));
        }

        Assert.Empty((await Os(demo, "port", "list", "--network", net1, "--device-owner", "compute:az1")).EnumerateArray());
        var unbound = await Os(demo, "port", "show", userPort);
        Assert.Equal("", unbound.GetProperty("device_id").GetString());

        // Cleaned up through the central Neutron like any tenant would.
        await OsQuiet(demo, "port", "delete", userPort);
        foreach (var network in new[] { net1, net2 })
        {
            await OsQuiet(demo, "network", "delete", network);
        }

        await OsQuiet(admin, "network", "delete", vlanId);
    }

    private static string Id(JsonElement server) => server.GetProperty("id").GetString()!;

    private async Task<JsonElement> PodNeutronAsync(string region, string path)
    {
        var answer = await gateway.SendAsync(new Uri(gateway.Region(region).NetworkUrl, "v2.0/" + path), HttpMethod.Get, gateway.AdminToken);
        answer.AssertOk();
        return answer.Json;
    }
}
