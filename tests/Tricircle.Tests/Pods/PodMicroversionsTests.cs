using Microsoft.Extensions.Time.Testing;
using Tricircle.Emulator.Identity;
using Tricircle.Emulator.Regions;
using Tricircle.Hosting;
using Tricircle.Support;

namespace Tricircle.Pods;

/// <summary>The pods' highest common microversion, which every compute and volume request asks for.</summary>
public sealed class PodMicroversionsTests : IAsyncLifetime
{
    private static readonly Microversion RegionMax = new(2, NovaMax);
    private const int NovaMax = 79; // the emulated Nova's maximum, below the gateway's own

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero));
    private KeystoneEmulator _keystone = null!;
    private RegionEmulator _region = null!;
    private TestDatabase _db = null!;
    private WebApplication _host = null!;
    private PodMicroversions _versions = null!;
    private long _answered; // the region's requests answered so far
    private string _podId = "";

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync("sqlite");
        _keystone = await KeystoneEmulator.StartAsync(new KeystoneEmulatorOptions { Port = 0 });
        var service = _keystone.AddUser("tricircle", "secret");
        _keystone.Grant(service, _keystone.FindProjectId("service")!, "admin");
        _region = await RegionEmulator.StartAsync(_keystone, new RegionEmulatorOptions { Name = "RegionOne" });
        _host = ServiceHost.Build(
            TricircleConfiguration.Load([], new Dictionary<string, string?>
            {
                ["database:connection"] = _db.Connection,
                ["keystone_authtoken:auth_url"] = _keystone.AuthUrl.ToString(),
                ["keystone_authtoken:username"] = "tricircle",
                ["keystone_authtoken:password"] = "secret",
            }),
            services => services.AddSingleton<TimeProvider>(_time));
        _podId = (await _host.Services.GetRequiredService<PodStore>().CreateAsync("RegionOne", "az1", "nova", "", default)).PodId;
        _versions = _host.Services.GetRequiredService<PodMicroversions>();
        _region.Traffic.Observer = _ => Interlocked.Increment(ref _answered);
    }

    public async Task DisposeAsync()
    {
        // The region first: a test that fails with a pod call in flight would otherwise leave
        // the host's dispose waiting on it (its timeout runs on the fake clock).
        await _region.DisposeAsync();
        await _keystone.DisposeAsync();
        await _host.DisposeAsync();
        await _db.DisposeAsync();
    }

    private Task<Microversion> LowestMax() => _versions.LowestMaxAsync("compute", Microversion.GatewayMax, CancellationToken.None);

    [Fact]
    public async Task OnceKnown_ItIsAnsweredAtOnce_EvenWhenItsTimeIsUp_AndOneRefreshAsksTheSlowPod()
    {
        Assert.Equal(RegionMax, await LowestMax());
        var asked = _region.Traffic.Requests;
        var answered = Interlocked.Read(ref _answered);

        // Five minutes on, the pod is slow: requests must not wait for it.
        _region.Faults.Latency = TimeSpan.FromSeconds(2);
        _time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        var during = Enumerable.Range(0, 5).Select(_ => LowestMax()).ToList();

        Assert.All(during, d => Assert.True(d.IsCompletedSuccessfully, "answered from memory, not after the pod's version document"));
        Assert.All(await Task.WhenAll(during), max => Assert.Equal(RegionMax, max));

        // One refresh for all five, not one each: the pod answers it, and was asked once more in all.
        await Poll.UntilAsync(() => Task.FromResult(Interlocked.Read(ref _answered) > answered), TimeSpan.FromSeconds(30), () => "the refresh never reached the pod");
        Assert.Equal(RegionMax, await LowestMax());
        Assert.Equal(asked + 1, _region.Traffic.Requests);
    }

    [Fact]
    public async Task APodThatCouldNotSay_IsAskedAgainInTheBackground_AndItsAnswerIsUsedOnceItComes()
    {
        // Down at first: only the gateway's own maximum is known, for ten seconds.
        await _region.Faults.SetDownAsync(true);
        Assert.Equal(Microversion.GatewayMax, await LowestMax());

        await _region.Faults.SetDownAsync(false);
        _time.Advance(TimeSpan.FromSeconds(11));
        var stale = LowestMax();
        Assert.True(stale.IsCompletedSuccessfully);
        Assert.Equal(Microversion.GatewayMax, await stale);

        // The refresh lands: the pod's lower maximum is what requests get from then on.
        await Poll.UntilAsync(async () => await LowestMax() == RegionMax, TimeSpan.FromSeconds(30), () => "the pod's maximum was never taken");
    }

    [Fact]
    public async Task WithEveryPodRemoved_OnlyTheGatewaysOwnMaximumIsLeft_OnceTheRefreshHasLanded()
    {
        Assert.Equal(RegionMax, await LowestMax());
        await _host.Services.GetRequiredService<PodStore>().DeleteAsync(_podId, default);
        _time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));

        // Nothing is kept for no pod: the refresh drops what was known, and the next request reads afresh.
        await Poll.UntilAsync(async () => await LowestMax() == Microversion.GatewayMax, TimeSpan.FromSeconds(30), () => "the removed pod's maximum is still offered");
    }
}
