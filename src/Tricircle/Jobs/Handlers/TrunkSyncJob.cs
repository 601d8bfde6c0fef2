using Tricircle.Network;

namespace Tricircle.Jobs.Handlers;

/// <summary><c>trunk_sync</c>: the trunk's copy in one pod (see <see cref="TrunkCopies"/>).</summary>
internal sealed class TrunkSyncJob(CopyRows rows, TrunkCopies copies) : IJobHandler
{
    public JobType Type => JobTypes.TrunkSync;

    public async Task RunAsync(Job job, CancellationToken cancellationToken)
    {
        if (await rows.PodAsync(job, cancellationToken) is { } pod)
        {
            await copies.ConvergeAsync(pod, job.Key("trunk_id"), cancellationToken);
        }
    }
}
