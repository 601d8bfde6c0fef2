using System.Net;
using System.Text.Json;
using Dapper;
using Tricircle.Support;

namespace Tricircle.Network;

/// <summary>The central Neutron's networks, subnets and ports with central allocation, on both databases.</summary>
public abstract class CentralNeutronTests(GatewayFixture gateway)
{
    private static string Error(ApiResponse response, HttpStatusCode status, string type)
    {
        Assert.True(response.Status == status, $"expected {(int)status}, got {(int)response.Status}: {response.Text}");
        var error = response.Json.GetProperty("NeutronError");
        Assert.Equal(type, error.GetProperty("type").GetString());
        return error.GetProperty("message").GetString()!;
    }

    private async Task<JsonElement> CreateAsync(string collection, string wrapper, object body, string? token = null)
    {
        var response = await gateway.NetworkAsync(HttpMethod.Post, collection, token ?? gateway.DemoToken, JsonSerializer.Serialize(new Dictionary<string, object> { [wrapper] = body }));
        Assert.True(response.Status == HttpStatusCode.Created, $"{(int)response.Status}: {response.Text}");
        return response.Json.GetProperty(wrapper);
    }

    private async Task<(string Network, string Subnet)> NetworkWithSubnetAsync(string cidr, string? token = null)
    {
        var network = await CreateAsync("networks", "network", new { name = "n-" + Guid.NewGuid().ToString("N")[..6] }, token);
        var subnet = await CreateAsync("subnets", "subnet", new { network_id = network.GetProperty("id").GetString(), cidr, ip_version = cidr.Contains(':', StringComparison.Ordinal) ? 6 : 4 }, token);
        return (network.GetProperty("id").GetString()!, subnet.GetProperty("id").GetString()!);
    }

    private Task<ApiResponse> PostAsync(string collection, string json, string? token = null) => gateway.NetworkAsync(HttpMethod.Post, collection, token ?? gateway.DemoToken, json);

    [Fact]
    public async Task Network_CreateShowListUpdateDelete()
    {
        var network = await CreateAsync("networks", "network", new { name = "net-crud", description = "d", tags = new[] { "b", "a" } });
        var id = network.GetProperty("id").GetString()!;
        Assert.Equal("ACTIVE", network.GetProperty("status").GetString());
        Assert.Equal(gateway.DemoProjectId, network.GetProperty("project_id").GetString());
        Assert.Equal(1450, network.GetProperty("mtu").GetInt32()); // vxlan, the first tenant type
        Assert.False(network.TryGetProperty("provider:network_type", out _)); // an admin's attribute
        Assert.Equal(["a", "b"], network.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));

        var admin = await gateway.NetworkAsync(HttpMethod.Get, $"networks/{id}", gateway.AdminToken);
        admin.AssertOk();
        Assert.Equal("vxlan", admin.Json.GetProperty("network").GetProperty("provider:network_type").GetString());
        var vni = admin.Json.GetProperty("network").GetProperty("provider:segmentation_id").GetInt32();
        Assert.InRange(vni, 1001, 2000);

        var listed = await gateway.NetworkAsync(HttpMethod.Get, "networks?name=net-crud&fields=id&fields=name", gateway.DemoToken);
        listed.AssertOk();
        var only = Assert.Single(listed.Json.GetProperty("networks").EnumerateArray());
        Assert.Equal(["id", "name"], only.EnumerateObject().Select(p => p.Name).Order());

        var updated = await gateway.NetworkAsync(HttpMethod.Put, $"networks/{id}", gateway.DemoToken, """{"network": {"name": "net-crud2", "admin_state_up": false}}""");
        updated.AssertOk();
        Assert.Equal("net-crud2", updated.Json.GetProperty("network").GetProperty("name").GetString());
        Assert.Equal(2, updated.Json.GetProperty("network").GetProperty("revision_number").GetInt32());

        var tagged = await gateway.NetworkAsync(HttpMethod.Put, $"networks/{id}/tags", gateway.DemoToken, """{"tags": ["x"]}""");
        tagged.AssertOk();

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, $"networks/{id}", gateway.DemoToken)).Status);
        Error(await gateway.NetworkAsync(HttpMethod.Get, $"networks/{id}", gateway.DemoToken), HttpStatusCode.NotFound, "NetworkNotFound");
    }

    [Fact]
    public async Task Network_OfAnotherTenant_IsNotFound()
    {
        var (network, subnet) = await NetworkWithSubnetAsync("10.77.0.0/24");
        Error(await gateway.NetworkAsync(HttpMethod.Get, $"networks/{network}", gateway.OtherToken), HttpStatusCode.NotFound, "NetworkNotFound");
        Error(await gateway.NetworkAsync(HttpMethod.Get, $"subnets/{subnet}", gateway.OtherToken), HttpStatusCode.NotFound, "SubnetNotFound");
        Error(await gateway.NetworkAsync(HttpMethod.Delete, $"networks/{network}", gateway.OtherToken), HttpStatusCode.NotFound, "NetworkNotFound");
        var list = await gateway.NetworkAsync(HttpMethod.Get, "networks", gateway.OtherToken);
        Assert.DoesNotContain(list.Json.GetProperty("networks").EnumerateArray(), n => n.GetProperty("id").GetString() == network);
    }

    [Fact]
    public async Task Provider_IsAdminOnly_AndSegmentsAreChecked()
    {
        Error(await PostAsync("networks", """{"network": {"provider:network_type": "vlan"}}"""), HttpStatusCode.Forbidden, "PolicyNotAuthorized");
        var vlan = await CreateAsync("networks", "network", new Dictionary<string, object> { ["provider:network_type"] = "vlan", ["provider:physical_network"] = "bridge", ["provider:segmentation_id"] = 2077 }, gateway.AdminToken);
        Assert.Equal(2077, vlan.GetProperty("provider:segmentation_id").GetInt32());
        Error(
            await PostAsync("networks", """{"network": {"provider:network_type": "vlan", "provider:physical_network": "bridge", "provider:segmentation_id": 2077}}""", gateway.AdminToken),
            HttpStatusCode.Conflict,
            "VlanIdInUse");

        // As ML2: the ranges are what tenants are given; an admin may name any valid VLAN of a known physical network, or any VNI.
        var outside = await CreateAsync("networks", "network", new Dictionary<string, object> { ["provider:network_type"] = "vlan", ["provider:physical_network"] = "bridge", ["provider:segmentation_id"] = 100 }, gateway.AdminToken);
        Assert.Equal(100, outside.GetProperty("provider:segmentation_id").GetInt32());
        Error(await PostAsync("networks", """{"network": {"provider:network_type": "vlan", "provider:physical_network": "bridge", "provider:segmentation_id": 100}}""", gateway.AdminToken), HttpStatusCode.Conflict, "VlanIdInUse");
        Error(await PostAsync("networks", """{"network": {"provider:network_type": "vlan", "provider:physical_network": "bridge", "provider:segmentation_id": 4095}}""", gateway.AdminToken), HttpStatusCode.BadRequest, "InvalidInput");
        var vni = await CreateAsync("networks", "network", new Dictionary<string, object> { ["provider:network_type"] = "vxlan", ["provider:segmentation_id"] = 70001 }, gateway.AdminToken);
        Assert.Equal(70001, vni.GetProperty("provider:segmentation_id").GetInt32());
        Error(await PostAsync("networks", """{"network": {"provider:network_type": "vxlan", "provider:segmentation_id": 16777216}}""", gateway.AdminToken), HttpStatusCode.BadRequest, "InvalidInput");
        Error(await PostAsync("networks", """{"network": {"provider:network_type": "vlan", "provider:physical_network": "nowhere"}}""", gateway.AdminToken), HttpStatusCode.BadRequest, "InvalidInput");
        var any = await CreateAsync("networks", "network", new Dictionary<string, object> { ["provider:network_type"] = "vlan" }, gateway.AdminToken);
        Assert.InRange(any.GetProperty("provider:segmentation_id").GetInt32(), 2001, 4000);
    }

    [Fact]
    public async Task AvailabilityZoneHints_MustBeKnown()
    {
        var ok = await CreateAsync("networks", "network", new { availability_zone_hints = new[] { "az1", "RegionTwo" } });
        Assert.Equal(["az1", "RegionTwo"], ok.GetProperty("availability_zone_hints").EnumerateArray().Select(h => h.GetString()));
        Assert.Empty(ok.GetProperty("availability_zones").EnumerateArray());
        var message = Error(await PostAsync("networks", """{"network": {"availability_zone_hints": ["az9"]}}"""), HttpStatusCode.BadRequest, "InvalidInput");
        Assert.Contains("az9", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subnet_DefaultsAndValidation()
    {
        var network = (await CreateAsync("networks", "network", new { name = "subnets" })).GetProperty("id").GetString()!;
        var subnet = await CreateAsync("subnets", "subnet", new { network_id = network, cidr = "10.10.0.0/24", ip_version = 4, dns_nameservers = new[] { "8.8.8.8" } });
        Assert.Equal("10.10.0.1", subnet.GetProperty("gateway_ip").GetString());
        var pool = Assert.Single(subnet.GetProperty("allocation_pools").EnumerateArray());
        Assert.Equal("10.10.0.2", pool.GetProperty("start").GetString());
        Assert.Equal("10.10.0.254", pool.GetProperty("end").GetString());

        Error(await PostAsync("subnets", $$$"""{"subnet": {"network_id": "{{{network}}}", "cidr": "10.300.0.0/24", "ip_version": 4}}"""), HttpStatusCode.BadRequest, "InvalidInput");
        Error(await PostAsync("subnets", $$$"""{"subnet": {"network_id": "{{{network}}}", "cidr": "10.11.0.5/24", "ip_version": 4}}"""), HttpStatusCode.BadRequest, "InvalidInput");
        Error(await PostAsync("subnets", $$$"""{"subnet": {"network_id": "{{{network}}}", "cidr": "10.10.0.128/25", "ip_version": 4}}"""), HttpStatusCode.BadRequest, "InvalidInput");
        Error(
            await PostAsync("subnets", $$$"""{"subnet": {"network_id": "{{{network}}}", "cidr": "10.12.0.0/24", "ip_version": 4, "allocation_pools": [{"start": "10.12.0.10", "end": "10.12.0.20"}, {"start": "10.12.0.15", "end": "10.12.0.30"}]}}"""),
            HttpStatusCode.BadRequest,
            "OverlappingAllocationPools");
        Error(
            await PostAsync("subnets", $$$"""{"subnet": {"network_id": "{{{network}}}", "cidr": "10.12.0.0/24", "ip_version": 4, "allocation_pools": [{"start": "10.12.0.10", "end": "10.13.0.20"}]}}"""),
            HttpStatusCode.BadRequest,
            "OutOfBoundsAllocationPool");
        Error(
            await PostAsync("subnets", $$$"""{"subnet": {"network_id": "{{{network}}}", "cidr": "10.12.0.0/24", "ip_version": 4, "gateway_ip": "10.12.0.15", "allocation_pools": [{"start": "10.12.0.10", "end": "10.12.0.20"}]}}"""),
            HttpStatusCode.Conflict,
            "GatewayConflictWithAllocationPools");

        var v6 = await CreateAsync("subnets", "subnet", new { network_id = network, cidr = "fd00:1::/64", ip_version = 6, gateway_ip = (string?)null });
        Assert.Equal(JsonValueKind.Null, v6.GetProperty("gateway_ip").ValueKind);
        Assert.Equal("fd00:1::1", v6.GetProperty("allocation_pools")[0].GetProperty("start").GetString());

        var updated = await gateway.NetworkAsync(HttpMethod.Put, $"subnets/{subnet.GetProperty("id").GetString()}", gateway.DemoToken, """{"subnet": {"name": "renamed", "allocation_pools": [{"start": "10.10.0.100", "end": "10.10.0.110"}]}}""");
        updated.AssertOk();
        Assert.Equal("10.10.0.100", updated.Json.GetProperty("subnet").GetProperty("allocation_pools")[0].GetProperty("start").GetString());
    }

    [Fact]
    public async Task ASubnetsCreateAndDelete_AreRevisionsOfItsNetwork()
    {
        var network = await CreateAsync("networks", "network", new { name = "rev-" + Guid.NewGuid().ToString("N")[..6] });
        var id = network.GetProperty("id").GetString()!;
        async Task<int> Revision() => (await gateway.NetworkAsync(HttpMethod.Get, $"networks/{id}", gateway.DemoToken)).Json.GetProperty("network").GetProperty("revision_number").GetInt32();
        var before = await Revision();
        var subnet = await CreateAsync("subnets", "subnet", new { network_id = id, cidr = "10.97.3.0/24", ip_version = 4 });
        var withSubnet = await Revision();
        Assert.True(withSubnet > before, $"{withSubnet} after {before}");
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "subnets/" + subnet.GetProperty("id").GetString(), gateway.DemoToken)).Status);
        Assert.True(await Revision() > withSubnet);
    }

    [Fact]
    public async Task SecurityGroupTags_SetShownFilteredAndCounted()
    {
        var group = await CreateAsync("security-groups", "security_group", new { name = "tagged-" + Guid.NewGuid().ToString("N")[..6] });
        var id = group.GetProperty("id").GetString()!;
        var revision = group.GetProperty("revision_number").GetInt32();
        (await gateway.NetworkAsync(HttpMethod.Put, $"security-groups/{id}/tags", gateway.DemoToken, """{"tags": ["red", "blue"]}""")).AssertOk();
        Assert.Equal(HttpStatusCode.Created, (await gateway.NetworkAsync(HttpMethod.Put, $"security-groups/{id}/tags/green", gateway.DemoToken)).Status);
        var shown = (await gateway.NetworkAsync(HttpMethod.Get, $"security-groups/{id}", gateway.DemoToken)).Json.GetProperty("security_group");
        Assert.Equal(["blue", "green", "red"], shown.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.True(shown.GetProperty("revision_number").GetInt32() > revision);
        Assert.Equal([id], (await gateway.NetworkAsync(HttpMethod.Get, "security-groups?tags=red,green", gateway.DemoToken)).Json.GetProperty("security_groups").EnumerateArray().Select(g => g.GetProperty("id").GetString()));
        Assert.DoesNotContain(id, (await gateway.NetworkAsync(HttpMethod.Get, "security-groups?not-tags=red", gateway.DemoToken)).Json.GetProperty("security_groups").EnumerateArray().Select(g => g.GetProperty("id").GetString()));

        // Another project's group is not found for its tags either.
        var (intruder, _) = gateway.NewTenant("sgtags");
        Error(await gateway.NetworkAsync(HttpMethod.Put, $"security-groups/{id}/tags/x", intruder), HttpStatusCode.NotFound, "SecurityGroupNotFound");
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, $"security-groups/{id}", gateway.DemoToken)).Status);
    }

    [Fact]
    public async Task ProjectIdAndTenantId_ThatDiffer_Are400()
    {
        var body = JsonSerializer.Serialize(new { network = new { name = "mismatch", project_id = gateway.DemoProjectId, tenant_id = Guid.NewGuid().ToString("N") } });
        Assert.Equal("'project_id' and 'tenant_id' do not match", Error(await PostAsync("networks", body, gateway.AdminToken), HttpStatusCode.BadRequest, "HTTPBadRequest"));
        var same = JsonSerializer.Serialize(new { network = new { name = "match", project_id = gateway.DemoProjectId, tenant_id = gateway.DemoProjectId } });
        var made = await PostAsync("networks", same, gateway.AdminToken);
        Assert.Equal(HttpStatusCode.Created, made.Status);
        Assert.Equal(gateway.DemoProjectId, made.Json.GetProperty("network").GetProperty("project_id").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "networks/" + made.Json.GetProperty("network").GetProperty("id").GetString(), gateway.AdminToken)).Status);
    }

    [Fact]
    public async Task Subnets_FilterBySharedFollowsTheirNetwork()
    {
        var (_, own) = await NetworkWithSubnetAsync("10.97.1.0/24");
        var shared = await CreateAsync("networks", "network", new { name = "shared-" + Guid.NewGuid().ToString("N")[..6], shared = true }, gateway.AdminToken);
        var onShared = (await CreateAsync("subnets", "subnet", new { network_id = shared.GetProperty("id").GetString(), cidr = "10.97.2.0/24", ip_version = 4 }, gateway.AdminToken)).GetProperty("id").GetString()!;
        async Task<List<string>> Ids(string token, string shared) =>
            [.. (await gateway.NetworkAsync(HttpMethod.Get, "subnets?shared=" + shared, token)).Json.GetProperty("subnets").EnumerateArray().Select(s => s.GetProperty("id").GetString()!)];

        foreach (var token in new[] { gateway.DemoToken, gateway.AdminToken })
        {
            Assert.Contains(onShared, await Ids(token, "True"));
            Assert.DoesNotContain(own, await Ids(token, "True"));
            Assert.Contains(own, await Ids(token, "False"));
            Assert.DoesNotContain(onShared, await Ids(token, "False"));
        }
    }

    [Fact]
    public async Task Port_FixedIpsMacAndErrors()
    {
        var (network, subnet) = await NetworkWithSubnetAsync("10.20.0.0/29");
        var first = await CreateAsync("ports", "port", new { network_id = network });
        Assert.Equal("10.20.0.2", first.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString());
        Assert.StartsWith("fa:16:3e:", first.GetProperty("mac_address").GetString(), StringComparison.Ordinal);
        Assert.Equal("DOWN", first.GetProperty("status").GetString());

        var chosen = await CreateAsync("ports", "port", new { network_id = network, fixed_ips = new[] { new { ip_address = "10.20.0.5" } } });
        Assert.Equal(subnet, chosen.GetProperty("fixed_ips")[0].GetProperty("subnet_id").GetString());

        Error(await PostAsync("ports", $$$"""{"port": {"network_id": "{{{network}}}", "fixed_ips": [{"ip_address": "10.20.0.5"}]}}"""), HttpStatusCode.Conflict, "IpAddressAlreadyAllocated");
        Error(await PostAsync("ports", $$$"""{"port": {"network_id": "{{{network}}}", "fixed_ips": [{"subnet_id": "{{{subnet}}}", "ip_address": "10.99.0.5"}]}}"""), HttpStatusCode.BadRequest, "InvalidIpForSubnet");
        Error(await PostAsync("ports", $$$"""{"port": {"network_id": "{{{network}}}", "fixed_ips": [{"ip_address": "10.99.0.5"}]}}"""), HttpStatusCode.BadRequest, "InvalidIpForNetwork");
        Error(await PostAsync("ports", $$$"""{"port": {"network_id": "{{{network}}}", "binding:host_id": "h"}}"""), HttpStatusCode.Forbidden, "PolicyNotAuthorized");

        var mac = await CreateAsync("ports", "port", new { network_id = network, mac_address = "fa:16:3e:aa:bb:cc" }, gateway.AdminToken);
        Assert.Equal("fa:16:3e:aa:bb:cc", mac.GetProperty("mac_address").GetString());
        Error(await PostAsync("ports", $$$"""{"port": {"network_id": "{{{network}}}", "mac_address": "fa:16:3e:aa:bb:cc"}}""", gateway.AdminToken), HttpStatusCode.Conflict, "MacAddressInUse");

        // /29: .2 to .6 usable; .2, .5 and the admin's took three, one more fits.
        await CreateAsync("ports", "port", new { network_id = network });
        await CreateAsync("ports", "port", new { network_id = network });
        Error(await PostAsync("ports", $$$"""{"port": {"network_id": "{{{network}}}"}}"""), HttpStatusCode.Conflict, "IpAddressGenerationFailure");

        var moved = await gateway.NetworkAsync(HttpMethod.Put, $"ports/{first.GetProperty("id").GetString()}", gateway.DemoToken, """{"port": {"name": "p", "fixed_ips": []}}""");
        moved.AssertOk();
        Assert.Empty(moved.Json.GetProperty("port").GetProperty("fixed_ips").EnumerateArray());
        var again = await CreateAsync("ports", "port", new { network_id = network, fixed_ips = new[] { new { ip_address = "10.20.0.2" } } });
        Assert.Equal("10.20.0.2", again.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString());

        Error(await gateway.NetworkAsync(HttpMethod.Delete, $"networks/{network}", gateway.DemoToken), HttpStatusCode.Conflict, "NetworkInUse");
        Error(await gateway.NetworkAsync(HttpMethod.Delete, $"subnets/{subnet}", gateway.DemoToken), HttpStatusCode.Conflict, "SubnetInUse");
        var ports = await gateway.NetworkAsync(HttpMethod.Get, $"ports?network_id={network}&fixed_ips=ip_address=10.20.0.5", gateway.DemoToken);
        ports.AssertOk();
        Assert.Single(ports.Json.GetProperty("ports").EnumerateArray());
    }

    [Fact]
    public async Task Port_MacUpdatedByTheAdmin_IsKept_UnlessInUseOrBound()
    {
        // neutron-tempest-plugin's test_update_mac_address: the answer showed the new MAC, the
        // next read the old one (the update did not write it).
        var (network, _) = await NetworkWithSubnetAsync("10.21.0.0/28");
        var port = (await CreateAsync("ports", "port", new { network_id = network })).GetProperty("id").GetString();
        var other = await CreateAsync("ports", "port", new { network_id = network });
        Task<ApiResponse> Put(string json) => gateway.NetworkAsync(HttpMethod.Put, $"ports/{port}", gateway.AdminToken, json);

        (await Put("""{"port": {"mac_address": "12:34:56:78:BE:6D"}}""")).AssertOk();
        var described = await Put("""{"port": {"description": "d"}}""");
        described.AssertOk();
        Assert.Equal("12:34:56:78:be:6d", described.Json.GetProperty("port").GetProperty("mac_address").GetString());
        var shown = await gateway.NetworkAsync(HttpMethod.Get, $"ports/{port}", gateway.DemoToken);
        Assert.Equal("12:34:56:78:be:6d", shown.Json.GetProperty("port").GetProperty("mac_address").GetString());

        var taken = other.GetProperty("mac_address").GetString()!;
        Assert.Contains(taken, Error(await Put($$$"""{"port": {"mac_address": "{{{taken}}}"}}"""), HttpStatusCode.Conflict, "MacAddressInUse"), StringComparison.Ordinal);
        (await Put("""{"port": {"binding:host_id": "compute-1"}}""")).AssertOk();
        Assert.Contains("port is already bound", Error(await Put("""{"port": {"mac_address": "12:34:56:78:be:6e"}}"""), HttpStatusCode.Conflict, "PortBound"), StringComparison.Ordinal);
        Assert.Equal("12:34:56:78:be:6d", (await gateway.NetworkAsync(HttpMethod.Get, $"ports/{port}", gateway.AdminToken)).Json.GetProperty("port").GetProperty("mac_address").GetString());
    }

    [Fact]
    public async Task Ports_CreatedConcurrently_GetDistinctAddresses()
    {
        var (network, _) = await NetworkWithSubnetAsync("10.30.0.0/24");
        var creates = Enumerable.Range(0, 50).Select(_ => PostAsync("ports", $$$"""{"port": {"network_id": "{{{network}}}"}}"""));
        var responses = await Task.WhenAll(creates);
        Assert.All(responses, r => Assert.True(r.Status == HttpStatusCode.Created, r.Text));
        var ips = responses.Select(r => r.Json.GetProperty("port").GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString()).ToList();
        Assert.Equal(50, ips.Distinct().Count());
        Assert.Equal(50, responses.Select(r => r.Json.GetProperty("port").GetProperty("mac_address").GetString()).Distinct().Count());
    }

    private static string Ip(JsonElement port) => port.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString()!;

    [Fact]
    public async Task Ports_AutomaticAddresses_FollowTheLastGiven_AndAReleasedOneIsGivenAgain()
    {
        var (network, _) = await NetworkWithSubnetAsync("10.31.0.0/28");
        var ports = new List<JsonElement>();
        for (var i = 0; i < 3; i++)
        {
            ports.Add(await CreateAsync("ports", "port", new { network_id = network }));
        }

        Assert.Equal(["10.31.0.2", "10.31.0.3", "10.31.0.4"], ports.Select(Ip));

        // A deleted port's address, and one a port update lets go, are the next ones given (lowest first).
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, $"ports/{ports[1].GetProperty("id").GetString()}", gateway.DemoToken)).Status);
        (await gateway.NetworkAsync(HttpMethod.Put, $"ports/{ports[0].GetProperty("id").GetString()}", gateway.DemoToken, """{"port": {"fixed_ips": []}}""")).AssertOk();
        Assert.Equal("10.31.0.2", Ip(await CreateAsync("ports", "port", new { network_id = network })));
        Assert.Equal("10.31.0.3", Ip(await CreateAsync("ports", "port", new { network_id = network })));
        Assert.Equal("10.31.0.5", Ip(await CreateAsync("ports", "port", new { network_id = network })));
    }

    [Fact]
    public async Task Ports_AddressesTakenOrReleasedByAnotherInstance_AreSkippedOrFoundAgain()
    {
        // /29: .2 to .6 usable.
        var (network, subnet) = await NetworkWithSubnetAsync("10.32.0.0/29");
        var first = await CreateAsync("ports", "port", new { network_id = network });
        Assert.Equal("10.32.0.2", Ip(first));
        var firstId = first.GetProperty("id").GetString();

        // Another instance takes .3 and .4 (rows this instance did not write): they are skipped, not given twice.
        await using (var database = gateway.Database.Open())
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        {
            await connection.ExecuteAsync(
                "INSERT INTO ip_allocations (network_id, ip_address, subnet_id, port_id) VALUES (@network, '10.32.0.3', @subnet, @port), (@network, '10.32.0.4', @subnet, @port)",
                new { network, subnet, port = firstId });
        }

        Assert.Equal("10.32.0.5", Ip(await CreateAsync("ports", "port", new { network_id = network })));
        Assert.Equal("10.32.0.6", Ip(await CreateAsync("ports", "port", new { network_id = network })));
        Error(await PostAsync("ports", $$$"""{"port": {"network_id": "{{{network}}}"}}"""), HttpStatusCode.Conflict, "IpAddressGenerationFailure");

        // It releases .3 (unseen here): past the pools' end the search starts over and finds it.
        await using (var database = gateway.Database.Open())
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        {
            await connection.ExecuteAsync("DELETE FROM ip_allocations WHERE network_id = @network AND ip_address = '10.32.0.3'", new { network });
        }

        Assert.Equal("10.32.0.3", Ip(await CreateAsync("ports", "port", new { network_id = network })));
        Error(await PostAsync("ports", $$$"""{"port": {"network_id": "{{{network}}}"}}"""), HttpStatusCode.Conflict, "IpAddressGenerationFailure");
    }

    [Fact]
    public async Task Ports_AfterTheSubnetsPoolsChange_ComeFromTheNewPools()
    {
        var (network, subnet) = await NetworkWithSubnetAsync("10.33.0.0/24");
        Assert.Equal("10.33.0.2", Ip(await CreateAsync("ports", "port", new { network_id = network })));
        (await gateway.NetworkAsync(HttpMethod.Put, $"subnets/{subnet}", gateway.DemoToken, """{"subnet": {"allocation_pools": [{"start": "10.33.0.100", "end": "10.33.0.110"}]}}""")).AssertOk();
        Assert.Equal("10.33.0.100", Ip(await CreateAsync("ports", "port", new { network_id = network })));
        (await gateway.NetworkAsync(HttpMethod.Put, $"subnets/{subnet}", gateway.DemoToken, """{"subnet": {"allocation_pools": [{"start": "10.33.0.50", "end": "10.33.0.60"}]}}""")).AssertOk();
        Assert.Equal("10.33.0.50", Ip(await CreateAsync("ports", "port", new { network_id = network })));
    }

    [Fact]
    public async Task Ports_Paging_WithLinks()
    {
        var (network, _) = await NetworkWithSubnetAsync("10.40.0.0/24");
        for (var i = 0; i < 5; i++)
        {
            await CreateAsync("ports", "port", new { network_id = network, name = $"page-{i}" });
        }

        var page = await gateway.NetworkAsync(HttpMethod.Get, $"ports?network_id={network}&limit=2&sort_key=name&sort_dir=desc", gateway.DemoToken);
        page.AssertOk();
        Assert.Equal(["page-4", "page-3"], page.Json.GetProperty("ports").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        var next = page.Json.GetProperty("ports_links").EnumerateArray().Single(l => l.GetProperty("rel").GetString() == "next").GetProperty("href").GetString()!;
        var second = await gateway.SendAsync(new Uri(next), HttpMethod.Get, gateway.DemoToken);
        second.AssertOk();
        Assert.Equal(["page-2", "page-1"], second.Json.GetProperty("ports").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Error(await gateway.NetworkAsync(HttpMethod.Get, "ports?sort_key=colour&sort_dir=asc", gateway.DemoToken), HttpStatusCode.BadRequest, "HTTPBadRequest");
    }
}

public sealed class SqliteCentralNeutronTests(SqliteGatewayFixture gateway) : CentralNeutronTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class PostgresCentralNeutronTests(PostgresGatewayFixture gateway) : CentralNeutronTests(gateway), IClassFixture<PostgresGatewayFixture>;
