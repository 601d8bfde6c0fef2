using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Tricircle.Pods;
using Tricircle.Telemetry;

namespace Tricircle.WebConsole;

/// <summary>One pod as the console's pods page shows it.</summary>
internal sealed record PodView(
    Pod Pod,
    PodState State,
    string StateDetail,
    string Circuit,
    IReadOnlyList<ServiceProbe> Probes,
    IReadOnlyList<PodCallSummary> Calls);

internal enum PodState
{
    Up,
    Degraded,
    Down,
    Disabled,
    Central,
}

/// <summary>
/// Every pod with its state, per-service health, circuit and recent calls: the registry
/// (<see cref="PodStore"/>), a health probe of each pod's services, this instance's circuits
/// (<see cref="PodClient"/>) and its window of pod calls (<see cref="PodCallWindow"/>, what
/// <c>GET /v1.0/status</c> shows). The probe is shared by every open page and made at most once
/// per refresh period, so ten open consoles probe the pods as often as one.
/// </summary>
internal sealed class PodOverview(
    PodStore store,
    PodHealth health,
    PodClient client,
    PodCallWindow window,
    IOptions<ConsoleOptions> options,
    TimeProvider time) : IDisposable
{
    private readonly SemaphoreSlim _probing = new(1, 1);
    private (DateTimeOffset At, IReadOnlyList<ServiceProbe> Probes) _lastProbe = (DateTimeOffset.MinValue, []);

    public async Task<IReadOnlyList<PodView>> ListAsync(CancellationToken cancellationToken)
    {
        var pods = await store.ListAsync(new Dictionary<string, string>(), cancellationToken);
        var probes = await ProbeAsync(pods, cancellationToken);
        var circuits = client.CircuitStates().ToDictionary(c => c.Region, c => c.State, StringComparer.Ordinal);
        var calls = window.Summaries();
        return [.. pods
            .OrderBy(p => p.IsCentral ? 0 : 1).ThenBy(p => p.RegionName, StringComparer.Ordinal)
            .Select(pod =>
            {
                var own = probes.Where(p => p.Region == pod.RegionName).ToList();
                var (state, detail) = StateOf(pod, own);
                var circuit = circuits.TryGetValue(pod.RegionName, out var c) ? Name(c) : "closed";
                return new PodView(pod, state, detail, circuit, own, [.. calls.Where(s => s.Region == pod.RegionName).OrderBy(s => s.Service, StringComparer.Ordinal)]);
            })];
    }

    /// <summary>Up when every service answers, down when none does, degraded between; disabled whatever it answers.</summary>
    private static (PodState State, string Detail) StateOf(Pod pod, List<ServiceProbe> probes)
    {
        if (pod.IsCentral)
        {
            return (PodState.Central, "the central region (Tricircle itself)");
        }

        if (pod.Disabled)
        {
            return (PodState.Disabled, pod.DisabledReason.Length > 0 ? pod.DisabledReason : "no reason given");
        }

        var up = probes.Count(p => p.State == ProbeState.Up);
        if (probes.Count > 0 && up == probes.Count)
        {
            return (PodState.Up, "every service answers");
        }

        var failing = string.Join("; ", probes.Where(p => p.State != ProbeState.Up).Select(p => $"{p.ServiceType}: {p.Detail}"));
        return up == 0 ? (PodState.Down, failing) : (PodState.Degraded, failing);
    }

    private static string Name(CircuitState state) => state switch
    {
        CircuitState.Closed => "closed",
        CircuitState.HalfOpen => "half-open",
        CircuitState.Open or CircuitState.Isolated => "open",
        _ => state.ToString().ToLowerInvariant(),
    };

    private async Task<IReadOnlyList<ServiceProbe>> ProbeAsync(IReadOnlyList<Pod> pods, CancellationToken cancellationToken)
    {
        var fresh = options.Value.Refresh / 2;
        if (time.GetUtcNow() - _lastProbe.At < fresh)
        {
            return _lastProbe.Probes;
        }

        await _probing.WaitAsync(cancellationToken);
        try
        {
            if (time.GetUtcNow() - _lastProbe.At >= fresh)
            {
                var probes = await health.ProbeAsync(pods.Where(p => !p.Disabled), TimeSpan.FromSeconds(options.Value.ProbeTimeoutSeconds), cancellationToken);
                _lastProbe = (time.GetUtcNow(), probes);
            }

            return _lastProbe.Probes;
        }
        finally
        {
            _probing.Release();
        }
    }

    public void Dispose() => _probing.Dispose();

    /// <summary>Takes a pod out of placement with a reason, or back in (what <c>PUT /v1.0/pods/{id}</c> with <c>disabled</c> does).</summary>
    public Task<Pod> SetDisabledAsync(string podId, bool disabled, string reason, CancellationToken cancellationToken) =>
        store.UpdateAsync(podId, null, null, null, disabled, disabled ? reason.Trim() : "", cancellationToken);
}
