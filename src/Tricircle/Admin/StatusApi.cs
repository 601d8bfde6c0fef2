using Microsoft.Extensions.Options;
using Tricircle.Identity;
using Tricircle.Telemetry;

namespace Tricircle.Admin;

/// <summary>
/// <c>/v1.0/status</c>: what this instance saw of its pod calls in the last
/// <c>[metrics] window_seconds</c> (calls, errors, p50/p95 latency per pod and service), for
/// <c>tricircle status</c>. Each instance answers for itself.
/// </summary>
internal static class StatusApi
{
    public static void MapStatusApi(this IEndpointRouteBuilder v1) =>
        v1.MapGet("/status", (PodCallWindow window, IOptions<MetricsOptions> options) => TypedResults.Json(Show(window, options))).RequireAdmin("status").WithPolicyAction("show");

    private static object Show(PodCallWindow window, IOptions<MetricsOptions> options) =>
        new
        {
            status = new
            {
                instance = Jobs.JobRunner.Worker,
                window_seconds = options.Value.WindowSeconds,
                pod_calls = window.Summaries().Select(s => new
                {
                    region_name = s.Region,
                    service_type = s.Service,
                    calls = s.Calls,
                    errors = s.Errors,
                    error_rate = Math.Round(s.ErrorRate, 4),
                    p50_ms = Math.Round(s.P50Ms, 1),
                    p95_ms = Math.Round(s.P95Ms, 1),
                }),
            },
        };
}
