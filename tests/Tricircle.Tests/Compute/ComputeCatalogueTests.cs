using System.Net;
using System.Text.Json;
using Tricircle.Sandbox;
using Tricircle.Support;

namespace Tricircle.Compute;

/// <summary>The Nova gateway's central parts: flavors, keypairs, zones, aggregates, quotas, limits and images.</summary>
public abstract class ComputeCatalogueTests(GatewayFixture gateway)
{
    private static int _tenants;

    /// <summary>A fresh project with a member user, so that quota tests start from zero.</summary>
    private (string Token, string ProjectId) NewTenant()
    {
        var name = $"quota{Interlocked.Increment(ref _tenants)}-{Guid.NewGuid():N}"[..20];
        var keystone = gateway.Sandbox.Keystone;
        var project = keystone.AddProject(name);
        var user = keystone.AddUser(name, "pw-" + name, defaultProjectId: project);
        keystone.Grant(user, project, "member");
        return (keystone.IssueToken(name, "pw-" + name, name).Id, project);
    }

    private async Task<ApiResponse> BootAsync(string token, string az, string name, object? flavorRef = null, string? keyName = null)
    {
        var image = await gateway.CirrosAsync(az == "az1" ? "RegionOne" : "RegionTwo");
        var server = new Dictionary<string, object?> { ["name"] = name, ["flavorRef"] = flavorRef ?? "1", ["imageRef"] = image, ["networks"] = "none", ["availability_zone"] = az };
        if (keyName is not null)
        {
            server["key_name"] = keyName;
        }

        return await gateway.ComputeAsync(HttpMethod.Post, "servers", token, JsonSerializer.Serialize(new { server }), "2.37");
    }

    private static string ServerId(ApiResponse created)
    {
        Assert.True(created.Status == HttpStatusCode.Accepted, created.Text);
        return created.Json.GetProperty("server").GetProperty("id").GetString()!;
    }

    private Task<ApiResponse> RegionNovaAsync(string region, HttpMethod method, string path, string token) =>
        gateway.SendAsync(new Uri(gateway.Region(region).ComputeUrl + "/" + path), method, token, microversion: "2.61");

    private static string Json(object value) => JsonSerializer.Serialize(value);

    [Fact]
    public async Task Flavors_SeededCatalogue_ListsDetailsAndShowsAsNova()
    {
        var list = await gateway.ComputeAsync(HttpMethod.Get, "flavors", gateway.DemoToken);
        list.AssertOk();
        var tiny = list.Json.GetProperty("flavors").EnumerateArray().Single(f => f.GetProperty("id").GetString() == "1");
        Assert.Equal("m1.tiny", tiny.GetProperty("name").GetString());
        Assert.False(tiny.TryGetProperty("ram", out _));
        Assert.StartsWith(gateway.ComputeUrl.ToString(), tiny.GetProperty("links")[0].GetProperty("href").GetString(), StringComparison.Ordinal);

        var detail = await gateway.ComputeAsync(HttpMethod.Get, "flavors/detail?minRam=4096&sort_key=memory_mb&sort_dir=desc", gateway.DemoToken);
        detail.AssertOk();
        var names = detail.Json.GetProperty("flavors").EnumerateArray().Select(f => f.GetProperty("name").GetString()).ToList();
        Assert.Equal(["m1.xlarge", "m1.large", "m1.medium"], names.Where(n => n!.StartsWith("m1.", StringComparison.Ordinal)));
        var xlarge = detail.Json.GetProperty("flavors")[0];
        Assert.Equal(16384, xlarge.GetProperty("ram").GetInt32());
        Assert.Equal(8, xlarge.GetProperty("vcpus").GetInt32());
        Assert.Equal(160, xlarge.GetProperty("disk").GetInt32());

        // One page at a time with the flavor id as marker.
        // (Other tests of this class add flavors whose ids may sort first: compare with the whole list.)
        var all = (await gateway.ComputeAsync(HttpMethod.Get, "flavors", gateway.DemoToken)).Json.GetProperty("flavors").EnumerateArray().Select(f => f.GetProperty("id").GetString()!).ToList();
        var first = await gateway.ComputeAsync(HttpMethod.Get, "flavors?limit=2", gateway.DemoToken);
        Assert.Equal(2, first.Json.GetProperty("flavors").GetArrayLength());
        Assert.Contains("marker=" + all[1], first.Json.GetProperty("flavors_links")[0].GetProperty("href").GetString(), StringComparison.Ordinal);
        var second = await gateway.ComputeAsync(HttpMethod.Get, "flavors?limit=2&marker=" + all[1], gateway.DemoToken);
        Assert.Equal(all[2], second.Json.GetProperty("flavors")[0].GetProperty("id").GetString());

        var shown = await gateway.ComputeAsync(HttpMethod.Get, "flavors/2", gateway.DemoToken, microversion: "2.61");
        shown.AssertOk();
        Assert.Equal(2048, shown.Json.GetProperty("flavor").GetProperty("ram").GetInt32());
        Assert.Equal(JsonValueKind.Object, shown.Json.GetProperty("flavor").GetProperty("extra_specs").ValueKind);

        (await gateway.ComputeAsync(HttpMethod.Get, "flavors/nope", gateway.DemoToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        Assert.Contains("sort_key", (await gateway.ComputeAsync(HttpMethod.Get, "flavors?sort_key=bogus", gateway.DemoToken)).AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        Assert.Contains("marker", (await gateway.ComputeAsync(HttpMethod.Get, "flavors?marker=nope", gateway.DemoToken)).AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Flavors_CreateIsForAdmins_DuplicatesAre409_BadBodiesAre400_DeleteIs202()
    {
        var body = Json(new { flavor = new { name = "f.create", ram = 256, vcpus = 1, disk = 1, id = "f-create", description = "small" } });
        (await gateway.ComputeAsync(HttpMethod.Post, "flavors", gateway.DemoToken, body, "2.55")).AssertError(HttpStatusCode.Forbidden, "forbidden");

        var created = await gateway.ComputeAsync(HttpMethod.Post, "flavors", gateway.AdminToken, body, "2.55");
        created.AssertOk();
        Assert.Equal("small", created.Json.GetProperty("flavor").GetProperty("description").GetString());

        Assert.Contains("f-create", (await gateway.ComputeAsync(HttpMethod.Post, "flavors", gateway.AdminToken, Json(new { flavor = new { name = "other", ram = 1, vcpus = 1, disk = 0, id = "f-create" } })))
            .AssertError(HttpStatusCode.Conflict, "conflictingRequest"), StringComparison.Ordinal);
        Assert.Contains("f.create", (await gateway.ComputeAsync(HttpMethod.Post, "flavors", gateway.AdminToken, Json(new { flavor = new { name = "f.create", ram = 1, vcpus = 1, disk = 0 } })))
            .AssertError(HttpStatusCode.Conflict, "conflictingRequest"), StringComparison.Ordinal);

        Assert.Contains("ram", (await gateway.ComputeAsync(HttpMethod.Post, "flavors", gateway.AdminToken, Json(new { flavor = new { name = "x", vcpus = 1, disk = 0 } })))
            .AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        Assert.Contains("vcpus", (await gateway.ComputeAsync(HttpMethod.Post, "flavors", gateway.AdminToken, Json(new { flavor = new { name = "x", ram = 1, vcpus = 0, disk = 0 } })))
            .AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        Assert.Contains("colour", (await gateway.ComputeAsync(HttpMethod.Post, "flavors", gateway.AdminToken, Json(new { flavor = new { name = "x", ram = 1, vcpus = 1, disk = 0, colour = "red" } })))
            .AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        Assert.Contains("description", (await gateway.ComputeAsync(HttpMethod.Post, "flavors", gateway.AdminToken, Json(new { flavor = new { name = "x", ram = 1, vcpus = 1, disk = 0, description = "before 2.55" } })))
            .AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        (await gateway.ComputeAsync(HttpMethod.Post, "flavors", gateway.AdminToken, "{\"flavor\": ")).AssertError(HttpStatusCode.BadRequest, "badRequest");

        var updated = await gateway.ComputeAsync(HttpMethod.Put, "flavors/f-create", gateway.AdminToken, Json(new { flavor = new { description = "tiny" } }), "2.55");
        updated.AssertOk();
        Assert.Equal("tiny", updated.Json.GetProperty("flavor").GetProperty("description").GetString());

        (await gateway.ComputeAsync(HttpMethod.Delete, "flavors/f-create", gateway.DemoToken)).AssertError(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(HttpStatusCode.Accepted, (await gateway.ComputeAsync(HttpMethod.Delete, "flavors/f-create", gateway.AdminToken)).Status);
        (await gateway.ComputeAsync(HttpMethod.Get, "flavors/f-create", gateway.AdminToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        (await gateway.ComputeAsync(HttpMethod.Delete, "flavors/f-create", gateway.AdminToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
    }

    [Fact]
    public async Task Flavors_PrivateOnesOnlyForProjectsWithAccess_ExtraSpecsAdminWritten()
    {
        (await gateway.ComputeAsync(HttpMethod.Post, "flavors", gateway.AdminToken, Json(new Dictionary<string, object> { ["flavor"] = new Dictionary<string, object> { ["name"] = "p.private", ["ram"] = 128, ["vcpus"] = 1, ["disk"] = 0, ["id"] = "p-private", ["os-flavor-access:is_public"] = false } }))).AssertOk();
        (await gateway.ComputeAsync(HttpMethod.Get, "flavors/p-private", gateway.DemoToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        Assert.DoesNotContain("p-private", (await gateway.ComputeAsync(HttpMethod.Get, "flavors", gateway.DemoToken)).Text, StringComparison.Ordinal);

        (await gateway.ComputeAsync(HttpMethod.Post, "flavors/p-private/action", gateway.DemoToken, Json(new { addTenantAccess = new { tenant = gateway.DemoProjectId } }))).AssertError(HttpStatusCode.Forbidden, "forbidden");
        var added = await gateway.ComputeAsync(HttpMethod.Post, "flavors/p-private/action", gateway.AdminToken, Json(new { addTenantAccess = new { tenant = gateway.DemoProjectId } }));
        added.AssertOk();
        Assert.Equal(gateway.DemoProjectId, added.Json.GetProperty("flavor_access")[0].GetProperty("tenant_id").GetString());
        (await gateway.ComputeAsync(HttpMethod.Post, "flavors/p-private/action", gateway.AdminToken, Json(new { addTenantAccess = new { tenant = gateway.DemoProjectId } }))).AssertError(HttpStatusCode.Conflict, "conflictingRequest");
        (await gateway.ComputeAsync(HttpMethod.Get, "flavors/p-private", gateway.DemoToken)).AssertOk();
        Assert.Contains("p-private", (await gateway.ComputeAsync(HttpMethod.Get, "flavors", gateway.DemoToken)).Text, StringComparison.Ordinal);
        (await gateway.ComputeAsync(HttpMethod.Get, "flavors/p-private", gateway.OtherToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        (await gateway.ComputeAsync(HttpMethod.Get, "flavors/p-private/os-flavor-access", gateway.AdminToken)).AssertOk();
        (await gateway.ComputeAsync(HttpMethod.Get, "flavors/1/os-flavor-access", gateway.AdminToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound");

        // Boots with it: the pod gets a private copy that the project may use.
        var id = ServerId(await BootAsync(gateway.DemoToken, "az1", "private-flavor", "p-private"));
        Assert.Contains(id, gateway.Region("RegionOne").Inspect("servers").ToJsonString(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await gateway.ComputeAsync(HttpMethod.Post, "flavors/p-private/action", gateway.AdminToken, Json(new { removeTenantAccess = new { tenant = gateway.DemoProjectId } }))).Status);
        Assert.Contains("p-private", (await BootAsync(gateway.DemoToken, "az1", "no-access", "p-private")).AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);

        // Extra specs: everyone reads, admins write.
        (await gateway.ComputeAsync(HttpMethod.Post, "flavors/2/os-extra_specs", gateway.DemoToken, Json(new { extra_specs = new { a = "1" } }))).AssertError(HttpStatusCode.Forbidden, "forbidden");
        (await gateway.ComputeAsync(HttpMethod.Post, "flavors/2/os-extra_specs", gateway.AdminToken, Json(new { extra_specs = new Dictionary<string, string> { ["hw:cpu_policy"] = "shared", ["x"] = "y" } }))).AssertOk();
        Assert.Equal("shared", (await gateway.ComputeAsync(HttpMethod.Get, "flavors/2/os-extra_specs/hw:cpu_policy", gateway.DemoToken)).Json.GetProperty("hw:cpu_policy").GetString());
        (await gateway.ComputeAsync(HttpMethod.Put, "flavors/2/os-extra_specs/x", gateway.AdminToken, Json(new { x = "z" }))).AssertOk();
        (await gateway.ComputeAsync(HttpMethod.Put, "flavors/2/os-extra_specs/x", gateway.AdminToken, Json(new { y = "z" }))).AssertError(HttpStatusCode.BadRequest, "badRequest");
        Assert.Equal("z", (await gateway.ComputeAsync(HttpMethod.Get, "flavors/2/os-extra_specs", gateway.DemoToken)).Json.GetProperty("extra_specs").GetProperty("x").GetString());
        Assert.Equal(HttpStatusCode.OK, (await gateway.ComputeAsync(HttpMethod.Delete, "flavors/2/os-extra_specs/x", gateway.AdminToken)).Status);
        (await gateway.ComputeAsync(HttpMethod.Get, "flavors/2/os-extra_specs/x", gateway.DemoToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
    }

    [Fact]
    public async Task Boot_WithACentralFlavorThePodNeverSaw_CopiesItThereWithItsExtraSpecs()
    {
        var created = await gateway.ComputeAsync(HttpMethod.Post, "flavors", gateway.AdminToken, Json(new { flavor = new { name = "c1.custom", ram = 1024, vcpus = 2, disk = 5 } }));
        created.AssertOk();
        var flavorId = created.Json.GetProperty("flavor").GetProperty("id").GetString()!;
        (await gateway.ComputeAsync(HttpMethod.Post, $"flavors/{flavorId}/os-extra_specs", gateway.AdminToken, Json(new { extra_specs = new Dictionary<string, string> { ["hw:mem_page_size"] = "large" } }))).AssertOk();
        (await RegionNovaAsync("RegionTwo", HttpMethod.Get, "flavors/" + flavorId, gateway.AdminToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound");

        // flavorRef as a link, the way some clients send it.
        var id = ServerId(await BootAsync(gateway.DemoToken, "az2", "custom", gateway.ComputeUrl + "/flavors/" + flavorId));

        var inPod = await RegionNovaAsync("RegionTwo", HttpMethod.Get, "flavors/" + flavorId, gateway.AdminToken);
        inPod.AssertOk();
        var podFlavor = inPod.Json.GetProperty("flavor");
        Assert.Equal("c1.custom", podFlavor.GetProperty("name").GetString());
        Assert.Equal(1024, podFlavor.GetProperty("ram").GetInt32());
        Assert.Equal(2, podFlavor.GetProperty("vcpus").GetInt32());
        Assert.Equal("large", podFlavor.GetProperty("extra_specs").GetProperty("hw:mem_page_size").GetString());
        var server = await RegionNovaAsync("RegionTwo", HttpMethod.Get, "servers/" + id, gateway.DemoToken);
        Assert.Equal("c1.custom", server.Json.GetProperty("server").GetProperty("flavor").GetProperty("original_name").GetString());

        var routings = await gateway.SendAsync(new Uri(gateway.AdminUrl + $"/routings?top_id={flavorId}&resource_type=flavor&all_projects=true"), HttpMethod.Get, gateway.AdminToken);
        var routing = Assert.Single(routings.Json.GetProperty("routings").EnumerateArray());
        Assert.Equal(flavorId, routing.GetProperty("bottom_id").GetString());
        Assert.DoesNotContain(flavorId, gateway.Region("RegionOne").Inspect("flavors").ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Boot_PodHasAnotherFlavorUnderTheId_GetsACopyWithANewId()
    {
        (await gateway.ComputeAsync(HttpMethod.Post, "flavors", gateway.AdminToken, Json(new { flavor = new { name = "clash.central", ram = 640, vcpus = 1, disk = 1, id = "clash" } }))).AssertOk();
        (await gateway.SendAsync(new Uri(gateway.Region("RegionOne").ComputeUrl + "/flavors"), HttpMethod.Post, gateway.AdminToken, Json(new { flavor = new { name = "clash.local", ram = 64, vcpus = 1, disk = 1, id = "clash" } }))).AssertOk();

        var id = ServerId(await BootAsync(gateway.DemoToken, "az1", "clashing"));
        Assert.NotNull(id);
        var server = ServerId(await BootAsync(gateway.DemoToken, "az1", "clashing", "clash"));
        var shown = await RegionNovaAsync("RegionOne", HttpMethod.Get, "servers/" + server, gateway.DemoToken);
        Assert.Equal(640, shown.Json.GetProperty("server").GetProperty("flavor").GetProperty("ram").GetInt32());
    }

    [Fact]
    public async Task Boot_ParallelWithANewFlavor_CopiesItIntoThePodOnce()
    {
        var created = await gateway.ComputeAsync(HttpMethod.Post, "flavors", gateway.AdminToken, Json(new { flavor = new { name = "race.flavor", ram = 256, vcpus = 1, disk = 1 } }));
        var flavorId = created.Json.GetProperty("flavor").GetProperty("id").GetString()!;
        var (token, _) = NewTenant();
        var boots = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => BootAsync(token, "az2", "race-" + i, flavorId)));
        Assert.All(boots, b => Assert.True(b.Status == HttpStatusCode.Accepted, b.Text));
        Assert.Single(gateway.Region("RegionTwo").Inspect("flavors"), f => f!["name"]?.ToString() == "race.flavor");
        var routings = await gateway.SendAsync(new Uri(gateway.AdminUrl + $"/routings?top_id={flavorId}&all_projects=true"), HttpMethod.Get, gateway.AdminToken);
        Assert.Single(routings.Json.GetProperty("routings").EnumerateArray());
    }

    [Fact]
    public async Task Boot_UnknownFlavorOrKeyName_Is400_AndNothingIsReserved()
    {
        var (token, project) = NewTenant();
        Assert.Equal("Flavor nope could not be found.", (await BootAsync(token, "az1", "x", "nope")).AssertError(HttpStatusCode.BadRequest, "badRequest"));
        Assert.Equal("Invalid key_name provided.", (await BootAsync(token, "az1", "x", keyName: "nokey")).AssertError(HttpStatusCode.BadRequest, "badRequest"));
        var detail = await gateway.ComputeAsync(HttpMethod.Get, $"os-quota-sets/{project}/detail", token);
        Assert.Equal(0, detail.Json.GetProperty("quota_set").GetProperty("instances").GetProperty("in_use").GetInt32());
    }

    [Fact]
    public async Task Boot_OverTheMetadataItemsQuota_Is403_AndNothingIsReserved()
    {
        // Checked on the limits the instance reservation reads, in its transaction: refused there, nothing is written.
        var (token, project) = NewTenant();
        Assert.Equal(HttpStatusCode.OK, (await gateway.ComputeAsync(HttpMethod.Put, $"os-quota-sets/{project}", gateway.AdminToken, Json(new { quota_set = new { metadata_items = 1 } }))).Status);
        var image = await gateway.CirrosAsync("RegionOne");
        var refused = await gateway.ComputeAsync(HttpMethod.Post, "servers", token,
            Json(new { server = new { name = "meta", flavorRef = "1", imageRef = image, networks = "none", availability_zone = "az1", metadata = new { a = "1", b = "2" } } }), "2.37");
        Assert.Contains("Quota exceeded for metadata_items", refused.AssertError(HttpStatusCode.Forbidden, "forbidden"), StringComparison.Ordinal);
        var detail = await gateway.ComputeAsync(HttpMethod.Get, $"os-quota-sets/{project}/detail", token);
        Assert.Equal(0, detail.Json.GetProperty("quota_set").GetProperty("instances").GetProperty("in_use").GetInt32());
    }

    [Fact]
    public async Task Keypairs_CreatedCentrally_AreImportedIntoEachPodAtBoot()
    {
        var (token, _) = NewTenant();
        var created = await gateway.ComputeAsync(HttpMethod.Post, "os-keypairs", token, Json(new { keypair = new { name = "k1" } }), "2.2");
        Assert.Equal(HttpStatusCode.Created, created.Status);
        var keypair = created.Json.GetProperty("keypair");
        Assert.StartsWith("-----BEGIN RSA PRIVATE KEY-----", keypair.GetProperty("private_key").GetString(), StringComparison.Ordinal);
        Assert.Matches("^([0-9a-f]{2}:){15}[0-9a-f]{2}$", keypair.GetProperty("fingerprint").GetString());
        var fingerprint = keypair.GetProperty("fingerprint").GetString();

        // The private key is shown once only.
        var shown = await gateway.ComputeAsync(HttpMethod.Get, "os-keypairs/k1", token);
        shown.AssertOk();
        Assert.False(shown.Json.GetProperty("keypair").TryGetProperty("private_key", out _));
        Assert.Contains("k1", (await gateway.ComputeAsync(HttpMethod.Get, "os-keypairs", token)).Text, StringComparison.Ordinal);
        Assert.Contains("k1", (await gateway.ComputeAsync(HttpMethod.Post, "os-keypairs", token, Json(new { keypair = new { name = "k1" } }))).AssertError(HttpStatusCode.Conflict, "conflictingRequest"), StringComparison.Ordinal);
        (await gateway.ComputeAsync(HttpMethod.Post, "os-keypairs", token, Json(new { keypair = new { name = "bad", public_key = "not a key" } }))).AssertError(HttpStatusCode.BadRequest, "badRequest");
        (await gateway.ComputeAsync(HttpMethod.Post, "os-keypairs", token, Json(new { keypair = new { name = "bad/name" } }))).AssertError(HttpStatusCode.BadRequest, "badRequest");
        (await gateway.ComputeAsync(HttpMethod.Get, "os-keypairs/k1", gateway.DemoToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound");

        foreach (var (az, region) in new[] { ("az1", "RegionOne"), ("az2", "RegionTwo") })
        {
            ServerId(await BootAsync(token, az, "keyed-" + az, keyName: "k1"));
            var inPod = await RegionNovaAsync(region, HttpMethod.Get, "os-keypairs/k1", token);
            inPod.AssertOk();
            Assert.Equal(fingerprint, inPod.Json.GetProperty("keypair").GetProperty("fingerprint").GetString());
        }

        // Imported keys keep Nova's fingerprint; a pod key of the same name but another key is a 409 naming the pod.
        var imported = await gateway.ComputeAsync(HttpMethod.Post, "os-keypairs", token, Json(new { keypair = new { name = "k2", public_key = keypair.GetProperty("public_key").GetString() } }));
        Assert.Equal(fingerprint, imported.Json.GetProperty("keypair").GetProperty("fingerprint").GetString());
        var other = await gateway.ComputeAsync(HttpMethod.Post, "os-keypairs", gateway.DemoToken, Json(new { keypair = new { name = "tmp" } }));
        (await gateway.SendAsync(new Uri(gateway.Region("RegionTwo").ComputeUrl + "/os-keypairs"), HttpMethod.Post, token, Json(new { keypair = new { name = "k2", public_key = other.Json.GetProperty("keypair").GetProperty("public_key").GetString() } }))).AssertOk();
        Assert.Contains("RegionTwo", (await BootAsync(token, "az2", "clash", keyName: "k2")).AssertError(HttpStatusCode.Conflict, "conflictingRequest"), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Accepted, (await gateway.ComputeAsync(HttpMethod.Delete, "os-keypairs/k2", token)).Status);
        (await gateway.ComputeAsync(HttpMethod.Delete, "os-keypairs/k2", token)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
    }

    [Fact]
    public async Task Quota_CountsAcrossPods_AnotherAzDoesNotEscapeIt_AndDeleteFreesIt()
    {
        var (token, project) = NewTenant();
        (await gateway.ComputeAsync(HttpMethod.Put, $"os-quota-sets/{project}", token, Json(new { quota_set = new { instances = 2 } }))).AssertError(HttpStatusCode.Forbidden, "forbidden");
        var set = await gateway.ComputeAsync(HttpMethod.Put, $"os-quota-sets/{project}", gateway.AdminToken, Json(new { quota_set = new { instances = 2 } }));
        set.AssertOk();
        Assert.Equal(2, set.Json.GetProperty("quota_set").GetProperty("instances").GetInt32());

        var first = ServerId(await BootAsync(token, "az1", "q1"));
        ServerId(await BootAsync(token, "az1", "q2"));
        Assert.Equal("Quota exceeded for instances: Requested 1, but already used 2 of 2 instances",
            (await BootAsync(token, "az2", "q3")).AssertError(HttpStatusCode.Forbidden, "forbidden"));

        var detail = await gateway.ComputeAsync(HttpMethod.Get, $"os-quota-sets/{project}/detail", token);
        detail.AssertOk();
        var quota = detail.Json.GetProperty("quota_set");
        Assert.Equal(2, quota.GetProperty("instances").GetProperty("in_use").GetInt32());
        Assert.Equal(2, quota.GetProperty("cores").GetProperty("in_use").GetInt32());
        Assert.Equal(1024, quota.GetProperty("ram").GetProperty("in_use").GetInt32());

        var limits = await gateway.ComputeAsync(HttpMethod.Get, "limits", token);
        limits.AssertOk();
        var absolute = limits.Json.GetProperty("limits").GetProperty("absolute");
        Assert.Equal(2, absolute.GetProperty("maxTotalInstances").GetInt32());
        Assert.Equal(2, absolute.GetProperty("totalInstancesUsed").GetInt32());
        Assert.Equal(1024, absolute.GetProperty("totalRAMUsed").GetInt32());
        Assert.Equal(0, limits.Json.GetProperty("limits").GetProperty("rate").GetArrayLength());

        // Lowering below use is refused unless forced.
        (await gateway.ComputeAsync(HttpMethod.Put, $"os-quota-sets/{project}", gateway.AdminToken, Json(new { quota_set = new { instances = 1 } }))).AssertError(HttpStatusCode.BadRequest, "badRequest");
        (await gateway.ComputeAsync(HttpMethod.Put, $"os-quota-sets/{project}", gateway.AdminToken, Json(new { quota_set = new { instances = "many" } }))).AssertError(HttpStatusCode.BadRequest, "badRequest");
        (await gateway.ComputeAsync(HttpMethod.Put, $"os-quota-sets/{project}", gateway.AdminToken, Json(new { quota_set = new { bogus = 1 } }))).AssertError(HttpStatusCode.BadRequest, "badRequest");

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.ComputeAsync(HttpMethod.Delete, "servers/" + first, token)).Status);
        ServerId(await BootAsync(token, "az2", "q3"));

        // Reset: back to the defaults.
        (await gateway.ComputeAsync(HttpMethod.Delete, $"os-quota-sets/{project}", token)).AssertError(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(HttpStatusCode.Accepted, (await gateway.ComputeAsync(HttpMethod.Delete, $"os-quota-sets/{project}", gateway.AdminToken)).Status);
        Assert.Equal(10, (await gateway.ComputeAsync(HttpMethod.Get, $"os-quota-sets/{project}", token)).Json.GetProperty("quota_set").GetProperty("instances").GetInt32());
        Assert.Equal(20, (await gateway.ComputeAsync(HttpMethod.Get, $"os-quota-sets/{project}/defaults", token)).Json.GetProperty("quota_set").GetProperty("cores").GetInt32());

        // Other projects' quotas are for admins.
        (await gateway.ComputeAsync(HttpMethod.Get, $"os-quota-sets/{gateway.DemoProjectId}", token)).AssertError(HttpStatusCode.Forbidden, "forbidden");
        (await gateway.ComputeAsync(HttpMethod.Get, $"os-quota-sets/{project}", gateway.AdminToken)).AssertOk();
    }

    [Fact]
    public async Task Quota_ParallelBootsNearTheLimit_NeverExceedIt()
    {
        var (token, project) = NewTenant();
        (await gateway.ComputeAsync(HttpMethod.Put, $"os-quota-sets/{project}", gateway.AdminToken, Json(new { quota_set = new { instances = 3 } }))).AssertOk();
        var boots = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => BootAsync(token, i % 2 == 0 ? "az1" : "az2", "p" + i)));
        Assert.Equal(3, boots.Count(b => b.Status == HttpStatusCode.Accepted));
        Assert.All(boots.Where(b => b.Status != HttpStatusCode.Accepted), b => Assert.Contains("Quota exceeded for instances", b.AssertError(HttpStatusCode.Forbidden, "forbidden"), StringComparison.Ordinal));
        var detail = await gateway.ComputeAsync(HttpMethod.Get, $"os-quota-sets/{project}/detail", token);
        Assert.Equal(3, detail.Json.GetProperty("quota_set").GetProperty("instances").GetProperty("in_use").GetInt32());
    }

    [Fact]
    public async Task Quota_CoresAndRamCountTheFlavor_AndAPodRefusalGivesTheReservationBack()
    {
        var (token, project) = NewTenant();
        (await gateway.ComputeAsync(HttpMethod.Put, $"os-quota-sets/{project}", gateway.AdminToken, Json(new { quota_set = new { cores = 3 } }))).AssertOk();
        Assert.Equal("Quota exceeded for cores: Requested 4, but already used 0 of 3 cores", (await BootAsync(token, "az1", "big", "4")).AssertError(HttpStatusCode.Forbidden, "forbidden"));

        // The pod refuses (no such image): nothing stays reserved.
        var refused = await gateway.ComputeAsync(HttpMethod.Post, "servers", token, Json(new { server = new { name = "x", flavorRef = "1", imageRef = Guid.NewGuid(), networks = "none", availability_zone = "az1" } }), "2.37");
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        var detail = await gateway.ComputeAsync(HttpMethod.Get, $"os-quota-sets/{project}/detail", token);
        Assert.Equal(0, detail.Json.GetProperty("quota_set").GetProperty("instances").GetProperty("in_use").GetInt32());
        Assert.Equal(0, detail.Json.GetProperty("quota_set").GetProperty("cores").GetProperty("in_use").GetInt32());
    }

    [Fact]
    public async Task AvailabilityZones_AndAggregates_FollowThePods()
    {
        var zones = await gateway.ComputeAsync(HttpMethod.Get, "os-availability-zone", gateway.DemoToken);
        zones.AssertOk();
        var info = zones.Json.GetProperty("availabilityZoneInfo").EnumerateArray().ToList();
        Assert.Equal(["az1", "az2"], info.Select(z => z.GetProperty("zoneName").GetString()));
        Assert.All(info, z => Assert.True(z.GetProperty("zoneState").GetProperty("available").GetBoolean()));
        Assert.All(info, z => Assert.Equal(JsonValueKind.Null, z.GetProperty("hosts").ValueKind));

        (await gateway.ComputeAsync(HttpMethod.Get, "os-availability-zone/detail", gateway.DemoToken)).AssertError(HttpStatusCode.Forbidden, "forbidden");
        var detail = await gateway.ComputeAsync(HttpMethod.Get, "os-availability-zone/detail", gateway.AdminToken);
        Assert.True(detail.Json.GetProperty("availabilityZoneInfo")[1].GetProperty("hosts").TryGetProperty("RegionTwo", out _));

        (await gateway.ComputeAsync(HttpMethod.Get, "os-aggregates", gateway.DemoToken)).AssertError(HttpStatusCode.Forbidden, "forbidden");
        var aggregates = await gateway.ComputeAsync(HttpMethod.Get, "os-aggregates", gateway.AdminToken);
        aggregates.AssertOk();
        var two = aggregates.Json.GetProperty("aggregates").EnumerateArray().Single(a => a.GetProperty("name").GetString() == "RegionTwo");
        Assert.Equal("az2", two.GetProperty("availability_zone").GetString());
        var shown = await gateway.ComputeAsync(HttpMethod.Get, "os-aggregates/" + two.GetProperty("id").GetInt32(), gateway.AdminToken);
        Assert.Equal("RegionTwo", shown.Json.GetProperty("aggregate").GetProperty("name").GetString());
        (await gateway.ComputeAsync(HttpMethod.Get, "os-aggregates/99", gateway.AdminToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        Assert.Contains("pod", (await gateway.ComputeAsync(HttpMethod.Post, "os-aggregates", gateway.AdminToken, Json(new { aggregate = new { name = "x" } }))).AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        (await gateway.ComputeAsync(HttpMethod.Post, "os-aggregates", gateway.DemoToken, Json(new { aggregate = new { name = "x" } }))).AssertError(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Images_ThroughNova_InNovasFormat()
    {
        var list = await gateway.ComputeAsync(HttpMethod.Get, "images", gateway.DemoToken);
        list.AssertOk();
        var cirros = list.Json.GetProperty("images").EnumerateArray().Single(i => i.GetProperty("name").GetString() == "cirros");
        var id = cirros.GetProperty("id").GetString()!;
        Assert.Equal(await gateway.CirrosAsync("RegionOne"), id);

        var detail = await gateway.ComputeAsync(HttpMethod.Get, "images/detail?name=cirros", gateway.DemoToken);
        var image = Assert.Single(detail.Json.GetProperty("images").EnumerateArray());
        Assert.Equal("ACTIVE", image.GetProperty("status").GetString());
        Assert.Equal(100, image.GetProperty("progress").GetInt32());
        Assert.True(image.GetProperty("OS-EXT-IMG-SIZE:size").GetInt64() > 0);
        Assert.Equal(JsonValueKind.Object, image.GetProperty("metadata").ValueKind);

        var shown = await gateway.ComputeAsync(HttpMethod.Get, "images/" + id, gateway.DemoToken);
        shown.AssertOk();
        Assert.Equal("cirros", shown.Json.GetProperty("image").GetProperty("name").GetString());
        Assert.Equal("Image not found.", (await gateway.ComputeAsync(HttpMethod.Get, "images/" + Guid.NewGuid(), gateway.DemoToken)).AssertError(HttpStatusCode.NotFound, "itemNotFound"));
        Assert.Empty((await gateway.ComputeAsync(HttpMethod.Get, "images?minRam=999999", gateway.DemoToken)).Json.GetProperty("images").EnumerateArray());
    }

    [Fact]
    public async Task OpenStackCli_FlavorsKeypairsZonesQuotasAndLimits()
    {
        var env = File.ReadAllLines(Path.Combine(gateway.DataDirectory, "openrc.demo"))
            .Where(l => l.StartsWith("export ", StringComparison.Ordinal))
            .Select(l => l["export ".Length..].Split('=', 2))
            .ToDictionary(kv => kv[0], kv => (string?)kv[1]);
        Assert.Equal(SandboxOptions.CentralRegion, env["OS_REGION_NAME"]);
        var admin = new Dictionary<string, string?>(env) { ["OS_USERNAME"] = "admin", ["OS_PASSWORD"] = SandboxOptions.AdminPassword, ["OS_PROJECT_NAME"] = "admin" };

        async Task<JsonElement> Os(Dictionary<string, string?> who, params string[] args)
        {
            var r = await CliRunner.RunAsync("openstack", [.. args, "-f", "json"], who);
            Assert.True(r.ExitCode == 0, $"openstack {string.Join(' ', args)}\n{r}");
            return JsonDocument.Parse(r.Stdout).RootElement.Clone();
        }

        var flavors = await Os(env, "flavor", "list");
        Assert.Contains(flavors.EnumerateArray(), f => f.GetProperty("Name").GetString() == "m1.tiny" && f.GetProperty("RAM").GetInt32() == 512);

        var created = await Os(admin, "flavor", "create", "--ram", "768", "--vcpus", "1", "--disk", "2", "cli.flavor");
        Assert.Equal(768, created.GetProperty("ram").GetInt32());
        Assert.Contains((await Os(env, "flavor", "list")).EnumerateArray(), f => f.GetProperty("Name").GetString() == "cli.flavor");
        var denied = await CliRunner.RunAsync("openstack", ["flavor", "create", "--ram", "1", "--vcpus", "1", "--disk", "0", "cli.denied"], env);
        Assert.NotEqual(0, denied.ExitCode);

        // Without --private-key the CLI prints the generated private key itself.
        var key = await CliRunner.RunAsync("openstack", ["keypair", "create", "cli-k1"], env);
        Assert.True(key.ExitCode == 0, key.ToString());
        Assert.StartsWith("-----BEGIN RSA PRIVATE KEY-----", key.Stdout, StringComparison.Ordinal);
        Assert.Contains((await Os(env, "keypair", "list")).EnumerateArray(), k => k.GetProperty("Name").GetString() == "cli-k1");

        var zones = await Os(env, "availability", "zone", "list", "--compute");
        Assert.Equal(["az1", "az2"], zones.EnumerateArray().Select(z => z.GetProperty("Zone Name").GetString()).Order(StringComparer.Ordinal));

        // `limits show` and `quota show` ask Nova, Cinder and Neutron of the central region: all three are Tricircle's.
        var limits = await Os(env, "limits", "show", "--absolute");
        Assert.Contains(limits.EnumerateArray(), l => l.GetProperty("Name").GetString() == "maxTotalInstances" && l.GetProperty("Value").GetInt32() == 10);
        Assert.Contains(limits.EnumerateArray(), l => l.GetProperty("Name").GetString() == "maxTotalVolumes" && l.GetProperty("Value").GetInt32() == 10);

        var quota = await Os(env, "quota", "show");
        Assert.Equal(10, quota.GetProperty("instances").GetInt32());
        Assert.Equal(10, quota.GetProperty("volumes").GetInt32());
        Assert.Equal(1000, quota.GetProperty("gigabytes").GetInt32());

        var set = await CliRunner.RunAsync("openstack", ["quota", "set", "--volumes", "7", "--snapshots", "4", "demo"], admin);
        Assert.True(set.ExitCode == 0, set.ToString());
        var asAdmin = await Os(admin, "quota", "show", "demo");
        Assert.Equal(7, asAdmin.GetProperty("volumes").GetInt32());
        Assert.Equal(4, asAdmin.GetProperty("snapshots").GetInt32());
        Assert.Equal(7, (await Os(env, "quota", "show")).GetProperty("volumes").GetInt32());

        // Only an admin changes quotas.
        var denied2 = await CliRunner.RunAsync("openstack", ["quota", "set", "--volumes", "100", "demo"], env);
        Assert.NotEqual(0, denied2.ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync("openstack", ["quota", "set", "--volumes", "10", "--snapshots", "10", "demo"], admin)).ExitCode);
    }
}

public sealed class SqliteComputeCatalogueTests(SqliteGatewayFixture gateway) : ComputeCatalogueTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class PostgresComputeCatalogueTests(PostgresGatewayFixture gateway) : ComputeCatalogueTests(gateway), IClassFixture<PostgresGatewayFixture>;
