using Tricircle.Compute;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Jobs.Handlers;

/// <summary>
/// <c>server_group_cleanup</c>: the copy of a deleted central server group goes from its pod
/// (with the admin token; already gone is fine) and then its routing row. A group that still
/// exists centrally is left alone.
/// </summary>
internal sealed class ServerGroupCleanupJob(CopyRows rows, ServerGroupStore groups, RoutingStore routings, PodClient client) : IJobHandler
{
    public JobType Type => JobTypes.ServerGroupCleanup;

    public async Task RunAsync(Job job, CancellationToken cancellationToken)
    {
        var id = job.Key("server_group_id");
        if (await groups.FindAsync(id, cancellationToken) is not null)
        {
            return;
        }

        if (await rows.PodAsync(job, cancellationToken) is not { } pod)
        {
            return;
        }

        if (await rows.BottomAsync(pod, ServerGroupsApi.ResourceType, id, cancellationToken) is { } bottom)
        {
            try
            {
                await client.SendJsonAsync(pod, ComputeApi.ServiceType, HttpMethod.Delete, "os-server-groups/" + Uri.EscapeDataString(bottom), null, null, cancellationToken);
            }
            catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status404NotFound)
            {
                // Gone already.
            }
        }

        await routings.ForgetAsync(id, ServerGroupsApi.ResourceType, pod.PodId, cancellationToken);
    }
}
