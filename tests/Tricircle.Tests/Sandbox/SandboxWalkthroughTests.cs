using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Sandbox;

/// <summary>
/// The README's promise: start the sandbox, source openrc, and the real openstack CLI works in an
/// emulated region — network, subnet, port, router, volume, image, and a server booted to ACTIVE.
/// </summary>
public sealed class SandboxWalkthroughTests
{
    [Fact]
    public async Task OpenStackCli_InRegionOne_BuildsATenantsWorld()
    {
        await using var sandbox = await SandboxProcess.StartAsync(pods: 2);
        var env = sandbox.Openrc("openrc.demo");
        env["OS_REGION_NAME"] = "RegionOne";

        async Task<JsonElement> Os(params string[] args)
        {
            var r = await CliRunner.RunAsync("openstack", [.. args, "-f", "json"], env);
            Assert.True(r.ExitCode == 0, $"openstack {string.Join(' ', args)}\n{r}\nsandbox:\n{sandbox.Output}");
            return JsonDocument.Parse(r.Stdout).RootElement.Clone();
        }

        async Task OsQuiet(params string[] args)
        {
            var r = await CliRunner.RunAsync("openstack", args, env);
            Assert.True(r.ExitCode == 0, $"openstack {string.Join(' ', args)}\n{r}");
        }

        var network = await Os("network", "create", "walk-net");
        var subnet = await Os("subnet", "create", "--network", "walk-net", "--subnet-range", "10.20.0.0/24", "walk-subnet");
        Assert.Equal("10.20.0.1", subnet.GetProperty("gateway_ip").GetString());
        var port = await Os("port", "create", "--network", "walk-net", "--fixed-ip", "ip-address=10.20.0.50", "walk-port");
        Assert.Contains("10.20.0.50", port.GetProperty("fixed_ips").ToString(), StringComparison.Ordinal);
        await Os("router", "create", "walk-router");
        await OsQuiet("router", "add", "subnet", "walk-router", "walk-subnet");

        var volume = await Os("volume", "create", "--size", "1", "walk-vol");
        var volumeId = volume.GetProperty("id").GetString()!;
        for (var i = 0; i < 50 && (await Os("volume", "show", volumeId)).GetProperty("status").GetString() != "available"; i++)
        {
            await Task.Delay(200);
        }

        Assert.Equal("available", (await Os("volume", "show", volumeId)).GetProperty("status").GetString());

        var file = Path.Combine(sandbox.DataDirectory, "walk.img");
        await File.WriteAllBytesAsync(file, new byte[4096]);
        var image = await Os("image", "create", "--file", file, "--disk-format", "qcow2", "--container-format", "bare", "walk-img");

        // openstackclient prints the image as created, before its data went up; show it after.
        var shown = await Os("image", "show", image.GetProperty("id").GetString()!);
        Assert.Equal("active", shown.GetProperty("status").GetString());
        Assert.Equal(4096, shown.GetProperty("size").GetInt64());

        var server = await Os("server", "create", "--flavor", "m1.tiny", "--image", "cirros", "--network", network.GetProperty("id").GetString()!, "--wait", "walk-server");
        Assert.Equal("ACTIVE", server.GetProperty("status").GetString());
        Assert.Contains("walk-net", server.GetProperty("addresses").ToString(), StringComparison.Ordinal);

        await OsQuiet("server", "delete", "--wait", "walk-server");
        await sandbox.StopAsync();
    }
}
