using System.Net.Http.Json;
using System.Text.Json;

namespace Tricircle.Lab;

/// <summary>
/// The Nova and Cinder gateways in front of the lab's real regions: the demo member works in
/// the central region with the real <c>openstack</c> CLI, and each region's own Nova and Cinder
/// are asked what really happened there.
/// </summary>
[Collection(LabWalkthroughs.Name)]
[Trait("Category", "Lab")]
public sealed class GatewayWalkthroughTests(LabTricircle lab)
{
    private string Central => lab.Cloud.CentralRegion;

    private Task<JsonElement> Json(string? region, bool demo, params string[] args) => lab.OpenStackJsonAsync(region, demo, args);

    private static Task<string> WaitAsync(Func<Task<string>> status, string wanted) => LabTricircle.WaitForAsync(status, wanted);

    [LabFact]
    public async Task ServersAndVolumes_PlacedByAz_LiveInThatRegion_ThroughTheCentralRegion()
    {
        await lab.EnsurePodsAsync();
        var admin = (await lab.Cloud.AdminTokenAsync(lab.Http)).Id;
        var demo = await lab.Cloud.DemoTokenAsync(lab.Http);
        await lab.ForgetBindingsAsync(admin, demo.ProjectId); // placement starts from no binding, whatever ran before
        var (first, second) = (lab.Cloud.Regions[0], lab.Cloud.Regions[^1]);
        var suffix = Guid.NewGuid().ToString("N")[..8];

        // A flavor in the central catalogue only: the pod gets its copy at the first boot there.
        var flavor = await Json(Central, false, "flavor", "create", "lab-gw-" + suffix, "--ram", "64", "--vcpus", "1", "--disk", "1", "--public");
        var flavorId = flavor.GetProperty("id").GetString()!;
        var image = await Json(Central, true, "image", "show", "cirros-tiny");
        string? serverId = null;
        string? volumeId = null;
        string? otherVolumeId = null;
        try
        {
            Assert.Contains(flavorId, (await Json(Central, true, "flavor", "list")).EnumerateArray().Select(f => f.GetProperty("ID").GetString()));

            // A volume in the last AZ lives in the last region's Cinder, in the pod's own zone.
            var other = await Json(Central, true, "volume", "create", "--size", "1", "--availability-zone", LabTricircle.PodAz(lab.Cloud.Regions.Count - 1), "lab-gw-vol2-" + suffix);
            otherVolumeId = other.GetProperty("id").GetString()!;
            Assert.Equal("available", await WaitAsync(() => VolumeStatusAsync(Central, otherVolumeId), "available"));
            var inPod = await Json(second, true, "volume", "show", otherVolumeId);
            Assert.Equal("nova", inPod.GetProperty("availability_zone").GetString());
            Assert.Equal(LabTricircle.PodAz(lab.Cloud.Regions.Count - 1), (await Json(Central, true, "volume", "show", otherVolumeId)).GetProperty("availability_zone").GetString());

            // A server in az1 with networks "none" (NetworkWalkthroughTests boots on networks),
            // booted through the gateway's API as openstackclient would.
            serverId = await BootAsync(demo.Id, "lab-gw-vm-" + suffix, flavorId, image.GetProperty("id").GetString()!, LabTricircle.PodAz(0));
            Assert.Equal("ACTIVE", await WaitAsync(() => ServerStatusAsync(Central, serverId), "ACTIVE"));
            var bottom = await Json(first, true, "server", "show", serverId);
            Assert.Equal("ACTIVE", bottom.GetProperty("status").GetString());
            Assert.Contains(serverId, (await Json(Central, true, "server", "list")).EnumerateArray().Select(s => s.GetProperty("ID").GetString()));
            Assert.DoesNotContain(serverId, (await Json(second, true, "server", "list")).EnumerateArray().Select(s => s.GetProperty("ID").GetString()));

            // The pod's Nova got the central flavor (its copy, with the same shape).
            var copied = await Json(first, false, "flavor", "list", "--all", "--long");
            Assert.Contains(copied.EnumerateArray(), f => f.GetProperty("RAM").GetInt32() == 64 && f.GetProperty("Name").GetString()!.Contains(suffix, StringComparison.Ordinal));

            // Actions go to the server's pod.
            await lab.OpenStackAsync(Central, true, "server", "stop", serverId);
            Assert.Equal("SHUTOFF", await WaitAsync(() => ServerStatusAsync(first, serverId), "SHUTOFF"));
            await lab.OpenStackAsync(Central, true, "server", "start", serverId);
            Assert.Equal("ACTIVE", await WaitAsync(() => ServerStatusAsync(first, serverId), "ACTIVE"));

            // A volume in the same AZ lands in the same pod and attaches there; one in another pod is refused.
            var volume = await Json(Central, true, "volume", "create", "--size", "1", "--availability-zone", LabTricircle.PodAz(0), "lab-gw-vol1-" + suffix);
            volumeId = volume.GetProperty("id").GetString()!;
            Assert.Equal("available", await WaitAsync(() => VolumeStatusAsync(Central, volumeId), "available"));
            Assert.Equal(volumeId, (await Json(first, true, "volume", "show", volumeId)).GetProperty("id").GetString());
            await lab.OpenStackAsync(Central, true, "server", "add", "volume", serverId, volumeId);
            Assert.Equal("in-use", await WaitAsync(() => VolumeStatusAsync(first, volumeId), "in-use"));
            if (lab.Cloud.Regions.Count > 1)
            {
                var refused = await CliRunnerFails(Central, "server", "add", "volume", serverId, otherVolumeId);
                Assert.Contains("409", refused, StringComparison.Ordinal);
            }

            await lab.OpenStackAsync(Central, true, "server", "remove", "volume", serverId, volumeId);
            Assert.Equal("available", await WaitAsync(() => VolumeStatusAsync(first, volumeId), "available"));

            // Deleting through the central region deletes in the pod.
            await lab.OpenStackAsync(Central, true, "server", "delete", "--wait", serverId);
            Assert.DoesNotContain(serverId, (await Json(first, true, "server", "list")).EnumerateArray().Select(s => s.GetProperty("ID").GetString()));
            serverId = null;
        }
        finally
        {
            if (serverId is not null)
            {
                await lab.OpenStackAsync(first, true, "server", "delete", "--wait", serverId);
            }

            foreach (var (id, region) in new[] { (volumeId, first), (otherVolumeId, second) })
            {
                if (id is not null)
                {
                    await WaitAsync(() => VolumeStatusAsync(region, id), "available");
                    await lab.OpenStackAsync(Central, true, "volume", "delete", id);
                }
            }

            await lab.OpenStackAsync(Central, false, "flavor", "delete", flavorId);
            await lab.ForgetBindingsAsync(admin, demo.ProjectId);
        }
    }

    private async Task<string> BootAsync(string token, string name, string flavorId, string imageId, string az)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, lab.Urls["compute"].ToString().TrimEnd('/') + "/servers");
        request.Headers.Add("X-Auth-Token", token);
        request.Content = JsonContent.Create(new { server = new { name, flavorRef = flavorId, imageRef = imageId, availability_zone = az, networks = "none" } });
        request.Headers.Add("OpenStack-API-Version", "compute 2.37");
        using var response = await lab.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"boot: {(int)response.StatusCode} {text}\nservice:\n{lab.Output}");
        return JsonDocument.Parse(text).RootElement.GetProperty("server").GetProperty("id").GetString()!;
    }

    private async Task<string> ServerStatusAsync(string region, string id) =>
        (await Json(region, true, "server", "show", id)).GetProperty("status").GetString()!;

    private async Task<string> VolumeStatusAsync(string region, string id) =>
        (await Json(region, true, "volume", "show", id)).GetProperty("status").GetString()!;

    private async Task<string> CliRunnerFails(string region, params string[] args)
    {
        var result = await Support.CliRunner.RunAsync("openstack", args, lab.Cloud.Openrc(region, true), TimeSpan.FromMinutes(3));
        Assert.True(result.ExitCode != 0, $"openstack {string.Join(' ', args)} should fail\n{result}");
        return result.Stderr;
    }
}
