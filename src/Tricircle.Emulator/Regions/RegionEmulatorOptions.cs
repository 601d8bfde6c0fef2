using Microsoft.Extensions.Logging;

namespace Tricircle.Emulator.Regions;

/// <summary>How one emulated OpenStack region behaves.</summary>
public sealed class RegionEmulatorOptions
{
    /// <summary>The Keystone region id its endpoints are registered under.</summary>
    public string Name { get; set; } = "RegionOne";

    /// <summary>The availability zone inside the region (what its Nova, Cinder and Neutron report).</summary>
    public string AvailabilityZone { get; set; } = "nova";

    /// <summary>Ports of Nova, Neutron, Cinder and Glance; 0 picks a free port.</summary>
    public int ComputePort { get; set; }

    public int NetworkPort { get; set; }

    public int VolumePort { get; set; }

    public int ImagePort { get; set; }

    /// <summary>How long a new server stays in BUILD before it turns ACTIVE.</summary>
    public TimeSpan ServerBuildDelay { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>How long a new volume stays in creating before it turns available.</summary>
    public TimeSpan VolumeCreateDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How long a deleted server stays in <c>task_state: deleting</c>, and a deleted volume or
    /// snapshot in <c>deleting</c>, before it is gone (404), as a real region takes a moment.
    /// Zero: gone at once. <see cref="RegionFaults.HoldDeletes"/> holds them until released.
    /// </summary>
    public TimeSpan DeleteDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Physical networks that VLAN and flat networks may use.</summary>
    public IList<string> PhysicalNetworks { get; } = ["bridge", "extern"];

    /// <summary>VLAN ids tenant VLAN networks may take (inclusive), as ML2's network_vlan_ranges.</summary>
    public (int Min, int Max) VlanRange { get; set; } = (2001, 4000);

    /// <summary>VxLAN VNIs, as ML2's vni_ranges.</summary>
    public (int Min, int Max) VxlanRange { get; set; } = (1001, 2000);

    /// <summary>
    /// oslo.middleware's <c>max_request_body_size</c> in front of Nova and Cinder: a larger body
    /// is a 413 before the service reads it (Neutron and Glance have no such filter; image data
    /// is streamed). Null for no limit.
    /// </summary>
    public long? MaxRequestBodySize { get; set; } = 114_688;

    /// <summary>The compute host name reported for servers and bound ports.</summary>
    public string ComputeHost { get; set; } = "";

    /// <summary>
    /// How many compute hosts the region has: the first is <see cref="ComputeHost"/>, the others
    /// that name with <c>-2</c>, <c>-3</c>…; two by default so that migrations and server group
    /// policies have somewhere to go (a real lab region has one: set 1 to be like it).
    /// </summary>
    public int ComputeHostCount { get; set; } = 2;

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    public ILoggerFactory? LoggerFactory { get; set; }
}
