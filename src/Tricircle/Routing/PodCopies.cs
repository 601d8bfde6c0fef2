using System.Data.Common;
using Tricircle.Data;
using Tricircle.Errors;
using Tricircle.Pods;

namespace Tricircle.Routing;

/// <summary>
/// Get-or-create of a central resource's copy in a pod (a flavor, a volume type, an image, a
/// network's parts), race-safe across requests and processes: the routing row (unique on top id,
/// pod, type) is inserted with no bottom id first and is the lock; whoever inserted it creates the
/// copy and fills the bottom id in, the others wait for that. While it creates, the maker beats
/// on the lock (its <c>updated_at</c>, every <see cref="Heartbeat"/>); a lock that has not beaten
/// for <see cref="DeadAfter"/> was left by a maker that died (a crash, <c>kill -9</c>, a job
/// worker whose lease was taken over) and is removed, so the next one makes the copy within
/// seconds rather than after the copy's whole lifetime (spec §6.2's stale lock). When
/// <c>create</c> throws, the lock goes and nothing is recorded.
/// </summary>
internal sealed class PodCopies(RoutingStore routings, TimeProvider timeProvider)
{
    /// <summary>How long a waiter waits for a copy another is making, twice over, unless the caller knows its copy takes longer (an image's data).</summary>
    public static readonly TimeSpan LockLifetime = TimeSpan.FromSeconds(30);

    /// <summary>How often a lock's maker says it is alive.</summary>
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(2);

    /// <summary>A lock not beaten for this long (five beats missed) is a dead maker's.</summary>
    public static readonly TimeSpan DeadAfter = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    /// <summary>The copies in <paramref name="pod"/> already recorded of any of <paramref name="topIds"/> (one query), for <see cref="EnsureAsync"/>.</summary>
    public Task<IReadOnlyDictionary<(string ResourceType, string TopId), string>> RecordedAsync(Pod pod, IReadOnlyCollection<string> topIds, CancellationToken cancellationToken) =>
        routings.BottomsInPodAsync(pod.PodId, topIds, cancellationToken);

    /// <summary>
    /// The bottom id of <paramref name="topId"/>'s copy in the pod, calling
    /// <paramref name="create"/> (which returns the bottom id) when there is none yet.
    /// <paramref name="made"/> runs for whoever made (or adopted) the copy, once it is recorded:
    /// the rest of a copy that takes several calls (a group's rules). <paramref name="recorded"/>:
    /// copies read beforehand in one query (see <see cref="RecordedAsync"/>). When it fails, the copy
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
        Func<string, CancellationToken, Task>? made = null,
        IReadOnlyDictionary<(string ResourceType, string TopId), string>? recorded = null)
    {
        // Read already with its neighbours (RoutingStore.BottomsInPodAsync): the same row this
        // loop's first lookup would find.
        if (recorded is not null && recorded.TryGetValue((resourceType, topId), out var known))
        {
            return known;
        }

        var lifetime = lockLifetime ?? LockLifetime;
        var deadline = timeProvider.GetUtcNow() + lifetime + lifetime;

        // Not among those read a moment ago (a boot's new port): most likely no row at all, so the
        // lock is tried first; a row there after all (a lock, or a copy made since) refuses it,
        // and the loop reads it as usual.
        var lookFirst = recorded is null;
        while (true)
        {
            var row = lookFirst ? await routings.FindInPodAsync(topId, resourceType, pod.PodId, cancellationToken) : null;
            lookFirst = true;
            if (row is { BottomId: { } bottom })
            {
                return bottom;
            }

            if (row is not null)
            {
                if (!IsBeingMade(row))
                {
                    await routings.DeleteDeadCopyLockAsync(row.Id, Now() - DeadAfter, cancellationToken); // left by a maker that died
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
            using var beating = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var heartbeat = BeatAsync(lockId.Value, beating.Token);
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
            finally
            {
                await beating.CancelAsync();
                await heartbeat;
            }

            if (made is not null)
            {
                await made(created, cancellationToken);
            }

            return created;
        }
    }

    /// <summary>Whether a row without a bottom id is a live maker's lock (not one a dead maker left).</summary>
    public bool IsBeingMade(ResourceRouting row) =>
        row.BottomId is null && DbTime.Utc(row.UpdatedAt ?? row.CreatedAt) + DeadAfter >= Now();

    private DateTime Now() => timeProvider.GetUtcNow().UtcDateTime;

    /// <summary>Keeps the lock alive while its copy is being made.</summary>
    private async Task BeatAsync(long lockId, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Heartbeat, timeProvider, cancellationToken);
                await routings.TouchCopyLockAsync(lockId, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (DbException)
            {
                // The database did not answer this beat; the lock lasts five of them.
            }
        }
    }
}
