using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Tricircle.Sandbox;

namespace Tricircle.Bench;

/// <summary>
/// What one server show costs in process, counted rather than timed (so a busy machine does not
/// blur it): bytes allocated and CPU time per request, directly on the emulated pod's Nova and
/// through the Nova gateway, in one process; the difference is the gateway's. The server is on a
/// central network with the default security group, as <c>proxy.sh</c>'s is, so that the show
/// renames what a real one does (its network's label, its group's name, its AZ).
///   dotnet Tricircle.Bench.dll show-cost [requests] [clients]
/// </summary>
internal static class ShowCostBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var requests = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
        var clients = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 8;
        var directory = Directory.CreateTempSubdirectory("tricircle-showcost-").FullName;
        await using var sandbox = await SandboxRunner.StartAsync(
            new SandboxOptions(1, directory, null, 0, 0) { ComputePort = 0, VolumePort = 0, ImagePort = 0, NetworkPort = 0, ConsolePort = 0, BuildDelay = TimeSpan.Zero },
            CancellationToken.None);
        var token = sandbox.Keystone.IssueToken("demo", SandboxOptions.DemoPassword, "demo").Id;
        using var gateway = new HttpClient { BaseAddress = new Uri(sandbox.ComputeUrl + "/") };
        gateway.DefaultRequestHeaders.Add("X-Auth-Token", token);
        gateway.DefaultRequestHeaders.Add("OpenStack-API-Version", "compute 2.37");
        var admin = sandbox.Keystone.IssueToken("admin", SandboxOptions.AdminPassword, "admin").Id;
        using var glance = new HttpClient();
        glance.DefaultRequestHeaders.Add("X-Auth-Token", admin);
        var region = sandbox.Regions[SandboxOptions.RegionName(1)];
        var images = await glance.GetFromJsonAsync<System.Text.Json.JsonElement>(new Uri(region.ImageUrl, "v2/images?name=cirros"));
        var image = images.GetProperty("images")[0].GetProperty("id").GetString();
        using var neutron = new HttpClient { BaseAddress = new Uri(sandbox.NetworkUrl, "v2.0/") };
        neutron.DefaultRequestHeaders.Add("X-Auth-Token", token);
        using var network = await neutron.PostAsJsonAsync("networks", new { network = new { name = "show-cost-net" } });
        network.EnsureSuccessStatusCode();
        var networkId = (await network.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("network").GetProperty("id").GetString();
        using var subnet = await neutron.PostAsJsonAsync("subnets", new { subnet = new { network_id = networkId, ip_version = 4, cidr = "10.98.0.0/24" } });
        subnet.EnsureSuccessStatusCode();
        using var created = await gateway.PostAsJsonAsync("servers", new { server = new { name = "show-cost", flavorRef = "1", imageRef = image, networks = new[] { new { uuid = networkId } }, availability_zone = SandboxOptions.AzName(1) } });
        created.EnsureSuccessStatusCode();
        var id = (await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("server").GetProperty("id").GetString();
        for (var waited = 0; ; waited++) // until the show has its address and group (the build is immediate here)
        {
            var shown = (await gateway.GetFromJsonAsync<System.Text.Json.JsonElement>("servers/" + id)).GetProperty("server");
            if (shown.GetProperty("status").GetString() == "ACTIVE" && shown.GetProperty("addresses").EnumerateObject().Any() && shown.TryGetProperty("security_groups", out _))
            {
                break;
            }

            if (waited == 300)
            {
                throw new InvalidOperationException("the server did not become ACTIVE with its address: " + shown);
            }

            await Task.Delay(100);
        }
        using var direct = new HttpClient { BaseAddress = new Uri(region.ComputeUrl.ToString().TrimEnd('/') + "/") };
        direct.DefaultRequestHeaders.Add("X-Auth-Token", token);
        direct.DefaultRequestHeaders.Add("OpenStack-API-Version", "compute 2.37");

        Console.WriteLine($"GET /v2.1/servers/{{id}}, {requests} requests, {clients} clients, {Environment.ProcessorCount} cores (client, gateway and pod in one process)");
        Console.WriteLine("| path | bytes allocated / request | CPU µs / request |");
        Console.WriteLine("|---|---|---|");
        var (directBytes, directCpu) = await MeasureAsync(direct, "servers/" + id, requests, clients, "direct");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| direct | {directBytes:F0} | {directCpu:F1} |"));
        var (gatewayBytes, gatewayCpu) = await MeasureAsync(gateway, "servers/" + id, requests, clients, "tricircle");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| tricircle | {gatewayBytes:F0} | {gatewayCpu:F1} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| the gateway's share | {gatewayBytes - directBytes:F0} | {gatewayCpu - directCpu:F1} |"));
        return 0;
    }

    private static async Task<(double Bytes, double CpuMicroseconds)> MeasureAsync(HttpClient http, string path, int requests, int clients, string title)
    {
        for (var i = 0; i < 2_000; i++)
        {
            using var warm = await http.GetAsync(path);
            warm.EnsureSuccessStatusCode();
        }

        GC.Collect();
        using var sampler = AllocationSampler.StartIfAsked(); // BENCH_ALLOCATIONS=1: the types, on standard error
        var bytes = GC.GetTotalAllocatedBytes(precise: true);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < requests)
            {
                using var response = await http.GetAsync(path);
                await response.Content.LoadIntoBufferAsync();
                response.EnsureSuccessStatusCode();
            }
        }));
        var spent = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        sampler?.Report(title + ", per request", requests);
        return ((GC.GetTotalAllocatedBytes(precise: true) - bytes) / (double)requests, spent.TotalMicroseconds / requests);
    }
}
