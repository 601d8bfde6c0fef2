using Tricircle.Hosting;
using Tricircle.Jobs.Handlers;

namespace Tricircle.Jobs;

internal static class JobsServiceCollectionExtensions
{
    /// <summary>The job engine: its store, the runner and its handlers, and the workers of the <c>jobs</c> role.</summary>
    public static IServiceCollection AddJobs(this IServiceCollection services)
    {
        services.AddSectionOptions<JobOptions>(JobOptions.Section);
        services.AddSingleton<JobSignal>();
        services.AddSingleton<JobStore>();
        services.AddSingleton<JobRunner>();
        services.AddSingleton<JobQueue>();
        services.AddSingleton<AuditRateLimits>();

        // One handler per job type (JobTypes.All; a test checks none is missing).
        services.AddSingleton<CopyRows>();
        services.AddSingleton<CopiesDelete>();
        services.AddSingleton<IJobHandler, NetworkSyncJob>();
        services.AddSingleton<IJobHandler, SubnetSyncJob>();
        services.AddSingleton<IJobHandler, PortSyncJob>();
        services.AddSingleton<IJobHandler, SecurityGroupSyncJob>();
        services.AddSingleton<IJobHandler, QosPolicySyncJob>();
        services.AddSingleton<IJobHandler, NetworkDeleteJob>();
        services.AddSingleton<IJobHandler, SubnetDeleteJob>();
        services.AddSingleton<IJobHandler, SecurityGroupDeleteJob>();
        services.AddSingleton<IJobHandler, ServerCleanupJob>();
        services.AddSingleton<IJobHandler, DeleteWaitJob>();
        services.AddSingleton<IJobHandler, VolumeCleanupJob>();
        services.AddSingleton<IJobHandler, VolumeTransferAcceptJob>();
        services.AddSingleton<IJobHandler, ServerGroupCleanupJob>();
        services.AddSingleton<IJobHandler, RouterSyncJob>();
        services.AddSingleton<IJobHandler, FloatingIpSyncJob>();
        services.AddSingleton<IJobHandler, ShadowPortSyncJob>();
        services.AddSingleton<IJobHandler, TrunkSyncJob>();
        services.AddSingleton<IJobHandler, PodAuditJob>();
        services.AddHostedService<JobWorker>();
        services.AddHostedService<JobMaintenance>();
        return services;
    }
}
