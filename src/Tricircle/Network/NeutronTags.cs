using System.Data.Common;
using System.Text.Json.Nodes;
using Dapper;
using Tricircle.Data;
using Tricircle.Hosting;

namespace Tricircle.Network;

/// <summary>
/// Neutron's standard-attr-tag: tags of any resource in <c>neutron_tags</c> (the only writer of
/// that table), read in one query per page, and the <c>/{collection}/{id}/tags[/{tag}]</c> endpoints.
/// </summary>
internal static class NeutronTags
{
    /// <summary>The tags of each of <paramref name="ids"/> (sorted, as Neutron shows them).</summary>
    public static async Task<Dictionary<string, List<string>>> LoadAsync(DbConnection connection, string resourceType, IReadOnlyCollection<string> ids, CancellationToken cancellationToken, DbTransaction? transaction = null)
    {
        var result = ids.Distinct().ToDictionary(i => i, _ => new List<string>(), StringComparer.Ordinal);
        if (ids.Count == 0)
        {
            return result;
        }

        var sql = new NeutronSql();
        var rows = await connection.QueryAsync<(string ResourceId, string Tag)>(new CommandDefinition(
            $"SELECT resource_id, tag FROM neutron_tags WHERE resource_type = {sql.Param(resourceType)} AND {sql.In("resource_id", ids.Distinct())} ORDER BY tag",
            sql.Parameters,
            transaction,
            cancellationToken: cancellationToken));
        foreach (var (id, tag) in rows)
        {
            result[id].Add(tag);
        }

        return result;
    }

    /// <summary>Replaces the tags of a resource and bumps its revision (in the caller's transaction).</summary>
    public static async Task ReplaceAsync(DbConnection connection, DbTransaction transaction, string resourceType, string id, IEnumerable<string> tags, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM neutron_tags WHERE resource_type = @resourceType AND resource_id = @id", new { resourceType, id }, transaction, cancellationToken: cancellationToken));
        foreach (var tag in tags.Distinct(StringComparer.Ordinal))
        {
            // A concurrent change of the same resource may have inserted the tag after our delete
            // (PostgreSQL's read committed): the tag is there either way, which is what was asked.
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO neutron_tags (resource_type, resource_id, tag) VALUES (@resourceType, @id, @tag) ON CONFLICT DO NOTHING", new { resourceType, id, tag }, transaction, cancellationToken: cancellationToken));
        }
    }

    /// <summary>Removes a resource's tags (in the caller's transaction, the resource's delete).</summary>
    public static Task RemoveAsync(DbConnection connection, DbTransaction transaction, string resourceType, string id, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM neutron_tags WHERE resource_type = @resourceType AND resource_id = @id", new { resourceType, id }, transaction, cancellationToken: cancellationToken));

    /// <summary>Removes the tags of a network, its subnets and its ports, in one statement of the network's delete.</summary>
    public static Task RemoveOfNetworkAsync(DbConnection connection, DbTransaction transaction, string networkId, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM neutron_tags WHERE (resource_type = 'ports' AND resource_id IN (SELECT id FROM ports WHERE network_id = @id))
                OR (resource_type = 'subnets' AND resource_id IN (SELECT id FROM subnets WHERE network_id = @id))
                OR (resource_type = 'networks' AND resource_id = @id)
            """,
            new { id = networkId },
            transaction,
            cancellationToken: cancellationToken));

    /// <summary>Removes the tags of a subnet and of our DHCP ports with an address in it, in one statement of the subnet's delete.</summary>
    public static Task RemoveOfSubnetAsync(DbConnection connection, DbTransaction transaction, string subnetId, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            $"DELETE FROM neutron_tags WHERE (resource_type = 'subnets' AND resource_id = @id) OR (resource_type = 'ports' AND resource_id IN ({PortStore.DhcpPortsOfSubnet}))",
            new { id = subnetId, dhcp = PortStore.DhcpOwner },
            transaction,
            cancellationToken: cancellationToken));

    // Neutron's tag list: {"tags": [...]}, unique strings.
    private static readonly BodySchema TagList = new(null, NeutronBody.Strings with { Name = "tags", Required = true });

    /// <summary>
    /// Maps the tag endpoints of a collection (<c>networks</c>, <c>subnets</c>, <c>ports</c>).
    /// <paramref name="authorize"/> throws the resource's 404 unless the caller may see it, and 403
    /// unless it may change it; <paramref name="countRevision"/> is the owning store's revision bump,
    /// called in the change's transaction (tags count as a revision).
    /// </summary>
    public static void MapTags(
        this IEndpointRouteBuilder v20,
        string collection,
        Func<DbConnection, DbTransaction, string, CancellationToken, Task> countRevision,
        Func<HttpContext, string, bool, Task> authorize)
    {
        v20.MapGet($"/{collection}/{{id}}/tags", async (string id, HttpContext context, Database database) =>
        {
            await authorize(context, id, false);
            await NeutronBody.WriteAsync(context, 200, new JsonObject { ["tags"] = Json(await ReadAsync(database, collection, id, context.RequestAborted)) });
        });
        v20.MapGet($"/{collection}/{{id}}/tags/{{tag}}", async (string id, string tag, HttpContext context, Database database) =>
        {
            await authorize(context, id, false);
            if (!(await ReadAsync(database, collection, id, context.RequestAborted)).Contains(tag))
            {
                throw NeutronErrors.NotFound("Tag", tag + " on " + id);
            }

            context.Response.StatusCode = StatusCodes.Status204NoContent;
        });
        v20.MapPut($"/{collection}/{{id}}/tags", async (string id, HttpContext context, Database database) =>
        {
            await authorize(context, id, true);
            var tags = (await TagList.ReadAsync(context)).Strings("tags")!;
            Check(tags);
            await ChangeAsync(database, collection, id, _ => tags, countRevision, context.RequestAborted);
            await NeutronBody.WriteAsync(context, 200, new JsonObject { ["tags"] = Json(tags) });
        });
        v20.MapPut($"/{collection}/{{id}}/tags/{{tag}}", async (string id, string tag, HttpContext context, Database database) =>
        {
            await authorize(context, id, true);
            Check([tag]);
            await ChangeAsync(database, collection, id, tags => [.. tags, tag], countRevision, context.RequestAborted);
            context.Response.StatusCode = StatusCodes.Status201Created;
        });
        v20.MapDelete($"/{collection}/{{id}}/tags", async (string id, HttpContext context, Database database) =>
        {
            await authorize(context, id, true);
            await ChangeAsync(database, collection, id, _ => [], countRevision, context.RequestAborted);
            context.Response.StatusCode = StatusCodes.Status204NoContent;
        });
        v20.MapDelete($"/{collection}/{{id}}/tags/{{tag}}", async (string id, string tag, HttpContext context, Database database) =>
        {
            await authorize(context, id, true);
            if (!(await ReadAsync(database, collection, id, context.RequestAborted)).Contains(tag))
            {
                throw NeutronErrors.NotFound("Tag", tag + " on " + id);
            }

            await ChangeAsync(database, collection, id, tags => [.. tags.Where(t => t != tag)], countRevision, context.RequestAborted);
            context.Response.StatusCode = StatusCodes.Status204NoContent;
        });
    }

    public static JsonArray Json(IEnumerable<string> tags) => new([.. tags.Order(StringComparer.Ordinal).Select(t => (JsonNode)t)]);

    private static void Check(IEnumerable<string> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Length is 0 or > 255 || tag.Contains(',', StringComparison.Ordinal) || tag.Contains('/', StringComparison.Ordinal))
            {
                throw NeutronErrors.InvalidInput($"'{tag}' is not a valid tag (1 to 255 characters, no ',' or '/')");
            }
        }
    }

    private static async Task<List<string>> ReadAsync(Database database, string resourceType, string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await LoadAsync(connection, resourceType, [id], cancellationToken))[id];
    }

    private static async Task ChangeAsync(
        Database database,
        string collection,
        string id,
        Func<List<string>, List<string>> change,
        Func<DbConnection, DbTransaction, string, CancellationToken, Task> countRevision,
        CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);

        // The revision bump first: its UPDATE locks the resource's row until commit, so concurrent
        // tag changes of one resource take turns and each reads the tags the one before left
        // (PostgreSQL; SQLite's write transactions already take turns). Read first and two
        // replaces raced: a lost tag, or a 500 for a duplicate key.
        await countRevision(connection, tx, id, cancellationToken);
        var current = (await LoadAsync(connection, collection, [id], cancellationToken, tx))[id];
        await ReplaceAsync(connection, tx, collection, id, change(current), cancellationToken);
        await tx.CommitAsync(cancellationToken);
    }
}
