using System.Globalization;
using System.Text.Json.Nodes;

namespace Tricircle.Emulator.Identity;

/// <summary>Keystone v3 wire shapes (snake_case members, <c>links</c> everywhere) built as JSON nodes.</summary>
internal sealed class KeystoneJson(KeystoneUrls urls)
{
    /// <summary>Keystone 2023.x and later advertise 3.14; keystoneauth only needs the major version.</summary>
    public const string VersionId = "v3.14";
    private const string VersionUpdated = "2020-04-07T00:00:00Z";

    public static string Timestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    public JsonObject Version() => new()
    {
        ["id"] = VersionId,
        ["status"] = "stable",
        ["updated"] = VersionUpdated,
        ["links"] = new JsonArray(new JsonObject { ["rel"] = "self", ["href"] = urls.Link("v3/") }),
        ["media-types"] = new JsonArray(new JsonObject
        {
            ["base"] = "application/json",
            ["type"] = "application/vnd.openstack.identity-v3+json",
        }),
    };

    public static JsonObject Token(TokenView view, bool includeCatalog)
    {
        var token = view.Token;
        var body = new JsonObject
        {
            ["methods"] = Strings(token.Methods),
            ["user"] = new JsonObject
            {
                ["id"] = view.User.Id,
                ["name"] = view.User.Name,
                ["domain"] = DomainRef(view.UserDomain),
                ["password_expires_at"] = null,
            },
            ["audit_ids"] = Strings(token.AuditIds),
            ["expires_at"] = Timestamp(token.ExpiresAt),
            ["issued_at"] = Timestamp(token.IssuedAt),
        };

        // An unscoped token carries no project, roles or catalog, as in Keystone.
        if (view.Project is not null)
        {
            body["project"] = new JsonObject
            {
                ["id"] = view.Project.Id,
                ["name"] = view.Project.Name,
                ["domain"] = DomainRef(view.ProjectDomain!),
            };
            body["is_domain"] = false;
            body["roles"] = new JsonArray([.. token.Roles.Select(r => (JsonNode)new JsonObject { ["id"] = r.Id, ["name"] = r.Name })]);
            if (includeCatalog)
            {
                body["catalog"] = Catalog(view.Catalog);
            }
        }

        return new JsonObject { ["token"] = body };
    }

    public static JsonArray Catalog(IEnumerable<CatalogEntry> catalog) =>
        new([.. catalog.Select(entry => (JsonNode)new JsonObject
        {
            ["endpoints"] = new JsonArray([.. entry.Endpoints.Select(e => (JsonNode)new JsonObject
            {
                ["id"] = e.Id,
                ["interface"] = e.Interface,
                ["region"] = e.RegionId,
                ["region_id"] = e.RegionId,
                ["url"] = e.Url,
            })]),
            ["id"] = entry.Service.Id,
            ["type"] = entry.Service.Type,
            ["name"] = entry.Service.Name,
        })]);

    public JsonObject Region(RegionRecord region) => new()
    {
        ["id"] = region.Id,
        ["description"] = region.Description,
        ["parent_region_id"] = region.ParentRegionId,
        ["links"] = Self($"v3/regions/{region.Id}"),
    };

    public JsonObject Service(ServiceRecord service) => new()
    {
        ["id"] = service.Id,
        ["type"] = service.Type,
        ["name"] = service.Name,
        ["description"] = service.Description,
        ["enabled"] = true,
        ["links"] = Self($"v3/services/{service.Id}"),
    };

    public JsonObject Endpoint(EndpointRecord endpoint) => new()
    {
        ["id"] = endpoint.Id,
        ["interface"] = endpoint.Interface,
        ["region"] = endpoint.RegionId,
        ["region_id"] = endpoint.RegionId,
        ["service_id"] = endpoint.ServiceId,
        ["url"] = endpoint.Url,
        ["enabled"] = true,
        ["links"] = Self($"v3/endpoints/{endpoint.Id}"),
    };

    public JsonObject Project(ProjectRecord project) => new()
    {
        ["id"] = project.Id,
        ["name"] = project.Name,
        ["domain_id"] = project.DomainId,
        ["description"] = project.Description,
        ["enabled"] = project.Enabled,
        // Keystone models domains as projects, so a top-level project's parent is its domain.
        ["parent_id"] = project.DomainId,
        ["is_domain"] = false,
        ["tags"] = new JsonArray(),
        ["options"] = new JsonObject(),
        ["links"] = Self($"v3/projects/{project.Id}"),
    };

    public JsonObject User(UserRecord user)
    {
        // Keystone shows the properties it does not know (email, ...) beside its own.
        var body = (JsonObject)user.Extra.DeepClone();
        body["id"] = user.Id;
        body["name"] = user.Name;
        body["domain_id"] = user.DomainId;
        body["enabled"] = user.Enabled;
        body["password_expires_at"] = null;
        body["options"] = new JsonObject();
        body["links"] = Self($"v3/users/{user.Id}");
        if (user.DefaultProjectId is not null)
        {
            body["default_project_id"] = user.DefaultProjectId;
        }

        if (user.Description is not null)
        {
            body["description"] = user.Description;
        }

        return body;
    }

    public JsonObject Role(RoleRecord role) => new()
    {
        ["id"] = role.Id,
        ["name"] = role.Name,
        ["domain_id"] = null,
        ["description"] = null,
        ["options"] = new JsonObject(),
        ["links"] = Self($"v3/roles/{role.Id}"),
    };

    /// <summary>A domain as Keystone's project API shows it (domains are projects with is_domain).</summary>
    public JsonObject DomainAsProject(DomainRecord domain) => new()
    {
        ["id"] = domain.Id,
        ["name"] = domain.Name,
        ["domain_id"] = null,
        ["description"] = domain.Description,
        ["enabled"] = true,
        ["parent_id"] = null,
        ["is_domain"] = true,
        ["tags"] = new JsonArray(),
        ["options"] = new JsonObject(),
        ["links"] = Self($"v3/projects/{domain.Id}"),
    };

    public JsonObject Domain(DomainRecord domain) => new()
    {
        ["id"] = domain.Id,
        ["name"] = domain.Name,
        ["description"] = domain.Description,
        ["enabled"] = true,
        ["tags"] = new JsonArray(),
        ["options"] = new JsonObject(),
        ["links"] = Self($"v3/domains/{domain.Id}"),
    };

    /// <summary>One role assignment; with names (<c>?include_names</c>) when the lookups are given.</summary>
    public JsonObject RoleAssignment(
        RoleAssignmentRecord assignment,
        IReadOnlyDictionary<string, RoleRecord>? roles = null,
        IReadOnlyDictionary<string, UserRecord>? users = null,
        IReadOnlyDictionary<string, ProjectRecord>? projects = null,
        IReadOnlyDictionary<string, DomainRecord>? domains = null)
    {
        var role = new JsonObject { ["id"] = assignment.RoleId };
        var user = new JsonObject { ["id"] = assignment.UserId };
        var project = new JsonObject { ["id"] = assignment.ProjectId };
        if (roles is not null && users is not null && projects is not null && domains is not null)
        {
            role["name"] = roles[assignment.RoleId].Name;
            var userRecord = users[assignment.UserId];
            user["name"] = userRecord.Name;
            user["domain"] = DomainRef(domains[userRecord.DomainId]);
            var projectRecord = projects[assignment.ProjectId];
            project["name"] = projectRecord.Name;
            project["domain"] = DomainRef(domains[projectRecord.DomainId]);
        }

        return new JsonObject
        {
            ["role"] = role,
            ["user"] = user,
            ["scope"] = new JsonObject { ["project"] = project },
            ["links"] = new JsonObject
            {
                ["assignment"] = urls.Link($"v3/projects/{assignment.ProjectId}/users/{assignment.UserId}/roles/{assignment.RoleId}"),
            },
        };
    }

    /// <summary>A collection response: <c>{"regions": [...], "links": {"self", "previous", "next"}}</c>.</summary>
    public static JsonObject Collection(string member, IEnumerable<JsonObject> items, string selfLink) => new()
    {
        [member] = new JsonArray([.. items]),
        ["links"] = new JsonObject
        {
            ["self"] = selfLink,
            ["previous"] = null,
            ["next"] = null,
        },
    };

    private JsonObject Self(string relativePath) => new() { ["self"] = urls.Link(relativePath) };

    private static JsonObject DomainRef(DomainRecord domain) => new() { ["id"] = domain.Id, ["name"] = domain.Name };

    private static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)JsonValue.Create(v))]);
}
