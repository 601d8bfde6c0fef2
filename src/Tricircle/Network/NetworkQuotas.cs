using System.Data.Common;
using Dapper;
using Tricircle.Data;
using Tricircle.Errors;
using Tricircle.Quotas;

namespace Tricircle.Network;

/// <summary>
/// The central Neutron's quotas: the limits are <see cref="QuotaStore"/>'s (the <c>[quota]</c>
/// defaults and an admin's per-project values); the usage is counted from the central tables,
/// as Neutron's own counting driver does, so there is nothing to give back on delete.
/// </summary>
internal sealed class NetworkQuotas(Database database, QuotaStore quotas)
{
    // The table each counted resource lives in (with a project_id column).
    private static readonly Dictionary<string, string> Tables = new(StringComparer.Ordinal)
    {
        [QuotaResources.Network] = "networks",
        [QuotaResources.Subnet] = "subnets",
        [QuotaResources.Port] = "ports",
        [QuotaResources.SecurityGroup] = "security_groups",
        [QuotaResources.SecurityGroupRule] = "security_group_rules",
        [QuotaResources.Router] = "routers",
        [QuotaResources.Floatingip] = "floatingips",
    };

    public QuotaStore Store => quotas;

    /// <summary>
    /// Refuses (409 <c>OverQuota</c>, Neutron's shape) when the project's <paramref name="resource"/>
    /// plus <paramref name="adding"/> would exceed its limit. Call it inside the create's write
    /// transaction (<see cref="Database.BeginWriteAsync"/>) before the insert: it takes the
    /// project's quota lock there, so concurrent creates from any instance are counted one after
    /// the other. <paramref name="knownLimits"/>: the project's limits as the same request read
    /// them a moment ago (a boot's quota reservation), so they are not read again; the usage is
    /// still counted here, under the lock.
    /// </summary>
    public async Task EnsureWithinAsync(DbConnection connection, DbTransaction tx, string projectId, string resource, int adding, CancellationToken cancellationToken, IReadOnlyDictionary<string, long>? knownLimits = null)
    {
        if (projectId.Length == 0)
        {
            return; // Tricircle's own (a project's bridge network): no project's quota
        }

        await quotas.LockAsync(connection, tx, projectId, cancellationToken);
        var limit = (knownLimits ?? await quotas.LimitsAsync(connection, tx, projectId, cancellationToken)).GetValueOrDefault(resource, -1);
        if (limit < 0)
        {
            return;
        }

        var used = await CountAsync(connection, tx, projectId, resource, cancellationToken);
        if (used + adding > limit)
        {
            throw OverQuota(resource);
        }
    }

    /// <summary>Neutron's refusal: <c>Quota exceeded for resources: ['network'].</c></summary>
    public static TricircleException OverQuota(string resource) =>
        TricircleException.Conflict($"Quota exceeded for resources: ['{resource}'].", "OverQuota");

    /// <summary>How many of each central Neutron resource the project has.</summary>
    public async Task<IReadOnlyDictionary<string, long>> UsageAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var usage = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var resource in QuotaResources.NetworkResources)
        {
            usage[resource] = await CountAsync(connection, null, projectId, resource, cancellationToken);
        }

        return usage;
    }

    private static async Task<long> CountAsync(DbConnection connection, DbTransaction? tx, string projectId, string resource, CancellationToken cancellationToken) =>
        Tables.TryGetValue(resource, out var table)
            ? await connection.ExecuteScalarAsync<long>(new CommandDefinition($"SELECT COUNT(*) FROM {table} WHERE project_id = @projectId", new { projectId }, tx, cancellationToken: cancellationToken))
            : 0;
}
