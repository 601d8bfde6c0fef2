using System.Net;
using System.Text.Json;
using Dapper;
using Tricircle.Support;
using static Tricircle.Support.NetworkSteps;

namespace Tricircle.Jobs;

/// <summary>
/// A pod that is down, or refuses, while central changes: the change stands centrally at once,
/// and the jobs carry it to the pod once it is back (or clean up after a boot it refused), with
/// no user action; nothing of a failed boot stays behind.
/// </summary>
public abstract class PodOutageTests(JobsGatewayFixture gateway)
{
    private readonly NetworkSteps _steps = new(gateway);

    [Fact]
    public async Task ABootThePodRefuses_LeavesNoPortCentrallyNorInThePod()
    {
        var (token, _) = gateway.NewTenant("refused");
        var (network, _) = await _steps.NetworkAsync(token, "10.70.0.0/24");
        // Metadata values must be strings: the gateway leaves that to the pod's Nova, which refuses it (bad user_data is the gateway's own 400 now, before any port).
        var refused = await gateway.ComputeAsync(HttpMethod.Post, "servers", token,
            Json(new { server = new { name = "bad", flavorRef = "1", imageRef = await gateway.CirrosAsync("RegionOne"), metadata = new { k = 1 }, networks = new[] { new { uuid = network } }, availability_zone = "az1" } }), "2.37");
        Assert.True(refused.Status == HttpStatusCode.BadRequest, refused.Text);

        await gateway.JobsSettledAsync();
        Assert.Empty(await ServerPortsAsync(token, network));
        var bottomNetwork = (await _steps.BottomAsync("RegionOne", "networks", network)).GetProperty("id").GetString();
        Assert.DoesNotContain(await PodPortsAsync("RegionOne", bottomNetwork!), p => p.GetProperty("device_owner").GetString() != "network:dhcp");
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "networks/" + network, token)).Status);
        Assert.Empty(await _steps.BottomListAsync("RegionOne", "networks", network));
    }

    [Fact]
    public async Task ABootWhileThePodIsDown_Fails_LeavesNothing_AndOnceItIsBackTheNetworkDeletes()
    {
        var (token, _) = gateway.NewTenant("downboot");
        var (network, _) = await _steps.NetworkAsync(token, "10.71.0.0/24");
        var image = await gateway.CirrosAsync("RegionTwo");
        await gateway.Region("RegionTwo").Faults.SetDownAsync(true);
        try
        {
            var failed = await gateway.ComputeAsync(HttpMethod.Post, "servers", token,
                Json(new { server = new { name = "while-down", flavorRef = "1", imageRef = image, networks = new[] { new { uuid = network } }, availability_zone = "az2" } }), "2.37");
            Assert.True(failed.Status == HttpStatusCode.ServiceUnavailable, failed.Text);
            Assert.Contains("RegionTwo", failed.Text, StringComparison.Ordinal);
            Assert.Empty(await ServerPortsAsync(token, network)); // released at once, centrally
            Assert.Empty((await gateway.ComputeAsync(HttpMethod.Get, "servers", token, microversion: "2.37")).Json.GetProperty("servers").EnumerateArray());
        }
        finally
        {
            await gateway.BringBackAsync("RegionTwo");
        }

        await gateway.JobsSettledAsync();
        Assert.Empty(await _steps.BottomListAsync("RegionTwo", "networks", network));
        Assert.DoesNotContain(await PodPortsAsync("RegionTwo", null), p => p.GetProperty("fixed_ips").EnumerateArray().Any(ip => ip.GetProperty("ip_address").GetString()!.StartsWith("10.71.", StringComparison.Ordinal)));
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "networks/" + network, token)).Status);
    }

    [Fact]
    public async Task ChangesMadeWhileThePodIsDown_ReachItOnceItIsBack_ARuleDeletedThenIsGoneFromItsCopy()
    {
        var (token, _) = gateway.NewTenant("catchup");
        var (network, subnet) = await _steps.NetworkAsync(token, "10.72.0.0/24");
        var group = Ok(await gateway.NetworkAsync(HttpMethod.Post, "security-groups", token, Json(new { security_group = new { name = "ssh-alt" } }))).GetProperty("security_group").GetProperty("id").GetString()!;
        var rule = Ok(await gateway.NetworkAsync(HttpMethod.Post, "security-group-rules", token,
            Json(new { security_group_rule = new { security_group_id = group, direction = "ingress", protocol = "tcp", port_range_min = 2222, port_range_max = 2222, remote_ip_prefix = "0.0.0.0/0" } })))
            .GetProperty("security_group_rule").GetProperty("id").GetString()!;
        var booted = await gateway.ComputeAsync(HttpMethod.Post, "servers", token,
            Json(new { server = new { name = "s", flavorRef = "1", imageRef = await gateway.CirrosAsync("RegionTwo"), security_groups = new[] { new { name = "ssh-alt" } }, networks = new[] { new { uuid = network } }, availability_zone = "az2" } }), "2.37");
        Assert.True(booted.Status == HttpStatusCode.Accepted, booted.Text);
        var port = (await _steps.ServerPortAsync(token, booted.Json.GetProperty("server").GetProperty("id").GetString()!)).GetProperty("id").GetString()!;
        Assert.Contains(await _steps.BottomRulesAsync("RegionTwo", group), Opens2222);

        await gateway.Region("RegionTwo").Faults.SetDownAsync(true);
        try
        {
            Ok(await gateway.NetworkAsync(HttpMethod.Put, "networks/" + network, token, Json(new { network = new { description = "changed while down" } })));
            Ok(await gateway.NetworkAsync(HttpMethod.Put, "subnets/" + subnet, token, Json(new { subnet = new { dns_nameservers = new[] { "192.0.2.53" } } })));
            Ok(await gateway.NetworkAsync(HttpMethod.Put, "ports/" + port, token, Json(new { port = new { description = "changed while down" } })));
            Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "security-group-rules/" + rule, token)).Status);
        }
        finally
        {
            await gateway.BringBackAsync("RegionTwo");
        }

        await gateway.JobsSettledAsync();
        Assert.Equal("changed while down", (await _steps.BottomAsync("RegionTwo", "networks", network)).GetProperty("description").GetString());
        Assert.Equal("192.0.2.53", Assert.Single((await _steps.BottomAsync("RegionTwo", "subnets", subnet)).GetProperty("dns_nameservers").EnumerateArray()).GetString());
        Assert.Equal("changed while down", (await _steps.BottomAsync("RegionTwo", "ports", port)).GetProperty("description").GetString());
        Assert.DoesNotContain(await _steps.BottomRulesAsync("RegionTwo", group), Opens2222);
        Assert.All(await gateway.JobsAsync("security_group_sync", group), j => Assert.Equal("SUCCESS", j.Status));
    }

    [Fact]
    public async Task ANetworkDeletedWhileItsPodIsDown_Is204_ItsCopyGoesOnceThePodIsBack_AndTheGuardHoldsTillThen()
    {
        var (token, _) = gateway.NewTenant("downdelete");
        var (network, _) = await _steps.NetworkAsync(token, "10.74.0.0/24");
        var server = await _steps.BootAsync(token, network, "az2");
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.ComputeAsync(HttpMethod.Delete, "servers/" + server, token)).Status);
        await gateway.JobsSettledAsync();
        Assert.Single(await _steps.BottomListAsync("RegionTwo", "networks", network));

        await gateway.Region("RegionTwo").Faults.SetDownAsync(true);
        try
        {
            Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "networks/" + network, token)).Status);
            (await gateway.NetworkAsync(HttpMethod.Get, "networks/" + network, token)).AssertNeutronError(HttpStatusCode.NotFound, "NetworkNotFound");
            Assert.Equal(1, await MarksAsync(network)); // no copy of it lands anywhere until its last one is gone
            Assert.Contains(await gateway.JobsAsync("network_sync", network), j => j.Status is "NEW" or "RUNNING");
        }
        finally
        {
            await gateway.BringBackAsync("RegionTwo");
        }

        await gateway.JobsSettledAsync();
        Assert.Empty(await _steps.BottomListAsync("RegionTwo", "networks", network));
        Assert.Equal(0, await MarksAsync(network));
    }

    [Fact]
    public async Task AJobThatKeepsFailing_EndsInFailWithItsError_AndRedoneOnceTheCauseIsGone_Succeeds()
    {
        var (token, _) = gateway.NewTenant("redo");
        var (network, _) = await _steps.NetworkAsync(token, "10.75.0.0/24");
        var server = await _steps.BootAsync(token, network, "az1");
        var port = (await _steps.ServerPortAsync(token, server)).GetProperty("id").GetString()!;

        // Someone takes 10.75.0.50 in RegionOne's own Neutron: the copy cannot move there.
        var bottomNetwork = (await _steps.BottomAsync("RegionOne", "networks", network)).GetProperty("id").GetString()!;
        var stray = Ok(await gateway.SendAsync(new Uri(gateway.Region("RegionOne").NetworkUrl, "v2.0/ports"), HttpMethod.Post, gateway.AdminToken,
            Json(new { port = new { network_id = bottomNetwork, fixed_ips = new[] { new { ip_address = "10.75.0.50" } } } }))).GetProperty("port").GetProperty("id").GetString()!;
        Ok(await gateway.NetworkAsync(HttpMethod.Put, "ports/" + port, token, Json(new { port = new { fixed_ips = new[] { new { ip_address = "10.75.0.50" } } } })));
        await gateway.JobsSettledAsync();
        var failed = Assert.Single(await gateway.JobsAsync("port_sync", port));
        Assert.Equal("FAIL", failed.Status);
        Assert.Contains("10.75.0.50", failed.Error, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.SendAsync(new Uri(gateway.Region("RegionOne").NetworkUrl, "v2.0/ports/" + stray), HttpMethod.Delete, gateway.AdminToken)).Status);
        var redone = await gateway.SendAsync(new Uri(gateway.AdminUrl + "/jobs/" + failed.Id), HttpMethod.Put, gateway.AdminToken);
        Assert.True(redone.Status == HttpStatusCode.OK, redone.Text);
        await gateway.JobsSettledAsync();
        Assert.Equal("SUCCESS", Assert.Single(await gateway.JobsAsync("port_sync", port)).Status);
        Assert.Equal("10.75.0.50", (await _steps.BottomAsync("RegionOne", "ports", port)).GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString());
    }

    private static bool Opens2222(JsonElement rule) =>
        rule.TryGetProperty("port_range_min", out var min) && min.ValueKind == JsonValueKind.Number && min.GetInt32() == 2222;

    /// <summary>The central ports of servers on the network (not its DHCP ports).</summary>
    private async Task<List<JsonElement>> ServerPortsAsync(string token, string network) =>
        [.. Ok(await gateway.NetworkAsync(HttpMethod.Get, "ports?network_id=" + network, token)).GetProperty("ports").EnumerateArray()
            .Where(p => p.GetProperty("device_owner").GetString() != "network:dhcp")];

    /// <summary>Every port in a pod's own Neutron, or those of one of its networks.</summary>
    private async Task<List<JsonElement>> PodPortsAsync(string region, string? bottomNetwork)
    {
        var answer = await gateway.SendAsync(new Uri(gateway.Region(region).NetworkUrl, "v2.0/ports" + (bottomNetwork is null ? "" : "?network_id=" + bottomNetwork)), HttpMethod.Get, gateway.AdminToken);
        return [.. Ok(answer).GetProperty("ports").EnumerateArray()];
    }

    private async Task<long> MarksAsync(string id)
    {
        await using var database = gateway.Database.Open();
        await using var connection = await database.OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM deleting_resources WHERE resource_id = @id", new { id });
    }
}

public sealed class SqlitePodOutageTests(SqliteJobsGatewayFixture gateway) : PodOutageTests(gateway), IClassFixture<SqliteJobsGatewayFixture>;

public sealed class PostgresPodOutageTests(PostgresJobsGatewayFixture gateway) : PodOutageTests(gateway), IClassFixture<PostgresJobsGatewayFixture>;
