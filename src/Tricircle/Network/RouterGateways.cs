using Tricircle.Data;
using Tricircle.Errors;
using Tricircle.Identity;
using Tricircle.Jobs;
using Tricircle.Pods;

namespace Tricircle.Network;

/// <summary>
/// A router's external gateway: a central port on a <c>router:external</c> network
/// (device_owner <c>network:router_gateway</c>, no project, as Neutron's) with centrally
/// allocated addresses, and the router's <c>enable_snat</c>.
/// </summary>
internal sealed class RouterGateways(RouterStore routers, PortStore ports, NetworkStore networks, SubnetStore subnets, ExternalHomes homes, PodStore pods, JobQueue jobs)
{
    /// <summary>Sets (or moves, or only changes SNAT of) the gateway.</summary>
    public async Task<RouterRow> SetAsync(RouterRow router, GatewayRequest request, RequestContext caller, CancellationToken cancellationToken, InTransaction? also = null)
    {
        var network = await networks.FindAsync(request.NetworkId, caller, cancellationToken) ?? throw NeutronErrors.NotFound("Network", request.NetworkId);
        if (!network.RouterExternal)
        {
            throw RoutersApi.BadRouterRequest($"Network {network.Id} is not an external network");
        }

        // A local router lives in its one pod: its gateway must be there too.
        var allPods = await pods.ListAsync(new Dictionary<string, string>(), cancellationToken);
        if (RouterPlacement.IsLocal(router.Hints(), allPods) && await homes.PodOfAsync(network.ToTop(), cancellationToken) is { } home)
        {
            RouterPlacement.CheckNetwork(router.Hints(), [home.RegionName], allPods);
        }

        if (router.GwNetworkId == network.Id && request.FixedIps is null)
        {
            router.EnableSnat = request.EnableSnat ?? router.EnableSnat;
            return await UpdateAsync(router, cancellationToken, also);
        }

        // Neutron changes its gateway port in place: the old port goes in the new one's transaction
        // (on the same network its addresses may be asked for again), so a refusal (an address
        // taken, routes the new gateway cannot carry) leaves the gateway, and the floating IPs it
        // serves, as they were. Another network: its floating IPs refuse the move.
        InTransaction? first = null;
        if (router.GwPortId is { } replaced)
        {
            first = router.GwNetworkId == network.Id
                ? ports.Delete(replaced)
                : routers.Touch(router.Id).Then(FloatingIpGuards.GatewayUnused(router.Id)).Then(ports.Delete(replaced));
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
        var batch = jobs.Begin();
        await ports.CreateServicePortAsync(port, request.FixedIps, first, routers.SetGateway(router, network.Id, port.Id).Then(also).Then(RouterSyncs.Of(batch, router)), cancellationToken);
        await batch.RunAsync(refusalsEnd: false, cancellationToken);
        return router;
    }

    private static readonly InTransaction Nothing = (_, _, _) => Task.CompletedTask;

    /// <summary>Removes the gateway (and its port), if any: 409 RouterExternalGatewayInUseByFloatingIp while floating IPs use it.</summary>
    public async Task<RouterRow> ClearAsync(RouterRow router, CancellationToken cancellationToken)
    {
        if (router.GwPortId is { } portId)
        {
            // The router's row is held first (SetGateway), then its floating IPs are counted.
            var batch = jobs.Begin();
            await ports.DeleteAsync(portId, routers.SetGateway(router, null, null).Then(FloatingIpGuards.GatewayUnused(router.Id)).Then(RouterSyncs.Of(batch, router)), cancellationToken);
            await batch.RunAsync(refusalsEnd: false, cancellationToken);
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
        // Its copies go by its sync job, which finds the router gone.
        var batch = jobs.Begin();
        if (router.GwPortId is { } portId)
        {
            await ports.DeleteAsync(portId, RouterStore.Delete(router.Id).Then(RouterSyncs.Of(batch, router)), cancellationToken);
        }
        else
        {
            await routers.DeleteAsync(router.Id, RouterSyncs.Of(batch, router), cancellationToken);
        }

        await batch.RunAsync(refusalsEnd: false, cancellationToken);
    }

    /// <summary>A router's plain attributes (name, description, state, routes, SNAT), carried to its copies.</summary>
    public async Task<RouterRow> UpdateAsync(RouterRow router, CancellationToken cancellationToken, InTransaction? also = null)
    {
        var batch = jobs.Begin();
        router = await routers.UpdateAsync(router, (also ?? Nothing).Then(RouterSyncs.Of(batch, router)), cancellationToken);
        await batch.RunAsync(refusalsEnd: false, cancellationToken);
        return router;
    }

    /// <summary>A new router; one living in one pod (a local router) gets its copy there at once.</summary>
    public async Task<RouterRow> CreateRouterAsync(RouterRow router, IReadOnlyList<string> tags, bool local, CancellationToken cancellationToken)
    {
        var batch = jobs.Begin();
        router = await routers.CreateAsync(router, tags, local ? (c, tx, ct) => RouterSyncs.Of(batch, router)(c, tx, ct) : null, cancellationToken);
        await batch.RunAsync(refusalsEnd: false, cancellationToken);
        return router;
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
