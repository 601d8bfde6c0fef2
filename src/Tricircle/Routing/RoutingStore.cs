using System.Data.Common;
using Dapper;
using Tricircle.Data;
using Tricircle.Errors;

namespace Tricircle.Routing;

/// <summary>The resource routing table: top id → (pod, bottom id).</summary>
internal sealed class RoutingStore(Database database, TimeProvider timeProvider, RoutingCache cache)
{
    private const string Columns = "id, top_id, bottom_id, pod_id, project_id, resource_type, created_at, updated_at";

    /// <summary>Filters the list accepts (equality). Values are typed by <see cref="ListAsync"/>.</summary>
    public static readonly IReadOnlyList<string> Filters = ["id", "top_id", "bottom_id", "pod_id", "project_id", "resource_type", "created_at", "updated_at"];

    /// <summary>
    /// One page, newest first: rows with id below <paramref name="marker"/>, at most
    /// <paramref name="limit"/> of them, and whether more follow.
    /// </summary>
    public async Task<(IReadOnlyList<ResourceRouting> Rows, bool More)> ListAsync(
        IReadOnlyDictionary<string, object> filters, long? marker, int limit, CancellationToken cancellationToken)
    {
        var where = SqlWhere.Equal(filters);
        if (marker is { } m)
        {
            where.Add("id < @marker", "marker", m);
        }

        where.Parameters.Add("take", limit + 1); // one more than asked tells whether a next page exists
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<ResourceRouting>(new CommandDefinition(
            $"SELECT {Columns} FROM resource_routings{where} ORDER BY id DESC LIMIT @take", where.Parameters, cancellationToken: cancellationToken))).ToList();
        var more = rows.Count > limit;
        if (more)
        {
            rows.RemoveAt(rows.Count - 1);
        }

        return (rows, more);
    }

    public async Task<ResourceRouting?> FindAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<ResourceRouting>(new CommandDefinition(
            $"SELECT {Columns} FROM resource_routings WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Where a gateway resource lives: its routing row of <paramref name="resourceType"/>, limited
    /// to <paramref name="projectId"/> unless null (an admin may reach any project's).
    /// </summary>
    public async Task<ResourceRouting?> FindTopAsync(string topId, string resourceType, string? projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<ResourceRouting>(new CommandDefinition(
            $"SELECT {Columns} FROM resource_routings WHERE top_id = @topId AND resource_type = @resourceType AND (@projectId IS NULL OR project_id = @projectId) ORDER BY id LIMIT 1",
            new { topId, resourceType, projectId },
            cancellationToken: cancellationToken));
    }

    /// <summary>
    /// <see cref="FindTopAsync"/> from memory when this row was read lately (see
    /// <see cref="RoutingCache"/>): for types with one row per resource, forgotten only through
    /// this store (servers).
    /// </summary>
    public async ValueTask<ResourceRouting?> FindTopCachedAsync(string topId, string resourceType, string? projectId, CancellationToken cancellationToken)
    {
        if (cache.TryGet(resourceType, topId, out var cached) && (projectId is null || cached.ProjectId == projectId))
        {
            return cached;
        }

        var routing = await FindTopAsync(topId, resourceType, projectId, cancellationToken);
        if (routing is not null)
        {
            cache.Add(routing);
        }

        return routing;
    }

    /// <summary>The row of one resource's copy in one pod, if any.</summary>
    public async Task<ResourceRouting?> FindInPodAsync(string topId, string resourceType, string podId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<ResourceRouting>(new CommandDefinition(
            $"SELECT {Columns} FROM resource_routings WHERE top_id = @topId AND resource_type = @resourceType AND pod_id = @podId",
            new { topId, resourceType, podId },
            cancellationToken: cancellationToken));
    }

    /// <summary>
    /// The rows of one type in the given pods (all pods when null), of one project unless null:
    /// what a down pod's placeholders come from, in every merged list while it is down. The pods
    /// are chosen by the query, not after it: a project's every row of the type was read to keep
    /// one pod's (500 rows to keep 10 in a 50-pod list, a third of that list's allocation).
    /// </summary>
    public async Task<IReadOnlyList<ResourceRouting>> ListTypeAsync(string resourceType, string? projectId, IReadOnlyCollection<string>? podIds, CancellationToken cancellationToken)
    {
        if (podIds is { Count: 0 })
        {
            return [];
        }

        var pods = podIds?.Distinct(StringComparer.Ordinal).ToArray();
        var sql = $"SELECT {Columns} FROM resource_routings WHERE resource_type = @resourceType"
            + (projectId is null ? "" : " AND project_id = @projectId")
            + (pods is null ? "" : " AND " + InArray("pod_id", "pods"));
        await using var connection = await database.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<ResourceRouting>(new CommandDefinition(
            sql,
            new { resourceType, projectId, pods = pods is null ? null : ArrayValue(pods) },
            cancellationToken: cancellationToken))];
    }

    /// <summary>Every row of the given types in one pod (copies made and being made): what an audit of the pod compares.</summary>
    public async Task<IReadOnlyList<ResourceRouting>> OfPodAsync(string podId, IReadOnlyCollection<string> resourceTypes, CancellationToken cancellationToken)
    {
        if (resourceTypes.Count == 0)
        {
            return [];
        }

        var (parameters, list) = InList(resourceTypes, new { podId });
        await using var connection = await database.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<ResourceRouting>(new CommandDefinition(
            $"SELECT {Columns} FROM resource_routings WHERE pod_id = @podId AND resource_type IN ({list}) ORDER BY id",
            parameters,
            cancellationToken: cancellationToken))];
    }

    /// <summary>
    /// The pods holding resources of one type for a project (every project when null): asked
    /// before every merged list. Asked pod by pod (one index lookup each), so its cost follows the
    /// number of pods, not of rows: <c>DISTINCT pod_id</c> with <c>(@projectId IS NULL OR …)</c>
    /// could use no index and read the whole table, 64 ms a list on SQLite with 200,000 rows
    /// (bench/README, "routing-scale").
    /// </summary>
    public async Task<IReadOnlySet<string>> PodsWithAsync(string resourceType, string? projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var pods = await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT p.pod_id FROM pods p WHERE EXISTS (SELECT 1 FROM resource_routings r WHERE r.pod_id = p.pod_id AND r.resource_type = @resourceType"
                + (projectId is null ? ")" : " AND r.project_id = @projectId)"),
            new { resourceType, projectId },
            cancellationToken: cancellationToken));
        return pods.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Which of <paramref name="topIds"/> have a row of this type in the pod (one query for a whole page).</summary>
    public async Task<IReadOnlySet<string>> KnownAsync(string resourceType, string podId, IReadOnlyCollection<string> topIds, CancellationToken cancellationToken)
    {
        if (topIds.Count == 0)
        {
            return new HashSet<string>();
        }

        var (parameters, list) = InList(topIds, new { resourceType, podId });
        await using var connection = await database.OpenAsync(cancellationToken);
        var known = await connection.QueryAsync<string>(new CommandDefinition(
            $"SELECT top_id FROM resource_routings WHERE resource_type = @resourceType AND pod_id = @podId AND top_id IN ({list})",
            parameters,
            cancellationToken: cancellationToken));
        return known.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// From memory alone (<see cref="RoutingCache"/>): whether the pod has a row of the type for
    /// the id, or null when this instance has not read that id's row lately. A merged list asks it
    /// for each pod's page as the page comes, while other pods are still answering, and asks
    /// <see cref="KnownInPodsAsync"/> only for the rest.
    /// </summary>
    public bool? KnownInPodFromMemory(string resourceType, string podId, string topId) =>
        cache.TryGet(resourceType, topId, out var cached) ? cached.PodId == podId : null;

    /// <summary>
    /// Which of the listed <paramref name="items"/> (pod, top id) have a row of the type in that
    /// pod, by position: what a merged list keeps of every pod's page. Rows read lately come from memory
    /// (<see cref="RoutingCache"/>: a row is written once and deleted once, and this instance's
    /// deletes drop it at once); the rest in one query, whose rows are remembered. A row another
    /// instance deleted may so keep an item the pod still lists for up to
    /// <see cref="RoutingCache.Lifetime"/>: the pod has it, and the list is the caller's own
    /// project's (the pods list with the caller's token). The ids go as one array parameter
    /// (SQLite's <c>json_each</c>, PostgreSQL's <c>ANY</c>): Microsoft.Data.Sqlite binds each of
    /// hundreds of named parameters by a search through all of them, which cost more than the query.
    /// </summary>
    public async Task<bool[]> KnownInPodsAsync(string resourceType, IReadOnlyList<(string PodId, string TopId)> items, CancellationToken cancellationToken)
    {
        // The answer is by position, items[i] → known[i]: a set of (pod, id) pairs hashed both
        // ids of every listed item twice more (a 50-pod list lists 500), on the list's critical
        // path between the last page and the answer.
        var known = new bool[items.Count];
        Dictionary<string, List<int>>? unseen = null;
        for (var i = 0; i < items.Count; i++)
        {
            var (podId, topId) = items[i];
            if (cache.TryGet(resourceType, topId, out var cached))
            {
                known[i] = cached.PodId == podId;
                continue;
            }

            unseen ??= new(StringComparer.Ordinal);
            if (!unseen.TryGetValue(topId, out var at))
            {
                unseen[topId] = at = [];
            }

            at.Add(i);
        }

        if (unseen is null)
        {
            return known;
        }

        var ids = unseen.Keys.ToArray();
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<ResourceRouting>(new CommandDefinition(
            $"SELECT {Columns} FROM resource_routings WHERE resource_type = @resourceType AND " + InArray("top_id", "ids"),
            new { resourceType, ids = ArrayValue(ids) },
            cancellationToken: cancellationToken));
        foreach (var row in rows)
        {
            foreach (var i in unseen[row.TopId])
            {
                known[i] |= items[i].PodId == row.PodId;
            }

            cache.Add(row);
        }

        return known;
    }

    /// <summary>
    /// The recorded copies (with their pod id) in one pod of any of <paramref name="topIds"/>, of
    /// any type, in one query: what a boot's port needs there (network, subnets, DHCP ports,
    /// groups, the port) read together instead of one lookup each. (resource type, top id) → bottom id.
    /// </summary>
    public async Task<IReadOnlyDictionary<(string ResourceType, string TopId), string>> BottomsInPodAsync(string podId, IReadOnlyCollection<string> topIds, CancellationToken cancellationToken)
    {
        if (topIds.Count == 0)
        {
            return new Dictionary<(string, string), string>();
        }

        var ids = topIds.Distinct(StringComparer.Ordinal).ToArray();
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Type, string Top, string Bottom)>(new CommandDefinition(
            "SELECT resource_type, top_id, bottom_id FROM resource_routings WHERE pod_id = @podId AND bottom_id IS NOT NULL AND " + InArray("top_id", "ids"),
            new { podId, ids = ArrayValue(ids) },
            cancellationToken: cancellationToken));
        return rows.ToDictionary(r => (r.Type, r.Top), r => r.Bottom);
    }

    /// <summary>The central ids of copies in a pod by their pod ids (one query for a whole answer): bottom id → top id.</summary>
    public async Task<IReadOnlyDictionary<string, string>> TopsOfAsync(string resourceType, string podId, IReadOnlyCollection<string> bottomIds, CancellationToken cancellationToken)
    {
        if (bottomIds.Count == 0)
        {
            return new Dictionary<string, string>();
        }

        var (parameters, list) = InList(bottomIds, new { resourceType, podId });
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Top, string Bottom)>(new CommandDefinition(
            $"SELECT top_id, bottom_id FROM resource_routings WHERE resource_type = @resourceType AND pod_id = @podId AND bottom_id IN ({list})",
            parameters,
            cancellationToken: cancellationToken));
        return rows.GroupBy(r => r.Bottom, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Top, StringComparer.Ordinal);
    }

    /// <summary>Every row (copies made and being made) of <paramref name="topIds"/> of one type, inside the caller's transaction: the pods a change must reach.</summary>
    public static async Task<IReadOnlyList<ResourceRouting>> RowsAsync(DbConnection connection, DbTransaction? tx, string resourceType, IReadOnlyCollection<string> topIds, CancellationToken cancellationToken)
    {
        if (topIds.Count == 0)
        {
            return [];
        }

        var (parameters, list) = InList(topIds, new { resourceType });
        return [.. await connection.QueryAsync<ResourceRouting>(new CommandDefinition(
            $"SELECT {Columns} FROM resource_routings WHERE resource_type = @resourceType AND top_id IN ({list})",
            parameters,
            tx,
            cancellationToken: cancellationToken))];
    }

    /// <summary>Every row (copies made and being made) of <paramref name="topIds"/> of one type.</summary>
    public async Task<IReadOnlyList<ResourceRouting>> RowsAsync(string resourceType, IReadOnlyCollection<string> topIds, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await RowsAsync(connection, null, resourceType, topIds, cancellationToken);
    }

    /// <summary>The pods holding a row (a copy, or one being made) of the resource.</summary>
    public async Task<IReadOnlyList<string>> PodsOfAsync(string topId, string resourceType, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT pod_id FROM resource_routings WHERE top_id = @topId AND resource_type = @resourceType",
            new { topId, resourceType },
            cancellationToken: cancellationToken))];
    }

    /// <summary>Whether any pod still has a row of the resource (a delete is finished when none has).</summary>
    public async Task<bool> AnyAsync(string topId, string resourceType, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM resource_routings WHERE top_id = @topId AND resource_type = @resourceType",
            new { topId, resourceType },
            cancellationToken: cancellationToken)) > 0;
    }

    // A column among many ids given as one array parameter (KnownInPodsAsync says why):
    // PostgreSQL's ANY over an array, SQLite's json_each over the ids as a JSON array.
    private string InArray(string column, string parameter) => database.Dialect == DatabaseDialect.Postgres
        ? $"{column} = ANY(@{parameter})"
        : $"{column} IN (SELECT value FROM json_each(@{parameter}))";

    private object ArrayValue(string[] ids) => database.Dialect == DatabaseDialect.Postgres ? ids : System.Text.Json.JsonSerializer.Serialize(ids);

    // Written out: Npgsql cannot expand Dapper's IN @list.
    private static (DynamicParameters Parameters, string List) InList(IReadOnlyCollection<string> ids, object fixedParameters)
    {
        var parameters = new DynamicParameters(fixedParameters);
        var names = new List<string>(ids.Count);
        foreach (var id in ids)
        {
            var name = "t" + names.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            parameters.Add(name, id);
            names.Add("@" + name);
        }

        return (parameters, string.Join(", ", names));
    }

    /// <summary>Removes the row of a resource that is gone from its pod.</summary>
    public Task ForgetAsync(string topId, string resourceType, string podId, CancellationToken cancellationToken) =>
        ForgetAsync(topId, resourceType, podId, null, cancellationToken);

    /// <summary>Removes the row of a resource that is gone from its pod, and does <paramref name="also"/> in the same transaction.</summary>
    public async Task ForgetAsync(string topId, string resourceType, string podId, InTransaction? also, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM resource_routings WHERE top_id = @topId AND resource_type = @resourceType AND pod_id = @podId",
            new { topId, resourceType, podId },
            tx,
            cancellationToken: cancellationToken));
        await (also?.Invoke(connection, tx, cancellationToken) ?? Task.CompletedTask);
        await tx.CommitAsync(cancellationToken);
        cache.Forget(resourceType, topId);
    }

    /// <summary>
    /// Records a created resource's row inside the caller's transaction (the scheduler's, with the
    /// binding that placed it). A retried request finds its row there already: the row says the
    /// same, so it is kept.
    /// </summary>
    public static Task<int> RecordAsync(
        DbConnection connection, DbTransaction tx, string topId, string bottomId, string podId, string projectId, string resourceType, DateTime now, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO resource_routings (top_id, bottom_id, pod_id, project_id, resource_type, created_at)
            VALUES (@topId, @bottomId, @podId, @projectId, @resourceType, @now)
            ON CONFLICT (top_id, pod_id, resource_type) DO NOTHING
            """,
            new { topId, bottomId, podId, projectId, resourceType, now },
            tx,
            cancellationToken: cancellationToken));

    /// <summary>
    /// Forgets every pod's copy of a central resource (a flavor, a volume type) inside the caller's
    /// transaction; the copies stay in the pods for what uses them, and the next use copies it again.
    /// </summary>
    public static Task<int> ForgetCopiesAsync(DbConnection connection, DbTransaction tx, string topId, string resourceType, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM resource_routings WHERE top_id = @topId AND resource_type = @resourceType",
            new { topId, resourceType },
            tx,
            cancellationToken: cancellationToken));

    /// <summary>
    /// Takes the copy lock of <see cref="PodCopies"/>: a row with no bottom id yet, in its own
    /// transaction. Null when another request holds it (the row's unique key).
    /// </summary>
    public async Task<long?> TryLockCopyAsync(string resourceType, string topId, string podId, string projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        try
        {
            var id = await InsertAsync(connection, tx, new ResourceRouting
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

    /// <summary>The copy is made: the lock row gets its bottom id and is an ordinary routing row.</summary>
    public async Task FillCopyAsync(long lockId, string bottomId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE resource_routings SET bottom_id = @bottomId, updated_at = @now WHERE id = @lockId",
            new { bottomId, lockId, now = DbTime.Now(timeProvider) },
            cancellationToken: cancellationToken));
    }

    /// <summary>Removes a copy lock (a failed copy); a filled row stays.</summary>
    public async Task DeleteCopyLockAsync(long lockId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM resource_routings WHERE id = @lockId AND bottom_id IS NULL", new { lockId }, cancellationToken: cancellationToken));
    }

    /// <summary>The copy lock's heartbeat: its maker is alive and still making the copy.</summary>
    public async Task TouchCopyLockAsync(long lockId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE resource_routings SET updated_at = @now WHERE id = @lockId AND bottom_id IS NULL",
            new { lockId, now = DbTime.Now(timeProvider) },
            cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Removes a copy lock whose maker stopped beating before <paramref name="before"/> (it died);
    /// one that beat since, or was filled, stays.
    /// </summary>
    public async Task DeleteDeadCopyLockAsync(long lockId, DateTime before, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM resource_routings WHERE id = @lockId AND bottom_id IS NULL AND COALESCE(updated_at, created_at) < @before",
            new { lockId, before },
            cancellationToken: cancellationToken));
    }

    /// <summary>Inserts a row inside the caller's transaction.</summary>
    public static async Task<long> InsertAsync(DbConnection connection, DbTransaction tx, ResourceRouting routing, CancellationToken cancellationToken) =>
        routing.Id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            """
            INSERT INTO resource_routings (top_id, bottom_id, pod_id, project_id, resource_type, created_at, updated_at)
            VALUES (@TopId, @BottomId, @PodId, @ProjectId, @ResourceType, @CreatedAt, @UpdatedAt)
            RETURNING id
            """,
            routing,
            tx,
            cancellationToken: cancellationToken));

    public async Task<ResourceRouting> CreateAsync(ResourceRouting routing, CancellationToken cancellationToken)
    {
        routing.CreatedAt = DbTime.Now(timeProvider);
        routing.UpdatedAt = null;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        await RequirePodAsync(connection, tx, routing.PodId, cancellationToken);
        try
        {
            await InsertAsync(connection, tx, routing, cancellationToken);
            await tx.CommitAsync(cancellationToken);
        }
        catch (DbException e) when (Database.IsUniqueViolation(e))
        {
            throw TricircleException.Conflict($"A resource routing for {routing.ResourceType} {routing.TopId} in pod {routing.PodId} already exists.");
        }

        return routing;
    }

    /// <summary>Applies <paramref name="change"/> to the row and stores it; checks as upstream, in its order.</summary>
    public async Task<ResourceRouting> UpdateAsync(long id, Action<ResourceRouting> change, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        var routing = await connection.QueryFirstOrDefaultAsync<ResourceRouting>(new CommandDefinition(
            $"SELECT {Columns} FROM resource_routings WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken))
            ?? throw TricircleException.NotFound($"Resource routing {id} could not be found.");
        var podBefore = routing.PodId;
        change(routing);
        if (routing.PodId != podBefore)
        {
            await RequirePodAsync(connection, tx, routing.PodId, cancellationToken);
        }

        routing.UpdatedAt = DbTime.Now(timeProvider);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE resource_routings SET top_id = @TopId, bottom_id = @BottomId, pod_id = @PodId, project_id = @ProjectId,
                       resource_type = @ResourceType, updated_at = @UpdatedAt
                WHERE id = @Id
                """,
                routing,
                tx,
                cancellationToken: cancellationToken));
            await tx.CommitAsync(cancellationToken);
            cache.Clear();
        }
        catch (DbException e) when (Database.IsUniqueViolation(e))
        {
            throw TricircleException.Conflict($"A resource routing for {routing.ResourceType} {routing.TopId} in pod {routing.PodId} already exists.");
        }

        return routing;
    }

    public async Task DeleteAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var deleted = await connection.ExecuteAsync(new CommandDefinition("DELETE FROM resource_routings WHERE id = @id", new { id }, cancellationToken: cancellationToken));
        cache.Clear();
        if (deleted == 0)
        {
            throw TricircleException.NotFound($"Resource routing {id} could not be found.");
        }
    }

    private static async Task RequirePodAsync(DbConnection connection, DbTransaction tx, string podId, CancellationToken cancellationToken)
    {
        var exists = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM pods WHERE pod_id = @podId", new { podId }, tx, cancellationToken: cancellationToken));
        if (exists == 0)
        {
            throw TricircleException.Invalid($"The pod {podId} doesn't exist.");
        }
    }
}
