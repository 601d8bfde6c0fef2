using System.Collections.Concurrent;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Tricircle.Pods;

/// <summary>
/// The resilience pipeline of every pod on the pods' HTTP client (Microsoft.Extensions.Http.Resilience,
/// one keyed pipeline per pod): a circuit breaker around a timeout. A pod that keeps failing
/// fails fast (<see cref="BrokenCircuitException"/>) and gets no new resources until it answers
/// again; a call that outlives <c>pod_timeout</c> ends with <see cref="TimeoutRejectedException"/>
/// (image data has no such bound). This type also keeps what the rest of the gateway reads of
/// the circuits: whether a pod is resting, and each circuit's state for the gauge.
/// </summary>
internal sealed partial class PodCircuits(IOptions<ClientOptions> options, TimeProvider timeProvider, ILogger<PodCircuits> logger)
{
    /// <summary>The resilience handler's name on the pods' client.</summary>
    public const string PipelineName = "pod";

    private readonly ClientOptions _options = options.Value;

    // Until when each open circuit rests. Polly moves a circuit to half-open only when a call
    // comes, so the scheduler must not wait for one that would never be made.
    private readonly ConcurrentDictionary<string, DateTimeOffset> _restingUntil = new(StringComparer.Ordinal);

    // Each circuit's state (by pod id), read by the circuit gauge (Telemetry/TelemetryGauges).
    private readonly ConcurrentDictionary<string, CircuitBreakerStateProvider> _states = new(StringComparer.Ordinal);

    // Each pod's region, for the gauge's label: learnt from the calls (the pipeline key is the pod id).
    private readonly ConcurrentDictionary<string, string> _regions = new(StringComparer.Ordinal);

    /// <summary>The pipeline key of a request: its pod's id (set by <see cref="PodClient"/> and the forwarder).</summary>
    public string KeyOf(HttpRequestMessage request)
    {
        if (!request.Options.TryGetValue(Telemetry.PodCallTarget.Key, out var target))
        {
            return "";
        }

        if (!_regions.ContainsKey(target.PodId))
        {
            _regions[target.PodId] = target.Region;
        }

        return target.PodId;
    }

    /// <summary>False while the pod's circuit is open (it kept failing) and its rest has not passed.</summary>
    public bool IsReachable(string podId) =>
        !_restingUntil.TryGetValue(podId, out var until) || until <= timeProvider.GetUtcNow();

    /// <summary>
    /// The circuit of every pod this instance has called: closed, open (resting: calls fail at
    /// once) or half-open (the rest is over; the next call decides).
    /// </summary>
    public IEnumerable<(string Region, CircuitState State)> States() =>
        _states.Select(c => (_regions.GetValueOrDefault(c.Key, c.Key), c.Value.CircuitState switch
        {
            CircuitState.Open or CircuitState.Isolated when IsReachable(c.Key) => CircuitState.HalfOpen,
            var state => state,
        }));

    /// <summary>Builds the pipeline of the pod named by <see cref="ResilienceHandlerContext.InstanceName"/>.</summary>
    public void Configure(ResiliencePipelineBuilder<HttpResponseMessage> builder, ResilienceHandlerContext context)
    {
        var podId = context.InstanceName;
        var state = _states.GetOrAdd(podId, _ => new CircuitBreakerStateProvider());
        var podTimeout = TimeSpan.FromSeconds(_options.PodTimeout);
        builder
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                // What says the pod itself is unwell: no connection, no answer in time, or its
                // own 502/503/504. Never what one caller's request caused: a body it could not
                // send (CallerBodyException), nor a 4xx or 500 the pod answered to its input.
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>(e => CallerBodyException.In(e) is null)
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(r => (int)r.StatusCode is 502 or 503 or 504),
                StateProvider = state,
                FailureRatio = 0.5,
                MinimumThroughput = _options.CircuitMinimumCalls,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = TimeSpan.FromSeconds(_options.CircuitBreakSeconds),
                OnOpened = args =>
                {
                    _restingUntil[podId] = timeProvider.GetUtcNow() + args.BreakDuration;
                    Log.CircuitOpened(logger, _regions.GetValueOrDefault(podId, podId), args.BreakDuration.TotalSeconds);
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    _restingUntil.TryRemove(podId, out DateTimeOffset _);
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(new TimeoutStrategyOptions
            {
                // pod_timeout bounds a call to its answer's headers; image data is as long as it is.
                TimeoutGenerator = args => ValueTask.FromResult(
                    args.Context.GetRequestMessage()?.Options.TryGetValue(Telemetry.PodCallTarget.Key, out var target) == true && target.Unbounded
                        ? Timeout.InfiniteTimeSpan
                        : podTimeout),
            });
        builder.TimeProvider = timeProvider;
    }

    private static partial class Log
    {
        [LoggerMessage(2, LogLevel.Warning, "Pod {Region} kept failing; no new resources go there for {Seconds} s")]
        public static partial void CircuitOpened(ILogger logger, string region, double seconds);
    }
}
