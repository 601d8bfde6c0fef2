using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Tricircle.Hosting;
using Tricircle.Identity;

namespace Tricircle.Telemetry;

/// <summary>
/// The Prometheus scrape endpoint, on the admin role's port at <c>[metrics] path</c>, and on
/// <c>[metrics] port</c> when one is set (the only way to scrape an instance of only the jobs
/// role). Prometheus scrapes without credentials as a rule, so clients from
/// <c>[metrics] allowed_networks</c> (loopback by default) read it freely
/// (<see cref="TrustedNetworksMetadata"/>); anyone else is authenticated as every API is and
/// needs the admin role.
/// </summary>
internal static class MetricsApi
{
    public static void MapMetricsEndpoint(this IEndpointRouteBuilder app)
    {
        var options = app.ServiceProvider.GetRequiredService<IOptions<MetricsOptions>>().Value;
        if (!options.Enabled)
        {
            return;
        }

        app.MapPrometheusScrapingEndpoint(
                options.Path,
                meterProvider: null,
                configureBranchedPipeline: branch => branch.Use(async (context, next) =>
                {
                    if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
                    {
                        context.Response.Headers.Allow = "GET, HEAD";
                        await ApiErrors.WriteAsync(context, StatusCodes.Status405MethodNotAllowed, "The metrics are read with GET.");
                        return;
                    }

                    // No caller: a client of the trusted networks. A token's holder must be an admin.
                    if (context.Features.Get<RequestContext>() is { IsAdmin: false })
                    {
                        throw ApiException.Forbidden("Policy doesn't allow admin_api:metrics:show to be performed: an admin token, or a client address in [metrics] allowed_networks, is needed.");
                    }

                    await next(context);
                }),
                optionsName: null)
            .WithMetadata(new ApiRoleMetadata(ServiceRole.Admin), new TrustedNetworksMetadata(options.Networks()))
            .WithDisplayName("metrics");
    }

    /// <summary>Listens on <c>[metrics] port</c>, when set, tagging its connections for <see cref="MapMetricsPort"/>.</summary>
    public static void ListenForMetrics(this KestrelServerOptions kestrel, IPAddress address)
    {
        var options = kestrel.ApplicationServices.GetRequiredService<IOptions<MetricsOptions>>().Value;
        if (options.Port == 0)
        {
            return;
        }

        kestrel.Listen(address, options.Port, listen =>
        {
            listen.Protocols = HttpProtocols.Http1;
            listen.Use(next => connection =>
            {
                connection.Features.Set(MetricsPortFeature.Instance);
                return next(connection);
            });
        });
    }

    /// <summary>
    /// The metrics port's requests take a branch of their own, whose route table holds the
    /// scrape endpoint alone: any other path is 404 there, whatever roles the instance runs.
    /// Its access rules are the admin port's (the same endpoint, behind the same token check).
    /// </summary>
    public static void MapMetricsPort(this WebApplication app)
    {
        // A branch is built at once, its token check with it (which needs [keystone_authtoken]):
        // not for the one-shot commands (db sync, status) nor any instance without the port.
        if (app.Services.GetRequiredService<IOptions<MetricsOptions>>().Value.Port == 0)
        {
            return;
        }

        app.MapWhen(OnMetricsPort, branch =>
        {
            branch.UseMiddleware<ApiErrorMiddleware>();
            branch.UseRouting();
            branch.Use((context, next) =>
                // Any other path is not found, token or not: no Keystone call for it.
                context.GetEndpoint() is null
                    ? ApiErrors.WriteAsync(context, StatusCodes.Status404NotFound, $"The resource could not be found: this port serves {context.RequestServices.GetRequiredService<IOptions<MetricsOptions>>().Value.Path} only.")
                    : next(context));
            branch.UseMiddleware<KeystoneAuthMiddleware>();
            branch.UseEndpoints(endpoints => endpoints.MapMetricsEndpoint());
        });
    }

    /// <summary>Whether the request came to <c>[metrics] port</c>.</summary>
    public static bool OnMetricsPort(this HttpContext context) => context.Features.Get<MetricsPortFeature>() is not null;

    /// <summary>Set on each connection of the metrics port.</summary>
    private sealed class MetricsPortFeature
    {
        public static readonly MetricsPortFeature Instance = new();
    }
}
