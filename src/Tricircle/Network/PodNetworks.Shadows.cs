using System.Text.Json.Nodes;
using Tricircle.Pods;

namespace Tricircle.Network;

/// <summary>How a shadow is bound: the real port's host, and the region of the pod it is in.</summary>
internal sealed record ShadowBinding(string Host, string Region);

/// <summary>A shadow port as its pod shows it.</summary>
internal sealed record ShadowCopy(string Id, string TopPortId, IReadOnlyList<(string SubnetId, string IpAddress)> FixedIps, string Host, string? Region);

/// <summary>
/// Shadow ports: a port of another pod stood in for in this pod's Neutron (upstream's
/// <c>shadow_port_&lt;id&gt;</c>, device_owner <c>compute:shadow</c>, the same MAC and addresses,
/// port security off: no interface here is behind it). A floating IP in its external network's
/// pod points at one (<see cref="FloatingIpCopies"/>); with <c>cross_pod_vxlan_mode = shadow</c>
/// each instance port of a stretched VxLAN network has one, bound to its real host, in every other
/// pod holding the network (<see cref="ShadowPorts"/>). One shadow per port and pod, whoever needs
/// it (routing type <c>shadow_port</c>); <see cref="ShadowPortNeeds"/> says when it may go.
/// </summary>
internal sealed partial class PodNetworks
{
    public const string ShadowOwner = "compute:shadow";

    public const string ShadowPrefix = "shadow_port_";

    /// <summary>The key of <c>binding:profile</c> naming the region the real port is in.</summary>
    public const string ShadowRegionKey = "tricircle_region";

    /// <summary>A port's shadow in the pod, on its network's copy there (which the caller made); bound as given, or not at all.</summary>
    public Task<string> EnsureShadowPortAsync(Pod pod, TopPort port, string bottomNetworkId, IReadOnlyDictionary<string, string> subnets, ShadowBinding? binding, CancellationToken cancellationToken) =>
        copies.EnsureAsync("shadow_port", port.Id, pod, port.ProjectId, async ct =>
            await FindByNameAsync(pod, "ports", ShadowPrefix + port.Id, ct) ?? await CreateAsync(pod, "ports", "port", ShadowBody(port, bottomNetworkId, subnets, binding), ct), cancellationToken);

    /// <summary>The shadows on a network's copy (one call: the pod filters by owner).</summary>
    public async Task<IReadOnlyList<ShadowCopy>> ShadowPortsAsync(Pod pod, string bottomNetworkId, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(pod, HttpMethod.Get, $"ports?network_id={Uri.EscapeDataString(bottomNetworkId)}&device_owner={Uri.EscapeDataString(ShadowOwner)}", null, cancellationToken);
        return [.. (answer?["ports"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(p => p["id"]?.ToString() is { Length: > 0 } && p["name"]?.ToString() is { } name && name.StartsWith(ShadowPrefix, StringComparison.Ordinal))
            .Select(p => new ShadowCopy(
                p["id"]!.ToString(),
                p["name"]!.ToString()[ShadowPrefix.Length..],
                [.. (p["fixed_ips"] as JsonArray ?? []).OfType<JsonObject>().Select(f => (f["subnet_id"]?.ToString() ?? "", f["ip_address"]?.ToString() ?? ""))],
                p["binding:host_id"]?.ToString() ?? "",
                (p["binding:profile"] as JsonObject)?[ShadowRegionKey]?.ToString()))];
    }

    /// <summary>Puts the port's addresses (and binding, when given) on its shadow: the MAC and network never change.</summary>
    public Task UpdateShadowPortAsync(Pod pod, string bottomId, TopPort port, IReadOnlyDictionary<string, string> subnets, ShadowBinding? binding, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["fixed_ips"] = FixedIps(port, subnets) };
        if (binding is not null)
        {
            body["binding:host_id"] = binding.Host;
            body["binding:profile"] = new JsonObject { [ShadowRegionKey] = binding.Region };
        }

        return UpdateAsync(pod, "ports", "port", bottomId, body, cancellationToken);
    }

    /// <summary>Whether the shadow shows the port's addresses (by the subnets' copies) and the binding (when one is wanted).</summary>
    public static bool ShadowIsCurrent(ShadowCopy shadow, TopPort port, IReadOnlyDictionary<string, string> subnets, ShadowBinding? binding)
    {
        var want = port.FixedIps.Where(f => subnets.ContainsKey(f.SubnetId)).Select(f => (subnets[f.SubnetId], Ipam.Canonical(f.IpAddress))).ToHashSet();
        var have = shadow.FixedIps.Select(f => (f.SubnetId, Ipam.Canonical(f.IpAddress))).ToHashSet();
        return want.SetEquals(have) && (binding is null || (shadow.Host == binding.Host && shadow.Region == binding.Region));
    }

    /// <summary>Deletes a shadow port (the pod takes its floating IPs off it) and forgets it.</summary>
    public async Task DeleteShadowPortAsync(Pod pod, string topPortId, string bottomId, CancellationToken cancellationToken)
    {
        await DeleteAsync(pod, "ports/" + Uri.EscapeDataString(bottomId), cancellationToken);
        await routings.ForgetAsync(topPortId, "shadow_port", pod.PodId, cancellationToken);
    }

    private static JsonObject ShadowBody(TopPort port, string networkId, IReadOnlyDictionary<string, string> subnets, ShadowBinding? binding)
    {
        var body = new JsonObject
        {
            ["name"] = ShadowPrefix + port.Id,
            ["network_id"] = networkId,
            ["project_id"] = port.ProjectId,
            ["mac_address"] = port.MacAddress,
            ["fixed_ips"] = FixedIps(port, subnets),
            ["device_owner"] = ShadowOwner,
            ["device_id"] = port.DeviceId,
            ["port_security_enabled"] = false,
        };
        if (binding is not null)
        {
            body["binding:host_id"] = binding.Host;
            body["binding:profile"] = new JsonObject { [ShadowRegionKey] = binding.Region };
        }

        return body;
    }
}
