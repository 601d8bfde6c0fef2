using Microsoft.AspNetCore.Http;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Tricircle.Errors;
using Tricircle.Hosting;
using Yarp.ReverseProxy.Forwarder;

namespace Tricircle.Pods;

/// <summary>Each error of YARP's forwarder as the domain error the edge answers (503 for the pod's, 4xx for the caller's).</summary>
public sealed class PodForwarderErrorTests
{
    private static readonly Pod Pod = new() { PodId = "pod-1", RegionName = "RegionOne" };

    private static Exception Map(ForwarderError error, Exception? cause) => PodForwarder.ErrorOf(error, cause, Pod, "compute", CancellationToken.None);

    [Theory]
    [InlineData(ForwarderError.Request)]
    [InlineData(ForwarderError.RequestCreation)]
    [InlineData(ForwarderError.ResponseHeaders)]
    [InlineData(ForwarderError.ResponseBodyDestination)]
    [InlineData(ForwarderError.RequestBodyDestination)]
    [InlineData(ForwarderError.NoAvailableDestinations)]
    public void ThePodsFailures_AreThePodUnavailable_A503(ForwarderError error)
    {
        var mapped = Map(error, new HttpRequestException("Connection refused"));

        var unavailable = Assert.IsType<PodUnavailableException>(mapped);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, ApiErrorMiddleware.StatusOf(unavailable.Kind));
        Assert.Contains("RegionOne", unavailable.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoAnswerInTime_SaysSo()
    {
        Assert.Contains("did not answer in time", Map(ForwarderError.RequestTimedOut, new OperationCanceledException()).Message, StringComparison.Ordinal);
        Assert.Contains("did not answer in time", Map(ForwarderError.Request, new TimeoutRejectedException()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AResting_Pod_SaysItIsGivenARest()
    {
        var mapped = Map(ForwarderError.Request, new BrokenCircuitException());

        Assert.IsType<PodUnavailableException>(mapped);
        Assert.Contains("given a rest", mapped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheCallersBody_IsTheCallersError_A400Or413()
    {
        var tooLarge = Map(ForwarderError.RequestBodyClient, new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge));
        Assert.Equal(ErrorKind.OverLimit, Assert.IsType<CallerBodyException>(tooLarge).Kind);

        var broken = Map(ForwarderError.RequestBodyClient, new IOException("unexpected end"));
        Assert.Equal(StatusCodes.Status400BadRequest, ApiErrorMiddleware.StatusOf(Assert.IsType<CallerBodyException>(broken).Kind));

        // Inside whatever the transport wrapped it in, the caller's body failure is still the caller's.
        var caller = new CallerBodyException(ErrorKind.Invalid, "bad chunk", new IOException());
        var wrapped = new HttpRequestException("send failed", new IOException("copy failed", caller));
        Assert.Same(caller, Map(ForwarderError.Request, wrapped));
    }

    [Theory]
    [InlineData(ForwarderError.RequestCanceled)]
    [InlineData(ForwarderError.RequestBodyCanceled)]
    [InlineData(ForwarderError.ResponseBodyCanceled)]
    [InlineData(ForwarderError.ResponseBodyClient)]
    public void TheCallerGoingAway_IsACancellation_NotThePods(ForwarderError error) =>
        Assert.IsType<OperationCanceledException>(Map(error, new TaskCanceledException()));
}
