using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Tricircle.Emulator.Contract;

namespace Tricircle.Emulator.Regions.Network;

/// <summary>Emulator-only behaviour: provider segments against the configured ranges, Nova's in-process contract, the fake clock.</summary>
public sealed class NeutronStateTests : IAsyncLifetime
{
    // The region's Glance seeds its cirros image for Keystone's admin project, so a region needs one.
    private Identity.KeystoneEmulator _keystone = null!;

    public async Task InitializeAsync() => _keystone = await Identity.KeystoneEmulator.StartAsync(new Identity.KeystoneEmulatorOptions { Port = 0 });

    public async Task DisposeAsync() => await _keystone.DisposeAsync();

    private static readonly Caller Admin = new("t", "u", "admin-project", ["admin"]);
    private static readonly Caller Demo = new("t", "u", "demo-project", ["member"]);

    private NeutronState NewState(FakeTimeProvider? time = null)
    {
        var options = new RegionEmulatorOptions { VlanRange = (100, 102), VxlanRange = (500, 501) };
        if (time is not null)
        {
            options.TimeProvider = time;
        }

        return new NeutronState(new RegionContext(options, _keystone));
    }

    private static OpenStackFault Fault(Action action) => Assert.Throws<OpenStackFault>(action);

    private static JsonObject Body(params (string Key, JsonNode? Value)[] attributes)
    {
        var body = new JsonObject();
        foreach (var (key, value) in attributes)
        {
            body[key] = value;
        }

        return body;
    }

    [Fact]
    public void CreateNetwork_Vlan_ChecksRangePhysnetAndTakenIds()
    {
        var state = NewState();
        var vlan = state.CreateNetwork(Admin, Body(("provider:network_type", "vlan"), ("provider:physical_network", "bridge"), ("provider:segmentation_id", 101)));
        Assert.Equal(101, (int)vlan["provider:segmentation_id"]!);
        Assert.Equal(1500, (int)vlan["mtu"]!);

        // Outside the tenant range is an admin's to name (as ML2); outside 1-4094 is no VLAN.
        Assert.Equal(3999, (int)state.CreateNetwork(Admin, Body(("provider:network_type", "vlan"), ("provider:physical_network", "bridge"), ("provider:segmentation_id", 3999)))["provider:segmentation_id"]!);
        var outOfRange = Fault(() => state.CreateNetwork(Admin, Body(("provider:network_type", "vlan"), ("provider:physical_network", "bridge"), ("provider:segmentation_id", 4095))));
        Assert.Equal((400, "InvalidInput"), (outOfRange.StatusCode, outOfRange.Type));
        Assert.StartsWith("Invalid input for operation: segmentation_id out of range", outOfRange.Message, StringComparison.Ordinal);

        var unknownPhysnet = Fault(() => state.CreateNetwork(Admin, Body(("provider:network_type", "flat"), ("provider:physical_network", "nowhere"))));
        Assert.Equal(400, unknownPhysnet.StatusCode);
        Assert.Contains("physical_network 'nowhere' unknown", unknownPhysnet.Message, StringComparison.Ordinal);

        var taken = Fault(() => state.CreateNetwork(Admin, Body(("provider:network_type", "vlan"), ("provider:physical_network", "bridge"), ("provider:segmentation_id", 101))));
        Assert.Equal((409, "VlanIdInUse"), (taken.StatusCode, taken.Type));

        var automatic = state.CreateNetwork(Admin, Body(("provider:network_type", "vlan")));
        Assert.Equal(100, (int)automatic["provider:segmentation_id"]!);
    }

    [Fact]
    public void CreateNetwork_NonAdmin_GetsVxlanFromRangeAndCannotSetProvider()
    {
        var state = NewState();
        var first = state.CreateNetwork(Demo, Body(("name", "a")));
        Assert.False(first.ContainsKey("provider:network_type")); // admin-only attributes are hidden
        var inspected = state.Inspect("networks")!.Single()!;
        Assert.Equal("vxlan", (string?)inspected["provider:network_type"]);
        Assert.Equal(500, (int)inspected["provider:segmentation_id"]!);
        Assert.Equal(1450, (int)inspected["mtu"]!);

        state.CreateNetwork(Demo, Body(("name", "b")));
        var exhausted = Fault(() => state.CreateNetwork(Demo, Body(("name", "c"))));
        Assert.Equal((409, "NoNetworkAvailable"), (exhausted.StatusCode, exhausted.Type));

        var policy = Fault(() => state.CreateNetwork(Demo, Body(("provider:network_type", "vxlan"))));
        Assert.Equal((403, "PolicyNotAuthorized"), (policy.StatusCode, policy.Type));

        var takenVni = Fault(() => state.CreateNetwork(Admin, Body(("provider:network_type", "vxlan"), ("provider:segmentation_id", 500))));
        Assert.Equal((409, "TunnelIdInUse"), (takenVni.StatusCode, takenVni.Type));
    }

    [Fact]
    public void DeleteDefaultGroup_InUseIsSaidFirst_ElseTheOwnerMayNot_AnAdminMay()
    {
        // The lab's contract test sees only the "in use" answer (servers of other tests sit in the
        // demo project's default group); the other two are checked here.
        var state = NewState();
        var networkId = (string)state.CreateNetwork(Demo, Body(("name", "n")))["id"]!;
        state.CreateSubnet(Demo, Body(("network_id", networkId), ("ip_version", 4), ("cidr", "10.9.0.0/24")));
        var defaultId = (string)state.Inspect("security_groups")!.Single(g => (string?)g!["name"] == "default")!["id"]!;
        var portId = (string)state.CreatePort(Demo, Body(("network_id", networkId)))["id"]!;

        var inUse = Fault(() => state.DeleteGroup(Demo, defaultId));
        Assert.Equal((409, "SecurityGroupInUse"), (inUse.StatusCode, inUse.Type));

        state.DeletePort(Demo, portId);
        var notYours = Fault(() => state.DeleteGroup(Demo, defaultId));
        Assert.Equal((409, "SecurityGroupCannotRemoveDefault"), (notYours.StatusCode, notYours.Type));
        Assert.Contains(state.Inspect("security_groups")!, g => (string?)g!["id"] == defaultId);

        state.DeleteGroup(Admin, defaultId);
        Assert.DoesNotContain(state.Inspect("security_groups")!, g => (string?)g!["id"] == defaultId);
    }

    [Fact]
    public void CreatePortForDevice_AllocatesBindsAndReleases()
    {
        var state = NewState();
        var network = state.CreateNetwork(Demo, Body(("name", "boot-net")));
        var networkId = (string)network["id"]!;
        var noSubnet = Fault(() => state.CreatePortForDevice("demo-project", networkId, "server-1", "compute:nova", "host-1", null, null));
        Assert.Equal(400, noSubnet.StatusCode);

        var subnetId = (string)state.CreateSubnet(Demo, Body(("network_id", networkId), ("ip_version", 4), ("cidr", "192.168.0.0/30")))["id"]!;
        var port = state.CreatePortForDevice("demo-project", networkId, "server-1", "compute:nova", "host-1", ["default"], null);
        Assert.Equal("boot-net", port.NetworkName);
        Assert.Equal("ACTIVE", port.Status);
        Assert.Equal(new FixedIpInfo(subnetId, "192.168.0.2", 4), Assert.Single(port.FixedIps));
        Assert.Equal([port.Id], state.PortsOfDevice("server-1").Select(p => p.Id));

        // A /30 has two hosts: the gateway and the one just taken.
        var full = Fault(() => state.CreatePortForDevice("demo-project", networkId, "server-2", "compute:nova", "host-1", null, null));
        Assert.Equal((409, "IpAddressGenerationFailure"), (full.StatusCode, full.Type));

        var invisible = Fault(() => state.CreatePortForDevice("other-project", networkId, "server-3", "compute:nova", "host-1", null, null));
        Assert.Equal((404, "NetworkNotFound"), (invisible.StatusCode, invisible.Type));

        var inUse = Fault(() => state.BindPort("demo-project", port.Id, "server-9", "compute:nova", "host-1"));
        Assert.Equal(409, inUse.StatusCode);

        state.ReleasePort(port.Id, delete: false);
        Assert.Equal("DOWN", state.FindPort(port.Id)!.Status);
        Assert.Equal("", state.FindPort(port.Id)!.DeviceId);
        var bound = state.BindPort("demo-project", port.Id, "server-9", "compute:nova", "host-2");
        Assert.Equal(("server-9", "ACTIVE"), (bound.DeviceId, bound.Status));
        Assert.Equal("host-2", (string?)state.Inspect("ports")!.Single()!["binding:host_id"]);
        Assert.Equal("ovs", (string?)state.Inspect("ports")!.Single()!["binding:vif_type"]);

        state.ReleasePort(port.Id, delete: true);
        Assert.Null(state.FindPort(port.Id));
        Assert.Empty(state.Inspect("ports")!);
        var unknown = Fault(() => state.BindPort("demo-project", port.Id, "server-9", "compute:nova", "host-2"));
        Assert.Equal((404, "PortNotFound"), (unknown.StatusCode, unknown.Type));
    }

    [Fact]
    public void Quota_RouterLimit_IsEnforcedAndReset()
    {
        var state = NewState();
        state.UpdateQuota(Admin, "demo-project", Body(("router", 1)));
        state.CreateRouter(Demo, Body(("name", "r1")));
        var over = Fault(() => state.CreateRouter(Demo, Body(("name", "r2"))));
        Assert.Equal((409, "OverQuota"), (over.StatusCode, over.Type));
        Assert.Equal("Quota exceeded for resources: ['router'].", over.Message);
        Assert.Equal(1, (int)state.Quota(Demo, "demo-project", details: true, defaults: false)["router"]!["used"]!);
        Assert.Equal(403, Fault(() => state.UpdateQuota(Demo, "demo-project", Body(("router", 5)))).StatusCode);
        state.ResetQuota(Admin, "demo-project");
        state.CreateRouter(Demo, Body(("name", "r2")));
    }

    [Fact]
    public void Timestamps_ComeFromTheRegionClock()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var state = NewState(time);
        var network = state.CreateNetwork(Admin, Body(("name", "clock")));
        Assert.Equal("2026-01-02T03:04:05Z", (string?)network["created_at"]);
        time.Advance(TimeSpan.FromMinutes(1));
        var updated = state.UpdateNetwork(Admin, (string)network["id"]!, Body(("name", "clock2")));
        Assert.Equal("2026-01-02T03:05:05Z", (string?)updated["updated_at"]);
        Assert.Equal("2026-01-02T03:04:05Z", (string?)updated["created_at"]);
    }

    [Fact]
    public void Ipv6Slaac_PortGetsEui64Address()
    {
        var state = NewState();
        var networkId = (string)state.CreateNetwork(Admin, Body(("name", "v6")))["id"]!;
        state.CreateSubnet(Admin, Body(("network_id", networkId), ("ip_version", 6), ("cidr", "2001:db8:1::/64"), ("ipv6_ra_mode", "slaac"), ("ipv6_address_mode", "slaac")));
        var port = state.CreatePort(Admin, Body(("network_id", networkId), ("mac_address", "fa:16:3e:12:34:56")));
        Assert.Equal("2001:db8:1:0:f816:3eff:fe12:3456", (string?)port["fixed_ips"]![0]!["ip_address"]);
    }
}

/// <summary>Emulator-only HTTP checks that need state inspection.</summary>
public sealed class NeutronInspectTests(ContractTarget target) : IClassFixture<ContractTarget>
{
    [Fact]
    public async Task Inspect_SeesDemoResourcesAndGatewayPorts()
    {
        Assert.True(target.IsEmulated);
        var created = (await target.SendAsync(HttpMethod.Post, target.Network, "/v2.0/networks", target.DemoToken, new JsonObject { ["network"] = new JsonObject { ["name"] = "inspect-me" } })).Expect(HttpStatusCode.Created);
        var id = (string)created["network"]!["id"]!;
        Assert.Contains(target.Region!.Inspect("networks"), n => (string?)n!["id"] == id && (string?)n["project_id"] == target.DemoProjectId);
        Assert.Contains(target.Region.Inspect("security_groups"), g => (string?)g!["project_id"] == target.DemoProjectId && (string?)g["name"] == "default");
        (await target.SendAsync(HttpMethod.Delete, target.Network, $"/v2.0/networks/{id}", target.DemoToken)).Expect(HttpStatusCode.NoContent);
        Assert.DoesNotContain(target.Region.Inspect("networks"), n => (string?)n!["id"] == id);
    }
}
