using Microsoft.Extensions.Logging;

namespace Tricircle.Emulator.Identity;

internal static partial class KeystoneLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Emulated Keystone listening on {Url}")]
    public static partial void Started(this ILogger logger, Uri url);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Issued a token for user {UserId} scoped to project {ProjectId}")]
    public static partial void TokenIssued(this ILogger logger, string userId, string projectId);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "{Method} {Path} refused with 401: {Reason}")]
    public static partial void Unauthorized(this ILogger logger, string method, string path, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "{Method} {Path} answered {StatusCode}: {Message}")]
    public static partial void RequestRejected(this ILogger logger, string method, string path, int statusCode, string message);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "{Method} {Path} failed")]
    public static partial void RequestFailed(this ILogger logger, string method, string path, Exception exception);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "Revoked a token of user {UserId}")]
    public static partial void TokenRevoked(this ILogger logger, string userId);
}
