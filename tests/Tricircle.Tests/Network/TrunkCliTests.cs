using Tricircle.Support;

namespace Tricircle.Network;

/// <summary>The real <c>openstack</c> CLI against the central Neutron's trunks, and a server booted on a trunk's parent.</summary>
public sealed class TrunkCliTests(SqliteGatewayFixture gateway) : IClassFixture<SqliteGatewayFixture>
{
    [Fact]
    public async Task OpenStackCli_TrunkCreateListShowSetUnsetSubportListDelete_AndABootOnTheParent()
    {
        var demo = OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc.demo"));
        var altDemo = OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc.alt_demo"));

        await demo.JsonAsync("network", "create", "cli-trunk-net");
        await demo.JsonAsync("subnet", "create", "--network", "cli-trunk-net", "--subnet-range", "10.141.0.0/24", "cli-trunk-sub");
        var parent = (await demo.JsonAsync("port", "create", "--network", "cli-trunk-net", "cli-parent")).GetProperty("id").GetString()!;
        var sub1 = (await demo.JsonAsync("port", "create", "--network", "cli-trunk-net", "cli-sub1")).GetProperty("id").GetString()!;
        var sub2 = (await demo.JsonAsync("port", "create", "--network", "cli-trunk-net", "cli-sub2")).GetProperty("id").GetString()!;

        var trunk = await demo.JsonAsync("network", "trunk", "create", "--parent-port", "cli-parent", "--description", "cli trunk",
            "--subport", "port=cli-sub1,segmentation-type=vlan,segmentation-id=10", "cli-trunk");
        var id = trunk.GetProperty("id").GetString()!;
        Assert.Equal(parent, trunk.GetProperty("port_id").GetString());
        Assert.Equal("cli trunk", trunk.GetProperty("description").GetString());
        Assert.Contains(sub1, trunk.GetProperty("sub_ports").ToString(), StringComparison.Ordinal);
        Assert.Contains((await demo.JsonAsync("network", "trunk", "list")).EnumerateArray(), t => t.GetProperty("ID").GetString() == id && t.GetProperty("Name").GetString() == "cli-trunk");

        await demo.RunAsync("network", "trunk", "set", "--subport", "port=cli-sub2,segmentation-type=vlan,segmentation-id=20", "--name", "cli-trunk2", "--description", "renamed", "cli-trunk");
        var shown = await demo.JsonAsync("network", "trunk", "show", "cli-trunk2");
        Assert.Equal(id, shown.GetProperty("id").GetString());
        Assert.Equal("renamed", shown.GetProperty("description").GetString());
        var subports = await demo.JsonAsync("network", "subport", "list", "--trunk", "cli-trunk2");
        Assert.Equal(new[] { (sub1, 10), (sub2, 20) }, subports.EnumerateArray().Select(s => (s.GetProperty("Port").GetString()!, s.GetProperty("Segmentation ID").GetInt32())).OrderBy(s => s.Item2));

        await demo.RunAsync("network", "trunk", "unset", "--subport", "cli-sub1", "cli-trunk2");
        Assert.Single((await demo.JsonAsync("network", "subport", "list", "--trunk", id)).EnumerateArray());
        await demo.RunAsync("network", "trunk", "set", "--disable", id);
        Assert.Contains((await demo.JsonAsync("network", "trunk", "show", id)).GetProperty("admin_state_up").ToString(), new[] { "False", "DOWN" }); // neutronclient's AdminStateColumn
        Assert.NotEqual(0, (await demo.TryAsync("network", "trunk", "set", "--subport", "port=cli-sub1,segmentation-type=vlan,segmentation-id=30", id)).ExitCode); // TrunkDisabled
        await demo.RunAsync("network", "trunk", "set", "--enable", id);

        // Another project sees nothing of it.
        Assert.NotEqual(0, (await altDemo.TryAsync("network", "trunk", "show", id)).ExitCode);
        Assert.DoesNotContain(id, (await altDemo.JsonAsync("network", "trunk", "list")).ToString(), StringComparison.Ordinal);

        // A server on the parent: the trunk is in its pod, and is not deleted while the server has it.
        var server = (await demo.JsonAsync("server", "create", "--flavor", "m1.tiny", "--image", "cirros", "--wait", "--port", "cli-parent", "--availability-zone", "az1", "cli-trunk-vm")).GetProperty("id").GetString()!;
        Assert.Contains(gateway.Region("RegionOne").Inspect("trunks"), t => t!["name"]!.GetValue<string>() == id);
        var status = "";
        await Poll.UntilAsync(async () => (status = (await demo.JsonAsync("network", "trunk", "show", id)).GetProperty("status").GetString()!) == "ACTIVE", TimeSpan.FromSeconds(30), () => "trunk ACTIVE, is " + status);
        Assert.NotEqual(0, (await demo.TryAsync("network", "trunk", "delete", id)).ExitCode); // TrunkInUse
        await demo.RunAsync("server", "delete", "--wait", server);
        await demo.RunAsync("network", "trunk", "delete", id);
        Assert.DoesNotContain(id, (await demo.JsonAsync("network", "trunk", "list")).ToString(), StringComparison.Ordinal);
        await gateway.JobsSettledAsync();
        Assert.DoesNotContain(gateway.Region("RegionOne").Inspect("trunks"), t => t!["name"]!.GetValue<string>() == id);
        foreach (var port in new[] { parent, sub1, sub2 })
        {
            await demo.RunAsync("port", "delete", port);
        }
    }
}
