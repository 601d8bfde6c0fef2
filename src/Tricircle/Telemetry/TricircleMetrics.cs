using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Tricircle.Telemetry;

/// <summary>
/// The service's own instruments, all on the meter <c>Tricircle</c> (<see cref="MeterName"/>):
/// pod calls, fan-out gaps, database time and job runs. Gauges read at scrape time live in
/// <see cref="TelemetryGauges"/>. Prometheus names: dots become underscores, seconds get
/// <c>_seconds</c>, counters <c>_total</c> (see README, "Metrics and traces").
/// </summary>
internal sealed class TricircleMetrics
{
    public const string MeterName = "Tricircle";

    // Seconds: OpenTelemetry's default buckets are meant for milliseconds.
    private static readonly InstrumentAdvice<double> Seconds = new()
    {
        HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    };

    private readonly Histogram<double> _podCalls;
    private readonly Counter<long> _fanOutGaps;
    private readonly Histogram<double> _database;
    private readonly Counter<long> _jobRuns;

    public TricircleMetrics(IMeterFactory meterFactory)
    {
        Meter = meterFactory.Create(MeterName);
        _podCalls = Meter.CreateHistogram(
            "tricircle.pod.request.duration", "s", "Time to a pod's answer (its headers) per pod, service and status class", advice: Seconds);
        _fanOutGaps = Meter.CreateCounter<long>(
            "tricircle.fanout.pod.failures", "{pod}", "Pods left out of a call to several pods (a merged list answered without them)");
        _database = Meter.CreateHistogram(
            "tricircle.db.operation.duration", "s", "Time of each database command (until its reader is ready) and of opening a connection", advice: Seconds);
        _jobRuns = Meter.CreateCounter<long>(
            "tricircle.jobs.runs", "{run}", "Job runs by job type and how they ended");
    }

    public Meter Meter { get; }

    /// <summary>A pod call's time to its answer; <paramref name="statusCode"/> null when none came (connection failure, timeout).</summary>
    public void PodCall(string region, string service, TimeSpan elapsed, int? statusCode, bool cancelled)
    {
        if (_podCalls.Enabled)
        {
            _podCalls.Record(
                elapsed.TotalSeconds,
                new("pod.region", region),
                new("pod.service", service),
                new("http.response.status_class", StatusClass(statusCode, cancelled)));
        }
    }

    /// <summary>One pod left out of a fan-out: <paramref name="reason"/> <c>deadline</c> or <c>error</c>.</summary>
    public void FanOutFailure(string region, string reason) =>
        _fanOutGaps.Add(1, new KeyValuePair<string, object?>("pod.region", region), new KeyValuePair<string, object?>("reason", reason));

    public bool DatabaseEnabled => _database.Enabled;

    public void DatabaseOperation(string system, string operation, TimeSpan elapsed) =>
        _database.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("db.system.name", system), new KeyValuePair<string, object?>("db.operation.name", operation));

    /// <summary>A job run ended: <paramref name="outcome"/> success, failure, refused, stopped or lease_lost.</summary>
    public void JobRun(string type, string outcome) =>
        _jobRuns.Add(1, new KeyValuePair<string, object?>("job.type", type), new KeyValuePair<string, object?>("job.outcome", outcome));

    public static string StatusClass(int? statusCode, bool cancelled) => statusCode switch
    {
        null => cancelled ? "cancelled" : "error",
        < 200 => "1xx",
        < 300 => "2xx",
        < 400 => "3xx",
        < 500 => "4xx",
        _ => "5xx",
    };

    /// <summary>The SQL verb a command starts with, as a low-cardinality label.</summary>
    public static string Operation(string? sql)
    {
        var text = sql.AsSpan().TrimStart();
        var end = text.IndexOfAny(' ', '\n', '\t');
        var verb = end < 0 ? text : text[..end];
        foreach (var known in (ReadOnlySpan<string>)["select", "insert", "update", "delete"])
        {
            if (verb.Equals(known, StringComparison.OrdinalIgnoreCase))
            {
                return known;
            }
        }

        return "other";
    }

    /// <summary>Real elapsed time (not the injected clock: a fake one in tests would measure nothing).</summary>
    internal static TimeSpan Since(long timestamp) => Stopwatch.GetElapsedTime(timestamp);
}
