using System.Text.Json.Nodes;
using Tricircle.Pods;

namespace Tricircle.Compute;

/// <summary>
/// The microversion range the compute gateway offers: what every pod's Nova supports (the
/// intersection of their version documents), capped by what the gateway understands. Read from
/// the pods in parallel and kept for five minutes.
/// </summary>
internal sealed class ComputeVersions(PodMicroversions microversions)
{
    public const string ServiceType = "compute";

    public Task<Microversion> MaxAsync(CancellationToken cancellationToken) =>
        microversions.LowestMaxAsync(ServiceType, Microversion.GatewayMax, cancellationToken);

    /// <summary>
    /// The microversion a request asks for (<c>OpenStack-API-Version: compute X.Y</c> before
    /// <c>X-OpenStack-Nova-API-Version</c>; none is 2.1; <c>latest</c> is the offered maximum),
    /// or a 406 as Nova answers one it does not offer.
    /// </summary>
    public async Task<Microversion> RequestedAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var asked = request.Headers["OpenStack-API-Version"].Count > 0 || request.Headers["X-OpenStack-Nova-API-Version"].Count > 0;
        var max = asked ? await MaxAsync(cancellationToken) : Microversion.GatewayMax;
        return PodMicroversions.Requested(
            request, "compute", "X-OpenStack-Nova-API-Version", Microversion.Min, max, text => $"Invalid format for API version: {text}. It must be 'latest' or MAJOR.MINOR.");
    }

    /// <summary>The v2.1 version entry, as Nova writes it.</summary>
    public static JsonObject Entry(string baseUrl, Microversion max) => new()
    {
        ["id"] = "v2.1",
        ["status"] = "CURRENT",
        ["version"] = max.ToString(),
        ["min_version"] = Microversion.Min.ToString(),
        ["updated"] = "2013-07-23T11:33:21Z",
        ["links"] = new JsonArray(new JsonObject { ["rel"] = "self", ["href"] = baseUrl + "/v2.1/" }),
    };
}
