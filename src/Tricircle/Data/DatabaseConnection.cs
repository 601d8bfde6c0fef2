using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Tricircle.Data;

internal enum DatabaseDialect
{
    Sqlite,
    Postgres,
}

/// <summary>
/// A parsed <c>[database] connection</c>: the dialect and an ADO.NET connection string.
/// Accepts the SQLAlchemy URLs OpenStack operators already write in their configs.
/// </summary>
internal sealed record DatabaseConnection(DatabaseDialect Dialect, string ConnectionString)
{
    public static DatabaseConnection Parse(string value, string stateDirectory, int commandTimeout = 30)
    {
        var text = value.Trim();
        if (text.Length == 0)
        {
            return Sqlite(Path.Combine(stateDirectory, "tricircle.db"), commandTimeout);
        }

        if (text.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
        {
            // sqlite:///relative.db, sqlite:////absolute.db (SQLAlchemy's convention).
            var path = text["sqlite:".Length..];
            if (!path.StartsWith("///", StringComparison.Ordinal))
            {
                throw new FormatException("a sqlite URL looks like sqlite:////absolute/path.db or sqlite:///relative.db");
            }

            path = path[3..];
            var query = path.IndexOf('?', StringComparison.Ordinal);
            if (query >= 0)
            {
                path = path[..query];
            }

            if (path.Length == 0)
            {
                throw new FormatException("the sqlite URL names no file");
            }

            return Sqlite(path, commandTimeout);
        }

        if (text.StartsWith("postgresql", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgres:", StringComparison.OrdinalIgnoreCase))
        {
            return Postgres(ParsePostgresUrl(text), commandTimeout);
        }

        if (text.Contains("://", StringComparison.Ordinal))
        {
            var scheme = text[..text.IndexOf("://", StringComparison.Ordinal)];
            throw new FormatException($"unsupported database '{scheme}'; use sqlite or postgresql");
        }

        // A raw ADO.NET connection string: Host= means PostgreSQL, Data Source= means SQLite.
        if (text.Contains("Host=", StringComparison.OrdinalIgnoreCase) || text.Contains("Server=", StringComparison.OrdinalIgnoreCase))
        {
            return Postgres(new NpgsqlConnectionStringBuilder(text), commandTimeout);
        }

        if (text.Contains("Data Source=", StringComparison.OrdinalIgnoreCase) || text.Contains("DataSource=", StringComparison.OrdinalIgnoreCase))
        {
            var builder = new SqliteConnectionStringBuilder(text);
            return Sqlite(builder.DataSource, commandTimeout);
        }

        throw new FormatException("expected a sqlite:// or postgresql:// URL, or a connection string with Host= or Data Source=");
    }

    private static DatabaseConnection Sqlite(string path, int commandTimeout)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            ForeignKeys = true,
            Pooling = true,
            DefaultTimeout = commandTimeout,
        };
        return new DatabaseConnection(DatabaseDialect.Sqlite, builder.ConnectionString);
    }

    private static DatabaseConnection Postgres(NpgsqlConnectionStringBuilder builder, int commandTimeout)
    {
        builder.CommandTimeout = commandTimeout;
        return new DatabaseConnection(DatabaseDialect.Postgres, builder.ConnectionString);
    }

    private static NpgsqlConnectionStringBuilder ParsePostgresUrl(string text)
    {
        // postgresql+psycopg2://user:pass@host:port/db?sslmode=require
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new FormatException("a postgresql URL looks like postgresql://user:password@host:5432/database");
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
        };
        if (string.IsNullOrEmpty(builder.Database))
        {
            throw new FormatException("the postgresql URL names no database");
        }

        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0)
            {
                builder.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            var val = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            switch (key.ToLowerInvariant())
            {
                case "sslmode":
                    builder.SslMode = Enum.Parse<SslMode>(val.Replace("-", "", StringComparison.Ordinal), ignoreCase: true);
                    break;
                case "connect_timeout":
                    builder.Timeout = int.Parse(val, CultureInfo.InvariantCulture);
                    break;
                case "application_name":
                    builder.ApplicationName = val;
                    break;
                default:
                    break; // driver options of other libraries (charset=utf8, ...) mean nothing here
            }
        }

        return builder;
    }

    /// <summary>The connection string with any password masked, for logs and status output.</summary>
    public string Describe() => Dialect switch
    {
        DatabaseDialect.Sqlite => "sqlite:" + new SqliteConnectionStringBuilder(ConnectionString).DataSource,
        _ => DescribePostgres(ConnectionString),
    };

    private static string DescribePostgres(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        return $"postgresql://{b.Username}@{b.Host}:{b.Port}/{b.Database}";
    }
}
