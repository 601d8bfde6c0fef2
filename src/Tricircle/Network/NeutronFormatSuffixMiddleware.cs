using Tricircle.Hosting;

namespace Tricircle.Network;

/// <summary>
/// Neutron takes a response format as a suffix of the resource path: <c>/v2.0/networks.json</c>,
/// <c>/v2.0/quotas/{project}/details.json</c> (Tempest's quota client asks for that one) are the
/// paths without it. JSON being the only format, this takes <c>.json</c> off before routing, for
/// the network API only; a tag is a value, not a path, so <c>…/tags/x.json</c> keeps it.
/// </summary>
internal sealed class NeutronFormatSuffixMiddleware(RequestDelegate next)
{
    private const string Suffix = ".json";

    public Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (context.Features.Get<ApiRoleFeature>()?.Role == ServiceRole.Network
            && path.StartsWith("/v2.0/", StringComparison.Ordinal)
            && path.EndsWith(Suffix, StringComparison.Ordinal)
            && path.Length > "/v2.0/".Length + Suffix.Length
            && !path.Contains("/tags/", StringComparison.Ordinal))
        {
            context.Request.Path = path[..^Suffix.Length];
        }

        return next(context);
    }
}
