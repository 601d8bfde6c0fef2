using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Network;

/// <summary>The real <c>openstack</c> CLI against the central Neutron in CentralRegion, as the demo user.</summary>
public sealed class NetworkCliTests(SqliteGatewayFixture gateway) : IClassFixture<SqliteGatewayFixture>
{
    [Fact]
    public async Task OpenStackCli_NetworkSubnetPortLifecycle()
    {
        var cli = OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc.demo"));

        Task<JsonElement> Os(params string[] args) => cli.JsonAsync(args);
        Task OsQuiet(params string[] args) => cli.RunAsync(args);

        var network = await Os("network", "create", "--tag", "blue", "cli-net");
        var networkId = network.GetProperty("id").GetString()!;
        Assert.Equal("cli-net", (await Os("network", "show", "cli-net")).GetProperty("name").GetString());
        Assert.Contains(networkId, (await Os("network", "list")).ToString(), StringComparison.Ordinal);
        await OsQuiet("network", "set", "--name", "cli-net2", "--description", "renamed", networkId);
        Assert.Equal("renamed", (await Os("network", "show", networkId)).GetProperty("description").GetString());

        var subnet = await Os("subnet", "create", "--network", networkId, "--subnet-range", "192.168.50.0/24", "--dns-nameserver", "1.1.1.1", "cli-sub");
        var subnetId = subnet.GetProperty("id").GetString()!;
        Assert.Equal("192.168.50.1", subnet.GetProperty("gateway_ip").GetString());
        Assert.Contains(subnetId, (await Os("subnet", "list", "--network", networkId)).ToString(), StringComparison.Ordinal);
        await OsQuiet("subnet", "set", "--name", "cli-sub2", subnetId);
        Assert.Equal("cli-sub2", (await Os("subnet", "show", subnetId)).GetProperty("name").GetString());

        var port = await Os("port", "create", "--network", networkId, "--fixed-ip", $"subnet={subnetId},ip-address=192.168.50.10", "cli-port");
        var portId = port.GetProperty("id").GetString()!;
        Assert.Contains("192.168.50.10", port.GetProperty("fixed_ips").ToString(), StringComparison.Ordinal);
        Assert.Contains(portId, (await Os("port", "list", "--network", networkId)).ToString(), StringComparison.Ordinal);
        await OsQuiet("port", "set", "--name", "cli-port2", portId);
        Assert.Equal("cli-port2", (await Os("port", "show", portId)).GetProperty("name").GetString());

        var refused = await cli.TryAsync("network", "delete", networkId);
        Assert.NotEqual(0, refused.ExitCode);

        await OsQuiet("port", "delete", portId);
        await OsQuiet("subnet", "delete", subnetId);
        await OsQuiet("network", "delete", networkId);
        Assert.DoesNotContain(networkId, (await Os("network", "list")).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenStackCli_ANetworkOwnerSetsAPortsMac_AndThePodsCopyHasIt()
    {
        // Neutron's create_port:mac_address: the network's owner (not only an admin) may choose a port's MAC.
        var cli = OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc.demo"));
        var steps = new NetworkSteps(gateway);
        var networkId = (await cli.JsonAsync("network", "create", "cli-mac-net")).GetProperty("id").GetString()!;
        await cli.RunAsync("subnet", "create", "--network", networkId, "--subnet-range", "192.168.51.0/24", "cli-mac-sub");

        var port = await cli.JsonAsync("port", "create", "--network", networkId, "--mac-address", "fa:16:3e:51:00:01", "cli-mac-port");
        var portId = port.GetProperty("id").GetString()!;
        Assert.Equal("fa:16:3e:51:00:01", port.GetProperty("mac_address").GetString());
        var taken = await cli.TryAsync("port", "create", "--network", networkId, "--mac-address", "fa:16:3e:51:00:01", "cli-mac-again");
        Assert.NotEqual(0, taken.ExitCode);
        Assert.Contains("fa:16:3e:51:00:01 is in use", taken.ToString(), StringComparison.Ordinal);
        var invalid = await cli.TryAsync("port", "create", "--network", networkId, "--mac-address", "01:16:3e:51:00:01", "cli-mac-multicast");
        Assert.NotEqual(0, invalid.ExitCode);
        Assert.Contains("is not a valid MAC address", invalid.ToString(), StringComparison.Ordinal);

        // Booted in az1 on that port: the pod's copy has the chosen MAC.
        var booted = await gateway.ComputeAsync(HttpMethod.Post, "servers", gateway.DemoToken,
            NetworkSteps.Json(new { server = new { name = "cli-mac-vm", flavorRef = "1", imageRef = await gateway.CirrosAsync("RegionOne"), networks = new[] { new { port = portId } }, availability_zone = "az1" } }), "2.37");
        Assert.True(booted.Status == System.Net.HttpStatusCode.Accepted, booted.Text);
        var server = booted.Json.GetProperty("server").GetProperty("id").GetString()!;
        await steps.ActiveAsync(gateway.DemoToken, server);
        Assert.Equal("fa:16:3e:51:00:01", (await steps.BottomAsync("RegionOne", "ports", portId)).GetProperty("mac_address").GetString());

        await cli.RunAsync("server", "delete", "--wait", server);
        await cli.RunAsync("port", "delete", portId);
        await cli.RunAsync("network", "delete", networkId);
    }

    [Fact]
    public async Task OpenStackCli_AnExternalFlatNetwork_IsMadeInItsRegionAtOnce_WithItsSubnet()
    {
        var admin = OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc"));
        var steps = new NetworkSteps(gateway);
        var network = await admin.JsonAsync("network", "create", "--external", "--provider-network-type", "flat", "--provider-physical-network", "extern",
            "--availability-zone-hint", "RegionTwo", "cli-public");
        var networkId = network.GetProperty("id").GetString()!;
        Assert.Equal("flat", network.GetProperty("provider:network_type").GetString());
        Assert.Contains("RegionTwo", network.GetProperty("availability_zone_hints").ToString(), StringComparison.Ordinal);
        var shown = NetworkSteps.Ok(await gateway.NetworkAsync(HttpMethod.Get, "networks/" + networkId, gateway.AdminToken)).GetProperty("network");
        Assert.True(shown.GetProperty("router:external").GetBoolean());
        Assert.Equal("az2", Assert.Single(shown.GetProperty("availability_zones").EnumerateArray()).GetString());

        var copy = await steps.BottomAsync("RegionTwo", "networks", networkId);
        Assert.True(copy.GetProperty("router:external").GetBoolean());
        Assert.Equal("extern", copy.GetProperty("provider:physical_network").GetString());
        Assert.Empty(await steps.BottomListAsync("RegionOne", "networks", networkId));

        var subnet = await admin.JsonAsync("subnet", "create", "--network", networkId, "--subnet-range", "203.0.113.0/24", "--no-dhcp", "--gateway", "203.0.113.1", "cli-public-subnet");
        var subnetId = subnet.GetProperty("id").GetString()!;
        var subnetCopy = await steps.BottomAsync("RegionTwo", "subnets", subnetId);
        Assert.Equal(copy.GetProperty("id").GetString(), subnetCopy.GetProperty("network_id").GetString());
        Assert.Equal("203.0.113.0/24", subnetCopy.GetProperty("cidr").GetString());

        // RegionTwo's extern is taken now, by this network: a second one there is refused (409 FlatNetworkInUse), the CLI says why.
        var refused = await admin.TryAsync("network", "create", "--external", "--provider-network-type", "flat", "--provider-physical-network", "extern",
            "--availability-zone-hint", "RegionTwo", "cli-public-again");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("extern", refused.Stderr, StringComparison.Ordinal);

        await admin.RunAsync("network", "delete", networkId);
        Assert.Empty(await steps.BottomListAsync("RegionTwo", "networks", networkId));
        Assert.Empty(await steps.BottomListAsync("RegionTwo", "subnets", subnetId));
    }

}
