using System.Globalization;
using System.Text.Json.Nodes;
using Tricircle.Data;
using Tricircle.Errors;
using Tricircle.Identity;
using Tricircle.Jobs;
using Tricircle.Pods;

namespace Tricircle.Network;

/// <summary>
/// A router's interfaces: central ports on the tenant networks (device_owner
/// <c>network:router_interface</c>, device_id the router's id), as Neutron's
/// <c>add_router_interface</c>/<c>remove_router_interface</c> make and remove them.
/// </summary>
internal sealed class RouterInterfaces(RouterStore routers, PortStore ports, SubnetStore subnets, NetworkStore networks, PodStore pods, JobQueue jobs)
{
    /// <summary>By subnet: a new port holding the subnet's gateway IP.</summary>
    public async Task<JsonObject> AddSubnetAsync(RouterRow router, string subnetId, RequestContext caller, CancellationToken cancellationToken)
    {
        var subnet = await subnets.FindAsync(subnetId, caller, cancellationToken) ?? throw NeutronErrors.NotFound("Subnet", subnetId);
        if (subnet.GatewayIp is null)
        {
            throw RoutersApi.BadRouterRequest("Subnet for router interface must have a gateway IP");
        }

        var network = await networks.FindAsync(subnet.NetworkId, null, cancellationToken) ?? throw NeutronErrors.NotFound("Network", subnet.NetworkId);
        await CheckAttachableAsync(router, network, [subnet], cancellationToken);
        var batch = jobs.Begin();
        var port = await ports.CreateServicePortAsync(
            new PortRow { ProjectId = subnet.ProjectId, NetworkId = subnet.NetworkId, DeviceId = router.Id, DeviceOwner = PortStore.RouterInterfaceOwner, PortSecurityEnabled = false },
            [new FixedIpRequest(subnet.Id, subnet.GatewayIp)],
            routers.Touch(router.Id).Then(RouterSyncs.Of(batch, router)),
            cancellationToken);
        await batch.RunAsync(refusalsEnd: false, cancellationToken);
        return Info(router.Id, port);
    }

    /// <summary>By port: the caller's port without a device becomes the interface.</summary>
    public async Task<JsonObject> AddPortAsync(RouterRow router, string portId, RequestContext caller, CancellationToken cancellationToken)
    {
        var port = await ports.FindAsync(portId, caller, cancellationToken) ?? throw NeutronErrors.NotFound("Port", portId);
        if (port.DeviceId.Length > 0)
        {
            throw PortInUse(port);
        }

        if (port.FixedIps.Count == 0)
        {
            throw RoutersApi.BadRouterRequest("Router port must have at least one fixed IP");
        }

        var network = await networks.FindAsync(port.NetworkId, null, cancellationToken) ?? throw NeutronErrors.NotFound("Network", port.NetworkId);
        var portSubnets = new List<SubnetRow>();
        foreach (var subnetId in port.FixedIps.Select(f => f.SubnetId).Distinct(StringComparer.Ordinal))
        {
            portSubnets.Add(await subnets.FindAsync(subnetId, null, cancellationToken) ?? throw NeutronErrors.NotFound("Subnet", subnetId));
        }

        await CheckAttachableAsync(router, network, portSubnets, cancellationToken);
        var batch = jobs.Begin();
        if (!await ports.ClaimAsync(port.Id, router.Id, PortStore.RouterInterfaceOwner, routers.Touch(router.Id).Then(RouterSyncs.Of(batch, router)), cancellationToken))
        {
            throw PortInUse(port); // another device took it meanwhile
        }

        await batch.RunAsync(refusalsEnd: false, cancellationToken);
        return Info(router.Id, port);
    }

    /// <summary>Removes an interface (by subnet, by port or both), deleting its port as Neutron does.</summary>
    public async Task<JsonObject> RemoveAsync(RouterRow router, string? subnetId, string? portId, CancellationToken cancellationToken)
    {
        var interfaces = await routers.InterfacesAsync(router.Id, cancellationToken);
        PortRow port;
        if (portId is not null)
        {
            port = interfaces.FirstOrDefault(p => p.Id == portId)
                ?? throw TricircleException.NotFound($"Router {router.Id} does not have an interface with id {portId}", "RouterInterfaceNotFound");
            if (subnetId is not null && !port.FixedIps.Any(f => f.SubnetId == subnetId))
            {
                throw NotOnSubnet(router.Id, subnetId);
            }
        }
        else
        {
            port = interfaces.FirstOrDefault(p => p.FixedIps.Any(f => f.SubnetId == subnetId)) ?? throw NotOnSubnet(router.Id, subnetId!);
        }

        // extraroute: a route's next hop must stay reachable through what remains.
        var remaining = new List<IpCidr>();
        var staying = (await routers.PortsAsync(router.Id, cancellationToken)).Where(p => p.Id != port.Id).SelectMany(p => p.FixedIps)
            .Concat(portId is null ? port.FixedIps.Where(f => f.SubnetId != subnetId) : []);
        foreach (var other in staying.Select(f => f.SubnetId).Distinct(StringComparer.Ordinal))
        {
            if (await subnets.FindAsync(other, null, cancellationToken) is { } s)
            {
                remaining.Add(Ipam.ParseCidr(s.Cidr));
            }
        }

        foreach (var removed in port.FixedIps.Select(f => f.SubnetId).Where(id => portId is not null || id == subnetId).Distinct(StringComparer.Ordinal))
        {
            if (await subnets.FindAsync(removed, null, cancellationToken) is not { } subnet)
            {
                continue;
            }

            var cidr = Ipam.ParseCidr(subnet.Cidr);
            foreach (var route in router.RouteList())
            {
                if (Ipam.TryParseAddress(route.Nexthop, out var hop, out var version) && version == cidr.Version && cidr.Contains(hop) && !remaining.Any(r => r.Version == version && r.Contains(hop)))
                {
                    throw TricircleException.Conflict(
                        $"Router interface for subnet {removed} on router {router.Id} cannot be deleted, as it is required by one or more routes.", "RouterInterfaceInUseByRoute");
                }
            }
        }

        // The router's row is held first (Touch), then the floating IPs that need the interface are looked for.
        var batch = jobs.Begin();
        var leaving = portId is null ? [subnetId!] : port.FixedIps.Select(f => f.SubnetId).Distinct(StringComparer.Ordinal).ToList();
        var sync = routers.Touch(router.Id).Then(FloatingIpGuards.InterfaceUnused(router.Id, leaving)).Then(RouterSyncs.Of(batch, router));
        var rest = portId is null ? port.FixedIps.Where(f => f.SubnetId != subnetId).ToList() : [];
        if (rest.Count > 0)
        {
            // As Neutron: by subnet, a port on several subnets only leaves that one.
            await ports.UpdateAsync(port, [.. rest.Select(f => new FixedIpRequest(f.SubnetId, f.IpAddress))], null, sync, cancellationToken);
        }
        else
        {
            await ports.DeleteAsync(port.Id, sync, cancellationToken);
        }

        await batch.RunAsync(refusalsEnd: false, cancellationToken);
        return portId is null ? Info(router.Id, port, subnetId) : Info(router.Id, port);
    }

    /// <summary>
    /// Placement (spec §6.1) and Neutron's checks against what the router has: no second port on
    /// one subnet, no overlapping CIDRs.
    /// </summary>
    private async Task CheckAttachableAsync(RouterRow router, NetworkRow network, IReadOnlyList<SubnetRow> adding, CancellationToken cancellationToken)
    {
        var allPods = await pods.ListAsync(new Dictionary<string, string>(), cancellationToken);
        RouterPlacement.CheckNetwork(router.Hints(), network.Hints(), allPods);
        if (RouterPlacement.IsLocal(router.Hints(), allPods))
        {
            await CheckNotOnNonLocalRouterAsync(network, adding, allPods, cancellationToken);
        }

        var attached = (await routers.InterfacesAsync(router.Id, cancellationToken)).SelectMany(p => p.FixedIps).Select(f => f.SubnetId).Distinct(StringComparer.Ordinal).ToList();
        foreach (var subnet in adding)
        {
            if (attached.Contains(subnet.Id))
            {
                throw RoutersApi.BadRouterRequest($"Router already has a port on subnet {subnet.Id}");
            }
        }

        foreach (var otherId in attached)
        {
            if (await subnets.FindAsync(otherId, null, cancellationToken) is not { } other)
            {
                continue;
            }

            foreach (var subnet in adding.Where(s => Ipam.ParseCidr(s.Cidr).Overlaps(Ipam.ParseCidr(other.Cidr))))
            {
                throw RoutersApi.BadRouterRequest($"Cidr {subnet.Cidr} of subnet {subnet.Id} overlaps with cidr {other.Cidr} of subnet {other.Id}");
            }
        }
    }

    /// <summary>
    /// Tricircle's <c>NetAttachedToNonLocalRouter</c>: a subnet whose gateway IP a non-local router
    /// holds (its default gateway in every pod) cannot also be routed by a local router.
    /// </summary>
    private async Task CheckNotOnNonLocalRouterAsync(NetworkRow network, IReadOnlyList<SubnetRow> adding, IReadOnlyList<Pod> allPods, CancellationToken cancellationToken)
    {
        var gateways = adding.Where(s => s.GatewayIp is not null).Select(s => (s.Id, Ip: Ipam.Canonical(s.GatewayIp!))).ToHashSet();
        foreach (var (otherId, _) in await routers.OnNetworksAsync([network.Id], cancellationToken))
        {
            if (await routers.FindAsync(otherId, null, cancellationToken) is not { } other || RouterPlacement.IsLocal(other.Hints(), allPods))
            {
                continue;
            }

            var held = (await routers.InterfacesAsync(otherId, cancellationToken)).SelectMany(p => p.FixedIps);
            if (held.Any(f => gateways.Contains((f.SubnetId, Ipam.Canonical(f.IpAddress)))))
            {
                throw TricircleException.Conflict($"Network {network.Id} has already been attached to non local router {otherId}", "NetAttachedToNonLocalRouter");
            }
        }
    }

    private static TricircleException PortInUse(PortRow port) =>
        TricircleException.Conflict(
            $"Unable to complete operation on port {port.Id} for network {port.NetworkId}. Port already has an attached device {port.DeviceId}.", "PortInUse");

    private static TricircleException NotOnSubnet(string routerId, string subnetId) =>
        TricircleException.NotFound($"Router {routerId} has no interface on subnet {subnetId}", "RouterInterfaceNotFoundForSubnet");

    /// <summary>Neutron's answer to an interface change (<paramref name="onlySubnet"/>: a removal by subnet names that one).</summary>
    private static JsonObject Info(string routerId, PortRow port, string? onlySubnet = null)
    {
        var subnetIds = onlySubnet is not null ? [onlySubnet] : port.FixedIps.Select(f => f.SubnetId).Distinct(StringComparer.Ordinal).ToList();
        return new JsonObject
        {
            ["id"] = routerId,
            ["tenant_id"] = port.ProjectId,
            ["project_id"] = port.ProjectId,
            ["port_id"] = port.Id,
            ["network_id"] = port.NetworkId,
            ["subnet_id"] = subnetIds.Count > 0 ? subnetIds[^1] : null,
            ["subnet_ids"] = new JsonArray([.. subnetIds.Select(s => (JsonNode)s)]),
        };
    }
}

/// <summary>Extraroute's checks of a router's <c>routes</c> (Neutron's <c>InvalidRoutes</c>).</summary>
internal static class RouteRules
{
    // Neutron's max_routes default.
    private const int MaxRoutes = 30;

    /// <summary>The routes of a body, each a destination CIDR and a next hop address (400 InvalidInput as Neutron's hostroutes validator).</summary>
    public static List<HostRoute> Parse(JsonArray items, string routerId)
    {
        var routes = new List<HostRoute>();
        foreach (var item in items)
        {
            var route = Hosting.Body.Of(item!.AsObject());
            var destination = route.String("destination");
            var nexthop = route.String("nexthop");
            if (destination is null || nexthop is null)
            {
                throw NeutronErrors.InvalidInput("Validation of dictionary's keys failed. Expected keys: {'destination', 'nexthop'}");
            }

            var cidr = NeutronAddresses.RouteCidr(destination, "routes");
            _ = Ipam.ParseAddress(nexthop, "routes");
            var parsed = new HostRoute(cidr.ToString(), Ipam.Canonical(nexthop));
            if (routes.Contains(parsed))
            {
                throw NeutronErrors.InvalidInput($"Duplicate hostroute '{Python(parsed)}'");
            }

            routes.Add(parsed);
        }

        if (routes.Count > MaxRoutes)
        {
            throw TricircleException.Invalid($"Unable to complete operation for {routerId}. The number of routes exceeds the maximum {MaxRoutes}.", "RoutesExhausted");
        }

        return routes;
    }

    /// <summary>
    /// <see cref="Check"/> inside a gateway change's transaction, against the ports the router has
    /// there (the new gateway's included): refused routes roll the gateway change back too.
    /// </summary>
    public static InTransaction CheckIn(IReadOnlyList<HostRoute> routes, string routerId) => async (connection, tx, cancellationToken) =>
    {
        var routerPorts = (await PortStore.OfDeviceAsync(connection, tx, [routerId], null, cancellationToken)).Where(p => p.DeviceOwner != BridgeNetworks.BridgePortOwner).ToList();
        var held = routerPorts.SelectMany(p => p.FixedIps).Select(f => f.SubnetId).ToHashSet(StringComparer.Ordinal);
        var routerSubnets = new List<SubnetRow>();
        foreach (var network in routerPorts.Select(p => p.NetworkId).Distinct(StringComparer.Ordinal))
        {
            routerSubnets.AddRange((await SubnetStore.OfNetworkAsync(connection, tx, network, cancellationToken)).Where(s => held.Contains(s.Id)));
        }

        Check(routes, routerPorts, routerSubnets);
    };

    /// <summary>Each next hop must be on a subnet the router has a port on, and not one of the router's own addresses.</summary>
    public static void Check(IReadOnlyList<HostRoute> routes, IReadOnlyList<PortRow> routerPorts, IReadOnlyList<SubnetRow> routerSubnets)
    {
        var cidrs = routerSubnets.Select(s => Ipam.ParseCidr(s.Cidr)).ToList();
        var own = routerPorts.SelectMany(p => p.FixedIps).Select(f => Ipam.Canonical(f.IpAddress)).ToHashSet(StringComparer.Ordinal);
        foreach (var route in routes)
        {
            _ = Ipam.TryParseAddress(route.Nexthop, out var hop, out var version);
            if (!cidrs.Any(c => c.Version == version && c.Contains(hop)))
            {
                throw Invalid(route, "the nexthop is not connected with router");
            }

            if (own.Contains(route.Nexthop))
            {
                throw Invalid(route, "the nexthop is used by router");
            }
        }
    }

    private static TricircleException Invalid(HostRoute route, string reason) =>
        TricircleException.Invalid($"Invalid format for routes: [{Python(route)}], {reason}.", "InvalidRoutes");

    private static string Python(HostRoute route) =>
        string.Format(CultureInfo.InvariantCulture, "{{'destination': '{0}', 'nexthop': '{1}'}}", route.Destination, route.Nexthop);
}
