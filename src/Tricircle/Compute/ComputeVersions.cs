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

    /// <summary>The root document, as Nova's <c>versions.py</c> writes it: the legacy v2.0 and v2.1.</summary>
    public static JsonObject Root(string baseUrl, Microversion max) => new()
    {
        ["versions"] = new JsonArray(
            Brief("v2.0", "SUPPORTED", "", "", "2011-01-21T11:33:21Z", baseUrl + "/v2/"),
            Brief("v2.1", "CURRENT", max.ToString(), Microversion.Min.ToString(), "2013-07-23T11:33:21Z", baseUrl + "/v2.1/")),
    };

    /// <summary>One version's own document (<c>GET /v2.1</c>, or <c>/v2</c> when <paramref name="legacy"/>).</summary>
    public static JsonObject Full(string baseUrl, Microversion max, bool legacy)
    {
        var entry = legacy
            ? Brief("v2.0", "SUPPORTED", "", "", "2011-01-21T11:33:21Z", baseUrl + "/v2/")
            : Brief("v2.1", "CURRENT", max.ToString(), Microversion.Min.ToString(), "2013-07-23T11:33:21Z", baseUrl + "/v2.1/");
        entry["links"]!.AsArray().Add(new JsonObject { ["rel"] = "describedby", ["type"] = "text/html", ["href"] = "http://docs.openstack.org/" });
        entry["media-types"] = new JsonArray(new JsonObject
        {
            ["base"] = "application/json",
            ["type"] = legacy ? "application/vnd.openstack.compute+json;version=2" : "application/vnd.openstack.compute+json;version=2.1",
        });
        return entry;
    }

    private static JsonObject Brief(string id, string status, string version, string minVersion, string updated, string self) => new()
    {
        ["id"] = id,
        ["status"] = status,
        ["version"] = version,
        ["min_version"] = minVersion,
        ["updated"] = updated,
        ["links"] = new JsonArray(new JsonObject { ["rel"] = "self", ["href"] = self }),
    };
}
