using Tricircle.Support;

namespace Tricircle.Compute;

/// <summary>
/// <c>openstack server add/remove security group</c> as a member: the CLI finds the group through
/// Nova's security-group proxy (<c>/os-security-groups</c>, by id, else listing by name), which
/// the gateway answers from the central groups; before, it answered 404 "default not found".
/// </summary>
public sealed class ServerSecurityGroupsCliTests(SqliteGatewayFixture gateway) : IClassFixture<SqliteGatewayFixture>
{
    [Fact]
    public async Task OpenStackCli_AddsAndRemovesGroupsByName_TheDefaultOneIncluded()
    {
        var demo = OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc.demo"));
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var net = (await demo.JsonAsync("network", "create", "sgnet-" + suffix)).GetProperty("id").GetString()!;
        await demo.JsonAsync("subnet", "create", "--network", net, "--subnet-range", "10.86.0.0/24", "sgsub-" + suffix);
        var web = (await demo.JsonAsync("security", "group", "create", "web-" + suffix)).GetProperty("id").GetString()!;
        var vm = (await demo.JsonAsync("server", "create", "--flavor", "m1.tiny", "--image", "cirros", "--network", net, "--availability-zone", "az1", "--wait", "sgvm-" + suffix))
            .GetProperty("id").GetString()!;

        await demo.RunAsync("server", "add", "security", "group", vm, "web-" + suffix);
        var port = Assert.Single((await demo.JsonAsync("port", "list", "--server", vm)).EnumerateArray()).GetProperty("ID").GetString()!;
        var groups = (await demo.JsonAsync("port", "show", port)).GetProperty("security_group_ids").EnumerateArray().Select(g => g.GetString()).ToList();
        Assert.Contains(web, groups);
        Assert.Equal(2, groups.Count); // default and web

        // The server's groups by their names, as Nova lists them.
        var shown = (await demo.JsonAsync("server", "show", vm)).GetProperty("security_groups").EnumerateArray().Select(g => g.GetProperty("name").GetString()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["default", "web-" + suffix], shown);

        await demo.RunAsync("server", "remove", "security", "group", vm, "default");
        Assert.Equal([web], (await demo.JsonAsync("port", "show", port)).GetProperty("security_group_ids").EnumerateArray().Select(g => g.GetString()).ToList());
        await demo.RunAsync("server", "add", "security", "group", vm, "default");
        Assert.Equal(2, (await demo.JsonAsync("port", "show", port)).GetProperty("security_group_ids").GetArrayLength());

        var missing = await demo.TryAsync("server", "add", "security", "group", vm, "nosuch-" + suffix);
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("none found (HTTP 404)", missing.ToString(), StringComparison.Ordinal); // the CLI's words once the list has no such name

        await demo.RunAsync("server", "delete", "--wait", vm);
    }
}
