using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Telemetry;

/// <summary>
/// <c>[metrics] port</c>: an instance of only the jobs role (<c>tricircle serve --roles jobs</c>,
/// no API port) serves its job metrics there, with the admin port's access rules, and nothing
/// else. The gateway here works no jobs itself, so the job the test queues runs in that instance.
/// </summary>
public sealed class MetricsPortTests(WorkerlessGatewayFixture gateway) : IClassFixture<WorkerlessGatewayFixture>
{
    [Fact]
    public async Task AJobsOnlyInstance_WithAMetricsPort_IsScrapedThere_AfterAJobRan_AndThePortServesNothingElse()
    {
        var port = FreePort();
        var environment = new Dictionary<string, string>
        {
            ["TRICIRCLE_metrics__port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["TRICIRCLE_metrics__allowed_networks"] = "192.0.2.0/24", // loopback is not trusted: a token is needed, as on the admin port
        };
        await using var worker = await ServeProcess.StartAsync(gateway.ConfigFile, "jobs", environment);
        var root = new Uri($"http://127.0.0.1:{port}/");

        // The admin port's rules: no token 401, a member's 403, an admin's 200.
        Assert.Equal(HttpStatusCode.Unauthorized, (await gateway.SendAsync(new Uri(root, "metrics"), HttpMethod.Get, null)).Status);
        var member = await gateway.SendAsync(new Uri(root, "metrics"), HttpMethod.Get, gateway.DemoToken);
        Assert.Contains("allowed_networks", member.AssertError(HttpStatusCode.Forbidden, "forbidden"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await gateway.SendAsync(new Uri(root, "metrics"), HttpMethod.Post, gateway.AdminToken)).Status);

        // Nothing but the scrape endpoint: not the Admin API, not an API's root, not the console;
        // with an admin's token or none.
        foreach (var path in new[] { "", "v1.0/pods", "v1.0/status", "v2.1/servers", "v2.0/networks", "login" })
        {
            foreach (var token in new[] { gateway.AdminToken, null })
            {
                var answer = await gateway.SendAsync(new Uri(root, path), HttpMethod.Get, token);
                Assert.True(answer.Status == HttpStatusCode.NotFound, $"/{path} answered {(int)answer.Status}: {answer.Text}");
                Assert.Contains("serves /metrics only", answer.AssertError(HttpStatusCode.NotFound, "itemNotFound"), StringComparison.Ordinal);
            }
        }

        // A job queued through the gateway runs in the worker, and its scrape counts it.
        var pods = await gateway.SendAsync(new Uri(gateway.AdminUrl, "v1.0/pods"), HttpMethod.Get, gateway.AdminToken);
        var regionOne = pods.Json.GetProperty("pods").EnumerateArray().Single(p => p.GetProperty("region_name").GetString() == "RegionOne").GetProperty("pod_id").GetString();
        var before = await Scrape.ReadAsync(gateway.Http, root, gateway.AdminToken);
        string[] audit = ["job_type=\"pod_audit\""];
        Assert.Equal(0, before.Sum("tricircle_jobs_runs_total", audit));
        var queued = await gateway.SendAsync(
            new Uri(gateway.AdminUrl, "v1.0/jobs"), HttpMethod.Post, gateway.AdminToken, JsonSerializer.Serialize(new { job = new { type = "pod_audit", resource = new { pod_id = regionOne } } }));
        Assert.Equal(HttpStatusCode.Accepted, queued.Status);

        var after = before;
        await Poll.UntilAsync(
            async () => (after = await Scrape.ReadAsync(gateway.Http, root, gateway.AdminToken)).Sum("tricircle_jobs_runs_total", audit) > 0,
            TimeSpan.FromSeconds(90),
            () => $"the worker's scrape never counted the pod_audit run: {after}\nworker:\n{worker.Output}");
        Assert.True(after.Sum("tricircle_jobs_runs_total", [.. audit, "job_outcome=\"success\""]) > 0, after.ToString());
        foreach (var status in new[] { "new", "running", "fail" })
        {
            Assert.Single(after.Series("tricircle_jobs_queued", $"job_status=\"{status}\""));
        }

        // Its circuits: RegionOne, which the audit called, and RegionTwo, which it did not.
        Assert.Single(after.Series("tricircle_pod_circuit_state", "pod_region=\"RegionOne\""));
        Assert.Single(after.Series("tricircle_pod_circuit_state", "pod_region=\"RegionTwo\""));

        // The port's own requests (the scrapes above, and what it refused) are tagged as its own
        // API, apart from the APIs' traffic; this instance has no other port, so every series is.
        // A request is counted as it ends, just after its answer reached the client: poll.
        const string requests = "http_server_request_duration_seconds_count";
        string[] scrapes = ["tricircle_api=\"metrics\"", "http_response_status_code=\"200\""];
        string[] notFound = ["tricircle_api=\"metrics\"", "http_response_status_code=\"404\""];
        await Poll.UntilAsync(
            async () => (after = await Scrape.ReadAsync(gateway.Http, root, gateway.AdminToken)).Sum(requests, scrapes) > 0 && after.Sum(requests, notFound) >= 12,
            TimeSpan.FromSeconds(30),
            () => $"the metrics port's scrapes and 404s were not counted with tricircle_api=\"metrics\": {after}");
        Assert.All(after.Series(requests), l => Assert.Contains("tricircle_api=\"metrics\"", l, StringComparison.Ordinal));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
