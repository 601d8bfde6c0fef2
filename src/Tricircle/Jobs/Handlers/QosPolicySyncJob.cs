using Tricircle.Network;
using Tricircle.Pods;

namespace Tricircle.Jobs.Handlers;

/// <summary>
/// <c>qos_policy_sync</c>: the policy's copy in one pod takes central's description, shared flag
/// and rules, or goes when central's policy is gone or no network or port copy in that pod uses
/// it any more (the pod refuses while one of its own still does: the job is retried).
/// </summary>
internal sealed class QosPolicySyncJob(CopyRows rows, QosStore policies, PodNetworks podNetworks) : IJobHandler
{
    public JobType Type => JobTypes.QosPolicySync;

    public async Task RunAsync(Job job, CancellationToken cancellationToken)
    {
        if (await rows.PodAsync(job, cancellationToken) is not { } pod)
        {
            return;
        }

        var id = job.Key("qos_policy_id");
        var policy = await policies.FindTopAsync(id, cancellationToken);
        if (policy is null || !await policies.UsedInPodAsync(id, pod.PodId, cancellationToken))
        {
            await podNetworks.DeleteQosPolicyCopyAsync(pod, id, cancellationToken);
            return;
        }

        if (await rows.BottomAsync(pod, QosPropagation.ResourceType, id, cancellationToken) is not { } bottom)
        {
            return;
        }

        try
        {
            await podNetworks.ResyncQosPolicyAsync(pod, policy, bottom, cancellationToken);
        }
        catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status404NotFound && e.PodMessage.Contains(bottom, StringComparison.Ordinal))
        {
            await rows.ForgetAsync(pod, [(QosPropagation.ResourceType, id)], cancellationToken);
        }
    }
}
