using System.Net;
using Tricircle.Hosting;

namespace Tricircle.Telemetry;

/// <summary>The <c>[metrics]</c> section: the Prometheus scrape endpoint and the pod-call window of <c>tricircle status</c>.</summary>
internal sealed class MetricsOptions : ISectionOptions
{
    public const string Section = "metrics";

    /// <summary>Serve the scrape endpoint on the admin role's port.</summary>
    [ConfigurationKeyName("enabled")]
    public bool Enabled { get; set; } = true;

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
