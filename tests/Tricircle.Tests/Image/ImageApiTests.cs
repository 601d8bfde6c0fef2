using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Image;

/// <summary>
/// The Glance gateway over the sandbox, whose central images live in RegionOne's Glance: every
/// call lands there with the caller's token, image data streams both ways, errors are Glance's.
/// </summary>
public abstract class ImageApiTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Images_CreateUploadDownloadShowListUpdateDelete_LandInRegionOnesGlance()
    {
        var created = await gateway.ImageAsync(HttpMethod.Post, "v2/images", gateway.DemoToken, """{"name": "gw-img", "disk_format": "qcow2", "container_format": "bare", "color": "green"}""");
        Assert.True(created.Status == HttpStatusCode.Created, created.Text);
        var id = created.Json.GetProperty("id").GetString()!;
        Assert.Equal("queued", created.Json.GetProperty("status").GetString());
        Assert.Contains(id, gateway.Region("RegionOne").Inspect("images")!.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(id, gateway.Region("RegionTwo").Inspect("images")!.ToJsonString(), StringComparison.Ordinal);

        // Several megabytes, sent chunked (no length known up front) and read back whole.
        var data = RandomBytes(6 * 1024 * 1024 + 17);
        var uploaded = await UploadAsync(id, data, gateway.DemoToken);
        Assert.True(uploaded.StatusCode == HttpStatusCode.NoContent, await uploaded.Content.ReadAsStringAsync());
        Assert.Equal(data, await DownloadAsync(id, gateway.DemoToken));

        var shown = await gateway.ImageAsync(HttpMethod.Get, "v2/images/" + id, gateway.DemoToken);
        shown.AssertOk();
        Assert.Equal("active", shown.Json.GetProperty("status").GetString());
        Assert.Equal(data.LongLength, shown.Json.GetProperty("size").GetInt64());
        Assert.Equal("green", shown.Json.GetProperty("color").GetString());

        var listed = await gateway.ImageAsync(HttpMethod.Get, "v2/images?name=gw-img", gateway.DemoToken);
        listed.AssertOk();
        Assert.Contains(listed.Json.GetProperty("images").EnumerateArray(), i => i.GetProperty("id").GetString() == id);

        var patched = await gateway.ImageAsync(HttpMethod.Patch, "v2/images/" + id, gateway.DemoToken,
            """[{"op": "replace", "path": "/name", "value": "gw-renamed"}, {"op": "add", "path": "/flavour", "value": "mint"}]""",
            "application/openstack-images-v2.1-json-patch");
        patched.AssertOk();
        Assert.Equal("gw-renamed", patched.Json.GetProperty("name").GetString());
        Assert.Equal("mint", patched.Json.GetProperty("flavour").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.ImageAsync(HttpMethod.Put, $"v2/images/{id}/tags/blue", gateway.DemoToken)).Status);
        var tagged = await gateway.ImageAsync(HttpMethod.Get, "v2/images/" + id, gateway.DemoToken);
        Assert.Contains(tagged.Json.GetProperty("tags").EnumerateArray(), t => t.GetString() == "blue");

        var schema = await gateway.ImageAsync(HttpMethod.Get, "v2/schemas/image", gateway.DemoToken);
        schema.AssertOk();
        Assert.Equal("image", schema.Json.GetProperty("name").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.ImageAsync(HttpMethod.Delete, "v2/images/" + id, gateway.DemoToken)).Status);
        Assert.DoesNotContain(id, gateway.Region("RegionOne").Inspect("images")!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.ImageAsync(HttpMethod.Get, "v2/images/" + id, gateway.DemoToken)).Status);
    }

    [Fact]
    public async Task VersionDocuments_AreGlances_WithTheGatewaysUrls_WithoutAToken()
    {
        var root = await gateway.ImageAsync(HttpMethod.Get, "", null);
        Assert.True(root.Status == HttpStatusCode.MultipleChoices, root.Text);
        var versions = await gateway.ImageAsync(HttpMethod.Get, "versions", null);
        versions.AssertOk();
        var own = gateway.ImageUrl.ToString().TrimEnd('/');
        foreach (var document in new[] { root, versions })
        {
            var entries = document.Json.GetProperty("versions").EnumerateArray().ToList();
            Assert.Contains(entries, v => v.GetProperty("status").GetString() == "CURRENT");
            Assert.All(entries, v => Assert.Equal(own + "/v2/", v.GetProperty("links")[0].GetProperty("href").GetString()));
        }

        Assert.DoesNotContain(gateway.Region("RegionOne").ImageUrl.Authority, root.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownImage_Is404InGlancesShape()
    {
        var missing = Guid.NewGuid().ToString();
        var shown = await gateway.ImageAsync(HttpMethod.Get, "v2/images/" + missing, gateway.DemoToken);
        AssertGlanceError(shown, HttpStatusCode.NotFound, missing);

        var file = await gateway.ImageAsync(HttpMethod.Get, $"v2/images/{missing}/file", gateway.DemoToken);
        AssertGlanceError(file, HttpStatusCode.NotFound, missing);

        // A path the gateway does not serve at all: 404 in the same shape.
        AssertGlanceError(await gateway.ImageAsync(HttpMethod.Get, "v1/images", gateway.DemoToken), HttpStatusCode.NotFound, "v1/images");
    }

    [Fact]
    public async Task NoToken_Is401()
    {
        var refused = await gateway.ImageAsync(HttpMethod.Get, "v2/images", null);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.Contains("Keystone uri=", refused.Message.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadPatch_IsRefusedAsGlanceRefusesIt()
    {
        var created = await gateway.ImageAsync(HttpMethod.Post, "v2/images", gateway.DemoToken, """{"name": "gw-patch", "disk_format": "raw", "container_format": "bare"}""");
        var id = created.Json.GetProperty("id").GetString()!;

        var plainJson = await gateway.ImageAsync(HttpMethod.Patch, "v2/images/" + id, gateway.DemoToken, """[{"op": "replace", "path": "/name", "value": "x"}]""");
        AssertGlanceError(plainJson, HttpStatusCode.UnsupportedMediaType, "json-patch");

        var notAList = await gateway.ImageAsync(HttpMethod.Patch, "v2/images/" + id, gateway.DemoToken, """{"op": "replace"}""", "application/openstack-images-v2.1-json-patch");
        AssertGlanceError(notAList, HttpStatusCode.BadRequest, "array");

        var badOp = await gateway.ImageAsync(HttpMethod.Patch, "v2/images/" + id, gateway.DemoToken, """[{"op": "move", "path": "/name"}]""", "application/openstack-images-v2.1-json-patch");
        AssertGlanceError(badOp, HttpStatusCode.BadRequest, "op");

        await gateway.ImageAsync(HttpMethod.Delete, "v2/images/" + id, gateway.DemoToken);
    }

    [Fact]
    public async Task GlanceDown_Is503NamingIt()
    {
        var region = gateway.Region("RegionOne");
        await region.Faults.SetDownAsync(true);
        try
        {
            var refused = await gateway.ImageAsync(HttpMethod.Get, "v2/images", gateway.DemoToken);
            var message = AssertGlanceError(refused, HttpStatusCode.ServiceUnavailable, "Glance of region RegionOne");
            Assert.Contains(region.ImageUrl.Authority, message, StringComparison.Ordinal);
        }
        finally
        {
            await gateway.BringBackAsync("RegionOne");
        }

        (await gateway.ImageAsync(HttpMethod.Get, "v2/images", gateway.DemoToken)).AssertOk();
    }

    [Fact]
    public async Task OpenStackCli_CreatesListsShowsSavesAndDeletesAnImage()
    {
        var env = Openrc(Path.Combine(gateway.DataDirectory, "openrc.demo"));
        env["OS_REGION_NAME"] = "CentralRegion";
        var directory = Directory.CreateTempSubdirectory("tricircle-image-cli-").FullName;
        try
        {
            var file = Path.Combine(directory, "in.img");
            var saved = Path.Combine(directory, "out.img");
            var data = RandomBytes((3 * 1024 * 1024) + 5);
            await File.WriteAllBytesAsync(file, data);
            var name = "cli-img-" + Guid.NewGuid().ToString("N")[..8];

            async Task<CliRunner.Result> Os(params string[] args)
            {
                var r = await CliRunner.RunAsync("openstack", args, env);
                Assert.True(r.ExitCode == 0, $"openstack {string.Join(' ', args)}\n{r}");
                return r;
            }

            await Os("image", "create", "--file", file, "--disk-format", "qcow2", "--container-format", "bare", name);
            Assert.Contains(name, (await Os("image", "list", "-f", "value", "-c", "Name")).Stdout, StringComparison.Ordinal);
            var shown = JsonDocument.Parse((await Os("image", "show", name, "-f", "json")).Stdout).RootElement;
            Assert.Equal("active", shown.GetProperty("status").GetString());
            Assert.Equal(data.LongLength, shown.GetProperty("size").GetInt64());
            var id = shown.GetProperty("id").GetString()!;
            Assert.Contains(id, gateway.Region("RegionOne").Inspect("images")!.ToJsonString(), StringComparison.Ordinal);

            await Os("image", "save", "--file", saved, name);
            Assert.Equal(data, await File.ReadAllBytesAsync(saved));

            await Os("image", "delete", name);
            Assert.DoesNotContain(id, gateway.Region("RegionOne").Inspect("images")!.ToJsonString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    internal static byte[] RandomBytes(int length)
    {
        var data = new byte[length];
        Random.Shared.NextBytes(data);
        return data;
    }

    private async Task<HttpResponseMessage> UploadAsync(string id, byte[] data, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(gateway.ImageUrl, $"v2/images/{id}/file")) { Content = new ChunkedContent(data) };
        request.Headers.Add("X-Auth-Token", token);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return await gateway.Http.SendAsync(request);
    }

    private async Task<byte[]> DownloadAsync(string id, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway.ImageUrl, $"v2/images/{id}/file"));
        request.Headers.Add("X-Auth-Token", token);
        using var response = await gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary>Asserts Glance's webob error body <c>{"message", "code": "404 Not Found", "title"}</c>; returns the message.</summary>
    internal static string AssertGlanceError(ApiResponse response, HttpStatusCode status, string mentions)
    {
        Assert.True(response.Status == status, $"expected {(int)status}, got {(int)response.Status}: {response.Text}");
        var message = response.Json.GetProperty("message").GetString()!;
        Assert.StartsWith(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture) + " ", response.Json.GetProperty("code").GetString(), StringComparison.Ordinal);
        Assert.True(response.Json.TryGetProperty("title", out _), response.Text);
        Assert.Contains(mentions, message, StringComparison.OrdinalIgnoreCase);
        return message;
    }

    internal static Dictionary<string, string?> Openrc(string path) =>
        File.ReadAllLines(path)
            .Where(l => l.StartsWith("export ", StringComparison.Ordinal))
            .Select(l => l["export ".Length..].Split('=', 2))
            .ToDictionary(p => p[0], p => (string?)p[1], StringComparer.Ordinal);

    /// <summary>Bytes sent without a length up front (chunked), as a client streaming a file does.</summary>
    private sealed class ChunkedContent(byte[] data) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var offset = 0; offset < data.Length; offset += 64 * 1024)
            {
                await stream.WriteAsync(data.AsMemory(offset, Math.Min(64 * 1024, data.Length - offset)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}

public sealed class ImageApiSqliteTests(SqliteGatewayFixture gateway) : ImageApiTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class ImageApiPostgresTests(PostgresGatewayFixture gateway) : ImageApiTests(gateway), IClassFixture<PostgresGatewayFixture>;
