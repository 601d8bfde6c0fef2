using System.Net;
using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Volume;

/// <summary>The Cinder gateway over two emulated pods: placement, top AZ names, merged lists, forwarding, types, errors.</summary>
public abstract class VolumesApiTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Create_InEachAz_LandsInThatAzsPod_AndShowsTheTopAzName()
    {
        var one = await CreateAsync(gateway.DemoToken, "az1", "placed-1");
        var two = await CreateAsync(gateway.DemoToken, "az2", "placed-2");
        Assert.Contains(one, gateway.Region("RegionOne").Inspect("volumes").ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(two, gateway.Region("RegionOne").Inspect("volumes").ToJsonString(), StringComparison.Ordinal);
        Assert.Contains(two, gateway.Region("RegionTwo").Inspect("volumes").ToJsonString(), StringComparison.Ordinal);

        var shown = await gateway.VolumeAsync(HttpMethod.Get, "volumes/" + two, gateway.DemoToken);
        shown.AssertOk();
        var volume = shown.Json.GetProperty("volume");
        Assert.Equal("az2", volume.GetProperty("availability_zone").GetString());
        Assert.StartsWith(gateway.VolumeUrl.GetLeftPart(UriPartial.Authority), volume.GetProperty("links")[0].GetProperty("href").GetString()!, StringComparison.Ordinal);

        var detail = await gateway.VolumeAsync(HttpMethod.Get, "volumes/detail", gateway.DemoToken);
        detail.AssertOk();
        Assert.DoesNotContain(detail.Json.GetProperty("volumes").EnumerateArray(), v => v.GetProperty("status").GetString() == "unknown");
        var zones = detail.Json.GetProperty("volumes").EnumerateArray().ToDictionary(v => v.GetProperty("id").GetString()!, v => v.GetProperty("availability_zone").GetString());
        Assert.Equal("az1", zones[one]);
        Assert.Equal("az2", zones[two]);

        // An AZ filter picks the pods of that AZ.
        var az2 = await gateway.VolumeAsync(HttpMethod.Get, "volumes/detail?availability_zone=az2", gateway.DemoToken);
        Assert.Contains(two, az2.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(one, az2.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AListedVolume_IsWhatItsShowSays_ZoneAndLinksIncluded_AndTheBriefListItsIdNameAndLinks()
    {
        // The detail list writes each pod's volume as the pod wrote it with only the zone put in;
        // the show does the same on its own path: the two agree to the value.
        var (token, project) = gateway.NewTenant("volume-list-as-show");
        var ids = new[] { await CreateAsync(token, "az1", "as-show-1", project), await CreateAsync(token, "az2", "as-show-2", project) };
        foreach (var id in ids)
        {
            await WaitAsync("volumes/" + id, "volume", "available", token, project);
        }

        var detail = await gateway.VolumeAsync(HttpMethod.Get, "volumes/detail?with_count=true", token, microversion: "3.45", project: project);
        detail.AssertOk();
        Assert.Equal(2, detail.Json.GetProperty("count").GetInt32());
        var listed = detail.Json.GetProperty("volumes").EnumerateArray().ToDictionary(v => v.GetProperty("id").GetString()!);
        Assert.Equal(ids.ToHashSet(), listed.Keys.ToHashSet());
        foreach (var (id, zone) in ids.Zip(["az1", "az2"]))
        {
            var shown = (await gateway.VolumeAsync(HttpMethod.Get, "volumes/" + id, token, microversion: "3.45", project: project)).Json.GetProperty("volume");
            Assert.True(JsonElement.DeepEquals(shown, listed[id]), $"listed {listed[id]} but shown {shown}");
            Assert.Equal(zone, listed[id].GetProperty("availability_zone").GetString());
            Assert.All(listed[id].GetProperty("links").EnumerateArray(), l => Assert.StartsWith(gateway.VolumeUrl.GetLeftPart(UriPartial.Authority), l.GetProperty("href").GetString(), StringComparison.Ordinal));
        }

        var brief = await gateway.VolumeAsync(HttpMethod.Get, "volumes?limit=1", token, project: project);
        brief.AssertOk();
        var one = Assert.Single(brief.Json.GetProperty("volumes").EnumerateArray());
        Assert.Equal(["id", "name", "links"], one.EnumerateObject().Select(p => p.Name));
        Assert.True(JsonElement.DeepEquals(listed[one.GetProperty("id").GetString()!].GetProperty("links"), one.GetProperty("links")));
        Assert.Contains("marker=" + one.GetProperty("id").GetString(), brief.Json.GetProperty("volumes_links")[0].GetProperty("href").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_MergesBothPods_NewestFirst_AndPagesWithVolumesLinks()
    {
        var ids = new[] { await CreateAsync(gateway.DemoToken, "az1", "page-a"), await CreateAsync(gateway.DemoToken, "az2", "page-b"), await CreateAsync(gateway.DemoToken, "az1", "page-c") };
        var all = await gateway.VolumeAsync(HttpMethod.Get, "volumes/detail", gateway.DemoToken);
        all.AssertOk();
        var listed = all.Json.GetProperty("volumes").EnumerateArray().Select(v => v.GetProperty("id").GetString()!).ToList();
        Assert.Subset(listed.ToHashSet(), ids.ToHashSet());
        var created = all.Json.GetProperty("volumes").EnumerateArray().Select(v => v.GetProperty("created_at").GetString()!).ToList();
        Assert.Equal(created.OrderByDescending(x => x, StringComparer.Ordinal), created);

        var paged = new List<string>();
        string? marker = null;
        for (var i = 0; i <= listed.Count; i++)
        {
            var page = await gateway.VolumeAsync(HttpMethod.Get, "volumes?limit=1" + (marker is null ? "" : "&marker=" + marker), gateway.DemoToken);
            page.AssertOk();
            var volumes = page.Json.GetProperty("volumes").EnumerateArray().ToList();
            if (volumes.Count == 0)
            {
                break;
            }

            paged.Add(marker = volumes[0].GetProperty("id").GetString()!);
            Assert.True(page.Json.TryGetProperty("volumes_links", out _), $"page {paged.Count} of {listed.Count} is full, so Cinder links the next: {page.Text}");
        }

        Assert.Equal(listed, paged);
    }

    [Fact]
    public async Task Snapshots_AndVolumesFromThem_StayInTheSourcesPod()
    {
        var source = await CreateAsync(gateway.DemoToken, "az2", "source");
        await WaitAsync("volumes/" + source, "volume", "available");
        var snap = await gateway.VolumeAsync(HttpMethod.Post, "snapshots", gateway.DemoToken, JsonSerializer.Serialize(new { snapshot = new { volume_id = source, name = "snap" } }));
        Assert.True(snap.Status == HttpStatusCode.Accepted, snap.Text);
        var snapId = snap.Json.GetProperty("snapshot").GetProperty("id").GetString()!;
        Assert.Contains(snapId, gateway.Region("RegionTwo").Inspect("snapshots").ToJsonString(), StringComparison.Ordinal);
        await WaitAsync("snapshots/" + snapId, "snapshot", "available");
        Assert.Contains(snapId, (await gateway.VolumeAsync(HttpMethod.Get, "snapshots/detail", gateway.DemoToken)).Text, StringComparison.Ordinal);

        // No AZ asked: the snapshot's pod decides; another AZ is refused by name.
        var fromSnap = await gateway.VolumeAsync(HttpMethod.Post, "volumes", gateway.DemoToken, JsonSerializer.Serialize(new { volume = new { size = 1, snapshot_id = snapId } }));
        Assert.True(fromSnap.Status == HttpStatusCode.Accepted, fromSnap.Text);
        Assert.Equal("az2", fromSnap.Json.GetProperty("volume").GetProperty("availability_zone").GetString());
        var clone = await gateway.VolumeAsync(HttpMethod.Post, "volumes", gateway.DemoToken, JsonSerializer.Serialize(new { volume = new { size = 1, source_volid = source } }));
        Assert.Equal(HttpStatusCode.Accepted, clone.Status);
        Assert.Contains(clone.Json.GetProperty("volume").GetProperty("id").GetString()!, gateway.Region("RegionTwo").Inspect("volumes").ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("az1", (await gateway.VolumeAsync(HttpMethod.Post, "volumes", gateway.DemoToken, JsonSerializer.Serialize(new { volume = new { size = 1, snapshot_id = snapId, availability_zone = "az1" } })))
            .AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        Assert.Contains("could not be found", (await gateway.VolumeAsync(HttpMethod.Post, "volumes", gateway.DemoToken, JsonSerializer.Serialize(new { volume = new { size = 1, snapshot_id = Guid.NewGuid() } })))
            .AssertError(HttpStatusCode.NotFound, "itemNotFound"), StringComparison.Ordinal);

        var renamed = await gateway.VolumeAsync(HttpMethod.Put, "snapshots/" + snapId, gateway.DemoToken, """{"snapshot": {"name": "renamed"}}""");
        renamed.AssertOk();

        // Cinder refuses to delete a volume still being created: wait for it.
        await WaitAsync("volumes/" + fromSnap.Json.GetProperty("volume").GetProperty("id").GetString(), "volume", "available");
        Assert.Equal(HttpStatusCode.Accepted, (await gateway.VolumeAsync(HttpMethod.Delete, "volumes/" + fromSnap.Json.GetProperty("volume").GetProperty("id").GetString(), gateway.DemoToken)).Status);
        await WaitGoneFromPodAsync("RegionTwo", fromSnap.Json.GetProperty("volume").GetProperty("id").GetString()!);
        Assert.Equal(HttpStatusCode.Accepted, (await gateway.VolumeAsync(HttpMethod.Delete, "snapshots/" + snapId, gateway.DemoToken)).Status);
        (await gateway.VolumeAsync(HttpMethod.Get, "snapshots/" + snapId, gateway.DemoToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
    }

    [Fact]
    public async Task Actions_Metadata_Update_AndDelete_GoToTheOwningPod()
    {
        var id = await CreateAsync(gateway.DemoToken, "az2", "acted");
        await WaitAsync("volumes/" + id, "volume", "available");
        Assert.Equal(HttpStatusCode.Accepted, (await gateway.VolumeAsync(HttpMethod.Post, $"volumes/{id}/action", gateway.DemoToken, """{"os-extend": {"new_size": 2}}""")).Status);
        for (var i = 0; i < 100 && (await gateway.VolumeAsync(HttpMethod.Get, "volumes/" + id, gateway.DemoToken)).Json.GetProperty("volume").GetProperty("size").GetInt32() != 2; i++)
        {
            await Task.Delay(50);
        }

        Assert.Equal(2, (await gateway.VolumeAsync(HttpMethod.Get, "volumes/" + id, gateway.DemoToken)).Json.GetProperty("volume").GetProperty("size").GetInt32());
        (await gateway.VolumeAsync(HttpMethod.Post, $"volumes/{id}/metadata", gateway.DemoToken, """{"metadata": {"color": "blue"}}""")).AssertOk();
        Assert.Equal("blue", (await gateway.VolumeAsync(HttpMethod.Get, $"volumes/{id}/metadata", gateway.DemoToken)).Json.GetProperty("metadata").GetProperty("color").GetString());
        (await gateway.VolumeAsync(HttpMethod.Delete, $"volumes/{id}/metadata/color", gateway.DemoToken)).AssertOk();

        // A missing key is the pod's 404, and the volume is still routed.
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.VolumeAsync(HttpMethod.Get, $"volumes/{id}/metadata/color", gateway.DemoToken)).Status);
        var renamed = await gateway.VolumeAsync(HttpMethod.Put, "volumes/" + id, gateway.DemoToken, """{"volume": {"name": "renamed"}}""");
        renamed.AssertOk();
        Assert.Equal("az2", renamed.Json.GetProperty("volume").GetProperty("availability_zone").GetString());

        // A server in the other pod: 409 naming both pods.
        var server = await gateway.BootAsync(gateway.DemoToken, "az1", "elsewhere");
        var attach = await gateway.VolumeAsync(HttpMethod.Post, $"volumes/{id}/action", gateway.DemoToken, JsonSerializer.Serialize(new Dictionary<string, object> { ["os-attach"] = new { instance_uuid = server, mountpoint = "/dev/vdb" } }));
        var message = attach.AssertError(HttpStatusCode.Conflict, "conflictingRequest");
        Assert.Contains("RegionOne", message, StringComparison.Ordinal);
        Assert.Contains("RegionTwo", message, StringComparison.Ordinal);
        Assert.Contains("action", (await gateway.VolumeAsync(HttpMethod.Post, $"volumes/{id}/action", gateway.DemoToken, """{"a": 1, "b": 2}""")).AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Accepted, (await gateway.VolumeAsync(HttpMethod.Delete, "volumes/" + id, gateway.DemoToken)).Status);
        (await gateway.VolumeAsync(HttpMethod.Get, "volumes/" + id, gateway.DemoToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
    }

    [Fact]
    public async Task Errors_AreCinderShaped_AndNameTheProblem()
    {
        (await gateway.VolumeAsync(HttpMethod.Post, "volumes", gateway.DemoToken, """{"volume": """)).AssertError(HttpStatusCode.BadRequest, "badRequest");
        Assert.Contains("volume", (await gateway.VolumeAsync(HttpMethod.Post, "volumes", gateway.DemoToken, """{"vol": {"size": 1}}""")).AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        Assert.Contains("nowhere", (await gateway.VolumeAsync(HttpMethod.Post, "volumes", gateway.DemoToken, """{"volume": {"size": 1, "availability_zone": "nowhere"}}""")).AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        var unknown = Guid.NewGuid().ToString();
        Assert.Equal($"Volume {unknown} could not be found.", (await gateway.VolumeAsync(HttpMethod.Get, "volumes/" + unknown, gateway.DemoToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound"));
        Assert.Contains("volume_id", (await gateway.VolumeAsync(HttpMethod.Post, "snapshots", gateway.DemoToken, """{"snapshot": {}}""")).AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);

        var theirs = await CreateAsync(gateway.OtherToken, "az1", "theirs");
        Assert.DoesNotContain(theirs, (await gateway.VolumeAsync(HttpMethod.Get, "volumes", gateway.DemoToken)).Text, StringComparison.Ordinal);
        (await gateway.VolumeAsync(HttpMethod.Get, "volumes/" + theirs, gateway.DemoToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        (await gateway.VolumeAsync(HttpMethod.Delete, "volumes/" + theirs, gateway.DemoToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound");

        Assert.Contains("Malformed request url", (await gateway.VolumeAsync(HttpMethod.Get, "volumes", gateway.DemoToken, project: gateway.OtherProjectId)).AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        (await gateway.VolumeAsync(HttpMethod.Get, "no-such-thing", gateway.DemoToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        Assert.Equal(HttpStatusCode.Unauthorized, (await gateway.VolumeAsync(HttpMethod.Get, "volumes", null)).Status);
    }

    [Fact]
    public async Task Versions_OfferWhatEveryPodSupports_AndOthersAre406()
    {
        var root = await gateway.SendAsync(new Uri(gateway.VolumeUrl.GetLeftPart(UriPartial.Authority) + "/"), HttpMethod.Get, null);
        Assert.Equal(HttpStatusCode.MultipleChoices, root.Status);
        // "/v3/" sits behind Cinder's auth filter: 401 without a token, the document with one.
        Assert.Equal(HttpStatusCode.Unauthorized, (await gateway.SendAsync(gateway.VolumeUrl, HttpMethod.Get, null)).Status);
        var v3 = await gateway.SendAsync(gateway.VolumeUrl, HttpMethod.Get, gateway.DemoToken);
        v3.AssertOk();
        var entry = v3.Json.GetProperty("versions")[0];
        Assert.Equal("v3.0", entry.GetProperty("id").GetString());
        Assert.Equal("3.0", entry.GetProperty("min_version").GetString());
        Assert.Equal("3.70", entry.GetProperty("version").GetString()); // the emulated Cinders' maximum

        var ok = await gateway.VolumeAsync(HttpMethod.Get, "volumes", gateway.DemoToken, microversion: "3.60");
        ok.AssertOk();
        Assert.Equal("volume 3.60", ok.Message.Headers.GetValues("OpenStack-API-Version").Single());
        Assert.Contains("3.99", (await gateway.VolumeAsync(HttpMethod.Get, "volumes", gateway.DemoToken, microversion: "3.99")).AssertError(HttpStatusCode.NotAcceptable, "computeFault"), StringComparison.Ordinal);
        (await gateway.VolumeAsync(HttpMethod.Get, "volumes", gateway.DemoToken, microversion: "x")).AssertError(HttpStatusCode.BadRequest, "badRequest");
    }

    [Fact]
    public async Task Types_ParallelFirstUsesInOnePod_MakeTheTypeThereOnce()
    {
        var name = "race-" + Guid.NewGuid().ToString("N")[..8];
        var created = await gateway.VolumeAsync(HttpMethod.Post, "types", gateway.AdminToken, JsonSerializer.Serialize(new { volume_type = new { name } }));
        created.AssertOk();
        // A tenant of its own: six volumes would take most of demo's central quota.
        var (token, project) = gateway.NewTenant("race");
        var volumes = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            gateway.VolumeAsync(HttpMethod.Post, "volumes", token, JsonSerializer.Serialize(new { volume = new { size = 1, availability_zone = "az2", volume_type = name } }), project: project)));
        Assert.All(volumes, v => Assert.True(v.Status == HttpStatusCode.Accepted, v.Text));
        Assert.Single(gateway.Region("RegionTwo").Inspect("types"), t => t!["name"]!.ToString() == name);
    }

    [Fact]
    public async Task Types_AreCentral_AdminOnly_AndMadeInAPodOnFirstUse()
    {
        var name = "gold-" + Guid.NewGuid().ToString("N")[..8];
        var body = JsonSerializer.Serialize(new { volume_type = new { name, extra_specs = new { tier = "gold" } } });
        Assert.Contains("types_manage", (await gateway.VolumeAsync(HttpMethod.Post, "types", gateway.DemoToken, body)).AssertError(HttpStatusCode.Forbidden, "forbidden"), StringComparison.Ordinal);
        var created = await gateway.VolumeAsync(HttpMethod.Post, "types", gateway.AdminToken, body);
        created.AssertOk();
        var typeId = created.Json.GetProperty("volume_type").GetProperty("id").GetString()!;
        (await gateway.VolumeAsync(HttpMethod.Post, "types", gateway.AdminToken, body)).AssertError(HttpStatusCode.Conflict, "conflictingRequest");
        Assert.Contains(name, (await gateway.VolumeAsync(HttpMethod.Get, "types", gateway.DemoToken)).Text, StringComparison.Ordinal);
        Assert.DoesNotContain(name, gateway.Region("RegionOne").Inspect("types").ToJsonString(), StringComparison.Ordinal);

        var volume = await gateway.VolumeAsync(HttpMethod.Post, "volumes", gateway.DemoToken, JsonSerializer.Serialize(new { volume = new { size = 1, availability_zone = "az1", volume_type = name } }));
        Assert.Equal(HttpStatusCode.Accepted, volume.Status);
        Assert.Equal(name, volume.Json.GetProperty("volume").GetProperty("volume_type").GetString());
        var bottom = gateway.Region("RegionOne").Inspect("types").Single(t => t!["name"]!.ToString() == name)!;
        Assert.Equal("gold", bottom["extra_specs"]!["tier"]!.ToString());
        var routings = await gateway.SendAsync(new Uri(gateway.AdminUrl + $"/routings?top_id={typeId}&all_projects=true"), HttpMethod.Get, gateway.AdminToken);
        Assert.Equal(bottom["id"]!.ToString(), Assert.Single(routings.Json.GetProperty("routings").EnumerateArray()).GetProperty("bottom_id").GetString());

        // A private type is the admin's until shared.
        var secret = await gateway.VolumeAsync(HttpMethod.Post, "types", gateway.AdminToken, JsonSerializer.Serialize(new Dictionary<string, object> { ["volume_type"] = new Dictionary<string, object> { ["name"] = name + "-private", ["os-volume-type-access:is_public"] = false } }));
        secret.AssertOk();
        Assert.DoesNotContain(name + "-private", (await gateway.VolumeAsync(HttpMethod.Get, "types", gateway.DemoToken)).Text, StringComparison.Ordinal);
        var secretId = secret.Json.GetProperty("volume_type").GetProperty("id").GetString()!;
        (await gateway.VolumeAsync(HttpMethod.Get, "types/" + secretId, gateway.DemoToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        Assert.Equal(HttpStatusCode.Accepted, (await gateway.VolumeAsync(HttpMethod.Post, $"types/{secretId}/action", gateway.AdminToken, JsonSerializer.Serialize(new { addProjectAccess = new { project = gateway.DemoProjectId } }))).Status);
        (await gateway.VolumeAsync(HttpMethod.Get, "types/" + secretId, gateway.DemoToken)).AssertOk();

        (await gateway.VolumeAsync(HttpMethod.Put, "types/" + typeId, gateway.DemoToken, """{"volume_type": {"description": "x"}}""")).AssertError(HttpStatusCode.Forbidden, "forbidden");
        (await gateway.VolumeAsync(HttpMethod.Delete, "types/" + typeId, gateway.DemoToken)).AssertError(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(HttpStatusCode.Accepted, (await gateway.VolumeAsync(HttpMethod.Delete, "types/" + typeId, gateway.AdminToken)).Status);
        (await gateway.VolumeAsync(HttpMethod.Get, "types/" + typeId, gateway.AdminToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
    }

    [Fact]
    public async Task Limits_AreTheCentralQuotas_CountingEveryPod()
    {
        await CreateAsync(gateway.OtherToken, "az1", "counted-1");
        await CreateAsync(gateway.OtherToken, "az2", "counted-2");
        var limits = await gateway.VolumeAsync(HttpMethod.Get, "limits", gateway.OtherToken);
        limits.AssertOk();
        var absolute = limits.Json.GetProperty("limits").GetProperty("absolute");
        var inPods = gateway.Region("RegionOne").Inspect("volumes").Concat(gateway.Region("RegionTwo").Inspect("volumes"))
            .Count(v => v!["os-vol-tenant-attr:tenant_id"]!.ToString() == gateway.OtherProjectId);
        Assert.Equal(inPods, absolute.GetProperty("totalVolumesUsed").GetInt32());
        Assert.True(absolute.GetProperty("maxTotalVolumes").GetInt32() > 0);
    }

    [Fact]
    public async Task QuotaSets_ShowDefaultsUpdateDelete_AsCinder_AndOnlyAdminsChangeThem()
    {
        var (token, project) = gateway.NewTenant("vq");
        Task<ApiResponse> Mine(HttpMethod method, string path, string? json = null) => gateway.VolumeAsync(method, path, token, json, project: project);
        Task<ApiResponse> AsAdmin(HttpMethod method, string path, string? json = null) => gateway.VolumeAsync(method, path, gateway.AdminToken, json);

        var shown = await Mine(HttpMethod.Get, $"os-quota-sets/{project}");
        shown.AssertOk();
        var set = shown.Json.GetProperty("quota_set");
        Assert.Equal(project, set.GetProperty("id").GetString());
        Assert.Equal(10, set.GetProperty("volumes").GetInt32());
        Assert.Equal(1000, set.GetProperty("gigabytes").GetInt32());
        Assert.Equal(10, set.GetProperty("snapshots").GetInt32());
        Assert.Equal(-1, set.GetProperty("per_volume_gigabytes").GetInt32());
        Assert.Equal(10, set.GetProperty("backups").GetInt32());
        Assert.Equal(1000, set.GetProperty("backup_gigabytes").GetInt32());
        Assert.Equal(10, set.GetProperty("groups").GetInt32());
        var usage = (await Mine(HttpMethod.Get, $"os-quota-sets/{project}?usage=True")).Json.GetProperty("quota_set").GetProperty("volumes");
        Assert.Equal(10, usage.GetProperty("limit").GetInt32());
        Assert.Equal(0, usage.GetProperty("in_use").GetInt32());
        Assert.Equal(0, usage.GetProperty("reserved").GetInt32());
        Assert.Equal(10, (await Mine(HttpMethod.Get, $"os-quota-sets/{project}/defaults")).Json.GetProperty("quota_set").GetProperty("volumes").GetInt32());

        // Another project's quotas are for admins only; changes too.
        Assert.Contains("quotas:show", (await Mine(HttpMethod.Get, $"os-quota-sets/{gateway.DemoProjectId}")).AssertError(HttpStatusCode.Forbidden, "forbidden"), StringComparison.Ordinal);
        (await AsAdmin(HttpMethod.Get, $"os-quota-sets/{project}")).AssertOk();
        Assert.Contains("quotas:update", (await Mine(HttpMethod.Put, $"os-quota-sets/{project}", """{"quota_set": {"volumes": 2}}""")).AssertError(HttpStatusCode.Forbidden, "forbidden"), StringComparison.Ordinal);
        Assert.Contains("quotas:delete", (await Mine(HttpMethod.Delete, $"os-quota-sets/{project}")).AssertError(HttpStatusCode.Forbidden, "forbidden"), StringComparison.Ordinal);

        // Bad values are 400s in Cinder's words.
        Assert.Equal("volumes must be an integer.", (await AsAdmin(HttpMethod.Put, $"os-quota-sets/{project}", """{"quota_set": {"volumes": "many"}}""")).AssertError(HttpStatusCode.BadRequest, "badRequest"));
        Assert.Equal("volumes must be >= -1", (await AsAdmin(HttpMethod.Put, $"os-quota-sets/{project}", """{"quota_set": {"volumes": -5}}""")).AssertError(HttpStatusCode.BadRequest, "badRequest"));
        Assert.Equal("Bad key(s) in quota set: bogus", (await AsAdmin(HttpMethod.Put, $"os-quota-sets/{project}", """{"quota_set": {"bogus": 1}}""")).AssertError(HttpStatusCode.BadRequest, "badRequest"));
        // Every quota Cinder has is kept, groups too (nothing counts against it here).
        var groups = await AsAdmin(HttpMethod.Put, $"os-quota-sets/{project}", """{"quota_set": {"groups": 1}}""");
        groups.AssertOk();
        Assert.Equal(1, groups.Json.GetProperty("quota_set").GetProperty("groups").GetInt32());
        (await AsAdmin(HttpMethod.Put, $"os-quota-sets/{project}", """{"quota_set": {}}""")).AssertError(HttpStatusCode.BadRequest, "badRequest");

        // cinderclient sends the tenant id along; it is not a quota.
        var updated = await AsAdmin(HttpMethod.Put, $"os-quota-sets/{project}", $$$"""{"quota_set": {"tenant_id": "{{{project}}}", "volumes": "2", "snapshots": 1}}""");
        updated.AssertOk();
        Assert.Equal(2, updated.Json.GetProperty("quota_set").GetProperty("volumes").GetInt32());
        Assert.Equal(1, updated.Json.GetProperty("quota_set").GetProperty("snapshots").GetInt32());
        Assert.Equal(2, (await Mine(HttpMethod.Get, $"os-quota-sets/{project}")).Json.GetProperty("quota_set").GetProperty("volumes").GetInt32());

        Assert.Equal(HttpStatusCode.OK, (await AsAdmin(HttpMethod.Delete, $"os-quota-sets/{project}")).Status);
        Assert.Equal(10, (await Mine(HttpMethod.Get, $"os-quota-sets/{project}")).Json.GetProperty("quota_set").GetProperty("volumes").GetInt32());
    }

    [Fact]
    public async Task Quota_CountsVolumesSnapshotsAndGigabytesAcrossPods_413WhenOver_AndDeleteFreesIt()
    {
        var (token, project) = gateway.NewTenant("vq");
        Task<ApiResponse> Mine(HttpMethod method, string path, string? json = null) => gateway.VolumeAsync(method, path, token, json, project: project);
        Task<ApiResponse> SetQuota(string json) => gateway.VolumeAsync(HttpMethod.Put, $"os-quota-sets/{project}", gateway.AdminToken, json);
        (await SetQuota("""{"quota_set": {"volumes": 2, "gigabytes": 4, "snapshots": 1}}""")).AssertOk();

        // One volume in each AZ's pod takes the whole volume quota: a third is refused whichever pod it would go to.
        var one = await CreateAsync(token, "az1", "q-1", project);
        var two = await CreateAsync(token, "az2", "q-2", project);
        var over = await Mine(HttpMethod.Post, "volumes", """{"volume": {"size": 1, "availability_zone": "az1"}}""");
        Assert.Equal("VolumeLimitExceeded: Maximum number of volumes allowed (2) exceeded for quota 'volumes'.", over.AssertError(HttpStatusCode.RequestEntityTooLarge, "overLimit"));
        var usage = (await Mine(HttpMethod.Get, $"os-quota-sets/{project}?usage=true")).Json.GetProperty("quota_set");
        Assert.Equal(2, usage.GetProperty("volumes").GetProperty("in_use").GetInt32());
        Assert.Equal(2, usage.GetProperty("gigabytes").GetProperty("in_use").GetInt32());
        Assert.Contains("existing resources", (await SetQuota("""{"quota_set": {"volumes": 1}}""")).AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);

        // Gigabytes: a snapshot counts its volume's size; an extension its growth.
        (await SetQuota("""{"quota_set": {"volumes": 5}}""")).AssertOk();
        Assert.Equal(
            "VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota. Requested 3G, quota is 4G and 2G has been consumed.",
            (await Mine(HttpMethod.Post, "volumes", """{"volume": {"size": 3, "availability_zone": "az2"}}""")).AssertError(HttpStatusCode.RequestEntityTooLarge, "overLimit"));
        await WaitAsync("volumes/" + one, "volume", "available", token, project);
        var snap = await Mine(HttpMethod.Post, "snapshots", JsonSerializer.Serialize(new { snapshot = new { volume_id = one, name = "q-snap" } }));
        Assert.True(snap.Status == HttpStatusCode.Accepted, snap.Text);
        var snapId = snap.Json.GetProperty("snapshot").GetProperty("id").GetString()!;
        Assert.StartsWith("SnapshotLimitExceeded", (await Mine(HttpMethod.Post, "snapshots", JsonSerializer.Serialize(new { snapshot = new { volume_id = one } }))).AssertError(HttpStatusCode.RequestEntityTooLarge, "overLimit"), StringComparison.Ordinal);
        await WaitAsync("volumes/" + two, "volume", "available", token, project);
        Assert.StartsWith("VolumeSizeExceedsAvailableQuota", (await Mine(HttpMethod.Post, $"volumes/{two}/action", """{"os-extend": {"new_size": 3}}""")).AssertError(HttpStatusCode.RequestEntityTooLarge, "overLimit"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, (await Mine(HttpMethod.Post, $"volumes/{two}/action", """{"os-extend": {"new_size": 2}}""")).Status);
        usage = (await Mine(HttpMethod.Get, $"os-quota-sets/{project}?usage=True")).Json.GetProperty("quota_set");
        Assert.Equal(4, usage.GetProperty("gigabytes").GetProperty("in_use").GetInt32());
        Assert.Equal(1, usage.GetProperty("snapshots").GetProperty("in_use").GetInt32());

        // The largest volume allowed.
        (await SetQuota("""{"quota_set": {"gigabytes": -1, "per_volume_gigabytes": 1}}""")).AssertOk();
        Assert.Equal("VolumeSizeExceedsLimit: Requested volume size 2G is larger than maximum allowed limit 1G.", (await Mine(HttpMethod.Post, "volumes", """{"volume": {"size": 2}}""")).AssertError(HttpStatusCode.RequestEntityTooLarge, "overLimit"));

        // limits is the same central view.
        var absolute = (await Mine(HttpMethod.Get, "limits")).Json.GetProperty("limits").GetProperty("absolute");
        Assert.Equal(5, absolute.GetProperty("maxTotalVolumes").GetInt32());
        Assert.Equal(2, absolute.GetProperty("totalVolumesUsed").GetInt32());
        Assert.Equal(1, absolute.GetProperty("totalSnapshotsUsed").GetInt32());

        // Deleting gives the quota back.
        await WaitAsync("snapshots/" + snapId, "snapshot", "available", token, project);
        Assert.Equal(HttpStatusCode.Accepted, (await Mine(HttpMethod.Delete, "snapshots/" + snapId)).Status);
        await WaitAsync("volumes/" + two, "volume", "available", token, project);
        Assert.Equal(HttpStatusCode.Accepted, (await Mine(HttpMethod.Delete, "volumes/" + two)).Status);
        usage = (await Mine(HttpMethod.Get, $"os-quota-sets/{project}?usage=True")).Json.GetProperty("quota_set");
        Assert.Equal(1, usage.GetProperty("volumes").GetProperty("in_use").GetInt32());
        Assert.Equal(1, usage.GetProperty("gigabytes").GetProperty("in_use").GetInt32());
        Assert.Equal(0, usage.GetProperty("snapshots").GetProperty("in_use").GetInt32());
    }

    [Fact]
    public async Task Sizes_BeyondCindersMaximum_Are400_AndAnExtensionThePodRefuses_GivesItsGrowthBack()
    {
        var (token, project) = gateway.NewTenant("vsize");
        Task<ApiResponse> Mine(HttpMethod method, string path, string? json = null) => gateway.VolumeAsync(method, path, token, json, project: project);
        async Task<int> GigabytesInUseAsync()
        {
            var shown = await Mine(HttpMethod.Get, $"os-quota-sets/{project}?usage=True");
            shown.AssertOk();
            return shown.Json.GetProperty("quota_set").GetProperty("gigabytes").GetProperty("in_use").GetInt32();
        }

        // Before: 9223372036854775807 went to the pod, and the project's quota calls failed with an overflow while it was pending.
        foreach (var size in new[] { "9223372036854775807", "2147483648", "\"99999999999999999999\"" })
        {
            var message = (await Mine(HttpMethod.Post, "volumes", "{\"volume\": {\"size\": " + size + ", \"availability_zone\": \"az1\"}}")).AssertError(HttpStatusCode.BadRequest, "badRequest");
            Assert.Contains("size", message, StringComparison.Ordinal);
            Assert.Equal(0, await GigabytesInUseAsync());
        }

        var volume = await CreateAsync(token, "az1", "sized", project);
        await WaitAsync("volumes/" + volume, "volume", "available", token, project);
        Assert.Contains("2147483647", (await Mine(HttpMethod.Post, $"volumes/{volume}/action", """{"os-extend": {"new_size": 9223372036854775807}}""")).AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        Assert.Equal(1, await GigabytesInUseAsync());

        // The pod refuses to extend a volume in error: the 2 GiB counted before forwarding are given back.
        var reset = await gateway.VolumeAsync(HttpMethod.Post, $"volumes/{volume}/action", gateway.AdminToken, """{"os-reset_status": {"status": "error"}}""");
        Assert.True(reset.Status == HttpStatusCode.Accepted, reset.Text);
        Assert.Contains("status", (await Mine(HttpMethod.Post, $"volumes/{volume}/action", """{"os-extend": {"new_size": 3}}""")).AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        Assert.Equal(1, await GigabytesInUseAsync());
    }

    [Fact]
    public async Task Quota_ParallelCreatesOverBothPods_NeverExceedIt_AndPerTypeQuotasCount()
    {
        var (token, project) = gateway.NewTenant("vq");
        (await gateway.VolumeAsync(HttpMethod.Put, $"os-quota-sets/{project}", gateway.AdminToken, """{"quota_set": {"volumes": 3}}""")).AssertOk();
        var creates = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            gateway.VolumeAsync(HttpMethod.Post, "volumes", token, JsonSerializer.Serialize(new { volume = new { size = 1, availability_zone = i % 2 == 0 ? "az1" : "az2" } }), project: project)));
        Assert.Equal(3, creates.Count(c => c.Status == HttpStatusCode.Accepted));
        Assert.All(creates.Where(c => c.Status != HttpStatusCode.Accepted), c => Assert.StartsWith("VolumeLimitExceeded", c.AssertError(HttpStatusCode.RequestEntityTooLarge, "overLimit"), StringComparison.Ordinal));

        // A central type's own quota, shown and enforced by its name.
        var name = "qt-" + Guid.NewGuid().ToString("N")[..8];
        (await gateway.VolumeAsync(HttpMethod.Post, "types", gateway.AdminToken, JsonSerializer.Serialize(new { volume_type = new { name } }))).AssertOk();
        (await gateway.VolumeAsync(HttpMethod.Put, $"os-quota-sets/{project}", gateway.AdminToken, $$$"""{"quota_set": {"volumes": 10, "volumes_{{{name}}}": 1}}""")).AssertOk();
        var set = (await gateway.VolumeAsync(HttpMethod.Get, $"os-quota-sets/{project}", token, project: project)).Json.GetProperty("quota_set");
        Assert.Equal(1, set.GetProperty("volumes_" + name).GetInt32());
        Assert.Equal(-1, set.GetProperty("gigabytes_" + name).GetInt32());
        var typed = JsonSerializer.Serialize(new { volume = new { size = 1, volume_type = name } });
        Assert.Equal(HttpStatusCode.Accepted, (await gateway.VolumeAsync(HttpMethod.Post, "volumes", token, typed, project: project)).Status);
        Assert.Equal(
            $"VolumeLimitExceeded: Maximum number of volumes allowed (1) exceeded for quota 'volumes_{name}'.",
            (await gateway.VolumeAsync(HttpMethod.Post, "volumes", token, typed, project: project)).AssertError(HttpStatusCode.RequestEntityTooLarge, "overLimit"));
        Assert.Equal(4, (await gateway.VolumeAsync(HttpMethod.Get, $"os-quota-sets/{project}?usage=True", token, project: project)).Json.GetProperty("quota_set").GetProperty("volumes").GetProperty("in_use").GetInt32());
    }

    [Fact]
    public async Task FromImage_InAPodWithItsOwnGlance_CopiesTheCentralImageThereFirst()
    {
        // The sandbox's central images are RegionOne's; RegionTwo's Glance has only its own cirros (another id).
        var image = await gateway.CirrosAsync("RegionOne");

        var created = await gateway.VolumeAsync(HttpMethod.Post, "volumes", gateway.DemoToken, JsonSerializer.Serialize(new { volume = new { size = 1, name = "from-image", imageRef = image, availability_zone = "az2" } }));
        Assert.True(created.Status == HttpStatusCode.Accepted, created.Text);
        var id = created.Json.GetProperty("volume").GetProperty("id").GetString()!;
        (await gateway.SendAsync(new Uri(gateway.Region("RegionTwo").ImageUrl, "v2/images/" + image), HttpMethod.Get, gateway.AdminToken)).AssertOk();
        var podId = (await gateway.SendAsync(new Uri(gateway.AdminUrl + "/pods?region_name=RegionTwo"), HttpMethod.Get, gateway.AdminToken)).Json.GetProperty("pods")[0].GetProperty("pod_id").GetString();
        var routings = await gateway.SendAsync(new Uri(gateway.AdminUrl + $"/routings?top_id={image}&all_projects=true"), HttpMethod.Get, gateway.AdminToken);
        var copy = routings.Json.GetProperty("routings").EnumerateArray().Single(r => r.GetProperty("pod_id").GetString() == podId && r.GetProperty("resource_type").GetString() == "image");
        var bottomId = copy.GetProperty("bottom_id").GetString()!;

        // The pod's Cinder made the volume from RegionTwo's copy.
        await WaitAsync("volumes/" + id, "volume", "available");
        var shown = (await gateway.VolumeAsync(HttpMethod.Get, "volumes/" + id, gateway.DemoToken)).Json.GetProperty("volume");
        Assert.Equal(bottomId, shown.GetProperty("volume_image_metadata").GetProperty("image_id").GetString());
        Assert.Equal(image, bottomId); // the copy keeps the central id

        // An image in neither Glance is the pod's 400.
        (await gateway.VolumeAsync(HttpMethod.Post, "volumes", gateway.DemoToken, JsonSerializer.Serialize(new { volume = new { size = 1, imageRef = Guid.NewGuid(), availability_zone = "az2" } })))
            .AssertError(HttpStatusCode.BadRequest, "badRequest");
    }

    [Fact]
    public async Task PodDown_ListAnswersWithPlaceholders_AndShowIs503NamingThePod()
    {
        var id = await CreateAsync(gateway.OtherToken, "az2", "stranded");
        var region = gateway.Region("RegionTwo");
        await region.Faults.SetDownAsync(true);
        try
        {
            var list = await gateway.VolumeAsync(HttpMethod.Get, "volumes/detail", gateway.OtherToken);
            list.AssertOk();
            var placeholder = list.Json.GetProperty("volumes").EnumerateArray().Single(v => v.GetProperty("id").GetString() == id);
            Assert.Equal("unknown", placeholder.GetProperty("status").GetString());
            Assert.Equal("az2", placeholder.GetProperty("availability_zone").GetString());
            Assert.Contains("RegionTwo", (await gateway.VolumeAsync(HttpMethod.Get, "volumes/" + id, gateway.OtherToken)).AssertError(HttpStatusCode.ServiceUnavailable, "serviceUnavailable"), StringComparison.Ordinal);
        }
        finally
        {
            await gateway.BringBackAsync("RegionTwo");
        }
    }

    private async Task<string> CreateAsync(string token, string az, string name, string? project = null, int size = 1)
    {
        var created = await gateway.VolumeAsync(HttpMethod.Post, "volumes", token, JsonSerializer.Serialize(new { volume = new { size, name, availability_zone = az } }), project: project);
        Assert.True(created.Status == HttpStatusCode.Accepted, created.Text);
        Assert.Equal(az, created.Json.GetProperty("volume").GetProperty("availability_zone").GetString());
        return created.Json.GetProperty("volume").GetProperty("id").GetString()!;
    }

    private async Task WaitAsync(string path, string key, string status, string? token = null, string? project = null)
    {
        for (var i = 0; i < 100; i++)
        {
            var shown = await gateway.VolumeAsync(HttpMethod.Get, path, token ?? gateway.DemoToken, project: project);
            if (shown.Json.GetProperty(key).GetProperty("status").GetString() == status)
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"{path} never reached {status}");
    }

    private async Task WaitGoneFromPodAsync(string region, string id)
    {
        for (var i = 0; i < 100 && gateway.Region(region).Inspect("volumes").ToJsonString().Contains(id, StringComparison.Ordinal); i++)
        {
            await Task.Delay(50);
        }
    }
}

public sealed class VolumesApiSqliteTests(SqliteGatewayFixture gateway) : VolumesApiTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class VolumesApiPostgresTests(PostgresGatewayFixture gateway) : VolumesApiTests(gateway), IClassFixture<PostgresGatewayFixture>;
