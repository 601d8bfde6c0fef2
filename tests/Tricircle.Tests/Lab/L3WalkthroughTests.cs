using System.Diagnostics;
using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Lab;

/// <summary>
/// Cross-pod L3 through Tricircle in front of the lab's real regions, with the real
/// <c>openstack</c> CLI: a router over a network in the first region and one in the last, its
/// gateway on an external network of the last region, a floating IP for the server in the first
/// region. Each region's own Neutron is asked what it holds (the router's copy, its gateway,
/// interfaces and exact routes, the project's bridge network with the central VNI, the floating IP
/// on the shadow port), and the teardown is seen to leave nothing in any region. No data plane:
/// ports stay DOWN, which is fine.
/// </summary>
[Collection(LabWalkthroughs.Name)]
[Trait("Category", "Lab")]
public sealed class L3WalkthroughTests(LabTricircle lab)
{
    private string Central => lab.Cloud.CentralRegion;

    [LabFact]
    public async Task RouterOverTwoRegions_WithGatewayAndFloatingIp_IsRealInEachRegion_AndLeavesNothing()
    {
        await lab.EnsurePodsAsync();
        var admin = (await lab.Cloud.AdminTokenAsync(lab.Http)).Id;
        var demo = await lab.Cloud.DemoTokenAsync(lab.Http);
        await lab.ForgetBindingsAsync(admin, demo.ProjectId);
        var (first, last) = (lab.Cloud.Regions[0], lab.Cloud.Regions[^1]);
        Assert.NotEqual(first, last); // the walkthrough needs two regions
        var (az1, azLast) = (LabTricircle.PodAz(0), LabTricircle.PodAz(lab.Cloud.Regions.Count - 1));
        var failedBefore = await FailedJobsAsync(admin);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var (cidr1, cidr2, externalCidr) = ("10.91.1.0/24", "10.91.2.0/24", "203.0.113.0/24");
        var flavorId = (await lab.OpenStackJsonAsync(Central, false, "flavor", "create", "lab-l3-" + suffix, "--ram", "64", "--vcpus", "1", "--disk", "1", "--public")).GetProperty("id").GetString()!;
        string? net1 = null, net2 = null, external = null, router = null, fip = null;
        string? sub1 = null, sub2 = null;
        var gatewaySet = false;
        var servers = new List<string>();
        try
        {
            net1 = await NetworkAsync("lab-l3-net1-" + suffix, az1);
            sub1 = await SubnetAsync(net1, cidr1);
            net2 = await NetworkAsync("lab-l3-net2-" + suffix, azLast);
            sub2 = await SubnetAsync(net2, cidr2);
            foreach (var (network, az) in new[] { (net1, az1), (net2, azLast) })
            {
                var server = await lab.OpenStackJsonAsync(Central, true, "server", "create", "--flavor", flavorId, "--image", "cirros-tiny", "--network", network,
                    "--availability-zone", az, "--wait", "lab-l3-" + az + "-" + suffix);
                servers.Add(server.GetProperty("id").GetString()!);
                Assert.Equal("ACTIVE", server.GetProperty("status").GetString());
            }

            var (port1, address1) = await ServerPortAsync(servers[0]);

            // East-west: a copy in each region, joined by the project's bridge (its gateway there, no SNAT).
            router = (await lab.OpenStackJsonAsync(Central, true, "router", "create", "lab-l3-r-" + suffix)).GetProperty("id").GetString()!;
            await lab.OpenStackAsync(Central, true, "router", "add", "subnet", router, sub1);
            await lab.OpenStackAsync(Central, true, "router", "add", "subnet", router, sub2);
            await SettledAsync(admin);

            var bridge = await BridgeAsync(demo.ProjectId) ?? throw new InvalidOperationException("no bridge network for " + demo.ProjectId);
            foreach (var region in (string[])[first, last])
            {
                await AssertBridgeInRegionAsync(region, bridge);
            }

            var one = await CopyAsync(first, router);
            var two = await CopyAsync(last, router);
            var (oneIp, oneSnat) = BridgeGateway(one, bridge, await BottomIdAsync(first, "network", bridge.Network));
            var (twoIp, twoSnat) = BridgeGateway(two, bridge, await BottomIdAsync(last, "network", bridge.Network));
            Assert.NotEqual(oneIp, twoIp);
            Assert.False(oneSnat);
            Assert.False(twoSnat);
            Assert.Equal(["10.91.1.1"], await InterfaceIpsAsync(first, one));
            Assert.Equal(["10.91.2.1"], await InterfaceIpsAsync(last, two));
            Assert.Equal([(cidr2, twoIp)], Routes(one));
            Assert.Equal([(cidr1, oneIp)], Routes(two));

            // North-south: the external network is the last region's; its copy there has the real
            // gateway and the bridge as an interface, the other routes out through its bridge IP.
            external = (await lab.OpenStackJsonAsync(Central, false, "network", "create", "--external", "--provider-network-type", "flat",
                "--provider-physical-network", "physnet1", "--availability-zone-hint", last, "lab-l3-ext-" + suffix)).GetProperty("id").GetString()!;
            await lab.OpenStackJsonAsync(Central, false, "subnet", "create", "--network", external, "--subnet-range", externalCidr,
                "--no-dhcp", "--gateway", "203.0.113.1", "lab-l3-ext-sub-" + suffix);
            await lab.OpenStackAsync(Central, false, "router", "set", "--external-gateway", external, router);
            gatewaySet = true;
            await SettledAsync(admin);

            var central = await lab.OpenStackJsonAsync(Central, false, "router", "show", router);
            var gatewayIp = central.GetProperty("external_gateway_info").GetProperty("external_fixed_ips")[0].GetProperty("ip_address").GetString()!;
            one = await CopyAsync(first, router);
            two = await CopyAsync(last, router);
            Assert.Equal((oneIp, false), BridgeGateway(one, bridge, await BottomIdAsync(first, "network", bridge.Network)));
            var twoGateway = two.GetProperty("external_gateway_info");
            var bottomExternal = await BottomIdAsync(last, "network", external);
            Assert.True(bottomExternal == twoGateway.GetProperty("network_id").GetString(),
                $"{last}'s copy: {two}\nexternal network there: {bottomExternal}\nfailed jobs: {string.Join('\n', await FailedJobsAsync(admin))}\nservice:\n{lab.Output}");
            Assert.True(twoGateway.GetProperty("enable_snat").GetBoolean(), two.ToString());
            Assert.Equal(gatewayIp, Assert.Single(twoGateway.GetProperty("external_fixed_ips").EnumerateArray()).GetProperty("ip_address").GetString());
            Assert.Equal(["10.91.2.1", twoIp], await InterfaceIpsAsync(last, two)); // the bridge keeps the copy's bridge IP, now as an interface
            Assert.Equal([(cidr1, oneIp)], Routes(two));
            Assert.Equal([("0.0.0.0/0", twoIp), (cidr2, twoIp)], Routes(one));
            Assert.Empty(await ListByNameAsync(first, "network", external)); // the external network is the last region's alone

            // A floating IP for the server in the first region lives in the last one, on a shadow of its port.
            var floating = await lab.OpenStackJsonAsync(Central, true, "floating", "ip", "create", external);
            fip = floating.GetProperty("id").GetString()!;
            var floatingAddress = floating.GetProperty("floating_ip_address").GetString()!;
            await lab.OpenStackAsync(Central, true, "floating", "ip", "set", "--port", port1, fip);
            await SettledAsync(admin);

            var shadowId = Assert.Single(await ListByNameAsync(last, "port", "shadow_port_" + port1));
            var shadow = await lab.OpenStackJsonAsync(last, false, "port", "show", shadowId);
            Assert.Equal("compute:shadow", shadow.GetProperty("device_owner").GetString());
            Assert.Equal(address1, shadow.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString());
            Assert.Equal(await BottomIdAsync(last, "network", net1), shadow.GetProperty("network_id").GetString());
            Assert.Equal(first, shadow.GetProperty("binding_profile").GetProperty("tricircle_region").GetString()); // the lab runs cross_pod_vxlan_mode = shadow
            Assert.False(string.IsNullOrEmpty(shadow.GetProperty("binding_host_id").GetString()), shadow.ToString());
            var bottomFip = await BottomFloatingIpAsync(last, floatingAddress) ?? throw new InvalidOperationException($"no floating IP {floatingAddress} in {last}");
            Assert.Equal(shadowId, bottomFip.GetProperty("port_id").GetString());
            Assert.Equal(address1, bottomFip.GetProperty("fixed_ip_address").GetString());
            Assert.Null(await BottomFloatingIpAsync(first, floatingAddress));
            two = await CopyAsync(last, router);
            Assert.Equal(["10.91.1.1", "10.91.2.1", twoIp], await InterfaceIpsAsync(last, two)); // the way to the port's network there
            Assert.Equal([(address1 + "/32", oneIp)], Routes(two)); // and to its address, through the first copy's bridge IP
            Assert.Equal([("0.0.0.0/0", twoIp), (cidr2, twoIp)], Routes(await CopyAsync(first, router)));
            var centralFip = await lab.OpenStackJsonAsync(Central, true, "floating", "ip", "show", fip);
            Assert.Equal(router, centralFip.GetProperty("router_id").GetString());
            Assert.Equal(address1, centralFip.GetProperty("fixed_ip_address").GetString());
            Assert.Equal(bottomFip.GetProperty("status").GetString(), centralFip.GetProperty("status").GetString());
            await NoNewFailedJobsAsync(admin, failedBefore);

            // Teardown, in order, each step seen in the regions.
            await lab.OpenStackAsync(Central, true, "floating", "ip", "unset", "--port", fip);
            await SettledAsync(admin);
            Assert.Equal(shadowId, Assert.Single(await ListByNameAsync(last, "port", "shadow_port_" + port1))); // net1 is still in the last region: shadow mode keeps it there
            Assert.Equal(JsonValueKind.Null, (await BottomFloatingIpAsync(last, floatingAddress))?.GetProperty("port_id").ValueKind);
            Assert.Equal(["10.91.2.1", twoIp], await InterfaceIpsAsync(last, await CopyAsync(last, router)));
            await lab.OpenStackAsync(Central, true, "floating", "ip", "delete", fip);
            fip = null;
            await SettledAsync(admin);
            Assert.Null(await BottomFloatingIpAsync(last, floatingAddress));

            await lab.OpenStackAsync(Central, false, "router", "unset", "--external-gateway", router);
            gatewaySet = false;
            await SettledAsync(admin);
            Assert.Equal([(cidr2, twoIp)], Routes(await CopyAsync(first, router)));
            await lab.OpenStackAsync(Central, true, "router", "remove", "subnet", router, sub1);
            await lab.OpenStackAsync(Central, true, "router", "remove", "subnet", router, sub2);
            await lab.OpenStackAsync(Central, true, "router", "delete", router);
            var deleted = router;
            router = null;
            await SettledAsync(admin);
            Assert.Null(await BridgeAsync(demo.ProjectId));
            foreach (var region in lab.Cloud.Regions)
            {
                Assert.Empty(await ListByNameAsync(region, "router", deleted));
                Assert.Empty(await ListByNameAsync(region, "network", bridge.Network));
            }

            foreach (var server in servers)
            {
                await lab.OpenStackAsync(Central, true, "server", "delete", "--wait", server);
            }

            servers.Clear();
            foreach (var (network, asDemo) in new[] { (net1, true), (net2, true), (external, false) })
            {
                await lab.OpenStackAsync(Central, asDemo, "network", "delete", network);
            }

            var networks = new[] { net1, net2, external };
            (net1, net2, external) = (null, null, null);
            await SettledAsync(admin);
            foreach (var region in lab.Cloud.Regions)
            {
                foreach (var network in networks.Append(bridge.Network))
                {
                    Assert.Empty(await ListByNameAsync(region, "network", network));
                }

                Assert.Empty(await ListByNameAsync(region, "router", deleted));
                Assert.Empty(await ListByNameAsync(region, "port", "shadow_port_" + port1));
                Assert.Null(await BottomFloatingIpAsync(region, floatingAddress));
            }

            await NoNewFailedJobsAsync(admin, failedBefore);
        }
        finally
        {
            // Whatever a failed run left, best effort and in the same order.
            var adminRc = lab.Cloud.Openrc(Central, false);
            var demoRc = lab.Cloud.Openrc(Central, true);
            var minutes = TimeSpan.FromMinutes(3);
            if (fip is not null)
            {
                await CliRunner.RunAsync("openstack", ["floating", "ip", "delete", fip], demoRc, minutes);
            }

            if (router is not null)
            {
                if (gatewaySet)
                {
                    await CliRunner.RunAsync("openstack", ["router", "unset", "--external-gateway", router], adminRc, minutes);
                }

                foreach (var subnet in new[] { sub1, sub2 }.OfType<string>())
                {
                    await CliRunner.RunAsync("openstack", ["router", "remove", "subnet", router, subnet], demoRc, minutes);
                }

                await CliRunner.RunAsync("openstack", ["router", "delete", router], demoRc, minutes);
            }

            foreach (var server in servers)
            {
                await CliRunner.RunAsync("openstack", ["server", "delete", "--wait", server], demoRc, minutes);
            }

            foreach (var network in new[] { net1, net2 }.OfType<string>())
            {
                await CliRunner.RunAsync("openstack", ["network", "delete", network], demoRc, minutes);
            }

            if (external is not null)
            {
                await CliRunner.RunAsync("openstack", ["network", "delete", external], adminRc, minutes);
            }

            // The demo project's default group went into the pods with the first port (as in the network walkthrough).
            var groups = await lab.OpenStackJsonAsync(Central, false, "security", "group", "list", "--project", demo.ProjectId);
            foreach (var group in groups.EnumerateArray().Where(g => g.GetProperty("Name").GetString() == "default"))
            {
                await CliRunner.RunAsync("openstack", ["security", "group", "delete", group.GetProperty("ID").GetString()!], adminRc, minutes);
            }

            await lab.OpenStackAsync(Central, false, "flavor", "delete", flavorId);
            await lab.ForgetBindingsAsync(admin, demo.ProjectId);
        }
    }

    /// <summary>A demo network hinted to one AZ; its id.</summary>
    private async Task<string> NetworkAsync(string name, string az) =>
        (await lab.OpenStackJsonAsync(Central, true, "network", "create", "--availability-zone-hint", az, name)).GetProperty("id").GetString()!;

    private async Task<string> SubnetAsync(string network, string cidr) =>
        (await lab.OpenStackJsonAsync(Central, true, "subnet", "create", "--network", network, "--subnet-range", cidr, network + "-sub")).GetProperty("id").GetString()!;

    /// <summary>The server's one central port: its id and IPv4 address.</summary>
    private async Task<(string Port, string Address)> ServerPortAsync(string server)
    {
        var listed = Assert.Single((await lab.OpenStackJsonAsync(Central, false, "port", "list", "--device-id", server)).EnumerateArray());
        var port = await lab.OpenStackJsonAsync(Central, false, "port", "show", listed.GetProperty("ID").GetString()!);
        return (port.GetProperty("id").GetString()!, port.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString()!);
    }

    /// <summary>
    /// Waits until Tricircle's jobs have settled: none NEW (a retry waiting included) or RUNNING,
    /// through the Admin API, for at most five minutes.
    /// </summary>
    private async Task SettledAsync(string token)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var pending = new List<string>();
            foreach (var status in (string[])["new", "running"])
            {
                var jobs = await lab.AdminAsync(HttpMethod.Get, "jobs?status=" + status, token);
                pending.AddRange(jobs.GetProperty("jobs").EnumerateArray().Select(j => j.ToString()));
            }

            if (pending.Count == 0)
            {
                return;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(5), "jobs still pending:\n" + string.Join('\n', pending) + "\nservice:\n" + lab.Output);
            await Task.Delay(1000);
        }
    }

    /// <summary>Every job that ended in FAIL: its id, type, resource and error.</summary>
    /// <summary>No job failed since <paramref name="before"/>; else each new one in full, with its runs' errors and the service's log.</summary>
    private async Task NoNewFailedJobsAsync(string token, List<string> before)
    {
        var now = await FailedJobsAsync(token);
        if (!now.SequenceEqual(before))
        {
            var details = new List<string>();
            foreach (var job in now.Except(before))
            {
                var id = JsonDocument.Parse(job).RootElement.GetProperty("id").GetString();
                details.Add((await lab.AdminAsync(HttpMethod.Get, "jobs/" + id, token)).ToString());
            }

            Assert.Fail($"jobs failed:\n{string.Join('\n', details)}\nservice:\n{lab.Output}");
        }
    }

    private async Task<List<string>> FailedJobsAsync(string token) =>
        [.. (await lab.AdminAsync(HttpMethod.Get, "jobs?status=fail", token)).GetProperty("jobs").EnumerateArray().Select(j => j.ToString()).Order(StringComparer.Ordinal)];

    /// <summary>The project's central bridge (admin's view): network id, VNI and its subnet's CIDR; null when there is none.</summary>
    private async Task<Bridge?> BridgeAsync(string project)
    {
        var networks = await lab.OpenStackJsonAsync(Central, false, "network", "list", "--name", "bridge_net_" + project);
        if (networks.GetArrayLength() == 0)
        {
            return null;
        }

        var id = Assert.Single(networks.EnumerateArray()).GetProperty("ID").GetString()!;
        var network = await lab.OpenStackJsonAsync(Central, false, "network", "show", id);
        Assert.Equal("vxlan", network.GetProperty("provider:network_type").GetString());
        var subnet = Assert.Single((await lab.OpenStackJsonAsync(Central, false, "subnet", "list", "--network", id)).EnumerateArray());
        return new Bridge(id, network.GetProperty("provider:segmentation_id").GetInt32(), subnet.GetProperty("Subnet").GetString()!);
    }

    /// <summary>
    /// The bridge's copy in the region's real Neutron: named after the central id, external, VxLAN
    /// with the central VNI (outside the region's own vni_ranges: an admin's segment may take any),
    /// with the central CIDR.
    /// </summary>
    private async Task AssertBridgeInRegionAsync(string region, Bridge bridge)
    {
        var shown = await lab.OpenStackJsonAsync(region, false, "network", "show", await BottomIdAsync(region, "network", bridge.Network));
        var external = shown.GetProperty("router:external");
        Assert.True(external.ValueKind == JsonValueKind.True || external.ToString() == "External", shown.ToString());
        Assert.Equal("vxlan", shown.GetProperty("provider:network_type").GetString());
        Assert.Equal(bridge.Segment, shown.GetProperty("provider:segmentation_id").GetInt32());
        var subnet = Assert.Single((await lab.OpenStackJsonAsync(region, false, "subnet", "list", "--network", shown.GetProperty("id").GetString()!)).EnumerateArray());
        Assert.Equal(bridge.Cidr, subnet.GetProperty("Subnet").GetString());
    }

    /// <summary>The copy's gateway on the bridge: its one IP (in the bridge's CIDR) and enable_snat.</summary>
    private static (string Ip, bool Snat) BridgeGateway(JsonElement copy, Bridge bridge, string bottomBridge)
    {
        var gateway = copy.GetProperty("external_gateway_info");
        Assert.True(gateway.ValueKind == JsonValueKind.Object, copy.ToString());
        Assert.Equal(bottomBridge, gateway.GetProperty("network_id").GetString());
        var ip = Assert.Single(gateway.GetProperty("external_fixed_ips").EnumerateArray()).GetProperty("ip_address").GetString()!;
        Assert.StartsWith(bridge.Cidr[..bridge.Cidr.LastIndexOf('.')], ip, StringComparison.Ordinal);
        return (ip, gateway.GetProperty("enable_snat").GetBoolean());
    }

    /// <summary>The ids of the region's resources of a kind named <paramref name="name"/> (copies are named after the central id).</summary>
    private async Task<List<string>> ListByNameAsync(string region, string kind, string name) =>
        [.. (await lab.OpenStackJsonAsync(region, false, kind, "list", "--name", name)).EnumerateArray().Select(e => e.GetProperty("ID").GetString()!)];

    private async Task<string> BottomIdAsync(string region, string kind, string centralId) => Assert.Single(await ListByNameAsync(region, kind, centralId));

    /// <summary>The router's copy as the region's Neutron shows it.</summary>
    private async Task<JsonElement> CopyAsync(string region, string router) =>
        await lab.OpenStackJsonAsync(region, false, "router", "show", await BottomIdAsync(region, "router", router));

    /// <summary>The addresses of the copy's interfaces (its gateway port excluded), sorted.</summary>
    private async Task<List<string>> InterfaceIpsAsync(string region, JsonElement copy)
    {
        var ports = await lab.OpenStackJsonAsync(region, false, "port", "list", "--router", copy.GetProperty("id").GetString()!, "--device-owner", "network:router_interface");
        var ips = new List<string>();
        foreach (var port in ports.EnumerateArray())
        {
            var shown = await lab.OpenStackJsonAsync(region, false, "port", "show", port.GetProperty("ID").GetString()!);
            ips.AddRange(shown.GetProperty("fixed_ips").EnumerateArray().Select(f => f.GetProperty("ip_address").GetString()!));
        }

        return [.. ips.Order(StringComparer.Ordinal)];
    }

    /// <summary>The region's floating IP at that address, or null.</summary>
    private async Task<JsonElement?> BottomFloatingIpAsync(string region, string address)
    {
        var listed = (await lab.OpenStackJsonAsync(region, false, "floating", "ip", "list", "--floating-ip-address", address)).EnumerateArray().ToList();
        return listed.Count == 0 ? null : await lab.OpenStackJsonAsync(region, false, "floating", "ip", "show", Assert.Single(listed).GetProperty("ID").GetString()!);
    }

    private static List<(string Destination, string Nexthop)> Routes(JsonElement copy) =>
        [.. copy.GetProperty("routes").EnumerateArray().Select(r => (r.GetProperty("destination").GetString()!, r.GetProperty("nexthop").GetString()!)).Order()];

    private sealed record Bridge(string Network, int Segment, string Cidr);
}
