namespace Tricircle.Emulator.Regions.Network;

/// <summary>The real openstackclient/openstacksdk against the emulated Neutron.</summary>
public sealed class NeutronCliTests(RegionCli cli) : IClassFixture<RegionCli>
{
    [Fact]
    public async Task OpenStackCli_NetworkSubnetPortRouterFloatingIpAndRules_Work()
    {
        using var network = await cli.RunJsonAsync("network", "create", "cli-net", "-f", "json");
        var networkId = network.RootElement.GetProperty("id").GetString()!;
        Assert.Equal("cli-net", network.RootElement.GetProperty("name").GetString());
        Assert.Equal("vxlan", network.RootElement.GetProperty("provider:network_type").GetString());

        using var subnet = await cli.RunJsonAsync("subnet", "create", "--network", "cli-net", "--subnet-range", "10.0.0.0/24", "cli-subnet", "-f", "json");
        Assert.Equal("10.0.0.1", subnet.RootElement.GetProperty("gateway_ip").GetString());
        Assert.Equal(networkId, subnet.RootElement.GetProperty("network_id").GetString());

        using var port = await cli.RunJsonAsync("port", "create", "--network", "cli-net", "--fixed-ip", "ip-address=10.0.0.50", "cli-port", "-f", "json");
        Assert.Contains("10.0.0.50", port.RootElement.GetProperty("fixed_ips").ToString(), StringComparison.Ordinal);
        var portId = port.RootElement.GetProperty("id").GetString()!;

        using var external = await cli.RunJsonAsync("network", "create", "--external", "cli-ext", "-f", "json");
        Assert.True(external.RootElement.GetProperty("router:external").GetBoolean());
        await cli.RunAsync("subnet", "create", "--network", "cli-ext", "--subnet-range", "172.24.4.0/24", "--no-dhcp", "cli-ext-subnet");

        using var router = await cli.RunJsonAsync("router", "create", "cli-router", "-f", "json");
        Assert.Equal("cli-router", router.RootElement.GetProperty("name").GetString());
        await cli.RunAsync("router", "set", "--external-gateway", "cli-ext", "cli-router");
        await cli.RunAsync("router", "add", "subnet", "cli-router", "cli-subnet");
        using var shown = await cli.RunJsonAsync("router", "show", "cli-router", "-f", "json");
        Assert.Contains(external.RootElement.GetProperty("id").GetString()!, shown.RootElement.GetProperty("external_gateway_info").ToString(), StringComparison.Ordinal);

        using var fip = await cli.RunJsonAsync("floating", "ip", "create", "--port", portId, "cli-ext", "-f", "json");
        Assert.StartsWith("172.24.4.", fip.RootElement.GetProperty("floating_ip_address").GetString(), StringComparison.Ordinal);
        Assert.Equal("10.0.0.50", fip.RootElement.GetProperty("fixed_ip_address").GetString());

        using var group = await cli.RunJsonAsync("security", "group", "create", "cli-sg", "-f", "json");
        using var rule = await cli.RunJsonAsync("security", "group", "rule", "create", "--protocol", "tcp", "--dst-port", "22", "--remote-ip", "0.0.0.0/0", "cli-sg", "-f", "json");
        Assert.Equal(22, rule.RootElement.GetProperty("port_range_min").GetInt32());
        Assert.Equal("ingress", rule.RootElement.GetProperty("direction").GetString());

        using var networks = await cli.RunJsonAsync("network", "list", "-f", "json");
        Assert.Equal(2, networks.RootElement.GetArrayLength());
        using var ports = await cli.RunJsonAsync("port", "list", "--network", "cli-net", "-f", "json");
        Assert.Equal(2, ports.RootElement.GetArrayLength()); // cli-port and the router interface

        Assert.Single(cli.Region.Inspect("floatingips"));
        Assert.Single(cli.Region.Inspect("routers").Single()!["external_gateway_info"]!["external_fixed_ips"]!.AsArray());
    }
}
