using System.Net;
using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Compute;

/// <summary>
/// os-services, os-hypervisors and os-simple-tenant-usage merged over two pods whose compute
/// hosts have the same name: hosts qualified as host@Region, ids unique and routed back to
/// their pod, admin only (usage: its own project too), a pod that is down left out.
/// </summary>
public sealed class ComputeOperatorViewsTests(SameHostGatewayFixture gateway) : IClassFixture<SameHostGatewayFixture>
{
    private const string Host = SameHostGatewayFixture.HostName;

    private static string Json(object value) => JsonSerializer.Serialize(value);

    private Task<ApiResponse> PodNovaAsync(string region, HttpMethod method, string path, string? json = null, string microversion = "2.1") =>
        gateway.SendAsync(new Uri(gateway.Region(region).ComputeUrl + "/" + path), method, gateway.AdminToken, json, microversion);

    private async Task<List<JsonElement>> ServicesAsync(string query = "", string microversion = "2.1")
    {
        var list = await gateway.ComputeAsync(HttpMethod.Get, "os-services" + query, gateway.AdminToken, microversion: microversion);
        list.AssertOk();
        return [.. list.Json.GetProperty("services").EnumerateArray()];
    }

    private static JsonElement Compute(IEnumerable<JsonElement> services, string region) =>
        services.Single(s => s.GetProperty("binary").GetString() == "nova-compute" && s.GetProperty("host").GetString() == $"{Host}@{region}");

    [Fact]
    public async Task Services_MergedOverPods_HostsQualifiedZonesCentralIdsUnique()
    {
        var services = await ServicesAsync();
        Assert.Equal("az1", Compute(services, "RegionOne").GetProperty("zone").GetString());
        Assert.Equal("az2", Compute(services, "RegionTwo").GetProperty("zone").GetString());
        Assert.Contains(services, s => s.GetProperty("host").GetString() == "controller@RegionTwo" && s.GetProperty("zone").GetString() == "internal");
        var ids = services.Select(s => s.GetProperty("id").GetInt32()).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.True(Compute(services, "RegionTwo").GetProperty("id").GetInt32() > 2_000_000);

        // A qualified host asks its pod only; an unqualified one matches in every pod.
        var two = await ServicesAsync($"?host={Host}@RegionTwo&binary=nova-compute");
        Assert.Equal($"{Host}@RegionTwo", Assert.Single(two).GetProperty("host").GetString());
        Assert.Equal(2, (await ServicesAsync($"?host={Host}")).Count);

        var uuids = await ServicesAsync(microversion: "2.53");
        Assert.All(uuids, s => Assert.True(Guid.TryParse(s.GetProperty("id").GetString(), out _)));
        Assert.False(Compute(uuids, "RegionOne").GetProperty("forced_down").GetBoolean());

        var denied = await gateway.ComputeAsync(HttpMethod.Get, "os-services", gateway.DemoToken);
        Assert.Equal("Policy doesn't allow os_compute_api:os-services:list to be performed.", denied.AssertError(HttpStatusCode.Forbidden, "forbidden"));
    }

    [Fact]
    public async Task Services_DisableByQualifiedHost_ChangesOnlyThatPod()
    {
        var disabled = await gateway.ComputeAsync(HttpMethod.Put, "os-services/disable-log-reason", gateway.AdminToken, Json(new { host = $"{Host}@RegionTwo", binary = "nova-compute", disabled_reason = "maintenance" }));
        disabled.AssertOk();
        var service = disabled.Json.GetProperty("service");
        Assert.Equal($"{Host}@RegionTwo", service.GetProperty("host").GetString());
        Assert.Equal("disabled", service.GetProperty("status").GetString());

        var podTwo = (await PodNovaAsync("RegionTwo", HttpMethod.Get, "os-services?binary=nova-compute")).Json.GetProperty("services")[0];
        Assert.Equal("disabled", podTwo.GetProperty("status").GetString());
        Assert.Equal("maintenance", podTwo.GetProperty("disabled_reason").GetString());
        Assert.Equal("enabled", (await PodNovaAsync("RegionOne", HttpMethod.Get, "os-services?binary=nova-compute")).Json.GetProperty("services")[0].GetProperty("status").GetString());
        Assert.Equal("disabled", Compute(await ServicesAsync(), "RegionTwo").GetProperty("status").GetString());

        (await gateway.ComputeAsync(HttpMethod.Put, "os-services/enable", gateway.AdminToken, Json(new { host = $"{Host}@RegionTwo", binary = "nova-compute" }))).AssertOk();
        Assert.Equal("enabled", (await PodNovaAsync("RegionTwo", HttpMethod.Get, "os-services?binary=nova-compute")).Json.GetProperty("services")[0].GetProperty("status").GetString());

        // A host without its region names no pod; an unknown action is Nova's 404; a member is refused.
        Assert.Contains("host@Region", (await gateway.ComputeAsync(HttpMethod.Put, "os-services/disable", gateway.AdminToken, Json(new { host = Host, binary = "nova-compute" }))).AssertError(HttpStatusCode.NotFound, "itemNotFound"), StringComparison.Ordinal);
        (await gateway.ComputeAsync(HttpMethod.Put, "os-services/reboot", gateway.AdminToken, Json(new { host = $"{Host}@RegionOne", binary = "nova-compute" }))).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        (await gateway.ComputeAsync(HttpMethod.Put, "os-services/disable", gateway.DemoToken, Json(new { host = $"{Host}@RegionOne", binary = "nova-compute" }))).AssertError(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Services_ByUuidFrom253_UpdateAndDeleteRouteToTheirPod()
    {
        var one = Compute(await ServicesAsync(microversion: "2.53"), "RegionOne");
        var id = one.GetProperty("id").GetString()!;
        var updated = await gateway.ComputeAsync(HttpMethod.Put, "os-services/" + id, gateway.AdminToken, Json(new { status = "disabled", disabled_reason = "by uuid" }), "2.53");
        updated.AssertOk();
        Assert.Equal($"{Host}@RegionOne", updated.Json.GetProperty("service").GetProperty("host").GetString());
        Assert.Equal("az1", updated.Json.GetProperty("service").GetProperty("zone").GetString());
        Assert.Equal("by uuid", (await PodNovaAsync("RegionOne", HttpMethod.Get, "os-services?binary=nova-compute")).Json.GetProperty("services")[0].GetProperty("disabled_reason").GetString());
        (await gateway.ComputeAsync(HttpMethod.Put, "os-services/" + id, gateway.AdminToken, Json(new { status = "enabled" }), "2.53")).AssertOk();

        (await gateway.ComputeAsync(HttpMethod.Put, "os-services/not-a-uuid", gateway.AdminToken, Json(new { status = "enabled" }), "2.53")).AssertError(HttpStatusCode.BadRequest, "badRequest");
        (await gateway.ComputeAsync(HttpMethod.Put, "os-services/" + Guid.NewGuid(), gateway.AdminToken, Json(new { status = "enabled" }), "2.53")).AssertError(HttpStatusCode.NotFound, "itemNotFound");

        // Delete by a central integer id: RegionTwo's scheduler goes, in RegionTwo only.
        var scheduler = (await ServicesAsync("?binary=nova-scheduler")).Single(s => s.GetProperty("host").GetString() == "controller@RegionTwo");
        var centralId = scheduler.GetProperty("id").GetInt32();
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.ComputeAsync(HttpMethod.Delete, "os-services/" + centralId, gateway.AdminToken)).Status);
        Assert.Empty((await PodNovaAsync("RegionTwo", HttpMethod.Get, "os-services?binary=nova-scheduler")).Json.GetProperty("services").EnumerateArray());
        Assert.Single((await PodNovaAsync("RegionOne", HttpMethod.Get, "os-services?binary=nova-scheduler")).Json.GetProperty("services").EnumerateArray());
        (await gateway.ComputeAsync(HttpMethod.Delete, "os-services/" + centralId, gateway.AdminToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        (await gateway.ComputeAsync(HttpMethod.Delete, "os-services/abc", gateway.AdminToken)).AssertError(HttpStatusCode.BadRequest, "badRequest");
        (await gateway.ComputeAsync(HttpMethod.Delete, "os-services/1", gateway.DemoToken)).AssertError(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Hypervisors_MergedOverPods_ShowAndPagingByCentralIds()
    {
        var list = await gateway.ComputeAsync(HttpMethod.Get, "os-hypervisors/detail", gateway.AdminToken, microversion: "2.33");
        list.AssertOk();
        var hypervisors = list.Json.GetProperty("hypervisors").EnumerateArray().ToList();
        Assert.Equal([$"{Host}@RegionOne", $"{Host}@RegionTwo"], hypervisors.Select(h => h.GetProperty("hypervisor_hostname").GetString()));
        Assert.Equal($"{Host}@RegionTwo", hypervisors[1].GetProperty("service").GetProperty("host").GetString());
        var two = hypervisors[1].GetProperty("id").GetInt32();
        Assert.NotEqual(hypervisors[0].GetProperty("id").GetInt32(), two);

        var shown = await gateway.ComputeAsync(HttpMethod.Get, "os-hypervisors/" + two, gateway.AdminToken);
        shown.AssertOk();
        Assert.Equal($"{Host}@RegionTwo", shown.Json.GetProperty("hypervisor").GetProperty("hypervisor_hostname").GetString());
        Assert.Equal(two, shown.Json.GetProperty("hypervisor").GetProperty("id").GetInt32());
        Assert.Equal("Hypervisor with ID '1' could not be found.", (await gateway.ComputeAsync(HttpMethod.Get, "os-hypervisors/1", gateway.AdminToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound"));
        (await gateway.ComputeAsync(HttpMethod.Get, "os-hypervisors/" + (two + 5), gateway.AdminToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound");

        // One page at a time, the marker a central id.
        var first = await gateway.ComputeAsync(HttpMethod.Get, "os-hypervisors?limit=1", gateway.AdminToken, microversion: "2.33");
        Assert.Equal($"{Host}@RegionOne", Assert.Single(first.Json.GetProperty("hypervisors").EnumerateArray()).GetProperty("hypervisor_hostname").GetString());
        Assert.Contains("marker=" + hypervisors[0].GetProperty("id").GetInt32(), first.Json.GetProperty("hypervisors_links")[0].GetProperty("href").GetString(), StringComparison.Ordinal);
        var second = await gateway.ComputeAsync(HttpMethod.Get, "os-hypervisors?limit=1&marker=" + hypervisors[0].GetProperty("id").GetInt32(), gateway.AdminToken, microversion: "2.33");
        Assert.Equal(two, Assert.Single(second.Json.GetProperty("hypervisors").EnumerateArray()).GetProperty("id").GetInt32());
        (await gateway.ComputeAsync(HttpMethod.Get, "os-hypervisors?marker=999", gateway.AdminToken, microversion: "2.33")).AssertError(HttpStatusCode.BadRequest, "badRequest");

        // From 2.53: UUIDs, a pattern that may name the pod.
        var uuids = await gateway.ComputeAsync(HttpMethod.Get, $"os-hypervisors?hypervisor_hostname_pattern={Host}@RegionTwo", gateway.AdminToken, microversion: "2.53");
        var uuid = Assert.Single(uuids.Json.GetProperty("hypervisors").EnumerateArray()).GetProperty("id").GetString()!;
        var byUuid = await gateway.ComputeAsync(HttpMethod.Get, "os-hypervisors/" + uuid, gateway.AdminToken, microversion: "2.53");
        Assert.Equal($"{Host}@RegionTwo", byUuid.Json.GetProperty("hypervisor").GetProperty("hypervisor_hostname").GetString());
        (await gateway.ComputeAsync(HttpMethod.Get, "os-hypervisors/" + two, gateway.AdminToken, microversion: "2.53")).AssertError(HttpStatusCode.BadRequest, "badRequest");
        (await gateway.ComputeAsync(HttpMethod.Get, "os-hypervisors?hypervisor_hostname_pattern=nomatch", gateway.AdminToken, microversion: "2.53")).AssertError(HttpStatusCode.NotFound, "itemNotFound");

        (await gateway.ComputeAsync(HttpMethod.Get, "os-hypervisors", gateway.DemoToken)).AssertError(HttpStatusCode.Forbidden, "forbidden");
        (await gateway.ComputeAsync(HttpMethod.Get, "os-hypervisors/" + two, gateway.DemoToken)).AssertError(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task HypervisorStatistics_SumOverPods()
    {
        var stats = await gateway.ComputeAsync(HttpMethod.Get, "os-hypervisors/statistics", gateway.AdminToken);
        stats.AssertOk();
        var sums = stats.Json.GetProperty("hypervisor_statistics");
        var one = (await PodNovaAsync("RegionOne", HttpMethod.Get, "os-hypervisors/statistics")).Json.GetProperty("hypervisor_statistics");
        var two = (await PodNovaAsync("RegionTwo", HttpMethod.Get, "os-hypervisors/statistics")).Json.GetProperty("hypervisor_statistics");
        foreach (var field in new[] { "count", "vcpus", "memory_mb", "local_gb", "running_vms", "free_ram_mb" })
        {
            Assert.Equal(one.GetProperty(field).GetInt64() + two.GetProperty(field).GetInt64(), sums.GetProperty(field).GetInt64());
        }

        Assert.Equal(2, sums.GetProperty("count").GetInt32());
        Assert.Equal("Policy doesn't allow os_compute_api:os-hypervisors:statistics to be performed.", (await gateway.ComputeAsync(HttpMethod.Get, "os-hypervisors/statistics", gateway.DemoToken)).AssertError(HttpStatusCode.Forbidden, "forbidden"));
    }

    [Fact]
    public async Task Usage_SumsATenantOverPods_PagesByServer_OwnProjectOnly()
    {
        var (token, project) = gateway.NewTenant("usage");
        var a = await gateway.BootAsync(token, "az1", "usage-a");
        var b = await gateway.BootAsync(token, "az2", "usage-b");
        var start = DateTime.UtcNow.AddHours(-1).ToString("yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        var path = $"os-simple-tenant-usage/{project}?start={start}";

        // Until both servers are launched (the emulated pods build them for a moment).
        JsonElement usage = default;
        await Poll.UntilAsync(async () =>
        {
            var shown = await gateway.ComputeAsync(HttpMethod.Get, path, token);
            shown.AssertOk();
            usage = shown.Json.GetProperty("tenant_usage");
            return usage.TryGetProperty("server_usages", out var s) && s.GetArrayLength() == 2;
        }, TimeSpan.FromSeconds(30), () => usage.ToString());
        Assert.Equal(project, usage.GetProperty("tenant_id").GetString());
        Assert.Equal(new[] { a, b }.Order(StringComparer.Ordinal), usage.GetProperty("server_usages").EnumerateArray().Select(u => u.GetProperty("instance_id").GetString()!).Order(StringComparer.Ordinal));
        var hours = usage.GetProperty("server_usages").EnumerateArray().Sum(u => u.GetProperty("hours").GetDouble());
        Assert.Equal(hours, usage.GetProperty("total_hours").GetDouble(), 6);
        Assert.True(hours > 0);

        // The admin's list, detailed, one server a page (2.40): the tenant's two servers over two pages.
        var listPath = $"os-simple-tenant-usage?start={start}&detailed=1&limit=1";
        var first = await gateway.ComputeAsync(HttpMethod.Get, listPath, gateway.AdminToken, microversion: "2.40");
        first.AssertOk();
        var next = first.Json.GetProperty("tenant_usages_links")[0].GetProperty("href").GetString()!;
        Assert.Single(first.Json.GetProperty("tenant_usages").EnumerateArray().Single().GetProperty("server_usages").EnumerateArray());
        var seen = new List<string>();
        var marker = new Uri(next).Query.Split('&').Single(p => p.Contains("marker=", StringComparison.Ordinal)).Split('=')[1];
        var all = await gateway.ComputeAsync(HttpMethod.Get, $"os-simple-tenant-usage?start={start}&detailed=1", gateway.AdminToken, microversion: "2.40");
        var mine = all.Json.GetProperty("tenant_usages").EnumerateArray().Single(t => t.GetProperty("tenant_id").GetString() == project);
        seen.AddRange(mine.GetProperty("server_usages").EnumerateArray().Select(u => u.GetProperty("instance_id").GetString()!));
        Assert.Equal(new[] { a, b }.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
        var after = await gateway.ComputeAsync(HttpMethod.Get, $"os-simple-tenant-usage?start={start}&detailed=1&limit=1&marker={marker}", gateway.AdminToken, microversion: "2.40");
        after.AssertOk();
        Assert.NotEqual(marker, after.Json.GetProperty("tenant_usages")[0].GetProperty("server_usages")[0].GetProperty("instance_id").GetString());
        (await gateway.ComputeAsync(HttpMethod.Get, $"os-simple-tenant-usage?marker={Guid.NewGuid()}", gateway.AdminToken, microversion: "2.40")).AssertError(HttpStatusCode.BadRequest, "badRequest");
        (await gateway.ComputeAsync(HttpMethod.Get, "os-simple-tenant-usage?start=yesterday", gateway.AdminToken)).AssertError(HttpStatusCode.BadRequest, "badRequest");
        (await gateway.ComputeAsync(HttpMethod.Get, $"os-simple-tenant-usage?start={DateTime.UtcNow.AddHours(1):yyyy-MM-ddTHH:mm:ss}&end={DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss}", gateway.AdminToken)).AssertError(HttpStatusCode.BadRequest, "badRequest");

        // A member: its own project's usage only, and no list.
        Assert.Equal("Policy doesn't allow os_compute_api:os-simple-tenant-usage:show to be performed.", (await gateway.ComputeAsync(HttpMethod.Get, $"os-simple-tenant-usage/{project}", gateway.DemoToken)).AssertError(HttpStatusCode.Forbidden, "forbidden"));
        (await gateway.ComputeAsync(HttpMethod.Get, "os-simple-tenant-usage", token)).AssertError(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task PodDown_ViewsAnswerWithTheOtherPod()
    {
        await gateway.Region("RegionTwo").Faults.SetDownAsync(true);
        try
        {
            var services = await ServicesAsync();
            Assert.All(services, s => Assert.EndsWith("@RegionOne", s.GetProperty("host").GetString(), StringComparison.Ordinal));
            Assert.NotEmpty(services);

            var hypervisors = await gateway.ComputeAsync(HttpMethod.Get, "os-hypervisors", gateway.AdminToken);
            Assert.Equal($"{Host}@RegionOne", Assert.Single(hypervisors.Json.GetProperty("hypervisors").EnumerateArray()).GetProperty("hypervisor_hostname").GetString());
            var stats = await gateway.ComputeAsync(HttpMethod.Get, "os-hypervisors/statistics", gateway.AdminToken);
            Assert.Equal(1, stats.Json.GetProperty("hypervisor_statistics").GetProperty("count").GetInt32());
            (await gateway.ComputeAsync(HttpMethod.Get, "os-simple-tenant-usage", gateway.AdminToken)).AssertOk();
        }
        finally
        {
            await gateway.BringBackAsync("RegionTwo");
        }
    }
}
