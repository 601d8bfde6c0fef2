namespace Tricircle.Data;

public class DatabaseConnectionTests
{
    [Fact]
    public void Parse_Empty_IsSqliteInStatePath()
    {
        var c = DatabaseConnection.Parse("", "/var/lib/tricircle");
        Assert.Equal(DatabaseDialect.Sqlite, c.Dialect);
        Assert.Contains("/var/lib/tricircle/tricircle.db", c.ConnectionString, StringComparison.Ordinal);
        Assert.Contains("Foreign Keys=True", c.ConnectionString, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("sqlite:////var/lib/tricircle/t.db", "/var/lib/tricircle/t.db")]
    [InlineData("sqlite:///t.db", "t.db")]
    [InlineData("Data Source=/tmp/x.db", "/tmp/x.db")]
    public void Parse_SqliteForms_FindTheFile(string value, string file)
    {
        var c = DatabaseConnection.Parse(value, ".");
        Assert.Equal(DatabaseDialect.Sqlite, c.Dialect);
        Assert.Equal("sqlite:" + file, c.Describe());
    }

    [Fact]
    public void Parse_SqlAlchemyPostgresUrl_BecomesNpgsqlString()
    {
        var c = DatabaseConnection.Parse("postgresql+psycopg2://tri:s%40cret@db.example.org:6543/tricircle?sslmode=require&charset=utf8", ".");
        Assert.Equal(DatabaseDialect.Postgres, c.Dialect);
        var b = new Npgsql.NpgsqlConnectionStringBuilder(c.ConnectionString);
        Assert.Equal("db.example.org", b.Host);
        Assert.Equal(6543, b.Port);
        Assert.Equal("tricircle", b.Database);
        Assert.Equal("tri", b.Username);
        Assert.Equal("s@cret", b.Password);
        Assert.Equal(Npgsql.SslMode.Require, b.SslMode);
        Assert.Equal("postgresql://tri@db.example.org:6543/tricircle", c.Describe());
    }

    [Fact]
    public void Parse_RawNpgsqlString_IsPostgres()
    {
        var c = DatabaseConnection.Parse("Host=127.0.0.1;Port=5432;Username=u;Database=d", ".");
        Assert.Equal(DatabaseDialect.Postgres, c.Dialect);
    }

    [Theory]
    [InlineData("mysql+pymysql://u:p@h/db", "unsupported database 'mysql+pymysql'")]
    [InlineData("postgresql://u:p@h", "names no database")]
    [InlineData("sqlite://relative", "sqlite URL looks like")]
    [InlineData("whatever", "expected a sqlite:// or postgresql:// URL")]
    public void Parse_Bad_SaysWhy(string value, string message)
    {
        var e = Assert.Throws<FormatException>(() => DatabaseConnection.Parse(value, "."));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
