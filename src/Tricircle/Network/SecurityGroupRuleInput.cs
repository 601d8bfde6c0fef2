using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tricircle.Hosting;

namespace Tricircle.Network;

/// <summary>
/// A security group rule as asked for, checked as Neutron checks it (neutron-lib's converters
/// and the security group DB mixin's validation), with the canonical form that makes two
/// equal rules equal.
/// </summary>
internal sealed record SecurityGroupRuleInput(
    string SecurityGroupId,
    string Direction,
    string Ethertype,
    string? Protocol,
    int? PortRangeMin,
    int? PortRangeMax,
    string? RemoteIpPrefix,
    string? RemoteGroupId,
    string Description,
    string? ProjectId)
{
    public const string IPv4 = "IPv4";
    public const string IPv6 = "IPv6";

    private static readonly BodyField Text255 = new("", JsonKind.String | JsonKind.Null) { MaxLength = 255 };

    /// <summary>
    /// Neutron's security group rule attribute map. Protocol and ports are taken by the rule's
    /// own converters below (their errors have types of their own, SecurityGroupInvalidPortValue...).
    /// </summary>
    public static readonly BodySchema Schema = new(
        "security_group_rule",
        new("security_group_id", JsonKind.String) { Required = true, MaxLength = 255 },
        new("direction", JsonKind.String) { Required = true, Enum = ["ingress", "egress"] },
        // Neutron's convert_ethertype_to_case_insensitive takes a string in any case and refuses
        // anything else (None too) with its own error: judged in Parse below.
        new("ethertype", JsonKind.Any),
        new("protocol", JsonKind.Any),
        new("port_range_min", JsonKind.Any),
        new("port_range_max", JsonKind.Any),
        Text255 with { Name = "remote_ip_prefix" },
        Text255 with { Name = "remote_group_id" },
        Text255 with { Name = "remote_address_group_id" },
        // standard-attr-description's and the owner's type:string refuse None, unlike the converters above.
        Text255 with { Name = "description", Kind = JsonKind.String },
        Text255 with { Name = "project_id", Kind = JsonKind.String },
        Text255 with { Name = "tenant_id", Kind = JsonKind.String });

    // neutron-lib's IP_PROTOCOL_MAP: the names Neutron accepts for protocol.
    private static readonly Dictionary<string, int> ProtocolNumbers = new (string Name, int Number)[]
    {
        ("ah", 51), ("dccp", 33), ("egp", 8), ("esp", 50), ("gre", 47), ("icmp", 1), ("icmpv6", 58), ("igmp", 2),
        ("ipip", 4), ("ipv6-encap", 41), ("ipv6-frag", 44), ("ipv6-icmp", 58), ("ipv6-nonxt", 59), ("ipv6-opts", 60),
        ("ipv6-route", 43), ("ospf", 89), ("pgm", 113), ("rsvp", 46), ("sctp", 132), ("tcp", 6), ("udp", 17),
        ("udplite", 136), ("vrrp", 112),
    }.ToDictionary(p => p.Name, p => p.Number, StringComparer.Ordinal);

    // Protocols with ports (port_range_* are ports) and with ICMP type/code (port_range_* are those).
    private static readonly int[] PortProtocols = [6, 17, 33, 132, 136];
    private static readonly int[] IcmpProtocols = [1, 58];

    // Protocols that only exist over IPv6 (Neutron: SecurityGroupEthertypeConflictWithProtocol).
    private static readonly int[] Ipv6OnlyProtocols = [41, 43, 44, 58, 59, 60];

    /// <summary>The protocol's number, or null for any protocol.</summary>
    public int? ProtocolNumber => Protocol is null ? null : ProtocolNumbers.TryGetValue(Protocol, out var n) ? n : int.Parse(Protocol, CultureInfo.InvariantCulture);

    /// <summary>
    /// The rule's canonical form: protocol by number, prefix as its network with "any" (0.0.0.0/0,
    /// ::/0) the same as none; unique per group in the schema, so equal rules are refused even
    /// when created at once.
    /// </summary>
    public string Fingerprint => FingerprintOf(Direction, Ethertype, ProtocolNumber, PortRangeMin, PortRangeMax, RemoteIpPrefix, RemoteGroupId);

    public static string FingerprintOf(string direction, string ethertype, int? protocol, int? min, int? max, string? remoteIpPrefix, string? remoteGroupId)
    {
        var prefix = remoteIpPrefix is null ? "" : NormalizedCidr(remoteIpPrefix);
        if (prefix is "0.0.0.0/0" or "::/0")
        {
            prefix = "";
        }

        return string.Join('|', direction, ethertype, Text(protocol), Text(min), Text(max), prefix, remoteGroupId ?? "");
    }

    /// <summary>Reads and checks the body of <c>POST /v2.0/security-group-rules</c>.</summary>
    /// <summary>Takes the body of <c>POST /v2.0/security-group-rules</c>, validated by <see cref="Schema"/>.</summary>
    public static SecurityGroupRuleInput Parse(JsonObject body)
    {
        var groupId = String(body, "security_group_id")!;
        var direction = String(body, "direction")!;

        // Absent is IPv4 (the attribute's default); present, even null, it must name one.
        var ethertype = !body.ContainsKey("ethertype") ? IPv4 : String(body, "ethertype")?.ToUpperInvariant() switch
        {
            "IPV4" => IPv4,
            "IPV6" => IPv6,
            _ => throw new ApiException(StatusCodes.Status400BadRequest,
                $"Security group rule for ethertype '{BodyDialect.Str(body["ethertype"])}' not supported. Allowed values are ['IPv4', 'IPv6'].", "SecurityGroupRuleInvalidEtherType"),
        };

        var protocol = ProtocolOf(body);
        var min = Port(body, "port_range_min");
        var max = Port(body, "port_range_max");
        var prefix = Prefix(body);
        var remoteGroup = String(body, "remote_group_id");
        if (String(body, "remote_address_group_id") is not null)
        {
            throw BadRequest("Unrecognized attribute(s) 'remote_address_group_id' (address groups are not supported)");
        }

        if (prefix is not null && remoteGroup is not null)
        {
            throw new ApiException(StatusCodes.Status400BadRequest, "Only remote_ip_prefix or remote_group_id may be provided.", "SecurityGroupRemoteGroupAndRemoteIpPrefix");
        }

        var project = String(body, "project_id") ?? String(body, "tenant_id");
        var rule = new SecurityGroupRuleInput(groupId, direction, ethertype, protocol, min, max, prefix, remoteGroup, String(body, "description") ?? "", project);
        rule.Validate();
        return rule;
    }

    private void Validate()
    {
        if (RemoteIpPrefix is not null && IPAddress.Parse(RemoteIpPrefix.Split('/')[0]).AddressFamily != (Ethertype == IPv4 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6))
        {
            throw new ApiException(StatusCodes.Status400BadRequest, $"Conflicting value ethertype {Ethertype} for CIDR {RemoteIpPrefix}", "SecurityGroupRuleParameterConflict");
        }

        var number = ProtocolNumber;
        if (Ethertype == IPv4 && number is { } n && Ipv6OnlyProtocols.Contains(n))
        {
            throw new ApiException(StatusCodes.Status400BadRequest, $"Invalid ethertype {Ethertype} for protocol {Protocol}.", "SecurityGroupEthertypeConflictWithProtocol");
        }

        if (PortRangeMin is null && PortRangeMax is null)
        {
            return;
        }

        if (number is null)
        {
            throw new ApiException(StatusCodes.Status400BadRequest, "Must also specify protocol if port range is given.", "SecurityGroupProtocolRequiredWithPorts");
        }

        if (PortProtocols.Contains(number.Value))
        {
            if (PortRangeMin == 0 || PortRangeMax == 0)
            {
                throw new ApiException(StatusCodes.Status400BadRequest, "Invalid value for port 0", "SecurityGroupInvalidPortValue");
            }

            if (PortRangeMin is null || PortRangeMax is null || PortRangeMin > PortRangeMax)
            {
                throw new ApiException(StatusCodes.Status400BadRequest, "For TCP/UDP protocols, port_range_min must be <= port_range_max", "SecurityGroupInvalidPortRange");
            }
        }
        else if (IcmpProtocols.Contains(number.Value))
        {
            foreach (var (attr, field, value) in new[] { ("port_range_min", "type", PortRangeMin), ("port_range_max", "code", PortRangeMax) })
            {
                if (value is > 255)
                {
                    throw new ApiException(StatusCodes.Status400BadRequest, $"Invalid value for ICMP {field} ({attr}) {value}. It must be 0 to 255.", "SecurityGroupInvalidIcmpValue");
                }
            }

            if (PortRangeMin is null && PortRangeMax is not null)
            {
                throw new ApiException(StatusCodes.Status400BadRequest, $"ICMP code (port-range-max) {PortRangeMax} is provided but ICMP type (port-range-min) is missing.", "SecurityGroupMissingIcmpType");
            }
        }
        else
        {
            throw new ApiException(StatusCodes.Status400BadRequest,
                $"Invalid protocol {Protocol} for port range, only supported for TCP, UDP, UDPLITE, SCTP and DCCP.", "SecurityGroupInvalidProtocolForPortRange");
        }
    }

    /// <summary>A prefix's network (host bits cleared): Neutron's <c>normalized_cidr</c>.</summary>
    public static string NormalizedCidr(string cidr)
    {
        var parts = cidr.Split('/');
        var address = IPAddress.Parse(parts[0]).GetAddressBytes();
        var length = int.Parse(parts[1], CultureInfo.InvariantCulture);
        for (var bit = length; bit < address.Length * 8; bit++)
        {
            address[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return $"{new IPAddress(address)}/{length}";
    }

    private static string? ProtocolOf(JsonObject body)
    {
        if (body["protocol"] is not JsonValue value)
        {
            return body["protocol"] is { } other ? throw InvalidProtocol(other.ToJsonString()) : null;
        }

        var text = value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.Number => value.ToJsonString(),
            _ => throw InvalidProtocol(value.ToJsonString()),
        };
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return number is >= 0 and <= 255 ? number.ToString(CultureInfo.InvariantCulture) : throw InvalidProtocol(text);
        }

        var name = text.ToLowerInvariant();
        return name == "any" ? null : ProtocolNumbers.ContainsKey(name) ? name : throw InvalidProtocol(text);
    }

    private static ApiException InvalidProtocol(string protocol) => new(StatusCodes.Status400BadRequest,
        $"Security group rule protocol {protocol} not supported. Only protocol values [None, {string.Join(", ", ProtocolNumbers.Keys.Order(StringComparer.Ordinal).Select(k => $"'{k}'"))}] and integer representations [0 to 255] are supported.",
        "SecurityGroupRuleInvalidProtocol");

    private static int? Port(JsonObject body, string field)
    {
        if (body[field] is not { } value)
        {
            return null;
        }

        var text = value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : value.ToJsonString();
        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var port) && port is >= 0 and <= 65535
            ? port
            : throw new ApiException(StatusCodes.Status400BadRequest, $"Invalid value for port {text}", "SecurityGroupInvalidPortValue");
    }

    private static string? Prefix(JsonObject body)
    {
        var text = String(body, "remote_ip_prefix");
        if (text is null)
        {
            return null;
        }

        // As neutron-lib's convert_ip_prefix_to_cidr: an address alone is its host prefix.
        return NeutronAddresses.Prefix(text);
    }

    // The schema has made sure that a present value is a string (or null).
    private static string? String(JsonObject body, string field) => Body.Of(body).String(field);

    private static string Text(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";

    private static ApiException BadRequest(string message) => new(StatusCodes.Status400BadRequest, message, "HTTPBadRequest");
}
