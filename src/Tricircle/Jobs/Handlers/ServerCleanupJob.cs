using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Jobs.Handlers;

/// <summary>
/// <c>server_cleanup</c>: deletes a server from its pod that Tricircle keeps no record of (a
/// multi-create that could not stand, a boot that failed after the pod made the server), with
/// the admin token. A server that is recorded (it got its routing row after all) is left alone.
/// </summary>
internal sealed class ServerCleanupJob(CopyRows rows, RoutingStore routings, PodClient client) : IJobHandler
{
    public JobType Type => JobTypes.ServerCleanup;

    public async Task RunAsync(Job job, CancellationToken cancellationToken)
    {
        var id = job.Key("server_id");
        if (await rows.PodAsync(job, cancellationToken) is not { } pod || await routings.FindInPodAsync(id, "server", pod.PodId, cancellationToken) is not null)
        {
            return;
        }

        try
        {
            await client.SendJsonAsync(pod, Compute.ComputeApi.ServiceType, HttpMethod.Delete, "servers/" + Uri.EscapeDataString(id), null, null, cancellationToken);
        }
        catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status404NotFound)
        {
            // Gone already.
        }
    }
}
