using System.Text.Json.Nodes;
using Tricircle.Compute;
using Tricircle.Errors;
using Tricircle.Pods;
using Tricircle.Routing;
using Tricircle.Volume;

namespace Tricircle.Jobs.Handlers;

/// <summary>
/// <c>delete_wait</c>: a server, volume, snapshot or backup whose delete its pod accepted stays
/// routed (shown as the pod shows it, deleting) until the pod says it is gone. This job asks the
/// pod (admin token): its 404 forgets the resource and frees what goes with it; still deleting is
/// <see cref="ErrorKind.Unavailable"/>, so the job runs again after its backoff without counting
/// towards giving up; any other state (the pod gave up: <c>error_deleting</c>, <c>ERROR</c>, or
/// a server soft-deleted until reclaimed) ends the wait with the resource still recorded (the pod
/// audit forgets it should it go later). A resource already forgotten (a read saw the 404) is done.
/// </summary>
internal sealed class DeleteWaitJob(CopyRows rows, RoutingStore routings, PodClient client, PodAdminToken adminToken, ServerRecords servers, VolumeRecords volumes, VolumeQuotas quotas) : IJobHandler
{
    public JobType Type => JobTypes.DeleteWait;

    public async Task RunAsync(Job job, CancellationToken cancellationToken)
    {
        var type = job.Key("resource_type");
        var id = job.Key("resource_id");
        if (await rows.PodAsync(job, cancellationToken) is not { } pod
            || await routings.FindInPodAsync(id, type, pod.PodId, cancellationToken) is not { } routing)
        {
            return;
        }

        var bottom = Uri.EscapeDataString(routing.BottomId ?? id);
        var (service, path, key) = type switch
        {
            ServersApi.ResourceType => (ComputeApi.ServiceType, "servers/" + bottom, "server"),
            VolumesApi.ResourceType or SnapshotsApi.ResourceType or BackupsApi.ResourceType =>
                // Cinder's paths carry a project; an admin reaches any project's resource under its own.
                (VolumeApi.ServiceType, $"{Uri.EscapeDataString((await adminToken.GetAsync(cancellationToken)).ProjectId ?? "")}/{type}s/{bottom}", type),
            _ => throw new InvalidOperationException($"A delete_wait job names a resource type it does not know: {type}."),
        };

        JsonObject? shown;
        try
        {
            shown = (await client.SendJsonAsync(pod, service, HttpMethod.Get, path, null, null, cancellationToken))?[key] as JsonObject;
        }
        catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status404NotFound)
        {
            await ForgetAsync(routing, pod, cancellationToken);
            return;
        }

        if (Deleting(type, shown) is { } state)
        {
            throw TricircleException.Unavailable($"The {type} {id} is still being deleted in pod {pod.RegionName} ({state}).");
        }
    }

    /// <summary>The pod's word that the delete is still under way, or null.</summary>
    private static string? Deleting(string type, JsonObject? shown)
    {
        if (type == ServersApi.ResourceType)
        {
            var task = shown?["OS-EXT-STS:task_state"]?.ToString();
            var status = shown?["status"]?.ToString();
            return task is "deleting" or "soft-deleting" ? "task_state " + task : status == "DELETED" ? "status DELETED" : null;
        }

        return shown?["status"]?.ToString() == "deleting" ? "status deleting" : null;
    }

    private async Task ForgetAsync(ResourceRouting routing, Pod pod, CancellationToken cancellationToken)
    {
        switch (routing.ResourceType)
        {
            case ServersApi.ResourceType:
                await servers.ForgetLaterAsync(routing.TopId, routing.ProjectId, pod, cancellationToken); // its quota and ports by server_cleanup
                break;
            case VolumesApi.ResourceType:
                await volumes.ForgetLaterAsync(routing.TopId, routing.ProjectId, pod, cancellationToken); // its quota by volume_cleanup
                break;
            default:
                await routings.ForgetAsync(routing.TopId, routing.ResourceType, pod.PodId, cancellationToken);
                await quotas.ReleaseAsync(routing.ResourceType, routing.TopId, cancellationToken);
                break;
        }
    }
}
