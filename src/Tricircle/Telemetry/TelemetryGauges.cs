using System.Diagnostics.Metrics;
using Polly.CircuitBreaker;
using Tricircle.Jobs;
using Tricircle.Pods;

namespace Tricircle.Telemetry;

/// <summary>
/// The gauges read when Prometheus scrapes: each pod's circuit (<c>tricircle.pod.circuit.state</c>:
/// 0 closed, 1 half-open, 2 open) and the job engine's queue (<c>tricircle.jobs.queued</c> by
/// status, from the jobs table at most every <see cref="QueueCacheFor"/>, so that scrapes from
/// several Prometheus servers cost the database one small query).
/// </summary>
internal sealed partial class TelemetryGauges(TricircleMetrics metrics, PodClient pods, JobStore jobs, ILogger<TelemetryGauges> logger) : IHostedService
{
    public static readonly TimeSpan QueueCacheFor = TimeSpan.FromSeconds(5);

    private readonly Lock _queueLock = new();
    private IReadOnlyList<Measurement<long>> _queue = [];
    private long _queueReadAt = long.MinValue;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        metrics.Meter.CreateObservableGauge(
            "tricircle.pod.circuit.state",
            () => pods.CircuitStates().Select(c => new Measurement<int>(Value(c.State), new KeyValuePair<string, object?>("pod.region", c.Region))),
            "{state}",
            "Each pod's circuit as this instance sees it: 0 closed, 1 half-open, 2 open (resting: calls fail at once)");
        metrics.Meter.CreateObservableGauge(
            "tricircle.jobs.queued",
            Queue,
            "{job}",
            "Jobs by status (new, running, fail) in the shared jobs table");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static int Value(CircuitState state) => state switch
    {
        CircuitState.Closed => 0,
        CircuitState.HalfOpen => 1,
        _ => 2,
    };

    // Observable instruments are read synchronously; the query is bounded and cached.
    private IReadOnlyList<Measurement<long>> Queue()
    {
        lock (_queueLock)
        {
            if (System.Diagnostics.Stopwatch.GetElapsedTime(_queueReadAt) < QueueCacheFor && _queueReadAt != long.MinValue)
            {
                return _queue;
            }

            try
            {
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                var counts = jobs.CountsByPodAsync(deadline.Token).GetAwaiter().GetResult();
                _queue = [.. new[] { JobStatus.New, JobStatus.Running, JobStatus.Fail }.Select(status => new Measurement<long>(
                    counts.Where(c => c.Status == status).Sum(c => c.Count),
                    new KeyValuePair<string, object?>("job.status", status.ToLowerInvariant())))];
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or OperationCanceledException)
            {
                Log.QueueUnread(logger, e.Message);
                _queue = []; // no value rather than a stale one
            }

            _queueReadAt = System.Diagnostics.Stopwatch.GetTimestamp();
            return _queue;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Could not count the jobs for the queue gauge: {Reason}")]
        public static partial void QueueUnread(ILogger logger, string reason);
    }
}
