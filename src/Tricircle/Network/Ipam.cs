using System.Globalization;
using System.Net;
using System.Numerics;
using Tricircle.Errors;

namespace Tricircle.Network;

/// <summary>A parsed CIDR: the network address as a number, its prefix length and IP version.</summary>
internal sealed record IpCidr(BigInteger Network, int Prefix, int Version)
{
    public int Bits => Version == 4 ? 32 : 128;

    public BigInteger Size => BigInteger.One << (Bits - Prefix);

    public BigInteger Last => Network + Size - 1;

    public bool Contains(BigInteger address) => address >= Network && address <= Last;

    public bool Overlaps(IpCidr other) => Version == other.Version && Network <= other.Last && other.Network <= Last;

    public override string ToString() => $"{Ipam.Format(Network, Version)}/{Prefix.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>
/// The address arithmetic of the central IPAM: CIDRs, default gateway and pools, pool checks
/// with Neutron's error types, and the candidate addresses a port may get. What is free is the
/// database's business (ip_allocations' primary key decides between concurrent requests).
/// </summary>
internal static class Ipam
{
    /// <summary>An address as Neutron reads one (<see cref="NeutronAddresses"/>): its value and version.</summary>
    public static bool TryParseAddress(string text, out BigInteger value, out int version) => NeutronAddresses.TryAddress(text, out value, out version);

    /// <summary>An address of <paramref name="attribute"/>, 400 unless valid (of <paramref name="version"/> when given).</summary>
    public static BigInteger ParseAddress(string text, string attribute, int? version = null)
    {
        var (value, v) = NeutronAddresses.Address(text, attribute);
        if (version is { } want && want != v)
        {
            throw NeutronErrors.InvalidInput($"'{text}' is not a valid IP address for {attribute} (IPv{version})");
        }

        return value;
    }

    /// <summary>The canonical text of an address (what the unique key compares).</summary>
    public static string Canonical(string text) => TryParseAddress(text, out var value, out var version) ? Format(value, version) : text;

    public static string Format(BigInteger value, int version)
    {
        var bytes = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        var size = version == 4 ? 4 : 16;
        var full = new byte[size];
        Array.Copy(bytes, 0, full, size - bytes.Length, bytes.Length);
        return new IPAddress(full).ToString();
    }

    /// <summary>A CIDR Tricircle wrote (a subnet's, a configured one): the value of a canonical CIDR (requests' go through <see cref="NeutronAddresses"/>).</summary>
    public static IpCidr ParseCidr(string text) => NeutronAddresses.SubnetCidr(text);

    /// <summary>The first and last address a port may have: IPv4 leaves out the network and broadcast addresses.</summary>
    public static (BigInteger First, BigInteger Last) Usable(IpCidr cidr) =>
        cidr.Version == 4 && cidr.Prefix < 31 ? (cidr.Network + 1, cidr.Last - 1) : cidr.Version == 6 ? (cidr.Network + 1, cidr.Last) : (cidr.Network, cidr.Last);

    /// <summary>The whole usable range less the gateway, as Neutron's default pools.</summary>
    public static List<AllocationPool> DefaultPools(IpCidr cidr, BigInteger? gateway)
    {
        var (first, last) = Usable(cidr);
        var pools = new List<(BigInteger, BigInteger)>();
        if (gateway is { } g && g >= first && g <= last)
        {
            if (g > first)
            {
                pools.Add((first, g - 1));
            }

            if (g < last)
            {
                pools.Add((g + 1, last));
            }
        }
        else if (first <= last)
        {
            pools.Add((first, last));
        }

        return [.. pools.Select(p => new AllocationPool(Format(p.Item1, cidr.Version), Format(p.Item2, cidr.Version)))];
    }

    /// <summary>
    /// Checks pools as Neutron does: each a valid range of the subnet's version
    /// (InvalidAllocationPool), inside the subnet (OutOfBoundsAllocationPool), not overlapping
    /// another (OverlappingAllocationPools), not holding the gateway
    /// (GatewayConflictWithAllocationPools). Returns them canonical.
    /// </summary>
    public static List<AllocationPool> CheckPools(IpCidr cidr, IReadOnlyList<AllocationPool> pools, BigInteger? gateway)
    {
        var ranges = new List<(BigInteger First, BigInteger Last, string Text)>();
        var (usableFirst, usableLast) = Usable(cidr);
        foreach (var pool in pools)
        {
            var text = $"{pool.Start}-{pool.End}";
            if (!TryParseAddress(pool.Start, out var first, out var v1) || !TryParseAddress(pool.End, out var last, out var v2) ||
                v1 != cidr.Version || v2 != cidr.Version || first > last)
            {
                throw TricircleException.Invalid($"The allocation pool {text} is not valid.", "InvalidAllocationPool");
            }

            if (first < usableFirst || last > usableLast)
            {
                throw TricircleException.Invalid($"The allocation pool {text} spans beyond the subnet cidr {cidr}.", "OutOfBoundsAllocationPool");
            }

            ranges.Add((first, last, $"{Format(first, cidr.Version)}-{Format(last, cidr.Version)}"));
        }

        for (var i = 0; i < ranges.Count; i++)
        {
            for (var j = i + 1; j < ranges.Count; j++)
            {
                if (ranges[i].First <= ranges[j].Last && ranges[j].First <= ranges[i].Last)
                {
                    throw TricircleException.Invalid(
                        $"Found overlapping allocation pools: {ranges[i].Text} and {ranges[j].Text} for subnet {cidr}.",
                        "OverlappingAllocationPools");
                }
            }
        }

        if (gateway is { } g && ranges.FirstOrDefault(r => g >= r.First && g <= r.Last) is { Text: not null } conflict)
        {
            throw TricircleException.Conflict(
                $"Gateway ip {Format(g, cidr.Version)} conflicts with allocation pool {conflict.Text}",
                "GatewayConflictWithAllocationPools");
        }

        return [.. ranges.Select(r => new AllocationPool(Format(r.First, cidr.Version), Format(r.Last, cidr.Version)))];
    }

    /// <summary>
    /// Up to <paramref name="count"/> free addresses of the pools in order, given what is taken.
    /// Walks the taken addresses, not the range, so a nearly empty /8 costs nothing.
    /// </summary>
    public static List<string> FreeCandidates(int version, IReadOnlyList<AllocationPool> pools, IEnumerable<string> taken, int count)
    {
        var used = new HashSet<BigInteger>(taken.Select(t => TryParseAddress(t, out var v, out _) ? v : BigInteger.MinusOne));
        var free = new List<string>();
        foreach (var pool in pools)
        {
            var first = ParseAddress(pool.Start, "allocation_pools");
            var last = ParseAddress(pool.End, "allocation_pools");
            for (var address = first; address <= last && free.Count < count; address++)
            {
                if (!used.Contains(address))
                {
                    free.Add(Format(address, version));
                }
            }

            if (free.Count >= count)
            {
                break;
            }
        }

        return free;
    }

    /// <summary>The pools as address ranges, lowest first.</summary>
    public static List<(BigInteger First, BigInteger Last)> Ranges(IReadOnlyList<AllocationPool> pools) =>
        [.. pools.Select(p => (ParseAddress(p.Start, "allocation_pools"), ParseAddress(p.End, "allocation_pools"))).OrderBy(r => r.Item1)];

    /// <summary>
    /// Up to <paramref name="count"/> addresses of the pools from <paramref name="start"/> on, in
    /// order (the pools' addresses below it left out); fewer when the pools end.
    /// </summary>
    public static List<BigInteger> Window(IReadOnlyList<(BigInteger First, BigInteger Last)> ranges, BigInteger start, int count)
    {
        var window = new List<BigInteger>(count);
        foreach (var (first, last) in ranges)
        {
            for (var address = BigInteger.Max(first, start); address <= last && window.Count < count; address++)
            {
                window.Add(address);
            }
        }

        return window;
    }

    /// <summary>The SLAAC address of a MAC on an IPv6 /64 (modified EUI-64), as Neutron assigns on slaac subnets.</summary>
    public static string Eui64(IpCidr cidr, string mac)
    {
        var bytes = mac.Split(':').Select(b => byte.Parse(b, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
        byte[] eui = [(byte)(bytes[0] ^ 0x02), bytes[1], bytes[2], 0xff, 0xfe, bytes[3], bytes[4], bytes[5]];
        return Format(cidr.Network | new BigInteger(eui, isUnsigned: true, isBigEndian: true), 6);
    }
}
