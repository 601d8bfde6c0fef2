using Microsoft.AspNetCore.Http;

namespace Tricircle.Emulator.Identity;

/// <summary>
/// An error answered with Keystone's <c>{"error": {...}}</c> body; thrown by handlers so that
/// validation deep inside parsing can end the request without threading results back up.
/// </summary>
internal sealed class KeystoneException(int statusCode, string message, string? detail = null) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    /// <summary>Why, for the log only: Keystone's 401 body deliberately never says what was wrong.</summary>
    public string? Detail { get; } = detail;

    public static KeystoneException BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);

    /// <summary>Keystone's ValidationError: what was expected where.</summary>
    public static KeystoneException Validation(string attribute, string target) =>
        BadRequest($"Expecting to find {attribute} in {target}. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.");

    public static KeystoneException Unauthorized(string detail) =>
        new(StatusCodes.Status401Unauthorized, KeystoneHttp.UnauthorizedMessage, detail);

    public static KeystoneException Forbidden(string action) =>
        new(StatusCodes.Status403Forbidden, $"You are not authorized to perform the requested action: {action}.");

    public static KeystoneException NotFound(string kind, string id) =>
        new(StatusCodes.Status404NotFound, $"Could not find {kind}: {id}.");

    public static KeystoneException Conflict(string message) => new(StatusCodes.Status409Conflict, message);
}
