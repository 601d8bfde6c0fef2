using Tricircle.Hosting;

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
        services.AddHostedService<JobWorker>();
        services.AddHostedService<JobMaintenance>();
        return services;
    }
}
