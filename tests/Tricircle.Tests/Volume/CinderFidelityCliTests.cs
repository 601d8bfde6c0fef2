using System.Net;
using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Volume;

/// <summary>The real clients against the Cinder gateway: <c>openstack extension list --volume</c> and cinderclient's <c>summary</c> (3.12).</summary>
public sealed class CinderFidelityCliTests(SqliteGatewayFixture gateway) : IClassFixture<SqliteGatewayFixture>
{
    [Fact]
    public async Task OpenStackCli_ExtensionListVolume_ShowsTheGatewaysCinderExtensions()
    {
        var cli = OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc.demo"));
        var listed = await cli.JsonAsync("extension", "list", "--volume");
        var aliases = listed.EnumerateArray().Select(e => e.GetProperty("Alias").GetString()).ToList();
        Assert.Contains("backups", aliases);
        Assert.Contains("os-volume-actions", aliases);
        Assert.DoesNotContain("consistencygroups", aliases);
    }

    [Fact]
    public async Task CinderCli_Summary_SumsTheDemoProjectsVolumesAcrossPods()
    {
        // This class's sandbox is its own: the demo project holds only these two.
        foreach (var (az, size) in new[] { ("az1", 1), ("az2", 2) })
        {
            var created = await gateway.VolumeAsync(HttpMethod.Post, "volumes", gateway.DemoToken, JsonSerializer.Serialize(new { volume = new { size, availability_zone = az } }));
            Assert.True(created.Status == HttpStatusCode.Accepted, created.Text);
        }

        var environment = new Dictionary<string, string?>(OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc.demo")).Environment)
        {
            ["OS_VOLUME_API_VERSION"] = "3.12",
        };
        var result = await CliRunner.RunAsync("cinder", ["summary"], environment);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"\|\s*total_count\s*\|\s*2\s*\|", result.Stdout);
        Assert.Matches(@"\|\s*total_size\s*\|\s*3\s*\|", result.Stdout);
    }
}
