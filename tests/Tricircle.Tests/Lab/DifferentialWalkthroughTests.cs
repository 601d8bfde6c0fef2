using System.Text.Json.Nodes;
using Tricircle.Differential;
using Xunit.Abstractions;

namespace Tricircle.Lab;

/// <summary>
/// The same Nova and Cinder calls, as the demo member, sent directly to the lab's first region and
/// through Tricircle's gateways (whose az1 is that region): every answer must agree in status,
/// the headers clients read, fields and values, and error type and code, but for what must differ
/// (ids, links' host, timestamps, the zone's name). See <see cref="NovaDifferential"/> and
/// <see cref="CinderDifferential"/> for the calls.
/// </summary>
[Collection(LabWalkthroughs.Name)]
[Trait("Category", "Lab")]
public sealed class DifferentialWalkthroughTests(LabTricircle lab, ITestOutputHelper output)
{
    [LabFact]
    public async Task Nova_ThroughTricircle_AnswersAsTheRegionItself()
    {
        var (run, admin, demo) = await SidesAsync();
        var flavors = new Dictionary<DifferentialTarget, string>();
        try
        {
            // A public flavor of the same shape on each side: the region's own, and a central one.
            foreach (var side in (DifferentialTarget[])[run.Direct, run.Through])
            {
                var created = await SendAsync(HttpMethod.Post, side.Compute + "/flavors", admin, new JsonObject
                {
                    ["flavor"] = new JsonObject { ["name"] = side.Prefix + "f", ["ram"] = 64, ["vcpus"] = 1, ["disk"] = 1 },
                });
                flavors[side] = (string?)created["flavor"]?["id"] ?? throw new InvalidOperationException($"{side.Name}: flavor create: {created.ToJsonString()}\n{lab.Output}");
                side.Values["flavor"] = flavors[side];
            }

            await NovaDifferential.RunAsync(run);
        }
        finally
        {
            await CleanUpComputeAsync(run, demo.Id);
            foreach (var (side, flavor) in flavors)
            {
                await SendAsync(HttpMethod.Delete, side.Compute + "/flavors/" + flavor, admin);
            }

            await lab.ForgetBindingsAsync(admin, demo.ProjectId);
        }

        WritePodWarnings();
        run.AssertSame();
    }

    [LabFact]
    public async Task Cinder_ThroughTricircle_AnswersAsTheRegionItself()
    {
        var (run, admin, demo) = await SidesAsync();
        try
        {
            await CinderDifferential.RunAsync(run);
        }
        finally
        {
            await CleanUpVolumesAsync(run, demo.Id);
            await lab.ForgetBindingsAsync(admin, demo.ProjectId);
        }

        WritePodWarnings();
        run.AssertSame();
    }

    /// <summary>What Tricircle said of its pods meanwhile: the first place to look when an answer differs.</summary>
    private void WritePodWarnings()
    {
        foreach (var line in lab.Output.Split('\n').Where(l => l.Contains("warn", StringComparison.OrdinalIgnoreCase) || l.Contains("fail", StringComparison.OrdinalIgnoreCase)).TakeLast(40))
        {
            output.WriteLine("tricircle: " + line);
        }
    }

    private async Task<(DifferentialRun Run, string Admin, LabCloud.Token Demo)> SidesAsync()
    {
        await lab.EnsurePodsAsync();
        var admin = (await lab.Cloud.AdminTokenAsync(lab.Http)).Id;
        var demo = await lab.Cloud.DemoTokenAsync(lab.Http);
        await lab.ForgetBindingsAsync(admin, demo.ProjectId);
        var region = lab.Cloud.Regions[0];
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var image = await lab.OpenStackJsonAsync(region, true, "image", "show", "cirros-tiny");
        var direct = new DifferentialTarget(region, lab.Http,
            new Uri(demo.Endpoint("compute", region)!.TrimEnd('/')), new Uri(demo.Endpoint("volumev3", region)!.TrimEnd('/')),
            demo.Id, "nova", $"diffd-{suffix}-");
        var through = new DifferentialTarget("Tricircle", lab.Http,
            new Uri(lab.Urls["compute"].ToString().TrimEnd('/')), new Uri(lab.Urls["volumev3"].ToString().Replace("$(project_id)s", demo.ProjectId, StringComparison.Ordinal).TrimEnd('/')),
            demo.Id, LabTricircle.PodAz(0), $"difft-{suffix}-");
        foreach (var side in (DifferentialTarget[])[direct, through])
        {
            side.Values["image"] = image.GetProperty("id").GetString()!;
            side.Values["project"] = demo.ProjectId;
        }

        return (new DifferentialRun(direct, through, output), admin, demo);
    }

    /// <summary>Whatever a failed run left: this run's servers, keypairs and server groups on each side.</summary>
    private async Task CleanUpComputeAsync(DifferentialRun run, string token)
    {
        foreach (var side in (DifferentialTarget[])[run.Direct, run.Through])
        {
            var servers = await SendAsync(HttpMethod.Get, $"{side.Compute}/servers?name={side.Prefix}", token);
            foreach (var server in servers["servers"]!.AsArray())
            {
                await SendAsync(HttpMethod.Delete, $"{side.Compute}/servers/{server!["id"]}", token);
            }

            foreach (var name in (string[])["kp", "x509", "bad"])
            {
                await SendAsync(HttpMethod.Delete, $"{side.Compute}/os-keypairs/{side.Prefix}{name}", token);
            }

            var groups = await SendAsync(HttpMethod.Get, $"{side.Compute}/os-server-groups", token);
            foreach (var group in groups["server_groups"]?.AsArray() ?? [])
            {
                if (((string?)group!["name"])?.StartsWith(side.Prefix, StringComparison.Ordinal) == true)
                {
                    await SendAsync(HttpMethod.Delete, $"{side.Compute}/os-server-groups/{group["id"]}", token);
                }
            }

            foreach (var server in servers["servers"]!.AsArray())
            {
                await LabTricircle.WaitForAsync(async () => (await SendAsync(HttpMethod.Get, $"{side.Compute}/servers/{server!["id"]}", token)).ContainsKey("server") ? "there" : "DELETED", "DELETED");
            }
        }
    }

    /// <summary>Whatever a failed run left: this run's transfers, snapshots and volumes on each side.</summary>
    private async Task CleanUpVolumesAsync(DifferentialRun run, string token)
    {
        foreach (var side in (DifferentialTarget[])[run.Direct, run.Through])
        {
            var transfers = await SendAsync(HttpMethod.Get, $"{side.Volume}/os-volume-transfer", token);
            foreach (var transfer in transfers["transfers"]?.AsArray() ?? [])
            {
                if (((string?)transfer!["name"])?.StartsWith(side.Prefix, StringComparison.Ordinal) == true)
                {
                    await SendAsync(HttpMethod.Delete, $"{side.Volume}/os-volume-transfer/{transfer["id"]}", token);
                }
            }

            var volumes = await SendAsync(HttpMethod.Get, $"{side.Volume}/volumes", token);
            foreach (var volume in volumes["volumes"]?.AsArray() ?? [])
            {
                if (((string?)volume!["name"])?.StartsWith(side.Prefix, StringComparison.Ordinal) == true)
                {
                    await SendAsync(HttpMethod.Delete, $"{side.Volume}/volumes/{volume["id"]}?cascade=true", token);
                    await LabTricircle.WaitForAsync(async () => (await SendAsync(HttpMethod.Get, $"{side.Volume}/volumes/{volume["id"]}", token)).ContainsKey("volume") ? "there" : "deleted", "deleted");
                }
            }
        }
    }

    /// <summary>A JSON call; any answer is returned (clean-up must not stop at the first 404).</summary>
    private async Task<JsonObject> SendAsync(HttpMethod method, string url, string token, JsonObject? body = null)
    {
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Add("X-Auth-Token", token);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"); // sized: Nova's eventlet reads no chunked body
        }

        using var response = await lab.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return text.StartsWith('{') ? JsonNode.Parse(text)!.AsObject() : new JsonObject();
    }
}
