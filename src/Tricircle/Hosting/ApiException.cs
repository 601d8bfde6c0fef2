namespace Tricircle.Hosting;

/// <summary>
/// A request that cannot be served, with the status code and the message the client sees.
/// Thrown from handlers and turned into the API's own error shape by <see cref="ApiErrorMiddleware"/>.
/// </summary>
internal sealed class ApiException(int statusCode, string message, string? errorType = null) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    /// <summary>Neutron's error type (<c>NetworkNotFound</c>, <c>IpAddressAlreadyAllocated</c>); other APIs derive theirs from the status.</summary>
    public string? ErrorType { get; } = errorType;

    public static ApiException BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);

    public static ApiException Forbidden(string message) => new(StatusCodes.Status403Forbidden, message);

    public static ApiException NotFound(string message) => new(StatusCodes.Status404NotFound, message);

    public static ApiException Conflict(string message) => new(StatusCodes.Status409Conflict, message);
}
