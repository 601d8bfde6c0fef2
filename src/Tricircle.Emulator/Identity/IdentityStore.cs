using System.Buffers.Text;
using System.Security.Cryptography;

namespace Tricircle.Emulator.Identity;

/// <summary>
/// The emulator's state: identity, catalog and tokens. One lock guards everything; the data is small
/// and contention is test-sized, so simplicity wins over finer locking.
/// </summary>
/// <remarks>
/// Seeding methods throw <see cref="ArgumentException"/> (bad input), <see cref="KeyNotFoundException"/>
/// (unknown reference) and <see cref="InvalidOperationException"/> (duplicate); the HTTP layer maps
/// them to 400/404/409. Authentication throws <see cref="KeystoneException"/> directly.
/// </remarks>
internal sealed class IdentityStore(TimeProvider timeProvider, TimeSpan tokenLifetime)
{
    public const string DefaultDomainId = "default";

    private static readonly string[] Interfaces = ["public", "internal", "admin"];

    private readonly Lock _lock = new();
    // OrderedDictionary keeps listings in creation order, which makes output stable for people and tests.
    private readonly OrderedDictionary<string, DomainRecord> _domains = new(StringComparer.Ordinal);
    private readonly OrderedDictionary<string, ProjectRecord> _projects = new(StringComparer.Ordinal);
    private readonly OrderedDictionary<string, UserRecord> _users = new(StringComparer.Ordinal);
    private readonly OrderedDictionary<string, RoleRecord> _roles = new(StringComparer.Ordinal);
    private readonly OrderedDictionary<string, RegionRecord> _regions = new(StringComparer.Ordinal);
    private readonly OrderedDictionary<string, ServiceRecord> _services = new(StringComparer.Ordinal);
    private readonly OrderedDictionary<string, EndpointRecord> _endpoints = new(StringComparer.Ordinal);
    private readonly List<RoleAssignmentRecord> _assignments = [];
    private readonly Dictionary<string, TokenRecord> _tokens = new(StringComparer.Ordinal);
    private int _tokenPruneThreshold = 4096;

    public string AddDomain(string name, string? id = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        lock (_lock)
        {
            if (_domains.Values.Any(d => string.Equals(d.Name, name, StringComparison.Ordinal)))
            {
                throw new InvalidOperationException($"Duplicate domain name: {name}.");
            }

            var domain = new DomainRecord(id ?? NewId(), name, "");
            if (!_domains.TryAdd(domain.Id, domain))
            {
                throw new InvalidOperationException($"Duplicate domain id: {domain.Id}.");
            }

            return domain.Id;
        }
    }

    public string AddProject(string name, string domainId, string description = "", bool enabled = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(domainId);
        lock (_lock)
        {
            RequireDomain(domainId);
            if (_projects.Values.Any(p => p.DomainId == domainId && string.Equals(p.Name, name, StringComparison.Ordinal)))
            {
                throw new InvalidOperationException($"Conflict occurred attempting to store project - it is not permitted to have two projects with the same name in the same domain : {name}.");
            }

            var project = new ProjectRecord(NewId(), name, domainId, description, enabled);
            _projects.Add(project.Id, project);
            return project.Id;
        }
    }

    public string AddUser(string name, string? password, string domainId, string? defaultProjectId, bool enabled = true, string? description = null, System.Text.Json.Nodes.JsonObject? extra = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(domainId);
        lock (_lock)
        {
            RequireDomain(domainId);
            if (defaultProjectId is not null && !_projects.ContainsKey(defaultProjectId))
            {
                throw new KeyNotFoundException($"Could not find project: {defaultProjectId}.");
            }

            if (_users.Values.Any(u => u.DomainId == domainId && string.Equals(u.Name, name, StringComparison.Ordinal)))
            {
                throw new InvalidOperationException($"Conflict occurred attempting to store user - Duplicate entry found with name {name} at domain ID {domainId}.");
            }

            var user = new UserRecord(NewId(), name, domainId, password, defaultProjectId, enabled, description)
            {
                Extra = (System.Text.Json.Nodes.JsonObject?)extra?.DeepClone() ?? [],
            };
            _users.Add(user.Id, user);
            return user.Id;
        }
    }

    public string AddRole(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        lock (_lock)
        {
            var existing = FindRoleByName(name);
            if (existing is not null)
            {
                return existing.Id;
            }

            var role = new RoleRecord(NewId(), name);
            _roles.Add(role.Id, role);
            return role.Id;
        }
    }

    public void Grant(string userId, string projectId, string roleName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(roleName);
        lock (_lock)
        {
            if (!_users.ContainsKey(userId))
            {
                throw new KeyNotFoundException($"Could not find user: {userId}.");
            }

            if (!_projects.ContainsKey(projectId))
            {
                throw new KeyNotFoundException($"Could not find project: {projectId}.");
            }

            var role = FindRoleByName(roleName) ?? throw new KeyNotFoundException($"Could not find role: {roleName}.");
            var assignment = new RoleAssignmentRecord(userId, projectId, role.Id);
            if (!_assignments.Contains(assignment))
            {
                _assignments.Add(assignment);
            }
        }
    }

    /// <summary>Changes a project; null leaves a field as it is. Disabling it revokes the tokens scoped to it.</summary>
    public ProjectRecord UpdateProject(string projectId, string? name, string? description, bool? enabled)
    {
        lock (_lock)
        {
            var project = _projects.GetValueOrDefault(projectId) ?? throw new KeyNotFoundException($"Could not find project: {projectId}.");
            if (name is not null && name != project.Name && _projects.Values.Any(p => p.DomainId == project.DomainId && string.Equals(p.Name, name, StringComparison.Ordinal)))
            {
                throw new InvalidOperationException($"Conflict occurred attempting to store project - it is not permitted to have two projects with the same name in the same domain : {name}.");
            }

            project = project with { Name = name ?? project.Name, Description = description ?? project.Description, Enabled = enabled ?? project.Enabled };
            _projects[projectId] = project;
            if (!project.Enabled)
            {
                RevokeTokensLocked(t => t.ProjectId == projectId);
            }

            return project;
        }
    }

    /// <summary>Deletes a project with its role assignments and the tokens scoped to it, as Keystone does.</summary>
    public void RemoveProject(string projectId)
    {
        lock (_lock)
        {
            if (!_projects.Remove(projectId))
            {
                throw new KeyNotFoundException($"Could not find project: {projectId}.");
            }

            _assignments.RemoveAll(a => a.ProjectId == projectId);
            RevokeTokensLocked(t => t.ProjectId == projectId);
        }
    }

    /// <summary>
    /// Changes a user; null leaves a field as it is. A new password or disabling the user
    /// revokes the user's tokens (Keystone's revocation event for the user).
    /// </summary>
    public UserRecord UpdateUser(string userId, string? name, Optional<string?> password, bool? enabled, string? description, Optional<string?> defaultProjectId, System.Text.Json.Nodes.JsonObject? extra)
    {
        lock (_lock)
        {
            var user = _users.GetValueOrDefault(userId) ?? throw new KeyNotFoundException($"Could not find user: {userId}.");
            if (name is not null && name != user.Name && _users.Values.Any(u => u.DomainId == user.DomainId && string.Equals(u.Name, name, StringComparison.Ordinal)))
            {
                throw new InvalidOperationException($"Conflict occurred attempting to store user - Duplicate entry found with name {name} at domain ID {user.DomainId}.");
            }

            if (defaultProjectId.HasValue && defaultProjectId.Value is { } projectId && !_projects.ContainsKey(projectId))
            {
                throw new KeyNotFoundException($"Could not find project: {projectId}.");
            }

            var merged = (System.Text.Json.Nodes.JsonObject)user.Extra.DeepClone();
            foreach (var (key, value) in extra ?? [])
            {
                merged[key] = value?.DeepClone();
            }

            var updated = user with
            {
                Name = name ?? user.Name,
                Password = password.HasValue ? password.Value : user.Password,
                Enabled = enabled ?? user.Enabled,
                Description = description ?? user.Description,
                DefaultProjectId = defaultProjectId.HasValue ? defaultProjectId.Value : user.DefaultProjectId,
                Extra = merged,
            };
            _users[userId] = updated;
            if (password.HasValue || !updated.Enabled)
            {
                RevokeTokensLocked(t => t.UserId == userId);
            }

            return updated;
        }
    }

    /// <summary>A user changing their own password: the original must match (401 as Keystone's, else).</summary>
    public void ChangePassword(string userId, string originalPassword, string newPassword)
    {
        lock (_lock)
        {
            var user = _users.GetValueOrDefault(userId) ?? throw KeystoneException.Unauthorized($"unknown user {userId} changing a password");
            if (!user.Enabled || !string.Equals(user.Password, originalPassword, StringComparison.Ordinal))
            {
                throw KeystoneException.Unauthorized($"wrong original password for user {user.Name}");
            }

            _users[userId] = user with { Password = newPassword };
            RevokeTokensLocked(t => t.UserId == userId);
        }
    }

    /// <summary>Deletes a user with their role assignments and tokens.</summary>
    public void RemoveUser(string userId)
    {
        lock (_lock)
        {
            if (!_users.Remove(userId))
            {
                throw new KeyNotFoundException($"Could not find user: {userId}.");
            }

            _assignments.RemoveAll(a => a.UserId == userId);
            RevokeTokensLocked(t => t.UserId == userId);
        }
    }

    /// <summary>Adds a role by id (PUT of a grant); granting twice is harmless.</summary>
    public void GrantById(string userId, string projectId, string roleId)
    {
        lock (_lock)
        {
            RequireGrantParts(userId, projectId, roleId);
            var assignment = new RoleAssignmentRecord(userId, projectId, roleId);
            if (!_assignments.Contains(assignment))
            {
                _assignments.Add(assignment);
            }
        }
    }

    /// <summary>Whether the user has the role on the project; 404s for unknown parts as Keystone's check_grant.</summary>
    public bool HasGrant(string userId, string projectId, string roleId)
    {
        lock (_lock)
        {
            RequireGrantParts(userId, projectId, roleId);
            return _assignments.Contains(new RoleAssignmentRecord(userId, projectId, roleId));
        }
    }

    /// <summary>Removes a grant and revokes the user's tokens on the project (Keystone's revoke_by_grant).</summary>
    public void RevokeGrant(string userId, string projectId, string roleId)
    {
        lock (_lock)
        {
            RequireGrantParts(userId, projectId, roleId);
            if (!_assignments.Remove(new RoleAssignmentRecord(userId, projectId, roleId)))
            {
                throw new KeyNotFoundException($"Could not find role assignment with role: {roleId}, user or group: {userId}, project, domain, or system: {projectId}.");
            }

            RevokeTokensLocked(t => t.UserId == userId && t.ProjectId == projectId);
        }
    }

    /// <summary>Adds a role by name; a name taken is a 409 as Keystone's.</summary>
    public RoleRecord CreateRole(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        lock (_lock)
        {
            if (FindRoleByName(name) is not null)
            {
                throw new InvalidOperationException($"Conflict occurred attempting to store role - Duplicate entry found with name {name}.");
            }

            var role = new RoleRecord(NewId(), name);
            _roles.Add(role.Id, role);
            return role;
        }
    }

    /// <summary>Deletes a role with every assignment of it.</summary>
    public void RemoveRole(string roleId)
    {
        lock (_lock)
        {
            if (!_roles.Remove(roleId))
            {
                throw new KeyNotFoundException($"Could not find role: {roleId}.");
            }

            foreach (var assignment in _assignments.Where(a => a.RoleId == roleId).ToList())
            {
                _assignments.Remove(assignment);
                RevokeTokensLocked(t => t.UserId == assignment.UserId && t.ProjectId == assignment.ProjectId);
            }
        }
    }

    /// <summary>Adds a region; returns false (and changes nothing) if the id exists.</summary>
    public bool TryAddRegion(string regionId, string? parentRegionId, string description)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(regionId);
        lock (_lock)
        {
            if (_regions.ContainsKey(regionId))
            {
                return false;
            }

            if (parentRegionId is not null && !_regions.ContainsKey(parentRegionId))
            {
                throw new KeyNotFoundException($"Could not find region: {parentRegionId}.");
            }

            _regions.Add(regionId, new RegionRecord(regionId, parentRegionId, description ?? ""));
            return true;
        }
    }

    public void RemoveRegion(string regionId)
    {
        lock (_lock)
        {
            if (!_regions.ContainsKey(regionId))
            {
                throw new KeyNotFoundException($"Could not find region: {regionId}.");
            }

            if (_regions.Values.Any(r => r.ParentRegionId == regionId))
            {
                throw new InvalidOperationException($"Unable to delete region {regionId} because it has child regions.");
            }

            if (_endpoints.Values.Any(e => e.RegionId == regionId))
            {
                throw new InvalidOperationException($"Unable to delete region {regionId} because endpoints still refer to it.");
            }

            _regions.Remove(regionId);
        }
    }

    /// <summary>Adds a service; with <paramref name="reuseExisting"/>, returns the id of an existing (type, name) instead.</summary>
    public string AddService(string type, string name, string description, bool reuseExisting)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        lock (_lock)
        {
            if (reuseExisting)
            {
                var existing = _services.Values.FirstOrDefault(s =>
                    string.Equals(s.Type, type, StringComparison.Ordinal) && string.Equals(s.Name, name, StringComparison.Ordinal));
                if (existing is not null)
                {
                    return existing.Id;
                }
            }

            var service = new ServiceRecord(NewId(), type, name ?? "", description ?? "");
            _services.Add(service.Id, service);
            return service.Id;
        }
    }

    /// <summary>Removes a service and, as Keystone does, its endpoints.</summary>
    public void RemoveService(string serviceId)
    {
        lock (_lock)
        {
            if (!_services.Remove(serviceId))
            {
                throw new KeyNotFoundException($"Could not find service: {serviceId}.");
            }

            foreach (var endpoint in _endpoints.Values.Where(e => e.ServiceId == serviceId).ToArray())
            {
                _endpoints.Remove(endpoint.Id);
            }
        }
    }

    /// <summary>Adds an endpoint; a missing region is created, like Keystone's legacy <c>region</c> field does.</summary>
    public string AddEndpoint(string serviceId, string regionId, string @interface, string url)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceId);
        ArgumentException.ThrowIfNullOrWhiteSpace(regionId);
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        if (!Interfaces.Contains(@interface, StringComparer.Ordinal))
        {
            throw new ArgumentException($"Invalid interface '{@interface}': expected public, internal or admin.", nameof(@interface));
        }

        lock (_lock)
        {
            if (!_services.ContainsKey(serviceId))
            {
                throw new KeyNotFoundException($"Could not find service: {serviceId}.");
            }

            _regions.TryAdd(regionId, new RegionRecord(regionId, null, ""));
            var endpoint = new EndpointRecord(NewId(), serviceId, regionId, @interface, url);
            _endpoints.Add(endpoint.Id, endpoint);
            return endpoint.Id;
        }
    }

    public bool RemoveEndpoint(string endpointId)
    {
        lock (_lock)
        {
            return _endpoints.Remove(endpointId);
        }
    }

    public TokenRecord Authenticate(AuthRequest request, string? headerTokenId)
    {
        lock (_lock)
        {
            var now = Truncate(timeProvider.GetUtcNow());
            UserRecord? user = null;
            TokenRecord? source = null;
            var methods = new List<string>();

            if (request.Password is not null)
            {
                user = ResolveUser(request.Password.User) ?? throw KeystoneException.Unauthorized("unknown user");
                if (!string.Equals(user.Password, request.Password.Password, StringComparison.Ordinal))
                {
                    throw KeystoneException.Unauthorized($"wrong password for user {user.Name}");
                }

                if (!user.Enabled)
                {
                    throw KeystoneException.Unauthorized($"user {user.Name} is disabled");
                }

                methods.Add("password");
            }

            if (request.Methods.Contains("token"))
            {
                var tokenId = request.TokenId ?? headerTokenId
                    ?? throw KeystoneException.BadRequest("Expecting to find id in identity.token (or an X-Auth-Token header).");
                source = FindValidTokenLocked(tokenId, now) ?? throw KeystoneException.Unauthorized("token to re-scope is invalid");
                if (user is not null && user.Id != source.UserId)
                {
                    throw KeystoneException.Unauthorized("password and token identify different users");
                }

                user ??= _users[source.UserId];
                methods.Add("token");
            }

            if (user is null)
            {
                throw KeystoneException.Unauthorized("no supported authentication method (password, token) in identity.methods");
            }

            ProjectRecord? project;
            switch (request.Scope.Kind)
            {
                case ScopeKind.Project:
                    project = ResolveProject(request.Scope.Project!) ?? throw KeystoneException.Unauthorized("unknown project in scope");
                    if (!project.Enabled)
                    {
                        throw KeystoneException.Unauthorized($"project {project.Name} is disabled");
                    }

                    break;
                case ScopeKind.Unscoped:
                    project = null;
                    break;
                case ScopeKind.Default:
                    // Keystone keeps a re-scoped token's scope, and falls back to unscoped when the default project is unusable.
                    var defaultProjectId = source is not null ? source.ProjectId : user.DefaultProjectId;
                    project = defaultProjectId is not null && RolesLocked(user.Id, defaultProjectId).Count > 0
                        ? _projects.GetValueOrDefault(defaultProjectId)
                        : null;
                    break;
                default:
                    throw KeystoneException.Unauthorized("only project scope is emulated (no domain, system or trust scope)");
            }

            List<RoleRecord> roles = [];
            if (project is not null)
            {
                roles = RolesLocked(user.Id, project.Id);
                if (roles.Count == 0)
                {
                    throw KeystoneException.Unauthorized($"user {user.Name} has no role on project {project.Name}");
                }
            }

            // A re-scoped token never outlives the one it came from, and carries its audit chain.
            var expiresAt = source?.ExpiresAt ?? Truncate(now + tokenLifetime);
            IReadOnlyList<string> auditIds = source is null ? [NewAuditId()] : [NewAuditId(), source.AuditIds[^1]];
            var token = new TokenRecord(NewTokenId(), user.Id, project?.Id, roles, methods, auditIds, now, expiresAt);
            PruneTokensLocked(now);
            _tokens[token.Id] = token;
            return token;
        }
    }

    /// <summary>The token if it exists, is not revoked and has not expired; otherwise null.</summary>
    public TokenRecord? FindValidToken(string? tokenId)
    {
        if (string.IsNullOrEmpty(tokenId))
        {
            return null;
        }

        lock (_lock)
        {
            return FindValidTokenLocked(tokenId, timeProvider.GetUtcNow());
        }
    }

    public bool RevokeToken(string tokenId)
    {
        lock (_lock)
        {
            return _tokens.Remove(tokenId);
        }
    }

    public TokenView Describe(TokenRecord token)
    {
        lock (_lock)
        {
            var user = _users[token.UserId];
            var project = token.ProjectId is null ? null : _projects.GetValueOrDefault(token.ProjectId);
            return new TokenView(
                token,
                user,
                _domains[user.DomainId],
                project,
                project is null ? null : _domains[project.DomainId],
                project is null ? [] : CatalogLocked(project.Id, token.UserId));
        }
    }

    public IReadOnlyList<CatalogEntry> Catalog(TokenRecord token)
    {
        lock (_lock)
        {
            return token.ProjectId is null ? [] : CatalogLocked(token.ProjectId, token.UserId);
        }
    }

    public DomainRecord[] Domains()
    {
        lock (_lock)
        {
            return [.. _domains.Values];
        }
    }

    public ProjectRecord[] Projects()
    {
        lock (_lock)
        {
            return [.. _projects.Values];
        }
    }

    public UserRecord[] Users()
    {
        lock (_lock)
        {
            return [.. _users.Values];
        }
    }

    public RoleRecord[] Roles()
    {
        lock (_lock)
        {
            return [.. _roles.Values];
        }
    }

    public RegionRecord[] Regions()
    {
        lock (_lock)
        {
            return [.. _regions.Values];
        }
    }

    public ServiceRecord[] Services()
    {
        lock (_lock)
        {
            return [.. _services.Values];
        }
    }

    public EndpointRecord[] Endpoints()
    {
        lock (_lock)
        {
            return [.. _endpoints.Values];
        }
    }

    public RoleAssignmentRecord[] RoleAssignments()
    {
        lock (_lock)
        {
            return [.. _assignments];
        }
    }

    public ProjectRecord[] ProjectsOfUser(string userId)
    {
        lock (_lock)
        {
            return [.. _projects.Values.Where(p => _assignments.Exists(a => a.UserId == userId && a.ProjectId == p.Id))];
        }
    }

    public DomainRecord? FindDomainByName(string name)
    {
        lock (_lock)
        {
            return _domains.Values.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.Ordinal));
        }
    }

    private void RequireGrantParts(string userId, string projectId, string roleId)
    {
        if (!_roles.ContainsKey(roleId))
        {
            throw new KeyNotFoundException($"Could not find role: {roleId}.");
        }

        if (!_users.ContainsKey(userId))
        {
            throw new KeyNotFoundException($"Could not find user: {userId}.");
        }

        if (!_projects.ContainsKey(projectId))
        {
            throw new KeyNotFoundException($"Could not find project: {projectId}.");
        }
    }

    private void RevokeTokensLocked(Func<TokenRecord, bool> which)
    {
        foreach (var id in _tokens.Values.Where(which).Select(t => t.Id).ToList())
        {
            _tokens.Remove(id);
        }
    }

    private void RequireDomain(string domainId)
    {
        if (!_domains.ContainsKey(domainId))
        {
            throw new KeyNotFoundException($"Could not find domain: {domainId}.");
        }
    }

    private RoleRecord? FindRoleByName(string name) =>
        _roles.Values.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.Ordinal));

    private List<RoleRecord> RolesLocked(string userId, string projectId) =>
        [.. _assignments.Where(a => a.UserId == userId && a.ProjectId == projectId).Select(a => _roles[a.RoleId])];

    private DomainRecord? ResolveDomain(NameOrId reference) =>
        reference.Id is not null
            ? _domains.GetValueOrDefault(reference.Id)
            : _domains.Values.FirstOrDefault(d => string.Equals(d.Name, reference.Name, StringComparison.Ordinal));

    private UserRecord? ResolveUser(NameOrId reference)
    {
        if (reference.Id is not null)
        {
            return _users.GetValueOrDefault(reference.Id);
        }

        var domain = reference.Domain is null ? null : ResolveDomain(reference.Domain);
        return domain is null
            ? null
            : _users.Values.FirstOrDefault(u => u.DomainId == domain.Id && string.Equals(u.Name, reference.Name, StringComparison.Ordinal));
    }

    private ProjectRecord? ResolveProject(NameOrId reference)
    {
        if (reference.Id is not null)
        {
            return _projects.GetValueOrDefault(reference.Id);
        }

        var domain = reference.Domain is null ? null : ResolveDomain(reference.Domain);
        return domain is null
            ? null
            : _projects.Values.FirstOrDefault(p => p.DomainId == domain.Id && string.Equals(p.Name, reference.Name, StringComparison.Ordinal));
    }

    private TokenRecord? FindValidTokenLocked(string tokenId, DateTimeOffset now) =>
        _tokens.TryGetValue(tokenId, out var token) && now < token.ExpiresAt ? token : null;

    private List<CatalogEntry> CatalogLocked(string projectId, string userId)
    {
        // Keystone lists every service, each with its endpoints after URL substitution.
        var catalog = new List<CatalogEntry>();
        foreach (var service in _services.Values)
        {
            var endpoints = _endpoints.Values
                .Where(e => e.ServiceId == service.Id)
                .Select(e => e with { Url = SubstituteUrl(e.Url, projectId, userId) })
                .ToList();
            catalog.Add(new CatalogEntry(service, endpoints));
        }

        return catalog;
    }

    /// <summary>Fills Keystone's catalog templates such as Nova's <c>/v2.1/$(project_id)s</c>.</summary>
    private static string SubstituteUrl(string url, string projectId, string userId) =>
        url.Replace("$(project_id)s", projectId, StringComparison.Ordinal)
            .Replace("$(tenant_id)s", projectId, StringComparison.Ordinal)
            .Replace("$(user_id)s", userId, StringComparison.Ordinal);

    private void PruneTokensLocked(DateTimeOffset now)
    {
        // Amortised: sweep expired tokens only when the table has doubled since the last sweep.
        if (_tokens.Count < _tokenPruneThreshold)
        {
            return;
        }

        foreach (var expired in _tokens.Values.Where(t => now >= t.ExpiresAt).Select(t => t.Id).ToArray())
        {
            _tokens.Remove(expired);
        }

        _tokenPruneThreshold = Math.Max(4096, _tokens.Count * 2);
    }

    /// <summary>Keystone shows microseconds; truncating keeps stored and rendered times identical.</summary>
    private static DateTimeOffset Truncate(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % 10), TimeSpan.Zero);

    private static string NewId() => Guid.NewGuid().ToString("N");

    private static string NewTokenId() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(48));

    private static string NewAuditId() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));
}
