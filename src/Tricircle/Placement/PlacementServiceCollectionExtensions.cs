namespace Tricircle.Placement;

/// <summary>Registers the tenants' pod bindings and the scheduler that places new resources.</summary>
internal static class PlacementServiceCollectionExtensions
{
    public static IServiceCollection AddPlacement(this IServiceCollection services)
    {
        services.AddSingleton<PodBindingStore>();
        services.AddSingleton<PodScheduler>();
        return services;
    }
}
