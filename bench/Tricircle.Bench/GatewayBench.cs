using System.Globalization;
using System.Net.Http.Json;
using Tricircle.Sandbox;

namespace Tricircle.Bench;

/// <summary>
/// The Nova gateway's merged server list over many emulated pods, each adding latency: shows
/// that a list costs one pod round trip (parallel fan-out), not one per pod, and that a down pod
/// costs nothing but its placeholders.
///   dotnet Tricircle.Bench.dll gateway [pods] [servers-per-pod] [latency-ms] [requests] [clients]
/// </summary>
internal static class GatewayBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
        var pods = Arg(0, 10);
        var perPod = Math.Min(Arg(1, 10), 10); // an emulated Nova allows a tenant 10 instances, as Nova's default quota
        var latency = Arg(2, 50);
        var requests = Arg(3, 500);
        var clients = Arg(4, 8);

        await using var sandbox = await BenchSandbox.StartAsync(
            pods,
            "gwbench",
            // The central quota would stop the seeding at 10 servers; the pods' own quotas still apply.
            new Dictionary<string, string?> { ["quota:instances"] = "-1", ["quota:cores"] = "-1", ["quota:ram"] = "-1" });
        var token = await sandbox.DemoTokenAsync();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients }) { BaseAddress = new Uri(sandbox.ComputeUrl + "/") };
        http.DefaultRequestHeaders.Add("X-Auth-Token", token);
        http.DefaultRequestHeaders.Add("OpenStack-API-Version", "compute 2.37");

        // Seed through the gateway itself: every server is placed and routed as a tenant's would be.
        for (var p = 1; p <= pods; p++)
        {
            var admin = await sandbox.AdminTokenAsync();
            using var glance = new HttpClient();
            glance.DefaultRequestHeaders.Add("X-Auth-Token", admin);
            var images = await glance.GetFromJsonAsync<System.Text.Json.JsonElement>(new Uri(sandbox.RegionUrl(p, "image"), "v2/images?name=cirros"));
            var image = images.GetProperty("images")[0].GetProperty("id").GetString();
            await Task.WhenAll(Enumerable.Range(0, perPod).Select(async i =>
            {
                using var created = await http.PostAsJsonAsync("servers", new { server = new { name = $"bench-{p}-{i}", flavorRef = "1", imageRef = image, networks = "none", availability_zone = SandboxOptions.AzName(p) } });
                created.EnsureSuccessStatusCode();
            }));
        }

        Console.WriteLine($"Nova gateway on {sandbox.ComputeUrl}, {pods} pods x {perPod} servers, {latency} ms added latency per pod call, {requests} requests per scenario, {clients} clients, {Environment.ProcessorCount} cores");
        Console.WriteLine("| scenario | requests/s | p50 ms | p99 ms | max ms |");
        Console.WriteLine("|---|---|---|---|---|");
        await Program.RunAsync($"GET /servers/detail?limit=50, no added latency", http, "servers/detail?limit=50", requests, clients);
        for (var p = 1; p <= pods; p++)
        {
            await sandbox.SetLatencyAsync(p, TimeSpan.FromMilliseconds(latency));
        }

        await Program.RunAsync($"GET /servers/detail?limit=50, every pod +{latency} ms", http, "servers/detail?limit=50", requests, clients);
        await Program.RunAsync($"GET /servers?limit=1000 (all {pods * perPod}), every pod +{latency} ms", http, "servers?limit=1000", requests, clients);
        await sandbox.SetDownAsync(pods, true);
        await Program.RunAsync($"GET /servers/detail?limit=50, every pod +{latency} ms, one pod down", http, "servers/detail?limit=50", requests, clients);
        return 0;
    }
}
