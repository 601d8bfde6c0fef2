using Microsoft.Extensions.Options;
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
        services.AddHttpClient(PodClient.HttpClientName, (sp, http) =>
                http.Timeout = TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<ClientOptions>>().Value.PodTimeout))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                UseProxy = false,
                AllowAutoRedirect = false,
                UseCookies = false,
                AutomaticDecompression = System.Net.DecompressionMethods.None,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
                MaxConnectionsPerServer = 256,
            })
            .AddHttpMessageHandler<Telemetry.PodCallHandler>()
            .RemoveAllLoggers(); // its handlers open a log scope per call; PodForwarder logs what a call did
        services.AddHttpClient(PodClient.DataHttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                UseProxy = false,
                AllowAutoRedirect = false,
                UseCookies = false,
                AutomaticDecompression = System.Net.DecompressionMethods.None,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            })
            .AddHttpMessageHandler<Telemetry.PodCallHandler>()
            .RemoveAllLoggers();
        services.AddSingleton<PodAdminToken>();
        services.AddSingleton<PodClient>();
        services.AddSingleton<PodForwarder>();
        services.AddSingleton<PodFanOut>();
        services.AddSingleton<MergedList>();
        services.AddSingleton<OperatorViews>();
        services.AddSingleton<PodMicroversions>();
        return services;
    }
}
