using System.Net;
using Microsoft.Extensions.Options;
using Tricircle.Hosting;

namespace Tricircle.Telemetry;

/// <summary>The <c>[metrics]</c> section: the Prometheus scrape endpoint and the pod-call window of <c>tricircle status</c>.</summary>
internal sealed class MetricsOptions : ISectionOptions
{
    public const string Section = "metrics";

    /// <summary>Serve the scrape endpoint on the admin role's port (and on <see cref="Port"/> when set).</summary>
    [ConfigurationKeyName("enabled")]
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// A port of its own that serves the scrape endpoint and nothing else, whatever the roles
    /// (an instance of only the jobs role has no other); 0: none.
    /// </summary>
    [ConfigurationKeyName("port")]
    public int Port { get; set; }

    /// <summary>Path of the scrape endpoint (Prometheus' default).</summary>
    [ConfigurationKeyName("path")]
    public string Path { get; set; } = "/metrics";

    /// <summary>
    /// Client networks (CIDR, comma-separated) that may scrape without a token; anyone else needs
    /// an admin token (<c>X-Auth-Token</c>). Empty: a token always.
    /// </summary>
    [ConfigurationKeyName("allowed_networks")]
    public string AllowedNetworks { get; set; } = "127.0.0.0/8, ::1/128";

    /// <summary>How far back <c>tricircle status</c> looks at this instance's pod calls.</summary>
    [ConfigurationKeyName("window_seconds")]
    public int WindowSeconds { get; set; } = 300;

    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrEmpty(Path) || Path[0] != '/' || Path.Length == 1 || Path.Contains('?', StringComparison.Ordinal) || Path.Contains('{', StringComparison.Ordinal))
        {
            yield return $"[{Section}] path: '{Path}' is not a path such as /metrics";
        }
        else if (Path.StartsWith("/v1.0", StringComparison.OrdinalIgnoreCase))
        {
            yield return $"[{Section}] path: '{Path}' lies inside the Admin API (/v1.0)";
        }

        if (SectionOptionsExtensions.CheckRange(Section, "port", Port, 0, 65535) is { } port)
        {
            yield return port;
        }
        else if (Port != 0 && !Enabled)
        {
            yield return $"[{Section}] port: {Port} is set but enabled is false (nothing to serve there)";
        }

        if (!TryParseNetworks(AllowedNetworks, out _, out var bad))
        {
            yield return $"[{Section}] allowed_networks: '{bad}' is not a network such as 10.0.0.0/8 or ::1/128";
        }

        if (SectionOptionsExtensions.CheckRange(Section, "window_seconds", WindowSeconds, 10, 3600) is { } window)
        {
            yield return window;
        }
    }

    public IReadOnlyList<IPNetwork> Networks() =>
        TryParseNetworks(AllowedNetworks, out var networks, out var bad) ? networks : throw new InvalidOperationException($"[{Section}] allowed_networks: '{bad}'");

    private static bool TryParseNetworks(string text, out IReadOnlyList<IPNetwork> networks, out string bad)
    {
        var list = new List<IPNetwork>();
        networks = list;
        bad = "";
        foreach (var item in text.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // A bare address is a network of one.
            var cidr = item.Contains('/', StringComparison.Ordinal) ? item : IPAddress.TryParse(item, out var one) ? $"{item}/{(one.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32)}" : item;
            if (!IPNetwork.TryParse(cidr, out var network))
            {
                bad = item;
                return false;
            }

            list.Add(network);
        }

        return true;
    }
}

/// <summary>
/// <c>[metrics] port</c> against the roles' ports of <c>[DEFAULT]</c>: two listeners on one port
/// would otherwise fail at start with only "address already in use".
/// </summary>
internal sealed class MetricsPortCheck(IOptions<ServiceOptions> service) : IValidateOptions<MetricsOptions>
{
    public ValidateOptionsResult Validate(string? name, MetricsOptions options)
    {
        if (options.Port == 0 || !ServiceOptions.TryParseRoles(service.Value.Roles, out var roles, out _))
        {
            return ValidateOptionsResult.Success;
        }

        var taken = roles.Where(r => ServiceOptions.HasPort(r) && service.Value.Port(r) == options.Port).Select(ServiceOptions.PortKey).FirstOrDefault();
        return taken is null
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"[{MetricsOptions.Section}] port: {options.Port} is [{ServiceOptions.Section}] {taken} already");
    }
}
