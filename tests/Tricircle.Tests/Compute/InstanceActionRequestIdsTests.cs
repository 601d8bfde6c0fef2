using Microsoft.Extensions.Time.Testing;

namespace Tricircle.Compute;

public sealed class InstanceActionRequestIdsTests
{
    [Fact]
    public void APair_IsFoundForAnHour_ThenForgotten_AndTheNewestOfAnIdWins()
    {
        var time = new FakeTimeProvider();
        var ids = new InstanceActionRequestIds(time);
        ids.Remember("req-gw-1", "req-pod-1");
        ids.Remember("req-gw-1", "req-pod-2");
        Assert.Equal("req-pod-2", ids.PodIdOf("req-gw-1"));

        time.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal("req-pod-2", ids.PodIdOf("req-gw-1"));
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Null(ids.PodIdOf("req-gw-1"));
        Assert.Null(ids.PodIdOf("req-gw-unknown"));
    }

    [Fact]
    public void ManyWriteCalls_KeepOnlyTheNewestPairs()
    {
        var ids = new InstanceActionRequestIds(new FakeTimeProvider());
        for (var i = 0; i < 20_100; i++)
        {
            ids.Remember("req-gw-" + i, "req-pod-" + i);
        }

        Assert.Null(ids.PodIdOf("req-gw-0"));
        Assert.Null(ids.PodIdOf("req-gw-99"));
        Assert.Equal("req-pod-100", ids.PodIdOf("req-gw-100"));
        Assert.Equal("req-pod-20099", ids.PodIdOf("req-gw-20099"));
    }
}
