namespace Tricircle.Hosting;

/// <summary>Gives every request an OpenStack request id and returns it in <c>x-openstack-request-id</c>.</summary>
internal sealed partial class RequestIdMiddleware(RequestDelegate next, ILogger<RequestIdMiddleware> logger)
{
    public const string HeaderName = "x-openstack-request-id";

    public async Task InvokeAsync(HttpContext context)
    {
        var requestId = "req-" + Guid.NewGuid().ToString("D");
        context.TraceIdentifier = requestId;
        context.Response.Headers[HeaderName] = requestId;
        using (logger.BeginScope(new RequestScope(requestId)))
        {
            await next(context);
        }
    }

    /// <summary>A log scope that prints as the request id.</summary>
    private sealed record RequestScope(string RequestId)
    {
        public override string ToString() => RequestId;
    }
}
