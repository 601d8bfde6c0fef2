using Tricircle.Support;

namespace Tricircle.Volume;

/// <summary>The real <c>openstack volume transfer request</c> commands against the Cinder gateway: demo offers a volume, alt_demo takes it.</summary>
public sealed class VolumeTransferCliTests(SqliteGatewayFixture gateway) : IClassFixture<SqliteGatewayFixture>
{
    [Fact]
    public async Task OpenStackCli_TransferRequest_CreateListShowAcceptDelete()
    {
        var demo = OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc.demo"));
        var alt = OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc.alt_demo"));

        // openstackclient's volume create reads the image service's endpoint even without --image (see VolumeCliTests).
        if (!(await demo.TryAsync("catalog", "show", "image", "-f", "json")).Stdout.Contains("CentralRegion", StringComparison.Ordinal))
        {
            var keystone = gateway.Sandbox.Keystone;
            var image = keystone.AddService("image", "glance");
            keystone.AddEndpoint(image, "CentralRegion", "public", gateway.Region("RegionOne").ImageUrl.ToString());
        }

        var volume = (await demo.JsonAsync("volume", "create", "--size", "1", "--availability-zone", "az1", "cli-gift")).GetProperty("id").GetString()!;
        await Poll.UntilAsync(async () => (await demo.JsonAsync("volume", "show", volume)).GetProperty("status").GetString() == "available", TimeSpan.FromSeconds(20), () => $"volume {volume} never available");

        var offer = await demo.JsonAsync("volume", "transfer", "request", "create", "--name", "cli-offer", volume);
        var id = offer.GetProperty("id").GetString()!;
        var key = offer.GetProperty("auth_key").GetString()!;
        Assert.Equal(volume, offer.GetProperty("volume_id").GetString());
        Assert.Contains(id, gateway.Region("RegionOne").Inspect("transfers").ToJsonString(), StringComparison.Ordinal);

        var listed = await demo.JsonAsync("volume", "transfer", "request", "list");
        Assert.Contains(listed.EnumerateArray(), t => t.GetProperty("ID").GetString() == id && t.GetProperty("Name").GetString() == "cli-offer");
        Assert.Equal("cli-offer", (await demo.JsonAsync("volume", "transfer", "request", "show", id)).GetProperty("name").GetString());
        Assert.DoesNotContain(id, (await alt.RunAsync("volume", "transfer", "request", "list", "-f", "json")).Stdout, StringComparison.Ordinal);
        Assert.NotEqual(0, (await alt.TryAsync("volume", "transfer", "request", "show", id)).ExitCode);

        // A wrong key fails; the right one gives alt_demo the volume.
        Assert.NotEqual(0, (await alt.TryAsync("volume", "transfer", "request", "accept", "--auth-key", "wrong", id)).ExitCode);
        var accepted = await alt.JsonAsync("volume", "transfer", "request", "accept", "--auth-key", key, id);
        Assert.Equal(volume, accepted.GetProperty("volume_id").GetString());
        Assert.Equal("available", (await alt.JsonAsync("volume", "show", volume)).GetProperty("status").GetString());
        Assert.NotEqual(0, (await demo.TryAsync("volume", "show", volume)).ExitCode);
        Assert.DoesNotContain(id, (await demo.RunAsync("volume", "transfer", "request", "list", "-f", "json")).Stdout, StringComparison.Ordinal);

        // A second offer, of alt_demo's volume now, taken back with delete.
        var again = (await alt.JsonAsync("volume", "transfer", "request", "create", volume)).GetProperty("id").GetString()!;
        await alt.RunAsync("volume", "transfer", "request", "delete", again);
        Assert.DoesNotContain(again, gateway.Region("RegionOne").Inspect("transfers").ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("available", (await alt.JsonAsync("volume", "show", volume)).GetProperty("status").GetString());
        await alt.RunAsync("volume", "delete", volume);
    }
}
