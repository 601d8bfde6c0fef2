using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using Tricircle.Support;
using Tricircle.Telemetry;

namespace Tricircle.Compute;

/// <summary>
/// A boot's database work, counted by this gateway's own <c>tricircle.db.operation.duration</c>
/// measurements (each a command or a connection opened): it hardly grows with its security
/// groups (the port's groups and their rules are read together, its copies in the pod looked up
/// together and its group rows written in one insert), and what was cut stays cut: the quota
/// limits read once (the boot's reservation; the port create counts against them), the groups
/// looked up once before the port's transaction (by the gateway), and one connection for
/// consecutive reads where one service reads several things (bench/README.md, <c>boot-queries</c>).
/// </summary>
/// <param name="gateway">The gateway under test.</param>
/// <param name="postgres">PostgreSQL takes the project's quota lock with a statement (a select) in each of the boot's two quota checks; SQLite's write transaction is the lock.</param>
public abstract class BootQueriesTests(GatewayFixture gateway, bool postgres)
{
    // One boot (one network, the default group, its copies in the pod there), SQLite. Before the
    // cuts it was 67 with 22 connections (the limits read again by the port create and once more
    // before the reservation, the groups looked up before the port's transaction, their deleting
    // marks read apart from the network's, a connection per read in placement and in the port's
    // material, a routing look-up for the new port): a count over the budget means one came back.
    private const int OneGroupBootOperations = 52;

    private const int OneGroupBootOpens = 15;

    [Fact]
    public async Task ABoot_CostsItsBudgetOfDatabaseOperations_AndOneWithFourSecurityGroups_AtMostTwoMore()
    {
        var (token, _) = gateway.NewTenant("bootq");
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var network = await gateway.NetworkAsync(HttpMethod.Post, "networks", token, JsonSerializer.Serialize(new { network = new { name = "bootq-" + suffix } }));
        Assert.Equal(HttpStatusCode.Created, network.Status);
        var networkId = network.Json.GetProperty("network").GetProperty("id").GetString()!;
        var subnet = await gateway.NetworkAsync(HttpMethod.Post, "subnets", token, JsonSerializer.Serialize(new { subnet = new { network_id = networkId, ip_version = 4, cidr = "10.87.0.0/24" } }));
        Assert.Equal(HttpStatusCode.Created, subnet.Status);
        var groups = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var group = await gateway.NetworkAsync(HttpMethod.Post, "security-groups", token, JsonSerializer.Serialize(new { security_group = new { name = $"bootq-{suffix}-{i}" } }));
            Assert.Equal(HttpStatusCode.Created, group.Status);
            groups.Add($"bootq-{suffix}-{i}");
        }

        var image = await gateway.CirrosAsync("RegionOne");
        async Task<OperationCounter.Counts> BootAsync(string name, IEnumerable<string> groupNames)
        {
            // Only this request's operations (the job workers poll beside it): those under its trace.
            var trace = ActivityTraceId.CreateRandom();
            using var counter = new OperationCounter(gateway.Services.GetRequiredService<TricircleMetrics>().Meter, trace);
            var body = JsonSerializer.Serialize(new
            {
                server = new
                {
                    name,
                    flavorRef = "1",
                    imageRef = image,
                    networks = new[] { new { uuid = networkId } },
                    security_groups = groupNames.Select(g => new { name = g }).ToArray(),
                    availability_zone = "az1",
                },
            });
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway.ComputeUrl + "/servers")) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Add("X-Auth-Token", token);
            request.Headers.Add("OpenStack-API-Version", "compute 2.37");

            // The client's own HttpClient activity carries the trace to the gateway (as traceparent).
            using (new Activity("bootq").SetParentId(trace, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded).Start())
            {
                using var created = await gateway.Http.SendAsync(request);
                Assert.True(created.StatusCode == HttpStatusCode.Accepted, await created.Content.ReadAsStringAsync());
            }

            return counter.Counted;
        }

        // Every group copied into the pod first, so that both boots below only use copies.
        await BootAsync("bootq-warm-" + suffix, [.. groups.Prepend("default")]);
        await gateway.JobsSettledAsync();

        var one = await BootAsync("bootq-one-" + suffix, ["default"]);
        var four = await BootAsync("bootq-four-" + suffix, [.. groups.Prepend("default")]);

        Assert.True(one.Total > 0, "no database operation was counted");
        var lockSelects = postgres ? 2 : 0;
        Assert.True(one.Total <= OneGroupBootOperations + lockSelects, $"one boot cost {one} (budget {OneGroupBootOperations + lockSelects})");
        Assert.True(one.Opens <= OneGroupBootOpens, $"one boot opened {one.Opens} connections (budget {OneGroupBootOpens}): {one}");

        // Before, each group cost four more (its row, its rules, its copy's routing row, its
        // port_security_groups row): three more groups were twelve operations more.
        Assert.InRange(four.Total, one.Total, one.Total + 2);
    }

    /// <summary>Counts one meter's database measurements under one trace while it lives (other gateways in the process have meters of their own).</summary>
    private sealed class OperationCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ActivityListener _activities = new()
        {
            // The server's request activity is made (under the caller's traceparent) only when someone listens.
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
        };

        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _byOperation = new(StringComparer.Ordinal);

        public OperationCounter(Meter meter, ActivityTraceId trace)
        {
            ActivitySource.AddActivityListener(_activities);
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter, meter) && instrument.Name == "tricircle.db.operation.duration")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
            {
                if (Activity.Current?.TraceId == trace)
                {
                    var operation = "?";
                    foreach (var tag in tags)
                    {
                        if (tag.Key == "db.operation.name")
                        {
                            operation = tag.Value?.ToString() ?? "?";
                        }
                    }

                    _byOperation.AddOrUpdate(operation, 1, (_, n) => n + 1);
                }
            });
            _listener.Start();
        }

        public Counts Counted => new(new Dictionary<string, int>(_byOperation, StringComparer.Ordinal));

        public void Dispose()
        {
            _listener.Dispose();
            _activities.Dispose();
        }

        /// <summary>One boot's operations by kind (select, open, insert, update, delete).</summary>
        public sealed record Counts(IReadOnlyDictionary<string, int> ByOperation)
        {
            public int Total => ByOperation.Values.Sum();

            public int Opens => ByOperation.GetValueOrDefault("open");

            public override string ToString() =>
                $"{Total} ({string.Join(", ", ByOperation.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key} {o.Value}"))})";
        }
    }
}

public sealed class SqliteBootQueriesTests(SqliteGatewayFixture gateway) : BootQueriesTests(gateway, postgres: false), IClassFixture<SqliteGatewayFixture>;

public sealed class PostgresBootQueriesTests(PostgresGatewayFixture gateway) : BootQueriesTests(gateway, postgres: true), IClassFixture<PostgresGatewayFixture>;
