using Microsoft.Extensions.Time.Testing;
using Tricircle.Emulator.Identity;
using Tricircle.Hosting;

namespace Tricircle.Identity;

public sealed class KeystoneTokenValidatorTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero));
    private KeystoneEmulator _keystone = null!;
    private WebApplication _host = null!;

    public async Task InitializeAsync()
    {
        _keystone = await KeystoneEmulator.StartAsync(new KeystoneEmulatorOptions { Port = 0, TimeProvider = _clock, TokenLifetime = TimeSpan.FromHours(1) });
        var service = _keystone.AddUser("tricircle", "secret");
        _keystone.Grant(service, _keystone.FindProjectId("service")!, "admin");
        _host = Build(_keystone.AuthUrl.ToString(), tokenCacheTime: 300);
    }

    private WebApplication Build(string authUrl, int tokenCacheTime) => ServiceHost.Build(
        TricircleConfiguration.Load([], new Dictionary<string, string?>
        {
            ["keystone_authtoken:auth_url"] = authUrl,
            ["keystone_authtoken:username"] = "tricircle",
            ["keystone_authtoken:password"] = "secret",
            ["keystone_authtoken:token_cache_time"] = tokenCacheTime.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["keystone_authtoken:http_connect_timeout"] = "2",
        }),
        services => services.AddSingleton<TimeProvider>(_clock));

    private KeystoneTokenValidator Validator => _host.Services.GetRequiredService<KeystoneTokenValidator>();

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _keystone.DisposeAsync();
    }

    [Fact]
    public async Task Validate_GoodToken_GivesUserProjectAndRoles()
    {
        var token = _keystone.IssueToken("admin", "password", "admin");
        var holder = await Validator.ValidateAsync(token.Id, default);
        Assert.NotNull(holder);
        Assert.Equal(token.UserId, holder.UserId);
        Assert.Equal("admin", holder.UserName);
        Assert.Equal(token.ProjectId, holder.ProjectId);
        Assert.Equal("default", holder.ProjectDomainId);
        Assert.Contains("admin", holder.Roles);
    }

    [Fact]
    public async Task Validate_UnknownToken_IsNull()
    {
        Assert.Null(await Validator.ValidateAsync("gAAAAA-not-a-token", default));
    }

    [Fact]
    public async Task Validate_RevokedToken_StaysCachedUntilTokenCacheTimePasses()
    {
        var token = _keystone.IssueToken("admin", "password", "admin");
        Assert.NotNull(await Validator.ValidateAsync(token.Id, default));
        _keystone.RevokeToken(token.Id);

        _clock.Advance(TimeSpan.FromSeconds(299));
        Assert.NotNull(await Validator.ValidateAsync(token.Id, default)); // served from the cache: Keystone not asked

        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(await Validator.ValidateAsync(token.Id, default));    // asked again: revoked
    }

    [Fact]
    public async Task Validate_CacheNeverOutlivesTheToken()
    {
        await using var host = Build(_keystone.AuthUrl.ToString(), tokenCacheTime: 86_400);
        var validator = host.Services.GetRequiredService<KeystoneTokenValidator>();
        var token = _keystone.IssueToken("admin", "password", "admin");
        Assert.NotNull(await validator.ValidateAsync(token.Id, default));

        _clock.Advance(TimeSpan.FromMinutes(61)); // past the token's hour, well inside the cache time
        Assert.Null(await validator.ValidateAsync(token.Id, default));
    }

    [Fact]
    public async Task Validate_AfterServiceTokenIsRevoked_RenewsItAndCarriesOn()
    {
        var service = await Validator.GetServiceTokenAsync(default);
        _keystone.RevokeToken(service.Id);
        var token = _keystone.IssueToken("admin", "password", "admin");

        Assert.NotNull(await Validator.ValidateAsync(token.Id, default));
        Assert.NotEqual(service.Id, (await Validator.GetServiceTokenAsync(default)).Id);
    }

    [Fact]
    public async Task Validate_ConcurrentRequestsWithOneToken_AllSucceed()
    {
        var token = _keystone.IssueToken("admin", "password", "admin");
        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Validator.ValidateAsync(token.Id, default)));
        Assert.All(results, Assert.NotNull);
    }

    [Fact]
    public async Task Validate_AfterTheFirstCallerGaveUp_StillAsksKeystoneOnceTheCacheExpires()
    {
        var token = _keystone.IssueToken("admin", "password", "admin");
        using var gaveUp = new CancellationTokenSource();
        await gaveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Validator.ValidateAsync(token.Id, gaveUp.Token));
        await Task.Delay(TimeSpan.FromSeconds(1)); // the abandoned call finishes on its own

        _keystone.RevokeToken(token.Id);
        _clock.Advance(TimeSpan.FromSeconds(301));
        Assert.Null(await Validator.ValidateAsync(token.Id, default));
    }

    [Fact]
    public async Task Validate_KeystoneUnreachable_Throws503()
    {
        await using var host = Build("http://127.0.0.1:9/v3", tokenCacheTime: 300);
        var e = await Assert.ThrowsAsync<KeystoneException>(() => host.Services.GetRequiredService<KeystoneTokenValidator>().ValidateAsync("any", default));
        Assert.Equal(503, e.StatusCode);
    }
}
