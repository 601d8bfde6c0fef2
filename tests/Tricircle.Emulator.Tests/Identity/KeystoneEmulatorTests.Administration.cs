using System.Net;

namespace Tricircle.Emulator.Identity;

/// <summary>Projects, users and role assignments made and removed over HTTP, as Tempest's dynamic credentials do.</summary>
public sealed partial class KeystoneEmulatorTests
{
    [Fact]
    public async Task DynamicCredentials_ProjectUserGrantThenAuthenticate_AsTempestDoes()
    {
        var admin = _keystone.IssueToken("admin", AdminPassword, "admin").Id;

        var (created, project) = await SendAsync(HttpMethod.Post, "/v3/projects", """{"project": {"name": "tempest-p1", "description": "made by a test"}}""", admin);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var projectId = project.GetProperty("project").GetProperty("id").GetString()!;
        Assert.Equal("default", project.GetProperty("project").GetProperty("domain_id").GetString());
        Assert.Equal("default", project.GetProperty("project").GetProperty("parent_id").GetString());
        Assert.True(project.GetProperty("project").GetProperty("enabled").GetBoolean());

        var (userCreated, user) = await SendAsync(HttpMethod.Post, "/v3/users",
            $$$"""{"user": {"name": "tempest-u1", "password": "pw1", "domain_id": "default", "default_project_id": "{{{projectId}}}", "email": "u1@example.org"}}""", admin);
        Assert.Equal(HttpStatusCode.Created, userCreated.StatusCode);
        var userId = user.GetProperty("user").GetProperty("id").GetString()!;
        Assert.Equal(projectId, user.GetProperty("user").GetProperty("default_project_id").GetString());
        Assert.Equal("u1@example.org", user.GetProperty("user").GetProperty("email").GetString());
        Assert.False(user.GetProperty("user").TryGetProperty("password", out _));

        // No role yet: the user cannot get a token for the project.
        var (refused, _) = await AuthenticateAsync(PasswordByName("tempest-u1", "pw1", "tempest-p1"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        var (_, roles) = await SendAsync(HttpMethod.Get, "/v3/roles?name=member", authToken: admin);
        var memberRole = Assert.Single(roles.GetProperty("roles").EnumerateArray()).GetProperty("id").GetString()!;
        var grant = $"/v3/projects/{projectId}/users/{userId}/roles/{memberRole}";
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Head, grant, authToken: admin)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Put, grant, authToken: admin)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Put, grant, authToken: admin)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Head, grant, authToken: admin)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Get, grant, authToken: admin)).Response.StatusCode);

        var (_, granted) = await SendAsync(HttpMethod.Get, $"/v3/projects/{projectId}/users/{userId}/roles", authToken: admin);
        Assert.Equal("member", Assert.Single(granted.GetProperty("roles").EnumerateArray()).GetProperty("name").GetString());

        var (_, assignments) = await SendAsync(HttpMethod.Get, $"/v3/role_assignments?user.id={userId}&effective&include_names", authToken: admin);
        var assignment = Assert.Single(assignments.GetProperty("role_assignments").EnumerateArray());
        Assert.Equal("tempest-p1", assignment.GetProperty("scope").GetProperty("project").GetProperty("name").GetString());
        Assert.Equal("member", assignment.GetProperty("role").GetProperty("name").GetString());

        var (issued, token) = await AuthenticateAsync(PasswordByName("tempest-u1", "pw1", "tempest-p1"));
        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        Assert.Equal(["member"], token.GetProperty("token").GetProperty("roles").EnumerateArray().Select(r => r.GetProperty("name").GetString()));

        // The user sees their own projects; the cleanup Tempest does removes everything.
        var (_, own) = await SendAsync(HttpMethod.Get, $"/v3/users/{userId}/projects", authToken: SubjectToken(issued));
        Assert.Equal(projectId, Assert.Single(own.GetProperty("projects").EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"/v3/users/{userId}", authToken: admin)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"/v3/projects/{projectId}", authToken: admin)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"/v3/users/{userId}", authToken: admin)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"/v3/projects/{projectId}", authToken: admin)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, "/v3/auth/tokens", authToken: admin, subjectToken: SubjectToken(issued))).Response.StatusCode);
        var (_, none) = await SendAsync(HttpMethod.Get, $"/v3/role_assignments?user.id={userId}", authToken: admin);
        Assert.Empty(none.GetProperty("role_assignments").EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Delete, $"/v3/projects/{projectId}", authToken: admin)).Response.StatusCode);
    }

    [Fact]
    public async Task CreateProjectAndUser_NameTaken_Returns409WithKeystonesMessage()
    {
        var admin = _keystone.IssueToken("admin", AdminPassword, "admin").Id;

        var (project, projectBody) = await SendAsync(HttpMethod.Post, "/v3/projects", """{"project": {"name": "admin"}}""", admin);
        var (user, userBody) = await SendAsync(HttpMethod.Post, "/v3/users", """{"user": {"name": "admin", "password": "x"}}""", admin);

        AssertError(project, projectBody, HttpStatusCode.Conflict, "Conflict");
        Assert.Equal("Conflict occurred attempting to store project - it is not permitted to have two projects with the same name in the same domain : admin.", projectBody.GetProperty("error").GetProperty("message").GetString());
        AssertError(user, userBody, HttpStatusCode.Conflict, "Conflict");
        Assert.Equal("Conflict occurred attempting to store user - Duplicate entry found with name admin at domain ID default.", userBody.GetProperty("error").GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("""{"project": {}}""", "name")]
    [InlineData("""{"project": {"name": ""}}""", "name")]
    [InlineData("""{"project": {"name": "p", "enabled": "yes"}}""", "enabled")]
    [InlineData("""{"project": {"name": "p", "domain_id": 7}}""", "domain_id")]
    [InlineData("""{"projects": {"name": "p"}}""", "project")]
    public async Task CreateProject_BadBody_Returns400NamingTheField(string json, string field)
    {
        var admin = _keystone.IssueToken("admin", AdminPassword, "admin").Id;

        var (response, body) = await SendAsync(HttpMethod.Post, "/v3/projects", json, admin);

        AssertError(response, body, HttpStatusCode.BadRequest, "Bad Request");
        Assert.Contains(field, body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateProject_UnknownDomain_Returns404()
    {
        var admin = _keystone.IssueToken("admin", AdminPassword, "admin").Id;

        var (response, body) = await SendAsync(HttpMethod.Post, "/v3/projects", """{"project": {"name": "p", "domain_id": "nowhere"}}""", admin);

        AssertError(response, body, HttpStatusCode.NotFound, "Not Found");
        Assert.Equal("Could not find domain: nowhere.", body.GetProperty("error").GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("POST", "/v3/projects", """{"project": {"name": "p"}}""", "identity:create_project")]
    [InlineData("POST", "/v3/users", """{"user": {"name": "u"}}""", "identity:create_user")]
    [InlineData("PATCH", "/v3/users/{user}", """{"user": {"enabled": false}}""", "identity:update_user")]
    [InlineData("DELETE", "/v3/projects/{project}", null, "identity:delete_project")]
    [InlineData("PUT", "/v3/projects/{project}/users/{user}/roles/{role}", null, "identity:create_grant")]
    [InlineData("DELETE", "/v3/projects/{project}/users/{user}/roles/{role}", null, "identity:revoke_grant")]
    [InlineData("GET", "/v3/role_assignments", null, "identity:list_role_assignments")]
    public async Task Administration_AsAMember_Returns403(string method, string path, string? json, string action)
    {
        var member = IssueMemberToken("mallory");
        var role = _keystone.AddRole("admin");
        path = path.Replace("{user}", member.UserId, StringComparison.Ordinal).Replace("{project}", member.ProjectId, StringComparison.Ordinal).Replace("{role}", role, StringComparison.Ordinal);

        var (response, body) = await SendAsync(new HttpMethod(method), path, json, member.Id);

        AssertError(response, body, HttpStatusCode.Forbidden, "Forbidden");
        Assert.Contains(action, body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RevokeGrant_RevokesTheUsersTokensOnThatProject()
    {
        var admin = _keystone.IssueToken("admin", AdminPassword, "admin").Id;
        var member = IssueMemberToken("oscar");
        var role = _keystone.AddRole("member");
        var grant = $"/v3/projects/{member.ProjectId}/users/{member.UserId}/roles/{role}";

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, grant, authToken: admin)).Response.StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, "/v3/auth/tokens", authToken: admin, subjectToken: member.Id)).Response.StatusCode);
        var (again, body) = await SendAsync(HttpMethod.Delete, grant, authToken: admin);
        AssertError(again, body, HttpStatusCode.NotFound, "Not Found");
        Assert.StartsWith($"Could not find role assignment with role: {role}, user or group: {member.UserId}", body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Throws<UnauthorizedAccessException>(() => _keystone.IssueToken("oscar", "pw", "admin"));
    }

    [Fact]
    public async Task PatchUser_PasswordAndEnabled_TakeEffectAndRevokeTokens()
    {
        var admin = _keystone.IssueToken("admin", AdminPassword, "admin").Id;
        var member = IssueMemberToken("peggy");

        var (patched, user) = await SendAsync(HttpMethod.Patch, $"/v3/users/{member.UserId}", """{"user": {"password": "new-pw", "description": "changed"}}""", admin);

        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal("changed", user.GetProperty("user").GetProperty("description").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, "/v3/auth/tokens", authToken: admin, subjectToken: member.Id)).Response.StatusCode);
        Assert.Throws<UnauthorizedAccessException>(() => _keystone.IssueToken("peggy", "pw", "admin"));
        var fresh = _keystone.IssueToken("peggy", "new-pw", "admin");

        (patched, user) = await SendAsync(HttpMethod.Patch, $"/v3/users/{member.UserId}", """{"user": {"enabled": false}}""", admin);

        Assert.False(user.GetProperty("user").GetProperty("enabled").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, "/v3/auth/tokens", authToken: admin, subjectToken: fresh.Id)).Response.StatusCode);
        var (disabled, _) = await AuthenticateAsync(PasswordByName("peggy", "new-pw", "admin"));
        Assert.Equal(HttpStatusCode.Unauthorized, disabled.StatusCode);
        var (_, listed) = await SendAsync(HttpMethod.Get, "/v3/users?enabled=false", authToken: admin);
        Assert.Equal("peggy", Assert.Single(listed.GetProperty("users").EnumerateArray()).GetProperty("name").GetString());

        (patched, _) = await SendAsync(HttpMethod.Patch, $"/v3/users/{member.UserId}", """{"user": {"enabled": "no"}}""", admin);
        Assert.Equal(HttpStatusCode.BadRequest, patched.StatusCode);
        (patched, _) = await SendAsync(HttpMethod.Patch, $"/v3/users/{member.UserId}", """{"user": {"domain_id": "other"}}""", admin);
        Assert.Equal(HttpStatusCode.BadRequest, patched.StatusCode);
    }

    [Fact]
    public async Task ChangeOwnPassword_NeedsTheOriginal()
    {
        var member = IssueMemberToken("trent");

        var (wrong, _) = await SendAsync(HttpMethod.Post, $"/v3/users/{member.UserId}/password", """{"user": {"original_password": "nope", "password": "pw2"}}""");
        var (changed, _) = await SendAsync(HttpMethod.Post, $"/v3/users/{member.UserId}/password", """{"user": {"original_password": "pw", "password": "pw2"}}""");

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
        _keystone.IssueToken("trent", "pw2", "admin");
    }

    [Fact]
    public async Task PatchProject_Disabled_RefusesTokensAndRenameChecksNames()
    {
        var admin = _keystone.IssueToken("admin", AdminPassword, "admin").Id;
        var (_, created) = await SendAsync(HttpMethod.Post, "/v3/projects", """{"project": {"name": "p2"}}""", admin);
        var projectId = created.GetProperty("project").GetProperty("id").GetString()!;
        var userId = _keystone.AddUser("walter", "pw");
        _keystone.Grant(userId, projectId, "member");
        var token = _keystone.IssueToken("walter", "pw", "p2");

        var (taken, _) = await SendAsync(HttpMethod.Patch, $"/v3/projects/{projectId}", """{"project": {"name": "service"}}""", admin);
        var (patched, body) = await SendAsync(HttpMethod.Patch, $"/v3/projects/{projectId}", """{"project": {"enabled": false, "description": "off"}}""", admin);

        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.False(body.GetProperty("project").GetProperty("enabled").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, "/v3/auth/tokens", authToken: admin, subjectToken: token.Id)).Response.StatusCode);
        Assert.Throws<UnauthorizedAccessException>(() => _keystone.IssueToken("walter", "pw", "p2"));
    }

    [Theory]
    [InlineData("?effective&group.id=g", "Combining effective and group filter will always result in an empty list.")]
    [InlineData("?scope.project.id=p&scope.domain.id=d", "Specify a domain or project, not both")]
    [InlineData("?user.id=u&group.id=g", "Specify a user or group, not both")]
    [InlineData("?scope.system=all&scope.project.id=p", "Specify system or project, not both")]
    [InlineData("?include_subtree", "scope.project.id must be specified if include_subtree is also specified")]
    public async Task ListRoleAssignments_FiltersThatContradict_Return400(string query, string message)
    {
        var admin = _keystone.IssueToken("admin", AdminPassword, "admin").Id;

        var (response, body) = await SendAsync(HttpMethod.Get, "/v3/role_assignments" + query, authToken: admin);

        AssertError(response, body, HttpStatusCode.BadRequest, "Bad Request");
        Assert.Equal(message, body.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task CreateAndDeleteRole_RemovesItsAssignments()
    {
        var admin = _keystone.IssueToken("admin", AdminPassword, "admin");
        var (created, role) = await SendAsync(HttpMethod.Post, "/v3/roles", """{"role": {"name": "auditor"}}""", admin.Id);
        var roleId = role.GetProperty("role").GetProperty("id").GetString()!;
        await SendAsync(HttpMethod.Put, $"/v3/projects/{admin.ProjectId}/users/{admin.UserId}/roles/{roleId}", authToken: admin.Id);

        var (duplicate, _) = await SendAsync(HttpMethod.Post, "/v3/roles", """{"role": {"name": "auditor"}}""", admin.Id);
        var (deleted, _) = await SendAsync(HttpMethod.Delete, $"/v3/roles/{roleId}", authToken: admin.Id);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        var fresh = _keystone.IssueToken("admin", AdminPassword, "admin");
        var (_, assignments) = await SendAsync(HttpMethod.Get, $"/v3/role_assignments?role.id={roleId}", authToken: fresh.Id);
        Assert.Empty(assignments.GetProperty("role_assignments").EnumerateArray());
    }
}
