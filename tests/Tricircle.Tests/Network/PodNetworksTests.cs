using System.Net;
using System.Text.Json;
using Tricircle.Data;
using Tricircle.Errors;
using Tricircle.Pods;
using Tricircle.Routing;
using Tricircle.Support;

namespace Tricircle.Network;

/// <summary>
/// Central networks, subnets, DHCP ports, security groups and ports made in the emulated regions'
/// Neutrons, checked by reading those Neutrons directly.
/// </summary>
public abstract class PodNetworksTests(GatewayFixture gateway)
{
    private static int _nextVlan = 2001;

    private PodNetworks Networks => gateway.Sandbox.Services.GetRequiredService<PodNetworks>();

    private NetworkPlaces Places => gateway.Sandbox.Services.GetRequiredService<NetworkPlaces>();

    [Fact]
    public async Task VlanNetwork_InTwoPods_HasTheSameSegmentCidrIpsAndMacsInBoth()
    {
        var top = await VlanNetworkAsync();
        var one = NewPort(top, "10.20.0.11", "fa:16:3e:20:00:11");
        var two = NewPort(top, "10.20.0.12", "fa:16:3e:20:00:12");

        var bottomOne = await Networks.EnsurePortAsync(await PodAsync("RegionOne"), top.Material(one), CancellationToken.None);
        var bottomTwo = await Networks.EnsurePortAsync(await PodAsync("RegionTwo"), top.Material(two), CancellationToken.None);

        foreach (var (region, port, bottom) in new[] { ("RegionOne", one, bottomOne), ("RegionTwo", two, bottomTwo) })
        {
            var network = Assert.Single(await ListAsync(region, "networks", top.Network.Id));
            Assert.Equal("vlan", network.GetProperty("provider:network_type").GetString());
            Assert.Equal(top.Network.Segment.PhysicalNetwork, network.GetProperty("provider:physical_network").GetString());
            Assert.Equal(top.Network.Segment.SegmentationId, network.GetProperty("provider:segmentation_id").GetInt32());
            Assert.Equal(gateway.DemoProjectId, network.GetProperty("project_id").GetString());

            var subnet = Assert.Single(await ListAsync(region, "subnets", top.Subnet.Id));
            Assert.Equal("10.20.0.0/24", subnet.GetProperty("cidr").GetString());
            Assert.Equal("10.20.0.1", subnet.GetProperty("gateway_ip").GetString());
            Assert.Equal(network.GetProperty("id").GetString(), subnet.GetProperty("network_id").GetString());
            var pool = Assert.Single(subnet.GetProperty("allocation_pools").EnumerateArray());
            Assert.Equal("10.20.0.2", pool.GetProperty("start").GetString());
            Assert.Equal("10.20.0.200", pool.GetProperty("end").GetString());
            Assert.Equal("8.8.8.8", Assert.Single(subnet.GetProperty("dns_nameservers").EnumerateArray()).GetString());
            Assert.Equal("192.168.9.0/24", Assert.Single(subnet.GetProperty("host_routes").EnumerateArray()).GetProperty("destination").GetString());

            var dhcp = Assert.Single(await ListAsync(region, "ports", top.Dhcp.Id));
            Assert.Equal("network:dhcp", dhcp.GetProperty("device_owner").GetString());
            Assert.Equal(top.Dhcp.MacAddress, dhcp.GetProperty("mac_address").GetString());
            Assert.Equal("10.20.0.2", dhcp.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString());

            var bottomPort = Assert.Single(await ListAsync(region, "ports", port.Id));
            Assert.Equal(bottom, bottomPort.GetProperty("id").GetString());
            Assert.Equal(port.MacAddress, bottomPort.GetProperty("mac_address").GetString());
            var ip = Assert.Single(bottomPort.GetProperty("fixed_ips").EnumerateArray());
            Assert.Equal(port.FixedIps[0].IpAddress, ip.GetProperty("ip_address").GetString());
            Assert.Equal(subnet.GetProperty("id").GetString(), ip.GetProperty("subnet_id").GetString());

            // The port's group is the copy of the central one, rules and all, the remote-group rule as the subnet's CIDR.
            var group = Assert.Single(await ListAsync(region, "security-groups", top.Group.Id, "security_groups"));
            Assert.Equal(group.GetProperty("id").GetString(), Assert.Single(bottomPort.GetProperty("security_groups").EnumerateArray()).GetString());
            var rules = group.GetProperty("security_group_rules").EnumerateArray().ToList();
            Assert.Equal(3, rules.Count);
            Assert.All(rules, r => Assert.Equal(JsonValueKind.Null, r.GetProperty("remote_group_id").ValueKind));
            Assert.Contains(rules, r => r.GetProperty("direction").GetString() == "ingress" && r.GetProperty("remote_ip_prefix").GetString() == "10.20.0.0/24");
            Assert.Contains(rules, r => r.GetProperty("direction").GetString() == "ingress" && r.GetProperty("port_range_min").ValueKind == JsonValueKind.Number && r.GetProperty("port_range_min").GetInt32() == 22);
            Assert.Contains(rules, r => r.GetProperty("direction").GetString() == "egress" && r.GetProperty("ethertype").GetString() == "IPv4");
        }
    }

    [Fact]
    public async Task PodsNova_BootsOnTheCopiedPort_AsTheTenant()
    {
        var top = await VlanNetworkAsync();
        var port = NewPort(top, "10.20.0.95", "fa:16:3e:23:00:95");
        var bottom = await Networks.EnsurePortAsync(await PodAsync("RegionOne"), top.Material(port), CancellationToken.None);

        var image = await gateway.CirrosAsync("RegionOne");
        var booted = await gateway.SendAsync(new Uri(gateway.Region("RegionOne").ComputeUrl + "/servers"), HttpMethod.Post, gateway.DemoToken,
            JsonSerializer.Serialize(new { server = new { name = "on-copy", flavorRef = "1", imageRef = image, networks = new[] { new { port = bottom } } } }), "2.37");

        Assert.True(booted.Status == HttpStatusCode.Accepted, booted.Text);
        var server = booted.Json.GetProperty("server").GetProperty("id").GetString();
        var bound = Assert.Single(await ListAsync("RegionOne", "ports", port.Id));
        Assert.Equal(server, bound.GetProperty("device_id").GetString());
    }

    [Fact]
    public async Task FiftyParallelPorts_OverTwoPods_MakeOneNetworkPerPodAndFiftyDistinctIps()
    {
        var top = await VlanNetworkAsync();
        var one = await PodAsync("RegionOne");
        var two = await PodAsync("RegionTwo");
        var ports = Enumerable.Range(0, 50).Select(i => NewPort(top, $"10.20.0.{20 + i}", $"fa:16:3e:21:00:{20 + i:x2}")).ToList();

        await Task.WhenAll(ports.Select((p, i) => Networks.EnsurePortAsync(i % 2 == 0 ? one : two, top.Material(p), CancellationToken.None)));

        var ips = new List<string>();
        foreach (var region in new[] { "RegionOne", "RegionTwo" })
        {
            Assert.Single(await ListAsync(region, "networks", top.Network.Id));
            Assert.Single(await ListAsync(region, "subnets", top.Subnet.Id));
            Assert.Single(await ListAsync(region, "ports", top.Dhcp.Id));
            Assert.Single(await ListAsync(region, "security-groups", top.Group.Id, "security_groups"));
            var network = (await ListAsync(region, "networks", top.Network.Id))[0].GetProperty("id").GetString();
            var onNetwork = await RegionAsync(region, HttpMethod.Get, $"ports?network_id={network}");
            ips.AddRange(onNetwork.Json.GetProperty("ports").EnumerateArray().Where(p => p.GetProperty("device_owner").GetString() != "network:dhcp").Select(p => p.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString()!));
        }

        Assert.Equal(50, ips.Count);
        Assert.Equal(50, ips.Distinct().Count());
    }

    [Fact]
    public async Task LockLeftByACrash_IsTakenOverAndTheNetworkMadeOnce()
    {
        var top = await VlanNetworkAsync();
        var pod = await PodAsync("RegionOne");

        // A request died after taking the routing row and before the pod answered.
        var database = gateway.Sandbox.Services.GetRequiredService<Database>();
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        await using (var tx = await Database.BeginWriteAsync(connection, CancellationToken.None))
        {
            await RoutingStore.InsertAsync(connection, tx, new ResourceRouting
            {
                TopId = top.Network.Id,
                PodId = pod.PodId,
                ProjectId = gateway.DemoProjectId,
                ResourceType = "network",
                CreatedAt = DateTime.UtcNow.AddMinutes(-5),
            }, CancellationToken.None);
            await tx.CommitAsync();
        }

        var bottom = await Networks.EnsurePortAsync(pod, top.Material(NewPort(top, "10.20.0.90", "fa:16:3e:22:00:90")), CancellationToken.None);

        var network = Assert.Single(await ListAsync("RegionOne", "networks", top.Network.Id));
        var routing = await gateway.Sandbox.Services.GetRequiredService<RoutingStore>().FindTopAsync(top.Network.Id, "network", null, CancellationToken.None);
        Assert.Equal(network.GetProperty("id").GetString(), routing?.BottomId);
        Assert.NotEmpty(bottom);
    }

    [Fact]
    public async Task CopiesMadeBeforeACrashWithoutRouting_AreAdoptedNotMadeAgain()
    {
        var top = await VlanNetworkAsync();
        var pod = await PodAsync("RegionTwo");

        // A crash after the pod made the network and subnet, before their routing rows were filled in.
        var made = await RegionAsync("RegionTwo", HttpMethod.Post, "networks", JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["network"] = new Dictionary<string, object?>
            {
                ["name"] = top.Network.Id,
                ["project_id"] = gateway.DemoProjectId,
                ["provider:network_type"] = "vlan",
                ["provider:physical_network"] = top.Network.Segment.PhysicalNetwork,
                ["provider:segmentation_id"] = top.Network.Segment.SegmentationId,
            },
        }));
        Assert.Equal(HttpStatusCode.Created, made.Status);
        var networkId = made.Json.GetProperty("network").GetProperty("id").GetString();
        var subnet = await RegionAsync("RegionTwo", HttpMethod.Post, "subnets", JsonSerializer.Serialize(new
        {
            subnet = new { name = top.Subnet.Id, project_id = gateway.DemoProjectId, network_id = networkId, ip_version = 4, cidr = "10.20.0.0/24" },
        }));
        Assert.Equal(HttpStatusCode.Created, subnet.Status);

        await Networks.EnsurePortAsync(pod, top.Material(NewPort(top, "10.20.0.91", "fa:16:3e:22:00:91")), CancellationToken.None);

        Assert.Equal(networkId, Assert.Single(await ListAsync("RegionTwo", "networks", top.Network.Id)).GetProperty("id").GetString());
        Assert.Single(await ListAsync("RegionTwo", "subnets", top.Subnet.Id));
        Assert.Single(await ListAsync("RegionTwo", "ports", top.Dhcp.Id));
    }

    [Fact]
    public async Task LocalNetwork_LivesWhereFirstUsed_AndIsRefusedElsewhere()
    {
        var network = Network(new NetworkSegment("local", null, null), []);
        var one = await PodAsync("RegionOne");
        var two = await PodAsync("RegionTwo");

        await Places.ClaimAsync(network, one, CancellationToken.None);
        await Places.ClaimAsync(network, one, CancellationToken.None);
        var refused = await Assert.ThrowsAsync<TricircleException>(() => Places.ClaimAsync(network, two, CancellationToken.None));

        Assert.Equal(ErrorKind.Invalid, refused.Kind);
        Assert.Contains(network.Id, refused.Message, StringComparison.Ordinal);
        Assert.Contains("RegionTwo", refused.Message, StringComparison.Ordinal);
        Assert.Contains("RegionOne", refused.Message, StringComparison.Ordinal);
        Assert.Equal(["RegionOne"], (await Places.AllowedPodsAsync(network, CancellationToken.None))!.Select(p => p.RegionName));
    }

    [Fact]
    public async Task NetworkWithHints_IsRefusedOutsideThem()
    {
        var byAz = Network(new NetworkSegment("vxlan", null, 5001), ["az1"]);
        var byPod = Network(new NetworkSegment("vxlan", null, 5002), ["RegionTwo"]);

        await Places.ClaimAsync(byAz, await PodAsync("RegionOne"), CancellationToken.None);
        var refused = await Assert.ThrowsAsync<TricircleException>(async () => await Places.ClaimAsync(byAz, await PodAsync("RegionTwo"), CancellationToken.None));
        Assert.Equal(ErrorKind.Invalid, refused.Kind);
        Assert.Contains(byAz.Id, refused.Message, StringComparison.Ordinal);
        Assert.Contains("az2", refused.Message, StringComparison.Ordinal);
        Assert.Contains("az1", refused.Message, StringComparison.Ordinal);

        Assert.Equal(["RegionTwo"], (await Places.AllowedPodsAsync(byPod, CancellationToken.None))!.Select(p => p.RegionName));
        Assert.Null(await Places.AllowedPodsAsync(Network(new NetworkSegment("vlan", "physnet1", 2500), []), CancellationToken.None));
    }

    [Fact]
    public async Task Scheduler_PlacesAmongTheNetworksPods_AndRefusesAnAzWithoutThem()
    {
        var scheduler = gateway.Sandbox.Services.GetRequiredService<Placement.PodScheduler>();
        var byPod = Network(new NetworkSegment("vxlan", null, 5003), ["RegionTwo"]);
        var (allowed, why) = await Places.AllowedForAllAsync([byPod], CancellationToken.None);

        var placed = await scheduler.PlaceAmongAsync(gateway.OtherProjectId, allowed!, why, null, CancellationToken.None);
        var refused = await Assert.ThrowsAsync<TricircleException>(() => scheduler.PlaceAmongAsync(gateway.OtherProjectId, allowed!, why, "az1", CancellationToken.None));

        Assert.Equal("RegionTwo", placed.Pod.RegionName);
        Assert.Equal(ErrorKind.Invalid, refused.Kind);
        Assert.Contains("az1", refused.Message, StringComparison.Ordinal);
        Assert.Contains(byPod.Id, refused.Message, StringComparison.Ordinal);
        Assert.Contains("RegionTwo", refused.Message, StringComparison.Ordinal);
    }

    // --- central records, as the central Neutron would hold them ---

    internal sealed record TopSet(TopNetwork Network, TopSubnet Subnet, TopPort Dhcp, TopSecurityGroup Group)
    {
        public PortMaterial Material(TopPort port) => new(port, Network, [Subnet], [Dhcp], [Group], [Subnet.Cidr]);
    }

    private TopNetwork Network(NetworkSegment segment, IReadOnlyList<string> hints) =>
        new(Guid.NewGuid().ToString(), gateway.DemoProjectId, "net", "", true, false, false, 1500, segment, hints);

    private async Task<TopSet> VlanNetworkAsync()
    {
        var network = Network(new NetworkSegment("vlan", await PhysnetAsync(), Interlocked.Increment(ref _nextVlan)), []);
        var project = gateway.DemoProjectId;
        var subnet = new TopSubnet(Guid.NewGuid().ToString(), project, network.Id, "sub", "", 4, "10.20.0.0/24", "10.20.0.1", true,
            [new AllocationPool("10.20.0.2", "10.20.0.200")], ["8.8.8.8"], [new HostRoute("192.168.9.0/24", "10.20.0.254")], null, null);
        var dhcp = new TopPort(Guid.NewGuid().ToString(), project, network.Id, "", "", "fa:16:3e:20:00:02", [new FixedIp(subnet.Id, "10.20.0.2")],
            [], [], false, true, PodNetworks.ReservedDhcpDevice, PodNetworks.DhcpOwner, null);
        var groupId = Guid.NewGuid().ToString();
        var group = new TopSecurityGroup(groupId, project, "default", "", [
            new TopSecurityGroupRule(Guid.NewGuid().ToString(), groupId, project, "egress", "IPv4", null, null, null, null, null, ""),
            new TopSecurityGroupRule(Guid.NewGuid().ToString(), groupId, project, "ingress", "IPv4", null, null, null, null, groupId, ""),
            new TopSecurityGroupRule(Guid.NewGuid().ToString(), groupId, project, "ingress", "IPv4", "tcp", 22, 22, "0.0.0.0/0", null, ""),
        ]);
        return new TopSet(network, subnet, dhcp, group);
    }

    private static TopPort NewPort(TopSet top, string ip, string mac) =>
        new(Guid.NewGuid().ToString(), top.Network.ProjectId, top.Network.Id, "", "", mac, [new FixedIp(top.Subnet.Id, ip)], [top.Group.Id], [], true, true, "", "", null);

    /// <summary>The emulated regions' physical network for VLANs (whatever the sandbox configures): the one a VLAN network without one gets.</summary>
    private async Task<string> PhysnetAsync()
    {
        var probe = await RegionAsync("RegionOne", HttpMethod.Post, "networks", """{"network": {"name": "probe", "provider:network_type": "vlan"}}""");
        Assert.Equal(HttpStatusCode.Created, probe.Status);
        var network = probe.Json.GetProperty("network");
        await RegionAsync("RegionOne", HttpMethod.Delete, "networks/" + network.GetProperty("id").GetString());
        return network.GetProperty("provider:physical_network").GetString()!;
    }

    private async Task<Pod> PodAsync(string region) =>
        (await gateway.Sandbox.Services.GetRequiredService<PodStore>().FindByRegionAsync(region, CancellationToken.None))!;

    private Task<ApiResponse> RegionAsync(string region, HttpMethod method, string path, string? json = null) =>
        gateway.SendAsync(new Uri(gateway.Region(region).NetworkUrl, "v2.0/" + path), method, gateway.AdminToken, json);

    private async Task<List<JsonElement>> ListAsync(string region, string collection, string name, string? key = null)
    {
        var answer = await RegionAsync(region, HttpMethod.Get, $"{collection}?name={name}");
        Assert.True(answer.Status == HttpStatusCode.OK, answer.Text);
        return [.. answer.Json.GetProperty(key ?? collection).EnumerateArray()];
    }
}

public sealed class SqlitePodNetworksTests(SqliteGatewayFixture gateway) : PodNetworksTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class PostgresPodNetworksTests(PostgresGatewayFixture gateway) : PodNetworksTests(gateway), IClassFixture<PostgresGatewayFixture>;
