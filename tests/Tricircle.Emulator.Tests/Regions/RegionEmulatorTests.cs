using System.Net;
using System.Text.Json.Nodes;
using Tricircle.Emulator.Identity;

namespace Tricircle.Emulator.Regions;

public sealed class RegionEmulatorTests : IAsyncLifetime
{
    private KeystoneEmulator _keystone = null!;
    private RegionEmulator _region = null!;
    private readonly HttpClient _http = new();

    public async Task InitializeAsync()
    {
        _keystone = await KeystoneEmulator.StartAsync(new KeystoneEmulatorOptions { Port = 0 });
        _region = await RegionEmulator.StartAsync(_keystone, new RegionEmulatorOptions { Name = "RegionX" });
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _region.DisposeAsync();
        await _keystone.DisposeAsync();
    }

    private Uri[] Services => [_region.ComputeUrl, _region.NetworkUrl, _region.VolumeUrl, _region.ImageUrl];

    private async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> Get(Uri service, string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(service.ToString().TrimEnd('/') + path));
        if (token is not null)
        {
            request.Headers.Add("X-Auth-Token", token);
        }

        var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null, response);
    }

    [Fact]
    public async Task Start_RegistersEveryServiceInTheCatalogUnderTheRegion()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_keystone.AuthUrl, "v3/endpoints?region_id=RegionX&interface=public"));
        request.Headers.Add("X-Auth-Token", _keystone.IssueToken("admin", "password", "admin").Id);
        using var response = await _http.SendAsync(request);
        var urls = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["endpoints"]!.AsArray().Select(e => e!["url"]!.GetValue<string>()).ToList();
        Assert.Contains(_region.ComputeUrl.ToString(), urls);
        Assert.Contains(_region.NetworkUrl.ToString().TrimEnd('/'), urls);
        Assert.Contains(_region.ImageUrl.ToString().TrimEnd('/'), urls);
        Assert.Contains(new Uri(_region.VolumeUrl, "v3").ToString() + "/$(project_id)s", urls);
        Assert.Equal(5, urls.Count); // compute, network, volumev3, block-storage, image
    }

    [Fact]
    public async Task EveryNovaRoute_AnswersWithTheMicroversionHeaders_EvenWhenItRefuses()
    {
        // Nova's wsgi layer sets them on every versioned answer: no route of the emulator may miss them.
        var token = _keystone.IssueToken("admin", "password", "admin").Id;
        var (_, root, routes) = _region.Routes.Single(s => s.Kind == ServiceKind.Compute);
        var checkedRoutes = 0;
        foreach (var (method, pattern) in routes.Where(r => r.Pattern.StartsWith("/v2.1/", StringComparison.Ordinal) && !r.Pattern.Contains("{project_id}", StringComparison.Ordinal)))
        {
            var path = System.Text.RegularExpressions.Regex.Replace(pattern, @"\{[^}]+\}", "00000000-0000-4000-8000-000000000000");
            using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(root, path.TrimStart('/')));
            request.Headers.Add("X-Auth-Token", token);
            request.Headers.Add("OpenStack-API-Version", "compute 2.26");
            if (method is "POST" or "PUT")
            {
                request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
            }

            using var response = await _http.SendAsync(request);
            Assert.True((int)response.StatusCode < 500, $"{method} {pattern}: {(int)response.StatusCode}");
            Assert.True(response.Headers.TryGetValues("OpenStack-API-Version", out var modern) && modern.Single() == "compute 2.26", $"{method} {pattern} without OpenStack-API-Version");
            Assert.True(response.Headers.TryGetValues("X-OpenStack-Nova-API-Version", out var legacy) && legacy.Single() == "2.26", $"{method} {pattern} without X-OpenStack-Nova-API-Version");
            Assert.Contains("OpenStack-API-Version", string.Join(",", response.Headers.Vary), StringComparison.Ordinal);
            checkedRoutes++;
        }

        Assert.True(checkedRoutes > 60, $"only {checkedRoutes} routes");
    }

    [Fact]
    public async Task EveryService_WithoutToken_Is401WithKeystoneChallenge_InKeystonemiddlewaresShape()
    {
        foreach (var service in Services)
        {
            if (service == _region.ImageUrl)
            {
                continue; // Glance answers with webob's page: UnauthenticatedContractTests
            }

            var (status, body, response) = await Get(service, "/anything", token: null);
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Equal("""{"error":{"code":401,"title":"Unauthorized","message":"The request you have made requires authentication."}}""", body!.ToJsonString());
            Assert.Equal($"Keystone uri=\"{_keystone.Url.ToString().TrimEnd('/')}\"", response.Headers.WwwAuthenticate.ToString());
            Assert.StartsWith("req-", response.Headers.GetValues("x-openstack-request-id").Single(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Faults_ErrorRate_Latency_DownAndUp()
    {
        var token = _keystone.IssueToken("admin", "password", "admin").Id;

        _region.Faults.ErrorRate = 1;
        var (status, body, _) = await Get(_region.NetworkUrl, "/v2.0/networks", token);
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Equal("HTTPInternalServerError", body!["NeutronError"]!["type"]!.GetValue<string>());
        (status, body, _) = await Get(_region.ComputeUrl, "/servers", token);
        Assert.Equal(500, body!["computeFault"]!["code"]!.GetValue<int>());
        _region.Faults.ErrorRate = 0;

        _region.Faults.Latency = TimeSpan.FromMilliseconds(300);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Get(_region.ImageUrl, "/v2/images", token);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(290), $"took {watch.Elapsed}");
        _region.Faults.Latency = TimeSpan.Zero;

        var port = _region.NetworkUrl.Port;
        await _region.Faults.SetDownAsync(true);
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => Get(_region.NetworkUrl, "/v2.0/networks", token));
        Assert.Contains("refused", refused.Message, StringComparison.OrdinalIgnoreCase);

        await _region.Faults.SetDownAsync(false);
        Assert.Equal(port, _region.NetworkUrl.Port); // same port again
        (status, _, _) = await Get(_region.NetworkUrl, "/v2.0/no-such-resource", token);
        Assert.Equal(HttpStatusCode.NotFound, status);
    }

    [Fact]
    public async Task TrafficObserver_SeesEachAnsweredRequest_WithItsServiceMethodPathAndStatus()
    {
        var token = _keystone.IssueToken("admin", "password", "admin").Id;
        var seen = new System.Collections.Concurrent.ConcurrentQueue<RegionRequest>();
        _region.Traffic.Observer = seen.Enqueue;
        try
        {
            await Get(_region.NetworkUrl, "/v2.0/ports?device_id=x&device_owner=network:router_interface", token);
            await Get(_region.ComputeUrl, "/servers", null);

            // Observed once answered: the client may have the answer a moment before.
            for (var i = 0; i < 100 && seen.Count < 2; i++)
            {
                await Task.Delay(20);
            }
        }
        finally
        {
            _region.Traffic.Observer = null;
        }

        Assert.Equal(
            [new RegionRequest("compute", "GET", "/v2.1/servers", 401), new RegionRequest("network", "GET", "/v2.0/ports?device_id=x&device_owner=network:router_interface", 200)],
            seen.OrderBy(r => r.Service, StringComparer.Ordinal));
    }

    [Fact]
    public void Faults_ErrorRateOutsideZeroToOne_IsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _region.Faults.ErrorRate = 1.5);
    }
}
