using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
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
using Tricircle.Telemetry;
using Tricircle.Volume;
using Tricircle.WebConsole;
using Tricircle.WebConsole.Topology;

namespace Tricircle.Hosting;

/// <summary>Builds the service: one process, one listener per enabled API role (and <c>[metrics] port</c>'s, when set).</summary>
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

        // The web console's assets (its stylesheet, the framework's blazor.web.js) in every
        // environment, not only Development: run from build output they are found through the
        // build's manifest (tricircle.staticwebassets.runtime.json); a published service has them
        // in wwwroot and no manifest, and this does nothing.
        builder.WebHost.UseStaticWebAssets();

        var debug = configuration.GetValue<bool>("DEFAULT:debug");
        builder.Logging.ClearProviders();
        builder.Logging.AddTricircleConsole();
        builder.Logging.SetMinimumLevel(debug ? LogLevel.Debug : quiet ? LogLevel.Warning : LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore", debug ? LogLevel.Information : LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", debug ? LogLevel.Information : LogLevel.Warning);

        // "No XML encryptor configured": the console's cookie keys are guarded by their directory's
        // mode instead (WebConsole, README "Web console"); said once there, not at every start.
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);

        // Each capability registers its own services (its folder's Add…), the foundations first.
        builder.Services
            .AddHosting()
            .AddTelemetry()
            .AddData()
            .AddIdentity()
            .AddPods()
            .AddResourceRouting()
            .AddPlacement()
            .AddQuotas()
            .AddCompute()
            .AddVolume()
            .AddImage()
            .AddNetwork()
            .AddJobs()
            .AddWebConsole()
            .AddTopology();
        configureServices?.Invoke(builder.Services);

        // Only roles without a port (serve --roles jobs) and no metrics port: no server at all.
        // Kestrel given no endpoint would listen on its default, localhost:5000, and fail to start
        // where that is taken (by anything, or by a second jobs-only instance on the same machine).
        if (ServiceOptions.TryParseRoles(configuration[$"{ServiceOptions.Section}:roles"] ?? "all", out var roles, out _) && !roles.Any(ServiceOptions.HasPort)
            && !(int.TryParse(configuration[$"{MetricsOptions.Section}:port"], System.Globalization.CultureInfo.InvariantCulture, out var metricsPort) && metricsPort != 0))
        {
            builder.Services.AddSingleton<IServer, NoServer>();
        }

        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            // Long request lines and header lines get to RequestLimitsMiddleware, which answers in
            // the API's shape; only beyond these does Kestrel answer itself, with an empty body.
            kestrel.Limits.MaxRequestLineSize = 1024 * 1024;
            kestrel.Limits.MaxRequestHeadersTotalSize = 256 * 1024;

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

            kestrel.ListenForMetrics(address);
        });

        var app = builder.Build();
        app.UseApiMetricsTag();
        app.UseMiddleware<RequestIdMiddleware>();
        app.MapWebConsole(); // its own branch: the APIs' middleware below never sees the console's requests
        app.MapMetricsPort(); // [metrics] port's requests, likewise: the scrape endpoint alone
        app.UseMiddleware<ApiErrorMiddleware>();
        app.UseMiddleware<RequestLimitsMiddleware>();
        app.UseMiddleware<ProjectPathMiddleware>();
        app.UseMiddleware<Network.NeutronFormatSuffixMiddleware>();
        app.UseRouting();
        app.UseMiddleware<KeystoneAuthMiddleware>();
        app.UseMiddleware<Volume.VolumeExactRoutesMiddleware>();
        app.MapAdminApi();
        app.MapComputeApi();
        app.MapVolumeApi();
        app.MapImageApi();
        app.MapNetworkApi();
        app.MapMetricsEndpoint();
        return app;
    }

    /// <summary>What the host itself owns: <c>[DEFAULT]</c>, the clock, the listeners, role routing and the schema check at start.</summary>
    private static IServiceCollection AddHosting(this IServiceCollection services)
    {
        services.AddSectionOptions<ServiceOptions>(ServiceOptions.Section);
        services.AddSectionOptions<RequestLimitsOptions>(RequestLimitsOptions.Section);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ServiceListeners>();
        services.AddSingleton<MatcherPolicy, ApiRoleMatcherPolicy>();
        services.AddHostedService<SchemaCheck>();
        return services;
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

    /// <summary>The URL a role answers on, or null when this instance does not run it.</summary>
    public Uri? TryUrl(ServiceRole role)
    {
        lock (_listeners)
        {
            return _listeners.ContainsKey(role) ? Url(role) : null;
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

/// <summary>The server of a process that serves no API (only the jobs role): it listens nowhere.</summary>
internal sealed class NoServer : IServer
{
    public IFeatureCollection Features { get; } = new FeatureCollection();

    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
    }
}
