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
    public async Task UnknownPath_IsNeutronsShapeToo()
    {
        var missing = await gateway.NetworkAsync(HttpMethod.Get, "no-such-collection", gateway.DemoToken);

        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Equal("HTTPNotFound", missing.Json.GetProperty("NeutronError").GetProperty("type").GetString());
    }
}
