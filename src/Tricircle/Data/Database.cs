using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Tricircle.Data;

/// <summary>
/// The Tricircle database: opens connections for the configured dialect and classifies the
/// constraint errors that the schema raises, so that callers answer 409 instead of 500.
/// </summary>
internal sealed class Database : IAsyncDisposable
{
    private readonly NpgsqlDataSource? _postgres;

    static Database()
    {
        // Columns are snake_case (pod_id), properties PascalCase (PodId).
        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;
    }

    public Database(DatabaseConnection connection, int maxPoolSize = 50)
    {
        Connection = connection;
        if (connection.Dialect == DatabaseDialect.Postgres)
        {
            var builder = new NpgsqlDataSourceBuilder(connection.ConnectionString);
            builder.ConnectionStringBuilder.MaxPoolSize = maxPoolSize;
            _postgres = builder.Build();
        }
        else
        {
            var path = new SqliteConnectionStringBuilder(connection.ConnectionString).DataSource;
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }
        }
    }

    public DatabaseConnection Connection { get; }

    public DatabaseDialect Dialect => Connection.Dialect;

    public async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (_postgres is not null)
        {
            return await _postgres.OpenConnectionAsync(cancellationToken);
        }

        var sqlite = new SqliteConnection(Connection.ConnectionString);
        await sqlite.OpenAsync(cancellationToken);
        return sqlite;
    }

    /// <summary>
    /// Begins a transaction that takes the write lock at once on SQLite (BEGIN IMMEDIATE), so
    /// that read-then-write sequences never fail half-way on lock upgrade.
    /// </summary>
    public static async ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        connection is SqliteConnection sqlite
            ? sqlite.BeginTransaction(deferred: false)
            : await connection.BeginTransactionAsync(cancellationToken);

    public static bool IsUniqueViolation(Exception exception) => exception switch
    {
        PostgresException pg => pg.SqlState == PostgresErrorCodes.UniqueViolation,
        SqliteException sqlite => sqlite.SqliteErrorCode == 19 && sqlite.SqliteExtendedErrorCode is 2067 or 1555,
        _ => false,
    };

    public static bool IsForeignKeyViolation(Exception exception) => exception switch
    {
        PostgresException pg => pg.SqlState == PostgresErrorCodes.ForeignKeyViolation,
        SqliteException sqlite => sqlite.SqliteErrorCode == 19 && sqlite.SqliteExtendedErrorCode == 787,
        _ => false,
    };

    public async ValueTask DisposeAsync()
    {
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }
}
