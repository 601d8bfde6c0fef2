using Tricircle.Network;

namespace Tricircle.Jobs.Handlers;

/// <summary>
/// <c>subnet_delete</c>: finishes a subnet's delete as <see cref="NetworkDeleteJob"/> does a
/// network's; its DHCP port goes too, and the project's groups with remote-group rules are synced
/// wherever they have copies (the CIDRs such a rule stands for lost this one).
/// </summary>
internal sealed class SubnetDeleteJob(SubnetStore subnets, DeletingMarks marks, CopiesDelete copies, PodNetworks podNetworks, JobQueue queue, Routing.RoutingStore routings) : IJobHandler
{
    public JobType Type => JobTypes.SubnetDelete;

    public async Task RunAsync(Job job, CancellationToken cancellationToken)
    {
        var id = job.Key("subnet_id");
        var subnet = await subnets.FindTopAsync(id, cancellationToken);
        if (subnet is null)
        {
            var left = await routings.PodsOfAsync(id, "subnet", cancellationToken);
            await queue.QueueAsync([.. left.Select(pod => JobRequest.InPod(JobTypes.SubnetSync, pod, id, job.ProjectId))], cancellationToken);
            return;
        }

        if (!await marks.IsMarkedAsync(id, cancellationToken))
        {
            return;
        }

        var unreachable = await copies.DeleteAsync("subnet", "subnet", id, "SubnetInUse", (pod, ct) => podNetworks.DeleteSubnetCopyAsync(pod, id, ct), cancellationToken);
        var later = queue.Begin(runHere: false);
        await subnets.DeleteAsync(id, keepMark: unreachable.Count > 0, async (connection, tx, ct) =>
        {
            await later.Queue([.. unreachable.Select(pod => JobRequest.InPod(JobTypes.SubnetSync, pod.PodId, id, subnet.ProjectId))])(connection, tx, ct);
            await later.SyncAsync(connection, tx, JobTypes.SecurityGroupSync, "security_group",
                await SecurityGroupStore.WithRemoteGroupRulesAsync(connection, tx, subnet.ProjectId, ct), ct);
        }, cancellationToken);
        await later.RunAsync(refusalsEnd: false, cancellationToken);
    }
}
