using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Tricircle.Jobs;

/// <summary>
/// <c>[jobs] audit_rate</c>: one token bucket per pod, shared by every audit in this process, so
/// that audits never ask one pod more than that many calls a second. The bucket holds at most a
/// tenth of a second's calls (one, when the rate is lower), so no burst beyond the rate builds up
/// while a pod is not audited. Buckets fill on the wall clock (the framework's own timer): the
/// limit is about real load on a real pod.
/// </summary>
internal sealed class AuditRateLimits(IOptions<JobOptions> options) : IDisposable
{
    private readonly ConcurrentDictionary<string, TokenBucketRateLimiter> _pods = new(StringComparer.Ordinal);
    private readonly TokenBucketRateLimiterOptions _bucket = Bucket(options.Value.AuditRate);

    /// <summary>Calls a pod's bucket lets through at once when full, and what it gains each <see cref="Period"/>.</summary>
    public int Burst => _bucket.TokenLimit;

    public TimeSpan Period => _bucket.ReplenishmentPeriod;

    /// <summary>Waits until the pod may take one more call of an audit.</summary>
    public async Task WaitAsync(string podId, CancellationToken cancellationToken)
    {
        using var lease = await _pods.GetOrAdd(podId, _ => new TokenBucketRateLimiter(_bucket)).AcquireAsync(1, cancellationToken);
        if (!lease.IsAcquired)
        {
            throw new InvalidOperationException($"More than {_bucket.QueueLimit} audit calls are waiting for pod {podId}.");
        }
    }

    public void Dispose()
    {
        foreach (var limiter in _pods.Values)
        {
            limiter.Dispose();
        }
    }

    private static TokenBucketRateLimiterOptions Bucket(double rate)
    {
        var period = TimeSpan.FromSeconds(Math.Max(1 / rate, 0.1));
        var tokens = (int)Math.Max(1, Math.Round(rate * period.TotalSeconds));
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = tokens,
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = period,
            AutoReplenishment = true,
            QueueLimit = 100_000,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        };
    }
}
