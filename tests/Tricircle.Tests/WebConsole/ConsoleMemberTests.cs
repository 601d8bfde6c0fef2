using Microsoft.Playwright;

namespace Tricircle.WebConsole;

/// <summary>A member (demo) logs in: the admin pages say so and show nothing; its find sees its own project only.</summary>
[Collection(ConsoleTests.Name)]
public sealed class ConsoleMemberTests(ConsoleFixture console)
{
    [Theory]
    [InlineData("pods", "pod-row")]
    [InlineData("jobs", "job-row")]
    public async Task AdminPages_AreRefused_WithNoData(string path, string rowTestId)
    {
        var page = await console.LogInAsMemberAsync();

        await page.GotoAsync(path);

        await Assertions.Expect(page.GetByTestId("admin-only")).ToContainTextAsync("Admin only");
        await Assertions.Expect(page.GetByTestId(rowTestId)).ToHaveCountAsync(0);
        Assert.DoesNotContain("RegionOne", await page.ContentAsync(), StringComparison.Ordinal);
        await ConsoleFixture.ScreenshotAsync(page, $"member-{path}");
    }

    [Fact]
    public async Task Find_ShowsOwnProject_AndNothingOfAnother()
    {
        var page = await console.LogInAsMemberAsync();
        await page.GotoAsync("find");

        await page.GetByTestId("find-id").FillAsync(console.NetworkA);
        await page.GetByTestId("find-submit").ClickAsync();
        await Assertions.Expect(page.Locator($"[data-testid=find-copy][data-central-id='{console.NetworkA}']")).ToHaveCountAsync(2);

        await page.GetByTestId("find-id").FillAsync(console.OtherNetwork);
        await page.GetByTestId("find-submit").ClickAsync();
        await Assertions.Expect(page.GetByTestId("find-nothing")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("find-copy")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("find-central")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Admin_FindsAnotherProjectsNetwork()
    {
        // The same id the member cannot see is there for an admin: the member's nothing is scoping, not absence.
        var page = await console.LogInAsync();
        await page.GotoAsync("find");
        await page.GetByTestId("find-id").FillAsync(console.OtherNetwork);
        await page.GetByTestId("find-submit").ClickAsync();

        await Assertions.Expect(page.GetByTestId("find-central")).ToHaveAttributeAsync("data-central-id", console.OtherNetwork);
    }
}
