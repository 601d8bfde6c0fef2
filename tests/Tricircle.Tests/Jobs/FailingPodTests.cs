using System.Net;
using Tricircle.Support;
using static Tricircle.Support.NetworkSteps;

namespace Tricircle.Jobs;

/// <summary>
/// Fifty mixed operations (boots, server deletes, port and group changes) while one pod answers
/// half its calls with 500: each call succeeds or fails as a whole, and once the jobs settle,
/// central and every pod agree exactly, with no orphan on either side.
/// </summary>
public abstract class FailingPodTests(FailingPodGatewayFixture gateway)
{
    [Fact]
    public async Task FiftyMixedOperations_WithAPodFailingHalfItsCalls_CentralAndEveryPodAgreeOnceTheJobsSettle()
    {
        var steps = new NetworkSteps(gateway);
        var (token, project) = gateway.NewTenant("flaky");
        var (network, _) = await steps.NetworkAsync(token, "10.80.0.0/24");
        var group = Ok(await gateway.NetworkAsync(HttpMethod.Post, "security-groups", token, Json(new { security_group = new { name = "flaky" } }))).GetProperty("security_group").GetProperty("id").GetString()!;
        var images = new Dictionary<string, string> { ["az1"] = await gateway.CirrosAsync("RegionOne"), ["az2"] = await gateway.CirrosAsync("RegionTwo") };
        var servers = new List<(string Id, string Az)>();
        var rules = new List<string>();
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        var random = new Random(20261204);

        gateway.Region("RegionTwo").Faults.ErrorRate = 0.5;
        try
        {
            for (var i = 0; i < 50; i++)
            {
                // Each pod's Nova holds ten servers of a project: boots stop at four per pod.
                var az = random.Next(2) == 0 ? "az1" : "az2";
                var op = random.Next(6);
                ApiResponse? answer = null;
                string what;
                if (op <= 1 && servers.Count(s => s.Az == az) < 4)
                {
                    what = "boot";
                    answer = await gateway.ComputeAsync(HttpMethod.Post, "servers", token,
                        Json(new { server = new { name = "s" + i, flavorRef = "1", imageRef = images[az], security_groups = new[] { new { name = "flaky" } }, networks = new[] { new { uuid = network } }, availability_zone = az } }), "2.37");
                    if (answer.Status == HttpStatusCode.Accepted)
                    {
                        servers.Add((answer.Json.GetProperty("server").GetProperty("id").GetString()!, az));
                    }
                }
                else if (op == 2 && servers.Count > 0)
                {
                    what = "server delete";
                    var victim = servers[random.Next(servers.Count)];
                    answer = await gateway.ComputeAsync(HttpMethod.Delete, "servers/" + victim.Id, token);
                    if (answer.Status == HttpStatusCode.NoContent)
                    {
                        servers.Remove(victim);
                    }
                }
                else if (op == 3 && servers.Count > 0)
                {
                    what = "port update";
                    var port = (await steps.ServerPortAsync(token, servers[random.Next(servers.Count)].Id)).GetProperty("id").GetString()!;
                    answer = await gateway.NetworkAsync(HttpMethod.Put, "ports/" + port, token, Json(new { port = new { description = "change " + i } }));
                }
                else if (op == 4 || rules.Count == 0)
                {
                    what = "rule add";
                    answer = await gateway.NetworkAsync(HttpMethod.Post, "security-group-rules", token,
                        Json(new { security_group_rule = new { security_group_id = group, direction = "ingress", protocol = "tcp", port_range_min = 1000 + i, port_range_max = 1000 + i, remote_ip_prefix = "0.0.0.0/0" } }));
                    if (answer.Status == HttpStatusCode.Created)
                    {
                        rules.Add(answer.Json.GetProperty("security_group_rule").GetProperty("id").GetString()!);
                    }
                }
                else
                {
                    what = "rule delete";
                    var rule = rules[random.Next(rules.Count)];
                    answer = await gateway.NetworkAsync(HttpMethod.Delete, "security-group-rules/" + rule, token);
                    rules.Remove(rule);
                }

                // A call either did what it says or failed as a whole (a pod's own 500 is passed on), never with a 500 of Tricircle's own.
                var key = $"{what} {(int)answer.Status}";
                outcomes[key] = outcomes.GetValueOrDefault(key) + 1;
                Assert.DoesNotContain("unexpected error", answer.Text, StringComparison.OrdinalIgnoreCase);
            }
        }
        finally
        {
            gateway.Region("RegionTwo").Faults.ErrorRate = 0;
        }

        await gateway.JobsSettledAsync(TimeSpan.FromMinutes(2));
        Assert.Empty(await gateway.FailedJobsAsync());
        Assert.Contains(outcomes.Keys, k => k.StartsWith("boot 202", StringComparison.Ordinal)); // the run did something
        var differences = await new PodAgreement(gateway).DifferencesAsync(project, token, [network], [group]);
        Assert.True(differences.Count == 0, string.Join("\n", differences) + "\noutcomes: " + string.Join(", ", outcomes.Select(o => $"{o.Key}: {o.Value}")));

        // And what remains deletes cleanly.
        foreach (var (id, _) in servers)
        {
            Assert.Equal(HttpStatusCode.NoContent, (await gateway.ComputeAsync(HttpMethod.Delete, "servers/" + id, token)).Status);
        }

        await gateway.JobsSettledAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "networks/" + network, token)).Status);
        Assert.Empty(await new PodAgreement(gateway).DifferencesAsync(project, token, [], [group]));
    }
}

/// <summary>
/// Jobs retry quickly and practically never give up: a pod failing half its calls fails most runs
/// that need several calls (a group's resync needs three or more), and this test is about
/// converging, not giving up.
/// </summary>
public class FailingPodGatewayFixture(string dialect) : GatewayFixture(dialect)
{
    protected override Dictionary<string, string?> Settings => new()
    {
        ["client:list_timeout"] = "2",
        ["jobs:retry_base_seconds"] = "0.1",
        ["jobs:retry_max_seconds"] = "0.5",
        ["jobs:max_attempts"] = "1000",
        ["jobs:audit_interval"] = "0",
    };
}

public sealed class SqliteFailingPodGatewayFixture() : FailingPodGatewayFixture("sqlite");

public sealed class PostgresFailingPodGatewayFixture() : FailingPodGatewayFixture("postgres");

public sealed class SqliteFailingPodTests(SqliteFailingPodGatewayFixture gateway) : FailingPodTests(gateway), IClassFixture<SqliteFailingPodGatewayFixture>;

public sealed class PostgresFailingPodTests(PostgresFailingPodGatewayFixture gateway) : FailingPodTests(gateway), IClassFixture<PostgresFailingPodGatewayFixture>;
