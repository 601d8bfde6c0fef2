using Microsoft.Playwright;
using Tricircle.Jobs;
using Tricircle.Support;

namespace Tricircle.WebConsole;

[Collection(ConsoleTests.Name)]
public sealed class ConsoleJobsTests(ConsoleFixture console)
{
    [Fact]
    public async Task ListsTheSeededJobs_AndAJobsRuns()
    {
        var page = await console.LogInAsync();
        await page.GotoAsync("jobs");
        await page.GetByTestId("filter-resource").FillAsync(console.NetworkA);
        await page.GetByTestId("filter-resource").PressAsync("Tab");

        // network_sync of network A in both pods, as the job table has them.
        var rows = page.Locator("[data-testid=job-row][data-type=network_sync]");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        var (stored, _) = await console.Sandbox.Services.GetRequiredService<JobStore>()
            .ListAsync(new Dictionary<string, string> { ["resource_id"] = console.NetworkA, ["type"] = "network_sync" }, null, 10, CancellationToken.None);
        Assert.Equal(2, stored.Count);
        foreach (var job in stored)
        {
            await Assertions.Expect(page.Locator($"[data-testid=job-row][data-job-id='{job.Id}']")).ToHaveAttributeAsync("data-status", job.Status);
        }

        await rows.First.ClickAsync();
        await Assertions.Expect(page.GetByTestId("job-detail")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("job-run").First).ToHaveAttributeAsync("data-outcome", "SUCCESS");
        await ConsoleFixture.ScreenshotAsync(page, "jobs");
    }

    [Fact]
    public async Task StatusFilter_ShowsOnlyThatStatus()
    {
        var page = await console.LogInAsync();
        await page.GotoAsync("jobs");
        await Assertions.Expect(page.GetByTestId("job-row").First).ToBeVisibleAsync();

        await page.GetByTestId("filter-status").SelectOptionAsync("FAIL");

        await Assertions.Expect(page.Locator("[data-testid=job-row]:not([data-status=FAIL])")).ToHaveCountAsync(0);
        await page.GetByTestId("filter-status").SelectOptionAsync("SUCCESS");
        await Assertions.Expect(page.Locator("[data-testid=job-row][data-status=SUCCESS]").First).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Redo_RunsAWaitingJobAgain()
    {
        var store = console.Sandbox.Services.GetRequiredService<JobStore>();
        var region = console.Region("RegionTwo");
        Job job;
        try
        {
            // A change RegionTwo cannot take while it is down: its network_sync waits there, with the error.
            await region.Faults.SetDownAsync(true);
            NetworkSteps.Ok(await console.NetworkAsync(HttpMethod.Put, "networks/" + console.NetworkB, console.DemoToken, NetworkSteps.Json(new { network = new { description = "while RegionTwo is down" } })));
            Job? waiting = null;
            await Poll.UntilAsync(
                async () =>
                {
                    var (jobs, _) = await store.ListAsync(new Dictionary<string, string> { ["resource_id"] = console.NetworkB, ["type"] = "network_sync", ["status"] = "NEW" }, null, 10, CancellationToken.None);
                    waiting = jobs.FirstOrDefault(j => j.LastError is not null);
                    return waiting is not null;
                },
                TimeSpan.FromSeconds(30),
                () => "no network_sync of network B waiting with an error");
            job = waiting!;
        }
        finally
        {
            // The calls that failed while it was down may have opened RegionTwo's circuit: the
            // redo is meant to find the pod answering again, so wait for its rest to pass.
            await console.BringBackAsync("RegionTwo");
        }

        var page = await console.LogInAsync();
        await page.GotoAsync("jobs");
        await page.GetByTestId("filter-resource").FillAsync(console.NetworkB);
        await page.GetByTestId("filter-resource").PressAsync("Tab");
        await page.Locator($"[data-testid=job-row][data-job-id='{job.Id}']").ClickAsync();
        await Assertions.Expect(page.GetByTestId("job-last-error")).ToBeVisibleAsync();

        await page.GetByTestId("job-redo").ClickAsync();

        await Poll.UntilAsync(async () => (await store.FindAsync(job.Id, CancellationToken.None))?.Status == JobStatus.Success, TimeSpan.FromSeconds(30), () => $"job {job.Id} did not succeed after the redo");
        await Assertions.Expect(page.GetByTestId("job-status")).ToHaveTextAsync("SUCCESS", new() { Timeout = 10_000 });
        await Assertions.Expect(page.Locator("[data-testid=job-run][data-outcome=SUCCESS]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByTestId("jobs-error")).ToHaveCountAsync(0);
    }
}
