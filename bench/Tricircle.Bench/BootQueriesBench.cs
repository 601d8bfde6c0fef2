using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Tricircle.Telemetry;

namespace Tricircle.Bench;

/// <summary>
/// Database operations per boot through the Nova gateway: one tenant network (a /24) with
/// <c>groups</c> extra security groups, one warm-up boot per pod (it makes the network's copy
/// there), then <c>boots</c> boots one after another, each on the network with the groups, each
/// counted from its create call to its 202 (the metric <c>tricircle.db.operation.duration</c>
/// by operation: every command and connection open).
///   dotnet Tricircle.Bench.dll boot-queries [boots] [pods] [groups]
/// </summary>
internal static class BootQueriesBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
        var boots = Arg(0, 20);
        var pods = Arg(1, 2);
        var groups = Arg(2, 2);

        await using var bench = await BenchSandbox.StartAsync(
            pods,
            "bootqueries",
            new Dictionary<string, string?> { ["quota:instances"] = "-1", ["quota:cores"] = "-1", ["quota:ram"] = "-1", ["quota:port"] = "-1" },
            quiet: true);
        var (token, project) = await bench.TokenAsync("demo", Sandbox.SandboxOptions.DemoPassword, "demo");
        var admin = await bench.AdminTokenAsync();
        using var http = new HttpClient();
        var images = new Dictionary<int, string>();
        for (var p = 1; p <= pods; p++)
        {
            using var quota = await StormBench.SendAsync(http, HttpMethod.Put, new Uri(bench.RegionUrl(p, "compute"), "os-quota-sets/" + project), admin, new { quota_set = new { instances = -1, cores = -1, ram = -1 } });
            quota.EnsureSuccessStatusCode();
            using var image = await StormBench.SendAsync(http, HttpMethod.Get, new Uri(bench.RegionUrl(p, "image"), "v2/images?name=cirros"), admin);
            images[p] = (await image.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>()).GetProperty("images")[0].GetProperty("id").GetString()!;
        }

        var neutron = new Uri(bench.NetworkUrl, "v2.0/");
        var nova = new Uri(bench.ComputeUrl + "/");
        using var network = await StormBench.SendAsync(http, HttpMethod.Post, new Uri(neutron, "networks"), token, new { network = new { name = "boot" } });
        var networkId = (await network.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>()).GetProperty("network").GetProperty("id").GetString()!;
        using var subnet = await StormBench.SendAsync(http, HttpMethod.Post, new Uri(neutron, "subnets"), token, new { subnet = new { network_id = networkId, ip_version = 4, cidr = "10.210.0.0/24" } });
        subnet.EnsureSuccessStatusCode();
        var groupNames = new List<string> { "default" };
        for (var g = 0; g < groups; g++)
        {
            var name = "boot-" + g.ToString(CultureInfo.InvariantCulture);
            using var group = await StormBench.SendAsync(http, HttpMethod.Post, new Uri(neutron, "security-groups"), token, new { security_group = new { name } });
            group.EnsureSuccessStatusCode();
            groupNames.Add(name);
        }

        var counts = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var counting = false;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == TricircleMetrics.MeterName && instrument.Name == "tricircle.db.operation.duration")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            if (Volatile.Read(ref counting))
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "db.operation.name")
                    {
                        counts.AddOrUpdate(tag.Value?.ToString() ?? "?", 1, (_, n) => n + 1);
                    }
                }
            }
        });
        listener.Start();

        async Task BootAsync(int i)
        {
            var pod = 1 + (i % pods);
            using var created = await StormBench.SendAsync(http, HttpMethod.Post, new Uri(nova, "servers"), token, new
            {
                server = new
                {
                    name = "boot-" + i.ToString(CultureInfo.InvariantCulture),
                    flavorRef = "1",
                    imageRef = images[pod],
                    networks = new[] { new { uuid = networkId } },
                    security_groups = groupNames.Select(n => new { name = n }).ToArray(),
                    availability_zone = Sandbox.SandboxOptions.AzName(pod),
                },
            });
            if (created.StatusCode != HttpStatusCode.Accepted)
            {
                throw new InvalidOperationException($"Boot {i}: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
            }
        }

        // Warm-up: each pod's first boot makes the network's (and groups') copies there.
        for (var i = 0; i < pods; i++)
        {
            await BootAsync(i);
        }

        Volatile.Write(ref counting, true);
        for (var i = pods; i < pods + boots; i++)
        {
            await BootAsync(i);
        }

        Volatile.Write(ref counting, false);
        var total = counts.Values.Sum();
        var byOperation = string.Join(", ", counts.OrderByDescending(c => c.Value).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} {(double)c.Value / boots:F1}")));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{boots} boots over {pods} pods, one network, {groupNames.Count} security groups each, {bench.DatabaseDescription}: {(double)total / boots:F1} database operations per boot ({byOperation})"));
        return 0;
    }
}
