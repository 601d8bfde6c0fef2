using System.Net;
using System.Text.Json;
using Tricircle.Support;
using static Tricircle.Support.NetworkSteps;

namespace Tricircle.Network;

/// <summary>
/// QoS policies and rules in the central Neutron (Zed's qos plugin: an admin's to make, a
/// project's to read and use) and their copies in the pods: a pod gets a policy, with its rules,
/// when a network or port copy there uses it; changes follow; copies nothing uses go.
/// </summary>
public abstract class QosPoliciesTests(GatewayFixture gateway)
{
    private readonly NetworkSteps _steps = new(gateway);

    [Fact]
    public async Task PolicyOnANetwork_ReachesThePodWithTheServer_FollowsChanges_AndGoesWhenUnused()
    {
        var (token, project) = gateway.NewTenant("qos");
        var policy = await PolicyAsync(new { name = "gold", description = "gold tier", project_id = project });
        var limit = await RuleAsync(policy, "bandwidth_limit_rule", new { max_kbps = 1000, max_burst_kbps = 100 });
        await RuleAsync(policy, "dscp_marking_rule", new { dscp_mark = 26 });

        var (networkId, _) = await _steps.NetworkAsync(token, "10.71.0.0/24");
        var network = Ok(await gateway.NetworkAsync(HttpMethod.Put, "networks/" + networkId, token, Json(new { network = new { qos_policy_id = policy } }))).GetProperty("network");
        Assert.Equal(policy, network.GetProperty("qos_policy_id").GetString());
        Assert.Single(Ok(await gateway.NetworkAsync(HttpMethod.Get, "networks?qos_policy_id=" + policy, token)).GetProperty("networks").EnumerateArray());
        var server = await _steps.BootAsync(token, networkId, "az1");
        await _steps.ActiveAsync(token, server);

        // RegionOne holds the network, so it has the policy: named after the central id, with its rules, on the network's copy.
        var copy = await BottomPolicyAsync("RegionOne", policy);
        Assert.Equal("gold tier", copy.GetProperty("description").GetString());
        Assert.Equal(project, copy.GetProperty("project_id").GetString());
        Assert.Equal(copy.GetProperty("id").GetString(), (await _steps.BottomAsync("RegionOne", "networks", networkId)).GetProperty("qos_policy_id").GetString());
        var rules = copy.GetProperty("rules").EnumerateArray().ToList();
        Assert.Equal(["bandwidth_limit", "dscp_marking"], rules.Select(r => r.GetProperty("type").GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(1000, rules.Single(r => r.GetProperty("type").GetString() == "bandwidth_limit").GetProperty("max_kbps").GetInt32());
        Assert.Equal(26, rules.Single(r => r.GetProperty("type").GetString() == "dscp_marking").GetProperty("dscp_mark").GetInt32());
        Assert.Empty(await BottomPoliciesAsync("RegionTwo", policy));

        // The server's port shows its network's policy (qos-port-network-policy).
        var port = await _steps.ServerPortAsync(token, server);
        Assert.Equal(policy, port.GetProperty("qos_network_policy_id").GetString());
        Assert.Equal(JsonValueKind.Null, port.GetProperty("qos_policy_id").ValueKind);

        // A rule changed, one added, and the description: the copy follows.
        Ok(await gateway.NetworkAsync(HttpMethod.Put, $"qos/policies/{policy}/bandwidth_limit_rules/{limit}", gateway.AdminToken, Json(new { bandwidth_limit_rule = new { max_kbps = 2000 } })));
        await RuleAsync(policy, "minimum_bandwidth_rule", new { min_kbps = 500 });
        Ok(await gateway.NetworkAsync(HttpMethod.Put, "qos/policies/" + policy, gateway.AdminToken, Json(new { policy = new { description = "gold, faster" } })));
        copy = await BottomPolicyAsync("RegionOne", policy);
        Assert.Equal("gold, faster", copy.GetProperty("description").GetString());
        rules = copy.GetProperty("rules").EnumerateArray().ToList();
        Assert.Equal(2000, rules.Single(r => r.GetProperty("type").GetString() == "bandwidth_limit").GetProperty("max_kbps").GetInt32());
        Assert.Equal(500, rules.Single(r => r.GetProperty("type").GetString() == "minimum_bandwidth").GetProperty("min_kbps").GetInt32());

        // The port gets a policy of its own (a shared one), then loses it; the pod's copy of it goes once unused.
        var silver = await PolicyAsync(new { name = "silver", shared = true });
        await RuleAsync(silver, "bandwidth_limit_rule", new { max_kbps = 300, direction = "ingress" });
        var portId = port.GetProperty("id").GetString()!;
        var bound = Ok(await gateway.NetworkAsync(HttpMethod.Put, "ports/" + portId, token, Json(new { port = new { qos_policy_id = silver } }))).GetProperty("port");
        Assert.Equal(silver, bound.GetProperty("qos_policy_id").GetString());
        var silverCopy = await BottomPolicyAsync("RegionOne", silver);
        Assert.Equal("ingress", Assert.Single(silverCopy.GetProperty("rules").EnumerateArray()).GetProperty("direction").GetString());
        Assert.Equal(silverCopy.GetProperty("id").GetString(), (await _steps.BottomAsync("RegionOne", "ports", portId)).GetProperty("qos_policy_id").GetString());

        Ok(await gateway.NetworkAsync(HttpMethod.Put, "ports/" + portId, token, Json(new { port = new { qos_policy_id = (string?)null } })));
        Assert.Equal(JsonValueKind.Null, (await _steps.BottomAsync("RegionOne", "ports", portId)).GetProperty("qos_policy_id").ValueKind);
        Assert.Empty(await BottomPoliciesAsync("RegionOne", silver));

        // In use: refused, as Neutron; unbound, the network's copy loses it and the pod's copy goes.
        var inUse = (await gateway.NetworkAsync(HttpMethod.Delete, "qos/policies/" + policy, gateway.AdminToken)).AssertNeutronError(HttpStatusCode.Conflict, "QosPolicyInUse");
        Assert.Contains($"network {networkId}", inUse, StringComparison.Ordinal);
        Ok(await gateway.NetworkAsync(HttpMethod.Put, "networks/" + networkId, token, Json(new { network = new { qos_policy_id = (string?)null } })));
        Assert.Equal(JsonValueKind.Null, (await _steps.BottomAsync("RegionOne", "networks", networkId)).GetProperty("qos_policy_id").ValueKind);
        Assert.Empty(await BottomPoliciesAsync("RegionOne", policy));
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "qos/policies/" + policy, gateway.AdminToken)).Status);
        (await gateway.NetworkAsync(HttpMethod.Get, "qos/policies/" + policy, gateway.AdminToken)).AssertNeutronError(HttpStatusCode.NotFound, "QosPolicyNotFound");
    }

    [Fact]
    public async Task PolicyDelete_RemovesACopyThePodHeldOnTo()
    {
        // A copy the pod refused to let go (one of its own ports used it) goes with the central policy.
        var (token, project) = gateway.NewTenant("qosdel");
        var policy = await PolicyAsync(new { name = "bronze", project_id = project });
        await RuleAsync(policy, "dscp_marking_rule", new { dscp_mark = 10 });
        var (networkId, _) = await _steps.NetworkAsync(token, "10.72.0.0/24");
        Ok(await gateway.NetworkAsync(HttpMethod.Put, "networks/" + networkId, token, Json(new { network = new { qos_policy_id = policy } })));
        var server = await _steps.BootAsync(token, networkId, "az2");
        await _steps.ActiveAsync(token, server);
        var copy = (await BottomPolicyAsync("RegionTwo", policy)).GetProperty("id").GetString()!;

        var bottomNetwork = (await _steps.BottomAsync("RegionTwo", "networks", networkId)).GetProperty("id").GetString()!;
        var stray = await gateway.SendAsync(new Uri(gateway.Region("RegionTwo").NetworkUrl, "v2.0/ports"), HttpMethod.Post, gateway.AdminToken, Json(new { port = new { network_id = bottomNetwork, name = "stray", qos_policy_id = copy } }));
        Assert.True(stray.Status == HttpStatusCode.Created, stray.Text);
        Ok(await gateway.NetworkAsync(HttpMethod.Put, "networks/" + networkId, token, Json(new { network = new { qos_policy_id = (string?)null } })));
        Assert.Single(await BottomPoliciesAsync("RegionTwo", policy)); // the pod said no: its stray port uses it

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.SendAsync(new Uri(gateway.Region("RegionTwo").NetworkUrl, "v2.0/ports/" + stray.Json.GetProperty("port").GetProperty("id").GetString()), HttpMethod.Delete, gateway.AdminToken)).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "qos/policies/" + policy, gateway.AdminToken)).Status);
        await Poll.UntilAsync(async () => (await BottomPoliciesAsync("RegionTwo", policy)).Count == 0, TimeSpan.FromSeconds(30), () => "the pod's copy of the deleted policy is still there");
    }

    [Fact]
    public async Task Members_ReadOwnAndSharedPolicies_ButMakeNone()
    {
        var (token, project) = gateway.NewTenant("qosmember");
        var (_, otherProject) = gateway.NewTenant("qosother");

        (await gateway.NetworkAsync(HttpMethod.Post, "qos/policies", token, Json(new { policy = new { name = "mine" } }))).AssertNeutronError(HttpStatusCode.Forbidden, "PolicyNotAuthorized");
        var own = await PolicyAsync(new { name = "own", project_id = project });
        var shared = await PolicyAsync(new { name = "shared", shared = true, project_id = otherProject });
        var hidden = await PolicyAsync(new { name = "hidden", project_id = otherProject });

        var listed = Ok(await gateway.NetworkAsync(HttpMethod.Get, "qos/policies", token)).GetProperty("policies").EnumerateArray().Select(p => p.GetProperty("id").GetString()).ToList();
        Assert.Contains(own, listed);
        Assert.Contains(shared, listed);
        Assert.DoesNotContain(hidden, listed);
        (await gateway.NetworkAsync(HttpMethod.Get, "qos/policies/" + hidden, token)).AssertNeutronError(HttpStatusCode.NotFound, "QosPolicyNotFound");
        (await gateway.NetworkAsync(HttpMethod.Put, "qos/policies/" + own, token, Json(new { policy = new { name = "x" } }))).AssertNeutronError(HttpStatusCode.Forbidden, "PolicyNotAuthorized");
        (await gateway.NetworkAsync(HttpMethod.Delete, "qos/policies/" + own, token)).AssertNeutronError(HttpStatusCode.Forbidden, "PolicyNotAuthorized");
        (await gateway.NetworkAsync(HttpMethod.Post, $"qos/policies/{own}/bandwidth_limit_rules", token, Json(new { bandwidth_limit_rule = new { max_kbps = 1 } }))).AssertNeutronError(HttpStatusCode.Forbidden, "PolicyNotAuthorized");

        // Another project's hidden policy is not there for its networks either; a shared one is.
        (await gateway.NetworkAsync(HttpMethod.Post, "networks", token, Json(new { network = new { name = "n", qos_policy_id = hidden } }))).AssertNeutronError(HttpStatusCode.NotFound, "QosPolicyNotFound");
        Assert.Equal(shared, Ok(await gateway.NetworkAsync(HttpMethod.Post, "networks", token, Json(new { network = new { name = "n", qos_policy_id = shared } }))).GetProperty("network").GetProperty("qos_policy_id").GetString());
    }

    [Fact]
    public async Task Rules_AreCheckedAsNeutronChecksThem()
    {
        var policy = await PolicyAsync(new { name = "checks" });
        var path = $"qos/policies/{policy}/";
        (await gateway.NetworkAsync(HttpMethod.Post, path + "dscp_marking_rules", gateway.AdminToken, Json(new { dscp_marking_rule = new { dscp_mark = 3 } }))).AssertNeutronError(HttpStatusCode.BadRequest, "HTTPBadRequest");
        (await gateway.NetworkAsync(HttpMethod.Post, path + "bandwidth_limit_rules", gateway.AdminToken, Json(new { bandwidth_limit_rule = new { max_burst_kbps = 3 } }))).AssertNeutronError(HttpStatusCode.BadRequest, "HTTPBadRequest");
        (await gateway.NetworkAsync(HttpMethod.Post, path + "bandwidth_limit_rules", gateway.AdminToken, Json(new { bandwidth_limit_rule = new { max_kbps = 10, direction = "sideways" } }))).AssertNeutronError(HttpStatusCode.BadRequest, "HTTPBadRequest");

        var egress = await RuleAsync(policy, "bandwidth_limit_rule", new { max_kbps = 1000 });
        var shown = Ok(await gateway.NetworkAsync(HttpMethod.Get, $"{path}bandwidth_limit_rules/{egress}", gateway.AdminToken)).GetProperty("bandwidth_limit_rule");
        Assert.Equal(["direction", "id", "max_burst_kbps", "max_kbps"], shown.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("egress", shown.GetProperty("direction").GetString());
        Assert.Equal(0, shown.GetProperty("max_burst_kbps").GetInt32());
        (await gateway.NetworkAsync(HttpMethod.Post, path + "bandwidth_limit_rules", gateway.AdminToken, Json(new { bandwidth_limit_rule = new { max_kbps = 5 } }))).AssertNeutronError(HttpStatusCode.Conflict, "QoSRulesConflict");
        await RuleAsync(policy, "bandwidth_limit_rule", new { max_kbps = 5, direction = "ingress" });
        (await gateway.NetworkAsync(HttpMethod.Post, path + "minimum_bandwidth_rules", gateway.AdminToken, Json(new { minimum_bandwidth_rule = new { min_kbps = 2000 } }))).AssertNeutronError(HttpStatusCode.Conflict, "QoSRuleParameterConflict");
        await RuleAsync(policy, "minimum_packet_rate_rule", new { min_kpps = 1000, direction = "any" });
        (await gateway.NetworkAsync(HttpMethod.Post, path + "minimum_packet_rate_rules", gateway.AdminToken, Json(new { minimum_packet_rate_rule = new { min_kpps = 10, direction = "egress" } }))).AssertNeutronError(HttpStatusCode.Conflict, "QoSRuleParameterConflict");
        (await gateway.NetworkAsync(HttpMethod.Get, $"{path}dscp_marking_rules/{egress}", gateway.AdminToken)).AssertNeutronError(HttpStatusCode.NotFound, "QosRuleNotFound");

        var listed = Ok(await gateway.NetworkAsync(HttpMethod.Get, "qos/policies/" + policy, gateway.AdminToken)).GetProperty("policy").GetProperty("rules").EnumerateArray().ToList();
        Assert.Equal(3, listed.Count);
        Assert.All(listed, r => Assert.Equal(policy, r.GetProperty("qos_policy_id").GetString()));

        // One default policy per project (qos-default); a new network of the project gets it.
        var (token, project) = gateway.NewTenant("qosdefault");
        var first = await PolicyAsync(new { name = "d1", is_default = true, project_id = project });
        (await gateway.NetworkAsync(HttpMethod.Post, "qos/policies", gateway.AdminToken, Json(new { policy = new { name = "d2", is_default = true, project_id = project } })))
            .AssertNeutronError(HttpStatusCode.Conflict, "QoSPolicyDefaultAlreadyExists");
        Assert.Equal(first, Ok(await gateway.NetworkAsync(HttpMethod.Post, "networks", token, Json(new { network = new { name = "n" } }))).GetProperty("network").GetProperty("qos_policy_id").GetString());
    }

    private async Task<string> PolicyAsync(object policy)
    {
        var created = await gateway.NetworkAsync(HttpMethod.Post, "qos/policies", gateway.AdminToken, Json(new { policy }));
        Assert.True(created.Status == HttpStatusCode.Created, created.Text);
        return created.Json.GetProperty("policy").GetProperty("id").GetString()!;
    }

    private async Task<string> RuleAsync(string policy, string singular, object rule)
    {
        var created = await gateway.NetworkAsync(HttpMethod.Post, $"qos/policies/{policy}/{singular}s", gateway.AdminToken, Json(new Dictionary<string, object> { [singular] = rule }));
        Assert.True(created.Status == HttpStatusCode.Created, created.Text);
        return created.Json.GetProperty(singular).GetProperty("id").GetString()!;
    }

    private async Task<List<JsonElement>> BottomPoliciesAsync(string region, string topId)
    {
        var answer = await gateway.SendAsync(new Uri(gateway.Region(region).NetworkUrl, "v2.0/qos/policies?name=" + topId), HttpMethod.Get, gateway.AdminToken);
        Assert.True(answer.Status == HttpStatusCode.OK, answer.Text);
        return [.. answer.Json.GetProperty("policies").EnumerateArray()];
    }

    private async Task<JsonElement> BottomPolicyAsync(string region, string topId) => Assert.Single(await BottomPoliciesAsync(region, topId));
}

public sealed class SqliteQosPoliciesTests(SqliteGatewayFixture gateway) : QosPoliciesTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class PostgresQosPoliciesTests(PostgresGatewayFixture gateway) : QosPoliciesTests(gateway), IClassFixture<PostgresGatewayFixture>;
