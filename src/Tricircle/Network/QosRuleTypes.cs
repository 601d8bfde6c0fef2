using System.Text.Json.Nodes;
using Tricircle.Hosting;

namespace Tricircle.Network;

/// <summary>
/// One QoS rule type as Zed's neutron-lib defines it (qos, qos-bw-limit-direction,
/// qos-bw-minimum-ingress, qos-pps-minimum): its URL segment, its value fields, the directions it
/// takes and its default one (null: it has none, as dscp_marking).
/// </summary>
internal sealed record QosRuleType(string Type, IReadOnlyList<string> Values, IReadOnlyList<string> RequiredValues, IReadOnlyList<string>? Directions, string? DefaultDirection)
{
    /// <summary>The sub-resource collection under a policy: <c>bandwidth_limit_rules</c>.</summary>
    public string Collection => Type + "_rules";

    /// <summary>The body and answer key: <c>bandwidth_limit_rule</c>.</summary>
    public string Singular => Type + "_rule";

    /// <summary>The body a create or update of this type takes (unknown attributes are Neutron's 400).</summary>
    public BodySchema Schema { get; } = new(
        Type + "_rule",
        [
            .. Values.Select(v => NeutronBody.Int with { Name = v, Minimum = 0, Maximum = int.MaxValue }),
            .. Directions is null ? Array.Empty<BodyField>() : [new BodyField("direction", JsonKind.String) { Enum = Directions }],
            .. NeutronBody.Owner,
        ]);

    /// <summary>The parameters <c>GET /v2.0/qos/rule-types/{type}</c> says a driver supports (qos-rule-type-details).</summary>
    public JsonArray SupportedParameters()
    {
        var parameters = new JsonArray();
        foreach (var value in Values)
        {
            parameters.Add(new JsonObject
            {
                ["parameter_name"] = value,
                ["parameter_type"] = value == "dscp_mark" ? "choices" : "range",
                ["parameter_values"] = value == "dscp_mark"
                    ? new JsonArray([.. QosRuleTypes.DscpMarks.Select(m => (JsonNode)m)])
                    : new JsonObject { ["start"] = 0, ["end"] = int.MaxValue },
            });
        }

        if (Directions is not null)
        {
            parameters.Add(new JsonObject
            {
                ["parameter_name"] = "direction",
                ["parameter_type"] = "choices",
                ["parameter_values"] = new JsonArray([.. Directions.Select(d => (JsonNode)d)]),
            });
        }

        return parameters;
    }
}

/// <summary>The four rule types the central Neutron serves.</summary>
internal static class QosRuleTypes
{
    /// <summary>neutron_lib.constants.VALID_DSCP_MARKS.</summary>
    public static readonly IReadOnlyList<int> DscpMarks = [0, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40, 44, 46, 48, 56];

    public static readonly QosRuleType BandwidthLimit = new("bandwidth_limit", ["max_kbps", "max_burst_kbps"], ["max_kbps"], ["egress", "ingress"], "egress");

    public static readonly QosRuleType DscpMarking = new("dscp_marking", ["dscp_mark"], ["dscp_mark"], null, null);

    public static readonly QosRuleType MinimumBandwidth = new("minimum_bandwidth", ["min_kbps"], ["min_kbps"], ["egress", "ingress"], "egress");

    public static readonly QosRuleType MinimumPacketRate = new("minimum_packet_rate", ["min_kpps"], ["min_kpps"], ["any", "egress", "ingress"], "egress");

    public static readonly IReadOnlyList<QosRuleType> All = [BandwidthLimit, DscpMarking, MinimumBandwidth, MinimumPacketRate];

    public static QosRuleType? Find(string type) => All.FirstOrDefault(t => t.Type == type);

    public static QosRuleType? ByCollection(string collection) => All.FirstOrDefault(t => t.Collection == collection);
}
