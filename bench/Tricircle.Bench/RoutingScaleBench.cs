using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Tricircle.Data;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Bench;

/// <summary>
/// What a merged list asks of the routing table, as the table grows: before every list, the pods
/// that hold the caller's resources of the type (<see cref="RoutingStore.PodsWithAsync"/>), and
/// while a pod is down, its rows for the placeholders (<see cref="RoutingStore.ListTypeAsync"/>).
/// Two pods, five servers of the demo tenant in each (booted through the gateway), then
/// <c>rows</c> routing rows of other projects (servers, ports, networks, volumes, over both pods)
/// written straight into the table in batches. Timed twice, on the table as booted and after the
/// seeding: each query alone, then <c>GET /servers/detail?limit=50</c> through the gateway, with
/// both pods up and with the second down.
///   dotnet Tricircle.Bench.dll routing-scale [rows] [requests] [database|-]
/// </summary>
internal static class RoutingScaleBench
{
    private static readonly string[] Types = ["server", "port", "network", "volume"];

    public static async Task<int> RunAsync(string[] args)
    {
        int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
        var rows = Arg(0, 200_000);
        var requests = Arg(1, 200);
        var database = args.Length > 2 && args[2] != "-" ? args[2] : null;

        await using var sandbox = await BenchSandbox.StartAsync(2, "routingscale", new Dictionary<string, string?>(), database, quiet: true);
        var (token, project) = await sandbox.TokenAsync("demo", Sandbox.SandboxOptions.DemoPassword, "demo");
        using var http = new HttpClient(new SocketsHttpHandler()) { BaseAddress = new Uri(sandbox.ComputeUrl + "/") };
        http.DefaultRequestHeaders.Add("X-Auth-Token", token);
        http.DefaultRequestHeaders.Add("OpenStack-API-Version", "compute 2.37");
        for (var pod = 1; pod <= 2; pod++)
        {
            var images = await http.GetFromJsonAsync<JsonElement>(new Uri(sandbox.RegionUrl(pod, "image"), "v2/images?name=cirros"));
            var image = images.GetProperty("images")[0].GetProperty("id").GetString();
            for (var i = 0; i < 5; i++)
            {
                using var created = await http.PostAsJsonAsync("servers", new { server = new { name = $"bench-{pod}-{i}", flavorRef = "1", imageRef = image, networks = "none", availability_zone = Sandbox.SandboxOptions.AzName(pod) } });
                created.EnsureSuccessStatusCode();
            }
        }

        var store = sandbox.Services.GetRequiredService<RoutingStore>();
        var db = sandbox.Services.GetRequiredService<Database>();
        var bottom = (await sandbox.Services.GetRequiredService<PodStore>().ListAsync(new Dictionary<string, string>(), CancellationToken.None)).Where(p => !p.IsCentral).ToList();
        var pods = bottom.Select(p => p.PodId).ToArray();
        var down = bottom.Single(p => p.RegionName == Sandbox.SandboxOptions.RegionName(2)).PodId; // the one SetDownAsync(2, …) takes down

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Routing table under a merged list: 2 pods, 10 servers of the caller's, {requests} calls per figure, {sandbox.DatabaseDescription}, {Environment.ProcessorCount} cores"));
        Console.WriteLine("| routing rows | pods with the caller's servers, p50 ms | the same, every project's (admin), p50 ms | a down pod's server rows, p50 ms | `servers/detail?limit=50`, p50 ms | the same, one pod down, p50 ms |");
        Console.WriteLine("|---|---|---|---|---|---|");
        await MeasureAsync(sandbox, store, db, http, project, down, requests);

        var clock = Stopwatch.StartNew();
        await SeedAsync(db, pods, rows);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seeded {rows} rows in {clock.Elapsed.TotalSeconds:F1} s"));
        await MeasureAsync(sandbox, store, db, http, project, down, requests);
        return 0;
    }

    private static async Task MeasureAsync(BenchSandbox sandbox, RoutingStore store, Database db, HttpClient http, string project, string down, int requests)
    {
        long count;
        await using (var connection = await db.OpenAsync(CancellationToken.None))
        {
            count = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM resource_routings");
        }

        var podsWith = await TimeAsync(requests, () => store.PodsWithAsync("server", project, CancellationToken.None));
        var everyProject = await TimeAsync(requests, () => store.PodsWithAsync("server", null, CancellationToken.None));
        var downRows = await TimeAsync(requests, () => store.ListTypeAsync("server", project, [down], CancellationToken.None));
        var list = await TimeAsync(requests, () => ListAsync(http));
        await sandbox.SetDownAsync(2, true);
        var listDown = await TimeAsync(requests, () => ListAsync(http));
        await sandbox.SetDownAsync(2, false);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {count:N0} | {podsWith:F3} | {everyProject:F3} | {downRows:F3} | {list:F2} | {listDown:F2} |"));
    }

    private static async Task<int> ListAsync(HttpClient http)
    {
        using var response = await http.GetAsync("servers/detail?limit=50");
        var body = await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("servers").GetArrayLength() == 10 ? 10 : throw new InvalidOperationException("The list should show the caller's 10 servers.");
    }

    // The median of `requests` calls, after a tenth as many to warm up.
    private static async Task<double> TimeAsync<T>(int requests, Func<Task<T>> call)
    {
        for (var i = 0; i < Math.Max(5, requests / 10); i++)
        {
            await call();
        }

        var latencies = new double[requests];
        for (var i = 0; i < requests; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await call();
            latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(latencies);
        return latencies[requests / 2];
    }

    // Rows of 200 other projects, a row per resource, over both pods and four types; in batches of
    // multi-row inserts in one transaction, so that 200,000 take seconds on either database.
    private static async Task SeedAsync(Database db, string[] pods, int rows)
    {
        await using var connection = await db.OpenAsync(CancellationToken.None);
        await using var transaction = await connection.BeginTransactionAsync();
        var now = DateTime.UtcNow;
        const int Batch = 100;
        for (var from = 0; from < rows; from += Batch)
        {
            var sql = new StringBuilder("INSERT INTO resource_routings (top_id, bottom_id, pod_id, project_id, resource_type, created_at) VALUES ");
            var parameters = new DynamicParameters();
            for (var i = from; i < Math.Min(rows, from + Batch); i++)
            {
                var n = (i - from).ToString(CultureInfo.InvariantCulture);
                sql.Append(i == from ? "" : ", ").Append(CultureInfo.InvariantCulture, $"(@t{n}, @t{n}, @p{n}, @j{n}, @r{n}, @c)");
                parameters.Add("t" + n, Guid.NewGuid().ToString());
                parameters.Add("p" + n, pods[i % pods.Length]);
                parameters.Add("j" + n, "other-" + ((i / 7) % 200).ToString(CultureInfo.InvariantCulture));
                parameters.Add("r" + n, Types[(i / 3) % Types.Length]);
            }

            parameters.Add("c", now);
            await connection.ExecuteAsync(sql.ToString(), parameters, transaction);
        }

        await transaction.CommitAsync();
    }
}
