using System.Net;
using System.Text.Json.Nodes;

namespace Tricircle.Emulator.Contract;

/// <summary>Cinder v3 as clients see it; runs against the emulator or a real region (Zed: 3.70).</summary>
public sealed class CinderContractTests(ContractTarget target) : IClassFixture<ContractTarget>
{
    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private Uri Root => new(target.Volume.GetLeftPart(UriPartial.Authority) + target.Volume.AbsolutePath[..target.Volume.AbsolutePath.IndexOf("/v3", StringComparison.Ordinal)] + "/");

    private async Task<JsonNode> CreateVolumeAsync(JsonObject? extra = null, bool wait = true)
    {
        var volume = new JsonObject { ["size"] = 1, ["name"] = Unique("contract-vol") };
        foreach (var (key, value) in extra ?? [])
        {
            volume[key] = value?.DeepClone();
        }

        var created = (await target.SendAsync(HttpMethod.Post, target.DemoVolume, "/volumes", target.DemoToken, new JsonObject { ["volume"] = volume })).Expect(HttpStatusCode.Accepted)["volume"]!;
        return wait ? await WaitAsync("volumes", created["id"]!.GetValue<string>(), "available") : created;
    }

    private async Task<JsonNode> WaitAsync(string collection, string id, string status) =>
        await ContractTarget.EventuallyAsync(async () =>
        {
            var body = (await target.SendAsync(HttpMethod.Get, target.DemoVolume, $"/{collection}/{id}", target.DemoToken)).Expect(HttpStatusCode.OK);
            var item = body[collection == "volumes" ? "volume" : "snapshot"]!;
            return (item["status"]!.GetValue<string>() == status, item);
        }, $"{collection} {id} {status}");

    private async Task DeleteVolumeAsync(string id)
    {
        await target.SendAsync(HttpMethod.Delete, target.DemoVolume, "/volumes/" + id, target.DemoToken);
        await ContractTarget.EventuallyAsync(async () =>
        {
            var response = await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/volumes/" + id, target.DemoToken);
            return (response.Status == HttpStatusCode.NotFound, response.Status);
        }, $"volume {id} deleted");
    }

    [Fact]
    public async Task Versions_Root_Is300WithV3CurrentAndMicroversionRange()
    {
        var body = (await target.SendAsync(HttpMethod.Get, Root, "/", token: null)).Expect(HttpStatusCode.MultipleChoices);
        var v3 = Assert.Single(body["versions"]!.AsArray(), v => v!["id"]!.GetValue<string>() == "v3.0")!;
        Assert.Equal("CURRENT", v3["status"]!.GetValue<string>());
        Assert.Equal("3.0", v3["min_version"]!.GetValue<string>());
        Assert.StartsWith("3.", v3["version"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Versions_RootOpenWith30Headers_V3BehindTheToken_406EchoesTheRefusedVersion()
    {
        var root = await target.SendAsync(HttpMethod.Get, Root, "/", token: null);
        root.Expect(HttpStatusCode.MultipleChoices);
        Assert.Equal("volume 3.0", root.Headers.GetValues("OpenStack-API-Version").Single());
        Assert.Contains("OpenStack-API-Version", string.Join(",", root.Headers.Vary), StringComparison.OrdinalIgnoreCase);

        var anonymous = await target.SendAsync(HttpMethod.Get, Root, "/v3/", token: null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.Status);
        Assert.Equal(401, anonymous.Json["error"]!["code"]!.GetValue<int>());
        var v3 = await target.SendAsync(HttpMethod.Get, Root, "/v3/", target.DemoToken);
        Assert.Contains(v3.Expect(HttpStatusCode.OK)["versions"]!.AsArray(), v => v!["id"]!.GetValue<string>() == "v3.0");
        Assert.Equal("volume 3.0", v3.Headers.GetValues("OpenStack-API-Version").Single());

        var refused = await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/volumes", target.DemoToken, headers: new Dictionary<string, string> { ["OpenStack-API-Version"] = "volume 9.99" });
        Assert.Equal(HttpStatusCode.NotAcceptable, refused.Status);
        Assert.Equal("volume 9.99", refused.Headers.GetValues("OpenStack-API-Version").Single());
    }

    [Fact]
    public async Task Microversion_IsEchoed()
    {
        var response = await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/volumes", target.DemoToken, headers: new Dictionary<string, string> { ["OpenStack-API-Version"] = "volume 3.40" });
        response.Expect(HttpStatusCode.OK);
        Assert.Equal("volume 3.40", response.Headers.GetValues("OpenStack-API-Version").Single());
    }

    [Fact]
    public async Task EveryAnswer_CarriesXComputeRequestId_TheRequestId_AndVersionDocumentsTheirHeaders()
    {
        var root = await target.SendAsync(HttpMethod.Get, Root, "/", token: null);
        var v3 = await target.SendAsync(HttpMethod.Get, Root, "/v3/", token: null);
        Assert.Equal(HttpStatusCode.Unauthorized, v3.Status); // behind Cinder's auth filter
        var refused = await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/volumes", target.DemoToken, headers: new Dictionary<string, string> { ["OpenStack-API-Version"] = "volume 9.99" });
        Assert.Equal(HttpStatusCode.NotAcceptable, refused.Status);
        Assert.Equal("volume 9.99", refused.Headers.GetValues("OpenStack-API-Version").Single());
        Assert.Equal("volume 3.0", root.Headers.GetValues("OpenStack-API-Version").Single());
        foreach (var answer in new[] { root, refused, await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/volumes", target.DemoToken) })
        {
            var id = answer.Headers.GetValues("x-openstack-request-id").Single();
            Assert.Matches("^req-[0-9a-f-]{36}$", id);
            Assert.Equal(id, answer.Headers.GetValues("x-compute-request-id").Single());
        }

        // keystonemiddleware's 401 comes before the filter that adds the compatibility header.
        Assert.Matches("^req-[0-9a-f-]{36}$", v3.Headers.GetValues("x-openstack-request-id").Single());
        Assert.False(v3.Headers.Contains("x-compute-request-id"));
    }

    [Fact]
    public async Task CreateVolume_CreatingThenAvailable_WithCinderFields()
    {
        var created = await CreateVolumeAsync(new JsonObject { ["metadata"] = new JsonObject { ["k"] = "v" } }, wait: false);
        var id = created["id"]!.GetValue<string>();
        try
        {
            Assert.Equal("creating", created["status"]!.GetValue<string>());
            var volume = await WaitAsync("volumes", id, "available");
            Assert.Equal(1, volume["size"]!.GetValue<int>());
            Assert.Equal("false", volume["bootable"]!.GetValue<string>());
            Assert.False(volume["encrypted"]!.GetValue<bool>());
            Assert.False(volume["multiattach"]!.GetValue<bool>());
            Assert.Empty(volume["attachments"]!.AsArray());
            Assert.Equal("v", volume["metadata"]!["k"]!.GetValue<string>());
            Assert.Equal(target.DemoProjectId, volume["os-vol-tenant-attr:tenant_id"]!.GetValue<string>());
            Assert.Null(volume["os-vol-host-attr:host"]); // admin-only attribute
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$", volume["created_at"]!.GetValue<string>());
            Assert.Contains(volume["links"]!.AsArray(), l => l!["rel"]!.GetValue<string>() == "self");
            Assert.False(string.IsNullOrEmpty(volume["volume_type"]!.GetValue<string>()));

            var admin = (await target.SendAsync(HttpMethod.Get, target.Volume, "/volumes/" + id, target.AdminToken)).Expect(HttpStatusCode.OK);
            Assert.NotNull(admin["volume"]!["os-vol-host-attr:host"]);
        }
        finally
        {
            await DeleteVolumeAsync(id);
        }
    }

    [Fact]
    public async Task CreateVolume_BadInput_Is4xx()
    {
        var zero = await target.SendAsync(HttpMethod.Post, target.DemoVolume, "/volumes", target.DemoToken, new JsonObject { ["volume"] = new JsonObject { ["size"] = 0 } });
        Assert.Equal(HttpStatusCode.BadRequest, zero.Status);
        Assert.NotNull(zero.Json["badRequest"]);

        var type = await target.SendAsync(HttpMethod.Post, target.DemoVolume, "/volumes", target.DemoToken, new JsonObject { ["volume"] = new JsonObject { ["size"] = 1, ["volume_type"] = Unique("no-such-type") } });
        Assert.Equal(HttpStatusCode.NotFound, type.Status);
        Assert.NotNull(type.Json["itemNotFound"]);

        var zone = await target.SendAsync(HttpMethod.Post, target.DemoVolume, "/volumes", target.DemoToken, new JsonObject { ["volume"] = new JsonObject { ["size"] = 1, ["availability_zone"] = Unique("no-such-az") } });
        Assert.Equal(HttpStatusCode.BadRequest, zone.Status);

        var malformed = await target.SendRawAsync(HttpMethod.Post, target.DemoVolume, "/volumes", target.DemoToken, "{not json");
        Assert.Equal(HttpStatusCode.BadRequest, malformed.Status);
    }

    [Fact]
    public async Task ShowVolume_Unknown_Is404ItemNotFound()
    {
        var id = Guid.NewGuid().ToString();
        var response = await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/volumes/" + id, target.DemoToken);
        Assert.Equal(HttpStatusCode.NotFound, response.Status);
        Assert.Equal($"Volume {id} could not be found.", response.Json["itemNotFound"]!["message"]!.GetValue<string>());
        Assert.Equal(404, response.Json["itemNotFound"]!["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task UpdateVolume_NameAndMetadataApi_Work()
    {
        var id = (await CreateVolumeAsync())["id"]!.GetValue<string>();
        try
        {
            var renamed = (await target.SendAsync(HttpMethod.Put, target.DemoVolume, "/volumes/" + id, target.DemoToken, new JsonObject { ["volume"] = new JsonObject { ["name"] = "renamed", ["description"] = "d" } })).Expect(HttpStatusCode.OK);
            Assert.Equal("renamed", renamed["volume"]!["name"]!.GetValue<string>());
            Assert.Equal("d", renamed["volume"]!["description"]!.GetValue<string>());

            (await target.SendAsync(HttpMethod.Post, target.DemoVolume, $"/volumes/{id}/metadata", target.DemoToken, new JsonObject { ["metadata"] = new JsonObject { ["a"] = "1", ["b"] = "2" } })).Expect(HttpStatusCode.OK);
            var one = (await target.SendAsync(HttpMethod.Get, target.DemoVolume, $"/volumes/{id}/metadata/a", target.DemoToken)).Expect(HttpStatusCode.OK);
            Assert.Equal("1", one["meta"]!["a"]!.GetValue<string>());
            (await target.SendAsync(HttpMethod.Put, target.DemoVolume, $"/volumes/{id}/metadata/a", target.DemoToken, new JsonObject { ["meta"] = new JsonObject { ["a"] = "3" } })).Expect(HttpStatusCode.OK);
            (await target.SendAsync(HttpMethod.Delete, target.DemoVolume, $"/volumes/{id}/metadata/b", target.DemoToken)).Expect(HttpStatusCode.OK);
            var all = (await target.SendAsync(HttpMethod.Get, target.DemoVolume, $"/volumes/{id}/metadata", target.DemoToken)).Expect(HttpStatusCode.OK);
            Assert.Equal("{\"a\":\"3\"}", all["metadata"]!.ToJsonString());
            Assert.Equal(HttpStatusCode.NotFound, (await target.SendAsync(HttpMethod.Get, target.DemoVolume, $"/volumes/{id}/metadata/b", target.DemoToken)).Status);
        }
        finally
        {
            await DeleteVolumeAsync(id);
        }
    }

    [Fact]
    public async Task Extend_GrowsAvailableVolume_SmallerIs400()
    {
        var id = (await CreateVolumeAsync())["id"]!.GetValue<string>();
        try
        {
            var same = await target.SendAsync(HttpMethod.Post, target.DemoVolume, $"/volumes/{id}/action", target.DemoToken, new JsonObject { ["os-extend"] = new JsonObject { ["new_size"] = 1 } });
            Assert.Equal(HttpStatusCode.BadRequest, same.Status);
            (await target.SendAsync(HttpMethod.Post, target.DemoVolume, $"/volumes/{id}/action", target.DemoToken, new JsonObject { ["os-extend"] = new JsonObject { ["new_size"] = 2 } })).Expect(HttpStatusCode.Accepted);
            var volume = await ContractTarget.EventuallyAsync(async () =>
            {
                var v = (await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/volumes/" + id, target.DemoToken)).Expect(HttpStatusCode.OK)["volume"]!;
                return (v["size"]!.GetValue<int>() == 2 && v["status"]!.GetValue<string>() == "available", v);
            }, "extended");
            Assert.Equal(2, volume["size"]!.GetValue<int>());
        }
        finally
        {
            await DeleteVolumeAsync(id);
        }
    }

    [Fact]
    public async Task Snapshot_CreateAvailable_BlocksVolumeDelete_ThenBothDelete()
    {
        var volumeId = (await CreateVolumeAsync())["id"]!.GetValue<string>();
        string? snapshotId = null;
        try
        {
            var created = (await target.SendAsync(HttpMethod.Post, target.DemoVolume, "/snapshots", target.DemoToken, new JsonObject { ["snapshot"] = new JsonObject { ["volume_id"] = volumeId, ["name"] = Unique("snap"), ["force"] = false } })).Expect(HttpStatusCode.Accepted);
            snapshotId = created["snapshot"]!["id"]!.GetValue<string>();
            var snapshot = await WaitAsync("snapshots", snapshotId, "available");
            Assert.Equal(volumeId, snapshot["volume_id"]!.GetValue<string>());
            Assert.Equal(1, snapshot["size"]!.GetValue<int>());

            var refused = await target.SendAsync(HttpMethod.Delete, target.DemoVolume, "/volumes/" + volumeId, target.DemoToken);
            Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
            Assert.StartsWith("Invalid volume", refused.Json["badRequest"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);

            var list = (await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/snapshots/detail?volume_id=" + volumeId, target.DemoToken)).Expect(HttpStatusCode.OK);
            Assert.Equal(snapshotId, Assert.Single(list["snapshots"]!.AsArray())!["id"]!.GetValue<string>());

            (await target.SendAsync(HttpMethod.Delete, target.DemoVolume, "/snapshots/" + snapshotId, target.DemoToken)).Expect(HttpStatusCode.Accepted);
            await ContractTarget.EventuallyAsync(async () =>
            {
                var r = await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/snapshots/" + snapshotId, target.DemoToken);
                return (r.Status == HttpStatusCode.NotFound, r.Status);
            }, "snapshot deleted");
            snapshotId = null;
        }
        finally
        {
            if (snapshotId is not null)
            {
                await target.SendAsync(HttpMethod.Delete, target.DemoVolume, "/snapshots/" + snapshotId, target.DemoToken);
                await Task.Delay(2000);
            }

            await DeleteVolumeAsync(volumeId);
        }
    }

    [Fact]
    public async Task ListVolumes_FilterSortAndPage()
    {
        var prefix = Unique("page");
        var ids = new List<string>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                ids.Add((await CreateVolumeAsync(new JsonObject { ["name"] = $"{prefix}-{i}", ["metadata"] = new JsonObject { ["group"] = prefix } }))["id"]!.GetValue<string>());
            }

            Assert.Equal(HttpStatusCode.NotFound, (await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/volumes/detail/", target.DemoToken)).Status); // routes are exact

            var metadata = Uri.EscapeDataString($"{{\"group\":\"{prefix}\"}}");
            var first = (await target.SendAsync(HttpMethod.Get, target.DemoVolume, $"/volumes/detail?metadata={metadata}&sort=name:asc&limit=2", target.DemoToken)).Expect(HttpStatusCode.OK);
            Assert.Equal([$"{prefix}-0", $"{prefix}-1"], first["volumes"]!.AsArray().Select(v => v!["name"]!.GetValue<string>()));
            var next = new Uri(first["volumes_links"]![0]!["href"]!.GetValue<string>());
            Assert.Equal("next", first["volumes_links"]![0]!["rel"]!.GetValue<string>());
            var second = (await target.SendAsync(HttpMethod.Get, target.DemoVolume, next.PathAndQuery[target.DemoVolume.AbsolutePath.TrimEnd('/').Length..], target.DemoToken)).Expect(HttpStatusCode.OK);
            Assert.Equal([$"{prefix}-2"], second["volumes"]!.AsArray().Select(v => v!["name"]!.GetValue<string>()));

            var byName = (await target.SendAsync(HttpMethod.Get, target.DemoVolume, $"/volumes?name={prefix}-1", target.DemoToken)).Expect(HttpStatusCode.OK);
            var summary = Assert.Single(byName["volumes"]!.AsArray())!;
            Assert.Equal(ids[1], summary["id"]!.GetValue<string>());
            Assert.Null(summary["status"]); // the summary list shows id, name, links only
        }
        finally
        {
            foreach (var id in ids)
            {
                await DeleteVolumeAsync(id);
            }
        }
    }

    [Fact]
    public async Task OtherProjectsVolume_Is404ForDemo()
    {
        var created = (await target.SendAsync(HttpMethod.Post, target.Volume, "/volumes", target.AdminToken, new JsonObject { ["volume"] = new JsonObject { ["size"] = 1, ["name"] = Unique("admin-vol") } })).Expect(HttpStatusCode.Accepted);
        var id = created["volume"]!["id"]!.GetValue<string>();
        try
        {
            Assert.Equal(HttpStatusCode.NotFound, (await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/volumes/" + id, target.DemoToken)).Status);
        }
        finally
        {
            await ContractTarget.EventuallyAsync(async () =>
            {
                var r = await target.SendAsync(HttpMethod.Delete, target.Volume, "/volumes/" + id, target.AdminToken);
                return (r.Status == HttpStatusCode.Accepted, r.Status);
            }, "admin volume deleted");
        }
    }

    [Fact]
    public async Task Types_DefaultExists_CreateNeedsAdmin()
    {
        var types = (await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/types", target.DemoToken)).Expect(HttpStatusCode.OK);
        Assert.NotEmpty(types["volume_types"]!.AsArray());
        var defaultType = (await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/types/default", target.DemoToken)).Expect(HttpStatusCode.OK);
        Assert.False(string.IsNullOrEmpty(defaultType["volume_type"]!["name"]!.GetValue<string>()));

        var refused = await target.SendAsync(HttpMethod.Post, target.DemoVolume, "/types", target.DemoToken, new JsonObject { ["volume_type"] = new JsonObject { ["name"] = Unique("type") } });
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);

        var name = Unique("type");
        var created = (await target.SendAsync(HttpMethod.Post, target.Volume, "/types", target.AdminToken, new JsonObject { ["volume_type"] = new JsonObject { ["name"] = name, ["extra_specs"] = new JsonObject { ["volume_backend_name"] = "x" } } })).Expect(HttpStatusCode.OK);
        var typeId = created["volume_type"]!["id"]!.GetValue<string>();
        Assert.Equal("x", created["volume_type"]!["extra_specs"]!["volume_backend_name"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Conflict, (await target.SendAsync(HttpMethod.Post, target.Volume, "/types", target.AdminToken, new JsonObject { ["volume_type"] = new JsonObject { ["name"] = name } })).Status);
        (await target.SendAsync(HttpMethod.Delete, target.Volume, "/types/" + typeId, target.AdminToken)).Expect(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task Limits_And_AvailabilityZones()
    {
        var limits = (await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/limits", target.DemoToken)).Expect(HttpStatusCode.OK);
        var absolute = limits["limits"]!["absolute"]!;
        foreach (var key in (string[])["maxTotalVolumes", "maxTotalVolumeGigabytes", "maxTotalSnapshots", "totalVolumesUsed", "totalGigabytesUsed", "totalSnapshotsUsed"])
        {
            Assert.NotNull(absolute[key]);
        }

        var zones = (await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/os-availability-zone", target.DemoToken)).Expect(HttpStatusCode.OK);
        Assert.Contains(zones["availabilityZoneInfo"]!.AsArray(), z => z!["zoneState"]!["available"]!.GetValue<bool>());
    }

    [Fact]
    public async Task VolumeFromImage_IsBootableWithImageMetadata()
    {
        var images = (await target.SendAsync(HttpMethod.Get, target.Image, "/v2/images?status=active&limit=1&sort=size:asc", target.DemoToken)).Expect(HttpStatusCode.OK);
        var imageId = images["images"]![0]!["id"]!.GetValue<string>();
        var size = (int)Math.Max(1, (images["images"]![0]!["size"]!.GetValue<long>() + (1L << 30) - 1) >> 30);
        var volume = await CreateVolumeAsync(new JsonObject { ["imageRef"] = imageId, ["size"] = size });
        try
        {
            Assert.Equal("true", volume["bootable"]!.GetValue<string>());
            Assert.Equal(imageId, volume["volume_image_metadata"]!["image_id"]!.GetValue<string>());
        }
        finally
        {
            await DeleteVolumeAsync(volume["id"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Actions_SetBootable_ReserveUnreserve_ResetStatusNeedsAdmin()
    {
        var id = (await CreateVolumeAsync())["id"]!.GetValue<string>();
        try
        {
            async Task<ContractResponse> Action(string token, Uri service, JsonObject body) =>
                await target.SendAsync(HttpMethod.Post, service, $"/volumes/{id}/action", token, body);

            (await Action(target.DemoToken, target.DemoVolume, new JsonObject { ["os-set_bootable"] = new JsonObject { ["bootable"] = true } })).Expect(HttpStatusCode.OK);
            Assert.Equal("true", (await WaitAsync("volumes", id, "available"))["bootable"]!.GetValue<string>());

            (await Action(target.DemoToken, target.DemoVolume, new JsonObject { ["os-reserve"] = null })).Expect(HttpStatusCode.Accepted);
            await WaitAsync("volumes", id, "attaching");
            (await Action(target.DemoToken, target.DemoVolume, new JsonObject { ["os-unreserve"] = null })).Expect(HttpStatusCode.Accepted);
            await WaitAsync("volumes", id, "available");

            Assert.Equal(HttpStatusCode.Forbidden, (await Action(target.DemoToken, target.DemoVolume, new JsonObject { ["os-reset_status"] = new JsonObject { ["status"] = "error" } })).Status);
            (await Action(target.AdminToken, target.Volume, new JsonObject { ["os-reset_status"] = new JsonObject { ["status"] = "error" } })).Expect(HttpStatusCode.Accepted);
            await WaitAsync("volumes", id, "error");
            (await Action(target.AdminToken, target.Volume, new JsonObject { ["os-reset_status"] = new JsonObject { ["status"] = "available" } })).Expect(HttpStatusCode.Accepted);
            await WaitAsync("volumes", id, "available");

            Assert.Equal(HttpStatusCode.BadRequest, (await Action(target.DemoToken, target.DemoVolume, new JsonObject { ["os-no-such-action"] = new JsonObject() })).Status);
        }
        finally
        {
            await DeleteVolumeAsync(id);
        }
    }

    [Fact]
    public async Task ListVolumes_AdminAllTenants_SeesDemoVolume()
    {
        var id = (await CreateVolumeAsync())["id"]!.GetValue<string>();
        try
        {
            var own = (await target.SendAsync(HttpMethod.Get, target.Volume, "/volumes", target.AdminToken)).Expect(HttpStatusCode.OK);
            Assert.DoesNotContain(own["volumes"]!.AsArray(), v => v!["id"]!.GetValue<string>() == id);
            var all = (await target.SendAsync(HttpMethod.Get, target.Volume, "/volumes/detail?all_tenants=1", target.AdminToken)).Expect(HttpStatusCode.OK);
            Assert.Contains(all["volumes"]!.AsArray(), v => v!["id"]!.GetValue<string>() == id);
        }
        finally
        {
            await DeleteVolumeAsync(id);
        }
    }

    [Fact]
    public async Task Validation_OutOfRangeSizeAndBadSortDirection_Are400()
    {
        // volume_size: minimum 1, maximum DB_MAX_INT; a sort_dir alone still goes to the DB's
        // process_sort_params, which knows only asc and desc.
        foreach (var size in (long[])[2147483648, 9223372036854775807])
        {
            var response = await target.SendAsync(HttpMethod.Post, target.DemoVolume, "/volumes", target.DemoToken, new JsonObject { ["volume"] = new JsonObject { ["size"] = size } });
            Assert.True(response.Status == HttpStatusCode.BadRequest, response.ToString());
            Assert.Contains("is greater than the maximum of 2147483647", response.Json["badRequest"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        foreach (var query in (string[])["?sort_dir=sideways", "?sort_key=name&sort_dir=sideways", "?sort=name:sideways"])
        {
            var response = await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/volumes" + query, target.DemoToken);
            Assert.True(response.Status == HttpStatusCode.BadRequest, $"{query}: {response}");
        }
    }

    [Fact]
    public async Task Validation_BodiesCindersSchemasRefuse_Are400_BeforeTheIdIsLookedUp()
    {
        // cinder/api/schemas (volume_actions, admin_actions, volumes, snapshots): validated before
        // the controller looks anything up, so an unknown id with a bad body is a 400.
        var unknown = Guid.NewGuid().ToString();
        var mv = new Dictionary<string, string> { ["OpenStack-API-Version"] = "volume 3.59" };
        var longName = new string('n', 256);
        (string Method, string Path, string Body)[] refused =
        [
            ("POST", $"/volumes/{unknown}/action", """{"os-detach": "fuzz"}"""),
            ("POST", $"/volumes/{unknown}/action", """{"os-detach": 1}"""),
            ("POST", $"/volumes/{unknown}/action", """{"os-detach": {"attachment_id": "not-a-uuid"}}"""),
            ("POST", $"/volumes/{unknown}/action", """{"os-reset_status": "fuzz"}"""),
            ("POST", $"/volumes/{unknown}/action", """{"os-reset_status": {}}"""),
            ("POST", $"/volumes/{unknown}/action", """{"os-attach": ["a", 1]}"""),
            ("POST", $"/volumes/{unknown}/action", """{"os-attach": {"mountpoint": "/dev/vdb"}}"""),
            ("POST", $"/volumes/{unknown}/action", """{"os-set_bootable": {"bootable": "tRUE"}}"""),
            ("POST", "/volumes", """{"volume": {"size": 1, "multiattach": []}}"""),
            ("POST", "/volumes", $$$"""{"volume": {"size": 1, "description": "{{{longName}}}"}}"""),
            ("POST", "/volumes", """{"volume": {"size": 1, "colour": "blue"}}"""),
            ("PUT", $"/volumes/{unknown}", """{"volume": {"metadata": null}}"""),
            ("PUT", $"/volumes/{unknown}", $$$"""{"volume": {"name": "{{{longName}}}"}}"""),
            ("PUT", $"/volumes/{unknown}", """{"volume": {"name": "n", " ": "x"}}"""),
            ("POST", "/snapshots", $$$"""{"snapshot": {"volume_id": "{{{unknown}}}", "name": "{{{longName}}}"}}"""),
            ("POST", "/snapshots", $$$"""{"snapshot": {"volume_id": "{{{unknown}}}", "force": "sideways"}}"""),
            ("POST", "/snapshots", $$$"""{"snapshot": {"volume_id": "{{{unknown}}}", "colour": "blue"}}"""),
            ("PUT", $"/snapshots/{unknown}", $$$"""{"snapshot": {"description": "{{{longName}}}"}}"""),
            ("PUT", $"/snapshots/{unknown}", """{"snapshot": {"name": "n", "__proto__": "x"}}"""),
        ];
        foreach (var (method, path, body) in refused)
        {
            var response = await target.SendAsync(new HttpMethod(method), target.Volume, path, target.AdminToken, JsonNode.Parse(body), mv);
            Assert.True(response.Status == HttpStatusCode.BadRequest, $"{method} {path} {body}: {response}");
            Assert.NotNull(response.Json["badRequest"]);
        }

        // The types list reads limit with Python's int() and ignores a marker that names no type.
        foreach (var query in (string[])["?limit=asc,desc", "?limit=-1", "?sort_dir=sideways"])
        {
            var response = await target.SendAsync(HttpMethod.Get, target.Volume, "/types" + query, target.AdminToken);
            Assert.True(response.Status == HttpStatusCode.BadRequest, $"{query}: {response}");
        }

        (await target.SendAsync(HttpMethod.Get, target.Volume, $"/types?marker={unknown}", target.AdminToken)).Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task VolumeTypes_UnknownFieldsAndLongSpecValues_Are400()
    {
        var created = (await target.SendAsync(HttpMethod.Post, target.Volume, "/types", target.AdminToken, new JsonObject { ["volume_type"] = new JsonObject { ["name"] = Unique("contract-type") } })).Expect(HttpStatusCode.OK)["volume_type"]!;
        var id = created["id"]!.GetValue<string>();
        try
        {
            // The volume_types update schema and extra_specs_with_no_spaces_key (values of at most 255 characters).
            var unknown = await target.SendAsync(HttpMethod.Put, target.Volume, "/types/" + id, target.AdminToken, new JsonObject { ["volume_type"] = new JsonObject { ["bogus"] = 1 } });
            Assert.True(unknown.Status == HttpStatusCode.BadRequest, unknown.ToString());
            Assert.Contains("Additional properties are not allowed", unknown.Json["badRequest"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);

            var longValue = await target.SendAsync(HttpMethod.Post, target.Volume, $"/types/{id}/extra_specs", target.AdminToken, new JsonObject { ["extra_specs"] = new JsonObject { ["a"] = new string('x', 256) } });
            Assert.True(longValue.Status == HttpStatusCode.BadRequest, longValue.ToString());
            (await target.SendAsync(HttpMethod.Post, target.Volume, $"/types/{id}/extra_specs", target.AdminToken, new JsonObject { ["extra_specs"] = new JsonObject { ["a"] = new string('x', 255) } })).Expect(HttpStatusCode.OK);
        }
        finally
        {
            await target.SendAsync(HttpMethod.Delete, target.Volume, "/types/" + id, target.AdminToken);
        }
    }

    [Fact]
    public async Task CreateVolume_FromSnapshotAndFromVolume_InheritSizeAndSource()
    {
        var sourceId = (await CreateVolumeAsync())["id"]!.GetValue<string>();
        var created = new List<string>();
        string? snapshotId = null;
        try
        {
            var clone = await CreateVolumeAsync(new JsonObject { ["source_volid"] = sourceId, ["size"] = 1 });
            created.Add(clone["id"]!.GetValue<string>());
            Assert.Equal(sourceId, clone["source_volid"]!.GetValue<string>());

            snapshotId = (await target.SendAsync(HttpMethod.Post, target.DemoVolume, "/snapshots", target.DemoToken, new JsonObject { ["snapshot"] = new JsonObject { ["volume_id"] = sourceId, ["name"] = Unique("snap") } })).Expect(HttpStatusCode.Accepted)["snapshot"]!["id"]!.GetValue<string>();
            await WaitAsync("snapshots", snapshotId, "available");

            var small = new JsonObject { ["volume"] = new JsonObject { ["snapshot_id"] = snapshotId, ["size"] = 0 } };
            Assert.Equal(HttpStatusCode.BadRequest, (await target.SendAsync(HttpMethod.Post, target.DemoVolume, "/volumes", target.DemoToken, small)).Status);

            var fromSnapshot = await CreateVolumeAsync(new JsonObject { ["snapshot_id"] = snapshotId, ["size"] = 2 });
            created.Add(fromSnapshot["id"]!.GetValue<string>());
            Assert.Equal(snapshotId, fromSnapshot["snapshot_id"]!.GetValue<string>());
            Assert.Equal(2, fromSnapshot["size"]!.GetValue<int>());
        }
        finally
        {
            foreach (var id in created)
            {
                await DeleteVolumeAsync(id);
            }

            if (snapshotId is not null)
            {
                await target.SendAsync(HttpMethod.Delete, target.DemoVolume, "/snapshots/" + snapshotId, target.DemoToken);
                await ContractTarget.EventuallyAsync(async () =>
                {
                    var r = await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/snapshots/" + snapshotId, target.DemoToken);
                    return (r.Status == HttpStatusCode.NotFound, r.Status);
                }, "snapshot deleted");
            }

            await DeleteVolumeAsync(sourceId);
        }
    }

    private static Dictionary<string, string> Version(string version) => new() { ["OpenStack-API-Version"] = "volume " + version };

    [Fact]
    public async Task Summary_CountsTheProjectsVolumes_From312_WithMetadataFrom336()
    {
        var key = Unique("sum");
        var volume = await CreateVolumeAsync(new JsonObject { ["size"] = 2, ["metadata"] = new JsonObject { [key] = "v1" } });
        var id = volume["id"]!.GetValue<string>();
        try
        {
            var summary = (await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/volumes/summary", target.DemoToken, headers: Version("3.12"))).Expect(HttpStatusCode.OK)["volume-summary"]!;
            Assert.True(summary["total_count"]!.GetValue<int>() >= 1, summary.ToJsonString());
            Assert.True(summary["total_size"]!.GetValue<int>() >= 2, summary.ToJsonString());
            Assert.Null(summary["metadata"]);

            var withMetadata = (await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/volumes/summary", target.DemoToken, headers: Version("3.36"))).Expect(HttpStatusCode.OK)["volume-summary"]!;
            Assert.Equal(["v1"], withMetadata["metadata"]![key]!.AsArray().Select(v => v!.GetValue<string>()));

            // Before 3.12 the method does not exist: a bare itemNotFound, not a volume called "summary".
            var old = await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/volumes/summary", target.DemoToken);
            Assert.Equal("The resource could not be found.", old.Expect(HttpStatusCode.NotFound)["itemNotFound"]!["message"]!.GetValue<string>());
        }
        finally
        {
            await DeleteVolumeAsync(id);
        }
    }

    [Fact]
    public async Task Extensions_ListCindersContribDescriptors_WithAndWithoutTheProject()
    {
        var listed = (await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/extensions", target.DemoToken)).Expect(HttpStatusCode.OK)["extensions"]!.AsArray();
        var backups = Assert.Single(listed, e => e!["alias"]!.GetValue<string>() == "backups")!;
        Assert.Equal("Backups", backups["name"]!.GetValue<string>());
        Assert.Equal("Backups support.", backups["description"]!.GetValue<string>());
        Assert.Equal("2012-12-12T00:00:00+00:00", backups["updated"]!.GetValue<string>());
        Assert.Empty(backups["links"]!.AsArray());
        Assert.Contains(listed, e => e!["alias"]!.GetValue<string>() == "os-volume-actions");

        var projectless = (await target.SendAsync(HttpMethod.Get, new Uri(Root, "v3"), "/extensions", target.DemoToken)).Expect(HttpStatusCode.OK)["extensions"]!.AsArray();
        Assert.Equal(listed.Count, projectless.Count);

        var one = (await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/extensions/os-volume-actions", target.DemoToken)).Expect(HttpStatusCode.OK)["extension"]!;
        Assert.Equal("VolumeActions", one["name"]!.GetValue<string>());
        var unknown = await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/extensions/no-such-extension", target.DemoToken);
        Assert.Equal("The resource could not be found.", unknown.Expect(HttpStatusCode.NotFound)["itemNotFound"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task TrailingSlash_Is404_WhateverTheMethod()
    {
        foreach (var method in (HttpMethod[])[HttpMethod.Get, HttpMethod.Put, HttpMethod.Delete])
        {
            foreach (var path in (string[])["/volumes/", "/snapshots/", "/backups/"])
            {
                var response = await target.SendAsync(method, target.DemoVolume, path, target.DemoToken, method == HttpMethod.Put ? new JsonObject() : null);
                Assert.True(response.Status == HttpStatusCode.NotFound, $"{method} {path}: {response}");
            }
        }
    }

    [Fact]
    public async Task Lists_AFullPageLinksTheNext_EvenWhenNothingFollows()
    {
        var volume = await CreateVolumeAsync();
        var id = volume["id"]!.GetValue<string>();
        var name = volume["name"]!.GetValue<string>();
        try
        {
            foreach (var path in (string[])["/volumes", "/volumes/detail"])
            {
                var full = (await target.SendAsync(HttpMethod.Get, target.DemoVolume, $"{path}?name={name}&limit=1", target.DemoToken)).Expect(HttpStatusCode.OK);
                Assert.Equal(id, Assert.Single(full["volumes"]!.AsArray())!["id"]!.GetValue<string>());
                var next = Assert.Single(full["volumes_links"]!.AsArray())!;
                Assert.Equal("next", next["rel"]!.GetValue<string>());
                Assert.Contains("marker=" + id, next["href"]!.GetValue<string>(), StringComparison.Ordinal);

                var partial = (await target.SendAsync(HttpMethod.Get, target.DemoVolume, $"{path}?name={name}&limit=2", target.DemoToken)).Expect(HttpStatusCode.OK);
                Assert.Null(partial["volumes_links"]);
            }
        }
        finally
        {
            await DeleteVolumeAsync(id);
        }
    }

    [Theory]
    [InlineData("volumes", "Volume")]
    [InlineData("snapshots", "Snapshot")]
    [InlineData("backups", "Backup")]
    public async Task Lists_UnknownMarkerIsTheItems404_UnknownSortKeyIs400(string collection, string what)
    {
        var marker = Guid.NewGuid().ToString();
        foreach (var path in (string[])[collection, collection + "/detail"])
        {
            var unknown = await target.SendAsync(HttpMethod.Get, target.DemoVolume, $"/{path}?marker={marker}", target.DemoToken);
            Assert.Equal($"{what} {marker} could not be found.", unknown.Expect(HttpStatusCode.NotFound)["itemNotFound"]!["message"]!.GetValue<string>());

            foreach (var query in (string[])["sort_key=invalid", "sort=invalid:asc"])
            {
                var sorted = await target.SendAsync(HttpMethod.Get, target.DemoVolume, $"/{path}?{query}", target.DemoToken);
                Assert.Equal("Invalid input received: Invalid sort key", sorted.Expect(HttpStatusCode.BadRequest)["badRequest"]!["message"]!.GetValue<string>());
            }
        }
    }

    [Fact]
    public async Task SnapshotCreate_NullVolumeId_IsVolumeNoneNotFound_AMissingOneIs400()
    {
        var nullVolume = await target.SendAsync(HttpMethod.Post, target.DemoVolume, "/snapshots", target.DemoToken, new JsonObject { ["snapshot"] = new JsonObject { ["volume_id"] = null, ["name"] = Unique("snap") } });
        Assert.Equal("Volume None could not be found.", nullVolume.Expect(HttpStatusCode.NotFound)["itemNotFound"]!["message"]!.GetValue<string>());

        var missing = await target.SendAsync(HttpMethod.Post, target.DemoVolume, "/snapshots", target.DemoToken, new JsonObject { ["snapshot"] = new JsonObject { ["name"] = Unique("snap") } });
        Assert.Contains("'volume_id' is a required property", missing.Expect(HttpStatusCode.BadRequest)["badRequest"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
