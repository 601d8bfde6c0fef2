using System.Numerics;

namespace Tricircle.Network;

/// <summary>Where the central IPAM's search for a free address starts, and the window it probes.</summary>
public sealed class FreeAddressHintsTests
{
    private const string Pools = "10.0.0.2-10.0.0.254";

    [Fact]
    public void Claim_WithoutAHint_IsNull_SoTheCallerReadsTheSubnet()
    {
        Assert.Null(new FreeAddressHints().Claim("s", Pools));
    }

    [Fact]
    public void Claims_StartPastTheLastTaken_AndConcurrentOnesStartApart()
    {
        var hints = new FreeAddressHints();
        hints.Taken("s", Pools, 10);
        Assert.Equal(new BigInteger(11), hints.Claim("s", Pools));
        Assert.Equal(new BigInteger(12), hints.Claim("s", Pools));

        // A create that took a lower address does not move back a hint another moved further.
        hints.Taken("s", Pools, 11);
        Assert.Equal(new BigInteger(13), hints.Claim("s", Pools));
    }

    [Fact]
    public void Released_MovesTheHintDown_NeverUp()
    {
        var hints = new FreeAddressHints();
        hints.Taken("s", Pools, 20);
        hints.Released("s", 30);
        hints.Released("s", 5);
        hints.Released("s", 7);
        Assert.Equal(new BigInteger(5), hints.Claim("s", Pools));
        hints.Released("other", 1); // no hint there: nothing to lower
        Assert.Null(hints.Claim("other", Pools));
    }

    [Fact]
    public void OtherPools_OrAForgottenSubnet_StartAfresh()
    {
        var hints = new FreeAddressHints();
        hints.Taken("s", Pools, 20);
        Assert.Null(hints.Claim("s", "10.0.0.100-10.0.0.110"));
        hints.Taken("s", "10.0.0.100-10.0.0.110", 100);
        Assert.Equal(new BigInteger(101), hints.Claim("s", "10.0.0.100-10.0.0.110"));
        hints.Forget("s");
        Assert.Null(hints.Claim("s", "10.0.0.100-10.0.0.110"));
    }

    [Fact]
    public void Window_RunsAcrossPoolsInAddressOrder_FromTheStart()
    {
        var ranges = Ipam.Ranges([new AllocationPool("10.0.0.20", "10.0.0.22"), new AllocationPool("10.0.0.2", "10.0.0.4")]);
        var start = Ipam.ParseAddress("10.0.0.3", "test");
        Assert.Equal(
            ["10.0.0.3", "10.0.0.4", "10.0.0.20", "10.0.0.21"],
            Ipam.Window(ranges, start, 4).Select(a => Ipam.Format(a, 4)));
        Assert.Equal(["10.0.0.22"], Ipam.Window(ranges, Ipam.ParseAddress("10.0.0.22", "test"), 4).Select(a => Ipam.Format(a, 4)));
        Assert.Empty(Ipam.Window(ranges, Ipam.ParseAddress("10.0.0.23", "test"), 4));
    }
}
