using System.Text.Json.Nodes;
using Tricircle.Errors;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Network;

/// <summary>
/// Makes a router's copies in the pods what central state says (<see cref="RouterTopology"/>):
/// each pod's copy with its gateway, interfaces and routes; copies in pods the router no longer
/// reaches removed; the router's bridge ports and the project's bridge where still needed. Every
/// step compares with what the pod shows first, so a run after a crash, or with nothing changed,
/// costs two reads per pod (the copy, its interfaces). All pods are worked on at once; one that fails does not stop the others
/// (its error is thrown at the end, so the job runs again).
/// </summary>
internal sealed class RouterCopies(
    RouterStore routers,
    NetworkStore networks,
    SubnetStore subnets,
    PortStore ports,
    CentralPorts central,
    BridgeNetworks bridges,
    FloatingIpCopies floating,
    PodNetworks podNetworks,
    RoutingStore routings,
    ExternalHomes homes,
    ShadowPortSyncs shadowSyncs,
    PodStore pods)
{
    public async Task ConvergeAsync(string routerId, CancellationToken cancellationToken)
    {
        var allPods = (await pods.ListAsync(new Dictionary<string, string>(), cancellationToken)).Where(p => !p.IsCentral).ToDictionary(p => p.PodId, StringComparer.Ordinal);
        var existing = await routings.RowsAsync("router", [routerId], cancellationToken);
        var router = await routers.FindAsync(routerId, null, cancellationToken);
        var errors = new List<Exception>();
        var projectId = router?.ProjectId ?? (existing.Count > 0 ? existing[0].ProjectId : null) ?? "";
        var plan = new RouterPlan(new Dictionary<string, PodRouterPlan>(), false);
        if (router is not null)
        {
            var facts = await FactsAsync(router, allPods.Values.ToList(), cancellationToken);
            Bridge? bridge = null;
            var span = RouterTopology.Plan(facts, new Dictionary<string, string>());
            if (span.Spread)
            {
                bridge = await bridges.EnsureAsync(router.ProjectId, cancellationToken);
                foreach (var pod in span.Pods.Keys)
                {
                    await bridges.EnsurePortAsync(bridge, router.Id, pod, cancellationToken);
                }
            }

            var bridgePorts = await bridges.PortsAsync(router.Id, cancellationToken);
            plan = RouterTopology.Plan(facts, bridgePorts.ToDictionary(p => p.Key, p => p.Value.FixedIps[0].IpAddress, StringComparer.Ordinal));
            var context = new Context(router, facts, bridge, bridgePorts);
            var gatewayPod = facts.GatewayPodId is { } g ? allPods.GetValueOrDefault(g) : null;
            var networkIds = facts.Interfaces.Select(i => i.NetworkId).Distinct(StringComparer.Ordinal).ToList();
            var copiesBefore = await shadowSyncs.CopiesAsync(networkIds, cancellationToken);
            await floating.BeforeRouterAsync(router, gatewayPod, cancellationToken);
            await CollectAsync(errors, plan.Pods.Values.Where(p => allPods.ContainsKey(p.PodId)).Select(p => ConvergePodAsync(allPods[p.PodId], p, context, cancellationToken)));
            if (errors.Count == 0)
            {
                await CollectAsync(errors, [floating.AfterRouterAsync(router, gatewayPod, cancellationToken)]);
            }

            await shadowSyncs.QueueGrownAsync(networkIds, copiesBefore, cancellationToken);
        }

        await CollectAsync(errors, existing.Where(r => !plan.Pods.ContainsKey(r.PodId) && allPods.ContainsKey(r.PodId))
            .Select(r => TeardownAsync(allPods[r.PodId], routerId, r.BottomId, cancellationToken)));
        if (errors.Count == 0)
        {
            await bridges.DeletePortsAsync(routerId, plan.Spread ? plan.Pods.Keys.ToHashSet(StringComparer.Ordinal) : new HashSet<string>(), cancellationToken);
            await CollectAsync(errors, [CleanBridgeAsync(projectId, allPods, cancellationToken)]);
        }

        if (errors.Count > 0)
        {
            throw errors.Count == 1 ? errors[0] : new AggregateException(errors);
        }
    }

    private sealed record Context(RouterRow Router, RouterFacts Facts, Bridge? Bridge, IReadOnlyDictionary<string, PortRow> BridgePorts);

    private async Task<RouterFacts> FactsAsync(RouterRow router, IReadOnlyList<Pod> allPods, CancellationToken cancellationToken)
    {
        // An interface port always has an address: one read without any is being deleted (its row
        // read before the delete's commit, its addresses after), and its copy could not go on a router.
        var interfaces = (await routers.InterfacesAsync(router.Id, cancellationToken)).Where(p => p.FixedIps.Count > 0).Select(p => p.ToTop()).ToList();
        var networkIds = interfaces.Select(i => i.NetworkId).Distinct(StringComparer.Ordinal).ToList();
        var subnetsOf = new Dictionary<string, IReadOnlyList<TopSubnet>>(StringComparer.Ordinal);
        foreach (var networkId in networkIds)
        {
            subnetsOf[networkId] = await subnets.ListTopAsync(networkId, cancellationToken);
        }

        var instances = await ports.InstancesAsync(networkIds, cancellationToken);
        var podsOf = instances.GroupBy(i => i.NetworkId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlySet<string>)g.Select(i => i.PodId).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        var hints = router.Hints();
        var local = RouterPlacement.IsLocal(hints, allPods);
        var localPod = local ? allPods.First(p => p.RegionName == hints[0]).PodId : null;
        string? gatewayPod = null;
        IReadOnlyList<TopSubnet> gatewaySubnets = [];
        if (router.GwNetworkId is { } external && await networks.FindAsync(external, null, cancellationToken) is { } network)
        {
            gatewayPod = (await homes.PodOfAsync(network.ToTop(), cancellationToken))?.PodId;
            gatewaySubnets = await subnets.ListTopAsync(external, cancellationToken);
        }

        var targets = await floating.TargetsAsync(router.Id, cancellationToken);
        return new RouterFacts(local, localPod, interfaces, subnetsOf, podsOf, instances, router.GwNetworkId is not null, gatewayPod, gatewaySubnets, router.RouteList(), targets);
    }

    private async Task ConvergePodAsync(Pod pod, PodRouterPlan plan, Context context, CancellationToken cancellationToken)
    {
        var router = context.Router;
        var bottom = await podNetworks.EnsureRouterAsync(pod, router, cancellationToken);
        var copy = await podNetworks.ShowRouterAsync(pod, bottom, cancellationToken);
        if (copy is null)
        {
            // Deleted in the pod by hand: made again.
            await routings.ForgetAsync(router.Id, "router", pod.PodId, cancellationToken);
            bottom = await podNetworks.EnsureRouterAsync(pod, router, cancellationToken);
            copy = await podNetworks.ShowRouterAsync(pod, bottom, cancellationToken)
                ?? throw TricircleException.Unavailable($"The copy of router {router.Id} in pod {pod.RegionName} went as it was made.");
        }

        var gateway = plan.Gateway switch
        {
            GatewayKind.External => await ExternalGatewayAsync(pod, router, cancellationToken),
            GatewayKind.Bridge => await BridgeGatewayAsync(pod, context, cancellationToken),
            _ => null,
        };
        var currentGateway = copy["external_gateway_info"] as JsonObject;
        var wanted = plan.Interfaces.ToDictionary(i => i.Id, StringComparer.Ordinal);
        var bridgePort = plan.BridgeInterface ? context.BridgePorts[pod.PodId] : null;
        var have = await podNetworks.RouterInterfacesAsync(pod, bottom, cancellationToken);
        var extras = have.Where(p => !wanted.ContainsKey(Name(p)) && Name(p) != bridgePort?.Id).ToList();

        // 1. Routes that are not to stay go first when an interface goes: a next hop they need may
        // be on it. When the gateway changes (taken off, then set), every route goes first, even
        // one that is to stay: real Neutron checks a router's routes when it sets a gateway and
        // refuses one whose next hop none of its subnets has yet (400 InvalidRoutes "the nexthop is
        // not connected with router"), as in the external network's pod, where the bridge moves
        // from the gateway to an interface (added in step 3) while the routes through it stay the
        // same. Step 4 sets them again.
        var current = Routes(copy["routes"]);
        var keep = current.Where(plan.Routes.Contains).ToList();
        if (currentGateway is not null && !SameGateway(currentGateway, gateway))
        {
            keep = [];
        }

        if (keep.Count != current.Count && (extras.Count > 0 || (currentGateway is not null && !SameGateway(currentGateway, gateway))))
        {
            await podNetworks.SetRouterRoutesAsync(pod, bottom, keep, cancellationToken);
            current = keep;
        }

        // 2. The gateway.
        if (!SameGateway(currentGateway, gateway))
        {
            if (currentGateway is not null && gateway is not null)
            {
                await podNetworks.SetRouterGatewayAsync(pod, bottom, null, cancellationToken); // another network or address: off, then on
            }

            await podNetworks.SetRouterGatewayAsync(pod, bottom, gateway, cancellationToken);
        }

        // 3. Interfaces: each a copy of a central interface port (its name), the bridge's in the gateway's pod.
        foreach (var extra in extras)
        {
            await podNetworks.RemoveRouterInterfaceAsync(pod, bottom, Id(extra), cancellationToken);
            await routings.ForgetAsync(Name(extra), "port", pod.PodId, cancellationToken); // Neutron deleted it with the interface
        }

        var haveNames = have.Select(Name).ToHashSet(StringComparer.Ordinal);
        foreach (var missing in plan.Interfaces.Where(i => !haveNames.Contains(i.Id)))
        {
            var network = await networks.FindTopAsync(missing.NetworkId, cancellationToken) ?? throw NeutronErrors.NotFound("Network", missing.NetworkId);
            var portCopy = await podNetworks.EnsureInterfacePortAsync(pod, await central.MaterialAsync(missing, network, cancellationToken), cancellationToken);
            await podNetworks.AddRouterInterfaceAsync(pod, bottom, portCopy, cancellationToken);
        }

        if (bridgePort is not null && !haveNames.Contains(bridgePort.Id))
        {
            var (bridgeNetwork, bridgeSubnet) = await podNetworks.EnsureBridgeAsync(pod, context.Bridge!, cancellationToken);
            var portCopy = await podNetworks.EnsureBridgePortAsync(pod, bridgePort, bridgeNetwork, bridgeSubnet, cancellationToken);
            await podNetworks.AddRouterInterfaceAsync(pod, bottom, portCopy, cancellationToken);
        }

        // 4. The routes, now that their next hops are there; 5. the copy's own attributes.
        if (!current.ToHashSet().SetEquals(plan.Routes))
        {
            await podNetworks.SetRouterRoutesAsync(pod, bottom, plan.Routes, cancellationToken);
        }

        if (copy["admin_state_up"]?.GetValue<bool>() != router.AdminStateUp || (copy["description"]?.ToString() ?? "") != router.Description)
        {
            await podNetworks.UpdateAsync(pod, "routers", "router", bottom, new JsonObject { ["admin_state_up"] = router.AdminStateUp, ["description"] = router.Description }, cancellationToken);
        }
    }

    /// <summary>The real external gateway: the external network's copy with its subnets, the central gateway port's addresses.</summary>
    private async Task<JsonObject> ExternalGatewayAsync(Pod pod, RouterRow router, CancellationToken cancellationToken)
    {
        var external = await networks.FindTopAsync(router.GwNetworkId!, cancellationToken) ?? throw NeutronErrors.NotFound("Network", router.GwNetworkId!);
        var ofNetwork = await subnets.ListTopAsync(external.Id, cancellationToken);
        var (networkId, subnetIds) = await podNetworks.EnsureNetworkWithSubnetsAsync(pod, external, ofNetwork, await central.DhcpPortsAsync(external, ofNetwork, cancellationToken), cancellationToken);
        var gatewayPort = router.GwPortId is { } id ? await ports.FindTopAsync(id, cancellationToken) : null;
        return new JsonObject
        {
            ["network_id"] = networkId,
            ["enable_snat"] = router.EnableSnat,
            ["external_fixed_ips"] = new JsonArray([.. (gatewayPort?.FixedIps ?? []).Where(f => subnetIds.ContainsKey(f.SubnetId))
                .Select(f => (JsonNode)new JsonObject { ["subnet_id"] = subnetIds[f.SubnetId], ["ip_address"] = f.IpAddress })]),
        };
    }

    /// <summary>The bridge as gateway: the router's bridge IP in this pod, no SNAT (only the real gateway translates).</summary>
    private async Task<JsonObject> BridgeGatewayAsync(Pod pod, Context context, CancellationToken cancellationToken)
    {
        var (networkId, subnetId) = await podNetworks.EnsureBridgeAsync(pod, context.Bridge!, cancellationToken);
        return new JsonObject
        {
            ["network_id"] = networkId,
            ["enable_snat"] = false,
            ["external_fixed_ips"] = new JsonArray(new JsonObject { ["subnet_id"] = subnetId, ["ip_address"] = context.BridgePorts[pod.PodId].FixedIps[0].IpAddress }),
        };
    }

    /// <summary>Removes a router's copy from a pod: routes, interfaces and gateway first (the pod refuses otherwise).</summary>
    private async Task TeardownAsync(Pod pod, string routerId, string? bottom, CancellationToken cancellationToken)
    {
        if (bottom is null)
        {
            throw TricircleException.Unavailable($"The copy of router {routerId} in pod {pod.RegionName} is still being made.");
        }

        if (await podNetworks.ShowRouterAsync(pod, bottom, cancellationToken) is { } copy)
        {
            await floating.ReleaseRouterAsync(pod, bottom, cancellationToken);
            if (Routes(copy["routes"]).Count > 0)
            {
                await podNetworks.SetRouterRoutesAsync(pod, bottom, [], cancellationToken);
            }

            foreach (var port in await podNetworks.RouterInterfacesAsync(pod, bottom, cancellationToken))
            {
                await podNetworks.RemoveRouterInterfaceAsync(pod, bottom, Id(port), cancellationToken);
                await routings.ForgetAsync(Name(port), "port", pod.PodId, cancellationToken);
            }

            if (copy["external_gateway_info"] is JsonObject)
            {
                await podNetworks.SetRouterGatewayAsync(pod, bottom, null, cancellationToken);
            }
        }

        await podNetworks.DeleteRouterCopyAsync(pod, routerId, bottom, cancellationToken);
    }

    /// <summary>
    /// The project's bridge copies in pods where no router of it has a bridge port any more go,
    /// and the central bridge with the last. A pod that still uses a copy (another router took
    /// it meanwhile) keeps it: its 409 is no failure.
    /// </summary>
    private async Task CleanBridgeAsync(string projectId, Dictionary<string, Pod> allPods, CancellationToken cancellationToken)
    {
        if (projectId.Length == 0 || await bridges.FindAsync(projectId, cancellationToken) is not { } bridge)
        {
            return;
        }

        var inUse = await bridges.PodsInUseAsync(bridge, cancellationToken);
        var copies = await routings.RowsAsync("network", [bridge.Network.Id], cancellationToken);
        foreach (var row in copies.Where(r => !inUse.Contains(r.PodId) && allPods.ContainsKey(r.PodId)))
        {
            try
            {
                await podNetworks.DeleteNetworkCopyAsync(allPods[row.PodId], bridge.Network.Id, cancellationToken);
            }
            catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status409Conflict)
            {
                // In use there again.
            }
        }

        if (inUse.Count == 0 && (await routings.RowsAsync("network", [bridge.Network.Id], cancellationToken)).Count == 0)
        {
            try
            {
                await bridges.DeleteAsync(bridge, cancellationToken);
            }
            catch (TricircleException e) when (e.Kind == ErrorKind.Conflict)
            {
                // A router of the project took a bridge port meanwhile.
            }
        }
    }

    private static async Task CollectAsync(List<Exception> errors, IEnumerable<Task> work)
    {
        var tasks = work.ToList();
        try
        {
            await Task.WhenAll(tasks);
        }
        catch (Exception)
        {
            errors.AddRange(tasks.Where(t => t.IsFaulted).SelectMany(t => t.Exception!.InnerExceptions));
            if (tasks.Any(t => t.IsCanceled))
            {
                throw;
            }
        }
    }

    /// <summary>Whether a copy's gateway is the one wanted: the same network, SNAT and addresses.</summary>
    public static bool SameGateway(JsonObject? current, JsonObject? wanted)
    {
        if (current is null || wanted is null)
        {
            return current is null && wanted is null;
        }

        static HashSet<string> Addresses(JsonObject info) =>
            (info["external_fixed_ips"] as JsonArray ?? []).OfType<JsonObject>().Select(f => Ipam.Canonical(f["ip_address"]?.ToString() ?? "")).ToHashSet(StringComparer.Ordinal);
        return current["network_id"]?.ToString() == wanted["network_id"]?.ToString()
            && (current["enable_snat"] is not JsonValue snat || snat.GetValue<bool>() == wanted["enable_snat"]!.GetValue<bool>())
            && Addresses(current).SetEquals(Addresses(wanted));
    }

    private static List<HostRoute> Routes(JsonNode? routes) =>
        [.. (routes as JsonArray ?? []).OfType<JsonObject>().Select(r => new HostRoute(r["destination"]?.ToString() ?? "", Ipam.Canonical(r["nexthop"]?.ToString() ?? "")))];

    private static string Name(JsonObject port) => port["name"]?.ToString() ?? "";

    private static string Id(JsonObject port) => port["id"]?.ToString() ?? "";
}
