using System.Text.Json.Nodes;
using Tricircle.Pods;

namespace Tricircle.Network;

/// <summary>
/// Floating IPs in the external network's pod: the copy keeps the central address (it is found
/// by that address after a crash, as a floating IP has no name), and a port in another pod is
/// stood in for by its shadow there (see PodNetworks.Shadows.cs), which the floating IP points at.
/// </summary>
internal sealed partial class PodNetworks
{
    public Task<string> EnsureFloatingIpAsync(Pod pod, FloatingIpRow fip, string bottomNetworkId, CancellationToken cancellationToken) =>
        copies.EnsureAsync("floatingip", fip.Id, pod, fip.ProjectId, async ct =>
        {
            var found = await SendAsync(pod, HttpMethod.Get,
                $"floatingips?floating_ip_address={Uri.EscapeDataString(fip.FloatingIpAddress)}&floating_network_id={Uri.EscapeDataString(bottomNetworkId)}", null, ct);
            if ((found?["floatingips"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault()?["id"]?.ToString() is { Length: > 0 } id)
            {
                return id;
            }

            return await CreateAsync(pod, "floatingips", "floatingip", new JsonObject
            {
                ["floating_network_id"] = bottomNetworkId,
                ["floating_ip_address"] = fip.FloatingIpAddress,
                ["project_id"] = fip.ProjectId,
                ["description"] = fip.Description,
            }, ct);
        }, cancellationToken);

    /// <summary>The floating IP's copy as the pod shows it, or null when the pod has none by that id.</summary>
    public async Task<JsonObject?> ShowFloatingIpAsync(Pod pod, string bottomId, CancellationToken cancellationToken)
    {
        try
        {
            return (await SendAsync(pod, HttpMethod.Get, "floatingips/" + Uri.EscapeDataString(bottomId), null, cancellationToken))?["floatingip"] as JsonObject;
        }
        catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status404NotFound)
        {
            return null;
        }
    }

    /// <summary>Points the copy at a port of the pod (null: at none).</summary>
    public Task AssociateFloatingIpAsync(Pod pod, string bottomId, string? bottomPortId, string? fixedIp, CancellationToken cancellationToken) =>
        UpdateAsync(pod, "floatingips", "floatingip", bottomId, new JsonObject { ["port_id"] = bottomPortId, ["fixed_ip_address"] = bottomPortId is null ? null : fixedIp }, cancellationToken);

    /// <summary>Deletes the floating IP's copy and forgets it.</summary>
    public async Task DeleteFloatingIpCopyAsync(Pod pod, string topId, string bottomId, CancellationToken cancellationToken)
    {
        await DeleteAsync(pod, "floatingips/" + Uri.EscapeDataString(bottomId), cancellationToken);
        await routings.ForgetAsync(topId, "floatingip", pod.PodId, cancellationToken);
    }

    /// <summary>The floating IPs of a router's copy (they hold its interfaces and gateway in the pod).</summary>
    public async Task<IReadOnlyList<JsonObject>> FloatingIpsOfRouterAsync(Pod pod, string bottomRouterId, CancellationToken cancellationToken) =>
        [.. ((await SendAsync(pod, HttpMethod.Get, "floatingips?router_id=" + Uri.EscapeDataString(bottomRouterId), null, cancellationToken))?["floatingips"] as JsonArray ?? []).OfType<JsonObject>()];
}
