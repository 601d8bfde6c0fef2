using System.Data.Common;
using Dapper;
using Tricircle.Data;
using Tricircle.Errors;

namespace Tricircle.Compute;

/// <summary>A user's keypair, kept centrally (only the public half).</summary>
internal sealed class Keypair
{
    public long Id { get; set; }

    public string UserId { get; set; } = "";

    public string Name { get; set; } = "";

    public string Type { get; set; } = "ssh";

    public string Fingerprint { get; set; } = "";

    public string PublicKey { get; set; } = "";

    public DateTime CreatedAt { get; set; }
}

/// <summary>The central keypairs, per user as in Nova.</summary>
internal sealed class KeypairStore(Database database, TimeProvider timeProvider)
{
    private const string Columns = "id, user_id, name, type, fingerprint, public_key, created_at";

    public async Task<IReadOnlyList<Keypair>> ListAsync(string userId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<Keypair>(new CommandDefinition(
            $"SELECT {Columns} FROM keypairs WHERE user_id = @userId ORDER BY name", new { userId }, cancellationToken: cancellationToken))).ToList();
    }

    public async Task<Keypair?> FindAsync(string userId, string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<Keypair>(new CommandDefinition(
            $"SELECT {Columns} FROM keypairs WHERE user_id = @userId AND name = @name", new { userId, name }, cancellationToken: cancellationToken));
    }

    /// <summary>Stores a new keypair unless the user already has <paramref name="limit"/> of them (-1: no limit).</summary>
    public async Task CreateAsync(Keypair keypair, long limit, CancellationToken cancellationToken)
    {
        keypair.CreatedAt = DbTime.Now(timeProvider);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        var count = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM keypairs WHERE user_id = @UserId", keypair, tx, cancellationToken: cancellationToken));
        if (limit >= 0 && count >= limit)
        {
            throw TricircleException.Forbidden("Quota exceeded, too many key pairs.");
        }

        try
        {
            keypair.Id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                """
                INSERT INTO keypairs (user_id, name, type, fingerprint, public_key, created_at)
                VALUES (@UserId, @Name, @Type, @Fingerprint, @PublicKey, @CreatedAt) RETURNING id
                """,
                keypair,
                tx,
                cancellationToken: cancellationToken));
            await tx.CommitAsync(cancellationToken);
        }
        catch (DbException e) when (Database.IsUniqueViolation(e))
        {
            throw TricircleException.Conflict($"Key pair '{keypair.Name}' already exists.");
        }
    }

    public async Task<bool> DeleteAsync(string userId, string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM keypairs WHERE user_id = @userId AND name = @name", new { userId, name }, cancellationToken: cancellationToken)) > 0;
    }
}
