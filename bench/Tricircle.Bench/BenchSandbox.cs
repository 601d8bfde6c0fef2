using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tricircle.Emulator.Identity;
using Tricircle.Sandbox;

namespace Tricircle.Bench;

/// <summary>Where a benchmark's emulated pods run.</summary>
internal enum PodPlacement
{
    /// <summary>In the benchmark's own process, beside the gateway (as the tests run them).</summary>
    InProcess,

    /// <summary>In a child process (Keystone, the regions, their fault control): the gateway's CPU is its own.</summary>
    OutOfProcess,

    /// <summary>In a child process pinned to the last core with <c>taskset</c>; run the benchmark itself pinned to the others.</summary>
    Pinned,
}

/// <summary>
/// The sandbox every benchmark starts: the gateway (Tricircle on SQLite or the database given,
/// its ports chosen free, emulated servers built at once) in this process, and the emulated
/// Keystone and regions either here too or in a child process (<see cref="PodPlacement"/>).
/// Tokens, the regions' endpoints and their faults go through HTTP (Keystone, the sandbox's
/// fault control), so a benchmark reads the same either way.
/// </summary>
internal sealed class BenchSandbox : IAsyncDisposable
{
    private const string PodsReadyPrefix = "PODS ";
    private static readonly string[] Interfaces = ["public", "internal", "admin"];

    private readonly HttpClient _http = new();
    private Process? _pods;
    private Dictionary<string, JsonElement> _regions = new(StringComparer.Ordinal);

    private BenchSandbox(RunningSandbox sandbox) => Sandbox = sandbox;

    public RunningSandbox Sandbox { get; }

    public IServiceProvider Services => Sandbox.Services;

    public Uri AuthUrl { get; private set; } = null!;

    public Uri ControlUrl { get; private set; } = null!;

    /// <summary>The emulated Keystone when it runs in this process (null otherwise).</summary>
    public KeystoneEmulator? Keystone => Sandbox.Keystone;

    public Uri ComputeUrl => Sandbox.ComputeUrl;

    public Uri NetworkUrl => Sandbox.NetworkUrl;

    public string DatabaseDescription => Sandbox.DatabaseDescription;

    /// <summary>The child process that runs the pods (null when they run here).</summary>
    public Process? PodsProcess => _pods;

    /// <summary>Parses a placement argument: <c>in</c> (default), <c>out</c>, <c>pinned</c>.</summary>
    public static PodPlacement ParsePlacement(string? text) => text switch
    {
        null or "-" or "in" => PodPlacement.InProcess,
        "out" => PodPlacement.OutOfProcess,
        "pinned" => PodPlacement.Pinned,
        _ => throw new ArgumentException($"Pods are placed 'in', 'out' or 'pinned', not '{text}'."),
    };

    public static async Task<BenchSandbox> StartAsync(
        int pods,
        string name,
        IReadOnlyDictionary<string, string?> settings,
        string? database = null,
        PodPlacement placement = PodPlacement.InProcess,
        bool quiet = false)
    {
        var options = new SandboxOptions(pods, Directory.CreateTempSubdirectory($"tricircle-{name}-").FullName, database, 0, 0)
        {
            ComputePort = 0,
            VolumePort = 0,
            ImagePort = 0,
            NetworkPort = 0,
            ConsolePort = 0,
            BuildDelay = TimeSpan.Zero,
            Settings = settings,
        };
        Action<IServiceCollection>? configure = quiet ? services => services.Configure<LoggerFilterOptions>(o => o.MinLevel = LogLevel.Warning) : null;
        var bench = new BenchSandbox(new RunningSandbox(SandboxRunner.PrepareDirectory(options)));
        try
        {
            if (placement == PodPlacement.InProcess)
            {
                var password = await SandboxRunner.StartRegionsAsync(bench.Sandbox, options, CancellationToken.None);
                var keystone = bench.Sandbox.Keystone;
                bench.AuthUrl = keystone.AuthUrl;
                bench.ControlUrl = bench.Sandbox.Control!.Url;
                await SandboxRunner.StartServiceAsync(bench.Sandbox, options, keystone.AuthUrl, password, bench.RegisterAsync, CancellationToken.None, configure);
            }
            else
            {
                var password = await bench.StartPodsProcessAsync(pods, placement == PodPlacement.Pinned);
                await SandboxRunner.StartServiceAsync(bench.Sandbox, options, bench.AuthUrl, password, bench.RegisterAsync, CancellationToken.None, configure);
            }

            using var regions = await bench._http.GetAsync(new Uri(bench.ControlUrl, "regions"));
            bench._regions = (await regions.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>())
                .EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!, r => r.Clone(), StringComparer.Ordinal);
            return bench;
        }
        catch
        {
            await bench.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The child's side (<c>Tricircle.Bench.dll pods N</c>): Keystone, the regions and their
    /// fault control; one line with their addresses on stdout; it stops when stdin closes (its
    /// parent is gone).
    /// </summary>
    public static async Task<int> RunPodsAsync(string[] args)
    {
        var pods = int.Parse(args[0], CultureInfo.InvariantCulture);
        var options = new SandboxOptions(pods, Directory.CreateTempSubdirectory("tricircle-pods-").FullName, null, 0, 0) { BuildDelay = TimeSpan.Zero };
        await using var sandbox = new RunningSandbox(SandboxRunner.PrepareDirectory(options));
        var password = await SandboxRunner.StartRegionsAsync(sandbox, options, CancellationToken.None);
        Console.WriteLine(PodsReadyPrefix + JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["auth_url"] = sandbox.Keystone.AuthUrl.ToString(),
            ["control_url"] = sandbox.Control!.Url.ToString(),
            ["service_password"] = password,
        }));
        await Console.Out.FlushAsync();

        // Memory at rest on request (a line "memory" in; one line "<working set MB> <heap MB>" out).
        while (await Console.In.ReadLineAsync() is { } line)
        {
            if (line == "memory")
            {
                var (set, heap) = MemoryAtRest();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{set:F0} {heap:F0}"));
                await Console.Out.FlushAsync();
            }
        }

        return 0;
    }

    /// <summary>This process's working set and GC heap in MB after a forced full collection.</summary>
    public static (double WorkingSetMb, double HeapMb) MemoryAtRest()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        return (process.WorkingSet64 / 1048576.0, GC.GetTotalMemory(false) / 1048576.0);
    }

    /// <summary>The pods' process memory at rest (working set, heap MB), or null when the pods run here.</summary>
    public async Task<(double WorkingSetMb, double HeapMb)?> PodsMemoryAsync()
    {
        if (_pods is null)
        {
            return null;
        }

        await _pods.StandardInput.WriteLineAsync("memory");
        await _pods.StandardInput.FlushAsync();
        var parts = (await _pods.StandardOutput.ReadLineAsync())!.Split(' ');
        return (double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    /// <summary>A token (and its project's id) from the sandbox's Keystone.</summary>
    public async Task<(string Token, string ProjectId)> TokenAsync(string user, string password, string project)
    {
        var auth = new JsonObject
        {
            ["auth"] = new JsonObject
            {
                ["identity"] = new JsonObject
                {
                    ["methods"] = new JsonArray("password"),
                    ["password"] = new JsonObject { ["user"] = new JsonObject { ["name"] = user, ["password"] = password, ["domain"] = new JsonObject { ["name"] = "Default" } } },
                },
                ["scope"] = new JsonObject { ["project"] = new JsonObject { ["name"] = project, ["domain"] = new JsonObject { ["name"] = "Default" } } },
            },
        };
        using var response = await _http.PostAsync(new Uri(AuthUrl, "v3/auth/tokens"), Json(auth));
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (response.Headers.GetValues("X-Subject-Token").First(), body.GetProperty("token").GetProperty("project").GetProperty("id").GetString()!);
    }

    public async Task<string> DemoTokenAsync() => (await TokenAsync("demo", SandboxOptions.DemoPassword, "demo")).Token;

    public async Task<string> AdminTokenAsync() => (await TokenAsync("admin", SandboxOptions.AdminPassword, "admin")).Token;

    /// <summary>Pod <paramref name="index"/>'s (1-based) endpoint of a service: compute, network, volume, image.</summary>
    public Uri RegionUrl(int index, string service)
    {
        var url = _regions[SandboxOptions.RegionName(index)].GetProperty(service).GetString()!;
        return new Uri(service == "image" || url.EndsWith('/') ? url : url + "/");
    }

    /// <summary>Adds latency to every call of pod <paramref name="index"/> (1-based).</summary>
    public Task SetLatencyAsync(int index, TimeSpan latency) => FaultAsync(index, new { latency_ms = (int)latency.TotalMilliseconds });

    /// <summary>Makes every call of pod <paramref name="index"/> (1-based) take <paramref name="time"/>, the pod's own work inside it.</summary>
    public Task SetAnswerAfterAsync(int index, TimeSpan time) => FaultAsync(index, new { answer_after_ms = (int)time.TotalMilliseconds });

    /// <summary>Takes pod <paramref name="index"/> (1-based) down (connections refused) or up.</summary>
    public Task SetDownAsync(int index, bool down) => FaultAsync(index, new { down });

    private async Task FaultAsync(int index, object fault)
    {
        using var response = await _http.PostAsync(new Uri(ControlUrl, "regions/" + SandboxOptions.RegionName(index) + "/faults"), Json(new Dictionary<string, object> { ["faults"] = fault }));
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Fault {JsonSerializer.Serialize(fault, fault.GetType())} on pod {index}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    private async Task<string> StartPodsProcessAsync(int pods, bool pinned)
    {
        var dll = typeof(BenchSandbox).Assembly.Location;
        var start = new ProcessStartInfo(pinned ? "taskset" : Environment.ProcessPath!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (pinned)
        {
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add((Environment.ProcessorCount - 1).ToString(CultureInfo.InvariantCulture));
            start.ArgumentList.Add(Environment.ProcessPath!);
        }

        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("pods");
        start.ArgumentList.Add(pods.ToString(CultureInfo.InvariantCulture));
        _pods = Process.Start(start) ?? throw new InvalidOperationException("The pods' process did not start.");
        while (await _pods.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith(PodsReadyPrefix, StringComparison.Ordinal))
            {
                var ready = JsonSerializer.Deserialize<Dictionary<string, string>>(line[PodsReadyPrefix.Length..])!;
                AuthUrl = new Uri(ready["auth_url"]);
                ControlUrl = new Uri(ready["control_url"]);
                return ready["service_password"];
            }
        }

        throw new InvalidOperationException("The pods' process ended before it was ready.");
    }

    /// <summary>Registers a gateway endpoint in the central region, through Keystone's API.</summary>
    private async Task RegisterAsync(string type, string name, string description, string url, CancellationToken cancellationToken)
    {
        if (Keystone is { } keystone)
        {
            var id = keystone.AddService(type, name, description);
            foreach (var @interface in Interfaces)
            {
                keystone.AddEndpoint(id, SandboxOptions.CentralRegion, @interface, url);
            }

            return;
        }

        var admin = await AdminTokenAsync();
        using var service = await SendAsync(HttpMethod.Post, new Uri(AuthUrl, "v3/services"), admin, new { service = new { type, name, description } }, cancellationToken);
        var serviceId = (await service.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("service").GetProperty("id").GetString();
        foreach (var @interface in Interfaces)
        {
            using var endpoint = await SendAsync(HttpMethod.Post, new Uri(AuthUrl, "v3/endpoints"), admin,
                new { endpoint = new { service_id = serviceId, region_id = SandboxOptions.CentralRegion, @interface, url } }, cancellationToken);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri uri, string token, object body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, uri) { Content = Json(body) };
        request.Headers.Add("X-Auth-Token", token);
        var response = await _http.SendAsync(request, cancellationToken);
        return response.EnsureSuccessStatusCode();
    }

    // With a length, not chunked: the emulators read a body of known length, as the WSGI services do.
    private static ByteArrayContent Json(object body)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, body.GetType()));
        content.Headers.ContentType = new("application/json");
        return content;
    }

    public async ValueTask DisposeAsync()
    {
        await Sandbox.DisposeAsync();
        if (_pods is { } pods)
        {
            pods.StandardInput.Close();
            if (!pods.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                pods.Kill();
            }

            pods.Dispose();
        }

        _http.Dispose();
    }
}
