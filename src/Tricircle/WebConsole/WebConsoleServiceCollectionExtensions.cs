using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using Tricircle.Hosting;

namespace Tricircle.WebConsole;

/// <summary>
/// The web console (<c>console</c> role, <c>[DEFAULT] console_port</c>): Blazor with interactive
/// server rendering from the shared framework, its assets shipped in the build (no CDN).
/// </summary>
internal static class WebConsoleServiceCollectionExtensions
{
    public static IServiceCollection AddWebConsole(this IServiceCollection services)
    {
        services.AddSectionOptions<ConsoleOptions>(ConsoleOptions.Section);
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddCascadingAuthenticationState();

        // No default scheme: the APIs authenticate by X-Auth-Token and never read the cookie.
        services.AddAuthentication().AddCookie(ConsoleAuthentication.Scheme, ConsoleAuthentication.Configure);
        services.AddAuthorization(o => o.DefaultPolicy = new AuthorizationPolicyBuilder(ConsoleAuthentication.Scheme).RequireAuthenticatedUser().Build());

        // The cookie's keys outlive a restart (nobody is logged out by it); instances behind one
        // address share the directory (README, "Web console").
        services.AddDataProtection().SetApplicationName("tricircle-console");
        services.AddOptions<KeyManagementOptions>().Configure<IOptions<ServiceOptions>, IOptions<ConsoleOptions>, ILoggerFactory>((keys, service, console, logs) =>
        {
            // Keys rest unencrypted in their files (Data Protection has no key store on Linux):
            // the directory is the service user's alone, like its configuration with the passwords.
            var directory = KeyDirectory(service.Value, console.Value);
            if (!OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            keys.XmlRepository = new FileSystemXmlRepository(new DirectoryInfo(directory), logs);
        });

        services.AddSingleton<ConsoleAuthentication>();
        services.AddSingleton<PodOverview>();
        services.AddSingleton<ResourceFinder>();
        return services;
    }

    public static string KeyDirectory(ServiceOptions service, ConsoleOptions console) =>
        Path.GetFullPath(console.KeyDirectory.Length > 0 ? console.KeyDirectory : Path.Combine(service.StatePath, "console-keys"));

    /// <summary>
    /// The console's connections take their own branch of the pipeline, before the APIs'
    /// middleware (Keystone token auth, API error bodies, request limits): those stay exactly as
    /// they are for the APIs, and the console's pages, assets and circuit answer as a web app.
    /// </summary>
    public static void MapWebConsole(this WebApplication app)
    {
        // The console authenticates in its branch. Seeing authentication services registered,
        // WebApplication would also put ASP.NET Core's authentication and authorization
        // middleware in front of the whole pipeline, where every API request (authenticated by
        // Keystone's middleware) paid for a cookie scheme it never carries (one A/B run measured
        // 148 against 157 µs of gateway CPU per show, inside that machine's noise; bench/README.md).
        // These are the marks UseAuthentication and
        // UseAuthorization leave, which WebApplication looks for before adding its own.
        IApplicationBuilder builder = app;
        builder.Properties["__AuthenticationMiddlewareSet"] = true;
        builder.Properties["__AuthorizationMiddlewareSet"] = true;
        app.MapWhen(
            context => context.Features.Get<ApiRoleFeature>()?.Role == ServiceRole.Console,
            branch =>
            {
                branch.UseRouting();
                branch.Use(async (context, next) =>
                {
                    // The circuit (/_blazor) and the pages see the cookie's user; the cookie's
                    // validation asks Keystone (cached) whether its token still holds.
                    var result = await context.AuthenticateAsync(ConsoleAuthentication.Scheme);
                    if (result.Succeeded)
                    {
                        context.User = result.Principal;
                    }

                    await next(context);
                });
                branch.UseAuthorization();
                branch.UseAntiforgery();
                branch.UseEndpoints(endpoints =>
                {
                    // A branch has a route table of its own: the APIs' routes are not in it.
                    var role = new ApiRoleMetadata(ServiceRole.Console);
                    endpoints.MapStaticAssets().WithMetadata(role);
                    endpoints.MapRazorComponents<App>().AddInteractiveServerRenderMode().WithMetadata(role);
                });
            });
    }
}
