using System.Text.Json.Nodes;
using Tricircle.Pods;
using Tricircle.Routing;
using Tricircle.Volume;

namespace Tricircle.Jobs.Handlers;

/// <summary>
/// <c>volume_cleanup</c>: a volume Tricircle does not record (a create that failed after the pod
/// made it) goes from its pod, with the admin token (force-deleted when the pod will not delete
/// it in its state, still creating), and its quota is released. A recorded volume is left alone.
/// </summary>
internal sealed class VolumeCleanupJob(CopyRows rows, RoutingStore routings, PodClient client, PodAdminToken adminToken, VolumeQuotas quotas) : IJobHandler
{
    public JobType Type => JobTypes.VolumeCleanup;

    public async Task RunAsync(Job job, CancellationToken cancellationToken)
    {
        var id = job.Key("volume_id");
        if (await routings.FindTopAsync(id, VolumesApi.ResourceType, null, cancellationToken) is not null)
        {
            return;
        }

        if (await rows.PodAsync(job, cancellationToken) is { } pod)
        {
            // Cinder's paths carry a project; an admin reaches any project's volume under its own.
            var project = Uri.EscapeDataString((await adminToken.GetAsync(cancellationToken)).ProjectId ?? "");
            var volume = $"{project}/volumes/{Uri.EscapeDataString(id)}";
            try
            {
                var shown = (await client.SendJsonAsync(pod, VolumeApi.ServiceType, HttpMethod.Get, volume, null, null, cancellationToken))?["volume"] as JsonObject;
                if (shown?["status"]?.ToString() is not ("deleting" or "deleted"))
                {
                    await DeleteAsync(pod, volume, cancellationToken);
                }
            }
            catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status404NotFound)
            {
                // Gone already.
            }
        }

        await quotas.ReleaseAsync(VolumesApi.ResourceType, id, cancellationToken);
    }

    private async Task DeleteAsync(Pod pod, string volume, CancellationToken cancellationToken)
    {
        try
        {
            await client.SendJsonAsync(pod, VolumeApi.ServiceType, HttpMethod.Delete, volume, null, null, cancellationToken);
        }
        catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status400BadRequest)
        {
            await client.SendJsonAsync(pod, VolumeApi.ServiceType, HttpMethod.Post, volume + "/action", new JsonObject { ["os-force_delete"] = new JsonObject() }, null, cancellationToken);
        }
    }
}
