using Microsoft.Extensions.Options;

namespace Tricircle.Pods;

/// <summary>One pod's part of a fan-out: its answer, or why it has none (and the error, when it answered with one).</summary>
internal sealed record PodAnswer<T>(Pod Pod, T? Value, string? Failure, Exception? Error = null)
{
    public bool Succeeded => Failure is null;
}

/// <summary>
/// Asks many pods at once, each with its own deadline (<c>[client] list_timeout</c>), and never
/// fails as a whole: a pod that errors or misses the deadline comes back as a failure, so the
/// caller can answer with what it has. The time taken is bounded by the deadline, not the
/// number of pods.
/// </summary>
internal sealed partial class PodFanOut(IOptions<ClientOptions> options, TimeProvider timeProvider, Telemetry.TricircleMetrics metrics, ILogger<PodFanOut> logger)
{
    public TimeSpan Deadline { get; } = TimeSpan.FromSeconds(options.Value.ListTimeout);

    /// <param name="pods">Whom to ask.</param>
    /// <param name="ask">The call to each.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <param name="deadline">Each pod's deadline when not <see cref="Deadline"/> (what is left of it, for a call that goes on with some pods).</param>
    public async Task<IReadOnlyList<PodAnswer<T>>> AskAsync<T>(IReadOnlyCollection<Pod> pods, Func<Pod, CancellationToken, Task<T>> ask, CancellationToken cancellationToken, TimeSpan? deadline = null)
    {
        var limit = deadline ?? Deadline;

        // One deadline for the whole fan-out (every pod is asked at the same moment), not a
        // timer and two token sources per pod.
        using var expiry = new CancellationTokenSource(limit, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(expiry.Token, cancellationToken);
        return await Task.WhenAll(pods.Select(AskOneAsync));

        async Task<PodAnswer<T>> AskOneAsync(Pod pod)
        {
            try
            {
                // Start every call before awaiting any: Task.Run keeps a slow synchronous start
                // (DNS, catalog read) of one pod from delaying the others.
                var value = await Task.Run(() => ask(pod, linked.Token), linked.Token).WaitAsync(linked.Token);
                return new PodAnswer<T>(pod, value, null);
            }
            catch (OperationCanceledException) when (expiry.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                Log.Missed(logger, pod.RegionName, Deadline.TotalSeconds);
                metrics.FanOutFailure(pod.RegionName, "deadline");
                return new PodAnswer<T>(pod, default, $"no answer within {Deadline.TotalSeconds:0.#} s");
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Log.Failed(logger, pod.RegionName, e.Message);
                metrics.FanOutFailure(pod.RegionName, "error");
                return new PodAnswer<T>(pod, default, e.Message, e);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Pod {Region} missed the deadline of {Seconds} s; its part of the answer is left out")]
        public static partial void Missed(ILogger logger, string region, double seconds);

        [LoggerMessage(2, LogLevel.Warning, "Pod {Region} failed its part of a call to several pods: {Reason}")]
        public static partial void Failed(ILogger logger, string region, string reason);
    }
}
