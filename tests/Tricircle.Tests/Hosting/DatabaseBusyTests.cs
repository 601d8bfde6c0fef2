using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Tricircle.Data;

namespace Tricircle.Hosting;

/// <summary>A database too busy to take a write is the caller's "try again", not the service's fault.</summary>
public class DatabaseBusyTests
{
    [Fact]
    public async Task Sqlite_WriteLockHeldPastTheBusyTimeout_IsBusy()
    {
        var directory = Directory.CreateTempSubdirectory("tricircle-busy-").FullName;
        try
        {
            var connection = DatabaseConnection.Parse("", directory, commandTimeout: 1);
            await using var database = new Database(connection);
            await using var holder = new SqliteConnection(connection.ConnectionString);
            await holder.OpenAsync();
            using (var create = holder.CreateCommand())
            {
                create.CommandText = "CREATE TABLE t (x INTEGER)";
                await create.ExecuteNonQueryAsync();
            }

            using var held = holder.BeginTransaction(deferred: false); // another writer, holding the lock

            await using var mine = await database.OpenAsync(CancellationToken.None);
            var e = await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                await using var tx = await Database.BeginWriteAsync(mine, CancellationToken.None);
            });
            Assert.True(Database.IsBusy(e), e.ToString());
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void OtherDatabaseErrors_AreNotBusy()
    {
        Assert.False(Database.IsBusy(new SqliteException("constraint failed", 19, 2067)));
        Assert.False(Database.IsBusy(new InvalidOperationException("no")));
    }

    [Theory]
    [InlineData("Compute", "serviceUnavailable")]
    [InlineData("Network", "NeutronError")]
    public async Task Busy_Is503WithRetryAfter_InTheApisShape(string role, string key)
    {
        var context = new DefaultHttpContext();
        context.Features.Set(new ApiRoleFeature(Enum.Parse<ServiceRole>(role)));
        context.Response.Body = new MemoryStream();
        var middleware = new ApiErrorMiddleware(_ => throw new SqliteException("database is locked", 5), NullLogger<ApiErrorMiddleware>.Instance);

        await middleware.InvokeAsync(context);

        Assert.Equal(503, context.Response.StatusCode);
        Assert.Equal("1", context.Response.Headers.RetryAfter.ToString());
        context.Response.Body.Position = 0;
        using var body = await JsonDocument.ParseAsync(context.Response.Body);
        var error = body.RootElement.GetProperty(key);
        Assert.Contains("database is busy", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
