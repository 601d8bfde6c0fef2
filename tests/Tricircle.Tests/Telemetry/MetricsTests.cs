using System.Net;
using System.Text.Json;
using Tricircle.Emulator.Regions;
using Tricircle.Support;

namespace Tricircle.Telemetry;

/// <summary>
/// The Prometheus scrape endpoint on the admin port: after calls, the counters of requests by
/// API, route and status, of pod calls per pod and service, of database time, of fan-out gaps,
/// job runs and circuit state move; a request's trace goes on to the pod it calls; and
/// <c>tricircle status</c> shows the pod calls' latency and error rate.
/// </summary>
public sealed class MetricsTests(OutageGatewayFixture fixture) : IClassFixture<OutageGatewayFixture>
{
    private const string RequestDuration = "http_server_request_duration_seconds_count";
    private const string PodCalls = "tricircle_pod_request_duration_seconds_count";

    private Task<Scrape> ScrapeAsync() => Scrape.ReadAsync(fixture.Http, fixture.AdminUrl);

    [Fact]
    public async Task Scrape_AfterCalls_RequestsByApiRouteAndStatus_PodCallsPerPodAndService_AndDatabaseTimeMove()
    {
        var (token, _) = fixture.NewTenant("metrics");
        await fixture.BootAsync(token, "az1", "metered");
        var before = await ScrapeAsync();
        var missing = Guid.NewGuid().ToString();

        Assert.Equal(HttpStatusCode.OK, (await fixture.ComputeAsync(HttpMethod.Get, "servers/detail", token)).Status);
        Assert.Equal(HttpStatusCode.OK, (await fixture.ComputeAsync(HttpMethod.Get, "servers/detail", token)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.ComputeAsync(HttpMethod.Get, "servers/" + missing, token)).Status);

        // By API (the port's role), route template and status; ids never become labels. A
        // request is counted as it ends, just after its answer reached the client: poll.
        string[] detail = ["tricircle_api=\"compute\"", "http_route=\"/v2.1/servers/detail\"", "http_response_status_code=\"200\""];
        var after = before;
        await Poll.UntilAsync(
            async () => (after = await ScrapeAsync()).Sum(RequestDuration, detail) - before.Sum(RequestDuration, detail) >= 2
                && after.Series(RequestDuration, "tricircle_api=\"compute\"", "http_response_status_code=\"404\"").Any(),
            TimeSpan.FromSeconds(30),
            () => "the compute requests were not counted by route and status: " + after);
        Assert.Contains(after.Series(RequestDuration, "tricircle_api=\"compute\"", "http_response_status_code=\"404\""), l => l.Contains("http_route=\"/v2.1/servers/{", StringComparison.Ordinal));
        Assert.DoesNotContain(missing, after.Text, StringComparison.Ordinal);

        // The pod calls those lists made, per pod and service, by status class.
        string[] regionOne = ["pod_region=\"RegionOne\"", "pod_service=\"compute\"", "http_response_status_class=\"2xx\""];
        Assert.True(after.Sum(PodCalls, regionOne) - before.Sum(PodCalls, regionOne) >= 2, after.ToString());
        Assert.True(after.Series("tricircle_pod_request_duration_seconds_bucket", regionOne).Any(), after.ToString());

        // Database time by operation kind.
        Assert.True(after.Sum("tricircle_db_operation_duration_seconds_count", "db_operation_name=\"select\"") > before.Sum("tricircle_db_operation_duration_seconds_count", "db_operation_name=\"select\""), after.ToString());
        Assert.True(after.Sum("tricircle_db_operation_duration_seconds_count", "db_operation_name=\"open\"") > 0, after.ToString());

        // The admin port's own requests carry their API too.
        Assert.True(after.Series(RequestDuration, "tricircle_api=\"admin\"").Any() || (await ScrapeAsync()).Series(RequestDuration, "tricircle_api=\"admin\"").Any());
    }

    [Fact]
    public async Task APodTakenDown_ItsCircuitGaugeOpens_AndMergedListsCountItLeftOut()
    {
        var (token, _) = fixture.NewTenant("circuit");
        await fixture.BootAsync(token, "az2", "in-two");
        var before = await ScrapeAsync();
        var regionTwo = fixture.Region("RegionTwo");
        await regionTwo.Faults.SetDownAsync(true);
        try
        {
            // Each list leaves RegionTwo out (its placeholder stands in) until the circuit opens.
            await Poll.UntilAsync(
                async () =>
                {
                    var list = await fixture.ComputeAsync(HttpMethod.Get, "servers/detail", token);
                    Assert.Equal(HttpStatusCode.OK, list.Status);
                    return (await ScrapeAsync()).Sum("tricircle_pod_circuit_state", "pod_region=\"RegionTwo\"") == 2;
                },
                TimeSpan.FromSeconds(60),
                () => "RegionTwo's circuit gauge never showed open (2)");
            var after = await ScrapeAsync();
            Assert.True(
                after.Sum("tricircle_fanout_pod_failures_total", "pod_region=\"RegionTwo\"") > before.Sum("tricircle_fanout_pod_failures_total", "pod_region=\"RegionTwo\""),
                after.ToString());
            Assert.True(after.Sum(PodCalls, "pod_region=\"RegionTwo\"", "http_response_status_class=\"error\"") > 0, after.ToString());
            Assert.NotEqual(2, after.Sum("tricircle_pod_circuit_state", "pod_region=\"RegionOne\""));
        }
        finally
        {
            await regionTwo.Faults.ResetAsync();
        }

        // Up again, the circuit closes on the first call after its rest (2 s here).
        await Poll.UntilAsync(
            async () =>
            {
                await fixture.ComputeAsync(HttpMethod.Get, "servers/detail", token);
                return (await ScrapeAsync()).Sum("tricircle_pod_circuit_state", "pod_region=\"RegionTwo\"") == 0;
            },
            TimeSpan.FromSeconds(30),
            () => "RegionTwo's circuit gauge never closed (0) again");
    }

    [Fact]
    public async Task TheCircuitGauge_ShowsEveryRegisteredPod_ThoseNotCalledYetClosed_TheCalledOnesOnce()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        string[] regions = [$"GaugeCalled-{suffix}", $"GaugeUncalled-{suffix}"];
        var ids = new List<string>();
        try
        {
            // AZs of their own: no boot of another test is placed there while they exist.
            foreach (var region in regions)
            {
                var created = await fixture.SendAsync(
                    new Uri(fixture.AdminUrl, "v1.0/pods"), HttpMethod.Post, fixture.AdminToken, JsonSerializer.Serialize(new { pod = new { region_name = region, az_name = "az-" + region } }));
                Assert.Equal(HttpStatusCode.OK, created.Status);
                ids.Add(created.Json.GetProperty("pod").GetProperty("pod_id").GetString()!);
            }

            // The first is called through its own circuit, as PodClient calls a pod (they have no
            // catalog endpoints: RegionOne's Nova stands in); the second never is.
            using (var call = new HttpRequestMessage(HttpMethod.Get, fixture.Region("RegionOne").ComputeUrl))
            {
                call.Options.Set(PodCallTarget.Key, new PodCallTarget(regions[0], "compute", ids[0]));
                using var answer = await fixture.Services.GetRequiredService<IHttpClientFactory>().CreateClient(Pods.PodClient.HttpClientName).SendAsync(call);
            }

            // The gauge reads the pods at most every few seconds: a scrape of another test may have just read them.
            var after = await ScrapeAsync();
            await Poll.UntilAsync(
                async () => (after = await ScrapeAsync()).Series("tricircle_pod_circuit_state", $"pod_region=\"{regions[1]}\"").Any(),
                TimeSpan.FromSeconds(30),
                () => "the pod never called is not in the circuit gauge: " + after);
            foreach (var region in regions)
            {
                Assert.Single(after.Series("tricircle_pod_circuit_state", $"pod_region=\"{region}\""));
                Assert.Equal(0, after.Sum("tricircle_pod_circuit_state", $"pod_region=\"{region}\""));
            }

            // The sandbox's own pods once each, called or not.
            Assert.Single(after.Series("tricircle_pod_circuit_state", "pod_region=\"RegionOne\""));
            Assert.Single(after.Series("tricircle_pod_circuit_state", "pod_region=\"RegionTwo\""));

            // The central pod is Tricircle itself: no pod calls, no circuit.
            Assert.Empty(after.Series("tricircle_pod_circuit_state", $"pod_region=\"{Sandbox.SandboxOptions.CentralRegion}\""));
        }
        finally
        {
            foreach (var id in ids)
            {
                await fixture.SendAsync(new Uri(fixture.AdminUrl, "v1.0/pods/" + id), HttpMethod.Delete, fixture.AdminToken);
            }
        }
    }

    [Fact]
    public async Task AJobRun_CountsByTypeAndOutcome_AndTheQueueGaugeReadsTheJobsTable()
    {
        var pods = await fixture.SendAsync(new Uri(fixture.AdminUrl, "v1.0/pods"), HttpMethod.Get, fixture.AdminToken);
        var regionOne = pods.Json.GetProperty("pods").EnumerateArray().Single(p => p.GetProperty("region_name").GetString() == "RegionOne").GetProperty("pod_id").GetString();
        var before = await ScrapeAsync();
        string[] audit = ["job_type=\"pod_audit\""];

        var queued = await fixture.SendAsync(
            new Uri(fixture.AdminUrl, "v1.0/jobs"), HttpMethod.Post, fixture.AdminToken, JsonSerializer.Serialize(new { job = new { type = "pod_audit", resource = new { pod_id = regionOne } } }));
        Assert.True(queued.Status is HttpStatusCode.OK or HttpStatusCode.Accepted or HttpStatusCode.Created, queued.Text);

        Scrape after = before;
        await Poll.UntilAsync(
            async () => (after = await ScrapeAsync()).Sum("tricircle_jobs_runs_total", audit) > before.Sum("tricircle_jobs_runs_total", audit),
            TimeSpan.FromSeconds(120),
            () => "no pod_audit run was counted: " + after);
        foreach (var status in new[] { "new", "running", "fail" })
        {
            Assert.Single(after.Series("tricircle_jobs_queued", $"job_status=\"{status}\""));
        }
    }

    [Fact]
    public async Task ACallWithoutATraceparent_StartsATrace_ThatEveryPodCallCarries()
    {
        var (token, _) = fixture.NewTenant("untraced");
        var id = await fixture.BootAsync(token, "az1", "untraced");
        var seen = new System.Collections.Concurrent.ConcurrentBag<RegionRequest>();
        var regionOne = fixture.Region("RegionOne");
        regionOne.Traffic.Observer = seen.Add;
        try
        {
            // A client that sends no trace context at all.
            using var http = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null });
            foreach (var path in new[] { "/servers/detail", "/servers/" + id })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.ComputeUrl.ToString().TrimEnd('/') + path));
                request.Headers.Add("X-Auth-Token", token);
                using var response = await http.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }
        finally
        {
            regionOne.Traffic.Observer = null;
        }

        // The merged list's pod call and the forwarded show's: each under a trace of the gateway's.
        var list = Assert.Single(seen, r => r.Service == "compute" && r.Path.StartsWith("/v2.1/servers/detail", StringComparison.Ordinal) && r.TraceParent is not null);
        var show = Assert.Single(seen, r => r.Service == "compute" && r.Path.EndsWith("/servers/" + id, StringComparison.Ordinal));
        foreach (var call in new[] { list, show })
        {
            Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$", call.TraceParent ?? "");
        }

        Assert.NotEqual(list.TraceParent!.Split('-')[1], show.TraceParent!.Split('-')[1]); // two calls, two traces
    }

    [Fact]
    public async Task ATraceparent_IsHonoured_AndReachesThePod_AsTheSameTrace()
    {
        var (token, _) = fixture.NewTenant("traced");
        await fixture.BootAsync(token, "az1", "traced");
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        const string CallerSpan = "b7ad6b7169203331";
        var seen = new System.Collections.Concurrent.ConcurrentBag<RegionRequest>();
        var regionOne = fixture.Region("RegionOne");
        regionOne.Traffic.Observer = seen.Add;
        try
        {
            // A client of its own that sends the header as given (no activity of the test's).
            using var http = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null });
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.ComputeUrl.ToString().TrimEnd('/') + "/servers/detail"));
            request.Headers.Add("X-Auth-Token", token);
            request.Headers.Add("traceparent", $"00-{traceId}-{CallerSpan}-01");
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        finally
        {
            regionOne.Traffic.Observer = null;
        }

        // The pod call under the caller's trace: the periodic audit may list RegionOne's servers too.
        Assert.Contains(seen, r => r.Service == "compute" && r.Path.StartsWith("/v2.1/servers/detail", StringComparison.Ordinal));
        var podCall = Assert.Single(seen, r => r.Service == "compute" && r.Path.StartsWith("/v2.1/servers/detail", StringComparison.Ordinal) && r.TraceParent?.Contains(traceId, StringComparison.Ordinal) == true);
        var parts = podCall.TraceParent!.Split('-');
        Assert.Equal(["00", traceId], parts[..2]);
        Assert.NotEqual(CallerSpan, parts[2]); // the gateway's own span, a child of the caller's
    }

    [Fact]
    public async Task AForwardedShow_CarriesTheTraceToThePod_UnderTheGatewaysSpan_NotTheCallersHeader()
    {
        var (token, _) = fixture.NewTenant("traced-show");
        var id = await fixture.BootAsync(token, "az1", "traced-show");
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        const string CallerSpan = "c7ad6b7169203332";
        var seen = new System.Collections.Concurrent.ConcurrentBag<RegionRequest>();
        var regionOne = fixture.Region("RegionOne");
        regionOne.Traffic.Observer = seen.Add;
        try
        {
            using var http = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null });
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.ComputeUrl.ToString().TrimEnd('/') + "/servers/" + id));
            request.Headers.Add("X-Auth-Token", token);
            request.Headers.Add("traceparent", $"00-{traceId}-{CallerSpan}-01");
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        finally
        {
            regionOne.Traffic.Observer = null;
        }

        // The show is forwarded (YARP): the caller's header is not passed on as it came.
        Assert.Contains(seen, r => r.Service == "compute" && r.Path.EndsWith("/servers/" + id, StringComparison.Ordinal));
        var podCall = Assert.Single(seen, r => r.Service == "compute" && r.Path.EndsWith("/servers/" + id, StringComparison.Ordinal) && r.TraceParent?.Contains(traceId, StringComparison.Ordinal) == true);
        var parts = podCall.TraceParent!.Split('-');
        Assert.Equal(["00", traceId], parts[..2]);
        Assert.NotEqual(CallerSpan, parts[2]);
    }

    [Fact]
    public async Task Status_ShowsEachPodServicesRecentLatency_AndErrorRate()
    {
        var (token, _) = fixture.NewTenant("status");
        await fixture.BootAsync(token, "az1", "watched");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await fixture.ComputeAsync(HttpMethod.Get, "servers/detail", token)).Status);
        }

        // Every call to RegionOne's Nova fails for a moment: its error rate shows it.
        var regionOne = fixture.Region("RegionOne");
        regionOne.Faults.ErrorRate = 1;
        try
        {
            await fixture.ComputeAsync(HttpMethod.Get, "servers/detail", token);
        }
        finally
        {
            regionOne.Faults.ErrorRate = 0;
        }

        var r = await CliRunner.TricircleAsync(new Dictionary<string, string?>(), "status", "--config-file", fixture.ConfigFile);
        var header = r.Stdout.Split('\n').Select(Cells).First(c => c.Length > 7 && c[1] == "Check");
        Assert.Equal(["Check", "State", "Detail", "Calls", "p50", "p95", "Errors"], header[1..8]);
        var row = r.Stdout.Split('\n').Select(Cells).SingleOrDefault(c => c.Length > 7 && c[1] == "RegionOne compute");
        Assert.True(row is not null, r.ToString());
        Assert.True(int.Parse(row[4], System.Globalization.CultureInfo.InvariantCulture) >= 4, r.ToString());
        Assert.Matches(@"^[0-9]+(\.[0-9])? ms$", row[5]);
        Assert.Matches(@"^[0-9]+(\.[0-9])? ms$", row[6]);
        var errors = double.Parse(row[7].TrimEnd('%'), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(errors is > 0 and < 100, r.ToString());
        Assert.DoesNotContain(r.Stdout.Split('\n'), l => l.Contains("pod calls", StringComparison.Ordinal));

        static string[] Cells(string line) => [.. line.Split('|').Select(c => c.Trim())];
    }
}
