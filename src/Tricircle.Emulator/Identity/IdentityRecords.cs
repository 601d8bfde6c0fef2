namespace Tricircle.Emulator.Identity;

// Immutable rows of the emulator's in-memory "database"; the store swaps whole records under its lock.

internal sealed record DomainRecord(string Id, string Name, string Description);

internal sealed record ProjectRecord(string Id, string Name, string DomainId, string Description, bool Enabled = true);

/// <summary>
/// A user; a null <see cref="Password"/> is none (no password authenticates), and
/// <see cref="Extra"/> holds the properties Keystone keeps without knowing them (email and the
/// like), never handed out without a copy.
/// </summary>
internal sealed record UserRecord(string Id, string Name, string DomainId, string? Password, string? DefaultProjectId, bool Enabled = true, string? Description = null)
{
    public System.Text.Json.Nodes.JsonObject Extra { get; init; } = [];
}

internal sealed record RoleRecord(string Id, string Name);

internal sealed record RegionRecord(string Id, string? ParentRegionId, string Description);

internal sealed record ServiceRecord(string Id, string Type, string Name, string Description);

internal sealed record EndpointRecord(string Id, string ServiceId, string RegionId, string Interface, string Url);

internal sealed record RoleAssignmentRecord(string UserId, string ProjectId, string RoleId);

/// <summary>A token; <see cref="ProjectId"/> is null for an unscoped token.</summary>
/// <remarks>Roles are a snapshot taken at issue time; the catalog is rendered when the token is shown.</remarks>
internal sealed record TokenRecord(
    string Id,
    string UserId,
    string? ProjectId,
    IReadOnlyList<RoleRecord> Roles,
    IReadOnlyList<string> Methods,
    IReadOnlyList<string> AuditIds,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt)
{
    public bool HasRole(string roleName) => Roles.Any(r => string.Equals(r.Name, roleName, StringComparison.Ordinal));
}

/// <summary>A service with the endpoints shown in a token's catalog.</summary>
internal sealed record CatalogEntry(ServiceRecord Service, IReadOnlyList<EndpointRecord> Endpoints);

/// <summary>Everything needed to render a token body, read consistently under the store's lock.</summary>
internal sealed record TokenView(
    TokenRecord Token,
    UserRecord User,
    DomainRecord UserDomain,
    ProjectRecord? Project,
    DomainRecord? ProjectDomain,
    IReadOnlyList<CatalogEntry> Catalog);

/// <summary>A field of an update that may be absent, or present and null (<c>"default_project_id": null</c>).</summary>
internal readonly record struct Optional<T>(bool HasValue, T Value)
{
    public static Optional<T> Absent => default;

    public static Optional<T> Of(T value) => new(true, value);
}
