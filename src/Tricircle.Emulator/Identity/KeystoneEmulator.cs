using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Tricircle.Emulator.Identity;

/// <summary>
/// An in-process Keystone v3 on 127.0.0.1, good enough for keystoneauth and the <c>openstack</c> CLI.
/// State lives in memory; seeding and inspection methods are thread-safe and take effect immediately.
/// </summary>
/// <remarks>
/// Started like <c>keystone-manage bootstrap</c>: domain <c>default</c> ("Default"), roles admin, member
/// and reader, projects admin and service, user admin (role admin on project admin), and the identity
/// service "keystone" with public, internal and admin endpoints at <see cref="AuthUrl"/> in region
/// <c>CentralRegion</c>.
/// </remarks>
public sealed class KeystoneEmulator : IAsyncDisposable
{
    internal const string CentralRegionId = "CentralRegion";

    private readonly WebApplication _app;
    private readonly IdentityStore _store;
    private readonly KeystoneUrls _urls;
    private int _disposed;

    private KeystoneEmulator(WebApplication app, IdentityStore store, KeystoneUrls urls)
    {
        _app = app;
        _store = store;
        _urls = urls;
        Routes = Regions.EmulatedService.RoutesOf(app);
    }

    /// <summary>Every route Keystone answers (method, pattern), for tests that must reach them all.</summary>
    internal IReadOnlyList<(string Method, string Pattern)> Routes { get; }

    /// <summary>The unversioned root, e.g. <c>http://127.0.0.1:35123/</c>.</summary>
    public Uri Url => _urls.Root;

    /// <summary><see cref="Url"/> + <c>v3</c>: what OS_AUTH_URL is set to.</summary>
    public Uri AuthUrl => _urls.AuthUrl;

    public static async Task<KeystoneEmulator> StartAsync(KeystoneEmulatorOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Port, IPEndPoint.MaxPort);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.TokenLifetime, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(options.AdminPassword);
        ArgumentNullException.ThrowIfNull(options.TimeProvider);

        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger<KeystoneEmulator>();
        var store = new IdentityStore(options.TimeProvider, options.TokenLifetime);
        var urls = new KeystoneUrls();
        Bootstrap(store, options.AdminPassword);

        // The empty builder reads no environment variables, appsettings or command line, so the
        // emulator behaves the same on every machine.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            // Not the entry assembly: the host application's hosting startups are not ours to load.
            ApplicationName = typeof(KeystoneEmulator).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, options.Port);
        });
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>();
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(5));

        var app = builder.Build();
        try
        {
            var api = new KeystoneApi(store, urls, logger, options.MaxRequestBodySize);
            app.Use(api.HandleAsync);
            api.Map(app);
            await app.StartAsync(cancellationToken);

            // Kestrel reports the port it actually bound, which matters when options.Port is 0.
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            urls.Bind(new Uri(address.TrimEnd('/') + "/"));
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var identityId = store.AddService("identity", "keystone", "Keystone Identity Service", reuseExisting: true);
        store.TryAddRegion(CentralRegionId, null, "");
        foreach (var @interface in (string[])["public", "internal", "admin"])
        {
            store.AddEndpoint(identityId, CentralRegionId, @interface, urls.AuthUrl.AbsoluteUri);
        }

        logger.Started(urls.Root);
        return new KeystoneEmulator(app, store, urls);
    }

    public string AddDomain(string name) => _store.AddDomain(name);

    public string AddProject(string name, string domainId = IdentityStore.DefaultDomainId) => _store.AddProject(name, domainId);

    /// <summary>The id of a project by name (the bootstrapped <c>admin</c> and <c>service</c> ones too), or null.</summary>
    public string? FindProjectId(string name, string domainId = IdentityStore.DefaultDomainId) =>
        _store.Projects().FirstOrDefault(p => p.DomainId == domainId && string.Equals(p.Name, name, StringComparison.Ordinal))?.Id;

    public string AddUser(string name, string password, string domainId = IdentityStore.DefaultDomainId, string? defaultProjectId = null) =>
        _store.AddUser(name, password, domainId, defaultProjectId);

    /// <summary>Adds a role, or returns the id of the existing role with that name.</summary>
    public string AddRole(string name) => _store.AddRole(name);

    /// <summary>Gives a user a role (which must exist) on a project; granting twice is harmless.</summary>
    public void Grant(string userId, string projectId, string roleName) => _store.Grant(userId, projectId, roleName);

    /// <summary>Adds a region; does nothing if a region with that id exists already.</summary>
    public void AddRegion(string regionId, string? parentRegionId = null, string description = "") =>
        _store.TryAddRegion(regionId, parentRegionId, description);

    /// <summary>Adds a service, or returns the id of the existing service with that type and name.</summary>
    public string AddService(string type, string name, string description = "") =>
        _store.AddService(type, name, description, reuseExisting: true);

    /// <summary>Adds an endpoint; a region that does not exist yet is created.</summary>
    /// <param name="serviceId">Id returned by <see cref="AddService"/>.</param>
    /// <param name="regionId">Region (Tricircle pod) the endpoint belongs to.</param>
    /// <param name="interface">public, internal or admin.</param>
    /// <param name="url">The URL; may contain Keystone templates such as <c>$(project_id)s</c>.</param>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1054:URI-like parameters should not be strings",
        Justification = "Keystone endpoint URLs may hold $(project_id)s templates, which are not valid URIs.")]
    public string AddEndpoint(string serviceId, string regionId, string @interface, string url) =>
        _store.AddEndpoint(serviceId, regionId, @interface, url);

    public bool RemoveEndpoint(string endpointId) => _store.RemoveEndpoint(endpointId);

    /// <summary>Password authentication scoped to a project, as <c>POST /v3/auth/tokens</c> does it.</summary>
    /// <param name="userName">User name, looked up in <paramref name="domainName"/>.</param>
    /// <param name="password">The user's password.</param>
    /// <param name="projectName">Project name, looked up in <paramref name="domainName"/>.</param>
    /// <param name="domainName">Domain name of both the user and the project.</param>
    /// <exception cref="UnauthorizedAccessException">Unknown user or project, wrong password, or no role on the project.</exception>
    public IssuedToken IssueToken(string userName, string password, string projectName, string domainName = "Default")
    {
        ArgumentNullException.ThrowIfNull(userName);
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(projectName);
        ArgumentNullException.ThrowIfNull(domainName);
        var domain = new NameOrId(null, domainName, null);
        var request = new AuthRequest(
            ["password"],
            new PasswordIdentity(new NameOrId(null, userName, domain), password),
            null,
            new AuthScope(ScopeKind.Project, new NameOrId(null, projectName, domain)));
        TokenRecord token;
        try
        {
            token = _store.Authenticate(request, null);
        }
        catch (KeystoneException ex)
        {
            throw new UnauthorizedAccessException($"Authentication failed: {ex.Detail ?? ex.Message}.", ex);
        }

        return new IssuedToken(token.Id, token.ExpiresAt, token.UserId, token.ProjectId!, [.. token.Roles.Select(r => r.Name)]);
    }

    /// <summary>What an emulated region's services learn from a token: null when unknown, revoked or expired.</summary>
    internal TokenRecord? FindValidToken(string? token) => _store.FindValidToken(token);

    /// <summary>Revokes a token; unknown tokens are ignored.</summary>
    public void RevokeToken(string token) => _store.RevokeToken(token);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static void Bootstrap(IdentityStore store, string adminPassword)
    {
        store.AddDomain("Default", IdentityStore.DefaultDomainId);
        foreach (var role in (string[])["admin", "member", "reader"])
        {
            store.AddRole(role);
        }

        var adminProjectId = store.AddProject("admin", IdentityStore.DefaultDomainId);
        store.AddProject("service", IdentityStore.DefaultDomainId);
        var adminUserId = store.AddUser("admin", adminPassword, IdentityStore.DefaultDomainId, defaultProjectId: null);
        store.Grant(adminUserId, adminProjectId, "admin");
    }
}
