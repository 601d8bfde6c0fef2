using System.Net;
using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Admin;

/// <summary>
/// <c>POST /v1.0/flavors/import</c> and <c>tricircle flavor import</c>: the pods' own flavors made
/// central (those every pod, or the named one, has alike), idempotent, conflicts reported.
/// </summary>
public sealed class FlavorImportTests(SqliteGatewayFixture gateway) : IClassFixture<SqliteGatewayFixture>
{
    private static string Json(object value) => JsonSerializer.Serialize(value);

    private Task<ApiResponse> ImportAsync(string token, string? pod = null) =>
        gateway.SendAsync(new Uri(gateway.AdminUrl + "/flavors/import"), HttpMethod.Post, token, Json(new { import = pod is null ? new Dictionary<string, string>() : new() { ["pod"] = pod } }));

    private async Task PodFlavorAsync(string region, string id, string name, int ram, IReadOnlyDictionary<string, string>? specs = null)
    {
        var url = gateway.Region(region).ComputeUrl.ToString().TrimEnd('/');
        var made = await gateway.SendAsync(new Uri(url + "/flavors"), HttpMethod.Post, gateway.AdminToken, Json(new { flavor = new { id, name, ram, vcpus = 1, disk = 1 } }));
        Assert.True(made.Status == HttpStatusCode.OK, made.Text);
        if (specs is not null)
        {
            var set = await gateway.SendAsync(new Uri($"{url}/flavors/{id}/os-extra_specs"), HttpMethod.Post, gateway.AdminToken, Json(new { extra_specs = specs }));
            Assert.True(set.Status == HttpStatusCode.OK, set.Text);
        }
    }

    private static List<string> Ids(JsonElement answer, string list) =>
        [.. answer.GetProperty("import").GetProperty(list).EnumerateArray().Select(i => i.GetProperty("id").GetString()!)];

    [Fact]
    public async Task Import_MakesWhatEveryPodHasCentral_Idempotent_ConflictsAndPartialsReported()
    {
        var s = Guid.NewGuid().ToString("N")[..6];
        var specs = new Dictionary<string, string> { ["hw:cpu_policy"] = "dedicated" };
        foreach (var region in new[] { "RegionOne", "RegionTwo" })
        {
            await PodFlavorAsync(region, $"both-{s}", $"both.{s}", 1024, specs);
            await PodFlavorAsync(region, $"differ-{s}", $"differ.{s}", region == "RegionOne" ? 1024 : 2048);
            await PodFlavorAsync(region, $"taken-{s}", $"taken.{s}", 1024);
        }

        await PodFlavorAsync("RegionOne", $"one-{s}", $"one.{s}", 512);

        // A central flavor holds the name "taken" with another shape.
        var central = await gateway.ComputeAsync(HttpMethod.Post, "flavors", gateway.AdminToken, Json(new { flavor = new { id = $"c-{s}", name = $"taken.{s}", ram = 4096, vcpus = 2, disk = 10 } }));
        central.AssertOk();

        (await ImportAsync(gateway.DemoToken)).AssertError(HttpStatusCode.Forbidden, "forbidden");

        var first = await ImportAsync(gateway.AdminToken);
        first.AssertOk();
        Assert.Contains($"both-{s}", Ids(first.Json, "imported"));
        Assert.Contains($"differ-{s}", Ids(first.Json, "conflicts"));
        Assert.Contains($"taken-{s}", Ids(first.Json, "conflicts"));
        Assert.Contains($"one-{s}", Ids(first.Json, "skipped"));
        Assert.Empty(first.Json.GetProperty("import").GetProperty("failed_pods").EnumerateArray());

        var shown = await gateway.ComputeAsync(HttpMethod.Get, $"flavors/both-{s}", gateway.DemoToken, microversion: "2.61");
        shown.AssertOk();
        Assert.Equal($"both.{s}", shown.Json.GetProperty("flavor").GetProperty("name").GetString());
        Assert.Equal(1024, shown.Json.GetProperty("flavor").GetProperty("ram").GetInt32());
        Assert.Equal("dedicated", shown.Json.GetProperty("flavor").GetProperty("extra_specs").GetProperty("hw:cpu_policy").GetString());
        (await gateway.ComputeAsync(HttpMethod.Get, $"flavors/differ-{s}", gateway.DemoToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        Assert.Equal(4096, (await gateway.ComputeAsync(HttpMethod.Get, $"flavors/c-{s}", gateway.DemoToken)).Json.GetProperty("flavor").GetProperty("ram").GetInt32());

        // Again: nothing new, the imported one is already central.
        var second = await ImportAsync(gateway.AdminToken);
        second.AssertOk();
        Assert.DoesNotContain($"both-{s}", Ids(second.Json, "imported"));
        Assert.Contains($"both-{s}", Ids(second.Json, "existing"));

        // One pod's: its own flavor too.
        var fromOne = await ImportAsync(gateway.AdminToken, "RegionOne");
        fromOne.AssertOk();
        Assert.Contains($"one-{s}", Ids(fromOne.Json, "imported"));
        Assert.Equal(512, (await gateway.ComputeAsync(HttpMethod.Get, $"flavors/one-{s}", gateway.DemoToken)).Json.GetProperty("flavor").GetProperty("ram").GetInt32());

        Assert.Contains("nosuchpod", (await ImportAsync(gateway.AdminToken, "nosuchpod")).Text, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await ImportAsync(gateway.AdminToken, "nosuchpod")).Status);
    }

    [Fact]
    public async Task TricircleCli_FlavorImport_ImportsAndReportsConflicts()
    {
        var s = Guid.NewGuid().ToString("N")[..6];
        await PodFlavorAsync("RegionTwo", $"cli-{s}", $"cli.{s}", 768);
        var admin = OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc"));

        var run = await CliRunner.TricircleAsync(admin.Environment, "flavor", "import", "--pod", "RegionTwo", "-f", "json");
        Assert.True(run.ExitCode == 0, run.ToString());
        var answer = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Contains($"cli-{s}", answer.GetProperty("imported").EnumerateArray().Select(i => i.GetProperty("id").GetString()));
        Assert.Equal(768, (await gateway.ComputeAsync(HttpMethod.Get, $"flavors/cli-{s}", gateway.DemoToken)).Json.GetProperty("flavor").GetProperty("ram").GetInt32());

        var table = await CliRunner.TricircleAsync(admin.Environment, "flavor", "import", "--pod", "RegionTwo");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("already central", table.Stdout, StringComparison.Ordinal);
        Assert.Contains($"cli-{s}", table.Stdout, StringComparison.Ordinal);
    }
}
