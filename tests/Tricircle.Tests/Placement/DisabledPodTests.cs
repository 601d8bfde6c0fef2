using System.Net;
using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Placement;

/// <summary>
/// A disabled pod through the gateways: az1 has two pods (RegionOne, and RegionThree moved
/// there); disabling the tenant's pod moves its new resources to the other one, what the
/// disabled pod holds stays reachable, and an AZ whose pods are all disabled is a 400 naming it.
/// </summary>
public abstract class DisabledPodTests(ThreePodGatewayFixture gateway)
{
    private Task<ApiResponse> Admin(HttpMethod method, string path, string? json = null) =>
        gateway.SendAsync(new Uri(gateway.AdminUrl + path), method, gateway.AdminToken, json);

    private async Task<string> PodIdAsync(string region) =>
        (await Admin(HttpMethod.Get, "/pods?region_name=" + region)).Json.GetProperty("pods")[0].GetProperty("pod_id").GetString()!;

    private async Task SetDisabledAsync(string region, bool disabled, string reason = "")
    {
        var body = disabled ? JsonSerializer.Serialize(new { pod = new { disabled, disabled_reason = reason } }) : """{"pod": {"disabled": false}}""";
        (await Admin(HttpMethod.Put, "/pods/" + await PodIdAsync(region), body)).AssertOk();
    }

    private async Task<ApiResponse> CreateVolumeAsync(string token, string project, string az) =>
        await gateway.VolumeAsync(HttpMethod.Post, "volumes", token, JsonSerializer.Serialize(new { volume = new { size = 1, availability_zone = az } }), project: project);

    private string RegionHolding(string volumeId) =>
        new[] { "RegionOne", "RegionThree" }.Single(r => gateway.Region(r).Inspect("volumes").ToJsonString().Contains(volumeId, StringComparison.Ordinal));

    [Fact]
    public async Task DisabledPod_NewResourcesGoToTheAzsOtherPod_ExistingStayReachable_AndAClosedAzIs400()
    {
        (await Admin(HttpMethod.Put, "/pods/" + await PodIdAsync("RegionThree"), """{"pod": {"az_name": "az1"}}""")).AssertOk();
        var (token, project) = gateway.NewTenant("dis");
        try
        {
            var first = await CreateVolumeAsync(token, project, "az1");
            Assert.True(first.Status == HttpStatusCode.Accepted, first.Text);
            var firstId = first.Json.GetProperty("volume").GetProperty("id").GetString()!;
            var home = RegionHolding(firstId);
            var other = home == "RegionOne" ? "RegionThree" : "RegionOne";

            await SetDisabledAsync(home, true, "disk replacement");
            var second = await CreateVolumeAsync(token, project, "az1");
            Assert.True(second.Status == HttpStatusCode.Accepted, second.Text);
            var secondId = second.Json.GetProperty("volume").GetProperty("id").GetString()!;
            Assert.Equal(other, RegionHolding(secondId));
            Assert.Equal("az1", second.Json.GetProperty("volume").GetProperty("availability_zone").GetString());

            // The tenant's binding in az1 is now the other pod.
            var bindings = await Admin(HttpMethod.Get, $"/bindings?tenant_id={project}&is_binding=true");
            Assert.Equal(await PodIdAsync(other), Assert.Single(bindings.Json.GetProperty("pod_bindings").EnumerateArray()).GetProperty("pod_id").GetString());

            // The volume in the disabled pod stays reachable: show, update, actions, delete.
            for (var i = 0; i < 100 && (await gateway.VolumeAsync(HttpMethod.Get, "volumes/" + firstId, token, project: project)).Json.GetProperty("volume").GetProperty("status").GetString() != "available"; i++)
            {
                await Task.Delay(50);
            }

            (await gateway.VolumeAsync(HttpMethod.Put, "volumes/" + firstId, token, """{"volume": {"name": "still-here"}}""", project: project)).AssertOk();
            (await gateway.VolumeAsync(HttpMethod.Post, $"volumes/{firstId}/metadata", token, """{"metadata": {"k": "v"}}""", project: project)).AssertOk();

            // ... but nothing new is made beside it there.
            var snapshot = await gateway.VolumeAsync(HttpMethod.Post, "snapshots", token, JsonSerializer.Serialize(new { snapshot = new { volume_id = firstId } }), project: project);
            Assert.Contains("disk replacement", snapshot.AssertError(HttpStatusCode.Conflict, "conflictingRequest"), StringComparison.Ordinal);
            Assert.Contains(home, (await gateway.VolumeAsync(HttpMethod.Post, "volumes", token, JsonSerializer.Serialize(new { volume = new { source_volid = firstId } }), project: project))
                .AssertError(HttpStatusCode.Conflict, "conflictingRequest"), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.Accepted, (await gateway.VolumeAsync(HttpMethod.Delete, "volumes/" + firstId, token, project: project)).Status);

            // Both az1 pods disabled: az1 takes nothing new, in either gateway, and says why.
            await SetDisabledAsync(other, true, "power work");
            var closed = (await CreateVolumeAsync(token, project, "az1")).AssertError(HttpStatusCode.BadRequest, "badRequest");
            Assert.Contains("az1", closed, StringComparison.Ordinal);
            Assert.Contains("disk replacement", closed, StringComparison.Ordinal);
            Assert.Contains("power work", closed, StringComparison.Ordinal);
            var boot = await gateway.ComputeAsync(HttpMethod.Post, "servers", token, JsonSerializer.Serialize(new { server = new { name = "nowhere", flavorRef = "1", imageRef = await gateway.CirrosAsync("RegionOne"), networks = "none", availability_zone = "az1" } }), "2.37");
            Assert.Contains("az1", boot.AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
            var zones = await gateway.VolumeAsync(HttpMethod.Get, "os-availability-zone", token, project: project);
            Assert.False(zones.Json.GetProperty("availabilityZoneInfo").EnumerateArray().Single(z => z.GetProperty("zoneName").GetString() == "az1").GetProperty("zoneState").GetProperty("available").GetBoolean());

            // Other AZs are unaffected.
            Assert.Equal(HttpStatusCode.Accepted, (await CreateVolumeAsync(token, project, "az2")).Status);

            // The volume in the enabled-again pod can be shown and deleted as ever.
            await SetDisabledAsync(other, false);
            (await gateway.VolumeAsync(HttpMethod.Get, "volumes/" + secondId, token, project: project)).AssertOk();
            Assert.Equal(HttpStatusCode.Accepted, (await CreateVolumeAsync(token, project, "az1")).Status);
        }
        finally
        {
            await SetDisabledAsync("RegionOne", false);
            await SetDisabledAsync("RegionThree", false);
        }
    }
}

public sealed class DisabledPodSqliteTests(SqliteThreePodGatewayFixture gateway) : DisabledPodTests(gateway), IClassFixture<SqliteThreePodGatewayFixture>;

public sealed class DisabledPodPostgresTests(PostgresThreePodGatewayFixture gateway) : DisabledPodTests(gateway), IClassFixture<PostgresThreePodGatewayFixture>;
