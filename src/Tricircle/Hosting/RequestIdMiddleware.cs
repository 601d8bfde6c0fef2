namespace Tricircle.Hosting;

/// <summary>
/// Gives every request an OpenStack request id and returns it in <c>x-openstack-request-id</c>;
/// the Nova gateway's answers carry it in <c>x-compute-request-id</c> too, as Nova's do (all but
/// the root version document, which Nova serves outside its request-id middleware).
/// </summary>
internal sealed partial class RequestIdMiddleware(RequestDelegate next, ILogger<RequestIdMiddleware> logger)
{
    public const string HeaderName = "x-openstack-request-id";

    public const string ComputeHeaderName = "x-compute-request-id";

    public async Task InvokeAsync(HttpContext context)
    {
        var requestId = "req-" + Guid.NewGuid().ToString("D");
        context.TraceIdentifier = requestId;
        context.Response.Headers[HeaderName] = requestId;
        if (context.Features.Get<ApiRoleFeature>()?.Role == ServiceRole.Compute && context.Request.Path != "/")
        {
            // Set as the answer starts, so that an error path clearing the headers keeps it.
            context.Response.OnStarting(() =>
            {
                context.Response.Headers[ComputeHeaderName] = requestId;
                return Task.CompletedTask;
            });
        }

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
