using System.Diagnostics;
using System.Text;
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
        var dataDir = Directory.CreateTempSubdirectory("tricircle-sandbox-").FullName;
        var args = new List<string> { "sandbox", "--data-dir", dataDir, "--keystone-port", "0", "--admin-port", "0", "--pods", pods.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (db is not null)
        {
            args.AddRange(["--database", db.Connection]);
        }

        using var sandbox = Start(args);
        var output = new StringBuilder();
        var ready = new TaskCompletionSource();
        sandbox.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (e.Data == SandboxRunner.ReadyLine)
            {
                ready.TrySetResult();
            }
        };
        sandbox.ErrorDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        sandbox.BeginOutputReadLine();
        sandbox.BeginErrorReadLine();
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
            var openrc = ReadOpenrc(Path.Combine(dataDir, "openrc"));
            Assert.Equal("CentralRegion", openrc["OS_REGION_NAME"]);

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

            // The demo user is a member, not an admin.
            var demo = await CliRunner.TricircleAsync(ReadOpenrc(Path.Combine(dataDir, "openrc.demo")), "pod", "list");
            Assert.Equal(1, demo.ExitCode);
            Assert.Contains("HTTP 403", demo.Stderr, StringComparison.Ordinal);

            await FaultKnobs_ReachTheRunningRegions(dataDir, openrc);

            using (var kill = Process.Start("kill", ["-TERM", sandbox.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await sandbox.WaitForExitAsync(deadline.Token);
            Assert.True(sandbox.ExitCode == 0, Snapshot(output));
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException("sandbox output:\n" + Snapshot(output), e);
        }
        finally
        {
            if (!sandbox.HasExited)
            {
                sandbox.Kill(entireProcessTree: true);
            }

            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static async Task FaultKnobs_ReachTheRunningRegions(string dataDir, Dictionary<string, string?> openrc)
    {
        using var http = new HttpClient();
        var state = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dataDir, "sandbox.json"))).RootElement;
        var control = new Uri(state.GetProperty("control_url").GetString()!);
        var regions = JsonDocument.Parse(await http.GetStringAsync(new Uri(control, "regions"))).RootElement;
        var network = new Uri(regions.EnumerateArray().Single(r => r.GetProperty("name").GetString() == "RegionTwo").GetProperty("network").GetString()!);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri(network, "v2.0/networks"))).StatusCode);

        var fault = new Dictionary<string, string?>(openrc);
        var down = await CliRunner.TricircleAsync(fault, "sandbox", "fault", "RegionTwo", "--down", "--data-dir", dataDir);
        Assert.True(down.ExitCode == 0, down.ToString());
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri(network, "v2.0/networks")));

        var up = await CliRunner.TricircleAsync(fault, "sandbox", "fault", "RegionTwo", "--up", "--latency", "200", "--data-dir", dataDir);
        Assert.True(up.ExitCode == 0, up.ToString());
        var watch = Stopwatch.StartNew();
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri(network, "v2.0/networks"))).StatusCode);
        Assert.True(watch.ElapsedMilliseconds >= 190, $"latency not applied: {watch.ElapsedMilliseconds} ms");

        var errors = await CliRunner.TricircleAsync(fault, "sandbox", "fault", "RegionTwo", "--latency", "0", "--error-rate", "1", "--data-dir", dataDir);
        Assert.True(errors.ExitCode == 0, errors.ToString());
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, (await http.GetAsync(new Uri(network, "v2.0/networks"))).StatusCode);

        var unknown = await CliRunner.TricircleAsync(fault, "sandbox", "fault", "RegionNowhere", "--down", "--data-dir", dataDir);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("No region RegionNowhere", unknown.Stderr, StringComparison.Ordinal);

        var nothing = await CliRunner.TricircleAsync(fault, "sandbox", "fault", "RegionTwo", "--data-dir", dataDir);
        Assert.Equal(2, nothing.ExitCode);
    }

    private static Process Start(IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "tricircle"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start)!;
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    private static Dictionary<string, string?> ReadOpenrc(string path) =>
        File.ReadAllLines(path)
            .Where(l => l.StartsWith("export ", StringComparison.Ordinal))
            .Select(l => l["export ".Length..].Split('=', 2))
            .ToDictionary(kv => kv[0], kv => (string?)kv[1]);
}
