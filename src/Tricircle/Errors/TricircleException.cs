using Tricircle.Pods;

namespace Tricircle.Errors;

/// <summary>What went wrong, in the system's own terms: no HTTP status, since a job worker raises these too.</summary>
internal enum ErrorKind
{
    /// <summary>The input cannot be taken as it is (a 400 at an API's edge).</summary>
    Invalid,

    /// <summary>The caller may not do this (403).</summary>
    Forbidden,

    /// <summary>No such resource, or not one the caller may see (404).</summary>
    NotFound,

    /// <summary>The resource's state does not allow it now: in use, being deleted, a duplicate (409).</summary>
    Conflict,

    /// <summary>Something needed cannot be reached now; trying again later may work (503).</summary>
    Unavailable,

    /// <summary>
    /// A quota or a size limit would be exceeded where the API says so as such (Cinder's 413
    /// <c>overLimit</c>). Nova's and Neutron's quota refusals are <see cref="Forbidden"/> and
    /// <see cref="Conflict"/>, as those APIs answer them (403, 409 <c>OverQuota</c>).
    /// </summary>
    OverLimit,
}

/// <summary>
/// A request or a job that cannot go on. Stores, pod clients and services raise it; each API's
/// edge (<see cref="Hosting.ApiErrorMiddleware"/>) says it in that API's error shape and status,
/// and the job engine records its message on the job.
/// </summary>
internal class TricircleException(ErrorKind kind, string message, string? type = null) : Exception(message)
{
    public ErrorKind Kind { get; } = kind;

    /// <summary>The error's name where an API names its errors (Neutron's <c>NetworkNotFound</c>, <c>ResourceIsInDeleting</c>).</summary>
    public string? Type { get; } = type;

    public static TricircleException Invalid(string message, string? type = null) => new(ErrorKind.Invalid, message, type);

    public static TricircleException Forbidden(string message, string? type = null) => new(ErrorKind.Forbidden, message, type);

    public static TricircleException NotFound(string message, string? type = null) => new(ErrorKind.NotFound, message, type);

    public static TricircleException Conflict(string message, string? type = null) => new(ErrorKind.Conflict, message, type);

    public static TricircleException Unavailable(string message, string? type = null) => new(ErrorKind.Unavailable, message, type);

    public static TricircleException OverLimit(string message, string? type = null) => new(ErrorKind.OverLimit, message, type);
}

/// <summary>
/// A pod could not be reached (refused connection, no answer in time, resting after repeated
/// failures, no endpoint in the catalog). Passing: the job engine retries such a job until the
/// pod is back instead of counting it towards giving up.
/// </summary>
internal sealed class PodUnavailableException(Pod pod, string service, string why)
    : TricircleException(ErrorKind.Unavailable, $"Pod {pod.RegionName} ({service}) is unavailable: {why}")
{
    public Pod Pod { get; } = pod;
}
