using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Tricircle.Emulator.Identity;

namespace Tricircle.Emulator.Regions.Volume;

/// <summary>Emulator-only behaviour: the clock, the in-process contract Nova uses, inspection.</summary>
public sealed class CinderStateTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero));
    private readonly HttpClient _http = new();
    private KeystoneEmulator _keystone = null!;
    private RegionEmulator _region = null!;
    private string _token = "";
    private string _projectId = "";

    public async Task InitializeAsync()
    {
        _keystone = await KeystoneEmulator.StartAsync(new KeystoneEmulatorOptions { Port = 0 });
        _region = await RegionEmulator.StartAsync(_keystone, new RegionEmulatorOptions { Name = "RegionV", TimeProvider = _time, VolumeCreateDelay = TimeSpan.FromSeconds(5) });
        var token = _keystone.IssueToken("admin", "password", "admin");
        (_token, _projectId) = (token.Id, token.ProjectId!);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _region.DisposeAsync();
        await _keystone.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> SendAsync(HttpMethod method, string path, JsonNode? body = null, string? version = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(_region.VolumeUrl, path.TrimStart('/')));
        request.Headers.Add("X-Auth-Token", _token);
        if (version is not null)
        {
            request.Headers.Add("OpenStack-API-Version", "volume " + version);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null, response);
    }

    [Fact]
    public async Task CreateVolume_StaysCreatingUntilTheDelayPasses()
    {
        var (status, body, _) = await SendAsync(HttpMethod.Post, $"/v3/{_projectId}/volumes", new JsonObject { ["volume"] = new JsonObject { ["size"] = 1 } });
        Assert.Equal(HttpStatusCode.Accepted, status);
        var id = body!["volume"]!["id"]!.GetValue<string>();
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal("creating", (await SendAsync(HttpMethod.Get, $"/v3/volumes/{id}")).Body!["volume"]!["status"]!.GetValue<string>());
        _time.Advance(TimeSpan.FromSeconds(1));
        var volume = (await SendAsync(HttpMethod.Get, $"/v3/volumes/{id}")).Body!["volume"]!;
        Assert.Equal("available", volume["status"]!.GetValue<string>());
        Assert.Equal("2026-11-22T10:00:00.000000", volume["created_at"]!.GetValue<string>());
        Assert.Equal("2026-11-22T10:00:05.000000", volume["updated_at"]!.GetValue<string>());
        Assert.Equal("available", Assert.Single(_region.Inspect("volumes"))!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Microversion_AboveMaximum_Is406_LatestIs370_GroupIdFrom313()
    {
        var (status, _, _) = await SendAsync(HttpMethod.Get, "/v3/volumes", version: "3.99");
        Assert.Equal(HttpStatusCode.NotAcceptable, status);
        var (_, _, response) = await SendAsync(HttpMethod.Get, "/v3/volumes", version: "latest");
        Assert.Equal("volume 3.70", response.Headers.GetValues("OpenStack-API-Version").Single());

        var (_, created, _) = await SendAsync(HttpMethod.Post, "/v3/volumes", new JsonObject { ["volume"] = new JsonObject { ["size"] = 1 } }, version: "3.13");
        Assert.True(created!["volume"]!.AsObject().ContainsKey("group_id"));
        var (_, old, _) = await SendAsync(HttpMethod.Get, "/v3/volumes/" + created["volume"]!["id"]!.GetValue<string>());
        Assert.False(old!["volume"]!.AsObject().ContainsKey("group_id"));
    }

    [Fact]
    public async Task ProjectInUrl_OfAnotherProject_IsRefusedForNonAdmin()
    {
        var demoProject = _keystone.AddProject("demo-v");
        var demo = _keystone.AddUser("demo-v", "secret", defaultProjectId: demoProject);
        _keystone.Grant(demo, demoProject, "member");
        _token = _keystone.IssueToken("demo-v", "secret", "demo-v").Id;
        var (status, body, _) = await SendAsync(HttpMethod.Get, $"/v3/{_projectId}/volumes");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.NotNull(body!["badRequest"]);
        (status, _, _) = await SendAsync(HttpMethod.Get, $"/v3/{demoProject}/volumes");
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task UploadToImage_CreatesActiveGlanceImage()
    {
        var (_, body, _) = await SendAsync(HttpMethod.Post, "/v3/volumes", new JsonObject { ["volume"] = new JsonObject { ["size"] = 2 } });
        var id = body!["volume"]!["id"]!.GetValue<string>();
        _time.Advance(TimeSpan.FromSeconds(5));
        var (status, upload, _) = await SendAsync(HttpMethod.Post, $"/v3/volumes/{id}/action", new JsonObject { ["os-volume_upload_image"] = new JsonObject { ["image_name"] = "from-volume", ["disk_format"] = "raw" } });
        Assert.Equal(HttpStatusCode.Accepted, status);
        var imageId = upload!["os-volume_upload_image"]!["image_id"]!.GetValue<string>();
        var image = Assert.Single(_region.Inspect("images"), i => i!["id"]!.GetValue<string>() == imageId)!;
        Assert.Equal("from-volume", image["name"]!.GetValue<string>());
        Assert.Equal("active", image["status"]!.GetValue<string>());
        Assert.Equal(2L << 30, image["size"]!.GetValue<long>());
        Assert.Equal("uploading", (await SendAsync(HttpMethod.Get, $"/v3/volumes/{id}")).Body!["volume"]!["status"]!.GetValue<string>());
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal("available", (await SendAsync(HttpMethod.Get, $"/v3/volumes/{id}")).Body!["volume"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Quota_EleventhVolume_Is413OverLimit_LimitsCountUsage()
    {
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(HttpMethod.Post, "/v3/volumes", new JsonObject { ["volume"] = new JsonObject { ["size"] = 2 } })).Status);
        }

        var (status, body, _) = await SendAsync(HttpMethod.Post, "/v3/volumes", new JsonObject { ["volume"] = new JsonObject { ["size"] = 1 } });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal(413, body!["overLimit"]!["code"]!.GetValue<int>());

        var absolute = (await SendAsync(HttpMethod.Get, "/v3/limits")).Body!["limits"]!["absolute"]!;
        Assert.Equal(10, absolute["totalVolumesUsed"]!.GetValue<int>());
        Assert.Equal(20, absolute["totalGigabytesUsed"]!.GetValue<int>());
        Assert.Equal(10, absolute["maxTotalVolumes"]!.GetValue<int>());

        var counted = (await SendAsync(HttpMethod.Get, "/v3/volumes?with_count=true&limit=3", version: "3.45")).Body!;
        Assert.Equal(10, counted["count"]!.GetValue<int>());
        Assert.Equal(3, counted["volumes"]!.AsArray().Count);
        Assert.Contains("marker=", counted["volumes_links"]![0]!["href"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_Types_HasDefaultAndLvm()
    {
        var names = _region.Inspect("types").Select(t => t!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(["__DEFAULT__", "lvmdriver-1"], names);
        Assert.Empty(_region.Inspect("snapshots"));
    }
}

/// <summary>The in-process contract the region's Nova calls.</summary>
public sealed class CinderNovaContractTests : IAsyncLifetime
{
    private KeystoneEmulator _keystone = null!;
    private RegionContext _region = null!;

    public async Task InitializeAsync()
    {
        _keystone = await KeystoneEmulator.StartAsync(new KeystoneEmulatorOptions { Port = 0 });
        _region = new RegionContext(new RegionEmulatorOptions(), _keystone);
    }

    public async Task DisposeAsync() => await _keystone.DisposeAsync();

    private string Cirros => _region.Image.Inspect("images")!.Single(i => i!["name"]!.GetValue<string>() == "cirros")!["id"]!.GetValue<string>();

    [Fact]
    public void CreateBootVolume_AttachDetachDelete_FollowsCinderStates()
    {
        var volume = _region.Volume.CreateBootVolume("p1", Cirros, 1, "boot");
        Assert.Equal("available", volume.Status);
        Assert.True(volume.Bootable);
        Assert.Equal("nova", volume.AvailabilityZone);

        var attached = _region.Volume.Attach("p1", volume.Id, "server-1", "/dev/vda", "compute-1");
        Assert.Equal("in-use", attached.Status);
        Assert.Equal(["server-1"], attached.AttachedServerIds);
        var json = _region.Volume.Inspect("volumes")!.Single()!;
        Assert.Equal("/dev/vda", json["attachments"]![0]!["device"]!.GetValue<string>());
        Assert.Equal("true", json["bootable"]!.GetValue<string>());
        Assert.Equal(Cirros, json["volume_image_metadata"]!["image_id"]!.GetValue<string>());
        Assert.Equal(32, json["volume_image_metadata"]!["checksum"]!.GetValue<string>().Length);
        Assert.Equal("qcow2", json["volume_image_metadata"]!["disk_format"]!.GetValue<string>());

        var second = Assert.Throws<OpenStackFault>(() => _region.Volume.Attach("p1", volume.Id, "server-2", "/dev/vdb", "compute-1"));
        Assert.Equal(400, second.StatusCode);
        Assert.StartsWith("Invalid volume", second.Message, StringComparison.Ordinal);
        Assert.Equal(400, Assert.Throws<OpenStackFault>(() => _region.Volume.DeleteVolume(volume.Id)).StatusCode);

        _region.Volume.Detach(volume.Id, "server-1");
        Assert.Equal("available", _region.Volume.FindVolume(volume.Id)!.Status);
        _region.Volume.DeleteVolume(volume.Id);
        Assert.Null(_region.Volume.FindVolume(volume.Id));
    }

    [Fact]
    public void Attach_OtherProjectsVolume_Is404()
    {
        var volume = _region.Volume.CreateBootVolume("p1", Cirros, 1, null);
        Assert.Equal(404, Assert.Throws<OpenStackFault>(() => _region.Volume.Attach("p2", volume.Id, "s", "/dev/vdb", "h")).StatusCode);
    }

    [Fact]
    public void GlanceContract_FindAndCreateImage()
    {
        Assert.NotNull(_region.Image.FindImage(Cirros, "any-project", isAdmin: false));
        var image = _region.Image.CreateImage("p1", "snap", new Dictionary<string, string> { ["image_type"] = "snapshot" }, 1024, "qcow2", "bare");
        Assert.Equal("active", image.Status);
        Assert.Equal("p1", image.OwnerId);
        Assert.Equal("private", image.Visibility);
        Assert.Null(_region.Image.FindImage(image.Id, "p2", isAdmin: false));
        Assert.NotNull(_region.Image.FindImage(image.Id, "p2", isAdmin: true));
    }
}
