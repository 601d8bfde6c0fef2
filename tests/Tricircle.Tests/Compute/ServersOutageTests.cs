using System.Diagnostics;
using System.Net;
using Tricircle.Support;

namespace Tricircle.Compute;

/// <summary>A pod that is down or slow: lists keep answering, with placeholders; its servers say 503; new servers go elsewhere.</summary>
public sealed class ServersOutageTests(OutageGatewayFixture gateway) : IClassFixture<OutageGatewayFixture>
{
    [Fact]
    public async Task PodDown_ListAnswersWithUnknownPlaceholders_ShowIs503NamingThePod()
    {
        var up = await gateway.BootAsync(gateway.DemoToken, "az1", "stays-up");
        var down = await gateway.BootAsync(gateway.DemoToken, "az2", "goes-down");
        await gateway.Region("RegionTwo").Faults.SetDownAsync(true);
        try
        {
            var list = await gateway.ComputeAsync(HttpMethod.Get, "servers/detail", gateway.DemoToken);
            list.AssertOk();
            var servers = list.Json.GetProperty("servers").EnumerateArray().ToDictionary(s => s.GetProperty("id").GetString()!, s => s.GetProperty("status").GetString());
            Assert.Equal("UNKNOWN", servers[down]);
            Assert.NotEqual("UNKNOWN", servers[up]);

            var shown = await gateway.ComputeAsync(HttpMethod.Get, "servers/" + down, gateway.DemoToken);
            Assert.Contains("RegionTwo", shown.AssertError(HttpStatusCode.ServiceUnavailable, "serviceUnavailable"), StringComparison.Ordinal);

            // A filtered list cannot tell whether a placeholder matches: it leaves them out.
            var filtered = await gateway.ComputeAsync(HttpMethod.Get, "servers?name=goes-down", gateway.DemoToken);
            filtered.AssertOk();
            Assert.DoesNotContain(down, filtered.Text, StringComparison.Ordinal);
        }
        finally
        {
            await gateway.BringBackAsync("RegionTwo");
        }
    }

    [Fact]
    public async Task SlowPod_ListStillAnswersWithinTheDeadline()
    {
        var slow = await gateway.BootAsync(gateway.DemoToken, "az2", "slow");
        gateway.Region("RegionTwo").Faults.Latency = TimeSpan.FromSeconds(20);
        try
        {
            var clock = Stopwatch.StartNew();
            var list = await gateway.ComputeAsync(HttpMethod.Get, "servers", gateway.DemoToken);
            clock.Stop();
            list.AssertOk();
            Assert.Contains(slow, list.Text, StringComparison.Ordinal); // as a placeholder

            // The deadline is 1 s; the pod would take 20. Generous bound: a loaded machine must not fail this.
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
        }
        finally
        {
            gateway.Region("RegionTwo").Faults.Latency = TimeSpan.Zero;
        }
    }

    [Fact]
    public async Task PodThatKeepsRefusingConnections_GetsNoNewServers_UntilItIsBack()
    {
        await gateway.Region("RegionOne").Faults.SetDownAsync(true);
        try
        {
            // Calls that fail to connect open the pod's circuit...
            for (var i = 0; i < 6; i++)
            {
                await gateway.ComputeAsync(HttpMethod.Get, "servers", gateway.DemoToken);
            }

            // ...after which booting in its AZ says so rather than trying.
            var body = System.Text.Json.JsonSerializer.Serialize(new { server = new { name = "x", flavorRef = "1", imageRef = Guid.NewGuid(), networks = "none", availability_zone = "az1" } });
            var refused = await gateway.ComputeAsync(HttpMethod.Post, "servers", gateway.DemoToken, body, "2.37");
            Assert.Contains("az1", refused.AssertError(HttpStatusCode.ServiceUnavailable, "serviceUnavailable"), StringComparison.Ordinal);
        }
        finally
        {
            // The circuit rests 2 s here, then the pod is tried again.
            await gateway.BringBackAsync("RegionOne");
        }

        var id = await gateway.BootAsync(gateway.DemoToken, "az1", "back");
        Assert.Contains(id, gateway.Region("RegionOne").Inspect("servers").ToJsonString(), StringComparison.Ordinal);
    }
}
