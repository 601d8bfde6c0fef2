using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using Tricircle.Identity;

namespace Tricircle.WebConsole;

/// <summary>
/// Login against Keystone: the user's password becomes a project-scoped Keystone token, kept in
/// an encrypted cookie (Data Protection). Every request, and every refresh of an open page,
/// validates the token again through the shared cached validator, so a token Keystone revoked
/// or let expire ends the session.
/// </summary>
internal sealed partial class ConsoleAuthentication(
    IHttpClientFactory httpClientFactory,
    IOptions<KeystoneAuthOptions> keystone,
    KeystoneTokenValidator validator,
    ILogger<ConsoleAuthentication> logger)
{
    /// <summary>The console's own cookie scheme; no default scheme is set, so the APIs never read the cookie.</summary>
    public const string Scheme = "tricircle-console";

    public const string CookieName = "tricircle-console";

    /// <summary>The token of the credentials, or why not (wrong credentials, Keystone unreachable).</summary>
    public async Task<(KeystoneToken? Token, string? Error)> LogInAsync(string user, string password, string project, string domain, CancellationToken cancellationToken)
    {
        var client = new KeystoneClient(httpClientFactory.CreateClient(KeystoneTokenValidator.HttpClientName), new Uri(keystone.Value.AuthUrl));
        try
        {
            var token = await client.IssueTokenAsync(new KeystoneCredentials(user, password, project, domain, domain), cancellationToken);
            return token.ProjectId is null ? (null, "The token is not scoped to a project.") : (token, null);
        }
        catch (KeystoneException e) when (e.StatusCode is 401 or 403 or 404 or 400)
        {
            Log.LoginRefused(logger, user, project, e.StatusCode);
            return (null, "Keystone refused the login: check the user, password, project and domain.");
        }
        catch (Exception e) when (e is KeystoneException or HttpRequestException or TaskCanceledException)
        {
            Log.KeystoneFailed(logger, e.Message);
            return (null, "Keystone could not be reached; try again later.");
        }
    }

    /// <summary>Whether the user's token is still good (false also when Keystone cannot say: the session is not trusted then).</summary>
    public async Task<bool> IsValidAsync(ConsoleUser user, CancellationToken cancellationToken)
    {
        try
        {
            return await validator.ValidateAsync(user.Token, cancellationToken) is { ProjectId: not null };
        }
        catch (KeystoneException e)
        {
            Log.KeystoneFailed(logger, e.Message);
            return false;
        }
    }

    /// <summary>The cookie: HTTP only, same-site strict, lasting no longer than the token.</summary>
    public static void Configure(CookieAuthenticationOptions cookie)
    {
        cookie.Cookie.Name = CookieName;
        cookie.Cookie.HttpOnly = true;
        cookie.Cookie.SameSite = SameSiteMode.Strict;
        cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest; // plain HTTP on loopback; HTTPS behind a TLS proxy
        cookie.LoginPath = "/login";
        cookie.LogoutPath = "/logout";
        cookie.AccessDeniedPath = "/login";
        cookie.SlidingExpiration = false;
        cookie.Events.OnValidatePrincipal = async context =>
        {
            var user = ConsoleUser.From(context.Principal);
            var authentication = context.HttpContext.RequestServices.GetRequiredService<ConsoleAuthentication>();
            if (user is null || !await authentication.IsValidAsync(user, context.HttpContext.RequestAborted))
            {
                context.RejectPrincipal();
                await context.HttpContext.SignOutAsync(Scheme);
            }
        };
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Console login of user {User} to project {Project} refused by Keystone ({Status})")]
        public static partial void LoginRefused(ILogger logger, string user, string project, int status);

        [LoggerMessage(2, LogLevel.Warning, "Console: Keystone failed: {Reason}")]
        public static partial void KeystoneFailed(ILogger logger, string reason);
    }
}
