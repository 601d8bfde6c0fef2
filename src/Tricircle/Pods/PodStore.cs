using System.Data.Common;
using Dapper;
using Tricircle.Data;
using Tricircle.Errors;

namespace Tricircle.Pods;

/// <summary>The pod registry.</summary>
internal sealed class PodStore(Database database, TimeProvider timeProvider)
{
    public const string Columns = "pod_id, region_name, az_name, pod_az_name, dc_name, disabled, disabled_reason, created_at, updated_at";

    /// <summary>How long another instance's change of a pod may go unseen by <see cref="FindCachedAsync"/>.</summary>
    public static readonly TimeSpan CachedPodLifetime = TimeSpan.FromSeconds(5);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (Pod Pod, long Until)> _cached = new(StringComparer.Ordinal);

    private sealed record CachedList(IReadOnlyList<Pod> Pods, long Until);

    private CachedList? _all;

    /// <summary>Filters the pods list accepts (equality).</summary>
    public static readonly IReadOnlyList<string> Filters = ["region_name", "az_name", "pod_az_name", "dc_name"];

    public Task<Pod> CreateAsync(string regionName, string azName, string podAzName, string dcName, CancellationToken cancellationToken) =>
        CreateAsync(regionName, azName, podAzName, dcName, false, "", cancellationToken);

    public async Task<Pod> CreateAsync(string regionName, string azName, string podAzName, string dcName, bool disabled, string disabledReason, CancellationToken cancellationToken)
    {
        var pod = new Pod
        {
            PodId = Guid.NewGuid().ToString(),
            RegionName = regionName,
            AzName = azName,
            PodAzName = azName.Length == 0 ? "" : podAzName, // the central pod has no AZ inside it
            DcName = dcName,
            Disabled = disabled,
            DisabledReason = disabledReason,
            CreatedAt = DbTime.Now(timeProvider),
        };

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        var clash = await connection.QueryFirstOrDefaultAsync<Pod>(new CommandDefinition(
            $"SELECT {Columns} FROM pods WHERE region_name = @RegionName OR (az_name = '' AND @AzName = '')", pod, tx, cancellationToken: cancellationToken));
        if (clash is not null)
        {
            throw TricircleException.Conflict(clash.RegionName == regionName
                ? $"A pod with region_name '{regionName}' already exists ({clash.PodId})."
                : $"The central pod already exists (region_name '{clash.RegionName}', pod_id {clash.PodId}); a pod needs an az_name.");
        }

        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                $"INSERT INTO pods ({Columns}) VALUES (@PodId, @RegionName, @AzName, @PodAzName, @DcName, @Disabled, @DisabledReason, @CreatedAt, @UpdatedAt)", pod, tx, cancellationToken: cancellationToken));
            await tx.CommitAsync(cancellationToken);
        }
        catch (DbException e) when (Database.IsUniqueViolation(e))
        {
            throw TricircleException.Conflict($"A pod with region_name '{regionName}', or the central pod, was created at the same time.");
        }

        Volatile.Write(ref _all, null);

        return pod;
    }

    /// <summary>Every pod, by region name, on the caller's connection.</summary>
    public static async Task<IReadOnlyList<Pod>> ListAllAsync(DbConnection connection, CancellationToken cancellationToken) =>
        [.. await connection.QueryAsync<Pod>(new CommandDefinition($"SELECT {Columns} FROM pods ORDER BY region_name", cancellationToken: cancellationToken))];

    public async Task<IReadOnlyList<Pod>> ListAsync(IReadOnlyDictionary<string, string> filters, CancellationToken cancellationToken)
    {
        var where = SqlWhere.Equal(filters.Select(f => KeyValuePair.Create(f.Key, (object)f.Value)));
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<Pod>(new CommandDefinition(
            $"SELECT {Columns} FROM pods{where} ORDER BY region_name", where.Parameters, cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>
    /// Every pod, by region name, from memory for the merged lists (each list needs them all):
    /// read again after <see cref="CachedPodLifetime"/>, at once after this instance changes a
    /// pod, and whenever <paramref name="mustInclude"/> names a pod the copy lacks (one another
    /// instance registered since: a list must not leave out the pod its resources are in).
    /// </summary>
    public async Task<IReadOnlyList<Pod>> ListCachedAsync(IReadOnlyCollection<string> mustInclude, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetTimestamp();
        if (Volatile.Read(ref _all) is { } all && all.Until > now && mustInclude.All(id => all.Pods.Any(p => p.PodId == id)))
        {
            return all.Pods;
        }

        var pods = await ListAsync(new Dictionary<string, string>(), cancellationToken);
        Volatile.Write(ref _all, new CachedList(pods, now + (long)(CachedPodLifetime.TotalSeconds * timeProvider.TimestampFrequency)));
        return pods;
    }

    public async Task<Pod?> FindAsync(string podId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<Pod>(new CommandDefinition(
            $"SELECT {Columns} FROM pods WHERE pod_id = @podId", new { podId }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// <see cref="FindAsync"/> from memory for the show path. A pod changes rarely (an operator's
    /// update): this instance's own updates and deletes are seen at once, another instance's
    /// within <see cref="CachedPodLifetime"/>.
    /// </summary>
    public async ValueTask<Pod?> FindCachedAsync(string podId, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetTimestamp();
        if (_cached.TryGetValue(podId, out var entry) && entry.Until > now)
        {
            return entry.Pod;
        }

        var pod = await FindAsync(podId, cancellationToken);
        if (pod is not null)
        {
            _cached[podId] = (pod, now + (long)(CachedPodLifetime.TotalSeconds * timeProvider.TimestampFrequency));
        }

        return pod;
    }

    public async Task<Pod> GetAsync(string podId, CancellationToken cancellationToken) =>
        await FindAsync(podId, cancellationToken) ?? throw TricircleException.NotFound($"Pod {podId} could not be found.");

    public async Task<Pod?> FindByRegionAsync(string regionName, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<Pod>(new CommandDefinition(
            $"SELECT {Columns} FROM pods WHERE region_name = @regionName", new { regionName }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Changes a pod's AZ, AZ inside the pod, data centre or disabled flag; the region is its
    /// identity and stays. Enabling a pod forgets why it was disabled unless a reason is given.
    /// </summary>
    public async Task<Pod> UpdateAsync(string podId, string? azName, string? podAzName, string? dcName, bool? disabled, string? disabledReason, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        var pod = await connection.QueryFirstOrDefaultAsync<Pod>(new CommandDefinition(
            $"SELECT {Columns} FROM pods WHERE pod_id = @podId", new { podId }, tx, cancellationToken: cancellationToken))
            ?? throw TricircleException.NotFound($"Pod {podId} could not be found.");

        if (azName is not null && (azName.Length == 0) != pod.IsCentral)
        {
            throw TricircleException.Invalid(pod.IsCentral
                ? "The central pod has no az_name; create a new pod for an availability zone."
                : "az_name can not be emptied: that would make a second central pod.");
        }

        pod.AzName = azName ?? pod.AzName;
        pod.PodAzName = pod.IsCentral ? "" : podAzName ?? pod.PodAzName;
        pod.DcName = dcName ?? pod.DcName;
        pod.Disabled = disabled ?? pod.Disabled;
        pod.DisabledReason = disabledReason ?? (disabled == false ? "" : pod.DisabledReason);
        pod.UpdatedAt = DbTime.Now(timeProvider);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE pods SET az_name = @AzName, pod_az_name = @PodAzName, dc_name = @DcName, disabled = @Disabled, disabled_reason = @DisabledReason, updated_at = @UpdatedAt WHERE pod_id = @PodId", pod, tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        _cached.TryRemove(podId, out _);
        Volatile.Write(ref _all, null);
        return pod;
    }

    /// <summary>Deletes a pod nothing refers to any more; its cached endpoints go with it.</summary>
    public async Task DeleteAsync(string podId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        var usage = await connection.QuerySingleAsync<(long Routings, long Bindings)>(new CommandDefinition(
            """
            SELECT (SELECT COUNT(*) FROM resource_routings WHERE pod_id = @podId),
                   (SELECT COUNT(*) FROM pod_bindings WHERE pod_id = @podId)
            """,
            new { podId },
            tx,
            cancellationToken: cancellationToken));
        if (usage.Routings > 0 || usage.Bindings > 0)
        {
            throw TricircleException.Conflict($"Pod {podId} is in use by {usage.Routings} resource routing(s) and {usage.Bindings} pod binding(s); delete those first.");
        }

        var deleted = await connection.ExecuteAsync(new CommandDefinition("DELETE FROM pods WHERE pod_id = @podId", new { podId }, tx, cancellationToken: cancellationToken));
        if (deleted == 0)
        {
            throw TricircleException.NotFound($"Pod {podId} could not be found.");
        }

        await tx.CommitAsync(cancellationToken);
        _cached.TryRemove(podId, out _);
        Volatile.Write(ref _all, null);
    }
}
