namespace Tricircle.Routing;

/// <summary>
/// Registers the resource routing table and the race-safe copies into pods built on it
/// (<c>AddResourceRouting</c>: ASP.NET Core's endpoint routing has <c>AddRouting</c>).
/// </summary>
internal static class ResourceRoutingServiceCollectionExtensions
{
    public static IServiceCollection AddResourceRouting(this IServiceCollection services)
    {
        services.AddSingleton<RoutingCache>();
        services.AddSingleton<RoutingStore>();
        services.AddSingleton<PodCopies>();
        return services;
    }
}
