using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Tricircle.Emulator.Contract;

/// <summary>Glance v2 as clients see it; runs against the emulator or a real region.</summary>
public sealed class GlanceContractTests(ContractTarget target) : IClassFixture<ContractTarget>
{
    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private async Task<string> CreateImageAsync(string token, JsonObject? extra = null)
    {
        var body = new JsonObject { ["name"] = Unique("contract-img"), ["disk_format"] = "qcow2", ["container_format"] = "bare" };
        foreach (var (key, value) in extra ?? [])
        {
            body[key] = value?.DeepClone();
        }

        var created = (await target.SendAsync(HttpMethod.Post, target.Image, "/v2/images", token, body)).Expect(HttpStatusCode.Created);
        return created["id"]!.GetValue<string>();
    }

    private async Task DeleteImageAsync(string id) =>
        await target.SendAsync(HttpMethod.Delete, target.Image, "/v2/images/" + id, target.AdminToken);

    private async Task<HttpResponseMessage> SendBytesAsync(HttpMethod method, string path, string token, byte[]? bytes, string contentType = "application/octet-stream")
    {
        using var request = new HttpRequestMessage(method, new Uri(target.Image.ToString().TrimEnd('/') + path));
        request.Headers.Add("X-Auth-Token", token);
        if (bytes is not null)
        {
            request.Content = new ByteArrayContent(bytes);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }

        return await target.Http.SendAsync(request);
    }

    [Fact]
    public async Task Versions_Root_Is300WithCurrentV2()
    {
        var response = await target.SendAsync(HttpMethod.Get, target.Image, "/", token: null);
        var versions = response.Expect(HttpStatusCode.MultipleChoices)["versions"]!.AsArray();
        var current = Assert.Single(versions, v => v!["status"]!.GetValue<string>() == "CURRENT");
        Assert.StartsWith("v2.", current!["id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("/v2/", current["links"]![0]!["href"]!.GetValue<string>(), StringComparison.Ordinal);
        (await target.SendAsync(HttpMethod.Get, target.Image, "/versions", token: null)).Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task CreateImage_Defaults_QueuedSharedWithLinksAndProperties()
    {
        var id = await CreateImageAsync(target.DemoToken, new JsonObject { ["min_disk"] = 1, ["tags"] = new JsonArray("a", "b"), ["purpose"] = "contract" });
        try
        {
            var image = (await target.SendAsync(HttpMethod.Get, target.Image, "/v2/images/" + id, target.DemoToken)).Expect(HttpStatusCode.OK);
            Assert.Equal("queued", image["status"]!.GetValue<string>());
            Assert.Equal("shared", image["visibility"]!.GetValue<string>());
            Assert.Equal(target.DemoProjectId, image["owner"]!.GetValue<string>());
            Assert.Equal(1, image["min_disk"]!.GetValue<int>());
            Assert.Equal("contract", image["purpose"]!.GetValue<string>());
            Assert.Equal($"/v2/images/{id}", image["self"]!.GetValue<string>());
            Assert.Equal($"/v2/images/{id}/file", image["file"]!.GetValue<string>());
            Assert.Equal("/v2/schemas/image", image["schema"]!.GetValue<string>());
            Assert.Null(image["size"]);
            Assert.Null(image["checksum"]);
            Assert.Equal(["a", "b"], image["tags"]!.AsArray().Select(t => t!.GetValue<string>()).Order(StringComparer.Ordinal));
        }
        finally
        {
            await DeleteImageAsync(id);
        }
    }

    [Fact]
    public async Task CreateImage_BadDiskFormat_Is400()
    {
        var response = await target.SendAsync(HttpMethod.Post, target.Image, "/v2/images", target.DemoToken, new JsonObject { ["name"] = Unique("bad"), ["disk_format"] = "floppy" });
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Contains("floppy", response.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateImage_PublicByNonAdmin_Is403()
    {
        var response = await target.SendAsync(HttpMethod.Post, target.Image, "/v2/images", target.DemoToken, new JsonObject { ["name"] = Unique("pub"), ["visibility"] = "public" });
        Assert.Equal(HttpStatusCode.Forbidden, response.Status);
    }

    [Fact]
    public async Task CreateImage_DuplicateId_Is409()
    {
        var id = Guid.NewGuid().ToString();
        await CreateImageAsync(target.DemoToken, new JsonObject { ["id"] = id });
        try
        {
            var again = await target.SendAsync(HttpMethod.Post, target.Image, "/v2/images", target.DemoToken, new JsonObject { ["id"] = id, ["name"] = Unique("dup") });
            Assert.Equal(HttpStatusCode.Conflict, again.Status);
        }
        finally
        {
            await DeleteImageAsync(id);
        }
    }

    [Fact]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351:Do Not Use Broken Cryptographic Algorithms", Justification = "Glance's checksum is an MD5.")]
    public async Task UploadDownload_ComputesSizeChecksumAndHash_ReuploadIs409()
    {
        var id = await CreateImageAsync(target.DemoToken);
        try
        {
            using (var empty = await SendBytesAsync(HttpMethod.Get, $"/v2/images/{id}/file", target.DemoToken, null))
            {
                Assert.Equal(HttpStatusCode.NoContent, empty.StatusCode);
            }

            var bytes = new byte[4096];
            new Random(7).NextBytes(bytes);
            using (var upload = await SendBytesAsync(HttpMethod.Put, $"/v2/images/{id}/file", target.DemoToken, bytes))
            {
                Assert.Equal(HttpStatusCode.NoContent, upload.StatusCode);
            }

            var md5 = Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(bytes));
            var image = await ContractTarget.EventuallyAsync(async () =>
            {
                var body = (await target.SendAsync(HttpMethod.Get, target.Image, "/v2/images/" + id, target.DemoToken)).Expect(HttpStatusCode.OK);
                return (body["status"]!.GetValue<string>() == "active", body);
            }, "image active");
            Assert.Equal(4096, image["size"]!.GetValue<long>());
            Assert.Equal(md5, image["checksum"]!.GetValue<string>());
            Assert.Equal("sha512", image["os_hash_algo"]!.GetValue<string>());
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA512.HashData(bytes)), image["os_hash_value"]!.GetValue<string>());

            using (var download = await SendBytesAsync(HttpMethod.Get, $"/v2/images/{id}/file", target.DemoToken, null))
            {
                Assert.Equal(HttpStatusCode.OK, download.StatusCode);
                Assert.Equal(bytes, await download.Content.ReadAsByteArrayAsync());
                Assert.Equal(md5, download.Content.Headers.TryGetValues("Content-MD5", out var v) ? v.Single() : download.Headers.GetValues("Content-MD5").Single());
            }

            using var again = await SendBytesAsync(HttpMethod.Put, $"/v2/images/{id}/file", target.DemoToken, bytes);
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        }
        finally
        {
            await DeleteImageAsync(id);
        }
    }

    [Fact]
    public async Task Patch_ReplaceAddRemove_ReadOnlyIs403()
    {
        var id = await CreateImageAsync(target.DemoToken);
        try
        {
            var ops = new JsonArray(
                new JsonObject { ["op"] = "replace", ["path"] = "/name", ["value"] = "patched" },
                new JsonObject { ["op"] = "add", ["path"] = "/color", ["value"] = "blue" },
                new JsonObject { ["op"] = "add", ["path"] = "/min_ram", ["value"] = 64 });
            var patched = (await target.SendRawAsync(HttpMethod.Patch, target.Image, "/v2/images/" + id, target.DemoToken, ops.ToJsonString(), "application/openstack-images-v2.1-json-patch")).Expect(HttpStatusCode.OK);
            Assert.Equal("patched", patched["name"]!.GetValue<string>());
            Assert.Equal("blue", patched["color"]!.GetValue<string>());
            Assert.Equal(64, patched["min_ram"]!.GetValue<int>());

            var remove = new JsonArray(new JsonObject { ["op"] = "remove", ["path"] = "/color" });
            var removed = (await target.SendRawAsync(HttpMethod.Patch, target.Image, "/v2/images/" + id, target.DemoToken, remove.ToJsonString(), "application/openstack-images-v2.1-json-patch")).Expect(HttpStatusCode.OK);
            Assert.Null(removed["color"]);

            var readOnly = new JsonArray(new JsonObject { ["op"] = "replace", ["path"] = "/status", ["value"] = "active" });
            var refused = await target.SendRawAsync(HttpMethod.Patch, target.Image, "/v2/images/" + id, target.DemoToken, readOnly.ToJsonString(), "application/openstack-images-v2.1-json-patch");
            Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        }
        finally
        {
            await DeleteImageAsync(id);
        }
    }

    [Fact]
    public async Task Tags_PutAndDelete_Are204()
    {
        var id = await CreateImageAsync(target.DemoToken);
        try
        {
            Assert.Equal(HttpStatusCode.NoContent, (await target.SendAsync(HttpMethod.Put, target.Image, $"/v2/images/{id}/tags/red", target.DemoToken)).Status);
            var image = (await target.SendAsync(HttpMethod.Get, target.Image, "/v2/images/" + id, target.DemoToken)).Expect(HttpStatusCode.OK);
            Assert.Contains("red", image["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
            Assert.Equal(HttpStatusCode.NoContent, (await target.SendAsync(HttpMethod.Delete, target.Image, $"/v2/images/{id}/tags/red", target.DemoToken)).Status);
        }
        finally
        {
            await DeleteImageAsync(id);
        }
    }

    [Fact]
    public async Task Delete_Protected_Is403_ThenUnprotectedIs204_ThenShowIs404()
    {
        var id = await CreateImageAsync(target.DemoToken, new JsonObject { ["protected"] = true });
        Assert.Equal(HttpStatusCode.Forbidden, (await target.SendAsync(HttpMethod.Delete, target.Image, "/v2/images/" + id, target.DemoToken)).Status);
        var unprotect = new JsonArray(new JsonObject { ["op"] = "replace", ["path"] = "/protected", ["value"] = false });
        (await target.SendRawAsync(HttpMethod.Patch, target.Image, "/v2/images/" + id, target.DemoToken, unprotect.ToJsonString(), "application/openstack-images-v2.1-json-patch")).Expect(HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.NoContent, (await target.SendAsync(HttpMethod.Delete, target.Image, "/v2/images/" + id, target.DemoToken)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await target.SendAsync(HttpMethod.Get, target.Image, "/v2/images/" + id, target.DemoToken)).Status);
    }

    [Fact]
    public async Task Show_OtherProjectsPrivateImage_Is404()
    {
        var id = await CreateImageAsync(target.AdminToken, new JsonObject { ["visibility"] = "private" });
        try
        {
            Assert.Equal(HttpStatusCode.NotFound, (await target.SendAsync(HttpMethod.Get, target.Image, "/v2/images/" + id, target.DemoToken)).Status);
        }
        finally
        {
            await DeleteImageAsync(id);
        }
    }

    [Fact]
    public async Task List_FilterSortAndPage_FollowsNextLinks()
    {
        var tag = Unique("tag");
        var ids = new List<string>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                ids.Add(await CreateImageAsync(target.DemoToken, new JsonObject { ["name"] = $"{tag}-{i}", ["tags"] = new JsonArray(tag) }));
            }

            var first = (await target.SendAsync(HttpMethod.Get, target.Image, $"/v2/images?tag={tag}&sort=name:asc&limit=2", target.DemoToken)).Expect(HttpStatusCode.OK);
            Assert.Equal($"/v2/images?tag={tag}&sort=name%3Aasc&limit=2", first["first"]!.GetValue<string>()); // the request's own parameters
            Assert.Equal("/v2/schemas/images", first["schema"]!.GetValue<string>());
            Assert.Equal([$"{tag}-0", $"{tag}-1"], first["images"]!.AsArray().Select(i => i!["name"]!.GetValue<string>()));
            var next = first["next"]!.GetValue<string>();
            var second = (await target.SendAsync(HttpMethod.Get, target.Image, next, target.DemoToken)).Expect(HttpStatusCode.OK);
            Assert.Equal([$"{tag}-2"], second["images"]!.AsArray().Select(i => i!["name"]!.GetValue<string>()));
            Assert.Null(second["next"]);

            var byName = (await target.SendAsync(HttpMethod.Get, target.Image, $"/v2/images?name={tag}-1", target.DemoToken)).Expect(HttpStatusCode.OK);
            Assert.Equal(ids[1], Assert.Single(byName["images"]!.AsArray())!["id"]!.GetValue<string>());

            Assert.Equal(HttpStatusCode.BadRequest, (await target.SendAsync(HttpMethod.Get, target.Image, "/v2/images?sort_key=bogus", target.DemoToken)).Status);
        }
        finally
        {
            foreach (var id in ids)
            {
                await DeleteImageAsync(id);
            }
        }
    }

    [Fact]
    public async Task Show_Unknown_Is404WithMessage()
    {
        var id = Guid.NewGuid().ToString();
        var response = await target.SendAsync(HttpMethod.Get, target.Image, "/v2/images/" + id, target.DemoToken, headers: new Dictionary<string, string> { ["Accept"] = "application/json" });
        Assert.Equal(HttpStatusCode.NotFound, response.Status);
        Assert.Contains(id, response.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_WrongContentType_Is415()
    {
        var id = await CreateImageAsync(target.DemoToken);
        try
        {
            using var response = await SendBytesAsync(HttpMethod.Put, $"/v2/images/{id}/file", target.DemoToken, [1, 2, 3], "application/json");
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        }
        finally
        {
            await DeleteImageAsync(id);
        }
    }
}
