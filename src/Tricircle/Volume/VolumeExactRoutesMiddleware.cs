using Tricircle.Hosting;

namespace Tricircle.Volume;

/// <summary>
/// Cinder's router matches paths exactly: <c>/v3/{project}/volumes/</c> is no <c>/volumes</c> but
/// webob's 404 page, whatever the method (ASP.NET Core's routing would take the slash off and
/// answer the list, or 405). Runs after authentication, as Cinder's router does after keystonemiddleware.
/// </summary>
internal sealed class VolumeExactRoutesMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        // The project was taken out of the path before (ProjectPathMiddleware): "/v3/" alone is the version document.
        var path = context.Request.Path.Value ?? "";
        if (context.Features.Get<ApiRoleFeature>()?.Role == ServiceRole.Volume
            && path.EndsWith('/')
            && path.StartsWith("/v3/", StringComparison.Ordinal)
            && path.Length > "/v3/".Length)
        {
            return ApiErrors.WriteWebobAsync(context, StatusCodes.Status404NotFound, "The resource could not be found.");
        }

        return next(context);
    }
}
