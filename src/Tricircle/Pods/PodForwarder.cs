using System.Net;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Tricircle.Errors;
using Tricircle.Identity;
using Yarp.ReverseProxy.Forwarder;

namespace Tricircle.Pods;

/// <summary>
/// Forwards the current request to a pod and its answer back with YARP's forwarder
/// (<see cref="IHttpForwarder"/>, direct forwarding): bodies streamed both ways through the pods'
/// HTTP handlers (the pod's resilience pipeline and the pod-call metrics), the header rules of
/// <see cref="PodTransformer"/>, and the pod's URLs in JSON bodies and <c>Location</c> rewritten to
/// the gateway's, so clients never see a pod. The forwarder's errors become the domain's
/// (<see cref="ErrorOf"/>), which each API's edge says in its own shape.
/// </summary>
internal sealed partial class PodForwarder(
    PodClient client,
    IHttpForwarder forwarder,
    IHttpMessageHandlerFactory handlers,
    ILogger<PodForwarder> logger)
{
    /// <summary>Where the pod's request id of the last forwarded call is left in <see cref="HttpContext.Items"/>.</summary>
    public static readonly object PodRequestIdItem = new();

    // Pod calls are HTTP/1.1 (no h2c probe), and bounded by the pod's resilience pipeline, not by
    // YARP's idle timeout: that one only stops a transfer that stalls for a day.
    private static readonly ForwarderRequestConfig Config = new()
    {
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        ActivityTimeout = TimeSpan.FromDays(1),
    };

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
        var root = await client.ServiceRootAsync(pod, serviceType, context.RequestAborted);
        MemoryStream? replaced = null;
        if (body is not null)
        {
            replaced = await ReplaceBodyAsync(context, body);
        }
        else if (HasBody(context.Request))
        {
            // A failure to read it is the caller's, never counted against the pod (CallerBodyStream).
            context.Request.Body = new CallerBodyStream(context.Request.Body);
        }

        var ownBase = GatewayBase(context);
        var target = new Telemetry.PodCallTarget(pod.RegionName, serviceType, pod.PodId, unbounded);
        using var invoker = new HttpMessageInvoker(handlers.CreateHandler(PodClient.HttpClientName), disposeHandler: false);
        var transformer = Transformer(root, relativeUri, target, token, ownBase, headers, onFailure);

        // What the gateway already said (request id, a microversion), to be said again should the
        // forwarder clear the answer for an error of its own. (No token of ours to SendAsync: YARP
        // links RequestAborted itself; one more registration per call would be waste.)
        var said = context.Response.Headers.ToArray();
        var error = await forwarder.SendAsync(context, transformer.Destination.GetLeftPart(UriPartial.Authority), invoker, Config, transformer, CancellationToken.None);
        if (error == ForwarderError.Request && (replaced is not null || !HasBody(context.Request)) && IsUnreachable(context))
        {
            transformer.Body?.Dispose();

            // The URL may be stale (the region moved its endpoint): read the catalog again and,
            // if it now says something else, try there once.
            if (await client.RefreshedRootAsync(pod, serviceType, root, context.RequestAborted) is { } fresh)
            {
                Restore(context, said);
                context.Features.Set<IForwarderErrorFeature>(null);
                replaced?.Position = 0;
                transformer = Transformer(fresh, relativeUri, target, token, ownBase, headers, onFailure);
                error = await forwarder.SendAsync(context, transformer.Destination.GetLeftPart(UriPartial.Authority), invoker, Config, transformer, CancellationToken.None);
            }
        }

        using var answer = transformer.Body;
        if (transformer.Failure is { } failure)
        {
            Restore(context, said);
            ExceptionDispatchInfo.Throw(failure);
        }

        if (error != ForwarderError.None)
        {
            var cause = context.Features.Get<IForwarderErrorFeature>()?.Exception;
            if (context.Response.HasStarted)
            {
                return context.Response.StatusCode; // YARP has reset the client's stream: nothing more can be said
            }

            Restore(context, said);
            var domain = ErrorOf(error, cause, pod, serviceType, context.RequestAborted);
            if (domain is PodUnavailableException)
            {
                Log.Unreachable(logger, pod.RegionName, serviceType, error, cause?.Message ?? "");
            }

            throw domain;
        }

        var status = context.Response.StatusCode;
        if (transformer.PodRequestId is { } podRequestId)
        {
            Log.PodAnswered(logger, pod.RegionName, context.Request.Method, relativeUri, status, podRequestId);
            context.Items[PodRequestIdItem] = podRequestId.Split(',')[0];
        }

        if (answer is null)
        {
            return status; // streamed by the forwarder, or no body at all
        }

        // One pass over pooled bytes: the pod's URLs made ours; a hook's parts parsed alone.
        using var rewritten = new PooledBuffer(answer.Length + 1024);
        PodBodyRewriter.RewriteUrls(answer.Span, Encoding.UTF8.GetBytes(transformer.PodBase), Encoding.UTF8.GetBytes(ownBase), rewritten);
        using var edited = new PooledBuffer(onSuccess is null ? 1 : rewritten.Length + 1024);
        var written = rewritten;
        if (onSuccess is not null && status is >= 200 and < 300 && rewritten.Length > 0)
        {
            if (parts is null)
            {
                if (JsonNode.Parse(rewritten.Span) is { } node)
                {
                    await onSuccess(node);
                    await using var writer = new Utf8JsonWriter(edited);
                    node.WriteTo(writer);
                    await writer.FlushAsync(context.RequestAborted);
                    written = edited;
                }
            }
            else if (PodBodyRewriter.FindParts(rewritten.Span, parts) is { } found)
            {
                // (A body that is not JSON after all goes on as the pod wrote it, as from a proxy.)
                var view = PodBodyRewriter.View(found);
                await onSuccess(view);
                PodBodyRewriter.Splice(rewritten.Span, found, view, edited);
                written = edited;
            }
        }

        context.Response.ContentLength = written.Length;
        if (written.Length > 0)
        {
            // An empty body is not written: the answer then goes when the caller's handler
            // ends, after what it does with the pod's answer (a detach's release, say).
            await context.Response.Body.WriteAsync(written.Memory, context.RequestAborted);
        }

        return status;
    }

    /// <summary>
    /// The domain error for a forwarder error: the caller's (a body it could not send, or it went
    /// away) or the pod's (<see cref="PodUnavailableException"/>: no connection, no answer in time,
    /// resting after repeated failures, an answer that broke off).
    /// </summary>
    public static Exception ErrorOf(ForwarderError error, Exception? cause, Pod pod, string serviceType, CancellationToken aborted)
    {
        if (cause is not null && CallerBodyException.In(cause) is { } caller)
        {
            return caller;
        }

        return error switch
        {
            ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyClient
                => new OperationCanceledException("The client went away.", cause, aborted),
            ForwarderError.RequestBodyClient => cause is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }
                ? new CallerBodyException(ErrorKind.OverLimit, cause.Message, cause)
                : new CallerBodyException(ErrorKind.Invalid, "The request body could not be read: " + (cause?.Message ?? "it broke off"), cause ?? new IOException()),
            ForwarderError.RequestTimedOut => new PodUnavailableException(pod, serviceType, "it did not answer in time"),
            _ when Innermost<TimeoutRejectedException>(cause) is not null => new PodUnavailableException(pod, serviceType, "it did not answer in time"),
            _ when Innermost<BrokenCircuitException>(cause) is not null => new PodUnavailableException(pod, serviceType, "it failed repeatedly and is given a rest"),
            ForwarderError.ResponseHeaders or ForwarderError.ResponseBodyDestination => new PodUnavailableException(pod, serviceType, "its answer broke off: " + (cause?.Message ?? "")),
            ForwarderError.RequestBodyDestination => new PodUnavailableException(pod, serviceType, "it stopped reading the request: " + (cause?.Message ?? "")),
            _ => new PodUnavailableException(pod, serviceType, cause?.Message ?? error.ToString()),
        };
    }

    private static T? Innermost<T>(Exception? e)
        where T : Exception
    {
        for (var current = e; current is not null; current = current.InnerException)
        {
            if (current is T found)
            {
                return found;
            }
        }

        return null;
    }

    private static void Restore(HttpContext context, KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>[] said)
    {
        context.Response.Clear();
        foreach (var (name, values) in said)
        {
            context.Response.Headers[name] = values;
        }
    }

    // A connection that could not be made (not a resting circuit, a timeout or the caller's body).
    private static bool IsUnreachable(HttpContext context) =>
        context.Features.Get<IForwarderErrorFeature>()?.Exception is HttpRequestException e && CallerBodyException.In(e) is null;

    private static PodTransformer Transformer(Uri root, string relativeUri, Telemetry.PodCallTarget target, string token, string ownBase, IEnumerable<KeyValuePair<string, string>>? headers, Func<int, Task>? onFailure) => new()
    {
        Destination = PodClient.Combine(root, relativeUri.TrimStart('/')),
        Target = target,
        Token = token,
        PodBase = BaseOf(root),
        OwnBase = ownBase,
        Headers = headers,
        OnFailure = onFailure,
    };

    // YARP forwards the request's own body: a replacement takes its place, with its headers.
    private static async Task<MemoryStream> ReplaceBodyAsync(HttpContext context, HttpContent body)
    {
        var bytes = await body.ReadAsByteArrayAsync(context.RequestAborted);
        foreach (var (name, values) in body.Headers)
        {
            context.Request.Headers[name] = values.ToArray();
        }

        context.Request.Headers.Remove(HeaderNames.TransferEncoding);
        context.Request.ContentLength = bytes.Length;
        var stream = new MemoryStream(bytes, writable: false);
        context.Request.Body = stream;
        context.Features.Set<IHttpRequestBodyDetectionFeature>(new ReplacedBody());
        return stream;
    }

    private static bool HasBody(HttpRequest request) =>
        request.ContentLength is > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Any(v => v?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true));

    private sealed class ReplacedBody : IHttpRequestBodyDetectionFeature
    {
        public bool CanHaveBody => true;
    }

    /// <summary>How clients reached us: scheme, host and path base, without a trailing slash.</summary>
    public static string GatewayBase(HttpContext context) => $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}";

    /// <summary>What the pod's links start with (<see cref="ServiceUrls.BaseOf"/>).</summary>
    public static string BaseOf(Uri versionedRoot) => ServiceUrls.BaseOf(versionedRoot);

    /// <summary>Replaces the pod's base URL with ours wherever it appears.</summary>
    public static string Rewrite(string text, string podBase, string ownBase) =>
        text.Replace(podBase + "/", ownBase + "/", StringComparison.Ordinal).Replace("\"" + podBase + "\"", "\"" + ownBase + "\"", StringComparison.Ordinal);

    private static partial class Log
    {
        [LoggerMessage(2, LogLevel.Warning, "Pod {Pod} ({Service}) could not be forwarded to ({Error}): {Reason}")]
        public static partial void Unreachable(ILogger logger, string pod, string service, ForwarderError error, string reason);

        [LoggerMessage(1, LogLevel.Information, "Pod {Pod} answered {Method} {Path} with {Status} as its request {PodRequestId}")]
        public static partial void PodAnswered(ILogger logger, string pod, string method, string path, int status, string podRequestId);
    }
}
