namespace Tricircle.Jobs;

/// <summary>
/// Wakes this instance's idle workers when it queues a job, so that a job queued here does not
/// wait for the next poll. Jobs queued by other instances are found by polling.
/// </summary>
internal sealed class JobSignal : IDisposable
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    public void Pulse()
    {
        try
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already pulsed: one wake-up is as good as two.
        }
    }

    /// <summary>Waits for a pulse or the timeout (on <paramref name="timeProvider"/>'s clock), whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            await _wake.WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The timeout: time to poll.
        }
    }

    public void Dispose() => _wake.Dispose();
}
