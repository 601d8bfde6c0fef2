using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Tricircle.Data;

namespace Tricircle.Support;

/// <summary>
/// A fresh, migrated database for one test class: a SQLite file in a temp folder, or a new
/// database on the PostgreSQL server named by <c>TRICIRCLE_TEST_POSTGRES</c> (which
/// <c>run-tests.sh</c> starts). PostgreSQL missing is a failure, never a skip.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string PostgresVariable = "TRICIRCLE_TEST_POSTGRES";

    private readonly string? _directory;
    private readonly string? _postgresServer;
    private readonly string? _postgresName;

    private TestDatabase(string connection, string? directory, string? server, string? name)
    {
        Connection = connection;
        _directory = directory;
        _postgresServer = server;
        _postgresName = name;
    }

    /// <summary>The <c>[database] connection</c> value.</summary>
    public string Connection { get; }

    internal DatabaseDialect Dialect => _postgresServer is null ? DatabaseDialect.Sqlite : DatabaseDialect.Postgres;

    public static async Task<TestDatabase> CreateAsync(string dialect)
    {
        if (dialect == "sqlite")
        {
            var directory = Directory.CreateTempSubdirectory("tricircle-test-").FullName;
            var db = new TestDatabase("sqlite:///" + Path.Combine(directory, "tricircle.db"), directory, null, null);
            await db.MigrateAsync();
            return db;
        }

        var server = Environment.GetEnvironmentVariable(PostgresVariable);
        if (string.IsNullOrWhiteSpace(server))
        {
            throw new InvalidOperationException(
                $"{PostgresVariable} is not set. The PostgreSQL tests need a server: run ./run-tests.sh, which starts a throwaway cluster, " +
                $"or start one with `.ci/postgres.sh start /tmp/tricircle-pg` and export {PostgresVariable} to the connection string it prints.");
        }

        var name = "tricircle_test_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = new NpgsqlConnection(server))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await create.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(server) { Database = name };
        var pg = new TestDatabase(builder.ConnectionString, null, server, name);
        await pg.MigrateAsync();
        return pg;
    }

    internal Database Open() => new(DatabaseConnection.Parse(Connection, _directory ?? Path.GetTempPath()));

    private async Task MigrateAsync()
    {
        await using var database = Open();
        await new SchemaMigrator(database, TimeProvider.System, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        if (_postgresServer is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(_postgresServer);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_postgresName} WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }

        if (_directory is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // a file still open on a slow shutdown; the temp folder is cleaned by the OS
            }
        }
    }
}
