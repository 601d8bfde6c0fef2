using Microsoft.Extensions.Options;
using Tricircle.Errors;
using Tricircle.Pods;
using Tricircle.Support;

namespace Tricircle.Network;

/// <summary>
/// Which pod a new external network lives in: its one hint (a region, or an AZ of one pod), or
/// <c>[network] default_region_for_external_network</c>; every other case refused, saying why.
/// And the segment it gets without provider attributes: never a tenant <c>local</c> one.
/// </summary>
public abstract class ExternalHomesTests(string dialect) : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private Data.Database _database = null!;
    private PodStore _pods = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync(dialect);
        _database = _db.Open();
        _pods = new PodStore(_database, TimeProvider.System);
        await _pods.CreateAsync("CentralRegion", "", "", "", default);
        await _pods.CreateAsync("RegionOne", "az1", "nova", "", default);
        await _pods.CreateAsync("RegionTwo", "az2", "nova", "", default);
        await _pods.CreateAsync("RegionThree", "az2", "nova", "", default);
        await _pods.CreateAsync("RegionFour", "az4", "nova", "", true, "maintenance", default);
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        await _db.DisposeAsync();
    }

    private ExternalHomes Homes(string defaultRegion = "RegionOne") =>
        new(_pods, _database, Options.Create(new NetworkOptions { DefaultRegionForExternalNetwork = defaultRegion }), TimeProvider.System);

    [Fact]
    public async Task AHint_NamesARegion_OrAnAzOfOnePod_AndIsKeptAsGiven()
    {
        var (byRegion, hints) = await Homes().ChooseAsync(["RegionThree"], default);
        Assert.Equal("RegionThree", byRegion.RegionName);
        Assert.Equal(["RegionThree"], hints);

        var (byZone, zoneHints) = await Homes().ChooseAsync(["az1"], default);
        Assert.Equal("RegionOne", byZone.RegionName);
        Assert.Equal(["az1"], zoneHints);
    }

    [Fact]
    public async Task NoHint_TakesTheDefaultRegion_AsItsHint()
    {
        var (pod, hints) = await Homes("RegionTwo").ChooseAsync([], default);
        Assert.Equal("RegionTwo", pod.RegionName);
        Assert.Equal(["RegionTwo"], hints);
    }

    [Fact]
    public async Task ADefaultRegionThatIsNoPod_Is400NamingTheKey()
    {
        var e = await Assert.ThrowsAsync<TricircleException>(() => Homes("Atlantis").ChooseAsync([], default));
        Assert.Equal(ErrorKind.Invalid, e.Kind);
        Assert.Equal("InvalidInput", e.Type);
        Assert.Contains("[network] default_region_for_external_network, 'Atlantis'", e.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorKind.Invalid, (await Assert.ThrowsAsync<TricircleException>(() => Homes("CentralRegion").ChooseAsync([], default))).Kind);
    }

    [Theory]
    [InlineData("RegionOne,RegionTwo", "exactly one region", "not 2 (RegionOne, RegionTwo)")]
    [InlineData("az2", "availability zone az2 has 2 pods (RegionThree, RegionTwo)", "name one of their regions")]
    [InlineData("Atlantis", "'Atlantis' is neither an availability zone nor a region of a pod", "")]
    [InlineData("CentralRegion", "'CentralRegion' is neither", "")]
    public async Task BadHints_Are400_SayingWhy(string hints, string says, string alsoSays)
    {
        var e = await Assert.ThrowsAsync<TricircleException>(() => Homes().ChooseAsync(hints.Split(','), default));
        Assert.Equal(ErrorKind.Invalid, e.Kind);
        Assert.Equal("InvalidInput", e.Type);
        Assert.Contains(says, e.Message, StringComparison.Ordinal);
        Assert.Contains(alsoSays, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADisabledPod_Is409WithItsReason()
    {
        var e = await Assert.ThrowsAsync<TricircleException>(() => Homes().ChooseAsync(["RegionFour"], default));
        Assert.Equal(ErrorKind.Conflict, e.Kind);
        Assert.Contains("RegionFour", e.Message, StringComparison.Ordinal);
        Assert.Contains("maintenance", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutProviderAttributes_AnExternalNetworkGetsATenantTypeOtherThanLocal_Or400()
    {
        NetworkStore Store(string tenantTypes) => new(_database, _pods, new NetworkQuotas(_database, new Quotas.QuotaStore(_database, Options.Create(new Quotas.QuotaOptions()), TimeProvider.System)),
            new DeletingMarks(_database, TimeProvider.System), Options.Create(new NetworkOptions { TenantNetworkTypes = tenantTypes }), TimeProvider.System, new CentralNameCache(TimeProvider.System));
        NetworkCreate Create(bool external) => new("admin-project", "n", "", true, false, external, null, null, null, null, [], true, []);

        var external = await Store("local,vxlan").CreateAsync(Create(external: true), null, default);
        Assert.Equal("vxlan", external.NetworkType);
        Assert.Equal("local", (await Store("local,vxlan").CreateAsync(Create(external: false), null, default)).NetworkType);
        var e = await Assert.ThrowsAsync<TricircleException>(() => Store("local").CreateAsync(Create(external: true), null, default));
        Assert.Equal(ErrorKind.Invalid, e.Kind);
        Assert.Contains("provider:network_type", e.Message, StringComparison.Ordinal);
        Assert.Contains("[network] tenant_network_types", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" RegionOne")]
    public void DefaultRegion_MustBeARegionName_AtStart(string value)
    {
        var problems = new NetworkOptions { DefaultRegionForExternalNetwork = value }.Problems().ToList();
        Assert.Contains(problems, p => p.StartsWith("[network] default_region_for_external_network:", StringComparison.Ordinal));
        Assert.DoesNotContain(new NetworkOptions().Problems(), p => p.Contains("default_region", StringComparison.Ordinal));
    }
}

public sealed class ExternalHomesSqliteTests() : ExternalHomesTests("sqlite");

public sealed class ExternalHomesPostgresTests() : ExternalHomesTests("postgres");
