using System.Text.Json.Nodes;
using Tricircle.Errors;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Network;

/// <summary>
/// A trunk in its parent port's pod (upstream's trunk_sync): made there when the parent's copy
/// is, with copies of its subports (on their networks' copies there, keeping the central MAC
/// and addresses); then kept what central says by <c>trunk_sync</c> jobs, and deleted when
/// central's is gone. Central's status is the copy's.
/// </summary>
internal sealed class TrunkCopies(
    TrunkStore trunks,
    PortStore ports,
    NetworkStore networks,
    CentralPorts central,
    NetworkPlaces places,
    PodNetworks podNetworks,
    RoutingStore routings)
{
    /// <summary>At a boot on the parent: its trunk (if any) in the pod, with its subports; the pod's Nova then binds the parent.</summary>
    public async Task EnsureForParentAsync(Pod pod, string parentPortId, string bottomParentId, CancellationToken cancellationToken)
    {
        if (await trunks.OfParentAsync(parentPortId, cancellationToken) is { } trunk)
        {
            await EnsureAsync(pod, trunk, bottomParentId, cancellationToken);
        }
    }

    /// <summary>A trunk_sync for each pod with the trunk's copy or its parent's.</summary>
    public async Task<IReadOnlyList<Jobs.JobRequest>> SyncsAsync(TrunkRow trunk, CancellationToken cancellationToken) =>
        [.. (await routings.RowsAsync("trunk", [trunk.Id], cancellationToken)).Concat(await routings.RowsAsync("port", [trunk.PortId], cancellationToken))
            .Select(r => r.PodId).Distinct(StringComparer.Ordinal).Select(pod => TrunkChanges.For(pod, trunk.Id, trunk.ProjectId))];

    /// <summary>The networks of the subports of the trunks whose parents are among <paramref name="portIds"/> (they follow the parent into its pod).</summary>
    public async Task<IReadOnlyList<TopNetwork>> SubportNetworksAsync(IReadOnlyCollection<string> portIds, CancellationToken cancellationToken)
    {
        var result = new List<TopNetwork>();
        foreach (var portId in portIds)
        {
            if (await trunks.OfParentAsync(portId, cancellationToken) is not { } trunk)
            {
                continue;
            }

            foreach (var sub in await trunks.SubportsAsync(trunk.Id, cancellationToken))
            {
                if (await ports.FindTopAsync(sub.PortId, cancellationToken) is { } port && await networks.FindTopAsync(port.NetworkId, cancellationToken) is { } network)
                {
                    result.Add(network);
                }
            }
        }

        return result;
    }

    /// <summary>
    /// Makes the pod's trunk what central's is: deleted when central's is gone; else made when
    /// the parent has a copy there, enabled, subports removed and added, then description and
    /// state; central takes the copy's status.
    /// </summary>
    public async Task ConvergeAsync(Pod pod, string trunkId, CancellationToken cancellationToken)
    {
        if (await trunks.FindAsync(trunkId, null, cancellationToken) is not { } trunk)
        {
            await podNetworks.DeleteTrunkCopyAsync(pod, trunkId, cancellationToken);
            return;
        }

        if ((await routings.FindInPodAsync(trunk.PortId, "port", pod.PodId, cancellationToken))?.BottomId is not { } bottomParent)
        {
            return; // the parent is not in this pod (any more): nothing here carries the trunk
        }

        var (bottom, wanted) = await EnsureAsync(pod, trunk, bottomParent, cancellationToken);
        if (await podNetworks.ShowTrunkAsync(pod, bottom, cancellationToken) is not { } copy)
        {
            await routings.ForgetAsync(trunkId, "trunk", pod.PodId, cancellationToken); // deleted behind our back: made again by the retry
            throw TricircleException.Unavailable($"The copy of trunk {trunkId} in pod {pod.RegionName} is gone; it is made again.");
        }

        if (copy["admin_state_up"]?.GetValue<bool>() == false)
        {
            await podNetworks.UpdateAsync(pod, "trunks", "trunk", bottom, new JsonObject { ["admin_state_up"] = true }, cancellationToken);
        }

        var have = (copy["sub_ports"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(s => new Subport(s["port_id"]?.ToString() ?? "", s["segmentation_type"]?.ToString() ?? "", s["segmentation_id"]?.GetValue<int>() ?? 0))
            .ToList();
        var extra = have.Where(h => !wanted.Contains(h)).ToList();
        var missing = wanted.Where(w => !have.Contains(w)).ToList();
        if (extra.Count > 0)
        {
            await podNetworks.ChangeTrunkSubportsAsync(pod, bottom, extra, add: false, cancellationToken);
        }

        if (missing.Count > 0)
        {
            await podNetworks.ChangeTrunkSubportsAsync(pod, bottom, missing, add: true, cancellationToken);
        }

        await podNetworks.UpdateAsync(pod, "trunks", "trunk", bottom, new JsonObject { ["description"] = trunk.Description, ["admin_state_up"] = trunk.AdminStateUp }, cancellationToken);
        if ((await podNetworks.ShowTrunkAsync(pod, bottom, cancellationToken))?["status"]?.ToString() is { Length: > 0 } status)
        {
            await trunks.SetStatusAsync(trunk.Id, status, cancellationToken);
        }
    }

    /// <summary>
    /// Refuses (409) subports whose network cannot be in a pod where the parent is (its
    /// availability zone hints exclude it): the trunk could not be made there.
    /// </summary>
    public async Task CheckPlacementAsync(string parentPortId, IEnumerable<string> subportIds, CancellationToken cancellationToken)
    {
        var rows = await routings.RowsAsync("port", [parentPortId], cancellationToken);
        if (rows.Count == 0)
        {
            return;
        }

        foreach (var portId in subportIds.Distinct(StringComparer.Ordinal))
        {
            if (await ports.FindTopAsync(portId, cancellationToken) is not { } port || await networks.FindTopAsync(port.NetworkId, cancellationToken) is not { } network
                || await places.AllowedPodsAsync(network, cancellationToken) is not { } allowed)
            {
                continue;
            }

            if (rows.FirstOrDefault(r => !allowed.Any(p => p.PodId == r.PodId)) is { } outside)
            {
                throw TricircleException.Conflict(
                    $"Subport {portId} cannot be added: its network {network.Id} may be used only in {string.Join(", ", allowed.Select(p => p.RegionName))}, not in pod {outside.PodId} where the trunk's parent port {parentPortId} is.",
                    "SubPortNetworkNotInPod");
            }
        }
    }

    /// <summary>The copy's id and its subports as they should be (bottom port ids), the subports' copies made first.</summary>
    private async Task<(string Bottom, List<Subport> Wanted)> EnsureAsync(Pod pod, TrunkRow trunk, string bottomParent, CancellationToken cancellationToken)
    {
        var wanted = new List<Subport>();
        foreach (var sub in await trunks.SubportsAsync(trunk.Id, cancellationToken))
        {
            if (await ports.FindTopAsync(sub.PortId, cancellationToken) is not { } port || await networks.FindTopAsync(port.NetworkId, cancellationToken) is not { } network)
            {
                continue;
            }

            await places.ClaimAsync(network, pod, cancellationToken);
            var bottomPort = await podNetworks.EnsurePortAsync(pod, await central.MaterialAsync(port, network, cancellationToken), cancellationToken);
            wanted.Add(sub with { PortId = bottomPort, TrunkId = "" });
        }

        return (await podNetworks.EnsureTrunkAsync(pod, trunk, bottomParent, wanted, cancellationToken), wanted);
    }
}
