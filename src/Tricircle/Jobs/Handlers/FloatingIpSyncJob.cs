using Tricircle.Network;

namespace Tricircle.Jobs.Handlers;

/// <summary><c>floatingip_sync</c>: the floating IP's copy in its external network's pod (see <see cref="FloatingIpCopies"/>).</summary>
internal sealed class FloatingIpSyncJob(FloatingIpCopies copies) : IJobHandler
{
    public JobType Type => JobTypes.FloatingIpSync;

    public Task RunAsync(Job job, CancellationToken cancellationToken) => copies.ConvergeAsync(job.Key("floatingip_id"), cancellationToken);
}
