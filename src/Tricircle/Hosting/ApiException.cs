namespace Tricircle.Hosting;

/// <summary>
/// A request that cannot be served, with the status code and the message the client sees.
/// Thrown from handlers and turned into the API's own error shape by <see cref="ApiErrorMiddleware"/>.
/// </summary>
internal sealed class ApiException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public static ApiException BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);

    public static ApiException Forbidden(string message) => new(StatusCodes.Status403Forbidden, message);

    public static ApiException NotFound(string message) => new(StatusCodes.Status404NotFound, message);

    public static ApiException Conflict(string message) => new(StatusCodes.Status409Conflict, message);
}
