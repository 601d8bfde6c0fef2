namespace Tricircle.Emulator.Regions;

/// <summary>One answered request of a region: its service (compute, network, volume, image), method, path with query, and status.</summary>
public sealed record RegionRequest(string Service, string Method, string Path, int StatusCode)
{
    /// <summary>The W3C <c>traceparent</c> header the caller sent, if any (for tests that follow a trace into the pod).</summary>
    public string? TraceParent { get; init; }
}

/// <summary>
/// Requests one region has seen, for tests that check how a caller spreads load: how many in
/// all, and the most that were in flight at once (a fan-out done one pod call after another
/// never has more than one); and, for benchmarks that count what a caller asks of a pod, each
/// request as it is answered (<see cref="Observer"/>).
/// </summary>
public sealed class RegionTraffic
{
    private long _requests;
    private int _inFlight;
    private int _maxInFlight;

    public long Requests => Interlocked.Read(ref _requests);

    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>Called with every request once answered (on the request's thread: keep it cheap and thread-safe); null: none.</summary>
    public Action<RegionRequest>? Observer { get; set; }

    /// <summary>Starts counting afresh.</summary>
    public void Reset()
    {
        Interlocked.Exchange(ref _requests, 0);
        Interlocked.Exchange(ref _maxInFlight, Volatile.Read(ref _inFlight));
    }

    internal void Enter()
    {
        Interlocked.Increment(ref _requests);
        var now = Interlocked.Increment(ref _inFlight);
        int max;
        while (now > (max = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, now, max) != max)
        {
        }
    }

    internal void Exit() => Interlocked.Decrement(ref _inFlight);
}
