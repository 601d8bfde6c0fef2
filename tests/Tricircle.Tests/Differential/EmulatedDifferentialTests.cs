using Tricircle.Support;
using Xunit.Abstractions;

namespace Tricircle.Differential;

/// <summary>
/// The lab's differential walkthrough (<c>Lab/DifferentialWalkthroughTests</c>) against the
/// emulated regions, on every run of the fast suite: the same Nova and Cinder calls sent directly
/// to the emulated RegionOne and through Tricircle's gateways (whose az1 is RegionOne) must be
/// answered alike. The lab proves the emulator answers as real Zed does; this proves Tricircle
/// answers as the emulator does, so a gateway regression shows without a lab.
/// </summary>
public sealed class EmulatedDifferentialTests(SqliteGatewayFixture gateway, ITestOutputHelper output) : IClassFixture<SqliteGatewayFixture>
{
    [Fact]
    public async Task Nova_ThroughTricircle_AnswersAsTheEmulatedRegion()
    {
        var run = await SidesAsync();
        await NovaDifferential.RunAsync(run);
        run.AssertSame();
    }

    [Fact]
    public async Task Cinder_ThroughTricircle_AnswersAsTheEmulatedRegion()
    {
        var run = await SidesAsync();
        await CinderDifferential.RunAsync(run);
        run.AssertSame();
    }

    private async Task<DifferentialRun> SidesAsync()
    {
        var region = gateway.Region("RegionOne");
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var direct = new DifferentialTarget("RegionOne", gateway.Http,
            new Uri(region.ComputeUrl.ToString().TrimEnd('/')), new Uri($"{region.VolumeUrl.ToString().TrimEnd('/')}/v3/{gateway.DemoProjectId}"),
            gateway.DemoToken, "nova", $"diffd-{suffix}-");
        var through = new DifferentialTarget("Tricircle", gateway.Http,
            new Uri(gateway.ComputeUrl.ToString().TrimEnd('/')), new Uri($"{gateway.VolumeUrl.ToString().TrimEnd('/')}/{gateway.DemoProjectId}"),
            gateway.DemoToken, "az1", $"difft-{suffix}-");
        var image = await gateway.CirrosAsync("RegionOne");
        foreach (var side in (DifferentialTarget[])[direct, through])
        {
            side.Values["image"] = image;
            side.Values["flavor"] = "1";
            side.Values["project"] = gateway.DemoProjectId;
        }

        return new DifferentialRun(direct, through, output);
    }
}
