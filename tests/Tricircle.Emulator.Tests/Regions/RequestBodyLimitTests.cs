using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Tricircle.Emulator.Identity;

namespace Tricircle.Emulator.Regions;

/// <summary>
/// oslo.middleware's sizelimit (114688 bytes) in front of Nova, Cinder and Keystone: a 413 for
/// the one oversized request, declared or streamed, never a 500 (which a gateway would count
/// against the pod). Neutron and Glance have no such filter.
/// </summary>
public sealed class RequestBodyLimitTests : IAsyncLifetime
{
    private const int Limit = 114_688;

    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false });
    private KeystoneEmulator _keystone = null!;
    private RegionEmulator _region = null!;
    private string _token = "";

    public async Task InitializeAsync()
    {
        _keystone = await KeystoneEmulator.StartAsync(new KeystoneEmulatorOptions());
        _region = await RegionEmulator.StartAsync(_keystone, new RegionEmulatorOptions { Name = "RegionOne" });
        _token = _keystone.IssueToken("admin", "password", "admin").Id;
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _region.DisposeAsync();
        await _keystone.DisposeAsync();
    }

    // A valid body just over the limit: {"server": {"name": "x", "metadata": {"k": "yyyy…"}}}.
    private static byte[] Oversized(string wrapper) =>
        Encoding.UTF8.GetBytes(new JsonObject { [wrapper] = new JsonObject { ["name"] = "x", ["description"] = new string('y', Limit) } }.ToJsonString());

    private async Task<(HttpStatusCode Status, string? MediaType, string Text)> PostAsync(Uri url, byte[] body, bool chunked, string? accept = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        request.Headers.Add("X-Auth-Token", _token);
        if (accept is not null)
        {
            request.Headers.Add("Accept", accept);
        }

        request.Content = chunked ? new StreamContent(new NoLengthStream(body)) : new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _http.SendAsync(request);
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task NovaAndCinder_DeclaredOversizedBody_IsWebobs413BeforeAuthentication()
    {
        var nova = await PostAsync(new Uri(_region.ComputeUrl + "/servers"), Oversized("server"), chunked: false, accept: "application/json");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, nova.Status);
        Assert.Equal("application/json", nova.MediaType);
        Assert.Equal($"Request is too large. Larger than max_request_body_size ({Limit}).<br /><br />\n\n\n", JsonNode.Parse(nova.Text)!["message"]!.GetValue<string>());

        var cinder = await PostAsync(new Uri(_region.VolumeUrl, "v3/volumes"), Oversized("volume"), chunked: false);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, cinder.Status);
        Assert.Equal("text/html", cinder.MediaType);
        Assert.Contains("413 Request Entity Too Large", cinder.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NovaAndCinder_StreamedOversizedBody_Is413InTheServiceShape()
    {
        var nova = await PostAsync(new Uri(_region.ComputeUrl + "/servers"), Oversized("server"), chunked: true);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, nova.Status);
        Assert.Equal(413, JsonNode.Parse(nova.Text)!["overLimit"]!["code"]!.GetValue<int>());

        var cinder = await PostAsync(new Uri(_region.VolumeUrl, "v3/volumes"), Oversized("volume"), chunked: true);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, cinder.Status);
        Assert.NotNull(JsonNode.Parse(cinder.Text)!["overLimit"]);
    }

    [Fact]
    public async Task Neutron_HasNoSizeLimit_TheBodyIsJudgedOnItsContent()
    {
        var neutron = await PostAsync(new Uri(_region.NetworkUrl, "v2.0/networks"), Oversized("network"), chunked: false);
        Assert.Equal(HttpStatusCode.BadRequest, neutron.Status);
        Assert.EndsWith("' exceeds maximum length of 255.", JsonNode.Parse(neutron.Text)!["NeutronError"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keystone_OversizedBody_Is413()
    {
        var declared = await PostAsync(new Uri(_keystone.Url, "v3/auth/tokens"), Oversized("auth"), chunked: false, accept: "application/json");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.Status);

        var streamed = await PostAsync(new Uri(_keystone.Url, "v3/regions"), Oversized("region"), chunked: true);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, streamed.Status);
        Assert.Equal(413, JsonNode.Parse(streamed.Text)!["error"]!["code"]!.GetValue<int>());
    }

    /// <summary>A stream that hides its length, so that HttpClient sends it chunked.</summary>
    private sealed class NoLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
