using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tricircle.Errors;
using Tricircle.Identity;
using Tricircle.Pods;
using Tricircle.Quotas;

namespace Tricircle.Volume;

/// <summary>
/// The Cinder gateway's use of the central quotas: a volume, snapshot or backup is counted in
/// Tricircle's database before it is forwarded (volumes or snapshots, gigabytes, and their
/// per-type forms for a type of the central catalogue), so a project cannot exceed its quota by
/// spreading over pods. Refusals are Cinder's 413s.
/// </summary>
internal sealed class VolumeQuotas(QuotaStore quotas, PodClient client)
{
    /// <summary>Holds the reservation until the pod answers; then it belongs to the created resource or is given back.</summary>
    public sealed record Reservation(string HolderType, string HolderId);

    /// <summary>
    /// Reserves one volume (<paramref name="holderType"/> volume), snapshot or backup of
    /// <paramref name="size"/> GiB, of the central type <paramref name="type"/> if any.
    /// </summary>
    public async Task<Reservation> ReserveAsync(string projectId, string holderType, long size, string? type, CancellationToken cancellationToken)
    {
        var count = holderType switch
        {
            VolumesApi.ResourceType => QuotaResources.Volumes,
            BackupsApi.ResourceType => QuotaResources.Backups,
            _ => QuotaResources.Snapshots,
        };
        if (holderType == VolumesApi.ResourceType)
        {
            await CheckSizeAsync(projectId, size, cancellationToken);
        }

        // A backup counts in backups and backup_gigabytes only (Cinder has no per-type backup quotas).
        var gigabytes = holderType == BackupsApi.ResourceType ? QuotaResources.BackupGigabytes : QuotaResources.Gigabytes;
        var amounts = new Dictionary<string, long>(StringComparer.Ordinal) { [count] = 1, [gigabytes] = size };
        if (type is not null && holderType != BackupsApi.ResourceType)
        {
            amounts[$"{count}_{type}"] = 1;
            amounts[$"{QuotaResources.Gigabytes}_{type}"] = size;
        }

        var reservation = new Reservation(holderType, "reserved-" + Guid.NewGuid().ToString("N"));
        try
        {
            await quotas.ReserveAsync(projectId, holderType, reservation.HolderId, amounts, cancellationToken);
        }
        catch (QuotaExceededException e)
        {
            throw Refusal(e);
        }

        return reservation;
    }

    /// <summary>The reservation now belongs to the created resource.</summary>
    public Task KeepAsync(Reservation reservation, string id, CancellationToken cancellationToken) =>
        quotas.RekeyAsync(reservation.HolderType, reservation.HolderId, id, cancellationToken);

    public Task ReleaseAsync(Reservation reservation, CancellationToken cancellationToken) =>
        quotas.ReleaseAsync(reservation.HolderType, reservation.HolderId, cancellationToken);

    /// <summary>A deleted volume's or snapshot's quota is free again.</summary>
    public Task ReleaseAsync(string holderType, string id, CancellationToken cancellationToken) =>
        quotas.ReleaseAsync(holderType, id, cancellationToken);

    /// <summary>
    /// Grows (or, with a negative <paramref name="gigabytes"/>, shrinks back: that never fails a
    /// check) an existing volume's gigabytes allocation, as os-extend does.
    /// </summary>
    public async Task ResizeAsync(string projectId, string volumeId, long newSize, long gigabytes, string? type, CancellationToken cancellationToken)
    {
        if (gigabytes > 0)
        {
            await CheckSizeAsync(projectId, newSize, cancellationToken);
        }

        var amounts = new Dictionary<string, long>(StringComparer.Ordinal) { [QuotaResources.Gigabytes] = gigabytes };
        if (type is not null)
        {
            amounts[$"{QuotaResources.Gigabytes}_{type}"] = gigabytes;
        }

        try
        {
            await quotas.ReserveAsync(projectId, VolumesApi.ResourceType, volumeId, amounts, cancellationToken);
        }
        catch (QuotaExceededException e)
        {
            throw Refusal(e);
        }
    }

    /// <summary>A volume, snapshot or backup as its pod shows it (for the size and type of what a snapshot, backup, restore or extension is of).</summary>
    public async Task<JsonObject> ShowInPodAsync(HttpContext context, Pod pod, string collection, string id)
    {
        var key = collection[..^1]; // volumes, snapshots, backups
        var answer = await client.SendJsonAsync(
            pod, VolumeApi.ServiceType, HttpMethod.Get, VolumeApi.PodPath(context, $"{collection}/{Uri.EscapeDataString(id)}"), null, context.GetRequestContext().AuthToken, context.RequestAborted, VolumeApi.VersionHeaders(context));
        return answer?[key] as JsonObject ?? throw TricircleException.NotFound($"{char.ToUpperInvariant(key[0])}{key[1..]} {id} could not be found.");
    }

    /// <summary>
    /// A size field as Cinder takes it (an integer, or a string of digits) from 1 to 2^31-1, as
    /// Cinder's schema caps it (so no sum of sizes in the quota tables can overflow); null when absent.
    /// </summary>
    public static long? Size(JsonObject body, string field)
    {
        var node = body[field];
        if (node is null)
        {
            return null;
        }

        long? size = node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var n) ? n
            : node is JsonValue s && s.GetValueKind() == JsonValueKind.String && long.TryParse(s.GetValue<string>(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed
            : null;
        return size switch
        {
            > int.MaxValue => throw TricircleException.Invalid($"Invalid input for field/attribute {field}. Value: {node.ToJsonString()}. {size} is greater than the maximum of {int.MaxValue}"),
            >= 1 => size,
            _ => throw TricircleException.Invalid($"Invalid input for field/attribute {field}. Value: {node.ToJsonString()}. It must be an integer of at least 1."),
        };
    }

    /// <summary>Cinder's 413s (<see cref="ErrorKind.OverLimit"/>), in its words.</summary>
    public static TricircleException Refusal(QuotaExceededException e) => TricircleException.OverLimit(e.Resource switch
    {
        var r when r == QuotaResources.Volumes || r.StartsWith(QuotaResources.Volumes + "_", StringComparison.Ordinal) =>
            $"VolumeLimitExceeded: Maximum number of volumes allowed ({e.Limit}) exceeded for quota '{e.Resource}'.",
        var r when r == QuotaResources.Snapshots || r.StartsWith(QuotaResources.Snapshots + "_", StringComparison.Ordinal) =>
            $"SnapshotLimitExceeded: Maximum number of snapshots allowed ({e.Limit}) exceeded for quota '{e.Resource}'.",
        QuotaResources.Backups => $"BackupLimitExceeded: Maximum number of backups allowed ({e.Limit}) exceeded",
        QuotaResources.BackupGigabytes =>
            $"VolumeBackupSizeExceedsAvailableQuota: Requested backup exceeds allowed Backup gigabytes quota. Requested {e.Requested}G, quota is {e.Limit}G and {e.Used}G has been consumed.",
        _ => $"VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed {e.Resource} quota. Requested {e.Requested}G, quota is {e.Limit}G and {e.Used}G has been consumed.",
    });

    /// <summary>Cinder's per_volume_gigabytes limit of the project (413 <c>VolumeSizeExceedsLimit</c>).</summary>
    public async Task CheckSizeAsync(string projectId, long size, CancellationToken cancellationToken)
    {
        var limits = await quotas.LimitsAsync(projectId, cancellationToken);
        if (limits.GetValueOrDefault(QuotaResources.PerVolumeGigabytes, -1) is var limit and >= 0 && size > limit)
        {
            throw TricircleException.OverLimit($"VolumeSizeExceedsLimit: Requested volume size {size}G is larger than maximum allowed limit {limit}G.");
        }
    }
}
