using Microsoft.AspNetCore.Http;

namespace Tricircle.Hosting;

/// <summary>
/// A project id after the version (<c>/v2.1/{project}/servers</c>) is taken out before routing,
/// in both of Keystone's id forms; a URL whose segment after the version is anything else
/// (the forwarded show's <c>/v2.1/servers/{id}</c>) is left as it came.
/// </summary>
public sealed class ProjectPathMiddlewareTests
{
    [Theory]
    [InlineData("Compute", "/v2.1/0123456789abcdef0123456789abcdef/servers/detail", "/v2.1/servers/detail", "0123456789abcdef0123456789abcdef")]
    [InlineData("Compute", "/v2.1/0123456789abcdef0123456789abcdef", "/v2.1", "0123456789abcdef0123456789abcdef")]
    [InlineData("Volume", "/v3/01234567-89ab-cdef-0123-456789abcdef/volumes", "/v3/volumes", "01234567-89ab-cdef-0123-456789abcdef")]
    [InlineData("Compute", "/v2.1/servers/01234567-89ab-cdef-0123-456789abcdef", "/v2.1/servers/01234567-89ab-cdef-0123-456789abcdef", null)]
    [InlineData("Compute", "/v2.1/os-quota-sets/0123456789abcdef0123456789abcdef", "/v2.1/os-quota-sets/0123456789abcdef0123456789abcdef", null)]
    [InlineData("Compute", "/v2.1/0123456789abcdef0123456789abcdeX/servers", "/v2.1/0123456789abcdef0123456789abcdeX/servers", null)]
    [InlineData("Network", "/v2.0/0123456789abcdef0123456789abcdef/networks", "/v2.0/0123456789abcdef0123456789abcdef/networks", null)]
    public async Task TheUrlsProject_IsTakenOut_OnlyWhereItIsOne(string role, string path, string routed, string? project)
    {
        var context = new DefaultHttpContext();
        context.Features.Set(new ApiRoleFeature(Enum.Parse<ServiceRole>(role)));
        context.Request.Path = path;
        string? seen = null;
        await new ProjectPathMiddleware(c =>
        {
            seen = c.Request.Path.Value;
            return Task.CompletedTask;
        }).InvokeAsync(context);

        Assert.Equal(routed, seen);
        Assert.Equal(project, ProjectPathMiddleware.UrlProject(context));
    }
}
