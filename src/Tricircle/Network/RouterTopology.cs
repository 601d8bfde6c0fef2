using System.Numerics;

namespace Tricircle.Network;

/// <summary>An instance's address on a network a router is attached to, and the pod its port is in.</summary>
internal sealed record InstanceAddress(string NetworkId, string IpAddress, string PodId);

/// <summary>A floating IP of the router whose port is in <paramref name="PodId"/>.</summary>
internal sealed record FloatingTarget(string FloatingIpId, string PortId, string NetworkId, string PodId);

/// <summary>What a router is, centrally, as far as its copies in the pods depend on it.</summary>
internal sealed record RouterFacts(
    bool Local,
    string? LocalPodId,
    IReadOnlyList<TopPort> Interfaces,
    IReadOnlyDictionary<string, IReadOnlyList<TopSubnet>> SubnetsOfNetwork,
    IReadOnlyDictionary<string, IReadOnlySet<string>> PodsOfNetwork,
    IReadOnlyList<InstanceAddress> Instances,
    bool HasGateway,
    string? GatewayPodId,
    IReadOnlyList<TopSubnet> GatewaySubnets,
    IReadOnlyList<HostRoute> Routes,
    IReadOnlyList<FloatingTarget> Floating);

/// <summary>How a router's gateway is in one pod.</summary>
internal enum GatewayKind
{
    None,

    /// <summary>The real external network (the external gateway's pod, or a router living in one pod).</summary>
    External,

    /// <summary>The project's bridge network, with the router's bridge IP and no SNAT.</summary>
    Bridge,
}

/// <summary>A router's copy in one pod: its gateway, whether it has the bridge as an interface, the central interface ports it holds, and its routes.</summary>
internal sealed record PodRouterPlan(string PodId, GatewayKind Gateway, bool BridgeInterface, IReadOnlyList<TopPort> Interfaces, IReadOnlyList<HostRoute> Routes);

/// <summary>Where a router lives and what each of its copies holds; <see cref="Spread"/>: its copies are joined by the bridge.</summary>
internal sealed record RouterPlan(IReadOnlyDictionary<string, PodRouterPlan> Pods, bool Spread);

/// <summary>
/// Tricircle's cross-pod L3 (spec §6.7), as a pure function of central state, so that one job
/// converges all of a router's copies and any run gives the same answer:
/// <list type="bullet">
/// <item>A <em>local</em> router lives in its one pod, with its networks and its gateway there.</item>
/// <item>Another router lives in every pod holding one of its networks (a network is in a pod once
/// a port there uses it), plus the external network's pod when it has a gateway. In one pod only,
/// it is that pod's router as it is. Over several (<em>spread</em>), each copy has a bridge IP on the
/// project's bridge network: the bridge is the gateway of every copy but the one in the external
/// gateway's pod, which has the real gateway and the bridge as an interface; every other copy routes
/// 0.0.0.0/0 to that one's bridge IP.</item>
/// <item>Each copy routes what lives in the other pods through their bridge IPs: a network found in
/// one other pod only by its CIDRs, otherwise (stretched, or here too without instances of its own)
/// address by address, so that each address reaches the pod it is in. A pod with instances of a
/// network of its own reaches that network's addresses in other pods over L2, as upstream.</item>
/// <item>A floating IP's port in another pod than the external gateway's is reached from there the
/// same way: its network gets a copy there (with a shadow of the port) and the routes.</item>
/// </list>
/// The bridge is IPv4: only IPv4 addresses get routes through it.
/// </summary>
internal static class RouterTopology
{
    public static RouterPlan Plan(RouterFacts facts, IReadOnlyDictionary<string, string> bridgeIps)
    {
        // Which networks each pod holds for the router.
        var networksIn = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        void Hold(string pod, string network)
        {
            if (!networksIn.TryGetValue(pod, out var set))
            {
                networksIn[pod] = set = new HashSet<string>(StringComparer.Ordinal);
            }

            set.Add(network);
        }

        var attached = facts.Interfaces.Select(i => i.NetworkId).ToHashSet(StringComparer.Ordinal);
        if (facts.Local)
        {
            if (facts.LocalPodId is { } local)
            {
                networksIn[local] = [];
                foreach (var network in attached)
                {
                    Hold(local, network);
                }
            }
        }
        else
        {
            foreach (var network in attached)
            {
                foreach (var pod in facts.PodsOfNetwork.GetValueOrDefault(network) ?? new HashSet<string>())
                {
                    Hold(pod, network);
                }
            }

            if (facts.HasGateway && facts.GatewayPodId is { } gatewayPod)
            {
                networksIn.TryAdd(gatewayPod, []);
                foreach (var target in facts.Floating.Where(f => f.PodId != gatewayPod && attached.Contains(f.NetworkId)))
                {
                    Hold(gatewayPod, target.NetworkId);
                }
            }
        }

        var spread = !facts.Local && networksIn.Count > 1;
        var plans = new Dictionary<string, PodRouterPlan>(StringComparer.Ordinal);
        foreach (var (pod, networks) in networksIn)
        {
            var realGateway = facts.HasGateway && facts.GatewayPodId == pod;
            var gateway = realGateway ? GatewayKind.External : spread ? GatewayKind.Bridge : GatewayKind.None;
            var interfaces = facts.Interfaces.Where(i => networks.Contains(i.NetworkId)).ToList();
            var routes = new List<HostRoute>();
            routes.AddRange(UserRoutes(facts, networks, realGateway));
            if (spread)
            {
                routes.AddRange(BridgeRoutes(facts, pod, networks, networksIn, bridgeIps));
                if (facts.HasGateway && facts.GatewayPodId is { } g && g != pod && bridgeIps.TryGetValue(g, out var exit))
                {
                    routes.Add(new HostRoute("0.0.0.0/0", exit));
                }
            }

            plans[pod] = new PodRouterPlan(pod, gateway, spread && realGateway, interfaces, [.. routes.Distinct().OrderBy(r => r.Destination, StringComparer.Ordinal).ThenBy(r => r.Nexthop, StringComparer.Ordinal)]);
        }

        return new RouterPlan(plans, spread);
    }

    /// <summary>The router's own routes whose next hop the copy is connected to (an interface's subnet, or the external gateway's).</summary>
    private static IEnumerable<HostRoute> UserRoutes(RouterFacts facts, IReadOnlySet<string> networks, bool realGateway)
    {
        var connected = networks.SelectMany(n => facts.SubnetsOfNetwork.GetValueOrDefault(n) ?? []).Select(s => Ipam.ParseCidr(s.Cidr)).ToList();
        if (realGateway)
        {
            connected.AddRange(facts.GatewaySubnets.Select(s => Ipam.ParseCidr(s.Cidr)));
        }

        return facts.Routes.Where(r => Ipam.TryParseAddress(r.Nexthop, out var hop, out var version) && connected.Any(c => c.Version == version && c.Contains(hop)));
    }

    private static IEnumerable<HostRoute> BridgeRoutes(
        RouterFacts facts, string pod, HashSet<string> here, IReadOnlyDictionary<string, HashSet<string>> networksIn, IReadOnlyDictionary<string, string> bridgeIps)
    {
        var byNetwork = facts.Instances.Where(i => IsV4(i.IpAddress)).GroupBy(i => i.NetworkId, StringComparer.Ordinal);
        foreach (var instances in byNetwork)
        {
            var network = instances.Key;
            if (!networksIn.Values.Any(n => n.Contains(network)) || instances.Any(i => i.PodId == pod))
            {
                continue; // not routed by this router, or reached over L2 here
            }

            var pods = instances.Select(i => i.PodId).Distinct(StringComparer.Ordinal).ToList();
            if (pods.Count == 1 && !here.Contains(network))
            {
                // The whole network is in one other pod: its CIDRs go there.
                if (!bridgeIps.TryGetValue(pods[0], out var hop))
                {
                    continue;
                }

                foreach (var subnet in (facts.SubnetsOfNetwork.GetValueOrDefault(network) ?? []).Where(s => s.IpVersion == 4))
                {
                    yield return new HostRoute(subnet.Cidr, hop);
                }

                continue;
            }

            foreach (var instance in instances)
            {
                if (bridgeIps.TryGetValue(instance.PodId, out var hop))
                {
                    yield return new HostRoute(instance.IpAddress + "/32", hop);
                }
            }
        }
    }

    private static bool IsV4(string address) => Ipam.TryParseAddress(address, out BigInteger _, out var version) && version == 4;
}
