using System.Text.Json.Nodes;
using Dapper;
using Tricircle.Data;
using Tricircle.Errors;
using Tricircle.Jobs;
using Tricircle.Pods;
using Tricircle.Quotas;
using Tricircle.Routing;

namespace Tricircle.Volume;

/// <summary>
/// The central half of accepting a volume transfer. Before the pod is asked, the acceptor's quota
/// holds what the volume (and its snapshots) count, under the transfer's id, and in the same
/// transaction a <c>volume_transfer_accept</c> job is queued; after the pod's answer the job
/// settles it from what the pod then says (admin view): the transfer gone and the volume the
/// acceptor's means accepted, so the volume's routing, its moved snapshots' routings and their
/// quota allocations become the acceptor's and the transfer's routing and reservation go, in one
/// transaction; a transfer still on offer (a refusal) or gone elsewhere gives the reservation
/// back. A crash or an unreachable pod anywhere in between leaves the job to the workers.
/// </summary>
internal sealed class VolumeTransfers(Database database, QuotaStore quotas, RoutingStore routings, PodClient client, PodAdminToken adminToken, TimeProvider timeProvider)
{
    /// <summary>The quota holder type of an acceptor's reservation (its id is the transfer's).</summary>
    public const string ReservationHolder = "volume_transfer_accept";

    /// <summary>
    /// Holds in <paramref name="acceptor"/>'s quota what the volume and the snapshots that go with
    /// it count centrally (Cinder's 413s when it cannot), and queues the job that settles it.
    /// </summary>
    public async Task ReserveAsync(string transferId, Pod pod, string volumeId, IReadOnlyCollection<string> snapshotIds, string acceptor, JobBatch batch, CancellationToken cancellationToken)
    {
        var amounts = new Dictionary<string, long>(await quotas.HeldAsync(VolumesApi.ResourceType, [volumeId], cancellationToken), StringComparer.Ordinal);
        foreach (var (resource, amount) in await quotas.HeldAsync(SnapshotsApi.ResourceType, snapshotIds, cancellationToken))
        {
            amounts[resource] = amounts.GetValueOrDefault(resource) + amount;
        }

        // The volume's own size (a snapshot's gigabytes are not the volume's) against the acceptor's per-volume limit.
        var size = (await quotas.HeldAsync(VolumesApi.ResourceType, [volumeId], cancellationToken)).GetValueOrDefault(QuotaResources.Gigabytes);
        var limits = await quotas.LimitsAsync(acceptor, cancellationToken);
        if (limits.GetValueOrDefault(QuotaResources.PerVolumeGigabytes, -1) is var limit and >= 0 && size > limit)
        {
            throw TricircleException.OverLimit($"VolumeSizeExceedsLimit: Requested volume size {size}G is larger than maximum allowed limit {limit}G.");
        }

        try
        {
            await quotas.ReserveAsync(acceptor, ReservationHolder, transferId, amounts, batch.Queue(Job(pod.PodId, transferId, volumeId, acceptor)), cancellationToken);
        }
        catch (QuotaExceededException e)
        {
            throw VolumeQuotas.Refusal(e);
        }
    }

    public static JobRequest Job(string podId, string transferId, string volumeId, string acceptor) =>
        JobRequest.For(JobTypes.VolumeTransferAccept, acceptor, ("pod_id", podId), ("transfer_id", transferId), ("volume_id", volumeId), ("project_id", acceptor));

    /// <summary>Settles an acceptance from what the pod says now (see the class); safe to run any number of times.</summary>
    public async Task SettleAsync(Pod pod, string transferId, string volumeId, string acceptor, CancellationToken cancellationToken)
    {
        var project = Uri.EscapeDataString((await adminToken.GetAsync(cancellationToken)).ProjectId ?? "");
        if (await ShowAsync(pod, $"{project}/os-volume-transfer/{Uri.EscapeDataString(transferId)}", cancellationToken) is not null)
        {
            // Still on offer: the pod refused (a wrong key, its own quota) or was never asked.
            await quotas.ReleaseAsync(ReservationHolder, transferId, cancellationToken);
            return;
        }

        var volume = (await ShowAsync(pod, $"{project}/volumes/{Uri.EscapeDataString(volumeId)}", cancellationToken))?["volume"];
        var moved = volume?["os-vol-tenant-attr:tenant_id"]?.ToString() == acceptor;
        var snapshots = new List<string>();
        if (moved)
        {
            var listed = await client.SendJsonAsync(
                pod, VolumeApi.ServiceType, HttpMethod.Get, $"{project}/snapshots/detail?all_tenants=1&volume_id={Uri.EscapeDataString(volumeId)}", null, null, cancellationToken);
            snapshots.AddRange((listed?["snapshots"] as JsonArray ?? [])
                .Where(s => s?["os-extended-snapshot-attributes:project_id"]?.ToString() == acceptor)
                .Select(s => s!["id"]!.ToString()));
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        await quotas.LockAsync(connection, tx, acceptor, cancellationToken);
        if (moved)
        {
            // Accepted: the volume and the snapshots that went with it are the acceptor's here too, with what they count.
            var now = DbTime.Now(timeProvider);
            foreach (var (type, id) in snapshots.Select(s => (SnapshotsApi.ResourceType, s)).Prepend((VolumesApi.ResourceType, volumeId)))
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE resource_routings SET project_id = @acceptor, updated_at = @now WHERE resource_type = @type AND top_id = @id",
                    new { acceptor, now, type, id },
                    tx,
                    cancellationToken: cancellationToken));
                await QuotaStore.MoveAsync(connection, tx, type, id, acceptor, cancellationToken);
            }
        }

        // Accepted, deleted by its owner or taken by another project: the offer is over, and so is this reservation.
        await QuotaStore.ReleaseAsync(connection, tx, ReservationHolder, transferId, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM resource_routings WHERE resource_type = @type AND top_id = @transferId AND pod_id = @podId",
            new { type = VolumeTransfersApi.ResourceType, transferId, podId = pod.PodId },
            tx,
            cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>A transfer routing whose pod no longer has the transfer (deleted there, or accepted behind Tricircle's back).</summary>
    public Task ForgetAsync(string transferId, string podId, CancellationToken cancellationToken) =>
        routings.ForgetAsync(transferId, VolumeTransfersApi.ResourceType, podId, cancellationToken);

    private async Task<JsonNode?> ShowAsync(Pod pod, string path, CancellationToken cancellationToken)
    {
        try
        {
            return await client.SendJsonAsync(pod, VolumeApi.ServiceType, HttpMethod.Get, path, null, null, cancellationToken) ?? new JsonObject();
        }
        catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status404NotFound)
        {
            return null;
        }
    }
}
