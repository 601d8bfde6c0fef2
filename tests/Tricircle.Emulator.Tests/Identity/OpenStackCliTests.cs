using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Tricircle.Emulator.Identity;

/// <summary>
/// The real python-openstackclient against the emulator: the proof that keystoneauth's discovery,
/// authentication and catalog parsing accept what the emulator sends.
/// </summary>
public sealed class OpenStackCliTests : IAsyncLifetime
{
    private const string AdminPassword = "cli-secret";
    private static readonly TimeSpan CliTimeout = TimeSpan.FromSeconds(60);

    private KeystoneEmulator _keystone = null!;

    public async Task InitializeAsync() =>
        _keystone = await KeystoneEmulator.StartAsync(new KeystoneEmulatorOptions { AdminPassword = AdminPassword });

    public async Task DisposeAsync() => await _keystone.DisposeAsync();

    [Fact]
    public async Task OpenStackCli_TokenIssueListsAndRevoke_SeeEmulatorState()
    {
        _keystone.AddRegion("RegionOne", description: "pod one");
        _keystone.AddRegion("RegionTwo", "RegionOne", "pod two");
        var novaId = _keystone.AddService("compute", "nova");
        var endpointId = _keystone.AddEndpoint(novaId, "RegionOne", "public", "http://127.0.0.1:18774/v2.1/$(project_id)s");
        var adminProjectId = _keystone.IssueToken("admin", AdminPassword, "admin").ProjectId;

        using var token = await RunJsonAsync("token", "issue", "-f", "json");
        var tokenId = token.RootElement.GetProperty("id").GetString()!;
        Assert.Equal(adminProjectId, token.RootElement.GetProperty("project_id").GetString());

        using var regions = await RunJsonAsync("region", "list", "-f", "json");
        var regionRows = regions.RootElement.EnumerateArray().ToDictionary(r => r.GetProperty("Region").GetString()!);
        Assert.Equal(["CentralRegion", "RegionOne", "RegionTwo"], regionRows.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("pod one", regionRows["RegionOne"].GetProperty("Description").GetString());
        Assert.Equal("RegionOne", regionRows["RegionTwo"].GetProperty("Parent Region").GetString());

        using var endpoints = await RunJsonAsync("endpoint", "list", "-f", "json");
        var endpoint = Assert.Single(endpoints.RootElement.EnumerateArray(), e => e.GetProperty("ID").GetString() == endpointId);
        Assert.Equal("http://127.0.0.1:18774/v2.1/$(project_id)s", endpoint.GetProperty("URL").GetString());
        Assert.Equal("RegionOne", endpoint.GetProperty("Region").GetString());
        Assert.Equal("nova", endpoint.GetProperty("Service Name").GetString());
        Assert.Equal("compute", endpoint.GetProperty("Service Type").GetString());
        Assert.Equal("public", endpoint.GetProperty("Interface").GetString());

        using var catalog = await RunJsonAsync("catalog", "list", "-f", "json");
        var compute = Assert.Single(catalog.RootElement.EnumerateArray(), s => s.GetProperty("Type").GetString() == "compute");
        Assert.Contains($"http://127.0.0.1:18774/v2.1/{adminProjectId}", compute.GetProperty("Endpoints").ToString(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, await ValidateAsync(tokenId));
        await RunAsync("token", "revoke", tokenId);
        Assert.Equal(HttpStatusCode.NotFound, await ValidateAsync(tokenId));
    }

    [Fact]
    public async Task OpenStackCli_ProjectUserAndRoleAssignment_CreateUseAndDelete()
    {
        using var project = await RunJsonAsync("project", "create", "--description", "made by the CLI", "cli-project", "-f", "json");
        var projectId = project.RootElement.GetProperty("id").GetString()!;
        Assert.Equal("default", project.RootElement.GetProperty("domain_id").GetString());
        Assert.True(project.RootElement.GetProperty("enabled").GetBoolean());

        using var user = await RunJsonAsync("user", "create", "--password", "cli-user-pw", "--project", "cli-project", "--email", "cli@example.org", "cli-user", "-f", "json");
        Assert.Equal(projectId, user.RootElement.GetProperty("default_project_id").GetString());
        Assert.Equal("cli@example.org", user.RootElement.GetProperty("email").GetString());

        await RunAsync("role", "add", "--user", "cli-user", "--project", "cli-project", "member");
        using var assignments = await RunJsonAsync("role", "assignment", "list", "--user", "cli-user", "--project", "cli-project", "--names", "-f", "json");
        var assignment = Assert.Single(assignments.RootElement.EnumerateArray());
        Assert.Equal("member", assignment.GetProperty("Role").GetString());
        Assert.Equal("cli-user@Default", assignment.GetProperty("User").GetString());
        Assert.Equal("cli-project@Default", assignment.GetProperty("Project").GetString());

        // The new user gets a token for the new project, as a test's dynamic credentials would.
        var asUser = new Dictionary<string, string> { ["OS_USERNAME"] = "cli-user", ["OS_PASSWORD"] = "cli-user-pw", ["OS_PROJECT_NAME"] = "cli-project" };
        using (var token = JsonDocument.Parse((await RunAsync(["token", "issue", "-f", "json"], asUser)).Stdout))
        {
            Assert.Equal(projectId, token.RootElement.GetProperty("project_id").GetString());
        }

        await RunAsync("user", "set", "--disable", "cli-user");
        var disabled = await RunAsync(["token", "issue", "-f", "json"], asUser, check: false);
        Assert.NotEqual(0, disabled.ExitCode);
        Assert.Contains("HTTP 401", disabled.Stderr, StringComparison.Ordinal);

        await RunAsync("role", "remove", "--user", "cli-user", "--project", "cli-project", "member");
        await RunAsync("user", "delete", "cli-user");
        await RunAsync("project", "delete", "cli-project");
        var projects = (await RunAsync("project", "list", "-f", "value", "-c", "Name")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["admin", "service"], projects.Order(StringComparer.Ordinal));
    }

    private async Task<HttpStatusCode> ValidateAsync(string tokenId)
    {
        using var http = new HttpClient { BaseAddress = _keystone.Url };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v3/auth/tokens");
        request.Headers.Add("X-Auth-Token", _keystone.IssueToken("admin", AdminPassword, "admin").Id);
        request.Headers.Add("X-Subject-Token", tokenId);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    private async Task<JsonDocument> RunJsonAsync(params string[] arguments)
    {
        var (stdout, stderr) = await RunAsync(arguments);
        try
        {
            return JsonDocument.Parse(stdout);
        }
        catch (JsonException ex)
        {
            Assert.Fail($"openstack {string.Join(' ', arguments)} printed no JSON ({ex.Message}).\nstdout:\n{stdout}\nstderr:\n{stderr}");
            throw;
        }
    }

    private async Task<(string Stdout, string Stderr)> RunAsync(params string[] arguments)
    {
        var (_, stdout, stderr) = await RunAsync(arguments, null);
        return (stdout, stderr);
    }

    /// <summary>Runs the CLI as admin, or with <paramref name="environment"/> overriding OS_* variables; <paramref name="check"/> asserts success.</summary>
    private async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string[] arguments, Dictionary<string, string>? environment, bool check = true)
    {
        var startInfo = new ProcessStartInfo(FindOpenStackCli())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // Only these credentials: a developer's own OS_CLOUD or OS_TOKEN must not leak in.
        foreach (var name in startInfo.Environment.Keys.Where(k => k.StartsWith("OS_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            startInfo.Environment.Remove(name);
        }

        startInfo.Environment["OS_AUTH_URL"] = _keystone.AuthUrl.AbsoluteUri;
        startInfo.Environment["OS_USERNAME"] = "admin";
        startInfo.Environment["OS_PASSWORD"] = AdminPassword;
        startInfo.Environment["OS_PROJECT_NAME"] = "admin";
        startInfo.Environment["OS_USER_DOMAIN_NAME"] = "Default";
        startInfo.Environment["OS_PROJECT_DOMAIN_NAME"] = "Default";
        startInfo.Environment["OS_IDENTITY_API_VERSION"] = "3";
        startInfo.Environment["OS_INTERFACE"] = "public";
        startInfo.Environment["OS_REGION_NAME"] = "CentralRegion";
        // python-requests honours proxy variables even for loopback unless told otherwise.
        startInfo.Environment["no_proxy"] = "127.0.0.1,localhost";
        startInfo.Environment["NO_PROXY"] = "127.0.0.1,localhost";
        foreach (var (name, value) in environment ?? [])
        {
            startInfo.Environment[name] = value;
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("openstack did not start.");
        var stdoutTask = process.StandardOutput.ReadToEndAsync();
        var stderrTask = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CliTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"openstack {string.Join(' ', arguments)} did not finish within {CliTimeout.TotalSeconds} s.\nstderr:\n{await stderrTask}");
        }

        var stdout = await stdoutTask;
        var stderr = await stderrTask;
        Assert.True(!check || process.ExitCode == 0, $"openstack {string.Join(' ', arguments)} exited with {process.ExitCode}.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        return (process.ExitCode, stdout, stderr);
    }

    private static string FindOpenStackCli()
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "openstack"))
            .Prepend("/usr/bin/openstack");
        var cli = candidates.FirstOrDefault(File.Exists);
        Assert.True(cli is not null,
            "The openstack CLI was not found (looked at /usr/bin/openstack and PATH). "
            + "Install it with `apt-get install python3-openstackclient`; CI installs it, and this test must not pass without it.");
        return cli;
    }
}
