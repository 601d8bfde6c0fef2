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
    public async Task Agents_AreNone_ForAMemberOrTheAdmin()
    {
        // The central Neutron runs no agents: Neutron's answer to a member (Tempest's
        // test_list_agents_non_admin), and the admin's here too; the extension says it is served.
        foreach (var token in (string[])[gateway.DemoToken, gateway.AdminToken])
        {
            var agents = await gateway.NetworkAsync(HttpMethod.Get, "agents", token);
            agents.AssertOk();
            Assert.Empty(agents.Json.GetProperty("agents").EnumerateArray());
        }

        Assert.Empty((await gateway.NetworkAsync(HttpMethod.Get, "agents?agent_type=DHCP+agent&fields=id", gateway.AdminToken)).Json.GetProperty("agents").EnumerateArray());
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
}
