using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Tricircle.Errors;
using Tricircle.Hosting;
using Tricircle.Identity;
using Tricircle.Pods;

namespace Tricircle.Volume;

/// <summary>The Cinder v3 gateway (upstream's cinder_apigw) on its own port.</summary>
internal static class VolumeApi
{
    public const string ServiceType = "volumev3";

    /// <summary>Cinder v3's base version.</summary>
    public static readonly Microversion Min = new(3, 0);

    /// <summary>The newest Cinder microversion the gateway itself understands (Cinder 2024.2's).</summary>
    public static readonly Microversion GatewayMax = new(3, 71);

    /// <summary>The parts of a listed volume or backup its brief view reads (<see cref="Brief"/>).</summary>
    public static readonly string[][] BriefParts = [["id"], ["name"], ["links"]];

    public static void MapVolumeApi(this IEndpointRouteBuilder app)
    {
        var root = app.MapGroup("").WithMetadata(new ApiRoleMetadata(ServiceRole.Volume));

        // Cinder serves "/" without a token (300 Multiple Choices); "/v3/" sits behind its auth
        // filter (401 without one). Both carry the 3.0 microversion headers, as every answer does.
        root.MapGet("/", async (HttpContext context, PodMicroversions versions) =>
        {
            var max = await versions.LowestMaxAsync(ServiceType, GatewayMax, context.RequestAborted);
            SetVersionHeaders(context, Min.ToString());
            return TypedResults.Json(new JsonObject { ["versions"] = new JsonArray(Entry(PodForwarder.GatewayBase(context), max)) }, statusCode: StatusCodes.Status300MultipleChoices);
        }).WithMetadata(new AllowAnonymousAttribute());
        root.MapGet("/v3", async (HttpContext context, PodMicroversions versions) =>
        {
            var max = await versions.LowestMaxAsync(ServiceType, GatewayMax, context.RequestAborted);
            SetVersionHeaders(context, Min.ToString());
            return TypedResults.Json(new JsonObject { ["versions"] = new JsonArray(Entry(PodForwarder.GatewayBase(context), max)) });
        });

        var v3 = root.MapGroup("/v3").AddEndpointFilter(async (invocation, next) =>
        {
            var context = invocation.HttpContext;
            Caller(context);
            var max = await context.RequestServices.GetRequiredService<PodMicroversions>().LowestMaxAsync(ServiceType, GatewayMax, context.RequestAborted);
            Microversion version;
            try
            {
                version = MicroversionHeader.Requested(
                    context.Request, "volume", null, Min, max, text => $"API Version String {text} is of invalid format. Must be of format MajorNum.MinorNum.");
            }
            catch (ApiException e) when (e.StatusCode == StatusCodes.Status406NotAcceptable)
            {
                // Cinder's 406 names the version it refused in the headers too.
                var asked = context.Request.Headers["OpenStack-API-Version"].ToString();
                SetVersionHeaders(context, asked[(asked.LastIndexOf(' ') + 1)..]);
                throw;
            }

            context.Items[typeof(VolumeApi)] = version;
            SetVersionHeaders(context, version.ToString());
            return await next(invocation);
        });
        v3.MapVolumesApi();
        v3.MapVolumeSummaryApi();
        v3.MapVolumeExtensionsApi();
        v3.MapSnapshotsApi();
        v3.MapBackupsApi();
        v3.MapVolumeTransfersApi();
        v3.MapVolumeTypesApi();
        v3.MapVolumeLimitsApi();
        v3.MapVolumeQuotaSetsApi();
        v3.MapVolumeServicesApi();
    }

    private static void SetVersionHeaders(HttpContext context, string version)
    {
        context.Response.Headers["OpenStack-API-Version"] = "volume " + version;
        context.Response.Headers.Vary = "OpenStack-API-Version";
    }

    /// <summary>The caller, after checking that a project id in the URL is the token's own (Cinder's words).</summary>
    public static RequestContext Caller(HttpContext context)
    {
        var caller = context.GetRequestContext();
        if (ProjectPathMiddleware.UrlProject(context) is { } project && !string.Equals(project, caller.ProjectId, StringComparison.OrdinalIgnoreCase))
        {
            throw TricircleException.Invalid($"Malformed request url: the URL's project {project} is not the token's project {caller.ProjectId}.");
        }

        return caller;
    }

    /// <summary>The request's microversion (set by the group's filter).</summary>
    public static Microversion Version(HttpContext context) =>
        context.Items.TryGetValue(typeof(VolumeApi), out var v) && v is Microversion version ? version : Min;

    /// <summary>Cinder's error for a list marker the caller has no such item for: the DB's lookup of the marker (VolumeNotFound and the like).</summary>
    public static Func<string, Exception> MarkerNotFound(string what) => id => TricircleException.NotFound($"{what} {id} could not be found.");

    /// <summary>The header that carries the request's microversion to a pod.</summary>
    public static KeyValuePair<string, string>[] VersionHeaders(HttpContext context) =>
        [new("OpenStack-API-Version", "volume " + Version(context))];

    /// <summary>A pod-relative path under the caller's project (Cinder's catalog URL carries it).</summary>
    public static string PodPath(HttpContext context, string relative) =>
        $"{Uri.EscapeDataString(context.GetRequestContext().ProjectId)}/{relative}";

    /// <summary>What Cinder's brief list shows of a volume or a backup (the parts read of a listed one: <see cref="BriefParts"/>).</summary>
    public static JsonObject Brief(JsonObject item) => new()
    {
        ["id"] = item["id"]?.DeepClone(),
        ["name"] = item["name"]?.DeepClone(),
        ["links"] = item["links"]?.DeepClone() ?? new JsonArray(),
    };

    /// <summary>The gateway's URL of a v3 collection, for links.</summary>
    public static string Url(HttpContext context, string relative) =>
        $"{PodForwarder.GatewayBase(context)}/v3/{context.GetRequestContext().ProjectId}/{relative}";

    /// <summary>The v3.0 version entry, as Cinder writes it.</summary>
    public static JsonObject Entry(string baseUrl, Microversion max) => new()
    {
        ["id"] = "v3.0",
        ["status"] = "CURRENT",
        ["version"] = max.ToString(),
        ["min_version"] = Min.ToString(),
        ["updated"] = "2023-08-31T00:00:00Z",
        ["links"] = new JsonArray(
            new JsonObject { ["rel"] = "describedby", ["type"] = "text/html", ["href"] = "https://docs.openstack.org/" },
            new JsonObject { ["rel"] = "self", ["href"] = baseUrl + "/v3/" }),
        ["media-types"] = new JsonArray(new JsonObject { ["base"] = "application/json", ["type"] = "application/vnd.openstack.volume+json;version=3" }),
    };
}
