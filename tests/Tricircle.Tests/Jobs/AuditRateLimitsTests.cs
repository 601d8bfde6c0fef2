using System.Diagnostics;

namespace Tricircle.Jobs;

/// <summary><c>[jobs] audit_rate</c>'s buckets (on the wall clock: only lower bounds of waits are asserted).</summary>
public sealed class AuditRateLimitsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task APodsCalls_WaitForItsBucket_WhichRefillsAtTheRate_AndEachPodHasItsOwn()
    {
        using var limits = Limits(1);
        Assert.Equal(TimeSpan.FromSeconds(1), limits.Period);
        Assert.Equal(1, limits.Burst);

        var clock = Stopwatch.StartNew();
        Assert.True(limits.WaitAsync("pod-1", CancellationToken.None).IsCompleted); // a full bucket lets the first through
        var second = limits.WaitAsync("pod-1", CancellationToken.None);
        Assert.False(second.IsCompleted);
        Assert.True(limits.WaitAsync("pod-2", CancellationToken.None).IsCompleted); // another pod's bucket is its own

        await second.WaitAsync(Patience);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"the second call came after {clock.Elapsed}");
    }

    [Fact]
    public async Task CallsAtAHighRate_GoThroughATenthOfASecondsWorthAtOnce_ThenAtTheRate()
    {
        using var limits = Limits(50);
        Assert.Equal(TimeSpan.FromSeconds(0.1), limits.Period);
        Assert.Equal(5, limits.Burst);

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 30; i++)
        {
            await limits.WaitAsync("pod-1", CancellationToken.None).WaitAsync(Patience);
        }

        // 5 at once, then 25 at 50 a second.
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.45), $"30 calls in {clock.Elapsed}");
    }

    [Fact]
    public async Task AWaitingCall_EndsWhenItsAuditIsCancelled()
    {
        using var limits = Limits(0.1);
        await limits.WaitAsync("pod-1", CancellationToken.None).WaitAsync(Patience);
        using var cancel = new CancellationTokenSource();
        var waiting = limits.WaitAsync("pod-1", cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Patience));
    }

    private static AuditRateLimits Limits(double rate) => new(Microsoft.Extensions.Options.Options.Create(new JobOptions { AuditRate = rate }));
}
