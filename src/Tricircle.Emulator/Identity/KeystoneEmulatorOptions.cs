using Microsoft.Extensions.Logging;

namespace Tricircle.Emulator.Identity;

/// <summary>Settings for <see cref="KeystoneEmulator"/>.</summary>
public sealed class KeystoneEmulatorOptions
{
    /// <summary>TCP port on 127.0.0.1; 0 picks any free port.</summary>
    public int Port { get; set; }

    /// <summary>Password of the bootstrapped <c>admin</c> user.</summary>
    public string AdminPassword { get; set; } = "password";

    /// <summary>How long an issued token stays valid.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Keystone's <c>max_request_body_size</c> (oslo.middleware's sizelimit): a larger body is a 413. Null for no limit.</summary>
    public long? MaxRequestBodySize { get; set; } = 114_688;

    /// <summary>Clock for token issue and expiry; tests pass a fake one to expire tokens.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Where the emulator and its Kestrel log; null means no logging.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }
}
