using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Extensions.Options;
using Tricircle.Data;
using Tricircle.Errors;

namespace Tricircle.Quotas;

/// <summary>
/// Central quotas: per-project hard limits (the <c>default</c> quota class's unless an admin set
/// others; the class starts at the <c>[quota]</c> options and is changed through
/// os-quota-class-sets) and usage kept as allocation rows, each held by one resource (a server, a volume).
/// A reservation checks and writes in one transaction that holds the project's lock, so
/// concurrent requests of a project, wherever their resources land, never exceed its limits.
/// </summary>
internal sealed class QuotaStore(Database database, IOptions<QuotaOptions> options, TimeProvider timeProvider)
{
    private readonly IReadOnlyDictionary<string, long> _initial = options.Value.Defaults();

    /// <summary>The limits of a project without its own: the <c>default</c> class's.</summary>
    public Task<IReadOnlyDictionary<string, long>> DefaultsAsync(CancellationToken cancellationToken) =>
        ClassAsync(QuotaResources.DefaultClass, cancellationToken);

    /// <summary>
    /// A quota class's limits: the <c>[quota]</c> values overlaid by the <c>default</c> class's
    /// stored ones, then by the class's own (a class nobody set is the default's, as in Cinder).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, long>> ClassAsync(string className, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var limits = await DefaultsAsync(connection, null, cancellationToken);
        if (className != QuotaResources.DefaultClass)
        {
            foreach (var (resource, limit) in await ClassRowsAsync(connection, null, className, cancellationToken))
            {
                limits[resource] = limit;
            }
        }

        return limits;
    }

    /// <summary>Sets limits of a quota class (no usage check: a class is nobody's usage; Nova and Cinder check none either).</summary>
    public async Task SetClassAsync(string className, IReadOnlyDictionary<string, long> limits, CancellationToken cancellationToken)
    {
        if (limits.FirstOrDefault(l => l.Value is > int.MaxValue or < -1) is { Key: not null } huge)
        {
            throw TricircleException.Invalid($"Quota limit {huge.Value} for {huge.Key} must be -1 (unlimited) or from 0 to {int.MaxValue}.");
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        foreach (var (resource, limit) in limits)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO quota_class_limits (class_name, resource, hard_limit) VALUES (@className, @resource, @limit)
                ON CONFLICT (class_name, resource) DO UPDATE SET hard_limit = excluded.hard_limit
                """,
                new { className, resource, limit },
                tx,
                cancellationToken: cancellationToken));
        }

        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>The project's limits: defaults overlaid by what was set for it.</summary>
    public async Task<IReadOnlyDictionary<string, long>> LimitsAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await LimitsAsync(connection, null, projectId, cancellationToken);
    }

    /// <summary>What the project's allocations add up to, by resource.</summary>
    public async Task<IReadOnlyDictionary<string, long>> UsageAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await UsageAsync(connection, null, projectId, cancellationToken);
    }

    /// <summary>
    /// Allocates <paramref name="amounts"/> to the holder (added to what it holds already, so a
    /// volume's extension grows its allocation) if every resource stays within its limit;
    /// otherwise nothing is written and <see cref="QuotaExceededException"/> names the first
    /// resource over. A negative amount gives back part of an allocation and is never refused.
    /// </summary>
    public Task ReserveAsync(string projectId, string holderType, string holderId, IReadOnlyDictionary<string, long> amounts, CancellationToken cancellationToken) =>
        ReserveAsync(projectId, holderType, holderId, amounts, null, cancellationToken);

    /// <summary>As <see cref="ReserveAsync(string, string, string, IReadOnlyDictionary{string, long}, CancellationToken)"/>, doing <paramref name="also"/> in the same transaction (a job that settles the reservation).</summary>
    public Task ReserveAsync(string projectId, string holderType, string holderId, IReadOnlyDictionary<string, long> amounts, InTransaction? also, CancellationToken cancellationToken) =>
        ReserveAsync(projectId, holderType, holderId, amounts, null, also, cancellationToken);

    /// <summary>
    /// As <see cref="ReserveAsync(string, string, string, IReadOnlyDictionary{string, long}, InTransaction, CancellationToken)"/>,
    /// with <paramref name="checkLimits"/> called on the project's limits before the amounts are
    /// checked (a limit that is no allocation, a server's metadata items: it throws to refuse);
    /// the limits it read, for the rest of the same request (a boot's port create).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, long>> ReserveAsync(
        string projectId,
        string holderType,
        string holderId,
        IReadOnlyDictionary<string, long> amounts,
        Action<IReadOnlyDictionary<string, long>>? checkLimits,
        InTransaction? also,
        CancellationToken cancellationToken)
    {
        // The APIs refuse such amounts in their own words first; this keeps the sums in the table safe whatever calls.
        if (amounts.FirstOrDefault(a => a.Value is > int.MaxValue or < -int.MaxValue) is { Key: not null } huge)
        {
            throw TricircleException.Invalid($"Invalid input: {huge.Value} of {huge.Key} is beyond {int.MaxValue}.");
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await LockProjectAsync(connection, projectId, cancellationToken);
        var limits = await LimitsAsync(connection, tx, projectId, cancellationToken);
        checkLimits?.Invoke(limits);
        var usage = await UsageAsync(connection, tx, projectId, cancellationToken);
        foreach (var (resource, amount) in amounts)
        {
            // Callers bound what they ask (sizes and counts to 2^31-1); compared without adding, so nothing can overflow.
            var limit = limits.GetValueOrDefault(resource, -1);
            var used = usage.GetValueOrDefault(resource);
            if (limit >= 0 && amount > 0 && amount > limit - used)
            {
                throw new QuotaExceededException(resource, amount, used, limit);
            }
        }

        // Every resource in one insert (a boot's instances, cores and ram): the keys are
        // distinct (a dictionary's), as ON CONFLICT DO UPDATE needs within one statement.
        if (amounts.Count > 0)
        {
            var parameters = new DynamicParameters(new { projectId, holderType, holderId, now = DbTime.Now(timeProvider) });
            var rows = new List<string>(amounts.Count);
            foreach (var (resource, amount) in amounts)
            {
                var i = rows.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
                parameters.Add("r" + i, resource);
                parameters.Add("a" + i, amount);
                rows.Add($"(@projectId, @r{i}, @holderType, @holderId, @a{i}, @now)");
            }

            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO quota_allocations (project_id, resource, holder_type, holder_id, amount, created_at) VALUES " + string.Join(", ", rows)
                    + " ON CONFLICT (holder_type, holder_id, resource) DO UPDATE SET amount = quota_allocations.amount + excluded.amount",
                parameters,
                tx,
                cancellationToken: cancellationToken));
        }

        await (also?.Invoke(connection, tx, cancellationToken) ?? Task.CompletedTask);
        await tx.CommitAsync(cancellationToken);
        return limits;
    }

    /// <summary>What the holders of one type hold together, by resource (what a volume and its snapshots count, to move them).</summary>
    public async Task<IReadOnlyDictionary<string, long>> HeldAsync(string holderType, IReadOnlyCollection<string> holderIds, CancellationToken cancellationToken)
    {
        var held = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var connection = await database.OpenAsync(cancellationToken);
        foreach (var holderId in holderIds)
        {
            var rows = await connection.QueryAsync<(string Resource, long Amount)>(new CommandDefinition(
                "SELECT resource, amount FROM quota_allocations WHERE holder_type = @holderType AND holder_id = @holderId", new { holderType, holderId }, cancellationToken: cancellationToken));
            foreach (var (resource, amount) in rows)
            {
                held[resource] = held.GetValueOrDefault(resource) + amount;
            }
        }

        return held;
    }

    /// <summary>The holder's allocations now count for <paramref name="projectId"/> (a volume given to another project), in the caller's transaction.</summary>
    public static Task<int> MoveAsync(DbConnection connection, DbTransaction tx, string holderType, string holderId, string projectId, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "UPDATE quota_allocations SET project_id = @projectId WHERE holder_type = @holderType AND holder_id = @holderId",
            new { holderType, holderId, projectId },
            tx,
            cancellationToken: cancellationToken));

    /// <summary>Gives back everything the holder had, in the caller's transaction.</summary>
    public static Task<int> ReleaseAsync(DbConnection connection, DbTransaction tx, string holderType, string holderId, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM quota_allocations WHERE holder_type = @holderType AND holder_id = @holderId",
            new { holderType, holderId },
            tx,
            cancellationToken: cancellationToken));

    /// <summary>Moves a holder's allocations to another id (a reservation made before the resource had its id).</summary>
    public async Task RekeyAsync(string holderType, string fromId, string toId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE quota_allocations SET holder_id = @toId WHERE holder_type = @holderType AND holder_id = @fromId",
            new { holderType, fromId, toId },
            cancellationToken: cancellationToken));
    }

    /// <summary>Moves a holder's allocations to another id, in the caller's transaction (the resource recorded with them).</summary>
    public static Task RekeyAsync(DbConnection connection, DbTransaction tx, string holderType, string fromId, string toId, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "UPDATE quota_allocations SET holder_id = @toId WHERE holder_type = @holderType AND holder_id = @fromId",
            new { holderType, fromId, toId },
            tx,
            cancellationToken: cancellationToken));

    /// <summary>Gives back everything the holder had (nothing happens when it had nothing).</summary>
    public async Task ReleaseAsync(string holderType, string holderId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM quota_allocations WHERE holder_type = @holderType AND holder_id = @holderId",
            new { holderType, holderId },
            cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Sets limits of the project. Unless <paramref name="force"/>, a limit below what is
    /// already used is refused (<see cref="QuotaBelowUsageException"/>).
    /// </summary>
    public async Task SetLimitsAsync(string projectId, IReadOnlyDictionary<string, long> limits, bool force, CancellationToken cancellationToken)
    {
        if (limits.FirstOrDefault(l => l.Value is > int.MaxValue or < -1) is { Key: not null } huge)
        {
            throw TricircleException.Invalid($"Quota limit {huge.Value} for {huge.Key} must be -1 (unlimited) or from 0 to {int.MaxValue}.");
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await LockProjectAsync(connection, projectId, cancellationToken);
        if (!force)
        {
            var usage = await UsageAsync(connection, tx, projectId, cancellationToken);
            foreach (var (resource, limit) in limits)
            {
                if (limit >= 0 && usage.GetValueOrDefault(resource) > limit)
                {
                    throw new QuotaBelowUsageException(resource, limit, usage[resource]);
                }
            }
        }

        foreach (var (resource, limit) in limits)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO quota_limits (project_id, resource, hard_limit) VALUES (@projectId, @resource, @limit)
                ON CONFLICT (project_id, resource) DO UPDATE SET hard_limit = excluded.hard_limit
                """,
                new { projectId, resource, limit },
                tx,
                cancellationToken: cancellationToken));
        }

        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>Back to the defaults (the project's own limits forgotten; its usage stays).</summary>
    public async Task ResetAsync(string projectId, IReadOnlyCollection<string> resources, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        foreach (var resource in resources)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM quota_limits WHERE project_id = @projectId AND resource = @resource",
                new { projectId, resource },
                cancellationToken: cancellationToken));
        }
    }

    /// <summary>
    /// For counted resources (the central Neutron's: its rows are the usage): takes the project's
    /// quota lock inside the caller's write transaction, so that a count-then-insert of two
    /// instances at once cannot both pass (SQLite's BEGIN IMMEDIATE already serialises writers).
    /// </summary>
    public async Task LockAsync(DbConnection connection, DbTransaction tx, string projectId, CancellationToken cancellationToken)
    {
        if (database.Dialect == DatabaseDialect.Postgres)
        {
            await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@key)", new { key = LockKey(projectId) }, tx, cancellationToken: cancellationToken));
        }
    }

    /// <summary>The projects with a limit of their own for any of <paramref name="resources"/>.</summary>
    public async Task<IReadOnlyList<string>> ProjectsWithLimitsAsync(IReadOnlyCollection<string> resources, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string ProjectId, string Resource)>(new CommandDefinition(
            "SELECT DISTINCT project_id, resource FROM quota_limits ORDER BY project_id", cancellationToken: cancellationToken));
        return rows.Where(r => resources.Contains(r.Resource)).Select(r => r.ProjectId).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// A write transaction holding the project's quota lock: SQLite's BEGIN IMMEDIATE serialises
    /// all writers; PostgreSQL takes a transaction-scoped advisory lock on the project.
    /// </summary>
    private async Task<DbTransaction> LockProjectAsync(DbConnection connection, string projectId, CancellationToken cancellationToken)
    {
        var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        await LockAsync(connection, tx, projectId, cancellationToken);
        return tx;
    }

    /// <summary>A stable 64-bit key per project (the same in every process), namespaced so that other advisory locks do not collide.</summary>
    private static long LockKey(string projectId) =>
        BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes("tricircle-quota:" + projectId)), 0);

    /// <summary>The project's limits, read in the caller's transaction when there is one.</summary>
    public async Task<IReadOnlyDictionary<string, long>> LimitsAsync(DbConnection connection, DbTransaction? tx, string projectId, CancellationToken cancellationToken)
    {
        var limits = await DefaultsAsync(connection, tx, cancellationToken);
        var rows = await connection.QueryAsync<(string Resource, long HardLimit)>(new CommandDefinition(
            "SELECT resource, hard_limit FROM quota_limits WHERE project_id = @projectId", new { projectId }, tx, cancellationToken: cancellationToken));
        foreach (var (resource, limit) in rows)
        {
            limits[resource] = limit;
        }

        return limits;
    }

    private async Task<Dictionary<string, long>> DefaultsAsync(DbConnection connection, DbTransaction? tx, CancellationToken cancellationToken)
    {
        var limits = new Dictionary<string, long>(_initial, StringComparer.Ordinal);
        foreach (var (resource, limit) in await ClassRowsAsync(connection, tx, QuotaResources.DefaultClass, cancellationToken))
        {
            limits[resource] = limit;
        }

        return limits;
    }

    private static Task<IEnumerable<(string Resource, long HardLimit)>> ClassRowsAsync(DbConnection connection, DbTransaction? tx, string className, CancellationToken cancellationToken) =>
        connection.QueryAsync<(string Resource, long HardLimit)>(new CommandDefinition(
            "SELECT resource, hard_limit FROM quota_class_limits WHERE class_name = @className", new { className }, tx, cancellationToken: cancellationToken));

    private static async Task<IReadOnlyDictionary<string, long>> UsageAsync(DbConnection connection, DbTransaction? tx, string projectId, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<(string Resource, long Used)>(new CommandDefinition(
            "SELECT resource, CAST(SUM(amount) AS BIGINT) FROM quota_allocations WHERE project_id = @projectId GROUP BY resource", new { projectId }, tx, cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.Resource, r => r.Used, StringComparer.Ordinal);
    }
}

/// <summary>A reservation would take a resource over its limit.</summary>
internal sealed class QuotaExceededException(string resource, long requested, long used, long limit)
    : Exception($"Quota exceeded for {resource}: Requested {requested}, but already used {used} of {limit} {resource}")
{
    public string Resource { get; } = resource;

    public long Requested { get; } = requested;

    public long Used { get; } = used;

    public long Limit { get; } = limit;
}

/// <summary>A new limit would be below what the project already uses.</summary>
internal sealed class QuotaBelowUsageException(string resource, long limit, long used)
    : Exception($"Quota limit {limit} for {resource} must be greater than or equal to already used and reserved {used}.")
{
    public string Resource { get; } = resource;

    public long Limit { get; } = limit;

    public long Used { get; } = used;
}
