using System.Net;
using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Compute;

/// <summary>The Nova gateway's servers over two emulated pods: placement, merged lists, forwarding, errors.</summary>
public abstract class ServersApiTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Boot_InEachAz_LandsInThatAzsPodWithThePodsOwnZoneName()
    {
        var one = await gateway.BootAsync(gateway.DemoToken, "az1", "placed-1");
        var two = await gateway.BootAsync(gateway.DemoToken, "az2", "placed-2");

        // Each server exists in exactly its AZ's region, which knows its zone as "nova".
        Assert.Contains(one, gateway.Region("RegionOne").Inspect("servers").ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(two, gateway.Region("RegionOne").Inspect("servers").ToJsonString(), StringComparison.Ordinal);
        Assert.Contains(two, gateway.Region("RegionTwo").Inspect("servers").ToJsonString(), StringComparison.Ordinal);

        var shown = await gateway.ComputeAsync(HttpMethod.Get, "servers/" + one, gateway.DemoToken);
        shown.AssertOk();
        var server = shown.Json.GetProperty("server");
        Assert.Equal("placed-1", server.GetProperty("name").GetString());

        // Links name the gateway, never the pod.
        var self = server.GetProperty("links")[0].GetProperty("href").GetString()!;
        Assert.StartsWith(gateway.ComputeUrl.GetLeftPart(UriPartial.Authority), self, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MultiCreate_EveryServerIsTricircles_ListedShownAndCountedInQuota()
    {
        var (token, project) = gateway.NewTenant("many");
        var body = JsonSerializer.Serialize(new { server = new { name = "many", flavorRef = "1", imageRef = await gateway.CirrosAsync("RegionTwo"), networks = "none", availability_zone = "az2", min_count = 2, max_count = 4 } });
        var created = await gateway.ComputeAsync(HttpMethod.Post, "servers", token, body, "2.37");
        Assert.True(created.Status == HttpStatusCode.Accepted, created.Text);

        var listed = (await gateway.ComputeAsync(HttpMethod.Get, "servers", token)).Json.GetProperty("servers").EnumerateArray().ToList();
        Assert.Equal(["many-1", "many-2", "many-3", "many-4"], listed.Select(s => s.GetProperty("name").GetString()).Order());
        foreach (var server in listed)
        {
            (await gateway.ComputeAsync(HttpMethod.Get, "servers/" + server.GetProperty("id").GetString(), token)).AssertOk();
        }

        var quota = (await gateway.ComputeAsync(HttpMethod.Get, $"os-quota-sets/{project}/detail", token)).Json.GetProperty("quota_set");
        Assert.Equal(4, quota.GetProperty("instances").GetProperty("in_use").GetInt32());
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.ComputeAsync(HttpMethod.Delete, "servers/" + listed[0].GetProperty("id").GetString(), token)).Status);
        quota = (await gateway.ComputeAsync(HttpMethod.Get, $"os-quota-sets/{project}/detail", token)).Json.GetProperty("quota_set");
        Assert.Equal(3, quota.GetProperty("instances").GetProperty("in_use").GetInt32());
    }

    [Fact]
    public async Task Boot_RecordsTheRoutingAndTheTenantsBindingTogether()
    {
        var id = await gateway.BootAsync(gateway.OtherToken, "az2", "bound");
        var routings = await gateway.SendAsync(new Uri(gateway.AdminUrl + $"/routings?top_id={id}&all_projects=true"), HttpMethod.Get, gateway.AdminToken);
        routings.AssertOk();
        var routing = Assert.Single(routings.Json.GetProperty("routings").EnumerateArray());
        Assert.Equal("server", routing.GetProperty("resource_type").GetString());
        Assert.Equal(gateway.OtherProjectId, routing.GetProperty("project_id").GetString());

        var bindings = await gateway.SendAsync(new Uri(gateway.AdminUrl + $"/bindings?tenant_id={gateway.OtherProjectId}"), HttpMethod.Get, gateway.AdminToken);
        var binding = bindings.Json.GetProperty("pod_bindings").EnumerateArray().Single(b => b.GetProperty("pod_id").GetString() == routing.GetProperty("pod_id").GetString());
        Assert.True(binding.GetProperty("is_binding").GetBoolean());
    }

    [Fact]
    public async Task List_MergesBothPods_SortedNewestFirst_AndPagesWithOneMarker()
    {
        var a = await gateway.BootAsync(gateway.DemoToken, "az1", "page-a");
        var b = await gateway.BootAsync(gateway.DemoToken, "az2", "page-b");
        var c = await gateway.BootAsync(gateway.DemoToken, "az1", "page-c");

        var all = await gateway.ComputeAsync(HttpMethod.Get, "servers/detail", gateway.DemoToken);
        all.AssertOk();
        var ids = all.Json.GetProperty("servers").EnumerateArray().Select(s => s.GetProperty("id").GetString()!).ToList();
        Assert.Subset(ids.ToHashSet(), new HashSet<string> { a, b, c });

        // Nova's timestamps have whole seconds: servers made in one second tie, so only the order of the times is certain.
        var created = all.Json.GetProperty("servers").EnumerateArray().Select(s => s.GetProperty("created").GetString()!).ToList();
        Assert.Equal(created.OrderByDescending(x => x, StringComparer.Ordinal), created);

        // Page through one at a time: every server once, in the same order.
        var paged = new List<string>();
        string? marker = null;
        for (var i = 0; i < ids.Count + 1; i++)
        {
            var page = await gateway.ComputeAsync(HttpMethod.Get, "servers?limit=1" + (marker is null ? "" : "&marker=" + marker), gateway.DemoToken);
            page.AssertOk();
            var servers = page.Json.GetProperty("servers").EnumerateArray().ToList();
            if (servers.Count == 0)
            {
                break;
            }

            paged.Add(marker = servers[0].GetProperty("id").GetString()!);
            Assert.True(page.Json.TryGetProperty("servers_links", out _), "Nova links the next page of every full page, the last one too");
        }

        Assert.Equal(ids, paged);
    }

    [Fact]
    public async Task List_PassesOverServersMadeInAPodBehindTricircle_PageAfterPage()
    {
        // Sorted by name, the pod's first pages hold only servers Tricircle never made (no
        // routing row): the list reads on in that pod until it finds the one it routes.
        var (token, _) = gateway.NewTenant("behind");
        var image = await gateway.CirrosAsync("RegionOne");
        foreach (var name in (string[])["a1", "a2", "a3", "a4"])
        {
            var made = await gateway.SendAsync(new Uri(gateway.Region("RegionOne").ComputeUrl + "/servers"), HttpMethod.Post, token,
                JsonSerializer.Serialize(new { server = new { name, flavorRef = "1", imageRef = image, networks = "none" } }), "2.37");
            Assert.Equal(HttpStatusCode.Accepted, made.Status);
        }

        var routed = await gateway.BootAsync(token, "az1", "z-routed");
        var inPod = await gateway.SendAsync(new Uri(gateway.Region("RegionOne").ComputeUrl + "/servers"), HttpMethod.Get, token);
        Assert.Equal(5, inPod.Json.GetProperty("servers").GetArrayLength());

        var page = await gateway.ComputeAsync(HttpMethod.Get, "servers?limit=1&sort_key=display_name&sort_dir=asc", token);
        page.AssertOk();
        Assert.Equal([routed], page.Json.GetProperty("servers").EnumerateArray().Select(s => s.GetProperty("id").GetString()));
        var all = await gateway.ComputeAsync(HttpMethod.Get, "servers/detail", token);
        Assert.Equal([routed], all.Json.GetProperty("servers").EnumerateArray().Select(s => s.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task List_QueryThePodsRefuse_Is400NotPlaceholders()
    {
        await gateway.BootAsync(gateway.DemoToken, "az1", "sorted");
        var list = await gateway.ComputeAsync(HttpMethod.Get, "servers?sort_key=no_such_key", gateway.DemoToken);
        Assert.Contains("sort_key", list.AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        Assert.Contains("direction", (await gateway.ComputeAsync(HttpMethod.Get, "servers?sort_key=created_at&sort_dir=sideways", gateway.DemoToken)).AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        Assert.Contains("limit", (await gateway.ComputeAsync(HttpMethod.Get, "servers?limit=-1", gateway.DemoToken)).AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        Assert.Contains("marker", (await gateway.ComputeAsync(HttpMethod.Get, "servers?marker=" + Guid.NewGuid(), gateway.DemoToken)).AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_ShowsOnlyTheCallersOwnServers()
    {
        var mine = await gateway.BootAsync(gateway.DemoToken, "az1", "mine");
        var theirs = await gateway.BootAsync(gateway.OtherToken, "az1", "theirs");
        var list = await gateway.ComputeAsync(HttpMethod.Get, "servers", gateway.DemoToken);
        Assert.Contains(mine, list.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(theirs, list.Text, StringComparison.Ordinal);

        // Guessing the id gets the same answer as a server that does not exist.
        (await gateway.ComputeAsync(HttpMethod.Get, "servers/" + theirs, gateway.DemoToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        (await gateway.ComputeAsync(HttpMethod.Delete, "servers/" + theirs, gateway.DemoToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        (await gateway.ComputeAsync(HttpMethod.Post, $"servers/{theirs}/action", gateway.DemoToken, """{"os-stop": null}""")).AssertError(HttpStatusCode.NotFound, "itemNotFound");
    }

    [Fact]
    public async Task Actions_AndDelete_GoToTheOwningPod()
    {
        var id = await gateway.BootAsync(gateway.DemoToken, "az2", "acted");
        await WaitForStatusAsync(id, "ACTIVE");

        var stop = await gateway.ComputeAsync(HttpMethod.Post, $"servers/{id}/action", gateway.DemoToken, """{"os-stop": null}""");
        Assert.Equal(HttpStatusCode.Accepted, stop.Status);
        await WaitForStatusAsync(id, "SHUTOFF");

        var metadata = await gateway.ComputeAsync(HttpMethod.Put, $"servers/{id}/metadata/color", gateway.DemoToken, """{"meta": {"color": "blue"}}""");
        metadata.AssertOk();
        Assert.Equal("blue", (await gateway.ComputeAsync(HttpMethod.Get, $"servers/{id}/metadata", gateway.DemoToken)).Json.GetProperty("metadata").GetProperty("color").GetString());

        var renamed = await gateway.ComputeAsync(HttpMethod.Put, $"servers/{id}", gateway.DemoToken, """{"server": {"name": "renamed"}}""");
        renamed.AssertOk();
        Assert.Equal("renamed", renamed.Json.GetProperty("server").GetProperty("name").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.ComputeAsync(HttpMethod.Delete, $"servers/{id}", gateway.DemoToken)).Status);
        (await gateway.ComputeAsync(HttpMethod.Get, $"servers/{id}", gateway.DemoToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
    }

    [Fact]
    public async Task Create_BadInput_Is400NamingTheProblem()
    {
        var image = await gateway.CirrosAsync("RegionOne");
        Assert.Contains("nowhere", (await gateway.ComputeAsync(HttpMethod.Post, "servers", gateway.DemoToken, JsonSerializer.Serialize(new { server = new { name = "x", flavorRef = "1", imageRef = image, networks = "none", availability_zone = "nowhere" } }), "2.37"))
            .AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        Assert.Contains("name", (await gateway.ComputeAsync(HttpMethod.Post, "servers", gateway.DemoToken, """{"server": {"flavorRef": "1"}}"""))
            .AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        Assert.Contains("flavorRef", (await gateway.ComputeAsync(HttpMethod.Post, "servers", gateway.DemoToken, """{"server": {"name": "x"}}"""))
            .AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        Assert.Contains("server", (await gateway.ComputeAsync(HttpMethod.Post, "servers", gateway.DemoToken, """{"srv": {}}"""))
            .AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        (await gateway.ComputeAsync(HttpMethod.Post, "servers", gateway.DemoToken, """{"server": """)).AssertError(HttpStatusCode.BadRequest, "badRequest");
        var unknown = Guid.NewGuid().ToString();
        Assert.Equal($"Network {unknown} could not be found.", (await gateway.ComputeAsync(HttpMethod.Post, "servers", gateway.DemoToken, JsonSerializer.Serialize(new { server = new { name = "x", flavorRef = "1", imageRef = image, networks = new[] { new { uuid = unknown } } } }), "2.37"))
            .AssertError(HttpStatusCode.BadRequest, "badRequest"));
        Assert.Contains("port", (await gateway.ComputeAsync(HttpMethod.Post, "servers", gateway.DemoToken, JsonSerializer.Serialize(new { server = new { name = "x", flavorRef = "1", imageRef = image, networks = new[] { new { port = unknown } } } }), "2.37"))
            .AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("automatically", (await gateway.ComputeAsync(HttpMethod.Post, "servers", gateway.DemoToken, JsonSerializer.Serialize(new { server = new { name = "x", flavorRef = "1", imageRef = image, networks = "auto" } }), "2.37"))
            .AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_PodRefusal_KeepsThePodsStatusAndMessage_AndRecordsNothing()
    {
        var before = await gateway.SendAsync(new Uri(gateway.AdminUrl + "/routings?resource_type=server&all_projects=true&limit=1000"), HttpMethod.Get, gateway.AdminToken);
        var refused = await gateway.ComputeAsync(HttpMethod.Post, "servers", gateway.DemoToken, JsonSerializer.Serialize(new { server = new { name = "x", flavorRef = "no-such-flavor", imageRef = Guid.NewGuid(), networks = "none", availability_zone = "az1" } }), "2.37");
        Assert.True((int)refused.Status is 400 or 404, refused.Text);
        var after = await gateway.SendAsync(new Uri(gateway.AdminUrl + "/routings?resource_type=server&all_projects=true&limit=1000"), HttpMethod.Get, gateway.AdminToken);
        Assert.Equal(before.Json.GetProperty("routings").GetArrayLength(), after.Json.GetProperty("routings").GetArrayLength());
    }

    [Fact]
    public async Task Microversions_AdvertisedRangeIsWhatEveryPodSupports_AndOthersAre406()
    {
        var versions = await gateway.SendAsync(new Uri(gateway.ComputeUrl.GetLeftPart(UriPartial.Authority) + "/"), HttpMethod.Get, null);
        versions.AssertOk();
        var v21 = versions.Json.GetProperty("versions").EnumerateArray().Single(v => v.GetProperty("id").GetString() == "v2.1");
        Assert.Equal("2.1", v21.GetProperty("min_version").GetString());
        Assert.Equal("2.79", v21.GetProperty("version").GetString()); // the emulated Novas' maximum

        (await gateway.ComputeAsync(HttpMethod.Get, "servers", gateway.DemoToken, microversion: "2.79")).AssertOk();
        (await gateway.ComputeAsync(HttpMethod.Get, "servers", gateway.DemoToken, microversion: "latest")).AssertOk();
        Assert.Contains("2.90", (await gateway.ComputeAsync(HttpMethod.Get, "servers", gateway.DemoToken, microversion: "2.90")).AssertError(HttpStatusCode.NotAcceptable, "computeFault"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownServer_Is404_AndNoTokenIs401()
    {
        Assert.Contains("could not be found", (await gateway.ComputeAsync(HttpMethod.Get, "servers/" + Guid.NewGuid(), gateway.DemoToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await gateway.ComputeAsync(HttpMethod.Get, "servers", null)).Status);
        var project = await gateway.ComputeAsync(HttpMethod.Get, Guid.NewGuid().ToString("N") + "/servers", gateway.DemoToken);
        Assert.Contains("project_id", project.AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        (await gateway.ComputeAsync(HttpMethod.Get, gateway.DemoProjectId + "/servers", gateway.DemoToken)).AssertOk();
    }

    private async Task WaitForStatusAsync(string id, string status)
    {
        for (var i = 0; i < 100; i++)
        {
            var shown = await gateway.ComputeAsync(HttpMethod.Get, "servers/" + id, gateway.DemoToken);
            if (shown.Json.GetProperty("server").GetProperty("status").GetString() == status)
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"server {id} never reached {status}");
    }
}

public sealed class ServersApiSqliteTests(SqliteGatewayFixture gateway) : ServersApiTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class ServersApiPostgresTests(PostgresGatewayFixture gateway) : ServersApiTests(gateway), IClassFixture<PostgresGatewayFixture>;
