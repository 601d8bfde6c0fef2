namespace Tricircle.Network;

/// <summary>Where a router's copies live and what each holds (spec §6.7), as a pure function of central state.</summary>
public sealed class RouterTopologyTests
{
    private static readonly Dictionary<string, string> BridgeIps = new(StringComparer.Ordinal) { ["p1"] = "100.0.0.11", ["p2"] = "100.0.0.12", ["p3"] = "100.0.0.13" };

    [Fact]
    public void NetworksInOnePodEach_AreRoutedByCidr_ThroughTheOtherPodsBridgeIp()
    {
        var plan = RouterTopology.Plan(Facts([Instance("a", "10.0.1.5", "p1"), Instance("b", "10.0.2.5", "p2")]), BridgeIps);

        Assert.True(plan.Spread);
        Assert.Equal(GatewayKind.Bridge, plan.Pods["p1"].Gateway);
        Assert.Equal([new HostRoute("10.0.2.0/24", "100.0.0.12")], plan.Pods["p1"].Routes);
        Assert.Equal([new HostRoute("10.0.1.0/24", "100.0.0.11")], plan.Pods["p2"].Routes);
        Assert.Equal(["a"], plan.Pods["p1"].Interfaces.Select(i => i.NetworkId));
    }

    [Fact]
    public void AStretchedNetwork_IsRoutedAddressByAddress_FromPodsWithoutItsInstances()
    {
        var plan = RouterTopology.Plan(Facts([Instance("a", "10.0.1.5", "p1"), Instance("b", "10.0.2.5", "p2"), Instance("b", "10.0.2.6", "p3")]), BridgeIps);

        Assert.Equal([new HostRoute("10.0.2.5/32", "100.0.0.12"), new HostRoute("10.0.2.6/32", "100.0.0.13")], plan.Pods["p1"].Routes);

        // p2 and p3 hold b's instances themselves: over L2 there, as upstream; a's CIDR through p1.
        Assert.Equal([new HostRoute("10.0.1.0/24", "100.0.0.11")], plan.Pods["p2"].Routes);
        Assert.Equal([new HostRoute("10.0.1.0/24", "100.0.0.11")], plan.Pods["p3"].Routes);
    }

    [Fact]
    public void TheExternalGatewaysPod_HasTheRealGatewayAndTheBridgeAsInterface_OthersRouteOutThroughIt()
    {
        var facts = Facts([Instance("a", "10.0.1.5", "p1")]) with { HasGateway = true, GatewayPodId = "p2" };

        var plan = RouterTopology.Plan(facts, BridgeIps);

        Assert.Equal(GatewayKind.External, plan.Pods["p2"].Gateway);
        Assert.True(plan.Pods["p2"].BridgeInterface);
        Assert.Equal([new HostRoute("10.0.1.0/24", "100.0.0.11")], plan.Pods["p2"].Routes);
        Assert.Equal(GatewayKind.Bridge, plan.Pods["p1"].Gateway);
        Assert.Equal([new HostRoute("0.0.0.0/0", "100.0.0.12")], plan.Pods["p1"].Routes);
    }

    [Fact]
    public void AllInOnePod_IsThatPodsRouter_WithoutBridge()
    {
        var facts = Facts([Instance("a", "10.0.1.5", "p1"), Instance("b", "10.0.2.5", "p1")]) with { HasGateway = true, GatewayPodId = "p1" };

        var plan = RouterTopology.Plan(facts, BridgeIps);

        Assert.False(plan.Spread);
        var only = Assert.Single(plan.Pods.Values);
        Assert.Equal(GatewayKind.External, only.Gateway);
        Assert.False(only.BridgeInterface);
        Assert.Empty(only.Routes);
    }

    [Fact]
    public void AFloatingIpsPortInAnotherPod_BringsItsNetworkToTheGatewaysPod_WithARouteToItsAddress()
    {
        var facts = Facts([Instance("a", "10.0.1.5", "p1")]) with
        {
            HasGateway = true,
            GatewayPodId = "p2",
            Floating = [new FloatingTarget("fip", "port", "a", "p1")],
        };

        var plan = RouterTopology.Plan(facts, BridgeIps);

        Assert.Equal(["a"], plan.Pods["p2"].Interfaces.Select(i => i.NetworkId));
        Assert.Equal([new HostRoute("10.0.1.5/32", "100.0.0.11")], plan.Pods["p2"].Routes);
    }

    [Fact]
    public void ALocalRouter_LivesInItsPodWithAllItsNetworks_EvenBeforeAnyInstance()
    {
        var facts = Facts([]) with { Local = true, LocalPodId = "p1" };

        var plan = RouterTopology.Plan(facts, BridgeIps);

        Assert.False(plan.Spread);
        Assert.Equal(["a", "b"], Assert.Single(plan.Pods.Values).Interfaces.Select(i => i.NetworkId).Order());
    }

    [Fact]
    public void UserRoutes_GoOnlyToCopiesConnectedToTheirNextHop()
    {
        var facts = Facts([Instance("a", "10.0.1.5", "p1"), Instance("b", "10.0.2.5", "p2")]) with { Routes = [new HostRoute("192.0.2.0/24", "10.0.2.200")] };

        var plan = RouterTopology.Plan(facts, BridgeIps);

        Assert.Contains(new HostRoute("192.0.2.0/24", "10.0.2.200"), plan.Pods["p2"].Routes);
        Assert.DoesNotContain(plan.Pods["p1"].Routes, r => r.Destination == "192.0.2.0/24");
    }

    private static InstanceAddress Instance(string network, string ip, string pod) => new(network, ip, pod);

    /// <summary>A router on networks a (10.0.1.0/24) and b (10.0.2.0/24), with these instances.</summary>
    private static RouterFacts Facts(IReadOnlyList<InstanceAddress> instances)
    {
        var subnets = new Dictionary<string, IReadOnlyList<TopSubnet>>(StringComparer.Ordinal)
        {
            ["a"] = [Subnet("a", "10.0.1.0/24")],
            ["b"] = [Subnet("b", "10.0.2.0/24")],
        };
        var pods = instances.GroupBy(i => i.NetworkId).ToDictionary(g => g.Key, g => (IReadOnlySet<string>)g.Select(i => i.PodId).ToHashSet(), StringComparer.Ordinal);
        return new RouterFacts(false, null, [Interface("a", "10.0.1.1"), Interface("b", "10.0.2.1")], subnets, pods, instances, false, null, [], [], []);
    }

    private static TopSubnet Subnet(string network, string cidr) => new("s-" + network, "p", network, "", "", 4, cidr, null, false, [], [], [], null, null);

    private static TopPort Interface(string network, string ip) =>
        new("i-" + network, "p", network, "", "", "fa:16:3e:00:00:01", [new FixedIp("s-" + network, ip)], [], [], false, true, "r", "network:router_interface", null);
}
