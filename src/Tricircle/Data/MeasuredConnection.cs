using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Tricircle.Telemetry;

namespace Tricircle.Data;

/// <summary>
/// A connection whose commands are timed into <c>tricircle.db.operation.duration</c> by SQL
/// verb: the one place every Dapper call passes through (Dapper makes its commands with
/// <see cref="DbConnection.CreateCommand"/>). Everything else is the provider's own: a command's
/// <see cref="DbCommand.Connection"/> is the provider's connection, so that Dapper still sees
/// Npgsql for what it treats specially, and <see cref="Inner"/> is there for the few places
/// that ask which provider it is.
/// </summary>
internal sealed class MeasuredConnection(DbConnection inner, TricircleMetrics metrics, string system) : DbConnection
{
    public DbConnection Inner { get; } = inner;

    [AllowNull]
    public override string ConnectionString
    {
        get => Inner.ConnectionString;
        set => Inner.ConnectionString = value;
    }

    public override string Database => Inner.Database;

    public override string DataSource => Inner.DataSource;

    public override string ServerVersion => Inner.ServerVersion;

    public override ConnectionState State => Inner.State;

    public override int ConnectionTimeout => Inner.ConnectionTimeout;

    /// <summary>The provider's connection under a connection that may be measured.</summary>
    public static DbConnection Unwrap(DbConnection connection) => connection is MeasuredConnection measured ? measured.Inner : connection;

    public override void ChangeDatabase(string databaseName) => Inner.ChangeDatabase(databaseName);

    public override void Close() => Inner.Close();

    public override Task CloseAsync() => Inner.CloseAsync();

    public override void Open() => Inner.Open();

    public override Task OpenAsync(CancellationToken cancellationToken) => Inner.OpenAsync(cancellationToken);

    protected override DbTransaction BeginDbTransaction(IsolationLevel isolationLevel) => Inner.BeginTransaction(isolationLevel);

    protected override async ValueTask<DbTransaction> BeginDbTransactionAsync(IsolationLevel isolationLevel, CancellationToken cancellationToken) =>
        await Inner.BeginTransactionAsync(isolationLevel, cancellationToken);

    protected override DbCommand CreateDbCommand() => new MeasuredCommand(Inner.CreateCommand(), metrics, system);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await Inner.DisposeAsync();
        await base.DisposeAsync();
    }

    private sealed class MeasuredCommand(DbCommand inner, TricircleMetrics metrics, string system) : DbCommand
    {
        [AllowNull]
        public override string CommandText
        {
            get => inner.CommandText;
            set => inner.CommandText = value;
        }

        public override int CommandTimeout
        {
            get => inner.CommandTimeout;
            set => inner.CommandTimeout = value;
        }

        public override CommandType CommandType
        {
            get => inner.CommandType;
            set => inner.CommandType = value;
        }

        public override bool DesignTimeVisible
        {
            get => inner.DesignTimeVisible;
            set => inner.DesignTimeVisible = value;
        }

        public override UpdateRowSource UpdatedRowSource
        {
            get => inner.UpdatedRowSource;
            set => inner.UpdatedRowSource = value;
        }

        protected override DbConnection? DbConnection
        {
            get => inner.Connection;
            set => inner.Connection = value is MeasuredConnection measured ? measured.Inner : value;
        }

        protected override DbParameterCollection DbParameterCollection => inner.Parameters;

        protected override DbTransaction? DbTransaction
        {
            get => inner.Transaction;
            set => inner.Transaction = value;
        }

        public override void Cancel() => inner.Cancel();

        public override void Prepare() => inner.Prepare();

        protected override DbParameter CreateDbParameter() => inner.CreateParameter();

        public override int ExecuteNonQuery()
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                return inner.ExecuteNonQuery();
            }
            finally
            {
                Record(started);
            }
        }

        public override object? ExecuteScalar()
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                return inner.ExecuteScalar();
            }
            finally
            {
                Record(started);
            }
        }

        protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                return inner.ExecuteReader(behavior);
            }
            finally
            {
                Record(started);
            }
        }

        public override async Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                return await inner.ExecuteNonQueryAsync(cancellationToken);
            }
            finally
            {
                Record(started);
            }
        }

        public override async Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                return await inner.ExecuteScalarAsync(cancellationToken);
            }
            finally
            {
                Record(started);
            }
        }

        protected override async Task<DbDataReader> ExecuteDbDataReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                return await inner.ExecuteReaderAsync(behavior, cancellationToken);
            }
            finally
            {
                Record(started);
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            await base.DisposeAsync();
        }

        private void Record(long started)
        {
            if (metrics.DatabaseEnabled)
            {
                metrics.DatabaseOperation(system, TricircleMetrics.Operation(inner.CommandText), TricircleMetrics.Since(started));
            }
        }
    }
}
