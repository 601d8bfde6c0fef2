using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Tricircle.Sandbox;

namespace Tricircle.Bench;

/// <summary>
/// How the merged server list's latency grows with pods: for each number of pods, a sandbox of
/// that many emulated regions (each with <c>servers-per-pod</c> of the demo tenant's servers),
/// every pod call delayed by <c>latency-ms</c>, one client asking <c>servers/detail?limit=50</c>
/// again and again (latency, not throughput); then one pod down, then one pod slower than the
/// fan-out deadline; and the process's memory at rest (after start and seeding, and after the
/// lists).
///   dotnet Tricircle.Bench.dll gateway-scale [pods-list] [servers-per-pod] [latency-ms] [requests] [slow-ms] [list-timeout-s]
/// </summary>
internal static class GatewayScaleBench
{
    private const string ListPath = "servers/detail?limit=50";

    public static async Task<int> RunAsync(string[] args)
    {
        string Text(int i, string fallback) => args.Length > i && args[i] != "-" ? args[i] : fallback;
        int Arg(int i, int fallback) => int.Parse(Text(i, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        var podCounts = Text(0, "1,10,50").Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToList();
        var perPod = Math.Min(Arg(1, 10), 10); // an emulated Nova allows a tenant 10 instances, as Nova's default quota
        var latency = TimeSpan.FromMilliseconds(Arg(2, 20));
        var requests = Arg(3, 200);
        var slow = TimeSpan.FromMilliseconds(Arg(4, 2000));
        var listTimeout = double.Parse(Text(5, "1"), CultureInfo.InvariantCulture);

        Console.WriteLine($"Merged server list, {perPod} servers per pod, +{latency.TotalMilliseconds} ms per pod call, {requests} sequential requests per scenario, "
            + $"slow pod +{slow.TotalMilliseconds} ms, [client] list_timeout {listTimeout} s, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        Console.WriteLine("| pods | scenario | p50 ms | CPU ms per list | p90 ms | p99 ms | max ms | servers in the whole list | of which placeholders | vs 1 pod (p50) |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        var memory = new List<string>();
        double? onePod = null;
        foreach (var pods in podCounts)
        {
            var (p50, rest) = await RunPodsAsync(pods, perPod, latency, requests, slow, listTimeout, onePod);
            onePod ??= pods == 1 ? p50 : null;
            memory.Add(rest);
        }

        Console.WriteLine();
        Console.WriteLine("| pods | servers | working set after start, MB | GC heap after start, MB | working set after the lists, MB | GC heap after the lists, MB |");
        Console.WriteLine("|---|---|---|---|---|---|");
        memory.ForEach(Console.WriteLine);
        return 0;
    }

    private static async Task<(double P50, string Memory)> RunPodsAsync(int pods, int perPod, TimeSpan latency, int requests, TimeSpan slow, double listTimeout, double? onePod)
    {
        var directory = Directory.CreateTempSubdirectory("tricircle-gwscale-").FullName;
        await using var sandbox = await SandboxRunner.StartAsync(
            new SandboxOptions(pods, directory, null, 0, 0)
            {
                ComputePort = 0,
                VolumePort = 0,
                ImagePort = 0,
                NetworkPort = 0,
                BuildDelay = TimeSpan.Zero,
                Settings = new Dictionary<string, string?>
                {
                    // The central quota would stop the seeding at 10 servers; the pods' own quotas still apply.
                    ["quota:instances"] = "-1",
                    ["quota:cores"] = "-1",
                    ["quota:ram"] = "-1",
                    ["client:list_timeout"] = listTimeout.ToString(CultureInfo.InvariantCulture),
                },
            },
            CancellationToken.None);
        var token = sandbox.Keystone.IssueToken("demo", SandboxOptions.DemoPassword, "demo").Id;
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 16 }) { BaseAddress = new Uri(sandbox.ComputeUrl + "/") };
        http.DefaultRequestHeaders.Add("X-Auth-Token", token);
        http.DefaultRequestHeaders.Add("OpenStack-API-Version", "compute 2.37");

        var admin = sandbox.Keystone.IssueToken("admin", SandboxOptions.AdminPassword, "admin").Id;
        using var glance = new HttpClient();
        glance.DefaultRequestHeaders.Add("X-Auth-Token", admin);
        using var gate = new SemaphoreSlim(4);
        await Task.WhenAll(Enumerable.Range(1, pods).Select(async p =>
        {
            await gate.WaitAsync();
            try
            {
                var images = await glance.GetFromJsonAsync<JsonElement>(new Uri(sandbox.Regions[SandboxOptions.RegionName(p)].ImageUrl, "v2/images?name=cirros"));
                var image = images.GetProperty("images")[0].GetProperty("id").GetString();
                await Task.WhenAll(Enumerable.Range(0, perPod).Select(async i =>
                {
                    using var created = await http.PostAsJsonAsync("servers", new { server = new { name = $"bench-{p}-{i}", flavorRef = "1", imageRef = image, networks = "none", availability_zone = SandboxOptions.AzName(p) } });
                    created.EnsureSuccessStatusCode();
                }));
            }
            finally
            {
                gate.Release();
            }
        }));

        var (startSet, startHeap) = Memory();
        foreach (var region in sandbox.Regions.Values)
        {
            region.Faults.Latency = latency;
        }

        var label = $"+{latency.TotalMilliseconds} ms each";
        var p50 = await MeasureAsync(pods, $"GET /{ListPath}, every pod {label}", http, requests, onePod);
        await MeasureAsync(pods, $"GET /servers?limit=1000 (all {pods * perPod}), every pod {label}", http, requests, onePod, "servers?limit=1000");
        if (pods > 1)
        {
            // Slow before down: a pod that was down keeps its circuit open for a while, and would
            // not be waited for at all.
            var last = sandbox.Regions[SandboxOptions.RegionName(pods)];
            last.Faults.Latency = slow;
            await MeasureAsync(pods, $"GET /{ListPath}, every pod {label}, one pod +{slow.TotalMilliseconds} ms", http, Math.Max(5, requests / 20), onePod, warmups: 1);
            last.Faults.Latency = latency;
            await last.Faults.SetDownAsync(true);
            await MeasureAsync(pods, $"GET /{ListPath}, every pod {label}, one pod down", http, requests, onePod);
            await last.Faults.SetDownAsync(false);
        }

        var (endSet, endHeap) = Memory();
        return (p50, string.Create(CultureInfo.InvariantCulture, $"| {pods} | {pods * perPod} | {startSet:F0} | {startHeap:F0} | {endSet:F0} | {endHeap:F0} |"));
    }

    private static TimeSpan CpuTime()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    private static (double WorkingSetMb, double HeapMb) Memory()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        return (process.WorkingSet64 / 1048576.0, GC.GetTotalMemory(false) / 1048576.0);
    }

    private static async Task<double> MeasureAsync(int pods, string name, HttpClient http, int requests, double? onePod, string path = ListPath, int warmups = 20)
    {
        for (var i = 0; i < warmups; i++)
        {
            using var warm = await http.GetAsync(path);
            warm.EnsureSuccessStatusCode();
        }

        var latencies = new double[requests];
        var cpu = CpuTime();
        for (var i = 0; i < requests; i++)
        {
            var start = Stopwatch.GetTimestamp();
            using var response = await http.GetAsync(path);
            await response.Content.LoadIntoBufferAsync();
            response.EnsureSuccessStatusCode();
            latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        // The work a list costs, whatever else the machine does: the process's CPU time (the
        // gateway, the emulated pods and this client together) per request.
        var cpuPerList = (CpuTime() - cpu).TotalMilliseconds / requests;

        // What the answer says: the whole list once more, with a pod's placeholders (status
        // UNKNOWN) for a pod that was not heard in time.
        using var whole = await http.GetAsync("servers/detail?limit=1000");
        whole.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await whole.Content.ReadAsByteArrayAsync());
        var servers = json.RootElement.GetProperty("servers");
        var items = servers.GetArrayLength();
        var placeholders = servers.EnumerateArray().Count(s => s.TryGetProperty("status", out var status) && status.GetString() == "UNKNOWN");

        Array.Sort(latencies);
        var p50 = latencies[requests / 2];
        var ratio = onePod is { } one ? (p50 / one).ToString("F2", CultureInfo.InvariantCulture) + "x" : "-";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {pods} | {name} | {p50:F2} | {cpuPerList:F1} | {latencies[(int)(requests * 0.9)]:F2} | {latencies[Math.Min(requests - 1, (int)(requests * 0.99))]:F2} | {latencies[^1]:F2} | {items} | {placeholders} | {ratio} |"));
        return p50;
    }
}
