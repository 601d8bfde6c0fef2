using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Tricircle.Emulator.Identity;

/// <summary>The Keystone v3 HTTP surface: routes, policy checks and handlers over an <see cref="IdentityStore"/>.</summary>
internal sealed partial class KeystoneApi(IdentityStore store, KeystoneUrls urls, ILogger logger, long? maxRequestBodySize)
{
    private readonly KeystoneJson _json = new(urls);

    /// <summary>Adds the request id and <c>Vary</c> headers and turns failures into Keystone's error body.</summary>
    public async Task HandleAsync(HttpContext context, RequestDelegate next)
    {
        context.Response.Headers["x-openstack-request-id"] = $"req-{Guid.NewGuid():D}";
        context.Response.Headers.Vary = KeystoneHttp.AuthTokenHeader;
        var method = context.Request.Method;
        var path = context.Request.Path.Value ?? "/";
        if (maxRequestBodySize is { } limit)
        {
            // oslo.middleware's sizelimit wraps the whole Flask app: webob's own 413 page.
            if (context.Request.ContentLength > limit)
            {
                await Regions.RegionHttp.WriteWebobErrorAsync(context, StatusCodes.Status413PayloadTooLarge, $"Request is too large. Larger than max_request_body_size ({limit}).");
                return;
            }

            if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            {
                feature.MaxRequestBodySize = limit;
            }
        }

        try
        {
            await KeystoneHttp.ReadBodyAsync(context);
            await next(context);
            // Routing answers an unknown path (404) or a wrong method (405) with an empty body; Keystone sends its error body.
            if (!context.Response.HasStarted && context.Response.StatusCode == StatusCodes.Status404NotFound)
            {
                throw new KeystoneException(StatusCodes.Status404NotFound, "The resource could not be found.");
            }

            if (!context.Response.HasStarted && context.Response.StatusCode == StatusCodes.Status405MethodNotAllowed)
            {
                throw new KeystoneException(StatusCodes.Status405MethodNotAllowed, $"The method {method} is not supported for this resource.");
            }
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            // A body that broke off or outgrew the limit while being read.
            logger.RequestRejected(method, path, ex.StatusCode, ex.Message);
            await KeystoneHttp.WriteErrorAsync(context, urls, ex.StatusCode, ex.StatusCode == StatusCodes.Status413PayloadTooLarge ? $"Request is too large. Larger than {maxRequestBodySize}." : "The request body could not be read.");
        }
        catch (KeystoneException ex) when (!context.Response.HasStarted)
        {
            context.Response.Headers.Remove(KeystoneHttp.SubjectTokenHeader);
            if (ex.StatusCode == StatusCodes.Status401Unauthorized)
            {
                logger.Unauthorized(method, path, ex.Detail ?? ex.Message);
            }
            else
            {
                logger.RequestRejected(method, path, ex.StatusCode, ex.Message);
            }

            await KeystoneHttp.WriteErrorAsync(context, urls, ex.StatusCode, ex.Message);
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            logger.RequestFailed(method, path, ex);
            context.Response.Headers.Remove(KeystoneHttp.SubjectTokenHeader);
            await KeystoneHttp.WriteErrorAsync(context, urls, StatusCodes.Status500InternalServerError, "An unexpected error prevented the server from fulfilling your request.");
        }
    }

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/", VersionsAsync);
        // Routing matches "/v3/" too: a trailing slash is optional.
        routes.MapGet("/v3", VersionAsync);

        routes.MapPost("/v3/auth/tokens", IssueTokenAsync);
        routes.MapGet("/v3/auth/tokens", Authenticated(ValidateTokenAsync));
        routes.MapMethods("/v3/auth/tokens", [HttpMethods.Head], Authenticated(CheckTokenAsync));
        routes.MapDelete("/v3/auth/tokens", Authenticated(RevokeTokenAsync));
        routes.MapGet("/v3/auth/catalog", Authenticated(AuthCatalogAsync));
        routes.MapGet("/v3/auth/projects", Authenticated(AuthProjectsAsync));

        // Keystone lets any valid token read regions; everything else here is admin-only by default.
        routes.MapGet("/v3/regions", Authenticated(ListRegionsAsync));
        routes.MapPost("/v3/regions", Admin("identity:create_region", CreateRegionAsync));
        routes.MapGet("/v3/regions/{id}", Authenticated(GetRegionAsync));
        routes.MapDelete("/v3/regions/{id}", Admin("identity:delete_region", DeleteRegionAsync));

        routes.MapGet("/v3/services", Admin("identity:list_services", ListServicesAsync));
        routes.MapPost("/v3/services", Admin("identity:create_service", CreateServiceAsync));
        routes.MapGet("/v3/services/{id}", Admin("identity:get_service", GetServiceAsync));
        routes.MapDelete("/v3/services/{id}", Admin("identity:delete_service", DeleteServiceAsync));

        routes.MapGet("/v3/endpoints", Admin("identity:list_endpoints", ListEndpointsAsync));
        routes.MapPost("/v3/endpoints", Admin("identity:create_endpoint", CreateEndpointAsync));
        routes.MapGet("/v3/endpoints/{id}", Admin("identity:get_endpoint", GetEndpointAsync));
        routes.MapDelete("/v3/endpoints/{id}", Admin("identity:delete_endpoint", DeleteEndpointAsync));

        routes.MapGet("/v3/projects", Admin("identity:list_projects", ListProjectsAsync));
        routes.MapGet("/v3/projects/{id}", Authenticated(GetProjectAsync));
        routes.MapGet("/v3/users", Admin("identity:list_users", ListUsersAsync));
        routes.MapGet("/v3/users/{id}", Authenticated(GetUserAsync));
        routes.MapGet("/v3/roles", Admin("identity:list_roles", ListRolesAsync));
        routes.MapGet("/v3/roles/{id}", Admin("identity:get_role", GetRoleAsync));
        MapIdentityAdministration(routes);
        routes.MapGet("/v3/domains", Admin("identity:list_domains", ListDomainsAsync));
        routes.MapGet("/v3/domains/{id}", Authenticated(GetDomainAsync));
        routes.MapGet("/v3/role_assignments", Admin("identity:list_role_assignments", ListRoleAssignmentsAsync));
    }

    private RequestDelegate Authenticated(Func<HttpContext, TokenRecord, Task> handler) => context =>
    {
        var caller = store.FindValidToken(KeystoneHttp.Header(context, KeystoneHttp.AuthTokenHeader))
            ?? throw KeystoneException.Unauthorized("missing, unknown, revoked or expired X-Auth-Token");
        return handler(context, caller);
    };

    private RequestDelegate Admin(string action, Func<HttpContext, TokenRecord, Task> handler) =>
        Authenticated((context, caller) =>
        {
            RequireAdmin(caller, action);
            return handler(context, caller);
        });

    private static void RequireAdmin(TokenRecord caller, string action)
    {
        if (!caller.HasRole("admin"))
        {
            throw KeystoneException.Forbidden(action);
        }
    }

    private Task VersionsAsync(HttpContext context) =>
        KeystoneHttp.WriteJsonAsync(context, StatusCodes.Status300MultipleChoices, new JsonObject
        {
            ["versions"] = new JsonObject { ["values"] = new JsonArray(_json.Version()) },
        });

    private Task VersionAsync(HttpContext context) =>
        KeystoneHttp.WriteJsonAsync(context, StatusCodes.Status200OK, new JsonObject { ["version"] = _json.Version() });

    private async Task IssueTokenAsync(HttpContext context)
    {
        if (context.Request.ContentLength is null)
        {
            // Keystone under uwsgi (the lab, many deployments) reads no body without a
            // Content-Length: a chunked request looks empty to it.
            throw KeystoneException.Validation("auth", "request body");
        }

        AuthRequest request;
        using (var document = KeystoneHttp.ReadJson(context))
        {
            request = AuthRequest.Parse(document.RootElement);
        }

        var token = store.Authenticate(request, KeystoneHttp.Header(context, KeystoneHttp.AuthTokenHeader));
        logger.TokenIssued(token.UserId, token.ProjectId ?? "(unscoped)");
        context.Response.Headers[KeystoneHttp.SubjectTokenHeader] = token.Id;
        await KeystoneHttp.WriteJsonAsync(context, StatusCodes.Status201Created, KeystoneJson.Token(store.Describe(token), !KeystoneHttp.NoCatalog(context)));
    }

    private Task ValidateTokenAsync(HttpContext context, TokenRecord caller)
    {
        var subject = RequireSubject(context, caller, "identity:validate_token", allowService: true);
        context.Response.Headers[KeystoneHttp.SubjectTokenHeader] = subject.Id;
        return KeystoneHttp.WriteJsonAsync(context, StatusCodes.Status200OK, KeystoneJson.Token(store.Describe(subject), !KeystoneHttp.NoCatalog(context)));
    }

    private Task CheckTokenAsync(HttpContext context, TokenRecord caller)
    {
        var subject = RequireSubject(context, caller, "identity:check_token", allowService: true);
        context.Response.Headers[KeystoneHttp.SubjectTokenHeader] = subject.Id;
        context.Response.StatusCode = StatusCodes.Status200OK;
        return Task.CompletedTask;
    }

    private Task RevokeTokenAsync(HttpContext context, TokenRecord caller)
    {
        var subject = RequireSubject(context, caller, "identity:revoke_token", allowService: false);
        store.RevokeToken(subject.Id);
        logger.TokenRevoked(subject.UserId);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    /// <summary>
    /// The token named by <c>X-Subject-Token</c>, if the caller may see it: Keystone's default policy is
    /// "admin, or a service user (validate/check only), or the token belongs to the caller's own user".
    /// </summary>
    private TokenRecord RequireSubject(HttpContext context, TokenRecord caller, string action, bool allowService)
    {
        var subjectId = KeystoneHttp.Header(context, KeystoneHttp.SubjectTokenHeader);
        if (string.IsNullOrEmpty(subjectId))
        {
            throw KeystoneException.BadRequest($"The {KeystoneHttp.SubjectTokenHeader} header is required.");
        }

        var subject = store.FindValidToken(subjectId);
        var privileged = caller.HasRole("admin") || (allowService && caller.HasRole("service"));
        if (!privileged && (subject is null || subject.UserId != caller.UserId))
        {
            // Unprivileged callers learn nothing about other users' tokens, not even whether they exist.
            throw KeystoneException.Forbidden(action);
        }

        return subject ?? throw KeystoneException.NotFound("token", subjectId);
    }

    private Task AuthCatalogAsync(HttpContext context, TokenRecord caller)
    {
        if (caller.ProjectId is null)
        {
            throw new KeystoneException(StatusCodes.Status403Forbidden, "A project-scoped token is required to produce a service catalog.");
        }

        return KeystoneHttp.WriteJsonAsync(context, StatusCodes.Status200OK, new JsonObject
        {
            ["catalog"] = KeystoneJson.Catalog(store.Catalog(caller)),
            ["links"] = new JsonObject { ["self"] = SelfLink(context), ["previous"] = null, ["next"] = null },
        });
    }

    private Task AuthProjectsAsync(HttpContext context, TokenRecord caller) =>
        WriteCollectionAsync(context, "projects", store.ProjectsOfUser(caller.UserId).Select(_json.Project));

    private Task ListRegionsAsync(HttpContext context, TokenRecord caller) =>
        WriteCollectionAsync(context, "regions", store.Regions()
            .WhereQuery(context, "parent_region_id", r => r.ParentRegionId)
            .Select(_json.Region));

    private Task GetRegionAsync(HttpContext context, TokenRecord caller) =>
        WriteEntityAsync(context, "region", _json.Region(Find(store.Regions(), "region", RouteId(context), r => r.Id)));

    private async Task CreateRegionAsync(HttpContext context, TokenRecord caller)
    {
        using var document = KeystoneHttp.ReadJson(context);
        var body = KeystoneHttp.RequiredMember(document.RootElement, "region");
        var id = KeystoneHttp.OptionalString(body, "id", "region") ?? Guid.NewGuid().ToString("N");
        var parent = KeystoneHttp.OptionalString(body, "parent_region_id", "region");
        var description = KeystoneHttp.OptionalString(body, "description", "region") ?? "";
        if (!Translate(() => store.TryAddRegion(id, parent, description)))
        {
            throw KeystoneException.Conflict($"Conflict occurred attempting to store region - Duplicate ID, {id}.");
        }

        await WriteEntityAsync(context, "region", _json.Region(Find(store.Regions(), "region", id, r => r.Id)), StatusCodes.Status201Created);
    }

    private Task DeleteRegionAsync(HttpContext context, TokenRecord caller)
    {
        var id = RouteId(context);
        Translate(() => store.RemoveRegion(id));
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    private Task ListServicesAsync(HttpContext context, TokenRecord caller) =>
        WriteCollectionAsync(context, "services", store.Services()
            .WhereQuery(context, "type", s => s.Type)
            .WhereQuery(context, "name", s => s.Name)
            .Select(_json.Service));

    private Task GetServiceAsync(HttpContext context, TokenRecord caller) =>
        WriteEntityAsync(context, "service", _json.Service(Find(store.Services(), "service", RouteId(context), s => s.Id)));

    private async Task CreateServiceAsync(HttpContext context, TokenRecord caller)
    {
        using var document = KeystoneHttp.ReadJson(context);
        var body = KeystoneHttp.RequiredMember(document.RootElement, "service");
        var type = KeystoneHttp.RequiredString(body, "type", "service");
        var name = KeystoneHttp.OptionalString(body, "name", "service") ?? "";
        var description = KeystoneHttp.OptionalString(body, "description", "service") ?? "";
        // Keystone allows several services with one (type, name); only the seeding API de-duplicates.
        var id = Translate(() => store.AddService(type, name, description, reuseExisting: false));
        await WriteEntityAsync(context, "service", _json.Service(Find(store.Services(), "service", id, s => s.Id)), StatusCodes.Status201Created);
    }

    private Task DeleteServiceAsync(HttpContext context, TokenRecord caller)
    {
        var id = RouteId(context);
        Translate(() => store.RemoveService(id));
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    private Task ListEndpointsAsync(HttpContext context, TokenRecord caller) =>
        WriteCollectionAsync(context, "endpoints", store.Endpoints()
            .WhereQuery(context, "interface", e => e.Interface)
            .WhereQuery(context, "service_id", e => e.ServiceId)
            .WhereQuery(context, "region_id", e => e.RegionId)
            .Select(_json.Endpoint));

    private Task GetEndpointAsync(HttpContext context, TokenRecord caller) =>
        WriteEntityAsync(context, "endpoint", _json.Endpoint(Find(store.Endpoints(), "endpoint", RouteId(context), e => e.Id)));

    private async Task CreateEndpointAsync(HttpContext context, TokenRecord caller)
    {
        using var document = KeystoneHttp.ReadJson(context);
        var body = KeystoneHttp.RequiredMember(document.RootElement, "endpoint");
        var serviceId = KeystoneHttp.RequiredString(body, "service_id", "endpoint");
        var @interface = KeystoneHttp.RequiredString(body, "interface", "endpoint");
        var url = KeystoneHttp.RequiredString(body, "url", "endpoint");
        // region_id is what openstackclient sends; "region" is Keystone's legacy spelling.
        var regionId = KeystoneHttp.OptionalString(body, "region_id", "endpoint")
            ?? KeystoneHttp.OptionalString(body, "region", "endpoint")
            ?? throw KeystoneException.BadRequest("Invalid input for field 'endpoint': 'region_id' is required by this emulator.");
        if (store.Services().All(s => s.Id != serviceId))
        {
            throw KeystoneException.BadRequest($"Invalid input for field 'endpoint.service_id': could not find service {serviceId}.");
        }

        var id = Translate(() => store.AddEndpoint(serviceId, regionId, @interface, url));
        await WriteEntityAsync(context, "endpoint", _json.Endpoint(Find(store.Endpoints(), "endpoint", id, e => e.Id)), StatusCodes.Status201Created);
    }

    private Task DeleteEndpointAsync(HttpContext context, TokenRecord caller)
    {
        var id = RouteId(context);
        if (!store.RemoveEndpoint(id))
        {
            throw KeystoneException.NotFound("endpoint", id);
        }

        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    private Task ListProjectsAsync(HttpContext context, TokenRecord caller) =>
        WriteCollectionAsync(context, "projects", store.Projects()
            .WhereQuery(context, "name", p => p.Name)
            .WhereQuery(context, "domain_id", p => p.DomainId)
            .WhereQuery(context, "parent_id", p => p.DomainId)
            .WhereBoolQuery(context, "enabled", p => p.Enabled)
            .Select(_json.Project));

    private Task GetProjectAsync(HttpContext context, TokenRecord caller)
    {
        var id = RouteId(context);
        if (!caller.HasRole("admin") && caller.ProjectId != id)
        {
            throw KeystoneException.Forbidden("identity:get_project");
        }

        // Keystone keeps domains as projects (is_domain): GET /v3/projects/default is the Default
        // domain, which `openstack quota show --class default` relies on to name the "project".
        if (!store.Projects().Any(p => p.Id == id) && store.Domains().FirstOrDefault(d => d.Id == id) is { } domain)
        {
            return WriteEntityAsync(context, "project", _json.DomainAsProject(domain));
        }

        return WriteEntityAsync(context, "project", _json.Project(Find(store.Projects(), "project", id, p => p.Id)));
    }

    private Task ListUsersAsync(HttpContext context, TokenRecord caller) =>
        WriteCollectionAsync(context, "users", store.Users()
            .WhereQuery(context, "name", u => u.Name)
            .WhereQuery(context, "domain_id", u => u.DomainId)
            .WhereBoolQuery(context, "enabled", u => u.Enabled)
            .Select(_json.User));

    private Task GetUserAsync(HttpContext context, TokenRecord caller)
    {
        var id = RouteId(context);
        if (!caller.HasRole("admin") && caller.UserId != id)
        {
            throw KeystoneException.Forbidden("identity:get_user");
        }

        return WriteEntityAsync(context, "user", _json.User(Find(store.Users(), "user", id, u => u.Id)));
    }

    private Task ListRolesAsync(HttpContext context, TokenRecord caller) =>
        WriteCollectionAsync(context, "roles", store.Roles().WhereQuery(context, "name", r => r.Name).Select(_json.Role));

    private Task GetRoleAsync(HttpContext context, TokenRecord caller) =>
        WriteEntityAsync(context, "role", _json.Role(Find(store.Roles(), "role", RouteId(context), r => r.Id)));

    private Task ListDomainsAsync(HttpContext context, TokenRecord caller) =>
        WriteCollectionAsync(context, "domains", store.Domains().WhereQuery(context, "name", d => d.Name).Select(_json.Domain));

    private Task GetDomainAsync(HttpContext context, TokenRecord caller)
    {
        var id = RouteId(context);
        var callerDomain = caller.ProjectId is null ? null : store.Projects().FirstOrDefault(p => p.Id == caller.ProjectId)?.DomainId;
        if (!caller.HasRole("admin") && callerDomain != id)
        {
            throw KeystoneException.Forbidden("identity:get_domain");
        }

        return WriteEntityAsync(context, "domain", _json.Domain(Find(store.Domains(), "domain", id, d => d.Id)));
    }

    private Task ListRoleAssignmentsAsync(HttpContext context, TokenRecord caller)
    {
        // Keystone's checks of the filter combinations, in its order and words.
        var query = context.Request.Query;
        bool Given(string name) => query[name].ToString().Length > 0;
        if (query.ContainsKey("effective") && query.ContainsKey("group.id"))
        {
            throw KeystoneException.BadRequest("Combining effective and group filter will always result in an empty list.");
        }

        foreach (var (first, second, message) in (ReadOnlySpan<(string, string, string)>)[
            ("scope.domain.id", "scope.project.id", "Specify a domain or project, not both"),
            ("scope.system", "scope.domain.id", "Specify system or domain, not both"),
            ("scope.system", "scope.project.id", "Specify system or project, not both"),
            ("user.id", "group.id", "Specify a user or group, not both")])
        {
            if (Given(first) && Given(second))
            {
                throw KeystoneException.BadRequest(message);
            }
        }

        if (query.ContainsKey("include_subtree") && !Given("scope.project.id"))
        {
            throw KeystoneException.BadRequest("scope.project.id must be specified if include_subtree is also specified");
        }

        var assignments = store.RoleAssignments()
            .WhereQuery(context, "user.id", a => a.UserId)
            .WhereQuery(context, "scope.project.id", a => a.ProjectId)
            .WhereQuery(context, "role.id", a => a.RoleId);

        // Assignments exist only on projects and for users, so a domain-, system- or group filter
        // matches nothing; with no groups or inheritance, effective assignments are the direct ones.
        if (context.Request.Query.ContainsKey("scope.domain.id") || context.Request.Query.ContainsKey("scope.system")
            || context.Request.Query.ContainsKey("group.id") || context.Request.Query.ContainsKey("scope.OS-INHERIT:inherited_to"))
        {
            assignments = [];
        }

        if (!context.Request.Query.ContainsKey("include_names"))
        {
            return WriteCollectionAsync(context, "role_assignments", assignments.Select(a => _json.RoleAssignment(a)));
        }

        var roles = store.Roles().ToDictionary(r => r.Id, StringComparer.Ordinal);
        var users = store.Users().ToDictionary(u => u.Id, StringComparer.Ordinal);
        var projects = store.Projects().ToDictionary(p => p.Id, StringComparer.Ordinal);
        var domains = store.Domains().ToDictionary(d => d.Id, StringComparer.Ordinal);
        return WriteCollectionAsync(context, "role_assignments", assignments.Select(a => _json.RoleAssignment(a, roles, users, projects, domains)));
    }

    private Task WriteCollectionAsync(HttpContext context, string member, IEnumerable<JsonObject> items) =>
        KeystoneHttp.WriteJsonAsync(context, StatusCodes.Status200OK, KeystoneJson.Collection(member, items, SelfLink(context)));

    private static Task WriteEntityAsync(HttpContext context, string member, JsonObject entity, int statusCode = StatusCodes.Status200OK) =>
        KeystoneHttp.WriteJsonAsync(context, statusCode, new JsonObject { [member] = entity });

    private string SelfLink(HttpContext context) =>
        urls.Link((context.Request.Path.Value ?? "/").TrimStart('/') + context.Request.QueryString);

    private static string RouteId(HttpContext context) => (string)context.Request.RouteValues["id"]!;

    private static T Find<T>(IEnumerable<T> items, string kind, string id, Func<T, string> key)
        where T : class =>
        items.FirstOrDefault(item => string.Equals(key(item), id, StringComparison.Ordinal))
        ?? throw KeystoneException.NotFound(kind, id);

    /// <summary>Maps the store's seeding exceptions to Keystone's 400/404/409.</summary>
    private static T Translate<T>(Func<T> operation)
    {
        try
        {
            return operation();
        }
        catch (ArgumentException ex)
        {
            throw KeystoneException.BadRequest(ex.Message);
        }
        catch (KeyNotFoundException ex)
        {
            throw new KeystoneException(StatusCodes.Status404NotFound, ex.Message);
        }
        catch (InvalidOperationException ex)
        {
            throw KeystoneException.Conflict(ex.Message);
        }
    }

    private static void Translate(Action operation) => Translate(() =>
    {
        operation();
        return true;
    });
}
