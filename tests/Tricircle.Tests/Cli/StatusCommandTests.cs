using Tricircle.Emulator.Identity;
using Tricircle.Emulator.Regions;
using Tricircle.Hosting;
using Tricircle.Jobs;
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
    private string _podA = "";
    private string _podB = "";

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
        _podA = (await pods.CreateAsync("RegionA", "az1", "nova", "", default)).PodId;
        _podB = (await pods.CreateAsync("RegionB", "az2", "nova", "", default)).PodId;
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
    public async Task Status_CountsEachPodsJobs_PendingOnesAreWork_AFailedOneExits1()
    {
        // Nothing runs these: the status command starts no workers.
        await using var database = _db.Open();
        var seed = new JobSeed(database);
        await seed.NewAsync(JobRequest.InPod(JobTypes.NetworkSync, _podA, Guid.NewGuid().ToString(), null));
        await seed.NewAsync(JobRequest.InPod(JobTypes.SubnetSync, _podA, Guid.NewGuid().ToString(), null));
        await seed.RunningAsync(JobRequest.InPod(JobTypes.PortSync, _podA, Guid.NewGuid().ToString(), null));
        await seed.SucceededAsync(JobRequest.InPod(JobTypes.PortSync, _podB, Guid.NewGuid().ToString(), null));
        await seed.NewAsync(JobRequest.For(JobTypes.NetworkDelete, null, ("network_id", Guid.NewGuid().ToString())));

        var pending = await Status();
        Assert.True(pending.ExitCode == 0, pending.ToString());
        Assert.Equal(["pending", "2 new, 1 running, 0 failed"], Row(pending, "jobs RegionA"));
        Assert.Equal(["ok", "0 new, 0 running, 0 failed"], Row(pending, "jobs RegionB"));
        Assert.Equal(["pending", "1 new, 0 running, 0 failed"], Row(pending, "jobs (no pod)"));
        Assert.DoesNotContain("jobs CentralRegion", pending.Stdout, StringComparison.Ordinal);
        var lines = pending.Stdout.Split('\n').ToList();
        Assert.True(lines.FindIndex(l => l.Contains("RegionB image", StringComparison.Ordinal)) < lines.FindIndex(l => l.Contains("jobs RegionA", StringComparison.Ordinal)), pending.Stdout);

        await seed.FailedAsync(JobRequest.InPod(JobTypes.SecurityGroupSync, _podB, Guid.NewGuid().ToString(), null));
        var failing = await Status();
        Assert.Equal(1, failing.ExitCode);
        Assert.Equal(["failing", "0 new, 0 running, 1 failed"], Row(failing, "jobs RegionB"));
        Assert.Equal("pending", Row(failing, "jobs RegionA")[0]);
    }

    /// <summary>The State and Detail cells of the status table's row for <paramref name="check"/>.</summary>
    private static string[] Row(CliRunner.Result result, string check)
    {
        var cells = result.Stdout.Split('\n').Select(l => l.Split('|').Select(c => c.Trim()).ToArray()).SingleOrDefault(c => c.Length > 3 && c[1] == check);
        Assert.True(cells is not null, $"no row {check}: {result}");
        return cells[2..4];
    }

    [Fact]
    public async Task Status_NoInstanceToAskForRecentPodCalls_SaysWhy_AndStillExits0()
    {
        // No service runs here and the catalog has no tricircle endpoint: the pod rows have no
        // call figures, and a row says why; health does not depend on it.
        var r = await Status();
        Assert.True(r.ExitCode == 0, r.ToString());
        var calls = Row(r, "pod calls");
        Assert.Equal("unknown", calls[0]);
        Assert.Contains("the catalog has no 'tricircle' endpoint", calls[1], StringComparison.Ordinal);
        var compute = r.Stdout.Split('\n').Select(l => l.Split('|').Select(c => c.Trim()).ToArray()).Single(c => c.Length > 7 && c[1] == "RegionA compute");
        Assert.Equal(["-", "-", "-", "-"], compute[4..8]);

        var refused = await Status("--admin-url", "http://127.0.0.1:1/");
        Assert.True(refused.ExitCode == 0, refused.ToString());
        Assert.StartsWith("no answer from http://127.0.0.1:1/v1.0/status", Row(refused, "pod calls")[1], StringComparison.Ordinal);
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
