using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Tricircle.Hosting;
using Tricircle.Identity;

namespace Tricircle.Telemetry;

/// <summary>
/// The Prometheus scrape endpoint, on the admin role's port at <c>[metrics] path</c>. Prometheus
/// scrapes without credentials as a rule, so clients from <c>[metrics] allowed_networks</c>
/// (loopback by default) read it freely; anyone else needs an admin token, as the Admin API does.
/// Refusals are the Admin API's 401/403.
/// </summary>
internal static class MetricsEndpoint
{
    public static void MapMetricsEndpoint(this IEndpointRouteBuilder app)
    {
        var options = app.ServiceProvider.GetRequiredService<IOptions<MetricsOptions>>().Value;
        if (!options.Enabled)
        {
            return;
        }

        var networks = options.Networks();
        app.MapPrometheusScrapingEndpoint(
                options.Path,
                meterProvider: null,
                configureBranchedPipeline: branch => branch.Use(async (context, next) =>
                {
                    if (await AllowedAsync(context, networks))
                    {
                        await next(context);
                    }
                }),
                optionsName: null)
            .WithMetadata(new ApiRoleMetadata(ServiceRole.Admin), new AllowAnonymousAttribute())
            .WithDisplayName("metrics");
    }

    /// <summary>True to serve; otherwise the refusal is written.</summary>
    private static async Task<bool> AllowedAsync(HttpContext context, IReadOnlyList<IPNetwork> networks)
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.Headers.Allow = "GET, HEAD";
            await ApiErrors.WriteAsync(context, StatusCodes.Status405MethodNotAllowed, "The metrics are read with GET.");
            return false;
        }

        var remote = context.Connection.RemoteIpAddress;
        if (remote is not null)
        {
            var address = remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote;
            if (networks.Any(n => n.Contains(address)))
            {
                return true;
            }
        }

        var token = context.Request.Headers["X-Auth-Token"].ToString();
        if (token.Length == 0)
        {
            var auth = context.RequestServices.GetRequiredService<IOptions<KeystoneAuthOptions>>().Value;
            await ApiErrors.WriteUnauthorizedAsync(context, auth.WwwAuthenticate.ToString().TrimEnd('/'));
            return false;
        }

        KeystoneToken? holder;
        try
        {
            holder = token.Length > 8192 || token.Any(c => c is < '!' or > '~')
                ? null
                : await context.RequestServices.GetRequiredService<KeystoneTokenValidator>().ValidateAsync(token, context.RequestAborted);
        }
        catch (KeystoneException)
        {
            await ApiErrors.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "The identity service could not validate the token; try again later.");
            return false;
        }

        if (holder is null)
        {
            var auth = context.RequestServices.GetRequiredService<IOptions<KeystoneAuthOptions>>().Value;
            await ApiErrors.WriteUnauthorizedAsync(context, auth.WwwAuthenticate.ToString().TrimEnd('/'));
            return false;
        }

        if (!holder.Roles.Contains("admin", StringComparer.OrdinalIgnoreCase))
        {
            await ApiErrors.WriteAsync(context, StatusCodes.Status403Forbidden, "Policy doesn't allow metrics to be read: an admin token, or a client address in [metrics] allowed_networks, is needed.");
            return false;
        }

        return true;
    }
}
