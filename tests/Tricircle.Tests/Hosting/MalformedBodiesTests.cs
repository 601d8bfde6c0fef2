using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Tricircle.Support;

namespace Tricircle.Hosting;

/// <summary>
/// Bodies that are not what a request needs, on every API: a 4xx in the API's error shape, never
/// a 500 (issue 11, item 3). Duplicate keys are taken as OpenStack's parsers take them: the last
/// value wins.
/// </summary>
public abstract class MalformedBodiesTests(GatewayFixture gateway)
{
    /// <summary>One body-reading request per API, with the caller it needs and the shape of its errors.</summary>
    public enum Api
    {
        AdminPods,
        NovaKeypairs,
        NovaServers,
        NovaFlavors,
        CinderVolumes,
        CinderTypes,
        NeutronNetworks,
        NeutronSecurityGroups,
        NeutronQuotas,
    }

    public static TheoryData<Api, string> Cases()
    {
        var bodies = new[]
        {
            "lone-surrogate", "invalid-utf8", "invalid-utf8-key", "array", "string", "null", "number", "wrapper-not-object", "empty", "whitespace", "truncated", "too-deep",
        };
        var data = new TheoryData<Api, string>();
        foreach (var api in Enum.GetValues<Api>())
        {
            foreach (var body in bodies)
            {
                data.Add(api, body);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadBody_Is400InTheApisShape(Api api, string kind)
    {
        var (url, wrapper, token) = Target(api);
        byte[] body = kind switch
        {
            "lone-surrogate" => Encoding.UTF8.GetBytes($$$"""{"{{{wrapper}}}": {"name": "\ud800"}}"""),
            "invalid-utf8" => [.. Encoding.UTF8.GetBytes($$$"""{"{{{wrapper}}}": {"name": "a"""), 0xC3, 0x28, 0xFF, .. Encoding.UTF8.GetBytes("\"}}")],
            "invalid-utf8-key" => [.. Encoding.UTF8.GetBytes($$$"""{"{{{wrapper}}}": {"""), 0x22, 0xFE, 0x22, .. Encoding.UTF8.GetBytes(": 1}}")],
            "array" => Encoding.UTF8.GetBytes("[]"),
            "string" => Encoding.UTF8.GetBytes("\"x\""),
            "null" => Encoding.UTF8.GetBytes("null"),
            "number" => Encoding.UTF8.GetBytes("1"),
            "wrapper-not-object" => Encoding.UTF8.GetBytes($$$"""{"{{{wrapper}}}": [1]}"""),
            "empty" => [],
            "whitespace" => Encoding.UTF8.GetBytes("  \n"),
            "truncated" => Encoding.UTF8.GetBytes($$$"""{"{{{wrapper}}}": {"""),
            _ => Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("[", 200)) + string.Concat(Enumerable.Repeat("]", 200))),
        };
        var response = await SendAsync(HttpMethod.Post, url, token, body, "application/json");
        AssertShape(api, response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData(Api.AdminPods)]
    [InlineData(Api.NovaKeypairs)]
    [InlineData(Api.CinderTypes)]
    [InlineData(Api.NeutronNetworks)]
    public async Task NotJson_Is415InTheApisShape(Api api)
    {
        var (url, wrapper, token) = Target(api);
        var response = await SendAsync(HttpMethod.Post, url, token, Encoding.UTF8.GetBytes($$$"""{"{{{wrapper}}}": {}}"""), "text/plain");
        AssertShape(api, response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task DuplicateKeys_TheLastValueWins()
    {
        var (token, _) = gateway.NewTenant("dupkeys");
        var keypair = await gateway.ComputeAsync(HttpMethod.Post, "os-keypairs", token, """{"keypair": {"name": "dup-a", "name": "dup-b"}}""", "2.2");
        Assert.True(keypair.Status == HttpStatusCode.Created, keypair.Text);
        Assert.Equal("dup-b", keypair.Json.GetProperty("keypair").GetProperty("name").GetString());

        var network = await gateway.NetworkAsync(HttpMethod.Post, "networks", token, """{"network": {"name": "dup-a"}, "network": {"name": "dup-b", "description": "last"}}""");
        Assert.True(network.Status == HttpStatusCode.Created, network.Text);
        Assert.Equal("dup-b", network.Json.GetProperty("network").GetProperty("name").GetString());
        Assert.Equal("last", network.Json.GetProperty("network").GetProperty("description").GetString());
    }

    private (string Url, string Wrapper, string Token) Target(Api api) => api switch
    {
        Api.AdminPods => (gateway.AdminUrl.ToString().TrimEnd('/') + "/pods", "pod", gateway.AdminToken),
        Api.NovaKeypairs => (gateway.ComputeUrl.ToString().TrimEnd('/') + "/os-keypairs", "keypair", gateway.DemoToken),
        Api.NovaServers => (gateway.ComputeUrl.ToString().TrimEnd('/') + "/servers", "server", gateway.DemoToken),
        Api.NovaFlavors => (gateway.ComputeUrl.ToString().TrimEnd('/') + "/flavors", "flavor", gateway.AdminToken),
        Api.CinderVolumes => ($"{gateway.VolumeUrl.ToString().TrimEnd('/')}/{gateway.DemoProjectId}/volumes", "volume", gateway.DemoToken),
        Api.CinderTypes => ($"{gateway.VolumeUrl.ToString().TrimEnd('/')}/{AdminProject()}/types", "volume_type", gateway.AdminToken),
        Api.NeutronNetworks => (new Uri(gateway.NetworkUrl, "v2.0/networks").ToString(), "network", gateway.DemoToken),
        Api.NeutronSecurityGroups => (new Uri(gateway.NetworkUrl, "v2.0/security-groups").ToString(), "security_group", gateway.DemoToken),
        _ => (new Uri(gateway.NetworkUrl, $"v2.0/quotas/{gateway.DemoProjectId}").ToString(), "quota", gateway.AdminToken),
    };

    private string AdminProject() => gateway.Sandbox.Keystone.IssueToken("admin", Sandbox.SandboxOptions.AdminPassword, "admin").ProjectId;

    private async Task<ApiResponse> SendAsync(HttpMethod method, string url, string token, byte[] body, string contentType)
    {
        // Neutron's quotas are a PUT; every other target here is a create.
        var request = new HttpRequestMessage(url.Contains("/quotas/", StringComparison.Ordinal) ? HttpMethod.Put : method, url);
        request.Headers.Add("X-Auth-Token", token);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return await ApiResponse.SendAsync(gateway.Http, request);
    }

    private static void AssertShape(Api api, ApiResponse response, HttpStatusCode status)
    {
        if (api.ToString().StartsWith("Neutron", StringComparison.Ordinal))
        {
            Assert.True(response.Status == status, $"expected {(int)status}, got {(int)response.Status}: {response.Text}");
            Assert.False(string.IsNullOrEmpty(response.Json.GetProperty("NeutronError").GetProperty("message").GetString()), response.Text);
        }
        else
        {
            Assert.False(string.IsNullOrEmpty(response.AssertError(status, status == HttpStatusCode.BadRequest ? "badRequest" : "badMediaType")));
        }
    }
}

public sealed class SqliteMalformedBodiesTests(SqliteGatewayFixture gateway) : MalformedBodiesTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class PostgresMalformedBodiesTests(PostgresGatewayFixture gateway) : MalformedBodiesTests(gateway), IClassFixture<PostgresGatewayFixture>;
