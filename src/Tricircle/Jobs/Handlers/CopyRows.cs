using Tricircle.Errors;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Jobs.Handlers;

/// <summary>What the sync handlers share: finding the copy a job is about, and forgetting one the pod no longer has.</summary>
internal sealed class CopyRows(RoutingStore routings, PodCopies copies, PodStore pods)
{
    /// <summary>The job's pod; null when it was removed meanwhile (nothing of it is left to change).</summary>
    public Task<Pod?> PodAsync(Job job, CancellationToken cancellationToken) => pods.FindAsync(job.Key(JobType.PodKey), cancellationToken);

    /// <summary>
    /// The copy's id in the pod; null when the pod has none (copies are made when a server needs
    /// them). One still being made is waited for (Unavailable: the job runs again later, and then
    /// sees the copy the maker made from the central state before this change).
    /// </summary>
    public async Task<string?> BottomAsync(Pod pod, string resourceType, string topId, CancellationToken cancellationToken)
    {
        var row = await routings.FindInPodAsync(topId, resourceType, pod.PodId, cancellationToken);
        if (row is { BottomId: null } && copies.IsBeingMade(row))
        {
            throw TricircleException.Unavailable($"The {resourceType.Replace('_', ' ')} {topId} is still being copied into pod {pod.RegionName}.");
        }

        return row?.BottomId;
    }

    /// <summary>The pod lost the copy (deleted there by hand): its rows go, so the next boot that needs it makes it again.</summary>
    public async Task ForgetAsync(Pod pod, IEnumerable<(string ResourceType, string TopId)> rows, CancellationToken cancellationToken)
    {
        foreach (var (resourceType, topId) in rows)
        {
            await routings.ForgetAsync(topId, resourceType, pod.PodId, cancellationToken);
        }
    }

    /// <summary>Whether any pod still holds (or is getting) a copy: a delete's mark stays until none does.</summary>
    public Task<bool> AnyAsync(string resourceType, string topId, CancellationToken cancellationToken) => routings.AnyAsync(topId, resourceType, cancellationToken);
}
