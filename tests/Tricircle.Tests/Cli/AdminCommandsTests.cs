using System.Text.Json;
using Tricircle.Data;
using Tricircle.Jobs;
using Tricircle.Support;

namespace Tricircle.Cli;

/// <summary>The <c>tricircle</c> admin CLI as a user runs it: a child process with OS_* variables.</summary>
public sealed class AdminCommandsTests(SqliteServiceFixture fixture) : IClassFixture<SqliteServiceFixture>
{
    private Dictionary<string, string?> Openrc(string user = "admin", string password = "password", string project = "admin") => new()
    {
        ["OS_AUTH_URL"] = fixture.Keystone.AuthUrl.ToString(),
        ["OS_USERNAME"] = user,
        ["OS_PASSWORD"] = password,
        ["OS_PROJECT_NAME"] = project,
        ["OS_USER_DOMAIN_NAME"] = "Default",
        ["OS_PROJECT_DOMAIN_NAME"] = "Default",
        ["OS_REGION_NAME"] = "CentralRegion",
        ["OS_INTERFACE"] = "public",
        ["OS_IDENTITY_API_VERSION"] = "3",
    };

    private async Task<CliRunner.Result> Tricircle(params string[] args) => await CliRunner.TricircleAsync(Openrc(), args);

    [Fact]
    public async Task Pod_CreateListShowDelete_ThroughTheCatalogEndpoint()
    {
        await Tricircle("pod", "create", "CentralRegion"); // another test may have made it already
        var created = await Tricircle("pod", "create", "RegionOne", "--az-name", "az1", "--dc-name", "dc1", "-f", "json");
        Assert.True(created.ExitCode == 0, created.ToString());
        var pod = JsonDocument.Parse(created.Stdout).RootElement;
        Assert.Equal("RegionOne", pod.GetProperty("region_name").GetString());
        Assert.Equal("az1", pod.GetProperty("az_name").GetString());
        var id = pod.GetProperty("pod_id").GetString()!;

        var table = await Tricircle("pod", "list");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("| Region Name", table.Stdout, StringComparison.Ordinal);
        Assert.Contains(id, table.Stdout, StringComparison.Ordinal); // whole: ids never wrap
        Assert.Contains("CentralRegion", table.Stdout, StringComparison.Ordinal);

        var json = await Tricircle("pod", "list", "-f", "json");
        var regions = JsonDocument.Parse(json.Stdout).RootElement.EnumerateArray().Select(p => p.GetProperty("region_name").GetString()).ToList();
        Assert.Contains("RegionOne", regions);

        var byName = await Tricircle("pod", "show", "RegionOne", "-f", "value");
        Assert.Equal(id, byName.Stdout.Split('\n')[0]);

        var deleted = await Tricircle("pod", "delete", "RegionOne");
        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        var after = await Tricircle("pod", "list", "-f", "value");
        Assert.DoesNotContain(id, after.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pod_SetDisableWithReason_ThenEnable_ShownByListAndShow()
    {
        var created = await Tricircle("pod", "create", "RegionDis", "--az-name", "azd", "-f", "json");
        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.False(JsonDocument.Parse(created.Stdout).RootElement.GetProperty("disabled").GetBoolean());

        var disabled = await Tricircle("pod", "set", "RegionDis", "--disable", "--reason", "firmware upgrade", "-f", "json");
        Assert.True(disabled.ExitCode == 0, disabled.ToString());
        Assert.True(JsonDocument.Parse(disabled.Stdout).RootElement.GetProperty("disabled").GetBoolean());

        var shown = JsonDocument.Parse((await Tricircle("pod", "show", "RegionDis", "-f", "json")).Stdout).RootElement;
        Assert.True(shown.GetProperty("disabled").GetBoolean());
        Assert.Equal("firmware upgrade", shown.GetProperty("disabled_reason").GetString());
        var table = await Tricircle("pod", "list");
        Assert.Contains("Disabled", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("firmware upgrade", table.Stdout, StringComparison.Ordinal);

        var enabled = await Tricircle("pod", "set", "RegionDis", "--enable", "-f", "json");
        Assert.True(enabled.ExitCode == 0, enabled.ToString());
        var pod = JsonDocument.Parse(enabled.Stdout).RootElement;
        Assert.False(pod.GetProperty("disabled").GetBoolean());
        Assert.Equal("", pod.GetProperty("disabled_reason").GetString());

        var both = await Tricircle("pod", "set", "RegionDis", "--disable", "--enable");
        Assert.Equal(1, both.ExitCode);
        Assert.Contains("--disable", both.Stderr, StringComparison.Ordinal);
        var reasonAlone = await Tricircle("pod", "set", "RegionDis", "--reason", "x");
        Assert.Equal(1, reasonAlone.ExitCode);
        Assert.Contains("--reason goes with --disable", reasonAlone.Stderr, StringComparison.Ordinal);

        var createdDisabled = await Tricircle("pod", "create", "RegionDis2", "--az-name", "azd", "--disable", "--reason", "not racked yet", "-f", "json");
        Assert.True(createdDisabled.ExitCode == 0, createdDisabled.ToString());
        Assert.Equal("not racked yet", JsonDocument.Parse(createdDisabled.Stdout).RootElement.GetProperty("disabled_reason").GetString());
        Assert.Equal(0, (await Tricircle("pod", "delete", "RegionDis", "RegionDis2")).ExitCode);
    }

    [Fact]
    public async Task Pod_Errors_PrintTheApiMessageAndExitNonZero()
    {
        await Tricircle("pod", "create", "CentralRegion");
        var second = await Tricircle("pod", "create", "AnotherCentral");
        Assert.Equal(1, second.ExitCode);
        Assert.Contains("central pod already exists", second.Stderr, StringComparison.Ordinal);
        Assert.Contains("HTTP 409", second.Stderr, StringComparison.Ordinal);

        var missing = await Tricircle("pod", "show", "NoSuchRegion");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("No pod with id or region name 'NoSuchRegion'", missing.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnyCommand_AsNonAdmin_IsRefusedWith403()
    {
        var r = await CliRunner.TricircleAsync(Openrc("demo", ServiceFixture.DemoPassword, "demo"), "pod", "list");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("admin_api:pods:list", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("HTTP 403", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnyCommand_WithBadPasswordOrNoAuthUrl_SaysWhatIsWrong()
    {
        var bad = await CliRunner.TricircleAsync(Openrc(password: "wrong"), "pod", "list");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("rejected the credentials of user 'admin'", bad.Stderr, StringComparison.Ordinal);

        var env = Openrc();
        env.Remove("OS_AUTH_URL");
        var none = await CliRunner.TricircleAsync(env, "pod", "list");
        Assert.Equal(1, none.ExitCode);
        Assert.Contains("OS_AUTH_URL", none.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BindingAndRouting_CreateListDelete()
    {
        await Tricircle("pod", "create", "RegionB", "--az-name", "azb");
        var binding = await Tricircle("binding", "create", "--tenant", "tenant-1", "--pod", "RegionB", "-f", "json");
        Assert.True(binding.ExitCode == 0, binding.ToString());
        var bindingId = JsonDocument.Parse(binding.Stdout).RootElement.GetProperty("id").GetString()!;
        var list = await Tricircle("binding", "list", "--tenant", "tenant-1", "-f", "value");
        Assert.StartsWith(bindingId, list.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, (await Tricircle("binding", "delete", bindingId)).ExitCode);

        var routing = await Tricircle("routing", "create", "--top-id", "top-1", "--bottom-id", "bottom-1", "--pod", "RegionB", "--project", fixture.AdminProjectId, "--resource-type", "network", "-f", "json");
        Assert.True(routing.ExitCode == 0, routing.ToString());
        var routingId = JsonDocument.Parse(routing.Stdout).RootElement.GetProperty("id").GetInt64();
        var routings = await Tricircle("routing", "list", "--pod", "RegionB", "-f", "json");
        Assert.Equal(routingId, JsonDocument.Parse(routings.Stdout).RootElement.EnumerateArray().Single().GetProperty("id").GetInt64());
        var badType = await Tricircle("routing", "create", "--top-id", "t", "--bottom-id", "b", "--pod", "RegionB", "--project", "p", "--resource-type", "rocket");
        Assert.Equal(1, badType.ExitCode);
        Assert.Contains("resource_type 'rocket'", badType.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, (await Tricircle("routing", "delete", routingId.ToString(System.Globalization.CultureInfo.InvariantCulture))).ExitCode);
        Assert.Equal(0, (await Tricircle("pod", "delete", "RegionB")).ExitCode);
    }

    [Fact]
    public async Task Job_ListShowRedoDelete_OfSeededJobs_InTablesJsonAndValues()
    {
        var pod = await Tricircle("pod", "create", "RegionJ", "--az-name", "azj", "-f", "json");
        Assert.True(pod.ExitCode == 0, pod.ToString());
        var podId = JsonDocument.Parse(pod.Stdout).RootElement.GetProperty("pod_id").GetString()!;
        var seed = new JobSeed(fixture.Services.GetRequiredService<Database>());
        var network = Guid.NewGuid().ToString();
        var failed = await seed.FailedAsync(JobRequest.InPod(JobTypes.NetworkSync, podId, network, fixture.AdminProjectId), "the pod refused the update because of a long reason that a table has no room for\nand more");
        var fresh = await seed.NewAsync(JobRequest.InPod(JobTypes.SubnetSync, podId, Guid.NewGuid().ToString(), fixture.AdminProjectId));

        // By project too: the pod's audits (no project) come and go on their own.
        var json = await Tricircle("job", "list", "--pod", "RegionJ", "--project", fixture.AdminProjectId, "-f", "json");
        Assert.True(json.ExitCode == 0, json.ToString());
        var jobs = JsonDocument.Parse(json.Stdout).RootElement.EnumerateArray().ToList();
        Assert.Equal([fresh, failed], jobs.Select(j => j.GetProperty("id").GetString()));
        Assert.Equal(network, jobs[1].GetProperty("resource").GetProperty("network_id").GetString()); // the API's fields
        Assert.Equal(podId, jobs[1].GetProperty("pod_id").GetString());
        Assert.Equal(fixture.AdminProjectId, jobs[1].GetProperty("project_id").GetString());

        var table = await Tricircle("job", "list", "--resource", network);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("| Last Error", table.Stdout, StringComparison.Ordinal);
        var row = table.Stdout.Split('\n').Single(l => l.Contains(failed, StringComparison.Ordinal));
        Assert.Contains($"pod_id=RegionJ network_id={network}", row, StringComparison.Ordinal);
        Assert.Contains("| RegionJ", row, StringComparison.Ordinal);
        Assert.Contains("| FAIL", row, StringComparison.Ordinal);
        Assert.Contains("the pod refused the update because of a long reason that ...", row, StringComparison.Ordinal); // shortened

        var value = await Tricircle("job", "list", "--pod", podId, "--project", fixture.AdminProjectId, "--status", "fail", "-f", "value");
        Assert.StartsWith(failed + " network_sync FAIL ", value.Stdout, StringComparison.Ordinal);
        Assert.Single(value.Stdout.Trim().Split('\n'));
        var page = await Tricircle("job", "list", "--pod", "RegionJ", "--project", fixture.AdminProjectId, "--limit", "1", "-f", "value");
        Assert.StartsWith(fresh, page.Stdout, StringComparison.Ordinal);
        Assert.Single(page.Stdout.Trim().Split('\n'));

        var show = await Tricircle("job", "show", failed);
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Contains($"{podId} (RegionJ)", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("| Outcome", show.Stdout, StringComparison.Ordinal); // the runs
        Assert.Contains(JobSeed.Worker, show.Stdout, StringComparison.Ordinal);
        var shownJson = JsonDocument.Parse((await Tricircle("job", "show", failed, "-f", "json")).Stdout).RootElement;
        Assert.Equal("FAIL", shownJson.GetProperty("runs").EnumerateArray().Single().GetProperty("outcome").GetString());
        Assert.EndsWith("and more", shownJson.GetProperty("last_error").GetString(), StringComparison.Ordinal);

        var redo = await Tricircle("job", "redo", failed, "-f", "json");
        Assert.True(redo.ExitCode == 0, redo.ToString());
        var redone = JsonDocument.Parse(redo.Stdout).RootElement.EnumerateArray().Single();
        Assert.Equal(failed, redone.GetProperty("id").GetString());
        Assert.Equal("NEW", redone.GetProperty("status").GetString());
        Assert.Equal(0, redone.GetProperty("attempts").GetInt32());
        var again = await Tricircle("job", "redo", "no-such-job");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("Job no-such-job could not be found. (HTTP 404)", again.Stderr, StringComparison.Ordinal);

        Assert.Equal(0, (await Tricircle("job", "delete", fresh)).ExitCode);
        var gone = await Tricircle("job", "show", fresh);
        Assert.Equal(1, gone.ExitCode);
        Assert.Contains("HTTP 404", gone.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Job_SchemasAndCreate_WithAPodGivenByRegionName()
    {
        var schemas = await Tricircle("job", "schemas", "-f", "json");
        Assert.True(schemas.ExitCode == 0, schemas.ToString());
        var sync = JsonDocument.Parse(schemas.Stdout).RootElement.EnumerateArray().Single(s => s.GetProperty("type").GetString() == "network_sync");
        Assert.Equal(["pod_id", "network_id"], sync.GetProperty("resource").EnumerateArray().Select(k => k.GetString()));
        Assert.True(sync.GetProperty("operator_may_create").GetBoolean());
        var table = await Tricircle("job", "schemas");
        Assert.Contains("pod_id, network_id", table.Stdout, StringComparison.Ordinal);

        Assert.Equal(0, (await Tricircle("pod", "create", "RegionK", "--az-name", "azk")).ExitCode);
        var network = Guid.NewGuid().ToString();
        var routing = await Tricircle("routing", "create", "--top-id", network, "--bottom-id", network, "--pod", "RegionK", "--project", fixture.AdminProjectId, "--resource-type", "network");
        Assert.True(routing.ExitCode == 0, routing.ToString());

        var created = await Tricircle("job", "create", "--type", "network_sync", "--resource", "pod_id=RegionK", "--resource", $"network_id={network}", "-f", "json");
        Assert.True(created.ExitCode == 0, created.ToString());
        var job = JsonDocument.Parse(created.Stdout).RootElement;
        Assert.Equal("network_sync", job.GetProperty("type").GetString());
        Assert.Equal(network, job.GetProperty("resource").GetProperty("network_id").GetString());
        Assert.Equal(fixture.AdminProjectId, job.GetProperty("project_id").GetString());
        var podId = JsonDocument.Parse((await Tricircle("pod", "show", "RegionK", "-f", "json")).Stdout).RootElement.GetProperty("pod_id").GetString();
        Assert.Equal(podId, job.GetProperty("pod_id").GetString());

        var malformed = await Tricircle("job", "create", "--type", "network_sync", "--resource", "pod_id");
        Assert.Equal(1, malformed.ExitCode);
        Assert.Contains("--resource takes key=value", malformed.Stderr, StringComparison.Ordinal);
        var refused = await Tricircle("job", "create", "--type", "network_delete", "--resource", $"network_id={network}");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("queued by the service itself", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("HTTP 400", refused.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenStackCli_SeesTheAdminApiInTheCatalog()
    {
        var token = await CliRunner.RunAsync("openstack", ["token", "issue", "-f", "json"], Openrc());
        Assert.True(token.ExitCode == 0, token.ToString());
        Assert.Equal(fixture.AdminProjectId, JsonDocument.Parse(token.Stdout).RootElement.GetProperty("project_id").GetString());

        var endpoints = await CliRunner.RunAsync("openstack", ["endpoint", "list", "--service", "tricircle", "-f", "json"], Openrc());
        Assert.True(endpoints.ExitCode == 0, endpoints.ToString());
        var url = JsonDocument.Parse(endpoints.Stdout).RootElement.EnumerateArray().Single().GetProperty("URL").GetString();
        Assert.Equal(new Uri(fixture.AdminUrl, "v1.0").ToString(), url);
    }
}
