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
/// <see cref="PodCallTarget"/> pass unmeasured.
/// </summary>
internal sealed class PodCallHandler(TricircleMetrics metrics, PodCallWindow window) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
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
}
