using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tricircle.Emulator.Regions.Network;

/// <summary>What a request body attribute may hold, as Neutron's attribute map validates it.</summary>
internal enum AttrKind
{
    String,
    NullableString,
    Bool,
    Int,
    NullableInt,
    List,
    NullableList,
    Object,
    Any,
}

/// <summary>One attribute of a resource: its kind, whether POST and PUT may set it, and a string's longest (neutron-lib's type:string limit; 0 for none).</summary>
internal sealed record AttrSpec(AttrKind Kind, bool Post, bool Put, int MaxLength = 0);

/// <summary>Neutron's request body checks: unknown attributes, read-only attributes, wrong types.</summary>
internal static class NeutronBody
{
    private static readonly Dictionary<string, Dictionary<string, AttrSpec>> Specs = new(StringComparer.Ordinal)
    {
        ["network"] = new(StringComparer.Ordinal)
        {
            ["name"] = new(AttrKind.String, true, true, 255),
            ["description"] = new(AttrKind.String, true, true, 255),
            ["admin_state_up"] = new(AttrKind.Bool, true, true),
            ["shared"] = new(AttrKind.Bool, true, true),
            ["router:external"] = new(AttrKind.Bool, true, true),
            ["mtu"] = new(AttrKind.Int, true, true),
            ["port_security_enabled"] = new(AttrKind.Bool, true, true),
            // neutron-lib's provider_net: type:string (32, 64) and convert_to_int, none of which takes None.
            ["provider:network_type"] = new(AttrKind.String, true, false, 32),
            ["provider:physical_network"] = new(AttrKind.String, true, false, 64),
            ["provider:segmentation_id"] = new(AttrKind.Int, true, false),
            ["availability_zone_hints"] = new(AttrKind.List, true, false),
            ["qos_policy_id"] = new(AttrKind.NullableString, true, true),
            ["tenant_id"] = new(AttrKind.String, true, false, 255),
            ["project_id"] = new(AttrKind.String, true, false, 255),
        },
        ["subnet"] = new(StringComparer.Ordinal)
        {
            ["name"] = new(AttrKind.String, true, true, 255),
            ["description"] = new(AttrKind.String, true, true, 255),
            ["network_id"] = new(AttrKind.String, true, false),
            ["cidr"] = new(AttrKind.String, true, false),
            ["ip_version"] = new(AttrKind.Int, true, false),
            ["gateway_ip"] = new(AttrKind.NullableString, true, true),
            ["allocation_pools"] = new(AttrKind.List, true, true),
            ["enable_dhcp"] = new(AttrKind.Bool, true, true),
            ["dns_nameservers"] = new(AttrKind.List, true, true),
            ["host_routes"] = new(AttrKind.List, true, true),
            ["ipv6_ra_mode"] = new(AttrKind.NullableString, true, false),
            ["ipv6_address_mode"] = new(AttrKind.NullableString, true, false),
            ["subnetpool_id"] = new(AttrKind.NullableString, true, false),
            ["tenant_id"] = new(AttrKind.String, true, false, 255),
            ["project_id"] = new(AttrKind.String, true, false, 255),
        },
        ["port"] = new(StringComparer.Ordinal)
        {
            ["name"] = new(AttrKind.String, true, true, 255),
            ["description"] = new(AttrKind.String, true, true, 255),
            ["network_id"] = new(AttrKind.String, true, false),
            ["admin_state_up"] = new(AttrKind.Bool, true, true),
            ["mac_address"] = new(AttrKind.String, true, true),
            ["fixed_ips"] = new(AttrKind.List, true, true),
            ["device_id"] = new(AttrKind.String, true, true, 255),
            ["device_owner"] = new(AttrKind.String, true, true, 255),
            ["security_groups"] = new(AttrKind.NullableList, true, true), // convert_none_to_empty_list
            ["allowed_address_pairs"] = new(AttrKind.NullableList, true, true), // convert_none_to_empty_list
            ["extra_dhcp_opts"] = new(AttrKind.List, true, true),
            ["port_security_enabled"] = new(AttrKind.Bool, true, true),
            ["binding:host_id"] = new(AttrKind.String, true, true),
            ["binding:profile"] = new(AttrKind.Object, true, true),
            ["binding:vnic_type"] = new(AttrKind.String, true, true),
            ["qos_policy_id"] = new(AttrKind.NullableString, true, true),
            ["tenant_id"] = new(AttrKind.String, true, false, 255),
            ["project_id"] = new(AttrKind.String, true, false, 255),
        },
        ["router"] = new(StringComparer.Ordinal)
        {
            ["name"] = new(AttrKind.String, true, true, 255),
            ["description"] = new(AttrKind.String, true, true, 255),
            ["admin_state_up"] = new(AttrKind.Bool, true, true),
            ["external_gateway_info"] = new(AttrKind.Any, true, true),
            ["routes"] = new(AttrKind.List, false, true),
            ["availability_zone_hints"] = new(AttrKind.List, true, false),
            ["tenant_id"] = new(AttrKind.String, true, false, 255),
            ["project_id"] = new(AttrKind.String, true, false, 255),
        },
        ["floatingip"] = new(StringComparer.Ordinal)
        {
            ["description"] = new(AttrKind.String, true, true, 255),
            ["floating_network_id"] = new(AttrKind.String, true, false),
            ["floating_ip_address"] = new(AttrKind.String, true, false),
            ["subnet_id"] = new(AttrKind.NullableString, true, false),
            ["port_id"] = new(AttrKind.NullableString, true, true),
            ["fixed_ip_address"] = new(AttrKind.NullableString, true, true),
            ["tenant_id"] = new(AttrKind.String, true, false, 255),
            ["project_id"] = new(AttrKind.String, true, false, 255),
        },
        // neutron-lib's trunk definition (sub_ports: POST only; add_subports and remove_subports change them).
        ["trunk"] = new(StringComparer.Ordinal)
        {
            ["name"] = new(AttrKind.String, true, true, 255),
            ["description"] = new(AttrKind.String, true, true, 255),
            ["admin_state_up"] = new(AttrKind.Bool, true, true),
            ["port_id"] = new(AttrKind.String, true, false),
            ["sub_ports"] = new(AttrKind.Any, true, false),
            ["tenant_id"] = new(AttrKind.String, true, false, 255),
            ["project_id"] = new(AttrKind.String, true, false, 255),
        },
        ["security_group"] = new(StringComparer.Ordinal)
        {
            ["name"] = new(AttrKind.String, true, true, 255),
            ["description"] = new(AttrKind.String, true, true, 255),
            ["stateful"] = new(AttrKind.Bool, true, true),
            ["tenant_id"] = new(AttrKind.String, true, false, 255),
            ["project_id"] = new(AttrKind.String, true, false, 255),
        },
        ["security_group_rule"] = new(StringComparer.Ordinal)
        {
            ["description"] = new(AttrKind.String, true, false, 255),
            ["security_group_id"] = new(AttrKind.String, true, false),
            ["direction"] = new(AttrKind.String, true, false),
            ["ethertype"] = new(AttrKind.Any, true, false), // its converter's own error, in the rule's create
            ["protocol"] = new(AttrKind.Any, true, false),
            ["port_range_min"] = new(AttrKind.NullableInt, true, false),
            ["port_range_max"] = new(AttrKind.NullableInt, true, false),
            ["remote_ip_prefix"] = new(AttrKind.NullableString, true, false),
            ["remote_group_id"] = new(AttrKind.NullableString, true, false),
            ["remote_address_group_id"] = new(AttrKind.NullableString, true, false),
            ["tenant_id"] = new(AttrKind.String, true, false, 255),
            ["project_id"] = new(AttrKind.String, true, false, 255),
        },
    };

    /// <summary>Checks <paramref name="body"/> for a POST (<paramref name="create"/>) or PUT of <paramref name="resource"/>.</summary>
    public static void Validate(string resource, JsonObject body, bool create)
    {
        var spec = Specs[resource];
        var unknown = body.Select(p => p.Key).Where(k => !spec.ContainsKey(k)).ToList();
        if (unknown.Count > 0)
        {
            throw OpenStackFault.BadRequest($"Unrecognized attribute(s) '{string.Join(", ", unknown)}'");
        }

        foreach (var (key, value) in body)
        {
            var attr = spec[key];
            if (create && !attr.Post)
            {
                throw OpenStackFault.BadRequest($"Attribute '{key}' not allowed in POST");
            }

            if (!create && !attr.Put)
            {
                throw OpenStackFault.BadRequest($"Cannot update read-only attribute {key}");
            }

            CheckKind(key, value, attr.Kind);
            if (attr.MaxLength > 0 && value is JsonValue text && text.GetValueKind() == JsonValueKind.String && text.GetValue<string>() is { } str && str.Length > attr.MaxLength)
            {
                throw OpenStackFault.BadRequest($"Invalid input for {key}. Reason: '{str}' exceeds maximum length of {attr.MaxLength}.");
            }
        }
    }

    private static void CheckKind(string key, JsonNode? value, AttrKind kind)
    {
        var valueKind = value?.GetValueKind() ?? JsonValueKind.Null;
        var ok = kind switch
        {
            AttrKind.String => valueKind == JsonValueKind.String,
            AttrKind.NullableString => valueKind is JsonValueKind.String or JsonValueKind.Null,
            AttrKind.Bool => TryBool(value, out _),
            AttrKind.Int => TryInt(value, out _),
            AttrKind.NullableInt => valueKind == JsonValueKind.Null || TryInt(value, out _),
            AttrKind.List => valueKind == JsonValueKind.Array,
            AttrKind.NullableList => valueKind is JsonValueKind.Array or JsonValueKind.Null,
            AttrKind.Object => valueKind is JsonValueKind.Object or JsonValueKind.Null,
            _ => true,
        };
        if (!ok && kind is AttrKind.Bool or AttrKind.Int or AttrKind.NullableInt)
        {
            // Neutron converts these before validating; a failed conversion is InvalidInput with
            // the value as Python prints it ('maybe', not "maybe").
            var text = valueKind == JsonValueKind.String ? value!.GetValue<string>() : value is null ? "None" : value.ToJsonString();
            throw OpenStackFault.BadRequest(
                kind == AttrKind.Bool ? $"Invalid input for operation: '{text}' cannot be converted to boolean." : $"Invalid input for operation: '{text}' is not an integer.",
                "InvalidInput");
        }

        if (!ok)
        {
            var shown = value is null ? "None" : value.ToJsonString();
            var reason = kind switch
            {
                AttrKind.String or AttrKind.NullableString => $"{shown} is not a valid string",
                AttrKind.Bool => $"{shown} cannot be converted to boolean",
                AttrKind.Int or AttrKind.NullableInt => $"{shown} is not an integer",
                AttrKind.List or AttrKind.NullableList => $"{shown} is not a list",
                _ => $"{shown} is not a dictionary",
            };
            throw OpenStackFault.BadRequest($"Invalid input for {key}. Reason: {reason}.");
        }
    }

    /// <summary>Neutron's convert_to_boolean: JSON booleans, "true"/"false" in any case, 0 and 1.</summary>
    public static bool TryBool(JsonNode? value, out bool result)
    {
        result = false;
        switch (value?.GetValueKind())
        {
            case JsonValueKind.True:
                result = true;
                return true;
            case JsonValueKind.False:
                return true;
            case JsonValueKind.String:
                var text = value.GetValue<string>();
                if (text.Equals("true", StringComparison.OrdinalIgnoreCase) || text == "1")
                {
                    result = true;
                    return true;
                }

                return text.Equals("false", StringComparison.OrdinalIgnoreCase) || text == "0";
            case JsonValueKind.Number:
                var number = value.GetValue<double>();
                result = number == 1;
                return number is 0 or 1;
            default:
                return false;
        }
    }

    public static bool TryInt(JsonNode? value, out int result)
    {
        result = 0;
        return value?.GetValueKind() switch
        {
            JsonValueKind.Number => value.AsValue().TryGetValue(out result),
            JsonValueKind.String => int.TryParse(value.GetValue<string>(), NumberStyles.Integer, CultureInfo.InvariantCulture, out result),
            _ => false,
        };
    }

    public static bool Bool(JsonObject body, string key, bool fallback) =>
        body.TryGetPropertyValue(key, out var v) && TryBool(v, out var b) ? b : fallback;

    public static string? Str(JsonObject body, string key) =>
        body[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    public static int? Int(JsonObject body, string key) => TryInt(body[key], out var i) ? i : null;
}
