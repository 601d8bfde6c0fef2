using System.Net;
using Tricircle.Support;

namespace Tricircle.Telemetry;

/// <summary>A gateway whose scrape endpoint is open to no network: only an admin token reads it.</summary>
public sealed class MetricsClosedGatewayFixture() : GatewayFixture("sqlite")
{
    protected override Dictionary<string, string?> Settings => new() { ["metrics:allowed_networks"] = "192.0.2.0/24" };
}

/// <summary>Who may read the scrape endpoint, and where it answers.</summary>
public sealed class MetricsAccessTests(MetricsClosedGatewayFixture fixture) : IClassFixture<MetricsClosedGatewayFixture>
{
    private Task<ApiResponse> MetricsAsync(string? token, HttpMethod? method = null, Uri? at = null) =>
        fixture.SendAsync(new Uri(at ?? fixture.AdminUrl, "metrics"), method ?? HttpMethod.Get, token);

    [Fact]
    public async Task OutsideTheAllowedNetworks_NoToken401_AMember403_AnAdminReads()
    {
        var anonymous = await MetricsAsync(null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.Status);
        Assert.DoesNotContain("http_server_request_duration", anonymous.Text, StringComparison.Ordinal);

        var member = await MetricsAsync(fixture.DemoToken);
        Assert.Contains("allowed_networks", member.AssertError(HttpStatusCode.Forbidden, "forbidden"), StringComparison.Ordinal);

        var bogus = await MetricsAsync("not-a-token");
        Assert.Equal(HttpStatusCode.Unauthorized, bogus.Status);

        var admin = await MetricsAsync(fixture.AdminToken);
        Assert.Equal(HttpStatusCode.OK, admin.Status);
        Assert.Contains("# TYPE ", admin.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnlyTheAdminPort_ServesIt_AndOnlyToGet()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await MetricsAsync(fixture.AdminToken, at: fixture.ComputeUrl)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await MetricsAsync(fixture.AdminToken, at: fixture.NetworkUrl)).Status);
        var post = await MetricsAsync(fixture.AdminToken, HttpMethod.Post);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.Status);
    }

    [Fact]
    public async Task TheStatusRoute_IsAdminOnly()
    {
        var member = await fixture.SendAsync(new Uri(fixture.AdminUrl, "v1.0/status"), HttpMethod.Get, fixture.DemoToken);
        Assert.Contains("admin_api:status:show", member.AssertError(HttpStatusCode.Forbidden, "forbidden"), StringComparison.Ordinal);
        var admin = await fixture.SendAsync(new Uri(fixture.AdminUrl, "v1.0/status"), HttpMethod.Get, fixture.AdminToken);
        Assert.Equal(HttpStatusCode.OK, admin.Status);
        Assert.Equal(300, admin.Json.GetProperty("status").GetProperty("window_seconds").GetInt32());
    }

    [Theory]
    [InlineData("path", "metrics", "[metrics] path: 'metrics' is not a path")]
    [InlineData("path", "/v1.0/metrics", "lies inside the Admin API")]
    [InlineData("allowed_networks", "10.0.0.0/8, nonsense", "[metrics] allowed_networks: 'nonsense'")]
    [InlineData("window_seconds", "5", "[metrics] window_seconds: 5 is outside 10..3600")]
    [InlineData("port", "70000", "[metrics] port: 70000 is outside 0..65535")]
    public void BadOptions_AreNamedAtStart(string key, string value, string problem)
    {
        var options = new MetricsOptions();
        switch (key)
        {
            case "path":
                options.Path = value;
                break;
            case "allowed_networks":
                options.AllowedNetworks = value;
                break;
            case "port":
                options.Port = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                break;
            default:
                options.WindowSeconds = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                break;
        }

        Assert.Contains(options.Problems(), p => p.Contains(problem, StringComparison.Ordinal));
        Assert.Empty(new MetricsOptions { AllowedNetworks = "10.0.0.5, ::1/128, 192.168.0.0/16", Port = 9464 }.Problems());
    }

    [Fact]
    public void AMetricsPort_NeedsTheEndpointEnabled_AndAPortNoRoleHas()
    {
        Assert.Contains(new MetricsOptions { Port = 9464, Enabled = false }.Problems(), p => p.StartsWith("[metrics] port: 9464 is set but enabled is false", StringComparison.Ordinal));
        Assert.Empty(new MetricsOptions { Enabled = false }.Problems());

        static Microsoft.Extensions.Options.ValidateOptionsResult Check(string roles, int port) =>
            new MetricsPortCheck(Microsoft.Extensions.Options.Options.Create(new Hosting.ServiceOptions { Roles = roles })).Validate(null, new MetricsOptions { Port = port });

        Assert.Equal("[metrics] port: 19999 is [DEFAULT] admin_port already", Check("all", 19999).FailureMessage);
        Assert.True(Check("jobs", 19999).Succeeded); // the admin role is not run: its port is free
        Assert.True(Check("all", 9464).Succeeded);
        Assert.True(Check("all", 0).Succeeded);
    }
}
