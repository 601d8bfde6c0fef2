using System.Data.Common;
using System.Globalization;
using System.Reflection;
using Dapper;

namespace Tricircle.Data;

/// <summary>
/// Applies the numbered SQL scripts under <c>Data/Migrations/{dialect}/</c> (embedded in the
/// assembly) in order, each in its own transaction, and records them in <c>schema_migrations</c>.
/// Safe to run from several instances at once: PostgreSQL takes an advisory lock, SQLite's
/// single writer serialises.
/// </summary>
internal sealed partial class SchemaMigrator(Database database, TimeProvider timeProvider, ILogger<SchemaMigrator> logger)
{
    // Any stable number; identifies "tricircle schema migration" among advisory locks.
    private const long AdvisoryLockKey = 0x7472_6963_6972_636C;

    public static IReadOnlyList<Migration> Available(DatabaseDialect dialect)
    {
        var prefix = "Migrations/" + (dialect == DatabaseDialect.Sqlite ? "sqlite" : "postgres") + "/";
        var assembly = typeof(SchemaMigrator).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => Migration.FromResource(assembly, n, prefix))
            .OrderBy(m => m.Version)
            .ToList();
    }

    /// <summary>Brings the schema to the newest version; returns the migrations applied now.</summary>
    public async Task<IReadOnlyList<Migration>> MigrateAsync(CancellationToken cancellationToken)
    {
        var applied = new List<Migration>();
        await using var connection = await database.OpenAsync(cancellationToken);
        await EnsureVersionTableAsync(connection, cancellationToken);

        foreach (var migration in Available(database.Dialect))
        {
            await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
            if (database.Dialect == DatabaseDialect.Postgres)
            {
                await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@key)", new { key = AdvisoryLockKey }, tx, cancellationToken: cancellationToken));
            }

            var done = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM schema_migrations WHERE version = @version", new { version = migration.Version }, tx, cancellationToken: cancellationToken));
            if (done > 0)
            {
                await tx.RollbackAsync(cancellationToken);
                continue;
            }

            await connection.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: tx, cancellationToken: cancellationToken));
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @at)",
                new { version = migration.Version, name = migration.Name, at = timeProvider.GetUtcNow().UtcDateTime },
                tx,
                cancellationToken: cancellationToken));
            await tx.CommitAsync(cancellationToken);
            Log.Applied(logger, migration.Version, migration.Name, database.Connection.Describe());
            applied.Add(migration);
        }

        return applied;
    }

    /// <summary>The newest applied version, or 0 for an empty database.</summary>
    public async Task<int> CurrentVersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await EnsureVersionTableAsync(connection, cancellationToken);
        return await connection.ExecuteScalarAsync<int?>(new CommandDefinition("SELECT MAX(version) FROM schema_migrations", cancellationToken: cancellationToken)) ?? 0;
    }

    private async Task EnsureVersionTableAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var timestamp = database.Dialect == DatabaseDialect.Sqlite ? "TEXT" : "TIMESTAMPTZ";
        var sql = $"CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, applied_at {timestamp} NOT NULL)";
        if (database.Dialect == DatabaseDialect.Postgres)
        {
            // CREATE TABLE IF NOT EXISTS races between instances on PostgreSQL; serialise it.
            await using var tx = await connection.BeginTransactionAsync(cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@key)", new { key = AdvisoryLockKey }, tx, cancellationToken: cancellationToken));
            await connection.ExecuteAsync(new CommandDefinition(sql, transaction: tx, cancellationToken: cancellationToken));
            await tx.CommitAsync(cancellationToken);
        }
        else
        {
            await connection.ExecuteAsync(new CommandDefinition(sql, cancellationToken: cancellationToken));
        }
    }

    internal sealed record Migration(int Version, string Name, string Sql)
    {
        public static Migration FromResource(Assembly assembly, string resource, string prefix)
        {
            var file = resource[prefix.Length..^".sql".Length];
            var underscore = file.IndexOf('_', StringComparison.Ordinal);
            var version = int.Parse(underscore < 0 ? file : file[..underscore], CultureInfo.InvariantCulture);
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            return new Migration(version, file, reader.ReadToEnd());
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Applied schema migration {Version} ({Name}) to {Database}")]
        public static partial void Applied(ILogger logger, int version, string name, string database);
    }
}
