using System.Data.Common;
using Microsoft.Extensions.Options;
using Tricircle.Data;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Jobs;

/// <summary>
/// How a request hands work to the engine: it begins a <see cref="JobBatch"/>, queues jobs in the
/// transaction of its central change (<see cref="JobBatch.Sync"/>, <see cref="JobBatch.Queue"/>),
/// and after the commit runs them at once (<see cref="JobBatch.RunAsync"/>), waiting up to
/// <c>[client] list_timeout</c>. What a pod cannot take now stays queued for the workers.
/// </summary>
internal sealed class JobQueue(JobStore store, JobRunner runner, JobSignal signal, IOptions<ClientOptions> client)
{
    /// <param name="runHere">
    /// True for a request, which runs its jobs itself after the commit (workers leave them alone
    /// meanwhile); false for a job handler queueing follow-up work, which the workers take.
    /// </param>
    public JobBatch Begin(bool runHere = true) => new(store, runner, signal, TimeSpan.FromSeconds(client.Value.ListTimeout), runHere);

    /// <summary>Queues jobs in their own transaction and runs them at once (what a pod cannot take now is left to the workers).</summary>
    public async Task RunAsync(IReadOnlyCollection<JobRequest> requests, CancellationToken cancellationToken)
    {
        var batch = Begin();
        await using (var connection = await store.OpenAsync(cancellationToken))
        await using (var tx = await Database.BeginWriteAsync(connection, cancellationToken))
        {
            await batch.Queue([.. requests])(connection, tx, cancellationToken);
            await tx.CommitAsync(cancellationToken);
        }

        await batch.RunAsync(refusalsEnd: false, cancellationToken);
    }

    /// <summary>Redoes a job (NEW, due now) and wakes the workers: <c>PUT /v1.0/jobs/{id}</c> and the console's redo.</summary>
    public async Task<Job> RedoAsync(string id, CancellationToken cancellationToken)
    {
        var job = await store.RedoAsync(id, cancellationToken);
        signal.Pulse();
        return job;
    }

    /// <summary>Queues jobs in their own transaction, for the workers (not run by the caller).</summary>
    public async Task QueueAsync(IReadOnlyCollection<JobRequest> requests, CancellationToken cancellationToken)
    {
        if (requests.Count > 0)
        {
            await store.EnqueueAsync(requests, cancellationToken);
            signal.Pulse();
        }
    }
}

/// <summary>The jobs one request queues in its transaction and then runs itself.</summary>
internal sealed class JobBatch(JobStore store, JobRunner runner, JobSignal signal, TimeSpan wait, bool runHere)
{
    private readonly List<string> _ids = [];

    public IReadOnlyList<string> JobIds
    {
        get
        {
            lock (_ids)
            {
                return [.. _ids];
            }
        }
    }

    /// <summary>Queues jobs in the store's transaction.</summary>
    public InTransaction Queue(params JobRequest[] requests) => async (connection, tx, cancellationToken) =>
    {
        foreach (var request in requests)
        {
            Add(await store.EnqueueAsync(connection, tx, request, held: runHere, cancellationToken));
        }
    };

    /// <summary>
    /// Queues a sync job for every pod copy of the resources (a routing row of
    /// <paramref name="resourceType"/>, made or being made), in the store's transaction.
    /// </summary>
    public InTransaction Sync(JobType type, string resourceType, params string[] topIds) => (connection, tx, cancellationToken) =>
        SyncAsync(connection, tx, type, resourceType, topIds, cancellationToken);

    public async Task SyncAsync(DbConnection connection, DbTransaction tx, JobType type, string resourceType, IReadOnlyCollection<string> topIds, CancellationToken cancellationToken)
    {
        foreach (var row in await RoutingStore.RowsAsync(connection, tx, resourceType, topIds, cancellationToken))
        {
            Add(await store.EnqueueAsync(connection, tx, JobRequest.InPod(type, row.PodId, row.TopId, row.ProjectId), held: runHere, cancellationToken));
        }
    }

    /// <summary>
    /// Runs the queued jobs now, all at once, and returns each one's error (null: done). Those
    /// not done within the wait (<paramref name="untilDone"/>: however long they take) go on,
    /// or wait for the workers. A batch not run here wakes the workers instead.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, Exception?>> RunAsync(bool refusalsEnd, CancellationToken cancellationToken, bool untilDone = false)
    {
        var ids = JobIds;
        if (ids.Count == 0 || !runHere)
        {
            if (ids.Count > 0)
            {
                signal.Pulse();
            }

            return new Dictionary<string, Exception?>();
        }

        var results = await runner.RunNowAsync(ids, untilDone ? Timeout.InfiniteTimeSpan : wait, refusalsEnd, cancellationToken);
        if (results.Values.Any(e => e is not null))
        {
            signal.Pulse(); // what failed is due again after its backoff: the workers take it
        }

        return results;
    }

    private void Add(string id)
    {
        lock (_ids)
        {
            _ids.Add(id);
        }
    }
}
