using Tricircle.Data;
using Tricircle.Identity;
using Tricircle.Jobs;
using Tricircle.Routing;

namespace Tricircle.Network;

/// <summary>
/// Central trunk changes with the <c>trunk_sync</c> jobs that carry them to the pods, queued in
/// the change's transaction: one per pod holding the trunk's copy or its parent port's (where a
/// trunk lives), run at once; what a pod cannot take now is left to the workers.
/// </summary>
internal sealed class TrunkChanges(TrunkStore store, TrunkCopies copies, JobQueue jobs)
{
    public async Task<TrunkRow> CreateAsync(TrunkRow row, IReadOnlyList<SubportRequest> subports, IReadOnlyList<string> tags, RequestContext caller, CancellationToken cancellationToken)
    {
        await copies.CheckPlacementAsync(row.PortId, subports.Select(s => s.PortId), cancellationToken);
        var batch = jobs.Begin();
        var trunk = await store.CreateAsync(row, subports, tags, caller, Syncs(batch, () => row), cancellationToken);
        await batch.RunAsync(refusalsEnd: false, cancellationToken);
        return await store.FindAsync(trunk.Id, null, cancellationToken) ?? trunk;
    }

    public async Task<TrunkRow> UpdateAsync(string id, string? name, string? description, bool? adminStateUp, RequestContext caller, CancellationToken cancellationToken)
    {
        var batch = jobs.Begin();
        var trunk = await store.UpdateAsync(id, name, description, adminStateUp, caller, t => Syncs(batch, () => t), cancellationToken);
        await batch.RunAsync(refusalsEnd: false, cancellationToken);
        return await store.FindAsync(trunk.Id, null, cancellationToken) ?? trunk;
    }

    public async Task<TrunkRow> ChangeSubportsAsync(TrunkRow before, IReadOnlyList<SubportRequest> subports, bool add, RequestContext caller, CancellationToken cancellationToken)
    {
        if (add)
        {
            await copies.CheckPlacementAsync(before.PortId, subports.Select(s => s.PortId), cancellationToken);
        }

        var batch = jobs.Begin();
        var trunk = await store.ChangeSubportsAsync(before.Id, subports, add, caller, null, t => Syncs(batch, () => t), cancellationToken);
        await batch.RunAsync(refusalsEnd: false, cancellationToken);
        return await store.FindAsync(trunk.Id, null, cancellationToken) ?? trunk;
    }

    public async Task DeleteAsync(string id, RequestContext caller, CancellationToken cancellationToken)
    {
        var batch = jobs.Begin();
        await store.DeleteAsync(id, caller, t => Syncs(batch, () => t), cancellationToken);
        await batch.RunAsync(refusalsEnd: false, cancellationToken);
    }

    public static JobRequest For(string podId, string trunkId, string projectId) => JobRequest.InPod(JobTypes.TrunkSync, podId, trunkId, projectId);

    /// <summary>A trunk_sync for each pod with the trunk's copy or its parent's.</summary>
    public static InTransaction Syncs(JobBatch batch, Func<TrunkRow> trunk) => async (connection, tx, cancellationToken) =>
    {
        var row = trunk();
        var rows = await RoutingStore.RowsAsync(connection, tx, "trunk", [row.Id], cancellationToken);
        var parents = await RoutingStore.RowsAsync(connection, tx, "port", [row.PortId], cancellationToken);
        foreach (var pod in rows.Concat(parents).Select(r => r.PodId).Distinct(StringComparer.Ordinal))
        {
            await batch.Queue(For(pod, row.Id, row.ProjectId))(connection, tx, cancellationToken);
        }
    };
}
