using Microsoft.Playwright;
using Tricircle.Pods;

namespace Tricircle.WebConsole;

[Collection(ConsoleTests.Name)]
public sealed class ConsolePodsTests(ConsoleFixture console)
{
    private static readonly LocatorAssertionsToHaveAttributeOptions WithinSeconds = new() { Timeout = 10_000 };

    private static ILocator Row(IPage page, string region) => page.Locator($"[data-testid=pod-row][data-pod-name={region}]");

    [Fact]
    public async Task ListsBothPods_WithRegionAzAndState()
    {
        var page = await console.LogInAsync();
        await page.GotoAsync("pods");

        await Assertions.Expect(Row(page, "RegionOne")).ToHaveAttributeAsync("data-state", "up", WithinSeconds);
        await Assertions.Expect(Row(page, "RegionTwo")).ToHaveAttributeAsync("data-state", "up", WithinSeconds);
        await Assertions.Expect(Row(page, "RegionOne").GetByTestId("pod-az")).ToContainTextAsync("az1");
        await Assertions.Expect(Row(page, "RegionTwo").GetByTestId("pod-az")).ToContainTextAsync("az2");
        await Assertions.Expect(Row(page, "RegionOne").GetByTestId("pod-circuit")).ToHaveTextAsync("closed");
        await ConsoleFixture.ScreenshotAsync(page, "pods");

        // Every registered pod is a row, as the registry has them.
        var registered = await console.Sandbox.Services.GetRequiredService<PodStore>().ListAsync(new Dictionary<string, string>(), CancellationToken.None);
        await Assertions.Expect(page.GetByTestId("pod-row")).ToHaveCountAsync(registered.Count);
    }

    [Fact]
    public async Task PodTakenDown_ShowsDown_WithoutAReload()
    {
        var page = await console.LogInAsync();
        await page.GotoAsync("pods");
        await Assertions.Expect(Row(page, "RegionTwo")).ToHaveAttributeAsync("data-state", "up", WithinSeconds);
        await page.EvaluateAsync("() => window.__sameDocument = true"); // gone if the page were loaded again

        var region = console.Region("RegionTwo");
        try
        {
            await region.Faults.SetDownAsync(true);

            await Assertions.Expect(Row(page, "RegionTwo")).ToHaveAttributeAsync("data-state", "down", WithinSeconds);
            await Assertions.Expect(Row(page, "RegionOne")).ToHaveAttributeAsync("data-state", "up");
            Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"));
            await ConsoleFixture.ScreenshotAsync(page, "pods-regiontwo-down");
        }
        finally
        {
            await console.BringBackAsync("RegionTwo");
        }

        await Assertions.Expect(Row(page, "RegionTwo")).ToHaveAttributeAsync("data-state", "up", WithinSeconds);
    }

    [Fact]
    public async Task DisableWithAReason_ShowsDisabledAndWhy_AndEnableUndoesIt()
    {
        var store = console.Sandbox.Services.GetRequiredService<PodStore>();
        var pod = await store.FindByRegionAsync("RegionTwo", CancellationToken.None) ?? throw new InvalidOperationException("RegionTwo is not registered.");
        var page = await console.LogInAsync();
        await page.GotoAsync("pods");
        var row = Row(page, "RegionTwo");
        await Assertions.Expect(row).ToHaveAttributeAsync("data-state", "up", WithinSeconds);

        try
        {
            await row.GetByTestId("pod-reason").FillAsync("rack 7 power work");
            await row.GetByTestId("pod-disable").ClickAsync();

            await Assertions.Expect(row).ToHaveAttributeAsync("data-state", "disabled", WithinSeconds);
            await Assertions.Expect(row.GetByTestId("pod-state-detail")).ToHaveTextAsync("rack 7 power work");
            var stored = await store.FindAsync(pod.PodId, CancellationToken.None);
            Assert.True(stored!.Disabled);
            Assert.Equal("rack 7 power work", stored.DisabledReason);
            await ConsoleFixture.ScreenshotAsync(page, "pods-regiontwo-disabled");

            await row.GetByTestId("pod-enable").ClickAsync();
            await Assertions.Expect(row).ToHaveAttributeAsync("data-state", "up", WithinSeconds);
            stored = await store.FindAsync(pod.PodId, CancellationToken.None);
            Assert.False(stored!.Disabled);
            Assert.Equal("", stored.DisabledReason);
        }
        finally
        {
            await store.UpdateAsync(pod.PodId, null, null, null, false, "", CancellationToken.None);
        }
    }
}
