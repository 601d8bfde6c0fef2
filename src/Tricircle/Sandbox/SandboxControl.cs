using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Tricircle.Emulator.Regions;
using Tricircle.Hosting;

namespace Tricircle.Sandbox;

/// <summary>
/// The running sandbox's control API on loopback, and the <c>sandbox.json</c> file that says
/// where everything runs: how <c>tricircle sandbox fault</c> reaches the regions from another shell.
/// </summary>
internal sealed class SandboxControl : IAsyncDisposable
{
    public const string StateFile = "sandbox.json";

    private static readonly BodySchema Faults = new(
        "faults",
        new("down", JsonKind.Boolean),
        new("latency_ms", JsonKind.Integer) { Minimum = 0, Maximum = int.MaxValue },
        new("answer_after_ms", JsonKind.Integer) { Minimum = 0, Maximum = int.MaxValue },
        new("error_rate", JsonKind.Number),
        new("hold_deletes", JsonKind.Boolean));

    private readonly WebApplication _app;

    private SandboxControl(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public static async Task<SandboxControl> StartAsync(IReadOnlyDictionary<string, RegionEmulator> regions, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ApplicationName = typeof(SandboxControl).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.UseMiddleware<ApiErrorMiddleware>();
        app.MapGet("/regions", () => TypedResults.Json(regions.Values.Select(Describe)));
        app.MapPost("/regions/{name}/faults", async (string name, HttpContext context) =>
        {
            var region = regions.GetValueOrDefault(name) ?? throw ApiException.NotFound($"No region {name} in this sandbox; it has {string.Join(", ", regions.Keys)}.");
            var body = await Faults.ReadAsync(context);
            if (body.Int("latency_ms") is { } ms)
            {
                region.Faults.Latency = TimeSpan.FromMilliseconds(ms);
            }

            if (body.Int("answer_after_ms") is { } after)
            {
                region.Faults.AnswerAfter = TimeSpan.FromMilliseconds(after);
            }

            if (body.Double("error_rate") is { } rate)
            {
                region.Faults.ErrorRate = rate >= 0 && rate <= 1 ? rate : throw ApiException.BadRequest("error_rate must be a number between 0 and 1.");
            }

            if (body.Bool("hold_deletes") is { } hold)
            {
                region.Faults.HoldDeletes = hold;
            }

            if (body.Bool("down") is { } down)
            {
                await region.Faults.SetDownAsync(down);
            }

            return TypedResults.Json(Describe(region));
        });
        await app.StartAsync(cancellationToken);
        var address = app.Urls.First();
        return new SandboxControl(app, new Uri(address));
    }

    private static object Describe(RegionEmulator region) => new
    {
        name = region.Name,
        down = region.Faults.IsDown,
        latency_ms = (int)region.Faults.Latency.TotalMilliseconds,
        answer_after_ms = (int)region.Faults.AnswerAfter.TotalMilliseconds,
        error_rate = region.Faults.ErrorRate,
        hold_deletes = region.Faults.HoldDeletes,
        compute = region.ComputeUrl,
        network = region.NetworkUrl,
        volume = region.VolumeUrl,
        image = region.ImageUrl,
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>What <c>sandbox.json</c> holds.</summary>
internal sealed record SandboxState(
    [property: JsonPropertyName("control_url")] Uri ControlUrl,
    [property: JsonPropertyName("auth_url")] Uri AuthUrl,
    [property: JsonPropertyName("admin_url")] Uri AdminUrl,
    [property: JsonPropertyName("regions")] IReadOnlyList<string> Regions)
{
    public static async Task WriteAsync(string directory, SandboxState state, CancellationToken cancellationToken) =>
        await File.WriteAllTextAsync(Path.Combine(directory, SandboxControl.StateFile), JsonSerializer.Serialize(state), cancellationToken);

    public static SandboxState? Read(string directory)
    {
        var path = Path.Combine(directory, SandboxControl.StateFile);
        return File.Exists(path) ? JsonSerializer.Deserialize<SandboxState>(File.ReadAllText(path)) : null;
    }
}
