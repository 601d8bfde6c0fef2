using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Hosting;

/// <summary>
/// Request bodies are limited as in any OpenStack service (oslo.middleware's 112 KiB): a larger
/// one is that caller's 413 in the API's own shape, whether its length is declared or it comes
/// chunked, and never a pod failure: a tenant sending huge bodies to a pod's servers does not
/// make that pod unavailable for anyone else.
/// </summary>
public abstract class RequestLimitsTests(GatewayFixture gateway)
{
    private const int Limit = 114688;

    [Fact]
    public async Task ABodyOverTheLimit_Is413InEachApisShape()
    {
        var big = new string('x', Limit + 1);
        var nova = await gateway.ComputeAsync(HttpMethod.Post, "os-keypairs", gateway.DemoToken, JsonSerializer.Serialize(new { keypair = new { name = big } }));
        Assert.Contains("max_request_body_size", nova.AssertError(HttpStatusCode.RequestEntityTooLarge, "overLimit"), StringComparison.Ordinal);
        var neutron = await gateway.NetworkAsync(HttpMethod.Post, "networks", gateway.DemoToken, JsonSerializer.Serialize(new { network = new { name = big } }));
        Assert.Contains("max_request_body_size", neutron.AssertNeutronError(HttpStatusCode.RequestEntityTooLarge, "HTTPRequestEntityTooLarge"), StringComparison.Ordinal);
        var admin = await gateway.SendAsync(new Uri(gateway.AdminUrl + "/pods"), HttpMethod.Post, gateway.AdminToken, JsonSerializer.Serialize(new { pod = new { region_name = big } }));
        admin.AssertError(HttpStatusCode.RequestEntityTooLarge, "overLimit");

        // Just under it is read as usual (and refused for what it says, not for its size).
        var under = await gateway.NetworkAsync(HttpMethod.Post, "networks", gateway.DemoToken, JsonSerializer.Serialize(new { network = new { name = new string('x', Limit - 100) } }));
        Assert.NotEqual(HttpStatusCode.RequestEntityTooLarge, under.Status);
    }

    [Fact]
    public async Task HugeBodiesFromOneTenant_OnForwardedCalls_Are413ToIt_AndThePodStaysAvailableForOthers()
    {
        var (abuser, _) = gateway.NewTenant("huge");
        var (other, _) = gateway.NewTenant("bystander");
        var target = await gateway.BootAsync(abuser, "az1", "target");
        var mine = await gateway.BootAsync(other, "az1", "mine");

        // Chunked, so nothing says its size up front: it stops being read at the limit, while
        // forwarded. (Before, a body that failed half-way was the pod's failure: four of them
        // rested the pod for everyone.) Small enough that the client has sent it all when the
        // answer comes; a larger one gets the same 413 but may see its connection closed first.
        for (var i = 0; i < 8; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(gateway.ComputeUrl + "/servers/" + target));
            request.Headers.Add("X-Auth-Token", abuser);
            request.Content = new StreamContent(new EndlessJson(3 * Limit));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            var answer = await ApiResponse.SendAsync(gateway.Http, request);
            Assert.True(answer.Status == HttpStatusCode.RequestEntityTooLarge, answer.Text);
            Assert.DoesNotContain("unavailable", answer.Text, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Equal(HttpStatusCode.OK, (await gateway.ComputeAsync(HttpMethod.Get, "servers/" + mine, other, microversion: "2.37")).Status);
        var placed = await gateway.BootAsync(other, "az1", "after");
        Assert.Equal("az1", (await gateway.ComputeAsync(HttpMethod.Get, "servers/" + placed, other, microversion: "2.37")).Json.GetProperty("server").GetProperty("OS-EXT-AZ:availability_zone").GetString());
    }

    [Fact]
    public async Task ALongQuery_Is414InTheApisShape_AndATokenThatCannotBeOne_Is401()
    {
        // Kestrel answered a 70 KB query with a bodiless 414; a non-ASCII token made a 503 (it could not be sent on to Keystone).
        var query = new string('a', 70_000);
        (await gateway.ComputeAsync(HttpMethod.Get, "servers?name=" + query, gateway.DemoToken)).AssertError(HttpStatusCode.RequestUriTooLong, "computeFault");
        (await gateway.NetworkAsync(HttpMethod.Get, "networks?name=" + query, gateway.DemoToken)).AssertNeutronError(HttpStatusCode.RequestUriTooLong, "HTTPRequestURITooLong");

        using var utf8 = new HttpClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => System.Text.Encoding.UTF8 });
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway.ComputeUrl + "/servers"));
        request.Headers.TryAddWithoutValidation("X-Auth-Token", "caf\u00e9-token");
        var answer = await ApiResponse.SendAsync(utf8, request);
        Assert.Equal(HttpStatusCode.Unauthorized, answer.Status);
        Assert.True(answer.Message.Headers.Contains("WWW-Authenticate"));
    }

    [Fact]
    public async Task AVeryLongUrlOrHeader_IsAnsweredInTheApisShape_NotWithKestrelsEmptyBody()
    {
        // Kestrel answered a URL over 128 KiB with a bodiless 414, and a 40 KB header with a bodiless 431.
        var query = new string('a', 600_000);
        (await gateway.ComputeAsync(HttpMethod.Get, "servers?name=" + query, gateway.DemoToken)).AssertError(HttpStatusCode.RequestUriTooLong, "computeFault");

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway.NetworkUrl, "v2.0/networks"));
        request.Headers.Add("X-Auth-Token", gateway.DemoToken);
        request.Headers.Add("X-Padding", new string('h', 40_000));
        var answer = await ApiResponse.SendAsync(gateway.Http, request);
        Assert.Contains("X-Padding", answer.AssertNeutronError(HttpStatusCode.RequestHeaderFieldsTooLarge, "HTTPRequestHeaderFieldsTooLarge"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheNulCharacter_InABodyOrAQuery_Is400OnEveryDatabase_AndNothingIsMade()
    {
        // On PostgreSQL these were 500s ("invalid byte sequence for encoding UTF8: 0x00").
        var (token, _) = gateway.NewTenant("nul");
        var network = await gateway.NetworkAsync(HttpMethod.Post, "networks", token, JsonSerializer.Serialize(new { network = new { name = "a\u0000b" } }));
        Assert.Contains("NUL", network.AssertNeutronError(HttpStatusCode.BadRequest, "HTTPBadRequest"), StringComparison.Ordinal);
        Assert.DoesNotContain((await gateway.NetworkAsync(HttpMethod.Get, "networks", token)).Json.GetProperty("networks").EnumerateArray(), n => n.GetProperty("name").GetString()!.StartsWith('a'));
        var pod = await gateway.SendAsync(new Uri(gateway.AdminUrl + "/pods"), HttpMethod.Post, gateway.AdminToken, JsonSerializer.Serialize(new { pod = new { region_name = "Nul\u0000Region", az_name = "aznul" } }));
        pod.AssertError(HttpStatusCode.BadRequest, "badRequest");
        (await gateway.NetworkAsync(HttpMethod.Get, "ports?name=%00", token)).AssertNeutronError(HttpStatusCode.BadRequest, "HTTPBadRequest");
    }

    /// <summary>A JSON body of a given length that is produced as it is read (no length known up front).</summary>
    private sealed class EndlessJson(long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            for (var i = 0; i < n; i++)
            {
                buffer[offset + i] = _position + i == 0 ? (byte)'{' : (byte)' ';
            }

            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

public sealed class SqliteRequestLimitsTests(SqliteGatewayFixture gateway) : RequestLimitsTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class PostgresRequestLimitsTests(PostgresGatewayFixture gateway) : RequestLimitsTests(gateway), IClassFixture<PostgresGatewayFixture>;
