using System.Net;
using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Volume;

/// <summary>Cinder backups through the gateway over two emulated pods: made, listed, restored and deleted where their volume lives.</summary>
public abstract class BackupsApiTests(GatewayFixture gateway)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Create_MakesTheBackupInTheVolumesPod_AndShowsItThere()
    {
        var (token, project) = gateway.NewTenant("bk");
        var volume = await VolumeAsync(token, project, "az2", "backed", size: 2);
        var created = await Send(token, project, HttpMethod.Post, "backups", Body(new { backup = new { volume_id = volume, name = "b-az2", description = "first" } }));
        Assert.True(created.Status == HttpStatusCode.Accepted, created.Text);
        var summary = created.Json.GetProperty("backup");
        Assert.Equal(["id", "name", "links"], summary.EnumerateObject().Select(p => p.Name));
        var id = summary.GetProperty("id").GetString()!;
        Assert.StartsWith(gateway.VolumeUrl.GetLeftPart(UriPartial.Authority), summary.GetProperty("links")[0].GetProperty("href").GetString()!, StringComparison.Ordinal);

        // The pod's own Cinder holds it, of that volume; the other pod knows nothing of it.
        var inPod = gateway.Region("RegionTwo").Inspect("backups").Single(b => b!["id"]!.ToString() == id)!;
        Assert.Equal(volume, inPod["volume_id"]!.ToString());
        Assert.Equal(project, inPod["os-backup-project-attr:project_id"]!.ToString());
        Assert.DoesNotContain(id, gateway.Region("RegionOne").Inspect("backups").ToJsonString(), StringComparison.Ordinal);

        var shown = await WaitAsync(token, project, "backups/" + id, "backup", "available");
        Assert.Equal(volume, shown.GetProperty("volume_id").GetString());
        Assert.Equal(2, shown.GetProperty("size").GetInt32());
        Assert.Equal("az2", shown.GetProperty("availability_zone").GetString()); // the top AZ name, not the pod's own
        Assert.Equal("first", shown.GetProperty("description").GetString());
        await WaitAsync(token, project, "volumes/" + volume, "volume", "available"); // no longer backing-up

        // An unknown volume is Cinder's 404; a bad body its 400, before anything is looked up.
        var unknown = Guid.NewGuid().ToString();
        Assert.Equal($"Volume {unknown} could not be found.", (await Send(token, project, HttpMethod.Post, "backups", Body(new { backup = new { volume_id = unknown } }))).AssertError(HttpStatusCode.NotFound, "itemNotFound"));
        Assert.Contains("volume_id", (await Send(token, project, HttpMethod.Post, "backups", Body(new { backup = new { name = "x" } }))).AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        (await Send(token, project, HttpMethod.Post, "backups", Body(new { backup = new { volume_id = volume, metadata = new { k = "v" } } }))).AssertError(HttpStatusCode.BadRequest, "badRequest"); // 3.43's
        Assert.Equal($"Backup {unknown} could not be found.", (await Send(token, project, HttpMethod.Get, "backups/" + unknown)).AssertError(HttpStatusCode.NotFound, "itemNotFound"));

        // 3.43 metadata and 3.9 update go to the pod.
        var tagged = await gateway.VolumeAsync(HttpMethod.Post, "backups", token, Body(new { backup = new { volume_id = volume, metadata = new { k = "v" } } }), "3.43", project);
        Assert.True(tagged.Status == HttpStatusCode.Accepted, tagged.Text);
        var taggedId = tagged.Json.GetProperty("backup").GetProperty("id").GetString()!;
        Assert.Equal("v", gateway.Region("RegionTwo").Inspect("backups").Single(b => b!["id"]!.ToString() == taggedId)!["metadata"]!["k"]!.ToString());
        (await gateway.VolumeAsync(HttpMethod.Put, "backups/" + id, token, """{"backup": {"name": "renamed"}}""", project: project)).AssertError(HttpStatusCode.NotFound, "itemNotFound"); // before 3.9
        var renamed = await gateway.VolumeAsync(HttpMethod.Put, "backups/" + id, token, """{"backup": {"name": "renamed"}}""", "3.9", project);
        renamed.AssertOk();
        Assert.Equal("renamed", gateway.Region("RegionTwo").Inspect("backups").Single(b => b!["id"]!.ToString() == id)!["name"]!.ToString());
        (await gateway.VolumeAsync(HttpMethod.Put, "backups/" + id, token, """{"backup": {"bogus": 1}}""", "3.9", project)).AssertError(HttpStatusCode.BadRequest, "badRequest");
    }

    [Fact]
    public async Task List_MergesBothPods_NewestFirst_PagesWithBackupsLinks_AndCounts()
    {
        var (token, project) = gateway.NewTenant("bk");
        var one = await VolumeAsync(token, project, "az1", "list-1");
        var two = await VolumeAsync(token, project, "az2", "list-2");
        var ids = new List<string>
        {
            await BackupAsync(token, project, one, "list-a"),
            await BackupAsync(token, project, two, "list-b"),
            await BackupAsync(token, project, one, "list-c", incremental: true),
        };

        var all = await Send(token, project, HttpMethod.Get, "backups/detail");
        all.AssertOk();
        var listed = all.Json.GetProperty("backups").EnumerateArray().ToList();
        Assert.Equal(ids.Order(), listed.Select(b => b.GetProperty("id").GetString()!).Order());
        var created = listed.Select(b => b.GetProperty("created_at").GetString()!).ToList();
        Assert.Equal(created.OrderByDescending(c => c, StringComparer.Ordinal), created);
        Assert.Equal(["az1", "az1", "az2"], listed.Select(b => b.GetProperty("availability_zone").GetString()).Order());

        var brief = await Send(token, project, HttpMethod.Get, "backups");
        Assert.All(brief.Json.GetProperty("backups").EnumerateArray(), b => Assert.Equal(["id", "name", "links"], b.EnumerateObject().Select(p => p.Name)));

        // One at a time, following the marker: the same order, a next link on every full page (Cinder's rule: the last one too).
        var paged = new List<string>();
        string? marker = null;
        for (var i = 0; i <= ids.Count; i++)
        {
            var page = await Send(token, project, HttpMethod.Get, "backups/detail?limit=1" + (marker is null ? "" : "&marker=" + marker));
            page.AssertOk();
            var items = page.Json.GetProperty("backups").EnumerateArray().ToList();
            if (items.Count == 0)
            {
                break;
            }

            paged.Add(marker = items[0].GetProperty("id").GetString()!);
            var hasNext = page.Json.TryGetProperty("backups_links", out var links);
            Assert.True(hasNext, $"page {paged.Count}: {page.Text}");
            Assert.Contains("marker=" + marker, links[0].GetProperty("href").GetString()!, StringComparison.Ordinal);
        }

        Assert.Equal(listed.Select(b => b.GetProperty("id").GetString()), paged);

        // Filters go to the pods; sorting is merged; 3.45 counts across pods.
        var ofOne = await Send(token, project, HttpMethod.Get, $"backups?volume_id={one}");
        Assert.Equal(2, ofOne.Json.GetProperty("backups").GetArrayLength());
        var byName = await Send(token, project, HttpMethod.Get, "backups/detail?sort=name:asc");
        Assert.Equal(["list-a", "list-b", "list-c"], byName.Json.GetProperty("backups").EnumerateArray().Select(b => b.GetProperty("name").GetString()));
        var counted = await gateway.VolumeAsync(HttpMethod.Get, "backups?with_count=true&limit=1", token, microversion: "3.45", project: project);
        counted.AssertOk();
        Assert.Equal(3, counted.Json.GetProperty("count").GetInt32());
        Assert.Equal(1, counted.Json.GetProperty("backups").GetArrayLength());
        Assert.True(counted.Json.TryGetProperty("backups_links", out _), counted.Text);
        var lastCounted = await gateway.VolumeAsync(HttpMethod.Get, "backups?with_count=true&limit=2&marker=" + paged[1], token, microversion: "3.45", project: project);
        Assert.Equal(1, lastCounted.Json.GetProperty("backups").GetArrayLength());
        Assert.True(lastCounted.Json.TryGetProperty("backups_links", out _), "with a count, Cinder judges the page by it (2 <= 3): " + lastCounted.Text);
        Assert.Equal(2, (await gateway.VolumeAsync(HttpMethod.Get, $"backups?with_count=true&volume_id={one}", token, microversion: "3.45", project: project)).Json.GetProperty("count").GetInt32());

        // An admin sees them with all_tenants, a member only its own.
        var admin = await gateway.VolumeAsync(HttpMethod.Get, "backups?all_tenants=1", gateway.AdminToken);
        Assert.Subset(admin.Json.GetProperty("backups").EnumerateArray().Select(b => b.GetProperty("id").GetString()!).ToHashSet(), ids.ToHashSet());
        Assert.DoesNotContain(ids[0], (await gateway.VolumeAsync(HttpMethod.Get, "backups/detail", gateway.OtherToken)).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restore_IntoANewVolume_MakesItInTheBackupsPod_RoutedAndCounted()
    {
        var (token, project) = gateway.NewTenant("bk");
        var volume = await VolumeAsync(token, project, "az2", "source", size: 2);
        var backup = await BackupAsync(token, project, volume, "to-restore");

        var restored = await Send(token, project, HttpMethod.Post, $"backups/{backup}/restore", """{"restore": {"name": "from-backup"}}""");
        Assert.True(restored.Status == HttpStatusCode.Accepted, restored.Text);
        Assert.Equal(backup, restored.Json.GetProperty("restore").GetProperty("backup_id").GetString());
        Assert.Equal("from-backup", restored.Json.GetProperty("restore").GetProperty("volume_name").GetString());
        var made = restored.Json.GetProperty("restore").GetProperty("volume_id").GetString()!;

        // Made in RegionTwo, where the backup is, and served by the gateway like any volume.
        var inPod = gateway.Region("RegionTwo").Inspect("volumes").Single(v => v!["id"]!.ToString() == made)!;
        Assert.Equal(2, inPod["size"]!.GetValue<int>());
        Assert.DoesNotContain(made, gateway.Region("RegionOne").Inspect("volumes").ToJsonString(), StringComparison.Ordinal);
        var shown = await WaitAsync(token, project, "volumes/" + made, "volume", "available");
        Assert.Equal("az2", shown.GetProperty("availability_zone").GetString());
        Assert.Contains(made, (await Send(token, project, HttpMethod.Get, "volumes")).Text, StringComparison.Ordinal);
        var usage = (await Send(token, project, HttpMethod.Get, $"os-quota-sets/{project}?usage=True")).Json.GetProperty("quota_set");
        Assert.Equal(2, usage.GetProperty("volumes").GetProperty("in_use").GetInt32());
        Assert.Equal(4, usage.GetProperty("gigabytes").GetProperty("in_use").GetInt32());

        // A body of null names no volume: Cinder names the new one after the backup.
        await WaitAsync(token, project, "backups/" + backup, "backup", "available");
        var unnamed = await Send(token, project, HttpMethod.Post, $"backups/{backup}/restore", """{"restore": null}""");
        Assert.True(unnamed.Status == HttpStatusCode.Accepted, unnamed.Text);
        Assert.Equal($"restore_backup_{backup}", unnamed.Json.GetProperty("restore").GetProperty("volume_name").GetString());

        // Over the volume quota: refused before the pod makes anything, in Cinder's words.
        await WaitAsync(token, project, "backups/" + backup, "backup", "available");
        (await gateway.VolumeAsync(HttpMethod.Put, $"os-quota-sets/{project}", gateway.AdminToken, """{"quota_set": {"volumes": 3}}""")).AssertOk();
        var before = gateway.Region("RegionTwo").Inspect("volumes").Count;
        Assert.StartsWith("VolumeLimitExceeded", (await Send(token, project, HttpMethod.Post, $"backups/{backup}/restore", """{"restore": {}}""")).AssertError(HttpStatusCode.RequestEntityTooLarge, "overLimit"), StringComparison.Ordinal);
        Assert.Equal(before, gateway.Region("RegionTwo").Inspect("volumes").Count);

        // A volume made from the backup (3.47) is made in its pod too.
        (await gateway.VolumeAsync(HttpMethod.Put, $"os-quota-sets/{project}", gateway.AdminToken, """{"quota_set": {"volumes": 10}}""")).AssertOk();
        var fromBackup = await gateway.VolumeAsync(HttpMethod.Post, "volumes", token, Body(new { volume = new { backup_id = backup } }), "3.47", project);
        Assert.True(fromBackup.Status == HttpStatusCode.Accepted, fromBackup.Text);
        Assert.Equal("az2", fromBackup.Json.GetProperty("volume").GetProperty("availability_zone").GetString());
        Assert.Equal(2, fromBackup.Json.GetProperty("volume").GetProperty("size").GetInt32());
    }

    [Fact]
    public async Task Restore_IntoAnExistingVolume_OfTheSamePod_AndAnotherPodsIsRefused()
    {
        var (token, project) = gateway.NewTenant("bk");
        var volume = await VolumeAsync(token, project, "az1", "source");
        var backup = await BackupAsync(token, project, volume, "b");
        var target = await VolumeAsync(token, project, "az1", "target");
        var elsewhere = await VolumeAsync(token, project, "az2", "elsewhere");

        var refused = await Send(token, project, HttpMethod.Post, $"backups/{backup}/restore", Body(new { restore = new { volume_id = elsewhere } }));
        var message = refused.AssertError(HttpStatusCode.BadRequest, "badRequest");
        Assert.Contains("RegionOne", message, StringComparison.Ordinal);
        Assert.Contains("RegionTwo", message, StringComparison.Ordinal);
        Assert.Contains("own pod", message, StringComparison.Ordinal);
        Assert.Equal("available", gateway.Region("RegionTwo").Inspect("volumes").Single(v => v!["id"]!.ToString() == elsewhere)!["status"]!.ToString());

        var restored = await Send(token, project, HttpMethod.Post, $"backups/{backup}/restore", Body(new { restore = new { volume_id = target } }));
        Assert.True(restored.Status == HttpStatusCode.Accepted, restored.Text);
        Assert.Equal(target, restored.Json.GetProperty("restore").GetProperty("volume_id").GetString());
        Assert.Equal("restoring-backup", gateway.Region("RegionOne").Inspect("volumes").Single(v => v!["id"]!.ToString() == target)!["status"]!.ToString());
        await WaitAsync(token, project, "volumes/" + target, "volume", "available");
        await WaitAsync(token, project, "backups/" + backup, "backup", "available");

        // No new volume was counted for a restore into an existing one.
        Assert.Equal(3, (await Send(token, project, HttpMethod.Get, $"os-quota-sets/{project}?usage=True")).Json.GetProperty("quota_set").GetProperty("volumes").GetProperty("in_use").GetInt32());
        Assert.Contains("could not be found", (await Send(token, project, HttpMethod.Post, $"backups/{backup}/restore", Body(new { restore = new { volume_id = Guid.NewGuid() } }))).AssertError(HttpStatusCode.NotFound, "itemNotFound"), StringComparison.Ordinal);
        (await Send(token, project, HttpMethod.Post, $"backups/{backup}/restore", """{"restore": {"volume_id": "nope"}}""")).AssertError(HttpStatusCode.BadRequest, "badRequest");
    }

    [Fact]
    public async Task Delete_RefusesABackupWithIncrementals_ThenForgetsIt_AndFreesItsQuota()
    {
        var (token, project) = gateway.NewTenant("bk");
        var volume = await VolumeAsync(token, project, "az2", "deleted", size: 3);
        var full = await BackupAsync(token, project, volume, "full");
        var incremental = await BackupAsync(token, project, volume, "incr", incremental: true);
        var usage = (await Send(token, project, HttpMethod.Get, $"os-quota-sets/{project}?usage=True")).Json.GetProperty("quota_set");
        Assert.Equal(2, usage.GetProperty("backups").GetProperty("in_use").GetInt32());
        Assert.Equal(6, usage.GetProperty("backup_gigabytes").GetProperty("in_use").GetInt32());

        Assert.Equal("Invalid backup: Incremental backups exist for this backup.", (await Send(token, project, HttpMethod.Delete, "backups/" + full)).AssertError(HttpStatusCode.BadRequest, "badRequest"));
        Assert.Contains(full, gateway.Region("RegionTwo").Inspect("backups").ToJsonString(), StringComparison.Ordinal);
        (await Send(token, project, HttpMethod.Get, "backups/" + full)).AssertOk(); // still routed

        Assert.Equal(HttpStatusCode.Accepted, (await Send(token, project, HttpMethod.Delete, "backups/" + incremental)).Status);
        Assert.Equal(HttpStatusCode.Accepted, (await Send(token, project, HttpMethod.Delete, "backups/" + full)).Status);
        Assert.DoesNotContain(full, gateway.Region("RegionTwo").Inspect("backups").ToJsonString(), StringComparison.Ordinal);
        (await Send(token, project, HttpMethod.Get, "backups/" + full)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        usage = (await Send(token, project, HttpMethod.Get, $"os-quota-sets/{project}?usage=True")).Json.GetProperty("quota_set");
        Assert.Equal(0, usage.GetProperty("backups").GetProperty("in_use").GetInt32());
        Assert.Equal(0, usage.GetProperty("backup_gigabytes").GetProperty("in_use").GetInt32());
    }

    [Fact]
    public async Task AMember_CannotSeeOrTouchAnotherProjectsBackup_AndAdminActionsAreAdmins()
    {
        var (token, project) = gateway.NewTenant("bk");
        var volume = await VolumeAsync(token, project, "az1", "private");
        var backup = await BackupAsync(token, project, volume, "private-backup");
        var (stranger, strangerProject) = gateway.NewTenant("bk");
        var mine = await VolumeAsync(stranger, strangerProject, "az1", "strangers");

        Task<ApiResponse> Stranger(HttpMethod method, string path, string? json = null, string? version = null) => gateway.VolumeAsync(method, path, stranger, json, version, strangerProject);
        var notFound = $"Backup {backup} could not be found.";
        Assert.Equal(notFound, (await Stranger(HttpMethod.Get, "backups/" + backup)).AssertError(HttpStatusCode.NotFound, "itemNotFound"));
        Assert.Equal(notFound, (await Stranger(HttpMethod.Put, "backups/" + backup, """{"backup": {"name": "mine"}}""", "3.9")).AssertError(HttpStatusCode.NotFound, "itemNotFound"));
        Assert.Equal(notFound, (await Stranger(HttpMethod.Delete, "backups/" + backup)).AssertError(HttpStatusCode.NotFound, "itemNotFound"));
        Assert.Equal(notFound, (await Stranger(HttpMethod.Post, $"backups/{backup}/restore", Body(new { restore = new { volume_id = mine } }))).AssertError(HttpStatusCode.NotFound, "itemNotFound"));
        Assert.Equal(notFound, (await Stranger(HttpMethod.Post, $"backups/{backup}/action", """{"os-reset_status": {"status": "error"}}""")).AssertError(HttpStatusCode.NotFound, "itemNotFound"));
        Assert.DoesNotContain(backup, (await Stranger(HttpMethod.Get, "backups/detail?all_tenants=1")).Text, StringComparison.Ordinal);
        Assert.Equal($"Volume {volume} could not be found.", (await Stranger(HttpMethod.Post, "backups", Body(new { backup = new { volume_id = volume } }))).AssertError(HttpStatusCode.NotFound, "itemNotFound"));
        Assert.Equal("private-backup", gateway.Region("RegionOne").Inspect("backups").Single(b => b!["id"]!.ToString() == backup)!["name"]!.ToString());

        // The owner is a member too: reset and force delete are an admin's.
        Assert.Contains("backup_admin_actions:reset_status", (await Send(token, project, HttpMethod.Post, $"backups/{backup}/action", """{"os-reset_status": {"status": "error"}}""")).AssertError(HttpStatusCode.Forbidden, "forbidden"), StringComparison.Ordinal);
        Assert.Contains("backup_admin_actions:force_delete", (await Send(token, project, HttpMethod.Post, $"backups/{backup}/action", """{"os-force_delete": {}}""")).AssertError(HttpStatusCode.Forbidden, "forbidden"), StringComparison.Ordinal);
        (await gateway.VolumeAsync(HttpMethod.Post, $"backups/{backup}/action", gateway.AdminToken, """{"os-reset_status": {"status": "creating"}}""")).AssertError(HttpStatusCode.BadRequest, "badRequest");
        Assert.Equal(HttpStatusCode.Accepted, (await gateway.VolumeAsync(HttpMethod.Post, $"backups/{backup}/action", gateway.AdminToken, """{"os-reset_status": {"status": "error"}}""")).Status);
        Assert.Equal("error", gateway.Region("RegionOne").Inspect("backups").Single(b => b!["id"]!.ToString() == backup)!["status"]!.ToString());
        Assert.Equal(HttpStatusCode.Accepted, (await gateway.VolumeAsync(HttpMethod.Post, $"backups/{backup}/action", gateway.AdminToken, """{"os-force_delete": {}}""")).Status);
        Assert.DoesNotContain(backup, gateway.Region("RegionOne").Inspect("backups").ToJsonString(), StringComparison.Ordinal);
        (await Send(token, project, HttpMethod.Get, "backups/" + backup)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        Assert.Equal(0, (await Send(token, project, HttpMethod.Get, $"os-quota-sets/{project}?usage=True")).Json.GetProperty("quota_set").GetProperty("backups").GetProperty("in_use").GetInt32());
    }

    [Fact]
    public async Task Quota_BackupsAndBackupGigabytes_AreKeptCentrally_413WhenOverAcrossPods()
    {
        var (token, project) = gateway.NewTenant("bk");
        Task<ApiResponse> SetQuota(string json) => gateway.VolumeAsync(HttpMethod.Put, $"os-quota-sets/{project}", gateway.AdminToken, json);
        var updated = await SetQuota("""{"quota_set": {"backups": 2, "backup_gigabytes": 3}}""");
        updated.AssertOk();
        Assert.Equal(2, updated.Json.GetProperty("quota_set").GetProperty("backups").GetInt32());
        Assert.Equal(3, (await Send(token, project, HttpMethod.Get, $"os-quota-sets/{project}")).Json.GetProperty("quota_set").GetProperty("backup_gigabytes").GetInt32());

        var one = await VolumeAsync(token, project, "az1", "q1");
        var two = await VolumeAsync(token, project, "az2", "q2", size: 3);
        await BackupAsync(token, project, one, "q-a");
        Assert.Equal(
            "VolumeBackupSizeExceedsAvailableQuota: Requested backup exceeds allowed Backup gigabytes quota. Requested 3G, quota is 3G and 1G has been consumed.",
            (await Send(token, project, HttpMethod.Post, "backups", Body(new { backup = new { volume_id = two } }))).AssertError(HttpStatusCode.RequestEntityTooLarge, "overLimit"));
        Assert.DoesNotContain(gateway.Region("RegionTwo").Inspect("backups"), b => b!["os-backup-project-attr:project_id"]!.ToString() == project);
        (await SetQuota("""{"quota_set": {"backup_gigabytes": -1}}""")).AssertOk();
        await BackupAsync(token, project, two, "q-b");
        Assert.Equal("BackupLimitExceeded: Maximum number of backups allowed (2) exceeded", (await Send(token, project, HttpMethod.Post, "backups", Body(new { backup = new { volume_id = one } }))).AssertError(HttpStatusCode.RequestEntityTooLarge, "overLimit"));
        Assert.Contains("existing resources", (await SetQuota("""{"quota_set": {"backups": 1}}""")).AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);

        var absolute = (await Send(token, project, HttpMethod.Get, "limits")).Json.GetProperty("limits").GetProperty("absolute");
        Assert.Equal(2, absolute.GetProperty("maxTotalBackups").GetInt32());
        Assert.Equal(2, absolute.GetProperty("totalBackupsUsed").GetInt32());
        Assert.Equal(4, absolute.GetProperty("totalBackupGigabytesUsed").GetInt32());

        Assert.Equal(HttpStatusCode.OK, (await gateway.VolumeAsync(HttpMethod.Delete, $"os-quota-sets/{project}", gateway.AdminToken)).Status);
        Assert.Equal(10, (await Send(token, project, HttpMethod.Get, $"os-quota-sets/{project}")).Json.GetProperty("quota_set").GetProperty("backups").GetInt32());
    }

    [Fact]
    public async Task APodWithoutABackupService_KeepsItsBackupsRouted_AndNewOnesGoToError()
    {
        var (token, project) = gateway.NewTenant("bk");
        var volume = await VolumeAsync(token, project, "az1", "no-service");
        var backup = await BackupAsync(token, project, volume, "kept");
        var region = gateway.Region("RegionOne");
        region.Faults.NoBackupService = true;
        try
        {
            // Zed's 404 names the service, not the backup: the backup is still there, and still routed and counted.
            Assert.Equal("Service cinder-backup could not be found.", (await Send(token, project, HttpMethod.Delete, "backups/" + backup)).AssertError(HttpStatusCode.NotFound, "itemNotFound"));
            (await Send(token, project, HttpMethod.Get, "backups/" + backup)).AssertOk();
            Assert.Equal(1, (await Send(token, project, HttpMethod.Get, $"os-quota-sets/{project}?usage=True")).Json.GetProperty("quota_set").GetProperty("backups").GetProperty("in_use").GetInt32());

            var failed = await Send(token, project, HttpMethod.Post, "backups", Body(new { backup = new { volume_id = volume } }));
            Assert.True(failed.Status == HttpStatusCode.Accepted, failed.Text);
            var shown = await WaitAsync(token, project, "backups/" + failed.Json.GetProperty("backup").GetProperty("id").GetString(), "backup", "error");
            Assert.Equal("Service not found for creating backup.", shown.GetProperty("fail_reason").GetString());
        }
        finally
        {
            region.Faults.NoBackupService = false;
        }

        Assert.Equal(HttpStatusCode.Accepted, (await Send(token, project, HttpMethod.Delete, "backups/" + backup)).Status);
        (await Send(token, project, HttpMethod.Get, "backups/" + backup)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
    }

    private static string Body(object value) => JsonSerializer.Serialize(value);

    private Task<ApiResponse> Send(string token, string project, HttpMethod method, string path, string? json = null) =>
        gateway.VolumeAsync(method, path, token, json, project: project);

    private async Task<string> VolumeAsync(string token, string project, string az, string name, int size = 1)
    {
        var created = await Send(token, project, HttpMethod.Post, "volumes", Body(new { volume = new { size, name, availability_zone = az } }));
        Assert.True(created.Status == HttpStatusCode.Accepted, created.Text);
        var id = created.Json.GetProperty("volume").GetProperty("id").GetString()!;
        await WaitAsync(token, project, "volumes/" + id, "volume", "available");
        return id;
    }

    private async Task<string> BackupAsync(string token, string project, string volume, string name, bool incremental = false)
    {
        var created = await Send(token, project, HttpMethod.Post, "backups", Body(new { backup = new { volume_id = volume, name, incremental } }));
        Assert.True(created.Status == HttpStatusCode.Accepted, created.Text);
        var id = created.Json.GetProperty("backup").GetProperty("id").GetString()!;
        await WaitAsync(token, project, "backups/" + id, "backup", "available");
        await WaitAsync(token, project, "volumes/" + volume, "volume", "available");
        return id;
    }

    private async Task<JsonElement> WaitAsync(string token, string project, string path, string key, string status)
    {
        JsonElement item = default;
        await Poll.UntilAsync(
            async () =>
            {
                var shown = await Send(token, project, HttpMethod.Get, path);
                shown.AssertOk();
                item = shown.Json.GetProperty(key).Clone();
                return item.GetProperty("status").GetString() == status;
            },
            Within,
            () => $"{path} never {status}: {item}");
        return item;
    }
}

public sealed class BackupsApiSqliteTests(SqliteGatewayFixture gateway) : BackupsApiTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class BackupsApiPostgresTests(PostgresGatewayFixture gateway) : BackupsApiTests(gateway), IClassFixture<PostgresGatewayFixture>;
