using Tricircle.Network;

namespace Tricircle.Jobs.Handlers;

/// <summary>
/// <c>security_group_delete</c>: finishes a group's delete as <see cref="NetworkDeleteJob"/> does
/// a network's. Groups whose rules named it as their remote group lose those rules centrally
/// (Neutron's cascade), so their copies are synced too.
/// </summary>
internal sealed class SecurityGroupDeleteJob(SecurityGroupStore groups, DeletingMarks marks, CopiesDelete copies, PodNetworks podNetworks, JobQueue queue, Routing.RoutingStore routings) : IJobHandler
{
    public JobType Type => JobTypes.SecurityGroupDelete;

    public async Task RunAsync(Job job, CancellationToken cancellationToken)
    {
        var id = job.Key("security_group_id");
        var group = await groups.FindTopAsync(id, cancellationToken);
        if (group is null)
        {
            var left = await routings.PodsOfAsync(id, "security_group", cancellationToken);
            await queue.QueueAsync([.. left.Select(pod => JobRequest.InPod(JobTypes.SecurityGroupSync, pod, id, job.ProjectId))], cancellationToken);
            return;
        }

        if (!await marks.IsMarkedAsync(id, cancellationToken))
        {
            return;
        }

        var unreachable = await copies.DeleteAsync("security group", "security_group", id, "SecurityGroupInUse", (pod, ct) => podNetworks.DeleteSecurityGroupCopyAsync(pod, id, ct), cancellationToken);
        var later = queue.Begin(runHere: false);
        await groups.DeleteAsync(id, keepMark: unreachable.Count > 0, async (connection, tx, ct) =>
        {
            await later.Queue([.. unreachable.Select(pod => JobRequest.InPod(JobTypes.SecurityGroupSync, pod.PodId, id, group.ProjectId))])(connection, tx, ct);
            await later.SyncAsync(connection, tx, JobTypes.SecurityGroupSync, "security_group",
                await SecurityGroupStore.ReferencingAsync(connection, tx, id, ct), ct); // read before the cascade
        }, cancellationToken);
        await later.RunAsync(refusalsEnd: false, cancellationToken);
    }
}
