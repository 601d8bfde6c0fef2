using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Tricircle.Sandbox;

namespace Tricircle.Bench;

/// <summary>
/// How the merged server list's latency grows with pods: for each number of pods, a sandbox of
/// that many emulated regions (each with <c>servers-per-pod</c> of the demo tenant's servers),
/// every pod call taking <c>latency-ms</c> (its own work inside), first the floor (the client
/// asks every pod at once, no gateway), then one client asking <c>servers/detail?limit=50</c>
/// again and again (latency, not throughput), and the whole list, brief and in detail (what
/// <c>openstack server list</c> asks); then one pod down, then one pod slower than the
/// fan-out deadline; and the process's memory at rest (after start and seeding, and after the
/// lists).
/// The pods run in this process (<c>in</c>), or in a child process (<c>out</c>; <c>pinned</c>: on
/// the last core, the benchmark started with <c>taskset</c> on the others), so that the CPU
/// columns separate the gateway's work (this process, with the client) from the pods'.
///   dotnet Tricircle.Bench.dll gateway-scale [pods-list] [servers-per-pod] [latency-ms] [requests] [slow-ms] [list-timeout-s] [in|out|pinned]
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
        var placement = BenchSandbox.ParsePlacement(args.Length > 6 ? args[6] : null);

        Console.WriteLine($"Merged server list, {perPod} servers per pod, {latency.TotalMilliseconds} ms a pod call (work inside), {requests} sequential requests per scenario, "
            + $"slow pod +{slow.TotalMilliseconds} ms, [client] list_timeout {listTimeout} s, pods {placement}, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        Console.WriteLine("| pods | scenario | p50 ms | CPU ms per list | pods' CPU ms per list | KB allocated per list | gen0 GCs per 100 lists | p90 ms | p99 ms | max ms | servers in the whole list | of which placeholders | vs 1 pod (p50) |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        var memory = new List<string>();
        double? onePod = null;
        foreach (var pods in podCounts)
        {
            var (p50, rest) = await RunPodsAsync(pods, perPod, latency, requests, slow, listTimeout, onePod, placement);
            onePod ??= pods == 1 ? p50 : null;
            memory.Add(rest);
        }

        Console.WriteLine();
        Console.WriteLine("| pods | servers | working set after start, MB | GC heap after start, MB | working set after the lists, MB | GC heap after the lists, MB | pods' process after start, WS / heap MB | pods' process after the lists, WS / heap MB |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        memory.ForEach(Console.WriteLine);
        return 0;
    }

    private static async Task<(double P50, string Memory)> RunPodsAsync(int pods, int perPod, TimeSpan latency, int requests, TimeSpan slow, double listTimeout, double? onePod, PodPlacement placement)
    {
        await using var sandbox = await BenchSandbox.StartAsync(
            pods,
            "gwscale",
            new Dictionary<string, string?>
            {
                // The central quota would stop the seeding at 10 servers; the pods' own quotas still apply.
                ["quota:instances"] = "-1",
                ["quota:cores"] = "-1",
                ["quota:ram"] = "-1",
                ["client:list_timeout"] = listTimeout.ToString(CultureInfo.InvariantCulture),
            },
            placement: placement);
        var token = await sandbox.DemoTokenAsync();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 16 }) { BaseAddress = new Uri(sandbox.ComputeUrl + "/") };
        http.DefaultRequestHeaders.Add("X-Auth-Token", token);
        http.DefaultRequestHeaders.Add("OpenStack-API-Version", "compute 2.37");

        var admin = await sandbox.AdminTokenAsync();
        using var glance = new HttpClient();
        glance.DefaultRequestHeaders.Add("X-Auth-Token", admin);
        using var gate = new SemaphoreSlim(4);
        await Task.WhenAll(Enumerable.Range(1, pods).Select(async p =>
        {
            await gate.WaitAsync();
            try
            {
                var images = await glance.GetFromJsonAsync<JsonElement>(new Uri(sandbox.RegionUrl(p, "image"), "v2/images?name=cirros"));
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

        var (startSet, startHeap) = BenchSandbox.MemoryAtRest();
        var podsStart = await sandbox.PodsMemoryAsync();
        // Each pod call takes the latency with the pod's own work inside it, as on a machine of
        // its own: the emulated pods share this machine's cores, and added before the work, 50
        // pods' work would queue behind each other's on the list's critical path.
        for (var p = 1; p <= pods; p++)
        {
            await sandbox.SetAnswerAfterAsync(p, latency);
        }

        var label = $"{latency.TotalMilliseconds} ms a call";
        await MeasureFloorAsync(pods, $"the floor: this client asks every pod's Nova for the page at once, no gateway, every pod {label}", sandbox, token, requests, onePod);
        var p50 = await MeasureAsync(pods, $"GET /{ListPath}, every pod {label}", http, requests, onePod, sandbox.PodsProcess);
        await MeasureAsync(pods, $"GET /servers?limit=1000 (all {pods * perPod}), every pod {label}", http, requests, onePod, sandbox.PodsProcess, "servers?limit=1000");
        // What `openstack server list` asks: every server in detail.
        await MeasureAsync(pods, $"GET /servers/detail?limit=1000 (all {pods * perPod}), every pod {label}", http, requests, onePod, sandbox.PodsProcess, "servers/detail?limit=1000");
        if (pods > 1)
        {
            // Slow before down: a pod that was down keeps its circuit open for a while, and would
            // not be waited for at all.
            await sandbox.SetLatencyAsync(pods, slow);
            await MeasureAsync(pods, $"GET /{ListPath}, every pod {label}, one pod +{slow.TotalMilliseconds} ms", http, Math.Max(5, requests / 20), onePod, sandbox.PodsProcess, warmups: 1);
            await sandbox.SetLatencyAsync(pods, TimeSpan.Zero);
            await sandbox.SetDownAsync(pods, true);
            await MeasureAsync(pods, $"GET /{ListPath}, every pod {label}, one pod down", http, requests, onePod, sandbox.PodsProcess);
            await sandbox.SetDownAsync(pods, false);
        }

        var (endSet, endHeap) = BenchSandbox.MemoryAtRest();
        var podsEnd = await sandbox.PodsMemoryAsync();
        var podsColumns = podsStart is { } s0 && podsEnd is { } s1
            ? string.Create(CultureInfo.InvariantCulture, $" {s0.WorkingSetMb:F0} / {s0.HeapMb:F0} | {s1.WorkingSetMb:F0} / {s1.HeapMb:F0} |")
            : " - | - |";
        return (p50, string.Create(CultureInfo.InvariantCulture, $"| {pods} | {pods * perPod} | {startSet:F0} | {startHeap:F0} | {endSet:F0} | {endHeap:F0} |") + podsColumns);
    }

    private static TimeSpan CpuTime(Process? process = null)
    {
        if (process is not null)
        {
            process.Refresh();
            return process.TotalProcessorTime;
        }

        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(5);

    /// <summary>
    /// What the pods alone cost on this machine: the client asks every pod's own Nova for the
    /// page the gateway asks (one call each, at once) and reads every answer, with no gateway
    /// between. A merged list cannot be faster than this: the rest of its time is the gateway's.
    /// </summary>
    private static async Task MeasureFloorAsync(int pods, string name, BenchSandbox sandbox, string token, int requests, double? onePod)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 16 });
        http.DefaultRequestHeaders.Add("X-Auth-Token", token);
        http.DefaultRequestHeaders.Add("OpenStack-API-Version", "compute 2.37");
        var urls = Enumerable.Range(1, pods).Select(p => new Uri(sandbox.RegionUrl(p, "compute"), "servers/detail?limit=51&sort_key=created_at&sort_dir=desc")).ToArray();
        async Task AllAsync() => await Task.WhenAll(urls.Select(u => Task.Run(async () =>
        {
            using var response = await http.GetAsync(u);
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync();
        })));

        var warming = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(warming) < WarmUp)
        {
            await AllAsync();
        }

        var latencies = new double[requests];
        var cpu = CpuTime();
        var podsCpu = sandbox.PodsProcess is null ? TimeSpan.Zero : CpuTime(sandbox.PodsProcess);
        for (var i = 0; i < requests; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await AllAsync();
            latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        var cpuPerList = (CpuTime() - cpu).TotalMilliseconds / requests;
        var podsCpuPerList = sandbox.PodsProcess is null ? "-" : ((CpuTime(sandbox.PodsProcess) - podsCpu).TotalMilliseconds / requests).ToString("F1", CultureInfo.InvariantCulture);
        PrintRow(pods, name, latencies, cpuPerList, podsCpuPerList, "-", "-", "-", "-", onePod);
    }

    /// <summary>One row of the table (the latencies sorted here); returns the median.</summary>
    private static double PrintRow(int pods, string name, double[] latencies, double cpuPerList, string podsCpuPerList, string kbPerList, string gcsPer100, string items, string placeholders, double? onePod)
    {
        Array.Sort(latencies);
        var n = latencies.Length;
        var p50 = latencies[n / 2];
        var ratio = onePod is { } one ? (p50 / one).ToString("F2", CultureInfo.InvariantCulture) + "x" : "-";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {pods} | {name} | {p50:F2} | {cpuPerList:F1} | {podsCpuPerList} | {kbPerList} | {gcsPer100} | {latencies[(int)(n * 0.9)]:F2} | {latencies[Math.Min(n - 1, (int)(n * 0.99))]:F2} | {latencies[^1]:F2} | {items} | {placeholders} | {ratio} |"));
        return p50;
    }

    private static async Task<double> MeasureAsync(int pods, string name, HttpClient http, int requests, double? onePod, Process? podsProcess, string path = ListPath, int warmups = 20)
    {
        // Warm until steady, not for a count: both processes' code is tiered up by the runtime in
        // the background, which on a busy or pinned core takes seconds of calls (the first
        // scenario of a fresh pods process measured twice the pods' CPU of later ones before).
        var warming = Stopwatch.GetTimestamp();
        for (var i = 0; i < warmups || (warmups > 1 && Stopwatch.GetElapsedTime(warming) < WarmUp); i++)
        {
            using var warm = await http.GetAsync(path);
            warm.EnsureSuccessStatusCode();
        }

        var latencies = new double[requests];
        var cpu = CpuTime();
        var allocated = GC.GetTotalAllocatedBytes();
        using var sampler = AllocationSampler.StartIfAsked();
        var gen0 = GC.CollectionCount(0);
        var podsCpu = podsProcess is null ? TimeSpan.Zero : CpuTime(podsProcess);
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

        // And the memory it churns (this process: with the pods out of it, the gateway and the
        // client), which the machine's load does not move at all.
        var kbPerList = (GC.GetTotalAllocatedBytes() - allocated) / 1024.0 / requests;
        var gcsPer100 = (GC.CollectionCount(0) - gen0) * 100.0 / requests;
        sampler?.Report($"{pods} pods, {name}", requests);
        var podsCpuPerList = podsProcess is null ? "-" : ((CpuTime(podsProcess) - podsCpu).TotalMilliseconds / requests).ToString("F1", CultureInfo.InvariantCulture);

        // What the answer says: the whole list once more, with a pod's placeholders (status
        // UNKNOWN) for a pod that was not heard in time.
        using var whole = await http.GetAsync("servers/detail?limit=1000");
        whole.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await whole.Content.ReadAsByteArrayAsync());
        var servers = json.RootElement.GetProperty("servers");
        var items = servers.GetArrayLength();
        var placeholders = servers.EnumerateArray().Count(s => s.TryGetProperty("status", out var status) && status.GetString() == "UNKNOWN");

        return PrintRow(
            pods, name, latencies, cpuPerList, podsCpuPerList, kbPerList.ToString("F0", CultureInfo.InvariantCulture), gcsPer100.ToString("F0", CultureInfo.InvariantCulture),
            items.ToString(CultureInfo.InvariantCulture), placeholders.ToString(CultureInfo.InvariantCulture), onePod);
    }
}
