using Tricircle.Network;

namespace Tricircle.Jobs.Handlers;

/// <summary><c>router_sync</c>: one job per router converges all its copies (upstream's router_setup and configure_route in one, so that changes of one router fold into one run).</summary>
internal sealed class RouterSyncJob(RouterCopies copies) : IJobHandler
{
    public JobType Type => JobTypes.RouterSync;

    public Task RunAsync(Job job, CancellationToken cancellationToken) => copies.ConvergeAsync(job.Key("router_id"), cancellationToken);
}
