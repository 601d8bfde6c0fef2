using System.Data.Common;
using Dapper;
using Tricircle.Data;
using Tricircle.Errors;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Placement;

/// <summary>Where a new resource goes, and whether the tenant's binding must be recorded with it.</summary>
internal sealed record PodPlacement(Pod Pod, bool NewBinding)
{
    /// <summary>The AZ to send to the pod's own API (its <c>pod_az_name</c>), or null to send none.</summary>
    public string? BottomAz => Pod.PodAzName.Length > 0 ? Pod.PodAzName : null;
}

/// <summary>
/// Chooses the pod for a new server or volume. In order: the requested AZ must exist (400
/// naming it) and have a pod that is not disabled (400 naming the AZ and why its pods are);
/// the tenant's active binding in that AZ (any AZ when none was asked) wins while its pod is
/// enabled and reachable; otherwise, among the AZ's enabled reachable pods, the one with the
/// fewest tenants bound to it (ties by region name), so tenants spread over a site's pods while
/// each tenant's resources stay together. The binding is recorded only when the resource is, in
/// the same transaction as its routing row (<see cref="RecordAsync"/>); a binding to a disabled
/// or unreachable pod is thereby replaced by one to the pod chosen instead.
/// </summary>
internal sealed class PodScheduler(Database database, PodClient client, TimeProvider timeProvider)
{
    /// <summary>The AZ part of Nova's <c>az:host:node</c> form (hosts are the pod's business).</summary>
    public static string? AzOf(string? requested) =>
        string.IsNullOrWhiteSpace(requested) ? null : requested.Split(':', 2)[0] is { Length: > 0 } az ? az : null;

    public async Task<PodPlacement> PlaceAsync(string tenantId, string? availabilityZone, CancellationToken cancellationToken)
    {
        // The pods and the tenant's bindings: two reads on one connection.
        await using var connection = await database.OpenAsync(cancellationToken);
        var all = (await PodStore.ListAllAsync(connection, cancellationToken)).Where(p => !p.IsCentral).ToList();
        var az = AzOf(availabilityZone);
        var candidates = az is null ? all : all.Where(p => p.AzName == az).ToList();
        if (candidates.Count == 0)
        {
            throw az is null
                ? TricircleException.Unavailable("No pod is registered to place the resource in; an operator must add one (tricircle pod create).")
                : TricircleException.Invalid($"The requested availability zone is not available: {az}. Known zones: {string.Join(", ", all.Select(p => p.AzName).Distinct().Order(StringComparer.Ordinal))}.");
        }

        // Disabled pods take nothing new: a zone of only disabled pods is closed until an operator reopens one.
        var open = candidates.Where(p => !p.Disabled).ToList();
        if (open.Count == 0)
        {
            var why = string.Join("; ", candidates.Select(p => p.DisabledReason.Length > 0 ? $"{p.RegionName}: {p.DisabledReason}" : p.RegionName));
            throw TricircleException.Invalid(az is null
                ? $"No pod takes new resources: every pod is disabled ({why})."
                : $"The requested availability zone is not available: {az} takes no new resources, its pods are disabled ({why}).");
        }

        var bound = (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT pod_id FROM pod_bindings WHERE tenant_id = @tenantId AND is_binding = @yes",
            new { tenantId, yes = true },
            cancellationToken: cancellationToken))).ToHashSet(StringComparer.Ordinal);
        var reachable = open.Where(client.IsReachable).ToList();
        if (reachable.OrderBy(p => p.RegionName, StringComparer.Ordinal).FirstOrDefault(p => bound.Contains(p.PodId)) is { } current)
        {
            return new PodPlacement(current, false);
        }

        if (reachable.Count == 0)
        {
            throw TricircleException.Unavailable(az is null
                ? "No pod is reachable to place the resource in; try again later."
                : $"No pod of availability zone {az} is reachable; try again later or choose another zone.");
        }

        var load = (await connection.QueryAsync<(string PodId, long Tenants)>(new CommandDefinition(
            "SELECT pod_id, COUNT(*) FROM pod_bindings WHERE is_binding = @yes GROUP BY pod_id",
            new { yes = true },
            cancellationToken: cancellationToken))).ToDictionary(r => r.PodId, r => r.Tenants, StringComparer.Ordinal);
        var chosen = reachable.OrderBy(p => load.GetValueOrDefault(p.PodId)).ThenBy(p => p.RegionName, StringComparer.Ordinal).First();
        return new PodPlacement(chosen, true);
    }

    /// <summary>
    /// Places a resource that must live beside another (a volume from a snapshot, a server on a
    /// volume): in <paramref name="pod"/>, which must be in the requested AZ if one was given.
    /// </summary>
    public async Task<PodPlacement> PlaceBesideAsync(string tenantId, Pod pod, string what, string? availabilityZone, CancellationToken cancellationToken)
    {
        CheckOpen(pod, what);
        var az = AzOf(availabilityZone);
        if (az is not null && az != pod.AzName)
        {
            throw TricircleException.Invalid($"{what} is in availability zone {pod.AzName}, not in {az}.");
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var bound = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM pod_bindings WHERE tenant_id = @tenantId AND pod_id = @podId AND is_binding = @yes",
            new { tenantId, podId = pod.PodId, yes = true },
            cancellationToken: cancellationToken));
        return new PodPlacement(pod, bound == 0 && !await HasActiveBindingInAzAsync(connection, tenantId, pod, cancellationToken));
    }

    /// <summary>
    /// 409 when <paramref name="pod"/> is disabled: a resource that must live beside another (a
    /// snapshot of a volume, say) can not be made there, and no other pod will do.
    /// </summary>
    public static void CheckOpen(Pod pod, string what)
    {
        if (pod.Disabled)
        {
            throw TricircleException.Conflict($"{what} is in pod {pod.RegionName} ({pod.AzName}), which is disabled{(pod.DisabledReason.Length > 0 ? $" ({pod.DisabledReason})" : "")}: it takes no new resources until an operator enables it again.");
        }
    }

    /// <summary>
    /// Places a resource that may live only in <paramref name="allowed"/> (a server on networks
    /// whose hints or home restrict them): the usual choice when it is one of them, else the
    /// first reachable allowed pod (the tenant's own first). 400 saying <paramref name="why"/>
    /// when the requested AZ has none of them.
    /// </summary>
    public async Task<PodPlacement> PlaceAmongAsync(string tenantId, IReadOnlyList<Pod> allowed, string why, string? availabilityZone, CancellationToken cancellationToken)
    {
        var az = AzOf(availabilityZone);
        var inAz = az is null ? allowed : allowed.Where(p => p.AzName == az).ToList();
        if (inAz.Count == 0)
        {
            throw TricircleException.Invalid(az is null ? $"No pod can hold the server: {why}." : $"Availability zone {az} has no pod the server may use: {why}.");
        }

        var zones = inAz.Select(p => p.AzName).Distinct(StringComparer.Ordinal).ToList();
        try
        {
            var usual = await PlaceAsync(tenantId, az ?? (zones.Count == 1 ? zones[0] : null), cancellationToken);
            if (inAz.Any(p => p.PodId == usual.Pod.PodId))
            {
                return usual;
            }
        }
        catch (TricircleException e) when (e.Kind == ErrorKind.Unavailable)
        {
            // None reachable in the zone: the allowed ones are looked at below.
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var bound = (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT pod_id FROM pod_bindings WHERE tenant_id = @tenantId AND is_binding = @yes",
            new { tenantId, yes = true },
            cancellationToken: cancellationToken))).ToHashSet(StringComparer.Ordinal);
        var chosen = inAz.Where(p => !p.Disabled && client.IsReachable(p)).OrderBy(p => bound.Contains(p.PodId) ? 0 : 1).ThenBy(p => p.RegionName, StringComparer.Ordinal).FirstOrDefault()
            ?? throw TricircleException.Unavailable($"No pod the server may use is reachable ({why}); try again later.");
        return await PlaceBesideAsync(tenantId, chosen, "The server's network", az, cancellationToken);
    }

    /// <summary>Records a created resource's routing row and, for a first placement, the tenant's binding, in one transaction.</summary>
    public async Task RecordAsync(PodPlacement placement, string tenantId, string resourceType, string topId, string? bottomId, InTransaction? also, CancellationToken cancellationToken)
    {
        var now = DbTime.Now(timeProvider);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        if (placement.NewBinding)
        {
            await PodBindingStore.BindInTransactionAsync(connection, tx, tenantId, placement.Pod, now, cancellationToken);
        }

        await RoutingStore.RecordAsync(connection, tx, topId, bottomId ?? topId, placement.Pod.PodId, tenantId, resourceType, now, cancellationToken);
        await (also?.Invoke(connection, tx, cancellationToken) ?? Task.CompletedTask);
        await tx.CommitAsync(cancellationToken);
    }

    private static async Task<bool> HasActiveBindingInAzAsync(DbConnection connection, string tenantId, Pod pod, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            """
            SELECT COUNT(*) FROM pod_bindings b JOIN pods p ON p.pod_id = b.pod_id
            WHERE b.tenant_id = @tenantId AND b.is_binding = @yes AND p.az_name = @az
            """,
            new { tenantId, yes = true, az = pod.AzName },
            cancellationToken: cancellationToken)) > 0;
}
