using System.Net;
using System.Text.Json;
using Tricircle.Support;
using static Tricircle.Support.NetworkSteps;

namespace Tricircle.Compute;

/// <summary>
/// <c>addSecurityGroup</c> and <c>removeSecurityGroup</c> work on the central groups: the group
/// goes on (or off) the server's central ports and their copies in the pod. Before, the action
/// went to the pod's Nova, which answered 202 for any name, another project's group included.
/// </summary>
public abstract class ServerSecurityGroupsTests(GatewayFixture gateway)
{
    private readonly NetworkSteps _steps = new(gateway);

    [Fact]
    public async Task AGroupAddedByName_IsOnTheCentralPortAndItsCopy_AndRemovedAgain_AnotherProjectsIsNotFound()
    {
        var (token, _) = gateway.NewTenant("sg-actions");
        var (other, _) = gateway.NewTenant("sg-actions-other");
        var (net, _) = await _steps.NetworkAsync(token, "10.83.0.0/24");
        var server = await _steps.BootAsync(token, net, "az1");
        await _steps.ActiveAsync(token, server);
        var group = Ok(await gateway.NetworkAsync(HttpMethod.Post, "security-groups", token, Json(new { security_group = new { name = "web" } }))).GetProperty("security_group").GetProperty("id").GetString()!;
        Ok(await gateway.NetworkAsync(HttpMethod.Post, "security-groups", other, Json(new { security_group = new { name = "theirs" } })));

        Assert.Equal(HttpStatusCode.Accepted, (await Action(server, token, new { addSecurityGroup = new { name = "web" } })).Status);
        var port = await _steps.ServerPortAsync(token, server);
        Assert.Contains(group, port.GetProperty("security_groups").EnumerateArray().Select(g => g.GetString()));
        await gateway.JobsSettledAsync();
        var copyGroup = (await _steps.BottomAsync("RegionOne", "security-groups", group)).GetProperty("id").GetString();
        var copy = await _steps.BottomAsync("RegionOne", "ports", port.GetProperty("id").GetString()!);
        Assert.Contains(copyGroup, copy.GetProperty("security_groups").EnumerateArray().Select(g => g.GetString()));

        // Another project's group, by its name, is Nova's 404: nothing changes.
        (await Action(server, token, new { addSecurityGroup = new { name = "theirs" } })).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        (await Action(server, token, new { addSecurityGroup = new { } })).AssertError(HttpStatusCode.BadRequest, "badRequest");

        Assert.Equal(HttpStatusCode.Accepted, (await Action(server, token, new { removeSecurityGroup = new { name = group } })).Status);
        Assert.DoesNotContain(group, (await _steps.ServerPortAsync(token, server)).GetProperty("security_groups").EnumerateArray().Select(g => g.GetString()));
        (await Action(server, token, new { removeSecurityGroup = new { name = "web" } })).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        await gateway.JobsSettledAsync();
        copy = await _steps.BottomAsync("RegionOne", "ports", port.GetProperty("id").GetString()!);
        Assert.DoesNotContain(copyGroup, copy.GetProperty("security_groups").EnumerateArray().Select(g => g.GetString()));
    }

    [Fact]
    public async Task NovasSecurityGroupProxy_ReadsTheCentralGroups_OwnOnly_AndRefusesBadInputAsNova()
    {
        var (token, project) = gateway.NewTenant("sg-proxy");
        var (other, _) = gateway.NewTenant("sg-proxy-other");
        var web = Ok(await gateway.NetworkAsync(HttpMethod.Post, "security-groups", token, Json(new { security_group = new { name = "web", description = "w" } }))).GetProperty("security_group").GetProperty("id").GetString()!;
        Ok(await gateway.NetworkAsync(HttpMethod.Post, "security-group-rules", token, Json(new { security_group_rule = new { security_group_id = web, direction = "ingress", protocol = "tcp", remote_ip_prefix = "10.0.0.0/8" } })));
        var theirs = Ok(await gateway.NetworkAsync(HttpMethod.Post, "security-groups", other, Json(new { security_group = new { name = "theirs" } }))).GetProperty("security_group").GetProperty("id").GetString()!;

        var list = await gateway.ComputeAsync(HttpMethod.Get, "os-security-groups", token);
        list.AssertOk();
        var groups = list.Json.GetProperty("security_groups").EnumerateArray().ToList();
        Assert.Equal(["default", "web"], groups.Select(g => g.GetProperty("name").GetString()));
        Assert.All(groups, g => Assert.Equal(project, g.GetProperty("tenant_id").GetString()));
        var rule = Assert.Single(groups[1].GetProperty("rules").EnumerateArray()); // ingress only; tcp without ports is 1-65535, as Nova shows it
        Assert.Equal(("tcp", 1, 65535, "10.0.0.0/8"), (rule.GetProperty("ip_protocol").GetString(), rule.GetProperty("from_port").GetInt32(), rule.GetProperty("to_port").GetInt32(), rule.GetProperty("ip_range").GetProperty("cidr").GetString()));
        Assert.Single((await gateway.ComputeAsync(HttpMethod.Get, "os-security-groups?limit=1&offset=1", token)).Json.GetProperty("security_groups").EnumerateArray());

        Assert.Equal("web", (await gateway.ComputeAsync(HttpMethod.Get, "os-security-groups/" + web, token)).Json.GetProperty("security_group").GetProperty("name").GetString());
        (await gateway.ComputeAsync(HttpMethod.Get, "os-security-groups/" + theirs, token)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        (await gateway.ComputeAsync(HttpMethod.Get, "os-security-groups/default", token)).AssertError(HttpStatusCode.BadRequest, "badRequest");
        (await gateway.ComputeAsync(HttpMethod.Get, "os-security-groups?limit=-1", token)).AssertError(HttpStatusCode.BadRequest, "badRequest");
        (await gateway.ComputeAsync(HttpMethod.Get, "os-security-groups", token, microversion: "2.36")).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        (await gateway.ComputeAsync(HttpMethod.Get, "os-security-groups", null)).AssertError(HttpStatusCode.Unauthorized, "error");
    }

    private Task<ApiResponse> Action(string server, string token, object body) =>
        gateway.ComputeAsync(HttpMethod.Post, $"servers/{server}/action", token, JsonSerializer.Serialize(body));
}

public sealed class SqliteServerSecurityGroupsTests(SqliteGatewayFixture gateway) : ServerSecurityGroupsTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class PostgresServerSecurityGroupsTests(PostgresGatewayFixture gateway) : ServerSecurityGroupsTests(gateway), IClassFixture<PostgresGatewayFixture>;
