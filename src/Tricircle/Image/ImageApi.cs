using Microsoft.AspNetCore.Authorization;
using Tricircle.Errors;
using Tricircle.Hosting;
using Tricircle.Pods;

namespace Tricircle.Image;

/// <summary>
/// The Glance v2 gateway on its own port: every request goes to the central Glance
/// (<see cref="CentralGlance"/>) with the caller's token, bodies streamed both ways (image data
/// is never held in memory), Glance's answers and errors passed on with its URLs made ours.
/// </summary>
internal static class ImageApi
{
    /// <summary>Sent with every forwarded request: one arriving with it went round in a circle.</summary>
    public const string HopHeader = "X-Tricircle-Image-Gateway";

    public static void MapImageApi(this IEndpointRouteBuilder app)
    {
        var root = app.MapGroup("").WithMetadata(new ApiRoleMetadata(ServiceRole.Image));

        // Glance's version documents, open as Glance serves them: "/" (300) and "/versions" (200).
        root.MapGet("/", ForwardAsync).WithMetadata(new AllowAnonymousAttribute());
        root.MapGet("/versions", ForwardAsync).WithMetadata(new AllowAnonymousAttribute());
        root.Map("/v2/{**rest}", ForwardAsync);
    }

    private static async Task ForwardAsync(HttpContext context, CentralGlance glance, PodForwarder forwarder)
    {
        var (pod, url) = await glance.GetAsync(context.RequestAborted);
        if (context.Request.Headers.ContainsKey(HopHeader))
        {
            throw TricircleException.Unavailable(glance.LoopMessage(url));
        }

        var path = context.Request.Path.ToUriComponent();
        var data = IsData(path); // no body limit for these (RequestLimitsMiddleware)
        try
        {
            await forwarder.ForwardAsync(context, pod, CentralGlance.ServiceType, path.TrimStart('/') + context.Request.QueryString, headers: [new(HopHeader, "1")], unbounded: data);
        }
        catch (TricircleException e) when (e.Kind == ErrorKind.Unavailable && !context.Response.HasStarted)
        {
            throw glance.Unavailable(e);
        }
    }

    /// <summary>Image data: <c>/v2/images/{id}/file</c> and the interoperable-import <c>/stage</c>.</summary>
    public static bool IsData(string path) =>
        path.StartsWith("/v2/images/", StringComparison.Ordinal) && (path.EndsWith("/file", StringComparison.Ordinal) || path.EndsWith("/stage", StringComparison.Ordinal));
}
