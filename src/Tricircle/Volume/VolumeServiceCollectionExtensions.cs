namespace Tricircle.Volume;

/// <summary>Registers the Cinder gateway's services: routed volumes and snapshots, their quotas and the central volume types.</summary>
internal static class VolumeServiceCollectionExtensions
{
    public static IServiceCollection AddVolume(this IServiceCollection services)
    {
        services.AddSingleton<VolumeRoutes>();
        services.AddSingleton<VolumeRecords>();
        services.AddSingleton<VolumeQuotas>();
        services.AddSingleton<VolumeTransfers>();
        services.AddSingleton<VolumeTypeStore>();
        services.AddSingleton<ListCounts>();
        return services;
    }
}
