using Tricircle.Emulator.Identity;
using Tricircle.Emulator.Regions;
using Tricircle.Hosting;
using Tricircle.Pods;
using Tricircle.Support;

namespace Tricircle.Cli;

/// <summary><c>tricircle status</c> against emulated regions, one of them in trouble.</summary>
public sealed class StatusCommandTests : IAsyncLifetime
{
    private KeystoneEmulator _keystone = null!;
    private RegionEmulator _a = null!;
    private RegionEmulator _b = null!;
    private TestDatabase _db = null!;
    private string _config = "";

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync("sqlite");
        _keystone = await KeystoneEmulator.StartAsync(new KeystoneEmulatorOptions { Port = 0 });
        var service = _keystone.AddUser("tricircle", "secret");
        _keystone.Grant(service, _keystone.FindProjectId("service")!, "admin");
        _a = await RegionEmulator.StartAsync(_keystone, new RegionEmulatorOptions { Name = "RegionA" });
        _b = await RegionEmulator.StartAsync(_keystone, new RegionEmulatorOptions { Name = "RegionB" });

        _config = Path.Combine(Directory.CreateTempSubdirectory("tricircle-status-").FullName, "tricircle.conf");
        await File.WriteAllTextAsync(_config, $"""
            [database]
            connection = {_db.Connection}
            [keystone_authtoken]
            auth_url = {_keystone.AuthUrl}
            username = tricircle
            password = secret
            """);
        await using var host = ServiceHost.Build(TricircleConfiguration.Load([_config]));
        var pods = host.Services.GetRequiredService<PodStore>();
        await pods.CreateAsync("CentralRegion", "", "", "", default);
        await pods.CreateAsync("RegionA", "az1", "nova", "", default);
        await pods.CreateAsync("RegionB", "az2", "nova", "", default);
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _keystone.DisposeAsync();
        await _db.DisposeAsync();
    }

    private Task<CliRunner.Result> Status(params string[] extra) =>
        CliRunner.TricircleAsync(new Dictionary<string, string?>(), ["status", "--config-file", _config, .. extra]);

    [Fact]
    public async Task Status_AllUp_Exits0_AndListsEveryPodService()
    {
        var r = await Status();
        Assert.True(r.ExitCode == 0, r.ToString());
        var newest = Data.SchemaMigrator.Available(Data.DatabaseDialect.Sqlite).Max(m => m.Version);
        Assert.Contains($"schema {newest} (this build: {newest})", r.Stdout, StringComparison.Ordinal);
        foreach (var line in new[] { "RegionA compute", "RegionA network", "RegionA volumev3", "RegionA image", "RegionB compute" })
        {
            Assert.Contains(line, r.Stdout, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("CentralRegion compute", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_OneRegionDown_Exits1_NamingIt_AndTheOthersStillUp()
    {
        await _b.Faults.SetDownAsync(true);
        var r = await Status();
        Assert.Equal(1, r.ExitCode);
        var lines = r.Stdout.Split('\n');
        Assert.Contains(lines, l => l.Contains("RegionB network", StringComparison.Ordinal) && l.Contains("| down", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("RegionA network", StringComparison.Ordinal) && l.Contains("| up", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Status_SlowPods_AreProbedInParallel_WithOneDeadline()
    {
        await Status(); // endpoints cached, so what follows is the probes alone
        _a.Faults.Latency = TimeSpan.FromSeconds(3);
        _b.Faults.Latency = TimeSpan.FromSeconds(3);
        _a.Traffic.Reset();
        _b.Traffic.Reset();
        var r = await Status("--timeout", "1");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal(8, r.Stdout.Split('\n').Count(l => l.Contains("no answer within 1 s", StringComparison.Ordinal)));

        // Probed one after another, a region would never see two requests at once; in parallel
        // all four of its services are asked together (a count, not a clock: CI machines are noisy).
        Assert.Equal(4, _a.Traffic.MaxInFlight);
        Assert.Equal(4, _b.Traffic.MaxInFlight);
    }

    [Fact]
    public async Task Status_KeystoneRejectsTheServiceUser_Exits1()
    {
        var bad = _config + ".bad";
        await File.WriteAllTextAsync(bad, (await File.ReadAllTextAsync(_config)).Replace("password = secret", "password = wrong", StringComparison.Ordinal));
        var r = await CliRunner.TricircleAsync(new Dictionary<string, string?>(), "status", "--config-file", bad);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("rejected the credentials", r.Stdout, StringComparison.Ordinal);
    }
}
