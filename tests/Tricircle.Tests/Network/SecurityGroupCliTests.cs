using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Network;

/// <summary>The real <c>openstack</c> CLI against the central Neutron: security groups and rules, network quotas, network AZs.</summary>
public sealed class SecurityGroupCliTests(SqliteGatewayFixture gateway) : IClassFixture<SqliteGatewayFixture>
{
    [Fact]
    public async Task OpenStackCli_SecurityGroupsRulesQuotasAndZones()
    {
        var demo = OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc.demo"));
        var admin = OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc"));

        static Task<JsonElement> Os(OpenStackCli who, params string[] args) => who.JsonAsync(args);
        static Task OsQuiet(OpenStackCli who, params string[] args) => who.RunAsync(args);

        var created = await Os(demo, "security", "group", "create", "--description", "web servers", "web");
        var id = created.GetProperty("id").GetString()!;
        Assert.Equal("web servers", created.GetProperty("description").GetString());

        var groups = await Os(demo, "security", "group", "list");
        var names = groups.EnumerateArray().Select(g => g.GetProperty("Name").GetString()).ToList();
        Assert.Contains("web", names);
        Assert.Contains("default", names);

        Assert.Equal(id, (await Os(demo, "security", "group", "show", "web")).GetProperty("id").GetString());
        await OsQuiet(demo, "security", "group", "set", "--name", "web2", "--description", "changed", "web");
        var shown = await Os(demo, "security", "group", "show", id);
        Assert.Equal("web2", shown.GetProperty("name").GetString());
        Assert.Equal("changed", shown.GetProperty("description").GetString());

        var rule = await Os(demo, "security", "group", "rule", "create", "--protocol", "tcp", "--dst-port", "22:22", "--remote-ip", "10.0.0.0/8", "web2");
        var ruleId = rule.GetProperty("id").GetString()!;
        Assert.Equal("tcp", rule.GetProperty("protocol").GetString());
        var rules = await Os(demo, "security", "group", "rule", "list", "web2");
        Assert.Contains(rules.EnumerateArray(), r => r.GetProperty("ID").GetString() == ruleId);
        await OsQuiet(demo, "security", "group", "rule", "delete", ruleId);
        Assert.DoesNotContain(ruleId, (await Os(demo, "security", "group", "rule", "list", "web2")).ToString(), StringComparison.Ordinal);
        await OsQuiet(demo, "security", "group", "delete", "web2");
        Assert.DoesNotContain(id, (await Os(demo, "security", "group", "list")).ToString(), StringComparison.Ordinal);

        // Quotas: an admin sets the demo project's; its usage shows (the default group is one security group).
        await OsQuiet(admin, "quota", "set", "--secgroups", "20", "--networks", "50", "demo");
        var quotas = await Os(admin, "quota", "list", "--network", "--detail", "--project", "demo");
        var secgroups = quotas.EnumerateArray().Single(q => q.GetProperty("Resource").GetString() == "security_groups");
        Assert.Equal(20, secgroups.GetProperty("Limit").GetInt32());
        Assert.Equal(1, secgroups.GetProperty("In Use").GetInt32());
        Assert.Equal(50, quotas.EnumerateArray().Single(q => q.GetProperty("Resource").GetString() == "networks").GetProperty("Limit").GetInt32());
        var changed = await Os(admin, "quota", "list", "--network");
        Assert.Contains(changed.EnumerateArray(), q => q.GetProperty("Project ID").GetString() == gateway.DemoProjectId && q.GetProperty("Security Groups").GetInt32() == 20);

        var zones = await Os(demo, "availability", "zone", "list", "--network", "--long");
        Assert.All(zones.EnumerateArray(), z => Assert.Equal("available", z.GetProperty("Zone Status").GetString()));
        var listed = zones.EnumerateArray().Select(z => z.GetProperty("Zone Name").GetString() + "/" + z.GetProperty("Zone Resource").GetString()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["az1/network", "az1/router", "az2/network", "az2/router"], listed);
    }

}
