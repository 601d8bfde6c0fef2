using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;

namespace Tricircle.Emulator.Identity;

/// <summary>The HTTP surface, driven over real loopback HTTP; each test gets a fresh emulator.</summary>
public sealed partial class KeystoneEmulatorTests : IAsyncLifetime
{
    private const string AdminPassword = "s3cret";

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero));
    private KeystoneEmulator _keystone = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _keystone = await KeystoneEmulator.StartAsync(new KeystoneEmulatorOptions
        {
            AdminPassword = AdminPassword,
            TimeProvider = _clock,
        });
        _http = new HttpClient { BaseAddress = _keystone.Url };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _keystone.DisposeAsync();
    }

    [Fact]
    public async Task GetRoot_Always_Returns300WithV3Version()
    {
        var (response, body) = await SendAsync(HttpMethod.Get, "/");

        Assert.Equal(HttpStatusCode.MultipleChoices, response.StatusCode);
        var version = Assert.Single(body.GetProperty("versions").GetProperty("values").EnumerateArray());
        Assert.Equal("v3.14", version.GetProperty("id").GetString());
        Assert.Equal("stable", version.GetProperty("status").GetString());
        Assert.Equal($"{_keystone.Url}v3/", version.GetProperty("links")[0].GetProperty("href").GetString());
        Assert.Equal("application/vnd.openstack.identity-v3+json", version.GetProperty("media-types")[0].GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("/v3")]
    [InlineData("/v3/")]
    public async Task GetV3_WithOrWithoutSlash_Returns200WithVersion(string path)
    {
        var (response, body) = await SendAsync(HttpMethod.Get, path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("v3.14", body.GetProperty("version").GetProperty("id").GetString());
        Assert.Equal($"{_keystone.Url}v3/", body.GetProperty("version").GetProperty("links")[0].GetProperty("href").GetString());
    }

    [Fact]
    public async Task Start_Always_SetsAuthUrlAndBootstrapsIdentityEndpoints()
    {
        Assert.Equal("127.0.0.1", _keystone.Url.Host);
        Assert.Equal(new Uri(_keystone.Url, "v3"), _keystone.AuthUrl);

        var (_, body) = await AuthenticateAsync(PasswordByName("admin", AdminPassword, "admin"));

        var identity = Assert.Single(Catalog(body), s => s.GetProperty("type").GetString() == "identity");
        Assert.Equal("keystone", identity.GetProperty("name").GetString());
        var endpoints = identity.GetProperty("endpoints").EnumerateArray().ToList();
        Assert.Equal(["public", "internal", "admin"], endpoints.Select(e => e.GetProperty("interface").GetString()));
        Assert.All(endpoints, e =>
        {
            Assert.Equal("CentralRegion", e.GetProperty("region_id").GetString());
            Assert.Equal("CentralRegion", e.GetProperty("region").GetString());
            Assert.Equal(_keystone.AuthUrl.AbsoluteUri, e.GetProperty("url").GetString());
        });
    }

    [Fact]
    public async Task IssueToken_PasswordByName_Returns201WithScopedTokenBody()
    {
        var (response, body) = await AuthenticateAsync(PasswordByName("admin", AdminPassword, "admin"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Matches("^[A-Za-z0-9_-]{64}$", SubjectToken(response));
        Assert.StartsWith("req-", Assert.Single(response.Headers.GetValues("x-openstack-request-id")), StringComparison.Ordinal);
        Assert.Contains("X-Auth-Token", response.Headers.Vary);
        var token = body.GetProperty("token");
        Assert.Equal(["password"], token.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal("admin", token.GetProperty("user").GetProperty("name").GetString());
        Assert.Equal("default", token.GetProperty("user").GetProperty("domain").GetProperty("id").GetString());
        Assert.Equal("Default", token.GetProperty("user").GetProperty("domain").GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, token.GetProperty("user").GetProperty("password_expires_at").ValueKind);
        Assert.Equal("admin", token.GetProperty("project").GetProperty("name").GetString());
        Assert.Equal("Default", token.GetProperty("project").GetProperty("domain").GetProperty("name").GetString());
        Assert.False(token.GetProperty("is_domain").GetBoolean());
        Assert.Equal(["admin"], token.GetProperty("roles").EnumerateArray().Select(r => r.GetProperty("name").GetString()));
        Assert.Single(token.GetProperty("audit_ids").EnumerateArray());
        Assert.Equal("2026-11-22T10:00:00.000000Z", token.GetProperty("issued_at").GetString());
        Assert.Equal("2026-11-22T11:00:00.000000Z", token.GetProperty("expires_at").GetString());
        Assert.Matches(KeystoneTimestamp(), token.GetProperty("expires_at").GetString()!);
    }

    [Fact]
    public async Task IssueToken_PasswordAndScopeByIds_Returns201ForGrantedProject()
    {
        var domainId = _keystone.AddDomain("Tenants");
        var projectId = _keystone.AddProject("demo", domainId);
        var userId = _keystone.AddUser("alice", "pw", domainId);
        _keystone.Grant(userId, projectId, "member");

        var (response, body) = await AuthenticateAsync($$"""
            {"auth": {"identity": {"methods": ["password"], "password": {"user": {"id": "{{userId}}", "password": "pw"} } },
                      "scope": {"project": {"id": "{{projectId}}"} } } }
            """);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var token = body.GetProperty("token");
        Assert.Equal(userId, token.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal("Tenants", token.GetProperty("user").GetProperty("domain").GetProperty("name").GetString());
        Assert.Equal(projectId, token.GetProperty("project").GetProperty("id").GetString());
        Assert.Equal(domainId, token.GetProperty("project").GetProperty("domain").GetProperty("id").GetString());
        Assert.Equal(["member"], token.GetProperty("roles").EnumerateArray().Select(r => r.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task IssueToken_DomainsById_Returns201()
    {
        var (response, _) = await AuthenticateAsync("""
            {"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", "domain": {"id": "default"}, "password": "s3cret"}}},
                      "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}
            """);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task IssueToken_AfterAddEndpoint_CatalogHasEndpointWithProjectIdFilledIn()
    {
        _keystone.AddRegion("RegionOne", description: "pod 1");
        var novaId = _keystone.AddService("compute", "nova");
        var endpointId = _keystone.AddEndpoint(novaId, "RegionOne", "public", "http://127.0.0.1:8774/v2.1/$(project_id)s");

        var (_, body) = await AuthenticateAsync(PasswordByName("admin", AdminPassword, "admin"));

        var projectId = body.GetProperty("token").GetProperty("project").GetProperty("id").GetString();
        var compute = Assert.Single(Catalog(body), s => s.GetProperty("type").GetString() == "compute");
        Assert.Equal(novaId, compute.GetProperty("id").GetString());
        Assert.Equal("nova", compute.GetProperty("name").GetString());
        var endpoint = Assert.Single(compute.GetProperty("endpoints").EnumerateArray());
        Assert.Equal(endpointId, endpoint.GetProperty("id").GetString());
        Assert.Equal("public", endpoint.GetProperty("interface").GetString());
        Assert.Equal("RegionOne", endpoint.GetProperty("region_id").GetString());
        Assert.Equal($"http://127.0.0.1:8774/v2.1/{projectId}", endpoint.GetProperty("url").GetString());
    }

    [Fact]
    public async Task IssueToken_AfterRemoveEndpoint_CatalogOmitsEndpoint()
    {
        var glanceId = _keystone.AddService("image", "glance");
        var endpointId = _keystone.AddEndpoint(glanceId, "RegionOne", "public", "http://127.0.0.1:9292");

        Assert.True(_keystone.RemoveEndpoint(endpointId));
        Assert.False(_keystone.RemoveEndpoint(endpointId));

        var (_, body) = await AuthenticateAsync(PasswordByName("admin", AdminPassword, "admin"));
        var image = Assert.Single(Catalog(body), s => s.GetProperty("type").GetString() == "image");
        Assert.Empty(image.GetProperty("endpoints").EnumerateArray());
    }

    [Fact]
    public async Task IssueToken_NoCatalogQuery_OmitsCatalog()
    {
        var (response, body) = await AuthenticateAsync(PasswordByName("admin", AdminPassword, "admin"), "/v3/auth/tokens?nocatalog");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.False(body.GetProperty("token").TryGetProperty("catalog", out _));
        Assert.True(body.GetProperty("token").TryGetProperty("project", out _));
    }

    [Fact]
    public async Task IssueToken_WrongPassword_Returns401ErrorShape()
    {
        var (response, body) = await AuthenticateAsync(PasswordByName("admin", "wrong", "admin"));

        AssertError(response, body, HttpStatusCode.Unauthorized, "Unauthorized");
        Assert.Equal("The request you have made requires authentication.", body.GetProperty("error").GetProperty("message").GetString());
        Assert.False(response.Headers.Contains("X-Subject-Token"));
    }

    [Fact]
    public async Task IssueToken_UnknownUser_Returns401()
    {
        var (response, body) = await AuthenticateAsync(PasswordByName("nobody", AdminPassword, "admin"));

        AssertError(response, body, HttpStatusCode.Unauthorized, "Unauthorized");
    }

    [Fact]
    public async Task IssueToken_UserWithoutRoleOnProject_Returns401()
    {
        _keystone.AddUser("bob", "pw");

        var (response, body) = await AuthenticateAsync(PasswordByName("bob", "pw", "admin"));

        AssertError(response, body, HttpStatusCode.Unauthorized, "Unauthorized");
    }

    [Fact]
    public async Task IssueToken_MalformedJson_Returns400ErrorShape()
    {
        var (response, body) = await AuthenticateAsync("{\"auth\": {");

        AssertError(response, body, HttpStatusCode.BadRequest, "Bad Request");
        Assert.StartsWith("Expecting to find valid JSON in request body.", body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"auth": {}}""", "identity")]
    [InlineData("""{"auth": {"identity": {"methods": ["password"]}}}""", "password")]
    [InlineData("""{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", "password": "x"}}}}}""", "domain")]
    [InlineData("""{"auth": {"identity": {"methods": ["password"], "password": {"user": {"id": "x"}}}}}""", "password")]
    public async Task IssueToken_MissingField_Returns400NamingField(string json, string field)
    {
        var (response, body) = await AuthenticateAsync(json);

        AssertError(response, body, HttpStatusCode.BadRequest, "Bad Request");
        Assert.Contains(field, body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task IssueToken_ExplicitlyUnscoped_Returns201WithoutProjectOrCatalog()
    {
        var (response, body) = await AuthenticateAsync("""
            {"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", "domain": {"name": "Default"}, "password": "s3cret"}}},
                      "scope": "unscoped"}}
            """);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var token = body.GetProperty("token");
        Assert.False(token.TryGetProperty("project", out _));
        Assert.False(token.TryGetProperty("catalog", out _));
        Assert.False(token.TryGetProperty("roles", out _));
    }

    [Fact]
    public async Task IssueToken_NoScopeWithDefaultProject_ScopesToDefaultProject()
    {
        var projectId = _keystone.AddProject("demo");
        var userId = _keystone.AddUser("carol", "pw", defaultProjectId: projectId);
        _keystone.Grant(userId, projectId, "reader");

        var (response, body) = await AuthenticateAsync($$"""
            {"auth": {"identity": {"methods": ["password"], "password": {"user": {"id": "{{userId}}", "password": "pw"} } } } }
            """);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(projectId, body.GetProperty("token").GetProperty("project").GetProperty("id").GetString());
    }

    [Fact]
    public async Task IssueToken_TokenMethod_RescopesToOtherProjectKeepingExpiry()
    {
        var admin = _keystone.IssueToken("admin", AdminPassword, "admin");
        var adminUserId = admin.UserId;
        var serviceProject = await FindProjectIdAsync(admin.Id, "service");
        _keystone.Grant(adminUserId, serviceProject, "member");
        _clock.Advance(TimeSpan.FromMinutes(10));

        var (response, body) = await AuthenticateAsync($$"""
            {"auth": {"identity": {"methods": ["token"], "token": {"id": "{{admin.Id}}"} },
                      "scope": {"project": {"name": "service", "domain": {"name": "Default"} } } } }
            """);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.NotEqual(admin.Id, SubjectToken(response));
        var token = body.GetProperty("token");
        Assert.Equal(serviceProject, token.GetProperty("project").GetProperty("id").GetString());
        Assert.Equal(["token"], token.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal("2026-11-22T11:00:00.000000Z", token.GetProperty("expires_at").GetString());
        Assert.Equal(2, token.GetProperty("audit_ids").GetArrayLength());
    }

    [Fact]
    public async Task ValidateToken_ValidSubject_Returns200WithTokenBody()
    {
        var admin = _keystone.IssueToken("admin", AdminPassword, "admin");
        var subject = _keystone.IssueToken("admin", AdminPassword, "admin");

        var (response, body) = await SendAsync(HttpMethod.Get, "/v3/auth/tokens", authToken: admin.Id, subjectToken: subject.Id);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(subject.Id, SubjectToken(response));
        var token = body.GetProperty("token");
        Assert.Equal(subject.ProjectId, token.GetProperty("project").GetProperty("id").GetString());
        Assert.Equal(subject.UserId, token.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal(subject.ExpiresAt, DateTimeOffset.Parse(token.GetProperty("expires_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.NotEmpty(Catalog(body));
    }

    [Fact]
    public async Task CheckToken_Head_Returns200WithoutBody()
    {
        var admin = _keystone.IssueToken("admin", AdminPassword, "admin");

        var (response, _) = await SendAsync(HttpMethod.Head, "/v3/auth/tokens", authToken: admin.Id, subjectToken: admin.Id);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(admin.Id, SubjectToken(response));
    }

    [Fact]
    public async Task ValidateToken_AfterRevoke_Returns404()
    {
        var admin = _keystone.IssueToken("admin", AdminPassword, "admin");
        var subject = _keystone.IssueToken("admin", AdminPassword, "admin");

        var (revoke, _) = await SendAsync(HttpMethod.Delete, "/v3/auth/tokens", authToken: admin.Id, subjectToken: subject.Id);
        var (response, body) = await SendAsync(HttpMethod.Get, "/v3/auth/tokens", authToken: admin.Id, subjectToken: subject.Id);

        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        AssertError(response, body, HttpStatusCode.NotFound, "Not Found");
    }

    [Fact]
    public async Task ValidateToken_AfterProgrammaticRevoke_Returns404()
    {
        var admin = _keystone.IssueToken("admin", AdminPassword, "admin");
        var subject = _keystone.IssueToken("admin", AdminPassword, "admin");

        _keystone.RevokeToken(subject.Id);
        var (response, body) = await SendAsync(HttpMethod.Get, "/v3/auth/tokens", authToken: admin.Id, subjectToken: subject.Id);

        AssertError(response, body, HttpStatusCode.NotFound, "Not Found");
    }

    [Fact]
    public async Task ValidateToken_AfterExpiry_Returns404()
    {
        var subject = _keystone.IssueToken("admin", AdminPassword, "admin");
        Assert.Equal(_clock.GetUtcNow() + TimeSpan.FromHours(1), subject.ExpiresAt);

        _clock.Advance(TimeSpan.FromMinutes(59));
        var caller = _keystone.IssueToken("admin", AdminPassword, "admin");
        var (before, _) = await SendAsync(HttpMethod.Get, "/v3/auth/tokens", authToken: caller.Id, subjectToken: subject.Id);
        _clock.Advance(TimeSpan.FromMinutes(1));
        var (after, body) = await SendAsync(HttpMethod.Get, "/v3/auth/tokens", authToken: caller.Id, subjectToken: subject.Id);

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        AssertError(after, body, HttpStatusCode.NotFound, "Not Found");
    }

    [Fact]
    public async Task ListRegions_ExpiredCallerToken_Returns401()
    {
        var caller = _keystone.IssueToken("admin", AdminPassword, "admin");
        _clock.Advance(TimeSpan.FromHours(2));

        var (response, body) = await SendAsync(HttpMethod.Get, "/v3/regions", authToken: caller.Id);

        AssertError(response, body, HttpStatusCode.Unauthorized, "Unauthorized");
    }

    [Fact]
    public async Task ValidateToken_InvalidCallerToken_Returns401()
    {
        var subject = _keystone.IssueToken("admin", AdminPassword, "admin");

        var (response, body) = await SendAsync(HttpMethod.Get, "/v3/auth/tokens", authToken: "not-a-token", subjectToken: subject.Id);

        AssertError(response, body, HttpStatusCode.Unauthorized, "Unauthorized");
    }

    [Fact]
    public async Task ValidateToken_NonAdminOtherUsersToken_Returns403ButOwnTokenIs200()
    {
        var member = IssueMemberToken("dave");
        var memberAgain = _keystone.IssueToken("dave", "pw", "admin");
        var admin = _keystone.IssueToken("admin", AdminPassword, "admin");

        var (other, body) = await SendAsync(HttpMethod.Get, "/v3/auth/tokens", authToken: member.Id, subjectToken: admin.Id);
        var (own, _) = await SendAsync(HttpMethod.Get, "/v3/auth/tokens", authToken: member.Id, subjectToken: memberAgain.Id);

        AssertError(other, body, HttpStatusCode.Forbidden, "Forbidden");
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
    }

    [Fact]
    public async Task ValidateToken_ServiceRoleOtherUsersToken_Returns200()
    {
        var serviceProject = _keystone.AddProject("services");
        var nova = _keystone.AddUser("nova", "pw");
        _keystone.AddRole("service");
        _keystone.Grant(nova, serviceProject, "service");
        var caller = _keystone.IssueToken("nova", "pw", "services");
        var subject = IssueMemberToken("erin");

        var (response, _) = await SendAsync(HttpMethod.Get, "/v3/auth/tokens", authToken: caller.Id, subjectToken: subject.Id);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task RevokeToken_UnknownSubject_Returns404()
    {
        var admin = _keystone.IssueToken("admin", AdminPassword, "admin");

        var (response, body) = await SendAsync(HttpMethod.Delete, "/v3/auth/tokens", authToken: admin.Id, subjectToken: "gone");

        AssertError(response, body, HttpStatusCode.NotFound, "Not Found");
    }

    [Fact]
    public async Task ListEndpoints_NonAdminUser_Returns403()
    {
        var member = IssueMemberToken("frank");

        var (response, body) = await SendAsync(HttpMethod.Get, "/v3/endpoints", authToken: member.Id);

        AssertError(response, body, HttpStatusCode.Forbidden, "Forbidden");
        Assert.Contains("identity:list_endpoints", body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v3/endpoints")]
    [InlineData("/v3/regions")]
    [InlineData("/v3/auth/catalog")]
    [InlineData("/v3/projects")]
    public async Task Get_NoToken_Returns401WithWwwAuthenticate(string path)
    {
        var (response, body) = await SendAsync(HttpMethod.Get, path);

        AssertError(response, body, HttpStatusCode.Unauthorized, "Unauthorized");
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Keystone", challenge.Scheme);
        Assert.Equal($"uri=\"{_keystone.Url.AbsoluteUri.TrimEnd('/')}\"", challenge.Parameter);
    }

    [Fact]
    public async Task ListRegions_NonAdminUser_Returns200AsKeystoneAllowsAnyToken()
    {
        var member = IssueMemberToken("grace");

        var (response, body) = await SendAsync(HttpMethod.Get, "/v3/regions", authToken: member.Id);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(body.GetProperty("regions").EnumerateArray(), r => r.GetProperty("id").GetString() == "CentralRegion");
    }

    [Fact]
    public async Task ListRegions_Admin_ReturnsRegionsWithLinks()
    {
        _keystone.AddRegion("RegionOne", description: "pod 1");
        _keystone.AddRegion("RegionOneA", "RegionOne");
        var admin = _keystone.IssueToken("admin", AdminPassword, "admin");

        var (response, body) = await SendAsync(HttpMethod.Get, "/v3/regions", authToken: admin.Id);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var regions = body.GetProperty("regions").EnumerateArray().ToDictionary(r => r.GetProperty("id").GetString()!);
        Assert.Equal(["CentralRegion", "RegionOne", "RegionOneA"], regions.Keys);
        Assert.Equal("pod 1", regions["RegionOne"].GetProperty("description").GetString());
        Assert.Equal("RegionOne", regions["RegionOneA"].GetProperty("parent_region_id").GetString());
        Assert.Equal($"{_keystone.Url}v3/regions/RegionOne", regions["RegionOne"].GetProperty("links").GetProperty("self").GetString());
        var links = body.GetProperty("links");
        Assert.Equal($"{_keystone.Url}v3/regions", links.GetProperty("self").GetString());
        Assert.Equal(JsonValueKind.Null, links.GetProperty("next").ValueKind);
        Assert.Equal(JsonValueKind.Null, links.GetProperty("previous").ValueKind);
    }

    [Fact]
    public async Task CreateRegion_DuplicateId_Returns409()
    {
        var admin = _keystone.IssueToken("admin", AdminPassword, "admin");
        const string region = """{"region": {"id": "RegionTwo", "description": "pod 2"}}""";

        var (created, body) = await SendAsync(HttpMethod.Post, "/v3/regions", region, admin.Id);
        var (duplicate, error) = await SendAsync(HttpMethod.Post, "/v3/regions", region, admin.Id);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("pod 2", body.GetProperty("region").GetProperty("description").GetString());
        AssertError(duplicate, error, HttpStatusCode.Conflict, "Conflict");
    }

    [Fact]
    public async Task CreateRegion_NonAdmin_Returns403()
    {
        var member = IssueMemberToken("heidi");

        var (response, body) = await SendAsync(HttpMethod.Post, "/v3/regions", """{"region": {"id": "X"}}""", member.Id);

        AssertError(response, body, HttpStatusCode.Forbidden, "Forbidden");
    }

    [Fact]
    public async Task CreateServiceAndEndpoint_Admin_AppearInListsAndCatalog()
    {
        var admin = _keystone.IssueToken("admin", AdminPassword, "admin");

        var (serviceResponse, service) = await SendAsync(HttpMethod.Post, "/v3/services", """{"service": {"type": "network", "name": "neutron"}}""", admin.Id);
        var serviceId = service.GetProperty("service").GetProperty("id").GetString();
        var (endpointResponse, endpoint) = await SendAsync(HttpMethod.Post, "/v3/endpoints",
            $$"""{"endpoint": {"service_id": "{{serviceId}}", "interface": "internal", "region_id": "RegionTwo", "url": "http://127.0.0.1:9696"} }""", admin.Id);
        var endpointId = endpoint.GetProperty("endpoint").GetProperty("id").GetString();
        var (_, services) = await SendAsync(HttpMethod.Get, "/v3/services?type=network", authToken: admin.Id);
        var (_, filtered) = await SendAsync(HttpMethod.Get, "/v3/endpoints?interface=internal&region_id=RegionTwo", authToken: admin.Id);
        var (_, catalog) = await SendAsync(HttpMethod.Get, "/v3/auth/catalog", authToken: admin.Id);

        Assert.Equal(HttpStatusCode.Created, serviceResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Created, endpointResponse.StatusCode);
        Assert.Equal(serviceId, Assert.Single(services.GetProperty("services").EnumerateArray()).GetProperty("id").GetString());
        var listed = Assert.Single(filtered.GetProperty("endpoints").EnumerateArray());
        Assert.Equal(endpointId, listed.GetProperty("id").GetString());
        Assert.Equal(serviceId, listed.GetProperty("service_id").GetString());
        Assert.Equal("http://127.0.0.1:9696", listed.GetProperty("url").GetString());
        Assert.True(listed.GetProperty("enabled").GetBoolean());
        Assert.Contains(catalog.GetProperty("catalog").EnumerateArray(), s => s.GetProperty("id").GetString() == serviceId);
    }

    [Fact]
    public async Task CreateEndpoint_BadInterface_Returns400()
    {
        var admin = _keystone.IssueToken("admin", AdminPassword, "admin");
        var serviceId = _keystone.AddService("image", "glance");

        var (response, body) = await SendAsync(HttpMethod.Post, "/v3/endpoints",
            $$"""{"endpoint": {"service_id": "{{serviceId}}", "interface": "private", "region_id": "RegionOne", "url": "http://x"} }""", admin.Id);

        AssertError(response, body, HttpStatusCode.BadRequest, "Bad Request");
    }

    [Fact]
    public async Task DeleteEndpoint_Known_Returns204ThenGetReturns404()
    {
        var admin = _keystone.IssueToken("admin", AdminPassword, "admin");
        var endpointId = _keystone.AddEndpoint(_keystone.AddService("image", "glance"), "RegionOne", "public", "http://x");

        var (deleted, _) = await SendAsync(HttpMethod.Delete, $"/v3/endpoints/{endpointId}", authToken: admin.Id);
        var (response, body) = await SendAsync(HttpMethod.Get, $"/v3/endpoints/{endpointId}", authToken: admin.Id);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        AssertError(response, body, HttpStatusCode.NotFound, "Not Found");
    }

    [Fact]
    public async Task ListProjects_FilterByName_ReturnsMatchingProject()
    {
        var admin = _keystone.IssueToken("admin", AdminPassword, "admin");

        var (response, body) = await SendAsync(HttpMethod.Get, "/v3/projects?name=service&domain_id=default", authToken: admin.Id);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var project = Assert.Single(body.GetProperty("projects").EnumerateArray());
        Assert.Equal("service", project.GetProperty("name").GetString());
        Assert.Equal("default", project.GetProperty("domain_id").GetString());
        Assert.Equal($"{_keystone.Url}v3/projects/{project.GetProperty("id").GetString()}", project.GetProperty("links").GetProperty("self").GetString());
    }

    [Fact]
    public async Task GetProject_UnknownId_Returns404ErrorShape()
    {
        var admin = _keystone.IssueToken("admin", AdminPassword, "admin");

        var (response, body) = await SendAsync(HttpMethod.Get, "/v3/projects/nope", authToken: admin.Id);

        AssertError(response, body, HttpStatusCode.NotFound, "Not Found");
        Assert.Equal("Could not find project: nope.", body.GetProperty("error").GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("/v3/users", "users")]
    [InlineData("/v3/roles", "roles")]
    [InlineData("/v3/domains", "domains")]
    [InlineData("/v3/services", "services")]
    public async Task List_Admin_ReturnsCollection(string path, string member)
    {
        var admin = _keystone.IssueToken("admin", AdminPassword, "admin");

        var (response, body) = await SendAsync(HttpMethod.Get, path, authToken: admin.Id);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEmpty(body.GetProperty(member).EnumerateArray());
        Assert.Equal($"{_keystone.Url}{path.TrimStart('/')}", body.GetProperty("links").GetProperty("self").GetString());
    }

    [Fact]
    public async Task ListRoleAssignments_FilterByUserAndProjectWithNames_ReturnsGrant()
    {
        var admin = _keystone.IssueToken("admin", AdminPassword, "admin");

        var (response, body) = await SendAsync(HttpMethod.Get,
            $"/v3/role_assignments?user.id={admin.UserId}&scope.project.id={admin.ProjectId}&include_names", authToken: admin.Id);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var assignment = Assert.Single(body.GetProperty("role_assignments").EnumerateArray());
        Assert.Equal("admin", assignment.GetProperty("role").GetProperty("name").GetString());
        Assert.Equal(admin.UserId, assignment.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal(admin.ProjectId, assignment.GetProperty("scope").GetProperty("project").GetProperty("id").GetString());
    }

    [Fact]
    public async Task AuthProjects_MemberOfOneProject_ReturnsThatProject()
    {
        var member = IssueMemberToken("ivan");

        var (response, body) = await SendAsync(HttpMethod.Get, "/v3/auth/projects", authToken: member.Id);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(member.ProjectId, Assert.Single(body.GetProperty("projects").EnumerateArray()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task UnknownPath_WithToken_Returns404ErrorShape()
    {
        var admin = _keystone.IssueToken("admin", AdminPassword, "admin");

        var (response, body) = await SendAsync(HttpMethod.Get, "/v3/no-such-thing", authToken: admin.Id);

        AssertError(response, body, HttpStatusCode.NotFound, "Not Found");
    }

    [Fact]
    public async Task PutRegions_UnsupportedMethod_Returns405ErrorShape()
    {
        var admin = _keystone.IssueToken("admin", AdminPassword, "admin");

        var (response, body) = await SendAsync(HttpMethod.Put, "/v3/regions", "{}", admin.Id);

        AssertError(response, body, HttpStatusCode.MethodNotAllowed, "Method Not Allowed");
    }

    [Fact]
    public void IssueToken_BadPassword_ThrowsUnauthorizedAccessException()
    {
        Assert.Throws<UnauthorizedAccessException>(() => _keystone.IssueToken("admin", "wrong", "admin"));
    }

    [Fact]
    public void IssueToken_GoodCredentials_ReturnsRolesAndIds()
    {
        var token = _keystone.IssueToken("admin", AdminPassword, "admin");

        Assert.Equal(["admin"], token.Roles);
        Assert.False(string.IsNullOrEmpty(token.UserId));
        Assert.False(string.IsNullOrEmpty(token.ProjectId));
    }

    [Fact]
    public void Seeding_RepeatedRoleServiceAndRegion_IsIdempotent()
    {
        Assert.Equal(_keystone.AddRole("member"), _keystone.AddRole("member"));
        Assert.Equal(_keystone.AddService("compute", "nova"), _keystone.AddService("compute", "nova"));
        Assert.NotEqual(_keystone.AddService("compute", "nova"), _keystone.AddService("compute", "nova2"));
        _keystone.AddRegion("CentralRegion");
        _keystone.AddRegion("RegionOne");
        _keystone.AddRegion("RegionOne");
    }

    [Fact]
    public void Grant_UnknownRole_Throws()
    {
        var userId = _keystone.AddUser("judy", "pw");
        var projectId = _keystone.AddProject("p");

        Assert.Throws<KeyNotFoundException>(() => _keystone.Grant(userId, projectId, "no-such-role"));
    }

    [Fact]
    public async Task Seeding_ConcurrentCalls_AllSucceed()
    {
        var serviceId = _keystone.AddService("compute", "nova");

        var ids = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Task.Run(() =>
        {
            var projectId = _keystone.AddProject($"p{i}");
            var userId = _keystone.AddUser($"u{i}", "pw");
            _keystone.Grant(userId, projectId, "member");
            _keystone.IssueToken($"u{i}", "pw", $"p{i}");
            return _keystone.AddEndpoint(serviceId, $"Region{i % 5}", "public", $"http://127.0.0.1:{9000 + i}");
        })));

        Assert.Equal(50, ids.Distinct().Count());
    }

    private IssuedToken IssueMemberToken(string userName)
    {
        var userId = _keystone.AddUser(userName, "pw");
        var admin = _keystone.IssueToken("admin", AdminPassword, "admin");
        _keystone.Grant(userId, admin.ProjectId, "member");
        return _keystone.IssueToken(userName, "pw", "admin");
    }

    private async Task<string> FindProjectIdAsync(string adminToken, string name)
    {
        var (_, body) = await SendAsync(HttpMethod.Get, $"/v3/projects?name={name}", authToken: adminToken);
        return body.GetProperty("projects")[0].GetProperty("id").GetString()!;
    }

    private static string PasswordByName(string user, string password, string project) => $$"""
        {"auth": {"identity": {"methods": ["password"],
                               "password": {"user": {"name": "{{user}}", "domain": {"name": "Default"}, "password": "{{password}}"} } },
                  "scope": {"project": {"name": "{{project}}", "domain": {"name": "Default"} } } } }
        """;

    private Task<(HttpResponseMessage Response, JsonElement Body)> AuthenticateAsync(string json, string path = "/v3/auth/tokens") =>
        SendAsync(HttpMethod.Post, path, json);

    private async Task<(HttpResponseMessage Response, JsonElement Body)> SendAsync(
        HttpMethod method, string path, string? json = null, string? authToken = null, string? subjectToken = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (authToken is not null)
        {
            request.Headers.Add("X-Auth-Token", authToken);
        }

        if (subjectToken is not null)
        {
            request.Headers.Add("X-Subject-Token", subjectToken);
        }

        var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return (response, body);
    }

    private static string SubjectToken(HttpResponseMessage response) => Assert.Single(response.Headers.GetValues("X-Subject-Token"));

    private static List<JsonElement> Catalog(JsonElement body) => [.. body.GetProperty("token").GetProperty("catalog").EnumerateArray()];

    private static void AssertError(HttpResponseMessage response, JsonElement body, HttpStatusCode status, string title)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = body.GetProperty("error");
        Assert.Equal((int)status, error.GetProperty("code").GetInt32());
        Assert.Equal(title, error.GetProperty("title").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.True(response.Headers.Contains("x-openstack-request-id"));
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")]
    private static partial Regex KeystoneTimestamp();
}
