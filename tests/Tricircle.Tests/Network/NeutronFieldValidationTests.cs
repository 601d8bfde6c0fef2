using System.Net;
using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Network;

/// <summary>
/// What the central Neutron takes in a field as Neutron's attribute maps do (neutron-lib's
/// converters and validators), and tag writes that race, on both databases.
/// </summary>
public abstract class NeutronFieldValidationTests(GatewayFixture gateway)
{
    // Each test's own project, so that its networks and groups do not count against demo's quotas.
    private readonly string _token = NewTenantToken(gateway);

    /// <summary>Bodies Neutron refuses: the path ({group}, {subnet} filled in), as admin or not, the body, the error type and a part of its message.</summary>
    public static TheoryData<string, string, bool, string, string, string> RefusedBodies => new()
    {
        // type:name_not_default and type:string: validate_string(None) is "'None' is not a valid string".
        { "POST", "security-groups", false, """{"security_group":{"name":null}}""", "HTTPBadRequest", "Invalid input for name. Reason: 'None' is not a valid string" },
        { "POST", "security-groups", false, """{"security_group":{"description":null}}""", "HTTPBadRequest", "Invalid input for description. Reason: 'None' is not a valid string" },
        { "PUT", "security-groups/{group}", false, """{"security_group":{"name":null}}""", "HTTPBadRequest", "Invalid input for name" },
        { "PUT", "security-groups/{group}", false, """{"security_group":{"description":null}}""", "HTTPBadRequest", "Invalid input for description" },

        // convert_to_boolean(None): strutils.bool_from_string("None", strict=True) raises.
        { "POST", "security-groups", false, """{"security_group":{"name":"g","stateful":null}}""", "InvalidInput", "'None' cannot be converted to boolean" },
        { "PUT", "security-groups/{group}", false, """{"security_group":{"stateful":null}}""", "InvalidInput", "'None' cannot be converted to boolean" },

        // convert_ethertype_to_case_insensitive raises SecurityGroupRuleInvalidEtherType for anything but IPv4/IPv6.
        { "POST", "security-group-rules", false, """{"security_group_rule":{"security_group_id":"{group}","direction":"ingress","ethertype":null}}""", "SecurityGroupRuleInvalidEtherType", "ethertype 'None' not supported" },
        { "POST", "security-group-rules", false, """{"security_group_rule":{"security_group_id":"{group}","direction":"ingress","ethertype":{}}}""", "SecurityGroupRuleInvalidEtherType", "not supported" },

        // standard-attr-description: type:string.
        { "POST", "security-group-rules", false, """{"security_group_rule":{"security_group_id":"{group}","direction":"ingress","description":null}}""", "HTTPBadRequest", "Invalid input for description" },

        // provider_net: convert_to_int for the segmentation id, type:string for the type and physnet.
        { "POST", "networks", true, """{"network":{"name":"p","provider:network_type":"vlan","provider:physical_network":"physnet1","provider:segmentation_id":null}}""", "InvalidInput", "'None' is not an integer" },
        { "POST", "networks", true, """{"network":{"name":"p","provider:network_type":null}}""", "HTTPBadRequest", "Invalid input for provider:network_type" },
        { "POST", "networks", true, """{"network":{"name":"p","provider:network_type":"vlan","provider:physical_network":null,"provider:segmentation_id":5}}""", "HTTPBadRequest", "Invalid input for provider:physical_network" },

        // The tag extension's validate_list_of_unique_strings.
        { "PUT", "subnets/{subnet}/tags", false, """{"tags":["fuzz",{}]}""", "HTTPBadRequest", "is not a valid string" },
        { "PUT", "subnets/{subnet}/tags", false, """{"tags":["fuzz",null]}""", "HTTPBadRequest", "is not a valid string" },
    };

    [Theory]
    [MemberData(nameof(RefusedBodies))]
    public async Task BodyNeutronRefuses_Is400NamingTheProblem(string method, string path, bool admin, string body, string type, string message)
    {
        var (group, subnet) = await ResourcesAsync();

        var response = await gateway.NetworkAsync(
            new HttpMethod(method),
            path.Replace("{group}", group, StringComparison.Ordinal).Replace("{subnet}", subnet, StringComparison.Ordinal),
            admin ? gateway.AdminToken : _token,
            body.Replace("{group}", group, StringComparison.Ordinal));

        Assert.True(response.Status == HttpStatusCode.BadRequest, $"expected 400, got {(int)response.Status}: {response.Text}");
        var error = response.Json.GetProperty("NeutronError");
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.Contains(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EthertypeInAnyCase_IsTaken()
    {
        var (group, _) = await ResourcesAsync();

        var created = await gateway.NetworkAsync(HttpMethod.Post, "security-group-rules", _token, Json(new { security_group_rule = new { security_group_id = group, direction = "ingress", ethertype = "ipv6", protocol = "tcp" } }));

        Assert.True(created.Status == HttpStatusCode.Created, created.Text);
        Assert.Equal("IPv6", created.Json.GetProperty("security_group_rule").GetProperty("ethertype").GetString());
    }

    [Fact]
    public async Task AllowedAddressPairsNull_IsNoPairs_OnCreateAndOnUpdate()
    {
        // neutron-lib's allowedaddresspairs converts with convert_none_to_empty_list.
        var (_, subnet) = await ResourcesAsync();
        var network = (await gateway.NetworkAsync(HttpMethod.Get, "subnets/" + subnet, _token)).Json.GetProperty("subnet").GetProperty("network_id").GetString();

        var created = await gateway.NetworkAsync(HttpMethod.Post, "ports", _token, """{"port":{"network_id":"NET","allowed_address_pairs":null}}""".Replace("NET", network, StringComparison.Ordinal));
        Assert.True(created.Status == HttpStatusCode.Created, created.Text);
        Assert.Empty(created.Json.GetProperty("port").GetProperty("allowed_address_pairs").EnumerateArray());
        var port = created.Json.GetProperty("port").GetProperty("id").GetString();
        var paired = await gateway.NetworkAsync(HttpMethod.Put, "ports/" + port, _token, """{"port":{"allowed_address_pairs":[{"ip_address":"10.77.0.200"}]}}""");
        paired.AssertOk();
        Assert.Single(paired.Json.GetProperty("port").GetProperty("allowed_address_pairs").EnumerateArray());

        var cleared = await gateway.NetworkAsync(HttpMethod.Put, "ports/" + port, _token, """{"port":{"allowed_address_pairs":null}}""");

        cleared.AssertOk();
        Assert.Empty(cleared.Json.GetProperty("port").GetProperty("allowed_address_pairs").EnumerateArray());
    }

    [Fact]
    public async Task SecurityGroupsNull_IsNoGroups_OnCreateAndOnUpdate()
    {
        // neutron-lib converts security_groups with convert_none_to_empty_list too: null is none, not the default.
        var (_, subnet) = await ResourcesAsync();
        var network = (await gateway.NetworkAsync(HttpMethod.Get, "subnets/" + subnet, _token)).Json.GetProperty("subnet").GetProperty("network_id").GetString();

        var created = await gateway.NetworkAsync(HttpMethod.Post, "ports", _token, """{"port":{"network_id":"NET","security_groups":null}}""".Replace("NET", network, StringComparison.Ordinal));
        Assert.True(created.Status == HttpStatusCode.Created, created.Text);
        Assert.Empty(created.Json.GetProperty("port").GetProperty("security_groups").EnumerateArray());
        var port = created.Json.GetProperty("port").GetProperty("id").GetString();
        var defaulted = await gateway.NetworkAsync(HttpMethod.Post, "ports", _token, """{"port":{"network_id":"NET"}}""".Replace("NET", network, StringComparison.Ordinal));
        Assert.Single(defaulted.Json.GetProperty("port").GetProperty("security_groups").EnumerateArray());
        var defaultedPort = defaulted.Json.GetProperty("port").GetProperty("id").GetString();

        var cleared = await gateway.NetworkAsync(HttpMethod.Put, "ports/" + defaultedPort, _token, """{"port":{"security_groups":null}}""");
        cleared.AssertOk();
        Assert.Empty(cleared.Json.GetProperty("port").GetProperty("security_groups").EnumerateArray());
        var named = await gateway.NetworkAsync(HttpMethod.Put, "ports/" + port, _token, """{"port":{"name":"kept"}}""");
        Assert.Empty(named.Json.GetProperty("port").GetProperty("security_groups").EnumerateArray());
    }

    [Fact]
    public async Task TagsWrittenConcurrently_NoServerError_EveryAddedTagKept()
    {
        var network = await NewNetworkAsync();

        var added = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            gateway.NetworkAsync(HttpMethod.Put, $"networks/{network}/tags/t{i:D2}", _token)));

        Assert.All(added, a => Assert.True(a.Status == HttpStatusCode.Created, $"{(int)a.Status}: {a.Text}"));
        Assert.Equal(Enumerable.Range(0, 16).Select(i => $"t{i:D2}"), await TagsAsync(network));

        // Several at once replacing the set with the same tags, and adding one that is there.
        var replaced = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => i % 3 == 0
            ? gateway.NetworkAsync(HttpMethod.Put, $"networks/{network}/tags/fuzz", _token)
            : gateway.NetworkAsync(HttpMethod.Put, $"networks/{network}/tags", _token, """{"tags":["fuzz","fuzz2"]}""")));

        Assert.All(replaced, r => Assert.True(r.Status is HttpStatusCode.OK or HttpStatusCode.Created, $"{(int)r.Status}: {r.Text}"));
        Assert.Equal(["fuzz", "fuzz2"], await TagsAsync(network));

        // Removing tags one by one at once, and one twice.
        var extra = await gateway.NetworkAsync(HttpMethod.Put, $"networks/{network}/tags", _token, """{"tags":["a","b","c","d","fuzz"]}""");
        extra.AssertOk();
        var removed = await Task.WhenAll(((string[])["a", "b", "c", "d", "d"]).Select(t =>
            gateway.NetworkAsync(HttpMethod.Delete, $"networks/{network}/tags/{t}", _token)));

        Assert.All(removed, r => Assert.True(r.Status is HttpStatusCode.NoContent or HttpStatusCode.NotFound, $"{(int)r.Status}: {r.Text}"));
        Assert.Equal(["fuzz"], await TagsAsync(network));
    }

    [Fact]
    public async Task TagsGetWithABodyOfAnotherContentType_IsAnswered()
    {
        // Neutron reads no body on a GET.
        var network = await NewNetworkAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway.NetworkUrl, $"v2.0/networks/{network}/tags"));
        request.Headers.Add("X-Auth-Token", _token);
        request.Content = new StringContent("""{"fuzz":1}""");
        request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("application/vnd.openstack.compute+json;version=2.1");

        using var response = await gateway.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"tags\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static string Json(object value) => JsonSerializer.Serialize(value);

    private static string NewTenantToken(GatewayFixture gateway)
    {
        var name = "nfv-" + Guid.NewGuid().ToString("N")[..10];
        var keystone = gateway.Sandbox.Keystone;
        var project = keystone.AddProject(name);
        var user = keystone.AddUser(name, "secret", defaultProjectId: project);
        keystone.Grant(user, project, "member");
        return keystone.IssueToken(name, "secret", name).Id;
    }

    private async Task<List<string>> TagsAsync(string network)
    {
        var tags = await gateway.NetworkAsync(HttpMethod.Get, $"networks/{network}/tags", _token);
        tags.AssertOk();
        return [.. tags.Json.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!)];
    }

    private async Task<string> NewNetworkAsync()
    {
        var created = await gateway.NetworkAsync(HttpMethod.Post, "networks", _token, Json(new { network = new { name = "tags-" + Guid.NewGuid().ToString("N")[..6] } }));
        Assert.True(created.Status == HttpStatusCode.Created, created.Text);
        return created.Json.GetProperty("network").GetProperty("id").GetString()!;
    }

    /// <summary>A security group and a subnet of the demo project to aim the bodies at.</summary>
    private async Task<(string Group, string Subnet)> ResourcesAsync()
    {
        var group = await gateway.NetworkAsync(HttpMethod.Post, "security-groups", _token, Json(new { security_group = new { name = "v-" + Guid.NewGuid().ToString("N")[..6] } }));
        Assert.True(group.Status == HttpStatusCode.Created, group.Text);
        var network = await NewNetworkAsync();
        var subnet = await gateway.NetworkAsync(HttpMethod.Post, "subnets", _token, Json(new { subnet = new { network_id = network, cidr = "10.77.0.0/24", ip_version = 4 } }));
        Assert.True(subnet.Status == HttpStatusCode.Created, subnet.Text);
        return (group.Json.GetProperty("security_group").GetProperty("id").GetString()!, subnet.Json.GetProperty("subnet").GetProperty("id").GetString()!);
    }
}

public sealed class SqliteNeutronFieldValidationTests(SqliteGatewayFixture gateway) : NeutronFieldValidationTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class PostgresNeutronFieldValidationTests(PostgresGatewayFixture gateway) : NeutronFieldValidationTests(gateway), IClassFixture<PostgresGatewayFixture>;
