using System.Text.Json.Nodes;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Jobs.Handlers;

/// <summary>
/// <c>volume_cleanup</c>: deletes a volume from its pod that Tricircle keeps no record of (a
/// create that failed after the pod made it), with the admin token; one the pod will not delete
/// in its state (still creating) is force-deleted, as an operator would.
/// </summary>
internal sealed class VolumeCleanupJob(CopyRows rows, RoutingStore routings, PodClient client, PodAdminToken adminToken) : IJobHandler
{
    public JobType Type => JobTypes.VolumeCleanup;

    public async Task RunAsync(Job job, CancellationToken cancellationToken)
    {
        var id = job.Key("volume_id");
        if (await rows.PodAsync(job, cancellationToken) is not { } pod || await routings.FindInPodAsync(id, "volume", pod.PodId, cancellationToken) is not null)
        {
            return;
        }

        // Cinder's paths carry a project; an admin reaches any project's volume under its own.
        var project = Uri.EscapeDataString((await adminToken.GetAsync(cancellationToken)).ProjectId ?? "");
        var volume = $"{project}/volumes/{Uri.EscapeDataString(id)}";
        try
        {
            await client.SendJsonAsync(pod, Volume.VolumeApi.ServiceType, HttpMethod.Delete, volume, null, null, cancellationToken);
        }
        catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status404NotFound)
        {
            // Gone already.
        }
        catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status400BadRequest)
        {
            await client.SendJsonAsync(pod, Volume.VolumeApi.ServiceType, HttpMethod.Post, volume + "/action", new JsonObject { ["os-force_delete"] = new JsonObject() }, null, cancellationToken);
        }
    }
}
