using System.Net;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Tricircle.Pods;

/// <summary>
/// Each pod's resilience pipeline on the pods' HTTP client (Microsoft.Extensions.Http.Resilience,
/// keyed by pod): its circuit opens on the pod's own failures only, rests, half-opens and
/// closes; a call bounded by pod_timeout ends there. Time is a <see cref="FakeTimeProvider"/>.
/// </summary>
public sealed class PodCircuitsTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero));
    private readonly ServiceProvider _services;
    private Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> _pod = (_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));

    public PodCircuitsTests()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(_time);
        services.AddSingleton(Options.Create(new ClientOptions { CircuitMinimumCalls = 4, CircuitBreakSeconds = 15, PodTimeout = 5 }));
        services.AddPodsHttpClient().ConfigurePrimaryHttpMessageHandler(() => new Stub(this));
        _services = services.BuildServiceProvider();
    }

    private PodCircuits Circuits => _services.GetRequiredService<PodCircuits>();

    public void Dispose() => _services.Dispose();

    private async Task<HttpResponseMessage> CallAsync(string podId, bool unbounded = false)
    {
        var http = _services.GetRequiredService<IHttpClientFactory>().CreateClient(PodClient.HttpClientName);
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://pod/v2.1/servers");
        request.Options.Set(Telemetry.PodCallTarget.Key, new Telemetry.PodCallTarget("Region-" + podId, "compute", podId, unbounded));
        return await http.SendAsync(request);
    }

    [Fact]
    public async Task APodThatKeepsRefusing_OpensItsCircuit_RestsThenHalfOpens_AndClosesOnAnAnswer_OtherPodsUntouched()
    {
        _pod = (_, _) => throw new HttpRequestException("Connection refused");
        for (var i = 0; i < 4; i++)
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => CallAsync("p1"));
        }

        await Assert.ThrowsAsync<BrokenCircuitException>(() => CallAsync("p1"));
        Assert.False(Circuits.IsReachable("p1"));
        Assert.Contains(("Region-p1", CircuitState.Open), Circuits.States());

        _pod = (_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        using (var other = await CallAsync("p2"))
        {
            Assert.Equal(HttpStatusCode.OK, other.StatusCode); // a circuit per pod
        }

        _time.Advance(TimeSpan.FromSeconds(15));
        Assert.True(Circuits.IsReachable("p1"));
        Assert.Contains(("Region-p1", CircuitState.HalfOpen), Circuits.States());

        using var probe = await CallAsync("p1");
        Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
        Assert.Contains(("Region-p1", CircuitState.Closed), Circuits.States());
    }

    [Fact]
    public async Task WhatACallerCaused_NeverOpensTheCircuit_ThePodsOwn503sDo()
    {
        _pod = (_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.InternalServerError));
        for (var i = 0; i < 10; i++)
        {
            using var answer = await CallAsync("p1");
        }

        _pod = (_, _) => throw new HttpRequestException("copy failed", new IOException("body", new CallerBodyException(Errors.ErrorKind.Invalid, "bad chunk", new IOException())));
        for (var i = 0; i < 10; i++)
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => CallAsync("p1"));
        }

        Assert.True(Circuits.IsReachable("p1"));

        // Past the 30 s sampling window (the calls above count as successes in it).
        _time.Advance(TimeSpan.FromSeconds(31));
        _pod = (_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable));
        for (var i = 0; i < 4; i++)
        {
            using var answer = await CallAsync("p1");
        }

        Assert.False(Circuits.IsReachable("p1"));
    }

    [Fact]
    public async Task ACallPastPodTimeout_EndsWithATimeout_AndCountsAgainstThePod()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _pod = async (_, ct) =>
        {
            entered.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("not reached");
        };

        for (var i = 0; i < 4; i++)
        {
            entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var call = CallAsync("p1");
            await entered.Task;
            _time.Advance(TimeSpan.FromSeconds(5));
            await Assert.ThrowsAsync<TimeoutRejectedException>(() => call);
        }

        Assert.False(Circuits.IsReachable("p1"));
    }

    private sealed class Stub(PodCircuitsTests test) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => test._pod(request, cancellationToken);
    }
}
