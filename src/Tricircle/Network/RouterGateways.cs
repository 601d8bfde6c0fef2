using Tricircle.Data;
using Tricircle.Errors;
using Tricircle.Identity;

namespace Tricircle.Network;

/// <summary>
/// A router's external gateway: a central port on a <c>router:external</c> network
/// (device_owner <c>network:router_gateway</c>, no project, as Neutron's) with centrally
/// allocated addresses, and the router's <c>enable_snat</c>.
/// </summary>
internal sealed class RouterGateways(RouterStore routers, PortStore ports, NetworkStore networks, SubnetStore subnets)
{
    /// <summary>Sets (or moves, or only changes SNAT of) the gateway.</summary>
    public async Task<RouterRow> SetAsync(RouterRow router, GatewayRequest request, RequestContext caller, CancellationToken cancellationToken)
    {
        var network = await networks.FindAsync(request.NetworkId, caller, cancellationToken) ?? throw NeutronErrors.NotFound("Network", request.NetworkId);
        if (!network.RouterExternal)
        {
            throw RoutersApi.BadRouterRequest($"Network {network.Id} is not an external network");
        }

        if (router.GwNetworkId == network.Id && request.FixedIps is null)
        {
            router.EnableSnat = request.EnableSnat ?? router.EnableSnat;
            return await routers.UpdateAsync(router, cancellationToken);
        }

        // Other addresses on the same network: Neutron changes its gateway port in place, so the
        // old port goes in the new one's transaction (its addresses may be asked for again), and a
        // refused address leaves the gateway, and the floating IPs it serves, as they were.
        // Another network: the gateway goes first, which its floating IPs refuse.
        var replaced = router.GwNetworkId == network.Id ? router.GwPortId : null;
        if (replaced is null)
        {
            router = await ClearAsync(router, cancellationToken);
        }

        router.EnableSnat = request.EnableSnat ?? true; // Neutron's enable_snat_by_default
        var port = new PortRow
        {
            Id = Guid.NewGuid().ToString(),
            ProjectId = "",
            NetworkId = network.Id,
            DeviceId = router.Id,
            DeviceOwner = PortStore.RouterGatewayOwner,
            PortSecurityEnabled = false,
        };
        await ports.CreateServicePortAsync(port, request.FixedIps, replaced is null ? null : ports.Delete(replaced), routers.SetGateway(router, network.Id, port.Id), cancellationToken);
        return router;
    }

    /// <summary>Removes the gateway (and its port), if any: 409 RouterExternalGatewayInUseByFloatingIp while floating IPs use it.</summary>
    public async Task<RouterRow> ClearAsync(RouterRow router, CancellationToken cancellationToken)
    {
        if (router.GwPortId is { } portId)
        {
            // The router's row is held first (SetGateway), then its floating IPs are counted.
            await ports.DeleteAsync(portId, routers.SetGateway(router, null, null).Then(FloatingIpGuards.GatewayUnused(router.Id)), cancellationToken);
        }
        else if (router.GwNetworkId is not null)
        {
            throw TricircleException.Conflict($"Router {router.Id} has a gateway network without a port.", "RouterInUse"); // never written so
        }

        return router;
    }

    /// <summary>Deletes a router with its gateway port; 409 RouterInUse while interfaces are on it.</summary>
    public async Task DeleteRouterAsync(RouterRow router, CancellationToken cancellationToken)
    {
        if (router.GwPortId is { } portId)
        {
            await ports.DeleteAsync(portId, RouterStore.Delete(router.Id), cancellationToken);
        }
        else
        {
            await routers.DeleteAsync(router.Id, cancellationToken);
        }
    }

    /// <summary>The subnets the router has a port on (interfaces and gateway): where its routes' next hops may be.</summary>
    public async Task<List<SubnetRow>> SubnetsAsync(string routerId, CancellationToken cancellationToken)
    {
        var result = new List<SubnetRow>();
        foreach (var subnetId in (await routers.PortsAsync(routerId, cancellationToken)).SelectMany(p => p.FixedIps).Select(f => f.SubnetId).Distinct(StringComparer.Ordinal))
        {
            if (await subnets.FindAsync(subnetId, null, cancellationToken) is { } subnet)
            {
                result.Add(subnet);
            }
        }

        return result;
    }
}
