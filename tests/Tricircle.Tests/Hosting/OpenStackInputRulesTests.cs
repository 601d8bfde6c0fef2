using System.Net;
using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Hosting;

/// <summary>
/// Input OpenStack refuses is refused here too, in its words, and what it allows is allowed
/// (issue 11, item 6): each API's declared bodies and policies, checked at the gateway's edge.
/// </summary>
public abstract class OpenStackInputRulesTests(GatewayFixture gateway)
{
    private static string Json(object value) => JsonSerializer.Serialize(value);

    private static string NeutronError(ApiResponse response, HttpStatusCode status, string type)
    {
        Assert.True(response.Status == status, $"expected {(int)status}, got {(int)response.Status}: {response.Text}");
        var error = response.Json.GetProperty("NeutronError");
        Assert.Equal(type, error.GetProperty("type").GetString());
        return error.GetProperty("message").GetString()!;
    }

    [Theory]
    [InlineData("security_groups", "true", "Invalid input for field/attribute security_groups. Value: True. True is not of type 'array'")]
    [InlineData("availability_zone", "[]", "Invalid input for field/attribute availability_zone. Value: []. [] is not of type 'string'")]
    [InlineData("availability_zone", "{}", "Invalid input for field/attribute availability_zone. Value: {}. {} is not of type 'string'")]
    [InlineData("availability_zone", "\"\"", "Invalid input for field/attribute availability_zone. Value: . '' is too short")]
    [InlineData("accessIPv4", "\"x\"", "Invalid input for field/attribute accessIPv4. Value: x. 'x' is not a 'ipv4'")]
    [InlineData("adminPass", "123", "Invalid input for field/attribute adminPass. Value: 123. 123 is not of type 'string'")]
    [InlineData("user_data", "\"not base64!\"", "Invalid input for field/attribute user_data. Value: not base64!. 'not base64!' is not a 'base64'")]
    [InlineData("max_count", "0", "Invalid input for field/attribute max_count. Value: 0. 0 is less than the minimum of 1")]
    public async Task ServerCreate_FieldNovaRefuses_Is400NamingIt(string field, string json, string message)
    {
        var image = await gateway.CirrosAsync("RegionOne");
        var body = $$$"""{"server": {"name": "bad-{{{field}}}", "flavorRef": "1", "imageRef": "{{{image}}}", "networks": "none", "{{{field}}}": """ + json + "}}";
        var refused = await gateway.ComputeAsync(HttpMethod.Post, "servers", gateway.DemoToken, body, "2.37");
        Assert.Equal(message, refused.AssertError(HttpStatusCode.BadRequest, "badRequest"));
    }

    [Fact]
    public async Task ServerCreate_AtLeast237_NeedsNetworks()
    {
        var message = (await gateway.ComputeAsync(HttpMethod.Post, "servers", gateway.DemoToken, """{"server": {"name": "x", "flavorRef": "1"}}""", "2.37"))
            .AssertError(HttpStatusCode.BadRequest, "badRequest");
        Assert.EndsWith("'networks' is a required property", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("servers")]
    [InlineData("servers/detail")]
    public async Task ServerList_AllTenants_IsAnAdminsOnly(string path)
    {
        var rule = path == "servers" ? "index" : "detail";
        Assert.Equal(
            $"Policy doesn't allow os_compute_api:servers:{rule}:get_all_tenants to be performed.",
            (await gateway.ComputeAsync(HttpMethod.Get, path + "?all_tenants=1", gateway.DemoToken)).AssertError(HttpStatusCode.Forbidden, "forbidden"));
        (await gateway.ComputeAsync(HttpMethod.Get, path + "?all_tenants=0", gateway.DemoToken)).AssertOk();
        (await gateway.ComputeAsync(HttpMethod.Get, path + "?all_tenants=1", gateway.AdminToken)).AssertOk();
        Assert.Contains("Unrecognized value 'maybe'", (await gateway.ComputeAsync(HttpMethod.Get, path + "?all_tenants=maybe", gateway.AdminToken)).AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lists_UnknownSortDirection_Is400EvenWithoutASortKey()
    {
        foreach (var path in new[] { "servers?sort_dir=sideways", "servers/detail?sort_dir=sideways" })
        {
            Assert.Contains("Unknown sort direction, must be 'desc' or 'asc'", (await gateway.ComputeAsync(HttpMethod.Get, path, gateway.DemoToken)).AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        }

        foreach (var path in new[] { "volumes?sort_dir=sideways", "volumes/detail?sort_dir=sideways", "snapshots?sort_dir=sideways" })
        {
            Assert.Contains("Unknown sort direction, must be 'desc' or 'asc'", (await gateway.VolumeAsync(HttpMethod.Get, path, gateway.DemoToken)).AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Keypairs_AnotherUsersAreAnAdminsOnly()
    {
        foreach (var version in new[] { "2.10", "2.35" })
        {
            Assert.Equal(
                "Policy doesn't allow os_compute_api:os-keypairs:index to be performed.",
                (await gateway.ComputeAsync(HttpMethod.Get, "os-keypairs?user_id=someone-else", gateway.DemoToken, microversion: version)).AssertError(HttpStatusCode.Forbidden, "forbidden"));
        }
    }

    [Theory]
    [InlineData(2147483648L)]
    [InlineData(9223372036854775807L)]
    public async Task NovaQuota_AboveTheDatabasesInt_Is400(long value)
    {
        var (_, project) = gateway.NewTenant("bigquota");
        Assert.Equal(
            $"Invalid input for field/attribute instances. Value: {value}. {value} is greater than the maximum of 2147483647",
            (await gateway.ComputeAsync(HttpMethod.Put, $"os-quota-sets/{project}", gateway.AdminToken, Json(new { quota_set = new { instances = value } }))).AssertError(HttpStatusCode.BadRequest, "badRequest"));
        Assert.Contains(
            "is greater than the maximum of 2147483647",
            (await gateway.ComputeAsync(HttpMethod.Put, $"os-quota-sets/{project}", gateway.AdminToken, $$$"""{"quota_set": {"cores": "{{{value}}}"}}""")).AssertError(HttpStatusCode.BadRequest, "badRequest"),
            StringComparison.Ordinal);
        (await gateway.ComputeAsync(HttpMethod.Put, $"os-quota-sets/{project}", gateway.AdminToken, Json(new { quota_set = new { instances = int.MaxValue } }))).AssertOk();
    }

    [Theory]
    [InlineData("2147483648")]
    [InlineData("99999999999999999999")]
    public async Task NeutronQuota_AboveTheDatabasesInt_Is400(string value)
    {
        var (_, project) = gateway.NewTenant("bigquota");
        var message = NeutronError(
            await gateway.NetworkAsync(HttpMethod.Put, $"quotas/{project}", gateway.AdminToken, "{\"quota\": {\"network\": " + value + "}}"),
            HttpStatusCode.BadRequest,
            "InvalidInput");
        Assert.Contains($"'{value}' is too large - must be no larger than '2147483647'", message, StringComparison.Ordinal);
        Assert.Contains("network", message, StringComparison.Ordinal);
        (await gateway.NetworkAsync(HttpMethod.Put, $"quotas/{project}", gateway.AdminToken, Json(new { quota = new { network = int.MaxValue } }))).AssertOk();
    }

    [Fact]
    public async Task ServerCreate_MaxCountBeyondOneRequestsCap_MakesTheCap_AMinCountBeyondIt_Is403()
    {
        // With unlimited instances, max_count 2^31-1 had the gateway try to make them all (no answer).
        var (token, project) = gateway.NewTenant("many");
        (await gateway.ComputeAsync(HttpMethod.Put, "os-quota-sets/" + project, gateway.AdminToken, Json(new { quota_set = new { instances = -1, cores = -1, ram = -1 } }))).AssertOk();
        var image = await gateway.CirrosAsync("RegionOne");
        var refused = await gateway.ComputeAsync(HttpMethod.Post, "servers", token, Json(new { server = new { name = "many", flavorRef = "1", imageRef = image, networks = "none", availability_zone = "az1", min_count = int.MaxValue, max_count = int.MaxValue } }), "2.37");
        Assert.Contains("max_servers_per_request", refused.AssertError(HttpStatusCode.Forbidden, "forbidden"), StringComparison.Ordinal);
        Assert.Empty((await gateway.ComputeAsync(HttpMethod.Get, "servers", token)).Json.GetProperty("servers").EnumerateArray());
    }

    [Fact]
    public async Task NeutronList_AnEmptyLimit_Is400()
    {
        // Neutron reads limit with Python's int(): "" is its 400 (the gateway ignored it).
        Assert.Contains("Limit must be an integer", NeutronError(await gateway.NetworkAsync(HttpMethod.Get, "networks?limit=", gateway.DemoToken), HttpStatusCode.BadRequest, "HTTPBadRequest"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task VolumeType_ExtraSpecsNull_Is400()
    {
        var refused = await gateway.VolumeAsync(HttpMethod.Post, "types", gateway.AdminToken, Json(new { volume_type = new { name = "vt-null-" + Guid.NewGuid().ToString("N")[..8], extra_specs = (object?)null } }));
        refused.AssertError(HttpStatusCode.BadRequest, "badRequest");
    }

    [Fact]
    public async Task VolumeType_ExtraSpecValuesOver255_AndUnknownFields_Are400()
    {
        var name = "vt-" + Guid.NewGuid().ToString("N")[..8];
        var created = await gateway.VolumeAsync(HttpMethod.Post, "types", gateway.AdminToken, Json(new { volume_type = new { name } }));
        created.AssertOk();
        var id = created.Json.GetProperty("volume_type").GetProperty("id").GetString()!;
        var long256 = new string('x', 256);

        Assert.EndsWith(
            "is too long",
            (await gateway.VolumeAsync(HttpMethod.Post, $"types/{id}/extra_specs", gateway.AdminToken, Json(new { extra_specs = new { key = long256 } }))).AssertError(HttpStatusCode.BadRequest, "badRequest"),
            StringComparison.Ordinal);
        Assert.EndsWith(
            "is too long",
            (await gateway.VolumeAsync(HttpMethod.Put, $"types/{id}/extra_specs/key", gateway.AdminToken, Json(new { key = long256 }))).AssertError(HttpStatusCode.BadRequest, "badRequest"),
            StringComparison.Ordinal);
        Assert.EndsWith(
            "is too long",
            (await gateway.VolumeAsync(HttpMethod.Post, "types", gateway.AdminToken, Json(new { volume_type = new { name = name + "-2", extra_specs = new { key = long256 } } }))).AssertError(HttpStatusCode.BadRequest, "badRequest"),
            StringComparison.Ordinal);
        (await gateway.VolumeAsync(HttpMethod.Post, $"types/{id}/extra_specs", gateway.AdminToken, Json(new { extra_specs = new { key = new string('x', 255) } }))).AssertOk();

        Assert.Equal(
            $"Invalid input for field/attribute volume_type. Value: {{'colour': 'red'}}. Additional properties are not allowed ('colour' was unexpected)",
            (await gateway.VolumeAsync(HttpMethod.Put, $"types/{id}", gateway.AdminToken, Json(new { volume_type = new { colour = "red" } }))).AssertError(HttpStatusCode.BadRequest, "badRequest"));
        (await gateway.VolumeAsync(HttpMethod.Put, $"types/{id}", gateway.AdminToken, Json(new { volume_type = new { description = "still fine" } }))).AssertOk();
    }

    [Fact]
    public async Task PortMac_TheNetworksOwnerMaySetIt_OthersMayNot()
    {
        var (owner, _) = gateway.NewTenant("macowner");
        var network = await gateway.NetworkAsync(HttpMethod.Post, "networks", owner, Json(new { network = new { name = "mac-net" } }));
        Assert.True(network.Status == HttpStatusCode.Created, network.Text);
        var networkId = network.Json.GetProperty("network").GetProperty("id").GetString()!;
        (await gateway.NetworkAsync(HttpMethod.Post, "subnets", owner, Json(new { subnet = new { network_id = networkId, cidr = "10.77.0.0/24", ip_version = 4 } }))).Message.EnsureSuccessStatusCode();

        var port = await gateway.NetworkAsync(HttpMethod.Post, "ports", owner, Json(new { port = new { network_id = networkId, mac_address = "fa:16:3e:12:34:56" } }));
        Assert.True(port.Status == HttpStatusCode.Created, port.Text);
        Assert.Equal("fa:16:3e:12:34:56", port.Json.GetProperty("port").GetProperty("mac_address").GetString());
        var portId = port.Json.GetProperty("port").GetProperty("id").GetString()!;

        // Changing it afterwards is an admin's (update_port:mac_address).
        Assert.Contains("update_port:mac_address", NeutronError(
            await gateway.NetworkAsync(HttpMethod.Put, $"ports/{portId}", owner, Json(new { port = new { mac_address = "fa:16:3e:12:34:57" } })), HttpStatusCode.Forbidden, "PolicyNotAuthorized"), StringComparison.Ordinal);
        var changed = await gateway.NetworkAsync(HttpMethod.Put, $"ports/{portId}", gateway.AdminToken, Json(new { port = new { mac_address = "fa:16:3e:12:34:57" } }));
        changed.AssertOk();
        Assert.Equal("fa:16:3e:12:34:57", changed.Json.GetProperty("port").GetProperty("mac_address").GetString());

        // On a shared network of another project a member may make a port, but not choose its MAC.
        var shared = await gateway.NetworkAsync(HttpMethod.Post, "networks", gateway.AdminToken, Json(new { network = new { name = "mac-shared", shared = true } }));
        Assert.True(shared.Status == HttpStatusCode.Created, shared.Text);
        var sharedId = shared.Json.GetProperty("network").GetProperty("id").GetString()!;
        Assert.Contains("create_port:mac_address", NeutronError(
            await gateway.NetworkAsync(HttpMethod.Post, "ports", owner, Json(new { port = new { network_id = sharedId, mac_address = "fa:16:3e:12:34:58" } })), HttpStatusCode.Forbidden, "PolicyNotAuthorized"), StringComparison.Ordinal);
    }
}

public sealed class SqliteOpenStackInputRulesTests(SqliteGatewayFixture gateway) : OpenStackInputRulesTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class PostgresOpenStackInputRulesTests(PostgresGatewayFixture gateway) : OpenStackInputRulesTests(gateway), IClassFixture<PostgresGatewayFixture>;
