using System.Net;
using System.Text.Json;
using Tricircle.Support;
using static Tricircle.Support.NetworkSteps;

namespace Tricircle.Network;

/// <summary>
/// Neutron's bulk create (<c>{"networks": [...]}</c>, subnets, ports, security groups and rules):
/// 201 with every resource made, or, when one item fails, that item's error and nothing made,
/// centrally or in a pod, and no job left behind.
/// </summary>
public abstract class NeutronBulkTests(JobsGatewayFixture gateway)
{
    private readonly NetworkSteps _steps = new(gateway);

    [Fact]
    public async Task BulkNetworksSubnetsAndPorts_AreAllMade_InOrder()
    {
        var (token, _) = gateway.NewTenant("bulk");
        var name = Unique("bulk");

        var networks = await BulkAsync(token, "networks", new object[] { new { name = name + "-a" }, new { network = new { name = name + "-b" } } });
        Assert.Equal([name + "-a", name + "-b"], networks.Select(n => n.GetProperty("name").GetString()));
        var (a, b) = (Id(networks[0]), Id(networks[1]));
        var subnets = await BulkAsync(token, "subnets", new object[] { new { network_id = a, cidr = "10.81.0.0/24", ip_version = 4 }, new { network_id = b, cidr = "10.82.0.0/24", ip_version = 4 } });
        Assert.Equal(["10.81.0.0/24", "10.82.0.0/24"], subnets.Select(s => s.GetProperty("cidr").GetString()));
        var ports = await BulkAsync(token, "ports", new object[] { new { network_id = a }, new { network_id = b, name = "second" } });
        Assert.Equal([a, b], ports.Select(p => p.GetProperty("network_id").GetString()));
        Assert.Equal("10.82.0.2", ports[1].GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString());

        foreach (var network in new[] { a, b })
        {
            Assert.Single(Ok(await gateway.NetworkAsync(HttpMethod.Get, "ports?network_id=" + network, token)).GetProperty("ports").EnumerateArray());
        }
    }

    [Fact]
    public async Task BulkWithAFailingItem_AnswersItsError_AndMakesNothing()
    {
        var (token, _) = gateway.NewTenant("bulk");
        var network = Id(Ok(await gateway.NetworkAsync(HttpMethod.Post, "networks", token, Json(new { network = new { name = Unique("bulk") } }))).GetProperty("network"));
        var subnet = Id(Ok(await gateway.NetworkAsync(HttpMethod.Post, "subnets", token, Json(new { subnet = new { network_id = network, cidr = "10.83.0.0/24", ip_version = 4 } }))).GetProperty("subnet"));

        // The second port asks for the address the first one takes: the first goes again.
        (await PostAsync(token, "ports", new object[]
        {
            new { network_id = network, fixed_ips = new[] { new { subnet_id = subnet, ip_address = "10.83.0.7" } } },
            new { network_id = network, fixed_ips = new[] { new { subnet_id = subnet, ip_address = "10.83.0.7" } } },
        })).AssertNeutronError(HttpStatusCode.Conflict, "IpAddressAlreadyAllocated");
        Assert.Empty(Ok(await gateway.NetworkAsync(HttpMethod.Get, "ports?network_id=" + network, token)).GetProperty("ports").EnumerateArray());

        // A refused body anywhere in the list: nothing is made at all.
        var name = Unique("bulk");
        (await PostAsync(token, "networks", new object[] { new { name }, new { name, mtu = "big" } })).AssertNeutronError(HttpStatusCode.BadRequest, "InvalidInput");
        (await PostAsync(token, "subnets", new object[] { new { network_id = network, cidr = "10.84.0.0/24", ip_version = 4 }, new { network_id = network, cidr = "10.84.0.0/25", ip_version = 4 } }))
            .AssertNeutronError(HttpStatusCode.BadRequest, "InvalidInput");
        (await PostAsync(token, "security-groups", new object[] { new { name }, new { name = "default" } })).AssertNeutronError(HttpStatusCode.Conflict, "SecurityGroupDefaultAlreadyExists");
        Assert.Empty(Ok(await gateway.NetworkAsync(HttpMethod.Get, "networks?name=" + name, token)).GetProperty("networks").EnumerateArray());
        Assert.Empty(Ok(await gateway.NetworkAsync(HttpMethod.Get, "security-groups?name=" + name, token)).GetProperty("security_groups").EnumerateArray());
        Assert.Single(Ok(await gateway.NetworkAsync(HttpMethod.Get, "subnets?network_id=" + network, token)).GetProperty("subnets").EnumerateArray());

        (await PostAsync(token, "networks", Array.Empty<object>())).AssertNeutronError(HttpStatusCode.BadRequest, "HTTPBadRequest");
    }

    [Fact]
    public async Task BulkBeyondTheQuota_IsOverQuota_AndMakesNone()
    {
        var (token, project) = gateway.NewTenant("bulk");
        (await gateway.NetworkAsync(HttpMethod.Put, "quotas/" + project, gateway.AdminToken, Json(new { quota = new { network = 2 } }))).AssertOk();
        var name = Unique("bulk");

        (await PostAsync(token, "networks", new object[] { new { name }, new { name }, new { name } })).AssertNeutronError(HttpStatusCode.Conflict, "OverQuota");
        Assert.Empty(Ok(await gateway.NetworkAsync(HttpMethod.Get, "networks?name=" + name, token)).GetProperty("networks").EnumerateArray());
        Assert.Equal(2, (await BulkAsync(token, "networks", new object[] { new { name }, new { name } })).Count);

        // Two more rules fit, a third does not.
        var group = Id(Ok(await gateway.NetworkAsync(HttpMethod.Post, "security-groups", token, Json(new { security_group = new { name } }))).GetProperty("security_group"));
        var used = Ok(await gateway.NetworkAsync(HttpMethod.Get, $"quotas/{project}/details", token)).GetProperty("quota").GetProperty("security_group_rule").GetProperty("used").GetInt32();
        (await gateway.NetworkAsync(HttpMethod.Put, "quotas/" + project, gateway.AdminToken, Json(new { quota = new { security_group_rule = used + 2 } }))).AssertOk();
        var rules = new[] { 22, 80, 443 }.Select(port => (object)new { security_group_id = group, direction = "ingress", protocol = "tcp", port_range_min = port, port_range_max = port }).ToArray();
        (await PostAsync(token, "security-group-rules", rules)).AssertNeutronError(HttpStatusCode.Conflict, "OverQuota");
        Assert.Equal(2, Ok(await gateway.NetworkAsync(HttpMethod.Get, "security-group-rules?security_group_id=" + group, token)).GetProperty("security_group_rules").GetArrayLength());
        Assert.Equal(2, (await BulkAsync(token, "security-group-rules", rules[..2])).Count);
    }

    [Fact]
    public async Task BulkSubnetsOfAnExternalNetwork_AreMadeInItsPod_AndAFailureLeavesNoCopy()
    {
        var network = Id(Ok(await gateway.NetworkAsync(HttpMethod.Post, "networks", gateway.AdminToken,
            Json(new { network = new Dictionary<string, object> { ["name"] = Unique("ext"), ["router:external"] = true, ["availability_zone_hints"] = new[] { "RegionOne" } } }))).GetProperty("network"));

        // The second overlaps the first: refused after the first was made in RegionOne, which loses it again.
        (await PostAsync(gateway.AdminToken, "subnets", new object[]
        {
            new { network_id = network, cidr = "172.31.60.0/24", ip_version = 4, enable_dhcp = false },
            new { network_id = network, cidr = "172.31.60.0/25", ip_version = 4, enable_dhcp = false },
        })).AssertNeutronError(HttpStatusCode.BadRequest, "InvalidInput");
        await gateway.JobsSettledAsync();
        Assert.Empty((await _steps.BottomAsync("RegionOne", "networks", network)).GetProperty("subnets").EnumerateArray());
        Assert.Empty(Ok(await gateway.NetworkAsync(HttpMethod.Get, "subnets?network_id=" + network, gateway.AdminToken)).GetProperty("subnets").EnumerateArray());
        Assert.Empty(await gateway.FailedJobsAsync());
        var made = await BulkAsync(gateway.AdminToken, "subnets", new object[]
        {
            new { network_id = network, cidr = "172.31.60.0/24", ip_version = 4, enable_dhcp = false },
            new { network_id = network, cidr = "172.31.61.0/24", ip_version = 4, enable_dhcp = false },
        });
        Assert.Equal(2, (await _steps.BottomAsync("RegionOne", "networks", network)).GetProperty("subnets").GetArrayLength());
        Assert.Equal(2, made.Count);
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "networks/" + network, gateway.AdminToken)).Status);
    }

    private Task<ApiResponse> PostAsync(string token, string collection, object[] items) =>
        gateway.NetworkAsync(HttpMethod.Post, collection, token, Json(new Dictionary<string, object> { [collection.Replace('-', '_')] = items }));

    private async Task<List<JsonElement>> BulkAsync(string token, string collection, object[] items)
    {
        var created = await PostAsync(token, collection, items);
        Assert.True(created.Status == HttpStatusCode.Created, created.Text);
        return [.. created.Json.GetProperty(collection.Replace('-', '_')).EnumerateArray()];
    }

    private static string Unique(string what) => what + "-" + Guid.NewGuid().ToString("N")[..6];

    private static string Id(JsonElement resource) => resource.GetProperty("id").GetString()!;
}

public sealed class SqliteNeutronBulkTests(SqliteJobsGatewayFixture gateway) : NeutronBulkTests(gateway), IClassFixture<SqliteJobsGatewayFixture>;

public sealed class PostgresNeutronBulkTests(PostgresJobsGatewayFixture gateway) : NeutronBulkTests(gateway), IClassFixture<PostgresJobsGatewayFixture>;
