using System.Data.Common;
using Dapper;
using Tricircle.Data;
using Tricircle.Errors;
using Tricircle.Pods;

namespace Tricircle.Placement;

/// <summary>Tenant → pod bindings, one active binding per tenant and AZ.</summary>
internal sealed class PodBindingStore(Database database, TimeProvider timeProvider)
{
    private const string Columns = "id, tenant_id, pod_id, is_binding, created_at, updated_at";

    public static readonly IReadOnlyList<string> Filters = ["tenant_id", "pod_id", "is_binding"];

    /// <summary>
    /// Binds a tenant to a pod. The tenant's other active binding in the same AZ is retired in
    /// the same transaction; binding again to a pod used before reactivates that row (upstream's
    /// unique key made this impossible).
    /// </summary>
    public async Task<PodBinding> AddAsync(string tenantId, string podId, CancellationToken cancellationToken)
    {
        var now = DbTime.Now(timeProvider);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        var pod = await connection.QueryFirstOrDefaultAsync<Pod>(new CommandDefinition(
            $"SELECT {PodStore.Columns} FROM pods WHERE pod_id = @podId", new { podId }, tx, cancellationToken: cancellationToken))
            ?? throw TricircleException.Invalid($"The pod {podId} doesn't exist.");
        if (pod.IsCentral)
        {
            throw TricircleException.Invalid($"The central pod {podId} can not be bound to a tenant.");
        }

        var existing = await connection.QueryFirstOrDefaultAsync<PodBinding>(new CommandDefinition(
            $"SELECT {Columns} FROM pod_bindings WHERE tenant_id = @tenantId AND pod_id = @podId", new { tenantId, podId }, tx, cancellationToken: cancellationToken));
        if (existing is { IsBinding: true })
        {
            throw TricircleException.Conflict($"Tenant {tenantId} is already bound to pod {podId} (binding {existing.Id}).");
        }

        PodBinding binding;
        try
        {
            binding = await BindInTransactionAsync(connection, tx, tenantId, pod, now, cancellationToken);
        }
        catch (DbException e) when (Database.IsUniqueViolation(e))
        {
            throw TricircleException.Conflict($"Tenant {tenantId} was bound to pod {podId} at the same time.");
        }

        await tx.CommitAsync(cancellationToken);
        return binding;
    }

    /// <summary>
    /// Makes <paramref name="pod"/> the tenant's active pod in its AZ inside the caller's
    /// transaction: retires the other binding in that AZ, reactivates an old row or inserts one.
    /// </summary>
    public static async Task<PodBinding> BindInTransactionAsync(DbConnection connection, DbTransaction tx, string tenantId, Pod pod, DateTime now, CancellationToken cancellationToken)
    {
        var existing = await connection.QueryFirstOrDefaultAsync<PodBinding>(new CommandDefinition(
            $"SELECT {Columns} FROM pod_bindings WHERE tenant_id = @tenantId AND pod_id = @podId", new { tenantId, podId = pod.PodId }, tx, cancellationToken: cancellationToken));
        await RetireOthersInAzAsync(connection, tx, tenantId, pod, now, cancellationToken);
        if (existing is not null)
        {
            if (!existing.IsBinding)
            {
                existing.IsBinding = true;
                existing.UpdatedAt = now;
                await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE pod_bindings SET is_binding = @IsBinding, updated_at = @UpdatedAt WHERE id = @Id", existing, tx, cancellationToken: cancellationToken));
            }

            return existing;
        }

        // A concurrent first placement of the tenant in this pod may insert the same row (on
        // PostgreSQL neither transaction sees the other's): the second keeps the first's row.
        var binding = new PodBinding { Id = Guid.NewGuid().ToString(), TenantId = tenantId, PodId = pod.PodId, IsBinding = true, CreatedAt = now };
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            $"INSERT INTO pod_bindings ({Columns}) VALUES (@Id, @TenantId, @PodId, @IsBinding, @CreatedAt, @UpdatedAt) ON CONFLICT (tenant_id, pod_id) DO NOTHING", binding, tx, cancellationToken: cancellationToken));
        return inserted > 0 ? binding : await connection.QuerySingleAsync<PodBinding>(new CommandDefinition(
            $"SELECT {Columns} FROM pod_bindings WHERE tenant_id = @tenantId AND pod_id = @podId", new { tenantId, podId = pod.PodId }, tx, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<PodBinding>> ListAsync(IReadOnlyDictionary<string, object> filters, CancellationToken cancellationToken)
    {
        var where = SqlWhere.Equal(filters);
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<PodBinding>(new CommandDefinition(
            $"SELECT {Columns} FROM pod_bindings{where} ORDER BY created_at, id", where.Parameters, cancellationToken: cancellationToken))).ToList();
    }

    public async Task<PodBinding> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<PodBinding>(new CommandDefinition(
            $"SELECT {Columns} FROM pod_bindings WHERE id = @id", new { id }, cancellationToken: cancellationToken))
            ?? throw TricircleException.NotFound($"Pod binding {id} could not be found.");
    }

    /// <summary>Activates or retires a binding; activating retires the tenant's other binding in that AZ.</summary>
    public async Task<PodBinding> SetActiveAsync(string id, bool active, CancellationToken cancellationToken)
    {
        var now = DbTime.Now(timeProvider);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        var binding = await connection.QueryFirstOrDefaultAsync<PodBinding>(new CommandDefinition(
            $"SELECT {Columns} FROM pod_bindings WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken))
            ?? throw TricircleException.NotFound($"Pod binding {id} could not be found.");
        if (active && !binding.IsBinding)
        {
            var pod = await connection.QuerySingleAsync<Pod>(new CommandDefinition(
                $"SELECT {PodStore.Columns} FROM pods WHERE pod_id = @PodId", binding, tx, cancellationToken: cancellationToken));
            await RetireOthersInAzAsync(connection, tx, binding.TenantId, pod, now, cancellationToken);
        }

        binding.IsBinding = active;
        binding.UpdatedAt = now;
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE pod_bindings SET is_binding = @IsBinding, updated_at = @UpdatedAt WHERE id = @Id", binding, tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return binding;
    }

    public async Task DeleteAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var deleted = await connection.ExecuteAsync(new CommandDefinition("DELETE FROM pod_bindings WHERE id = @id", new { id }, cancellationToken: cancellationToken));
        if (deleted == 0)
        {
            throw TricircleException.NotFound($"Pod binding {id} could not be found.");
        }
    }

    private static Task<int> RetireOthersInAzAsync(DbConnection connection, DbTransaction tx, string tenantId, Pod pod, DateTime now, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE pod_bindings SET is_binding = @no, updated_at = @now
            WHERE tenant_id = @tenantId AND is_binding = @yes AND pod_id <> @podId
              AND pod_id IN (SELECT pod_id FROM pods WHERE az_name = @azName)
            """,
            new { no = false, yes = true, now, tenantId, podId = pod.PodId, azName = pod.AzName },
            tx,
            cancellationToken: cancellationToken));
}
