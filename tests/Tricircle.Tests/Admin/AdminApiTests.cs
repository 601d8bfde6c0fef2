using System.Net;
using System.Text.Json;
using Dapper;
using Tricircle.Support;

namespace Tricircle.Admin;

/// <summary>The Admin API end to end: real host, emulated Keystone, SQLite and PostgreSQL.</summary>
public abstract class AdminApiTests(ServiceFixture fixture)
{
    private Task<ApiResponse> Send(HttpMethod method, string path, string? token, string? json = null) =>
        ApiResponse.SendAsync(fixture.Http, fixture.Admin(method, path, token, json));

    private Task<ApiResponse> AsAdmin(HttpMethod method, string path, string? json = null) => Send(method, path, fixture.AdminToken, json);

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private async Task<JsonElement> CreatePod(string region, string az)
    {
        var r = await AsAdmin(HttpMethod.Post, "/v1.0/pods", $$$"""{"pod": {"region_name": "{{{region}}}", "az_name": "{{{az}}}", "pod_az_name": "nova", "dc_name": "dc1"}}""");
        r.AssertOk();
        return r.Json.GetProperty("pod");
    }

    private async Task<string> CentralPodId()
    {
        var list = await AsAdmin(HttpMethod.Get, "/v1.0/pods?az_name=");
        list.AssertOk();
        var existing = list.Json.GetProperty("pods").EnumerateArray().FirstOrDefault();
        if (existing.ValueKind == JsonValueKind.Object)
        {
            return existing.GetProperty("pod_id").GetString()!;
        }

        var created = await AsAdmin(HttpMethod.Post, "/v1.0/pods", """{"pod": {"region_name": "CentralRegion"}}""");
        return created.Status == HttpStatusCode.OK ? created.Json.GetProperty("pod").GetProperty("pod_id").GetString()! : await CentralPodId();
    }

    [Theory]
    [InlineData("GET", "/")]
    [InlineData("GET", "/v1.0")]
    [InlineData("GET", "/v1.0/pods")]
    [InlineData("POST", "/v1.0/pods")]
    [InlineData("GET", "/v1.0/bindings")]
    [InlineData("GET", "/v1.0/routings")]
    [InlineData("DELETE", "/v1.0/routings/1")]
    [InlineData("GET", "/v1.0/no-such-thing")]
    public async Task AnyCall_WithoutToken_Is401WithKeystoneChallenge(string method, string path)
    {
        var r = await Send(new HttpMethod(method), path, token: null, json: method == "POST" ? "{}" : null);
        Assert.Equal(HttpStatusCode.Unauthorized, r.Status);
        var challenge = r.Message.Headers.WwwAuthenticate.ToString();
        Assert.Equal($"Keystone uri=\"{fixture.Keystone.AuthUrl.ToString().TrimEnd('/')}\"", challenge);
        Assert.Equal(401, r.Json.GetProperty("error").GetProperty("code").GetInt32());
        Assert.StartsWith("req-", r.Message.Headers.GetValues("x-openstack-request-id").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnyCall_WithBogusToken_Is401()
    {
        var r = await Send(HttpMethod.Get, "/v1.0/pods", "not-a-token");
        Assert.Equal(HttpStatusCode.Unauthorized, r.Status);
    }

    [Theory]
    [InlineData("GET", "/v1.0/pods", "admin_api:pods:list")]
    [InlineData("POST", "/v1.0/pods", "admin_api:pods:create")]
    [InlineData("DELETE", "/v1.0/pods/x", "admin_api:pods:delete")]
    [InlineData("GET", "/v1.0/bindings", "admin_api:bindings:list")]
    [InlineData("POST", "/v1.0/routings", "admin_api:routings:create")]
    [InlineData("PUT", "/v1.0/routings/1", "admin_api:routings:put")]
    public async Task AdminCall_WithMemberToken_Is403NamingTheRule(string method, string path, string rule)
    {
        var r = await Send(new HttpMethod(method), path, fixture.DemoToken, method is "POST" or "PUT" ? """{"pod": {}}""" : null);
        var message = r.AssertError(HttpStatusCode.Forbidden, "forbidden");
        Assert.Contains(rule, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Versions_ListV1_AndTheV1DocumentLinksItsResources()
    {
        var root = await AsAdmin(HttpMethod.Get, "/");
        root.AssertOk();
        var version = root.Json.GetProperty("versions")[0];
        Assert.Equal("v1.0", version.GetProperty("id").GetString());
        Assert.Equal("CURRENT", version.GetProperty("status").GetString());
        Assert.Equal(new Uri(fixture.AdminUrl, "v1.0/").ToString(), version.GetProperty("links")[0].GetProperty("href").GetString());

        var v1 = await AsAdmin(HttpMethod.Get, "/v1.0");
        v1.AssertOk();
        (await AsAdmin(HttpMethod.Get, "/v1.0/")).AssertOk(); // the href above, trailing slash and all
        var rels = v1.Json.GetProperty("links").EnumerateArray().Select(l => l.GetProperty("rel").GetString()).ToList();
        Assert.Equal(["self", "bindings", "jobs", "pods", "routings"], rels);
    }

    [Fact]
    public async Task Versions_OtherMethods_Are405WithJson()
    {
        var r = await AsAdmin(HttpMethod.Post, "/v1.0", "{}");
        r.AssertError(HttpStatusCode.MethodNotAllowed, "badMethod");
    }

    [Fact]
    public async Task UnknownPath_Is404WithJson()
    {
        var r = await AsAdmin(HttpMethod.Get, "/v1.0/pods/x/y/z");
        Assert.Contains("/v1.0/pods/x/y/z", r.AssertError(HttpStatusCode.NotFound, "itemNotFound"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pods_CentralRule_SecondCentralIs409_EvenWithExplicitEmptyAz()
    {
        await CentralPodId();
        var implicitAz = await AsAdmin(HttpMethod.Post, "/v1.0/pods", $$$"""{"pod": {"region_name": "{{{Unique("R")}}}"}}""");
        Assert.Contains("central pod already exists", implicitAz.AssertError(HttpStatusCode.Conflict, "conflictingRequest"), StringComparison.Ordinal);

        // Upstream skipped the check for an explicit "" (a quirk not copied).
        var explicitAz = await AsAdmin(HttpMethod.Post, "/v1.0/pods", $$$"""{"pod": {"region_name": "{{{Unique("R")}}}", "az_name": ""}}""");
        explicitAz.AssertError(HttpStatusCode.Conflict, "conflictingRequest");
    }

    [Fact]
    public async Task Pods_Crud_WithPodNameAlias()
    {
        var region = Unique("Region");
        var created = await AsAdmin(HttpMethod.Post, "/v1.0/pods", $$$"""{"pod": {"pod_name": "  {{{region}}} ", "az_name": "az-x", "pod_az_name": "nova", "dc_name": "dc9"}}""");
        created.AssertOk();
        var pod = created.Json.GetProperty("pod");
        var id = pod.GetProperty("pod_id").GetString()!;
        Assert.True(Guid.TryParse(id, out _));
        Assert.Equal(region, pod.GetProperty("region_name").GetString()); // trimmed
        Assert.Equal(region, pod.GetProperty("pod_name").GetString());
        Assert.Equal("az-x", pod.GetProperty("az_name").GetString());
        Assert.Equal("nova", pod.GetProperty("pod_az_name").GetString());
        Assert.Equal("dc9", pod.GetProperty("dc_name").GetString());

        var shown = await AsAdmin(HttpMethod.Get, $"/v1.0/pods/{id}");
        shown.AssertOk();
        Assert.Equal(region, shown.Json.GetProperty("pod").GetProperty("region_name").GetString());

        var listed = await AsAdmin(HttpMethod.Get, $"/v1.0/pods?region_name={region}");
        Assert.Equal(id, listed.Json.GetProperty("pods").EnumerateArray().Single().GetProperty("pod_id").GetString());

        var updated = await AsAdmin(HttpMethod.Put, $"/v1.0/pods/{id}", """{"pod": {"dc_name": "dc10"}}""");
        updated.AssertOk();
        Assert.Equal("dc10", updated.Json.GetProperty("pod").GetProperty("dc_name").GetString());
        Assert.Equal("az-x", updated.Json.GetProperty("pod").GetProperty("az_name").GetString());

        var duplicate = await AsAdmin(HttpMethod.Post, "/v1.0/pods", $$$"""{"pod": {"region_name": "{{{region}}}", "az_name": "az-y"}}""");
        Assert.Contains(region, duplicate.AssertError(HttpStatusCode.Conflict, "conflictingRequest"), StringComparison.Ordinal);

        (await AsAdmin(HttpMethod.Delete, $"/v1.0/pods/{id}")).AssertOk();
        (await AsAdmin(HttpMethod.Get, $"/v1.0/pods/{id}")).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        (await AsAdmin(HttpMethod.Delete, $"/v1.0/pods/{id}")).AssertError(HttpStatusCode.NotFound, "itemNotFound");
    }

    [Fact]
    public async Task Pods_Disabled_SetOnCreateAndUpdate_ShownInShowAndList_EnableForgetsTheReason()
    {
        var region = Unique("Region");
        var created = await AsAdmin(HttpMethod.Post, "/v1.0/pods", $$$"""{"pod": {"region_name": "{{{region}}}", "az_name": "az-d", "disabled": true, "disabled_reason": "rack move"}}""");
        created.AssertOk();
        var id = created.Json.GetProperty("pod").GetProperty("pod_id").GetString()!;
        Assert.True(created.Json.GetProperty("pod").GetProperty("disabled").GetBoolean());
        Assert.Equal("rack move", created.Json.GetProperty("pod").GetProperty("disabled_reason").GetString());

        var listed = (await AsAdmin(HttpMethod.Get, $"/v1.0/pods?region_name={region}")).Json.GetProperty("pods").EnumerateArray().Single();
        Assert.True(listed.GetProperty("disabled").GetBoolean());
        Assert.Equal("rack move", listed.GetProperty("disabled_reason").GetString());

        var enabled = await AsAdmin(HttpMethod.Put, $"/v1.0/pods/{id}", """{"pod": {"disabled": false}}""");
        enabled.AssertOk();
        Assert.False(enabled.Json.GetProperty("pod").GetProperty("disabled").GetBoolean());
        Assert.Equal("", enabled.Json.GetProperty("pod").GetProperty("disabled_reason").GetString());

        var disabled = await AsAdmin(HttpMethod.Put, $"/v1.0/pods/{id}", """{"pod": {"disabled": true, "disabled_reason": "power"}}""");
        disabled.AssertOk();
        var shown = (await AsAdmin(HttpMethod.Get, $"/v1.0/pods/{id}")).Json.GetProperty("pod");
        Assert.True(shown.GetProperty("disabled").GetBoolean());
        Assert.Equal("power", shown.GetProperty("disabled_reason").GetString());

        // Other changes leave the flag alone; a pod created without it is enabled.
        Assert.True((await AsAdmin(HttpMethod.Put, $"/v1.0/pods/{id}", """{"pod": {"dc_name": "dc2"}}""")).Json.GetProperty("pod").GetProperty("disabled").GetBoolean());
        Assert.False((await CreatePod(Unique("R"), "az-d")).GetProperty("disabled").GetBoolean());

        Assert.Contains("'disabled' must be a boolean", (await AsAdmin(HttpMethod.Put, $"/v1.0/pods/{id}", """{"pod": {"disabled": "yes"}}""")).AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        Assert.Contains("'disabled_reason' must be a string", (await AsAdmin(HttpMethod.Post, "/v1.0/pods", $$$"""{"pod": {"region_name": "{{{Unique("R")}}}", "az_name": "az-d", "disabled_reason": 1}}""")).AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"pod\": {\"region_name\": ", "not valid JSON")]
    [InlineData("", "empty")]
    [InlineData("[1, 2]", "JSON object")]
    [InlineData("{\"pods\": {}}", "no 'pod' key")]
    [InlineData("{\"pod\": \"RegionX\"}", "'pod' must be a JSON object")]
    [InlineData("{\"pod\": {}}", "'region_name' is required")]
    [InlineData("{\"pod\": {\"region_name\": \"  \"}}", "'region_name' is required")]
    [InlineData("{\"pod\": {\"region_name\": 42}}", "'region_name' must be a string")]
    [InlineData("{\"pod\": {\"region_name\": \"R\", \"az_name\": true}}", "'az_name' must be a string")]
    [InlineData("{\"pod\": {\"region_name\": \"R\", \"az\": \"x\"}}", "Unrecognized attribute(s) in 'pod': az")]
    [InlineData("{\"pod\": {\"region_name\": \"A\", \"pod_name\": \"B\"}}", "differ")]
    public async Task Pods_BadBody_Is400NamingTheProblem(string body, string message)
    {
        var r = await AsAdmin(HttpMethod.Post, "/v1.0/pods", body);
        Assert.Contains(message, r.AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pods_UnknownId_Is404_AndUpdateRules()
    {
        (await AsAdmin(HttpMethod.Get, "/v1.0/pods/4a9e0c1e-0000-0000-0000-000000000000")).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        (await AsAdmin(HttpMethod.Put, "/v1.0/pods/nope", """{"pod": {"dc_name": "x"}}""")).AssertError(HttpStatusCode.NotFound, "itemNotFound");

        var pod = await CreatePod(Unique("R"), "az1");
        var id = pod.GetProperty("pod_id").GetString();
        var rename = await AsAdmin(HttpMethod.Put, $"/v1.0/pods/{id}", """{"pod": {"region_name": "Other"}}""");
        Assert.Contains("region_name can not be changed", rename.AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        var centralise = await AsAdmin(HttpMethod.Put, $"/v1.0/pods/{id}", """{"pod": {"az_name": ""}}""");
        Assert.Contains("second central pod", centralise.AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bindings_Crud_AndErrors()
    {
        var central = await CentralPodId();
        var pod = (await CreatePod(Unique("R"), "az-b")).GetProperty("pod_id").GetString()!;
        var tenant = Unique("tenant");

        var created = await AsAdmin(HttpMethod.Post, "/v1.0/bindings", $$$"""{"pod_binding": {"tenant_id": "{{{tenant}}}", "pod_id": "{{{pod}}}"}}""");
        created.AssertOk();
        var binding = created.Json.GetProperty("pod_binding");
        var id = binding.GetProperty("id").GetString();
        Assert.True(binding.GetProperty("is_binding").GetBoolean());
        Assert.Equal(tenant, binding.GetProperty("tenant_id").GetString());

        (await AsAdmin(HttpMethod.Post, "/v1.0/bindings", $$$"""{"pod_binding": {"tenant_id": "{{{tenant}}}", "pod_id": "{{{pod}}}"}}"""))
            .AssertError(HttpStatusCode.Conflict, "conflictingRequest");
        Assert.Contains("central pod", (await AsAdmin(HttpMethod.Post, "/v1.0/bindings", $$$"""{"pod_binding": {"tenant_id": "{{{tenant}}}", "pod_id": "{{{central}}}"}}"""))
            .AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        Assert.Contains("doesn't exist", (await AsAdmin(HttpMethod.Post, "/v1.0/bindings", $$$"""{"pod_binding": {"tenant_id": "{{{tenant}}}", "pod_id": "nope"}}"""))
            .AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        Assert.Contains("'tenant_id' is required", (await AsAdmin(HttpMethod.Post, "/v1.0/bindings", $$$"""{"pod_binding": {"pod_id": "{{{pod}}}"}}"""))
            .AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);

        var listed = await AsAdmin(HttpMethod.Get, $"/v1.0/bindings?tenant_id={tenant}&is_binding=true");
        Assert.Equal(id, listed.Json.GetProperty("pod_bindings").EnumerateArray().Single().GetProperty("id").GetString());
        (await AsAdmin(HttpMethod.Get, "/v1.0/bindings?is_binding=maybe")).AssertError(HttpStatusCode.BadRequest, "badRequest");
        (await AsAdmin(HttpMethod.Get, "/v1.0/bindings?colour=red")).AssertError(HttpStatusCode.BadRequest, "badRequest");

        var retired = await AsAdmin(HttpMethod.Put, $"/v1.0/bindings/{id}", """{"pod_binding": {"is_binding": false}}""");
        retired.AssertOk();
        Assert.False(retired.Json.GetProperty("pod_binding").GetProperty("is_binding").GetBoolean());
        (await AsAdmin(HttpMethod.Put, $"/v1.0/bindings/{id}", """{"pod_binding": {"is_binding": "no"}}""")).AssertError(HttpStatusCode.BadRequest, "badRequest");

        (await AsAdmin(HttpMethod.Get, $"/v1.0/bindings/{id}")).AssertOk();
        (await AsAdmin(HttpMethod.Delete, $"/v1.0/bindings/{id}")).AssertOk();
        (await AsAdmin(HttpMethod.Get, $"/v1.0/bindings/{id}")).AssertError(HttpStatusCode.NotFound, "itemNotFound");
    }

    [Fact]
    public async Task Routings_Crud_Validation_AndPodInUse()
    {
        var pod = (await CreatePod(Unique("R"), "az-r")).GetProperty("pod_id").GetString()!;
        var top = Guid.NewGuid().ToString();
        string Body(string type = "network", string? podId = null, string bottom = "b1") =>
            $$$"""{"routing": {"top_id": "{{{top}}}", "bottom_id": "{{{bottom}}}", "pod_id": "{{{podId ?? pod}}}", "project_id": "{{{fixture.AdminProjectId}}}", "resource_type": "{{{type}}}"}}""";

        var created = await AsAdmin(HttpMethod.Post, "/v1.0/routings", Body());
        created.AssertOk();
        var routing = created.Json.GetProperty("routing");
        var id = routing.GetProperty("id").GetInt64();
        Assert.Equal(top, routing.GetProperty("top_id").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", routing.GetProperty("created_at").GetString()!);
        Assert.Equal(JsonValueKind.Null, routing.GetProperty("updated_at").ValueKind);

        Assert.Contains("already exists", (await AsAdmin(HttpMethod.Post, "/v1.0/routings", Body())).AssertError(HttpStatusCode.Conflict, "conflictingRequest"), StringComparison.Ordinal);
        Assert.Contains("resource_type 'rocket'", (await AsAdmin(HttpMethod.Post, "/v1.0/routings", Body("rocket"))).AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        Assert.Contains("doesn't exist", (await AsAdmin(HttpMethod.Post, "/v1.0/routings", Body(podId: "missing"))).AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        Assert.Contains("'bottom_id' is required", (await AsAdmin(HttpMethod.Post, "/v1.0/routings", Body(bottom: " "))).AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);

        Assert.Contains("in use by 1 resource routing", (await AsAdmin(HttpMethod.Delete, $"/v1.0/pods/{pod}")).AssertError(HttpStatusCode.Conflict, "conflictingRequest"), StringComparison.Ordinal);

        var put = await AsAdmin(HttpMethod.Put, $"/v1.0/routings/{id}", """{"routing": {"bottom_id": "b2"}}""");
        put.AssertOk();
        Assert.Equal("b2", put.Json.GetProperty("routing").GetProperty("bottom_id").GetString());
        Assert.NotEqual(JsonValueKind.Null, put.Json.GetProperty("routing").GetProperty("updated_at").ValueKind);
        (await AsAdmin(HttpMethod.Put, $"/v1.0/routings/{id}", """{"routing": {"pod_id": "missing"}}""")).AssertError(HttpStatusCode.BadRequest, "badRequest");
        (await AsAdmin(HttpMethod.Put, $"/v1.0/routings/{id}", """{"routing": {"top_id": ""}}""")).AssertError(HttpStatusCode.BadRequest, "badRequest");
        (await AsAdmin(HttpMethod.Put, $"/v1.0/routings/{id}", """{"routing": {}}""")).AssertError(HttpStatusCode.BadRequest, "badRequest");
        (await AsAdmin(HttpMethod.Put, "/v1.0/routings/99999999", """{"routing": {"bottom_id": "x"}}""")).AssertError(HttpStatusCode.NotFound, "itemNotFound");

        (await AsAdmin(HttpMethod.Get, $"/v1.0/routings/{id}")).AssertOk();
        (await AsAdmin(HttpMethod.Get, "/v1.0/routings/abc")).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        (await AsAdmin(HttpMethod.Delete, $"/v1.0/routings/{id}")).AssertOk();
        (await AsAdmin(HttpMethod.Get, $"/v1.0/routings/{id}")).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        (await AsAdmin(HttpMethod.Delete, $"/v1.0/pods/{pod}")).AssertOk();
    }

    [Theory]
    [InlineData("limit=ten", "limit must be an integer")]
    [InlineData("marker=x", "marker must be a positive integer")]
    [InlineData("marker=99999999", "Marker 99999999")]
    [InlineData("id=one", "id must be a positive integer")]
    [InlineData("colour=red", "Unsupported filter type: colour")]
    [InlineData("created_at=yesterday", "Filter created_at")]
    public async Task Routings_BadQuery_Is400(string query, string message)
    {
        var r = await AsAdmin(HttpMethod.Get, "/v1.0/routings?" + query);
        Assert.Contains(message, r.AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Routings_Paging_Over2500Rows_ReturnsEveryRowExactlyOnce()
    {
        var pod = (await CreatePod(Unique("R"), "az-p")).GetProperty("pod_id").GetString()!;
        var project = Unique("proj");
        var expected = await InsertRoutings(pod, project, 2500);

        foreach (var limit in new int?[] { null, 700 })
        {
            var seen = new List<long>();
            var url = $"/v1.0/routings?project_id={project}&resource_type=port" + (limit is { } l ? $"&limit={l}" : "");
            var pages = 0;
            while (url is not null)
            {
                var page = await AsAdmin(HttpMethod.Get, url);
                page.AssertOk();
                pages++;
                var rows = page.Json.GetProperty("routings").EnumerateArray().ToList();
                Assert.All(rows, r => Assert.Equal(project, r.GetProperty("project_id").GetString()));
                seen.AddRange(rows.Select(r => r.GetProperty("id").GetInt64()));
                var next = page.Json.GetProperty("routings_links").EnumerateArray().FirstOrDefault();
                url = next.ValueKind == JsonValueKind.Object ? new Uri(next.GetProperty("href").GetString()!).PathAndQuery : null;
                if (url is not null)
                {
                    Assert.Contains($"project_id={project}", url, StringComparison.Ordinal); // filters kept
                    Assert.Contains("resource_type=port", url, StringComparison.Ordinal);
                }
            }

            Assert.Equal(expected.Count, seen.Count);
            Assert.Equal(expected.OrderDescending(), seen); // newest first, each once
            Assert.Equal(limit is null ? 2 : 4, pages);     // pagination_max_limit is 2000
        }
    }

    [Fact]
    public async Task Routings_List_DefaultsToCallersProject_AdminMayAskForAnother()
    {
        var pod = (await CreatePod(Unique("R"), "az-q")).GetProperty("pod_id").GetString()!;
        var other = Unique("other");
        await InsertRoutings(pod, other, 3);
        var own = await InsertRoutings(pod, fixture.AdminProjectId, 2);

        var mine = await AsAdmin(HttpMethod.Get, $"/v1.0/routings?pod_id={pod}");
        Assert.Equal(own.OrderDescending(), mine.Json.GetProperty("routings").EnumerateArray().Select(r => r.GetProperty("id").GetInt64()));

        var theirs = await AsAdmin(HttpMethod.Get, $"/v1.0/routings?pod_id={pod}&project_id={other}");
        Assert.Equal(3, theirs.Json.GetProperty("routings").GetArrayLength());

        var all = await AsAdmin(HttpMethod.Get, $"/v1.0/routings?pod_id={pod}&all_projects=true");
        Assert.Equal(5, all.Json.GetProperty("routings").GetArrayLength());

        var byId = await AsAdmin(HttpMethod.Get, $"/v1.0/routings?id={own[0]}");
        Assert.Equal(own[0], byId.Json.GetProperty("routings").EnumerateArray().Single().GetProperty("id").GetInt64());
    }

    // Bulk rows straight into the table: the API under test is the list, not 2,500 POSTs.
    private async Task<List<long>> InsertRoutings(string pod, string project, int count)
    {
        await using var database = fixture.OpenDatabase();
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var tx = await connection.BeginTransactionAsync();
        var at = new DateTime(2026, 11, 22, 10, 0, 0, DateTimeKind.Utc);
        await connection.ExecuteAsync(
            "INSERT INTO resource_routings (top_id, bottom_id, pod_id, project_id, resource_type, created_at) VALUES (@top, @top, @pod, @project, 'port', @at)",
            Enumerable.Range(0, count).Select(i => new { top = Guid.NewGuid().ToString(), pod, project, at }),
            tx);
        await tx.CommitAsync();
        return (await connection.QueryAsync<long>("SELECT id FROM resource_routings WHERE project_id = @project AND pod_id = @pod", new { project, pod })).ToList();
    }
}

public sealed class AdminApiSqliteTests(SqliteServiceFixture fixture) : AdminApiTests(fixture), IClassFixture<SqliteServiceFixture>;

public sealed class AdminApiPostgresTests(PostgresServiceFixture fixture) : AdminApiTests(fixture), IClassFixture<PostgresServiceFixture>;
