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

    private Task<ApiResponse> Action(string server, string token, object body) =>
        gateway.ComputeAsync(HttpMethod.Post, $"servers/{server}/action", token, JsonSerializer.Serialize(body));
}

public sealed class SqliteServerSecurityGroupsTests(SqliteGatewayFixture gateway) : ServerSecurityGroupsTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class PostgresServerSecurityGroupsTests(PostgresGatewayFixture gateway) : ServerSecurityGroupsTests(gateway), IClassFixture<PostgresGatewayFixture>;
