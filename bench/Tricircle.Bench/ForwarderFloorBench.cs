using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Tricircle.Bench;

/// <summary>
/// The floor of any .NET gateway on this machine: Kestrel and YARP's IHttpForwarder sending every
/// request to one upstream, with nothing else (no authentication, routing, body rewrite, metrics
/// or logs). proxy.sh runs it beside nginx so that the gateway's cost can be split into what
/// .NET's server and client cost by themselves and what Tricircle adds on top.
///   dotnet Tricircle.Bench.dll forwarder-floor [port] [upstream-url]
/// </summary>
internal static class ForwarderFloorBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var port = int.Parse(args[0], CultureInfo.InvariantCulture);
        var upstream = args[1];
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        builder.Services.AddHttpForwarder();
        await using var app = builder.Build();
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ActivityHeadersPropagator = null,
            ConnectTimeout = TimeSpan.FromSeconds(5),
        });
        var forwarder = app.Services.GetRequiredService<IHttpForwarder>();
        var config = new ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromSeconds(30) };
        app.Run(async context => await forwarder.SendAsync(context, upstream, invoker, config, HttpTransformer.Empty));
        app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"forwarding 127.0.0.1:{port} to {upstream} (pid {Environment.ProcessId})")));
        await app.RunAsync(); // until SIGTERM or Ctrl+C
        return 0;
    }
}
