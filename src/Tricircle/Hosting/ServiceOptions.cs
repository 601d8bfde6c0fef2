using System.Net;

namespace Tricircle.Hosting;

/// <summary>The <c>[DEFAULT]</c> section.</summary>
internal sealed class ServiceOptions : ISectionOptions
{
    public const string Section = "DEFAULT";

    /// <summary>Address every API listens on.</summary>
    [ConfigurationKeyName("bind_host")]
    public string BindHost { get; set; } = "0.0.0.0";

    /// <summary>Admin API port (upstream's <c>bind_port</c>).</summary>
    [ConfigurationKeyName("admin_port")]
    public int AdminPort { get; set; } = 19999;

    /// <summary>Nova v2.1 gateway port (upstream's nova_apigw).</summary>
    [ConfigurationKeyName("compute_port")]
    public int ComputePort { get; set; } = 19998;

    /// <summary>Cinder v3 gateway port (upstream's cinder_apigw).</summary>
    [ConfigurationKeyName("volume_port")]
    public int VolumePort { get; set; } = 19997;

    /// <summary>Glance v2 gateway port; a shared Glance may already own 9292 (then leave the image role off).</summary>
    [ConfigurationKeyName("image_port")]
    public int ImagePort { get; set; } = 9292;

    /// <summary>Central Neutron v2.0 port (Neutron's own 9696).</summary>
    [ConfigurationKeyName("network_port")]
    public int NetworkPort { get; set; } = 9696;

    /// <summary>Web console port (its own role, <c>console</c>).</summary>
    [ConfigurationKeyName("console_port")]
    public int ConsolePort { get; set; } = 19996;

    /// <summary>Comma-separated roles to run; empty or <c>all</c> runs every role.</summary>
    [ConfigurationKeyName("roles")]
    public string Roles { get; set; } = "all";

    /// <summary>Where the SQLite database and other local state live.</summary>
    [ConfigurationKeyName("state_path")]
    public string StatePath { get; set; } = ".tricircle";

    /// <summary>Largest page a list call returns, whatever limit is asked.</summary>
    [ConfigurationKeyName("pagination_max_limit")]
    public int PaginationMaxLimit { get; set; } = 2000;

    /// <summary>Log at debug level.</summary>
    [ConfigurationKeyName("debug")]
    public bool Debug { get; set; }

    public IEnumerable<string> Problems()
    {
        if (!IPAddress.TryParse(BindHost, out _) && !string.Equals(BindHost, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            yield return $"[DEFAULT] bind_host: '{BindHost}' is not an IP address";
        }

        foreach (var (key, value) in new[] { ("admin_port", AdminPort), ("compute_port", ComputePort), ("volume_port", VolumePort), ("image_port", ImagePort), ("network_port", NetworkPort), ("console_port", ConsolePort) })
        {
            if (SectionOptionsExtensions.CheckRange(Section, key, value, 0, 65535) is { } port)
            {
                yield return port;
            }
        }

        if (TryParseRoles(Roles, out var enabled, out _))
        {
            var clash = enabled.Where(HasPort).Select(r => (Role: r, Port: Port(r))).Where(r => r.Port != 0).GroupBy(r => r.Port).FirstOrDefault(g => g.Count() > 1);
            if (clash is not null)
            {
                yield return $"[DEFAULT] {string.Join(" and ", clash.Select(c => PortKey(c.Role)))}: the roles {string.Join(", ", clash.Select(c => c.Role.ToString().ToLowerInvariant()))} can not share port {clash.Key}";
            }
        }

        if (SectionOptionsExtensions.CheckRange(Section, "pagination_max_limit", PaginationMaxLimit, 1, 100_000) is { } limit)
        {
            yield return limit;
        }

        if (string.IsNullOrWhiteSpace(StatePath))
        {
            yield return "[DEFAULT] state_path: can not be empty";
        }

        if (!TryParseRoles(Roles, out _, out var error))
        {
            yield return $"[DEFAULT] roles: {error}";
        }
    }

    /// <summary>The port a role listens on (0: any free port).</summary>
    public int Port(ServiceRole role) => role switch
    {
        ServiceRole.Admin => AdminPort,
        ServiceRole.Compute => ComputePort,
        ServiceRole.Volume => VolumePort,
        ServiceRole.Image => ImagePort,
        ServiceRole.Network => NetworkPort,
        ServiceRole.Console => ConsolePort,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "no port"),
    };

    /// <summary>Whether the role serves an API (the jobs role has no port).</summary>
    public static bool HasPort(ServiceRole role) => role != ServiceRole.Jobs;

    public static string PortKey(ServiceRole role) => role.ToString().ToLowerInvariant() + "_port";

    public IReadOnlySet<ServiceRole> EnabledRoles() =>
        TryParseRoles(Roles, out var roles, out var error) ? roles : throw new InvalidOperationException(error);

    public static bool TryParseRoles(string text, out IReadOnlySet<ServiceRole> roles, out string error)
    {
        var set = new HashSet<ServiceRole>();
        roles = set;
        error = "";
        var names = text.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length == 0 || names.Any(n => string.Equals(n, "all", StringComparison.OrdinalIgnoreCase)))
        {
            set.UnionWith(Enum.GetValues<ServiceRole>());
            return true;
        }

        foreach (var name in names)
        {
            if (!Enum.TryParse<ServiceRole>(name, ignoreCase: true, out var role) || int.TryParse(name, out _))
            {
                var available = string.Join(", ", Enum.GetNames<ServiceRole>().Select(n => n.ToLowerInvariant()));
                error = $"unknown role '{name}'; this build has: {available}";
                return false;
            }

            set.Add(role);
        }

        return true;
    }
}
