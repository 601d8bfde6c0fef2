using System.Data.Common;
using Dapper;
using Tricircle.Data;
using Tricircle.Errors;

namespace Tricircle.Compute;

/// <summary>A central server group (Nova's InstanceGroup).</summary>
internal sealed class ServerGroup
{
    public string Id { get; set; } = "";

    public string ProjectId { get; set; } = "";

    public string UserId { get; set; } = "";

    public string Name { get; set; } = "";

    public string Policy { get; set; } = "";

    public int? MaxServerPerHost { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>Whether members must share a host, so (here) a pod.</summary>
    public bool IsAffinity => Policy is "affinity" or "soft-affinity";

    /// <summary>Whether the policy may be broken when it cannot be kept (the soft ones).</summary>
    public bool IsSoft => Policy.StartsWith("soft-", StringComparison.Ordinal);
}

/// <summary>A member of a group: a central server and the pod it was placed in.</summary>
internal sealed record ServerGroupMember(string ServerId, string GroupId, string PodId);

/// <summary>The central server groups and their members.</summary>
internal sealed class ServerGroupStore(Database database, TimeProvider timeProvider)
{
    private const string Columns = "id, project_id, user_id, name, policy, max_server_per_host, created_at";

    /// <summary>Stores a new group unless its project has <paramref name="limit"/> of them (Nova's 403).</summary>
    public async Task CreateAsync(ServerGroup group, long limit, CancellationToken cancellationToken)
    {
        group.CreatedAt = DbTime.Now(timeProvider);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        var count = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM server_groups WHERE project_id = @ProjectId", group, tx, cancellationToken: cancellationToken));
        if (limit >= 0 && count >= limit)
        {
            throw TricircleException.Forbidden("Quota exceeded, too many server groups.");
        }

        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO server_groups (id, project_id, user_id, name, policy, max_server_per_host, created_at)
            VALUES (@Id, @ProjectId, @UserId, @Name, @Policy, @MaxServerPerHost, @CreatedAt)
            """,
            group,
            tx,
            cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>The group, whoever owns it (the API decides who may see it).</summary>
    public async Task<ServerGroup?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<ServerGroup>(new CommandDefinition(
            $"SELECT {Columns} FROM server_groups WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    /// <summary>A project's groups (every project's when null), oldest first, as Nova lists them.</summary>
    public async Task<IReadOnlyList<ServerGroup>> ListAsync(string? projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<ServerGroup>(new CommandDefinition(
            $"SELECT {Columns} FROM server_groups {(projectId is null ? "" : "WHERE project_id = @projectId")} ORDER BY created_at, id",
            new { projectId },
            cancellationToken: cancellationToken))];
    }

    /// <summary>The members of the groups, each group's oldest first.</summary>
    public async Task<ILookup<string, ServerGroupMember>> MembersAsync(IReadOnlyCollection<string> groupIds, CancellationToken cancellationToken)
    {
        if (groupIds.Count == 0)
        {
            return Array.Empty<ServerGroupMember>().ToLookup(m => m.GroupId);
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        // Written out: Npgsql cannot expand Dapper's IN @list.
        var parameters = new DynamicParameters();
        var names = string.Join(", ", groupIds.Select((id, i) =>
        {
            parameters.Add("g" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), id);
            return "@g" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }));
        var rows = await connection.QueryAsync<(string ServerId, string GroupId, string PodId)>(new CommandDefinition(
            $"SELECT server_id, group_id, pod_id FROM server_group_members WHERE group_id IN ({names}) ORDER BY id",
            parameters,
            cancellationToken: cancellationToken));
        return rows.Select(r => new ServerGroupMember(r.ServerId, r.GroupId, r.PodId)).ToLookup(m => m.GroupId);
    }

    /// <summary>Deletes the group and its members, with <paramref name="also"/> in the same transaction; false when it was not there.</summary>
    public async Task<bool> DeleteAsync(string id, InTransaction also, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM server_group_members WHERE group_id = @id", new { id }, tx, cancellationToken: cancellationToken));
        var deleted = await connection.ExecuteAsync(new CommandDefinition("DELETE FROM server_groups WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken)) > 0;
        if (deleted)
        {
            await also(connection, tx, cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return deleted;
    }

    /// <summary>Records a new member inside the boot's transaction (with its routing row).</summary>
    public static Task AddMemberAsync(DbConnection connection, DbTransaction tx, string groupId, string serverId, string podId, DateTime now, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO server_group_members (server_id, group_id, pod_id, created_at) VALUES (@serverId, @groupId, @podId, @now)
            ON CONFLICT (server_id) DO NOTHING
            """,
            new { serverId, groupId, podId, now },
            tx,
            cancellationToken: cancellationToken));

    /// <summary>A deleted server leaves its group.</summary>
    public async Task RemoveMemberAsync(string serverId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM server_group_members WHERE server_id = @serverId", new { serverId }, cancellationToken: cancellationToken));
    }
}
