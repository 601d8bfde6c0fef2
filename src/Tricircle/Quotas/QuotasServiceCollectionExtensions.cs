using Tricircle.Hosting;

namespace Tricircle.Quotas;

/// <summary>Registers the central quotas: <c>[quota]</c> and the limits and allocations store.</summary>
internal static class QuotasServiceCollectionExtensions
{
    public static IServiceCollection AddQuotas(this IServiceCollection services)
    {
        services.AddSectionOptions<QuotaOptions>(QuotaOptions.Section);
        services.AddSingleton<QuotaStore>();
        return services;
    }
}
