using Tricircle.Network;

namespace Tricircle.Jobs.Handlers;

/// <summary>
/// <c>network_delete</c>: finishes a network's delete once it is marked
/// (<see cref="NetworkStore.BeginDeleteAsync"/>): its copies go from the pods (the request that
/// asked for the delete runs this at once and answers with a pod's refusal), then the central
/// network with its subnets and DHCP ports. A pod that cannot be reached gets a
/// <c>network_sync</c> job that deletes its copy when it is back. Queued in the mark's
/// transaction, so a request that dies half-way leaves a job that finishes the delete.
/// </summary>
internal sealed class NetworkDeleteJob(NetworkStore networks, DeletingMarks marks, CopiesDelete copies, PodNetworks podNetworks, JobQueue queue, Routing.RoutingStore routings) : IJobHandler
{
    public JobType Type => JobTypes.NetworkDelete;

    public async Task RunAsync(Job job, CancellationToken cancellationToken)
    {
        var id = job.Key("network_id");
        var network = await networks.FindTopAsync(id, cancellationToken);
        if (network is null)
        {
            // Deleted centrally already (a redo): whatever copies are left go by their sync jobs.
            var left = await routings.PodsOfAsync(id, "network", cancellationToken);
            await queue.QueueAsync([.. left.Select(pod => JobRequest.InPod(JobTypes.NetworkSync, pod, id, job.ProjectId))], cancellationToken);
            return;
        }

        if (!await marks.IsMarkedAsync(id, cancellationToken))
        {
            return; // the delete was given up
        }

        var unreachable = await copies.DeleteAsync("network", "network", id, "NetworkInUse", (pod, ct) => podNetworks.DeleteNetworkCopyAsync(pod, id, ct), cancellationToken);
        var later = queue.Begin(runHere: false);
        await networks.DeleteAsync(id, keepMark: unreachable.Count > 0,
            later.Queue([.. unreachable.Select(pod => JobRequest.InPod(JobTypes.NetworkSync, pod.PodId, id, network.ProjectId))]), cancellationToken);
        await later.RunAsync(refusalsEnd: false, cancellationToken);
    }
}
