namespace Tricircle.Hosting;

/// <summary>
/// Gives every request an OpenStack request id and returns it in <c>x-openstack-request-id</c>;
/// the Nova and Cinder gateways' answers carry it in <c>x-compute-request-id</c> too, as Nova's and
/// Cinder's do (Nova's request-id filter on all but the root version document, which Nova serves
/// outside it; Cinder's wsgi layer on its controllers' JSON answers and faults only).
/// </summary>
internal sealed partial class RequestIdMiddleware(RequestDelegate next, ILogger<RequestIdMiddleware> logger)
{
    public const string HeaderName = "x-openstack-request-id";

    public const string ComputeHeaderName = "x-compute-request-id";

    /// <summary>Marks an answer of the routing layer (webob's bare 404), which no controller wrote.</summary>
    public static readonly object RouterAnswer = new();

    public async Task InvokeAsync(HttpContext context)
    {
        // One string, not a Guid's and then the prefixed copy.
        var requestId = string.Create(40, NewUuid4(), static (span, id) =>
        {
            "req-".CopyTo(span);
            id.TryFormat(span[4..], out _, "D");
        });
        context.TraceIdentifier = requestId;
        context.Response.Headers[HeaderName] = requestId;
        var role = context.Features.Get<ApiRoleFeature>()?.Role;

        // Set as the answer starts, so that an error path clearing the headers keeps it (static
        // callbacks with the context as state: no closure per request).
        if (role == ServiceRole.Compute && context.Request.Path != "/")
        {
            context.Response.OnStarting(ComputeStarting, context);
        }
        else if (role == ServiceRole.Volume)
        {
            context.Response.OnStarting(VolumeStarting, context);
        }

        using (logger.BeginScope(new RequestScope(requestId)))
        {
            await next(context);
        }
    }

    private static readonly Func<object, Task> ComputeStarting = static state =>
    {
        var context = (HttpContext)state;
        context.Response.Headers[ComputeHeaderName] = context.TraceIdentifier;
        return Task.CompletedTask;
    };

    // Cinder's wsgi layer adds it to what its controllers answer in JSON (and their faults), not
    // to an empty 202 or 204, a router's plain 404 or keystonemiddleware's 401.
    private static readonly Func<object, Task> VolumeStarting = static state =>
    {
        var context = (HttpContext)state;
        if (context.Response.StatusCode != StatusCodes.Status401Unauthorized && !context.Items.ContainsKey(RouterAnswer)
            && context.Response.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true)
        {
            context.Response.Headers[ComputeHeaderName] = context.TraceIdentifier;
        }

        return Task.CompletedTask;
    };

    /// <summary>
    /// A random (version 4) UUID, as oslo.context's request ids are. Not <see cref="Guid.NewGuid"/>:
    /// on Linux that reads the kernel's random device, a system call on every request (0.9% of a
    /// forwarded show's CPU samples; 0.33-0.55 µs an id in a loop, where this takes 0.01-0.06). A
    /// request id names a call in logs and authorizes nothing (a client may send its own), so the
    /// thread's generator, seeded by the system, is enough; the cryptographic one costs 0.97-1.79 µs
    /// (bench/README, eighth sitting of the show path).
    /// </summary>
    internal static Guid NewUuid4()
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40); // the version, in the high half of the third field (little-endian)
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // the RFC 4122 variant
        return new Guid(bytes);
    }

    /// <summary>A log scope that prints as the request id.</summary>
    private sealed record RequestScope(string RequestId)
    {
        public override string ToString() => RequestId;
    }
}
