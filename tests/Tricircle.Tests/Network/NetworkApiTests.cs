using System.Net;
using Tricircle.Support;

namespace Tricircle.Network;

/// <summary>The central Neutron's own documents and its error shape.</summary>
public sealed class NetworkApiTests(SqliteGatewayFixture gateway) : IClassFixture<SqliteGatewayFixture>
{
    [Fact]
    public async Task Root_ListsV20WithoutAToken()
    {
        var versions = await gateway.SendAsync(gateway.NetworkUrl, HttpMethod.Get, token: null);

        versions.AssertOk();
        var v20 = Assert.Single(versions.Json.GetProperty("versions").EnumerateArray());
        Assert.Equal("v2.0", v20.GetProperty("id").GetString());
        Assert.Equal(new Uri(gateway.NetworkUrl, "v2.0/").ToString(), v20.GetProperty("links")[0].GetProperty("href").GetString());
    }

    [Fact]
    public async Task V20_NeedsAToken()
    {
        var refused = await gateway.NetworkAsync(HttpMethod.Get, "extensions", token: null);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
    }

    [Fact]
    public async Task UnknownExtension_IsNeutronsNotFound()
    {
        var missing = await gateway.NetworkAsync(HttpMethod.Get, "extensions/no-such-thing", gateway.DemoToken);

        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        var error = missing.Json.GetProperty("NeutronError");
        Assert.Equal("ExtensionNotFound", error.GetProperty("type").GetString());
        Assert.Contains("no-such-thing", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("", error.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task AJsonSuffix_IsThePathWithoutIt()
    {
        // Neutron reads ".json" as the response format (Tempest's quota client asks for
        // quotas/{project}/details.json); a tag is a value and keeps it.
        var details = await gateway.NetworkAsync(HttpMethod.Get, $"quotas/{gateway.DemoProjectId}/details.json", gateway.DemoToken);
        details.AssertOk();
        Assert.True(details.Json.GetProperty("quota").GetProperty("network").TryGetProperty("used", out _), details.Text);

        var created = await gateway.NetworkAsync(HttpMethod.Post, "networks.json", gateway.DemoToken, """{"network": {"name": "suffixed"}}""");
        Assert.True(created.Status == HttpStatusCode.Created, created.Text);
        var id = created.Json.GetProperty("network").GetProperty("id").GetString();
        (await gateway.NetworkAsync(HttpMethod.Get, $"networks/{id}.json", gateway.DemoToken)).AssertOk();
        Assert.Contains(
            (await gateway.NetworkAsync(HttpMethod.Get, "networks.json?name=suffixed", gateway.DemoToken)).Json.GetProperty("networks").EnumerateArray(),
            n => n.GetProperty("id").GetString() == id);
        Assert.Equal(HttpStatusCode.Created, (await gateway.NetworkAsync(HttpMethod.Put, $"networks/{id}/tags/v1.json", gateway.DemoToken)).Status);
        var tags = await gateway.NetworkAsync(HttpMethod.Get, $"networks/{id}/tags", gateway.DemoToken);
        Assert.Equal(["v1.json"], tags.Json.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, $"networks/{id}.json", gateway.DemoToken)).Status);
    }

    [Fact]
    public async Task Agents_NoneForAMember_ThePodsAgentsForTheAdmin()
    {
        // A member lists none (Neutron's answer, Tempest's test_list_agents_non_admin); the admin
        // sees the pods' agents (AgentsTests has the merge); the extension says it is served.
        var member = await gateway.NetworkAsync(HttpMethod.Get, "agents", gateway.DemoToken);
        member.AssertOk();
        Assert.Empty(member.Json.GetProperty("agents").EnumerateArray());
        var admin = await gateway.NetworkAsync(HttpMethod.Get, "agents", gateway.AdminToken);
        admin.AssertOk();
        Assert.NotEmpty(admin.Json.GetProperty("agents").EnumerateArray());

        var dhcp = (await gateway.NetworkAsync(HttpMethod.Get, "agents?agent_type=DHCP+agent&fields=id", gateway.AdminToken)).Json.GetProperty("agents").EnumerateArray().ToList();
        Assert.Equal(2, dhcp.Count); // one per pod
        Assert.All(dhcp, a => Assert.Equal(["id"], a.EnumerateObject().Select(p => p.Name)));
        (await gateway.NetworkAsync(HttpMethod.Get, "agents?no_such=1", gateway.AdminToken)).AssertNeutronError(HttpStatusCode.BadRequest, "HTTPBadRequest");
        var id = Guid.NewGuid().ToString();
        Assert.Contains(id, (await gateway.NetworkAsync(HttpMethod.Get, "agents/" + id, gateway.AdminToken)).AssertNeutronError(HttpStatusCode.NotFound, "AgentNotFound"), StringComparison.Ordinal);
        (await gateway.NetworkAsync(HttpMethod.Put, "agents/" + id, gateway.AdminToken, """{"agent": {"admin_state_up": false}}""")).AssertNeutronError(HttpStatusCode.NotFound, "AgentNotFound");
        (await gateway.NetworkAsync(HttpMethod.Delete, "agents/" + id, gateway.AdminToken)).AssertNeutronError(HttpStatusCode.NotFound, "AgentNotFound");
        (await gateway.NetworkAsync(HttpMethod.Get, "extensions/agent", gateway.DemoToken)).AssertOk();
    }

    [Fact]
    public async Task UnknownPath_IsNeutronsShapeToo()
    {
        var missing = await gateway.NetworkAsync(HttpMethod.Get, "no-such-collection", gateway.DemoToken);

        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Equal("HTTPNotFound", missing.Json.GetProperty("NeutronError").GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("security-groups-normalized-cidr", "Normalized CIDR field for security group rules", "2020-07-28T10:00:00-00:00")]
    [InlineData("ip-substring-filtering", "IP address substring filtering", "2017-11-28T09:00:00-00:00")]
    [InlineData("tag-ports-during-bulk-creation", "Tag Ports During Bulk Creation", "2019-12-29T19:00:00-00:00")]
    [InlineData("provider", "Provider Network", "2012-09-07T10:00:00-00:00")]
    [InlineData("subnet_allocation", "Subnet Allocation", "2015-03-30T10:00:00-00:00")]
    [InlineData("default-subnetpools", "Default Subnetpools", "2016-02-18T18:00:00-00:00")]
    [InlineData("subnetpool-prefix-ops", "Subnet Pool Prefix Operations", "2019-02-08T10:00:00-00:00")]
    [InlineData("address-scope", "Address scope", "2015-07-26T10:00:00-00:00")]
    public async Task ServedExtension_IsListed_WithNeutronsNameAndDate(string alias, string name, string updated)
    {
        var listed = await gateway.NetworkAsync(HttpMethod.Get, "extensions", gateway.DemoToken);
        var shown = await gateway.NetworkAsync(HttpMethod.Get, "extensions/" + alias, gateway.DemoToken);

        Assert.Contains(listed.Json.GetProperty("extensions").EnumerateArray(), e => e.GetProperty("alias").GetString() == alias);
        var extension = shown.Json.GetProperty("extension");
        Assert.Equal(name, extension.GetProperty("name").GetString());
        Assert.Equal(updated, extension.GetProperty("updated").GetString());
    }

    [Fact]
    public async Task NotServedExtensions_AreNotListed()
    {
        var listed = await gateway.NetworkAsync(HttpMethod.Get, "extensions", gateway.DemoToken);

        var aliases = listed.Json.GetProperty("extensions").EnumerateArray().Select(e => e.GetProperty("alias").GetString()).ToList();
        Assert.DoesNotContain("subnet_onboard", aliases); // pools are served, onboarding is not
        Assert.DoesNotContain("rbac-subnetpool", aliases);
        Assert.Equal(aliases.Count, aliases.Distinct().Count());
    }

    [Fact]
    public async Task PortsByIpAddressSubstring_AreThoseWithAnAddressContainingIt()
    {
        var (token, _) = gateway.NewTenant("substr");
        var network = (await gateway.NetworkAsync(HttpMethod.Post, "networks", token, """{"network": {"name": "substr"}}""")).Json.GetProperty("network").GetProperty("id").GetString();
        var subnet = (await gateway.NetworkAsync(HttpMethod.Post, "subnets", token, $$$"""{"subnet": {"network_id": "{{{network}}}", "cidr": "10.91.0.0/24", "ip_version": 4}}""")).Json.GetProperty("subnet").GetProperty("id").GetString();
        foreach (var ip in (string[])["10.91.0.19", "10.91.0.20"])
        {
            Assert.Equal(HttpStatusCode.Created, (await gateway.NetworkAsync(HttpMethod.Post, "ports", token, $$$"""{"port": {"network_id": "{{{network}}}", "fixed_ips": [{"subnet_id": "{{{subnet}}}", "ip_address": "{{{ip}}}"}]}}""")).Status);
        }

        var one = await gateway.NetworkAsync(HttpMethod.Get, "ports?fixed_ips=ip_address_substr%3D10.91.0.1", token);
        var both = await gateway.NetworkAsync(HttpMethod.Get, "ports?fixed_ips=ip_address_substr%3D91.0", token);

        Assert.Equal("10.91.0.19", Assert.Single(one.Json.GetProperty("ports").EnumerateArray()).GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString());
        Assert.Equal(2, both.Json.GetProperty("ports").GetArrayLength());
    }
}
