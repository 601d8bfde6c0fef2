using Microsoft.Extensions.Options;
using Tricircle.Errors;

namespace Tricircle.Jobs;

/// <summary>
/// Runs leased jobs: calls the type's handler while keeping the lease alive, and tells the store
/// how the run ended. Workers run what they lease; a request runs the jobs it just queued at once
/// (<see cref="RunNowAsync"/>), so that what the pods can take now is done before it answers,
/// and what they cannot is left to the workers.
/// </summary>
internal sealed partial class JobRunner
{
    /// <summary>This process, as runs and leases name it.</summary>
    public static readonly string Worker = $"{Environment.MachineName}:{Environment.ProcessId}";

    private static readonly TimeSpan WaitPoll = TimeSpan.FromMilliseconds(50);

    private readonly JobStore _store;
    private readonly JobOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<JobRunner> _logger;
    private readonly CancellationToken _stopping;
    private readonly Lazy<Dictionary<string, IJobHandler>> _handlers;
    private readonly Telemetry.TricircleMetrics _metrics;

    public JobRunner(JobStore store, IServiceProvider services, IOptions<JobOptions> options, TimeProvider timeProvider, IHostApplicationLifetime lifetime, Telemetry.TricircleMetrics metrics, ILogger<JobRunner> logger)
    {
        _metrics = metrics;
        _store = store;
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger;
        _stopping = lifetime.ApplicationStopping;

        // Resolved on first use: handlers queue follow-up jobs through JobQueue, which runs through this.
        _handlers = new(() => services.GetServices<IJobHandler>().ToDictionary(h => h.Type.Name, StringComparer.Ordinal));
    }

    /// <summary>The job types this build has handlers for.</summary>
    public IReadOnlyCollection<string> HandledTypes => _handlers.Value.Keys;

    /// <summary>
    /// Runs a leased job to the end of this run and records how it ended; returns the error, if
    /// any. <paramref name="refusalsEnd"/>: a refusal (the handler's <see cref="TricircleException"/>
    /// other than unavailable) ends the job, since the request that ran it answers with it.
    /// </summary>
    public async Task<Exception?> RunAsync(JobLease lease, bool refusalsEnd, CancellationToken stopping)
    {
        var job = lease.Job;
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        using var renewing = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var renewal = RenewAsync(lease, lost, renewing.Token);
        var started = _timeProvider.GetTimestamp();
        try
        {
            var handler = _handlers.Value.GetValueOrDefault(job.Type) ?? throw new InvalidOperationException($"This build has no handler for jobs of type {job.Type}.");
            await handler.RunAsync(job, lost.Token);
            await _store.FinishAsync(lease, RunEnd.Success, null, counts: false, CancellationToken.None);
            Log.Succeeded(_logger, job.Type, job.ResourceId, job.Id, _timeProvider.GetElapsedTime(started).TotalMilliseconds);
            _metrics.JobRun(job.Type, "success");
            return null;
        }
        catch (OperationCanceledException e) when (stopping.IsCancellationRequested)
        {
            await _store.FinishAsync(lease, RunEnd.Stopped, e, counts: false, CancellationToken.None);
            _metrics.JobRun(job.Type, "stopped");
            return e;
        }
        catch (OperationCanceledException e) when (lost.IsCancellationRequested)
        {
            Log.LeaseLost(_logger, job.Type, job.ResourceId, job.Id);
            _metrics.JobRun(job.Type, "lease_lost");
            return e;
        }
        catch (Exception e)
        {
            var refusal = refusalsEnd && e is TricircleException { Kind: not ErrorKind.Unavailable };
            var waitsForPod = IsPodUnavailable(e);
            await _store.FinishAsync(lease, refusal ? RunEnd.Refused : RunEnd.Failure, e, counts: !waitsForPod, CancellationToken.None);
            _metrics.JobRun(job.Type, refusal ? "refused" : "failure");
            if (refusal)
            {
                Log.Refused(_logger, job.Type, job.ResourceId, job.Id, e.Message);
            }
            else
            {
                Log.Failed(_logger, job.Type, job.ResourceId, job.Id, job.Attempts + (waitsForPod ? 0 : 1), e.Message);
            }

            return e;
        }
        finally
        {
            await renewing.CancelAsync();
            await renewal;
        }
    }

    /// <summary>
    /// The first run of jobs a request has just queued (held for it: see
    /// <see cref="JobStore.EnqueueAsync(System.Data.Common.DbConnection, System.Data.Common.DbTransaction, JobRequest, bool, CancellationToken)"/>),
    /// all at once. Waits up to <paramref name="wait"/> and returns each job's error (null:
    /// done; <see cref="TimeoutException"/>: still going, in this process or a worker's). Runs go
    /// on past the wait and past the request: a client that goes away stops nothing.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, Exception?>> RunNowAsync(IReadOnlyCollection<string> jobIds, TimeSpan wait, bool refusalsEnd, CancellationToken cancellationToken)
    {
        var ids = jobIds.Distinct(StringComparer.Ordinal).ToList();
        var runs = ids.ToDictionary(id => id, id => Task.Run(() => RunOrAwaitAsync(id, refusalsEnd), CancellationToken.None), StringComparer.Ordinal);
        using var timer = new CancellationTokenSource(wait, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, cancellationToken);
        try
        {
            await Task.WhenAll(runs.Values).WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Past the wait: the rest finish on their own.
        }

        return runs.ToDictionary(
            r => r.Key,
            r => r.Value.IsCompletedSuccessfully ? r.Value.Result : r.Value.IsFaulted ? r.Value.Exception!.GetBaseException() : new TimeoutException($"Job {r.Key} is still running."),
            StringComparer.Ordinal);
    }

    /// <summary>Runs the job if it can be leased now; else waits for whoever has it (a worker, or a run folded into it) to end it.</summary>
    private async Task<Exception?> RunOrAwaitAsync(string jobId, bool refusalsEnd)
    {
        while (!_stopping.IsCancellationRequested)
        {
            if (await _store.LeaseAsync(jobId, Worker, _stopping) is { } lease)
            {
                var error = await RunAsync(lease, refusalsEnd, _stopping);
                if (error is not null || await _store.FindAsync(jobId, _stopping) is not { Status: JobStatus.New })
                {
                    return error;
                }

                continue; // a request came while it ran: it runs again
            }

            var job = await _store.FindAsync(jobId, _stopping);
            switch (job?.Status)
            {
                case null or JobStatus.Success:
                    return null;
                case JobStatus.Fail:
                    return new InvalidOperationException(job.LastError);
                case JobStatus.New when job.Failures > 0:
                    return new InvalidOperationException(job.LastError); // another run failed it; the workers retry
            }

            await Task.Delay(WaitPoll, _timeProvider, _stopping);
        }

        return new OperationCanceledException(_stopping);
    }

    /// <summary>Keeps the lease alive while the job runs; cancels the run when the lease is lost.</summary>
    private async Task RenewAsync(JobLease lease, CancellationTokenSource lost, CancellationToken cancellationToken)
    {
        var every = _options.Lease / 3;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, _timeProvider, cancellationToken);
                if (!await _store.RenewAsync(lease, cancellationToken))
                {
                    await lost.CancelAsync();
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException)
            {
                // The database did not answer this time; the lease lasts three of these periods.
                Log.RenewFailed(_logger, lease.Job.Id, e.Message);
            }
        }
    }

    /// <summary>
    /// A pod that could not be reached, or something still under way (a copy being made): the
    /// job waits for it rather than counting the failure.
    /// </summary>
    public static bool IsPodUnavailable(Exception e) => e switch
    {
        TricircleException { Kind: ErrorKind.Unavailable } => true,
        AggregateException a => a.InnerExceptions.All(IsPodUnavailable),
        _ => e.InnerException is { } inner && IsPodUnavailable(inner),
    };

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Job {Type} {Resource} ({Id}) succeeded in {Milliseconds:0} ms")]
        public static partial void Succeeded(ILogger logger, string type, string resource, string id, double milliseconds);

        [LoggerMessage(2, LogLevel.Warning, "Job {Type} {Resource} ({Id}) failed (attempt {Attempt}): {Reason}")]
        public static partial void Failed(ILogger logger, string type, string resource, string id, int attempt, string reason);

        [LoggerMessage(3, LogLevel.Information, "Job {Type} {Resource} ({Id}) was refused, and its request told so: {Reason}")]
        public static partial void Refused(ILogger logger, string type, string resource, string id, string reason);

        [LoggerMessage(4, LogLevel.Warning, "Job {Type} {Resource} ({Id}) lost its lease to another worker; this run's result is dropped")]
        public static partial void LeaseLost(ILogger logger, string type, string resource, string id);

        [LoggerMessage(5, LogLevel.Warning, "The lease of job {Id} could not be renewed this time: {Reason}")]
        public static partial void RenewFailed(ILogger logger, string id, string reason);
    }
}
