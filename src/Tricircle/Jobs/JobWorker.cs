using System.Data.Common;
using Microsoft.Extensions.Options;

namespace Tricircle.Jobs;

/// <summary>
/// The <c>jobs</c> role: leases due jobs and runs up to <c>[jobs] workers</c> of them at once,
/// in every instance that has the role. Idle, it waits for a job queued by this instance or
/// the poll interval. On shutdown, runs under way end as STOPPED and go back to NEW.
/// </summary>
internal sealed partial class JobWorker(
    JobStore store, JobRunner runner, JobSignal signal, IOptions<JobOptions> options, IOptions<Hosting.ServiceOptions> service, TimeProvider timeProvider, ILogger<JobWorker> logger)
    : BackgroundService
{
    private readonly JobOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!service.Value.EnabledRoles().Contains(Hosting.ServiceRole.Jobs))
        {
            return;
        }

        Log.Started(logger, JobRunner.Worker, _options.Workers);
        using var slots = new SemaphoreSlim(_options.Workers);
        var running = new HashSet<Task>();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await slots.WaitAsync(stoppingToken);
                JobLease? lease;
                try
                {
                    lease = await store.LeaseNextAsync(JobRunner.Worker, stoppingToken);
                }
                catch (Exception e) when (e is DbException or InvalidOperationException or TimeoutException)
                {
                    Log.LeaseFailed(logger, e.Message);
                    lease = null;
                }

                if (lease is null)
                {
                    slots.Release();
                    await signal.WaitAsync(_options.Poll, timeProvider, stoppingToken);
                    continue;
                }

                var run = Task.Run(() => runner.RunAsync(lease, refusalsEnd: false, stoppingToken), CancellationToken.None);
                lock (running)
                {
                    running.Add(run);
                }

                _ = run.ContinueWith(
                    t =>
                    {
                        lock (running)
                        {
                            running.Remove(t);
                        }

                        slots.Release();
                    },
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }

        Task[] left;
        lock (running)
        {
            left = [.. running];
        }

        await Task.WhenAll(left);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Job worker {Worker} started: up to {Workers} jobs at once")]
        public static partial void Started(ILogger logger, string worker, int workers);

        [LoggerMessage(2, LogLevel.Warning, "Could not lease a job: {Reason}")]
        public static partial void LeaseFailed(ILogger logger, string reason);
    }
}
