namespace Tricircle.Lab;

/// <summary>
/// The central Neutron in front of the lab's real regions: the demo member makes networks in
/// the central region and boots on them with the real <c>openstack</c> CLI; each region's own
/// Neutron and Nova are asked what really happened there (same segment, CIDR, IPs and MACs, a
/// server ACTIVE on the pod's copy of the port; on a VxLAN network stretched over both regions, a
/// shadow of each region's port in the other), and the deletes are seen to reach them.
/// </summary>
[Collection(LabWalkthroughs.Name)]
[Trait("Category", "Lab")]
public sealed class NetworkWalkthroughTests(LabTricircle lab)
{
    private string Central => lab.Cloud.CentralRegion;

    [LabFact]
    public async Task ServersOnCentralNetworks_InEachRegion_AndOnAStretchedVlan_AreRealThere()
    {
        await lab.EnsurePodsAsync();
        var admin = (await lab.Cloud.AdminTokenAsync(lab.Http)).Id;
        var demo = await lab.Cloud.DemoTokenAsync(lab.Http);
        await lab.ForgetBindingsAsync(admin, demo.ProjectId);
        var (first, last) = (lab.Cloud.Regions[0], lab.Cloud.Regions[^1]);
        var (az1, azLast) = (LabTricircle.PodAz(0), LabTricircle.PodAz(lab.Cloud.Regions.Count - 1));
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var flavorId = (await lab.OpenStackJsonAsync(Central, false, "flavor", "create", "lab-net-" + suffix, "--ram", "64", "--vcpus", "1", "--disk", "1", "--public")).GetProperty("id").GetString()!;
        var servers = new List<(string Id, string Region)>();
        var networks = new List<string>();
        try
        {
            // A tenant network for each end, and a VLAN network the admin shares, stretched over both.
            var net1 = await NetworkAsync(demo: true, "lab-net1-" + suffix, "10.81.0.0/24");
            var net2 = await NetworkAsync(demo: true, "lab-net2-" + suffix, "10.82.0.0/24");
            var vlan = await NetworkAsync(demo: false, "lab-vlan-" + suffix, "10.83.0.0/24", "--share", "--provider-network-type", "vlan", "--provider-physical-network", "physnet1");
            var vxlan = await NetworkAsync(demo: true, "lab-vx-" + suffix, "10.84.0.0/24", "--availability-zone-hint", az1, "--availability-zone-hint", azLast);
            networks.AddRange([net1, net2, vlan, vxlan]);
            var segment = (await lab.OpenStackJsonAsync(Central, false, "network", "show", vlan)).GetProperty("provider:segmentation_id").GetInt32();
            Assert.InRange(segment, 150, 199);

            foreach (var (name, network, az, region) in new[]
            {
                ("lab-net-a-" + suffix, net1, az1, first),
                ("lab-net-b-" + suffix, net2, azLast, last),
                ("lab-vlan-a-" + suffix, vlan, az1, first),
                ("lab-vlan-b-" + suffix, vlan, azLast, last),
                ("lab-vx-a-" + suffix, vxlan, az1, first),
                ("lab-vx-b-" + suffix, vxlan, azLast, last),
            })
            {
                var server = await lab.OpenStackJsonAsync(Central, true, "server", "create", "--flavor", flavorId, "--image", "cirros-tiny", "--network", network, "--availability-zone", az, "--wait", name);
                var id = server.GetProperty("id").GetString()!;
                servers.Add((id, region));
                Assert.Equal("ACTIVE", server.GetProperty("status").GetString());
                await AssertRealInPodAsync(id, region, network);
            }

            // The VLAN network is the same segment in both regions' real Neutrons.
            foreach (var region in new[] { first, last }.Distinct())
            {
                var copy = Assert.Single((await lab.OpenStackJsonAsync(region, false, "network", "list", "--name", vlan, "--long")).EnumerateArray());
                var shown = await lab.OpenStackJsonAsync(region, false, "network", "show", copy.GetProperty("ID").GetString()!);
                Assert.Equal("vlan", shown.GetProperty("provider:network_type").GetString());
                Assert.Equal("physnet1", shown.GetProperty("provider:physical_network").GetString());
                Assert.Equal(segment, shown.GetProperty("provider:segmentation_id").GetInt32());
            }

            // The stretched VxLAN network: the lab's Tricircle runs cross_pod_vxlan_mode = shadow, so
            // each region's real Neutron holds a shadow of the other region's server port, bound to its host.
            await AssertShadowAsync(servers[^1].Id, last, first);
            await AssertShadowAsync(servers[^2].Id, first, last);

            // A network in use cannot go; once its servers have gone, its copies go from the regions with it.
            var refused = await Support.CliRunner.RunAsync("openstack", ["network", "delete", vlan], lab.Cloud.Openrc(Central, false), TimeSpan.FromMinutes(2));
            Assert.True(refused.ExitCode != 0, $"deleting a network in use should fail\n{refused}");
            foreach (var (id, _) in servers)
            {
                await lab.OpenStackAsync(Central, true, "server", "delete", "--wait", id);
            }

            servers.Clear();
            foreach (var network in networks)
            {
                await lab.OpenStackAsync(Central, network == vlan ? false : true, "network", "delete", network);
            }

            foreach (var region in new[] { first, last }.Distinct())
            {
                var left = await lab.OpenStackJsonAsync(region, false, "network", "list");
                Assert.DoesNotContain(left.EnumerateArray(), n => networks.Contains(n.GetProperty("Name").GetString()!));
            }

            networks.Clear();
        }
        finally
        {
            foreach (var (id, _) in servers)
            {
                await Support.CliRunner.RunAsync("openstack", ["server", "delete", "--wait", id], lab.Cloud.Openrc(Central, true), TimeSpan.FromMinutes(3));
            }

            foreach (var network in networks)
            {
                await Support.CliRunner.RunAsync("openstack", ["network", "delete", network], lab.Cloud.Openrc(Central, false), TimeSpan.FromMinutes(2));
            }

            // The demo project's default group went into the pods with the first port: its delete
            // takes the copies out again, so the pods hold nothing of this walkthrough.
            var groups = await lab.OpenStackJsonAsync(Central, false, "security", "group", "list", "--project", demo.ProjectId);
            foreach (var group in groups.EnumerateArray().Where(g => g.GetProperty("Name").GetString() == "default"))
            {
                await lab.OpenStackAsync(Central, false, "security", "group", "delete", group.GetProperty("ID").GetString()!);
            }

            await lab.OpenStackAsync(Central, false, "flavor", "delete", flavorId);
            await lab.ForgetBindingsAsync(admin, demo.ProjectId);
        }
    }

    /// <summary>A central network (as the demo member or the admin) with one IPv4 subnet; its id.</summary>
    private async Task<string> NetworkAsync(bool demo, string name, string cidr, params string[] options)
    {
        var network = await lab.OpenStackJsonAsync(Central, demo, ["network", "create", .. options, name]);
        var id = network.GetProperty("id").GetString()!;
        await lab.OpenStackJsonAsync(Central, demo, "subnet", "create", "--network", id, "--subnet-range", cidr, name + "-sub");
        return id;
    }

    /// <summary>
    /// The shadow of the server's port (in <paramref name="home"/>) in another region's real
    /// Neutron: its MAC and address, <c>compute:shadow</c>, bound to the port's host with the home
    /// region in its profile. Made by a job after the boot: looked for for up to a minute.
    /// </summary>
    private async Task AssertShadowAsync(string serverId, string home, string region)
    {
        var central = Assert.Single((await lab.OpenStackJsonAsync(Central, false, "port", "list", "--device-id", serverId, "--long")).EnumerateArray());
        var centralPort = await lab.OpenStackJsonAsync(Central, false, "port", "show", central.GetProperty("ID").GetString()!);
        var name = "shadow_port_" + centralPort.GetProperty("id").GetString();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var found = (await lab.OpenStackJsonAsync(region, false, "port", "list", "--name", name)).EnumerateArray().ToList();
        while (found.Count == 0 && waited.Elapsed < TimeSpan.FromMinutes(1))
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            found = (await lab.OpenStackJsonAsync(region, false, "port", "list", "--name", name)).EnumerateArray().ToList();
        }

        var shadow = await lab.OpenStackJsonAsync(region, false, "port", "show", Assert.Single(found).GetProperty("ID").GetString()!);
        Assert.Equal("compute:shadow", shadow.GetProperty("device_owner").GetString());
        Assert.Equal(centralPort.GetProperty("mac_address").GetString(), shadow.GetProperty("mac_address").GetString());
        Assert.Equal(centralPort.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString(), shadow.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString());
        var host = centralPort.GetProperty("binding_host_id").GetString();
        Assert.False(string.IsNullOrEmpty(host), centralPort.ToString());
        Assert.Equal(host, shadow.GetProperty("binding_host_id").GetString());
        Assert.Equal(home, shadow.GetProperty("binding_profile").GetProperty("tricircle_region").GetString());
    }

    /// <summary>
    /// The server's central port against the region's real Neutron and Nova: the copy of the port
    /// (named after the central id) has the central MAC and IP, on the region's copy of the
    /// network with the same CIDR, and the region's Nova has the server ACTIVE on it.
    /// </summary>
    private async Task AssertRealInPodAsync(string serverId, string region, string networkId)
    {
        var central = Assert.Single((await lab.OpenStackJsonAsync(Central, false, "port", "list", "--device-id", serverId, "--long")).EnumerateArray());
        var centralPort = await lab.OpenStackJsonAsync(Central, false, "port", "show", central.GetProperty("ID").GetString()!);
        Assert.Equal(serverId, centralPort.GetProperty("device_id").GetString());
        var centralIp = centralPort.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString()!;

        var copy = Assert.Single((await lab.OpenStackJsonAsync(region, false, "port", "list", "--name", centralPort.GetProperty("id").GetString()!)).EnumerateArray());
        var bottomPort = await lab.OpenStackJsonAsync(region, false, "port", "show", copy.GetProperty("ID").GetString()!);
        Assert.Equal(centralPort.GetProperty("mac_address").GetString(), bottomPort.GetProperty("mac_address").GetString());
        Assert.Equal(centralIp, bottomPort.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString());
        Assert.Equal(serverId, bottomPort.GetProperty("device_id").GetString());

        var bottomNetwork = await lab.OpenStackJsonAsync(region, false, "network", "show", bottomPort.GetProperty("network_id").GetString()!);
        Assert.Equal(networkId, bottomNetwork.GetProperty("name").GetString());
        var centralSubnet = await lab.OpenStackJsonAsync(Central, false, "subnet", "show", centralPort.GetProperty("fixed_ips")[0].GetProperty("subnet_id").GetString()!);
        var bottomSubnet = await lab.OpenStackJsonAsync(region, false, "subnet", "show", bottomPort.GetProperty("fixed_ips")[0].GetProperty("subnet_id").GetString()!);
        Assert.Equal(centralSubnet.GetProperty("cidr").GetString(), bottomSubnet.GetProperty("cidr").GetString());
        Assert.Equal(centralSubnet.GetProperty("gateway_ip").GetString(), bottomSubnet.GetProperty("gateway_ip").GetString());

        var server = await lab.OpenStackJsonAsync(region, true, "server", "show", serverId);
        Assert.Equal("ACTIVE", server.GetProperty("status").GetString());
        Assert.Contains(centralIp, server.GetProperty("addresses").ToString(), StringComparison.Ordinal);
    }
}
