using System.Text.Json.Nodes;
using Tricircle.Pods;

namespace Tricircle.Network;

/// <summary>Trunks in their parent port's pod: named after the central id, on the copies of the parent and subports.</summary>
internal sealed partial class PodNetworks
{
    /// <summary>The trunk's id in the pod, made there on the parent's copy with <paramref name="subports"/> (bottom port ids) when missing.</summary>
    public Task<string> EnsureTrunkAsync(Pod pod, TrunkRow trunk, string bottomParentId, IReadOnlyList<Subport> subports, CancellationToken cancellationToken) =>
        copies.EnsureAsync("trunk", trunk.Id, pod, trunk.ProjectId, async ct =>
            await FindByNameAsync(pod, "trunks", trunk.Id, ct) ?? await CreateAsync(pod, "trunks", "trunk", new JsonObject
            {
                ["name"] = trunk.Id,
                ["description"] = trunk.Description,
                ["project_id"] = trunk.ProjectId,
                ["port_id"] = bottomParentId,
                ["admin_state_up"] = true, // disabled after its subports are there: a disabled trunk takes none
                ["sub_ports"] = Subport.Json(subports),
            }, ct), cancellationToken);

    /// <summary>The trunk's copy as the pod shows it, or null when it has none by that id.</summary>
    public async Task<JsonObject?> ShowTrunkAsync(Pod pod, string bottomId, CancellationToken cancellationToken)
    {
        try
        {
            return (await SendAsync(pod, HttpMethod.Get, "trunks/" + Uri.EscapeDataString(bottomId), null, cancellationToken))?["trunk"] as JsonObject;
        }
        catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status404NotFound)
        {
            return null;
        }
    }

    /// <summary>add_subports or remove_subports on the copy (bottom port ids).</summary>
    public Task ChangeTrunkSubportsAsync(Pod pod, string bottomId, IReadOnlyList<Subport> subports, bool add, CancellationToken cancellationToken) =>
        SendAsync(pod, HttpMethod.Put, $"trunks/{Uri.EscapeDataString(bottomId)}/{(add ? "add_subports" : "remove_subports")}", new JsonObject { ["sub_ports"] = Subport.Json(subports) }, cancellationToken);

    /// <summary>Deletes the trunk's copy (found by its routing row or its name) and forgets it.</summary>
    public async Task DeleteTrunkCopyAsync(Pod pod, string topId, CancellationToken cancellationToken)
    {
        var bottom = (await routings.FindInPodAsync(topId, "trunk", pod.PodId, cancellationToken))?.BottomId ?? await FindByNameAsync(pod, "trunks", topId, cancellationToken);
        if (bottom is not null)
        {
            await DeleteAsync(pod, "trunks/" + Uri.EscapeDataString(bottom), cancellationToken);
        }

        await routings.ForgetAsync(topId, "trunk", pod.PodId, cancellationToken);
    }
}
