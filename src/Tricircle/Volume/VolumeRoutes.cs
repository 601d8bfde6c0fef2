using System.Text.Json.Nodes;
using Tricircle.Errors;
using Tricircle.Identity;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Volume;

/// <summary>Forwarding of one routed Cinder resource (a volume, a snapshot, a backup) to the pod that holds it.</summary>
internal sealed class VolumeRoutes(RoutingStore routings, PodStore pods, PodForwarder forwarder, PodClient client, VolumeQuotas quotas, Jobs.JobQueue jobs)
{
    /// <summary>The routing row and pod of a resource the caller may see; 404 in Cinder's words otherwise (another tenant's too).</summary>
    public async Task<(ResourceRouting Routing, Pod Pod)> FindAsync(HttpContext context, string resourceType, string id, CancellationToken cancellationToken)
    {
        var caller = VolumeApi.Caller(context);
        var what = resourceType switch
        {
            SnapshotsApi.ResourceType => "Snapshot",
            BackupsApi.ResourceType => "Backup",
            VolumeTransfersApi.ResourceType => "Transfer",
            _ => "Volume",
        };
        var routing = await routings.FindTopAsync(id, resourceType, caller.IsAdmin ? null : caller.ProjectId, cancellationToken)
            ?? throw TricircleException.NotFound($"{what} {id} could not be found.");
        var pod = await pods.FindAsync(routing.PodId, cancellationToken)
            ?? throw TricircleException.NotFound($"{what} {id} could not be found.");
        return (routing, pod);
    }

    /// <summary>
    /// Forwards the request to the resource's pod (<paramref name="relative"/> under the caller's
    /// project) and forgets the routing (and frees the quota) when the pod no longer has it. A
    /// delete the pod accepted keeps it routed until the pod says it is gone (<see cref="DeletingAsync"/>).
    /// </summary>
    public async Task<int> ForwardAsync(
        HttpContext context, ResourceRouting routing, Pod pod, string relative, Func<JsonNode, Task>? onSuccess = null, HttpContent? body = null, Func<int, Task>? onFailure = null)
    {
        var status = await forwarder.ForwardAsync(
            context, pod, VolumeApi.ServiceType, VolumeApi.PodPath(context, relative) + context.Request.QueryString, onSuccess, body, VolumeApi.VersionHeaders(context), onFailure: onFailure);
        // Only an answer about the resource itself says it is gone (a missing metadata key does not).
        var itself = relative.Count(c => c == '/') == 1;
        if (itself && HttpMethods.IsDelete(context.Request.Method) && status is 202 or 204)
        {
            await DeletingAsync(context, routing, pod);
        }
        else if (itself && status == 404)
        {
            // A backup's 404 may be about the pod's backup service ("Service cinder-backup could not be found"): only its own show says it is gone.
            if (status == 404 && routing.ResourceType == BackupsApi.ResourceType && await StillThereAsync(context, pod, relative))
            {
                return status;
            }

            // Gone from its pod: nothing routes to it any more.
            await routings.ForgetAsync(routing.TopId, routing.ResourceType, routing.PodId, CancellationToken.None);
            await quotas.ReleaseAsync(routing.ResourceType, routing.TopId, CancellationToken.None); // and its quota is free
        }

        return status;
    }

    /// <summary>
    /// The pod accepted the resource's delete (Cinder deletes asynchronously): it stays routed,
    /// shown as the pod shows it (<c>deleting</c>), and its quota held, as Cinder holds it, until
    /// the pod says it is gone, which a <c>delete_wait</c> job waits for. A delete the pod
    /// finished at once is forgotten now.
    /// </summary>
    public async Task DeletingAsync(HttpContext context, ResourceRouting routing, Pod pod)
    {
        if (!await StillThereAsync(context, pod, $"{routing.ResourceType}s/{Uri.EscapeDataString(routing.TopId)}"))
        {
            await routings.ForgetAsync(routing.TopId, routing.ResourceType, routing.PodId, CancellationToken.None);
            await quotas.ReleaseAsync(routing.ResourceType, routing.TopId, CancellationToken.None);
            return;
        }

        await jobs.QueueAsync([Jobs.JobTypes.DeleteWaitFor(routing.PodId, routing.ResourceType, routing.TopId, routing.ProjectId)], CancellationToken.None);
    }

    private async Task<bool> StillThereAsync(HttpContext context, Pod pod, string relative)
    {
        try
        {
            await client.SendJsonAsync(pod, VolumeApi.ServiceType, HttpMethod.Get, VolumeApi.PodPath(context, relative), null, context.GetRequestContext().AuthToken, CancellationToken.None, VolumeApi.VersionHeaders(context));
            return true;
        }
        catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status404NotFound)
        {
            return false;
        }
        catch (Exception e) when (e is PodErrorException or TricircleException or HttpRequestException or TaskCanceledException)
        {
            return true; // cannot tell: keep it
        }
    }

    /// <summary>A time as Cinder prints it (microseconds, no zone), so placeholders sort among real items.</summary>
    public static string CinderTime(DateTime at) =>
        Data.DbTime.Utc(at).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Shows the pod's volume under its top AZ name (the pod knows its zone by its own name).</summary>
    public static void TopAz(Pod pod, JsonObject volume)
    {
        if (volume.ContainsKey("availability_zone"))
        {
            volume["availability_zone"] = pod.AzName;
        }
    }
}
