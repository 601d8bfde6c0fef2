using System.Net;
using System.Text.Json.Nodes;

namespace Tricircle.Network;

/// <summary>
/// Whether a copy in a pod (as the pod's Neutron shows it) still says what central says, in the
/// attributes the sync jobs put on it (<see cref="NetworkChange"/>, <see cref="SubnetChange"/>,
/// the port's body, the group's rules and description). Each answers the first attribute that
/// differs, or null. Addresses compare by value (a pod may print an IPv6 address otherwise);
/// pools, routes, pairs and groups as sets; an attribute the pod does not show (an extension it
/// lacks) is not compared.
/// </summary>
internal sealed partial class PodNetworks
{
    public static string? NetworkDrift(TopNetwork network, JsonObject copy)
    {
        if (copy.ContainsKey("description") && (Text(copy["description"]) ?? "") != network.Description)
        {
            return "description";
        }

        if (Bool(copy["admin_state_up"]) != network.AdminStateUp)
        {
            return "admin_state_up";
        }

        if (copy.ContainsKey("router:external") && Bool(copy["router:external"]) != network.External)
        {
            return "router:external";
        }

        return copy.ContainsKey("shared") && Bool(copy["shared"]) != network.Shared ? "shared" : null;
    }

    public static string? SubnetDrift(TopSubnet subnet, JsonObject copy)
    {
        if (copy.ContainsKey("description") && (Text(copy["description"]) ?? "") != subnet.Description)
        {
            return "description";
        }

        if (Ip(Text(copy["gateway_ip"])) != Ip(subnet.GatewayIp))
        {
            return "gateway_ip";
        }

        if (Bool(copy["enable_dhcp"]) != subnet.EnableDhcp)
        {
            return "enable_dhcp";
        }

        var pools = Objects(copy["allocation_pools"]).Select(p => Ip(Text(p["start"])) + "-" + Ip(Text(p["end"])));
        if (!SameSet(pools, subnet.AllocationPools.Select(p => Ip(p.Start) + "-" + Ip(p.End))))
        {
            return "allocation_pools";
        }

        if (copy.ContainsKey("dns_nameservers")
            && !Strings(copy["dns_nameservers"]).Select(d => Ip(d)).SequenceEqual(subnet.DnsNameservers.Select(d => Ip(d))))
        {
            return "dns_nameservers";
        }

        var routes = Objects(copy["host_routes"]).Select(r => Ip(Text(r["destination"])) + ">" + Ip(Text(r["nexthop"])));
        return copy.ContainsKey("host_routes") && !SameSet(routes, subnet.HostRoutes.Select(r => Ip(r.Destination) + ">" + Ip(r.Nexthop))) ? "host_routes" : null;
    }

    /// <summary>
    /// A port's copy: addresses (all a DHCP port's copy carries), then state, port security,
    /// address pairs, groups and description. Not its MAC: a sync never changes one (the pod
    /// refuses it on a bound port), so a MAC changed by hand would be reported at every audit
    /// without ever being put right. <paramref name="topGroupOf"/> maps the
    /// pod's group ids back to central ids (the groups' routing rows in the pod); a group it
    /// does not know is a difference.
    /// </summary>
    public static string? PortDrift(TopPort port, JsonObject copy, IReadOnlyDictionary<string, string> topGroupOf)
    {
        if (!SameSet(Objects(copy["fixed_ips"]).Select(f => Ip(Text(f["ip_address"]))), port.FixedIps.Select(f => Ip(f.IpAddress))))
        {
            return "fixed_ips";
        }

        if (port.DeviceOwner == DhcpOwner)
        {
            return null;
        }

        if (Bool(copy["admin_state_up"]) != port.AdminStateUp)
        {
            return "admin_state_up";
        }

        if (copy.ContainsKey("port_security_enabled") && Bool(copy["port_security_enabled"]) != port.PortSecurityEnabled)
        {
            return "port_security_enabled";
        }

        // What the sync sends: pairs and groups only with port security on; a pair's MAC is the port's unless given.
        var pairs = port.PortSecurityEnabled ? port.AllowedAddressPairs : [];
        if (copy.ContainsKey("allowed_address_pairs") && !SameSet(
            Objects(copy["allowed_address_pairs"]).Select(p => Ip(Text(p["ip_address"])) + "/" + (Text(p["mac_address"]) ?? port.MacAddress).ToLowerInvariant()),
            pairs.Select(p => Ip(p.IpAddress) + "/" + (p.MacAddress ?? port.MacAddress).ToLowerInvariant())))
        {
            return "allowed_address_pairs";
        }

        var groups = port.PortSecurityEnabled ? port.SecurityGroups : [];
        if (copy.ContainsKey("security_groups")
            && !SameSet(Strings(copy["security_groups"]).Select(g => topGroupOf.TryGetValue(g, out var top) ? top : "pod:" + g), groups))
        {
            return "security_groups";
        }

        return copy.ContainsKey("description") && (Text(copy["description"]) ?? "") != port.Description ? "description" : null;
    }

    /// <summary>A group's copy: its rules (<see cref="RuleDifference"/>) and description.</summary>
    public static string? SecurityGroupDrift(TopSecurityGroup group, IReadOnlyList<string> remoteGroupCidrs, JsonObject copy, IEnumerable<JsonObject> copyRules)
    {
        var (extra, missing) = RuleDifference(group, remoteGroupCidrs, copyRules);
        if (extra.Count > 0 || missing.Count > 0)
        {
            return "rules";
        }

        return copy.ContainsKey("description") && (Text(copy["description"]) ?? "") != group.Description ? "description" : null;
    }

    private static bool? Bool(JsonNode? node) => node is JsonValue value && value.TryGetValue<bool>(out var flag) ? flag : null;

    private static string? Text(JsonNode? node) => node is JsonValue value ? value.ToString() : null;

    private static IEnumerable<JsonObject> Objects(JsonNode? node) => (node as JsonArray ?? []).OfType<JsonObject>();

    private static IEnumerable<string> Strings(JsonNode? node) => (node as JsonArray ?? []).OfType<JsonValue>().Select(v => v.ToString());

    private static bool SameSet(IEnumerable<string?> have, IEnumerable<string?> wanted) =>
        have.Select(h => h ?? "").ToHashSet(StringComparer.Ordinal).SetEquals(wanted.Select(w => w ?? ""));

    /// <summary>An address or CIDR in one spelling (<c>2001:DB8::0:1</c> and <c>2001:db8::1</c> are one address).</summary>
    private static string? Ip(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var address = slash < 0 ? text : text[..slash];
        return IPAddress.TryParse(address, out var parsed) ? parsed + (slash < 0 ? "" : text[slash..]) : text;
    }
}
