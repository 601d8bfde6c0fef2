using System.Net;
using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Quotas;

/// <summary>
/// Nova's and Cinder's <c>os-quota-class-sets</c> through the gateways (the <c>default</c> class
/// is what a project without its own limits gets), and every quota of the services kept:
/// server_groups and server_group_members enforced centrally, Cinder's groups and backups kept.
/// </summary>
public abstract class QuotaClassSetsTests(GatewayFixture gateway)
{
    private static string Json(object value) => JsonSerializer.Serialize(value);

    private Task<ApiResponse> Nova(HttpMethod method, string path, string token, object? body = null, string microversion = "2.1") =>
        gateway.ComputeAsync(method, path, token, body is null ? null : Json(body), microversion);

    [Fact]
    public async Task NovaClassSet_AdminShowsAndUpdates_ByMicroversion_MemberIsRefused()
    {
        var old = await Nova(HttpMethod.Get, "os-quota-class-sets/default", gateway.AdminToken);
        old.AssertOk();
        var set = old.Json.GetProperty("quota_class_set");
        Assert.Equal("default", set.GetProperty("id").GetString());
        Assert.Equal(10, set.GetProperty("instances").GetInt32());
        Assert.Equal(10, set.GetProperty("floating_ips").GetInt32());
        Assert.Equal(5, set.GetProperty("injected_files").GetInt32());
        Assert.False(set.TryGetProperty("server_groups", out _)); // before 2.50 (Nova's bug 1693168)

        var at257 = (await Nova(HttpMethod.Get, "os-quota-class-sets/default", gateway.AdminToken, microversion: "2.57")).Json.GetProperty("quota_class_set");
        Assert.Equal(10, at257.GetProperty("server_groups").GetInt32());
        Assert.Equal(10, at257.GetProperty("server_group_members").GetInt32());
        Assert.False(at257.TryGetProperty("injected_files", out _));
        Assert.False(at257.TryGetProperty("floating_ips", out _));

        Assert.Contains("os_compute_api:os-quota-class-sets:show", (await Nova(HttpMethod.Get, "os-quota-class-sets/default", gateway.DemoToken)).AssertError(HttpStatusCode.Forbidden, "forbidden"), StringComparison.Ordinal);
        Assert.Contains("os_compute_api:os-quota-class-sets:update",
            (await Nova(HttpMethod.Put, "os-quota-class-sets/default", gateway.DemoToken, new { quota_class_set = new { instances = 20 } })).AssertError(HttpStatusCode.Forbidden, "forbidden"), StringComparison.Ordinal);
        (await Nova(HttpMethod.Put, "os-quota-class-sets/gold", gateway.AdminToken, new { quota_class_set = new { floating_ips = 1 } }, "2.57")).AssertError(HttpStatusCode.BadRequest, "badRequest");
        (await Nova(HttpMethod.Put, "os-quota-class-sets/gold", gateway.AdminToken, new { quota_class_set = new { instances = -2 } }, "2.57")).AssertError(HttpStatusCode.BadRequest, "badRequest");

        // Another class is stored and shown, and changes nobody's limits.
        var gold = await Nova(HttpMethod.Put, "os-quota-class-sets/gold", gateway.AdminToken, new { quota_class_set = new { instances = 50, server_groups = "7" } }, "2.57");
        gold.AssertOk();
        Assert.False(gold.Json.GetProperty("quota_class_set").TryGetProperty("id", out _));
        Assert.Equal(50, gold.Json.GetProperty("quota_class_set").GetProperty("instances").GetInt32());
        Assert.Equal(7, (await Nova(HttpMethod.Get, "os-quota-class-sets/gold", gateway.AdminToken, microversion: "2.57")).Json.GetProperty("quota_class_set").GetProperty("server_groups").GetInt32());
        Assert.Equal(10, (await Nova(HttpMethod.Get, $"os-quota-sets/{gateway.DemoProjectId}/defaults", gateway.DemoToken)).Json.GetProperty("quota_set").GetProperty("instances").GetInt32());
    }

    [Fact]
    public async Task DefaultClassUpdate_IsWhatAProjectWithoutItsOwnLimitsGets_InNovaAndCinder()
    {
        var (token, project) = gateway.NewTenant("qclass");
        var (ownToken, ownProject) = gateway.NewTenant("qown");
        (await Nova(HttpMethod.Put, $"os-quota-sets/{ownProject}", gateway.AdminToken, new { quota_set = new { instances = 4 } })).AssertOk();
        try
        {
            var updated = await Nova(HttpMethod.Put, "os-quota-class-sets/default", gateway.AdminToken, new { quota_class_set = new { instances = 1, key_pairs = 3 } }, "2.57");
            updated.AssertOk();
            Assert.Equal(1, updated.Json.GetProperty("quota_class_set").GetProperty("instances").GetInt32());
            (await gateway.VolumeAsync(HttpMethod.Put, "os-quota-class-sets/default", gateway.AdminToken, Json(new { quota_class_set = new { volumes = 2, backups = "3" } }))).AssertOk();

            Assert.Equal(1, (await Nova(HttpMethod.Get, $"os-quota-sets/{project}", token)).Json.GetProperty("quota_set").GetProperty("instances").GetInt32());
            Assert.Equal(1, (await Nova(HttpMethod.Get, $"os-quota-sets/{project}/defaults", token)).Json.GetProperty("quota_set").GetProperty("instances").GetInt32());
            Assert.Equal(4, (await Nova(HttpMethod.Get, $"os-quota-sets/{ownProject}", ownToken)).Json.GetProperty("quota_set").GetProperty("instances").GetInt32());
            Assert.Equal(3, (await Nova(HttpMethod.Get, "limits", token)).Json.GetProperty("limits").GetProperty("absolute").GetProperty("maxTotalKeypairs").GetInt32());
            var volumeSet = (await gateway.VolumeAsync(HttpMethod.Get, $"os-quota-sets/{project}", token, project: project)).Json.GetProperty("quota_set");
            Assert.Equal(2, volumeSet.GetProperty("volumes").GetInt32());
            Assert.Equal(3, volumeSet.GetProperty("backups").GetInt32());
            Assert.Equal(2, (await gateway.VolumeAsync(HttpMethod.Get, $"os-quota-sets/{project}/defaults", token, project: project)).Json.GetProperty("quota_set").GetProperty("volumes").GetInt32());

            // Enforced: the class's one instance.
            await gateway.BootAsync(token, "az1", "qclass-1");
            var image = await gateway.CirrosAsync("RegionTwo");
            var refused = await Nova(HttpMethod.Post, "servers", token, new { server = new { name = "qclass-2", flavorRef = "1", imageRef = image, networks = "none", availability_zone = "az2" } }, "2.37");
            Assert.Contains("instances", refused.AssertError(HttpStatusCode.Forbidden, "forbidden"), StringComparison.Ordinal);
        }
        finally
        {
            (await Nova(HttpMethod.Put, "os-quota-class-sets/default", gateway.AdminToken, new { quota_class_set = new { instances = 10, key_pairs = 100 } })).AssertOk();
            (await gateway.VolumeAsync(HttpMethod.Put, "os-quota-class-sets/default", gateway.AdminToken, Json(new { quota_class_set = new { volumes = 10, backups = 10 } }))).AssertOk();
        }

        Assert.Equal(10, (await Nova(HttpMethod.Get, $"os-quota-sets/{project}", token)).Json.GetProperty("quota_set").GetProperty("instances").GetInt32());
    }

    [Fact]
    public async Task CinderClassSet_AdminShowsAndUpdates_MemberIsRefused_BadKeysNamed()
    {
        var shown = await gateway.VolumeAsync(HttpMethod.Get, "os-quota-class-sets/default", gateway.AdminToken);
        shown.AssertOk();
        var set = shown.Json.GetProperty("quota_class_set");
        Assert.Equal("default", set.GetProperty("id").GetString());
        foreach (var key in new[] { "volumes", "gigabytes", "snapshots", "backups", "backup_gigabytes", "per_volume_gigabytes", "groups" })
        {
            Assert.True(set.TryGetProperty(key, out _), key);
        }

        Assert.Contains("volume_extension:quota_classes:get", (await gateway.VolumeAsync(HttpMethod.Get, "os-quota-class-sets/default", gateway.DemoToken)).AssertError(HttpStatusCode.Forbidden, "forbidden"), StringComparison.Ordinal);
        (await gateway.VolumeAsync(HttpMethod.Put, "os-quota-class-sets/default", gateway.DemoToken, Json(new { quota_class_set = new { volumes = 1 } }))).AssertError(HttpStatusCode.Forbidden, "forbidden");
        Assert.Contains("Bad key(s) in quota class set: bogus", (await gateway.VolumeAsync(HttpMethod.Put, "os-quota-class-sets/silver", gateway.AdminToken, Json(new { quota_class_set = new { bogus = 1 } }))).AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        (await gateway.VolumeAsync(HttpMethod.Put, "os-quota-class-sets/silver", gateway.AdminToken, Json(new { quota_class_set = new { volumes = "-1" } }))).AssertError(HttpStatusCode.BadRequest, "badRequest");

        var silver = await gateway.VolumeAsync(HttpMethod.Put, "os-quota-class-sets/silver", gateway.AdminToken, Json(new { quota_class_set = new { groups = 4, per_volume_gigabytes = 50 } }));
        silver.AssertOk();
        Assert.False(silver.Json.GetProperty("quota_class_set").TryGetProperty("id", out _));
        Assert.Equal(4, silver.Json.GetProperty("quota_class_set").GetProperty("groups").GetInt32());
        Assert.Equal(50, (await gateway.VolumeAsync(HttpMethod.Get, "os-quota-class-sets/silver", gateway.AdminToken)).Json.GetProperty("quota_class_set").GetProperty("per_volume_gigabytes").GetInt32());
    }

    [Fact]
    public async Task ServerGroupQuotas_AreKeptPerProject_AndEnforcedAtCreateAndBoot()
    {
        var (token, project) = gateway.NewTenant("qsg");
        var set = await Nova(HttpMethod.Put, $"os-quota-sets/{project}", gateway.AdminToken, new { quota_set = new { server_groups = 1, server_group_members = 1, injected_files = 2 } });
        set.AssertOk();
        Assert.Equal(1, set.Json.GetProperty("quota_set").GetProperty("server_groups").GetInt32());
        Assert.Equal(2, set.Json.GetProperty("quota_set").GetProperty("injected_files").GetInt32());
        Assert.Equal("The networks quota has been removed", (await Nova(HttpMethod.Put, $"os-quota-sets/{project}", gateway.AdminToken, new { quota_set = new { networks = 1 } })).AssertError(HttpStatusCode.BadRequest, "badRequest"));

        var group = await Nova(HttpMethod.Post, "os-server-groups", token, new { server_group = new { name = "g1", policy = "anti-affinity" } }, "2.64");
        group.AssertOk();
        var groupId = group.Json.GetProperty("server_group").GetProperty("id").GetString()!;
        Assert.Equal("Quota exceeded, too many server groups.",
            (await Nova(HttpMethod.Post, "os-server-groups", token, new { server_group = new { name = "g2", policy = "affinity" } }, "2.64")).AssertError(HttpStatusCode.Forbidden, "forbidden"));

        var detail = (await Nova(HttpMethod.Get, $"os-quota-sets/{project}/detail", token, microversion: "2.57")).Json.GetProperty("quota_set");
        Assert.Equal(1, detail.GetProperty("server_groups").GetProperty("in_use").GetInt32());
        Assert.Equal(1, (await Nova(HttpMethod.Get, "limits", token)).Json.GetProperty("limits").GetProperty("absolute").GetProperty("totalServerGroupsUsed").GetInt32());

        var image = await gateway.CirrosAsync("RegionOne");
        object Boot(string name) => new Dictionary<string, object>
        {
            ["server"] = new { name, flavorRef = "1", imageRef = image, networks = "none", availability_zone = "az1" },
            ["os:scheduler_hints"] = new { group = groupId },
        };
        Assert.Equal(HttpStatusCode.Accepted, (await Nova(HttpMethod.Post, "servers", token, Boot("m1"), "2.37")).Status);
        Assert.Equal("Quota exceeded, too many servers in group", (await Nova(HttpMethod.Post, "servers", token, Boot("m2"), "2.37")).AssertError(HttpStatusCode.Forbidden, "forbidden"));

        // Raised: room again.
        (await Nova(HttpMethod.Put, $"os-quota-sets/{project}", gateway.AdminToken, new { quota_set = new { server_groups = 2 } })).AssertOk();
        (await Nova(HttpMethod.Post, "os-server-groups", token, new { server_group = new { name = "g2", policy = "affinity" } }, "2.64")).AssertOk();
    }

    [Fact]
    public async Task CinderQuotas_BackupsGroupsAndPerType_AreAcceptedShownAndReset()
    {
        var (token, project) = gateway.NewTenant("qcin");
        var set = await gateway.VolumeAsync(HttpMethod.Put, $"os-quota-sets/{project}", gateway.AdminToken, Json(new { quota_set = new { backups = 1, backup_gigabytes = 5, groups = 3 } }));
        set.AssertOk();
        Assert.Equal(3, set.Json.GetProperty("quota_set").GetProperty("groups").GetInt32());
        var shown = (await gateway.VolumeAsync(HttpMethod.Get, $"os-quota-sets/{project}?usage=True", token, project: project)).Json.GetProperty("quota_set");
        Assert.Equal(1, shown.GetProperty("backups").GetProperty("limit").GetInt32());
        Assert.Equal(3, shown.GetProperty("groups").GetProperty("limit").GetInt32());
        var absolute = (await gateway.VolumeAsync(HttpMethod.Get, "limits", token, project: project)).Json.GetProperty("limits").GetProperty("absolute");
        Assert.Equal(1, absolute.GetProperty("maxTotalBackups").GetInt32());
        Assert.Equal(5, absolute.GetProperty("maxTotalBackupGigabytes").GetInt32());

        Assert.Equal(HttpStatusCode.OK, (await gateway.VolumeAsync(HttpMethod.Delete, $"os-quota-sets/{project}", gateway.AdminToken)).Status);
        Assert.Equal(10, (await gateway.VolumeAsync(HttpMethod.Get, $"os-quota-sets/{project}", token, project: project)).Json.GetProperty("quota_set").GetProperty("groups").GetInt32());
    }

    [Fact]
    public async Task OpenStackCli_QuotaClass_ShowAndSet()
    {
        var admin = OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc"));
        // The CLI names the class's "project" by looking "default" up in Keystone, which answers with the Default domain.
        var shown = await admin.JsonAsync("quota", "show", "--class", "default");
        Assert.Equal(10, shown.GetProperty("instances").GetInt32());
        Assert.Equal(10, shown.GetProperty("volumes").GetInt32());
        try
        {
            await admin.RunAsync("quota", "set", "--class", "--instances", "20", "default");
            Assert.Equal(20, (await admin.JsonAsync("quota", "show", "--class", "default")).GetProperty("instances").GetInt32());
            Assert.Equal(20, (await gateway.ComputeAsync(HttpMethod.Get, $"os-quota-sets/{gateway.DemoProjectId}/defaults", gateway.DemoToken)).Json.GetProperty("quota_set").GetProperty("instances").GetInt32());
        }
        finally
        {
            await admin.RunAsync("quota", "set", "--class", "--instances", "10", "default");
        }
    }
}

public sealed class SqliteQuotaClassSetsTests(SqliteGatewayFixture gateway) : QuotaClassSetsTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class PostgresQuotaClassSetsTests(PostgresGatewayFixture gateway) : QuotaClassSetsTests(gateway), IClassFixture<PostgresGatewayFixture>;
