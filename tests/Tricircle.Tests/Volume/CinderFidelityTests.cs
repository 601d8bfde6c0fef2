using System.Net;
using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Volume;

/// <summary>
/// The Cinder gateway answers as a real Zed region does where clients notice (issue 15): list
/// links, <c>/volumes/summary</c>, routes with a trailing slash, <c>/extensions</c>, and the
/// errors of a snapshot create and of list markers and sort keys.
/// </summary>
public abstract class CinderFidelityTests(GatewayFixture gateway)
{
    [Fact]
    public async Task VolumeDetail_ItemsLinkToTheGateway_WithTheirCentralIds()
    {
        var id = await CreateAsync(gateway.DemoToken, "az2", "linked");
        var gatewayRoot = gateway.VolumeUrl.GetLeftPart(UriPartial.Authority);
        var podRoot = gateway.Region("RegionTwo").VolumeUrl.GetLeftPart(UriPartial.Authority);
        foreach (var path in (string[])["volumes/detail", "volumes"])
        {
            var listed = await gateway.VolumeAsync(HttpMethod.Get, path, gateway.DemoToken);
            listed.AssertOk();
            Assert.DoesNotContain(podRoot, listed.Text, StringComparison.Ordinal);
            var volume = Assert.Single(listed.Json.GetProperty("volumes").EnumerateArray(), v => v.GetProperty("id").GetString() == id);
            var links = volume.GetProperty("links").EnumerateArray().ToList();
            Assert.Equal(2, links.Count);
            Assert.All(links, l => Assert.StartsWith(gatewayRoot + "/", l.GetProperty("href").GetString()!, StringComparison.Ordinal));
            Assert.All(links, l => Assert.EndsWith("/volumes/" + id, l.GetProperty("href").GetString()!, StringComparison.Ordinal));
            Assert.Contains(links, l => l.GetProperty("rel").GetString() == "self" && l.GetProperty("href").GetString()!.Contains($"/v3/{gateway.DemoProjectId}/volumes/", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task AFullPage_CarriesANextLink_EvenWhenNothingFollows_AsCinderDoes()
    {
        var (token, project) = gateway.NewTenant("links");
        var one = await CreateAsync(token, "az1", "full-1", project);
        var two = await CreateAsync(token, "az2", "full-2", project);
        foreach (var path in (string[])["volumes", "volumes/detail"])
        {
            // Cinder: a next link whenever the page holds `limit` items, whether or not more follow.
            var full = await gateway.VolumeAsync(HttpMethod.Get, path + "?limit=2", token, project: project);
            full.AssertOk();
            Assert.Equal(2, full.Json.GetProperty("volumes").GetArrayLength());
            var next = Assert.Single(full.Json.GetProperty("volumes_links").EnumerateArray());
            Assert.Equal("next", next.GetProperty("rel").GetString());
            Assert.StartsWith($"{gateway.VolumeUrl.GetLeftPart(UriPartial.Authority)}/v3/{project}/{path}?", next.GetProperty("href").GetString()!, StringComparison.Ordinal);
            Assert.Contains("marker=" + full.Json.GetProperty("volumes")[1].GetProperty("id").GetString(), next.GetProperty("href").GetString()!, StringComparison.Ordinal);

            // A page short of its limit has none; the page after the full one is empty and has none.
            var partial = await gateway.VolumeAsync(HttpMethod.Get, path + "?limit=3", token, project: project);
            Assert.False(partial.Json.TryGetProperty("volumes_links", out _), partial.Text);
            var after = await gateway.VolumeAsync(HttpMethod.Get, new Uri(next.GetProperty("href").GetString()!).PathAndQuery[$"/v3/{project}/".Length..], token, project: project);
            after.AssertOk();
            Assert.Equal(0, after.Json.GetProperty("volumes").GetArrayLength());
            Assert.False(after.Json.TryGetProperty("volumes_links", out _), after.Text);
        }

        // Snapshots follow the same rule.
        await WaitAsync($"volumes/{one}", "volume", "available", token, project);
        var snapshot = await gateway.VolumeAsync(HttpMethod.Post, "snapshots", token, JsonSerializer.Serialize(new { snapshot = new { volume_id = one } }), project: project);
        Assert.True(snapshot.Status == HttpStatusCode.Accepted, snapshot.Text);
        var snapshots = await gateway.VolumeAsync(HttpMethod.Get, "snapshots?limit=1", token, project: project);
        snapshots.AssertOk();
        Assert.True(snapshots.Json.TryGetProperty("snapshots_links", out _), snapshots.Text);
        Assert.NotEqual(one, two);
    }

    [Fact]
    public async Task Summary_CountsSizesAndMetadata_AcrossPods()
    {
        var (token, project) = gateway.NewTenant("summary");
        await CreateAsync(token, "az1", "sum-1", project, size: 2, metadata: new { colour = "red", shape = "round" });
        await CreateAsync(token, "az2", "sum-2", project, size: 3, metadata: new { colour = "blue" });

        var summary = await gateway.VolumeAsync(HttpMethod.Get, "volumes/summary", token, microversion: "3.12", project: project);
        summary.AssertOk();
        var body = summary.Json.GetProperty("volume-summary");
        Assert.Equal(2, body.GetProperty("total_count").GetInt32());
        Assert.Equal(5, body.GetProperty("total_size").GetInt32());
        Assert.False(body.TryGetProperty("metadata", out _), summary.Text); // 3.36

        var withMetadata = (await gateway.VolumeAsync(HttpMethod.Get, "volumes/summary", token, microversion: "3.36", project: project)).Json.GetProperty("volume-summary");
        Assert.Equal(["blue", "red"], withMetadata.GetProperty("metadata").GetProperty("colour").EnumerateArray().Select(v => v.GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal(["round"], withMetadata.GetProperty("metadata").GetProperty("shape").EnumerateArray().Select(v => v.GetString()!));

        // Before 3.12 there is no such method: Cinder's bare 404, not "Volume summary could not be found".
        var old = await gateway.VolumeAsync(HttpMethod.Get, "volumes/summary", token, project: project);
        Assert.Equal("The resource could not be found.", old.AssertError(HttpStatusCode.NotFound, "itemNotFound"));

        // Another project's volumes count only for an admin's all_tenants.
        var others = (await gateway.VolumeAsync(HttpMethod.Get, "volumes/summary", gateway.OtherToken, microversion: "3.12")).Json.GetProperty("volume-summary");
        Assert.Equal(0, others.GetProperty("total_count").GetInt32());
        var ignored = (await gateway.VolumeAsync(HttpMethod.Get, "volumes/summary?all_tenants=1", gateway.OtherToken, microversion: "3.12")).Json.GetProperty("volume-summary");
        Assert.Equal(0, ignored.GetProperty("total_count").GetInt32());
        var all = (await gateway.VolumeAsync(HttpMethod.Get, "volumes/summary?all_tenants=1", gateway.AdminToken, microversion: "3.12")).Json.GetProperty("volume-summary");
        Assert.True(all.GetProperty("total_count").GetInt32() >= 2, all.ToString());
        Assert.True(all.GetProperty("total_size").GetInt32() >= 5, all.ToString());
    }

    [Fact]
    public async Task TrailingSlash_IsCindersPlain404_ForEveryMethod()
    {
        foreach (var method in (HttpMethod[])[HttpMethod.Get, HttpMethod.Put, HttpMethod.Delete, HttpMethod.Post])
        {
            foreach (var path in (string[])["volumes/", "snapshots/", "backups/", "volumes/detail/"])
            {
                var response = await gateway.VolumeAsync(method, path, gateway.DemoToken, method == HttpMethod.Get || method == HttpMethod.Delete ? null : "{}");
                Assert.True(response.Status == HttpStatusCode.NotFound, $"{method} {path}: {(int)response.Status} {response.Text}");
                Assert.Contains("The resource could not be found.", response.Text, StringComparison.Ordinal);
                Assert.DoesNotContain("\"volumes\"", response.Text, StringComparison.Ordinal);
            }
        }

        // Without the slash the list is still the list.
        (await gateway.VolumeAsync(HttpMethod.Get, "volumes", gateway.DemoToken)).AssertOk();
    }

    [Fact]
    public async Task Extensions_ListWhatTheGatewayServes_WithOrWithoutTheProject()
    {
        var withProject = await gateway.VolumeAsync(HttpMethod.Get, "extensions", gateway.DemoToken);
        withProject.AssertOk();
        var aliases = withProject.Json.GetProperty("extensions").EnumerateArray().Select(e => e.GetProperty("alias").GetString()!).ToList();
        Assert.Contains("backups", aliases);
        Assert.Contains("os-volume-actions", aliases);
        Assert.Contains("os-quota-sets", aliases);
        Assert.DoesNotContain("consistencygroups", aliases); // not served through the gateway
        var backups = withProject.Json.GetProperty("extensions").EnumerateArray().Single(e => e.GetProperty("alias").GetString() == "backups");
        Assert.Equal("Backups", backups.GetProperty("name").GetString());
        Assert.Equal("Backups support.", backups.GetProperty("description").GetString());
        Assert.Equal("2012-12-12T00:00:00+00:00", backups.GetProperty("updated").GetString());
        Assert.Equal(0, backups.GetProperty("links").GetArrayLength());

        var projectless = await gateway.SendAsync(new Uri(gateway.VolumeUrl.ToString().TrimEnd('/') + "/extensions"), HttpMethod.Get, gateway.DemoToken, service: "volume");
        projectless.AssertOk();
        Assert.Equal(withProject.Json.GetProperty("extensions").GetArrayLength(), projectless.Json.GetProperty("extensions").GetArrayLength());

        var one = await gateway.VolumeAsync(HttpMethod.Get, "extensions/os-volume-actions", gateway.DemoToken);
        one.AssertOk();
        Assert.Equal("VolumeActions", one.Json.GetProperty("extension").GetProperty("name").GetString());
        Assert.Equal("The resource could not be found.", (await gateway.VolumeAsync(HttpMethod.Get, "extensions/consistencygroups", gateway.DemoToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("3.66")]
    [InlineData("3.70")]
    public async Task SnapshotCreate_WithANullVolume_IsCindersVolumeNoneNotFound(string? microversion)
    {
        var response = await gateway.VolumeAsync(HttpMethod.Post, "snapshots", gateway.DemoToken, """{"snapshot": {"volume_id": null, "name": "nothing"}}""", microversion);
        Assert.Equal("Volume None could not be found.", response.AssertError(HttpStatusCode.NotFound, "itemNotFound"));
        var forced = await gateway.VolumeAsync(HttpMethod.Post, "snapshots", gateway.DemoToken, """{"snapshot": {"volume_id": null, "force": true}}""", microversion);
        Assert.Equal("Volume None could not be found.", forced.AssertError(HttpStatusCode.NotFound, "itemNotFound"));

        // Without the key it is the schema's 400.
        var missing = await gateway.VolumeAsync(HttpMethod.Post, "snapshots", gateway.DemoToken, """{"snapshot": {"name": "nothing"}}""", microversion);
        Assert.Contains("'volume_id' is a required property", missing.AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("volumes", "Volume")]
    [InlineData("volumes/detail", "Volume")]
    [InlineData("snapshots", "Snapshot")]
    [InlineData("snapshots/detail", "Snapshot")]
    [InlineData("backups", "Backup")]
    [InlineData("backups/detail", "Backup")]
    public async Task Lists_AnUnknownMarkerIs404_AndAnUnknownSortKey400_EvenWithNothingToList(string path, string what)
    {
        // A fresh project holds nothing in any pod: the gateway must still judge the query as Cinder does.
        var (token, project) = gateway.NewTenant("errors");
        var marker = Guid.NewGuid().ToString();
        var unknown = await gateway.VolumeAsync(HttpMethod.Get, $"{path}?marker={marker}", token, project: project);
        Assert.Equal($"{what} {marker} could not be found.", unknown.AssertError(HttpStatusCode.NotFound, "itemNotFound"));

        var sorted = await gateway.VolumeAsync(HttpMethod.Get, $"{path}?sort_key=invalid", token, project: project);
        Assert.Equal("Invalid input received: Invalid sort key", sorted.AssertError(HttpStatusCode.BadRequest, "badRequest"));
        var sortedToo = await gateway.VolumeAsync(HttpMethod.Get, $"{path}?sort=invalid:asc", token, project: project);
        Assert.Equal("Invalid input received: Invalid sort key", sortedToo.AssertError(HttpStatusCode.BadRequest, "badRequest"));

        // The same from a project that has some, whose pods are asked.
        var id = await CreateAsync(token, "az1", "errors", project);
        var asked = await gateway.VolumeAsync(HttpMethod.Get, $"{path}?sort_key=invalid", token, project: project);
        Assert.Equal("Invalid input received: Invalid sort key", asked.AssertError(HttpStatusCode.BadRequest, "badRequest"));
        var valid = await gateway.VolumeAsync(HttpMethod.Get, $"{path}?sort_key=created_at", token, project: project);
        valid.AssertOk();
        Assert.NotEmpty(id);
    }

    private async Task<string> CreateAsync(string token, string az, string name, string? project = null, int size = 1, object? metadata = null)
    {
        var created = await gateway.VolumeAsync(HttpMethod.Post, "volumes", token, JsonSerializer.Serialize(new { volume = new { size, name, availability_zone = az, metadata = metadata ?? new { } } }), project: project);
        Assert.True(created.Status == HttpStatusCode.Accepted, created.Text);
        return created.Json.GetProperty("volume").GetProperty("id").GetString()!;
    }

    private async Task WaitAsync(string path, string key, string status, string token, string project) =>
        await Poll.UntilAsync(
            async () => (await gateway.VolumeAsync(HttpMethod.Get, path, token, project: project)).Json.GetProperty(key).GetProperty("status").GetString() == status,
            TimeSpan.FromSeconds(10),
            () => $"{path} never reached {status}");
}

public sealed class CinderFidelitySqliteTests(SqliteGatewayFixture gateway) : CinderFidelityTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class CinderFidelityPostgresTests(PostgresGatewayFixture gateway) : CinderFidelityTests(gateway), IClassFixture<PostgresGatewayFixture>;
