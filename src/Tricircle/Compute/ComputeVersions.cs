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
