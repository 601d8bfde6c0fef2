using System.Globalization;
using System.Text.Json;

namespace Tricircle.Identity;

/// <summary>What a Keystone v3 token says about its holder, and the catalog it came with.</summary>
internal sealed record KeystoneToken(
    string Id,
    DateTimeOffset ExpiresAt,
    string UserId,
    string UserName,
    string UserDomainId,
    string? ProjectId,
    string? ProjectName,
    string? ProjectDomainId,
    IReadOnlyList<string> Roles,
    IReadOnlyList<CatalogService> Catalog)
{
    /// <summary>Reads the <c>token</c> object of a Keystone v3 token response.</summary>
    public static KeystoneToken Parse(string id, JsonElement root)
    {
        var token = root.GetProperty("token");
        var user = token.GetProperty("user");
        string? projectId = null, projectName = null, projectDomainId = null;
        if (token.TryGetProperty("project", out var project) && project.ValueKind == JsonValueKind.Object)
        {
            projectId = project.GetProperty("id").GetString();
            projectName = project.TryGetProperty("name", out var pn) ? pn.GetString() : null;
            projectDomainId = project.TryGetProperty("domain", out var pd) && pd.TryGetProperty("id", out var pdi) ? pdi.GetString() : null;
        }

        var roles = token.TryGetProperty("roles", out var r) && r.ValueKind == JsonValueKind.Array
            ? r.EnumerateArray().Select(x => x.GetProperty("name").GetString() ?? "").Where(n => n.Length > 0).ToList()
            : [];

        var catalog = token.TryGetProperty("catalog", out var c) ? ParseCatalog(c) : [];

        return new KeystoneToken(
            id,
            DateTimeOffset.Parse(token.GetProperty("expires_at").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
            user.GetProperty("id").GetString()!,
            user.TryGetProperty("name", out var un) ? un.GetString() ?? "" : "",
            user.TryGetProperty("domain", out var ud) && ud.TryGetProperty("id", out var udi) ? udi.GetString() ?? "" : "",
            projectId,
            projectName,
            projectDomainId,
            roles,
            catalog);
    }

    /// <summary>Reads a v3 catalog array (from a token or from <c>GET /v3/auth/catalog</c>).</summary>
    public static IReadOnlyList<CatalogService> ParseCatalog(JsonElement catalog)
    {
        if (catalog.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        return catalog.EnumerateArray()
            .Select(service => new CatalogService(
                service.GetProperty("type").GetString() ?? "",
                service.TryGetProperty("name", out var sn) ? sn.GetString() ?? "" : "",
                service.GetProperty("endpoints").EnumerateArray()
                    .Select(e => new CatalogEndpoint(
                        e.GetProperty("interface").GetString() ?? "",
                        e.TryGetProperty("region_id", out var rid) && rid.ValueKind == JsonValueKind.String ? rid.GetString()!
                            : e.TryGetProperty("region", out var rn) && rn.ValueKind == JsonValueKind.String ? rn.GetString()! : "",
                        e.GetProperty("url").GetString() ?? ""))
                    .ToList()))
            .ToList();
    }

    /// <summary>The URL of a service in a region on an interface, if the catalog has one.</summary>
    public string? FindEndpoint(string serviceType, string region, string @interface) => FindEndpoint(Catalog, serviceType, region, @interface);

    public static string? FindEndpoint(IReadOnlyList<CatalogService> catalog, string serviceType, string region, string @interface) =>
        catalog.Where(s => string.Equals(s.Type, serviceType, StringComparison.OrdinalIgnoreCase))
            .SelectMany(s => s.Endpoints)
            .FirstOrDefault(e => string.Equals(e.RegionId, region, StringComparison.Ordinal) && string.Equals(e.Interface, @interface, StringComparison.OrdinalIgnoreCase))
            ?.Url;
}

internal sealed record CatalogService(string Type, string Name, IReadOnlyList<CatalogEndpoint> Endpoints);

internal sealed record CatalogEndpoint(string Interface, string RegionId, string Url);

/// <summary>Password credentials, scoped to a project, as the <c>OS_*</c> variables give them.</summary>
internal sealed record KeystoneCredentials(
    string Username,
    string Password,
    string ProjectName,
    string UserDomainName = "Default",
    string ProjectDomainName = "Default")
{
    public string? UserDomainId { get; init; }

    public string? ProjectDomainId { get; init; }

    public string? ProjectId { get; init; }
}
