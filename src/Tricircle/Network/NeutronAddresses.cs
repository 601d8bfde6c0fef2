using System.Net;
using System.Net.Sockets;
using System.Numerics;
using Tricircle.Errors;
using Tricircle.Shared;

namespace Tricircle.Network;

/// <summary>
/// Every address or CIDR a request gives the central Neutron is read here, strictly as
/// Neutron's validators read it (<see cref="IpLiteral"/>: no short, numeric, hex or octal IPv4
/// forms, no zones), and refused in Neutron's words for that attribute: <c>'x' is not a valid IP
/// address</c>, <c>'x' is not an accepted IP address, 'y' is recommended</c> (leading zeros),
/// <c>x is not in a CIDR format</c> (a subnet's cidr), <c>'x' is not a valid CIDR</c> (a route's
/// destination), <c>'x' is not a valid IP subnet</c>, <c>Invalid CIDR x given as IP prefix.</c>
/// </summary>
internal static class NeutronAddresses
{
    /// <summary>An address (<c>validate_ip_address</c>): its value and version, or false.</summary>
    public static bool TryAddress(string? text, out BigInteger value, out int version)
    {
        value = 0;
        version = 0;
        if (!IpLiteral.TryParse(text, out var address))
        {
            return false;
        }

        (value, version) = Number(address);
        return true;
    }

    /// <summary>The reason <c>validate_ip_address</c> gives for <paramref name="text"/>, null when it is an address.</summary>
    public static string? AddressProblem(string text) =>
        IpLiteral.TryParse(text, out var address, out var zeroFilled)
            ? zeroFilled ? $"'{text}' is not an accepted IP address, '{address}' is recommended" : null
            : $"'{text}' is not a valid IP address";

    /// <summary>An address of a request's attribute, or Neutron's 400 (<c>Invalid input for fixed_ips. Reason: ...</c>).</summary>
    public static (BigInteger Value, int Version) Address(string text, string attribute) =>
        AddressProblem(text) is { } problem ? throw InvalidAttribute(attribute, problem) : Number(IPAddress.Parse(text));

    /// <summary>
    /// A new subnet's <c>cidr</c>: neutron-lib's <c>convert_cidr_to_canonical_format</c> reads it
    /// (leading zeros are fine there) or says <c>x is not in a CIDR format</c>; its host bits must
    /// be clear.
    /// </summary>
    public static IpCidr SubnetCidr(string text)
    {
        if (!IpLiteral.TryParseNetwork(text, out var address, out var prefix, out _))
        {
            throw NeutronErrors.InvalidInput($"{text} is not in a CIDR format");
        }

        var cidr = NetworkOf(address, prefix);
        return cidr.Network == Number(address).Value ? cidr : throw NeutronErrors.InvalidInput($"'{text}' isn't a recognized IP subnet cidr, '{cidr}' is recommended");
    }

    /// <summary>A route's destination (<c>validate_route_cidr</c>, host routes and router routes): a CIDR with its host bits clear, canonical.</summary>
    public static IpCidr RouteCidr(string text, string attribute)
    {
        if (!IpLiteral.TryParseNetwork(text, out var address, out var prefix, out _))
        {
            throw InvalidAttribute(attribute, $"'{text}' is not a valid CIDR");
        }

        var cidr = NetworkOf(address, prefix);
        return cidr.Network == Number(address).Value ? cidr : throw InvalidAttribute(attribute, $"'{text}' is not a recognized CIDR, '{cidr}' is recommended");
    }

    /// <summary>
    /// A security group rule's <c>remote_ip_prefix</c> (Neutron's <c>convert_ip_prefix_to_cidr</c>):
    /// an address (its host prefix) or an address with a prefix, host bits kept; <c>400 InvalidCIDR</c> otherwise.
    /// </summary>
    public static string Prefix(string text)
    {
        return IpLiteral.TryParsePrefix(text, out var address, out var prefix)
            ? $"{address}/{prefix}"
            : throw TricircleException.Invalid($"Invalid CIDR {text} given as IP prefix.", "InvalidCIDR");
    }

    /// <summary>
    /// An allowed address pair's <c>ip_address</c>: an address, or with a <c>/</c> a subnet
    /// (<c>validate_subnet</c>: host bits may be set), canonical; Neutron's bare 400 otherwise.
    /// </summary>
    public static string AddressOrNetwork(string text)
    {
        if (!text.Contains('/', StringComparison.Ordinal))
        {
            return AddressProblem(text) is { } problem ? throw Bad(problem) : IPAddress.Parse(text).ToString();
        }

        if (!IpLiteral.TryParseNetwork(text, out var address, out var prefix, out var canonical))
        {
            throw Bad($"'{text}' is not a valid IP subnet");
        }

        return canonical || address.AddressFamily == AddressFamily.InterNetworkV6
            ? $"{address}/{prefix}"
            : throw Bad($"'{text}' isn't a recognized IP subnet cidr, '{NetworkOf(address, prefix)}' is recommended");
    }

    /// <summary>Neutron's attribute validation failure: <c>Invalid input for x. Reason: ...</c>.</summary>
    public static TricircleException InvalidAttribute(string attribute, string reason) =>
        TricircleException.Invalid($"Invalid input for {attribute}. Reason: {reason}.", "HTTPBadRequest");

    private static TricircleException Bad(string message) => TricircleException.Invalid(message, "HTTPBadRequest");

    private static IpCidr NetworkOf(IPAddress address, int prefix)
    {
        var (value, version) = Number(address);
        var bits = version == 4 ? 32 : 128;
        return new IpCidr(value & (((BigInteger.One << prefix) - 1) << (bits - prefix)), prefix, version);
    }

    private static (BigInteger Value, int Version) Number(IPAddress address) =>
        (new BigInteger(address.GetAddressBytes(), isUnsigned: true, isBigEndian: true), address.AddressFamily == AddressFamily.InterNetwork ? 4 : 6);
}
