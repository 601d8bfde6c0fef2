using Microsoft.Playwright;
using Tricircle.Sandbox;

namespace Tricircle.WebConsole;

[Collection(ConsoleTests.Name)]
public sealed class ConsoleLoginTests(ConsoleFixture console)
{
    [Fact]
    public async Task WrongPassword_ShowsTheError_AndNoSession()
    {
        var page = await console.NewPageAsync();
        await ConsoleFixture.SubmitLoginAsync(page, "admin", "not-the-password", "admin");

        await Assertions.Expect(page.GetByTestId("login-error")).ToContainTextAsync("Keystone refused the login");
        await ConsoleFixture.ScreenshotAsync(page, "login-refused");
        var cookies = await page.Context.CookiesAsync();
        Assert.DoesNotContain(cookies, c => c.Name == ConsoleAuthentication.CookieName);
    }

    [Fact]
    public async Task Admin_LandsOnThePodsPage()
    {
        var page = await console.NewPageAsync();
        await ConsoleFixture.SubmitLoginAsync(page, "admin", SandboxOptions.AdminPassword, "admin");

        await page.WaitForURLAsync("**/pods");
        await Assertions.Expect(page.GetByTestId("who")).ToContainTextAsync("admin");
        var cookies = await page.Context.CookiesAsync();
        var session = Assert.Single(cookies, c => c.Name == ConsoleAuthentication.CookieName);
        Assert.True(session.HttpOnly);
    }

    [Fact]
    public async Task PageWithoutSession_GoesToTheLoginPage()
    {
        var page = await console.NewPageAsync();
        await page.GotoAsync("jobs");

        await page.WaitForURLAsync("**/login?ReturnUrl=*");
        await Assertions.Expect(page.GetByTestId("login-form")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task LogOut_EndsTheSession()
    {
        var page = await console.LogInAsync();
        await page.GetByTestId("logout").ClickAsync();
        await page.WaitForURLAsync("**/login");

        await page.GotoAsync("pods");
        await page.WaitForURLAsync("**/login?ReturnUrl=*");
    }
}
