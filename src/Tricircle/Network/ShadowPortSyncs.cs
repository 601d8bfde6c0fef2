using Microsoft.Extensions.Options;
using Tricircle.Data;
using Tricircle.Jobs;

namespace Tricircle.Network;

/// <summary>
/// The <c>shadow_port_sync</c> jobs a port's change in a pod needs (a boot, an address change, a
/// delete), in shadow mode and for tenants' VxLAN networks only: queued in that change's
/// transaction, like the routers' (<see cref="RouterSyncs"/>).
/// </summary>
internal sealed class ShadowPortSyncs(NetworkStore networks, IOptions<NetworkOptions> options)
{
    public static JobRequest For(string networkId, string projectId) => JobRequest.For(JobTypes.ShadowPortSync, projectId, ("network_id", networkId));

    /// <summary>A sync of each of the networks whose ports are shadowed.</summary>
    public InTransaction ForNetworks(JobBatch batch, params string[] networkIds) => async (connection, tx, cancellationToken) =>
    {
        if (!options.Value.ShadowsVxlan)
        {
            return;
        }

        var shadowed = await NetworkStore.VxlanOfTenantsAsync(connection, tx, networkIds, cancellationToken);
        if (shadowed.Count > 0)
        {
            await batch.Queue([.. shadowed.Select(n => For(n.Id, n.ProjectId))])(connection, tx, cancellationToken);
        }
    };

    /// <summary>The same, for work queued outside a change's transaction (a boot's ports now in their pod, a pod's audit).</summary>
    public async Task<IReadOnlyList<JobRequest>> ForNetworksAsync(IReadOnlyCollection<string> networkIds, CancellationToken cancellationToken) =>
        options.Value.ShadowsVxlan ? [.. (await networks.VxlanOfTenantsAsync(networkIds, cancellationToken)).Select(n => For(n.Id, n.ProjectId))] : [];
}
