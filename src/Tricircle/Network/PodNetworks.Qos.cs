using System.Text.Json.Nodes;
using Tricircle.Pods;

namespace Tricircle.Network;

/// <summary>
/// QoS policies in the pods (upstream Tricircle master's way): a pod gets a copy of a central
/// policy, named after its central id and with its rules, when a network or port copy there uses
/// it; the copy's <c>qos_policy_id</c> is then the pod's policy. <c>qos_policy_sync</c> keeps the
/// copy's description, shared flag and rules central's, and removes it once nothing there uses it.
/// </summary>
internal sealed partial class PodNetworks
{
    private const string QosPolicies = "qos/policies";

    /// <summary>The pod's copy of the central policy <paramref name="policyId"/>, made with its rules where missing; null when central's is gone.</summary>
    public async Task<string?> EnsureQosPolicyAsync(Pod pod, string policyId, CancellationToken cancellationToken)
    {
        if (await qos.FindTopAsync(policyId, cancellationToken) is not { } policy)
        {
            return null;
        }

        return await copies.EnsureAsync(
            QosPropagation.ResourceType,
            policy.Id,
            pod,
            policy.ProjectId,
            async ct => await FindByNameAsync(pod, QosPolicies, policy.Id, ct) ?? await CreateAsync(pod, QosPolicies, "policy", new JsonObject
            {
                ["name"] = policy.Id,
                ["description"] = policy.Description,
                ["shared"] = policy.Shared,
                ["project_id"] = policy.ProjectId,
            }, ct),
            cancellationToken,
            made: (id, ct) => SyncQosRulesAsync(pod, policy, id, ct));
    }

    /// <summary>Makes a copied policy's description, shared flag and rules central's again.</summary>
    public async Task ResyncQosPolicyAsync(Pod pod, TopQosPolicy policy, string bottomId, CancellationToken cancellationToken)
    {
        await UpdateAsync(pod, QosPolicies, "policy", bottomId, new JsonObject { ["description"] = policy.Description, ["shared"] = policy.Shared }, cancellationToken);
        await SyncQosRulesAsync(pod, policy, bottomId, cancellationToken);
    }

    /// <summary>Deletes the policy's copy (the pod refuses, 409, while a network or port of its own still uses it).</summary>
    public async Task DeleteQosPolicyCopyAsync(Pod pod, string topPolicyId, CancellationToken cancellationToken)
    {
        if (await BottomOfAsync(pod, QosPropagation.ResourceType, QosPolicies, topPolicyId, cancellationToken) is { } bottom)
        {
            await DeleteAsync(pod, $"{QosPolicies}/{Uri.EscapeDataString(bottom)}", cancellationToken);
            await ForgetAsync(pod, [(QosPropagation.ResourceType, topPolicyId)], cancellationToken);
        }
    }

    /// <summary>
    /// What a create or update of a copy says of its policy: the pod's copy of central's, made
    /// first when missing. Without a central policy, an update clears one the copy still has
    /// (<paramref name="copyHasPolicy"/>) and otherwise says nothing, so that a pod without the
    /// qos extension never sees the attribute.
    /// </summary>
    private async Task AddQosPolicyAsync(Pod pod, JsonObject body, string? centralPolicyId, bool copyHasPolicy, CancellationToken cancellationToken)
    {
        if (centralPolicyId is not null && await EnsureQosPolicyAsync(pod, centralPolicyId, cancellationToken) is { } bottom)
        {
            body["qos_policy_id"] = bottom;
        }
        else if (copyHasPolicy)
        {
            body["qos_policy_id"] = null;
        }
    }

    /// <summary>A network copy's change (<see cref="NetworkChange"/>) with its policy: the pod's copy of central's, or none.</summary>
    public async Task<JsonObject> NetworkChangeAsync(Pod pod, TopNetwork network, string bottomId, CancellationToken cancellationToken)
    {
        var body = NetworkChange(network);
        var copyHasPolicy = network.QosPolicyId is null
            && (await SendAsync(pod, HttpMethod.Get, "networks/" + Uri.EscapeDataString(bottomId), null, cancellationToken))?["network"]?["qos_policy_id"] is JsonValue;
        await AddQosPolicyAsync(pod, body, network.QosPolicyId, copyHasPolicy, cancellationToken);
        return body;
    }

    /// <summary>Makes the copy's rules central's: extra ones deleted first (a packet-rate "any" rule cannot sit beside a directed one), changed ones updated, missing ones made.</summary>
    private async Task SyncQosRulesAsync(Pod pod, TopQosPolicy policy, string bottomId, CancellationToken cancellationToken)
    {
        var copy = (await SendAsync(pod, HttpMethod.Get, $"{QosPolicies}/{Uri.EscapeDataString(bottomId)}", null, cancellationToken))?["policy"]?["rules"] as JsonArray ?? [];
        var have = copy.OfType<JsonObject>().Select(r => (Id: r["id"]?.ToString() ?? "", Type: r["type"]?.ToString() ?? "", Direction: r["direction"]?.ToString() ?? "", Rule: r)).ToList();
        var wanted = policy.Rules.ToDictionary(r => (r.Type, r.Direction));
        foreach (var extra in have.Where(h => !wanted.ContainsKey((h.Type, h.Direction))))
        {
            await DeleteAsync(pod, $"{QosPolicies}/{Uri.EscapeDataString(bottomId)}/{extra.Type}_rules/{Uri.EscapeDataString(extra.Id)}", cancellationToken);
        }

        foreach (var rule in policy.Rules)
        {
            var body = QosRuleBody(rule);
            var path = $"{QosPolicies}/{Uri.EscapeDataString(bottomId)}/{rule.Type}_rules";
            if (have.FirstOrDefault(h => h.Type == rule.Type && h.Direction == rule.Direction) is { Id.Length: > 0 } existing)
            {
                if (body.Any(p => !JsonNode.DeepEquals(p.Value, existing.Rule[p.Key])))
                {
                    body.Remove("direction");
                    await UpdateAsync(pod, path, rule.Type + "_rule", existing.Id, body, cancellationToken);
                }
            }
            else
            {
                await SendAsync(pod, HttpMethod.Post, path, new JsonObject { [rule.Type + "_rule"] = body }, cancellationToken);
            }
        }
    }

    private static JsonObject QosRuleBody(TopQosRule rule)
    {
        var type = QosRuleTypes.Find(rule.Type)!;
        var body = new JsonObject();
        foreach (var field in type.Values)
        {
            body[field] = field switch
            {
                "max_kbps" => rule.MaxKbps,
                "max_burst_kbps" => rule.MaxBurstKbps,
                "dscp_mark" => rule.DscpMark,
                "min_kbps" => rule.MinKbps,
                _ => rule.MinKpps,
            };
        }

        if (type.Directions is not null)
        {
            body["direction"] = rule.Direction;
        }

        return body;
    }
}
