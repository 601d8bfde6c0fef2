using System.Diagnostics.Metrics;
using Polly.CircuitBreaker;
using Tricircle.Jobs;
using Tricircle.Pods;

namespace Tricircle.Telemetry;

/// <summary>
/// The gauges read when Prometheus scrapes: each pod's circuit (<c>tricircle.pod.circuit.state</c>:
/// 0 closed, 1 half-open, 2 open; every registered bottom pod, those this instance has not
/// called yet closed) and the job engine's queue (<c>tricircle.jobs.queued</c> by status). What
/// they need of the database (the pods, the jobs table's counts) is read at most every
/// <see cref="CacheFor"/>, so that scrapes from several Prometheus servers cost it one small query.
/// </summary>
internal sealed partial class TelemetryGauges(
    TricircleMetrics metrics,
    PodClient pods,
    PodStore podStore,
    JobStore jobs,
    TimeProvider timeProvider,
    ILogger<TelemetryGauges> logger) : IHostedService
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);

    private static readonly Dictionary<string, string> AllPods = [];

    private readonly ScrapeCache<IReadOnlyList<Measurement<long>>> _queue = new();
    private readonly ScrapeCache<IReadOnlyList<string>> _regions = new();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        metrics.Meter.CreateObservableGauge(
            "tricircle.pod.circuit.state",
            Circuits,
            "{state}",
            "Each pod's circuit as this instance sees it: 0 closed (or not called yet), 1 half-open, 2 open (resting: calls fail at once)");
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

    // A pod's circuit (its resilience pipeline) is made on its first call: a registered pod
    // without one is closed. The circuits' own regions also cover regions that are not pods
    // (a shared Glance's).
    private IEnumerable<Measurement<int>> Circuits()
    {
        var states = pods.CircuitStates().ToList();
        var registered = _regions.Get(timeProvider, Regions, e => Log.PodsUnread(logger, e.Message), []);
        var uncalled = registered.Except(states.Select(s => s.Region), StringComparer.Ordinal).Select(region => (Region: region, State: CircuitState.Closed));
        return states.Concat(uncalled).Select(c => new Measurement<int>(Value(c.State), new KeyValuePair<string, object?>("pod.region", c.Region)));
    }

    private async Task<IReadOnlyList<string>> Regions(CancellationToken cancellationToken) =>
        [.. (await podStore.ListAsync(AllPods, cancellationToken)).Where(p => !p.IsCentral).Select(p => p.RegionName)];

    // "No value rather than a stale one" when the jobs table can not be read.
    private IReadOnlyList<Measurement<long>> Queue() => _queue.Get(timeProvider, CountJobs, e => Log.QueueUnread(logger, e.Message), []);

    private async Task<IReadOnlyList<Measurement<long>>> CountJobs(CancellationToken cancellationToken)
    {
        var counts = await jobs.CountsByPodAsync(cancellationToken);
        return [.. new[] { JobStatus.New, JobStatus.Running, JobStatus.Fail }.Select(status => new Measurement<long>(
            counts.Where(c => c.Status == status).Sum(c => c.Count),
            new KeyValuePair<string, object?>("job.status", status.ToLowerInvariant())))];
    }

    /// <summary>
    /// One database read behind a gauge, kept for <see cref="CacheFor"/>. Observable instruments
    /// are read synchronously: the read is bounded (two seconds) and waited for.
    /// </summary>
    private sealed class ScrapeCache<T>
    {
        private readonly Lock _lock = new();
        private T? _value;
        private long _readAt;
        private bool _read;

        public T Get(TimeProvider time, Func<CancellationToken, Task<T>> read, Action<Exception> failed, T unread)
        {
            lock (_lock)
            {
                if (_read && time.GetElapsedTime(_readAt) < CacheFor)
                {
                    return _value!;
                }

                try
                {
                    using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(2), time);
                    _value = read(deadline.Token).GetAwaiter().GetResult();
                }
                catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or OperationCanceledException)
                {
                    failed(e);
                    _value = unread;
                }

                _readAt = time.GetTimestamp();
                _read = true;
                return _value;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Could not count the jobs for the queue gauge: {Reason}")]
        public static partial void QueueUnread(ILogger logger, string reason);

        [LoggerMessage(2, LogLevel.Warning, "Could not list the pods for the circuit gauge (only the pods this instance called are shown): {Reason}")]
        public static partial void PodsUnread(ILogger logger, string reason);
    }
}
