using Microsoft.Extensions.Options;
using Tricircle.Hosting;
using Tricircle.Identity;

namespace Tricircle.Telemetry;

/// <summary>
/// The Prometheus scrape endpoint, on the admin role's port at <c>[metrics] path</c>. Prometheus
/// scrapes without credentials as a rule, so clients from <c>[metrics] allowed_networks</c>
/// (loopback by default) read it freely (<see cref="TrustedNetworksMetadata"/>); anyone else is
/// authenticated as every API is and needs the admin role.
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
}
