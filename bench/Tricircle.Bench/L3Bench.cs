using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Tricircle.Data;
using Tricircle.Emulator.Regions;
using Tricircle.Sandbox;

namespace Tricircle.Bench;

/// <summary>
/// What a router's convergence costs the pods: the calls Tricircle makes to the pods' own APIs
/// (counted by the emulated regions themselves, so exactly what a pod sees) for each topology
/// change of one router, split into the pods the change touches (where the router has a copy
/// before or after it, and the pod of the changed network, server or gateway) and every other
/// pod, as the number of pods grows. Two routers per pod count: one over pod 1 only (a change in
/// pod N touches two pods, whatever N) and one over every pod (a change touches them all).
/// With <c>shadow</c> last, the sandbox runs <c>cross_pod_vxlan_mode = shadow</c>: the stretched
/// network's boots (f, g) then also pay for its shadow ports.
///   dotnet Tricircle.Bench.dll l3 [pods-list] [servers-per-network] [database|-] [noop|shadow]
/// </summary>
internal static partial class L3Bench
{
    private const int Rounds = 2; // the second round is the one reported (warm); its counts must equal the first's

    public static async Task<int> RunAsync(string[] args)
    {
        var podCounts = (args.Length > 0 ? args[0] : "1,5,20").Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToList();
        var perNetwork = Math.Min(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2, 10 - Rounds - 1); // an emulated Nova allows a tenant 10 instances; pod N gets one more per round and one on the stretching network
        var database = args.Length > 2 && args[2] != "-" ? args[2] : null;
        var vxlanMode = args.Length > 3 ? args[3] : "noop";
        Console.WriteLine($"L3 convergence: pods {string.Join(", ", podCounts)}, {perNetwork} servers per network, cross_pod_vxlan_mode {vxlanMode}, {Environment.ProcessorCount} cores");
        var results = new List<Result>();
        foreach (var pods in podCounts)
        {
            results.AddRange(await RunPodsAsync(pods, perNetwork, database, vxlanMode));
        }

        Console.WriteLine();
        Console.WriteLine("| pods | router over | change | touched pods | calls to touched pods | per touched pod | calls to other pods | router_sync runs | routes in copies | answer ms | converged ms |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Pods} | {r.Span} | {r.Change} | {r.Touched} | {r.TouchedCalls} | {(double)r.TouchedCalls / Math.Max(1, r.Touched):F1} | {r.OtherCalls} | {r.SyncRuns} | {r.Routes} | {r.AnswerMs:F0} | {r.ConvergedMs:F0} |"));
        }

        Console.WriteLine();
        Console.WriteLine("| pods | router over | change | calls by kind (all pods) |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var r in results)
        {
            Console.WriteLine($"| {r.Pods} | {r.Span} | {r.Change} | {r.Kinds} |");
        }

        return results.Any(r => !r.Stable) ? 1 : 0;
    }

    private sealed record Result(int Pods, string Span, string Change, int Touched, int TouchedCalls, int OtherCalls, int SyncRuns, int Routes, double AnswerMs, double ConvergedMs, string Kinds, bool Stable);

    private static async Task<List<Result>> RunPodsAsync(int pods, int perNetwork, string? database, string vxlanMode)
    {
        // Quiet: a log line per job run would cost more than the runs.
        await using var started = await BenchSandbox.StartAsync(
            pods,
            "l3bench",
            new Dictionary<string, string?>
            {
                ["quota:instances"] = "-1",
                ["quota:cores"] = "-1",
                ["quota:ram"] = "-1",
                ["jobs:audit_interval"] = "0", // no audit reading the pods in the middle of a count
                ["network:cross_pod_vxlan_mode"] = vxlanMode,
            },
            database,
            quiet: true);
        var sandbox = started.Sandbox;
        using var bench = new Bench(sandbox, pods);
        await bench.StartAsync();
        Console.WriteLine($"{pods} pods: {sandbox.DatabaseDescription}");
        var results = new List<Result>();

        // A router over pod 1 only, its changes in pod N: touched pods stay two however many there are.
        if (pods >= 3)
        {
            results.AddRange(await bench.ScenarioAsync("pod 1", perNetwork, attached: 1));
        }

        // A router over every pod but N, its changes in pod N: every pod is touched.
        results.AddRange(await bench.ScenarioAsync(pods == 1 ? "nothing (1 pod)" : $"pods 1..{pods - 1}", perNetwork, attached: pods - 1));
        return results;
    }

    /// <summary>One sandbox of N pods, the counting hook on each region, and the steps of a scenario.</summary>
    private sealed partial class Bench(RunningSandbox sandbox, int pods) : IDisposable
    {
        private readonly ConcurrentQueue<(string Region, RegionRequest Request)> _seen = new();
        private readonly Dictionary<string, string> _images = new(StringComparer.Ordinal);
        private readonly HttpClient _http = new() { Timeout = TimeSpan.FromMinutes(5) };
        private volatile bool _recording;
        private string _admin = "";
        private int _projects;

        private static string Region(int pod) => SandboxOptions.RegionName(pod);

        public async Task StartAsync()
        {
            _admin = sandbox.Keystone.IssueToken("admin", SandboxOptions.AdminPassword, "admin").Id;
            foreach (var (name, region) in sandbox.Regions)
            {
                region.Traffic.Observer = request =>
                {
                    if (_recording)
                    {
                        _seen.Enqueue((name, request));
                    }
                };
                var images = await SendAsync(HttpMethod.Get, new Uri(region.ImageUrl, "v2/images?name=cirros"), _admin);
                _images[name] = images.GetProperty("images")[0].GetProperty("id").GetString()!;
            }
        }

        public async Task<List<Result>> ScenarioAsync(string span, int perNetwork, int attached)
        {
            // One project: a network in every pod (hinted to its AZ) with servers on it, so that each has its copy there.
            var project = "l3-" + Interlocked.Increment(ref _projects).ToString(CultureInfo.InvariantCulture);
            var projectId = sandbox.Keystone.AddProject(project);
            var user = sandbox.Keystone.AddUser(project, "pw-" + project, defaultProjectId: projectId);
            sandbox.Keystone.Grant(user, projectId, "member");
            var token = sandbox.Keystone.IssueToken(project, "pw-" + project, project).Id;
            var networks = new (string Network, string Subnet)[pods + 1];
            using (var gate = new SemaphoreSlim(4))
            {
                await Task.WhenAll(Enumerable.Range(1, pods).Select(async p =>
                {
                    await gate.WaitAsync();
                    try
                    {
                        networks[p] = await NetworkAsync(token, [p], $"10.{_projects}.{p}.0/24");
                        for (var s = 0; s < perNetwork; s++)
                        {
                            await BootAsync(token, networks[p].Network, p);
                        }
                    }
                    finally
                    {
                        gate.Release();
                    }
                }));
            }

            var external = await ExternalNetworkAsync(pods, $"172.24.{_projects}.0/24");
            var otherExternal = await ExternalNetworkAsync(pods, $"172.25.{_projects}.0/24");
            var router = (await NeutronAsync(HttpMethod.Post, "routers", token, new { router = new { name = "r-" + project } })).GetProperty("router").GetProperty("id").GetString()!;
            for (var p = 1; p <= attached; p++)
            {
                await NeutronAsync(HttpMethod.Put, $"routers/{router}/add_router_interface", token, new { subnet_id = networks[p].Subnet });
            }

            await SettledAsync();
            var changed = pods; // every change is in pod N
            Task AddInterface() => NeutronAsync(HttpMethod.Put, $"routers/{router}/add_router_interface", token, new { subnet_id = networks[changed].Subnet });
            Task Gateway(object info) => NeutronAsync(HttpMethod.Put, "routers/" + router, _admin, new { router = new { external_gateway_info = info } });
            var rounds = new List<List<Result>>();
            for (var round = 0; round < Rounds; round++)
            {
                rounds.Add(
                [
                    await MeasureAsync(span, "(a) add interface (network in pod N)", router, changed, AddInterface),
                    await MeasureAsync(span, "(b) boot a server on it in pod N", router, changed, () => BootAsync(token, networks[changed].Network, changed)),
                    await MeasureAsync(span, "(e) no-op resync (router_sync queued by the Admin API)", router, changed, () =>
                        AdminAsync(HttpMethod.Post, "v1.0/jobs", new { job = new { type = "router_sync", resource = new { router_id = router } } })),
                    await MeasureAsync(span, "(c) remove that interface", router, changed, () =>
                        NeutronAsync(HttpMethod.Put, $"routers/{router}/remove_router_interface", token, new { subnet_id = networks[changed].Subnet })),
                    await MeasureAsync(span, "(d) set external gateway (network in pod N)", router, changed, () => Gateway(new { network_id = external })),
                    await MeasureAsync(span, "(d) move it to another external network in pod N", router, changed, () => Gateway(new { network_id = otherExternal })),
                    await MeasureAsync(span, "(d) clear external gateway", router, changed, () => Gateway(new { })),
                ]);
            }

            // The last round is reported; a count that differs between rounds says the cost is not a function of the topology alone.
            var reported = rounds[^1];
            for (var i = 0; i < reported.Count; i++)
            {
                var first = rounds[0][i];
                if (first.TouchedCalls != reported[i].TouchedCalls || first.OtherCalls != reported[i].OtherCalls)
                {
                    Console.WriteLine($"  note: {reported[i].Change}: round 1 made {first.TouchedCalls}+{first.OtherCalls} calls, round {Rounds} {reported[i].TouchedCalls}+{reported[i].OtherCalls}");
                }
            }

            // Then a network of pod N that may also be in pod 1 stretches there: its addresses are routed one by one.
            if (pods > 1)
            {
                var stretch = await NetworkAsync(token, [changed, 1], $"10.{_projects}.200.0/24");
                await BootAsync(token, stretch.Network, changed);

                await MeasureAsync(span, "(a) add interface (a network in pod N that may stretch to pod 1)", router, changed, () =>
                    NeutronAsync(HttpMethod.Put, $"routers/{router}/add_router_interface", token, new { subnet_id = stretch.Subnet }));
                reported.Add(await MeasureAsync(span, "(f) boot on it in pod 1: the network stretches", router, 1, () => BootAsync(token, stretch.Network, 1)));
                reported.Add(await MeasureAsync(span, "(g) one more server on it in pod 1", router, 1, () => BootAsync(token, stretch.Network, 1)));
            }

            var failed = await FailedJobsAsync();
            if (failed.Count > 0)
            {
                throw new InvalidOperationException("Jobs failed: " + string.Join("; ", failed));
            }

            return reported;
        }

        /// <summary>Runs one change and counts what every pod saw until its jobs settled.</summary>
        private async Task<Result> MeasureAsync(string span, string change, string router, int changedPod, Func<Task> act)
        {
            var before = RouterPods(router);
            var runsBefore = await RouterSyncRunsAsync(router);
            _seen.Clear();
            _recording = true;
            var clock = Stopwatch.StartNew();
            await act();
            var answered = clock.Elapsed;
            await SettledAsync();
            var converged = clock.Elapsed;
            await Task.Delay(200); // anything late still counts
            _recording = false;
            var seen = _seen.ToList();
            var after = RouterPods(router);
            var touched = before.Union(after).Append(Region(changedPod)).ToHashSet(StringComparer.Ordinal);
            var kinds = seen.GroupBy(s => Kind(s.Request), StringComparer.Ordinal)
                .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => $"{g.Key} x{g.Count()}");
            var result = new Result(
                pods,
                span,
                change,
                touched.Count,
                seen.Count(s => touched.Contains(s.Region)),
                seen.Count(s => !touched.Contains(s.Region)),
                await RouterSyncRunsAsync(router) - runsBefore,
                RoutesOf(router),
                answered.TotalMilliseconds,
                converged.TotalMilliseconds,
                string.Join(", ", kinds),
                seen.All(s => s.Request.StatusCode < 500));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {span} | {change} | touched {result.Touched}: {result.TouchedCalls} calls, others {result.OtherCalls} | {result.SyncRuns} runs, {result.Routes} routes | {result.AnswerMs:F0}/{result.ConvergedMs:F0} ms | {result.Kinds}"));
            return result;
        }

        /// <summary>The routes of all the router's copies together.</summary>
        private int RoutesOf(string router) =>
            sandbox.Regions.Values.Sum(r => r.Inspect("routers").Where(x => x?["name"]?.ToString() == router).Sum(x => (x?["routes"] as System.Text.Json.Nodes.JsonArray)?.Count ?? 0));

        /// <summary>The regions holding a copy of the router (named after its central id).</summary>
        private HashSet<string> RouterPods(string router) =>
            [.. sandbox.Regions.Where(r => r.Value.Inspect("routers").Any(x => x?["name"]?.ToString() == router)).Select(r => r.Key)];

        /// <summary>A pod call's kind: service, method and path with ids and query values left out.</summary>
        private static string Kind(RegionRequest request)
        {
            var split = request.Path.IndexOf('?', StringComparison.Ordinal);
            var path = split < 0 ? request.Path : request.Path[..split];
            var query = split < 0 ? "" : "?" + string.Join('&', request.Path[(split + 1)..].Split('&').Select(p => p.Split('=')[0]));
            path = Id().Replace(path, "{id}");
            path = path.StartsWith("/v2.0/", StringComparison.Ordinal) ? path[6..] : path.TrimStart('/');
            var service = request.Service == "network" ? "" : request.Service + " ";
            var status = request.StatusCode >= 400 ? " (" + request.StatusCode.ToString(CultureInfo.InvariantCulture) + ")" : "";
            return $"{service}{request.Method} {path}{query}{status}";
        }

        [GeneratedRegex("[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")]
        private static partial Regex Id();

        private async Task<(string Network, string Subnet)> NetworkAsync(string token, int[] pods, string cidr)
        {
            var network = (await NeutronAsync(HttpMethod.Post, "networks", token, new { network = new { name = "net-" + cidr, availability_zone_hints = pods.Select(SandboxOptions.AzName).ToArray() } }))
                .GetProperty("network").GetProperty("id").GetString()!;
            var subnet = (await NeutronAsync(HttpMethod.Post, "subnets", token, new { subnet = new { network_id = network, ip_version = 4, cidr } })).GetProperty("subnet").GetProperty("id").GetString()!;
            return (network, subnet);
        }

        /// <summary>An external network (admin's) hinted to one pod's region, with a subnet.</summary>
        private async Task<string> ExternalNetworkAsync(int pod, string cidr)
        {
            var network = (await NeutronAsync(HttpMethod.Post, "networks", _admin, new { network = new Dictionary<string, object> { ["name"] = "ext-" + cidr, ["router:external"] = true, ["availability_zone_hints"] = new[] { Region(pod) } } }))
                .GetProperty("network").GetProperty("id").GetString()!;
            await NeutronAsync(HttpMethod.Post, "subnets", _admin, new { subnet = new { network_id = network, ip_version = 4, cidr, enable_dhcp = false } });
            return network;
        }

        private async Task BootAsync(string token, string network, int pod)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(sandbox.ComputeUrl.ToString().TrimEnd('/') + "/servers"))
            {
                Content = JsonContent.Create(new { server = new { name = "vm", flavorRef = "1", imageRef = _images[Region(pod)], networks = new[] { new { uuid = network } }, availability_zone = SandboxOptions.AzName(pod) } }),
            };
            request.Headers.Add("X-Auth-Token", token);
            request.Headers.Add("OpenStack-API-Version", "compute 2.37");
            await SendAsync(request);
        }

        private Task<JsonElement> NeutronAsync(HttpMethod method, string path, string token, object body) =>
            SendAsync(method, new Uri(sandbox.NetworkUrl, "v2.0/" + path), token, body);

        private Task<JsonElement> AdminAsync(HttpMethod method, string path, object body) =>
            SendAsync(method, new Uri(sandbox.AdminUrl, path), _admin, body);

        private async Task<JsonElement> SendAsync(HttpMethod method, Uri url, string token, object? body = null)
        {
            using var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
            request.Headers.Add("X-Auth-Token", token);
            return await SendAsync(request);
        }

        private async Task<JsonElement> SendAsync(HttpRequestMessage request)
        {
            using var response = await _http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"{request.Method} {request.RequestUri}: {(int)response.StatusCode} {text}");
            }

            return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        }

        /// <summary>Waits until no job is NEW or RUNNING.</summary>
        private async Task SettledAsync()
        {
            var database = sandbox.Services.GetRequiredService<Database>();
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (true)
            {
                await using (var connection = await database.OpenAsync(CancellationToken.None))
                {
                    if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM jobs WHERE status IN ('NEW', 'RUNNING')") == 0)
                    {
                        return;
                    }
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException("Jobs still pending after two minutes.");
                }

                await Task.Delay(5);
            }
        }

        private async Task<int> RouterSyncRunsAsync(string router)
        {
            await using var connection = await sandbox.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
            return await connection.ExecuteScalarAsync<int>(
                "SELECT COUNT(*) FROM job_runs r JOIN jobs j ON j.id = r.job_id WHERE j.type = 'router_sync' AND j.resource_id = @router", new { router });
        }

        private async Task<List<string>> FailedJobsAsync()
        {
            await using var connection = await sandbox.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
            return [.. (await connection.QueryAsync<(string Type, string Resource, string? Error)>("SELECT type, resource_id, last_error FROM jobs WHERE status = 'FAIL'"))
                .Select(j => $"{j.Type} {j.Resource}: {j.Error}")];
        }

        public void Dispose() => _http.Dispose();
    }
}
