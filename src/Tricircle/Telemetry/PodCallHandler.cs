using System.Diagnostics;

namespace Tricircle.Telemetry;

/// <summary>
/// Which pod and service a southbound request is for; set by <see cref="Pods.PodClient"/> and
/// <see cref="Pods.PodForwarder"/>, read by <see cref="PodCallHandler"/> and the pod's
/// resilience pipeline (<see cref="Pods.PodCircuits"/>: its key, and no timeout for image data).
/// </summary>
internal sealed record PodCallTarget(string Region, string Service, string PodId, bool Unbounded = false)
{
    public static readonly HttpRequestOptionsKey<PodCallTarget> Key = new("tricircle.pod_call");
}

/// <summary>
/// On the pods' HTTP clients: times each call to its answer's headers and records it in the
/// pod-call histogram and in the window <c>tricircle status</c> reads. Requests without a
/// <see cref="PodCallTarget"/> pass unmeasured. Every call carries the request's trace
/// (<c>traceparent</c>).
/// </summary>
internal sealed class PodCallHandler(TricircleMetrics metrics, PodCallWindow window) : DelegatingHandler
{
    private const string TraceParent = "traceparent";
    private const string TraceState = "tracestate";

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        CarryTrace(request);
        if (!request.Options.TryGetValue(PodCallTarget.Key, out var target))
        {
            return await base.SendAsync(request, cancellationToken);
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken);
        }
        catch (Exception e)
        {
            // No answer: refused, reset, or cancelled (the call's deadline or pod_timeout, most often).
            var elapsed = TricircleMetrics.Since(started);
            metrics.PodCall(target.Region, target.Service, elapsed, null, e is OperationCanceledException);
            window.Add(target.Region, target.Service, elapsed, error: true);
            throw;
        }

        var took = TricircleMetrics.Since(started);
        var status = (int)response.StatusCode;
        metrics.PodCall(target.Region, target.Service, took, status, cancelled: false);
        window.Add(target.Region, target.Service, took, error: status >= 500);
        return response;
    }

    // The request's trace, on to the pod: the gateway's activity of the request as the pod call's
    // parent (a forwarded call's own header was taken off by the transformer). HttpClient's own
    // propagation is off on the pods' client: it starts an activity per call, with its tags and a
    // redacted URL, for no listener, only to take its id.
    private static void CarryTrace(HttpRequestMessage request)
    {
        if (Activity.Current is not { IdFormat: ActivityIdFormat.W3C } activity)
        {
            return;
        }

        request.Headers.Remove(TraceParent);
        request.Headers.TryAddWithoutValidation(TraceParent, activity.Id);
        if (activity.TraceStateString is { } state)
        {
            request.Headers.Remove(TraceState);
            request.Headers.TryAddWithoutValidation(TraceState, state);
        }
    }
}
