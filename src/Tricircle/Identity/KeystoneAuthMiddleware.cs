using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Tricircle.Hosting;

namespace Tricircle.Identity;

/// <summary>
/// Authenticates every request by its <c>X-Auth-Token</c> (keystonemiddleware's auth_token):
/// 401 with <c>WWW-Authenticate</c> when the token is missing or invalid, 503 when Keystone
/// cannot be asked, otherwise the <see cref="RequestContext"/> for the handlers.
/// Endpoints marked <c>AllowAnonymous</c> (version documents) pass without a token, and those with
/// <see cref="TrustedNetworksMetadata"/> when the client is in one of its networks.
/// </summary>
internal sealed partial class KeystoneAuthMiddleware(
    RequestDelegate next,
    KeystoneTokenValidator validator,
    IOptions<KeystoneAuthOptions> options,
    ILogger<KeystoneAuthMiddleware> logger)
{
    private readonly string _authUri = options.Value.WwwAuthenticate.ToString().TrimEnd('/');

    public async Task InvokeAsync(HttpContext context)
    {
        var metadata = context.GetEndpoint()?.Metadata;
        if (metadata?.GetMetadata<IAllowAnonymous>() is not null
            || metadata?.GetMetadata<TrustedNetworksMetadata>()?.Contains(context.Connection.RemoteIpAddress) == true)
        {
            await next(context);
            return;
        }

        var token = context.Request.Headers["X-Auth-Token"].ToString();

        // A Keystone token is printable ASCII; anything else cannot be one (and cannot even be sent on to Keystone).
        if (token.Length == 0 || token.Length > 8192 || token.AsSpan().ContainsAnyExceptInRange('!', '~'))
        {
            await ApiErrors.WriteUnauthorizedAsync(context, _authUri);
            return;
        }

        KeystoneToken? holder;
        try
        {
            holder = await validator.ValidateAsync(token, context.RequestAborted);
        }
        catch (KeystoneException e)
        {
            Log.KeystoneFailed(logger, e.Message);
            await ApiErrors.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "The identity service could not validate the token; try again later.");
            return;
        }

        if (holder is null || holder.ProjectId is null)
        {
            // Unscoped tokens cannot own resources; OpenStack services reject them the same way.
            await ApiErrors.WriteUnauthorizedAsync(context, _authUri);
            return;
        }

        context.Features.Set(new RequestContext(
            context.TraceIdentifier,
            token,
            holder.UserId,
            holder.UserName,
            holder.UserDomainId,
            holder.ProjectId,
            holder.ProjectName ?? "",
            holder.ProjectDomainId ?? "",
            holder.Roles));
        await next(context);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Token validation failed: {Reason}")]
        public static partial void KeystoneFailed(ILogger logger, string reason);
    }
}
