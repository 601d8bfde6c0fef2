using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Compute;

/// <summary>
/// The compute gateway with the real <c>openstack</c> CLI in CentralRegion, as the demo user:
/// servers booted in both AZs, listed and paged, acted on, a volume attached and detached, images
/// through Glance, and a pod going down while the list keeps answering.
/// </summary>
public sealed class ServersCliTests(SqliteGatewayFixture gateway) : IClassFixture<SqliteGatewayFixture>
{
    [Fact]
    public async Task OpenStackCli_ServersInTwoAzs_PagesActionsVolumesImages_AndAPodDown()
    {
        var demo = OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc.demo"));
        Task<JsonElement> Os(params string[] args) => demo.JsonAsync(args);
        Task OsQuiet(params string[] args) => demo.RunAsync(args);

        async Task<string> WaitAsync(string[] show, string wanted)
        {
            for (var i = 0; ; i++)
            {
                var status = (await Os(show)).GetProperty("status").GetString()!;
                if (status == wanted || i == 60)
                {
                    return status;
                }

                await Task.Delay(250);
            }
        }

        // --nic none is Nova's networks "none", which openstackclient sends only from microversion 2.37.
        var boot = new[] { "--os-compute-api-version", "2.37", "server", "create", "--flavor", "m1.tiny", "--image", "cirros", "--nic", "none", "--wait" };
        var one = (await Os([.. boot, "--availability-zone", "az1", "cli-vm-a"])).GetProperty("id").GetString()!;
        var two = (await Os([.. boot, "--availability-zone", "az2", "cli-vm-b"])).GetProperty("id").GetString()!;
        Assert.Equal("az1", (await Os("server", "show", one)).GetProperty("OS-EXT-AZ:availability_zone").GetString());
        Assert.Equal("az2", (await Os("server", "show", two)).GetProperty("OS-EXT-AZ:availability_zone").GetString());

        // One list over both pods, and one page at a time with --limit/--marker.
        var mine = new[] { one, two }.Order(StringComparer.Ordinal).ToList();
        var listed = (await Os("server", "list")).EnumerateArray().Select(s => s.GetProperty("ID").GetString()!).ToList();
        Assert.Equal(mine, listed.Where(mine.Contains).Order(StringComparer.Ordinal));
        var first = Assert.Single((await Os("server", "list", "--limit", "1")).EnumerateArray()).GetProperty("ID").GetString()!;
        Assert.Equal(listed[0], first);
        var second = Assert.Single((await Os("server", "list", "--limit", "1", "--marker", first)).EnumerateArray()).GetProperty("ID").GetString()!;
        Assert.Equal(listed[1], second);

        // Actions reach the server's pod.
        await OsQuiet("server", "stop", one);
        Assert.Equal("SHUTOFF", await WaitAsync(["server", "show", one], "SHUTOFF"));
        await OsQuiet("server", "start", one);
        Assert.Equal("ACTIVE", await WaitAsync(["server", "show", one], "ACTIVE"));

        // A volume in the server's AZ attaches and detaches through the gateways.
        var volume = (await Os("volume", "create", "--size", "1", "--availability-zone", "az1", "cli-vm-vol")).GetProperty("id").GetString()!;
        Assert.Equal("available", await WaitAsync(["volume", "show", volume], "available"));
        await OsQuiet("server", "add", "volume", one, volume);
        Assert.Equal("in-use", await WaitAsync(["volume", "show", volume], "in-use"));
        await OsQuiet("server", "remove", "volume", one, volume);
        Assert.Equal("available", await WaitAsync(["volume", "show", volume], "available"));
        await OsQuiet("volume", "delete", volume);

        // Images through the Glance gateway.
        Assert.Contains((await Os("image", "list")).EnumerateArray(), i => i.GetProperty("Name").GetString() == "cirros");
        Assert.Equal("cirros", (await Os("image", "show", "cirros")).GetProperty("name").GetString());

        // RegionTwo goes down: the list still answers, its server shown as UNKNOWN.
        await gateway.Region("RegionTwo").Faults.SetDownAsync(true);
        try
        {
            var partial = (await Os("server", "list")).EnumerateArray().ToList();
            Assert.Equal("UNKNOWN", partial.Single(s => s.GetProperty("ID").GetString() == two).GetProperty("Status").GetString());
            Assert.Equal("ACTIVE", partial.Single(s => s.GetProperty("ID").GetString() == one).GetProperty("Status").GetString());
        }
        finally
        {
            await gateway.BringBackAsync("RegionTwo");
        }

        await OsQuiet("server", "delete", "--wait", one);
        await OsQuiet("server", "delete", "--wait", two);
        Assert.DoesNotContain((await Os("server", "list")).EnumerateArray(), s => s.GetProperty("ID").GetString() == one || s.GetProperty("ID").GetString() == two);
    }
}
