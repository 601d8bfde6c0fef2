using Tricircle.Jobs;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Volume;

/// <summary>
/// The end of what Tricircle records of a volume its pod no longer has (found by an audit): its
/// routing row goes and, in the same transaction, a <c>volume_cleanup</c> job is queued that
/// deletes it from the pod should it still be there and releases its quota, as
/// <see cref="Compute.ServerRecords"/> does for servers.
/// </summary>
internal sealed class VolumeRecords(RoutingStore routings, JobQueue jobs)
{
    public Task ForgetAsync(string volumeId, string projectId, Pod pod, CancellationToken cancellationToken) =>
        ForgetAsync(volumeId, projectId, pod, runHere: true, cancellationToken);

    /// <summary>The same, with the cleanup left to the workers: for a job that finds the volume gone (an audit).</summary>
    public Task ForgetLaterAsync(string volumeId, string projectId, Pod pod, CancellationToken cancellationToken) =>
        ForgetAsync(volumeId, projectId, pod, runHere: false, cancellationToken);

    private async Task ForgetAsync(string volumeId, string projectId, Pod pod, bool runHere, CancellationToken cancellationToken)
    {
        var batch = jobs.Begin(runHere);
        await routings.ForgetAsync(volumeId, VolumesApi.ResourceType, pod.PodId,
            batch.Queue(JobRequest.InPod(JobTypes.VolumeCleanup, pod.PodId, volumeId, projectId)), cancellationToken);
        await batch.RunAsync(refusalsEnd: false, cancellationToken);
    }
}
