using System.Diagnostics;
using System.Text.Json;
using Tricircle.Emulator.Identity;

namespace Tricircle.Emulator.Regions.Network;

/// <summary>The real openstackclient/openstacksdk against the emulated Neutron.</summary>
public sealed class NeutronCliTests : IAsyncLifetime
{
    private const string AdminPassword = "cli-secret";
    private static readonly TimeSpan CliTimeout = TimeSpan.FromSeconds(60);

    private KeystoneEmulator _keystone = null!;
    private RegionEmulator _region = null!;

    public async Task InitializeAsync()
    {
        _keystone = await KeystoneEmulator.StartAsync(new KeystoneEmulatorOptions { AdminPassword = AdminPassword });
        _region = await RegionEmulator.StartAsync(_keystone, new RegionEmulatorOptions { Name = "RegionOne" });
    }

    public async Task DisposeAsync()
    {
        await _region.DisposeAsync();
        await _keystone.DisposeAsync();
    }

    [Fact]
    public async Task OpenStackCli_NetworkSubnetPortRouterFloatingIpAndRules_Work()
    {
        using var network = await RunJsonAsync("network", "create", "cli-net", "-f", "json");
        var networkId = network.RootElement.GetProperty("id").GetString()!;
        Assert.Equal("cli-net", network.RootElement.GetProperty("name").GetString());
        Assert.Equal("vxlan", network.RootElement.GetProperty("provider:network_type").GetString());

        using var subnet = await RunJsonAsync("subnet", "create", "--network", "cli-net", "--subnet-range", "10.0.0.0/24", "cli-subnet", "-f", "json");
        Assert.Equal("10.0.0.1", subnet.RootElement.GetProperty("gateway_ip").GetString());
        Assert.Equal(networkId, subnet.RootElement.GetProperty("network_id").GetString());

        using var port = await RunJsonAsync("port", "create", "--network", "cli-net", "--fixed-ip", "ip-address=10.0.0.50", "cli-port", "-f", "json");
        Assert.Contains("10.0.0.50", port.RootElement.GetProperty("fixed_ips").ToString(), StringComparison.Ordinal);
        var portId = port.RootElement.GetProperty("id").GetString()!;

        using var external = await RunJsonAsync("network", "create", "--external", "cli-ext", "-f", "json");
        Assert.True(external.RootElement.GetProperty("router:external").GetBoolean());
        await RunAsync("subnet", "create", "--network", "cli-ext", "--subnet-range", "172.24.4.0/24", "--no-dhcp", "cli-ext-subnet");

        using var router = await RunJsonAsync("router", "create", "cli-router", "-f", "json");
        Assert.Equal("cli-router", router.RootElement.GetProperty("name").GetString());
        await RunAsync("router", "set", "--external-gateway", "cli-ext", "cli-router");
        await RunAsync("router", "add", "subnet", "cli-router", "cli-subnet");
        using var shown = await RunJsonAsync("router", "show", "cli-router", "-f", "json");
        Assert.Contains(external.RootElement.GetProperty("id").GetString()!, shown.RootElement.GetProperty("external_gateway_info").ToString(), StringComparison.Ordinal);

        using var fip = await RunJsonAsync("floating", "ip", "create", "--port", portId, "cli-ext", "-f", "json");
        Assert.StartsWith("172.24.4.", fip.RootElement.GetProperty("floating_ip_address").GetString(), StringComparison.Ordinal);
        Assert.Equal("10.0.0.50", fip.RootElement.GetProperty("fixed_ip_address").GetString());

        using var group = await RunJsonAsync("security", "group", "create", "cli-sg", "-f", "json");
        using var rule = await RunJsonAsync("security", "group", "rule", "create", "--protocol", "tcp", "--dst-port", "22", "--remote-ip", "0.0.0.0/0", "cli-sg", "-f", "json");
        Assert.Equal(22, rule.RootElement.GetProperty("port_range_min").GetInt32());
        Assert.Equal("ingress", rule.RootElement.GetProperty("direction").GetString());

        using var networks = await RunJsonAsync("network", "list", "-f", "json");
        Assert.Equal(2, networks.RootElement.GetArrayLength());
        using var ports = await RunJsonAsync("port", "list", "--network", "cli-net", "-f", "json");
        Assert.Equal(2, ports.RootElement.GetArrayLength()); // cli-port and the router interface

        Assert.Single(_region.Inspect("floatingips"));
        Assert.Single(_region.Inspect("routers").Single()!["external_gateway_info"]!["external_fixed_ips"]!.AsArray());
    }

    private async Task<JsonDocument> RunJsonAsync(params string[] arguments)
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

    private async Task<(string Stdout, string Stderr)> RunAsync(params string[] arguments)
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

        startInfo.Environment["OS_AUTH_URL"] = _keystone.AuthUrl.AbsoluteUri;
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

        var stdout = await stdoutTask;
        var stderr = await stderrTask;
        Assert.True(process.ExitCode == 0, $"openstack {string.Join(' ', arguments)} exited with {process.ExitCode}.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        return (stdout, stderr);
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
