using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Compute;

/// <summary>
/// The real <c>openstack</c> CLI against the central Nova: <c>server group</c> create (before and
/// from 2.64), list (<c>--long</c>, <c>--all-projects</c>), show and delete; <c>server create
/// --hint group=</c>; <c>server event list/show</c>; and, as admin, <c>server migrate</c>,
/// <c>server migrate confirm</c>, <c>server migrate --live-migration</c> and <c>server migration list</c>.
/// </summary>
public sealed class ServerGroupsCliTests(SqliteGatewayFixture gateway) : IClassFixture<SqliteGatewayFixture>
{
    private static string Field(JsonElement item, string name) => item.GetProperty(name).ToString();

    [Fact]
    public async Task OpenStackCli_ServerGroups_HintedBoot_Events_AndMigrations()
    {
        var demo = OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc.demo"));
        var admin = OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc"));
        var suffix = Guid.NewGuid().ToString("N")[..6];

        var together = await demo.JsonAsync("server", "group", "create", "--policy", "affinity", "aff-" + suffix);
        var groupId = Field(together, "id");
        Assert.Contains("affinity", together.ToString(), StringComparison.Ordinal);
        var apart = await demo.JsonAsync("--os-compute-api-version", "2.64", "server", "group", "create", "--policy", "anti-affinity", "--rule", "max_server_per_host=2", "anti-" + suffix);
        Assert.Equal("anti-affinity", Field(apart, "policy"));
        Assert.Contains("max_server_per_host", Field(apart, "rules"), StringComparison.Ordinal);

        var listed = (await demo.JsonAsync("server", "group", "list", "--long")).EnumerateArray().ToList();
        Assert.Contains(listed, g => Field(g, "Name") == "aff-" + suffix);
        Assert.Contains(listed, g => Field(g, "Name") == "anti-" + suffix);
        Assert.True(listed[0].TryGetProperty("Project Id", out _));
        Assert.Contains((await admin.JsonAsync("server", "group", "list", "--all-projects")).EnumerateArray(), g => Field(g, "ID") == groupId);
        Assert.Equal(groupId, Field(await demo.JsonAsync("server", "group", "show", "aff-" + suffix), "id"));

        // A member booted into the group, in the pod's own group there.
        var vm = Field(await demo.JsonAsync("--os-compute-api-version", "2.37", "server", "create", "--flavor", "m1.tiny", "--image", "cirros", "--nic", "none",
            "--availability-zone", "az1", "--hint", "group=" + groupId, "--wait", "sgcli-" + suffix), "id");
        Assert.Contains(vm, Field(await demo.JsonAsync("server", "group", "show", groupId), "members"), StringComparison.Ordinal);
        Assert.Contains(gateway.Region("RegionOne").Inspect("server_groups"), g => g!["name"]!.GetValue<string>() == groupId && g["members"]!.ToJsonString().Contains(vm, StringComparison.Ordinal));

        // Its events, as the member sees them.
        var events = (await demo.JsonAsync("server", "event", "list", vm)).EnumerateArray().ToList();
        var create = Assert.Single(events, e => Field(e, "Action") == "create");
        var shown = await demo.JsonAsync("server", "event", "show", vm, Field(create, "Request ID"));
        Assert.Equal("create", Field(shown, "action"));
        Assert.Equal(vm, Field(shown, "instance_uuid"));

        // Migrations are the admin's (Nova's default policy).
        var refused = await demo.TryAsync("server", "migrate", vm);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("HTTP 403", refused.ToString(), StringComparison.Ordinal);
        string Host() => gateway.Region("RegionOne").Inspect("servers").Single(s => s!["id"]!.GetValue<string>() == vm)!["OS-EXT-SRV-ATTR:host"]!.GetValue<string>();
        var before = Host();
        await admin.RunAsync("server", "migrate", vm);
        Assert.Equal("VERIFY_RESIZE", Field(await admin.JsonAsync("server", "show", vm), "status"));
        Assert.NotEqual(before, Host());
        await admin.RunAsync("server", "migrate", "confirm", vm);
        Assert.Equal("ACTIVE", Field(await admin.JsonAsync("server", "show", vm), "status"));
        var afterCold = Host();
        await admin.RunAsync("server", "migrate", "--live-migration", vm);
        Assert.NotEqual(afterCold, Host());
        var migrations = (await admin.JsonAsync("server", "migration", "list", "--server", vm)).EnumerateArray().ToList();
        Assert.Equal(2, migrations.Count);
        Assert.Contains("HTTP 403", (await demo.TryAsync("server", "migration", "list")).ToString(), StringComparison.Ordinal);

        await demo.RunAsync("server", "delete", "--wait", vm);
        await demo.RunAsync("server", "group", "delete", "aff-" + suffix, "anti-" + suffix);
        Assert.DoesNotContain((await demo.JsonAsync("server", "group", "list")).EnumerateArray(), g => Field(g, "ID") == groupId);
        await gateway.JobsSettledAsync();
        Assert.DoesNotContain(gateway.Region("RegionOne").Inspect("server_groups"), g => g!["name"]!.GetValue<string>() == groupId);
    }
}
