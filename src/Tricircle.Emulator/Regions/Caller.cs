using Microsoft.AspNetCore.Http;

namespace Tricircle.Emulator.Regions;

/// <summary>Who called, from the token (what keystonemiddleware tells a real service).</summary>
internal sealed record Caller(string Token, string UserId, string ProjectId, IReadOnlyList<string> Roles)
{
    public bool IsAdmin => Roles.Contains("admin", StringComparer.Ordinal);

    /// <summary>Admins see every project's resources, others their own (and shared/public ones, per service).</summary>
    public bool CanSee(string ownerProjectId) => IsAdmin || ownerProjectId == ProjectId;
}

internal static class CallerExtensions
{
    public static Caller Caller(this HttpContext context) =>
        context.Features.Get<Caller>() ?? throw new InvalidOperationException("The request was not authenticated.");
}
