using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Net.Http.Headers;
using Tricircle.Hosting;
using Tricircle.Identity;

namespace Tricircle.Pods;

/// <summary>
/// Forwards the current request to a pod and its answer back, modelled on YARP's
/// <c>HttpForwarder</c>: hop-by-hop headers dropped both ways, bodies streamed, the caller's
/// token passed on, our request id sent as the global request id, and the pod's URLs in JSON
/// bodies and <c>Location</c> rewritten to the gateway's, so clients never see a pod.
/// </summary>
internal sealed partial class PodForwarder(PodClient client, ILogger<PodForwarder> logger)
{
    // RFC 9110 §7.6.1 connection-specific headers, plus those the transport recomputes.
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
        "Host", "Content-Length", "Proxy-Connection",
    };

    // Response headers that are ours to set (request id) or stale after a rewrite.
    private static readonly HashSet<string> OwnResponseHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        RequestIdMiddleware.HeaderName, RequestIdMiddleware.ComputeHeaderName, "Date", "Server",
    };

    /// <summary>Where the pod's request id of the last forwarded call is left in <see cref="HttpContext.Items"/>.</summary>
    public static readonly object PodRequestIdItem = new();

    // JSON bodies above this are streamed untouched rather than rewritten.
    private const int RewriteLimit = 32 * 1024 * 1024;

    /// <summary>
    /// Forwards to <paramref name="relativeUri"/> (relative to the pod's versioned service root,
    /// query included). <paramref name="onSuccess"/> sees (and may edit) the JSON answer of a
    /// successful call before the client does; <paramref name="body"/> replaces the request's
    /// body and <paramref name="headers"/> replace headers of the same name. An anonymous request
    /// (a version document) goes without a token; <paramref name="unbounded"/> is for image data
    /// (see <see cref="PodClient.SendAsync"/>). <paramref name="onFailure"/> runs before a pod's
    /// error answer is passed on (a create undoing what it made, so the client that hears the
    /// refusal finds nothing of it left). <paramref name="parts"/> names the properties (paths from
    /// the root object) <paramref name="onSuccess"/> reads and edits: it then sees an object holding
    /// only those, and the rest of the answer passes through as the pod wrote it, never parsed.
    /// </summary>
    /// <returns>The pod's status code (already sent to the client).</returns>
    public async Task<int> ForwardAsync(
        HttpContext context,
        Pod pod,
        string serviceType,
        string relativeUri,
        Func<JsonNode, Task>? onSuccess = null,
        HttpContent? body = null,
        IEnumerable<KeyValuePair<string, string>>? headers = null,
        bool unbounded = false,
        Func<int, Task>? onFailure = null,
        IReadOnlyList<string[]>? parts = null)
    {
        var token = context.Features.Get<RequestContext>()?.AuthToken ?? "";
        using var request = new HttpRequestMessage(HttpMethod.Parse(context.Request.Method), new Uri(relativeUri, UriKind.Relative));
        foreach (var (name, values) in context.Request.Headers)
        {
            if (HopByHop.Contains(name) || name.Equals("X-Auth-Token", StringComparison.OrdinalIgnoreCase) || name.Equals(HeaderNames.AcceptEncoding, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) || name.Equals(RequestIdMiddleware.HeaderName, StringComparison.OrdinalIgnoreCase))
            {
                continue; // content headers travel with the content below; the request id is ours
            }

            // A value that is not printable ASCII cannot be sent on (HttpClient refuses it, which
            // would read as the pod failing); no OpenStack header needs one, so it stays here.
            if (values.All(IsPrintableAscii))
            {
                request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.Remove(name);
            request.Headers.TryAddWithoutValidation(name, value);
        }

        request.Headers.TryAddWithoutValidation("X-OpenStack-Request-ID", context.TraceIdentifier);
        request.Content = body ?? RequestContent(context.Request);

        using var response = await client.SendAsync(pod, serviceType, request, token, context.RequestAborted, unbounded);
        if (!response.IsSuccessStatusCode && onFailure is not null)
        {
            await onFailure((int)response.StatusCode);
        }

        // The pod's own request id names the call in the pod's logs (and in Nova's instance
        // actions, which record the local id, not the global one we sent): an operator finds it here.
        if (response.Headers.TryGetValues(RequestIdMiddleware.HeaderName, out var podIds) || response.Headers.TryGetValues(RequestIdMiddleware.ComputeHeaderName, out podIds))
        {
            Log.PodAnswered(logger, pod.RegionName, context.Request.Method, relativeUri, (int)response.StatusCode, string.Join(",", podIds));
            context.Items[PodRequestIdItem] = podIds.First();
        }

        var podRoot = await client.ServiceRootAsync(pod, serviceType, context.RequestAborted);
        var podBase = BaseOf(podRoot);
        var ownBase = GatewayBase(context);

        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (HopByHop.Contains(name) || OwnResponseHeaders.Contains(name))
            {
                continue;
            }

            context.Response.Headers[name] = name.Equals(HeaderNames.Location, StringComparison.OrdinalIgnoreCase)
                ? values.Select(v => Rewrite(v, podBase, ownBase)).ToArray()
                : values.ToArray();
        }

        if (response.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.NotModified || context.Request.Method == "HEAD")
        {
            // No body may follow (real Nova's 204 still says application/json, length 0).
            return (int)response.StatusCode;
        }

        var isJson = response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true;
        if (isJson && response.Content.Headers.ContentLength is null or <= RewriteLimit)
        {
            // One pass over pooled bytes: the pod's URLs made ours; a hook's parts parsed alone.
            using var read = new PooledBuffer((int)(response.Content.Headers.ContentLength ?? 8192) + 1);
            await using (var podBody = await response.Content.ReadAsStreamAsync(context.RequestAborted))
            {
                await read.ReadFromAsync(podBody, int.MaxValue, context.RequestAborted);
            }

            using var rewritten = new PooledBuffer(read.Length + 1024);
            PodBodyRewriter.RewriteUrls(read.Span, Encoding.UTF8.GetBytes(podBase), Encoding.UTF8.GetBytes(ownBase), rewritten);
            using var edited = new PooledBuffer(onSuccess is null ? 1 : rewritten.Length + 1024);
            var answer = rewritten;
            if (onSuccess is not null && response.IsSuccessStatusCode && rewritten.Length > 0)
            {
                if (parts is null)
                {
                    if (JsonNode.Parse(rewritten.Span) is { } node)
                    {
                        await onSuccess(node);
                        await using var writer = new Utf8JsonWriter(edited);
                        node.WriteTo(writer);
                        await writer.FlushAsync(context.RequestAborted);
                        answer = edited;
                    }
                }
                else if (PodBodyRewriter.FindParts(rewritten.Span, parts) is { } found)
                {
                    // (A body that is not JSON after all goes on as the pod wrote it, as from a proxy.)
                    var view = PodBodyRewriter.View(found);
                    await onSuccess(view);
                    PodBodyRewriter.Splice(rewritten.Span, found, view, edited);
                    answer = edited;
                }
            }

            context.Response.ContentLength = answer.Length;
            if (answer.Length > 0)
            {
                // An empty body is not written: the answer then goes when the caller's handler
                // ends, after what it does with the pod's answer (a detach's release, say).
                await context.Response.Body.WriteAsync(answer.Memory, context.RequestAborted);
            }

            return (int)response.StatusCode;
        }

        if (response.Content.Headers.ContentLength is { } length)
        {
            context.Response.ContentLength = length;
        }

        await using var stream = await response.Content.ReadAsStreamAsync(context.RequestAborted);
        await stream.CopyToAsync(context.Response.Body, context.RequestAborted);
        return (int)response.StatusCode;
    }

    /// <summary>The request body as content for the pod (streamed), or null when there is none.</summary>
    public static HttpContent? RequestContent(HttpRequest request)
    {
        if (request.ContentLength is 0 || (request.ContentLength is null && !request.Headers.TransferEncoding.Any(v => v?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true)))
        {
            return null;
        }

        var content = new StreamContent(new CallerBodyStream(request.Body));
        foreach (var (name, values) in request.Headers)
        {
            if (name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) && values.All(IsPrintableAscii))
            {
                content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        return content;
    }

    private static bool IsPrintableAscii(string? value) => value is null || value.All(c => c is >= ' ' and <= '~' || c == '\t');

    /// <summary>How clients reached us: scheme, host and path base, without a trailing slash.</summary>
    public static string GatewayBase(HttpContext context) => $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}";

    /// <summary>The pod's service URL without its version segment: what its links start with.</summary>
    public static string BaseOf(Uri versionedRoot)
    {
        var text = versionedRoot.ToString().TrimEnd('/');
        var last = text.LastIndexOf('/');
        var segment = text[(last + 1)..];
        var isVersion = segment.Length > 1 && segment[0] == 'v' && char.IsAsciiDigit(segment[1]);
        return isVersion && last > "http://".Length ? text[..last] : text;
    }

    /// <summary>Replaces the pod's base URL with ours wherever it appears.</summary>
    public static string Rewrite(string text, string podBase, string ownBase) =>
        text.Replace(podBase + "/", ownBase + "/", StringComparison.Ordinal).Replace("\"" + podBase + "\"", "\"" + ownBase + "\"", StringComparison.Ordinal);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Pod {Pod} answered {Method} {Path} with {Status} as its request {PodRequestId}")]
        public static partial void PodAnswered(ILogger logger, string pod, string method, string path, int status, string podRequestId);
    }
}
