using System.Net;
using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Compute;

/// <summary>
/// Instance actions and migrations through the central Nova: forwarded to the server's pod (whose
/// request ids they carry), cold and live migration moving the server between the pod's hosts,
/// and <c>os-migrations</c> merged across pods for admins with ids unique among pods.
/// </summary>
public abstract class ServerMigrationsTests(GatewayFixture gateway)
{
    private static string Json(object value) => JsonSerializer.Serialize(value);

    private async Task<string> ActiveServerAsync(string token, string az, string name)
    {
        var id = await gateway.BootAsync(token, az, name);
        await Poll.UntilAsync(async () => (await gateway.ComputeAsync(HttpMethod.Get, "servers/" + id, token)).Json.GetProperty("server").GetProperty("status").GetString() == "ACTIVE",
            TimeSpan.FromSeconds(20), () => $"server {id} to be ACTIVE");
        return id;
    }

    private string PodHost(string region, string id) =>
        gateway.Region(region).Inspect("servers").Single(s => s!["id"]!.GetValue<string>() == id)!["OS-EXT-SRV-ATTR:host"]!.GetValue<string>();

    private async Task<string> StatusAsync(string id) =>
        (await gateway.ComputeAsync(HttpMethod.Get, "servers/" + id, gateway.AdminToken)).Json.GetProperty("server").GetProperty("status").GetString()!;

    private Task<ApiResponse> ActionAsync(string id, string token, string body, string? microversion = null) =>
        gateway.ComputeAsync(HttpMethod.Post, $"servers/{id}/action", token, body, microversion);

    [Fact]
    public async Task InstanceActions_AreThePodsForTheServer_ListedAndShownByTheirRequestIds_EventsAsNovaShowsThem()
    {
        var (token, project) = gateway.NewTenant("ia");
        var server = await ActiveServerAsync(token, "az2", "ia-1");
        Assert.Equal(HttpStatusCode.Accepted, (await ActionAsync(server, token, """{"os-stop": null}""")).Status);

        var listed = await gateway.ComputeAsync(HttpMethod.Get, $"servers/{server}/os-instance-actions", token);
        listed.AssertOk();
        var actions = listed.Json.GetProperty("instanceActions").EnumerateArray().ToList();
        Assert.Equal(["stop", "create"], actions.Select(a => a.GetProperty("action").GetString()));
        Assert.All(actions, a =>
        {
            Assert.Equal(server, a.GetProperty("instance_uuid").GetString());
            Assert.Equal(project, a.GetProperty("project_id").GetString());
            Assert.StartsWith("req-", a.GetProperty("request_id").GetString(), StringComparison.Ordinal);
        });

        // The request ids are the pod's: the pod shows the same action under them.
        var requestId = actions[0].GetProperty("request_id").GetString()!;
        var inPod = await gateway.SendAsync(new Uri(gateway.Region("RegionTwo").ComputeUrl + $"/servers/{server}/os-instance-actions/{requestId}"), HttpMethod.Get, token);
        Assert.Equal("stop", inPod.Json.GetProperty("instanceAction").GetProperty("action").GetString());

        // Events: not for a member before 2.51, without traceback from it; admins see tracebacks.
        var shown = await gateway.ComputeAsync(HttpMethod.Get, $"servers/{server}/os-instance-actions/{requestId}", token);
        shown.AssertOk();
        Assert.False(shown.Json.GetProperty("instanceAction").TryGetProperty("events", out _));
        var member251 = (await gateway.ComputeAsync(HttpMethod.Get, $"servers/{server}/os-instance-actions/{requestId}", token, microversion: "2.51")).Json.GetProperty("instanceAction");
        var memberEvent = Assert.Single(member251.GetProperty("events").EnumerateArray());
        Assert.Equal("compute_stop_instance", memberEvent.GetProperty("event").GetString());
        Assert.False(memberEvent.TryGetProperty("traceback", out _));
        var admin = (await gateway.ComputeAsync(HttpMethod.Get, $"servers/{server}/os-instance-actions/{requestId}", gateway.AdminToken, microversion: "2.62")).Json.GetProperty("instanceAction");
        var adminEvent = Assert.Single(admin.GetProperty("events").EnumerateArray());
        Assert.Equal("Success", adminEvent.GetProperty("result").GetString());
        Assert.True(adminEvent.TryGetProperty("traceback", out _));
        Assert.True(adminEvent.TryGetProperty("host", out _));

        // 2.58 paging by request id.
        var page = await gateway.ComputeAsync(HttpMethod.Get, $"servers/{server}/os-instance-actions?limit=1", token, microversion: "2.58");
        Assert.Equal("stop", Assert.Single(page.Json.GetProperty("instanceActions").EnumerateArray()).GetProperty("action").GetString());
        Assert.True(page.Json.TryGetProperty("links", out _));
        var next = await gateway.ComputeAsync(HttpMethod.Get, $"servers/{server}/os-instance-actions?limit=1&marker={requestId}", token, microversion: "2.58");
        Assert.Equal("create", Assert.Single(next.Json.GetProperty("instanceActions").EnumerateArray()).GetProperty("action").GetString());

        (await gateway.ComputeAsync(HttpMethod.Get, $"servers/{server}/os-instance-actions/req-{Guid.NewGuid()}", token)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        var (other, _) = gateway.NewTenant("ia-other");
        (await gateway.ComputeAsync(HttpMethod.Get, $"servers/{server}/os-instance-actions", other)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
    }

    [Fact]
    public async Task ColdMigration_MovesTheServerToAnotherHostOfItsPod_ConfirmKeepsIt_RevertBringsItBack_MembersMayNot()
    {
        var (token, _) = gateway.NewTenant("mig");
        var server = await ActiveServerAsync(token, "az1", "mig-1");
        var before = PodHost("RegionOne", server);

        (await ActionAsync(server, token, """{"migrate": null}""")).AssertError(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(before, PodHost("RegionOne", server));

        Assert.Equal(HttpStatusCode.Accepted, (await ActionAsync(server, gateway.AdminToken, """{"migrate": null}""")).Status);
        Assert.Equal("VERIFY_RESIZE", await StatusAsync(server));
        var moved = PodHost("RegionOne", server);
        Assert.NotEqual(before, moved);
        Assert.Equal(HttpStatusCode.NoContent, (await ActionAsync(server, gateway.AdminToken, """{"confirmResize": null}""")).Status);
        Assert.Equal("ACTIVE", await StatusAsync(server));
        Assert.Equal(moved, PodHost("RegionOne", server));

        // 2.56: to a named host; then reverted.
        Assert.Equal(HttpStatusCode.Accepted, (await ActionAsync(server, gateway.AdminToken, Json(new { migrate = new { host = before } }), "2.56")).Status);
        Assert.Equal(before, PodHost("RegionOne", server));
        Assert.Equal(HttpStatusCode.Accepted, (await ActionAsync(server, token, """{"revertResize": null}""")).Status);
        Assert.Equal("ACTIVE", await StatusAsync(server));
        Assert.Equal(moved, PodHost("RegionOne", server));

        (await ActionAsync(server, gateway.AdminToken, Json(new { migrate = new { host = "no-such-host" } }), "2.56")).AssertError(HttpStatusCode.BadRequest, "badRequest");
        (await ActionAsync(server, gateway.AdminToken, Json(new { migrate = new { host = before } }), "2.55")).AssertError(HttpStatusCode.BadRequest, "badRequest");
        var migrations = gateway.Region("RegionOne").Inspect("migrations").Where(m => m!["instance_uuid"]!.GetValue<string>() == server).Select(m => m!["status"]!.GetValue<string>()).ToList();
        Assert.Equal(["confirmed", "reverted"], migrations);
    }

    [Fact]
    public async Task LiveMigration_MovesTheServerActive_AndOsMigrationsMergesEveryPodsWithUniqueIds_ForAdminsOnly()
    {
        var (token, _) = gateway.NewTenant("live");
        var one = await ActiveServerAsync(token, "az1", "live-1");
        var two = await ActiveServerAsync(token, "az2", "live-2");
        var before = PodHost("RegionOne", one);

        (await ActionAsync(one, token, """{"os-migrateLive": {"host": null, "block_migration": "auto"}}""", "2.25")).AssertError(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(HttpStatusCode.Accepted, (await ActionAsync(one, gateway.AdminToken, """{"os-migrateLive": {"host": null, "block_migration": "auto"}}""", "2.25")).Status);
        Assert.Equal("ACTIVE", await StatusAsync(one));
        Assert.NotEqual(before, PodHost("RegionOne", one));
        Assert.Equal(HttpStatusCode.Accepted, (await ActionAsync(two, gateway.AdminToken, """{"os-migrateLive": {"host": null, "block_migration": false, "disk_over_commit": false}}""")).Status);
        (await ActionAsync(two, gateway.AdminToken, """{"os-migrateLive": {"block_migration": "auto"}}""", "2.25")).AssertError(HttpStatusCode.BadRequest, "badRequest");

        var listed = await gateway.ComputeAsync(HttpMethod.Get, "os-migrations", gateway.AdminToken, microversion: "2.59");
        listed.AssertOk();
        var all = listed.Json.GetProperty("migrations").EnumerateArray().ToList();
        var ids = all.Select(m => m.GetProperty("id").GetInt64()).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        var mine = all.Where(m => m.GetProperty("instance_uuid").GetString() is { } s && (s == one || s == two)).ToList();
        Assert.Equal(2, mine.Count);
        Assert.All(mine, m => Assert.Equal("live-migration", m.GetProperty("migration_type").GetString()));
        Assert.All(mine, m => Assert.Equal("completed", m.GetProperty("status").GetString()));
        Assert.NotEqual(mine[0].GetProperty("id").GetInt64(), mine[1].GetProperty("id").GetInt64());

        var filtered = await gateway.ComputeAsync(HttpMethod.Get, "os-migrations?instance_uuid=" + two, gateway.AdminToken);
        var only = Assert.Single(filtered.Json.GetProperty("migrations").EnumerateArray());
        Assert.False(only.TryGetProperty("migration_type", out _)); // before 2.23
        var first = await gateway.ComputeAsync(HttpMethod.Get, "os-migrations?limit=1", gateway.AdminToken, microversion: "2.59");
        Assert.Single(first.Json.GetProperty("migrations").EnumerateArray());
        Assert.True(first.Json.TryGetProperty("migrations_links", out _));
        (await gateway.ComputeAsync(HttpMethod.Get, "os-migrations?marker=" + Guid.NewGuid(), gateway.AdminToken, microversion: "2.59")).AssertError(HttpStatusCode.BadRequest, "badRequest");
        (await gateway.ComputeAsync(HttpMethod.Get, "os-migrations", token)).AssertError(HttpStatusCode.Forbidden, "forbidden");
    }
}

public sealed class SqliteServerMigrationsTests(SqliteGatewayFixture gateway) : ServerMigrationsTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class PostgresServerMigrationsTests(PostgresGatewayFixture gateway) : ServerMigrationsTests(gateway), IClassFixture<PostgresGatewayFixture>;
