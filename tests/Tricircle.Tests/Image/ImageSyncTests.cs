using System.Net;
using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Image;

/// <summary>
/// Image sync at boot: the sandbox's central images live in RegionOne's Glance, and RegionTwo has
/// a Glance of its own, so a server booted in az2 from a central image gets a copy there first.
/// </summary>
public abstract class ImageSyncTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Boot_InAz2_WithAnImageOnlyInRegionOne_CopiesItWithTheSameIdAndBytes()
    {
        var data = ImageApiTests.RandomBytes((3 * 1024 * 1024) + 3);
        var id = await UploadAsync("sync-one", data, """, "min_ram": 64, "architecture": "x86_64", "visibility": "private" """);
        Assert.Null(await RegionImageAsync("RegionTwo", id));

        var server = await BootAsync(gateway.DemoToken, "az2", "synced", new { imageRef = id });
        await WaitActiveAsync(server);

        var copy = await RegionImageAsync("RegionTwo", id);
        Assert.NotNull(copy);
        var copied = copy.Value;
        Assert.Equal("sync-one", copied.GetProperty("name").GetString());
        Assert.Equal("qcow2", copied.GetProperty("disk_format").GetString());
        Assert.Equal("bare", copied.GetProperty("container_format").GetString());
        Assert.Equal("private", copied.GetProperty("visibility").GetString());
        Assert.Equal(64, copied.GetProperty("min_ram").GetInt32());
        Assert.Equal("x86_64", copied.GetProperty("architecture").GetString());
        Assert.Equal(gateway.DemoProjectId, copied.GetProperty("owner").GetString());
        Assert.Equal(data, await RegionFileAsync("RegionTwo", id));

        // The routing row records the copy; the server in RegionTwo runs the same image id.
        var routing = Assert.Single(await ImageRoutingsAsync(id));
        Assert.Equal(id, routing.GetProperty("bottom_id").GetString());
        var shown = await gateway.ComputeAsync(HttpMethod.Get, "servers/" + server, gateway.DemoToken);
        Assert.Equal(id, shown.Json.GetProperty("server").GetProperty("image").GetProperty("id").GetString());

        // A second boot finds the routing row and copies nothing.
        var central = gateway.Region("RegionOne");
        central.Traffic.Reset();
        await WaitActiveAsync(await BootAsync(gateway.DemoToken, "az2", "synced-again", new { imageRef = id }));
        Assert.Equal(0, central.Traffic.Requests);
    }

    [Fact]
    public async Task TwoParallelBoots_CopyTheImageOnce()
    {
        var data = ImageApiTests.RandomBytes(2 * 1024 * 1024);
        var id = await UploadAsync("sync-parallel", data);

        // RegionTwo answers slowly, so both boots are inside the copy at the same time.
        var pod = gateway.Region("RegionTwo");
        var central = gateway.Region("RegionOne");
        pod.Faults.Latency = TimeSpan.FromMilliseconds(300);
        central.Traffic.Reset();
        string[] servers;
        try
        {
            servers = await Task.WhenAll(
                BootAsync(gateway.DemoToken, "az2", "parallel-a", new { imageRef = id }),
                BootAsync(gateway.DemoToken, "az2", "parallel-b", new { imageRef = id }));
        }
        finally
        {
            pod.Faults.Latency = TimeSpan.Zero;
        }

        // One copy reads the central Glance twice (the image, then its data); a second would read it again.
        Assert.Equal(2, central.Traffic.Requests);
        foreach (var server in servers)
        {
            await WaitActiveAsync(server);
        }

        Assert.Equal(data, await RegionFileAsync("RegionTwo", id));
        Assert.Equal(id, Assert.Single(await ImageRoutingsAsync(id)).GetProperty("bottom_id").GetString());
    }

    [Fact]
    public async Task Boot_FromABlockDeviceMappingImage_CopiesItToo()
    {
        var id = await UploadAsync("sync-bdm", ImageApiTests.RandomBytes(4096));
        var server = await BootAsync(gateway.DemoToken, "az2", "synced-bdm", new
        {
            block_device_mapping_v2 = new[] { new { boot_index = 0, uuid = id, source_type = "image", destination_type = "local", delete_on_termination = true } },
        });
        await WaitActiveAsync(server);
        Assert.NotNull(await RegionImageAsync("RegionTwo", id));
    }

    [Fact]
    public async Task Boot_InThePodWhoseGlanceIsTheCentralOne_CopiesNothing()
    {
        var id = await UploadAsync("sync-none", ImageApiTests.RandomBytes(4096));
        await WaitActiveAsync(await BootAsync(gateway.DemoToken, "az1", "unsynced", new { imageRef = id }));
        Assert.Empty(await ImageRoutingsAsync(id));
        Assert.Null(await RegionImageAsync("RegionTwo", id));
    }

    [Fact]
    public async Task Boot_WithAnImageNoGlanceKnows_IsThePodNovasAnswer_AndLeavesNoRouting()
    {
        var missing = Guid.NewGuid().ToString();
        var refused = await gateway.ComputeAsync(HttpMethod.Post, "servers", gateway.DemoToken,
            JsonSerializer.Serialize(new { server = new { name = "x", flavorRef = "1", imageRef = missing, networks = "none", availability_zone = "az2" } }), "2.37");
        Assert.Contains("image", refused.AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.OrdinalIgnoreCase);
        Assert.Empty(await ImageRoutingsAsync(missing));
    }

    private async Task<string> UploadAsync(string name, byte[] data, string extra = "")
    {
        var created = await gateway.ImageAsync(HttpMethod.Post, "v2/images", gateway.DemoToken, $$"""{"name": "{{name}}", "disk_format": "qcow2", "container_format": "bare"{{extra}}}""");
        Assert.True(created.Status == HttpStatusCode.Created, created.Text);
        var id = created.Json.GetProperty("id").GetString()!;
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(gateway.ImageUrl, $"v2/images/{id}/file")) { Content = new ByteArrayContent(data) };
        request.Headers.Add("X-Auth-Token", gateway.DemoToken);
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        using var response = await gateway.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        return id;
    }

    private async Task<string> BootAsync(string token, string az, string name, object image)
    {
        var server = JsonSerializer.SerializeToNode(image)!.AsObject();
        server["name"] = name;
        server["flavorRef"] = "1";
        server["networks"] = "none";
        server["availability_zone"] = az;
        var created = await gateway.ComputeAsync(HttpMethod.Post, "servers", token, new System.Text.Json.Nodes.JsonObject { ["server"] = server }.ToJsonString(), "2.37");
        Assert.True(created.Status == HttpStatusCode.Accepted, created.Text);
        return created.Json.GetProperty("server").GetProperty("id").GetString()!;
    }

    private async Task WaitActiveAsync(string id)
    {
        var status = "";
        for (var i = 0; i < 100; i++)
        {
            var shown = await gateway.ComputeAsync(HttpMethod.Get, "servers/" + id, gateway.DemoToken);
            status = shown.Json.GetProperty("server").GetProperty("status").GetString()!;
            if (status is "ACTIVE" or "ERROR")
            {
                break;
            }

            await Task.Delay(50);
        }

        Assert.Equal("ACTIVE", status);
    }

    /// <summary>The image as one region's own Glance shows it to an admin, or null.</summary>
    private async Task<JsonElement?> RegionImageAsync(string region, string id)
    {
        var shown = await gateway.SendAsync(new Uri(gateway.Region(region).ImageUrl, "v2/images/" + id), HttpMethod.Get, gateway.AdminToken);
        return shown.Status == HttpStatusCode.OK ? shown.Json.Clone() : null;
    }

    private async Task<byte[]> RegionFileAsync(string region, string id)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway.Region(region).ImageUrl, $"v2/images/{id}/file"));
        request.Headers.Add("X-Auth-Token", gateway.AdminToken);
        using var response = await gateway.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    private async Task<List<JsonElement>> ImageRoutingsAsync(string id)
    {
        var routings = await gateway.SendAsync(new Uri(gateway.AdminUrl + $"/routings?top_id={id}&resource_type=image&all_projects=true"), HttpMethod.Get, gateway.AdminToken);
        routings.AssertOk();
        return [.. routings.Json.GetProperty("routings").EnumerateArray().Select(r => r.Clone())];
    }
}

public sealed class ImageSyncSqliteTests(SqliteGatewayFixture gateway) : ImageSyncTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class ImageSyncPostgresTests(PostgresGatewayFixture gateway) : ImageSyncTests(gateway), IClassFixture<PostgresGatewayFixture>;
