using System.Data.Common;
using Tricircle.Network;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Jobs.Handlers;

/// <summary>
/// What the delete jobs of networks, subnets and security groups share: once the resource is
/// marked (its store's <c>BeginDeleteAsync</c>), its copies go from the pods (the request that
/// asked for the delete runs this at once and answers with a pod's refusal, see
/// <see cref="CopiesDelete"/>), then the central resource, in a transaction that also queues a
/// sync job for each pod that could not be reached (it deletes the copy once the pod is back; the
/// mark holds until then). Queued in the mark's transaction, so a request that dies half-way
/// leaves a job that finishes the delete.
/// </summary>
internal abstract class CentralDeleteJob(DeletingMarks marks, CopiesDelete copies, JobQueue queue, RoutingStore routings) : IJobHandler
{
    public abstract JobType Type { get; }

    /// <summary>The sync job that deletes a copy left in a pod that could not be reached.</summary>
    protected abstract JobType SyncType { get; }

    /// <summary>The routing rows' resource type (<c>network</c>).</summary>
    protected abstract string ResourceType { get; }

    /// <summary>Neutron's error type for a resource in use (<c>NetworkInUse</c>).</summary>
    protected abstract string InUseType { get; }

    /// <summary>The central resource's project; null when it is gone centrally already.</summary>
    protected abstract Task<string?> ProjectOfAsync(string id, CancellationToken cancellationToken);

    protected abstract Task DeleteCopyAsync(Pod pod, string id, CancellationToken cancellationToken);

    protected abstract Task DeleteCentralAsync(string id, bool keepMark, Data.InTransaction also, CancellationToken cancellationToken);

    /// <summary>Other jobs to queue with the central delete (copies of other resources that change with it).</summary>
    protected virtual Task AlsoAsync(DbConnection connection, DbTransaction tx, JobBatch later, string id, string projectId, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task RunAsync(Job job, CancellationToken cancellationToken)
    {
        var id = job.Key(Type.Keys[0]);
        if (await ProjectOfAsync(id, cancellationToken) is not { } project)
        {
            // Deleted centrally already (a redo): whatever copies are left go by their sync jobs.
            var left = await routings.PodsOfAsync(id, ResourceType, cancellationToken);
            await queue.QueueAsync([.. left.Select(pod => JobRequest.InPod(SyncType, pod, id, job.ProjectId))], cancellationToken);
            return;
        }

        if (!await marks.IsMarkedAsync(id, cancellationToken))
        {
            return; // the delete was given up
        }

        var unreachable = await copies.DeleteAsync(ResourceType.Replace('_', ' '), ResourceType, id, InUseType, (pod, ct) => DeleteCopyAsync(pod, id, ct), cancellationToken);
        var later = queue.Begin(runHere: false);
        await DeleteCentralAsync(id, keepMark: unreachable.Count > 0, async (connection, tx, ct) =>
        {
            await later.Queue([.. unreachable.Select(pod => JobRequest.InPod(SyncType, pod.PodId, id, project))])(connection, tx, ct);
            await AlsoAsync(connection, tx, later, id, project, ct);
        }, cancellationToken);
        await later.RunAsync(refusalsEnd: false, cancellationToken);
    }
}
