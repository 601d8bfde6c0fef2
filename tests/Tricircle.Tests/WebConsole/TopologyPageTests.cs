using Microsoft.Playwright;
using Tricircle.Support;

namespace Tricircle.WebConsole;

/// <summary>
/// The topology picture in a browser against the console's seeded sandbox: each network drawn over
/// exactly the pods that hold a copy (from the page's attributes and the band's geometry over the
/// pod columns), the router with its interfaces and bridge, servers in their pods, a click showing
/// a network's copies, a member's own project only, changes without a reload.
/// </summary>
[Collection(ConsoleTests.Name)]
public sealed class TopologyPageTests(ConsoleFixture console)
{
    private const string Pods = "RegionOne RegionTwo";

    private static readonly LocatorAssertionsToHaveAttributeOptions WithinSeconds = new() { Timeout = 10_000 };

    [Fact]
    public async Task EachSeededNetwork_IsABandOverExactlyThePodsHoldingACopy()
    {
        var page = await OpenAsync(await console.LogInAsync());

        var one = await ColumnAsync(page, "RegionOne");
        var two = await ColumnAsync(page, "RegionTwo");
        Assert.True(one.X + one.Width <= two.X); // side by side
        foreach (var network in new[] { console.NetworkA, console.NetworkB })
        {
            var band = page.Locator($"[data-network-id='{network}']");
            Assert.Equal(Pods, await band.GetAttributeAsync("data-pods"));
            Assert.Equal("tenant", await band.GetAttributeAsync("data-kind"));
            var pieces = await PiecesAsync(band);
            var piece = Assert.Single(pieces); // adjacent pods: one piece
            Assert.True(piece.X >= one.X && piece.X < one.X + 10, $"band starts at {piece.X}, RegionOne's column at {one.X}");
            Assert.True(piece.X + piece.Width <= two.X + two.Width && piece.X + piece.Width > two.X + two.Width - 10, "band ends over RegionTwo's column");
            Assert.Contains("vxlan", await band.Locator("title").TextContentAsync() ?? "", StringComparison.OrdinalIgnoreCase); // the segment in its label
        }

        // The other project's network has no copy: no piece over any pod (the admin sees all projects).
        var other = page.Locator($"[data-network-id='{console.OtherNetwork}']");
        Assert.Equal("", await other.GetAttributeAsync("data-pods"));
        Assert.Empty(await PiecesAsync(other));
        await ConsoleFixture.ScreenshotAsync(page, "topology");
    }

    [Fact]
    public async Task TheRouter_HasItsInterfaces_AndItsBridgeAcrossThePods()
    {
        var page = await OpenAsync(await console.LogInAsync());

        var router = page.Locator($"[data-router-id='{console.RouterId}']");
        await Assertions.Expect(router).ToHaveCountAsync(1);
        await Assertions.Expect(router.Locator($"path[data-link='interface'][data-link-network='{console.NetworkA}']")).ToHaveCountAsync(1);
        await Assertions.Expect(router.Locator($"path[data-link='interface'][data-link-network='{console.NetworkB}']")).ToHaveCountAsync(1);
        await Assertions.Expect(router.Locator("circle[data-router-copy='RegionTwo']")).ToHaveCountAsync(1); // its second copy, in the other pod

        // Servers in both pods on its networks: its copies in both, joined by the project's bridge.
        var bridgeLink = router.Locator("path[data-link='bridge']").First;
        var bridgeId = await bridgeLink.GetAttributeAsync("data-link-network");
        var bridge = page.Locator($"[data-network-id='{bridgeId}']");
        Assert.Equal("bridge", await bridge.GetAttributeAsync("data-kind"));
        Assert.Equal(Pods, await bridge.GetAttributeAsync("data-pods"));

        // Its panel: the jobs that made its copies, linked to the jobs page.
        await router.Locator("circle[data-router-node]").ClickAsync();
        var jobs = page.GetByTestId("resource-panel").GetByTestId("panel-jobs").Locator("tr[data-job-id]");
        await Assertions.Expect(jobs.First).ToBeVisibleAsync();
        var store = console.Sandbox.Services.GetRequiredService<Jobs.JobStore>();
        foreach (var row in await jobs.AllAsync())
        {
            var job = await store.FindAsync((await row.GetAttributeAsync("data-job-id"))!, CancellationToken.None);
            Assert.Contains(console.RouterId, job!.ResourceId.Split('#'));
            Assert.StartsWith($"jobs?resource_id={console.RouterId}&job={job.Id}", await row.Locator("a").GetAttributeAsync("href"), StringComparison.Ordinal);
        }

        // The link opens the jobs page filtered by the router, with that job open.
        var first = await jobs.First.GetAttributeAsync("data-job-id");
        await jobs.First.Locator("a").ClickAsync();
        await Assertions.Expect(page.GetByTestId("job-detail")).ToHaveAttributeAsync("data-job-id", first!);
        await Assertions.Expect(page.GetByTestId("filter-resource")).ToHaveValueAsync(console.RouterId);
    }

    [Fact]
    public async Task ServersAreDrawnInTheirPodsColumn()
    {
        var page = await OpenAsync(await console.LogInAsync());

        foreach (var (server, pod, name) in new[] { (console.ServerOne, "RegionOne", "vm-az1"), (console.ServerTwo, "RegionTwo", "vm-az2") })
        {
            var box = page.Locator($"[data-server-id='{server}']");
            Assert.Equal(pod, await box.GetAttributeAsync("data-pod"));
            await Assertions.Expect(box).ToContainTextAsync(name); // the name the pod gave
            var at = (await box.BoundingBoxAsync())!;
            var column = await ColumnAsync(page, pod);
            Assert.True(at.X >= column.X && at.X + at.Width <= column.X + column.Width, $"{name} at {at.X} is not inside {pod}'s column");
        }
    }

    [Fact]
    public async Task ClickingANetwork_ShowsItsCentralRecord_AndItsCopyInEachPodWithThePodsStatus()
    {
        var page = await OpenAsync(await console.LogInAsync());

        await page.Locator($"[data-network-id='{console.NetworkA}'] rect[data-band]").First.ClickAsync();

        var panel = page.GetByTestId("resource-panel");
        await Assertions.Expect(panel).ToHaveAttributeAsync("data-id", console.NetworkA);
        await Assertions.Expect(panel.GetByTestId("panel-fields")).ToContainTextAsync("10.1.0.0/24");
        var steps = new NetworkSteps(console);
        foreach (var pod in new[] { "RegionOne", "RegionTwo" })
        {
            var row = panel.Locator($"tr[data-copy-pod='{pod}']");
            await Assertions.Expect(row.Locator("td[data-copy-status]")).ToHaveTextAsync("ACTIVE");
            var bottom = (await steps.BottomAsync(pod, "networks", console.NetworkA)).GetProperty("id").GetString()!;
            await Assertions.Expect(row).ToContainTextAsync(bottom);
        }

        await ConsoleFixture.ScreenshotAsync(page, "topology-network-panel");
        await KeepForReadmeAsync(page);
    }

    [Fact]
    public async Task APodTakenDown_ShowsDownInThePicture_AndItsCopyGivesNoAnswer()
    {
        var page = await OpenAsync(await console.LogInAsync());
        var column = page.Locator("svg g[data-state][data-pod='RegionTwo']");
        await Assertions.Expect(column).ToHaveAttributeAsync("data-state", "up", WithinSeconds);
        var region = console.Region("RegionTwo");
        try
        {
            await region.Faults.SetDownAsync(true);

            await Assertions.Expect(column).ToHaveAttributeAsync("data-state", "down", WithinSeconds);
            await Assertions.Expect(page.Locator("svg g[data-state][data-pod='RegionOne']")).ToHaveAttributeAsync("data-state", "up");
            Assert.Equal(Pods, await page.Locator($"[data-network-id='{console.NetworkA}']").GetAttributeAsync("data-pods")); // its copy is still routed there
            await page.Locator($"[data-network-id='{console.NetworkA}'] rect[data-band]").First.ClickAsync();
            var panel = page.GetByTestId("resource-panel");
            await Assertions.Expect(panel.Locator("tr[data-copy-pod='RegionTwo'] td[data-copy-status]")).ToContainTextAsync("no answer");
            await Assertions.Expect(panel.Locator("tr[data-copy-pod='RegionOne'] td[data-copy-status]")).ToHaveTextAsync("ACTIVE");
            await ConsoleFixture.ScreenshotAsync(page, "topology-regiontwo-down");
        }
        finally
        {
            // The calls that failed meanwhile may have opened its circuit: the tests after this one need it closed.
            await console.BringBackAsync("RegionTwo");
        }

        await Assertions.Expect(column).ToHaveAttributeAsync("data-state", "up", new() { Timeout = 30_000 });
    }

    [Fact]
    public async Task AMember_SeesOnlyItsOwnProjectsNetworks()
    {
        var page = await OpenAsync(await console.LogInAsMemberAsync());

        await Assertions.Expect(page.Locator($"[data-network-id='{console.NetworkA}']")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator($"[data-network-id='{console.OtherNetwork}']")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("topology-project")).ToHaveCountAsync(0); // no project selector
        await Assertions.Expect(page.GetByTestId("topology-project-fixed")).ToContainTextAsync(console.DemoProjectId);
        await page.Locator($"[data-network-id='{console.NetworkA}'] rect[data-band]").First.ClickAsync();
        await Assertions.Expect(page.GetByTestId("panel-copies").Locator("tr[data-copy-pod]")).ToHaveCountAsync(2);
        await Assertions.Expect(page.GetByTestId("panel-all-jobs")).ToHaveCountAsync(0); // jobs are the admin's

        // An admin choosing project "other" sees its network and none of demo's.
        var admin = await OpenAsync(await console.LogInAsync());
        await admin.GetByTestId("topology-project").SelectOptionAsync(console.OtherProjectId);
        await Assertions.Expect(admin.Locator($"[data-network-id='{console.NetworkA}']")).ToHaveCountAsync(0);
        await Assertions.Expect(admin.Locator($"[data-network-id='{console.OtherNetwork}']")).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task ANewNetwork_AppearsWithoutAReload()
    {
        var page = await OpenAsync(await console.LogInAsMemberAsync());
        var (network, _) = await new NetworkSteps(console).NetworkAsync(console.DemoToken, "10.77.0.0/24");
        try
        {
            var band = page.Locator($"[data-network-id='{network}']");
            await Assertions.Expect(band).ToHaveCountAsync(1, new() { Timeout = 10_000 });
            Assert.Equal("", await band.GetAttributeAsync("data-pods")); // no server needs it in a pod yet
        }
        finally
        {
            Assert.Equal(System.Net.HttpStatusCode.NoContent, (await console.NetworkAsync(HttpMethod.Delete, "networks/" + network, console.DemoToken)).Status);
        }
    }

    private static async Task<IPage> OpenAsync(IPage page)
    {
        await page.GotoAsync("topology");
        await page.GetByTestId("topology").WaitForAsync();
        return page;
    }

    private static async Task<LocatorBoundingBoxResult> ColumnAsync(IPage page, string pod) =>
        (await page.Locator($"svg [data-pod='{pod}'] rect[data-column]").BoundingBoxAsync())!;

    private static async Task<List<LocatorBoundingBoxResult>> PiecesAsync(ILocator band)
    {
        var pieces = new List<LocatorBoundingBoxResult>();
        foreach (var rect in await band.Locator("rect[data-band]").AllAsync())
        {
            pieces.Add((await rect.BoundingBoxAsync())!);
        }

        return pieces;
    }

    /// <summary>With <c>TRICIRCLE_README_SCREENSHOT</c> set to a path (docs/console-topology.png), the picture for the README is written there.</summary>
    private static async Task KeepForReadmeAsync(IPage page)
    {
        if (Environment.GetEnvironmentVariable("TRICIRCLE_README_SCREENSHOT") is { Length: > 0 } path)
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = false });
        }
    }
}
