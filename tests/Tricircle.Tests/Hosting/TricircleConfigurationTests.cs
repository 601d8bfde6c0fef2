using Microsoft.Extensions.Options;
using Tricircle.Data;
using Tricircle.Identity;
using Tricircle.Pods;
using Tricircle.Support;

namespace Tricircle.Hosting;

public class TricircleConfigurationTests
{
    private static string SamplePath([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "etc", "tricircle.conf.sample"));

    private static string WriteIni(string text)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("tricircle-conf-").FullName, "tricircle.conf");
        File.WriteAllText(path, text);
        return path;
    }

    // Bound as the host binds it; Problems() is what ValidateOnStart reports.
    private static T Bind<T>(IConfiguration configuration, string section)
        where T : class, ISectionOptions, new() =>
        configuration.GetSection(section).Get<T>() ?? new T();

    [Fact]
    public void Validation_AtStart_ReportsEveryProblem()
    {
        var configuration = TricircleConfiguration.Load([WriteIni("[DEFAULT]\nadmin_port = 70000\n")]);
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddSectionOptions<ServiceOptions>(ServiceOptions.Section).BuildServiceProvider();
        var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<ServiceOptions>>().Value);
        Assert.Contains("[DEFAULT] admin_port: 70000 is outside 0..65535", e.Failures);
    }

    [Fact]
    public void Sample_LoadsAndValidates_WithTheDocumentedDefaults()
    {
        var configuration = TricircleConfiguration.Load([SamplePath()]);
        var service = Bind<ServiceOptions>(configuration, ServiceOptions.Section);
        Assert.Equal(19999, service.AdminPort);
        Assert.Equal("0.0.0.0", service.BindHost);
        Assert.Equal(2000, service.PaginationMaxLimit);
        var keystone = Bind<KeystoneAuthOptions>(configuration, KeystoneAuthOptions.Section);
        Assert.Equal("http://keystone.example.org:5000/v3", keystone.AuthUrl);
        Assert.Equal("tricircle", keystone.Username);
        Assert.Equal(300, keystone.TokenCacheTime);
        Assert.True(Bind<ClientOptions>(configuration, ClientOptions.Section).AutoRefreshEndpoint);
        Assert.Equal("", Bind<DatabaseOptions>(configuration, DatabaseOptions.Section).Connection);
        var network = Bind<Network.NetworkOptions>(configuration, Network.NetworkOptions.Section);
        Assert.Equal("RegionOne", network.DefaultRegionForExternalNetwork);
        Assert.Empty(network.Problems());
    }

    [Fact]
    public void Sources_LaterWin_IniOverAppsettings_EnvironmentOverIni_OverridesOverAll()
    {
        var ini = WriteIni("[DEFAULT]\nadmin_port = 20000\ndebug = true\n[database]\nconnection = sqlite:////tmp/a.db\n");
        Environment.SetEnvironmentVariable("TRICIRCLE_database__connection", "sqlite:////tmp/b.db");
        try
        {
            var configuration = TricircleConfiguration.Load([ini], [new("DEFAULT:debug", "false")]);
            Assert.Equal("20000", configuration["DEFAULT:admin_port"]);
            Assert.Equal("sqlite:////tmp/b.db", configuration["database:connection"]);
            Assert.Equal("false", configuration["DEFAULT:debug"]);
        }
        finally
        {
            Environment.SetEnvironmentVariable("TRICIRCLE_database__connection", null);
        }
    }

    [Fact]
    public void Load_MissingFile_SaysWhichFile()
    {
        var e = Assert.Throws<FileNotFoundException>(() => TricircleConfiguration.Load(["/nonexistent/tricircle.conf"]));
        Assert.Contains("/nonexistent/tricircle.conf", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[DEFAULT]\nadmin_port = 70000", "[DEFAULT] admin_port: 70000 is outside 0..65535")]
    [InlineData("[DEFAULT]\nbind_host = somewhere", "[DEFAULT] bind_host: 'somewhere' is not an IP address")]
    [InlineData("[DEFAULT]\nroles = admin,teleport", "[DEFAULT] roles: unknown role 'teleport'")]
    public void ServiceOptions_BadValue_NamesTheKey(string ini, string message)
    {
        var options = Bind<ServiceOptions>(TricircleConfiguration.Load([WriteIni(ini)]), ServiceOptions.Section);
        Assert.Contains(options.Problems(), p => p.StartsWith(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("noop", null)]
    [InlineData("shadow", null)]
    [InlineData("p2p", "[network] cross_pod_vxlan_mode: 'p2p' must be noop or shadow")]
    public void CrossPodVxlanMode_IsNoopOrShadow(string mode, string? message)
    {
        var options = Bind<Network.NetworkOptions>(TricircleConfiguration.Load([WriteIni($"[network]\ncross_pod_vxlan_mode = {mode}\n")]), Network.NetworkOptions.Section);
        Assert.Equal(mode == "shadow", options.ShadowsVxlan);
        Assert.Equal(message is null ? [] : [message], options.Problems().ToList());
    }

    [Fact]
    public void KeystoneOptions_Missing_NamesEachKey()
    {
        var options = Bind<KeystoneAuthOptions>(TricircleConfiguration.Load([WriteIni("[keystone_authtoken]\nauth_url = keystone:5000\ntoken_cache_time = -1\n")]), KeystoneAuthOptions.Section);
        var problems = options.Problems().ToList();
        Assert.Contains("[keystone_authtoken] auth_url: 'keystone:5000' is not an http(s) URL", problems);
        Assert.Contains(problems, p => p.StartsWith("[keystone_authtoken] username:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("[keystone_authtoken] token_cache_time:", StringComparison.Ordinal));
    }

    [Fact]
    public void DatabaseOptions_BadConnection_NamesTheKey()
    {
        var options = Bind<DatabaseOptions>(TricircleConfiguration.Load([WriteIni("[database]\nconnection = mysql://u@h/db\n")]), DatabaseOptions.Section);
        Assert.Contains(options.Problems(), p => p.StartsWith("[database] connection: unsupported database 'mysql'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Serve_WithBadConfig_ExitsWith2AndNamesTheKeys()
    {
        var ini = WriteIni("[DEFAULT]\nadmin_port = 0\n[keystone_authtoken]\nauth_url = not a url\nusername = tricircle\npassword = x\n");
        var result = await CliRunner.TricircleAsync(new Dictionary<string, string?>(), "serve", "--config-file", ini);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("[keystone_authtoken] auth_url: 'not a url' is not an http(s) URL", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_WithUnconvertibleValue_ExitsWith2AndNamesTheKey()
    {
        var ini = WriteIni("[DEFAULT]\nadmin_port = many\n");
        var result = await CliRunner.TricircleAsync(new Dictionary<string, string?>(), "serve", "--config-file", ini);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("DEFAULT:admin_port", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DbSync_CreatesTheSchema_ThenSaysUpToDate()
    {
        var directory = Directory.CreateTempSubdirectory("tricircle-sync-").FullName;
        var ini = WriteIni($"[DEFAULT]\nstate_path = {directory}\n");
        var first = await CliRunner.TricircleAsync(new Dictionary<string, string?>(), "db", "sync", "--config-file", ini);
        Assert.True(first.ExitCode == 0, first.ToString());
        var newest = SchemaMigrator.Available(DatabaseDialect.Sqlite).Max(m => m.Version);
        Assert.Contains($"Applied {SchemaMigrator.Available(DatabaseDialect.Sqlite).Count} migration(s)", first.Stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(directory, "tricircle.db")));

        var second = await CliRunner.TricircleAsync(new Dictionary<string, string?>(), "db", "sync", "--config-file", ini);
        Assert.Contains($"up to date at schema version {newest}", second.Stdout, StringComparison.Ordinal);
    }
}
