using System.Security.Claims;

namespace Tricircle.WebConsole;

/// <summary>Who is logged in to the console: what the Keystone token said at login, and the token itself (kept in the encrypted cookie).</summary>
internal sealed record ConsoleUser(string Token, string UserId, string UserName, string ProjectId, string ProjectName, IReadOnlyList<string> Roles)
{
    public const string TokenClaim = "tricircle:token";
    public const string ProjectIdClaim = "tricircle:project_id";
    public const string ProjectNameClaim = "tricircle:project_name";

    /// <summary>Keystone's admin role: it sees every project and every page (Nova, Cinder and Neutron's default policy).</summary>
    public bool IsAdmin => Roles.Contains("admin", StringComparer.OrdinalIgnoreCase);

    /// <summary>The user of a logged-in principal; null when not logged in.</summary>
    public static ConsoleUser? From(ClaimsPrincipal? principal)
    {
        if (principal?.Identity?.IsAuthenticated != true || principal.FindFirst(TokenClaim)?.Value is not { Length: > 0 } token)
        {
            return null;
        }

        return new ConsoleUser(
            token,
            principal.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? "",
            principal.FindFirst(ClaimTypes.Name)?.Value ?? "",
            principal.FindFirst(ProjectIdClaim)?.Value ?? "",
            principal.FindFirst(ProjectNameClaim)?.Value ?? "",
            [.. principal.FindAll(ClaimTypes.Role).Select(c => c.Value)]);
    }

    public static ClaimsPrincipal Principal(Identity.KeystoneToken token)
    {
        var claims = new List<Claim>
        {
            new(TokenClaim, token.Id),
            new(ClaimTypes.NameIdentifier, token.UserId),
            new(ClaimTypes.Name, token.UserName),
            new(ProjectIdClaim, token.ProjectId ?? ""),
            new(ProjectNameClaim, token.ProjectName ?? ""),
        };
        claims.AddRange(token.Roles.Select(r => new Claim(ClaimTypes.Role, r)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, ConsoleAuthentication.Scheme, ClaimTypes.Name, ClaimTypes.Role));
    }
}
