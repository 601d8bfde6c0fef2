using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Tricircle.Hosting;
using Tricircle.Identity;
using Tricircle.Pods;

namespace Tricircle.Compute;

/// <summary>The Nova v2.1 gateway (upstream's nova_apigw) on its own port.</summary>
internal static class ComputeApi
{
    public const string ServiceType = ComputeVersions.ServiceType;

    public static void MapComputeApi(this IEndpointRouteBuilder app)
    {
        var root = app.MapGroup("").WithMetadata(new ApiRoleMetadata(ServiceRole.Compute));

        // Nova serves its version documents without a token: "/" lists v2.0 (the legacy API,
        // SUPPORTED) and v2.1; "/v2" and "/v2.1" describe one each.
        root.MapGet("/", async (HttpContext context, ComputeVersions versions) =>
        {
            var max = await versions.MaxAsync(context.RequestAborted);
            return TypedResults.Json(ComputeVersions.Root(PodForwarder.GatewayBase(context), max));
        }).AllowAnonymous();
        root.MapGet("/v2.1", async (HttpContext context, ComputeVersions versions) =>
        {
            var max = await versions.MaxAsync(context.RequestAborted);
            StampVersion(context, await RequestedAsync(versions, context.Request, context, context.RequestAborted));
            return TypedResults.Json(new JsonObject { ["version"] = ComputeVersions.Full(PodForwarder.GatewayBase(context), max, legacy: false) });
        }).AllowAnonymous();

        // The legacy v2 API (Nova maps it to v2.1's code at 2.1, without microversion headers):
        // only its version document is served here; clients find v2.1 in the catalog.
        root.MapGet("/v2", (HttpContext context) =>
            TypedResults.Json(new JsonObject { ["version"] = ComputeVersions.Full(PodForwarder.GatewayBase(context), Microversion.Min, legacy: true) }))
            .AllowAnonymous();

        var v21 = root.MapGroup("/v2.1").AddEndpointFilter(async (invocation, next) =>
        {
            var context = invocation.HttpContext;
            var version = await RequestedAsync(context.RequestServices.GetRequiredService<ComputeVersions>(), context.Request, context, context.RequestAborted);
            context.Items[typeof(Microversion)] = version;
            StampVersion(context, version);
            Caller(context);
            var result = await next(invocation);
            if (!HttpMethods.IsGet(context.Request.Method) && context.Items.TryGetValue(PodForwarder.PodRequestIdItem, out var podId) && podId is string id)
            {
                // A call a pod's Nova may record as an instance action, under its own request id.
                context.RequestServices.GetRequiredService<InstanceActionRequestIds>().Remember(context.TraceIdentifier, id);
            }

            return result;
        });
        v21.MapServersApi();
        v21.MapServerInterfacesApi();
        v21.MapFlavorsApi();
        v21.MapKeypairsApi();
        v21.MapZonesApi();
        v21.MapQuotaSetsApi();
        v21.MapImagesApi();
        v21.MapSecurityGroupsProxyApi();
        v21.MapComputeServicesApi();
        v21.MapHypervisorsApi();
        v21.MapUsageApi();
        v21.MapServerGroupsApi();
        v21.MapMigrationsApi();
    }

    /// <summary>
    /// The microversion a request asks for (<c>OpenStack-API-Version: compute X.Y</c> before
    /// <c>X-OpenStack-Nova-API-Version</c>; none is 2.1; <c>latest</c> is the offered maximum),
    /// or a 406 as Nova answers one it does not offer.
    /// </summary>
    private static async Task<Microversion> RequestedAsync(ComputeVersions versions, HttpRequest request, HttpContext context, CancellationToken cancellationToken)
    {
        var asked = request.Headers["OpenStack-API-Version"].Count > 0 || request.Headers["X-OpenStack-Nova-API-Version"].Count > 0;
        var max = asked ? await versions.MaxAsync(cancellationToken) : Microversion.GatewayMax;
        return MicroversionHeader.Requested(
            request,
            "compute",
            "X-OpenStack-Nova-API-Version",
            Microversion.Min,
            max,
            text => $"Invalid format for API version: {text}. It must be 'latest' or MAJOR.MINOR.",
            refused => StampVersion(context, refused)); // Nova's 406 names the version it refuses
    }

    // What Nova's answers vary on.
    private const string VaryOnVersion = "OpenStack-API-Version, X-OpenStack-Nova-API-Version";

    /// <summary>
    /// Nova's microversion headers on the answer, however it is written (here, by a pod, or as an
    /// error; set as it starts, so an error path that clears the headers keeps them too). A
    /// forwarded answer carries the pod's, with the same values: these replace them, never add.
    /// </summary>
    private static void StampVersion(HttpContext context, Microversion version)
    {
        var text = version.ToString();
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers["OpenStack-API-Version"] = "compute " + text;
            headers["X-OpenStack-Nova-API-Version"] = text;
            if (headers.Vary.Count == 0 || (headers.Vary.Count == 1 && headers.Vary[0] == VaryOnVersion))
            {
                headers.Vary = VaryOnVersion; // nothing to merge: none yet, or these two already
                return Task.CompletedTask;
            }

            var vary = headers.Vary.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
            foreach (var name in (string[])["OpenStack-API-Version", "X-OpenStack-Nova-API-Version"])
            {
                if (!vary.Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    vary.Add(name);
                }
            }

            headers.Vary = string.Join(", ", vary);
            return Task.CompletedTask;
        });
    }

    /// <summary>The caller, after checking that a project id in the URL is the token's own.</summary>
    public static RequestContext Caller(HttpContext context)
    {
        var caller = context.GetRequestContext();
        if (ProjectPathMiddleware.UrlProject(context) is { } project && !string.Equals(project, caller.ProjectId, StringComparison.OrdinalIgnoreCase))
        {
            throw ApiException.BadRequest($"Malformed request URL: URL's project_id '{project}' doesn't match Context's project_id '{caller.ProjectId}'");
        }

        return caller;
    }

    /// <summary>The request's microversion (set by the group's filter).</summary>
    public static Microversion Version(HttpContext context) =>
        context.Items.TryGetValue(typeof(Microversion), out var v) && v is Microversion version ? version : Microversion.Min;

    /// <summary>Headers that carry the request's microversion to a pod.</summary>
    public static KeyValuePair<string, string>[] VersionHeaders(HttpContext context)
    {
        var version = Version(context).ToString();
        return [new("OpenStack-API-Version", "compute " + version), new("X-OpenStack-Nova-API-Version", version)];
    }

    /// <summary>The gateway's URL of a v2.1 collection, for links.</summary>
    public static string Url(HttpContext context, string relative) => $"{PodForwarder.GatewayBase(context)}/v2.1/{relative}";

    /// <summary>Used to mark version documents as open.</summary>
    private static RouteHandlerBuilder AllowAnonymous(this RouteHandlerBuilder builder) => builder.WithMetadata(new AllowAnonymousAttribute());
}
