using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tricircle.Compute;
using Tricircle.Hosting;
using Tricircle.Identity;
using Tricircle.Quotas;

namespace Tricircle.Volume;

/// <summary>
/// Cinder's <c>os-quota-sets</c>, <c>os-quota-class-sets</c> and <c>limits</c> over the central
/// quotas. volumes, gigabytes, snapshots, per_volume_gigabytes, backups, backup_gigabytes and the
/// per-type forms of the central volume types are kept and enforced centrally; groups is kept and
/// shown (the gateway serves no groups API, so nothing counts against it). The <c>default</c>
/// class's limits are what a project without its own gets.
/// </summary>
internal static class VolumeQuotaSetsApi
{
    private static readonly string[] Central = [QuotaResources.Volumes, QuotaResources.PerVolumeGigabytes, QuotaResources.Snapshots, QuotaResources.Gigabytes, QuotaResources.Backups, QuotaResources.BackupGigabytes, QuotaResources.Groups];

    private static readonly string[] PerType = [QuotaResources.Volumes, QuotaResources.Gigabytes, QuotaResources.Snapshots];

    // Keys Cinder accepts in a quota set without them being quotas.
    private static readonly string[] NonQuotaKeys = ["id", "tenant_id"];

    // Cinder's quota set: any keys (checked below in Cinder's words), at least one.
    private static readonly BodySchema Update = new("quota_set") { RejectUnknown = false, MinProperties = 1 };

    // Cinder's quota class set: any keys (checked below), none required.
    private static readonly BodySchema ClassUpdate = new("quota_class_set") { RejectUnknown = false };

    public static void MapVolumeQuotaSetsApi(this IEndpointRouteBuilder v3)
    {
        v3.MapGet("/os-quota-sets/{project}", ShowAsync);
        v3.MapGet("/os-quota-sets/{project}/defaults", DefaultsAsync);
        v3.MapPut("/os-quota-sets/{project}", UpdateAsync).AdminOnly("volume_extension:quotas:update");
        v3.MapDelete("/os-quota-sets/{project}", ResetAsync).AdminOnly("volume_extension:quotas:delete");
        v3.MapGet("/os-quota-class-sets/{name}", ShowClassAsync).AdminOnly("volume_extension:quota_classes:get");
        v3.MapPut("/os-quota-class-sets/{name}", UpdateClassAsync).AdminOnly("volume_extension:quota_classes:update");
        v3.MapGet("/limits", LimitsAsync);
    }

    /// <summary>The caller, if it may read <paramref name="project"/>'s quotas: its own, or any for an admin.</summary>
    private static RequestContext Reader(HttpContext context, string project)
    {
        var caller = VolumeApi.Caller(context);
        return caller.IsAdmin || project == caller.ProjectId
            ? caller
            : throw ApiException.Forbidden($"Policy doesn't allow volume_extension:quotas:show to be performed (project {project} is not yours).");
    }

    /// <summary>The names of the central volume types, whose per-type quotas Cinder shows with the others.</summary>
    private static async Task<IReadOnlyList<string>> TypeNamesAsync(HttpContext context, RequestContext caller, VolumeTypeStore types) =>
        [.. (await types.ListAsync(caller, context.RequestAborted)).Select(t => t.Name).Order(StringComparer.Ordinal)];

    private static JsonObject QuotaSet(string? project, IReadOnlyDictionary<string, long> limits, IReadOnlyDictionary<string, long>? usage, IReadOnlyList<string> typeNames)
    {
        var set = new JsonObject();
        if (project is not null)
        {
            set["id"] = project;
        }

        JsonNode Entry(string name, long limit, long used) =>
            usage is null ? JsonValue.Create(limit) : new JsonObject { ["limit"] = limit, ["in_use"] = used, ["reserved"] = 0 };
        foreach (var name in Central)
        {
            set[name] = Entry(name, limits.GetValueOrDefault(name, -1), usage?.GetValueOrDefault(name) ?? 0);
        }

        foreach (var type in typeNames)
        {
            foreach (var resource in PerType)
            {
                var key = $"{resource}_{type}";
                set[key] = Entry(key, limits.GetValueOrDefault(key, -1), usage?.GetValueOrDefault(key) ?? 0);
            }
        }

        return set;
    }

    private static async Task ShowAsync(string project, HttpContext context, QuotaStore quotas, VolumeTypeStore types)
    {
        var caller = Reader(context, project);
        var withUsage = context.Request.Query.TryGetValue("usage", out var usage) && Flag(usage.ToString());
        var limits = await quotas.LimitsAsync(project, context.RequestAborted);
        var used = withUsage ? await quotas.UsageAsync(project, context.RequestAborted) : null;
        await ServersApi.WriteJsonAsync(context, 200, new JsonObject { ["quota_set"] = QuotaSet(project, limits, used, await TypeNamesAsync(context, caller, types)) });
    }

    private static async Task DefaultsAsync(string project, HttpContext context, QuotaStore quotas, VolumeTypeStore types)
    {
        var caller = Reader(context, project);
        await ServersApi.WriteJsonAsync(context, 200, new JsonObject { ["quota_set"] = QuotaSet(project, await quotas.DefaultsAsync(context.RequestAborted), null, await TypeNamesAsync(context, caller, types)) });
    }

    private static async Task UpdateAsync(string project, HttpContext context, QuotaStore quotas, VolumeTypeStore types)
    {
        var caller = VolumeApi.Caller(context);
        var body = (await Update.ReadAsync(context, BodyAction.Update)).Fields;

        var typeNames = await TypeNamesAsync(context, caller, types);
        var limits = Limits(body, typeNames, "quota set", digitsOnly: false);
        try
        {
            await quotas.SetLimitsAsync(project, limits, force: false, context.RequestAborted);
        }
        catch (QuotaBelowUsageException e)
        {
            throw ApiException.BadRequest($"Quota {e.Resource} limit must be equal or greater than existing resources. Current usage is {e.Used} and the requested limit is {e.Limit}.");
        }

        await ServersApi.WriteJsonAsync(context, 200, new JsonObject { ["quota_set"] = QuotaSet(null, await quotas.LimitsAsync(project, context.RequestAborted), null, typeNames) });
    }

    private static async Task ShowClassAsync(string name, HttpContext context, QuotaStore quotas, VolumeTypeStore types)
    {
        var caller = VolumeApi.Caller(context);
        await ServersApi.WriteJsonAsync(context, 200, new JsonObject { ["quota_class_set"] = QuotaSet(name, await quotas.ClassAsync(name, context.RequestAborted), null, await TypeNamesAsync(context, caller, types)) });
    }

    /// <summary>Cinder's quota class update: any class name of 1 to 255 characters, stored; the <c>default</c> class's limits are every project's that has none of its own.</summary>
    private static async Task UpdateClassAsync(string name, HttpContext context, QuotaStore quotas, VolumeTypeStore types)
    {
        var caller = VolumeApi.Caller(context);
        var body = (await ClassUpdate.ReadAsync(context, BodyAction.Update)).Fields;
        var typeNames = await TypeNamesAsync(context, caller, types);
        var limits = Limits(body, typeNames, "quota class set", digitsOnly: true);
        if (name.Length is < 1 or > 255)
        {
            throw ApiException.BadRequest($"Invalid input received: quota_class_name has {name.Length} characters, more than 255.");
        }

        await quotas.SetClassAsync(name, limits, context.RequestAborted);
        await ServersApi.WriteJsonAsync(context, 200, new JsonObject { ["quota_class_set"] = QuotaSet(null, await quotas.ClassAsync(name, context.RequestAborted), null, typeNames) });
    }

    /// <summary>
    /// The limits of a quota set or class set body, checked as Cinder does: every key one of its
    /// quotas (those of the volume types included), every value an integer from -1 to 2^31-1
    /// (a class set's strings digits only, as its schema's pattern).
    /// </summary>
    private static Dictionary<string, long> Limits(JsonObject body, IReadOnlyList<string> typeNames, string what, bool digitsOnly)
    {
        var kept = Central.Concat(typeNames.SelectMany(t => PerType.Select(r => $"{r}_{t}"))).ToHashSet(StringComparer.Ordinal);
        var badKeys = new List<string>();
        var limits = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (name, node) in body)
        {
            if (NonQuotaKeys.Contains(name, StringComparer.Ordinal) && !digitsOnly)
            {
                continue;
            }

            if (!kept.Contains(name))
            {
                badKeys.Add(name);
                continue;
            }

            var numberStyle = digitsOnly ? NumberStyles.None : NumberStyles.AllowLeadingSign;
            var limit = node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var n) ? n
                : node is JsonValue s && s.GetValueKind() == JsonValueKind.String && long.TryParse(digitsOnly ? s.GetValue<string>() : s.GetValue<string>().Trim(), numberStyle, CultureInfo.InvariantCulture, out var parsed) ? parsed
                : throw ApiException.BadRequest($"{name} must be an integer.");
            limits[name] = limit switch
            {
                < -1 => throw ApiException.BadRequest($"{name} must be >= -1"),
                > int.MaxValue => throw ApiException.BadRequest($"{name} must be <= {int.MaxValue}"),
                _ => limit,
            };
        }

        return badKeys.Count > 0 ? throw ApiException.BadRequest($"Bad key(s) in {what}: {string.Join(", ", badKeys)}") : limits;
    }

    private static async Task ResetAsync(string project, HttpContext context, QuotaStore quotas, VolumeTypeStore types)
    {
        var caller = VolumeApi.Caller(context);
        var typeNames = await TypeNamesAsync(context, caller, types);
        await quotas.ResetAsync(project, [.. Central, .. typeNames.SelectMany(t => PerType.Select(r => $"{r}_{t}"))], context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    /// <summary>Cinder's absolute limits from the central quotas (rate limits are long gone from Cinder).</summary>
    private static async Task LimitsAsync(HttpContext context, QuotaStore quotas)
    {
        var caller = VolumeApi.Caller(context);
        var project = caller.ProjectId;
        if (context.Request.Query.TryGetValue("project_id", out var asked) && asked.ToString() is { Length: > 0 } other && other != caller.ProjectId)
        {
            project = caller.IsAdmin ? other : throw ApiException.Forbidden("Policy doesn't allow limits_extension:used_limits to be performed.");
        }

        var limits = await quotas.LimitsAsync(project, context.RequestAborted);
        var usage = await quotas.UsageAsync(project, context.RequestAborted);
        var absolute = new JsonObject
        {
            ["maxTotalVolumes"] = limits.GetValueOrDefault(QuotaResources.Volumes, -1),
            ["maxTotalSnapshots"] = limits.GetValueOrDefault(QuotaResources.Snapshots, -1),
            ["maxTotalVolumeGigabytes"] = limits.GetValueOrDefault(QuotaResources.Gigabytes, -1),
            ["maxTotalBackups"] = limits.GetValueOrDefault(QuotaResources.Backups, -1),
            ["maxTotalBackupGigabytes"] = limits.GetValueOrDefault(QuotaResources.BackupGigabytes, -1),
            ["totalVolumesUsed"] = usage.GetValueOrDefault(QuotaResources.Volumes),
            ["totalGigabytesUsed"] = usage.GetValueOrDefault(QuotaResources.Gigabytes),
            ["totalSnapshotsUsed"] = usage.GetValueOrDefault(QuotaResources.Snapshots),
            ["totalBackupsUsed"] = usage.GetValueOrDefault(QuotaResources.Backups),
            ["totalBackupGigabytesUsed"] = usage.GetValueOrDefault(QuotaResources.BackupGigabytes),
        };
        await ServersApi.WriteJsonAsync(context, 200, new JsonObject { ["limits"] = new JsonObject { ["rate"] = new JsonArray(), ["absolute"] = absolute } });
    }

    /// <summary>Cinder's reading of a boolean query parameter (oslo's bool_from_string).</summary>
    private static bool Flag(string value) => value.Trim().ToLowerInvariant() is "true" or "1" or "yes" or "y" or "on" or "t";
}
