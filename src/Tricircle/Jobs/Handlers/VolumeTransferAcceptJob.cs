using Tricircle.Volume;

namespace Tricircle.Jobs.Handlers;

/// <summary>
/// <c>volume_transfer_accept</c>: the central half of a transfer's acceptance, settled from what
/// the pod says (<see cref="VolumeTransfers.SettleAsync"/>). A removed pod has nothing left to
/// move: the reservation is given back.
/// </summary>
internal sealed class VolumeTransferAcceptJob(CopyRows rows, VolumeTransfers transfers, Quotas.QuotaStore quotas) : IJobHandler
{
    public JobType Type => JobTypes.VolumeTransferAccept;

    public async Task RunAsync(Job job, CancellationToken cancellationToken)
    {
        var transferId = job.Key("transfer_id");
        if (await rows.PodAsync(job, cancellationToken) is not { } pod)
        {
            await quotas.ReleaseAsync(VolumeTransfers.ReservationHolder, transferId, cancellationToken);
            return;
        }

        await transfers.SettleAsync(pod, transferId, job.Key("volume_id"), job.Key("project_id"), cancellationToken);
    }
}
