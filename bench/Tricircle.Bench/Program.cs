using System.Diagnostics;
using System.Globalization;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Tricircle.Data;
using Tricircle.Emulator.Identity;
using Tricircle.Hosting;

namespace Tricircle.Bench;

/// <summary>
/// Load benchmark of the service's hot paths on loopback: a bounded number of requests from N
/// concurrent clients, reporting throughput and latency percentiles. Not a test: run it by hand
/// (Release) and write the numbers into bench/README.md.
///   dotnet run -c Release --project bench/Tricircle.Bench -- [requests-per-scenario] [concurrency] [database]
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "gateway")
        {
            return await GatewayBench.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == "forwarder-floor")
        {
            return await ForwarderFloorBench.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == "show-cost")
        {
            return await ShowCostBench.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == "boot-queries")
        {
            return await BootQueriesBench.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == "pods")
        {
            return await BenchSandbox.RunPodsAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == "gateway-scale")
        {
            return await GatewayScaleBench.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == "l3")
        {
            return await L3Bench.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == "storm")
        {
            return await StormBench.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == "routing-scale")
        {
            return await RoutingScaleBench.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == "ipam")
        {
            return await IpamBench.RunAsync(args[1..]);
        }

        if (args.Length > 0 && args[0] == "jobs")
        {
            return await JobsBench.RunAsync(args[1..]);
        }

        var requests = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5_000;
        var concurrency = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 16;
        var state = Directory.CreateTempSubdirectory("tricircle-bench-").FullName;
        var connection = args.Length > 2 ? args[2] : "sqlite:///" + Path.Combine(state, "bench.db");

        await using var keystone = await KeystoneEmulator.StartAsync(new KeystoneEmulatorOptions { Port = 0 });
        var service = keystone.AddUser("tricircle", "secret");
        keystone.Grant(service, keystone.FindProjectId("service")!, "admin");
        var admin = keystone.IssueToken("admin", "password", "admin");

        var configuration = TricircleConfiguration.Load([], new Dictionary<string, string?>
        {
            ["DEFAULT:bind_host"] = "127.0.0.1",
            ["DEFAULT:admin_port"] = "0",
            ["DEFAULT:roles"] = "admin", // the other roles' ports may be taken (a lab's Glance owns 9292)
            ["DEFAULT:state_path"] = state,
            ["database:connection"] = connection,
            ["keystone_authtoken:auth_url"] = keystone.AuthUrl.ToString(),
            ["keystone_authtoken:username"] = "tricircle",
            ["keystone_authtoken:password"] = "secret",
        });
        await using var app = ServiceHost.Build(configuration);
        await app.Services.GetRequiredService<SchemaMigrator>().MigrateAsync(CancellationToken.None);
        await app.StartAsync();
        var url = app.Services.GetRequiredService<ServiceListeners>().Url(ServiceRole.Admin);
        await SeedAsync(app.Services.GetRequiredService<Database>(), admin.ProjectId);

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = url };
        http.DefaultRequestHeaders.Add("X-Auth-Token", admin.Id);

        Console.WriteLine($"Tricircle Admin API on {url}, {app.Services.GetRequiredService<Database>().Connection.Describe()}, {requests} requests per scenario, {concurrency} concurrent clients, {Environment.ProcessorCount} cores");
        Console.WriteLine("| scenario | requests/s | p50 ms | p99 ms | max ms |");
        Console.WriteLine("|---|---|---|---|---|");
        await RunAsync("GET /v1.0 (token cached, no database)", http, "v1.0", requests, concurrency);
        await RunAsync("GET /v1.0/pods (10 pods)", http, "v1.0/pods", requests, concurrency);
        await RunAsync("GET /v1.0/routings?limit=100 (50,000 rows, newest page)", http, "v1.0/routings?limit=100", requests, concurrency);
        await RunAsync("GET /v1.0/routings?limit=100&marker=25000 (deep page)", http, "v1.0/routings?limit=100&marker=25000", requests, concurrency);
        await RunAsync("GET /v1.0/routings?top_id=<one> (indexed lookup)", http, "v1.0/routings?top_id=top-12345", requests, concurrency);
        await app.StopAsync();
        return 0;
    }

    private static async Task SeedAsync(Database database, string project)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var tx = await connection.BeginTransactionAsync();
        var at = DateTime.UtcNow;
        await connection.ExecuteAsync(
            "INSERT INTO pods (pod_id, region_name, az_name, pod_az_name, dc_name, created_at) VALUES (@id, @region, @az, 'nova', 'bench', @at)",
            Enumerable.Range(0, 10).Select(i => new { id = Guid.NewGuid().ToString(), region = "Region" + i, az = i == 0 ? "" : "az" + i, at }),
            tx);
        var pod = await connection.QuerySingleAsync<string>("SELECT pod_id FROM pods WHERE region_name = 'Region1'", transaction: tx);
        await connection.ExecuteAsync(
            "INSERT INTO resource_routings (top_id, bottom_id, pod_id, project_id, resource_type, created_at) VALUES (@top, @top, @pod, @project, 'port', @at)",
            Enumerable.Range(0, 50_000).Select(i => new { top = "top-" + i.ToString(CultureInfo.InvariantCulture), pod, project, at }),
            tx);
        await tx.CommitAsync();
    }

    public static async Task RunAsync(string name, HttpClient http, string path, int requests, int concurrency)
    {
        // Warm up: JIT, connection pool, token cache.
        for (var i = 0; i < 200; i++)
        {
            using var warm = await http.GetAsync(path);
            warm.EnsureSuccessStatusCode();
        }

        var latencies = new double[requests];
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < requests)
            {
                var start = Stopwatch.GetTimestamp();
                using var response = await http.GetAsync(path);
                await response.Content.LoadIntoBufferAsync();
                response.EnsureSuccessStatusCode();
                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        }));
        clock.Stop();
        Array.Sort(latencies);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {requests / clock.Elapsed.TotalSeconds:F0} | {latencies[requests / 2]:F2} | {latencies[(int)(requests * 0.99)]:F2} | {latencies[^1]:F2} |"));
    }
}
