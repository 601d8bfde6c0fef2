using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Tricircle.Admin;
using Tricircle.Compute;
using Tricircle.Data;
using Tricircle.Identity;
using Tricircle.Image;
using Tricircle.Jobs;
using Tricircle.Network;
using Tricircle.Placement;
using Tricircle.Pods;
using Tricircle.Quotas;
using Tricircle.Routing;
using Tricircle.Volume;

namespace Tricircle.Hosting;

/// <summary>Builds the service: one process, one listener per enabled API role.</summary>
internal static class ServiceHost
{
    /// <param name="configuration">The loaded configuration.</param>
    /// <param name="configureServices">Replacements for tests (a fake clock, ...).</param>
    /// <param name="quiet">For one-shot commands (db sync, status): log warnings and errors only.</param>
    public static WebApplication Build(IConfiguration configuration, Action<IServiceCollection>? configureServices = null, bool quiet = false)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = typeof(ServiceHost).Assembly.GetName().Name,
        });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(configuration);

        var debug = configuration.GetValue<bool>("DEFAULT:debug");
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.IncludeScopes = true;
            o.TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff ";
            o.UseUtcTimestamp = true;
            o.ColorBehavior = LoggerColorBehavior.Disabled;
        });
        builder.Logging.SetMinimumLevel(debug ? LogLevel.Debug : quiet ? LogLevel.Warning : LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore", debug ? LogLevel.Information : LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", debug ? LogLevel.Information : LogLevel.Warning);

        AddServices(builder.Services);
        configureServices?.Invoke(builder.Services);

        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var options = kestrel.ApplicationServices.GetRequiredService<IOptions<ServiceOptions>>().Value;
            var listeners = kestrel.ApplicationServices.GetRequiredService<ServiceListeners>();
            var address = string.Equals(options.BindHost, "localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback : IPAddress.Parse(options.BindHost);
            foreach (var role in options.EnabledRoles().Where(ServiceOptions.HasPort))
            {
                kestrel.Listen(address, options.Port(role), listen =>
                {
                    listen.Protocols = HttpProtocols.Http1; // plain HTTP: HTTP/2 would need TLS to negotiate
                    listen.Use(next => connection =>
                    {
                        connection.Features.Set(new ApiRoleFeature(role));
                        return next(connection);
                    });
                    listeners.Add(role, listen);
                });
            }
        });

        var app = builder.Build();
        app.UseMiddleware<RequestIdMiddleware>();
        app.UseMiddleware<ApiErrorMiddleware>();
        app.UseMiddleware<ProjectPathMiddleware>();
        app.UseRouting();
        app.UseMiddleware<KeystoneAuthMiddleware>();
        app.MapAdminApi();
        app.MapComputeApi();
        app.MapVolumeApi();
        app.MapImageApi();
        app.MapNetworkApi();
        return app;
    }

    private static void AddServices(IServiceCollection services)
    {
        services.AddSectionOptions<ServiceOptions>(ServiceOptions.Section);
        services.AddSectionOptions<DatabaseOptions>(DatabaseOptions.Section);
        services.AddSectionOptions<KeystoneAuthOptions>(KeystoneAuthOptions.Section);
        services.AddSectionOptions<ClientOptions>(ClientOptions.Section);
        services.AddSectionOptions<QuotaOptions>(QuotaOptions.Section);
        services.AddSectionOptions<ImageOptions>(ImageOptions.Section);
        services.AddSectionOptions<NetworkOptions>(NetworkOptions.Section);

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ServiceListeners>();
        services.AddSingleton<MatcherPolicy, ApiRoleMatcherPolicy>();
        services.AddSingleton(sp =>
        {
            var db = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            var state = sp.GetRequiredService<IOptions<ServiceOptions>>().Value.StatePath;
            return new Database(DatabaseConnection.Parse(db.Connection, state, db.CommandTimeout), db.MaxPoolSize);
        });
        services.AddSingleton<SchemaMigrator>();
        services.AddHostedService<SchemaCheck>();

        services.AddHttpClient(KeystoneTokenValidator.HttpClientName, (sp, http) =>
            http.Timeout = TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<KeystoneAuthOptions>>().Value.HttpConnectTimeout));
        services.AddSingleton<KeystoneTokenValidator>();

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
        services.AddSingleton<PodBindingStore>();
        services.AddSingleton<RoutingStore>();

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
            });
        services.AddHttpClient(PodClient.DataHttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                UseProxy = false,
                AllowAutoRedirect = false,
                UseCookies = false,
                AutomaticDecompression = System.Net.DecompressionMethods.None,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            });
        services.AddSingleton<PodAdminToken>();
        services.AddSingleton<PodClient>();
        services.AddSingleton<PodForwarder>();
        services.AddSingleton<PodFanOut>();
        services.AddSingleton<MergedList>();
        services.AddSingleton<PodScheduler>();
        services.AddSingleton<ComputeVersions>();
        services.AddSingleton<PodCopies>();
        services.AddSingleton<QuotaStore>();
        services.AddSingleton<FlavorStore>();
        services.AddSingleton<FlavorSync>();
        services.AddSingleton<KeypairStore>();
        services.AddSingleton<ServerCatalogue>();
        services.AddSingleton<PodMicroversions>();
        services.AddSingleton<VolumeRoutes>();
        services.AddSingleton<VolumeQuotas>();
        services.AddSingleton<VolumeTypeStore>();
        services.AddSingleton<CentralGlance>();
        services.AddSingleton<ImageSync>();
        services.AddSingleton<PodNetworks>();
        services.AddSingleton<NetworkPlaces>();
        services.AddSingleton<CentralPorts>();
        services.AddSingleton<ServerNetworks>();
        services.AddSingleton<ServerBatch>();
        services.AddSingleton<ServerRecords>();
        services.AddSingleton<NetworkStore>();
        services.AddSingleton<SubnetStore>();
        services.AddSingleton<PortStore>();
        services.AddSingleton<NetworkQuotas>();
        services.AddSingleton<SecurityGroupStore>();
        services.AddSingleton<DeletingMarks>();
        services.AddSingleton<NetworkPropagation>();
        services.AddJobs();
    }
}

/// <summary>The listener of each role, so that the bound URLs can be read after start (port 0 in tests and the sandbox).</summary>
internal sealed class ServiceListeners
{
    private readonly Dictionary<ServiceRole, ListenOptions> _listeners = [];

    public void Add(ServiceRole role, ListenOptions listen)
    {
        lock (_listeners)
        {
            _listeners[role] = listen;
        }
    }

    /// <summary>The URL a role answers on; loopback when bound to every address.</summary>
    public Uri Url(ServiceRole role)
    {
        lock (_listeners)
        {
            var endpoint = _listeners.TryGetValue(role, out var listen) ? listen.IPEndPoint : null;
            if (endpoint is null)
            {
                throw new InvalidOperationException($"The {role} role is not listening.");
            }

            var host = endpoint.Address.Equals(IPAddress.Any) || endpoint.Address.Equals(IPAddress.IPv6Any) ? "127.0.0.1" : endpoint.Address.ToString();
            return new Uri($"http://{host}:{endpoint.Port}/");
        }
    }
}

/// <summary>Refuses to start on a database whose schema is older than this build (run <c>tricircle db sync</c>).</summary>
internal sealed class SchemaCheck(SchemaMigrator migrator, Database database) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var current = await migrator.CurrentVersionAsync(cancellationToken);
        var needed = SchemaMigrator.Available(database.Dialect).Max(m => m.Version);
        if (current < needed)
        {
            throw new InvalidOperationException(
                $"The database {database.Connection.Describe()} is at schema version {current}; this build needs {needed}. Run `tricircle db sync` first.");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
