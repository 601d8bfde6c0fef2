using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Tricircle.Emulator.Identity;

namespace Tricircle.Emulator.Regions.Volume;

/// <summary>The emulated Cinder's backups on a controlled clock: statuses as Zed's backup API sets them, and its refusals.</summary>
public sealed class CinderBackupTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 10, 0, 0, TimeSpan.Zero));
    private readonly HttpClient _http = new();
    private KeystoneEmulator _keystone = null!;
    private RegionEmulator _region = null!;
    private string _admin = "";
    private string _projectId = "";
    private string _demo = "";
    private string _demoProjectId = "";

    public async Task InitializeAsync()
    {
        _keystone = await KeystoneEmulator.StartAsync(new KeystoneEmulatorOptions { Port = 0 });
        _region = await RegionEmulator.StartAsync(_keystone, new RegionEmulatorOptions { Name = "RegionB", TimeProvider = _time, VolumeCreateDelay = TimeSpan.FromSeconds(5) });
        var admin = _keystone.IssueToken("admin", "password", "admin");
        (_admin, _projectId) = (admin.Id, admin.ProjectId!);
        var demoProject = _keystone.AddProject("demo");
        _keystone.Grant(_keystone.AddUser("demo", "demo-secret", defaultProjectId: demoProject), demoProject, "member");
        var demo = _keystone.IssueToken("demo", "demo-secret", "demo");
        (_demo, _demoProjectId) = (demo.Id, demo.ProjectId!);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _region.DisposeAsync();
        await _keystone.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, JsonNode? body = null, string? version = null, string? token = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(_region.VolumeUrl, $"v3/{(token is null ? _projectId : _demoProjectId)}/{path.TrimStart('/')}"));
        request.Headers.Add("X-Auth-Token", token ?? _admin);
        if (version is not null)
        {
            request.Headers.Add("OpenStack-API-Version", "volume " + version);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null);
    }

    private async Task<string> StatusAsync(string collection, string id) =>
        (await SendAsync(HttpMethod.Get, $"{collection}s/{id}")).Body![collection]!["status"]!.GetValue<string>();

    private async Task<string> AvailableVolumeAsync(int size = 1)
    {
        var (_, body) = await SendAsync(HttpMethod.Post, "volumes", new JsonObject { ["volume"] = new JsonObject { ["size"] = size } });
        _time.Advance(TimeSpan.FromSeconds(6));
        return body!["volume"]!["id"]!.GetValue<string>();
    }

    private async Task<string> BackupAsync(string volumeId, bool incremental = false, bool wait = true)
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "backups", new JsonObject { ["backup"] = new JsonObject { ["volume_id"] = volumeId, ["incremental"] = incremental } });
        Assert.Equal(HttpStatusCode.Accepted, status);
        if (wait)
        {
            _time.Advance(TimeSpan.FromSeconds(6));
        }

        return body!["backup"]!["id"]!.GetValue<string>();
    }

    [Fact]
    public async Task Create_VolumeIsBackingUp_UntilTheBackupIsAvailable_AndTheViewsAreCinders()
    {
        var volume = await AvailableVolumeAsync(2);
        var (status, body) = await SendAsync(HttpMethod.Post, "backups", new JsonObject { ["backup"] = new JsonObject { ["volume_id"] = volume, ["name"] = "b1", ["metadata"] = new JsonObject { ["k"] = "v" } } }, "3.43");
        Assert.Equal(HttpStatusCode.Accepted, status);
        var summary = body!["backup"]!.AsObject();
        Assert.Equal(["id", "name", "links"], summary.Select(p => p.Key));
        var id = summary["id"]!.GetValue<string>();
        Assert.Equal("creating", await StatusAsync("backup", id));
        Assert.Equal("backing-up", await StatusAsync("volume", volume));

        _time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal("available", await StatusAsync("volume", volume));
        var shown = (await SendAsync(HttpMethod.Get, "backups/" + id, version: "3.56")).Body!["backup"]!;
        Assert.Equal("available", shown["status"]!.GetValue<string>());
        Assert.Equal(2, shown["size"]!.GetValue<int>());
        Assert.Equal(volume, shown["volume_id"]!.GetValue<string>());
        Assert.False(shown["is_incremental"]!.GetValue<bool>());
        Assert.Equal("v", shown["metadata"]!["k"]!.GetValue<string>());
        Assert.Equal(_projectId, shown["os-backup-project-attr:project_id"]!.GetValue<string>());
        Assert.Null((await SendAsync(HttpMethod.Get, "backups/" + id)).Body!["backup"]!["metadata"]); // 3.43's

        var listed = (await SendAsync(HttpMethod.Get, "backups?with_count=true", version: "3.45")).Body!;
        Assert.Equal(1, listed["count"]!.GetValue<int>());
        Assert.Equal(["id", "name", "links"], listed["backups"]![0]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public async Task Create_Refusals_AreCinders()
    {
        var volume = await AvailableVolumeAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(HttpMethod.Post, $"volumes/{volume}/action", new JsonObject { ["os-reset_status"] = new JsonObject { ["status"] = "in-use" } })).Status);
        var (status, body) = await SendAsync(HttpMethod.Post, "backups", new JsonObject { ["backup"] = new JsonObject { ["volume_id"] = volume } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("Invalid volume: Backing up an in-use volume must use the force flag.", body!["badRequest"]!["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(HttpMethod.Post, "backups", new JsonObject { ["backup"] = new JsonObject { ["volume_id"] = volume, ["force"] = true } })).Status);
        Assert.Equal("backing-up", await StatusAsync("volume", volume));
        (status, body) = await SendAsync(HttpMethod.Post, "backups", new JsonObject { ["backup"] = new JsonObject { ["volume_id"] = volume, ["force"] = true } });
        Assert.Equal("Invalid volume: Volume to be backed up must be available or in-use, but the current status is \"backing-up\".", body!["badRequest"]!["message"]!.GetValue<string>());
        _time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal("in-use", await StatusAsync("volume", volume)); // back to what it was

        var other = await AvailableVolumeAsync();
        (status, body) = await SendAsync(HttpMethod.Post, "backups", new JsonObject { ["backup"] = new JsonObject { ["volume_id"] = other, ["incremental"] = true } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("Invalid backup: No backups available to do an incremental backup.", body!["badRequest"]!["message"]!.GetValue<string>());

        var unknown = Guid.NewGuid().ToString();
        (status, body) = await SendAsync(HttpMethod.Post, "backups", new JsonObject { ["backup"] = new JsonObject { ["volume_id"] = unknown } });
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal($"Volume {unknown} could not be found.", body!["itemNotFound"]!["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Post, "backups", new JsonObject { ["backup"] = new JsonObject { ["volume_id"] = "x" } })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Post, "backups", new JsonObject { ["backup"] = new JsonObject { ["name"] = "no volume" } })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Post, "backups", new JsonObject { ["backup"] = new JsonObject { ["volume_id"] = other, ["metadata"] = new JsonObject() } })).Status); // 3.43's
        (status, body) = await SendAsync(HttpMethod.Get, "backups/" + unknown);
        Assert.Equal($"Backup {unknown} could not be found.", body!["itemNotFound"]!["message"]!.GetValue<string>());

        // Another project's backup is not found.
        var backup = await BackupAsync(other);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, "backups/" + backup, token: _demo)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Delete, "backups/" + backup, token: _demo)).Status);
    }

    [Fact]
    public async Task Delete_OfABackupWithAnIncrementalOne_Is400_ThenInOrder()
    {
        var volume = await AvailableVolumeAsync();
        var full = await BackupAsync(volume);
        var incremental = await BackupAsync(volume, incremental: true);
        var shown = (await SendAsync(HttpMethod.Get, "backups/" + full)).Body!["backup"]!;
        Assert.True(shown["has_dependent_backups"]!.GetValue<bool>());
        Assert.True((await SendAsync(HttpMethod.Get, "backups/" + incremental)).Body!["backup"]!["is_incremental"]!.GetValue<bool>());

        var (status, body) = await SendAsync(HttpMethod.Delete, "backups/" + full);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("Invalid backup: Incremental backups exist for this backup.", body!["badRequest"]!["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(HttpMethod.Delete, "backups/" + incremental)).Status);
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(HttpMethod.Delete, "backups/" + full)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, "backups/" + full)).Status);

        // A backup still being made is deleted only by force, which is an admin's.
        var busy = await BackupAsync(volume, wait: false);
        Assert.Equal("Invalid backup: Backup status must be available or error", (await SendAsync(HttpMethod.Delete, "backups/" + busy)).Body!["badRequest"]!["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(HttpMethod.Post, $"backups/{busy}/action", new JsonObject { ["os-force_delete"] = new JsonObject() })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, "backups/" + busy)).Status);
    }

    [Fact]
    public async Task Restore_IntoAnExistingVolume_AndIntoANewOne_RestoringThenAvailable()
    {
        var volume = await AvailableVolumeAsync(2);
        var backup = await BackupAsync(volume);
        var small = await AvailableVolumeAsync(1);
        var (status, body) = await SendAsync(HttpMethod.Post, $"backups/{backup}/restore", new JsonObject { ["restore"] = new JsonObject { ["volume_id"] = small } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("Invalid volume: volume size 1 is too small to restore backup of size 2.", body!["badRequest"]!["message"]!.GetValue<string>());

        var target = await AvailableVolumeAsync(3);
        (status, body) = await SendAsync(HttpMethod.Post, $"backups/{backup}/restore", new JsonObject { ["restore"] = new JsonObject { ["volume_id"] = target } });
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal(target, body!["restore"]!["volume_id"]!.GetValue<string>());
        Assert.Equal("restoring-backup", await StatusAsync("volume", target));
        Assert.Equal("restoring", await StatusAsync("backup", backup));
        Assert.Equal("Invalid backup: Backup status must be available", (await SendAsync(HttpMethod.Post, $"backups/{backup}/restore", new JsonObject { ["restore"] = null })).Body!["badRequest"]!["message"]!.GetValue<string>());
        _time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal("available", await StatusAsync("volume", target));
        Assert.Equal("available", await StatusAsync("backup", backup));

        (status, body) = await SendAsync(HttpMethod.Post, $"backups/{backup}/restore", new JsonObject { ["restore"] = null });
        Assert.Equal(HttpStatusCode.Accepted, status);
        var made = body!["restore"]!["volume_id"]!.GetValue<string>();
        Assert.Equal($"restore_backup_{backup}", body["restore"]!["volume_name"]!.GetValue<string>());
        var volumeShown = (await SendAsync(HttpMethod.Get, "volumes/" + made)).Body!["volume"]!;
        Assert.Equal("restoring-backup", volumeShown["status"]!.GetValue<string>());
        Assert.Equal(2, volumeShown["size"]!.GetValue<int>());
        Assert.Equal("auto-created_from_restore_from_backup", volumeShown["description"]!.GetValue<string>());
    }

    [Fact]
    public async Task WithoutABackupService_CreateGoesToError_AndRestoreDeleteResetAre404NamingTheService()
    {
        var volume = await AvailableVolumeAsync(1);
        var backup = await BackupAsync(volume);
        _region.Faults.NoBackupService = true;
        var failed = await BackupAsync(volume, wait: false);
        var shown = (await SendAsync(HttpMethod.Get, "backups/" + failed)).Body!["backup"]!;
        Assert.Equal("error", shown["status"]!.GetValue<string>());
        Assert.Equal("Service not found for creating backup.", shown["fail_reason"]!.GetValue<string>());
        Assert.Equal("available", await StatusAsync("volume", volume));

        var volumesBefore = (await SendAsync(HttpMethod.Get, "volumes")).Body!["volumes"]!.AsArray().Count;
        foreach (var (method, path, body) in new (HttpMethod, string, JsonNode?)[]
        {
            (HttpMethod.Delete, "backups/" + backup, null),
            (HttpMethod.Post, $"backups/{backup}/restore", new JsonObject { ["restore"] = null }),
            (HttpMethod.Post, $"backups/{backup}/action", new JsonObject { ["os-reset_status"] = new JsonObject { ["status"] = "error" } }),
        })
        {
            var (status, answer) = await SendAsync(method, path, body);
            Assert.Equal(HttpStatusCode.NotFound, status);
            Assert.Equal("Service cinder-backup could not be found.", answer!["itemNotFound"]!["message"]!.GetValue<string>());
        }

        // As in Zed, the restore had made its new volume before it looked for the service.
        Assert.Equal(volumesBefore + 1, (await SendAsync(HttpMethod.Get, "volumes")).Body!["volumes"]!.AsArray().Count);
        Assert.Equal("available", await StatusAsync("backup", backup));
    }

    [Fact]
    public async Task UpdateIs39s_ResetStatusIsAnAdmins_AndAVolumeFromABackupTakesItsSize()
    {
        var volume = await AvailableVolumeAsync(2);
        var backup = await BackupAsync(volume);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Put, "backups/" + backup, new JsonObject { ["backup"] = new JsonObject { ["name"] = "n" } })).Status);
        var (status, body) = await SendAsync(HttpMethod.Put, "backups/" + backup, new JsonObject { ["backup"] = new JsonObject { ["name"] = "renamed", ["description"] = "d" } }, "3.9");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("renamed", body!["backup"]!["name"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Put, "backups/" + backup, new JsonObject { ["backup"] = new JsonObject { ["metadata"] = new JsonObject() } }, "3.9")).Status);

        (status, body) = await SendAsync(HttpMethod.Post, $"backups/{backup}/action", new JsonObject { ["os-reset_status"] = new JsonObject { ["status"] = "creating" } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("Backup status: creating is invalid, valid statuses are: ['available', 'error'].", body!["badRequest"]!["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(HttpMethod.Post, $"backups/{backup}/action", new JsonObject { ["os-reset_status"] = new JsonObject { ["status"] = "ERROR" } })).Status);
        Assert.Equal("error", await StatusAsync("backup", backup));
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(HttpMethod.Post, $"backups/{backup}/action", new JsonObject { ["os-reset_status"] = new JsonObject { ["status"] = "available" } })).Status);

        (status, body) = await SendAsync(HttpMethod.Post, "volumes", new JsonObject { ["volume"] = new JsonObject { ["backup_id"] = backup } }, "3.47");
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal(2, body!["volume"]!["size"]!.GetValue<int>());
    }
}
