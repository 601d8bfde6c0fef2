using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Volume;

/// <summary>The real <c>openstack</c> CLI against the Cinder gateway in CentralRegion, as the demo user.</summary>
public sealed class VolumeCliTests(SqliteGatewayFixture gateway) : IClassFixture<SqliteGatewayFixture>
{
    [Fact]
    public async Task OpenStackCli_VolumeLifecycle_ThroughTheGateway()
    {
        var cli = OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc.demo"));
        Assert.Equal("CentralRegion", cli.Environment["OS_REGION_NAME"]);

        Task<JsonElement> Os(params string[] args) => cli.JsonAsync(args);
        Task OsQuiet(params string[] args) => cli.RunAsync(args);

        async Task<JsonElement> WaitAsync(string[] what, string id, string status)
        {
            var shown = await Os([.. what, "show", id]);
            for (var i = 0; i < 50 && shown.GetProperty("status").GetString() != status; i++)
            {
                await Task.Delay(200);
                shown = await Os([.. what, "show", id]);
            }

            Assert.Equal(status, shown.GetProperty("status").GetString());
            return shown;
        }

        // openstackclient's volume create reads the image service's endpoint even without --image:
        // until Tricircle's Glance gateway is registered in CentralRegion, point it at a pod's Glance.
        if (!(await cli.TryAsync("catalog", "show", "image", "-f", "json")).Stdout.Contains("CentralRegion", StringComparison.Ordinal))
        {
            var keystone = gateway.Sandbox.Keystone;
            var image = keystone.AddService("image", "glance");
            keystone.AddEndpoint(image, "CentralRegion", "public", gateway.Region("RegionOne").ImageUrl.ToString());
        }

        var created = await Os("volume", "create", "--size", "1", "--availability-zone", "az2", "v1");
        var id = created.GetProperty("id").GetString()!;
        Assert.Contains(id, gateway.Region("RegionTwo").Inspect("volumes").ToJsonString(), StringComparison.Ordinal);
        var shown = await WaitAsync(["volume"], id, "available");
        Assert.Equal("az2", shown.GetProperty("availability_zone").GetString());
        Assert.Contains(id, (await Os("volume", "list")).ToString(), StringComparison.Ordinal);

        await OsQuiet("volume", "set", "--size", "2", id);
        for (var i = 0; i < 50 && (await Os("volume", "show", id)).GetProperty("size").GetInt32() != 2; i++)
        {
            await Task.Delay(200);
        }

        Assert.Equal(2, (await WaitAsync(["volume"], id, "available")).GetProperty("size").GetInt32());

        var snapshot = await Os("volume", "snapshot", "create", "--volume", id, "s1");
        var snapshotId = snapshot.GetProperty("id").GetString()!;
        await WaitAsync(["volume", "snapshot"], snapshotId, "available");
        Assert.Contains(snapshotId, (await Os("volume", "snapshot", "list")).ToString(), StringComparison.Ordinal);
        await OsQuiet("volume", "snapshot", "delete", snapshotId);
        for (var i = 0; i < 50 && gateway.Region("RegionTwo").Inspect("snapshots").ToJsonString().Contains(snapshotId, StringComparison.Ordinal); i++)
        {
            await Task.Delay(200);
        }

        await OsQuiet("volume", "delete", id);
        for (var i = 0; i < 50 && gateway.Region("RegionTwo").Inspect("volumes").ToJsonString().Contains(id, StringComparison.Ordinal); i++)
        {
            await Task.Delay(200);
        }

        Assert.DoesNotContain(id, gateway.Region("RegionTwo").Inspect("volumes").ToJsonString(), StringComparison.Ordinal);
    }

}
