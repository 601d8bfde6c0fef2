using Tricircle.Data;
using Tricircle.Errors;
using Tricircle.Pods;

namespace Tricircle.Routing;

/// <summary>
/// Get-or-create of a central resource's copy in a pod (a flavor, a volume type, an image), race-safe
/// across requests and processes: the routing row (unique on top id, pod, type) is inserted
/// with no bottom id first and is the lock; whoever inserted it creates the copy and fills the
/// bottom id in, the others wait for that. A lock older than its lifetime (<see cref="LockLifetime"/>
/// unless the caller knows its copy takes longer, as an image's data does) is taken to be left by
/// a crash and is removed (spec §6.2). When <c>create</c> throws, the lock goes and nothing is recorded.
/// </summary>
internal sealed class PodCopies(RoutingStore routings, TimeProvider timeProvider)
{
    public static readonly TimeSpan LockLifetime = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// The bottom id of <paramref name="topId"/>'s copy in the pod, calling
    /// <paramref name="create"/> (which returns the bottom id) when there is none yet.
    /// <paramref name="made"/> runs for whoever made (or adopted) the copy, once it is recorded:
    /// the rest of a copy that takes several calls (a group's rules). When it fails, the copy
    /// stays recorded, so that its sync jobs (and the audit) can put it right; were it not, the
    /// pod would keep a copy no job knows of.
    /// </summary>
    public async Task<string> EnsureAsync(
        string resourceType,
        string topId,
        Pod pod,
        string projectId,
        Func<CancellationToken, Task<string>> create,
        CancellationToken cancellationToken,
        TimeSpan? lockLifetime = null,
        Func<string, CancellationToken, Task>? made = null)
    {
        var lifetime = lockLifetime ?? LockLifetime;
        var deadline = timeProvider.GetUtcNow() + lifetime + lifetime;
        while (true)
        {
            var row = await routings.FindInPodAsync(topId, resourceType, pod.PodId, cancellationToken);
            if (row is { BottomId: { } bottom })
            {
                return bottom;
            }

            if (row is not null)
            {
                if (DbTime.Utc(row.CreatedAt) + lifetime < timeProvider.GetUtcNow().UtcDateTime)
                {
                    await routings.DeleteCopyLockAsync(row.Id, cancellationToken); // left by a request that died
                }
                else if (timeProvider.GetUtcNow() > deadline)
                {
                    throw TricircleException.Unavailable($"The {resourceType} {topId} is still being copied into pod {pod.RegionName}; try again.");
                }
                else
                {
                    await Task.Delay(Poll, timeProvider, cancellationToken);
                }

                continue;
            }

            var lockId = await routings.TryLockCopyAsync(resourceType, topId, pod.PodId, projectId, cancellationToken);
            if (lockId is null)
            {
                continue; // another request took it a moment ago
            }

            string created;
            try
            {
                created = await create(cancellationToken);
                await routings.FillCopyAsync(lockId.Value, created, CancellationToken.None);
            }
            catch
            {
                await routings.DeleteCopyLockAsync(lockId.Value, CancellationToken.None);
                throw;
            }

            if (made is not null)
            {
                await made(created, cancellationToken);
            }

            return created;
        }
    }

    /// <summary>Whether a row without a bottom id is a creator's live lock (not one a crash left).</summary>
    public bool IsBeingMade(ResourceRouting row) =>
        row.BottomId is null && DbTime.Utc(row.CreatedAt) + LockLifetime >= timeProvider.GetUtcNow().UtcDateTime;
}
