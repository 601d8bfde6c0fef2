using Tricircle.Errors;

namespace Tricircle.Network;

/// <summary>
/// Neutron's errors, with its messages and types, as domain errors: the stores raise them and
/// the API's edge says them in Neutron's shape.
/// </summary>
internal static class NeutronErrors
{
    /// <summary>A Neutron 404 naming the resource (<c>NetworkNotFound</c>: "Network X could not be found.").</summary>
    public static TricircleException NotFound(string kind, string id) =>
        TricircleException.NotFound($"{kind} {id} could not be found.", kind.Replace(" ", "", StringComparison.Ordinal) + "NotFound");

    /// <summary>Neutron's 400 for a bad attribute value (<c>InvalidInput</c>).</summary>
    public static TricircleException InvalidInput(string message) =>
        TricircleException.Invalid("Invalid input for operation: " + message, "InvalidInput");

    /// <summary>Neutron's 400 for a request it cannot take (<c>HTTPBadRequest</c>), in its own words.</summary>
    public static TricircleException BadRequest(string message) => TricircleException.Invalid(message, "HTTPBadRequest");

    /// <summary>Neutron's 403 naming the policy rule.</summary>
    public static TricircleException PolicyDenied(string rule) =>
        TricircleException.Forbidden($"({"rule:" + rule}) is disallowed by policy", "PolicyNotAuthorized");
}
