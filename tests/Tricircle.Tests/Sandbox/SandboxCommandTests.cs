using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Sandbox;

/// <summary><c>tricircle sandbox</c> as the README runs it, then driven with its own openrc.</summary>
public sealed class SandboxCommandTests
{
    [Theory]
    [InlineData("sqlite", 2)]
    [InlineData("sqlite", 10)]
    [InlineData("postgres", 3)]
    public async Task Sandbox_StartsRegistersPodsWritesOpenrc_AndStopsOnSigterm(string dialect, int pods)
    {
        await using var db = dialect == "postgres" ? await TestDatabase.CreateAsync("postgres") : null;
        await using var sandbox = await SandboxProcess.StartAsync(pods, db?.Connection);
        var openrc = sandbox.Openrc();
        Assert.Equal("CentralRegion", openrc["OS_REGION_NAME"]);

        // The web console it printed serves its login page; the admin's login is printed beside it.
        var consoleLine = Line(sandbox, "Web console");
        Assert.Contains($"user admin, password {SandboxOptions.AdminPassword}, project admin", consoleLine, StringComparison.Ordinal);
        using (var http = new HttpClient())
        {
            var login = await http.GetStringAsync(new Uri(new Uri(consoleLine.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2]), "login"));
            Assert.Contains("data-testid=\"login-form\"", login, StringComparison.Ordinal);

            // The scrape endpoint it printed (the admin port's: no [metrics] port by default),
            // and who may read it; from loopback, without a token.
            var adminUrl = new Uri(Line(sandbox, "Admin API").Split(' ', StringSplitOptions.RemoveEmptyEntries)[2]);
            var metricsUrl = new Uri(adminUrl, "/metrics");
            Assert.Equal($"Metrics (Prometheus)  {metricsUrl}   (no token from 127.0.0.0/8, ::1/128; an admin token from elsewhere)", Line(sandbox, "Metrics (Prometheus)").Trim());
            Assert.Contains("http_server_request_duration_seconds", await http.GetStringAsync(metricsUrl), StringComparison.Ordinal);
        }

        var list = await CliRunner.TricircleAsync(openrc, "pod", "list", "-f", "json");
        Assert.True(list.ExitCode == 0, list.ToString());
        var listed = JsonDocument.Parse(list.Stdout).RootElement.EnumerateArray()
            .ToDictionary(p => p.GetProperty("region_name").GetString()!, p => p.GetProperty("az_name").GetString());
        Assert.Equal(pods + 1, listed.Count);
        Assert.Equal("", listed["CentralRegion"]);
        Assert.Equal("az1", listed["RegionOne"]);
        Assert.Equal("az2", listed["RegionTwo"]);
        if (pods == 10)
        {
            Assert.Equal("az10", listed["RegionTen"]);
        }

        var regions = await CliRunner.RunAsync("openstack", ["region", "list", "-f", "value", "-c", "Region"], openrc);
        Assert.True(regions.ExitCode == 0, regions.ToString());
        Assert.Contains("RegionTwo", regions.Stdout.Split('\n'));

        // Every pod's region has its four services in the catalog.
        var endpoints = await CliRunner.RunAsync("openstack", ["endpoint", "list", "--region", "RegionTwo", "--interface", "public", "-f", "json"], openrc);
        Assert.True(endpoints.ExitCode == 0, endpoints.ToString());
        var types = JsonDocument.Parse(endpoints.Stdout).RootElement.EnumerateArray().Select(e => e.GetProperty("Service Type").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "compute", "network", "volumev3", "image" }, types);

        // The sandbox's own service config lets `tricircle status` check it.
        var status = await CliRunner.TricircleAsync(openrc, "status", "--config-file", Path.Combine(sandbox.DataDirectory, "tricircle.conf"));
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains("RegionTwo network", status.Stdout, StringComparison.Ordinal);

        // The demo user is a member, not an admin.
        var demo = await CliRunner.TricircleAsync(sandbox.Openrc("openrc.demo"), "pod", "list");
        Assert.Equal(1, demo.ExitCode);
        Assert.Contains("HTTP 403", demo.Stderr, StringComparison.Ordinal);

        // alt_demo, devstack's second member project, has its own openrc and project.
        var altDemo = sandbox.Openrc("openrc.alt_demo");
        Assert.Equal("alt_demo", altDemo["OS_PROJECT_NAME"]);
        var tokens = await Task.WhenAll(
            CliRunner.RunAsync("openstack", ["token", "issue", "-f", "json"], altDemo),
            CliRunner.RunAsync("openstack", ["token", "issue", "-f", "json"], sandbox.Openrc("openrc.demo")));
        Assert.All(tokens, t => Assert.True(t.ExitCode == 0, t.ToString()));
        var (altProject, demoProject) = (JsonDocument.Parse(tokens[0].Stdout).RootElement.GetProperty("project_id").GetString(), JsonDocument.Parse(tokens[1].Stdout).RootElement.GetProperty("project_id").GetString());
        Assert.NotEqual(demoProject, altProject);
        var altAdmin = await CliRunner.TricircleAsync(altDemo, "pod", "list");
        Assert.Contains("HTTP 403", altAdmin.Stderr, StringComparison.Ordinal);

        await FaultKnobs_ReachTheRunningRegions(sandbox.DataDirectory, openrc);

        await sandbox.StopAsync();
        Assert.True(sandbox.ExitCode == 0, sandbox.Output);
        Assert.False(File.Exists(Path.Combine(sandbox.DataDirectory, "sandbox.json")));
    }

    /// <summary>What the sandbox would print for metrics configured otherwise than its default.</summary>
    [Fact]
    public void MetricsLine_NamesTheMetricsPort_WhenSet_TheTokenWhenNoNetworkIsTrusted_AndOff()
    {
        var admin = new Uri("http://127.0.0.1:19999/v1.0");
        Assert.Equal(
            "http://127.0.0.1:9464/scrape   (no token from 10.0.0.0/8; an admin token from elsewhere)",
            SandboxRunner.DescribeMetrics(new Telemetry.MetricsOptions { Port = 9464, Path = "/scrape", AllowedNetworks = "10.0.0.0/8" }, admin));
        Assert.Equal("http://127.0.0.1:19999/metrics   (an admin token)", SandboxRunner.DescribeMetrics(new Telemetry.MetricsOptions { AllowedNetworks = "" }, admin));
        Assert.Equal("off ([metrics] enabled = false)", SandboxRunner.DescribeMetrics(new Telemetry.MetricsOptions { Enabled = false }, admin));
    }

    private static string Line(SandboxProcess sandbox, string label) =>
        sandbox.Output.Split('\n').Single(l => l.TrimStart().StartsWith(label, StringComparison.Ordinal));

    private static async Task FaultKnobs_ReachTheRunningRegions(string dataDir, Dictionary<string, string?> openrc)
    {
        using var http = new HttpClient();
        var state = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dataDir, "sandbox.json"))).RootElement;
        var control = new Uri(state.GetProperty("control_url").GetString()!);
        var regions = JsonDocument.Parse(await http.GetStringAsync(new Uri(control, "regions"))).RootElement;
        var network = new Uri(regions.EnumerateArray().Single(r => r.GetProperty("name").GetString() == "RegionTwo").GetProperty("network").GetString()!);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri(network, "v2.0/networks"))).StatusCode);

        var down = await CliRunner.TricircleAsync(openrc, "sandbox", "fault", "RegionTwo", "--down", "--data-dir", dataDir);
        Assert.True(down.ExitCode == 0, down.ToString());
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri(network, "v2.0/networks")));

        var up = await CliRunner.TricircleAsync(openrc, "sandbox", "fault", "RegionTwo", "--up", "--latency", "200", "--data-dir", dataDir);
        Assert.True(up.ExitCode == 0, up.ToString());
        var watch = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri(network, "v2.0/networks"))).StatusCode);
        Assert.True(watch.ElapsedMilliseconds >= 190, $"latency not applied: {watch.ElapsedMilliseconds} ms");

        // An answer time with the region's work inside it: even keystonemiddleware's quick 401 waits for it.
        var answerAfter = await CliRunner.TricircleAsync(openrc, "sandbox", "fault", "RegionTwo", "--latency", "0", "--answer-after", "300", "--data-dir", dataDir);
        Assert.True(answerAfter.ExitCode == 0, answerAfter.ToString());
        var shown = JsonDocument.Parse(await http.GetStringAsync(new Uri(control, "regions"))).RootElement.EnumerateArray().Single(r => r.GetProperty("name").GetString() == "RegionTwo");
        Assert.Equal((0, 300), (shown.GetProperty("latency_ms").GetInt32(), shown.GetProperty("answer_after_ms").GetInt32()));
        watch.Restart();
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri(network, "v2.0/networks"))).StatusCode);
        Assert.True(watch.ElapsedMilliseconds >= 290, $"answer time not applied: {watch.ElapsedMilliseconds} ms");

        var errors = await CliRunner.TricircleAsync(openrc, "sandbox", "fault", "RegionTwo", "--answer-after", "0", "--error-rate", "1", "--data-dir", dataDir);
        Assert.True(errors.ExitCode == 0, errors.ToString());
        Assert.Equal(HttpStatusCode.InternalServerError, (await http.GetAsync(new Uri(network, "v2.0/networks"))).StatusCode);

        var unknown = await CliRunner.TricircleAsync(openrc, "sandbox", "fault", "RegionNowhere", "--down", "--data-dir", dataDir);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("No region RegionNowhere", unknown.Stderr, StringComparison.Ordinal);

        var nothing = await CliRunner.TricircleAsync(openrc, "sandbox", "fault", "RegionTwo", "--data-dir", dataDir);
        Assert.Equal(2, nothing.ExitCode);

        var noSandbox = await CliRunner.TricircleAsync(openrc, "sandbox", "fault", "RegionTwo", "--down", "--data-dir", "/nonexistent");
        Assert.Equal(1, noSandbox.ExitCode);
        Assert.Contains("no sandbox is running", noSandbox.Stderr, StringComparison.Ordinal);
    }
}
