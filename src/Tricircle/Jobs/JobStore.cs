using System.Data.Common;
using System.Globalization;
using Dapper;
using Microsoft.Extensions.Options;
using Tricircle.Data;
using Tricircle.Errors;

namespace Tricircle.Jobs;

/// <summary>A job to queue: its type, the values of the type's keys and the project it is for.</summary>
internal sealed record JobRequest(JobType Type, IReadOnlyDictionary<string, string> Resource, string? ProjectId)
{
    public static JobRequest For(JobType type, string? projectId, params (string Key, string Value)[] keys) =>
        new(type, keys.ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal), projectId);

    /// <summary>A job of a per-pod type (pod first, then the resource's id).</summary>
    public static JobRequest InPod(JobType type, string podId, string id, string? projectId) =>
        new(type, new Dictionary<string, string>(StringComparer.Ordinal) { [type.Keys[0]] = podId, [type.Keys[1]] = id }, projectId);
}

/// <summary>How a run ended, as the runner tells the store.</summary>
internal enum RunEnd
{
    Success,

    /// <summary>It failed; whether the failure counts towards giving up is told apart.</summary>
    Failure,

    /// <summary>The worker is shutting down: the job goes back to NEW, nothing counted.</summary>
    Stopped,

    /// <summary>Run inside a request that was answered with the refusal: the job goes (unless a newer request came meanwhile).</summary>
    Refused,
}

/// <summary>A job leased by one worker: the job as leased and its run's row.</summary>
internal sealed record JobLease(Job Job, long RunId, string Owner);

/// <summary>
/// The <c>jobs</c> and <c>job_runs</c> tables, and only writer of them. A job is queued in the
/// transaction of the central change that needs it (<see cref="EnqueueAsync(DbConnection, DbTransaction, JobRequest, bool, CancellationToken)"/>),
/// so it exists exactly when the change does. At most one job per (type, resource) is pending
/// (NEW or RUNNING): a later request folds into it, and a request that comes while it runs makes
/// it run once more. A worker leases a job until a time it keeps pushing on while it runs; a
/// lease that runs out (its worker died) lets any other worker take the job over (PostgreSQL:
/// <c>FOR UPDATE SKIP LOCKED</c>; SQLite: its one writer).
/// </summary>
internal sealed class JobStore(Database database, IOptions<JobOptions> options, TimeProvider timeProvider)
{
    private const string Columns =
        "seq, id, type, resource_id, project_id, pod_id, status, requests, attempts, failures, run_after, lease_owner, last_error, created_at, updated_at, finished_at";

    private const string Pending = "status IN ('NEW', 'RUNNING')";

    private readonly JobOptions _options = options.Value;

    public static readonly IReadOnlyList<string> Filters = ["type", "status", "project_id", "pod_id", "resource_id"];

    /// <summary>
    /// Queues a job in the caller's transaction and returns its id (the pending job's, when it
    /// folds into one). <paramref name="held"/>: the caller runs it at once itself
    /// (<see cref="JobRunner.RunNowAsync"/>), so workers leave it alone for a lease's length, after
    /// which they take it over as if the caller had died.
    /// </summary>
    public async Task<string> EnqueueAsync(DbConnection connection, DbTransaction tx, JobRequest request, bool held, CancellationToken cancellationToken)
    {
        var now = Now();
        return await connection.ExecuteScalarAsync<string>(new CommandDefinition(
            $"""
            INSERT INTO jobs (id, type, resource_id, project_id, pod_id, status, requests, attempts, failures, run_after, created_at, updated_at)
            VALUES (@id, @type, @resourceId, @projectId, @podId, 'NEW', 1, 0, 0, @runAfter, @now, @now)
            ON CONFLICT (type, resource_id) WHERE {Pending}
            DO UPDATE SET requests = jobs.requests + 1, updated_at = excluded.updated_at,
                project_id = COALESCE(jobs.project_id, excluded.project_id),
                run_after = CASE WHEN jobs.status = 'NEW' AND excluded.run_after < jobs.run_after THEN excluded.run_after ELSE jobs.run_after END
            RETURNING id
            """,
            new
            {
                id = Guid.NewGuid().ToString(),
                type = request.Type.Name,
                resourceId = request.Type.ResourceId(request.Resource),
                projectId = request.ProjectId,
                podId = request.Type.PodOf(request.Resource),
                runAfter = held ? now + _options.Lease : now,
                now,
            },
            tx,
            cancellationToken: cancellationToken)) ?? throw new InvalidOperationException("The job insert returned no id.");
    }

    /// <summary>A connection to the jobs' database, for a caller that queues jobs in a transaction of its own making.</summary>
    public ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) => database.OpenAsync(cancellationToken);

    /// <summary>Queues jobs in a transaction of their own (workers, the audit, the Admin API).</summary>
    public async Task<IReadOnlyList<string>> EnqueueAsync(IReadOnlyCollection<JobRequest> requests, CancellationToken cancellationToken)
    {
        if (requests.Count == 0)
        {
            return [];
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        var ids = new List<string>(requests.Count);
        foreach (var request in requests)
        {
            ids.Add(await EnqueueAsync(connection, tx, request, held: false, cancellationToken));
        }

        await tx.CommitAsync(cancellationToken);
        return ids;
    }

    /// <summary>Leases the job due first, if any (a NEW job whose time has come, or a RUNNING one whose lease ran out).</summary>
    public Task<JobLease?> LeaseNextAsync(string worker, CancellationToken cancellationToken) =>
        LeaseAsync(
            database.Dialect == DatabaseDialect.Postgres
                ? $"seq = (SELECT seq FROM jobs WHERE {Pending} AND run_after <= @now ORDER BY run_after, seq LIMIT 1 FOR UPDATE SKIP LOCKED)"
                : $"seq = (SELECT seq FROM jobs WHERE {Pending} AND run_after <= @now ORDER BY run_after, seq LIMIT 1)",
            null,
            worker,
            cancellationToken);

    /// <summary>Leases one job now, whatever its time (a NEW job, or a RUNNING one whose lease ran out): a request running its own job.</summary>
    public Task<JobLease?> LeaseAsync(string jobId, string worker, CancellationToken cancellationToken) =>
        LeaseAsync("id = @jobId AND (status = 'NEW' OR (status = 'RUNNING' AND run_after <= @now))", jobId, worker, cancellationToken);

    private async Task<JobLease?> LeaseAsync(string where, string? jobId, string worker, CancellationToken cancellationToken)
    {
        var now = Now();
        var owner = worker + " " + Guid.NewGuid().ToString("N")[..12];
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        var job = await connection.QueryFirstOrDefaultAsync<Job>(new CommandDefinition(
            $"UPDATE jobs SET status = 'RUNNING', lease_owner = @owner, run_after = @until, updated_at = @now WHERE {where} RETURNING {Columns}",
            new { owner, until = now + _options.Lease, now, jobId },
            tx,
            cancellationToken: cancellationToken));
        if (job is null)
        {
            await tx.RollbackAsync(cancellationToken);
            return null;
        }

        // The run starts now that the lease is held. The update may have waited for the job's row
        // while the previous run ended (PostgreSQL re-reads it then), so the time read before it
        // could fall inside that run: the run log would show two runs at once that never were.
        var started = Now();

        // A run still open is that of a worker whose lease ran out: it is over.
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE job_runs SET finished_at = @started, outcome = @lost, error = 'its worker stopped renewing the lease (it died or hung); taken over' WHERE job_id = @id AND finished_at IS NULL",
            new { started, lost = JobRun.Lost, id = job.Id },
            tx,
            cancellationToken: cancellationToken));
        var runId = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "INSERT INTO job_runs (job_id, worker, started_at) VALUES (@id, @worker, @started) RETURNING id",
            new { id = job.Id, worker, started },
            tx,
            cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return new JobLease(job, runId, owner);
    }

    /// <summary>Pushes the lease on; false when it was lost (taken over after it ran out, or the job was deleted).</summary>
    public async Task<bool> RenewAsync(JobLease lease, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE jobs SET run_after = @until WHERE id = @id AND lease_owner = @owner AND status = 'RUNNING'",
            new { until = Now() + _options.Lease, id = lease.Job.Id, owner = lease.Owner },
            cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>
    /// Ends a run. A success ends the job, unless a request came while it ran (then it runs
    /// again) and removes failed jobs of the same resource that it makes moot. A failure puts
    /// it back with a backoff, or ends it in FAIL after <c>max_attempts</c> failures that count.
    /// </summary>
    public async Task FinishAsync(JobLease lease, RunEnd end, Exception? error, bool counts, CancellationToken cancellationToken)
    {
        var now = Now();
        var job = lease.Job;
        var message = error is null ? null : Describe(error);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        var mine = new { id = job.Id, owner = lease.Owner, seen = job.Requests, now };
        string outcome;
        int updated;
        switch (end)
        {
            case RunEnd.Success:
                outcome = JobRun.Success;
                updated = await connection.ExecuteAsync(new CommandDefinition(
                    """
                    UPDATE jobs SET status = CASE WHEN requests = @seen THEN 'SUCCESS' ELSE 'NEW' END,
                        finished_at = CASE WHEN requests = @seen THEN @now ELSE NULL END,
                        attempts = 0, failures = 0, last_error = NULL, lease_owner = NULL, run_after = @now, updated_at = @now
                    WHERE id = @id AND lease_owner = @owner AND status = 'RUNNING'
                    """,
                    mine,
                    tx,
                    cancellationToken: cancellationToken));
                if (updated > 0)
                {
                    await connection.ExecuteAsync(new CommandDefinition(
                        "DELETE FROM jobs WHERE type = @type AND resource_id = @resourceId AND status = 'FAIL'",
                        new { type = job.Type, resourceId = job.ResourceId },
                        tx,
                        cancellationToken: cancellationToken));
                }

                break;
            case RunEnd.Stopped:
                outcome = JobRun.Stopped;
                updated = await BackToNewAsync(connection, tx, mine, cancellationToken);
                break;
            case RunEnd.Refused:
                outcome = JobRun.Fail;
                updated = await connection.ExecuteAsync(new CommandDefinition(
                    "DELETE FROM jobs WHERE id = @id AND lease_owner = @owner AND status = 'RUNNING' AND requests = @seen",
                    mine,
                    tx,
                    cancellationToken: cancellationToken));
                if (updated == 0)
                {
                    // A newer request came while it ran: that one still wants doing.
                    updated = await BackToNewAsync(connection, tx, mine, cancellationToken);
                }

                break;
            default:
                var failures = job.Failures + 1;
                var attempts = job.Attempts + (counts ? 1 : 0);
                var gaveUp = counts && attempts >= _options.MaxAttempts;
                outcome = gaveUp ? JobRun.Fail : JobRun.Retry;
                updated = await connection.ExecuteAsync(new CommandDefinition(
                    """
                    UPDATE jobs SET status = @status, attempts = @attempts, failures = @failures, last_error = @message, lease_owner = NULL,
                        run_after = @retryAt, updated_at = @now, finished_at = @finished
                    WHERE id = @id AND lease_owner = @owner AND status = 'RUNNING'
                    """,
                    new
                    {
                        mine.id,
                        mine.owner,
                        now,
                        status = gaveUp ? JobStatus.Fail : JobStatus.New,
                        attempts,
                        failures,
                        message,
                        retryAt = now + Backoff(failures),
                        finished = gaveUp ? now : (DateTime?)null,
                    },
                    tx,
                    cancellationToken: cancellationToken));
                break;
        }

        if (updated > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE job_runs SET finished_at = @now, outcome = @outcome, error = @message WHERE id = @runId",
                new { now, outcome, message, runId = lease.RunId },
                tx,
                cancellationToken: cancellationToken));
        }

        // Not updated: the lease was lost (taken over, which closed this run as LOST) or the job deleted.
        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>A leased job due again now, nothing counted (its worker stopped, or a newer request came).</summary>
    private static Task<int> BackToNewAsync(DbConnection connection, DbTransaction tx, object mine, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "UPDATE jobs SET status = 'NEW', lease_owner = NULL, run_after = @now, updated_at = @now WHERE id = @id AND lease_owner = @owner AND status = 'RUNNING'",
            mine,
            tx,
            cancellationToken: cancellationToken));

    /// <summary>Exponential from <c>retry_base_seconds</c>, capped at <c>retry_max_seconds</c>, with jitter so that jobs failed together do not retry together.</summary>
    public TimeSpan Backoff(int failures)
    {
        var exponential = _options.RetryBaseSeconds * Math.Pow(2, Math.Min(failures - 1, 30));
        var capped = Math.Min(exponential, _options.RetryMaxSeconds);
        return TimeSpan.FromSeconds(capped * (0.5 + (Random.Shared.NextDouble() * 0.5)));
    }

    public async Task<Job?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<Job>(new CommandDefinition(
            $"SELECT {Columns} FROM jobs WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    /// <summary>Several jobs by id (the inline runner's wait), in one query.</summary>
    public async Task<IReadOnlyList<Job>> FindAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        var parameters = new DynamicParameters();
        var names = ids.Select((id, i) =>
        {
            parameters.Add("j" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), id);
            return "@j" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }).ToList();
        await using var connection = await database.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<Job>(new CommandDefinition(
            $"SELECT {Columns} FROM jobs WHERE id IN ({string.Join(", ", names)})", parameters, cancellationToken: cancellationToken))];
    }

    /// <summary>A job's latest runs, newest first.</summary>
    public async Task<IReadOnlyList<JobRun>> RunsAsync(string jobId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<JobRun>(new CommandDefinition(
            "SELECT id, job_id, worker, started_at, finished_at, outcome, error FROM job_runs WHERE job_id = @jobId ORDER BY id DESC LIMIT @limit",
            new { jobId, limit },
            cancellationToken: cancellationToken))];
    }

    /// <summary>
    /// One page, newest first. Filters: <c>type</c>, <c>status</c> (any case), <c>project_id</c>,
    /// <c>pod_id</c>, and <c>resource_id</c> (any one of the job's keys, e.g. a network's id).
    /// The marker is a job id (400 when unknown).
    /// </summary>
    public async Task<(IReadOnlyList<Job> Jobs, bool More)> ListAsync(IReadOnlyDictionary<string, string> filters, string? marker, int limit, CancellationToken cancellationToken)
    {
        var clauses = new List<string>();
        var parameters = new DynamicParameters();
        foreach (var (key, value) in filters)
        {
            switch (key)
            {
                case "status":
                    clauses.Add("status = @status");
                    parameters.Add("status", value.ToUpperInvariant());
                    break;
                case "resource_id":
                    // One of the '#'-joined keys.
                    clauses.Add("('#' || resource_id || '#') LIKE @resourcePart ESCAPE '\\'");
                    parameters.Add("resourcePart", "%#" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "#%");
                    break;
                case "type" or "project_id" or "pod_id":
                    clauses.Add($"{key} = @{key}");
                    parameters.Add(key, value);
                    break;
                default:
                    throw TricircleException.Invalid($"Unsupported filter {key}; jobs are filtered by {string.Join(", ", Filters)}.");
            }
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        if (marker is not null)
        {
            var seq = await connection.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT seq FROM jobs WHERE id = @marker", new { marker }, cancellationToken: cancellationToken))
                ?? throw TricircleException.Invalid($"Invalid marker {marker}: no such job.");
            clauses.Add("seq < @markerSeq");
            parameters.Add("markerSeq", seq);
        }

        parameters.Add("take", limit + 1);
        var where = clauses.Count == 0 ? "" : " WHERE " + string.Join(" AND ", clauses);
        var rows = (await connection.QueryAsync<Job>(new CommandDefinition(
            $"SELECT {Columns} FROM jobs{where} ORDER BY seq DESC LIMIT @take", parameters, cancellationToken: cancellationToken))).ToList();
        var more = rows.Count > limit;
        if (more)
        {
            rows.RemoveAt(rows.Count - 1);
        }

        return (rows, more);
    }

    /// <summary>Deletes a job that is not running (a NEW one then never runs); 404 unknown, 400 running.</summary>
    public async Task DeleteAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var deleted = await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM jobs WHERE id = @id AND status <> 'RUNNING'", new { id }, cancellationToken: cancellationToken));
        if (deleted == 0)
        {
            throw await FindAsync(id, cancellationToken) is null
                ? TricircleException.NotFound($"Job {id} could not be found.")
                : TricircleException.Invalid($"Job {id} is running; it can be deleted once its run ends.");
        }
    }

    /// <summary>
    /// Runs a NEW or FAIL job again now, its attempts counted from zero. A failed job whose
    /// resource has a pending job meanwhile folds into that one (which is returned).
    /// </summary>
    public async Task<Job> RedoAsync(string id, CancellationToken cancellationToken)
    {
        var now = Now();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        var job = await connection.QueryFirstOrDefaultAsync<Job>(new CommandDefinition(
            $"SELECT {Columns} FROM jobs WHERE id = @id{(database.Dialect == DatabaseDialect.Postgres ? " FOR UPDATE" : "")}", new { id }, tx, cancellationToken: cancellationToken))
            ?? throw TricircleException.NotFound($"Job {id} could not be found.");
        switch (job.Status)
        {
            case JobStatus.Running:
                throw TricircleException.Invalid($"Job {id} is running; it cannot be redone until its run ends.");
            case JobStatus.Success:
                throw TricircleException.Invalid($"Job {id} has succeeded; there is nothing to redo.");
        }

        // Serialises redo against a new request for the same resource (PostgreSQL; SQLite has one writer).
        var pending = await connection.QueryFirstOrDefaultAsync<Job>(new CommandDefinition(
            $"SELECT {Columns} FROM jobs WHERE type = @type AND resource_id = @resourceId AND {Pending} AND id <> @id{(database.Dialect == DatabaseDialect.Postgres ? " FOR UPDATE" : "")}",
            new { type = job.Type, resourceId = job.ResourceId, id },
            tx,
            cancellationToken: cancellationToken));
        string target;
        if (pending is not null)
        {
            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM jobs WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken));
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE jobs SET requests = requests + 1, run_after = CASE WHEN status = 'NEW' THEN @now ELSE run_after END, updated_at = @now WHERE id = @pending",
                new { now, pending = pending.Id },
                tx,
                cancellationToken: cancellationToken));
            target = pending.Id;
        }
        else
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE jobs SET status = 'NEW', attempts = 0, failures = 0, requests = requests + 1, run_after = @now, updated_at = @now, finished_at = NULL
                WHERE id = @id
                """,
                new { now, id },
                tx,
                cancellationToken: cancellationToken));
            target = id;
        }

        // Read before the commit: the job as the redo left it, not as a worker that leased it a moment later has.
        var redone = await connection.QuerySingleAsync<Job>(new CommandDefinition(
            $"SELECT {Columns} FROM jobs WHERE id = @target", new { target }, tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return redone;
    }

    /// <summary>Removes the jobs of a pod that was deleted, but for one running now (it finds no pod and ends).</summary>
    public async Task DeleteOfPodAsync(string podId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM jobs WHERE pod_id = @podId AND status <> 'RUNNING'", new { podId }, cancellationToken: cancellationToken));
    }

    /// <summary>Removes jobs that succeeded before <paramref name="before"/> (with their runs).</summary>
    public async Task<int> PurgeAsync(DateTime before, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM jobs WHERE status = 'SUCCESS' AND finished_at < @before", new { before }, cancellationToken: cancellationToken));
    }

    /// <summary>Queues an audit of the pod unless one is pending or ended within <paramref name="interval"/> (any instance's).</summary>
    public async Task<bool> EnqueueAuditIfDueAsync(string podId, TimeSpan interval, CancellationToken cancellationToken)
    {
        var now = Now();
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            $"""
            INSERT INTO jobs (id, type, resource_id, project_id, pod_id, status, requests, attempts, failures, run_after, created_at, updated_at)
            SELECT @id, @type, @podId, NULL, @podId, 'NEW', 1, 0, 0, @now, @now, @now
            WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE type = @type AND resource_id = @podId AND ({Pending} OR finished_at > @since))
            ON CONFLICT (type, resource_id) WHERE {Pending} DO NOTHING
            """,
            new { id = Guid.NewGuid().ToString(), type = JobTypes.PodAudit.Name, podId, now, since = now - interval },
            cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>
    /// Which of <paramref name="resourceIds"/> (as jobs store them: <c>pod#id</c>, or <c>id</c>)
    /// have a job of one of <paramref name="types"/>, in any state: what an audit takes as proof
    /// that Tricircle worked on a resource it no longer records.
    /// </summary>
    public async Task<IReadOnlySet<string>> WithJobsAsync(IReadOnlyCollection<string> types, IReadOnlyCollection<string> resourceIds, CancellationToken cancellationToken)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        if (types.Count == 0)
        {
            return found;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        foreach (var chunk in resourceIds.Distinct(StringComparer.Ordinal).Chunk(500))
        {
            var parameters = new DynamicParameters();
            var typeList = string.Join(", ", types.Select((t, i) => Add(parameters, "t" + i.ToString(CultureInfo.InvariantCulture), t)));
            var idList = string.Join(", ", chunk.Select((r, i) => Add(parameters, "r" + i.ToString(CultureInfo.InvariantCulture), r)));
            found.UnionWith(await connection.QueryAsync<string>(new CommandDefinition(
                $"SELECT DISTINCT resource_id FROM jobs WHERE type IN ({typeList}) AND resource_id IN ({idList})", parameters, cancellationToken: cancellationToken)));
        }

        return found;

        static string Add(DynamicParameters parameters, string name, string value)
        {
            parameters.Add(name, value);
            return "@" + name;
        }
    }

    /// <summary>Pending (NEW, RUNNING) and FAIL jobs per pod (null: jobs of no one pod), for <c>tricircle status</c>.</summary>
    public async Task<IReadOnlyList<(string? PodId, string Status, long Count)>> CountsByPodAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<(string?, string, long)>(new CommandDefinition(
            "SELECT pod_id, status, COUNT(*) FROM jobs WHERE status IN ('NEW', 'RUNNING', 'FAIL') GROUP BY pod_id, status",
            cancellationToken: cancellationToken))];
    }

    private DateTime Now() => timeProvider.GetUtcNow().UtcDateTime;

    /// <summary>What an operator reads as the job's error: the message, and the inner cause when it adds to it.</summary>
    public static string Describe(Exception error)
    {
        var message = error.Message;
        if (error.InnerException is { } inner && !message.Contains(inner.Message, StringComparison.Ordinal))
        {
            message += " (" + inner.Message + ")";
        }

        return message.Length > 4000 ? message[..4000] : message;
    }
}
