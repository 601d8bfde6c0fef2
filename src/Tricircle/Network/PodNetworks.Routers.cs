using System.Text.Json.Nodes;
using Tricircle.Pods;

namespace Tricircle.Network;

/// <summary>
/// A central router's copy in a pod's Neutron and what hangs on it: the copy itself (named after
/// the central id), its gateway, its interfaces (copies of the central interface ports, added
/// by port so that they keep the central addresses), its routes, and the project's bridge
/// network, which a pod holds as an external network so that a router can take it as gateway.
/// </summary>
internal sealed partial class PodNetworks
{
    public const string RouterInterfaceOwner = "network:router_interface";

    /// <summary>The router's copy in the pod, made (or found by name) when missing.</summary>
    public Task<string> EnsureRouterAsync(Pod pod, RouterRow router, CancellationToken cancellationToken) =>
        copies.EnsureAsync("router", router.Id, pod, router.ProjectId, async ct =>
            await FindByNameAsync(pod, "routers", router.Id, ct) ?? await CreateAsync(pod, "routers", "router", new JsonObject
            {
                ["name"] = router.Id,
                ["description"] = router.Description,
                ["admin_state_up"] = router.AdminStateUp,
                ["project_id"] = router.ProjectId,
            }, ct), cancellationToken);

    /// <summary>The router's copy as the pod shows it, or null when the pod has none by that id.</summary>
    public async Task<JsonObject?> ShowRouterAsync(Pod pod, string bottomId, CancellationToken cancellationToken)
    {
        try
        {
            return (await SendAsync(pod, HttpMethod.Get, "routers/" + Uri.EscapeDataString(bottomId), null, cancellationToken))?["router"] as JsonObject;
        }
        catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status404NotFound)
        {
            return null;
        }
    }

    /// <summary>The interface ports of a router's copy (its gateway port excluded).</summary>
    public async Task<IReadOnlyList<JsonObject>> RouterInterfacesAsync(Pod pod, string bottomId, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(pod, HttpMethod.Get, $"ports?device_id={Uri.EscapeDataString(bottomId)}&device_owner={Uri.EscapeDataString(RouterInterfaceOwner)}", null, cancellationToken);
        return [.. (answer?["ports"] as JsonArray ?? []).OfType<JsonObject>()];
    }

    /// <summary>Sets the copy's gateway (null: none).</summary>
    public Task SetRouterGatewayAsync(Pod pod, string bottomId, JsonObject? gateway, CancellationToken cancellationToken) =>
        UpdateAsync(pod, "routers", "router", bottomId, new JsonObject { ["external_gateway_info"] = gateway ?? new JsonObject() }, cancellationToken);

    public Task SetRouterRoutesAsync(Pod pod, string bottomId, IEnumerable<HostRoute> routes, CancellationToken cancellationToken) =>
        UpdateAsync(pod, "routers", "router", bottomId, new JsonObject
        {
            ["routes"] = new JsonArray([.. routes.Select(r => (JsonNode)new JsonObject { ["destination"] = r.Destination, ["nexthop"] = r.Nexthop })]),
        }, cancellationToken);

    public Task AddRouterInterfaceAsync(Pod pod, string bottomId, string bottomPortId, CancellationToken cancellationToken) =>
        SendAsync(pod, HttpMethod.Put, $"routers/{Uri.EscapeDataString(bottomId)}/add_router_interface", new JsonObject { ["port_id"] = bottomPortId }, cancellationToken);

    /// <summary>Removes an interface (Neutron deletes its port); gone already is fine.</summary>
    public async Task RemoveRouterInterfaceAsync(Pod pod, string bottomId, string bottomPortId, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(pod, HttpMethod.Put, $"routers/{Uri.EscapeDataString(bottomId)}/remove_router_interface", new JsonObject { ["port_id"] = bottomPortId }, cancellationToken);
        }
        catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status404NotFound)
        {
            // Not on the router (or no such port) any more: what removing wanted.
        }
    }

    /// <summary>Deletes the router's copy (after its interfaces and gateway went) and forgets it.</summary>
    public async Task DeleteRouterCopyAsync(Pod pod, string topRouterId, string bottomId, CancellationToken cancellationToken)
    {
        await DeleteAsync(pod, "routers/" + Uri.EscapeDataString(bottomId), cancellationToken);
        await routings.ForgetAsync(topRouterId, "router", pod.PodId, cancellationToken);
    }

    /// <summary>
    /// An interface port's copy in the pod, with its network and subnets: the central port's
    /// address and MAC, no security groups (a router's port has none), not yet on the router.
    /// </summary>
    public async Task<string> EnsureInterfacePortAsync(Pod pod, PortMaterial material, CancellationToken cancellationToken)
    {
        var (networkId, subnets) = await EnsureNetworkWithSubnetsAsync(pod, material.Network, material.Subnets, material.DhcpPorts, cancellationToken);
        var port = material.Port;
        return await copies.EnsureAsync("port", port.Id, pod, port.ProjectId, async ct =>
            await FindByNameAsync(pod, "ports", port.Id, ct) ?? await CreateAsync(pod, "ports", "port", new JsonObject
            {
                ["name"] = port.Id,
                ["network_id"] = networkId,
                ["project_id"] = port.ProjectId,
                ["mac_address"] = port.MacAddress,
                ["fixed_ips"] = FixedIps(port, subnets),
                ["port_security_enabled"] = false, // as the central port: what the audit compares
            }, ct), cancellationToken);
    }

    /// <summary>
    /// The project's bridge in the pod: its network as an external network there (so that a
    /// router may take it as gateway) with the central segment, and its subnet; both owned by the
    /// pod's admin project, as the central ones belong to no project.
    /// </summary>
    public async Task<(string NetworkId, string SubnetId)> EnsureBridgeAsync(Pod pod, Bridge bridge, CancellationToken cancellationToken)
    {
        var networkId = await copies.EnsureAsync("network", bridge.Network.Id, pod, "", async ct =>
        {
            await marks.RefuseAsync([bridge.Network.Id], ct);
            var body = NetworkBody(bridge.Network);
            body.Remove("project_id");
            body["router:external"] = true;
            return await FindByNameAsync(pod, "networks", bridge.Network.Id, ct) ?? await CreateAsync(pod, "networks", "network", body, ct);
        }, cancellationToken);
        var subnetId = await copies.EnsureAsync("subnet", bridge.Subnet.Id, pod, "", async ct =>
        {
            var body = SubnetBody(bridge.Subnet, networkId);
            body.Remove("project_id");
            return await FindByNameAsync(pod, "subnets", bridge.Subnet.Id, ct) ?? await CreateAsync(pod, "subnets", "subnet", body, ct);
        }, cancellationToken);
        return (networkId, subnetId);
    }

    /// <summary>A router's bridge port's copy (in the pod of the external gateway, where the bridge is an interface, not the gateway).</summary>
    public Task<string> EnsureBridgePortAsync(Pod pod, PortRow bridgePort, string bottomNetworkId, string bottomSubnetId, CancellationToken cancellationToken) =>
        copies.EnsureAsync("port", bridgePort.Id, pod, "", async ct =>
            await FindByNameAsync(pod, "ports", bridgePort.Id, ct) ?? await CreateAsync(pod, "ports", "port", new JsonObject
            {
                ["name"] = bridgePort.Id,
                ["network_id"] = bottomNetworkId,
                ["mac_address"] = bridgePort.MacAddress,
                ["fixed_ips"] = new JsonArray(new JsonObject { ["subnet_id"] = bottomSubnetId, ["ip_address"] = bridgePort.FixedIps[0].IpAddress }),
                ["port_security_enabled"] = false,
            }, ct), cancellationToken);
}
