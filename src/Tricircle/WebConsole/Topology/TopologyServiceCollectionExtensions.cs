namespace Tricircle.WebConsole.Topology;

/// <summary>Registers the topology picture's readers (the page itself is found by the console's router).</summary>
internal static class TopologyServiceCollectionExtensions
{
    public static IServiceCollection AddTopology(this IServiceCollection services)
    {
        services.AddSingleton<ServerNames>();
        services.AddSingleton<TopologyReader>();
        services.AddSingleton<ResourceDetails>();
        return services;
    }
}
