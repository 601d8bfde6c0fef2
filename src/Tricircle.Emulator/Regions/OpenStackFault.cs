namespace Tricircle.Emulator.Regions;

/// <summary>
/// A request an emulated service refuses, with the status and message a client sees. The
/// service's error writer puts it in that service's shape; <paramref name="type"/> is the
/// Neutron exception name (<c>NetworkNotFound</c>) or the Nova/Cinder error key
/// (<c>itemNotFound</c>) when the default for the status does not fit.
/// </summary>
internal sealed class OpenStackFault(int statusCode, string message, string? type = null) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public string? Type { get; } = type;

    public static OpenStackFault BadRequest(string message, string? type = null) => new(400, message, type);

    public static OpenStackFault NotFound(string message, string? type = null) => new(404, message, type);

    public static OpenStackFault Conflict(string message, string? type = null) => new(409, message, type);

    public static OpenStackFault Forbidden(string message, string? type = null) => new(403, message, type);
}
