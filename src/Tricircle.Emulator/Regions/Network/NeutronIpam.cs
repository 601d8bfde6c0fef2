using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Tricircle.Shared;

namespace Tricircle.Emulator.Regions.Network;

/// <summary>Address arithmetic for subnets (IPv4 and IPv6 as 128-bit numbers).</summary>
internal static class NeutronIpam
{
    public static UInt128 ToNumber(IPAddress address)
    {
        UInt128 value = 0;
        foreach (var b in address.GetAddressBytes())
        {
            value = (value << 8) | b;
        }

        return value;
    }

    public static IPAddress FromNumber(UInt128 value, int version)
    {
        var bytes = new byte[version == 6 ? 16 : 4];
        for (var i = bytes.Length - 1; i >= 0; i--)
        {
            bytes[i] = (byte)(value & 0xff);
            value >>= 8;
        }

        return new IPAddress(bytes);
    }

    public static int VersionOf(IPAddress address) => address.AddressFamily == AddressFamily.InterNetworkV6 ? 6 : 4;

    /// <summary>An IP address as Neutron's validators read one (no short, numeric, hex or octal IPv4 forms, no zone), or null when the text is not one.</summary>
    public static IPAddress? ParseIp(string? text) => IpLiteral.TryParse(text, out var ip) ? ip : null;

    /// <summary>First and last address of a network.</summary>
    public static (UInt128 First, UInt128 Last) Range(IPNetwork network)
    {
        var bits = VersionOf(network.BaseAddress) == 6 ? 128 : 32;
        var first = ToNumber(network.BaseAddress);
        var hostBits = bits - network.PrefixLength;
        var size = hostBits == 128 ? UInt128.MaxValue : (UInt128.One << hostBits) - 1;
        return (first, first + size);
    }

    /// <summary>Neutron's generate_pools: the whole range minus network, broadcast (IPv4) and gateway.</summary>
    public static List<(UInt128 Start, UInt128 End)> DefaultPools(IPNetwork network, UInt128? gateway)
    {
        var version = VersionOf(network.BaseAddress);
        var (first, last) = Range(network);
        if (first == last)
        {
            return [(first, last)];
        }

        var start = first + 1;
        var end = version == 4 ? last - 1 : last;
        if (start >= end)
        {
            return [(start, end)];
        }

        if (gateway is not { } g || g < start || g > end)
        {
            return [(start, end)];
        }

        var pools = new List<(UInt128, UInt128)>();
        if (g > start)
        {
            pools.Add((start, g - 1));
        }

        if (g < end)
        {
            pools.Add((g + 1, end));
        }

        return pools;
    }

    public static bool Contains(IPNetwork network, UInt128 address)
    {
        var (first, last) = Range(network);
        return address >= first && address <= last;
    }

    public static bool Overlaps(IPNetwork a, IPNetwork b)
    {
        if (VersionOf(a.BaseAddress) != VersionOf(b.BaseAddress))
        {
            return false;
        }

        var (af, al) = Range(a);
        var (bf, bl) = Range(b);
        return af <= bl && bf <= al;
    }

    /// <summary>A CIDR as Neutron accepts it (host bits zero), or a 400 naming the problem.</summary>
    public static IPNetwork ParseCidr(string? text, string attribute = "cidr")
    {
        if (text is null || !text.Contains('/', StringComparison.Ordinal))
        {
            throw OpenStackFault.BadRequest($"Invalid input for {attribute}. Reason: '{text}' is not a valid IP subnet.");
        }

        // A subnet's cidr goes through convert_cidr_to_canonical_format first, which reads leading zeros as decimal.
        if (!IpLiteral.TryParseNetwork(text, out var ip, out var prefix, out var canonical) || (!canonical && attribute != "cidr"))
        {
            if (attribute == "cidr")
            {
                // a subnet's cidr is converted to canonical form before it is validated
                throw OpenStackFault.BadRequest($"Invalid input for operation: {text} is not in a CIDR format.", "InvalidInput");
            }

            throw OpenStackFault.BadRequest($"Invalid input for {attribute}. Reason: '{text}' is not a valid IP subnet.");
        }

        var bits = VersionOf(ip) == 6 ? 128 : 32;
        var mask = prefix == 0 ? UInt128.Zero : (bits == 128 ? UInt128.MaxValue : (UInt128)uint.MaxValue) << (bits - prefix);
        if (bits == 32)
        {
            mask &= uint.MaxValue;
        }

        var masked = ToNumber(ip) & mask;
        if (masked != ToNumber(ip))
        {
            var recommended = $"{FromNumber(masked, VersionOf(ip))}/{prefix}";
            throw OpenStackFault.BadRequest($"Invalid input for {attribute}. Reason: '{text}' isn't a recognized IP subnet cidr, '{recommended}' is recommended.");
        }

        return new IPNetwork(ip, prefix);
    }

    /// <summary>The subnet's allocation pools as numbers.</summary>
    public static List<(UInt128 Start, UInt128 End)> Pools(JsonObject subnet) =>
        subnet["allocation_pools"]!.AsArray()
            .Select(p => (ToNumber(IPAddress.Parse((string)p!["start"]!)), ToNumber(IPAddress.Parse((string)p["end"]!))))
            .ToList();

    public static JsonArray PoolsJson(IEnumerable<(UInt128 Start, UInt128 End)> pools, int version) =>
        new(pools.Select(p => (JsonNode)new JsonObject
        {
            ["start"] = FromNumber(p.Start, version).ToString(),
            ["end"] = FromNumber(p.End, version).ToString(),
        }).ToArray());

    /// <summary>The modified EUI-64 address SLAAC gives <paramref name="mac"/> in a /64.</summary>
    public static IPAddress Eui64(IPNetwork network, string mac)
    {
        var m = mac.Split(':').Select(h => byte.Parse(h, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
        byte[] iid = [(byte)(m[0] ^ 0x02), m[1], m[2], 0xff, 0xfe, m[3], m[4], m[5]];
        UInt128 suffix = 0;
        foreach (var b in iid)
        {
            suffix = (suffix << 8) | b;
        }

        return FromNumber(ToNumber(network.BaseAddress) | suffix, 6);
    }
}
