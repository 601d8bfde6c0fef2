using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Tricircle.Emulator.Identity;

/// <summary>
/// Creating and deleting projects, users, roles and role assignments, as tools that make
/// credentials on the fly need (Tempest makes a project and a user per test class). Admin-only
/// as in Keystone's default policy; everything lives in the default domain unless told otherwise.
/// </summary>
internal sealed partial class KeystoneApi
{
    private const int ProjectNameMaxLength = 64;
    private const int UserNameMaxLength = 255;

    // The fields Keystone itself keeps for a user; anything else (email, ...) is kept as given.
    private static readonly string[] UserFields = ["id", "name", "domain_id", "password", "enabled", "default_project_id", "description", "options", "links", "password_expires_at"];

    private void MapIdentityAdministration(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v3/projects", Admin("identity:create_project", CreateProjectAsync));
        routes.MapMethods("/v3/projects/{id}", [HttpMethods.Patch], Admin("identity:update_project", UpdateProjectAsync));
        routes.MapDelete("/v3/projects/{id}", Admin("identity:delete_project", DeleteProjectAsync));

        routes.MapPost("/v3/users", Admin("identity:create_user", CreateUserAsync));
        routes.MapMethods("/v3/users/{id}", [HttpMethods.Patch], Admin("identity:update_user", UpdateUserAsync));
        routes.MapDelete("/v3/users/{id}", Admin("identity:delete_user", DeleteUserAsync));
        routes.MapGet("/v3/users/{id}/projects", Authenticated(ListUserProjectsAsync));

        // Keystone lets a user change their own password with the old one, token or not.
        routes.MapPost("/v3/users/{id}/password", ChangePasswordAsync);

        routes.MapPost("/v3/roles", Admin("identity:create_role", CreateRoleAsync));
        routes.MapDelete("/v3/roles/{id}", Admin("identity:delete_role", DeleteRoleAsync));

        const string Grant = "/v3/projects/{project_id}/users/{user_id}/roles/{role_id}";
        routes.MapGet("/v3/projects/{project_id}/users/{user_id}/roles", Admin("identity:list_grants", ListGrantsAsync));
        routes.MapPut(Grant, Admin("identity:create_grant", CreateGrantAsync));
        routes.MapMethods(Grant, [HttpMethods.Get, HttpMethods.Head], Admin("identity:check_grant", CheckGrantAsync));
        routes.MapDelete(Grant, Admin("identity:revoke_grant", RevokeGrantAsync));
    }

    private async Task CreateProjectAsync(HttpContext context, TokenRecord caller)
    {
        using var document = KeystoneHttp.ReadJson(context);
        var body = KeystoneHttp.RequiredMember(document.RootElement, "project");
        var name = KeystoneHttp.OptionalName(body, "name", "project", ProjectNameMaxLength)
            ?? throw KeystoneException.BadRequest("Invalid input for field 'project': 'name' is a required property.");
        if (KeystoneHttp.OptionalBool(body, "is_domain", "project") == true)
        {
            throw KeystoneException.BadRequest("Invalid input for field 'project.is_domain': projects acting as domains are not emulated.");
        }

        // No domain given: the default one, as Keystone does for a project-scoped token.
        var domainId = KeystoneHttp.OptionalString(body, "domain_id", "project") ?? IdentityStore.DefaultDomainId;
        var parentId = KeystoneHttp.OptionalString(body, "parent_id", "project");
        if (parentId is not null && parentId != domainId)
        {
            throw KeystoneException.BadRequest("Invalid input for field 'project.parent_id': only top-level projects (the parent is their domain) are emulated.");
        }

        var description = KeystoneHttp.OptionalString(body, "description", "project") ?? "";
        var enabled = KeystoneHttp.OptionalBool(body, "enabled", "project") ?? true;
        var id = Translate(() => store.AddProject(name, domainId, description, enabled));
        await WriteEntityAsync(context, "project", _json.Project(Find(store.Projects(), "project", id, p => p.Id)), StatusCodes.Status201Created);
    }

    private async Task UpdateProjectAsync(HttpContext context, TokenRecord caller)
    {
        var id = RouteId(context);
        using var document = KeystoneHttp.ReadJson(context);
        var body = KeystoneHttp.RequiredMember(document.RootElement, "project");
        var current = Find(store.Projects(), "project", id, p => p.Id);
        foreach (var (field, value) in (ReadOnlySpan<(string, string)>)[("domain_id", current.DomainId), ("parent_id", current.DomainId), ("id", current.Id)])
        {
            if (KeystoneHttp.OptionalString(body, field, "project") is { } given && given != value)
            {
                throw KeystoneException.BadRequest($"Update of `{field}` is not allowed.");
            }
        }

        var name = KeystoneHttp.OptionalName(body, "name", "project", ProjectNameMaxLength);
        var description = KeystoneHttp.OptionalString(body, "description", "project");
        var enabled = KeystoneHttp.OptionalBool(body, "enabled", "project");
        var updated = Translate(() => store.UpdateProject(id, name, description, enabled));
        await WriteEntityAsync(context, "project", _json.Project(updated));
    }

    private Task DeleteProjectAsync(HttpContext context, TokenRecord caller)
    {
        var id = RouteId(context);
        Translate(() => store.RemoveProject(id));
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    private async Task CreateUserAsync(HttpContext context, TokenRecord caller)
    {
        using var document = KeystoneHttp.ReadJson(context);
        var body = KeystoneHttp.RequiredMember(document.RootElement, "user");
        var name = KeystoneHttp.OptionalName(body, "name", "user", UserNameMaxLength)
            ?? throw KeystoneException.BadRequest("Invalid input for field 'user': 'name' is a required property.");
        var domainId = KeystoneHttp.OptionalString(body, "domain_id", "user") ?? IdentityStore.DefaultDomainId;
        var password = KeystoneHttp.OptionalString(body, "password", "user");
        var defaultProject = KeystoneHttp.OptionalString(body, "default_project_id", "user");
        var enabled = KeystoneHttp.OptionalBool(body, "enabled", "user") ?? true;
        var description = KeystoneHttp.OptionalString(body, "description", "user");
        var id = Translate(() => store.AddUser(name, password, domainId, defaultProject, enabled, description, Extra(body)));
        await WriteEntityAsync(context, "user", _json.User(Find(store.Users(), "user", id, u => u.Id)), StatusCodes.Status201Created);
    }

    private async Task UpdateUserAsync(HttpContext context, TokenRecord caller)
    {
        var id = RouteId(context);
        using var document = KeystoneHttp.ReadJson(context);
        var body = KeystoneHttp.RequiredMember(document.RootElement, "user");
        var current = Find(store.Users(), "user", id, u => u.Id);
        if (KeystoneHttp.OptionalString(body, "domain_id", "user") is { } domain && domain != current.DomainId)
        {
            throw KeystoneException.BadRequest("Cannot change Domain ID");
        }

        if (KeystoneHttp.OptionalString(body, "id", "user") is { } newId && newId != current.Id)
        {
            throw KeystoneException.BadRequest("Cannot change user ID");
        }

        var name = KeystoneHttp.OptionalName(body, "name", "user", UserNameMaxLength);
        var password = body.TryGetProperty("password", out _) ? Optional<string?>.Of(KeystoneHttp.OptionalString(body, "password", "user")) : Optional<string?>.Absent;
        var enabled = KeystoneHttp.OptionalBool(body, "enabled", "user");
        var description = KeystoneHttp.OptionalString(body, "description", "user");
        var defaultProject = body.TryGetProperty("default_project_id", out _)
            ? Optional<string?>.Of(KeystoneHttp.OptionalString(body, "default_project_id", "user"))
            : Optional<string?>.Absent;
        var updated = Translate(() => store.UpdateUser(id, name, password, enabled, description, defaultProject, Extra(body)));
        await WriteEntityAsync(context, "user", _json.User(updated));
    }

    private Task DeleteUserAsync(HttpContext context, TokenRecord caller)
    {
        var id = RouteId(context);
        Translate(() => store.RemoveUser(id));
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    private Task ListUserProjectsAsync(HttpContext context, TokenRecord caller)
    {
        var id = RouteId(context);
        if (!caller.HasRole("admin") && caller.UserId != id)
        {
            throw KeystoneException.Forbidden("identity:list_user_projects");
        }

        _ = Find(store.Users(), "user", id, u => u.Id);
        return WriteCollectionAsync(context, "projects", store.ProjectsOfUser(id)
            .WhereQuery(context, "name", p => p.Name)
            .WhereBoolQuery(context, "enabled", p => p.Enabled)
            .Select(_json.Project));
    }

    private Task ChangePasswordAsync(HttpContext context)
    {
        using var document = KeystoneHttp.ReadJson(context);
        var body = KeystoneHttp.RequiredMember(document.RootElement, "user");
        var original = KeystoneHttp.OptionalString(body, "original_password", "user")
            ?? throw KeystoneException.BadRequest("Invalid input for field 'user': 'original_password' is a required property.");
        var password = KeystoneHttp.OptionalString(body, "password", "user")
            ?? throw KeystoneException.BadRequest("Invalid input for field 'user': 'password' is a required property.");
        store.ChangePassword(RouteId(context), original, password);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    private async Task CreateRoleAsync(HttpContext context, TokenRecord caller)
    {
        using var document = KeystoneHttp.ReadJson(context);
        var body = KeystoneHttp.RequiredMember(document.RootElement, "role");
        var name = KeystoneHttp.OptionalName(body, "name", "role", 255)
            ?? throw KeystoneException.BadRequest("Invalid input for field 'role': 'name' is a required property.");
        var role = Translate(() => store.CreateRole(name));
        await WriteEntityAsync(context, "role", _json.Role(role), StatusCodes.Status201Created);
    }

    private Task DeleteRoleAsync(HttpContext context, TokenRecord caller)
    {
        var id = RouteId(context);
        Translate(() => store.RemoveRole(id));
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    private Task ListGrantsAsync(HttpContext context, TokenRecord caller)
    {
        var (projectId, userId) = (Route(context, "project_id"), Route(context, "user_id"));
        _ = Find(store.Projects(), "project", projectId, p => p.Id);
        _ = Find(store.Users(), "user", userId, u => u.Id);
        var granted = store.RoleAssignments().Where(a => a.UserId == userId && a.ProjectId == projectId).Select(a => a.RoleId).ToHashSet(StringComparer.Ordinal);
        return WriteCollectionAsync(context, "roles", store.Roles().Where(r => granted.Contains(r.Id)).Select(_json.Role));
    }

    private Task CreateGrantAsync(HttpContext context, TokenRecord caller)
    {
        Translate(() => store.GrantById(Route(context, "user_id"), Route(context, "project_id"), Route(context, "role_id")));
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    private Task CheckGrantAsync(HttpContext context, TokenRecord caller)
    {
        var (projectId, userId, roleId) = (Route(context, "project_id"), Route(context, "user_id"), Route(context, "role_id"));
        if (!Translate(() => store.HasGrant(userId, projectId, roleId)))
        {
            throw new KeystoneException(StatusCodes.Status404NotFound, $"Could not find role assignment with role: {roleId}, user or group: {userId}, project, domain, or system: {projectId}.");
        }

        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    private Task RevokeGrantAsync(HttpContext context, TokenRecord caller)
    {
        Translate(() => store.RevokeGrant(Route(context, "user_id"), Route(context, "project_id"), Route(context, "role_id")));
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    private static string Route(HttpContext context, string name) => (string)context.Request.RouteValues[name]!;

    /// <summary>The user properties Keystone does not know itself, kept as given (Keystone's user schema allows them).</summary>
    private static JsonObject Extra(JsonElement body)
    {
        var extra = new JsonObject();
        foreach (var property in body.EnumerateObject().Where(p => !UserFields.Contains(p.Name, StringComparer.Ordinal)))
        {
            extra[property.Name] = JsonNode.Parse(property.Value.GetRawText());
        }

        return extra;
    }
}
