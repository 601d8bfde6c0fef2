using Microsoft.Extensions.Http.Resilience;
using Tricircle.Hosting;

namespace Tricircle.Pods;

/// <summary>
/// Registers what reaches the pods: <c>[client]</c>, the pod registry and endpoints, the health
/// probe, the southbound HTTP clients (shaped like YARP's forwarder client), the forwarder,
/// fan-out, merged lists and the pods' microversions.
/// </summary>
internal static class PodsServiceCollectionExtensions
{
    public static IServiceCollection AddPods(this IServiceCollection services)
    {
        services.AddSectionOptions<ClientOptions>(ClientOptions.Section);
        services.AddSingleton<PodStore>();
        services.AddSingleton<PodEndpoints>();
        services.AddSingleton<PodHealth>();
        services.AddHttpClient(PodHealth.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // As YARP configures its forwarder: no proxy, redirects, cookies or decompression.
                UseProxy = false,
                AllowAutoRedirect = false,
                UseCookies = false,
                AutomaticDecompression = System.Net.DecompressionMethods.None,
                ConnectTimeout = TimeSpan.FromSeconds(5),
            });

        // Southbound: one pooled client for every pod call, shaped like YARP's forwarder client.
        // Its deadline is the pod's resilience pipeline's (pod_timeout, none for image data), not
        // HttpClient.Timeout; the forwarder sends through the same handlers (PodForwarder).
        services.AddPodsHttpClient()
            .AddHttpMessageHandler<Telemetry.PodCallHandler>()
            .RemoveAllLoggers(); // its handlers open a log scope per call; PodForwarder logs what a call did
        services.AddSingleton<PodAdminToken>();
        services.AddSingleton<PodClient>();
        services.AddHttpForwarder();
        services.AddSingleton<PodForwarder>();

        // YARP's forwarder logs every call at Information ("Proxying to ..."); PodForwarder logs
        // what a call did, and its failures, itself.
        services.Configure<LoggerFilterOptions>(o => o.AddFilter("Yarp.ReverseProxy", LogLevel.Warning));
        services.AddSingleton<PodFanOut>();
        services.AddSingleton<MergedList>();
        services.AddSingleton<OperatorViews>();
        services.AddSingleton<PodMicroversions>();
        return services;
    }

    /// <summary>The pods' HTTP client: its connection settings and each pod's resilience pipeline (<see cref="PodCircuits"/>).</summary>
    public static IHttpClientBuilder AddPodsHttpClient(this IServiceCollection services)
    {
        services.AddSingleton<PodCircuits>();
        var client = services.AddHttpClient(PodClient.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                UseProxy = false,
                AllowAutoRedirect = false,
                UseCookies = false,
                AutomaticDecompression = System.Net.DecompressionMethods.None,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
                MaxConnectionsPerServer = 256,

                // Telemetry.PodCallHandler carries the trace on (HttpClient's own propagation
                // starts an activity per call only to take its id).
                ActivityHeadersPropagator = null,
            });
        client.AddResilienceHandler(PodCircuits.PipelineName, (builder, context) => context.ServiceProvider.GetRequiredService<PodCircuits>().Configure(builder, context))
            .SelectPipelineBy(sp => sp.GetRequiredService<PodCircuits>().KeyOf);
        return client;
    }
}
