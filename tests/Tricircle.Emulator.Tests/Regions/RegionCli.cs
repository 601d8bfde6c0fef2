using System.Diagnostics;
using System.Text.Json;
using Tricircle.Emulator.Identity;

namespace Tricircle.Emulator.Regions;

/// <summary>
/// A Keystone plus one emulated region (RegionOne) driven with the real openstack CLI:
/// clean OS_* environment, no proxy for loopback, 180 s per command (the CLI alone takes ~20 s to start on a loaded 2-core machine).
/// </summary>
public sealed class RegionCli : IAsyncLifetime
{
    private const string AdminPassword = "cli-secret";
    private static readonly TimeSpan CliTimeout = TimeSpan.FromSeconds(180);

    public KeystoneEmulator Keystone { get; private set; } = null!;

    public RegionEmulator Region { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Keystone = await KeystoneEmulator.StartAsync(new KeystoneEmulatorOptions { AdminPassword = AdminPassword });
        Region = await RegionEmulator.StartAsync(Keystone, new RegionEmulatorOptions { Name = "RegionOne" });
    }

    public async Task DisposeAsync()
    {
        await Region.DisposeAsync();
        await Keystone.DisposeAsync();
    }

    public async Task<JsonDocument> RunJsonAsync(params string[] arguments)
    {
        var (stdout, stderr) = await RunAsync(arguments);
        try
        {
            return JsonDocument.Parse(stdout);
        }
        catch (JsonException ex)
        {
            Assert.Fail($"openstack {string.Join(' ', arguments)} printed no JSON ({ex.Message}).\nstdout:\n{stdout}\nstderr:\n{stderr}");
            throw;
        }
    }

    public async Task<(string Stdout, string Stderr)> RunAsync(params string[] arguments)
    {
        var (code, stdout, stderr) = await TryRunAsync(arguments);
        Assert.True(code == 0, $"openstack {string.Join(' ', arguments)} exited with {code}.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        return (stdout, stderr);
    }

    public async Task<(int ExitCode, string Stdout, string Stderr)> TryRunAsync(params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(FindOpenStackCli())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add("--os-region-name");
        startInfo.ArgumentList.Add("RegionOne");
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var name in startInfo.Environment.Keys.Where(k => k.StartsWith("OS_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            startInfo.Environment.Remove(name);
        }

        startInfo.Environment["OS_AUTH_URL"] = Keystone.AuthUrl.AbsoluteUri;
        startInfo.Environment["OS_USERNAME"] = "admin";
        startInfo.Environment["OS_PASSWORD"] = AdminPassword;
        startInfo.Environment["OS_PROJECT_NAME"] = "admin";
        startInfo.Environment["OS_USER_DOMAIN_NAME"] = "Default";
        startInfo.Environment["OS_PROJECT_DOMAIN_NAME"] = "Default";
        startInfo.Environment["OS_IDENTITY_API_VERSION"] = "3";
        startInfo.Environment["OS_INTERFACE"] = "public";
        startInfo.Environment["no_proxy"] = "127.0.0.1,localhost";
        startInfo.Environment["NO_PROXY"] = "127.0.0.1,localhost";

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("openstack did not start.");
        var stdoutTask = process.StandardOutput.ReadToEndAsync();
        var stderrTask = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CliTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"openstack {string.Join(' ', arguments)} did not finish within {CliTimeout.TotalSeconds} s.\nstderr:\n{await stderrTask}");
        }

        return (process.ExitCode, await stdoutTask, await stderrTask);
    }

    private static string FindOpenStackCli()
    {
        var cli = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "openstack"))
            .Prepend("/usr/bin/openstack")
            .FirstOrDefault(File.Exists);
        Assert.True(cli is not null, "The openstack CLI was not found (looked at /usr/bin/openstack and PATH); install python3-openstackclient.");
        return cli;
    }
}
