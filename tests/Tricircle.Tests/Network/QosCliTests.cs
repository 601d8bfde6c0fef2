using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Network;

/// <summary>The real <c>openstack</c> CLI against the central Neutron: QoS policies, rules, rule types, and the policy of networks (set --qos-policy / --no-qos-policy) and ports (set --qos-policy / unset --qos-policy).</summary>
public sealed class QosCliTests(SqliteGatewayFixture gateway) : IClassFixture<SqliteGatewayFixture>
{
    [Fact]
    public async Task OpenStackCli_QosPoliciesRulesAndBindings()
    {
        var demo = OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc.demo"));
        var admin = OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc"));

        static Task<JsonElement> Os(OpenStackCli who, params string[] args) => who.JsonAsync(args);
        static Task OsQuiet(OpenStackCli who, params string[] args) => who.RunAsync(args);

        // A member may not make a policy (Zed's default policy).
        var refused = await demo.TryAsync("network", "qos", "policy", "create", "mine");
        Assert.NotEqual(0, refused.ExitCode);

        var created = await Os(admin, "network", "qos", "policy", "create", "--share", "--description", "gold tier", "gold");
        var policy = created.GetProperty("id").GetString()!;
        Assert.True(created.GetProperty("shared").GetBoolean());
        Assert.Contains((await Os(demo, "network", "qos", "policy", "list")).EnumerateArray(), p => p.GetProperty("ID").GetString() == policy);
        await OsQuiet(admin, "network", "qos", "policy", "set", "--name", "gold2", "--description", "changed", "gold");
        var shown = await Os(demo, "network", "qos", "policy", "show", "gold2");
        Assert.Equal(policy, shown.GetProperty("id").GetString());
        Assert.Equal("changed", shown.GetProperty("description").GetString());

        var limit = await Os(admin, "network", "qos", "rule", "create", "--type", "bandwidth-limit", "--max-kbps", "1000", "--max-burst-kbits", "100", "--egress", "gold2");
        var limitId = limit.GetProperty("id").GetString()!;
        Assert.Equal(1000, limit.GetProperty("max_kbps").GetInt32());
        await OsQuiet(admin, "network", "qos", "rule", "create", "--type", "dscp-marking", "--dscp-mark", "26", "gold2");
        await OsQuiet(admin, "network", "qos", "rule", "create", "--type", "minimum-bandwidth", "--min-kbps", "100", "--egress", "gold2");
        await OsQuiet(admin, "network", "qos", "rule", "create", "--type", "minimum-packet-rate", "--min-kpps", "100", "--any", "gold2");
        var rules = await Os(demo, "network", "qos", "rule", "list", "gold2");
        Assert.Equal(4, rules.GetArrayLength());
        await OsQuiet(admin, "network", "qos", "rule", "set", "--max-kbps", "2000", "gold2", limitId);
        Assert.Equal(2000, (await Os(demo, "network", "qos", "rule", "show", "gold2", limitId)).GetProperty("max_kbps").GetInt32());
        await OsQuiet(admin, "network", "qos", "rule", "delete", "gold2", limitId);
        Assert.Equal(3, (await Os(demo, "network", "qos", "rule", "list", "gold2")).GetArrayLength());

        var types = await Os(demo, "network", "qos", "rule", "type", "list");
        Assert.Equal(["bandwidth_limit", "dscp_marking", "minimum_bandwidth", "minimum_packet_rate"], types.EnumerateArray().Select(t => t.GetProperty("Type").GetString()).Order(StringComparer.Ordinal));
        var details = await Os(admin, "network", "qos", "rule", "type", "show", "dscp_marking");
        Assert.Contains("dscp_mark", details.GetProperty("drivers").ToString(), StringComparison.Ordinal);

        // Networks and ports take it, and let it go.
        var network = await Os(demo, "network", "create", "--qos-policy", "gold2", "qosnet");
        Assert.Equal(policy, network.GetProperty("qos_policy_id").GetString());
        var port = await Os(demo, "port", "create", "--network", "qosnet", "--qos-policy", "gold2", "qosport");
        Assert.Equal(policy, port.GetProperty("qos_policy_id").GetString());
        Assert.Equal(policy, port.GetProperty("qos_network_policy_id").GetString());
        var inUse = await admin.TryAsync("network", "qos", "policy", "delete", "gold2");
        Assert.NotEqual(0, inUse.ExitCode);
        await OsQuiet(demo, "port", "unset", "--qos-policy", "qosport");
        Assert.Equal(JsonValueKind.Null, (await Os(demo, "port", "show", "qosport")).GetProperty("qos_policy_id").ValueKind);
        await OsQuiet(demo, "network", "set", "--no-qos-policy", "qosnet");
        Assert.Equal(JsonValueKind.Null, (await Os(demo, "network", "show", "qosnet")).GetProperty("qos_policy_id").ValueKind);
        await OsQuiet(demo, "port", "set", "--qos-policy", "gold2", "qosport");
        Assert.Equal(policy, (await Os(demo, "port", "show", "qosport")).GetProperty("qos_policy_id").GetString());
        await OsQuiet(demo, "port", "delete", "qosport");
        await OsQuiet(demo, "network", "delete", "qosnet");

        await OsQuiet(admin, "network", "qos", "policy", "delete", "gold2");
        Assert.DoesNotContain(policy, (await Os(admin, "network", "qos", "policy", "list")).ToString(), StringComparison.Ordinal);
    }
}
