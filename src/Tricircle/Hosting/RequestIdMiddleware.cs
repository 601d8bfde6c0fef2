namespace Tricircle.Hosting;

/// <summary>
/// Gives every request an OpenStack request id and returns it in <c>x-openstack-request-id</c>;
/// the Nova and Cinder gateways' answers carry it in <c>x-compute-request-id</c> too, as Nova's and
/// Cinder's do (oslo's request-id filter with its compatibility header; Cinder's on every answer,
/// Nova's on all but the root version document, which Nova serves outside that filter).
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
        var role = context.Features.Get<ApiRoleFeature>()?.Role;
        if ((role == ServiceRole.Compute && context.Request.Path != "/") || role == ServiceRole.Volume)
        {
            // Set as the answer starts, so that an error path clearing the headers keeps it.
            context.Response.OnStarting(() =>
            {
                if (role == ServiceRole.Compute || context.Response.StatusCode != StatusCodes.Status401Unauthorized)
                {
                    context.Response.Headers[ComputeHeaderName] = requestId;
                }

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
