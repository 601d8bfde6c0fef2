using Microsoft.Extensions.Options;
using Tricircle.Data;
using Tricircle.Jobs;
using Tricircle.Routing;

namespace Tricircle.Network;

/// <summary>
/// The <c>shadow_port_sync</c> jobs a port's change in a pod needs (a boot, an address change, a
/// delete), in shadow mode and for tenants' VxLAN networks only: queued in that change's
/// transaction, like the routers' (<see cref="RouterSyncs"/>).
/// </summary>
internal sealed class ShadowPortSyncs(NetworkStore networks, RoutingStore routings, JobQueue queue, IOptions<NetworkOptions> options)
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

    /// <summary>How many pods hold a copy of each network (shadow mode; else nothing): before a change that may copy them elsewhere.</summary>
    public async Task<IReadOnlyDictionary<string, int>> CopiesAsync(IReadOnlyCollection<string> networkIds, CancellationToken cancellationToken) =>
        !options.Value.ShadowsVxlan || networkIds.Count == 0
            ? new Dictionary<string, int>(StringComparer.Ordinal)
            : (await routings.RowsAsync("network", networkIds, cancellationToken)).Where(r => r.BottomId is not null)
                .GroupBy(r => r.TopId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    /// <summary>
    /// After it: the syncs, for the workers, of the networks now in more pods than <paramref name="before"/>.
    /// A router's way to a floating IP's port copies its network into the external pod without a
    /// boot there; its shadows there (and the other pods' of the floating IP's port) follow.
    /// </summary>
    public async Task QueueGrownAsync(IReadOnlyCollection<string> networkIds, IReadOnlyDictionary<string, int> before, CancellationToken cancellationToken)
    {
        if (!options.Value.ShadowsVxlan || networkIds.Count == 0)
        {
            return;
        }

        var after = await CopiesAsync(networkIds, cancellationToken);
        var grown = after.Where(a => a.Value > before.GetValueOrDefault(a.Key)).Select(a => a.Key).ToList();
        if (grown.Count > 0)
        {
            await queue.QueueAsync(await ForNetworksAsync(grown, cancellationToken), cancellationToken);
        }
    }
}
