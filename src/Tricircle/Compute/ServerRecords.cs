using Tricircle.Jobs;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Compute;

/// <summary>
/// The end of what Tricircle records of a server: when its pod no longer has it (a delete the pod
/// accepted, its 404) or it must go (a multi-create that cannot stand), its routing row goes and,
/// in the same transaction, a <c>server_cleanup</c> job is queued that deletes it from the pod if
/// it is still there and releases its quota and ports (run at once; by the workers when a pod or
/// the database fails half-way). So a crash or an outage never leaves a port or quota behind.
/// </summary>
internal sealed class ServerRecords(RoutingStore routings, JobQueue jobs, ServerGroupStore groups)
{
    public Task ForgetAsync(string serverId, string projectId, Pod pod, CancellationToken cancellationToken) =>
        ForgetAsync(serverId, projectId, pod, runHere: true, cancellationToken);

    /// <summary>The same, with the cleanup left to the workers: for a job that finds the server gone (an audit).</summary>
    public Task ForgetLaterAsync(string serverId, string projectId, Pod pod, CancellationToken cancellationToken) =>
        ForgetAsync(serverId, projectId, pod, runHere: false, cancellationToken);

    private async Task ForgetAsync(string serverId, string projectId, Pod pod, bool runHere, CancellationToken cancellationToken)
    {
        var batch = jobs.Begin(runHere);
        await routings.ForgetAsync(serverId, ServersApi.ResourceType, pod.PodId,
            batch.Queue(JobRequest.InPod(JobTypes.ServerCleanup, pod.PodId, serverId, projectId)), cancellationToken);
        await groups.RemoveMemberAsync(serverId, cancellationToken); // as Nova, a deleted server is no member
        await batch.RunAsync(refusalsEnd: false, cancellationToken);
    }

    /// <summary>A server the pod made but Tricircle never recorded (its boot failed after): the same cleanup, with no row to forget.</summary>
    public async Task AbandonAsync(string serverId, string projectId, Pod pod, CancellationToken cancellationToken)
    {
        await jobs.RunAsync([JobRequest.InPod(JobTypes.ServerCleanup, pod.PodId, serverId, projectId)], cancellationToken);
    }
}
