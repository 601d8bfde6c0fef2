using Tricircle.Network;

namespace Tricircle.Jobs.Handlers;

/// <summary><c>shadow_port_sync</c>: one job per network converges its shadows in every pod holding it (see <see cref="ShadowPorts"/>).</summary>
internal sealed class ShadowPortSyncJob(ShadowPorts shadows) : IJobHandler
{
    public JobType Type => JobTypes.ShadowPortSync;

    public Task RunAsync(Job job, CancellationToken cancellationToken) => shadows.ConvergeAsync(job.Key("network_id"), cancellationToken);
}
