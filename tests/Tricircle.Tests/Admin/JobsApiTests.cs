using System.Net;
using System.Text.Json;
using Dapper;
using Tricircle.Data;
using Tricircle.Jobs;
using Tricircle.Support;

namespace Tricircle.Admin;

/// <summary>
/// <c>/v1.0/jobs</c> end to end, on SQLite and PostgreSQL. Jobs are seeded through the store in
/// the states under test (<see cref="JobSeed"/>), so nothing here depends on job handlers; the
/// host's workers do run, and fail the jobs an API call makes due (no handler yet): tests look
/// at what the call answered, or at what a worker cannot change.
/// </summary>
public abstract class JobsApiTests(ServiceFixture fixture)
{
    private JobSeed Seed => new(fixture.Services.GetRequiredService<Database>());

    private Task<ApiResponse> Send(HttpMethod method, string path, string? token, string? json = null) =>
        ApiResponse.SendAsync(fixture.Http, fixture.Admin(method, path, token, json));

    private Task<ApiResponse> AsAdmin(HttpMethod method, string path, string? json = null) => Send(method, path, fixture.AdminToken, json);

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private static string NewId() => Guid.NewGuid().ToString();

    private async Task<List<JsonElement>> List(string query)
    {
        var r = await AsAdmin(HttpMethod.Get, "/v1.0/jobs?" + query);
        r.AssertOk();
        return [.. r.Json.GetProperty("jobs").EnumerateArray()];
    }

    private async Task<List<string>> Ids(string query) => [.. (await List(query)).Select(j => j.GetProperty("id").GetString()!)];

    private async Task<JsonElement> Show(string id)
    {
        var r = await AsAdmin(HttpMethod.Get, $"/v1.0/jobs/{id}");
        r.AssertOk();
        return r.Json.GetProperty("job");
    }

    private async Task<string> CreatePod(string az = "az-j")
    {
        var r = await AsAdmin(HttpMethod.Post, "/v1.0/pods", $$$"""{"pod": {"region_name": "{{{Unique("R")}}}", "az_name": "{{{az}}}"}}""");
        r.AssertOk();
        return r.Json.GetProperty("pod").GetProperty("pod_id").GetString()!;
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

    private async Task AddRouting(string topId, string podId, string projectId, string type = "network")
    {
        var r = await AsAdmin(HttpMethod.Post, "/v1.0/routings", $$$"""{"routing": {"top_id": "{{{topId}}}", "bottom_id": "{{{topId}}}", "pod_id": "{{{podId}}}", "project_id": "{{{projectId}}}", "resource_type": "{{{type}}}"}}""");
        r.AssertOk();
    }

    // A central network as the networks API stores it (the API under test is the jobs one).
    private async Task AddCentralNetwork(string id, string projectId)
    {
        await using var database = fixture.OpenDatabase();
        await using var connection = await database.OpenAsync(CancellationToken.None);
        var now = DateTime.UtcNow;
        await connection.ExecuteAsync(
            "INSERT INTO networks (id, project_id, mtu, network_type, created_at, updated_at) VALUES (@id, @projectId, 1450, 'vxlan', @now, @now)", new { id, projectId, now });
    }

    private static string CreateBody(string type, string resource, string? project = null) =>
        $$$"""{"job": {"type": "{{{type}}}", {{{(project is null ? "" : $"\"project_id\": \"{project}\", ")}}}"resource": {{{resource}}}}}""";

    [Theory]
    [InlineData("GET", "/v1.0/jobs", "admin_api:jobs:list")]
    [InlineData("GET", "/v1.0/jobs/detail", "admin_api:jobs:list")]
    [InlineData("GET", "/v1.0/jobs/schemas", "admin_api:jobs:schema_list")]
    [InlineData("GET", "/v1.0/jobs/x", "admin_api:jobs:show")]
    [InlineData("POST", "/v1.0/jobs", "admin_api:jobs:create")]
    [InlineData("PUT", "/v1.0/jobs/x", "admin_api:jobs:redo")]
    [InlineData("DELETE", "/v1.0/jobs/x", "admin_api:jobs:delete")]
    public async Task AnyJobsCall_WithMemberToken_Is403NamingTheRule(string method, string path, string rule)
    {
        var r = await Send(new HttpMethod(method), path, fixture.DemoToken, method is "POST" or "PUT" ? """{"job": {}}""" : null);
        Assert.Contains(rule, r.AssertError(HttpStatusCode.Forbidden, "forbidden"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_FiltersByTypeStatusAnyCaseProjectPodAndAnyResourceKey()
    {
        var seed = Seed;
        var project = Unique("proj");
        var (pod, otherPod) = (NewId(), NewId());
        var (network, subnet, port) = (NewId(), NewId(), NewId());
        var fresh = await seed.NewAsync(JobRequest.InPod(JobTypes.NetworkSync, pod, network, project));
        var failed = await seed.FailedAsync(JobRequest.InPod(JobTypes.SubnetSync, pod, subnet, project));
        var running = await seed.RunningAsync(JobRequest.InPod(JobTypes.PortSync, otherPod, port, project));
        var succeeded = await seed.SucceededAsync(JobRequest.InPod(JobTypes.NetworkSync, otherPod, network, project));

        Assert.Equal([succeeded, running, failed, fresh], await Ids($"project_id={project}")); // newest first
        Assert.Equal([succeeded, fresh], await Ids($"project_id={project}&type=network_sync"));
        foreach (var status in new[] { "fail", "FAIL", "Fail" })
        {
            Assert.Equal([failed], await Ids($"project_id={project}&status={status}"));
        }

        Assert.Equal([running], await Ids($"project_id={project}&status=running"));
        Assert.Empty(await Ids($"project_id={project}&status=sleeping")); // upstream: an unknown status finds nothing
        Assert.Equal([failed, fresh], await Ids($"project_id={project}&pod_id={pod}"));
        Assert.Equal([succeeded, fresh], await Ids($"resource_id={network}")); // the second key
        Assert.Equal([succeeded, running], await Ids($"resource_id={otherPod}")); // the first
        Assert.Equal([succeeded, fresh], await Ids($"resource_id={network}&project_id={project}"));

        var detail = await AsAdmin(HttpMethod.Get, $"/v1.0/jobs/detail?project_id={project}");
        detail.AssertOk();
        Assert.Equal(4, detail.Json.GetProperty("jobs").GetArrayLength());
        Assert.Empty(detail.Json.GetProperty("jobs_links").EnumerateArray());

        var views = (await List($"project_id={project}")).ToDictionary(j => j.GetProperty("id").GetString()!);
        var newView = views[fresh];
        Assert.Equal("network_sync", newView.GetProperty("type").GetString());
        Assert.Equal("NEW", newView.GetProperty("status").GetString());
        Assert.Equal(project, newView.GetProperty("project_id").GetString());
        Assert.Equal(pod, newView.GetProperty("pod_id").GetString());
        Assert.Equal(pod, newView.GetProperty("resource").GetProperty("pod_id").GetString());
        Assert.Equal(network, newView.GetProperty("resource").GetProperty("network_id").GetString());
        Assert.Equal(1, newView.GetProperty("requests").GetInt32());
        Assert.Equal(0, newView.GetProperty("attempts").GetInt32());
        Assert.Equal(JsonValueKind.String, newView.GetProperty("run_after").ValueKind);
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", newView.GetProperty("timestamp").GetString()!);
        Assert.Equal(JobSeed.Worker, views[running].GetProperty("worker").GetString());
        Assert.Equal("boom", views[failed].GetProperty("last_error").GetString());
        Assert.Equal(1, views[failed].GetProperty("attempts").GetInt32());
        Assert.Equal(JsonValueKind.String, views[failed].GetProperty("finished_at").ValueKind);
        Assert.Equal("SUCCESS", views[succeeded].GetProperty("status").GetString());
    }

    [Fact]
    public async Task List_AnAdminSeesEveryProjectsJobs()
    {
        var network = NewId();
        var theirs = await Seed.NewAsync(JobRequest.InPod(JobTypes.NetworkSync, NewId(), network, Unique("other")));
        Assert.NotEqual(fixture.AdminProjectId, (await Show(theirs)).GetProperty("project_id").GetString());
        Assert.Equal([theirs], await Ids($"resource_id={network}")); // upstream forced the caller's project
    }

    [Fact]
    public async Task List_PagesWithMarker_NextLinksKeepTheFiltersAndThePath()
    {
        var seed = Seed;
        var project = Unique("proj");
        var pod = NewId();
        var seeded = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            seeded.Add(await seed.NewAsync(JobRequest.InPod(JobTypes.PortSync, pod, NewId(), project)));
        }

        seeded.Reverse(); // newest first
        foreach (var path in new[] { "/v1.0/jobs", "/v1.0/jobs/detail" })
        {
            var seen = new List<string>();
            string? url = $"{path}?project_id={project}&status=new&limit=2";
            var pages = 0;
            while (url is not null)
            {
                var page = await AsAdmin(HttpMethod.Get, url);
                page.AssertOk();
                pages++;
                seen.AddRange(page.Json.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("id").GetString()!));
                var next = page.Json.GetProperty("jobs_links").EnumerateArray().FirstOrDefault();
                url = next.ValueKind == JsonValueKind.Object ? new Uri(next.GetProperty("href").GetString()!).PathAndQuery : null;
                if (url is not null)
                {
                    Assert.Equal("next", next.GetProperty("rel").GetString());
                    Assert.StartsWith(path + "?", url, StringComparison.Ordinal);
                    Assert.Contains($"project_id={project}", url, StringComparison.Ordinal);
                    Assert.Contains("status=new", url, StringComparison.Ordinal);
                    Assert.Contains("limit=2", url, StringComparison.Ordinal);
                    Assert.Contains($"marker={seen[^1]}", url, StringComparison.Ordinal);
                }
            }

            Assert.Equal(seeded, seen);
            Assert.Equal(3, pages);
        }

        Assert.Equal(seeded[2..], await Ids($"project_id={project}&marker={seeded[1]}"));
    }

    [Theory]
    [InlineData("colour=red", "Unsupported filter type: colour. Supported: type, status, project_id, pod_id, resource_id")]
    [InlineData("id=1", "Unsupported filter type: id")]
    [InlineData("marker=no-such-job", "Invalid marker")]
    [InlineData("limit=ten", "limit must be an integer")]
    public async Task List_BadQuery_Is400(string query, string message)
    {
        var r = await AsAdmin(HttpMethod.Get, "/v1.0/jobs?" + query);
        Assert.Contains(message, r.AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Schemas_ListEveryTypeWithItsKeys_AndWhichAnOperatorMayCreate()
    {
        var r = await AsAdmin(HttpMethod.Get, "/v1.0/jobs/schemas");
        r.AssertOk();
        var schemas = r.Json.GetProperty("schemas").EnumerateArray().ToDictionary(s => s.GetProperty("type").GetString()!);
        Assert.Equal(JobTypes.All.Select(t => t.Name), schemas.Keys);
        Assert.Equal(["pod_id", "network_id"], schemas["network_sync"].GetProperty("resource").EnumerateArray().Select(k => k.GetString()));
        Assert.True(schemas["network_sync"].GetProperty("operator_may_create").GetBoolean());
        Assert.False(schemas["network_delete"].GetProperty("operator_may_create").GetBoolean());
        Assert.All(schemas.Values, s => Assert.NotEmpty(s.GetProperty("description").GetString()!));
    }

    [Fact]
    public async Task Show_HasTheJobsRunsNewestFirst_UnknownIs404()
    {
        var seed = Seed;
        var id = await seed.NewAsync(JobRequest.InPod(JobTypes.SubnetSync, NewId(), NewId(), Unique("proj")));
        await seed.Store.FinishAsync(await seed.LeaseAsync(id), RunEnd.Failure, new InvalidOperationException("pod said no"), counts: false, CancellationToken.None);
        await seed.Store.FinishAsync(await seed.LeaseAsync(id), RunEnd.Failure, new InvalidOperationException("boom"), counts: true, CancellationToken.None);

        var job = await Show(id);
        Assert.Equal("FAIL", job.GetProperty("status").GetString());
        var runs = job.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(["FAIL", "RETRY"], runs.Select(r => r.GetProperty("outcome").GetString()));
        Assert.Equal(["boom", "pod said no"], runs.Select(r => r.GetProperty("error").GetString()));
        Assert.All(runs, r => Assert.Equal(JobSeed.Worker, r.GetProperty("worker").GetString()));
        Assert.All(runs, r => Assert.Equal(JsonValueKind.String, r.GetProperty("finished_at").ValueKind));

        var running = await seed.RunningAsync(JobRequest.InPod(JobTypes.PortSync, NewId(), NewId(), null));
        var open = (await Show(running)).GetProperty("runs").EnumerateArray().Single();
        Assert.Equal("RUNNING", open.GetProperty("outcome").GetString());
        Assert.Equal(JsonValueKind.Null, open.GetProperty("finished_at").ValueKind);

        Assert.Contains("no-such-job", (await AsAdmin(HttpMethod.Get, "/v1.0/jobs/no-such-job")).AssertError(HttpStatusCode.NotFound, "itemNotFound"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_BadRequests_Are400NamingTheProblem()
    {
        var pod = await CreatePod();
        var central = await CentralPodId();
        var owner = Unique("proj");
        var routed = NewId();
        await AddRouting(routed, pod, owner);
        var network = $$$"""{"pod_id": "{{{pod}}}", "network_id": "{{{routed}}}"}""";
        var cases = new (string Body, string Message)[]
        {
            ("""{"job": {}}""", "'type' is required"),
            ("""{"jobs": {}}""", "no 'job' key"),
            (CreateBody("rocket", network), "Job type 'rocket' is unknown; an operator may create: network_sync, "),
            (CreateBody("network_delete", $$$"""{"network_id": "{{{routed}}}"}"""), "queued by the service itself"),
            ("""{"job": {"type": "network_sync"}}""", "'resource' is required: an object with the keys of a network_sync job (pod_id, network_id)"),
            ("""{"job": {"type": "network_sync", "resource": "net"}}""", "'resource' is required"),
            (CreateBody("network_sync", $$$"""{"pod_id": "{{{pod}}}"}"""), "'resource' lacks network_id"),
            (CreateBody("network_sync", $$$"""{"pod_id": "{{{pod}}}", "network_id": "{{{routed}}}", "router_id": "r"}"""), "Unrecognized key(s) in 'resource': router_id"),
            (CreateBody("network_sync", $$$"""{"pod_id": "{{{pod}}}", "network_id": 7}"""), "'resource' network_id must be a non-empty string"),
            (CreateBody("network_sync", $$$"""{"pod_id": "{{{pod}}}", "network_id": " "}"""), "'resource' network_id must be a non-empty string"),
            (CreateBody("network_sync", $$$"""{"pod_id": "{{{pod}}}", "network_id": "a#b"}"""), "without '#'"),
            ($$$"""{"job": {"type": "network_sync", "resource": {{{network}}}, "colour": "red"}}""", "Unrecognized attribute(s) in 'job': colour"),
            (CreateBody("network_sync", network, project: ""), "'project_id' can not be empty"),
            (CreateBody("network_sync", $$$"""{"pod_id": "no-such-pod", "network_id": "{{{routed}}}"}"""), "The pod no-such-pod doesn't exist"),
            (CreateBody("pod_audit", $$$"""{"pod_id": "{{{central}}}"}"""), "is the central pod"),
            (CreateBody("network_sync", $$$"""{"pod_id": "{{{pod}}}", "network_id": "{{{NewId()}}}"}"""), "does not exist centrally nor in pod"),
            (CreateBody("subnet_sync", $$$"""{"pod_id": "{{{pod}}}", "subnet_id": "{{{routed}}}"}"""), "The subnet " + routed + " does not exist centrally nor in pod"), // routed as a network only
            (CreateBody("network_sync", network, project: "someone-else"), $"belongs to project {owner}, not someone-else"),
        };
        foreach (var (body, message) in cases)
        {
            var r = await AsAdmin(HttpMethod.Post, "/v1.0/jobs", body);
            Assert.True(r.Status == HttpStatusCode.BadRequest, $"{body}: {(int)r.Status} {r.Text}");
            Assert.Contains(message, r.AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        }

        Assert.Empty(await Ids($"resource_id={routed}"));
    }

    [Fact]
    public async Task Create_Is202_TakesTheResourcesProject_AndASecondCreateFoldsIntoThePendingJob()
    {
        var pod = await CreatePod();
        var owner = Unique("proj");
        var network = NewId();
        await AddRouting(network, pod, owner);
        var body = CreateBody("network_sync", $$$"""{"pod_id": "{{{pod}}}", "network_id": "{{{network}}}"}""");

        var first = await AsAdmin(HttpMethod.Post, "/v1.0/jobs", body);
        Assert.True(first.Status == HttpStatusCode.Accepted, first.Text);
        var job = first.Json.GetProperty("job");
        var id = job.GetProperty("id").GetString()!;
        Assert.Equal("network_sync", job.GetProperty("type").GetString());
        Assert.Equal(owner, job.GetProperty("project_id").GetString()); // the routing's project
        Assert.Equal(pod, job.GetProperty("pod_id").GetString());
        Assert.Equal(network, job.GetProperty("resource").GetProperty("network_id").GetString());
        Assert.Equal(1, job.GetProperty("requests").GetInt32());

        // Whatever a worker has made of the first by now, it is pending: the second folds into it.
        var second = await AsAdmin(HttpMethod.Post, "/v1.0/jobs", CreateBody("network_sync", $$$"""{"pod_id": "{{{pod}}}", "network_id": "{{{network}}}"}""", project: owner));
        Assert.True(second.Status == HttpStatusCode.Accepted, second.Text);
        Assert.Equal(id, second.Json.GetProperty("job").GetProperty("id").GetString());
        Assert.Equal(2, second.Json.GetProperty("job").GetProperty("requests").GetInt32());
        Assert.Equal([id], await Ids($"resource_id={network}"));
    }

    [Fact]
    public async Task Create_OfACentralResource_ChecksTheGivenProjectAgainstItsOwner()
    {
        var pod = await CreatePod();
        var owner = Unique("proj");
        var network = NewId();
        await AddCentralNetwork(network, owner); // not in the pod yet: a sync makes it so
        var resource = $$$"""{"pod_id": "{{{pod}}}", "network_id": "{{{network}}}"}""";

        Assert.Contains($"belongs to project {owner}", (await AsAdmin(HttpMethod.Post, "/v1.0/jobs", CreateBody("network_sync", resource, "not-the-owner")))
            .AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        var created = await AsAdmin(HttpMethod.Post, "/v1.0/jobs", CreateBody("network_sync", resource, owner));
        Assert.True(created.Status == HttpStatusCode.Accepted, created.Text);
        Assert.Equal(owner, created.Json.GetProperty("job").GetProperty("project_id").GetString());

        // A clean-up deletes a server Tricircle does not record: only the requests that made it queue one.
        var server = NewId();
        Assert.Contains("server_cleanup", (await AsAdmin(HttpMethod.Post, "/v1.0/jobs", CreateBody("server_cleanup", $$$"""{"pod_id": "{{{pod}}}", "server_id": "{{{server}}}"}""", owner)))
            .AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        var audit = await AsAdmin(HttpMethod.Post, "/v1.0/jobs", CreateBody("pod_audit", $$$"""{"pod_id": "{{{pod}}}"}"""));
        Assert.True(audit.Status == HttpStatusCode.Accepted, audit.Text);
        Assert.Equal(pod, audit.Json.GetProperty("job").GetProperty("resource").GetProperty("pod_id").GetString());
    }

    [Fact]
    public async Task Delete_NotRunning_Is204_Running400_Unknown404()
    {
        var seed = Seed;
        var pod = NewId();
        var fresh = await seed.NewAsync(JobRequest.InPod(JobTypes.NetworkSync, pod, NewId(), null));
        var failed = await seed.FailedAsync(JobRequest.InPod(JobTypes.NetworkSync, pod, NewId(), null));
        var succeeded = await seed.SucceededAsync(JobRequest.InPod(JobTypes.NetworkSync, pod, NewId(), null));
        var running = await seed.RunningAsync(JobRequest.InPod(JobTypes.NetworkSync, pod, NewId(), null));

        foreach (var id in new[] { fresh, failed, succeeded })
        {
            var r = await AsAdmin(HttpMethod.Delete, $"/v1.0/jobs/{id}");
            Assert.True(r.Status == HttpStatusCode.NoContent, r.Text);
            (await AsAdmin(HttpMethod.Get, $"/v1.0/jobs/{id}")).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        }

        Assert.Contains("is running", (await AsAdmin(HttpMethod.Delete, $"/v1.0/jobs/{running}")).AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        Assert.Equal("RUNNING", (await Show(running)).GetProperty("status").GetString());
        (await AsAdmin(HttpMethod.Delete, $"/v1.0/jobs/{fresh}")).AssertError(HttpStatusCode.NotFound, "itemNotFound");
        Assert.Equal([running], await Ids($"pod_id={pod}"));
    }

    [Fact]
    public async Task Redo_OfAFailedJob_MakesItNewWithAttemptsFromZero()
    {
        var failed = await Seed.FailedAsync(JobRequest.InPod(JobTypes.SecurityGroupSync, NewId(), NewId(), null));
        Assert.Equal(1, (await Show(failed)).GetProperty("attempts").GetInt32());

        var r = await AsAdmin(HttpMethod.Put, $"/v1.0/jobs/{failed}"); // no body, as upstream
        r.AssertOk();
        var job = r.Json.GetProperty("job");
        Assert.Equal(failed, job.GetProperty("id").GetString());
        Assert.Equal("NEW", job.GetProperty("status").GetString());
        Assert.Equal(0, job.GetProperty("attempts").GetInt32());
        Assert.Equal(2, job.GetProperty("requests").GetInt32());
        Assert.Equal(JsonValueKind.Null, job.GetProperty("finished_at").ValueKind);
    }

    [Fact]
    public async Task Redo_OfAFailedJobWhoseResourceHasAPendingJob_FoldsIntoThatOne()
    {
        var seed = Seed;
        var request = JobRequest.InPod(JobTypes.PortSync, NewId(), NewId(), null);
        var failed = await seed.FailedAsync(request);
        var pending = await seed.RunningAsync(request); // a newer request, running: no worker can touch it
        Assert.NotEqual(failed, pending);

        var r = await AsAdmin(HttpMethod.Put, $"/v1.0/jobs/{failed}", """{"job": {"ignored": true}}""");
        r.AssertOk();
        Assert.Equal(pending, r.Json.GetProperty("job").GetProperty("id").GetString());
        Assert.Equal("RUNNING", r.Json.GetProperty("job").GetProperty("status").GetString());
        Assert.Equal(2, r.Json.GetProperty("job").GetProperty("requests").GetInt32()); // it runs once more after this run
        (await AsAdmin(HttpMethod.Get, $"/v1.0/jobs/{failed}")).AssertError(HttpStatusCode.NotFound, "itemNotFound");
    }

    [Fact]
    public async Task Redo_OfARunningOrSucceededJob_Is400_UnknownIs404()
    {
        var seed = Seed;
        var running = await seed.RunningAsync(JobRequest.InPod(JobTypes.NetworkSync, NewId(), NewId(), null));
        var succeeded = await seed.SucceededAsync(JobRequest.InPod(JobTypes.NetworkSync, NewId(), NewId(), null));
        Assert.Contains("is running", (await AsAdmin(HttpMethod.Put, $"/v1.0/jobs/{running}")).AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        Assert.Contains("has succeeded", (await AsAdmin(HttpMethod.Put, $"/v1.0/jobs/{succeeded}")).AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        (await AsAdmin(HttpMethod.Put, "/v1.0/jobs/no-such-job")).AssertError(HttpStatusCode.NotFound, "itemNotFound");
    }
}

public sealed class JobsApiSqliteTests(SqliteServiceFixture fixture) : JobsApiTests(fixture), IClassFixture<SqliteServiceFixture>;

public sealed class JobsApiPostgresTests(PostgresServiceFixture fixture) : JobsApiTests(fixture), IClassFixture<PostgresServiceFixture>;
