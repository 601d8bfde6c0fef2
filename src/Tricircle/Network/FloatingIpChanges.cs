using Dapper;
using Tricircle.Data;
using Tricircle.Identity;
using Tricircle.Jobs;

namespace Tricircle.Network;

/// <summary>
/// Central floating IP changes with the jobs that carry them to the external network's pod,
/// queued in the change's transaction: the floating IP's own sync, and the syncs of the routers
/// it was and is associated through (which make the way to a port in another pod). The routers'
/// run first, then the floating IP's, so that an association finds its way made.
/// </summary>
internal sealed class FloatingIpChanges(FloatingIpStore store, JobQueue jobs)
{
    public async Task<FloatingIpRow> CreateAsync(FloatingIpCreate create, RequestContext caller, CancellationToken cancellationToken)
    {
        var (routers, own) = (jobs.Begin(), jobs.Begin());
        var fip = await store.CreateAsync(create, caller, id => Syncs(routers, own, id, create.ProjectId, null), cancellationToken);
        await RunAsync(routers, own, cancellationToken);
        return fip;
    }

    public async Task<FloatingIpRow> UpdateAsync(FloatingIpRow before, FloatingIpChange change, RequestContext caller, CancellationToken cancellationToken)
    {
        var (routers, own) = (jobs.Begin(), jobs.Begin());
        var fip = await store.UpdateAsync(before.Id, change, caller, Syncs(routers, own, before.Id, before.ProjectId, before.RouterId), cancellationToken);
        await RunAsync(routers, own, cancellationToken);
        return fip;
    }

    public async Task DeleteAsync(FloatingIpRow fip, CancellationToken cancellationToken)
    {
        var (routers, own) = (jobs.Begin(), jobs.Begin());
        await store.DeleteAsync(fip, Syncs(routers, own, fip.Id, fip.ProjectId, fip.RouterId), cancellationToken);
        await RunAsync(routers, own, cancellationToken);
    }

    /// <summary>An external network's delete takes its floating IPs on no port along (Neutron's): their copies go first, so the network's own can.</summary>
    public async Task DeleteDisassociatedAsync(string networkId, RequestContext caller, CancellationToken cancellationToken)
    {
        var own = jobs.Begin();
        await store.DeleteDisassociatedAsync(networkId, caller, id => own.Queue(For(id, caller.ProjectId)), cancellationToken);
        await own.RunAsync(refusalsEnd: false, cancellationToken, untilDone: true);
    }

    public static JobRequest For(string fipId, string projectId) => JobRequest.For(JobTypes.FloatingIpSync, projectId, ("floatingip_id", fipId));

    private static InTransaction Syncs(JobBatch routers, JobBatch own, string fipId, string projectId, string? routerBefore) => async (connection, tx, cancellationToken) =>
    {
        var routerNow = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT router_id FROM floatingips WHERE id = @fipId", new { fipId }, tx, cancellationToken: cancellationToken));
        foreach (var router in new[] { routerBefore, routerNow }.OfType<string>().Distinct(StringComparer.Ordinal))
        {
            await routers.Queue(RouterSyncs.For(router, projectId))(connection, tx, cancellationToken);
        }

        await own.Queue(For(fipId, projectId))(connection, tx, cancellationToken);
    };

    private static async Task RunAsync(JobBatch routers, JobBatch own, CancellationToken cancellationToken)
    {
        await routers.RunAsync(refusalsEnd: false, cancellationToken);
        await own.RunAsync(refusalsEnd: false, cancellationToken);
    }
}
