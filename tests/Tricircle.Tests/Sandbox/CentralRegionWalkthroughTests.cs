using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Sandbox;

/// <summary>
/// Issue 5's walkthrough with the real <c>openstack</c> CLI against the sandbox's central region
/// only: a flavor and a keypair made centrally, servers booted in az1 and az2 through one Nova,
/// one merged list paged with --limit/--marker, actions, volumes attached across the gateway,
/// snapshots, images — then a pod taken down while lists keep answering.
/// </summary>
public sealed class CentralRegionWalkthroughTests
{
    [Fact]
    public async Task OpenStackCli_InCentralRegion_ServesTheWholeTenantWorkflow()
    {
        await using var sandbox = await SandboxProcess.StartAsync(pods: 2);
        var demo = sandbox.Openrc("openrc.demo");
        var admin = sandbox.Openrc("openrc");
        Assert.Equal("CentralRegion", demo["OS_REGION_NAME"]);

        async Task<JsonElement> Os(Dictionary<string, string?> env, params string[] args)
        {
            var r = await CliRunner.RunAsync("openstack", [.. args, "-f", "json"], env);
            Assert.True(r.ExitCode == 0, $"openstack {string.Join(' ', args)}\n{r}\nsandbox:\n{sandbox.Output}");
            return JsonDocument.Parse(r.Stdout).RootElement.Clone();
        }

        async Task Quiet(Dictionary<string, string?> env, params string[] args)
        {
            var r = await CliRunner.RunAsync("openstack", args, env);
            Assert.True(r.ExitCode == 0, $"openstack {string.Join(' ', args)}\n{r}\nsandbox:\n{sandbox.Output}");
        }

        async Task<string> WaitAsync(string kind, string id, string status)
        {
            var now = "";
            for (var i = 0; i < 100 && now != status; i++)
            {
                now = (await Os(demo, kind, "show", id)).GetProperty("status").GetString()!;
                if (now != status)
                {
                    await Task.Delay(200);
                }
            }

            return now;
        }

        // Central catalogue: a flavor the pods never saw, and a keypair.
        await Os(admin, "flavor", "create", "--ram", "256", "--disk", "1", "--vcpus", "1", "walk.flavor");
        // keypair create prints the new private key itself, not a JSON document.
        var key = await CliRunner.RunAsync("openstack", ["keypair", "create", "walk-key"], demo);
        Assert.True(key.ExitCode == 0, key.ToString());
        Assert.Contains("PRIVATE KEY", key.Stdout, StringComparison.Ordinal);

        string[] boot = ["--os-compute-api-version", "2.37", "server", "create", "--flavor", "walk.flavor", "--image", "cirros", "--key-name", "walk-key", "--nic", "none", "--wait"];
        var s1 = await Os(demo, [.. boot, "--availability-zone", "az1", "walk-s1"]);
        var s2 = await Os(demo, [.. boot, "--availability-zone", "az2", "walk-s2"]);
        Assert.Equal("ACTIVE", s1.GetProperty("status").GetString());
        Assert.Equal("ACTIVE", s2.GetProperty("status").GetString());
        var id1 = s1.GetProperty("id").GetString()!;
        var id2 = s2.GetProperty("id").GetString()!;

        // One list over both pods, and paging through it one by one.
        var listed = (await Os(demo, "server", "list")).EnumerateArray().Select(s => s.GetProperty("ID").GetString()).ToList();
        Assert.Equal(2, listed.Count);
        var first = (await Os(demo, "server", "list", "--limit", "1")).EnumerateArray().Single().GetProperty("ID").GetString()!;
        var second = (await Os(demo, "server", "list", "--limit", "1", "--marker", first)).EnumerateArray().Single().GetProperty("ID").GetString()!;
        Assert.Equal(listed, [first, second]);
        Assert.Empty((await Os(demo, "server", "list", "--limit", "1", "--marker", second)).EnumerateArray());

        // Actions go to the server's own pod.
        await Quiet(demo, "server", "stop", id1);
        Assert.Equal("SHUTOFF", await WaitAsync("server", id1, "SHUTOFF"));
        await Quiet(demo, "server", "start", id1);
        Assert.Equal("ACTIVE", await WaitAsync("server", id1, "ACTIVE"));

        // A volume in az1 lands beside the az1 server and attaches to it.
        var volume = await Os(demo, "volume", "create", "--size", "1", "--availability-zone", "az1", "walk-vol");
        var volumeId = volume.GetProperty("id").GetString()!;
        Assert.Equal("available", await WaitAsync("volume", volumeId, "available"));
        Assert.Contains(volumeId, (await Os(demo, "volume", "list")).ToString(), StringComparison.Ordinal);
        await Quiet(demo, "volume", "set", "--size", "2", volumeId);
        Assert.Equal(2, (await Os(demo, "volume", "show", volumeId)).GetProperty("size").GetInt32());
        await Quiet(demo, "server", "add", "volume", id1, volumeId);
        Assert.Equal("in-use", await WaitAsync("volume", volumeId, "in-use"));
        await Quiet(demo, "server", "remove", "volume", id1, volumeId);
        Assert.Equal("available", await WaitAsync("volume", volumeId, "available"));
        var snapshot = await Os(demo, "volume", "snapshot", "create", "--volume", volumeId, "walk-snap");
        Assert.Equal("available", await WaitAsync("volume snapshot", snapshot.GetProperty("id").GetString()!, "available"));
        await Quiet(demo, "volume", "snapshot", "delete", snapshot.GetProperty("id").GetString()!);

        // Images through the central image service.
        Assert.Contains("cirros", (await Os(demo, "image", "list")).ToString(), StringComparison.Ordinal);
        Assert.Equal("active", (await Os(demo, "image", "show", "cirros")).GetProperty("status").GetString());

        // RegionTwo goes down: the list still answers, its server UNKNOWN.
        var fault = await CliRunner.TricircleAsync(new Dictionary<string, string?>(), "sandbox", "fault", "RegionTwo", "--down", "--data-dir", sandbox.DataDirectory);
        Assert.True(fault.ExitCode == 0, fault.ToString());
        var during = (await Os(demo, "server", "list")).EnumerateArray().ToDictionary(s => s.GetProperty("ID").GetString()!, s => s.GetProperty("Status").GetString());
        Assert.Equal("UNKNOWN", during[id2]);
        Assert.Equal("ACTIVE", during[id1]);
        await CliRunner.TricircleAsync(new Dictionary<string, string?>(), "sandbox", "fault", "RegionTwo", "--up", "--data-dir", sandbox.DataDirectory);

        await Quiet(demo, "volume", "delete", volumeId);
        await Quiet(demo, "server", "delete", "--wait", id1);
        await sandbox.StopAsync();
    }
}
