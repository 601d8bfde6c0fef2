using System.Net;
using System.Text.Json;
using Tricircle.Support;
using static Tricircle.Network.SecurityGroupsApiTests;

namespace Tricircle.Network;

/// <summary>Trunks in the central Neutron: Neutron's API and rules, and their copies in the parent port's pod.</summary>
public abstract class TrunksTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Trunk_CreateWithSubports_ShowListUpdateSubportsDelete_AsNeutron()
    {
        var (token, project) = gateway.NewTenant("trunk");
        var network = await NetworkAsync(token, "10.140.1.0/24");
        var (parent, sub1, sub2) = (await PortAsync(token, network), await PortAsync(token, network), await PortAsync(token, network));

        var created = await gateway.NetworkAsync(HttpMethod.Post, "trunks", token, Json(new
        {
            trunk = new { name = "t1", description = "first", port_id = parent, sub_ports = new[] { new { port_id = sub1, segmentation_type = "vlan", segmentation_id = 100 } }, tags = new[] { "red" } },
        }));
        Assert.True(created.Status == HttpStatusCode.Created, created.Text);
        var trunk = created.Json.GetProperty("trunk");
        var id = trunk.GetProperty("id").GetString()!;
        Assert.Equal(
            ["admin_state_up", "created_at", "description", "id", "name", "port_id", "project_id", "revision_number", "status", "sub_ports", "tags", "tenant_id", "updated_at"],
            trunk.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("DOWN", trunk.GetProperty("status").GetString());
        Assert.True(trunk.GetProperty("admin_state_up").GetBoolean());
        Assert.Equal(project, trunk.GetProperty("project_id").GetString());
        var sub = Assert.Single(trunk.GetProperty("sub_ports").EnumerateArray());
        Assert.Equal((sub1, "vlan", 100), (sub.GetProperty("port_id").GetString(), sub.GetProperty("segmentation_type").GetString(), sub.GetProperty("segmentation_id").GetInt32()));

        // trunk-details on the parent, with the subports' MACs.
        var parentView = (await gateway.NetworkAsync(HttpMethod.Get, "ports/" + parent, token)).Json.GetProperty("port");
        var details = parentView.GetProperty("trunk_details");
        Assert.Equal(id, details.GetProperty("trunk_id").GetString());
        var mac1 = (await gateway.NetworkAsync(HttpMethod.Get, "ports/" + sub1, token)).Json.GetProperty("port").GetProperty("mac_address").GetString();
        Assert.Equal(mac1, Assert.Single(details.GetProperty("sub_ports").EnumerateArray()).GetProperty("mac_address").GetString());
        Assert.False((await gateway.NetworkAsync(HttpMethod.Get, "ports/" + sub1, token)).Json.GetProperty("port").TryGetProperty("trunk_details", out _));
        Assert.Contains((await gateway.NetworkAsync(HttpMethod.Get, "ports?id=" + parent, token)).Json.GetProperty("ports")[0].EnumerateObject(), p => p.Name == "trunk_details");

        // Filters, fields, sort and paging as other central resources.
        Assert.Equal(id, Assert.Single((await gateway.NetworkAsync(HttpMethod.Get, $"trunks?port_id={parent}&name=t1&admin_state_up=true&tags=red", token)).Json.GetProperty("trunks").EnumerateArray()).GetProperty("id").GetString());
        Assert.Empty((await gateway.NetworkAsync(HttpMethod.Get, "trunks?name=other", token)).Json.GetProperty("trunks").EnumerateArray());
        var fields = await gateway.NetworkAsync(HttpMethod.Get, $"trunks/{id}?fields=id&fields=sub_ports", token);
        fields.AssertOk();
        Assert.Equal(["id", "sub_ports"], fields.Json.GetProperty("trunk").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, (await gateway.NetworkAsync(HttpMethod.Get, "trunks?colour=red", token)).Status);
        (await gateway.NetworkAsync(HttpMethod.Get, "trunks?sort_key=name&sort_dir=desc&limit=1", token)).AssertOk();

        var updated = await gateway.NetworkAsync(HttpMethod.Put, "trunks/" + id, token, Json(new { trunk = new { name = "t1b", description = "second" } }));
        updated.AssertOk();
        Assert.Equal("t1b", updated.Json.GetProperty("trunk").GetProperty("name").GetString());
        Assert.True(updated.Json.GetProperty("trunk").GetProperty("revision_number").GetInt32() > trunk.GetProperty("revision_number").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, (await gateway.NetworkAsync(HttpMethod.Put, "trunks/" + id, token, Json(new { trunk = new { port_id = sub2 } }))).Status); // allow_put False

        var added = await gateway.NetworkAsync(HttpMethod.Put, $"trunks/{id}/add_subports", token, Json(new { sub_ports = new[] { new { port_id = sub2, segmentation_type = "vlan", segmentation_id = 200 } } }));
        added.AssertOk();
        Assert.Equal(id, added.Json.GetProperty("id").GetString()); // the trunk, unwrapped, as Neutron's member action
        Assert.Equal(2, added.Json.GetProperty("sub_ports").GetArrayLength());
        var listed = await gateway.NetworkAsync(HttpMethod.Get, $"trunks/{id}/get_subports", token);
        listed.AssertOk();
        Assert.Equal(new[] { sub1, sub2 }.Order(StringComparer.Ordinal), listed.Json.GetProperty("sub_ports").EnumerateArray().Select(s => s.GetProperty("port_id").GetString()!).Order(StringComparer.Ordinal));

        var removed = await gateway.NetworkAsync(HttpMethod.Put, $"trunks/{id}/remove_subports", token, Json(new { sub_ports = new[] { new { port_id = sub1 } } }));
        removed.AssertOk();
        Assert.Equal(sub2, Assert.Single(removed.Json.GetProperty("sub_ports").EnumerateArray()).GetProperty("port_id").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "trunks/" + id, token)).Status);
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Get, "trunks/" + id, token), HttpStatusCode.NotFound, "TrunkNotFound", $"Trunk {id} could not be found.");
        Assert.False((await gateway.NetworkAsync(HttpMethod.Get, "ports/" + parent, token)).Json.GetProperty("port").TryGetProperty("trunk_details", out _));
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "ports/" + sub2, token)).Status); // free again
    }

    [Fact]
    public async Task Trunk_RefusesWhatNeutronRefuses()
    {
        var (token, _) = gateway.NewTenant("trunkerr");
        var network = await NetworkAsync(token, "10.140.2.0/24");
        var (parent, sub1, sub2, other) = (await PortAsync(token, network), await PortAsync(token, network), await PortAsync(token, network), await PortAsync(token, network));
        var id = await TrunkAsync(token, parent, (sub1, 10));

        AssertNeutronError(await CreateAsync(token, new { port_id = parent }), HttpStatusCode.Conflict, "ParentPortInUse", parent);
        AssertNeutronError(await CreateAsync(token, new { port_id = sub1 }), HttpStatusCode.Conflict, "TrunkPortInUse", sub1);
        AssertNeutronError(await CreateAsync(token, new { port_id = other, sub_ports = new[] { new { port_id = sub1, segmentation_type = "vlan", segmentation_id = 11 } } }), HttpStatusCode.Conflict, "TrunkPortInUse", sub1);
        AssertNeutronError(await CreateAsync(token, new { port_id = other, sub_ports = new[] { new { port_id = other, segmentation_type = "vlan", segmentation_id = 11 } } }), HttpStatusCode.Conflict, "ParentPortInUse", other);
        AssertNeutronError(await CreateAsync(token, new { port_id = Guid.NewGuid().ToString() }), HttpStatusCode.NotFound, "PortNotFound", "could not be found");
        Assert.Equal(HttpStatusCode.BadRequest, (await CreateAsync(token, new { port_id = "nope" })).Status);
        AssertNeutronError(await CreateAsync(token, new { port_id = other, sub_ports = "x" }), HttpStatusCode.BadRequest, "HTTPBadRequest", "is not a list");
        AssertNeutronError(await CreateAsync(token, new { port_id = other, sub_ports = new[] { new { port_id = sub2, segmentation_type = "vlan" } } }), HttpStatusCode.BadRequest, "HTTPBadRequest", "missing segmentation information");

        AssertNeutronError(await AddAsync(token, id, sub2, 10), HttpStatusCode.Conflict, "DuplicateSubPort", "segmentation_id 10 already in use");
        AssertNeutronError(await AddAsync(token, id, sub2, 4095), HttpStatusCode.BadRequest, "InvalidInput", "Segmentation ID '4095' is not in range");
        AssertNeutronError(await AddAsync(token, id, sub2, 0), HttpStatusCode.BadRequest, "InvalidInput", "is not in range");
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Put, $"trunks/{id}/add_subports", token, Json(new { sub_ports = new[] { new { port_id = sub2, segmentation_type = "gre", segmentation_id = 5 } } })),
            HttpStatusCode.BadRequest, "InvalidInput", "Unknown segmentation_type 'gre'");
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Put, $"trunks/{id}/add_subports", token, Json(new { sub_ports = new[] { new { port_id = sub2, segmentation_type = "inherit" } } })),
            HttpStatusCode.BadRequest, "InvalidInput", "Unknown segmentation_type 'vxlan'"); // inherit takes the network's type: only vlan trunks
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Put, $"trunks/{id}/remove_subports", token, Json(new { sub_ports = new[] { new { port_id = sub2 } } })),
            HttpStatusCode.NotFound, "SubPortNotFound", $"SubPort {sub2} on trunk {id} could not be found.");

        // A subport's MTU may not be above the parent's.
        var big = await gateway.NetworkAsync(HttpMethod.Post, "networks", gateway.AdminToken, Json(new Dictionary<string, object> { ["network"] = new Dictionary<string, object> { ["provider:network_type"] = "vlan", ["shared"] = true } }));
        var bigId = big.Json.GetProperty("network").GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.Created, (await gateway.NetworkAsync(HttpMethod.Post, "subnets", gateway.AdminToken, Json(new { subnet = new { network_id = bigId, ip_version = 4, cidr = "10.140.3.0/24" } }))).Status);
        var bigPort = await PortAsync(token, bigId);
        Assert.True(big.Json.GetProperty("network").GetProperty("mtu").GetInt32() > (await gateway.NetworkAsync(HttpMethod.Get, "networks/" + network, token)).Json.GetProperty("network").GetProperty("mtu").GetInt32());
        AssertNeutronError(await AddAsync(token, id, bigPort, 30), HttpStatusCode.Conflict, "SubPortMtuGreaterThanTrunkPortMtu", bigPort);

        // Ports in a trunk are not deleted.
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Delete, "ports/" + parent, token), HttpStatusCode.Conflict, "PortInUseAsTrunkParent", id);
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Delete, "ports/" + sub1, token), HttpStatusCode.Conflict, "PortInUseAsSubPort", id);

        // A disabled trunk takes no subport change, and is not deleted; its name still changes.
        (await gateway.NetworkAsync(HttpMethod.Put, "trunks/" + id, token, Json(new { trunk = new { admin_state_up = false } }))).AssertOk();
        AssertNeutronError(await AddAsync(token, id, sub2, 20), HttpStatusCode.Conflict, "TrunkDisabled", $"Trunk {id} is currently disabled.");
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Delete, "trunks/" + id, token), HttpStatusCode.Conflict, "TrunkDisabled", id);
        (await gateway.NetworkAsync(HttpMethod.Put, "trunks/" + id, token, Json(new { trunk = new { name = "renamed", admin_state_up = true } }))).AssertOk();
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "trunks/" + id, token)).Status);
    }

    [Fact]
    public async Task Trunk_OfAnotherProject_IsNotSeenNorTouched()
    {
        var (token, _) = gateway.NewTenant("trunkown");
        var (otherToken, _) = gateway.NewTenant("trunkother");
        var network = await NetworkAsync(token, "10.140.4.0/24");
        var (parent, sub) = (await PortAsync(token, network), await PortAsync(token, network));
        var id = await TrunkAsync(token, parent);

        Assert.Empty((await gateway.NetworkAsync(HttpMethod.Get, "trunks", otherToken)).Json.GetProperty("trunks").EnumerateArray());
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Get, "trunks/" + id, otherToken), HttpStatusCode.NotFound, "TrunkNotFound", id);
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Put, "trunks/" + id, otherToken, Json(new { trunk = new { name = "mine" } })), HttpStatusCode.NotFound, "TrunkNotFound", id);
        AssertNeutronError(await AddAsync(otherToken, id, sub, 5), HttpStatusCode.NotFound, "TrunkNotFound", id);
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Get, $"trunks/{id}/get_subports", otherToken), HttpStatusCode.NotFound, "TrunkNotFound", id);
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Delete, "trunks/" + id, otherToken), HttpStatusCode.NotFound, "TrunkNotFound", id);
        AssertNeutronError(await CreateAsync(otherToken, new { port_id = sub }), HttpStatusCode.NotFound, "PortNotFound", sub);
        Assert.Equal("", (await gateway.NetworkAsync(HttpMethod.Get, "trunks/" + id, token)).Json.GetProperty("trunk").GetProperty("name").GetString());
        Assert.Single((await gateway.NetworkAsync(HttpMethod.Get, "trunks?port_id=" + parent, gateway.AdminToken)).Json.GetProperty("trunks").EnumerateArray());
    }

    [Fact]
    public async Task Trunk_BootOnItsParent_LivesInThatPod_ChangesFollow_DeleteWaitsForTheServer()
    {
        var (token, _) = gateway.NewTenant("trunkpod");
        var network = await NetworkAsync(token, "10.140.5.0/24");
        var (parent, sub1, sub2) = (await PortAsync(token, network), await PortAsync(token, network), await PortAsync(token, network));
        var id = await TrunkAsync(token, parent, (sub1, 101));
        var region = gateway.Region("RegionOne");

        var image = await gateway.CirrosAsync("RegionOne");
        var booted = await gateway.ComputeAsync(HttpMethod.Post, "servers", token,
            Json(new { server = new { name = "trunked", flavorRef = "1", imageRef = image, networks = new[] { new { port = parent } }, availability_zone = "az1" } }), "2.37");
        Assert.True(booted.Status == HttpStatusCode.Accepted, booted.Text);
        var server = booted.Json.GetProperty("server").GetProperty("id").GetString()!;

        // The pod has the trunk, named after the central one, on the parent's copy, with the subport's copy (central MAC and address) on VLAN 101.
        var podTrunk = Assert.Single(Pod(region, "trunks"), t => t.GetProperty("name").GetString() == id);
        var podPorts = Pod(region, "ports");
        JsonElement CopyOf(string top) => Assert.Single(podPorts, p => p.GetProperty("name").GetString() == top);
        Assert.Equal(CopyOf(parent).GetProperty("id").GetString(), podTrunk.GetProperty("port_id").GetString());
        var podSub = Assert.Single(podTrunk.GetProperty("sub_ports").EnumerateArray());
        Assert.Equal(CopyOf(sub1).GetProperty("id").GetString(), podSub.GetProperty("port_id").GetString());
        Assert.Equal(101, podSub.GetProperty("segmentation_id").GetInt32());
        var central1 = (await gateway.NetworkAsync(HttpMethod.Get, "ports/" + sub1, token)).Json.GetProperty("port");
        Assert.Equal(central1.GetProperty("mac_address").GetString(), CopyOf(sub1).GetProperty("mac_address").GetString());
        Assert.Equal(central1.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString(), CopyOf(sub1).GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString());
        Assert.Equal("ACTIVE", podTrunk.GetProperty("status").GetString()); // the pod's Nova bound the parent

        // Central shows the copy's status once the parent is bound there.
        await Poll.UntilAsync(async () => await StatusAsync(token, id) == "ACTIVE", TimeSpan.FromSeconds(30), () => "central trunk ACTIVE");

        // Subports added and removed centrally reach the pod's trunk.
        (await AddAsync(token, id, sub2, 102)).AssertOk();
        AssertPodSubports(region, id, [(CopyOf2(region, sub2), 102), (CopyOf(sub1).GetProperty("id").GetString()!, 101)]);
        (await gateway.NetworkAsync(HttpMethod.Put, $"trunks/{id}/remove_subports", token, Json(new { sub_ports = new[] { new { port_id = sub1 } } }))).AssertOk();
        AssertPodSubports(region, id, [(CopyOf2(region, sub2), 102)]);
        (await gateway.NetworkAsync(HttpMethod.Put, "trunks/" + id, token, Json(new { trunk = new { description = "synced" } }))).AssertOk();
        Assert.Equal("synced", Assert.Single(Pod(region, "trunks"), t => t.GetProperty("name").GetString() == id).GetProperty("description").GetString());

        // A subport whose network may not be in this pod is refused now that the parent is placed.
        var elsewhere = await gateway.NetworkAsync(HttpMethod.Post, "networks", token, Json(new { network = new { availability_zone_hints = new[] { "az2" } } }));
        var elsewhereId = elsewhere.Json.GetProperty("network").GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.Created, (await gateway.NetworkAsync(HttpMethod.Post, "subnets", token, Json(new { subnet = new { network_id = elsewhereId, ip_version = 4, cidr = "10.140.6.0/24" } }))).Status);
        var far = await PortAsync(token, elsewhereId);
        AssertNeutronError(await AddAsync(token, id, far, 103), HttpStatusCode.Conflict, "SubPortNetworkNotInPod", elsewhereId);

        // Not deleted while the server has its parent (TrunkInUse); after the server is gone, it is, and its copy goes from the pod.
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Delete, "trunks/" + id, token), HttpStatusCode.Conflict, "TrunkInUse", $"Trunk {id} is currently in use.");
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.ComputeAsync(HttpMethod.Delete, "servers/" + server, token)).Status);
        Assert.Equal("DOWN", await StatusAsync(token, id));
        await Poll.UntilAsync(async () => (await gateway.NetworkAsync(HttpMethod.Delete, "trunks/" + id, token)).Status == HttpStatusCode.NoContent, TimeSpan.FromSeconds(30), () => "trunk deleted");
        await gateway.JobsSettledAsync();
        Assert.DoesNotContain(Pod(region, "trunks"), t => t.GetProperty("name").GetString() == id);
        Assert.Empty(await gateway.FailedJobsAsync() is var failed ? failed.Where(f => f.Contains(id, StringComparison.Ordinal)) : []);
    }

    private static string CopyOf2(Tricircle.Emulator.Regions.RegionEmulator region, string top) =>
        Pod(region, "ports").Single(p => p.GetProperty("name").GetString() == top).GetProperty("id").GetString()!;

    private static void AssertPodSubports(Tricircle.Emulator.Regions.RegionEmulator region, string trunkId, (string Port, int Vlan)[] expected)
    {
        var trunk = Assert.Single(Pod(region, "trunks"), t => t.GetProperty("name").GetString() == trunkId);
        Assert.Equal(
            expected.Select(e => $"{e.Port}/{e.Vlan}").Order(StringComparer.Ordinal),
            trunk.GetProperty("sub_ports").EnumerateArray().Select(s => $"{s.GetProperty("port_id").GetString()}/{s.GetProperty("segmentation_id").GetInt32()}").Order(StringComparer.Ordinal));
    }

    private static List<JsonElement> Pod(Tricircle.Emulator.Regions.RegionEmulator region, string collection) =>
        [.. JsonDocument.Parse(region.Inspect(collection).ToJsonString()).RootElement.EnumerateArray()];

    private async Task<string?> StatusAsync(string token, string id) =>
        (await gateway.NetworkAsync(HttpMethod.Get, "trunks/" + id, token)).Json.GetProperty("trunk").GetProperty("status").GetString();

    private async Task<string> NetworkAsync(string token, string cidr)
    {
        var network = await gateway.NetworkAsync(HttpMethod.Post, "networks", token, """{"network": {}}""");
        Assert.True(network.Status == HttpStatusCode.Created, network.Text);
        var id = network.Json.GetProperty("network").GetProperty("id").GetString()!;
        var subnet = await gateway.NetworkAsync(HttpMethod.Post, "subnets", token, Json(new { subnet = new { network_id = id, ip_version = 4, cidr } }));
        Assert.True(subnet.Status == HttpStatusCode.Created, subnet.Text);
        return id;
    }

    private async Task<string> PortAsync(string token, string network)
    {
        var port = await gateway.NetworkAsync(HttpMethod.Post, "ports", token, Json(new { port = new { network_id = network } }));
        Assert.True(port.Status == HttpStatusCode.Created, port.Text);
        return port.Json.GetProperty("port").GetProperty("id").GetString()!;
    }

    private Task<ApiResponse> CreateAsync(string token, object trunk) => gateway.NetworkAsync(HttpMethod.Post, "trunks", token, Json(new { trunk }));

    private async Task<string> TrunkAsync(string token, string parent, params (string Port, int Vlan)[] subports)
    {
        var created = await CreateAsync(token, new { port_id = parent, sub_ports = subports.Select(s => new { port_id = s.Port, segmentation_type = "vlan", segmentation_id = s.Vlan }) });
        Assert.True(created.Status == HttpStatusCode.Created, created.Text);
        return created.Json.GetProperty("trunk").GetProperty("id").GetString()!;
    }

    private Task<ApiResponse> AddAsync(string token, string trunk, string port, int vlan) =>
        gateway.NetworkAsync(HttpMethod.Put, $"trunks/{trunk}/add_subports", token, Json(new { sub_ports = new[] { new { port_id = port, segmentation_type = "vlan", segmentation_id = vlan } } }));

    private static string Json(object value) => JsonSerializer.Serialize(value);
}

public sealed class TrunksSqliteTests(SqliteGatewayFixture gateway) : TrunksTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class TrunksPostgresTests(PostgresGatewayFixture gateway) : TrunksTests(gateway), IClassFixture<PostgresGatewayFixture>;
