using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tricircle.Support;

namespace Tricircle.Compute;

/// <summary>
/// Server groups through the central Nova: central records, members placed where the policy
/// allows (affinity in the first member's pod, anti-affinity spread), the pod's own group of the
/// same policy holding them (so the pod's scheduler keeps the policy among its hosts), and a
/// group's delete removing its pod copies.
/// </summary>
public abstract class ServerGroupsTests(GatewayFixture gateway)
{
    private static string Json(object value) => JsonSerializer.Serialize(value);

    private async Task<JsonElement> CreateGroupAsync(string token, string name, string policy, string microversion = "2.64", object? rules = null)
    {
        var body = microversion == "2.64"
            ? Json(new { server_group = new { name, policy, rules = rules ?? new { } } })
            : Json(new { server_group = new { name, policies = new[] { policy } } });
        var created = await gateway.ComputeAsync(HttpMethod.Post, "os-server-groups", token, body, microversion);
        created.AssertOk();
        return created.Json.GetProperty("server_group");
    }

    private async Task<ApiResponse> BootAsync(string token, string name, string? az, string group)
    {
        var image = await gateway.CirrosAsync(az == "az2" ? "RegionTwo" : "RegionOne");
        var server = new JsonObject { ["name"] = name, ["flavorRef"] = "1", ["imageRef"] = image, ["networks"] = "none" };
        if (az is not null)
        {
            server["availability_zone"] = az;
        }

        var body = new JsonObject { ["server"] = server, ["os:scheduler_hints"] = new JsonObject { ["group"] = group } };
        return await gateway.ComputeAsync(HttpMethod.Post, "servers", token, body.ToJsonString(), "2.37");
    }

    private static string IdOf(ApiResponse created)
    {
        Assert.True(created.Status == HttpStatusCode.Accepted, created.Text);
        return created.Json.GetProperty("server").GetProperty("id").GetString()!;
    }

    /// <summary>The pod's record of a server (admin view: its host).</summary>
    private JsonNode? PodServer(string region, string id) =>
        gateway.Region(region).Inspect("servers").FirstOrDefault(s => s!["id"]!.GetValue<string>() == id);

    private JsonNode? PodGroup(string region, string centralId) =>
        gateway.Region(region).Inspect("server_groups").FirstOrDefault(g => g!["name"]!.GetValue<string>() == centralId);

    private async Task<List<string>> MembersAsync(string token, string group) =>
        [.. (await gateway.ComputeAsync(HttpMethod.Get, "os-server-groups/" + group, token, microversion: "2.64")).Json.GetProperty("server_group").GetProperty("members").EnumerateArray().Select(m => m.GetString()!)];

    private async Task<string> StatusAsync(string token, string server)
    {
        var status = "";
        await Poll.UntilAsync(async () =>
        {
            status = (await gateway.ComputeAsync(HttpMethod.Get, "servers/" + server, token)).Json.GetProperty("server").GetProperty("status").GetString()!;
            return status is not "BUILD";
        }, TimeSpan.FromSeconds(20), () => $"server {server} is still {status}");
        return status;
    }

    [Fact]
    public async Task Affinity_MembersJoinTheFirstMembersPod_InThePodsOwnGroupOnOneHost_AnotherAzIsNoValidHost_DeleteRemovesThePodGroup()
    {
        var (token, project) = gateway.NewTenant("sg-aff");
        var group = await CreateGroupAsync(token, "together", "affinity");
        var id = group.GetProperty("id").GetString()!;
        Assert.Equal("affinity", group.GetProperty("policy").GetString());
        Assert.Empty(group.GetProperty("rules").EnumerateObject());
        Assert.Empty(group.GetProperty("members").EnumerateArray());
        Assert.Equal(project, group.GetProperty("project_id").GetString());
        Assert.False(group.TryGetProperty("policies", out _));

        var first = IdOf(await BootAsync(token, "aff-1", "az1", id));
        var second = IdOf(await BootAsync(token, "aff-2", null, id)); // no AZ: the group decides
        Assert.Equal("ACTIVE", await StatusAsync(token, first));
        Assert.Equal("ACTIVE", await StatusAsync(token, second));

        // In the pod: both in RegionOne, in the pod's own affinity group, on one host.
        var podGroup = PodGroup("RegionOne", id);
        Assert.NotNull(podGroup);
        Assert.Equal("affinity", podGroup!["policy"]!.GetValue<string>());
        Assert.Equal([first, second], podGroup["members"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Equal(PodServer("RegionOne", first)!["OS-EXT-SRV-ATTR:host"]!.GetValue<string>(), PodServer("RegionOne", second)!["OS-EXT-SRV-ATTR:host"]!.GetValue<string>());
        Assert.Null(PodGroup("RegionTwo", id));

        // Another AZ cannot hold an affinity member: refused at once, nothing made.
        var refused = await BootAsync(token, "aff-3", "az2", id);
        refused.AssertError(HttpStatusCode.BadRequest, "badRequest");
        Assert.Contains("No valid host was found", refused.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(gateway.Region("RegionTwo").Inspect("servers"), s => s!["name"]!.GetValue<string>() == "aff-3");

        Assert.Equal([first, second], await MembersAsync(token, id));
        var old = (await gateway.ComputeAsync(HttpMethod.Get, "os-server-groups/" + id, token)).Json.GetProperty("server_group");
        Assert.Equal(["affinity"], old.GetProperty("policies").EnumerateArray().Select(p => p.GetString()));
        Assert.Empty(old.GetProperty("metadata").EnumerateObject());
        Assert.False(old.TryGetProperty("project_id", out _)); // 2.13

        // A deleted server leaves the group; the group's delete takes its pod copy.
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.ComputeAsync(HttpMethod.Delete, "servers/" + first, token)).Status);
        Assert.Equal([second], await MembersAsync(token, id));
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.ComputeAsync(HttpMethod.Delete, "os-server-groups/" + id, token)).Status);
        await gateway.JobsSettledAsync();
        Assert.Null(PodGroup("RegionOne", id));
        Assert.NotNull(PodServer("RegionOne", second)); // members stay, as in Nova
        (await gateway.ComputeAsync(HttpMethod.Get, "os-server-groups/" + id, token)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
    }

    [Fact]
    public async Task AntiAffinity_ThePodKeepsMembersOnDifferentHosts_AndAThirdInATwoHostPodIsNoValidHostAsNova()
    {
        var (token, _) = gateway.NewTenant("sg-anti");
        var id = (await CreateGroupAsync(token, "apart", "anti-affinity", "2.1")).GetProperty("id").GetString()!;
        var first = IdOf(await BootAsync(token, "anti-1", "az1", id));
        var second = IdOf(await BootAsync(token, "anti-2", "az1", id));
        Assert.Equal("ACTIVE", await StatusAsync(token, first));
        Assert.Equal("ACTIVE", await StatusAsync(token, second));
        Assert.NotEqual(PodServer("RegionOne", first)!["OS-EXT-SRV-ATTR:host"]!.GetValue<string>(), PodServer("RegionOne", second)!["OS-EXT-SRV-ATTR:host"]!.GetValue<string>());
        Assert.Equal("anti-affinity", PodGroup("RegionOne", id)!["policy"]!.GetValue<string>());

        // az1 has one pod with two hosts: the pod's scheduler finds none for a third, as Nova does.
        var third = IdOf(await BootAsync(token, "anti-3", "az1", id));
        Assert.Equal("ERROR", await StatusAsync(token, third));
        var fault = (await gateway.ComputeAsync(HttpMethod.Get, "servers/" + third, token)).Json.GetProperty("server").GetProperty("fault");
        Assert.StartsWith("No valid host was found", fault.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal([first, second, third], await MembersAsync(token, id));

        // Another AZ: its own pod group, same policy.
        var elsewhere = IdOf(await BootAsync(token, "anti-4", "az2", id));
        Assert.Equal("ACTIVE", await StatusAsync(token, elsewhere));
        Assert.Equal("anti-affinity", PodGroup("RegionTwo", id)!["policy"]!.GetValue<string>());
        Assert.Equal([elsewhere], PodGroup("RegionTwo", id)!["members"]!.AsArray().Select(m => m!.GetValue<string>()));

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.ComputeAsync(HttpMethod.Delete, "os-server-groups/" + id, token)).Status);
        await gateway.JobsSettledAsync();
        Assert.Null(PodGroup("RegionOne", id));
        Assert.Null(PodGroup("RegionTwo", id));
    }

    [Fact]
    public async Task Groups_AreTheProjectsOwn_ValidatedAsNova_AndCountedAgainstTheQuota()
    {
        var (token, project) = gateway.NewTenant("sg-own");
        var (other, _) = gateway.NewTenant("sg-other");
        var mine = (await CreateGroupAsync(token, "mine", "soft-anti-affinity", "2.64", new { })).GetProperty("id").GetString()!;
        var theirs = (await CreateGroupAsync(other, "theirs", "affinity")).GetProperty("id").GetString()!;
        var ruled = await CreateGroupAsync(token, "ruled", "anti-affinity", "2.64", new { max_server_per_host = 2 });
        Assert.Equal(2, ruled.GetProperty("rules").GetProperty("max_server_per_host").GetInt32());

        var listed = (await gateway.ComputeAsync(HttpMethod.Get, "os-server-groups", token, microversion: "2.64")).Json.GetProperty("server_groups").EnumerateArray().Select(g => g.GetProperty("id").GetString()).ToList();
        Assert.Contains(mine, listed);
        Assert.DoesNotContain(theirs, listed);
        Assert.DoesNotContain(theirs, (await gateway.ComputeAsync(HttpMethod.Get, "os-server-groups?all_projects=True", token)).Text); // a member's all_projects is ignored
        var all = await gateway.ComputeAsync(HttpMethod.Get, "os-server-groups?all_projects=True", gateway.AdminToken);
        Assert.Contains(theirs, all.Text);
        Assert.Contains(mine, all.Text);

        // Another project's group: not found (Nova looks in the caller's project), and no hint to boot with.
        (await gateway.ComputeAsync(HttpMethod.Get, "os-server-groups/" + theirs, token)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        (await gateway.ComputeAsync(HttpMethod.Delete, "os-server-groups/" + theirs, token)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        (await BootAsync(token, "hint-theirs", "az1", theirs)).AssertError(HttpStatusCode.BadRequest, "badRequest");
        (await BootAsync(token, "hint-bad", "az1", "not-a-uuid")).AssertError(HttpStatusCode.BadRequest, "badRequest");
        (await BootAsync(token, "hint-none", "az1", Guid.NewGuid().ToString())).AssertError(HttpStatusCode.BadRequest, "badRequest");
        (await gateway.ComputeAsync(HttpMethod.Get, "os-server-groups/" + Guid.NewGuid(), token)).AssertError(HttpStatusCode.NotFound, "itemNotFound");

        // Nova's schemas: soft policies from 2.15, policy/rules from 2.64, rules for anti-affinity only.
        async Task Refused(string body, string microversion) =>
            (await gateway.ComputeAsync(HttpMethod.Post, "os-server-groups", token, body, microversion)).AssertError(HttpStatusCode.BadRequest, "badRequest");
        await Refused(Json(new { server_group = new { name = "x", policies = new[] { "soft-affinity" } } }), "2.14");
        await Refused(Json(new { server_group = new { name = "x", policies = new[] { "affinity", "anti-affinity" } } }), "2.15");
        await Refused(Json(new { server_group = new { name = "x", policy = "affinity" } }), "2.63");
        await Refused(Json(new { server_group = new { name = "x", policies = new[] { "affinity" } } }), "2.64");
        await Refused(Json(new { server_group = new { name = "x", policy = "together" } }), "2.64");
        await Refused(Json(new { server_group = new { name = "x", policy = "affinity", rules = new { max_server_per_host = 2 } } }), "2.64");
        await Refused(Json(new { server_group = new { name = "x", policy = "anti-affinity", rules = new { max_server_per_host = 0 } } }), "2.64");
        await Refused(Json(new { server_group = new { name = "", policy = "affinity" } }), "2.64");
        (await gateway.ComputeAsync(HttpMethod.Get, "os-server-groups?limit=-1", token)).AssertError(HttpStatusCode.BadRequest, "badRequest");
        (await gateway.ComputeAsync(HttpMethod.Get, "os-server-groups", null)).AssertError(HttpStatusCode.Unauthorized, "error");

        // server_groups quota: Nova's default of 10 a project.
        for (var i = 2; i < 10; i++)
        {
            await CreateGroupAsync(token, "fill-" + i, "affinity");
        }

        var over = await gateway.ComputeAsync(HttpMethod.Post, "os-server-groups", token, Json(new { server_group = new { name = "eleventh", policy = "affinity" } }), "2.64");
        over.AssertError(HttpStatusCode.Forbidden, "forbidden");
        Assert.Contains("Quota exceeded, too many server groups.", over.Text, StringComparison.Ordinal);
        Assert.Equal(10, (await gateway.ComputeAsync(HttpMethod.Get, "os-server-groups", token)).Json.GetProperty("server_groups").GetArrayLength());
        _ = project;
    }
}

public sealed class SqliteServerGroupsTests(SqliteGatewayFixture gateway) : ServerGroupsTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class PostgresServerGroupsTests(PostgresGatewayFixture gateway) : ServerGroupsTests(gateway), IClassFixture<PostgresGatewayFixture>;

/// <summary>Anti-affinity across two pods of one AZ: members spread over the pods, each pod with its own group.</summary>
public abstract class ServerGroupsSpreadTests(ThreePodGatewayFixture gateway)
{
    [Fact]
    public async Task AntiAffinity_SpreadsOverThePodsOfTheAz_EachWithItsOwnGroup()
    {
        var pods = await gateway.SendAsync(new Uri(gateway.AdminUrl, "v1.0/pods"), HttpMethod.Get, gateway.AdminToken);
        var three = pods.Json.GetProperty("pods").EnumerateArray().Single(p => p.GetProperty("region_name").GetString() == "RegionThree").GetProperty("pod_id").GetString();
        (await gateway.SendAsync(new Uri(gateway.AdminUrl, "v1.0/pods/" + three), HttpMethod.Put, gateway.AdminToken, """{"pod": {"az_name": "az1"}}""")).AssertOk();

        var (token, _) = gateway.NewTenant("sg-spread");
        var created = await gateway.ComputeAsync(HttpMethod.Post, "os-server-groups", token, """{"server_group": {"name": "spread", "policy": "anti-affinity"}}""", "2.64");
        created.AssertOk();
        var id = created.Json.GetProperty("server_group").GetProperty("id").GetString()!;
        var servers = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var body = new JsonObject
            {
                ["server"] = new JsonObject { ["name"] = "spread-" + i, ["flavorRef"] = "1", ["imageRef"] = await gateway.CirrosAsync("RegionOne"), ["networks"] = "none", ["availability_zone"] = "az1" },
                ["os:scheduler_hints"] = new JsonObject { ["group"] = id },
            };
            var booted = await gateway.ComputeAsync(HttpMethod.Post, "servers", token, body.ToJsonString(), "2.37");
            Assert.True(booted.Status == HttpStatusCode.Accepted, booted.Text);
            servers.Add(booted.Json.GetProperty("server").GetProperty("id").GetString()!);
        }

        string RegionOf(string server) => new[] { "RegionOne", "RegionThree" }.Single(r => gateway.Region(r).Inspect("servers").Any(s => s!["id"]!.GetValue<string>() == server));
        Assert.NotEqual(RegionOf(servers[0]), RegionOf(servers[1]));
        foreach (var server in servers)
        {
            var group = gateway.Region(RegionOf(server)).Inspect("server_groups").Single(g => g!["name"]!.GetValue<string>() == id);
            Assert.Equal("anti-affinity", group!["policy"]!.GetValue<string>());
            Assert.Equal([server], group["members"]!.AsArray().Select(m => m!.GetValue<string>()));
        }
    }
}

public sealed class SqliteServerGroupsSpreadTests(SqliteThreePodGatewayFixture gateway) : ServerGroupsSpreadTests(gateway), IClassFixture<SqliteThreePodGatewayFixture>;
