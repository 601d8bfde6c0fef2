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
        var requestId = "req-" + Guid.NewGuid().ToString("D");
        context.TraceIdentifier = requestId;
        context.Response.Headers[HeaderName] = requestId;
        var role = context.Features.Get<ApiRoleFeature>()?.Role;
        if ((role == ServiceRole.Compute && context.Request.Path != "/") || role == ServiceRole.Volume)
        {
            // Set as the answer starts, so that an error path clearing the headers keeps it.
            context.Response.OnStarting(() =>
            {
                // Cinder's wsgi layer adds it to what its controllers answer in JSON (and their
                // faults), not to an empty 202 or 204, a router's plain 404 or keystonemiddleware's 401.
                if (role == ServiceRole.Compute
                    || (context.Response.StatusCode != StatusCodes.Status401Unauthorized && !context.Items.ContainsKey(RouterAnswer)
                        && context.Response.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true))
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
