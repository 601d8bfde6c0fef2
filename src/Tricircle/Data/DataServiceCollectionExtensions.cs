using Microsoft.Extensions.Options;
using Tricircle.Hosting;

namespace Tricircle.Data;

/// <summary>Registers the database: <c>[database]</c>, the connection pool and the schema migrator.</summary>
internal static class DataServiceCollectionExtensions
{
    public static IServiceCollection AddData(this IServiceCollection services)
    {
        services.AddSectionOptions<DatabaseOptions>(DatabaseOptions.Section);
        services.AddSingleton(sp =>
        {
            var db = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            var state = sp.GetRequiredService<IOptions<ServiceOptions>>().Value.StatePath;
            return new Database(DatabaseConnection.Parse(db.Connection, state, db.CommandTimeout), db.MaxPoolSize, sp.GetRequiredService<Telemetry.TricircleMetrics>());
        });
        services.AddSingleton<SchemaMigrator>();
        return services;
    }
}
