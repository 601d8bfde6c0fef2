using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Tricircle.Telemetry;

/// <summary>What this instance saw of one pod service's calls in the window: count, errors, and latency percentiles.</summary>
internal sealed record PodCallSummary(string Region, string Service, int Calls, int Errors, double P50Ms, double P95Ms)
{
    public double ErrorRate => Calls == 0 ? 0 : (double)Errors / Calls;
}

/// <summary>
/// The last minutes of pod calls per pod and service, in memory, for <c>tricircle status</c>
/// (through <c>GET /v1.0/status</c>): the latest <see cref="Capacity"/> calls of each pair
/// within <c>[metrics] window_seconds</c>. Fed by the same hook as the pod-call histogram;
/// percentiles are computed on read, which is rare.
/// </summary>
internal sealed class PodCallWindow(IOptions<MetricsOptions> options, TimeProvider timeProvider)
{
    /// <summary>Calls kept per pod service: enough for stable percentiles, bounded memory under load.</summary>
    public const int Capacity = 2048;

    private readonly ConcurrentDictionary<(string Region, string Service), Ring> _rings = new();

    public TimeSpan Window { get; } = TimeSpan.FromSeconds(options.Value.WindowSeconds);

    /// <summary>An error is a call the pod did not answer, or answered with a 5xx.</summary>
    public void Add(string region, string service, TimeSpan elapsed, bool error) =>
        _rings.GetOrAdd((region, service), _ => new Ring()).Add(timeProvider.GetUtcNow(), elapsed.TotalMilliseconds, error);

    public IReadOnlyList<PodCallSummary> Summaries()
    {
        var since = timeProvider.GetUtcNow() - Window;
        return [.. _rings.Select(r => r.Value.Summarize(r.Key.Region, r.Key.Service, since))
            .Where(s => s.Calls > 0)
            .OrderBy(s => s.Region, StringComparer.Ordinal)
            .ThenBy(s => s.Service, StringComparer.Ordinal)];
    }

    private sealed class Ring
    {
        private readonly (DateTimeOffset At, double Ms, bool Error)[] _calls = new (DateTimeOffset, double, bool)[Capacity];
        private int _next;
        private int _count;

        public void Add(DateTimeOffset at, double ms, bool error)
        {
            lock (_calls)
            {
                _calls[_next] = (at, ms, error);
                _next = (_next + 1) % Capacity;
                _count = Math.Min(_count + 1, Capacity);
            }
        }

        public PodCallSummary Summarize(string region, string service, DateTimeOffset since)
        {
            List<double> times;
            var errors = 0;
            lock (_calls)
            {
                times = new List<double>(_count);
                for (var i = 0; i < _count; i++)
                {
                    var (at, ms, error) = _calls[i];
                    if (at >= since)
                    {
                        times.Add(ms);
                        errors += error ? 1 : 0;
                    }
                }
            }

            times.Sort();
            return new PodCallSummary(region, service, times.Count, errors, Percentile(times, 0.50), Percentile(times, 0.95));
        }

        // Nearest rank: the smallest time at or above the share asked.
        private static double Percentile(List<double> sorted, double share) =>
            sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(share * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
