using System.Net;
using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Network;

/// <summary>
/// Every address or CIDR a request gives is read as Neutron's validators read it: the short,
/// numeric, hex and octal IPv4 forms .NET's parser takes (<c>"256"</c> as 0.0.1.0) are refused
/// in Neutron's words, where Neutron refuses them.
/// </summary>
public abstract class NeutronAddressesTests(GatewayFixture gateway)
{
    private readonly string _token = NewTenantToken(gateway);

    /// <summary>The path ({group}, {subnet}, {network}, {port}, {router} filled in), the body, the error type and its message (whole, or a part).</summary>
    public static TheoryData<string, string, string, string, string> RefusedAddresses => new()
    {
        // convert_ip_prefix_to_cidr: netaddr.IPNetwork refuses them (tempest's test_create_security_group_rule_with_bad_remote_ip_prefix).
        { "POST", "security-group-rules", """{"security_group_rule":{"security_group_id":"{group}","direction":"ingress","remote_ip_prefix":"256"}}""", "InvalidCIDR", "Invalid CIDR 256 given as IP prefix." },
        { "POST", "security-group-rules", """{"security_group_rule":{"security_group_id":"{group}","direction":"ingress","remote_ip_prefix":"0x7f.0.0.1"}}""", "InvalidCIDR", "Invalid CIDR 0x7f.0.0.1 given as IP prefix." },
        { "POST", "security-group-rules", """{"security_group_rule":{"security_group_id":"{group}","direction":"ingress","remote_ip_prefix":"192.168.1./24"}}""", "InvalidCIDR", "Invalid CIDR 192.168.1./24 given as IP prefix." },
        { "POST", "security-group-rules", """{"security_group_rule":{"security_group_id":"{group}","direction":"ingress","remote_ip_prefix":"10.0.0.1/33"}}""", "InvalidCIDR", "Invalid CIDR 10.0.0.1/33 given as IP prefix." },
        { "POST", "security-group-rules", """{"security_group_rule":{"security_group_id":"{group}","direction":"ingress","ethertype":"IPv6","remote_ip_prefix":"fe80::1%eth0"}}""", "InvalidCIDR", "Invalid CIDR fe80::1%eth0 given as IP prefix." },

        // validate_fixed_ips: validate_ip_address.
        { "POST", "ports", """{"port":{"network_id":"{network}","fixed_ips":[{"ip_address":"256"}]}}""", "HTTPBadRequest", "Invalid input for fixed_ips. Reason: '256' is not a valid IP address." },
        { "POST", "ports", """{"port":{"network_id":"{network}","fixed_ips":[{"ip_address":"10.77.1"}]}}""", "HTTPBadRequest", "Invalid input for fixed_ips. Reason: '10.77.1' is not a valid IP address." },
        { "POST", "ports", """{"port":{"network_id":"{network}","fixed_ips":[{"ip_address":"010.77.0.5"}]}}""", "HTTPBadRequest", "Invalid input for fixed_ips. Reason: '010.77.0.5' is not an accepted IP address, '10.77.0.5' is recommended." },
        { "PUT", "ports/{port}", """{"port":{"fixed_ips":[{"ip_address":"0x0a.77.0.5"}]}}""", "HTTPBadRequest", "Invalid input for fixed_ips. Reason: '0x0a.77.0.5' is not a valid IP address." },

        // allowed-address-pairs: validate_ip_address, or validate_subnet with a '/'.
        { "POST", "ports", """{"port":{"network_id":"{network}","allowed_address_pairs":[{"ip_address":"1.2"}]}}""", "HTTPBadRequest", "'1.2' is not a valid IP address" },
        { "POST", "ports", """{"port":{"network_id":"{network}","allowed_address_pairs":[{"ip_address":"256/32"}]}}""", "HTTPBadRequest", "'256/32' is not a valid IP subnet" },

        // A subnet's cidr (convert_cidr_to_canonical_format), gateway, pools, DNS servers and host routes.
        { "POST", "subnets", """{"subnet":{"network_id":"{network}","ip_version":4,"cidr":"256/24"}}""", "InvalidInput", "256/24 is not in a CIDR format" },
        { "POST", "subnets", """{"subnet":{"network_id":"{network}","ip_version":4,"cidr":"10.78/16"}}""", "InvalidInput", "10.78/16 is not in a CIDR format" },
        { "POST", "subnets", """{"subnet":{"network_id":"{network}","ip_version":4,"cidr":"10.78.0.0/24","gateway_ip":"10.78.1"}}""", "HTTPBadRequest", "Invalid input for gateway_ip. Reason: '10.78.1' is not a valid IP address." },
        { "POST", "subnets", """{"subnet":{"network_id":"{network}","ip_version":4,"cidr":"10.78.0.0/24","dns_nameservers":["134744072"]}}""", "HTTPBadRequest", "Invalid input for dns_nameservers. Reason: '134744072' is not a valid nameserver. '134744072' is not a valid IP address." },
        { "POST", "subnets", """{"subnet":{"network_id":"{network}","ip_version":4,"cidr":"10.78.0.0/24","host_routes":[{"destination":"10/8","nexthop":"10.78.0.9"}]}}""", "HTTPBadRequest", "Invalid input for host_routes. Reason: '10/8' is not a valid CIDR." },
        { "POST", "subnets", """{"subnet":{"network_id":"{network}","ip_version":4,"cidr":"10.78.0.0/24","host_routes":[{"destination":"10.0.0.0/8","nexthop":"10.78.9"}]}}""", "HTTPBadRequest", "Invalid input for host_routes. Reason: '10.78.9' is not a valid IP address." },
        { "POST", "subnets", """{"subnet":{"network_id":"{network}","ip_version":4,"cidr":"10.78.0.0/24","allocation_pools":[{"start":"10.78.0.010","end":"10.78.0.20"}]}}""", "InvalidAllocationPool", "The allocation pool 10.78.0.010-10.78.0.20 is not valid." },

        // A router's routes (validate_hostroutes).
        { "PUT", "routers/{router}", """{"router":{"routes":[{"destination":"10.9.0.0/16","nexthop":"10.77.0.0x10"}]}}""", "HTTPBadRequest", "Invalid input for routes. Reason: '10.77.0.0x10' is not a valid IP address." },
        { "PUT", "routers/{router}", """{"router":{"routes":[{"destination":"10.9.0.1/16","nexthop":"10.77.0.10"}]}}""", "HTTPBadRequest", "Invalid input for routes. Reason: '10.9.0.1/16' is not a recognized CIDR, '10.9.0.0/16' is recommended." },
    };

    [Theory]
    [MemberData(nameof(RefusedAddresses))]
    public async Task AddressNeutronRefuses_Is400InNeutronsWords(string method, string path, string body, string type, string message)
    {
        var (group, network, port, router) = await ResourcesAsync();

        var response = await gateway.NetworkAsync(new HttpMethod(method), Fill(path, group, network, port, router), _token, Fill(body, group, network, port, router));

        Assert.True(response.Status == HttpStatusCode.BadRequest, $"expected 400, got {(int)response.Status}: {response.Text}");
        var error = response.Json.GetProperty("NeutronError");
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.Contains(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RemotePrefixWithLeadingZerosOrHostBits_IsTakenAsNetaddrReadsIt()
    {
        // netaddr.IPNetwork reads "010.0.0.1" as 10.0.0.1; the normalized CIDR clears the host bits.
        var (group, _, _, _) = await ResourcesAsync();

        var created = await gateway.NetworkAsync(HttpMethod.Post, "security-group-rules", _token,
            JsonSerializer.Serialize(new { security_group_rule = new { security_group_id = group, direction = "ingress", remote_ip_prefix = "010.0.0.1/24" } }));

        Assert.True(created.Status == HttpStatusCode.Created, created.Text);
        var rule = created.Json.GetProperty("security_group_rule");
        Assert.Equal("10.0.0.1/24", rule.GetProperty("remote_ip_prefix").GetString());
        Assert.Equal("10.0.0.0/24", rule.GetProperty("normalized_cidr").GetString());
    }

    private static string Fill(string text, string group, string network, string port, string router) => text
        .Replace("{group}", group, StringComparison.Ordinal).Replace("{network}", network, StringComparison.Ordinal)
        .Replace("{port}", port, StringComparison.Ordinal).Replace("{router}", router, StringComparison.Ordinal);

    private static string NewTenantToken(GatewayFixture gateway)
    {
        var name = "nad-" + Guid.NewGuid().ToString("N")[..10];
        var keystone = gateway.Sandbox.Keystone;
        var project = keystone.AddProject(name);
        var user = keystone.AddUser(name, "secret", defaultProjectId: project);
        keystone.Grant(user, project, "member");
        return keystone.IssueToken(name, "secret", name).Id;
    }

    private async Task<string> CreateAsync(string collection, string wrapper, object body)
    {
        var created = await gateway.NetworkAsync(HttpMethod.Post, collection, _token, JsonSerializer.Serialize(new Dictionary<string, object> { [wrapper] = body }));
        Assert.True(created.Status == HttpStatusCode.Created, created.Text);
        return created.Json.GetProperty(wrapper).GetProperty("id").GetString()!;
    }

    /// <summary>A group, a network with a subnet 10.77.0.0/24, a port on it and a router with an interface there.</summary>
    private async Task<(string Group, string Network, string Port, string Router)> ResourcesAsync()
    {
        var group = await CreateAsync("security-groups", "security_group", new { name = "a-" + Guid.NewGuid().ToString("N")[..6] });
        var network = await CreateAsync("networks", "network", new { name = "addr" });
        var subnet = await CreateAsync("subnets", "subnet", new { network_id = network, cidr = "10.77.0.0/24", ip_version = 4 });
        var port = await CreateAsync("ports", "port", new { network_id = network });
        var router = await CreateAsync("routers", "router", new { name = "addr" });
        (await gateway.NetworkAsync(HttpMethod.Put, $"routers/{router}/add_router_interface", _token, JsonSerializer.Serialize(new { subnet_id = subnet }))).AssertOk();
        return (group, network, port, router);
    }
}

public sealed class SqliteNeutronAddressesTests(SqliteGatewayFixture gateway) : NeutronAddressesTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class PostgresNeutronAddressesTests(PostgresGatewayFixture gateway) : NeutronAddressesTests(gateway), IClassFixture<PostgresGatewayFixture>;
