using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;

namespace Tricircle.Bench;

/// <summary>
/// What this process allocates, by type: the runtime's allocation ticks (one event per ~100 KB
/// allocated, naming the type that crossed it), so that the types churned most stand out without
/// an external profiler. Started by <c>BENCH_ALLOCATIONS=1</c> around a measured loop.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, long> _bytes = new(StringComparer.Ordinal);
    private volatile bool _on;

    public static AllocationSampler? StartIfAsked() =>
        Environment.GetEnvironmentVariable("BENCH_ALLOCATIONS") == "1" ? new AllocationSampler { _on = true } : null;

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!_on || eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) != true || eventData.Payload is null)
        {
            return;
        }

        var type = eventData.PayloadNames?.IndexOf("TypeName") is int t and >= 0 ? eventData.Payload[t] as string ?? "?" : "?";
        var amount = eventData.PayloadNames?.IndexOf("AllocationAmount64") is int a and >= 0 ? Convert.ToInt64(eventData.Payload[a], CultureInfo.InvariantCulture) : 100_000;
        _bytes.AddOrUpdate(type, amount, (_, sum) => sum + amount);
    }

    /// <summary>Stops counting and prints the types that took most, as KB per list (or per request).</summary>
    public void Report(string title, int lists)
    {
        _on = false;
        Console.Error.WriteLine($"allocations by type, {title} (KB each, sampled):");
        foreach (var (type, bytes) in _bytes.OrderByDescending(p => p.Value).Take(25))
        {
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {bytes / 1024.0 / lists,9:F1}  {type}"));
        }

        Dispose();
    }
}
