using System.Text.Json;

namespace Tricircle.Lab;

/// <summary>
/// Tricircle's Admin API in front of real OpenStack regions, driven as an operator would: the
/// real <c>openstack</c> CLI against the real Keystone, the <c>tricircle</c> CLI finding the
/// Admin API through the real catalog, and what Tricircle says checked in the regions themselves.
/// </summary>
[Collection(LabWalkthroughs.Name)]
[Trait("Category", "Lab")]
public sealed class AdminWalkthroughTests(LabTricircle lab)
{
    private async Task<JsonElement> Tricircle(params string[] args)
    {
        var result = await lab.TricircleAsync(false, [.. args, "-f", "json"]);
        Assert.True(result.ExitCode == 0, $"tricircle {string.Join(' ', args)}\n{result}\nservice:\n{lab.Output}");
        return LabCloud.Json(result.Stdout);
    }

    private async Task TricircleQuiet(params string[] args)
    {
        var result = await lab.TricircleAsync(false, args);
        Assert.True(result.ExitCode == 0, $"tricircle {string.Join(' ', args)}\n{result}\nservice:\n{lab.Output}");
    }

    [LabFact]
    public async Task Catalog_HasTheLabRegionsAndTricirclesEndpointInTheCentralRegion()
    {
        var regions = LabCloud.Json((await lab.OpenStackAsync(null, false, "region", "list", "-f", "json")).Stdout)
            .EnumerateArray().Select(r => r.GetProperty("Region").GetString()).ToList();
        Assert.Contains(lab.Cloud.CentralRegion, regions);
        Assert.All(lab.Cloud.Regions, r => Assert.Contains(r, regions));

        var endpoints = LabCloud.Json((await lab.OpenStackAsync(null, false, "endpoint", "list", "--service", "tricircle", "--region", lab.Cloud.CentralRegion, "-f", "json")).Stdout);
        Assert.Equal(3, endpoints.GetArrayLength());
        Assert.All(endpoints.EnumerateArray(), e => Assert.Equal(lab.AdminUrl.ToString(), e.GetProperty("URL").GetString()));

        // Every pod region runs the services Tricircle fronts, each in the real catalog.
        var services = LabCloud.Json((await lab.OpenStackAsync(null, false, "endpoint", "list", "--interface", "public", "-f", "json")).Stdout).EnumerateArray()
            .Select(e => (Region: e.GetProperty("Region").GetString(), Type: e.GetProperty("Service Type").GetString())).ToHashSet();
        foreach (var region in lab.Cloud.Regions)
        {
            foreach (var type in (string[])["compute", "network", "volumev3", "image", "identity"])
            {
                Assert.Contains((region, type), services);
            }
        }
    }

    [LabFact]
    public async Task Pods_BindingsRoutingsAndStatus_ThroughTheClis()
    {
        var regionOne = lab.Cloud.Regions[0];
        var last = lab.Cloud.Regions[^1];

        // Pods by region name: start from whatever an earlier walkthrough left, remove them, add them back.
        foreach (var pod in (await Tricircle("pod", "list")).EnumerateArray().Where(p => p.GetProperty("region_name").GetString() != lab.Cloud.CentralRegion))
        {
            await TricircleQuiet("pod", "delete", pod.GetProperty("pod_id").GetString()!);
        }

        await lab.TricircleAsync(false, "pod", "create", lab.Cloud.CentralRegion); // may exist already
        for (var i = 0; i < lab.Cloud.Regions.Count; i++)
        {
            var created = await Tricircle("pod", "create", lab.Cloud.Regions[i], "--az-name", LabTricircle.PodAz(i), "--pod-az-name", "nova", "--dc-name", "lab");
            Assert.Equal(lab.Cloud.Regions[i], created.GetProperty("region_name").GetString());
            Assert.Equal(LabTricircle.PodAz(i), created.GetProperty("az_name").GetString());
        }

        var pods = (await Tricircle("pod", "list")).EnumerateArray().ToList();
        Assert.Equal(
            lab.Cloud.Regions.Append(lab.Cloud.CentralRegion).Order(StringComparer.Ordinal),
            pods.Select(p => p.GetProperty("region_name").GetString()!).Order(StringComparer.Ordinal));
        var duplicate = await lab.TricircleAsync(false, "pod", "create", regionOne, "--az-name", "az9");
        Assert.Equal(1, duplicate.ExitCode);
        Assert.Contains("HTTP 409", duplicate.Stderr, StringComparison.Ordinal);

        var changed = await Tricircle("pod", "set", last, "--dc-name", "lab-dc2");
        Assert.Equal("lab-dc2", changed.GetProperty("dc_name").GetString());
        Assert.Equal("lab-dc2", (await Tricircle("pod", "show", last)).GetProperty("dc_name").GetString());

        // A member of the real Keystone is no admin of Tricircle.
        var refused = await lab.TricircleAsync(true, "pod", "list");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("HTTP 403", refused.Stderr, StringComparison.Ordinal);

        // Bindings: the demo project (the real Keystone's id) to RegionOne.
        var demoProject = (await lab.Cloud.DemoTokenAsync(lab.Http)).ProjectId;
        var binding = await Tricircle("binding", "create", "--tenant", demoProject, "--pod", regionOne);
        var bindingId = binding.GetProperty("id").GetString()!;
        var active = await Tricircle("binding", "list", "--tenant", demoProject, "--active");
        Assert.Equal(bindingId, Assert.Single(active.EnumerateArray()).GetProperty("id").GetString());

        // The pod made anew is audited at the service's next maintenance tick once it has run
        // audit_interval. Run that audit now and wait for it: coming in the middle of the steps
        // below, it would take the hand-made routing for a copy whose central network is gone and
        // delete the network (it did, in a CI run); after it, none is due for audit_interval.
        await AuditedAsync(regionOne);

        // Routings point at real resources: a network the demo member makes in RegionOne's Neutron.
        var network = LabCloud.Json((await lab.OpenStackAsync(regionOne, true, "network", "create", "lab-walk-" + Guid.NewGuid().ToString("N")[..8], "-f", "json")).Stdout);
        var bottomId = network.GetProperty("id").GetString()!;
        var topId = Guid.NewGuid().ToString();
        try
        {
            var routing = await Tricircle("routing", "create", "--top-id", topId, "--bottom-id", bottomId, "--pod", regionOne, "--project", demoProject, "--resource-type", "network");
            var routingId = routing.GetProperty("id").GetRawText();
            var listed = await Tricircle("routing", "list", "--project", demoProject, "--top-id", topId);
            var row = Assert.Single(listed.EnumerateArray());
            Assert.Equal(bottomId, row.GetProperty("bottom_id").GetString());

            // The routing's bottom id is the region's own: its API shows that very network to its owner.
            var shown = LabCloud.Json((await lab.OpenStackAsync(regionOne, true, "network", "show", bottomId, "-f", "json")).Stdout);
            Assert.Equal(demoProject, shown.GetProperty("project_id").GetString());

            var inUse = await lab.TricircleAsync(false, "pod", "delete", regionOne);
            Assert.Equal(1, inUse.ExitCode);
            Assert.Contains("in use", inUse.Stderr, StringComparison.Ordinal);

            await TricircleQuiet("routing", "delete", routingId);
        }
        finally
        {
            await lab.OpenStackAsync(regionOne, true, "network", "delete", bottomId);
        }

        await TricircleQuiet("binding", "delete", bindingId);
        await TricircleQuiet("pod", "delete", regionOne);
        Assert.Equal(1, (await lab.TricircleAsync(false, "pod", "show", regionOne)).ExitCode);
        await Tricircle("pod", "create", regionOne, "--az-name", LabTricircle.PodAz(0), "--pod-az-name", "nova", "--dc-name", "lab");

        // status: the database, the real Keystone, and every service of every lab pod, found through the real catalog.
        var status = await lab.TricircleAsync(false, "status", "--config-file", lab.ConfigFile, "--timeout", "30");
        Assert.True(status.ExitCode == 0, $"tricircle status\n{status}");
        foreach (var region in lab.Cloud.Regions)
        {
            foreach (var type in (string[])["compute", "network", "volumev3", "image"])
            {
                Assert.Matches($@"\| {region} {type}\s*\| up\s*\|", status.Stdout);
            }
        }
    }

    private async Task AuditedAsync(string region)
    {
        var id = (await Tricircle("job", "create", "--type", "pod_audit", "--resource", "pod_id=" + region)).GetProperty("id").GetString()!;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var status = (await Tricircle("job", "show", id)).GetProperty("status").GetString();
            if (status == "SUCCESS")
            {
                return;
            }

            Assert.True(status != "FAIL" && clock.Elapsed < TimeSpan.FromMinutes(3), $"the audit of {region} is {status}");
            await Task.Delay(500);
        }
    }
}
