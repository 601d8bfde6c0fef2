using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Tricircle.Support;

namespace Tricircle.Data;

public abstract class SchemaMigratorTests(string dialect) : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync(dialect);

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task Migrate_Twice_SecondRunAppliesNothing()
    {
        await using var database = _db.Open();
        var migrator = new SchemaMigrator(database, TimeProvider.System, NullLogger<SchemaMigrator>.Instance);
        Assert.Empty(await migrator.MigrateAsync(CancellationToken.None)); // TestDatabase already migrated it
        Assert.Equal(SchemaMigrator.Available(database.Dialect).Max(m => m.Version), await migrator.CurrentVersionAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Migrate_Concurrently_FromSeveralInstances_Succeeds()
    {
        await using var database = _db.Open();
        var runs = Enumerable.Range(0, 4).Select(_ => new SchemaMigrator(database, TimeProvider.System, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None));
        var results = await Task.WhenAll(runs);
        Assert.All(results, Assert.Empty);
    }

    [Fact]
    public async Task Schema_HasEveryTableOfTheDesign()
    {
        await using var database = _db.Open();
        await using var connection = await database.OpenAsync(CancellationToken.None);
        foreach (var table in new[] { "pods", "cached_endpoints", "pod_bindings", "resource_routings", "jobs", "job_runs" })
        {
            Assert.Equal(0L, await connection.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table}"));
        }
    }

    [Fact]
    public async Task Schema_RejectsASecondCentralPod()
    {
        await using var database = _db.Open();
        await using var connection = await database.OpenAsync(CancellationToken.None);
        const string insert = "INSERT INTO pods (pod_id, region_name, az_name, pod_az_name, dc_name, created_at) VALUES (@id, @region, '', '', '', @at)";
        await connection.ExecuteAsync(insert, new { id = "p1", region = "CentralRegion", at = DateTime.UtcNow });
        var e = await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => connection.ExecuteAsync(insert, new { id = "p2", region = "Other", at = DateTime.UtcNow }));
        Assert.True(Database.IsUniqueViolation(e), e.Message);
    }

    [Fact]
    public async Task Schema_RoutingUniqueOnTopPodType()
    {
        await using var database = _db.Open();
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await connection.ExecuteAsync("INSERT INTO pods (pod_id, region_name, az_name, pod_az_name, dc_name, created_at) VALUES ('p1', 'R1', 'az1', '', '', @at)", new { at = DateTime.UtcNow });
        const string insert = "INSERT INTO resource_routings (top_id, bottom_id, pod_id, project_id, resource_type, created_at) VALUES ('t', 'b', @pod, 'proj', 'network', @at)";
        await connection.ExecuteAsync(insert, new { pod = "p1", at = DateTime.UtcNow });
        var dup = await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => connection.ExecuteAsync(insert, new { pod = "p1", at = DateTime.UtcNow }));
        Assert.True(Database.IsUniqueViolation(dup), dup.Message);
        var fk = await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => connection.ExecuteAsync(insert, new { pod = "nope", at = DateTime.UtcNow }));
        Assert.True(Database.IsForeignKeyViolation(fk), fk.Message);
    }
}

public sealed class SchemaMigratorSqliteTests() : SchemaMigratorTests("sqlite");

public sealed class SchemaMigratorPostgresTests() : SchemaMigratorTests("postgres");
