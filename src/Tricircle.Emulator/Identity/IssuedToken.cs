namespace Tricircle.Emulator.Identity;

/// <summary>A token issued by <see cref="KeystoneEmulator.IssueToken"/>.</summary>
/// <param name="Id">The token itself, as sent in <c>X-Auth-Token</c>.</param>
/// <param name="ExpiresAt">When the token stops being valid.</param>
/// <param name="UserId">Id of the authenticated user.</param>
/// <param name="ProjectId">Id of the project the token is scoped to.</param>
/// <param name="Roles">Names of the user's roles on that project.</param>
public sealed record IssuedToken(string Id, DateTimeOffset ExpiresAt, string UserId, string ProjectId, IReadOnlyList<string> Roles);
