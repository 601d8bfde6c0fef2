namespace Tricircle.Emulator.Regions;

/// <summary>
/// Fault knobs of one region, for reliability tests and benchmarks: added latency (or a floor on
/// the answer time), a share of
/// requests answered with 500, the whole region down (its ports refuse connections), or no
/// backup service in its Cinder.
/// </summary>
public sealed class RegionFaults
{
    private readonly Func<bool, Task> _setDown;
    private long _latencyTicks;
    private long _answerAfterTicks;
    private double _errorRate;
    private bool _noBackupService;
    private bool _holdDeletes;

    internal RegionFaults(Func<bool, Task> setDown) => _setDown = setDown;

    /// <summary>Added to every request before it is handled.</summary>
    public TimeSpan Latency
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _latencyTicks));
        set => Interlocked.Exchange(ref _latencyTicks, Math.Max(0, value.Ticks));
    }

    /// <summary>
    /// No answer starts sooner than this after its request arrived, the region's own work inside
    /// it: a pod whose calls take this long on a machine of its own. Unlike <see cref="Latency"/>,
    /// many regions emulated on one machine do not then add their work to each other's answer
    /// times (a benchmark over 50 pods with 20 ms per call measures the gateway, not the emulators
    /// queueing for a core).
    /// </summary>
    public TimeSpan AnswerAfter
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _answerAfterTicks));
        set => Interlocked.Exchange(ref _answerAfterTicks, Math.Max(0, value.Ticks));
    }

    /// <summary>Share of requests (0..1) answered with a 500 in the service's error shape.</summary>
    public double ErrorRate
    {
        get => Volatile.Read(ref _errorRate);
        set => Volatile.Write(ref _errorRate, value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), "the error rate is between 0 and 1"));
    }

    public bool IsDown { get; private set; }

    /// <summary>
    /// Cinder runs no cinder-backup service (a real region may not): as Zed then, a new backup goes
    /// to error, and restore, delete and reset status are 404 "Service cinder-backup could not be found.".
    /// </summary>
    public bool NoBackupService
    {
        get => Volatile.Read(ref _noBackupService);
        set => Volatile.Write(ref _noBackupService, value);
    }

    /// <summary>
    /// Deletes the region accepts stay under way (a server in <c>task_state: deleting</c>, a
    /// volume or snapshot <c>deleting</c>) until this is cleared, whatever
    /// <see cref="RegionEmulatorOptions.DeleteDelay"/> says: a slow delete, for tests to watch.
    /// </summary>
    public bool HoldDeletes
    {
        get => Volatile.Read(ref _holdDeletes);
        set => Volatile.Write(ref _holdDeletes, value);
    }

    /// <summary>Stops (down) or restarts (up) every service of the region on the same ports; state is kept.</summary>
    public async Task SetDownAsync(bool down)
    {
        if (down == IsDown)
        {
            return;
        }

        await _setDown(down);
        IsDown = down;
    }

    /// <summary>Back to normal: up, no latency, no errors.</summary>
    public async Task ResetAsync()
    {
        Latency = TimeSpan.Zero;
        AnswerAfter = TimeSpan.Zero;
        ErrorRate = 0;
        NoBackupService = false;
        HoldDeletes = false;
        await SetDownAsync(false);
    }

    internal bool ShouldFail() => ErrorRate > 0 && Random.Shared.NextDouble() < ErrorRate;
}
