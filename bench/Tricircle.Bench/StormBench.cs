using System.Collections.Concurrent;
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
/// A boot storm through the Nova gateway: N boots at concurrency C spread over the pods' AZs,
/// each on one tenant network (so each boot makes its port centrally and in its pod: the real
/// cost), until every server is ACTIVE; then all deleted, and a check that nothing is left
/// (central routings and ports, the pods' servers and ports). Errors are counted by status and
/// message; the target is none.
///   dotnet Tricircle.Bench.dll storm [boots] [concurrency] [pods] [database|-]
/// </summary>
internal static class StormBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
        var boots = Arg(0, 1_000);
        var concurrency = Arg(1, 50);
        var pods = Arg(2, 10);
        var database = args.Length > 3 && args[3] != "-" ? args[3] : null;

        // The central quotas would stop the storm at 10 servers and 500 ports; the pods' are lifted below, through their own APIs.
        await using var bench = await BenchSandbox.StartAsync(
            pods,
            "stormbench",
            new Dictionary<string, string?>
            {
                ["quota:instances"] = "-1",
                ["quota:cores"] = "-1",
                ["quota:ram"] = "-1",
                ["quota:port"] = "-1",
            },
            database,
            quiet: true);
        var sandbox = bench.Sandbox;
        var demo = sandbox.Keystone.FindProjectId("demo")!;
        var token = sandbox.Keystone.IssueToken("demo", SandboxOptions.DemoPassword, "demo").Id;
        var admin = sandbox.Keystone.IssueToken("admin", SandboxOptions.AdminPassword, "admin").Id;
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency * 2 }) { Timeout = TimeSpan.FromMinutes(5) };

        // Each pod's Nova allows the tenant as many instances as the storm needs (its default is 10, as Nova's).
        var images = new Dictionary<int, string>();
        for (var p = 1; p <= pods; p++)
        {
            var region = sandbox.Regions[SandboxOptions.RegionName(p)];
            using var quota = await SendAsync(http, HttpMethod.Put, new Uri(region.ComputeUrl + "/os-quota-sets/" + demo), admin,
                new { quota_set = new { instances = -1, cores = -1, ram = -1 } });
            quota.EnsureSuccessStatusCode();
            using var image = await SendAsync(http, HttpMethod.Get, new Uri(region.ImageUrl, "v2/images?name=cirros"), admin);
            images[p] = (await image.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>()).GetProperty("images")[0].GetProperty("id").GetString()!;
        }

        var neutron = new Uri(sandbox.NetworkUrl, "v2.0/");
        var nova = new Uri(sandbox.ComputeUrl + "/");
        using var network = await SendAsync(http, HttpMethod.Post, new Uri(neutron, "networks"), token, new { network = new { name = "storm" } });
        var networkId = (await network.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>()).GetProperty("network").GetProperty("id").GetString()!;
        using var subnet = await SendAsync(http, HttpMethod.Post, new Uri(neutron, "subnets"), token, new { subnet = new { network_id = networkId, ip_version = 4, cidr = "10.200.0.0/16" } });
        subnet.EnsureSuccessStatusCode();

        Console.WriteLine($"Boot storm: {boots} boots at concurrency {concurrency} over {pods} pods, one tenant network, {sandbox.DatabaseDescription}, {Environment.ProcessorCount} cores");

        // The storm: every boot's create call timed; errors by status and message.
        var errors = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var ids = new ConcurrentBag<string>();
        var latencies = new double[boots];
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < boots)
            {
                var pod = 1 + (i % pods);
                var start = Stopwatch.GetTimestamp();
                using var created = await SendAsync(http, HttpMethod.Post, new Uri(nova, "servers"), token, new
                {
                    server = new
                    {
                        name = "storm-" + i.ToString(CultureInfo.InvariantCulture),
                        flavorRef = "1",
                        imageRef = images[pod],
                        networks = new[] { new { uuid = networkId } },
                        availability_zone = SandboxOptions.AzName(pod),
                    },
                });
                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                var body = await created.Content.ReadAsStringAsync();
                if (created.StatusCode == HttpStatusCode.Accepted)
                {
                    ids.Add(JsonDocument.Parse(body).RootElement.GetProperty("server").GetProperty("id").GetString()!);
                }
                else
                {
                    errors.AddOrUpdate($"{(int)created.StatusCode}: {Shorten(body)}", 1, (_, n) => n + 1);
                }
            }
        }));
        var created = clock.Elapsed;

        // Until every server is ACTIVE (or ERROR): each one's show, the pending ones again.
        var pending = ids.ToList();
        var failed = 0;
        while (pending.Count > 0 && clock.Elapsed < created + TimeSpan.FromMinutes(5))
        {
            var states = await ForEachAsync(pending, concurrency, async id =>
            {
                using var shown = await SendAsync(http, HttpMethod.Get, new Uri(nova, "servers/" + id), token);
                return shown.IsSuccessStatusCode
                    ? (await shown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("server").GetProperty("status").GetString()
                    : $"show {(int)shown.StatusCode}";
            });
            failed += states.Count(s => s.Result is "ERROR");
            foreach (var (id, state) in states.Where(s => s.Result is not ("ACTIVE" or "BUILD" or "ERROR")))
            {
                errors.AddOrUpdate("status " + state, 1, (_, n) => n + 1);
            }

            pending = [.. states.Where(s => s.Result is "BUILD").Select(s => s.Item)];
        }

        var active = clock.Elapsed;
        clock.Stop();
        Array.Sort(latencies);
        Console.WriteLine();
        Console.WriteLine("| boots | concurrency | pods | accepted | errors | ERROR state | not ACTIVE in 5 min | create calls/s | ACTIVE/s (all ACTIVE after) | create p50 ms | p99 ms | max ms |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {boots} | {concurrency} | {pods} | {ids.Count} | {errors.Values.Sum()} | {failed} | {pending.Count} | {boots / created.TotalSeconds:F1} | {(ids.Count - failed) / active.TotalSeconds:F1} ({active.TotalSeconds:F1} s) | {latencies[boots / 2]:F1} | {latencies[(int)(boots * 0.99)]:F1} | {latencies[^1]:F1} |"));
        foreach (var (error, count) in errors.OrderByDescending(e => e.Value))
        {
            Console.WriteLine($"  {count} x {error}");
        }

        // All deleted, at the same concurrency; then nothing may be left, once the jobs are done.
        clock.Restart();
        var deletes = await ForEachAsync(ids.ToList(), concurrency, async id =>
        {
            using var deleted = await SendAsync(http, HttpMethod.Delete, new Uri(nova, "servers/" + id), token);
            return deleted.StatusCode == HttpStatusCode.NoContent ? null : $"{(int)deleted.StatusCode}: {Shorten(await deleted.Content.ReadAsStringAsync())}";
        });
        var deleteErrors = deletes.Where(d => d.Result is not null).GroupBy(d => d.Result!).ToList();
        var gone = await ForEachAsync(ids.ToList(), concurrency, async id =>
        {
            for (var attempt = 0; attempt < 600; attempt++)
            {
                using var shown = await SendAsync(http, HttpMethod.Get, new Uri(nova, "servers/" + id), token);
                if (shown.StatusCode == HttpStatusCode.NotFound)
                {
                    return true;
                }

                await Task.Delay(100);
            }

            return false;
        });
        var deletedIn = clock.Elapsed;
        await JobsDoneAsync(sandbox.Services.GetRequiredService<Database>());
        var left = await LeftAsync(sandbox, demo, networkId);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Deleted {ids.Count} in {deletedIn.TotalSeconds:F1} s ({ids.Count / deletedIn.TotalSeconds:F1}/s): {deletes.Count(d => d.Result is not null)} delete errors, {gone.Count(g => !g.Result)} still shown after 60 s."));
        foreach (var group in deleteErrors)
        {
            Console.WriteLine($"  {group.Count()} x {group.Key}");
        }

        Console.WriteLine("Left after the deletes: " + string.Join(", ", left.Select(l => $"{l.Key} {l.Value}")));
        return errors.IsEmpty && failed == 0 && pending.Count == 0 && deleteErrors.Count == 0 && left.Values.All(v => v == 0) ? 0 : 1;
    }

    /// <summary>What the storm could leave behind: central rows and the pods' own servers and compute ports of the tenant.</summary>
    private static async Task<Dictionary<string, long>> LeftAsync(RunningSandbox sandbox, string project, string networkId)
    {
        await using var connection = await sandbox.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        var left = new Dictionary<string, long>(StringComparer.Ordinal)
        {
            ["central server routings"] = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM resource_routings WHERE project_id = @project AND resource_type = 'server'", new { project }),
            ["central port routings of no port"] = await connection.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM resource_routings r WHERE r.project_id = @project AND r.resource_type = 'port' AND NOT EXISTS (SELECT 1 FROM ports p WHERE p.id = r.top_id)", new { project }),
            ["central compute ports"] = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM ports WHERE network_id = @networkId AND device_owner LIKE 'compute:%'", new { networkId }),
            ["central unbound ports"] = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM ports WHERE network_id = @networkId AND device_owner = ''", new { networkId }),
            ["failed jobs"] = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM jobs WHERE status = 'FAIL'"),
        };
        long servers = 0, ports = 0;
        foreach (var region in sandbox.Regions.Values)
        {
            servers += region.Inspect("servers").Count(s => s?["tenant_id"]?.ToString() == project);
            ports += region.Inspect("ports").Count(p => p?["project_id"]?.ToString() == project && p?["device_owner"]?.ToString() is { } owner && (owner.StartsWith("compute:", StringComparison.Ordinal) || owner.Length == 0));
        }

        left["pod servers"] = servers;
        left["pod compute/unbound ports"] = ports;
        return left;
    }

    private static async Task JobsDoneAsync(Database database)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        for (var i = 0; i < 1200; i++)
        {
            if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM jobs WHERE status IN ('NEW', 'RUNNING')") == 0)
            {
                return;
            }

            await Task.Delay(100);
        }

        Console.WriteLine("Jobs still pending after two minutes.");
    }

    private static async Task<List<(T Item, TResult Result)>> ForEachAsync<T, TResult>(List<T> items, int concurrency, Func<T, Task<TResult>> action)
    {
        var results = new (T, TResult)[items.Count];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < items.Count)
            {
                results[i] = (items[i], await action(items[i]));
            }
        }));
        return [.. results];
    }

    internal static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, Uri uri, string token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, uri);
        request.Headers.Add("X-Auth-Token", token);
        request.Headers.Add("OpenStack-API-Version", "compute 2.37");
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await http.SendAsync(request);
    }

    private static string Shorten(string body)
    {
        // Ids and addresses vary; the message is what counts.
        var text = System.Text.RegularExpressions.Regex.Replace(body, "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}", "<id>");
        return text.Length > 300 ? text[..300] : text;
    }
}
