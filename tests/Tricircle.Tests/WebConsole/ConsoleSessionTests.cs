using System.Net;
using Microsoft.Playwright;

namespace Tricircle.WebConsole;

/// <summary>The console's session and its place beside the APIs.</summary>
[Collection(ConsoleTests.Name)]
public sealed class ConsoleSessionTests(ConsoleFixture console)
{
    [Fact]
    public async Task RevokedToken_SendsAnOpenPageToTheLoginPage()
    {
        var page = await console.LogInAsync();
        await page.GotoAsync("pods");
        await Assertions.Expect(page.GetByTestId("pod-row").First).ToBeVisibleAsync();

        console.Sandbox.Keystone.RevokeToken(await console.SessionTokenAsync(page));

        await page.WaitForURLAsync("**/login*", new() { Timeout = 15_000 });
        await page.GotoAsync("jobs");
        await page.WaitForURLAsync("**/login?ReturnUrl=*");
    }

    [Theory]
    [InlineData("_framework/blazor.web.js", "text/javascript")]
    [InlineData("console.css", "text/css")]
    public async Task Assets_ShipInTheBuild(string path, string contentType)
    {
        using var response = await console.Http.GetAsync(new Uri(console.ConsoleUrl, path));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 1000, "the asset is (nearly) empty: its file was not found"); // a found route without its file answers 200 with nothing
    }

    [Fact]
    public async Task ApiPorts_DoNotServeTheConsole_NorTheConsoleTheApis()
    {
        using var onAdmin = await console.Http.GetAsync(new Uri(new Uri(console.AdminUrl.GetLeftPart(UriPartial.Authority)), "login"));
        using var onConsole = await console.Http.GetAsync(new Uri(console.ConsoleUrl, "v1.0/pods"));
        using var login = await console.Http.GetAsync(new Uri(console.ConsoleUrl, "login"));

        // The Admin API's own answer to a path it does not have, without a token: its 401, in its shape.
        Assert.Equal(HttpStatusCode.Unauthorized, onAdmin.StatusCode);
        Assert.Equal("application/json", onAdmin.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, onConsole.StatusCode);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Contains("data-testid=\"login-form\"", await login.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("refresh_seconds", "0", "[console] refresh_seconds: 0 is outside 1..3600")]
    [InlineData("probe_timeout_seconds", "61", "[console] probe_timeout_seconds: 61 is outside 1..60")]
    public void BadOption_IsNamed(string key, string value, string problem)
    {
        var options = new ConsoleOptions();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new($"console:{key}", value)]).Build();
        configuration.GetSection(ConsoleOptions.Section).Bind(options);

        Assert.Contains(problem, options.Problems());
    }
}
