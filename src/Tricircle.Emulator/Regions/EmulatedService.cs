using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tricircle.Emulator.Identity;

namespace Tricircle.Emulator.Regions;

/// <summary>
/// One service of an emulated region on its own loopback port, with what every OpenStack API
/// does before its own code: request ids, token validation (401 with WWW-Authenticate), errors
/// in the service's shape, and the region's fault knobs. It can be stopped and started again on
/// the same port (region down / up) without losing state, which lives in <see cref="RegionContext"/>.
/// </summary>
internal sealed class EmulatedService(ServiceKind kind, RegionContext region, RegionFaults faults, RegionTraffic traffic, Action<IEndpointRouteBuilder, RegionContext> map)
{
    /// <summary>Where the request id this call answers with is kept for the handlers (<c>HttpContext.Items</c>).</summary>
    public const string RequestIdItem = "openstack.request-id";

    private WebApplication? _app;

    public ServiceKind Kind { get; } = kind;

    public int Port { get; private set; }

    public Uri Root => new($"http://127.0.0.1:{Port}/");

    /// <summary>Every route the service answers (method, pattern), for tests that must reach them all.</summary>
    public IReadOnlyList<(string Method, string Pattern)> Routes { get; private set; } = [];

    public async Task StartAsync(int port, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(EmulatedService).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 64 * 1024 * 1024; // image uploads
            kestrel.Listen(IPAddress.Loopback, port);
        });
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton(region.Options.LoggerFactory ?? NullLoggerFactory.Instance);
        builder.Services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>();
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(2));

        var app = builder.Build();
        app.Use(HandleAsync);
        app.UseRouting();
        app.Use(AuthenticateAsync);
        map(app, region);
        Routes = RoutesOf(app);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Port = new Uri(address).Port;
        _app = app;
    }

    public async Task StopAsync()
    {
        var app = Interlocked.Exchange(ref _app, null);
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private async Task HandleAsync(HttpContext context, RequestDelegate next)
    {
        traffic.Enter();
        try
        {
            await HandleCountedAsync(context, next);
        }
        finally
        {
            traffic.Exit();
            traffic.Observer?.Invoke(new RegionRequest(Kind.ToString().ToLowerInvariant(), context.Request.Method, context.Request.Path.Value + context.Request.QueryString.Value, context.Response.StatusCode)
            {
                TraceParent = context.Request.Headers.TryGetValue("traceparent", out var traceParent) ? traceParent.ToString() : null,
            });
        }
    }

    private static readonly object RouterAnswer = new();

    private const string GlanceUnauthorized = "This server could not verify that you are authorized to access the document you requested. Either you supplied the wrong credentials (e.g., bad password), or your browser does not understand how to supply the credentials required.";

    private async Task HandleCountedAsync(HttpContext context, RequestDelegate next)
    {
        var requestId = "req-" + Guid.NewGuid().ToString("D");
        context.Response.Headers["x-openstack-request-id"] = requestId;
        context.Items[RequestIdItem] = requestId; // Nova records it with the instance action the call makes
        if (Kind == ServiceKind.Compute)
        {
            context.Response.Headers["x-compute-request-id"] = requestId;
        }
        else if (Kind == ServiceKind.Volume)
        {
            // Cinder's wsgi layer adds it to its controllers' JSON answers and faults: not to an
            // empty 202/204, a router's plain 404 or keystonemiddleware's 401.
            context.Response.OnStarting(() =>
            {
                if (context.Response.StatusCode != StatusCodes.Status401Unauthorized && !context.Items.ContainsKey(RouterAnswer)
                    && context.Response.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true)
                {
                    context.Response.Headers["x-compute-request-id"] = requestId;
                }

                return Task.CompletedTask;
            });
        }

        if (faults.AnswerAfter is { } answerAfter && answerAfter > TimeSpan.Zero)
        {
            var arrived = Stopwatch.GetTimestamp();
            context.Response.OnStarting(async () =>
            {
                var left = answerAfter - Stopwatch.GetElapsedTime(arrived);
                if (left > TimeSpan.Zero)
                {
                    await Task.Delay(left, context.RequestAborted);
                }
            });
        }

        if (faults.Latency > TimeSpan.Zero)
        {
            await Task.Delay(faults.Latency, context.RequestAborted);
        }

        if (faults.ShouldFail())
        {
            await RegionHttp.WriteErrorAsync(context, Kind, 500, "Injected fault: the emulated region answered 500.");
            return;
        }

        if (Kind is ServiceKind.Compute or ServiceKind.Volume && region.Options.MaxRequestBodySize is { } limit)
        {
            // oslo.middleware's sizelimit, before authentication: webob's own 413 page for a
            // declared length, and a read that goes past the limit fails as below.
            if (context.Request.ContentLength > limit)
            {
                await RegionHttp.WriteWebobErrorAsync(context, 413, $"Request is too large. Larger than max_request_body_size ({limit}).");
                return;
            }

            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            {
                feature.MaxRequestBodySize = limit;
            }
        }

        if (Kind != ServiceKind.Network && IsTrailingSlashResource(context.Request.Path))
        {
            // Nova, Cinder and Glance route exactly: "/servers/" is no "/servers" but webob's 404
            // page (Neutron's router takes both), which no Cinder controller wrote.
            context.Items[RouterAnswer] = true;
            await RegionHttp.WriteWebobErrorAsync(context, 404, "The resource could not be found.");
            return;
        }

        try
        {
            await next(context);
        }
        catch (OpenStackFault fault) when (!context.Response.HasStarted)
        {
            await RegionHttp.WriteErrorAsync(context, Kind, fault.StatusCode, fault.Message, fault.Type);
            return;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            // The body broke off or outgrew the limit while a handler read it: the caller's fault.
            var readLimit = context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
            await RegionHttp.WriteErrorAsync(context, Kind, e.StatusCode, e.StatusCode == 413 ? $"Request is too large. Larger than {readLimit}." : "Malformed request body");
            return;
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            region.Logger.LogUnhandled(e, context.Request.Method, context.Request.Path);
            await RegionHttp.WriteErrorAsync(context, Kind, 500, "Unexpected error in the emulated " + Kind + " service: " + e.Message);
            return;
        }

        if (context.Response.StatusCode is 404 or 405 && !context.Response.HasStarted && context.Response.ContentLength is null && context.Response.ContentType is null)
        {
            await RegionHttp.WriteErrorAsync(context, Kind, context.Response.StatusCode, context.Response.StatusCode == 404 ? "The resource could not be found." : "The method is not allowed for this resource.");
        }
    }

    internal static List<(string Method, string Pattern)> RoutesOf(IEndpointRouteBuilder app) =>
    [
        .. app.DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => (m, "/" + e.RoutePattern.RawText!.TrimStart('/')))),
    ];

    /// <summary>A resource path with a trailing slash; version roots ("/v2.1/", "/v3/{project_id}/") are not resources.</summary>
    private static bool IsTrailingSlashResource(PathString path)
    {
        var text = path.Value ?? "";
        if (text.Length <= 1 || !text.EndsWith('/'))
        {
            return false;
        }

        var segments = text.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments.Length > 2 || (segments.Length == 2 && !(segments[1].Length == 32 && segments[1].All(char.IsAsciiHexDigit)));
    }

    // Version documents are public in every OpenStack service; everything else needs a token.
    private async Task AuthenticateAsync(HttpContext context, RequestDelegate next)
    {
        // Nova's "/v2.1/" and "/v2/" are open too (Zed answers them without a token); Cinder's
        // "/v3/" is not: its route carries no AllowAnonymous.
        if (context.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() is not null)
        {
            await next(context);
            return;
        }

        var record = region.Keystone.FindValidToken(context.Request.Headers["X-Auth-Token"].ToString());
        if (record?.ProjectId is null)
        {
            context.Response.Headers.WWWAuthenticate = $"Keystone uri=\"{region.Keystone.Url.ToString().TrimEnd('/')}\"";
            if (Kind == ServiceKind.Image)
            {
                // Glance's auth_token defers its decision: Glance's context middleware refuses
                // with webob's 401 page (JSON when asked for), not keystonemiddleware's body.
                await RegionHttp.WriteWebobErrorAsync(context, 401, GlanceUnauthorized);
            }
            else
            {
                await RegionHttp.WriteErrorAsync(context, Kind, 401, "The request you have made requires authentication.");
            }

            return;
        }

        context.Features.Set(new Caller(record.Id, record.UserId, record.ProjectId, record.Roles.Select(r => r.Name).ToList()));
        await next(context);
    }
}

internal static partial class RegionLog
{
    [LoggerMessage(1, LogLevel.Error, "Unhandled error serving {Method} {Path}")]
    public static partial void LogUnhandled(this ILogger logger, Exception exception, string method, PathString path);
}
