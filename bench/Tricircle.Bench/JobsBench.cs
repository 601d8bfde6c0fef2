using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Tricircle.Data;
using Tricircle.Jobs;
using Tricircle.Sandbox;

namespace Tricircle.Bench;

/// <summary>
/// What the job engine costs. (1) The engine alone: jobs queued, leased and finished per second by
/// N workers on one database (no handler: the table's own cost). (2) End to end: a network
/// update through the central Neutron whose copies live in both pods (the request runs the two
/// sync jobs before it answers) against one with no copy (central only), sequential, so the
/// difference is the jobs' cost per update.
///   dotnet Tricircle.Bench.dll jobs [jobs] [workers] [updates] [database]
/// </summary>
internal static class JobsBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var jobs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5_000;
        var workers = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 4;
        var updates = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 300;
        var connection = args.Length > 3 ? args[3] : null;

        // No workers: the engine's numbers are this benchmark's own, and the updates' jobs run in the requests.
        await using var bench = await BenchSandbox.StartAsync(
            2,
            "jobsbench",
            new Dictionary<string, string?> { ["DEFAULT:roles"] = "admin,compute,volume,image,network" },
            connection,
            quiet: false);
        var sandbox = bench.Sandbox;
        var database = sandbox.Services.GetRequiredService<Database>();
        Console.WriteLine($"{database.Connection.Describe()}, {Environment.ProcessorCount} cores");

        // (1) The engine alone, on the sandbox's database but its own store (its workers would lease these).
        var store = new JobStore(database, Options.Create(new JobOptions()), TimeProvider.System);
        var clock = Stopwatch.StartNew();
        foreach (var chunk in Enumerable.Range(0, jobs).Chunk(100))
        {
            await store.EnqueueAsync([.. chunk.Select(i => JobRequest.InPod(JobTypes.NetworkSync, "bench-pod", "net-" + i.ToString(CultureInfo.InvariantCulture), "bench"))], CancellationToken.None);
        }

        var queued = clock.Elapsed;
        clock.Restart();
        var done = 0;
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async w =>
        {
            while (await store.LeaseNextAsync("bench-" + w.ToString(CultureInfo.InvariantCulture), CancellationToken.None) is { } lease)
            {
                await store.FinishAsync(lease, RunEnd.Success, null, counts: false, CancellationToken.None);
                Interlocked.Increment(ref done);
            }
        }));
        var ran = clock.Elapsed;
        Console.WriteLine("| engine | jobs | jobs/s | ms per job |");
        Console.WriteLine("|---|---|---|---|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| queue (100 per transaction) | {jobs} | {jobs / queued.TotalSeconds:F0} | {queued.TotalMilliseconds / jobs:F2} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| lease + finish ({workers} workers) | {done} | {done / ran.TotalSeconds:F0} | {ran.TotalMilliseconds / done:F2} |"));

        // (2) End to end.
        var token = sandbox.Keystone.IssueToken("demo", SandboxOptions.DemoPassword, "demo").Id;
        var admin = sandbox.Keystone.IssueToken("admin", SandboxOptions.AdminPassword, "admin").Id;
        using var neutron = new HttpClient { BaseAddress = new Uri(sandbox.NetworkUrl, "v2.0/") };
        neutron.DefaultRequestHeaders.Add("X-Auth-Token", token);
        using var nova = new HttpClient { BaseAddress = new Uri(sandbox.ComputeUrl + "/") };
        nova.DefaultRequestHeaders.Add("X-Auth-Token", token);
        nova.DefaultRequestHeaders.Add("OpenStack-API-Version", "compute 2.37");
        var spread = await NetworkAsync(neutron, "spread", "10.90.0.0/24");
        var alone = await NetworkAsync(neutron, "alone", "10.91.0.0/24");
        foreach (var (region, az) in new[] { ("RegionOne", "az1"), ("RegionTwo", "az2") })
        {
            using var glance = new HttpClient();
            glance.DefaultRequestHeaders.Add("X-Auth-Token", admin);
            var image = (await glance.GetFromJsonAsync<JsonElement>(new Uri(sandbox.Regions[region].ImageUrl, "v2/images?name=cirros"))).GetProperty("images")[0].GetProperty("id").GetString();
            using var booted = await nova.PostAsJsonAsync("servers", new { server = new { name = "on-" + az, flavorRef = "1", imageRef = image, networks = new[] { new { uuid = spread } }, availability_zone = az } });
            booted.EnsureSuccessStatusCode();
        }

        Console.WriteLine();
        Console.WriteLine("| network update (sequential) | requests/s | p50 ms | p99 ms | max ms |");
        Console.WriteLine("|---|---|---|---|---|");
        await UpdatesAsync("no copy: central only", neutron, alone, updates);
        await UpdatesAsync("copies in 2 pods: 2 network_sync jobs run before the answer", neutron, spread, updates);
        return 0;
    }

    private static async Task<string> NetworkAsync(HttpClient neutron, string name, string cidr)
    {
        using var created = await neutron.PostAsJsonAsync("networks", new { network = new { name } });
        var id = (await created.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>()).GetProperty("network").GetProperty("id").GetString()!;
        using var subnet = await neutron.PostAsJsonAsync("subnets", new { subnet = new { network_id = id, ip_version = 4, cidr } });
        subnet.EnsureSuccessStatusCode();
        return id;
    }

    private static async Task UpdatesAsync(string name, HttpClient neutron, string network, int updates)
    {
        for (var i = 0; i < 20; i++)
        {
            using var warm = await neutron.PutAsJsonAsync("networks/" + network, new { network = new { description = "warm " + i } });
            warm.EnsureSuccessStatusCode();
        }

        var latencies = new double[updates];
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < updates; i++)
        {
            var start = Stopwatch.GetTimestamp();
            using var updated = await neutron.PutAsJsonAsync("networks/" + network, new { network = new { description = "update " + i } });
            updated.EnsureSuccessStatusCode();
            latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        clock.Stop();
        Array.Sort(latencies);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {updates / clock.Elapsed.TotalSeconds:F0} | {latencies[updates / 2]:F2} | {latencies[(int)(updates * 0.99)]:F2} | {latencies[^1]:F2} |"));
    }
}
