using Tricircle.Data;
using Tricircle.Jobs;

namespace Tricircle.Network;

/// <summary>
/// The <c>router_sync</c> jobs a central change needs, queued in that change's transaction: the
/// router's own changes, and those of the ports its copies route to (a boot, a port's delete).
/// </summary>
internal static class RouterSyncs
{
    public static JobRequest For(string routerId, string projectId) => JobRequest.For(JobTypes.RouterSync, projectId, ("router_id", routerId));

    public static InTransaction Of(JobBatch batch, RouterRow router) => batch.Queue(For(router.Id, router.ProjectId));

    /// <summary>A sync of every router with an interface on one of the networks.</summary>
    public static InTransaction ForNetworks(JobBatch batch, params string[] networkIds) => async (connection, tx, cancellationToken) =>
    {
        var routers = await RouterStore.OnNetworksAsync(connection, tx, networkIds, cancellationToken);
        if (routers.Count > 0)
        {
            await batch.Queue([.. routers.Select(r => For(r.Id, r.ProjectId))])(connection, tx, cancellationToken);
        }
    };
}
