using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tricircle.Network;

/// <summary>neutron-lib's <c>validate_subports</c> and the vlan segmentation rules of the trunk plugin (Neutron's messages).</summary>
internal static class TrunkRules
{
    public const string Vlan = "vlan";

    public const string Inherit = "inherit";

    /// <summary>The asked subports, or Neutron's reason why the list is not valid.</summary>
    public static (List<SubportRequest>? Subports, string? Problem) Subports(JsonNode? data)
    {
        if (data is not JsonArray list)
        {
            return (null, $"Invalid data format for subports: '{Text(data)}' is not a list");
        }

        var result = new List<SubportRequest>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var segmentations = new HashSet<(string?, string)>();
        var checking = true;
        foreach (var item in list)
        {
            if (item is not JsonObject sub)
            {
                return (null, $"Invalid data format for subport: '{Text(item)}' is not a dict");
            }

            var portId = sub["port_id"] is JsonValue p && p.GetValueKind() == JsonValueKind.String ? p.GetValue<string>() : null;
            var type = sub["segmentation_type"] is JsonValue t && t.GetValueKind() == JsonValueKind.String ? t.GetValue<string>() : null;
            var segmentation = sub["segmentation_id"];
            long? id = segmentation is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var n) ? n
                : segmentation is JsonValue s && s.GetValueKind() == JsonValueKind.String && long.TryParse(s.GetValue<string>(), out var parsed) ? parsed : null;
            if (segmentation is not null && id is null)
            {
                id = long.MinValue; // not an integer: said so by Segmentation, as Neutron's convert_to_int
            }

            if (checking)
            {
                // Neutron's validator stops looking at the first inherit.
                if (!sub.ContainsKey("port_id"))
                {
                    return (null, "A valid port UUID must be specified");
                }

                if (portId is null || !Guid.TryParseExact(portId, "D", out _))
                {
                    return (null, $"Invalid UUID for subport: '{Text(sub["port_id"])}'");
                }

                if (!ids.Add(portId))
                {
                    return (null, $"Non unique UUID for subport: '{portId}'");
                }

                if (type == Inherit)
                {
                    checking = false;
                }
                else if ((type is null or "" || segmentation is null) && sub.Count > 1)
                {
                    return (null, $"Invalid subport details '{Python(sub)}': missing segmentation information. Must specify both segmentation_id and segmentation_type");
                }
                else if (segmentation is not null && !segmentations.Add((type, segmentation.ToJsonString())))
                {
                    return (null, $"Segmentation ID '{Text(segmentation)}' for '{portId}' is not unique");
                }
            }

            result.Add(new SubportRequest(portId ?? "", type, id));
        }

        return (result, null);
    }

    /// <summary>A subport's type and VLAN as the vlan driver takes them (Neutron's InvalidInput otherwise).</summary>
    public static (string Type, int Id) Segmentation(SubportRequest sub, string? type, long? segmentation)
    {
        if (type is null || segmentation is null)
        {
            throw NeutronErrors.InvalidInput($"Invalid subport details '{{'port_id': '{sub.PortId}'}}': missing segmentation information. Must specify both segmentation_id and segmentation_type.");
        }

        if (segmentation == long.MinValue)
        {
            throw NeutronErrors.InvalidInput("Invalid subport details: segmentation_id is not an integer.");
        }

        if (type != Vlan)
        {
            throw NeutronErrors.InvalidInput($"Unknown segmentation_type '{type}'.");
        }

        return segmentation is < 1 or > 4094
            ? throw NeutronErrors.InvalidInput($"Segmentation ID '{segmentation}' is not in range.")
            : (type, (int)segmentation.Value);
    }

    private static string Text(JsonNode? value) =>
        value is null ? "None" : value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString();

    // How Python prints a dict in these messages.
    private static string Python(JsonObject value) =>
        "{" + string.Join(", ", value.Select(p => $"'{p.Key}': " + (p.Value?.GetValueKind() == JsonValueKind.String ? $"'{p.Value}'" : Text(p.Value)))) + "}";
}
