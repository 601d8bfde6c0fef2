using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Tricircle.Errors;

namespace Tricircle.Pods;

/// <summary>
/// Calls a pod's OpenStack services. Paths are relative to the service's versioned root (the
/// catalog URL up to its version segment, so a catalog URL that carries the service user's
/// project id is never used for a tenant). Every pod has its own circuit breaker: a pod that
/// keeps refusing connections fails fast (<see cref="PodUnavailableException"/>) and gets no new
/// resources until it answers again. An unreachable URL re-reads the pod's catalog once
/// (<c>auto_refresh_endpoint</c>).
/// </summary>
internal sealed partial class PodClient(
    IHttpMessageHandlerFactory handlers,
    PodEndpoints endpoints,
    PodAdminToken adminToken,
    PodCircuits circuits,
    ILogger<PodClient> logger)
{
    /// <summary>
    /// The pods' HTTP client: every pod call, through its pod's resilience pipeline
    /// (<see cref="PodCircuits"/>: circuit breaker and <c>pod_timeout</c>) and the pod-call metrics.
    /// </summary>
    public const string HttpClientName = "pods";

    /// <summary>False while the pod's circuit is open (it kept failing to connect) and its rest has not passed.</summary>
    public bool IsReachable(Pod pod) => circuits.IsReachable(pod.PodId);

    /// <summary>
    /// The circuit of every pod this instance has called: closed, open (resting: calls fail at
    /// once) or half-open (the rest is over; the next call decides).
    /// </summary>
    public IEnumerable<(string Region, CircuitState State)> CircuitStates() => circuits.States();

    /// <summary>The pod's versioned service root, e.g. <c>http://nova:8774/v2.1</c> or <c>http://cinder:8776/v3</c>.</summary>
    public async Task<Uri> ServiceRootAsync(Pod pod, string serviceType, CancellationToken cancellationToken) =>
        VersionedRoot(await endpoints.GetAsync(pod, serviceType, cancellationToken)
            ?? throw new PodUnavailableException(pod, serviceType, $"it has no {serviceType} endpoint in the Keystone catalog"));

    /// <summary>
    /// Sends a request (its URI relative to the service root, e.g. <c>servers/detail?limit=5</c>)
    /// with the caller's token, the admin token when <paramref name="token"/> is null, or none
    /// when it is empty (version documents). The response is returned once its headers arrive;
    /// the caller owns it. Connection failures, timeouts and a missing catalog endpoint become a
    /// <see cref="PodUnavailableException"/> naming the pod.
    /// <paramref name="unbounded"/> lifts <c>pod_timeout</c> for bodies of any size (image data):
    /// the connect timeout and <paramref name="cancellationToken"/> still bound the call.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(Pod pod, string serviceType, HttpRequestMessage request, string? token, CancellationToken cancellationToken, bool unbounded = false)
    {
        var relative = request.RequestUri?.OriginalString.TrimStart('/') ?? "";
        var root = await ServiceRootAsync(pod, serviceType, cancellationToken);
        request.RequestUri = Combine(root, relative);
        request.Headers.Remove("X-Auth-Token");
        request.Options.Set(Telemetry.PodCallTarget.Key, new Telemetry.PodCallTarget(pod.RegionName, serviceType, pod.PodId, unbounded));
        if (token is not { Length: 0 })
        {
            request.Headers.TryAddWithoutValidation("X-Auth-Token", token ?? (await adminToken.GetAsync(cancellationToken)).Id);
        }

        // An invoker, not an HttpClient: the answer is returned at its headers either way, and
        // HttpClient would link a token source per call for its own Timeout, which is infinite here.
        using var http = new HttpMessageInvoker(handlers.CreateHandler(HttpClientName), disposeHandler: false);
        try
        {
            return await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e) when (CallerBodyException.In(e) is { } caller)
        {
            throw caller; // the caller's body failed, not the pod
        }
        catch (BrokenCircuitException)
        {
            throw new PodUnavailableException(pod, serviceType, "it failed repeatedly and is given a rest");
        }
        catch (HttpRequestException e) when (request.Content is null or { Headers.ContentLength: not null })
        {
            // The URL may be stale (the region moved its endpoint): read the catalog again and,
            // if it now says something else, try there once.
            var fresh = await endpoints.RefreshAsync(pod, serviceType, cancellationToken);
            if (fresh is null || VersionedRoot(fresh) == root || request.Content is StreamContent)
            {
                Log.Unreachable(logger, pod.RegionName, serviceType, e.Message);
                throw new PodUnavailableException(pod, serviceType, e.Message);
            }

            using var retry = await CloneAsync(request, Combine(VersionedRoot(fresh), relative), cancellationToken);
            try
            {
                return await http.SendAsync(retry, cancellationToken);
            }
            catch (Exception again) when (again is HttpRequestException or BrokenCircuitException or TimeoutRejectedException)
            {
                throw new PodUnavailableException(pod, serviceType, again.Message);
            }
        }
        catch (HttpRequestException e)
        {
            Log.Unreachable(logger, pod.RegionName, serviceType, e.Message);
            throw new PodUnavailableException(pod, serviceType, e.Message);
        }
        catch (TimeoutRejectedException)
        {
            throw new PodUnavailableException(pod, serviceType, "it did not answer in time");
        }
    }

    /// <summary>
    /// The pod's service root read again from its catalog after <paramref name="stale"/> could not
    /// be reached (<c>auto_refresh_endpoint</c>): null when the catalog still says the same.
    /// </summary>
    public async Task<Uri?> RefreshedRootAsync(Pod pod, string serviceType, Uri stale, CancellationToken cancellationToken) =>
        await endpoints.RefreshAsync(pod, serviceType, cancellationToken) is { } fresh && VersionedRoot(fresh) is var root && root != stale ? root : null;

    /// <summary>
    /// A JSON call for the gateway's own use: the parsed body of a 2xx answer (null when empty),
    /// or a <see cref="PodErrorException"/> carrying the pod's status and message.
    /// </summary>
    public async Task<JsonNode?> SendJsonAsync(
        Pod pod, string serviceType, HttpMethod method, string relativeUri, JsonNode? body, string? token, CancellationToken cancellationToken, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(relativeUri, UriKind.Relative));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await SendAsync(pod, serviceType, request, token, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new PodErrorException(pod, (int)response.StatusCode, PodErrorException.MessageOf(text) ?? response.ReasonPhrase ?? "error")
            {
                PodType = PodErrorException.TypeOf(text),
            };
        }

        return text.Length == 0 ? null : JsonNode.Parse(text);
    }

    /// <summary>
    /// A GET-style JSON call whose answer is read as bytes, not parsed (a merged list reads its
    /// pages itself): the body of a 2xx answer in a pooled buffer the caller disposes, or a
    /// <see cref="PodErrorException"/> as from <see cref="SendJsonAsync"/>.
    /// </summary>
    public async Task<PooledBuffer> SendPooledAsync(
        Pod pod, string serviceType, HttpMethod method, string relativeUri, string? token, CancellationToken cancellationToken, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(relativeUri, UriKind.Relative));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await SendAsync(pod, serviceType, request, token, cancellationToken);

        // Into a pooled buffer sized by the answer's length: HttpContent's own read would grow a
        // buffer and then copy it into a new array, two copies of every page of every pod of
        // every merged list.
        var buffer = new PooledBuffer((int)Math.Min(response.Content.Headers.ContentLength ?? 16 * 1024, 1 << 20) + 4096);
        try
        {
            await using (var stream = await response.Content.ReadAsStreamAsync(cancellationToken))
            {
                await buffer.ReadFromAsync(stream, int.MaxValue, cancellationToken);
            }

            if (!response.IsSuccessStatusCode)
            {
                var text = Encoding.UTF8.GetString(buffer.Span);
                throw new PodErrorException(pod, (int)response.StatusCode, PodErrorException.MessageOf(text) ?? response.ReasonPhrase ?? "error")
                {
                    PodType = PodErrorException.TypeOf(text),
                };
            }

            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    /// <summary>The catalog URL cut after its version segment (<see cref="ServiceUrls.VersionedRoot"/>).</summary>
    public static Uri VersionedRoot(Uri url) => ServiceUrls.VersionedRoot(url);

    // The root itself keeps its slash: real Cinder (and Nova) answer "/v3" with a 302 to "/v3/".
    public static Uri Combine(Uri root, string relative) =>
        new(root.ToString().TrimEnd('/') + (relative.Length > 0 && relative[0] == '?' ? relative : "/" + relative));

    private static async Task<HttpRequestMessage> CloneAsync(HttpRequestMessage request, Uri uri, CancellationToken cancellationToken)
    {
        var clone = new HttpRequestMessage(request.Method, uri) { Version = request.Version };
        if (request.Options.TryGetValue(Telemetry.PodCallTarget.Key, out var target))
        {
            clone.Options.Set(Telemetry.PodCallTarget.Key, target);
        }

        foreach (var (name, values) in request.Headers)
        {
            clone.Headers.TryAddWithoutValidation(name, values);
        }

        if (request.Content is not null)
        {
            var bytes = await request.Content.ReadAsByteArrayAsync(cancellationToken);
            clone.Content = new ByteArrayContent(bytes);
            foreach (var (name, values) in request.Content.Headers)
            {
                clone.Content.Headers.TryAddWithoutValidation(name, values);
            }
        }

        return clone;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Pod {Region} ({Service}) is unreachable: {Reason}")]
        public static partial void Unreachable(ILogger logger, string region, string service, string reason);
    }
}

/// <summary>A pod answered a gateway-initiated call with an error.</summary>
internal sealed class PodErrorException(Pod pod, int statusCode, string message)
    : Exception($"Pod {pod.RegionName} answered {statusCode}: {message}")
{
    public Pod Pod { get; } = pod;

    public int StatusCode { get; } = statusCode;

    public string PodMessage { get; } = message;

    /// <summary>The error's name where the pod's API names it (Neutron's <c>FlatNetworkInUse</c>), so a refusal passed on keeps it.</summary>
    public string? PodType { get; init; }

    /// <summary>The type inside a Neutron error body (<c>{"NeutronError": {"type"}}</c>); null for other shapes.</summary>
    public static string? TypeOf(string body)
    {
        try
        {
            return JsonNode.Parse(body) is JsonObject { } root && root["NeutronError"] is JsonObject error && error["type"] is JsonValue type
                && type.TryGetValue<string>(out var name) && name.Length > 0
                ? name
                : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>The message inside an OpenStack error body, whichever service's shape it has.</summary>
    public static string? MessageOf(string body)
    {
        try
        {
            if (JsonNode.Parse(body) is not JsonObject root)
            {
                return null;
            }

            // Nova/Cinder {"itemNotFound": {"message"}}, Neutron {"NeutronError": {"message"}}, Glance {"message"}, Keystone {"error": {"message"}}.
            if (root["message"] is JsonValue direct)
            {
                return direct.ToString();
            }

            return root.Select(p => p.Value as JsonObject).Select(o => o?["message"]?.ToString()).FirstOrDefault(m => m is not null);
        }
        catch (System.Text.Json.JsonException)
        {
            return body.Length > 200 ? body[..200] : body;
        }
    }
}
