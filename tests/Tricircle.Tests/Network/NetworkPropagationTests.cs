using System.Net;
using System.Text.Json;
using Dapper;
using Tricircle.Support;
using static Tricircle.Support.NetworkSteps;

namespace Tricircle.Network;

/// <summary>
/// Central changes reaching the pods' copies: updates of networks, subnets, ports and security
/// groups go to every pod that holds a copy; deletes remove the copies first, are refused while
/// the resource is in use (centrally or in a pod), and never leave a copy made again behind them.
/// </summary>
public abstract class NetworkPropagationTests(GatewayFixture gateway)
{
    private readonly NetworkSteps _steps = new(gateway);

    [Theory]
    [InlineData("slaac")]
    [InlineData("dhcpv6-stateless")]
    public async Task AutoAddressSubnetDelete_TakesTheAddressesOffThePorts_CentrallyAndInThePod_ButARouterInterfaceHoldsIt(string mode)
    {
        // As Neutron's delete_subnet: automatic addresses do not hold an auto-address subnet, a router's interface does.
        var (token, _) = gateway.NewTenant("slaac");
        var (networkId, v4) = await _steps.NetworkAsync(token, "10.62.0.0/24");
        var v6 = Ok(await gateway.NetworkAsync(HttpMethod.Post, "subnets", token, Json(new { subnet = new { network_id = networkId, ip_version = 6, cidr = "2001:db8:62::/64", ipv6_ra_mode = mode, ipv6_address_mode = mode } })))
            .GetProperty("subnet").GetProperty("id").GetString()!;
        var server = await _steps.BootAsync(token, networkId, "az1");
        await _steps.ActiveAsync(token, server);
        var port = await _steps.ServerPortAsync(token, server);
        var portId = port.GetProperty("id").GetString()!;
        Assert.Contains(port.GetProperty("fixed_ips").EnumerateArray(), f => f.GetProperty("subnet_id").GetString() == v6);
        Assert.Equal(2, (await _steps.BottomAsync("RegionOne", "ports", portId)).GetProperty("fixed_ips").GetArrayLength());

        var router = Ok(await gateway.NetworkAsync(HttpMethod.Post, "routers", token, Json(new { router = new { name = "slaac" } }))).GetProperty("router").GetProperty("id").GetString()!;
        Ok(await gateway.NetworkAsync(HttpMethod.Put, $"routers/{router}/add_router_interface", token, Json(new { subnet_id = v6 })));
        (await gateway.NetworkAsync(HttpMethod.Delete, "subnets/" + v6, token)).AssertNeutronError(HttpStatusCode.Conflict, "SubnetInUse");
        Ok(await gateway.NetworkAsync(HttpMethod.Put, $"routers/{router}/remove_router_interface", token, Json(new { subnet_id = v6 })));
        Assert.Equal(2, (await _steps.BottomAsync("RegionOne", "ports", portId)).GetProperty("fixed_ips").GetArrayLength());

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "subnets/" + v6, token)).Status);
        var central = Ok(await gateway.NetworkAsync(HttpMethod.Get, "ports/" + portId, token)).GetProperty("port");
        Assert.Equal(v4, Assert.Single(central.GetProperty("fixed_ips").EnumerateArray()).GetProperty("subnet_id").GetString());
        Assert.True(central.GetProperty("revision_number").GetInt32() > port.GetProperty("revision_number").GetInt32());
        Assert.Empty(await _steps.BottomListAsync("RegionOne", "subnets", v6));
        var copy = await _steps.BottomAsync("RegionOne", "ports", portId);
        Assert.Equal(central.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString(), Assert.Single(copy.GetProperty("fixed_ips").EnumerateArray()).GetProperty("ip_address").GetString());

        // A stateful IPv6 or an IPv4 subnet stays held by the port.
        (await gateway.NetworkAsync(HttpMethod.Delete, "subnets/" + v4, token)).AssertNeutronError(HttpStatusCode.Conflict, "SubnetInUse");
    }

    [Fact]
    public async Task Updates_ReachTheCopiesInEveryPod()
    {
        var (token, _) = gateway.NewTenant("propagate");
        var (networkId, subnetId) = await _steps.NetworkAsync(token, "10.61.0.0/24");
        var s1 = await _steps.BootAsync(token, networkId, "az1");
        var s2 = await _steps.BootAsync(token, networkId, "az2");

        // Neutron's availability_zones: where the network is served, i.e. the AZs of the pods holding it.
        var zones = Ok(await gateway.NetworkAsync(HttpMethod.Get, "networks/" + networkId, token)).GetProperty("network").GetProperty("availability_zones");
        Assert.Equal(["az1", "az2"], zones.EnumerateArray().Select(z => z.GetString()).Order());
        Assert.Contains(Ok(await gateway.NetworkAsync(HttpMethod.Get, "networks?id=" + networkId, token)).GetProperty("networks")[0].GetProperty("availability_zones").EnumerateArray(), z => z.GetString() == "az2");

        Ok(await gateway.NetworkAsync(HttpMethod.Put, "networks/" + networkId, token, Json(new { network = new { name = "renamed", description = "now described" } })));
        Ok(await gateway.NetworkAsync(HttpMethod.Put, "subnets/" + subnetId, token,
            Json(new { subnet = new { dns_nameservers = new[] { "192.0.2.53" }, host_routes = new[] { new { destination = "198.51.100.0/24", nexthop = "10.61.0.254" } } } })));
        foreach (var region in (string[])["RegionOne", "RegionTwo"])
        {
            var network = await _steps.BottomAsync(region, "networks", networkId);
            Assert.Equal("now described", network.GetProperty("description").GetString());
            Assert.Equal(networkId, network.GetProperty("name").GetString()); // names stay the central ids
            var subnet = await _steps.BottomAsync(region, "subnets", subnetId);
            Assert.Equal("192.0.2.53", Assert.Single(subnet.GetProperty("dns_nameservers").EnumerateArray()).GetString());
            Assert.Equal("198.51.100.0/24", Assert.Single(subnet.GetProperty("host_routes").EnumerateArray()).GetProperty("destination").GetString());
        }

        // A port change: a new group (made in that pod only), an address pair and a description.
        var group = Ok(await gateway.NetworkAsync(HttpMethod.Post, "security-groups", token, Json(new { security_group = new { name = "web" } }))).GetProperty("security_group").GetProperty("id").GetString()!;
        var portId = (await _steps.ServerPortAsync(token, s1)).GetProperty("id").GetString()!;
        Ok(await gateway.NetworkAsync(HttpMethod.Put, "ports/" + portId, token,
            Json(new { port = new { description = "front", security_groups = new[] { group }, allowed_address_pairs = new[] { new { ip_address = "10.61.0.200" } } } })));
        var bottomPort = await _steps.BottomAsync("RegionOne", "ports", portId);
        Assert.Equal("front", bottomPort.GetProperty("description").GetString());
        Assert.Equal("10.61.0.200", Assert.Single(bottomPort.GetProperty("allowed_address_pairs").EnumerateArray()).GetProperty("ip_address").GetString());
        var bottomGroup = await _steps.BottomAsync("RegionOne", "security-groups", group);
        Assert.Equal(bottomGroup.GetProperty("id").GetString(), Assert.Single(bottomPort.GetProperty("security_groups").EnumerateArray()).GetString());
        Assert.Empty(await _steps.BottomListAsync("RegionTwo", "security-groups", group));

        // Rules follow the group into the pod where it has a copy, and go again.
        var rule = Ok(await gateway.NetworkAsync(HttpMethod.Post, "security-group-rules", token,
            Json(new { security_group_rule = new { security_group_id = group, direction = "ingress", protocol = "tcp", port_range_min = 22, port_range_max = 22, remote_ip_prefix = "0.0.0.0/0" } })));
        Assert.Contains(await _steps.BottomRulesAsync("RegionOne", group), r => r.TryGetProperty("port_range_min", out var min) && min.ValueKind == JsonValueKind.Number && min.GetInt32() == 22);
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "security-group-rules/" + rule.GetProperty("security_group_rule").GetProperty("id").GetString(), token)).Status);
        Assert.DoesNotContain(await _steps.BottomRulesAsync("RegionOne", group), r => r.TryGetProperty("port_range_min", out var min) && min.ValueKind == JsonValueKind.Number && min.GetInt32() == 22);

        // The default group's remote-group rules stand for the project's subnets in the pods: a new subnet joins them.
        var defaultGroup = (await _steps.ServerPortAsync(token, s2)).GetProperty("security_groups")[0].GetString()!;
        Assert.DoesNotContain(await _steps.BottomRulesAsync("RegionTwo", defaultGroup), r => r.GetProperty("remote_ip_prefix").GetString() == "10.62.0.0/24");
        await _steps.NetworkAsync(token, "10.62.0.0/24");
        Assert.Contains(await _steps.BottomRulesAsync("RegionTwo", defaultGroup), r => r.GetProperty("remote_ip_prefix").GetString() == "10.62.0.0/24" && r.GetProperty("direction").GetString() == "ingress");
    }

    [Fact]
    public async Task NetworkDelete_IsRefusedWhileInUse_ThenRemovesEveryCopyBeforeTheCentralNetwork()
    {
        var (token, _) = gateway.NewTenant("netdelete");
        var (networkId, subnetId) = await _steps.NetworkAsync(token, "10.63.0.0/24");
        var s1 = await _steps.BootAsync(token, networkId, "az1");
        var s2 = await _steps.BootAsync(token, networkId, "az2");

        var inUse = (await gateway.NetworkAsync(HttpMethod.Delete, "networks/" + networkId, token)).AssertNeutronError(HttpStatusCode.Conflict, "NetworkInUse");
        Assert.Contains(networkId, inUse, StringComparison.Ordinal);
        var subnetInUse = (await gateway.NetworkAsync(HttpMethod.Delete, "subnets/" + subnetId, token)).AssertNeutronError(HttpStatusCode.Conflict, "SubnetInUse");
        Assert.Contains(subnetId, subnetInUse, StringComparison.Ordinal);
        Assert.Single(await _steps.BottomListAsync("RegionOne", "networks", networkId));

        foreach (var server in (string[])[s1, s2])
        {
            Assert.Equal(HttpStatusCode.NoContent, (await gateway.ComputeAsync(HttpMethod.Delete, "servers/" + server, token)).Status);
        }

        // A port someone made in RegionTwo's own Neutron keeps that copy in use: the pod's verdict, central kept whole.
        var bottomNetwork = (await _steps.BottomAsync("RegionTwo", "networks", networkId)).GetProperty("id").GetString()!;
        var stray = await gateway.SendAsync(new Uri(gateway.Region("RegionTwo").NetworkUrl, "v2.0/ports"), HttpMethod.Post, gateway.AdminToken, Json(new { port = new { network_id = bottomNetwork, name = "stray" } }));
        Assert.True(stray.Status == HttpStatusCode.Created, stray.Text);
        var refused = (await gateway.NetworkAsync(HttpMethod.Delete, "networks/" + networkId, token)).AssertNeutronError(HttpStatusCode.Conflict, "NetworkInUse");
        Assert.Contains("RegionTwo", refused, StringComparison.Ordinal);
        Ok(await gateway.NetworkAsync(HttpMethod.Get, "networks/" + networkId, token));
        Assert.Single(await _steps.BottomListAsync("RegionTwo", "networks", networkId));
        await using (var database = gateway.Database.Open())
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        {
            Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM deleting_resources WHERE resource_id = @networkId", new { networkId }));
        }

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.SendAsync(new Uri(gateway.Region("RegionTwo").NetworkUrl, "v2.0/ports/" + stray.Json.GetProperty("port").GetProperty("id").GetString()), HttpMethod.Delete, gateway.AdminToken)).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "networks/" + networkId, token)).Status);

        foreach (var region in (string[])["RegionOne", "RegionTwo"])
        {
            Assert.Empty(await _steps.BottomListAsync(region, "networks", networkId));
            Assert.Empty(await _steps.BottomListAsync(region, "subnets", subnetId));
            var ports = await gateway.SendAsync(new Uri(gateway.Region(region).NetworkUrl, "v2.0/ports?device_owner=network:dhcp"), HttpMethod.Get, gateway.AdminToken);
            Assert.DoesNotContain(ports.Json.GetProperty("ports").EnumerateArray(), p => p.GetProperty("fixed_ips").EnumerateArray().Any(f => f.GetProperty("ip_address").GetString()!.StartsWith("10.63.", StringComparison.Ordinal)));
        }

        var routings = await gateway.SendAsync(new Uri(gateway.AdminUrl, "v1.0/routings?top_id=" + networkId), HttpMethod.Get, gateway.AdminToken);
        Assert.Empty(routings.Json.GetProperty("routings").EnumerateArray());
        (await gateway.NetworkAsync(HttpMethod.Get, "networks/" + networkId, token)).AssertNeutronError(HttpStatusCode.NotFound, "NetworkNotFound");
    }

    [Fact]
    public async Task Guard_WhileANetworkIsBeingDeleted_NoPortLandsOnIt_AndASecondDeleteIsRefused()
    {
        var (token, _) = gateway.NewTenant("guard");
        var (networkId, _) = await _steps.NetworkAsync(token, "10.64.0.0/24");
        await using (var database = gateway.Database.Open())
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        {
            // As a delete holds it while it removes the pods' copies.
            await connection.ExecuteAsync("INSERT INTO deleting_resources (resource_id, resource_type, deleted_at) VALUES (@networkId, 'network', @now)", new { networkId, now = DateTime.UtcNow });
        }

        var port = (await gateway.NetworkAsync(HttpMethod.Post, "ports", token, Json(new { port = new { network_id = networkId } }))).AssertNeutronError(HttpStatusCode.Conflict, "ResourceIsInDeleting");
        Assert.Contains(networkId, port, StringComparison.Ordinal);
        var boot = await gateway.ComputeAsync(HttpMethod.Post, "servers", token,
            Json(new { server = new { name = "late", flavorRef = "1", imageRef = await gateway.CirrosAsync("RegionOne"), networks = new[] { new { uuid = networkId } }, availability_zone = "az1" } }), "2.37");
        Assert.Equal(HttpStatusCode.Conflict, boot.Status);
        Assert.Empty(await _steps.BottomListAsync("RegionOne", "networks", networkId));
        (await gateway.NetworkAsync(HttpMethod.Delete, "networks/" + networkId, token)).AssertNeutronError(HttpStatusCode.Conflict, "ResourceIsInDeleting");
        Assert.Empty((await gateway.NetworkAsync(HttpMethod.Get, "ports?network_id=" + networkId, token)).Json.GetProperty("ports").EnumerateArray());

        await using (var database = gateway.Database.Open())
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        {
            await connection.ExecuteAsync("DELETE FROM deleting_resources WHERE resource_id = @networkId", new { networkId });
        }

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "networks/" + networkId, token)).Status);
    }

    [Fact]
    public async Task PortAndGroupDeletes_RemoveTheirCopies_AndTheServerStillDeletes()
    {
        var (token, _) = gateway.NewTenant("portdelete");
        var (networkId, _) = await _steps.NetworkAsync(token, "10.65.0.0/24");
        var group = Ok(await gateway.NetworkAsync(HttpMethod.Post, "security-groups", token, Json(new { security_group = new { name = "db" } }))).GetProperty("security_group").GetProperty("id").GetString()!;
        var port = Ok(await gateway.NetworkAsync(HttpMethod.Post, "ports", token, Json(new { port = new { network_id = networkId, security_groups = new[] { group } } }))).GetProperty("port").GetProperty("id").GetString()!;
        var booted = await gateway.ComputeAsync(HttpMethod.Post, "servers", token,
            Json(new { server = new { name = "on-port", flavorRef = "1", imageRef = await gateway.CirrosAsync("RegionOne"), networks = new[] { new { port } }, availability_zone = "az1" } }), "2.37");
        Assert.True(booted.Status == HttpStatusCode.Accepted, booted.Text);
        var server = booted.Json.GetProperty("server").GetProperty("id").GetString()!;
        Assert.Single(await _steps.BottomListAsync("RegionOne", "ports", port));
        Assert.Single(await _steps.BottomListAsync("RegionOne", "security-groups", group));

        (await gateway.NetworkAsync(HttpMethod.Delete, "security-groups/" + group, token)).AssertNeutronError(HttpStatusCode.Conflict, "SecurityGroupInUse");
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "ports/" + port, token)).Status);
        Assert.Empty(await _steps.BottomListAsync("RegionOne", "ports", port));

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "security-groups/" + group, token)).Status);
        Assert.Empty(await _steps.BottomListAsync("RegionOne", "security-groups", group));
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.ComputeAsync(HttpMethod.Delete, "servers/" + server, token)).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "networks/" + networkId, token)).Status);
        Assert.Empty(await _steps.BottomListAsync("RegionOne", "networks", networkId));
    }
}

public sealed class SqliteNetworkPropagationTests(SqliteGatewayFixture gateway) : NetworkPropagationTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class PostgresNetworkPropagationTests(PostgresGatewayFixture gateway) : NetworkPropagationTests(gateway), IClassFixture<PostgresGatewayFixture>;
