using System.Text.Json;

namespace Tricircle.Emulator.Regions.Volume;

/// <summary>The real openstack CLI against the emulated Cinder.</summary>
public sealed class CinderCliTests(RegionCli cli) : IClassFixture<RegionCli>
{
    private async Task<JsonElement> WaitForStatusAsync(string kind, string id, string status)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var shown = kind == "snapshot"
                ? await cli.RunJsonAsync("volume", "snapshot", "show", id, "-f", "json")
                : await cli.RunJsonAsync("volume", "show", id, "-f", "json");
            if (shown.RootElement.GetProperty("status").GetString() == status || attempt > 20)
            {
                Assert.Equal(status, shown.RootElement.GetProperty("status").GetString());
                return shown.RootElement.Clone();
            }

            await Task.Delay(300);
        }
    }

    [Fact]
    public async Task OpenStackCli_VolumeCreateShowSetSnapshotDelete_MatchesCinder()
    {
        using var created = await cli.RunJsonAsync("volume", "create", "--size", "1", "cli-volume", "-f", "json");
        var id = created.RootElement.GetProperty("id").GetString()!;
        Assert.Equal(1, created.RootElement.GetProperty("size").GetInt32());

        var shown = await WaitForStatusAsync("volume", id, "available");
        Assert.Equal("cli-volume", shown.GetProperty("name").GetString());
        Assert.Equal("lvmdriver-1", shown.GetProperty("type").GetString());
        Assert.Equal("nova", shown.GetProperty("availability_zone").GetString());

        await cli.RunAsync("volume", "set", "--name", "cli-volume-renamed", "--property", "tier=gold", id);
        using var renamed = await cli.RunJsonAsync("volume", "show", id, "-f", "json");
        Assert.Equal("cli-volume-renamed", renamed.RootElement.GetProperty("name").GetString());
        Assert.Contains("gold", renamed.RootElement.GetProperty("properties").ToString(), StringComparison.Ordinal);

        using var snapshot = await cli.RunJsonAsync("volume", "snapshot", "create", "--volume", id, "cli-snapshot", "-f", "json");
        var snapshotId = snapshot.RootElement.GetProperty("id").GetString()!;
        await WaitForStatusAsync("snapshot", snapshotId, "available");

        var (code, _, stderr) = await cli.TryRunAsync("volume", "delete", id);
        Assert.NotEqual(0, code);
        Assert.Contains("snapshots", stderr, StringComparison.Ordinal);

        await cli.RunAsync("volume", "snapshot", "delete", snapshotId);
        await cli.RunAsync("volume", "delete", id);
        using var list = await cli.RunJsonAsync("volume", "list", "-f", "json");
        Assert.DoesNotContain(list.RootElement.EnumerateArray(), v => v.GetProperty("ID").GetString() == id);
    }
}
