using System.Globalization;
using System.Net.NetworkInformation;
using Tricircle.Hosting;

namespace Tricircle.Network;

/// <summary>
/// The <c>[network]</c> section: what the central Neutron allocates (ML2's type driver options
/// and Neutron's base MAC, under the names operators know from ml2_conf.ini and neutron.conf).
/// The pods' Neutrons must accept the same segments: a network spanning pods has one VLAN/VNI.
/// </summary>
internal sealed class NetworkOptions : ISectionOptions
{
    public const string Section = "network";

    public static readonly IReadOnlyList<string> KnownTypes = ["local", "flat", "vlan", "vxlan"];

    /// <summary>The network types that may be created at all.</summary>
    [ConfigurationKeyName("type_drivers")]
    public string TypeDrivers { get; set; } = "local,flat,vlan,vxlan";

    /// <summary>The types a tenant's network gets, in order of preference (the first with a free segment).</summary>
    [ConfigurationKeyName("tenant_network_types")]
    public string TenantNetworkTypes { get; set; } = "vxlan,local";

    /// <summary>VLAN ranges: <c>physnet:min:max</c> (tenant networks allocate there) or a bare <c>physnet</c> (provider networks only), comma-separated.</summary>
    [ConfigurationKeyName("network_vlan_ranges")]
    public string NetworkVlanRanges { get; set; } = "";

    /// <summary>VxLAN VNI ranges for tenant networks: <c>min:max</c>, comma-separated.</summary>
    [ConfigurationKeyName("vni_ranges")]
    public string VniRanges { get; set; } = "1001:2000";

    /// <summary>Physical networks flat networks may use; <c>*</c> allows any.</summary>
    [ConfigurationKeyName("flat_networks")]
    public string FlatNetworks { get; set; } = "*";

    /// <summary>MACs are this with the last three octets random, as Neutron's base_mac.</summary>
    [ConfigurationKeyName("base_mac")]
    public string BaseMac { get; set; } = "fa:16:3e:00:00:00";

    /// <summary>The MTU of the physical networks; a network's MTU is this less its encapsulation.</summary>
    [ConfigurationKeyName("global_physnet_mtu")]
    public int GlobalPhysnetMtu { get; set; } = 1500;

    /// <summary>The DNS domain of ports (Neutron's dns_domain), shown on networks that have none.</summary>
    [ConfigurationKeyName("dns_domain")]
    public string DnsDomain { get; set; } = "openstacklocal.";

    /// <summary>The type of each project's bridge network, which joins a router's copies in several pods (spec §6.7): a type every pod accepts, not <c>local</c>.</summary>
    [ConfigurationKeyName("bridge_network_type")]
    public string BridgeNetworkType { get; set; } = "vxlan";

    /// <summary>Where the bridge subnets come from: a /24 per project (upstream's <c>[client] bridge_cidr</c>).</summary>
    [ConfigurationKeyName("bridge_cidr")]
    public string BridgeCidr { get; set; } = "100.0.0.0/9";

    /// <summary>
    /// How a VxLAN network stretched over pods is joined (upstream's <c>[client]
    /// cross_pod_vxlan_mode</c>): <c>noop</c> leaves it to the operator's L2 between the pods;
    /// <c>shadow</c> also gives each pod holding a copy a shadow of every instance port in the other
    /// pods (see <see cref="ShadowPorts"/>).
    /// </summary>
    [ConfigurationKeyName("cross_pod_vxlan_mode")]
    public string CrossPodVxlanMode { get; set; } = NoopMode;

    public const string NoopMode = "noop";

    public const string ShadowMode = "shadow";

    public bool ShadowsVxlan => CrossPodVxlanMode == ShadowMode;

    /// <summary>
    /// The region an external network lives in when its create names none (upstream's
    /// <c>[tricircle] default_region_for_external_network</c>): external networks are made in
    /// exactly one pod at once, so one must be named or implied.
    /// </summary>
    [ConfigurationKeyName("default_region_for_external_network")]
    public string DefaultRegionForExternalNetwork { get; set; } = "RegionOne";

    public IReadOnlyList<string> TypeDriverList => Split(TypeDrivers);

    public IReadOnlyList<string> TenantTypeList => Split(TenantNetworkTypes);

    /// <summary>The VLAN ranges by physical network (an empty list: provider networks only).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<(int Min, int Max)>> VlanRanges()
    {
        var ranges = new Dictionary<string, IReadOnlyList<(int, int)>>(StringComparer.Ordinal);
        foreach (var entry in Split(NetworkVlanRanges))
        {
            var parts = entry.Split(':');
            var list = ranges.TryGetValue(parts[0], out var l) ? l.ToList() : [];
            if (parts.Length == 3)
            {
                list.Add((int.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(parts[2], CultureInfo.InvariantCulture)));
            }

            ranges[parts[0]] = list;
        }

        return ranges;
    }

    public IReadOnlyList<(int Min, int Max)> VniRangeList() =>
        [.. Split(VniRanges).Select(r => r.Split(':')).Select(p => (int.Parse(p[0], CultureInfo.InvariantCulture), int.Parse(p[1], CultureInfo.InvariantCulture)))];

    /// <summary>Whether a flat network may use <paramref name="physnet"/>.</summary>
    public bool FlatAllowed(string physnet)
    {
        var flat = Split(FlatNetworks);
        return flat.Contains("*") || flat.Contains(physnet);
    }

    /// <summary>The MTU Neutron gives a network of <paramref name="type"/> (VxLAN over IPv4 loses 50 bytes).</summary>
    public int MtuOf(string type) => type == "vxlan" ? GlobalPhysnetMtu - 50 : GlobalPhysnetMtu;

    /// <summary>The first three octets of <see cref="BaseMac"/>.</summary>
    public byte[] MacPrefix() => [.. PhysicalAddress.Parse(BaseMac.Replace(':', '-').ToUpperInvariant()).GetAddressBytes().Take(3)];

    public IEnumerable<string> Problems()
    {
        var unknownTypes = TypeDriverList.Where(t => !KnownTypes.Contains(t)).ToList();
        if (unknownTypes.Count > 0)
        {
            yield return $"[{Section}] type_drivers: unknown type(s) {string.Join(", ", unknownTypes)}; known are {string.Join(", ", KnownTypes)}";
        }

        var badTenant = TenantTypeList.Where(t => !TypeDriverList.Contains(t)).ToList();
        if (badTenant.Count > 0)
        {
            yield return $"[{Section}] tenant_network_types: {string.Join(", ", badTenant)} not in type_drivers";
        }

        foreach (var entry in Split(NetworkVlanRanges))
        {
            var parts = entry.Split(':');
            if (parts[0].Length == 0 || parts.Length is not (1 or 3) ||
                (parts.Length == 3 && !(IsInt(parts[1], out var min) && IsInt(parts[2], out var max) && min >= 1 && max <= 4094 && min <= max)))
            {
                yield return $"[{Section}] network_vlan_ranges: '{entry}' is not physnet or physnet:min:max with 1 <= min <= max <= 4094";
            }
        }

        foreach (var entry in Split(VniRanges))
        {
            var parts = entry.Split(':');
            if (parts.Length != 2 || !(IsInt(parts[0], out var min) && IsInt(parts[1], out var max) && min >= 1 && max <= 16_777_215 && min <= max))
            {
                yield return $"[{Section}] vni_ranges: '{entry}' is not min:max with 1 <= min <= max <= 16777215";
            }
        }

        if (!PhysicalAddress.TryParse(BaseMac.Replace(':', '-').ToUpperInvariant(), out var mac) || mac.GetAddressBytes().Length != 6)
        {
            yield return $"[{Section}] base_mac: '{BaseMac}' is not a MAC address like fa:16:3e:00:00:00";
        }
        else if ((mac.GetAddressBytes()[0] & 1) == 1)
        {
            yield return $"[{Section}] base_mac: '{BaseMac}' is a multicast address";
        }

        if (!TypeDriverList.Contains(BridgeNetworkType) || BridgeNetworkType is "local" or "flat")
        {
            yield return $"[{Section}] bridge_network_type: '{BridgeNetworkType}' must be in type_drivers and be vxlan or vlan (a bridge spans pods with its own segment)";
        }

        if (BridgeCidrOrNull() is not { Version: 4, Prefix: <= 24 })
        {
            yield return $"[{Section}] bridge_cidr: '{BridgeCidr}' is not an IPv4 CIDR of /24 or larger, like 100.0.0.0/9";
        }

        if (CrossPodVxlanMode is not (NoopMode or ShadowMode))
        {
            yield return $"[{Section}] cross_pod_vxlan_mode: '{CrossPodVxlanMode}' must be noop or shadow";
        }

        if (SectionOptionsExtensions.CheckRange(Section, "global_physnet_mtu", GlobalPhysnetMtu, 68, 65_535) is { } mtu)
        {
            yield return mtu;
        }

        // Whether it names a pod is known only when a network is made (pods come and go at run time).
        if (string.IsNullOrWhiteSpace(DefaultRegionForExternalNetwork) || DefaultRegionForExternalNetwork.Trim() != DefaultRegionForExternalNetwork
            || DefaultRegionForExternalNetwork.Length > 255)
        {
            yield return $"[{Section}] default_region_for_external_network: '{DefaultRegionForExternalNetwork}' is not a region name (1 to 255 characters, no surrounding spaces)";
        }
    }

    /// <summary>The parsed <see cref="BridgeCidr"/>, or null when it is not a CIDR.</summary>
    public IpCidr? BridgeCidrOrNull()
    {
        try
        {
            return Ipam.ParseCidr(BridgeCidr);
        }
        catch (Errors.TricircleException)
        {
            return null;
        }
    }

    private static bool IsInt(string text, out int value) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);

    private static List<string> Split(string value) => [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
