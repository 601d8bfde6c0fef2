using Microsoft.Extensions.Logging;
using Tricircle.Emulator.Identity;
using Tricircle.Emulator.Regions.Compute;
using Tricircle.Emulator.Regions.Image;
using Tricircle.Emulator.Regions.Network;
using Tricircle.Emulator.Regions.Volume;

namespace Tricircle.Emulator.Regions;

/// <summary>What every service of one region shares: options, clock, the four stores, its URLs.</summary>
internal sealed class RegionContext
{
    public RegionContext(RegionEmulatorOptions options, KeystoneEmulator keystone)
    {
        Options = options;
        Keystone = keystone;
        Time = options.TimeProvider;
        Logger = (options.LoggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger("Tricircle.Emulator.Region." + options.Name);
        Image = new GlanceState(this);
        Volume = new CinderState(this);
        Network = new NeutronState(this);
        Compute = new NovaState(this);
    }

    public RegionEmulatorOptions Options { get; }

    public KeystoneEmulator Keystone { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    public string ComputeHost => Options.ComputeHost.Length > 0 ? Options.ComputeHost : "compute-" + Options.Name.ToLowerInvariant();

    /// <summary>Every compute host of the region, <see cref="ComputeHost"/> first.</summary>
    public IReadOnlyList<string> ComputeHosts =>
        [ComputeHost, .. Enumerable.Range(2, Math.Max(0, Options.ComputeHostCount - 1)).Select(n => ComputeHost + "-" + n.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    public NovaState Compute { get; }

    public NeutronState Network { get; }

    public CinderState Volume { get; }

    public GlanceState Image { get; }

    /// <summary>Base URLs of the services once bound (for <c>links</c> in responses).</summary>
    public Uri ComputeUrl { get; set; } = new("http://127.0.0.1/");

    public Uri NetworkUrl { get; set; } = new("http://127.0.0.1/");

    public Uri VolumeUrl { get; set; } = new("http://127.0.0.1/");

    public Uri ImageUrl { get; set; } = new("http://127.0.0.1/");

    /// <summary>The region's fault knobs, for what a service plays differently under them (Cinder without a backup service).</summary>
    public RegionFaults Faults { get; set; } = new(_ => Task.CompletedTask);

    /// <summary>Whether a delete accepted at <paramref name="since"/> is done by <paramref name="now"/> (<see cref="RegionEmulatorOptions.DeleteDelay"/>, <see cref="RegionFaults.HoldDeletes"/>).</summary>
    public bool DeleteDone(DateTimeOffset since, DateTimeOffset now) => !Faults.HoldDeletes && now >= since + Options.DeleteDelay;

    /// <summary>A new OpenStack id (a UUID, as every service uses).</summary>
    public static string NewId() => Guid.NewGuid().ToString();
}
