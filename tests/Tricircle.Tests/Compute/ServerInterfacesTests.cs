using System.Net;
using System.Text.Json;
using Tricircle.Support;
using static Tricircle.Support.NetworkSteps;

namespace Tricircle.Compute;

/// <summary>
/// A server's interfaces through the gateway speak central ids: the list shows the central ports,
/// networks and subnets (before, the pod's own, which a central <c>port show</c> could not find),
/// and an attach by a central network or port makes the port there as a boot does; a detach
/// releases what Tricircle made.
/// </summary>
public abstract class ServerInterfacesTests(GatewayFixture gateway)
{
    private readonly NetworkSteps _steps = new(gateway);

    [Fact]
    public async Task Interfaces_AreListedInCentralIds_AttachedByCentralNetworkOrPort_AndDetachedCleanly()
    {
        var (token, _) = gateway.NewTenant("nics");
        var (net1, sub1) = await _steps.NetworkAsync(token, "10.81.0.0/24");
        var (net2, sub2) = await _steps.NetworkAsync(token, "10.82.0.0/24");
        var server = await _steps.BootAsync(token, net1, "az1");
        await _steps.ActiveAsync(token, server);
        var first = (await _steps.ServerPortAsync(token, server)).GetProperty("id").GetString()!;

        var listed = Attachments(await InterfacesAsync(HttpMethod.Get, server, token));
        var only = Assert.Single(listed);
        Assert.Equal((first, net1, sub1), (Text(only, "port_id"), Text(only, "net_id"), Text(only.GetProperty("fixed_ips")[0], "subnet_id")));
        Ok(await gateway.NetworkAsync(HttpMethod.Get, "ports/" + first, token));

        // By network: a central port is made on it, in the server's groups, and its copy in the server's pod.
        var byNetwork = (await InterfacesAsync(HttpMethod.Post, server, token, Json(new { interfaceAttachment = new { net_id = net2 } }))).GetProperty("interfaceAttachment");
        var made = Text(byNetwork, "port_id");
        Assert.Equal((net2, sub2), (Text(byNetwork, "net_id"), Text(byNetwork.GetProperty("fixed_ips")[0], "subnet_id")));
        var madePort = Ok(await gateway.NetworkAsync(HttpMethod.Get, "ports/" + made, token)).GetProperty("port");
        Assert.Equal(server, Text(madePort, "device_id"));
        Assert.Single(await _steps.BottomListAsync("RegionOne", "ports", made));

        // By port: the caller's own central port.
        var own = Ok(await gateway.NetworkAsync(HttpMethod.Post, "ports", token, Json(new { port = new { network_id = net2 } }))).GetProperty("port").GetProperty("id").GetString()!;
        var byPort = (await InterfacesAsync(HttpMethod.Post, server, token, Json(new { interfaceAttachment = new { port_id = own } }))).GetProperty("interfaceAttachment");
        Assert.Equal(own, Text(byPort, "port_id"));
        Assert.Equal(server, Text(Ok(await gateway.NetworkAsync(HttpMethod.Get, "ports/" + own, token)).GetProperty("port"), "device_id"));
        Assert.Equal(new[] { first, made, own }.Order(), Attachments(await InterfacesAsync(HttpMethod.Get, server, token)).Select(a => Text(a, "port_id")).Order());
        Assert.Equal(own, Text((await InterfacesAsync(HttpMethod.Get, server, token, path: own)).GetProperty("interfaceAttachment"), "port_id"));

        // Wrong asks are Nova's answers.
        (await gateway.ComputeAsync(HttpMethod.Post, $"servers/{server}/os-interface", token, Json(new { interfaceAttachment = new { net_id = net2, port_id = own } }))).AssertError(HttpStatusCode.BadRequest, "badRequest");
        (await gateway.ComputeAsync(HttpMethod.Post, $"servers/{server}/os-interface", token, Json(new { interfaceAttachment = new { net_id = Guid.NewGuid() } }))).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        (await gateway.ComputeAsync(HttpMethod.Get, $"servers/{server}/os-interface/{Guid.NewGuid()}", token)).AssertError(HttpStatusCode.NotFound, "itemNotFound");

        // Detach: the port made for it goes (its copy too), the caller's is only unbound.
        Assert.Equal(HttpStatusCode.Accepted, (await gateway.ComputeAsync(HttpMethod.Delete, $"servers/{server}/os-interface/{made}", token)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.NetworkAsync(HttpMethod.Get, "ports/" + made, token)).Status);
        Assert.Equal(HttpStatusCode.Accepted, (await gateway.ComputeAsync(HttpMethod.Delete, $"servers/{server}/os-interface/{own}", token)).Status);
        Assert.Equal("", Text(Ok(await gateway.NetworkAsync(HttpMethod.Get, "ports/" + own, token)).GetProperty("port"), "device_id"));
        await gateway.JobsSettledAsync();
        Assert.Empty(await _steps.BottomListAsync("RegionOne", "ports", made));
        Assert.Equal([first], Attachments(await InterfacesAsync(HttpMethod.Get, server, token)).Select(a => Text(a, "port_id")));
    }

    private async Task<JsonElement> InterfacesAsync(HttpMethod method, string server, string token, string? json = null, string? path = null)
    {
        var answer = await gateway.ComputeAsync(method, $"servers/{server}/os-interface" + (path is null ? "" : "/" + path), token, json);
        Assert.True(answer.Status == HttpStatusCode.OK, answer.Text);
        return answer.Json;
    }

    private static List<JsonElement> Attachments(JsonElement answer) => [.. answer.GetProperty("interfaceAttachments").EnumerateArray()];

    private static string Text(JsonElement item, string field) => item.GetProperty(field).GetString()!;
}

public sealed class SqliteServerInterfacesTests(SqliteGatewayFixture gateway) : ServerInterfacesTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class PostgresServerInterfacesTests(PostgresGatewayFixture gateway) : ServerInterfacesTests(gateway), IClassFixture<PostgresGatewayFixture>;
