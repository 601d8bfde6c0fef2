using System.Text.Json;
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
