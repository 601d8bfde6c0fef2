using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace Tricircle.Shared;

/// <summary>
/// IP address literals as Neutron reads them (neutron-lib's validators over netaddr with
/// <c>inet_pton</c>): IPv4 only as four dotted decimal octets, IPv6 only as <c>inet_pton</c>
/// takes it (hex groups, one <c>::</c>, a dotted-quad tail). .NET's <see cref="IPAddress.Parse(string)"/>
/// also reads <c>inet_aton</c>'s forms (<c>"256"</c>, <c>"1.2"</c>, hex and octal octets), zones
/// and brackets, which Neutron refuses; every request's address goes through here instead.
/// Compiled into the central service and the emulator alike (both stand for the same
/// validators).
/// </summary>
internal static class IpLiteral
{
    /// <summary>
    /// An address; <paramref name="zeroFilled"/> says an IPv4 octet had leading zeros
    /// (<c>010.0.0.1</c>), which netaddr reads as decimal but Neutron's address validator refuses
    /// with the canonical form recommended.
    /// </summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out IPAddress? address, out bool zeroFilled)
    {
        address = null;
        zeroFilled = false;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        if (!text.Contains(':', StringComparison.Ordinal))
        {
            return TryParseV4(text, out address, out zeroFilled);
        }

        // inet_pton's IPv6: hex groups of up to four digits, an optional dotted-quad tail; no zone, brackets or blanks.
        var tail = text.LastIndexOf(':');
        var head = text[..(tail + 1)];
        if (head.Any(c => !char.IsAsciiHexDigit(c) && c != ':') || head.Split(':').Any(g => g.Length > 4))
        {
            return false;
        }

        var last = text[(tail + 1)..];
        if (last.Contains('.', StringComparison.Ordinal) ? !TryParseV4(last, out _, out var zeros) || zeros : last.Length > 4 || last.Any(c => !char.IsAsciiHexDigit(c)))
        {
            return false;
        }

        return IPAddress.TryParse(text, out address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
    }

    /// <summary>An address without leading zeros (what Neutron's address validator accepts).</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out IPAddress? address) =>
        TryParse(text, out address, out var zeroFilled) && !zeroFilled;

    /// <summary>
    /// <c>address/prefix</c> with a decimal prefix within the version's width (netaddr's
    /// <c>IPNetwork</c> of a full address). <paramref name="canonical"/>: written as netaddr
    /// prints it back (no leading zeros in the octets or the prefix), which Neutron's subnet
    /// validator requires of IPv4.
    /// </summary>
    public static bool TryParseNetwork(string? text, [NotNullWhen(true)] out IPAddress? address, out int prefix, out bool canonical)
    {
        address = null;
        prefix = 0;
        canonical = false;
        var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (slash < 0 || !TryParse(text![..slash], out address, out var zeroFilled))
        {
            return false;
        }

        var digits = text[(slash + 1)..];
        var width = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
        if (digits.Length is 0 or > 3 || !digits.All(char.IsAsciiDigit) || (prefix = int.Parse(digits, CultureInfo.InvariantCulture)) > width)
        {
            address = null;
            return false;
        }

        canonical = !zeroFilled && (digits.Length == 1 || digits[0] != '0');
        return true;
    }

    /// <summary>
    /// An address (its host prefix) or an address with a prefix, leading zeros read as decimal:
    /// netaddr's <c>IPNetwork</c> of a full address (a security group rule's <c>remote_ip_prefix</c>).
    /// </summary>
    public static bool TryParsePrefix(string? text, [NotNullWhen(true)] out IPAddress? address, out int prefix)
    {
        if (TryParse(text, out address, out _))
        {
            prefix = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
            return true;
        }

        return TryParseNetwork(text, out address, out prefix, out _);
    }

    private static bool TryParseV4(string text, [NotNullWhen(true)] out IPAddress? address, out bool zeroFilled)
    {
        address = null;
        zeroFilled = false;
        var octets = text.Split('.');
        if (octets.Length != 4)
        {
            return false;
        }

        var bytes = new byte[4];
        for (var i = 0; i < 4; i++)
        {
            var octet = octets[i];
            if (octet.Length is 0 or > 3 || !octet.All(char.IsAsciiDigit) || int.Parse(octet, CultureInfo.InvariantCulture) is var value && value > 255)
            {
                return false;
            }

            zeroFilled |= octet.Length > 1 && octet[0] == '0';
            bytes[i] = (byte)value;
        }

        address = new IPAddress(bytes);
        return true;
    }
}
