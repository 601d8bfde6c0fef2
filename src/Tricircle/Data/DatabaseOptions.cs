using Tricircle.Hosting;

namespace Tricircle.Data;

/// <summary>The <c>[database]</c> section.</summary>
internal sealed class DatabaseOptions : ISectionOptions
{
    public const string Section = "database";

    /// <summary>
    /// An oslo.db-style URL (<c>sqlite:////var/lib/tricircle/tricircle.db</c>,
    /// <c>postgresql://user:pass@host:5432/tricircle</c>) or an ADO.NET connection string
    /// (<c>Data Source=...</c> for SQLite, <c>Host=...</c> for PostgreSQL). Empty means
    /// SQLite in <c>[DEFAULT] state_path</c>.
    /// </summary>
    [ConfigurationKeyName("connection")]
    public string Connection { get; set; } = "";

    /// <summary>Seconds a statement may wait, including for SQLite's single writer lock.</summary>
    [ConfigurationKeyName("command_timeout")]
    public int CommandTimeout { get; set; } = 30;

    /// <summary>Largest PostgreSQL connection pool per instance.</summary>
    [ConfigurationKeyName("max_pool_size")]
    public int MaxPoolSize { get; set; } = 50;

    public IEnumerable<string> Problems()
    {
        string? problem = null;
        try
        {
            DatabaseConnection.Parse(Connection, ".", CommandTimeout);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            problem = $"[database] connection: {e.Message}";
        }

        if (problem is not null)
        {
            yield return problem;
        }

        if (SectionOptionsExtensions.CheckRange(Section, "command_timeout", CommandTimeout, 1, 3600) is { } timeout)
        {
            yield return timeout;
        }

        if (SectionOptionsExtensions.CheckRange(Section, "max_pool_size", MaxPoolSize, 1, 1000) is { } pool)
        {
            yield return pool;
        }
    }
}
