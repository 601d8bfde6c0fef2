using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Tricircle.Data;
using Tricircle.Sandbox;

namespace Tricircle.Bench;

/// <summary>
/// The central IPAM under load: <c>POST /v2.0/ports</c> (one address picked by the central
/// Neutron) on a /16 with <c>allocated</c> ports already on it against an empty /16, sequential
/// and from <c>clients</c> concurrent clients. The allocated ports are written straight into the
/// central tables in one transaction (the rows a port create writes: the port and its
/// <c>ip_allocations</c> row, addresses from the bottom of the pool up), so the setup takes seconds.
///   dotnet Tricircle.Bench.dll ipam [allocated] [requests] [clients] [database|-]
/// </summary>
internal static class IpamBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
        var allocated = Arg(0, 60_000);
        var requests = Arg(1, 1_000);
        var clients = Arg(2, 16);
        var database = args.Length > 3 && args[3] != "-" ? args[3] : null;

        await using var bench = await BenchSandbox.StartAsync(
            1,
            "ipambench",
            new Dictionary<string, string?> { ["quota:port"] = "-1" },
            database,
            quiet: true);
        var sandbox = bench.Sandbox;
        var token = sandbox.Keystone.IssueToken("demo", SandboxOptions.DemoPassword, "demo").Id;
        var project = sandbox.Keystone.FindProjectId("demo")!;
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients }) { BaseAddress = new Uri(sandbox.NetworkUrl, "v2.0/") };
        http.DefaultRequestHeaders.Add("X-Auth-Token", token);

        var full = await NetworkAsync(http, "full", "10.100.0.0/16");
        var empty = await NetworkAsync(http, "empty", "10.101.0.0/16");
        var db = sandbox.Services.GetRequiredService<Database>();
        var clock = Stopwatch.StartNew();
        await SeedAsync(db, project, full.Network, full.Subnet, allocated);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Central IPAM: {allocated} ports seeded on a /16 in {clock.Elapsed.TotalSeconds:F1} s, {requests} creates per scenario, {sandbox.DatabaseDescription}, {Environment.ProcessorCount} cores"));

        // Warm up (JIT, connections, token cache) on a third network.
        var warm = await NetworkAsync(http, "warm", "10.102.0.0/16");
        await CreatesAsync(http, warm.Network, 100, 1);

        Console.WriteLine("| subnet | clients | ports/s | p50 ms | p99 ms | max ms |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var c in new[] { 1, clients })
        {
            foreach (var (name, network) in new[] { ("empty /16", empty.Network), ($"/16 with {allocated} allocated", full.Network) })
            {
                var (rate, latencies) = await CreatesAsync(http, network, requests, c);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {c} | {rate:F0} | {latencies[requests / 2]:F2} | {latencies[(int)(requests * 0.99)]:F2} | {latencies[^1]:F2} |"));
            }
        }

        // Every address once: the primary key says so, the count shows it.
        await using var connection = await db.OpenAsync(CancellationToken.None);
        var (rows, distinct) = await connection.QuerySingleAsync<(long, long)>(
            "SELECT COUNT(*), COUNT(DISTINCT ip_address) FROM ip_allocations WHERE network_id = @network", new { network = full.Network });
        Console.WriteLine($"Allocations on the full network: {rows}, distinct addresses: {distinct}");
        return rows == distinct ? 0 : 1;
    }

    private static async Task<(string Network, string Subnet)> NetworkAsync(HttpClient http, string name, string cidr)
    {
        using var created = await http.PostAsJsonAsync("networks", new { network = new { name } });
        var id = (await created.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>()).GetProperty("network").GetProperty("id").GetString()!;
        using var subnet = await http.PostAsJsonAsync("subnets", new { subnet = new { network_id = id, ip_version = 4, cidr } });
        var subnetId = (await subnet.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>()).GetProperty("subnet").GetProperty("id").GetString()!;
        return (id, subnetId);
    }

    /// <summary>The rows <paramref name="count"/> port creates would have written: ports from the pool's first address (x.x.0.2) up.</summary>
    private static async Task SeedAsync(Database database, string project, string network, string subnet, int count)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var tx = await connection.BeginTransactionAsync();
        var at = DateTime.UtcNow;
        var rows = Enumerable.Range(0, count).Select(i =>
        {
            var address = i + 2; // .0.1 is the gateway
            return new
            {
                id = Guid.NewGuid().ToString(),
                mac = string.Create(CultureInfo.InvariantCulture, $"fa:16:3f:{(i >> 16) & 0xff:x2}:{(i >> 8) & 0xff:x2}:{i & 0xff:x2}"),
                ip = string.Create(CultureInfo.InvariantCulture, $"10.100.{address >> 8}.{address & 0xff}"),
                project,
                network,
                subnet,
                at,
            };
        }).ToList();
        await connection.ExecuteAsync(
            "INSERT INTO ports (id, project_id, network_id, mac_address, created_at, updated_at) VALUES (@id, @project, @network, @mac, @at, @at)", rows, tx);
        await connection.ExecuteAsync(
            "INSERT INTO ip_allocations (network_id, ip_address, subnet_id, port_id) VALUES (@network, @ip, @subnet, @id)", rows, tx);
        await tx.CommitAsync();
    }

    private static async Task<(double Rate, double[] Latencies)> CreatesAsync(HttpClient http, string network, int requests, int clients)
    {
        var latencies = new double[requests];
        var next = -1;
        var failures = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < requests)
            {
                var start = Stopwatch.GetTimestamp();
                using var created = await http.PostAsJsonAsync("ports", new { port = new { network_id = network } });
                await created.Content.LoadIntoBufferAsync();
                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (created.StatusCode != HttpStatusCode.Created)
                {
                    Interlocked.Increment(ref failures);
                    Console.WriteLine($"  {(int)created.StatusCode}: {await created.Content.ReadAsStringAsync()}");
                }
            }
        }));
        clock.Stop();
        if (failures > 0)
        {
            Console.WriteLine($"  {failures} creates failed");
        }

        Array.Sort(latencies);
        return (requests / clock.Elapsed.TotalSeconds, latencies);
    }
}
