using Microsoft.Playwright;
using Tricircle.Support;

namespace Tricircle.WebConsole;

[Collection(ConsoleTests.Name)]
public sealed class ConsoleFindTests(ConsoleFixture console)
{
    private static async Task FindAsync(IPage page, string id)
    {
        await page.GotoAsync("find");
        await page.GetByTestId("find-id").FillAsync(id);
        await page.GetByTestId("find-submit").ClickAsync();
    }

    [Fact]
    public async Task PodsBottomId_ShowsThePodAndTheCentralId()
    {
        var bottom = (await new NetworkSteps(console).BottomAsync("RegionTwo", "networks", console.NetworkA)).GetProperty("id").GetString()!;
        Assert.NotEqual(console.NetworkA, bottom);
        var page = await console.LogInAsync();

        await FindAsync(page, bottom);

        var copy = page.Locator($"[data-testid=find-copy][data-bottom-id='{bottom}']");
        await Assertions.Expect(copy).ToHaveAttributeAsync("data-pod-name", "RegionTwo");
        await Assertions.Expect(copy).ToHaveAttributeAsync("data-central-id", console.NetworkA);
        await Assertions.Expect(copy).ToHaveAttributeAsync("data-type", "network");

        // ...and the network's other copy, and its central record.
        await Assertions.Expect(page.Locator($"[data-testid=find-copy][data-central-id='{console.NetworkA}'][data-pod-name=RegionOne]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByTestId("find-central")).ToHaveAttributeAsync("data-central-id", console.NetworkA);
        await ConsoleFixture.ScreenshotAsync(page, "find-bottom-id");
    }

    [Fact]
    public async Task ServersCentralId_ShowsItsPod()
    {
        var page = await console.LogInAsync();

        await FindAsync(page, console.ServerOne);

        await Assertions.Expect(page.Locator($"[data-testid=find-copy][data-central-id='{console.ServerOne}']")).ToHaveAttributeAsync("data-pod-name", "RegionOne");
    }

    [Fact]
    public async Task NotAnId_SaysSo()
    {
        var page = await console.LogInAsync();

        await FindAsync(page, "not an id");

        await Assertions.Expect(page.GetByTestId("find-error")).ToContainTextAsync("not an id");
    }
}
