using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Network;

/// <summary>The real <c>openstack</c> CLI against the central Neutron's routers.</summary>
public sealed class RouterCliTests(SqliteGatewayFixture gateway) : IClassFixture<SqliteGatewayFixture>
{
    [Fact]
    public async Task OpenStackCli_RouterCreateAddSubnetShowRemoveDelete()
    {
        var demo = OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc.demo"));

        static Task<JsonElement> Os(OpenStackCli who, params string[] args) => who.JsonAsync(args);
        static Task OsQuiet(OpenStackCli who, params string[] args) => who.RunAsync(args);

        await Os(demo, "network", "create", "cli-rnet");
        var subnet = await Os(demo, "subnet", "create", "--network", "cli-rnet", "--subnet-range", "10.77.0.0/24", "cli-rsub");
        var subnetId = subnet.GetProperty("id").GetString()!;
        var router = await Os(demo, "router", "create", "--description", "cli router", "cli-router");
        var routerId = router.GetProperty("id").GetString()!;
        Assert.Equal("cli router", router.GetProperty("description").GetString());

        await OsQuiet(demo, "router", "add", "subnet", "cli-router", "cli-rsub");
        var shown = await Os(demo, "router", "show", "cli-router");
        Assert.Equal(routerId, shown.GetProperty("id").GetString());
        Assert.Contains(subnetId, shown.GetProperty("interfaces_info").ToString(), StringComparison.Ordinal);
        Assert.Contains("10.77.0.1", shown.GetProperty("interfaces_info").ToString(), StringComparison.Ordinal);
        var routers = await Os(demo, "router", "list");
        Assert.Contains(routers.EnumerateArray(), r => r.GetProperty("ID").GetString() == routerId);

        await OsQuiet(demo, "router", "remove", "subnet", "cli-router", "cli-rsub");
        Assert.DoesNotContain("10.77.0.1", (await Os(demo, "router", "show", "cli-router")).ToString(), StringComparison.Ordinal);
        await OsQuiet(demo, "router", "delete", "cli-router");
        Assert.DoesNotContain(routerId, (await Os(demo, "router", "list")).ToString(), StringComparison.Ordinal);
        await OsQuiet(demo, "subnet", "delete", "cli-rsub");
        await OsQuiet(demo, "network", "delete", "cli-rnet");
    }
}
