using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Tricircle.Hosting;

namespace Tricircle.Telemetry;

/// <summary>
/// Metrics and traces through OpenTelemetry: ASP.NET Core's and HttpClient's instruments and
/// the meter <c>Tricircle</c>, exported for Prometheus (<see cref="MetricsApi"/>); traces
/// are not exported, but an incoming <c>traceparent</c> is honoured, the trace goes on to the pod
/// calls a request makes, and its id into every log line's scope.
/// </summary>
internal static class TelemetryServiceCollectionExtensions
{
    public static IServiceCollection AddTelemetry(this IServiceCollection services)
    {
        services.AddSectionOptions<MetricsOptions>(MetricsOptions.Section);
        services.AddSingleton<IValidateOptions<MetricsOptions>, MetricsPortCheck>();
        services.AddSingleton<TricircleMetrics>();
        services.AddSingleton<PodCallWindow>();
        services.AddTransient<PodCallHandler>();
        services.AddHostedService<TelemetryGauges>();
        services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddMeter(TricircleMetrics.MeterName)
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));

        // No tracer provider: traces are not exported, and ASP.NET Core and HttpClient carry W3C
        // trace context by themselves (the request's activity, parented by an incoming
        // traceparent, is what the pod calls carry on and the log scopes name). A tracer provider
        // would only record every request's and every pod call's spans to throw them away.
        services.ConfigureOpenTelemetryMeterProvider((sp, metrics) => metrics.AddView(OnlyThisHost(sp.GetRequiredService<IMeterFactory>())));
        return services;
    }

    /// <summary>
    /// Meters are picked by name, process-wide; but the sandbox runs the emulated Keystone and
    /// regions as hosts of their own in this process (and tests run several gateways), whose
    /// meters have the same names. Only this host's (and process-wide ones, such as
    /// HttpClient's) are exported: another host's instruments would be mixed in, or registered
    /// first and this host's dropped as duplicates. (A view answering null leaves an instrument
    /// as it is, though the API is annotated non-null.)
    /// </summary>
    private static Func<Instrument, MetricStreamConfiguration> OnlyThisHost(IMeterFactory factory) =>
        instrument => instrument.Meter.Scope is null || ReferenceEquals(instrument.Meter.Scope, factory) ? null! : MetricStreamConfiguration.Drop;

    /// <summary>
    /// Tags each request's <c>http.server.request.duration</c> with the API it came to (compute,
    /// volume, image, network, admin, console), or <c>metrics</c> on <c>[metrics] port</c>, so
    /// that scrapes there are told from the APIs' traffic.
    /// </summary>
    public static IApplicationBuilder UseApiMetricsTag(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (context.Features.Get<IHttpMetricsTagsFeature>() is { } tags)
        {
            var api = context.Features.Get<ApiRoleFeature>() is { } role ? ApiNames[(int)role.Role] : context.OnMetricsPort() ? MetricsPortApi : null;
            if (api is not null)
            {
                tags.Tags.Add(new("tricircle.api", api));
            }
        }

        return next(context);
    });

    private const string MetricsPortApi = "metrics";

    private static readonly string[] ApiNames = [.. Enum.GetValues<ServiceRole>().Select(r => r.ToString().ToLowerInvariant())];
}
