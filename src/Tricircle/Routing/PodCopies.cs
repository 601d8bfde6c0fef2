using System.Data.Common;
using Dapper;
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
internal sealed class PodCopies(Database database, TimeProvider timeProvider)
{
    public static readonly TimeSpan LockLifetime = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// The bottom id of <paramref name="topId"/>'s copy in the pod, calling
    /// <paramref name="create"/> (which returns the bottom id) when there is none yet.
    /// </summary>
    public async Task<string> EnsureAsync(
        string resourceType, string topId, Pod pod, string projectId, Func<CancellationToken, Task<string>> create, CancellationToken cancellationToken, TimeSpan? lockLifetime = null)
    {
        var lifetime = lockLifetime ?? LockLifetime;
        var deadline = timeProvider.GetUtcNow() + lifetime + lifetime;
        while (true)
        {
            var row = await FindAsync(resourceType, topId, pod.PodId, cancellationToken);
            if (row is { BottomId: { } bottom })
            {
                return bottom;
            }

            if (row is not null)
            {
                if (DbTime.Utc(row.CreatedAt) + lifetime < timeProvider.GetUtcNow().UtcDateTime)
                {
                    await DeleteLockAsync(row.Id, cancellationToken); // left by a request that died
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

            var lockId = await TryLockAsync(resourceType, topId, pod.PodId, projectId, cancellationToken);
            if (lockId is null)
            {
                continue; // another request took it a moment ago
            }

            try
            {
                var created = await create(cancellationToken);
                await using var connection = await database.OpenAsync(CancellationToken.None);
                await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE resource_routings SET bottom_id = @created, updated_at = @now WHERE id = @lockId",
                    new { created, lockId, now = DbTime.Now(timeProvider) },
                    cancellationToken: CancellationToken.None));
                return created;
            }
            catch
            {
                await DeleteLockAsync(lockId.Value, CancellationToken.None);
                throw;
            }
        }
    }

    /// <summary>Whether a row without a bottom id is a creator's live lock (not one a crash left).</summary>
    public bool IsBeingMade(ResourceRouting row) =>
        row.BottomId is null && DbTime.Utc(row.CreatedAt) + LockLifetime >= timeProvider.GetUtcNow().UtcDateTime;

    private async Task<ResourceRouting?> FindAsync(string resourceType, string topId, string podId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<ResourceRouting>(new CommandDefinition(
            "SELECT id, top_id, bottom_id, pod_id, project_id, resource_type, created_at, updated_at FROM resource_routings WHERE top_id = @topId AND pod_id = @podId AND resource_type = @resourceType",
            new { topId, podId, resourceType },
            cancellationToken: cancellationToken));
    }

    private async Task<long?> TryLockAsync(string resourceType, string topId, string podId, string projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        try
        {
            var id = await RoutingStore.InsertAsync(connection, tx, new ResourceRouting
            {
                TopId = topId,
                PodId = podId,
                ProjectId = projectId,
                ResourceType = resourceType,
                CreatedAt = DbTime.Now(timeProvider),
            }, cancellationToken);
            await tx.CommitAsync(cancellationToken);
            return id;
        }
        catch (DbException e) when (Database.IsUniqueViolation(e))
        {
            return null;
        }
    }

    private async Task DeleteLockAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM resource_routings WHERE id = @id AND bottom_id IS NULL", new { id }, cancellationToken: cancellationToken));
    }
}
