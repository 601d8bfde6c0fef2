using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Tricircle.Emulator.Identity;

namespace Tricircle.Emulator.Regions;

/// <summary>
/// Bodies the real services' Python parsers take or refuse: a repeated key keeps its last value;
/// invalid UTF-8 and strings no text can hold (a lone surrogate) are a 400 in each service's
/// own words, never a 500. Each case here was a 500 from the emulator once.
/// </summary>
public sealed class MalformedBodyTests : IAsyncLifetime
{
    private static readonly byte[] InvalidUtf8 = [.. "{\"network\": {\"name\": \""u8, 0xff, 0xfe, .. "\"}}"u8];

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

    private async Task<(HttpStatusCode Status, string Text)> SendAsync(string method, string url, byte[] body, string contentType = "application/json", string? accept = null, string? header = null)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), url) { Content = new ByteArrayContent(body) };
        request.Headers.Add("X-Auth-Token", _token);
        if (accept is not null)
        {
            request.Headers.Add("Accept", accept);
        }

        if (header is not null)
        {
            request.Headers.Add("OpenStack-API-Version", header);
        }

        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var response = await _http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private string Url(ServiceKind kind, string path) => kind switch
    {
        ServiceKind.Compute => _region.ComputeUrl + path,
        ServiceKind.Network => _region.NetworkUrl + "v2.0" + path,
        ServiceKind.Volume => _region.VolumeUrl + "v3" + path,
        _ => _region.ImageUrl + "v2" + path,
    };

    [Theory]
    [InlineData("Compute", "/os-keypairs", """{"keypair": {"name": "first", "name": "second"}}""", "keypair")]
    [InlineData("Network", "/networks", """{"network": {"name": 7, "name": "second"}}""", "network")]
    [InlineData("Volume", "/types", """{"volume_type": {"name": "\ud800", "name": "second"}}""", "volume_type")]
    [InlineData("Image", "/images", """{"name": "first", "disk_format": "raw", "name": "second"}""", null)]
    public async Task RepeatedKey_KeepsTheLastValue(string service, string path, string body, string? wrapper)
    {
        var kind = Enum.Parse<ServiceKind>(service);
        var (status, text) = await SendAsync("POST", Url(kind, path), Encoding.UTF8.GetBytes(body));

        Assert.True((int)status is >= 200 and < 300, $"{(int)status} {text}");
        var created = JsonNode.Parse(text)!;
        Assert.Equal("second", (wrapper is null ? created : created[wrapper])!["name"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("Compute", "/os-keypairs", "badRequest", "Malformed request body")]
    [InlineData("Volume", "/types", "badRequest", "Malformed request body")]
    [InlineData("Network", "/networks", "HTTPBadRequest", "Unable to find 'network' in request body")]
    [InlineData("Network", "/routers/x/add_router_interface", "MalformedRequestBody", "Malformed request body: Cannot understand JSON")]
    public async Task InvalidUtf8OrLoneSurrogate_Is400InTheServiceShape(string service, string path, string type, string message)
    {
        var kind = Enum.Parse<ServiceKind>(service);
        var method = path.EndsWith("_interface", StringComparison.Ordinal) ? "PUT" : "POST";
        foreach (var body in (byte[][])[InvalidUtf8, "{\"network\": {\"name\": \"\\ud800\"}}"u8.ToArray(), "{\"\\udc00\": 1}"u8.ToArray()])
        {
            var (status, text) = await SendAsync(method, Url(kind, path), body);

            Assert.Equal(HttpStatusCode.BadRequest, status);
            var error = JsonNode.Parse(text)!;
            if (kind == ServiceKind.Network)
            {
                Assert.Equal(type, error["NeutronError"]!["type"]!.GetValue<string>());
                Assert.Equal(message, error["NeutronError"]!["message"]!.GetValue<string>());
            }
            else
            {
                Assert.Equal(message, error[type]!["message"]!.GetValue<string>());
                Assert.Equal(400, error[type]!["code"]!.GetValue<int>());
            }
        }
    }

    [Fact]
    public async Task Glance_InvalidUtf8_IsWebobs400()
    {
        var (status, text) = await SendAsync("POST", Url(ServiceKind.Image, "/images"), InvalidUtf8, accept: "application/json");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("Malformed JSON in request body.", JsonNode.Parse(text)!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Compute", "/flavors", "compute 99999999999.1")]
    [InlineData("Compute", "/flavors", "compute 2.100000000000000000000")]
    [InlineData("Volume", "/types", "volume 3.99999999999")]
    public async Task MicroversionPastInt_Is406(string service, string path, string version)
    {
        var (status, text) = await SendAsync("GET", Url(Enum.Parse<ServiceKind>(service), path), [], header: version);

        Assert.Equal(HttpStatusCode.NotAcceptable, status);
        Assert.Contains("is not supported by the API", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"auth\": ", "application/json", "Expecting to find valid JSON in request body.")]
    [InlineData("[1, 2]", "application/json", "Expecting to find valid JSON in request body.")]
    [InlineData("{\"auth\": \"\\ud800\"}", "application/json", "Expecting to find valid JSON in request body.")]
    [InlineData("{\"auth\": {}}", "text/plain", "Expecting to find application/json in Content-Type header.")]
    public async Task Keystone_BodyThatIsNoJsonObject_Is400BeforeAnyRoute(string body, string contentType, string message)
    {
        // Keystone's json_body hook runs for every request with a body, even one to a GET route.
        foreach (var (method, path) in ((string, string)[])[("POST", "v3/auth/tokens"), ("GET", "v3/regions"), ("POST", "v3/nowhere")])
        {
            var (status, text) = await SendAsync(method, _keystone.Url + path, Encoding.UTF8.GetBytes(body), contentType);

            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.StartsWith(message, JsonNode.Parse(text)!["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        }
    }
}
