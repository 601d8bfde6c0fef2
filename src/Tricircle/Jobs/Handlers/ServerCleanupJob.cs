using System.Text.Json.Nodes;
using Tricircle.Compute;
using Tricircle.Pods;
using Tricircle.Quotas;
using Tricircle.Routing;

namespace Tricircle.Jobs.Handlers;

/// <summary>
/// <c>server_cleanup</c>: what is left of a server Tricircle no longer records (deleted, its pod's
/// 404, a multi-create that could not stand, a boot that failed after the pod made it) goes:
/// the server from its pod when it is still there (with the admin token), its quota, the central
/// ports Tricircle made for it (their pod copies by sync jobs) and the binding of the caller's.
/// A server that is recorded (it got its routing row after all) is left alone.
/// </summary>
internal sealed class ServerCleanupJob(CopyRows rows, RoutingStore routings, PodClient client, QuotaStore quotas, ServerNetworks serverNetworks, JobQueue queue) : IJobHandler
{
    public JobType Type => JobTypes.ServerCleanup;

    public async Task RunAsync(Job job, CancellationToken cancellationToken)
    {
        var id = job.Key("server_id");
        if (await routings.FindTopAsync(id, ServersApi.ResourceType, null, cancellationToken) is not null)
        {
            return;
        }

        if (await rows.PodAsync(job, cancellationToken) is { } pod && await StillThereAsync(pod, id, cancellationToken))
        {
            try
            {
                await client.SendJsonAsync(pod, ComputeApi.ServiceType, HttpMethod.Delete, "servers/" + Uri.EscapeDataString(id), null, null, cancellationToken);
            }
            catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status404NotFound)
            {
                // Gone meanwhile.
            }
        }

        await quotas.ReleaseAsync(ServerCatalogue.HolderType, id, cancellationToken);
        var batch = queue.Begin();
        await serverNetworks.ReleasePortsAsync(id, batch, cancellationToken);
        await batch.RunAsync(refusalsEnd: false, cancellationToken);
    }

    /// <summary>Whether the pod still has the server and is not already deleting it (a second delete would be refused).</summary>
    private async Task<bool> StillThereAsync(Pod pod, string id, CancellationToken cancellationToken)
    {
        try
        {
            var server = (await client.SendJsonAsync(pod, ComputeApi.ServiceType, HttpMethod.Get, "servers/" + Uri.EscapeDataString(id), null, null, cancellationToken))?["server"] as JsonObject;
            return server?["status"]?.ToString() is not ("DELETED" or "SOFT_DELETED") && server?["OS-EXT-STS:task_state"]?.ToString() != "deleting";
        }
        catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status404NotFound)
        {
            return false;
        }
    }
}
