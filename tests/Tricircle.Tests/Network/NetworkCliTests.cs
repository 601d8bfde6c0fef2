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

}
