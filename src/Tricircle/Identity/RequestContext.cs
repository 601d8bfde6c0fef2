namespace Tricircle.Identity;

/// <summary>Who is calling, from the validated token (what keystonemiddleware puts in X-* headers).</summary>
internal sealed record RequestContext(
    string RequestId,
    string AuthToken,
    string UserId,
    string UserName,
    string UserDomainId,
    string ProjectId,
    string ProjectName,
    string ProjectDomainId,
    IReadOnlyList<string> Roles)
{
    public bool IsAdmin => Roles.Contains("admin", StringComparer.OrdinalIgnoreCase);
}

internal static class RequestContextExtensions
{
    /// <summary>The caller of an authenticated endpoint; throws if the endpoint was not authenticated.</summary>
    public static RequestContext GetRequestContext(this HttpContext context) =>
        context.Features.Get<RequestContext>() ?? throw new InvalidOperationException("The request was not authenticated.");
}
