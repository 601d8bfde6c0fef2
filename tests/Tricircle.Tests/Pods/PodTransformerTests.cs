using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Http;
using Tricircle.Hosting;

namespace Tricircle.Pods;

/// <summary>The forwarder's header rules (YARP transformer): what goes on to the pod and what comes back.</summary>
public sealed class PodTransformerTests
{
    private static PodTransformer Transformer(Func<int, Task>? onFailure = null, IEnumerable<KeyValuePair<string, string>>? headers = null) => new()
    {
        Destination = new Uri("http://pod:8774/v2.1/servers/abc?x=1"),
        Target = new Telemetry.PodCallTarget("RegionOne", "compute", "pod-1"),
        Token = "caller-token",
        PodBase = "http://pod:8774",
        OwnBase = "http://gw:19998",
        Headers = headers,
        OnFailure = onFailure,
    };

    private static DefaultHttpContext Context(string method = "GET")
    {
        var context = new DefaultHttpContext { TraceIdentifier = "req-ours" };
        context.Request.Method = method;
        context.Response.Body = new MemoryStream();
        return context;
    }

    [Fact]
    public async Task Request_CarriesTheCallersTokenOurRequestIdAndItsOwnHeaders_NotTheCallersOwnOrTraceHeaders()
    {
        var context = Context();
        var headers = context.Request.Headers;
        headers["X-Auth-Token"] = "sent-by-client";
        headers[RequestIdMiddleware.HeaderName] = "req-client";
        headers["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        headers["tracestate"] = "a=b";
        headers["Accept-Encoding"] = "gzip";
        headers["Connection"] = "keep-alive";
        headers["Host"] = "gw:19998";
        headers["Accept"] = "application/json";
        headers["OpenStack-API-Version"] = "compute 2.1";
        headers["X-Odd"] = "caf\u00e9";
        using var request = new HttpRequestMessage();

        await Transformer(headers: [new("OpenStack-API-Version", "compute 2.79")]).TransformRequestAsync(context, request, "http://pod:8774", default);

        Assert.Equal(new Uri("http://pod:8774/v2.1/servers/abc?x=1"), request.RequestUri);
        Assert.Equal(["caller-token"], request.Headers.GetValues("X-Auth-Token"));
        Assert.Equal(["req-ours"], request.Headers.GetValues(RequestIdMiddleware.HeaderName));
        Assert.Equal(["compute 2.79"], request.Headers.GetValues("OpenStack-API-Version"));
        Assert.Equal(["application/json"], request.Headers.GetValues("Accept"));
        foreach (var gone in new[] { "traceparent", "tracestate", "Accept-Encoding", "Connection", "Host", "X-Odd" })
        {
            Assert.False(request.Headers.Contains(gone), gone + " went on to the pod");
        }

        Assert.True(request.Options.TryGetValue(Telemetry.PodCallTarget.Key, out var target));
        Assert.Equal("pod-1", target.PodId);
    }

    [Fact]
    public async Task Request_AnonymousCall_GoesWithoutAToken_AndContentHeadersTravelWithTheBody()
    {
        var context = Context("POST");
        context.Request.ContentType = "application/json";
        context.Request.ContentLength = 2;
        using var request = new HttpRequestMessage { Content = new ByteArrayContent([]) };
        var anonymous = new PodTransformer
        {
            Destination = new Uri("http://pod:8774/"),
            Target = new Telemetry.PodCallTarget("RegionOne", "compute", "pod-1"),
            Token = "",
            PodBase = "http://pod:8774",
            OwnBase = "http://gw",
        };

        await anonymous.TransformRequestAsync(context, request, "http://pod:8774", default);

        Assert.False(request.Headers.Contains("X-Auth-Token"));
        Assert.Equal("application/json", request.Content.Headers.ContentType?.MediaType);
        Assert.Equal(2, request.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task Response_JsonIsReadForTheRewrite_LocationIsOurs_OwnHeadersAreNotCopied_PodRequestIdNoted()
    {
        var context = Context();
        using var response = new HttpResponseMessage(HttpStatusCode.Accepted)
        {
            Content = new StringContent("""{"href":"http://pod:8774/v2.1/servers/abc"}""", Encoding.UTF8, "application/json"),
        };
        response.Headers.Location = new Uri("http://pod:8774/v2.1/servers/abc");
        response.Headers.TryAddWithoutValidation(RequestIdMiddleware.HeaderName, "req-pod");
        response.Headers.TryAddWithoutValidation("Server", "nova");
        response.Headers.TryAddWithoutValidation("Vary", "OpenStack-API-Version");
        var transformer = Transformer();

        var streamed = await transformer.TransformResponseAsync(context, response, default);

        Assert.False(streamed);
        using var body = transformer.Body;
        Assert.NotNull(body);
        Assert.Equal("""{"href":"http://pod:8774/v2.1/servers/abc"}""", Encoding.UTF8.GetString(body.Span)); // PodForwarder rewrites it
        Assert.Equal("http://gw:19998/v2.1/servers/abc", context.Response.Headers.Location.ToString());
        Assert.Equal("req-pod", transformer.PodRequestId);
        Assert.False(context.Response.Headers.ContainsKey(RequestIdMiddleware.HeaderName));
        Assert.False(context.Response.Headers.ContainsKey("Server"));
        Assert.Equal("OpenStack-API-Version", context.Response.Headers.Vary.ToString());
    }

    [Fact]
    public async Task Response_NotJson_IsStreamedWithItsLength()
    {
        var context = Context();
        using var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(new byte[1000]) };
        response.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var transformer = Transformer();

        Assert.True(await transformer.TransformResponseAsync(context, response, default));
        Assert.Null(transformer.Body);
        Assert.Equal(1000, context.Response.ContentLength);
    }

    [Fact]
    public async Task Response_NoContent_HasNoBody()
    {
        var context = Context("DELETE");
        using var response = new HttpResponseMessage(HttpStatusCode.NoContent) { Content = new StringContent("", Encoding.UTF8, "application/json") };
        var transformer = Transformer();

        Assert.False(await transformer.TransformResponseAsync(context, response, default));
        Assert.Null(transformer.Body);
    }

    [Fact]
    public async Task Response_PodError_RunsOnFailureFirst_AndAHookFailureIsKeptToBeRethrown()
    {
        var seen = new List<int>();
        var context = Context("POST");
        using var refused = new HttpResponseMessage(HttpStatusCode.Forbidden) { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        await Transformer(onFailure: s => { seen.Add(s); return Task.CompletedTask; }).TransformResponseAsync(context, refused, default);
        Assert.Equal([403], seen);

        var broken = new InvalidOperationException("the undo failed");
        var failing = Transformer(onFailure: _ => throw broken);
        using var again = new HttpResponseMessage(HttpStatusCode.Conflict) { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await failing.TransformResponseAsync(Context("POST"), again, default));
        Assert.Same(broken, failing.Failure);
    }
}
