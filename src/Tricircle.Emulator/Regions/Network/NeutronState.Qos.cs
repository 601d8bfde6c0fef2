using System.Text.Json.Nodes;

namespace Tricircle.Emulator.Regions.Network;

/// <summary>
/// Neutron's qos service plugin as Zed ships it (qos, qos-bw-limit-direction, qos-default,
/// qos-rule-type-details, qos-port-network-policy, qos-bw-minimum-ingress, qos-pps-minimum):
/// policies an admin makes (a project reads its own and shared ones), their rules, and the
/// <c>qos_policy_id</c> of networks and ports.
/// </summary>
internal sealed partial class NeutronState
{
    /// <summary>Rule type → its values, required values, directions (null: none) and default direction.</summary>
    public static readonly IReadOnlyDictionary<string, (string[] Values, string[] Required, string[]? Directions, string? Default)> QosRuleTypes =
        new Dictionary<string, (string[], string[], string[]?, string?)>(StringComparer.Ordinal)
        {
            ["bandwidth_limit"] = (["max_kbps", "max_burst_kbps"], ["max_kbps"], ["egress", "ingress"], "egress"),
            ["dscp_marking"] = (["dscp_mark"], ["dscp_mark"], null, null),
            ["minimum_bandwidth"] = (["min_kbps"], ["min_kbps"], ["egress", "ingress"], "egress"),
            ["minimum_packet_rate"] = (["min_kpps"], ["min_kpps"], ["any", "egress", "ingress"], "egress"),
        };

    private static readonly int[] DscpMarks = [0, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40, 44, 46, 48, 56];

    private readonly List<JsonObject> _qosPolicies = [];
    private readonly List<JsonObject> _qosRules = [];

    private JsonObject WithQosRules(JsonObject policy)
    {
        policy["rules"] = new JsonArray(_qosRules.Where(r => Str(r, "qos_policy_id") == Id(policy)).Select(r => r.DeepClone()).ToArray());
        return policy;
    }

    private static bool CanSeePolicy(Caller caller, JsonObject policy) => caller.IsAdmin || Project(policy) == caller.ProjectId || Bool(policy, "shared");

    private static OpenStackFault PolicyNotFound(string id) => OpenStackFault.NotFound($"QoS policy {id} could not be found.", "QosPolicyNotFound");

    private JsonObject GetPolicy(Caller caller, string id) =>
        _qosPolicies.FirstOrDefault(p => Id(p) == id) is { } policy && CanSeePolicy(caller, policy) ? policy : throw PolicyNotFound(id);

    public List<JsonObject> ListQosPolicies(Caller caller)
    {
        lock (_gate)
        {
            return [.. _qosPolicies.Where(p => CanSeePolicy(caller, p)).Select(p => (JsonObject)WithQosRules(p).DeepClone())];
        }
    }

    public JsonObject ShowQosPolicy(Caller caller, string id)
    {
        lock (_gate)
        {
            return (JsonObject)WithQosRules(GetPolicy(caller, id)).DeepClone();
        }
    }

    public JsonObject CreateQosPolicy(Caller caller, JsonObject body)
    {
        CheckPolicyBody(body, create: true);
        lock (_gate)
        {
            if (!caller.IsAdmin)
            {
                throw Policy("rule:create_policy");
            }

            var project = OwnerProject(caller, body, "policy");
            var isDefault = NeutronBody.Bool(body, "is_default", false);
            if (isDefault && _qosPolicies.Any(p => Project(p) == project && Bool(p, "is_default")))
            {
                throw OpenStackFault.Conflict($"A default QoS policy exists for project {project}.", "QoSPolicyDefaultAlreadyExists");
            }

            var policy = Stamp(new JsonObject
            {
                ["id"] = RegionContext.NewId(),
                ["name"] = NeutronBody.Str(body, "name") ?? "",
                ["description"] = NeutronBody.Str(body, "description") ?? "",
                ["shared"] = NeutronBody.Bool(body, "shared", false),
                ["is_default"] = isDefault,
                ["tags"] = new JsonArray(),
            }, project);
            _qosPolicies.Add(policy);
            return (JsonObject)WithQosRules(policy).DeepClone();
        }
    }

    public JsonObject UpdateQosPolicy(Caller caller, string id, JsonObject body)
    {
        CheckPolicyBody(body, create: false);
        lock (_gate)
        {
            var policy = GetPolicy(caller, id);
            if (!caller.IsAdmin)
            {
                throw Policy("rule:update_policy");
            }

            if (NeutronBody.Bool(body, "is_default", false) && _qosPolicies.Any(p => p != policy && Project(p) == Project(policy) && Bool(p, "is_default")))
            {
                throw OpenStackFault.Conflict($"A default QoS policy exists for project {Project(policy)}.", "QoSPolicyDefaultAlreadyExists");
            }

            foreach (var key in (string[])["name", "description"])
            {
                if (body.ContainsKey(key))
                {
                    policy[key] = NeutronBody.Str(body, key);
                }
            }

            foreach (var key in (string[])["shared", "is_default"])
            {
                if (body.ContainsKey(key))
                {
                    policy[key] = NeutronBody.Bool(body, key, false);
                }
            }

            Touch(policy);
            return (JsonObject)WithQosRules(policy).DeepClone();
        }
    }

    public void DeleteQosPolicy(Caller caller, string id)
    {
        lock (_gate)
        {
            var policy = GetPolicy(caller, id);
            if (!caller.IsAdmin)
            {
                throw Policy("rule:delete_policy");
            }

            foreach (var (kind, items) in new[] { ("port", _ports), ("network", _networks) }) // ports first, as binding_models
            {
                if (items.FirstOrDefault(i => Str(i, "qos_policy_id") == id) is { } user)
                {
                    throw OpenStackFault.Conflict($"QoS Policy {id} is used by {kind} {Id(user)}.", "QosPolicyInUse");
                }
            }

            _qosRules.RemoveAll(r => Str(r, "qos_policy_id") == id);
            _qosPolicies.Remove(policy);
        }
    }

    public JsonArray ListQosRules(Caller caller, string policyId, string type)
    {
        lock (_gate)
        {
            _ = GetPolicy(caller, policyId);
            return new JsonArray([.. _qosRules.Where(r => Str(r, "qos_policy_id") == policyId && Str(r, "type") == type).Select(r => (JsonNode)RuleView(r))]);
        }
    }

    public JsonObject ShowQosRule(Caller caller, string policyId, string type, string ruleId)
    {
        lock (_gate)
        {
            _ = GetPolicy(caller, policyId);
            return RuleView(GetRule(policyId, type, ruleId));
        }
    }

    public JsonObject CreateQosRule(Caller caller, string policyId, string type, JsonObject body)
    {
        var (values, required, directions, defaultDirection) = QosRuleTypes[type];
        CheckRuleBody(type, body);
        lock (_gate)
        {
            var policy = GetPolicy(caller, policyId);
            if (!caller.IsAdmin)
            {
                throw Policy($"rule:create_policy_{type}_rule");
            }

            if (required.FirstOrDefault(r => !body.ContainsKey(r)) is { } missing)
            {
                throw OpenStackFault.BadRequest($"Failed to parse request. Required attribute '{missing}' not specified");
            }

            var rule = new JsonObject { ["id"] = RegionContext.NewId() };
            foreach (var value in values)
            {
                rule[value] = NeutronBody.Int(body, value) ?? 0;
            }

            if (directions is not null)
            {
                rule["direction"] = NeutronBody.Str(body, "direction") ?? defaultDirection;
            }

            rule["qos_policy_id"] = policyId;
            rule["type"] = type;
            CheckRuleConflicts(rule);
            _qosRules.Add(rule);
            Touch(policy);
            return RuleView(rule);
        }
    }

    public JsonObject UpdateQosRule(Caller caller, string policyId, string type, string ruleId, JsonObject body)
    {
        CheckRuleBody(type, body);
        lock (_gate)
        {
            var policy = GetPolicy(caller, policyId);
            if (!caller.IsAdmin)
            {
                throw Policy($"rule:update_policy_{type}_rule");
            }

            var rule = GetRule(policyId, type, ruleId);
            var changed = (JsonObject)rule.DeepClone();
            foreach (var (key, _) in body.Where(p => p.Key is not "tenant_id" and not "project_id"))
            {
                changed[key] = key == "direction" ? NeutronBody.Str(body, key) : NeutronBody.Int(body, key);
            }

            CheckRuleConflicts(changed);
            foreach (var (key, value) in changed)
            {
                rule[key] = value?.DeepClone();
            }

            Touch(policy);
            return RuleView(rule);
        }
    }

    public void DeleteQosRule(Caller caller, string policyId, string type, string ruleId)
    {
        lock (_gate)
        {
            var policy = GetPolicy(caller, policyId);
            if (!caller.IsAdmin)
            {
                throw Policy($"rule:delete_policy_{type}_rule");
            }

            _qosRules.Remove(GetRule(policyId, type, ruleId));
            Touch(policy);
        }
    }

    /// <summary>A network's or port's <c>qos_policy_id</c> as a body gives it: a policy the caller may see (404 QosPolicyNotFound), or none.</summary>
    private string? QosPolicyOf(Caller caller, JsonObject body) =>
        NeutronBody.Str(body, "qos_policy_id") is { } id ? Id(GetPolicy(caller, id)) : null;

    /// <summary>qos-default: a new network without a policy gets its project's default one.</summary>
    private string? NewNetworkQosPolicy(Caller caller, JsonObject body, string project) =>
        body.ContainsKey("qos_policy_id") ? QosPolicyOf(caller, body) : _qosPolicies.FirstOrDefault(p => Project(p) == project && Bool(p, "is_default")) is { } d ? Id(d) : null;

    /// <summary>qos-port-network-policy: the network's policy on each of its ports.</summary>
    private void SetNetworkQosPolicy(JsonObject network, string? policyId)
    {
        network["qos_policy_id"] = policyId;
        foreach (var port in _ports.Where(p => Str(p, "network_id") == Id(network)))
        {
            port["qos_network_policy_id"] = policyId;
        }
    }

    private JsonObject GetRule(string policyId, string type, string ruleId) =>
        _qosRules.FirstOrDefault(r => Id(r) == ruleId && Str(r, "qos_policy_id") == policyId && Str(r, "type") == type)
        ?? throw OpenStackFault.NotFound($"QoS rule {ruleId} for policy {policyId} could not be found.", "QosRuleNotFound");

    /// <summary>A rule's own answer: its id, values and direction (not its type nor policy, which Neutron's policy engine leaves out).</summary>
    private static JsonObject RuleView(JsonObject rule)
    {
        var view = (JsonObject)rule.DeepClone();
        view.Remove("qos_policy_id");
        view.Remove("type");
        return view;
    }

    private void CheckRuleConflicts(JsonObject rule)
    {
        var type = Str(rule, "type");
        var direction = Str(rule, "direction");
        var policyId = Str(rule, "qos_policy_id");
        var others = _qosRules.Where(r => Str(r, "qos_policy_id") == policyId && Id(r) != Id(rule)).ToList();
        if (others.FirstOrDefault(o => Str(o, "type") == type && Str(o, "direction") == direction) is { } same)
        {
            throw OpenStackFault.Conflict($"Rule {type} conflicts with rule {Id(same)} which already exists in QoS Policy {policyId}.", "QoSRulesConflict");
        }

        if (type == "minimum_packet_rate" && others.FirstOrDefault(o => Str(o, "type") == type && (Str(o, "direction") == "any") != (direction == "any")) is { } mixed)
        {
            throw OpenStackFault.Conflict(
                $"Unable to add the rule with value {direction} to the policy {policyId} as the existing rule of type {type} has value {Str(mixed, "direction")}.", "QoSRuleParameterConflict");
        }

        var (minType, maxType) = ("minimum_bandwidth", "bandwidth_limit");
        var min = type == minType ? rule : others.FirstOrDefault(o => Str(o, "type") == minType && Str(o, "direction") == direction);
        var max = type == maxType ? rule : others.FirstOrDefault(o => Str(o, "type") == maxType && Str(o, "direction") == direction);
        if (type is "minimum_bandwidth" or "bandwidth_limit" && min is not null && max is not null && (int)min["min_kbps"]! > (int)max["max_kbps"]!)
        {
            var (value, existing, existingValue) = type == minType ? ((int)min["min_kbps"]!, maxType, (int)max["max_kbps"]!) : ((int)max["max_kbps"]!, minType, (int)min["min_kbps"]!);
            throw OpenStackFault.Conflict(
                $"Unable to add the rule with value {value} to the policy {policyId} as the existing rule of type {existing} has value {existingValue}.", "QoSRuleParameterConflict");
        }
    }

    private static void CheckPolicyBody(JsonObject body, bool create)
    {
        foreach (var (key, value) in body)
        {
            switch (key)
            {
                case "name" or "description":
                    if (value?.GetValueKind() != System.Text.Json.JsonValueKind.String)
                    {
                        throw OpenStackFault.BadRequest($"Invalid input for {key}. Reason: {(value is null ? "None" : value.ToJsonString())} is not a valid string.");
                    }

                    if (value.GetValue<string>().Length > 255)
                    {
                        throw OpenStackFault.BadRequest($"Invalid input for {key}. Reason: '{value.GetValue<string>()}' exceeds maximum length of 255.");
                    }

                    break;
                case "shared" or "is_default":
                    if (!NeutronBody.TryBool(value, out _))
                    {
                        throw OpenStackFault.BadRequest($"Invalid input for operation: '{(value?.GetValueKind() == System.Text.Json.JsonValueKind.String ? value.GetValue<string>() : value?.ToJsonString() ?? "None")}' cannot be converted to boolean.", "InvalidInput");
                    }

                    break;
                case "tenant_id" or "project_id" when create:
                    break;
                case "tenant_id" or "project_id":
                    throw OpenStackFault.BadRequest($"Cannot update read-only attribute {key}");
                default:
                    throw OpenStackFault.BadRequest($"Unrecognized attribute(s) '{key}'");
            }
        }
    }

    private static void CheckRuleBody(string type, JsonObject body)
    {
        var (values, _, directions, _) = QosRuleTypes[type];
        foreach (var (key, value) in body)
        {
            if (values.Contains(key))
            {
                if (!NeutronBody.TryInt(value, out var number))
                {
                    throw OpenStackFault.BadRequest($"Invalid input for operation: '{(value?.GetValueKind() == System.Text.Json.JsonValueKind.String ? value.GetValue<string>() : value?.ToJsonString() ?? "None")}' is not an integer.", "InvalidInput");
                }

                if (key == "dscp_mark" && !DscpMarks.Contains(number))
                {
                    throw OpenStackFault.BadRequest($"Invalid input for dscp_mark. Reason: {number} is not in [{string.Join(", ", DscpMarks)}].");
                }

                if (number < 0)
                {
                    throw OpenStackFault.BadRequest($"Invalid input for {key}. Reason: '{number}' is too small - must be at least '0'.");
                }
            }
            else if (key == "direction" && directions is not null)
            {
                if (NeutronBody.Str(body, key) is not { } direction || !directions.Contains(direction))
                {
                    throw OpenStackFault.BadRequest($"Invalid input for direction. Reason: {(value is null ? "None" : value.ToJsonString().Replace('"', '\''))} is not in [{string.Join(", ", directions.Select(d => $"'{d}'"))}].");
                }
            }
            else if (key is not "tenant_id" and not "project_id")
            {
                throw OpenStackFault.BadRequest($"Unrecognized attribute(s) '{key}'");
            }
        }
    }
}
