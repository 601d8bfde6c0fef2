using System.Net;
using System.Net.Http.Headers;
using Microsoft.Net.Http.Headers;
using Tricircle.Hosting;
using Yarp.ReverseProxy.Forwarder;

namespace Tricircle.Pods;

/// <summary>
/// The header rules of one forwarded call, as YARP's forwarder applies them. Towards the pod:
/// hop-by-hop headers, the caller's token, request id, <c>Accept-Encoding</c> and trace headers
/// are not passed on (the pod gets the caller's token as <c>X-Auth-Token</c>, our request id as
/// its global request id, and the <c>traceparent</c> of our own pod-call span, which
/// HttpClient's diagnostics add); values that are not printable ASCII stay here; the call's own
/// headers (microversions) replace the caller's of the same name. Back: hop-by-hop and our own
/// headers (request id, <c>Date</c>, <c>Server</c>) are not copied, <c>Location</c> is rewritten to
/// the gateway's URL, the pod's request id is noted, and a JSON answer is read into
/// <see cref="Body"/> (for <see cref="PodForwarder"/> to rewrite) instead of being streamed.
/// </summary>
internal sealed class PodTransformer : HttpTransformer
{
    // RFC 9110 §7.6.1 connection-specific headers, plus those the transport recomputes.
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
        "Host", "Content-Length", "Proxy-Connection",
    };

    // Request headers that are ours to set towards the pod.
    private static readonly HashSet<string> OwnRequestHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "X-Auth-Token", HeaderNames.AcceptEncoding, RequestIdMiddleware.HeaderName, "traceparent", "tracestate", "baggage", "Request-Id", "Correlation-Context",
    };

    // Response headers that are ours to set (request id) or stale after a rewrite.
    private static readonly HashSet<string> OwnResponseHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        RequestIdMiddleware.HeaderName, RequestIdMiddleware.ComputeHeaderName, "Date", "Server",
    };

    private static readonly System.Buffers.SearchValues<char> Printable = System.Buffers.SearchValues.Create("\t !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    // JSON bodies above this are streamed untouched rather than rewritten.
    private const int RewriteLimit = 32 * 1024 * 1024;

    public required Uri Destination { get; init; }

    public required Telemetry.PodCallTarget Target { get; init; }

    /// <summary>The caller's token, or empty for an anonymous call (a version document).</summary>
    public required string Token { get; init; }

    public required string PodBase { get; init; }

    public required string OwnBase { get; init; }

    public IEnumerable<KeyValuePair<string, string>>? Headers { get; init; }

    /// <summary>Runs before a pod's error answer is passed on.</summary>
    public Func<int, Task>? OnFailure { get; init; }

    /// <summary>The pod's JSON answer, read whole; null when it was streamed (or had no body).</summary>
    public PooledBuffer? Body { get; private set; }

    /// <summary>The pod's own request id, when it sent one.</summary>
    public string? PodRequestId { get; private set; }

    /// <summary>An exception of our own (a hook's, not the pod's) raised inside the forwarder, to be rethrown as it was.</summary>
    public Exception? Failure { get; private set; }

    public override ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        foreach (var (name, values) in httpContext.Request.Headers)
        {
            if (HopByHop.Contains(name) || OwnRequestHeaders.Contains(name) || !AllPrintableAscii(values))
            {
                // A value that is not printable ASCII cannot be sent on (HttpClient refuses it, which
                // would read as the pod failing); no OpenStack header needs one, so it stays here.
                continue;
            }

            if (name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                proxyRequest.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
            else
            {
                proxyRequest.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        if (httpContext.Request.ContentLength is { } length && proxyRequest.Content is not null)
        {
            proxyRequest.Content.Headers.ContentLength = length;
        }

        foreach (var (name, value) in Headers ?? [])
        {
            proxyRequest.Headers.Remove(name);
            proxyRequest.Headers.TryAddWithoutValidation(name, value);
        }

        if (Token.Length > 0)
        {
            proxyRequest.Headers.TryAddWithoutValidation("X-Auth-Token", Token);
        }

        proxyRequest.Headers.TryAddWithoutValidation(RequestIdMiddleware.HeaderName, httpContext.TraceIdentifier);
        proxyRequest.RequestUri = Destination;
        proxyRequest.Options.Set(Telemetry.PodCallTarget.Key, Target);
        return ValueTask.CompletedTask;
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        if (proxyResponse is null)
        {
            return false; // no answer: PodForwarder maps the forwarder's error
        }

        try
        {
            if (!proxyResponse.IsSuccessStatusCode && OnFailure is not null)
            {
                await OnFailure((int)proxyResponse.StatusCode);
            }
        }
        catch (Exception e)
        {
            Failure = e;
            throw;
        }

        // The pod's own request id names the call in the pod's logs (and in Nova's instance
        // actions, which record the local id, not the global one we sent): an operator finds it here.
        if (proxyResponse.Headers.NonValidated.TryGetValues(RequestIdMiddleware.HeaderName, out var podIds)
            || proxyResponse.Headers.NonValidated.TryGetValues(RequestIdMiddleware.ComputeHeaderName, out podIds))
        {
            PodRequestId = string.Join(",", podIds);
        }

        var response = httpContext.Response;
        CopyHeaders(proxyResponse.Headers.NonValidated, response.Headers);
        CopyHeaders(proxyResponse.Content.Headers.NonValidated, response.Headers);

        var contentLength = proxyResponse.Content.Headers.ContentLength;
        if (proxyResponse.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.NotModified || HttpMethods.IsHead(httpContext.Request.Method))
        {
            // No body may follow (real Nova's 204 still says application/json, length 0).
            return false;
        }

        var isJson = proxyResponse.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true;
        if (isJson && contentLength is null or <= RewriteLimit)
        {
            Body = new PooledBuffer((int)(contentLength ?? 8192) + 1);
            await using var podBody = await proxyResponse.Content.ReadAsStreamAsync(cancellationToken);
            await Body.ReadFromAsync(podBody, int.MaxValue, cancellationToken);
            return false;
        }

        if (contentLength is { } length)
        {
            response.ContentLength = length;
        }

        return true;
    }

    private void CopyHeaders(HttpHeadersNonValidated from, IHeaderDictionary to)
    {
        foreach (var (name, values) in from)
        {
            if (HopByHop.Contains(name) || OwnResponseHeaders.Contains(name))
            {
                continue;
            }

            if (values.Count == 1)
            {
                var value = values.ToString();
                to[name] = name.Equals(HeaderNames.Location, StringComparison.OrdinalIgnoreCase) ? PodForwarder.Rewrite(value, PodBase, OwnBase) : value;
            }
            else
            {
                to[name] = name.Equals(HeaderNames.Location, StringComparison.OrdinalIgnoreCase)
                    ? values.Select(v => PodForwarder.Rewrite(v, PodBase, OwnBase)).ToArray()
                    : values.ToArray();
            }
        }
    }

    private static bool AllPrintableAscii(Microsoft.Extensions.Primitives.StringValues values)
    {
        foreach (var value in values)
        {
            if (value is not null && value.AsSpan().ContainsAnyExcept(Printable))
            {
                return false;
            }
        }

        return true;
    }
}
