using System.Data.Common;
using Dapper;
using Tricircle.Data;
using Tricircle.Errors;
using Tricircle.Routing;

namespace Tricircle.Compute;

/// <summary>A central flavor: Nova's fields, stored in Tricircle's database.</summary>
internal sealed class Flavor
{
    public string FlavorId { get; set; } = "";

    public string Name { get; set; } = "";

    public int Ram { get; set; }

    public int Vcpus { get; set; }

    public int Disk { get; set; }

    public int Ephemeral { get; set; }

    public int Swap { get; set; }

    public double RxtxFactor { get; set; } = 1.0;

    public bool IsPublic { get; set; } = true;

    public string? Description { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? UpdatedAt { get; set; }

    /// <summary>Whether a pod's flavor has the shape of this one (what a server gets from it).</summary>
    public bool SameShape(System.Text.Json.Nodes.JsonNode? pod) =>
        pod is not null
        && Int(pod["ram"]) == Ram && Int(pod["vcpus"]) == Vcpus && Int(pod["disk"]) == Disk
        && Int(pod["OS-FLV-EXT-DATA:ephemeral"]) == Ephemeral && Int(pod["swap"]) == Swap;

    // Nova shows swap 0 as "" before 2.75.
    private static int Int(System.Text.Json.Nodes.JsonNode? node) =>
        node is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<int>(out var i) ? i : 0;
}

/// <summary>The central flavor catalogue (flavors, their extra specs and project access).</summary>
internal sealed class FlavorStore(Database database, TimeProvider timeProvider)
{
    private const string Columns = "flavor_id, name, ram, vcpus, disk, ephemeral, swap, rxtx_factor, is_public, description, created_at, updated_at";

    public async Task<IReadOnlyList<Flavor>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<Flavor>(new CommandDefinition($"SELECT {Columns} FROM flavors", cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>The projects that may use each private flavor.</summary>
    public async Task<ILookup<string, string>> AccessAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string FlavorId, string ProjectId)>(new CommandDefinition(
            "SELECT flavor_id, project_id FROM flavor_projects ORDER BY project_id", cancellationToken: cancellationToken));
        return rows.ToLookup(r => r.FlavorId, r => r.ProjectId, StringComparer.Ordinal);
    }

    public async Task<Flavor?> FindAsync(string flavorId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<Flavor>(new CommandDefinition(
            $"SELECT {Columns} FROM flavors WHERE flavor_id = @flavorId", new { flavorId }, cancellationToken: cancellationToken));
    }

    /// <summary>The flavor if the project may use it (public, granted, or any for an admin).</summary>
    public async Task<Flavor?> FindUsableAsync(string flavorId, string projectId, bool isAdmin, CancellationToken cancellationToken)
    {
        var flavor = await FindAsync(flavorId, cancellationToken);
        if (flavor is null || flavor.IsPublic || isAdmin)
        {
            return flavor;
        }

        return (await ProjectsAsync(flavorId, cancellationToken)).Contains(projectId, StringComparer.Ordinal) ? flavor : null;
    }

    public async Task<IReadOnlyList<string>> ProjectsAsync(string flavorId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT project_id FROM flavor_projects WHERE flavor_id = @flavorId ORDER BY project_id", new { flavorId }, cancellationToken: cancellationToken))).ToList();
    }

    public async Task CreateAsync(Flavor flavor, CancellationToken cancellationToken)
    {
        flavor.CreatedAt = DbTime.Now(timeProvider);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        if (await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM flavors WHERE name = @Name", flavor, tx, cancellationToken: cancellationToken)) > 0)
        {
            throw TricircleException.Conflict($"Flavor with name {flavor.Name} already exists.");
        }

        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                $"INSERT INTO flavors ({Columns}) VALUES (@FlavorId, @Name, @Ram, @Vcpus, @Disk, @Ephemeral, @Swap, @RxtxFactor, @IsPublic, @Description, @CreatedAt, @UpdatedAt)",
                flavor,
                tx,
                cancellationToken: cancellationToken));
            await tx.CommitAsync(cancellationToken);
        }
        catch (DbException e) when (Database.IsUniqueViolation(e))
        {
            throw TricircleException.Conflict($"Flavor with ID {flavor.FlavorId} already exists.");
        }
    }

    public async Task UpdateDescriptionAsync(string flavorId, string? description, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE flavors SET description = @description, updated_at = @now WHERE flavor_id = @flavorId",
            new { flavorId, description, now = DbTime.Now(timeProvider) },
            cancellationToken: cancellationToken));
    }

    /// <summary>Deletes the flavor and forgets its copies in pods (they stay there for the servers that use them).</summary>
    public async Task<bool> DeleteAsync(string flavorId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        var deleted = await connection.ExecuteAsync(new CommandDefinition("DELETE FROM flavors WHERE flavor_id = @flavorId", new { flavorId }, tx, cancellationToken: cancellationToken));
        await ForgetCopiesAsync(connection, tx, flavorId, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return deleted > 0;
    }

    public async Task<IReadOnlyDictionary<string, string>> ExtraSpecsAsync(string flavorId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Key, string Value)>(new CommandDefinition(
            "SELECT spec_key, spec_value FROM flavor_extra_specs WHERE flavor_id = @flavorId ORDER BY spec_key", new { flavorId }, cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal);
    }

    /// <summary>
    /// Sets extra specs. Pods got the old ones when the flavor was copied there: their routing rows
    /// are forgotten so that the next boot in a pod copies the specs again.
    /// </summary>
    public async Task SetExtraSpecsAsync(string flavorId, IReadOnlyDictionary<string, string> specs, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        foreach (var (key, value) in specs)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO flavor_extra_specs (flavor_id, spec_key, spec_value) VALUES (@flavorId, @key, @value)
                ON CONFLICT (flavor_id, spec_key) DO UPDATE SET spec_value = excluded.spec_value
                """,
                new { flavorId, key, value },
                tx,
                cancellationToken: cancellationToken));
        }

        await ForgetCopiesAsync(connection, tx, flavorId, cancellationToken);
        await tx.CommitAsync(cancellationToken);
    }

    public async Task<bool> DeleteExtraSpecAsync(string flavorId, string key, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM flavor_extra_specs WHERE flavor_id = @flavorId AND spec_key = @key", new { flavorId, key }, cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>Grants a project access; false when it already had it.</summary>
    public async Task<bool> AddAccessAsync(string flavorId, string projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO flavor_projects (flavor_id, project_id) VALUES (@flavorId, @projectId)", new { flavorId, projectId }, cancellationToken: cancellationToken));
            return true;
        }
        catch (DbException e) when (Database.IsUniqueViolation(e))
        {
            return false;
        }
    }

    public async Task<bool> RemoveAccessAsync(string flavorId, string projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM flavor_projects WHERE flavor_id = @flavorId AND project_id = @projectId", new { flavorId, projectId }, cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>Seeds flavors that do not exist yet (by id or name); what an operator changed stays.</summary>
    public async Task SeedAsync(IEnumerable<Flavor> flavors, CancellationToken cancellationToken)
    {
        foreach (var flavor in flavors)
        {
            try
            {
                await CreateAsync(flavor, cancellationToken);
            }
            catch (TricircleException e) when (e.Kind == ErrorKind.Conflict)
            {
                // Kept from an earlier run.
            }
        }
    }

    private static Task<int> ForgetCopiesAsync(DbConnection connection, DbTransaction tx, string flavorId, CancellationToken cancellationToken) =>
        RoutingStore.ForgetCopiesAsync(connection, tx, flavorId, FlavorSync.ResourceType, cancellationToken);
}
