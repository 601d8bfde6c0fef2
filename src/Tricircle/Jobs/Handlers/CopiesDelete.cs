using Tricircle.Errors;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Jobs.Handlers;

/// <summary>
/// The first half of a central delete (network, subnet, security group): the resource's copies
/// go from every pod holding one, all pods at once, each within the fan-out deadline. A pod that
/// refuses because its copy is in use there (a port someone made in the pod's own Neutron)
/// refuses the whole delete: the mark is cleared and nothing central changes. A pod that cannot
/// be reached now does not hold the delete up: it is returned, and its copy is left to a sync
/// job that runs when the pod is back (the deletion guard holds until then).
/// </summary>
internal sealed class CopiesDelete(RoutingStore routings, PodStore pods, PodFanOut fanOut, Network.DeletingMarks marks)
{
    public async Task<IReadOnlyList<Pod>> DeleteAsync(string what, string resourceType, string id, string inUseType, Func<Pod, CancellationToken, Task> delete, CancellationToken cancellationToken)
    {
        var holding = (await routings.PodsOfAsync(id, resourceType, cancellationToken)).ToHashSet(StringComparer.Ordinal);
        var targets = (await pods.ListAsync(new Dictionary<string, string>(), cancellationToken)).Where(p => holding.Contains(p.PodId)).ToList();
        var answers = await fanOut.AskAsync(targets, async (pod, ct) =>
        {
            await delete(pod, ct);
            return true;
        }, cancellationToken);
        if (answers.FirstOrDefault(a => a.Error is PodErrorException { StatusCode: StatusCodes.Status409Conflict }) is { } refused)
        {
            await marks.ClearAsync(id, CancellationToken.None);
            var reason = ((PodErrorException)refused.Error!).PodMessage;
            throw TricircleException.Conflict($"Unable to delete the {what} {id}: its copy in pod {refused.Pod.RegionName} is in use there ({reason}).", inUseType);
        }

        return [.. answers.Where(a => !a.Succeeded).Select(a => a.Pod)];
    }
}
