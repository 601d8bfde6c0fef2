using System.Net;
using System.Text.Json.Nodes;

namespace Tricircle.Emulator.Contract;

/// <summary>
/// The operator views a region answers (Nova os-services, os-hypervisors, os-simple-tenant-usage;
/// Cinder os-services; Neutron agents): shapes per microversion, admin-only policy and the 4xx of
/// bad ids, strict; what depends on the deployment (how many hosts and agents) lenient. Nothing
/// here changes a service of the region.
/// </summary>
public sealed class OperatorViewsContractTests(ContractTarget target) : IClassFixture<ContractTarget>
{
    private Task<ContractResponse> Nova(HttpMethod method, string path, string? token, JsonNode? body = null, string? microversion = null) =>
        target.SendAsync(method, target.Compute, path, token, body, microversion is null ? null : new Dictionary<string, string> { ["OpenStack-API-Version"] = "compute " + microversion });

    private static string Message(ContractResponse response, HttpStatusCode status, string key)
    {
        var error = response.Expect(status)[key]!;
        Assert.Equal((int)status, (int)error["code"]!);
        return (string)error["message"]!;
    }

    [Fact]
    public async Task NovaServices_AdminListsThemWithIdsPerMicroversion_MemberRefused()
    {
        var services = (await Nova(HttpMethod.Get, "/os-services", target.AdminToken)).Expect(HttpStatusCode.OK)["services"]!.AsArray();
        var compute = services.First(s => (string)s!["binary"]! == "nova-compute")!;
        foreach (var key in (string[])["id", "binary", "host", "zone", "status", "state", "updated_at", "disabled_reason"])
        {
            Assert.True(compute.AsObject().ContainsKey(key), key);
        }

        Assert.Equal(System.Text.Json.JsonValueKind.Number, compute["id"]!.GetValueKind());
        Assert.NotEqual("internal", (string)compute["zone"]!);
        Assert.False(compute.AsObject().ContainsKey("forced_down"));
        Assert.Contains(services, s => (string)s!["binary"]! == "nova-scheduler" && (string)s["zone"]! == "internal");

        var v253 = (await Nova(HttpMethod.Get, "/os-services?binary=nova-compute", target.AdminToken, microversion: "2.53")).Expect(HttpStatusCode.OK)["services"]!.AsArray();
        Assert.All(v253, s => Assert.True(Guid.TryParse((string)s!["id"]!, out _)));
        Assert.All(v253, s => Assert.Equal(System.Text.Json.JsonValueKind.False, s!["forced_down"]!.GetValueKind()));

        var host = (string)compute["host"]!;
        Assert.All((await Nova(HttpMethod.Get, "/os-services?host=" + Uri.EscapeDataString(host), target.AdminToken)).Expect(HttpStatusCode.OK)["services"]!.AsArray(), s => Assert.Equal(host, (string)s!["host"]!));
        Assert.Equal("Policy doesn't allow os_compute_api:os-services:list to be performed.", Message(await Nova(HttpMethod.Get, "/os-services", target.DemoToken), HttpStatusCode.Forbidden, "forbidden"));
    }

    [Fact]
    public async Task NovaServices_BadUpdatesAndDeletes_AreRefusedWithoutChange()
    {
        var nowhere = new JsonObject { ["host"] = "no-such-host-" + Guid.NewGuid().ToString("N")[..6], ["binary"] = "nova-compute" };
        Message(await Nova(HttpMethod.Put, "/os-services/disable", target.AdminToken, nowhere), HttpStatusCode.NotFound, "itemNotFound");
        Assert.Equal("Unknown action", Message(await Nova(HttpMethod.Put, "/os-services/reboot", target.AdminToken, nowhere.DeepClone()), HttpStatusCode.NotFound, "itemNotFound"));
        Message(await Nova(HttpMethod.Put, "/os-services/disable-log-reason", target.AdminToken, nowhere.DeepClone()), HttpStatusCode.BadRequest, "badRequest");
        Message(await Nova(HttpMethod.Put, "/os-services/disable", target.DemoToken, nowhere.DeepClone()), HttpStatusCode.Forbidden, "forbidden");

        Assert.Equal("Invalid uuid abc", Message(await Nova(HttpMethod.Put, "/os-services/abc", target.AdminToken, new JsonObject { ["status"] = "enabled" }, "2.53"), HttpStatusCode.BadRequest, "badRequest"));
        Message(await Nova(HttpMethod.Put, "/os-services/" + Guid.NewGuid(), target.AdminToken, new JsonObject { ["status"] = "enabled" }, "2.53"), HttpStatusCode.NotFound, "itemNotFound");
        var scheduler = (await Nova(HttpMethod.Get, "/os-services?binary=nova-scheduler", target.AdminToken, microversion: "2.53")).Expect(HttpStatusCode.OK)["services"]!.AsArray()[0]!;
        Assert.Equal(
            "Updating a nova-scheduler service is not supported. Only nova-compute services can be updated.",
            Message(await Nova(HttpMethod.Put, "/os-services/" + (string)scheduler["id"]!, target.AdminToken, new JsonObject { ["status"] = "disabled" }, "2.53"), HttpStatusCode.BadRequest, "badRequest"));

        Message(await Nova(HttpMethod.Delete, "/os-services/abc", target.AdminToken), HttpStatusCode.BadRequest, "badRequest");
        Message(await Nova(HttpMethod.Delete, "/os-services/" + Guid.NewGuid(), target.AdminToken, microversion: "2.53"), HttpStatusCode.NotFound, "itemNotFound");
        Message(await Nova(HttpMethod.Delete, "/os-services/987654", target.DemoToken), HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Hypervisors_ListDetailShowStatistics_PerMicroversion()
    {
        var list = (await Nova(HttpMethod.Get, "/os-hypervisors", target.AdminToken)).Expect(HttpStatusCode.OK)["hypervisors"]!.AsArray();
        var first = list[0]!;
        Assert.Equal(["hypervisor_hostname", "id", "state", "status"], first.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));

        var shown = (await Nova(HttpMethod.Get, "/os-hypervisors/" + (int)first["id"]!, target.AdminToken)).Expect(HttpStatusCode.OK)["hypervisor"]!;
        foreach (var key in (string[])["hypervisor_type", "hypervisor_version", "host_ip", "service", "vcpus", "memory_mb", "local_gb", "running_vms", "cpu_info"])
        {
            Assert.True(shown.AsObject().ContainsKey(key), key);
        }

        Assert.Equal(System.Text.Json.JsonValueKind.String, shown["cpu_info"]!.GetValueKind());
        Assert.Equal(System.Text.Json.JsonValueKind.Object, (await Nova(HttpMethod.Get, "/os-hypervisors/detail", target.AdminToken, microversion: "2.28")).Expect(HttpStatusCode.OK)["hypervisors"]![0]!["cpu_info"]!.GetValueKind());
        Assert.Equal("Hypervisor with ID '987654' could not be found.", Message(await Nova(HttpMethod.Get, "/os-hypervisors/987654", target.AdminToken), HttpStatusCode.NotFound, "itemNotFound"));
        Message(await Nova(HttpMethod.Get, "/os-hypervisors/abc", target.AdminToken), HttpStatusCode.NotFound, "itemNotFound");

        var uuid = (string)(await Nova(HttpMethod.Get, "/os-hypervisors", target.AdminToken, microversion: "2.53")).Expect(HttpStatusCode.OK)["hypervisors"]![0]!["id"]!;
        Assert.Equal(uuid, (string)(await Nova(HttpMethod.Get, "/os-hypervisors/" + uuid, target.AdminToken, microversion: "2.53")).Expect(HttpStatusCode.OK)["hypervisor"]!["id"]!);
        Assert.Equal("Invalid uuid 1", Message(await Nova(HttpMethod.Get, "/os-hypervisors/1", target.AdminToken, microversion: "2.53"), HttpStatusCode.BadRequest, "badRequest"));
        Message(await Nova(HttpMethod.Get, "/os-hypervisors?hypervisor_hostname_pattern=no-such-host-xyz", target.AdminToken, microversion: "2.53"), HttpStatusCode.NotFound, "itemNotFound");
        Message(await Nova(HttpMethod.Get, "/os-hypervisors?marker=987654", target.AdminToken, microversion: "2.33"), HttpStatusCode.BadRequest, "badRequest");

        var stats = (await Nova(HttpMethod.Get, "/os-hypervisors/statistics", target.AdminToken)).Expect(HttpStatusCode.OK)["hypervisor_statistics"]!;
        Assert.True((int)stats["count"]! >= 1);
        foreach (var key in (string[])["vcpus", "memory_mb", "local_gb", "vcpus_used", "memory_mb_used", "local_gb_used", "free_ram_mb", "free_disk_gb", "current_workload", "running_vms", "disk_available_least"])
        {
            Assert.True(stats.AsObject().ContainsKey(key), key);
        }

        Assert.Equal("Policy doesn't allow os_compute_api:os-hypervisors:list to be performed.", Message(await Nova(HttpMethod.Get, "/os-hypervisors", target.DemoToken), HttpStatusCode.Forbidden, "forbidden"));
        Message(await Nova(HttpMethod.Get, "/os-hypervisors/statistics", target.DemoToken), HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task SimpleTenantUsage_AdminListsAll_MemberSeesOnlyItsOwn()
    {
        var start = DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        var all = (await Nova(HttpMethod.Get, $"/os-simple-tenant-usage?start={start}&detailed=1", target.AdminToken, microversion: "2.40")).Expect(HttpStatusCode.OK);
        Assert.Equal(System.Text.Json.JsonValueKind.Array, all["tenant_usages"]!.GetValueKind());
        foreach (var tenant in all["tenant_usages"]!.AsArray())
        {
            foreach (var key in (string[])["tenant_id", "start", "stop", "total_hours", "total_local_gb_usage", "total_memory_mb_usage", "total_vcpus_usage", "server_usages"])
            {
                Assert.True(tenant!.AsObject().ContainsKey(key), key);
            }
        }

        var own = (await Nova(HttpMethod.Get, $"/os-simple-tenant-usage/{target.DemoProjectId}?start={start}", target.DemoToken)).Expect(HttpStatusCode.OK);
        Assert.Equal(System.Text.Json.JsonValueKind.Object, own["tenant_usage"]!.GetValueKind());
        Assert.Equal(
            "Policy doesn't allow os_compute_api:os-simple-tenant-usage:show to be performed.",
            Message(await Nova(HttpMethod.Get, $"/os-simple-tenant-usage/{target.AdminProjectId}", target.DemoToken), HttpStatusCode.Forbidden, "forbidden"));
        Message(await Nova(HttpMethod.Get, "/os-simple-tenant-usage", target.DemoToken), HttpStatusCode.Forbidden, "forbidden");
        Message(await Nova(HttpMethod.Get, "/os-simple-tenant-usage?start=yesterday", target.AdminToken), HttpStatusCode.BadRequest, "badRequest");
        Assert.Equal(
            "Invalid start time. The start time cannot occur after the end time.",
            Message(await Nova(HttpMethod.Get, $"/os-simple-tenant-usage?start=2030-01-02T00:00:00&end=2030-01-01T00:00:00", target.AdminToken), HttpStatusCode.BadRequest, "badRequest"));
        Message(await Nova(HttpMethod.Get, $"/os-simple-tenant-usage?marker={Guid.NewGuid()}", target.AdminToken, microversion: "2.40"), HttpStatusCode.BadRequest, "badRequest");
    }

    [Fact]
    public async Task CinderServices_AdminListsSchedulerAndVolume_MemberRefused()
    {
        var services = (await target.SendAsync(HttpMethod.Get, target.Volume, "/os-services", target.AdminToken)).Expect(HttpStatusCode.OK)["services"]!.AsArray();
        Assert.Contains(services, s => (string)s!["binary"]! == "cinder-scheduler");
        var volume = services.First(s => (string)s!["binary"]! == "cinder-volume")!;
        Assert.Contains("@", (string)volume["host"]!, StringComparison.Ordinal);
        foreach (var key in (string[])["binary", "host", "zone", "status", "state", "updated_at", "disabled_reason"])
        {
            Assert.True(volume.AsObject().ContainsKey(key), key);
        }

        var host = (string)volume["host"]!;
        Assert.All((await target.SendAsync(HttpMethod.Get, target.Volume, "/os-services?host=" + Uri.EscapeDataString(host), target.AdminToken)).Expect(HttpStatusCode.OK)["services"]!.AsArray(), s => Assert.Equal(host, (string)s!["host"]!));
        Assert.Equal(
            "Policy doesn't allow volume_extension:services:index to be performed.",
            Message(await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/os-services", target.DemoToken), HttpStatusCode.Forbidden, "forbidden"));

        var nowhere = new JsonObject { ["host"] = "no-such-host@none", ["binary"] = "cinder-volume" };
        Message(await target.SendAsync(HttpMethod.Put, target.Volume, "/os-services/enable", target.AdminToken, nowhere), HttpStatusCode.NotFound, "itemNotFound");
        Message(await target.SendAsync(HttpMethod.Put, target.Volume, "/os-services/explode", target.AdminToken, nowhere.DeepClone()), HttpStatusCode.BadRequest, "badRequest");
        Message(await target.SendAsync(HttpMethod.Put, target.DemoVolume, "/os-services/enable", target.DemoToken, nowhere.DeepClone()), HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task NeutronAgents_AdminSeesThem_MemberSeesNone()
    {
        var agents = (await target.SendAsync(HttpMethod.Get, target.Network, "/v2.0/agents", target.AdminToken)).Expect(HttpStatusCode.OK)["agents"]!.AsArray();
        foreach (var agent in agents)
        {
            foreach (var key in (string[])["id", "agent_type", "binary", "topic", "host", "admin_state_up", "alive", "configurations", "availability_zone", "heartbeat_timestamp"])
            {
                Assert.True(agent!.AsObject().ContainsKey(key), key);
            }
        }

        if (agents.Count > 0)
        {
            var id = (string)agents[0]!["id"]!;
            Assert.Equal(id, (string)(await target.SendAsync(HttpMethod.Get, target.Network, "/v2.0/agents/" + id, target.AdminToken)).Expect(HttpStatusCode.OK)["agent"]!["id"]!);
            Assert.Equal("HTTPNotFound", (string)(await target.SendAsync(HttpMethod.Get, target.Network, "/v2.0/agents/" + id, target.DemoToken)).Expect(HttpStatusCode.NotFound)["NeutronError"]!["type"]!); // hidden by the policy
        }

        Assert.Empty((await target.SendAsync(HttpMethod.Get, target.Network, "/v2.0/agents", target.DemoToken)).Expect(HttpStatusCode.OK)["agents"]!.AsArray());
        var missing = Guid.NewGuid().ToString();
        Assert.Equal("AgentNotFound", (string)(await target.SendAsync(HttpMethod.Get, target.Network, "/v2.0/agents/" + missing, target.AdminToken)).Expect(HttpStatusCode.NotFound)["NeutronError"]!["type"]!);
        Assert.Equal("AgentNotFound", (string)(await target.SendAsync(HttpMethod.Put, target.Network, "/v2.0/agents/" + missing, target.AdminToken, new JsonObject { ["agent"] = new JsonObject { ["description"] = "x" } })).Expect(HttpStatusCode.NotFound)["NeutronError"]!["type"]!);
    }
}
