using System.Net;
using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Network;

/// <summary>/v2.0/agents: the pods' Neutron agents merged, hosts qualified (host@Region), zones the central AZs, updates and deletes routed to the agent's pod; a member lists none and finds none, as Neutron answers; a pod that is down left out.</summary>
public sealed class AgentsTests(SameHostGatewayFixture gateway) : IClassFixture<SameHostGatewayFixture>
{
    private const string Host = SameHostGatewayFixture.HostName;

    private Task<ApiResponse> PodNeutronAsync(string region, HttpMethod method, string path) =>
        gateway.SendAsync(new Uri(gateway.Region(region).NetworkUrl, "v2.0/" + path), method, gateway.AdminToken);

    private async Task<List<JsonElement>> AgentsAsync(string query = "")
    {
        var list = await gateway.NetworkAsync(HttpMethod.Get, "agents" + query, gateway.AdminToken);
        list.AssertOk();
        return [.. list.Json.GetProperty("agents").EnumerateArray()];
    }

    [Fact]
    public async Task Agents_MergedOverPods_QualifiedHostsCentralZones_FiltersAndFields()
    {
        // As many as each pod has (another test of the class deletes one of RegionTwo's).
        var inTwo = (await PodNeutronAsync("RegionTwo", HttpMethod.Get, "agents")).Json.GetProperty("agents").GetArrayLength();
        var agents = await AgentsAsync();
        Assert.Equal(4, agents.Count(a => a.GetProperty("host").GetString() == $"{Host}@RegionOne"));
        Assert.Equal(inTwo, agents.Count(a => a.GetProperty("host").GetString() == $"{Host}@RegionTwo"));
        var dhcpTwo = agents.Single(a => a.GetProperty("agent_type").GetString() == "DHCP agent" && a.GetProperty("host").GetString() == $"{Host}@RegionTwo");
        Assert.Equal("az2", dhcpTwo.GetProperty("availability_zone").GetString());

        Assert.Equal(inTwo, (await AgentsAsync($"?host={Host}@RegionTwo")).Count);
        Assert.Equal(4 + inTwo, (await AgentsAsync($"?host={Host}")).Count); // unqualified: that name in every pod
        var l3 = await AgentsAsync("?availability_zone=az1&agent_type=L3+agent&fields=id&fields=host");
        var only = Assert.Single(l3);
        Assert.Equal($"{Host}@RegionOne", only.GetProperty("host").GetString());
        Assert.False(only.TryGetProperty("binary", out _));
        (await gateway.NetworkAsync(HttpMethod.Get, "agents?colour=red", gateway.AdminToken)).AssertNeutronError(HttpStatusCode.BadRequest, "HTTPBadRequest");

        var shown = await gateway.NetworkAsync(HttpMethod.Get, "agents/" + dhcpTwo.GetProperty("id").GetString(), gateway.AdminToken);
        shown.AssertOk();
        Assert.Equal($"{Host}@RegionTwo", shown.Json.GetProperty("agent").GetProperty("host").GetString());
        (await gateway.NetworkAsync(HttpMethod.Get, "agents/" + Guid.NewGuid(), gateway.AdminToken)).AssertNeutronError(HttpStatusCode.NotFound, "AgentNotFound");
    }

    [Fact]
    public async Task Agents_UpdateAndDelete_GoToTheAgentsPod()
    {
        var metadata = (await AgentsAsync($"?host={Host}@RegionTwo&binary=neutron-metadata-agent")).Single();
        var id = metadata.GetProperty("id").GetString()!;
        var updated = await gateway.NetworkAsync(HttpMethod.Put, "agents/" + id, gateway.AdminToken, JsonSerializer.Serialize(new { agent = new { admin_state_up = false, description = "draining" } }));
        updated.AssertOk();
        Assert.False(updated.Json.GetProperty("agent").GetProperty("admin_state_up").GetBoolean());
        Assert.Equal($"{Host}@RegionTwo", updated.Json.GetProperty("agent").GetProperty("host").GetString());
        var inPod = (await PodNeutronAsync("RegionTwo", HttpMethod.Get, "agents/" + id)).Json.GetProperty("agent");
        Assert.Equal("draining", inPod.GetProperty("description").GetString());
        Assert.False(inPod.GetProperty("admin_state_up").GetBoolean());
        (await gateway.NetworkAsync(HttpMethod.Put, "agents/" + id, gateway.AdminToken, JsonSerializer.Serialize(new { agent = new { host = "elsewhere" } }))).AssertNeutronError(HttpStatusCode.BadRequest, "HTTPBadRequest");

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "agents/" + id, gateway.AdminToken)).Status);
        (await PodNeutronAsync("RegionTwo", HttpMethod.Get, "agents/" + id)).AssertNeutronError(HttpStatusCode.NotFound, "AgentNotFound");
        (await gateway.NetworkAsync(HttpMethod.Delete, "agents/" + id, gateway.AdminToken)).AssertNeutronError(HttpStatusCode.NotFound, "AgentNotFound");
    }

    [Fact]
    public async Task Member_ListsNoAgents_FindsNone()
    {
        var any = (await AgentsAsync())[0].GetProperty("id").GetString()!;
        var list = await gateway.NetworkAsync(HttpMethod.Get, "agents", gateway.DemoToken);
        list.AssertOk();
        Assert.Empty(list.Json.GetProperty("agents").EnumerateArray());
        (await gateway.NetworkAsync(HttpMethod.Get, "agents/" + any, gateway.DemoToken)).AssertNeutronError(HttpStatusCode.NotFound, "AgentNotFound");
        (await gateway.NetworkAsync(HttpMethod.Put, "agents/" + any, gateway.DemoToken, JsonSerializer.Serialize(new { agent = new { admin_state_up = false } }))).AssertNeutronError(HttpStatusCode.NotFound, "AgentNotFound");
        (await gateway.NetworkAsync(HttpMethod.Delete, "agents/" + any, gateway.DemoToken)).AssertNeutronError(HttpStatusCode.NotFound, "AgentNotFound");
        Assert.True((await AgentsAsync()).Single(a => a.GetProperty("id").GetString() == any).GetProperty("admin_state_up").GetBoolean());
    }

    [Fact]
    public async Task PodDown_ListAnswersWithTheOtherPod()
    {
        await gateway.Region("RegionTwo").Faults.SetDownAsync(true);
        try
        {
            var agents = await AgentsAsync();
            Assert.Equal(4, agents.Count);
            Assert.All(agents, a => Assert.Equal($"{Host}@RegionOne", a.GetProperty("host").GetString()));
        }
        finally
        {
            await gateway.BringBackAsync("RegionTwo");
        }
    }
}
