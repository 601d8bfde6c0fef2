namespace Tricircle.Compute;

/// <summary>Registers the Nova gateway's services: microversions, the central flavors and keypairs, and servers' catalogue, networks and multi-creates.</summary>
internal static class ComputeServiceCollectionExtensions
{
    public static IServiceCollection AddCompute(this IServiceCollection services)
    {
        services.AddSingleton<ComputeVersions>();
        services.AddSingleton<FlavorStore>();
        services.AddSingleton<FlavorSync>();
        services.AddSingleton<FlavorImport>();
        services.AddSingleton<KeypairStore>();
        services.AddSingleton<ServerCatalogue>();
        services.AddSingleton<ServerNetworks>();
        services.AddSingleton<KeypairSync>();
        services.AddSingleton<ServerBoot>();
        services.AddSingleton<ServerRecords>();
        services.AddSingleton<ServerInterfaces>();
        services.AddSingleton<ServerSecurityGroups>();
        services.AddSingleton<ServerGroupStore>();
        services.AddSingleton<ServerGroups>();
        services.AddSingleton<InstanceActionRequestIds>();
        return services;
    }
}
