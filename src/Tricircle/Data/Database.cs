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
    private readonly int _busyTimeoutMs;
    private readonly Telemetry.TricircleMetrics? _metrics;
    private readonly string _system;
    private volatile bool _walSet;

    static Database()
    {
        // Columns are snake_case (pod_id), properties PascalCase (PodId).
        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;
    }

    /// <summary>With <c>metrics</c>, connections time their commands (<see cref="MeasuredConnection"/>).</summary>
    public Database(DatabaseConnection connection, int maxPoolSize = 50, Telemetry.TricircleMetrics? metrics = null)
    {
        Connection = connection;
        _metrics = metrics;
        _system = connection.Dialect == DatabaseDialect.Postgres ? "postgresql" : "sqlite";
        if (connection.Dialect == DatabaseDialect.Postgres)
        {
            var builder = new NpgsqlDataSourceBuilder(connection.ConnectionString);
            builder.ConnectionStringBuilder.MaxPoolSize = maxPoolSize;
            _postgres = builder.Build();
        }
        else
        {
            var builder = new SqliteConnectionStringBuilder(connection.ConnectionString);
            _busyTimeoutMs = builder.DefaultTimeout * 1000;
            var path = builder.DataSource;
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
        if (_metrics is null)
        {
            return await OpenProviderAsync(cancellationToken);
        }

        // Opening is timed too: on PostgreSQL it is the wait for a pooled connection.
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var connection = await OpenProviderAsync(cancellationToken);
        if (_metrics.DatabaseEnabled)
        {
            _metrics.DatabaseOperation(_system, "open", Telemetry.TricircleMetrics.Since(started));
        }

        return new MeasuredConnection(connection, _metrics, _system);
    }

    private async ValueTask<DbConnection> OpenProviderAsync(CancellationToken cancellationToken)
    {
        if (_postgres is not null)
        {
            return await _postgres.OpenConnectionAsync(cancellationToken);
        }

        var sqlite = new SqliteConnection(Connection.ConnectionString);
        await sqlite.OpenAsync(cancellationToken);

        // SQLite's own busy handler waits for the writer in steps of a few milliseconds; without
        // it, Microsoft.Data.Sqlite retries a locked statement every 150 ms, which concurrent jobs
        // and requests hit all the time. WAL lets readers go on while the one writer writes (kept
        // in the file once set).
        using var pragma = sqlite.CreateCommand();
        pragma.CommandText = $"PRAGMA busy_timeout = {_busyTimeoutMs};" + (_walSet ? "" : " PRAGMA journal_mode = WAL;");
        await pragma.ExecuteNonQueryAsync(cancellationToken);
        _walSet = true;
        return sqlite;
    }

    /// <summary>
    /// Begins a transaction that takes the write lock at once on SQLite (BEGIN IMMEDIATE), so
    /// that read-then-write sequences never fail half-way on lock upgrade.
    /// </summary>
    public static async ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        MeasuredConnection.Unwrap(connection) is SqliteConnection sqlite
            ? sqlite.BeginTransaction(deferred: false)
            : await connection.BeginTransactionAsync(cancellationToken);

    public static bool IsUniqueViolation(Exception exception) => exception switch
    {
        PostgresException pg => pg.SqlState == PostgresErrorCodes.UniqueViolation,
        SqliteException sqlite => sqlite.SqliteErrorCode == 19 && sqlite.SqliteExtendedErrorCode is 2067 or 1555,
        _ => false,
    };

    /// <summary>
    /// The database could not take the work now, and the same request later would succeed: a
    /// SQLite write lock held past busy_timeout, a PostgreSQL lock or serialization conflict, or
    /// no pooled connection free in time. Nothing was written (the transaction rolled back).
    /// </summary>
    public static bool IsBusy(Exception exception) => exception switch
    {
        SqliteException sqlite => sqlite.SqliteErrorCode is 5 or 6, // SQLITE_BUSY, SQLITE_LOCKED
        PostgresException pg => pg.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.LockNotAvailable,
        NpgsqlException { InnerException: TimeoutException } => true, // the pool had no connection in time
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
