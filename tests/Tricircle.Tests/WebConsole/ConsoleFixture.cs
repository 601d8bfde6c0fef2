using System.Text.Json;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;
using Tricircle.Sandbox;
using Tricircle.Support;

namespace Tricircle.WebConsole;

/// <summary>
/// The sandbox with its web console on a free port, a seeded scenario and Debian's chromium
/// driven by Playwright (its own browser download cannot work here). The scenario, in project
/// <c>demo</c>: two networks, each stretched over both pods by a server in each pod on both, and
/// a router with an interface on each; in project <c>other</c>: one network of its own. Every
/// console test (pages, topology) shares it through <see cref="ConsoleTests"/>; a test
/// that changes a pod (down, disabled) puts it back.
/// </summary>
public sealed class ConsoleFixture() : GatewayFixture("sqlite")
{
    public const string Chromium = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    protected override Dictionary<string, string?> Settings => new()
    {
        ["console:refresh_seconds"] = "1",
        ["console:probe_timeout_seconds"] = "1",

        // A revoked token is noticed within a second (the validator's cache), not five minutes.
        ["keystone_authtoken:token_cache_time"] = "1",

        // A job that failed waits for its redo (the jobs page's), not for a retry of the workers mid-test.
        ["jobs:retry_base_seconds"] = "600",
        ["jobs:retry_max_seconds"] = "600",

        // Tests take RegionTwo down and bring it back: its circuit, opened by the calls that failed
        // meanwhile, rests one second rather than fifteen, so that a redo right after finds it closing.
        ["client:circuit_break_seconds"] = "1",
    };

    public string NetworkA { get; private set; } = "";

    public string SubnetA { get; private set; } = "";

    public string NetworkB { get; private set; } = "";

    public string SubnetB { get; private set; } = "";

    public string RouterId { get; private set; } = "";

    /// <summary>The server in RegionOne (az1) and the one in RegionTwo (az2), each on both networks.</summary>
    public string ServerOne { get; private set; } = "";

    public string ServerTwo { get; private set; } = "";

    /// <summary>A network of project <c>other</c>: a <c>demo</c> member must never see it.</summary>
    public string OtherNetwork { get; private set; } = "";

    /// <summary>Screenshots and page dumps of the console tests (kept as test artifacts).</summary>
    public static string ArtifactDirectory => Path.Combine(AppContext.BaseDirectory, "TestResults", "console");

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser has not started.");

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Directory.CreateDirectory(ArtifactDirectory);
        await SeedAsync();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    private async Task SeedAsync()
    {
        var steps = new NetworkSteps(this);
        (NetworkA, SubnetA) = await steps.NetworkAsync(DemoToken, "10.1.0.0/24");
        (NetworkB, SubnetB) = await steps.NetworkAsync(DemoToken, "10.2.0.0/24");
        RouterId = await steps.RouterAsync(DemoToken, new { name = "router-ab" });
        NetworkSteps.Ok(await steps.InterfaceAsync(DemoToken, RouterId, "add", SubnetA));
        NetworkSteps.Ok(await steps.InterfaceAsync(DemoToken, RouterId, "add", SubnetB));
        ServerOne = await BootOnBothAsync("vm-az1", "az1");
        ServerTwo = await BootOnBothAsync("vm-az2", "az2");
        await steps.ActiveAsync(DemoToken, ServerOne);
        await steps.ActiveAsync(DemoToken, ServerTwo);
        (OtherNetwork, _) = await steps.NetworkAsync(OtherToken, "10.9.0.0/24");

        // A change to a network the pods hold queues its network_sync jobs, one per pod: the jobs page's rows.
        NetworkSteps.Ok(await NetworkAsync(HttpMethod.Put, "networks/" + NetworkA, DemoToken, NetworkSteps.Json(new { network = new { description = "seeded change" } })));
        await JobsSettledAsync();
    }

    private async Task<string> BootOnBothAsync(string name, string az)
    {
        var body = JsonSerializer.Serialize(new
        {
            server = new
            {
                name,
                flavorRef = "1",
                imageRef = await CirrosAsync(az == "az1" ? "RegionOne" : "RegionTwo"),
                networks = new[] { new { uuid = NetworkA }, new { uuid = NetworkB } },
                availability_zone = az,
            },
        });
        var booted = await ComputeAsync(HttpMethod.Post, "servers", DemoToken, body, "2.37");
        Assert.True(booted.Status == System.Net.HttpStatusCode.Accepted, booted.Text);
        return booted.Json.GetProperty("server").GetProperty("id").GetString()!;
    }

    /// <summary>A fresh browser context (no cookies) on the console.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = ConsoleUrl.ToString(), ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    /// <summary>Fills and sends the login form; the page is wherever the console sent it after.</summary>
    public static async Task SubmitLoginAsync(IPage page, string user, string password, string project)
    {
        await page.GotoAsync("login");
        await page.GetByTestId("login-user").FillAsync(user);
        await page.GetByTestId("login-password").FillAsync(password);
        await page.GetByTestId("login-project").FillAsync(project);
        await page.GetByTestId("login-submit").ClickAsync();
    }

    /// <summary>A new page logged in (admin: <c>admin</c>/<c>password</c>/<c>admin</c>; member: <c>demo</c>).</summary>
    public async Task<IPage> LogInAsync(string user = "admin", string password = SandboxOptions.AdminPassword, string? project = null)
    {
        var page = await NewPageAsync();
        await SubmitLoginAsync(page, user, password, project ?? user);
        try
        {
            // A login is Keystone's check and then the first page: on a machine running every
            // test assembly at once it once took longer than one step's 15 s.
            await page.WaitForURLAsync(url => !url.Contains("/login", StringComparison.Ordinal), new() { Timeout = 45_000 });
        }
        catch (TimeoutException) when (page.Url.Contains("/login", StringComparison.Ordinal))
        {
            var refusal = page.GetByTestId("login-error");
            var said = await refusal.CountAsync() > 0 ? await refusal.InnerTextAsync() : "no error shown";
            throw new TimeoutException($"The console's login as {user} did not leave the login page ({said}).");
        }

        return page;
    }

    /// <summary>The Keystone token a browser's console cookie holds (decrypted as the console does).</summary>
    public async Task<string> SessionTokenAsync(IPage page)
    {
        var cookie = (await page.Context.CookiesAsync()).Single(c => c.Name == ConsoleAuthentication.CookieName);
        var options = Sandbox.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(ConsoleAuthentication.Scheme);
        var ticket = options.TicketDataFormat.Unprotect(cookie.Value) ?? throw new InvalidOperationException("The console cookie does not decrypt.");
        return ConsoleUser.From(ticket.Principal)!.Token;
    }

    public Task<IPage> LogInAsMemberAsync() => LogInAsync("demo", SandboxOptions.DemoPassword, "demo");

    /// <summary>Keeps a screenshot of the page as a test artifact (TestResults/console/NAME.png under the test output).</summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        var path = Path.Combine(ArtifactDirectory, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    public override async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        await base.DisposeAsync();
    }
}

/// <summary>The console tests share one sandbox and one browser, one test at a time.</summary>
[CollectionDefinition(Name)]
public sealed class ConsoleTests : ICollectionFixture<ConsoleFixture>
{
    public const string Name = "console";
}
