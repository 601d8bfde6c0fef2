using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Network;

/// <summary>The real <c>openstack</c> CLI against the central Neutron's floating IPs.</summary>
public sealed class FloatingIpCliTests(SqliteGatewayFixture gateway) : IClassFixture<SqliteGatewayFixture>
{
    [Fact]
    public async Task OpenStackCli_FloatingIpCreateListShowSetUnsetDelete()
    {
        var admin = OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc"));
        var demo = OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc.demo"));
        var altDemo = OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc.alt_demo"));

        static Task<JsonElement> Os(OpenStackCli who, params string[] args) => who.JsonAsync(args);
        static Task OsQuiet(OpenStackCli who, params string[] args) => who.RunAsync(args);

        await Os(admin, "network", "create", "--external", "cli-fip-ext");
        await Os(admin, "subnet", "create", "--network", "cli-fip-ext", "--subnet-range", "172.31.77.0/24", "--no-dhcp", "cli-fip-extsub");
        await Os(demo, "network", "create", "cli-fip-net");
        await Os(demo, "subnet", "create", "--network", "cli-fip-net", "--subnet-range", "10.177.0.0/24", "cli-fip-sub");
        var routerId = (await Os(demo, "router", "create", "cli-fip-router")).GetProperty("id").GetString()!;
        await OsQuiet(demo, "router", "set", "--external-gateway", "cli-fip-ext", "cli-fip-router");
        await OsQuiet(demo, "router", "add", "subnet", "cli-fip-router", "cli-fip-sub");
        var port = await Os(demo, "port", "create", "--network", "cli-fip-net", "cli-fip-port");
        var portId = port.GetProperty("id").GetString()!;
        var fixedIp = port.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString()!;

        var fip = await Os(demo, "floating", "ip", "create", "--description", "cli fip", "cli-fip-ext");
        var id = fip.GetProperty("id").GetString()!;
        var address = fip.GetProperty("floating_ip_address").GetString()!;
        Assert.StartsWith("172.31.77.", address, StringComparison.Ordinal);
        Assert.Equal("cli fip", fip.GetProperty("description").GetString());
        var listed = await Os(demo, "floating", "ip", "list");
        Assert.Contains(listed.EnumerateArray(), f => f.GetProperty("ID").GetString() == id && f.GetProperty("Floating IP Address").GetString() == address);

        await OsQuiet(demo, "floating", "ip", "set", "--port", "cli-fip-port", id);
        var shown = await Os(demo, "floating", "ip", "show", address); // found by its address too
        Assert.Equal(id, shown.GetProperty("id").GetString());
        Assert.Equal(portId, shown.GetProperty("port_id").GetString());
        Assert.Equal(fixedIp, shown.GetProperty("fixed_ip_address").GetString());
        Assert.Equal(routerId, shown.GetProperty("router_id").GetString());
        Assert.Contains("cli-fip-port", shown.GetProperty("port_details").ToString(), StringComparison.Ordinal);

        // Another project sees nothing of it.
        Assert.NotEqual(0, (await altDemo.TryAsync("floating", "ip", "show", id)).ExitCode);
        Assert.DoesNotContain(id, (await Os(altDemo, "floating", "ip", "list")).ToString(), StringComparison.Ordinal);

        await OsQuiet(demo, "floating", "ip", "unset", "--port", id);
        var unset = await Os(demo, "floating", "ip", "show", id);
        Assert.Equal(JsonValueKind.Null, unset.GetProperty("port_id").ValueKind);
        Assert.Equal(JsonValueKind.Null, unset.GetProperty("router_id").ValueKind);

        await OsQuiet(demo, "floating", "ip", "delete", id);
        Assert.DoesNotContain(id, (await Os(demo, "floating", "ip", "list")).ToString(), StringComparison.Ordinal);
        await OsQuiet(demo, "port", "delete", "cli-fip-port");
        await OsQuiet(demo, "router", "remove", "subnet", "cli-fip-router", "cli-fip-sub");
        await OsQuiet(demo, "router", "unset", "--external-gateway", "cli-fip-router");
        await OsQuiet(demo, "router", "delete", "cli-fip-router");
        await OsQuiet(admin, "network", "delete", "cli-fip-ext");
    }
}
