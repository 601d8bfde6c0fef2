using System.Net;
using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Compute;

/// <summary>Servers booted through the compute gateway on central networks and ports.</summary>
public abstract class ServerNetworksTests(GatewayFixture gateway)
{
    [Fact]
    public async Task FiftyParallelBoots_OnOneNetworkOverTwoPods_FiftyDistinctIps_OneBottomNetworkPerPod()
    {
        // Five projects of ten servers each on one shared network (an emulated Nova holds ten servers of a project).
        var network = await gateway.NetworkAsync(HttpMethod.Post, "networks", gateway.AdminToken, """{"network": {"name": "busy", "shared": true}}""");
        Assert.True(network.Status == HttpStatusCode.Created, network.Text);
        var networkId = network.Json.GetProperty("network").GetProperty("id").GetString()!;
        var subnet = await gateway.NetworkAsync(HttpMethod.Post, "subnets", gateway.AdminToken,
            JsonSerializer.Serialize(new { subnet = new { network_id = networkId, ip_version = 4, cidr = "10.32.0.0/24" } }));
        Assert.True(subnet.Status == HttpStatusCode.Created, subnet.Text);
        var images = new Dictionary<string, string> { ["az1"] = await gateway.CirrosAsync("RegionOne"), ["az2"] = await gateway.CirrosAsync("RegionTwo") };
        var tenants = Enumerable.Range(0, 5).Select(_ => gateway.NewTenant("busy").Token).ToList();

        var boots = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
        {
            var az = i % 2 == 0 ? "az1" : "az2";
            return gateway.ComputeAsync(HttpMethod.Post, "servers", tenants[i % 5],
                JsonSerializer.Serialize(new { server = new { name = $"busy-{i}", flavorRef = "1", imageRef = images[az], networks = new[] { new { uuid = networkId } }, availability_zone = az } }), "2.37");
        }));

        Assert.All(boots, b => Assert.True(b.Status == HttpStatusCode.Accepted, b.Text));
        var central = (await gateway.NetworkAsync(HttpMethod.Get, "ports?network_id=" + networkId + "&device_owner=compute:az1&device_owner=compute:az2", gateway.AdminToken))
            .Json.GetProperty("ports").EnumerateArray().ToList();
        Assert.Equal(50, central.Count);
        Assert.Equal(50, central.Select(p => p.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString()).Distinct().Count());
        Assert.Equal(50, central.Select(p => p.GetProperty("mac_address").GetString()).Distinct().Count());
        foreach (var region in (string[])["RegionOne", "RegionTwo"])
        {
            var copies = await gateway.SendAsync(new Uri(gateway.Region(region).NetworkUrl, "v2.0/networks?name=" + networkId), HttpMethod.Get, gateway.AdminToken);
            var bottomNetwork = Assert.Single(copies.Json.GetProperty("networks").EnumerateArray()).GetProperty("id").GetString();
            var bottomPorts = await gateway.SendAsync(new Uri(gateway.Region(region).NetworkUrl, $"v2.0/ports?network_id={bottomNetwork}"), HttpMethod.Get, gateway.AdminToken);
            var byName = bottomPorts.Json.GetProperty("ports").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString());
            var mine = central.Where(p => p.GetProperty("device_owner").GetString() == (region == "RegionOne" ? "compute:az1" : "compute:az2")).ToList();
            Assert.Equal(25, mine.Count);
            Assert.All(mine, p => Assert.Equal(p.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString(), byName[p.GetProperty("id").GetString()!]));
        }
    }

    [Fact]
    public async Task Boot_OnAUsersPort_InTwoPodsOfOneVlanNetwork_SameSegmentIpsAndMacs_AndTheUsersPortIsOnlyUnbound()
    {
        var network = await gateway.NetworkAsync(HttpMethod.Post, "networks", gateway.AdminToken,
            JsonSerializer.Serialize(new Dictionary<string, object> { ["network"] = new Dictionary<string, object> { ["name"] = "stretched", ["shared"] = true, ["provider:network_type"] = "vlan" } }));
        Assert.True(network.Status == HttpStatusCode.Created, network.Text);
        var networkId = network.Json.GetProperty("network").GetProperty("id").GetString()!;
        var vlan = network.Json.GetProperty("network").GetProperty("provider:segmentation_id").GetInt32();
        var subnet = await gateway.NetworkAsync(HttpMethod.Post, "subnets", gateway.AdminToken,
            JsonSerializer.Serialize(new { subnet = new { network_id = networkId, ip_version = 4, cidr = "10.31.0.0/24" } }));
        Assert.True(subnet.Status == HttpStatusCode.Created, subnet.Text);
        var userPort = await gateway.NetworkAsync(HttpMethod.Post, "ports", gateway.DemoToken, JsonSerializer.Serialize(new { port = new { network_id = networkId } }));
        Assert.True(userPort.Status == HttpStatusCode.Created, userPort.Text);
        var userPortId = userPort.Json.GetProperty("port").GetProperty("id").GetString()!;

        var servers = new List<string>();
        foreach (var (az, nic) in new[] { ("az1", (object)new { port = userPortId }), ("az2", new { uuid = networkId }) })
        {
            var image = await gateway.CirrosAsync(az == "az1" ? "RegionOne" : "RegionTwo");
            var booted = await gateway.ComputeAsync(HttpMethod.Post, "servers", gateway.DemoToken,
                JsonSerializer.Serialize(new { server = new { name = "on-vlan-" + az, flavorRef = "1", imageRef = image, networks = new[] { nic }, availability_zone = az } }), "2.37");
            Assert.True(booted.Status == HttpStatusCode.Accepted, booted.Text);
            servers.Add(booted.Json.GetProperty("server").GetProperty("id").GetString()!);
        }

        foreach (var (region, server) in new[] { ("RegionOne", servers[0]), ("RegionTwo", servers[1]) })
        {
            var bottomNetwork = await gateway.SendAsync(new Uri(gateway.Region(region).NetworkUrl, "v2.0/networks?name=" + networkId), HttpMethod.Get, gateway.AdminToken);
            Assert.Equal(vlan, Assert.Single(bottomNetwork.Json.GetProperty("networks").EnumerateArray()).GetProperty("provider:segmentation_id").GetInt32());
            var bottomSubnet = await gateway.SendAsync(new Uri(gateway.Region(region).NetworkUrl, "v2.0/subnets?network_id=" + bottomNetwork.Json.GetProperty("networks")[0].GetProperty("id").GetString()), HttpMethod.Get, gateway.AdminToken);
            Assert.Equal("10.31.0.0/24", Assert.Single(bottomSubnet.Json.GetProperty("subnets").EnumerateArray()).GetProperty("cidr").GetString());
            var central = Assert.Single((await gateway.NetworkAsync(HttpMethod.Get, "ports?device_id=" + server, gateway.AdminToken)).Json.GetProperty("ports").EnumerateArray());
            var bottom = await gateway.SendAsync(new Uri(gateway.Region(region).NetworkUrl, "v2.0/ports?name=" + central.GetProperty("id").GetString()), HttpMethod.Get, gateway.AdminToken);
            var copy = Assert.Single(bottom.Json.GetProperty("ports").EnumerateArray());
            Assert.Equal(central.GetProperty("mac_address").GetString(), copy.GetProperty("mac_address").GetString());
            Assert.Equal(central.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString(), copy.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString());
        }

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.ComputeAsync(HttpMethod.Delete, "servers/" + servers[0], gateway.DemoToken)).Status);
        var kept = await gateway.NetworkAsync(HttpMethod.Get, "ports/" + userPortId, gateway.DemoToken);
        Assert.True(kept.Status == HttpStatusCode.OK, kept.Text);
        Assert.Equal("", kept.Json.GetProperty("port").GetProperty("device_id").GetString());
    }

    [Fact]
    public async Task MultiCreate_OnANetwork_EachServerHasItsOwnPort_NamedAsNova_AndTooFewIsAllOrNothing()
    {
        var (token, _) = gateway.NewTenant("multi");
        var network = await gateway.NetworkAsync(HttpMethod.Post, "networks", token, """{"network": {"name": "many"}}""");
        var networkId = network.Json.GetProperty("network").GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.Created, (await gateway.NetworkAsync(HttpMethod.Post, "subnets", token,
            JsonSerializer.Serialize(new { subnet = new { network_id = networkId, ip_version = 4, cidr = "10.33.0.0/24" } }))).Status);
        var image = await gateway.CirrosAsync("RegionOne");

        var booted = await gateway.ComputeAsync(HttpMethod.Post, "servers", token,
            JsonSerializer.Serialize(new { server = new { name = "multi", flavorRef = "1", imageRef = image, networks = new[] { new { uuid = networkId } }, availability_zone = "az1", min_count = 3, max_count = 3 } }), "2.37");
        Assert.True(booted.Status == HttpStatusCode.Accepted, booted.Text);
        var first = booted.Json.GetProperty("server").GetProperty("id").GetString()!;

        var listed = (await gateway.ComputeAsync(HttpMethod.Get, "servers", token)).Json.GetProperty("servers").EnumerateArray().ToList();
        Assert.Equal(["multi-1", "multi-2", "multi-3"], listed.Select(s => s.GetProperty("name").GetString()).Order());
        Assert.Equal("multi-1", listed.Single(s => s.GetProperty("id").GetString() == first).GetProperty("name").GetString());
        var ports = (await gateway.NetworkAsync(HttpMethod.Get, "ports?network_id=" + networkId + "&device_owner=compute:az1", token)).Json.GetProperty("ports").EnumerateArray().ToList();
        Assert.Equal(3, ports.Count);
        Assert.Equal(listed.Select(s => s.GetProperty("id").GetString()).Order(), ports.Select(p => p.GetProperty("device_id").GetString()).Order());
        Assert.Equal(3, ports.Select(p => p.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString()).Distinct().Count());

        // One port cannot serve two servers (Nova's refusal).
        var port = await gateway.NetworkAsync(HttpMethod.Post, "ports", token, JsonSerializer.Serialize(new { port = new { network_id = networkId } }));
        var onePort = await gateway.ComputeAsync(HttpMethod.Post, "servers", token,
            JsonSerializer.Serialize(new { server = new { name = "two", flavorRef = "1", imageRef = image, networks = new[] { new { port = port.Json.GetProperty("port").GetProperty("id").GetString() } }, availability_zone = "az1", max_count = 2 } }), "2.37");
        Assert.Contains("single configured port", onePort.AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);

        // Ten instances of quota, three used: at least eight more cannot be, so none is, and their ports go too.
        var tooMany = await gateway.ComputeAsync(HttpMethod.Post, "servers", token,
            JsonSerializer.Serialize(new { server = new { name = "over", flavorRef = "1", imageRef = image, networks = new[] { new { uuid = networkId } }, availability_zone = "az1", min_count = 8, max_count = 9 } }), "2.37");
        Assert.Equal(HttpStatusCode.Forbidden, tooMany.Status);
        Assert.Equal(3, (await gateway.ComputeAsync(HttpMethod.Get, "servers", token)).Json.GetProperty("servers").GetArrayLength());
        Assert.Equal(3, (await gateway.NetworkAsync(HttpMethod.Get, "ports?network_id=" + networkId + "&device_owner=compute:az1", token)).Json.GetProperty("ports").GetArrayLength());
        var inPod = await gateway.SendAsync(new Uri(gateway.Region("RegionOne").ComputeUrl + "/servers?name=over&all_tenants=1"), HttpMethod.Get, gateway.AdminToken);
        Assert.Empty(inPod.Json.GetProperty("servers").EnumerateArray());

        // Deleting each server frees its own port and quota.
        foreach (var server in listed)
        {
            Assert.Equal(HttpStatusCode.NoContent, (await gateway.ComputeAsync(HttpMethod.Delete, "servers/" + server.GetProperty("id").GetString(), token)).Status);
        }

        Assert.Empty((await gateway.NetworkAsync(HttpMethod.Get, "ports?network_id=" + networkId + "&device_owner=compute:az1", token)).Json.GetProperty("ports").EnumerateArray());
    }

    [Fact]
    public async Task ABootOverThePortQuota_IsRefused_WithItsInstanceGivenBack_AndAPortCreateThroughNeutronToo()
    {
        // The boot's port counts against the limits its instance reservation read (not read again): still refused over them.
        var (token, project) = gateway.NewTenant("portq");
        var network = await gateway.NetworkAsync(HttpMethod.Post, "networks", token, """{"network": {"name": "portq"}}""");
        var networkId = network.Json.GetProperty("network").GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.Created, (await gateway.NetworkAsync(HttpMethod.Post, "subnets", token,
            JsonSerializer.Serialize(new { subnet = new { network_id = networkId, ip_version = 4, cidr = "10.88.0.0/24" } }))).Status);
        (await gateway.NetworkAsync(HttpMethod.Put, "quotas/" + project, gateway.AdminToken, JsonSerializer.Serialize(new { quota = new { port = 1 } }))).AssertOk();
        var image = await gateway.CirrosAsync("RegionOne");
        async Task<ApiResponse> BootAsync(string name) => await gateway.ComputeAsync(HttpMethod.Post, "servers", token,
            JsonSerializer.Serialize(new { server = new { name, flavorRef = "1", imageRef = image, networks = new[] { new { uuid = networkId } }, availability_zone = "az1" } }), "2.37");

        // The first port is the one the quota allows (the network's DHCP port, made with it, counts as Neutron counts the project's ports).
        var first = await BootAsync("portq-1");
        Assert.True(first.Status == HttpStatusCode.Accepted, first.Text);
        Assert.Contains("Quota exceeded for resources: ['port']", (await BootAsync("portq-2")).AssertError(HttpStatusCode.Conflict, "conflictingRequest"), StringComparison.Ordinal);

        var quota = (await gateway.ComputeAsync(HttpMethod.Get, $"os-quota-sets/{project}/detail", token)).Json.GetProperty("quota_set");
        Assert.Equal(1, quota.GetProperty("instances").GetProperty("in_use").GetInt32());
        Assert.Single((await gateway.NetworkAsync(HttpMethod.Get, "ports?network_id=" + networkId + "&device_owner=compute:az1", token)).Json.GetProperty("ports").EnumerateArray());
        (await gateway.NetworkAsync(HttpMethod.Post, "ports", token, JsonSerializer.Serialize(new { port = new { network_id = networkId } }))).AssertNeutronError(HttpStatusCode.Conflict, "OverQuota");
    }

    [Fact]
    public async Task Boot_OnANetworkOutsideItsHints_Is400NamingNetworkAndZone()
    {
        var network = await gateway.NetworkAsync(HttpMethod.Post, "networks", gateway.DemoToken, """{"network": {"name": "only-az2", "availability_zone_hints": ["az2"]}}""");
        Assert.True(network.Status == HttpStatusCode.Created, network.Text);
        var networkId = network.Json.GetProperty("network").GetProperty("id").GetString()!;

        var refused = await gateway.ComputeAsync(HttpMethod.Post, "servers", gateway.DemoToken,
            JsonSerializer.Serialize(new { server = new { name = "x", flavorRef = "1", imageRef = await gateway.CirrosAsync("RegionOne"), networks = new[] { new { uuid = networkId } }, availability_zone = "az1" } }), "2.37");

        var message = refused.AssertError(HttpStatusCode.BadRequest, "badRequest");
        Assert.Contains(networkId, message, StringComparison.Ordinal);
        Assert.Contains("az1", message, StringComparison.Ordinal);
        Assert.Contains("az2", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Boot_OnACentralNetwork_MakesItInThePod_ShowsTheServerOnTheCentralPort_AndDeleteRemovesThePort()
    {
        var network = await gateway.NetworkAsync(HttpMethod.Post, "networks", gateway.DemoToken, """{"network": {"name": "net1"}}""");
        Assert.True(network.Status == HttpStatusCode.Created, network.Text);
        var networkId = network.Json.GetProperty("network").GetProperty("id").GetString()!;
        var subnet = await gateway.NetworkAsync(HttpMethod.Post, "subnets", gateway.DemoToken,
            JsonSerializer.Serialize(new { subnet = new { network_id = networkId, ip_version = 4, cidr = "10.30.0.0/24", name = "sub1" } }));
        Assert.True(subnet.Status == HttpStatusCode.Created, subnet.Text);

        var image = await gateway.CirrosAsync("RegionOne");
        var booted = await gateway.ComputeAsync(HttpMethod.Post, "servers", gateway.DemoToken,
            JsonSerializer.Serialize(new { server = new { name = "on-net1", flavorRef = "1", imageRef = image, networks = new[] { new { uuid = networkId } }, availability_zone = "az1" } }), "2.37");
        Assert.True(booted.Status == HttpStatusCode.Accepted, booted.Text);
        var serverId = booted.Json.GetProperty("server").GetProperty("id").GetString()!;

        var central = await gateway.NetworkAsync(HttpMethod.Get, "ports?device_id=" + serverId, gateway.DemoToken);
        var port = Assert.Single(central.Json.GetProperty("ports").EnumerateArray());
        Assert.Equal("compute:az1", port.GetProperty("device_owner").GetString());
        Assert.Equal("ACTIVE", port.GetProperty("status").GetString());
        var ip = port.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString();

        var pod = await gateway.SendAsync(new Uri(gateway.Region("RegionOne").NetworkUrl, "v2.0/ports?name=" + port.GetProperty("id").GetString()), HttpMethod.Get, gateway.AdminToken);
        var bottom = Assert.Single(pod.Json.GetProperty("ports").EnumerateArray());
        Assert.Equal(ip, bottom.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString());
        Assert.Equal(port.GetProperty("mac_address").GetString(), bottom.GetProperty("mac_address").GetString());
        Assert.Equal(serverId, bottom.GetProperty("device_id").GetString());

        var shown = await gateway.ComputeAsync(HttpMethod.Get, "servers/" + serverId, gateway.DemoToken);
        var addresses = shown.Json.GetProperty("server").GetProperty("addresses");
        Assert.Equal(ip, addresses.GetProperty("net1")[0].GetProperty("addr").GetString());

        var deleted = await gateway.ComputeAsync(HttpMethod.Delete, "servers/" + serverId, gateway.DemoToken);
        Assert.Equal(HttpStatusCode.NoContent, deleted.Status);
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.NetworkAsync(HttpMethod.Get, "ports/" + port.GetProperty("id").GetString(), gateway.DemoToken)).Status);
        var gone = await gateway.SendAsync(new Uri(gateway.Region("RegionOne").NetworkUrl, "v2.0/ports?name=" + port.GetProperty("id").GetString()), HttpMethod.Get, gateway.AdminToken);
        Assert.Empty(gone.Json.GetProperty("ports").EnumerateArray());
    }

    [Fact]
    public async Task RenamedNetworkAndGroup_AServerShowsTheNewNamesAtOnce_ThoughShowsAreServedFromMemory()
    {
        var tenant = gateway.NewTenant("renames").Token;
        var network = await gateway.NetworkAsync(HttpMethod.Post, "networks", tenant, """{"network": {"name": "before"}}""");
        Assert.True(network.Status == HttpStatusCode.Created, network.Text);
        var networkId = network.Json.GetProperty("network").GetProperty("id").GetString()!;
        var subnet = await gateway.NetworkAsync(HttpMethod.Post, "subnets", tenant,
            JsonSerializer.Serialize(new { subnet = new { network_id = networkId, ip_version = 4, cidr = "10.33.0.0/24" } }));
        Assert.True(subnet.Status == HttpStatusCode.Created, subnet.Text);
        var group = await gateway.NetworkAsync(HttpMethod.Post, "security-groups", tenant, """{"security_group": {"name": "group-before"}}""");
        Assert.True(group.Status == HttpStatusCode.Created, group.Text);
        var groupId = group.Json.GetProperty("security_group").GetProperty("id").GetString()!;
        var booted = await gateway.ComputeAsync(HttpMethod.Post, "servers", tenant,
            JsonSerializer.Serialize(new { server = new { name = "renamed", flavorRef = "1", imageRef = await gateway.CirrosAsync("RegionOne"), networks = new[] { new { uuid = networkId } }, security_groups = new[] { new { name = "group-before" } }, availability_zone = "az1" } }), "2.37");
        var serverId = await ActiveAsync(booted, tenant);

        async Task<(string Label, string Group)> ShowAsync()
        {
            var shown = await gateway.ComputeAsync(HttpMethod.Get, "servers/" + serverId, tenant);
            Assert.True(shown.Status == HttpStatusCode.OK, shown.Text);
            var server = shown.Json.GetProperty("server");
            return (Assert.Single(server.GetProperty("addresses").EnumerateObject()).Name, Assert.Single(server.GetProperty("security_groups").EnumerateArray()).GetProperty("name").GetString()!);
        }

        Assert.Equal(("before", "group-before"), await ShowAsync());
        Assert.Equal(("before", "group-before"), await ShowAsync()); // now from memory

        Assert.Equal(HttpStatusCode.OK, (await gateway.NetworkAsync(HttpMethod.Put, "networks/" + networkId, tenant, """{"network": {"name": "after"}}""")).Status);
        Assert.Equal(HttpStatusCode.OK, (await gateway.NetworkAsync(HttpMethod.Put, "security-groups/" + groupId, tenant, """{"security_group": {"name": "group-after"}}""")).Status);
        Assert.Equal(("after", "group-after"), await ShowAsync());

        // The pod still labels them by the central ids: the renaming is the gateway's.
        var bottom = await gateway.SendAsync(new Uri(gateway.Region("RegionOne").ComputeUrl, "v2.1/servers/" + serverId), HttpMethod.Get, tenant);
        Assert.Equal(networkId, Assert.Single(bottom.Json.GetProperty("server").GetProperty("addresses").EnumerateObject()).Name);
    }

    [Fact]
    public async Task TwoGroupsOfOneName_OnTheServersPort_AreShownOnceByName_AsNovaListsThem_ThoughThePodListsBoth()
    {
        var tenant = gateway.NewTenant("same-names").Token;
        var network = await gateway.NetworkAsync(HttpMethod.Post, "networks", tenant, """{"network": {"name": "same-names-net"}}""");
        Assert.True(network.Status == HttpStatusCode.Created, network.Text);
        var networkId = network.Json.GetProperty("network").GetProperty("id").GetString()!;
        var subnet = await gateway.NetworkAsync(HttpMethod.Post, "subnets", tenant,
            JsonSerializer.Serialize(new { subnet = new { network_id = networkId, ip_version = 4, cidr = "10.34.0.0/24" } }));
        Assert.True(subnet.Status == HttpStatusCode.Created, subnet.Text);
        var groupIds = new List<string>();
        foreach (var name in new[] { "web", "db", "web" }) // Neutron lets two groups share a name
        {
            var group = await gateway.NetworkAsync(HttpMethod.Post, "security-groups", tenant, JsonSerializer.Serialize(new { security_group = new { name } }));
            Assert.True(group.Status == HttpStatusCode.Created, group.Text);
            groupIds.Add(group.Json.GetProperty("security_group").GetProperty("id").GetString()!);
        }

        var port = await gateway.NetworkAsync(HttpMethod.Post, "ports", tenant, JsonSerializer.Serialize(new { port = new { network_id = networkId, security_groups = groupIds } }));
        Assert.True(port.Status == HttpStatusCode.Created, port.Text);
        var booted = await gateway.ComputeAsync(HttpMethod.Post, "servers", tenant,
            JsonSerializer.Serialize(new { server = new { name = "same-names", flavorRef = "1", imageRef = await gateway.CirrosAsync("RegionOne"), networks = new[] { new { port = port.Json.GetProperty("port").GetProperty("id").GetString() } }, availability_zone = "az1" } }), "2.37");
        var serverId = await ActiveAsync(booted, tenant);

        // Each name once (in the pod's order).
        static string[] Groups(JsonElement server) => [.. server.GetProperty("security_groups").EnumerateArray().Select(g => g.GetProperty("name").GetString()!)];
        var shown = await gateway.ComputeAsync(HttpMethod.Get, "servers/" + serverId, tenant);
        Assert.Equal(["db", "web"], Groups(shown.Json.GetProperty("server")).Order(StringComparer.Ordinal));
        Assert.All(shown.Json.GetProperty("server").GetProperty("security_groups").EnumerateArray(), g => Assert.Single(g.EnumerateObject()));
        var listed = await gateway.ComputeAsync(HttpMethod.Get, "servers/detail", tenant);
        Assert.Equal(Groups(shown.Json.GetProperty("server")), Groups(Assert.Single(listed.Json.GetProperty("servers").EnumerateArray())));

        // The pod lists its three copies, named by the central ids.
        var bottom = await gateway.SendAsync(new Uri(gateway.Region("RegionOne").ComputeUrl, "v2.1/servers/" + serverId), HttpMethod.Get, tenant);
        Assert.Equal(groupIds.Order(StringComparer.Ordinal), Groups(bottom.Json.GetProperty("server")).Order(StringComparer.Ordinal));
    }

    /// <summary>The booted server's id, once its show says ACTIVE.</summary>
    private async Task<string> ActiveAsync(ApiResponse booted, string tenant)
    {
        Assert.True(booted.Status == HttpStatusCode.Accepted, booted.Text);
        var serverId = booted.Json.GetProperty("server").GetProperty("id").GetString()!;
        var status = "";
        await Poll.UntilAsync(
            async () => (status = (await gateway.ComputeAsync(HttpMethod.Get, "servers/" + serverId, tenant)).Json.GetProperty("server").GetProperty("status").GetString()!) == "ACTIVE",
            TimeSpan.FromSeconds(30),
            () => "the server is " + status);
        return serverId;
    }
}

public sealed class SqliteServerNetworksTests(SqliteGatewayFixture gateway) : ServerNetworksTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class PostgresServerNetworksTests(PostgresGatewayFixture gateway) : ServerNetworksTests(gateway), IClassFixture<PostgresGatewayFixture>;
