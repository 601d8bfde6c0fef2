using Tricircle.Network;
using Tricircle.Pods;

namespace Tricircle.Jobs.Handlers;

/// <summary>
/// <c>security_group_sync</c>: the group's copy in one pod gets central's rules (remote groups
/// expanded to the project's CIDRs) and description, or goes when central's group is gone or
/// being deleted.
/// </summary>
internal sealed class SecurityGroupSyncJob(CopyRows rows, SecurityGroupStore groups, SubnetStore subnets, DeletingMarks marks, PodNetworks podNetworks) : IJobHandler
{
    public JobType Type => JobTypes.SecurityGroupSync;

    public async Task RunAsync(Job job, CancellationToken cancellationToken)
    {
        if (await rows.PodAsync(job, cancellationToken) is not { } pod)
        {
            return;
        }

        var id = job.Key("security_group_id");
        var group = await groups.FindTopAsync(id, cancellationToken);
        if (group is null || await marks.IsMarkedAsync(id, cancellationToken))
        {
            await podNetworks.DeleteSecurityGroupCopyAsync(pod, id, cancellationToken);
            if (group is null && !await rows.AnyAsync("security_group", id, cancellationToken))
            {
                await marks.ClearAsync(id, cancellationToken);
            }

            return;
        }

        if (await rows.BottomAsync(pod, "security_group", id, cancellationToken) is not { } bottom)
        {
            return;
        }

        try
        {
            await podNetworks.ResyncSecurityGroupAsync(pod, group, bottom, await subnets.CidrsOfProjectAsync(group.ProjectId, cancellationToken), cancellationToken);
        }
        catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status404NotFound && e.PodMessage.Contains(bottom, StringComparison.Ordinal))
        {
            await rows.ForgetAsync(pod, [("security_group", id)], cancellationToken);
        }
    }
}
