namespace Tricircle.Sandbox;

/// <summary>What <c>tricircle sandbox</c> was asked for.</summary>
internal sealed record SandboxOptions(int Pods, string DataDirectory, string? Database, int KeystonePort, int AdminPort)
{
    /// <summary>Nova gateway port (0: any free port).</summary>
    public int ComputePort { get; init; } = 19998;

    /// <summary>Cinder gateway port (0: any free port).</summary>
    public int VolumePort { get; init; } = 19997;

    /// <summary>Glance gateway port (0: any free port).</summary>
    public int ImagePort { get; init; } = 9292;

    /// <summary>Central Neutron port (0: any free port).</summary>
    public int NetworkPort { get; init; } = 9696;

    /// <summary>Web console port (0: any free port).</summary>
    public int ConsolePort { get; init; } = 19996;

    /// <summary>Configuration of the sandbox's Tricircle beyond its defaults ("client:list_timeout" = "1").</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>How long an emulated server stays in BUILD (and a volume in creating).</summary>
    public TimeSpan? BuildDelay { get; init; }

    /// <summary>One compute host name for every region (as a lab whose regions share a machine has), instead of one per region.</summary>
    public string? ComputeHost { get; init; }

    /// <summary>Compute hosts per region (the emulator's default, two, when null; a lab region has one).</summary>
    public int? ComputeHostCount { get; init; }

    public const string AdminPassword = "password";
    public const string DemoPassword = "password";

    /// <summary>devstack's second member project and user (alt_demo), with demo's password, for tests across projects.</summary>
    public const string AltDemoPassword = DemoPassword;
    public const string CentralRegion = "CentralRegion";

    /// <summary>The AZ inside every emulated region, as devstack names it (the pod's pod_az_name).</summary>
    public const string PodAzName = "nova";

    /// <summary>RegionOne, RegionTwo, ... as devstack's multi-region guides name them; Region11 and on past ten.</summary>
    public static string RegionName(int index) => index switch
    {
        1 => "RegionOne",
        2 => "RegionTwo",
        3 => "RegionThree",
        4 => "RegionFour",
        5 => "RegionFive",
        6 => "RegionSix",
        7 => "RegionSeven",
        8 => "RegionEight",
        9 => "RegionNine",
        10 => "RegionTen",
        _ => "Region" + index.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public static string AzName(int index) => "az" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
