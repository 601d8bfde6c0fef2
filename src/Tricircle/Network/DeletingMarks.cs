using System.Data.Common;
using Dapper;
using Tricircle.Data;
using Tricircle.Errors;

namespace Tricircle.Network;

/// <summary>
/// The deletion guard (spec §6.10): a network, subnet or security group is marked while its pod
/// copies are deleted. A mark refuses a second delete and anything that would put the resource
/// into a pod again (a port on it, a copy for a boot), so a copy deleted in a pod is never made
/// again behind the delete's back. The stores set and check marks inside their own transactions;
/// on PostgreSQL the resource's row lock orders the two (a port's insert holds its network's key).
/// </summary>
internal sealed class DeletingMarks(Database database, TimeProvider timeProvider)
{
    /// <summary>Marks the resource; 409 when another delete of it is under way.</summary>
    public async Task MarkAsync(DbConnection connection, DbTransaction tx, string resourceType, string id, CancellationToken cancellationToken)
    {
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO deleting_resources (resource_id, resource_type, deleted_at) VALUES (@id, @resourceType, @now) ON CONFLICT DO NOTHING",
            new { id, resourceType, now = DbTime.Now(timeProvider) },
            tx,
            cancellationToken: cancellationToken));
        if (inserted == 0)
        {
            throw BeingDeleted(resourceType, id);
        }
    }

    /// <summary>Removes the mark (the delete finished, or gave up and left the resource as it was).</summary>
    public static Task ClearAsync(DbConnection connection, DbTransaction? tx, string id, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("DELETE FROM deleting_resources WHERE resource_id = @id", new { id }, tx, cancellationToken: cancellationToken));

    public async Task ClearAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await ClearAsync(connection, null, id, cancellationToken);
    }

    /// <summary>Whether the resource is being deleted (its copies are to go from the pods).</summary>
    public async Task<bool> IsMarkedAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM deleting_resources WHERE resource_id = @id", new { id }, cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>Which of <paramref name="ids"/> are being deleted (one query per few hundred).</summary>
    public async Task<IReadOnlySet<string>> MarkedAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        var marked = new HashSet<string>(StringComparer.Ordinal);
        await using var connection = await database.OpenAsync(cancellationToken);
        foreach (var chunk in ids.Distinct(StringComparer.Ordinal).Chunk(NeutronSql.InChunk))
        {
            var sql = new NeutronSql();
            marked.UnionWith(await connection.QueryAsync<string>(new CommandDefinition(
                $"SELECT resource_id FROM deleting_resources WHERE {sql.In("resource_id", chunk)}", sql.Parameters, cancellationToken: cancellationToken)));
        }

        return marked;
    }

    /// <summary>409 naming the first of <paramref name="ids"/> being deleted, if any is.</summary>
    public static async Task RefuseAsync(DbConnection connection, DbTransaction? tx, IEnumerable<string> ids, CancellationToken cancellationToken)
    {
        var sql = new NeutronSql();
        var wanted = ids.Distinct(StringComparer.Ordinal).Cast<object?>().ToList();
        if (wanted.Count == 0)
        {
            return;
        }

        var marked = (await connection.QueryAsync<(string Id, string Type)>(new CommandDefinition(
            $"SELECT resource_id, resource_type FROM deleting_resources WHERE {sql.In("resource_id", wanted)}",
            sql.Parameters,
            tx,
            cancellationToken: cancellationToken))).ToList();
        if (marked.Count > 0)
        {
            throw BeingDeleted(marked[0].Type, marked[0].Id);
        }
    }

    public async Task RefuseAsync(IEnumerable<string> ids, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await RefuseAsync(connection, null, ids, cancellationToken);
    }

    private static TricircleException BeingDeleted(string resourceType, string id) =>
        TricircleException.Conflict($"The {resourceType.Replace('_', ' ')} {id} is being deleted.", "ResourceIsInDeleting");
}
