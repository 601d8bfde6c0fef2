using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tricircle.Shared;

namespace Tricircle.Emulator.Regions.Network;

internal sealed partial class NeutronState
{
    private static readonly Dictionary<string, int> ProtocolNumbers = new(StringComparer.Ordinal)
    {
        ["ah"] = 51,
        ["dccp"] = 33,
        ["egp"] = 8,
        ["esp"] = 50,
        ["gre"] = 47,
        ["icmp"] = 1,
        ["icmpv6"] = 58,
        ["igmp"] = 2,
        ["ipip"] = 4,
        ["ipv6-encap"] = 41,
        ["ipv6-frag"] = 44,
        ["ipv6-icmp"] = 58,
        ["ipv6-nonxt"] = 59,
        ["ipv6-opts"] = 60,
        ["ipv6-route"] = 43,
        ["ospf"] = 89,
        ["pgm"] = 113,
        ["rsvp"] = 46,
        ["sctp"] = 132,
        ["tcp"] = 6,
        ["udp"] = 17,
        ["udplite"] = 136,
        ["vrrp"] = 112,
    };

    private JsonObject NewGroup(string project, string name, string description, bool stateful)
    {
        var group = Stamp(new JsonObject
        {
            ["id"] = RegionContext.NewId(),
            ["name"] = name,
            ["description"] = description,
            ["stateful"] = stateful,
            ["shared"] = false,
            ["tags"] = new JsonArray(),
        }, project);
        _groups.Add(group);
        return group;
    }

    private JsonObject AddRule(string project, string groupId, string direction, string ethertype, string? protocol, int? min, int? max, string? remotePrefix, string? remoteGroup, string description)
    {
        var rule = Stamp(new JsonObject
        {
            ["id"] = RegionContext.NewId(),
            ["security_group_id"] = groupId,
            ["direction"] = direction,
            ["ethertype"] = ethertype,
            ["protocol"] = protocol,
            ["port_range_min"] = min,
            ["port_range_max"] = max,
            ["remote_ip_prefix"] = remotePrefix,
            ["remote_group_id"] = remoteGroup,
            ["remote_address_group_id"] = null,
            ["normalized_cidr"] = remotePrefix,
            ["description"] = description,
        }, project);
        _rules.Add(rule);
        return rule;
    }

    public JsonObject ShowGroup(Caller caller, string id)
    {
        lock (_gate)
        {
            EnsureDefaultGroup(caller.ProjectId);
            var group = Get(caller, "security_groups", id);
            return View(caller, WithRules(group));
        }
    }

    public JsonObject CreateGroup(Caller caller, JsonObject body)
    {
        NeutronBody.Validate("security_group", body, create: true);
        lock (_gate)
        {
            var project = OwnerProject(caller, body, "security_group");
            EnsureDefaultGroup(project);
            CheckQuota(project, "security_group");
            var name = NeutronBody.Str(body, "name") ?? "";
            if (name == "default")
            {
                throw OpenStackFault.Conflict("Default security group already exists.", "SecurityGroupDefaultAlreadyExists");
            }

            var group = NewGroup(project, name, NeutronBody.Str(body, "description") ?? "", NeutronBody.Bool(body, "stateful", true));
            AddRule(project, Id(group), "egress", "IPv4", null, null, null, null, null, "");
            AddRule(project, Id(group), "egress", "IPv6", null, null, null, null, null, "");
            return View(caller, WithRules(group));
        }
    }

    public JsonObject UpdateGroup(Caller caller, string id, JsonObject body)
    {
        NeutronBody.Validate("security_group", body, create: false);
        lock (_gate)
        {
            var group = Get(caller, "security_groups", id);
            RequireOwner(caller, group, "rule:update_security_group");
            if (body.ContainsKey("name"))
            {
                var name = NeutronBody.Str(body, "name");
                if (Str(group, "name") == "default" && name != "default")
                {
                    throw OpenStackFault.Conflict("Updating default security group not allowed.", "SecurityGroupCannotUpdateDefault");
                }

                if (name == "default" && Str(group, "name") != "default")
                {
                    throw OpenStackFault.Conflict("Default security group already exists.", "SecurityGroupDefaultAlreadyExists");
                }

                group["name"] = name;
            }

            if (body.ContainsKey("description"))
            {
                group["description"] = NeutronBody.Str(body, "description");
            }

            if (body.ContainsKey("stateful"))
            {
                group["stateful"] = NeutronBody.Bool(body, "stateful", true);
            }

            Touch(group);
            return View(caller, WithRules(group));
        }
    }

    public void DeleteGroup(Caller caller, string id)
    {
        lock (_gate)
        {
            var group = Get(caller, "security_groups", id);
            RequireOwner(caller, group, "rule:delete_security_group");
            // Neutron looks for ports before it looks at the name: a default group in use is "in use" even to its owner.
            if (_ports.Any(p => p["security_groups"]!.AsArray().Any(g => (string?)g == id)))
            {
                throw OpenStackFault.Conflict($"Security Group {id} in use.", "SecurityGroupInUse");
            }

            if (Str(group, "name") == "default" && !caller.IsAdmin)
            {
                throw OpenStackFault.Conflict("Insufficient rights for removing default security group.", "SecurityGroupCannotRemoveDefault");
            }

            _rules.RemoveAll(r => Str(r, "security_group_id") == id);
            _groups.Remove(group);
        }
    }

    public JsonObject CreateRule(Caller caller, JsonObject body)
    {
        NeutronBody.Validate("security_group_rule", body, create: true);
        foreach (var required in (string[])["security_group_id", "direction"])
        {
            if (!body.ContainsKey(required))
            {
                throw OpenStackFault.BadRequest($"Failed to parse request. Required attribute '{required}' not specified");
            }
        }

        var direction = NeutronBody.Str(body, "direction");
        if (direction is not ("ingress" or "egress"))
        {
            throw OpenStackFault.BadRequest($"Invalid input for direction. Reason: '{direction}' is not in ['ingress', 'egress'].");
        }

        // Neutron's convert_ethertype_to_case_insensitive: absent is IPv4; present (null too) a string naming one, in any case.
        var ethertype = !body.ContainsKey("ethertype") ? "IPv4" : NeutronBody.Str(body, "ethertype")?.ToUpperInvariant() switch
        {
            "IPV4" => "IPv4",
            "IPV6" => "IPv6",
            _ => throw OpenStackFault.BadRequest(
                $"Security group rule for ethertype '{(body["ethertype"] is { } given ? NeutronBody.Str(body, "ethertype") ?? given.ToJsonString() : "None")}' not supported. Allowed values are ['IPv4', 'IPv6'].",
                "SecurityGroupRuleInvalidEtherType"),
        };
        var protocol = Protocol(body["protocol"]);
        var min = NeutronBody.Int(body, "port_range_min");
        var max = NeutronBody.Int(body, "port_range_max");
        if ((min is not null || max is not null) && protocol is null)
        {
            throw OpenStackFault.BadRequest("Must also specify protocol if port range is given.", "SecurityGroupProtocolRequiredWithPorts");
        }

        if (protocol is "tcp" or "udp" or "6" or "17" or "sctp" or "dccp" or "udplite" or "132" or "33" or "136")
        {
            if (min is null && max is not null || min is not null && max is null)
            {
                min ??= max;
                max ??= min;
            }

            foreach (var port in new[] { min, max })
            {
                if (port is < 0 or > 65535)
                {
                    throw OpenStackFault.BadRequest($"Invalid value for port {port}", "SecurityGroupInvalidPortValue");
                }
            }

            if (min > max)
            {
                throw OpenStackFault.BadRequest("For TCP/UDP protocols, port_range_min must be <= port_range_max", "SecurityGroupInvalidPortRange");
            }

            if (min == 0 && max == 0)
            {
                throw OpenStackFault.BadRequest("Invalid value for port 0", "SecurityGroupInvalidPortValue");
            }
        }
        else if (protocol is "icmp" or "icmpv6" or "ipv6-icmp" or "1" or "58")
        {
            if (min is > 255 or < 0 || max is > 255 or < 0)
            {
                throw OpenStackFault.BadRequest($"Invalid value for ICMP field (port_range_min) or (port_range_max): {min} or {max}. It must be 0 to 255.", "SecurityGroupInvalidIcmpValue");
            }

            if (max is not null && min is null)
            {
                throw OpenStackFault.BadRequest($"ICMP code (port-range-max) {max} is provided but ICMP type (port-range-min) is missing.", "SecurityGroupMissingIcmpType");
            }
        }

        var remotePrefix = NeutronBody.Str(body, "remote_ip_prefix");
        var remoteGroup = NeutronBody.Str(body, "remote_group_id");
        if (remotePrefix is not null && remoteGroup is not null)
        {
            throw OpenStackFault.BadRequest("Only remote_ip_prefix or remote_group_id may be provided.", "SecurityGroupRemoteGroupAndRemoteIpPrefix");
        }

        if (remotePrefix is not null)
        {
            // neutron's convert_ip_prefix_to_cidr: an address is its host prefix; netaddr reads leading zeros as decimal.
            if (!IpLiteral.TryParsePrefix(remotePrefix, out var address, out var length))
            {
                throw OpenStackFault.BadRequest($"Invalid CIDR {remotePrefix} given as IP prefix.", "InvalidCIDR");
            }

            var prefix = $"{address}/{length}";
            if ((NeutronIpam.VersionOf(address) == 6 ? "IPv6" : "IPv4") != ethertype)
            {
                throw OpenStackFault.BadRequest($"Conflicting value ethertype {ethertype} for CIDR {remotePrefix}", "SecurityGroupRuleParameterConflict");
            }

            remotePrefix = prefix;
        }

        lock (_gate)
        {
            var group = Get(caller, "security_groups", NeutronBody.Str(body, "security_group_id"));
            RequireOwner(caller, group, "rule:create_security_group_rule");
            if (remoteGroup is not null)
            {
                Get(caller, "security_groups", remoteGroup);
            }

            var project = OwnerProject(caller, body, "security_group_rule");
            CheckQuota(project, "security_group_rule");
            var normalized = remotePrefix is null ? null : Normalize(remotePrefix);
            var duplicate = _rules.FirstOrDefault(r => Str(r, "security_group_id") == Id(group) && Str(r, "direction") == direction && Str(r, "ethertype") == ethertype
                && Str(r, "protocol") == protocol && NeutronBody.Int(r, "port_range_min") == min && NeutronBody.Int(r, "port_range_max") == max
                && Str(r, "normalized_cidr") == normalized && Str(r, "remote_group_id") == remoteGroup);
            if (duplicate is not null)
            {
                throw OpenStackFault.Conflict($"Security group rule already exists. Rule id is {Id(duplicate)}.", "SecurityGroupRuleExists");
            }

            var rule = AddRule(project, Id(group), direction, ethertype, protocol, min, max, remotePrefix, remoteGroup, NeutronBody.Str(body, "description") ?? "");
            rule["normalized_cidr"] = normalized;
            Touch(group);
            return View(caller, rule);
        }
    }

    private static string Normalize(string prefix)
    {
        var slash = prefix.IndexOf('/', StringComparison.Ordinal);
        var ip = NeutronIpam.ParseIp(prefix[..slash])!;
        var length = int.Parse(prefix[(slash + 1)..], CultureInfo.InvariantCulture);
        var bits = NeutronIpam.VersionOf(ip) == 6 ? 128 : 32;
        if (length > bits)
        {
            throw OpenStackFault.BadRequest($"Invalid input for remote_ip_prefix. Reason: '{prefix}' is not a valid IP subnet.");
        }

        var mask = length == 0 ? UInt128.Zero : (bits == 128 ? UInt128.MaxValue : uint.MaxValue) << (bits - length);
        if (bits == 32)
        {
            mask &= uint.MaxValue;
        }

        return $"{NeutronIpam.FromNumber(NeutronIpam.ToNumber(ip) & mask, NeutronIpam.VersionOf(ip))}/{length}";
    }

    private static string? Protocol(JsonNode? node)
    {
        if (node is null)
        {
            return null;
        }

        var text = node.GetValueKind() switch
        {
            JsonValueKind.String => node.GetValue<string>(),
            JsonValueKind.Number => node.ToJsonString(),
            _ => throw OpenStackFault.BadRequest($"Security group rule protocol {node.ToJsonString()} not supported. Only protocol values [{string.Join(", ", ProtocolNumbers.Keys.Select(k => $"'{k}'"))}] and integer representations [0 to 255] are supported.", "SecurityGroupRuleInvalidProtocol"),
        };
        if (text.Length == 0 || text == "any")
        {
            return null;
        }

        var lower = text.ToLowerInvariant();
        if (ProtocolNumbers.ContainsKey(lower))
        {
            return lower;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is >= 0 and <= 255)
        {
            return number.ToString(CultureInfo.InvariantCulture);
        }

        throw OpenStackFault.BadRequest($"Security group rule protocol {text} not supported. Only protocol values [{string.Join(", ", ProtocolNumbers.Keys.Select(k => $"'{k}'"))}] and integer representations [0 to 255] are supported.", "SecurityGroupRuleInvalidProtocol");
    }

    public void DeleteRule(Caller caller, string id)
    {
        lock (_gate)
        {
            var rule = Get(caller, "security_group_rules", id);
            if (!caller.IsAdmin && Project(rule) != caller.ProjectId && !(_groups.FirstOrDefault(g => Id(g) == Str(rule, "security_group_id")) is { } g && Project(g) == caller.ProjectId))
            {
                throw Policy("rule:delete_security_group_rule");
            }

            _rules.Remove(rule);
            if (_groups.FirstOrDefault(g => Id(g) == Str(rule, "security_group_id")) is { } group)
            {
                Touch(group);
            }
        }
    }
}
