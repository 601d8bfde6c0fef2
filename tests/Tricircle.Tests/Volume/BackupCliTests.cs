using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Volume;

/// <summary>The real <c>openstack volume backup</c> commands against the Cinder gateway in CentralRegion (demo, and admin for the admin's actions).</summary>
public sealed class BackupCliTests(SqliteGatewayFixture gateway) : IClassFixture<SqliteGatewayFixture>
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task OpenStackCli_VolumeBackupCommands_ThroughTheGateway()
    {
        var demo = OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc.demo"));
        var admin = OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc"));
        Assert.Equal("CentralRegion", demo.Environment["OS_REGION_NAME"]);
        string[] v343 = ["--os-volume-api-version", "3.43"];

        async Task<JsonElement> WaitAsync(string[] what, string id, string status)
        {
            var shown = default(JsonElement);
            await Poll.UntilAsync(async () => (shown = await demo.JsonAsync([.. what, "show", id])).GetProperty("status").GetString() == status, Within, () => $"{string.Join(' ', what)} {id} not {status}: {shown}");
            return shown;
        }

        // openstackclient's volume create reads the image service's endpoint even without --image.
        if (!(await demo.TryAsync("catalog", "show", "image", "-f", "json")).Stdout.Contains("CentralRegion", StringComparison.Ordinal))
        {
            var keystone = gateway.Sandbox.Keystone;
            keystone.AddEndpoint(keystone.AddService("image", "glance"), "CentralRegion", "public", gateway.Region("RegionOne").ImageUrl.ToString());
        }

        var volume = (await demo.JsonAsync("volume", "create", "--size", "1", "--availability-zone", "az2", "cli-backed")).GetProperty("id").GetString()!;
        await WaitAsync(["volume"], volume, "available");

        // create: made in the volume's pod (RegionTwo).
        var backup = (await demo.JsonAsync("volume", "backup", "create", "--name", "cli-full", "--description", "full one", volume)).GetProperty("id").GetString()!;
        Assert.Contains(backup, gateway.Region("RegionTwo").Inspect("backups").ToJsonString(), StringComparison.Ordinal);
        var shown = await WaitAsync(["volume", "backup"], backup, "available");
        Assert.Equal("cli-full", shown.GetProperty("name").GetString());
        Assert.Equal(volume, shown.GetProperty("volume_id").GetString());
        Assert.Equal("az2", shown.GetProperty("availability_zone").GetString());
        await WaitAsync(["volume"], volume, "available");

        var incremental = (await demo.JsonAsync([.. v343, "volume", "backup", "create", "--incremental", "--force", "--property", "tier=gold", "--name", "cli-incr", volume])).GetProperty("id").GetString()!;
        await WaitAsync(["volume", "backup"], incremental, "available");
        Assert.Equal("gold", gateway.Region("RegionTwo").Inspect("backups").Single(b => b!["id"]!.ToString() == incremental)!["metadata"]!["tier"]!.ToString());
        await WaitAsync(["volume"], volume, "available");

        // list, --long, --status, --volume; --all-projects for an admin.
        var listed = await demo.JsonAsync("volume", "backup", "list");
        Assert.Equal(new[] { backup, incremental }.Order(), listed.EnumerateArray().Select(b => b.GetProperty("ID").GetString()!).Order());
        var long_ = await demo.JsonAsync("volume", "backup", "list", "--long");
        Assert.All(long_.EnumerateArray(), b => Assert.Equal("az2", b.GetProperty("Availability Zone").GetString()));
        Assert.Equal(2, (await demo.JsonAsync("volume", "backup", "list", "--status", "available", "--volume", volume)).GetArrayLength());
        Assert.Equal(0, (await demo.JsonAsync("volume", "backup", "list", "--status", "error")).GetArrayLength());
        Assert.Contains(backup, (await admin.JsonAsync("volume", "backup", "list", "--all-projects")).ToString(), StringComparison.Ordinal);

        // set: name and description (3.9).
        await demo.RunAsync("--os-volume-api-version", "3.9", "volume", "backup", "set", "--name", "cli-renamed", "--description", "renamed", backup);
        Assert.Equal("cli-renamed", (await demo.JsonAsync("volume", "backup", "show", backup)).GetProperty("name").GetString());
        Assert.Equal("cli-renamed", gateway.Region("RegionTwo").Inspect("backups").Single(b => b!["id"]!.ToString() == backup)!["name"]!.ToString());

        // restore into a new volume (a name that is no volume), then into an existing one (--force).
        // openstackclient 6.0 sends the restore and then fails to print its answer (a Restore object
        // where a ShowOne wants columns), so the pods tell what happened.
        await demo.TryAsync("volume", "backup", "restore", incremental, "cli-restored");
        string? restored = null;
        await Poll.UntilAsync(async () =>
        {
            var volumes = await demo.JsonAsync("volume", "list", "--name", "cli-restored");
            restored = volumes.EnumerateArray().Select(v => v.GetProperty("ID").GetString()).FirstOrDefault();
            return restored is not null;
        }, Within, () => "no volume cli-restored");
        Assert.Contains(restored!, gateway.Region("RegionTwo").Inspect("volumes").ToJsonString(), StringComparison.Ordinal);
        await WaitAsync(["volume"], restored!, "available");
        await WaitAsync(["volume", "backup"], incremental, "available");

        var refused = await demo.TryAsync("volume", "backup", "restore", backup, restored!);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("--force", refused.Stderr, StringComparison.Ordinal);
        await demo.TryAsync("volume", "backup", "restore", "--force", backup, restored!);
        await WaitAsync(["volume", "backup"], backup, "available");
        await WaitAsync(["volume"], restored!, "available");

        // A volume of another pod cannot take the backup.
        var elsewhere = (await demo.JsonAsync("volume", "create", "--size", "1", "--availability-zone", "az1", "cli-elsewhere")).GetProperty("id").GetString()!;
        await WaitAsync(["volume"], elsewhere, "available");
        var crossPod = await demo.TryAsync("volume", "backup", "restore", "--force", backup, elsewhere);
        Assert.NotEqual(0, crossPod.ExitCode);
        Assert.Contains("own pod", crossPod.Stderr, StringComparison.Ordinal);

        // delete: the full backup waits for its incremental one; reset state and force delete are an admin's.
        var blocked = await demo.TryAsync("volume", "backup", "delete", backup);
        Assert.NotEqual(0, blocked.ExitCode);
        await demo.RunAsync("volume", "backup", "delete", incremental);
        Assert.DoesNotContain(incremental, gateway.Region("RegionTwo").Inspect("backups").ToJsonString(), StringComparison.Ordinal);
        Assert.NotEqual(0, (await demo.TryAsync("volume", "backup", "set", "--state", "error", backup)).ExitCode);
        await admin.RunAsync("volume", "backup", "set", "--state", "error", backup);
        Assert.Equal("error", gateway.Region("RegionTwo").Inspect("backups").Single(b => b!["id"]!.ToString() == backup)!["status"]!.ToString());
        await admin.RunAsync("volume", "backup", "delete", "--force", backup);
        Assert.DoesNotContain(backup, gateway.Region("RegionTwo").Inspect("backups").ToJsonString(), StringComparison.Ordinal);
        Assert.NotEqual(0, (await demo.TryAsync("volume", "backup", "show", backup)).ExitCode);
        Assert.Equal(0, (await demo.JsonAsync("volume", "backup", "list")).GetArrayLength());
    }
}
