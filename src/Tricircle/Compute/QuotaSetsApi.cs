using System.Text.Json.Nodes;
using Tricircle.Hosting;
using Tricircle.Identity;
using Tricircle.Quotas;

namespace Tricircle.Compute;

/// <summary>
/// <c>os-quota-sets</c>, <c>os-quota-class-sets</c> and <c>limits</c> over the central quotas.
/// Every quota Nova has is kept (per project and per class; the <c>default</c> class is what a
/// project without its own limits gets): instances, cores, ram, metadata_items, server_groups and
/// server_group_members are enforced centrally (key_pairs too, per user, by the keypair API);
/// the injected-file and nova-network quotas are kept and shown only, as Nova does since it
/// stopped using them.
/// </summary>
internal static class QuotaSetsApi
{
    // Nova's QUOTAS resources, in its order.
    private static readonly string[] Enforced = [QuotaResources.Instances, QuotaResources.Cores, QuotaResources.Ram, QuotaResources.MetadataItems];
    private static readonly string[] InjectedFiles = ["injected_files", "injected_file_content_bytes", "injected_file_path_bytes"];
    private static readonly string[] ServerGroupQuotas = [QuotaResources.KeyPairs, QuotaResources.ServerGroups, QuotaResources.ServerGroupMembers];
    private static readonly string[] NetworkQuotas = ["fixed_ips", "floating_ips", "security_groups", "security_group_rules"];
    private static readonly string[] All = [.. Enforced, .. InjectedFiles, .. ServerGroupQuotas, .. NetworkQuotas];

    /// <summary>What <c>os-quota-sets/{project}</c>, <c>defaults</c> and PUT leave out at the caller's microversion (2.36: network quotas, 2.57: injected files).</summary>
    private static string[] FilteredFromSets(HttpContext context) =>
        NovaJson.AtLeast(context, 57) ? [.. NetworkQuotas, .. InjectedFiles] : NovaJson.AtLeast(context, 36) ? NetworkQuotas : [];

    /// <summary>What <c>os-quota-class-sets</c> leaves out: server groups before 2.50 (Nova's bug 1693168), network quotas from 2.50, injected files from 2.57.</summary>
    private static string[] FilteredFromClasses(HttpContext context) =>
        NovaJson.AtLeast(context, 57) ? [.. NetworkQuotas, .. InjectedFiles] : NovaJson.AtLeast(context, 50) ? NetworkQuotas : [QuotaResources.ServerGroups, QuotaResources.ServerGroupMembers];

    // Nova's common_quota: an integer (or a string of one) from -1 to the database's int.
    private static BodyField Quota(string name) => new(name, JsonKind.Integer | JsonKind.IntegerText) { Minimum = -1, Maximum = int.MaxValue };

    // Nova's quota_sets update schemas (2.1, 2.36, 2.57) and quota_classes ones (2.1, 2.50, 2.57); "networks" (nova-network's) is in the oldest.
    private static readonly BodyField Force = new("force", JsonKind.Boolean | JsonKind.BooleanText);
    private static readonly BodySchema SetUpdate = new("quota_set", [.. All.Select(Quota), Quota("networks"), Force]);
    private static readonly BodySchema SetUpdate236 = new("quota_set", [.. All.Except(NetworkQuotas).Select(Quota), Force]);
    private static readonly BodySchema SetUpdate257 = new("quota_set", [.. All.Except(NetworkQuotas).Except(InjectedFiles).Select(Quota), Force]);
    private static readonly BodySchema ClassUpdate = new("quota_class_set", [.. All.Select(Quota), Quota("networks")]);
    private static readonly BodySchema ClassUpdate250 = new("quota_class_set", [.. All.Except(NetworkQuotas).Select(Quota)]);
    private static readonly BodySchema ClassUpdate257 = new("quota_class_set", [.. All.Except(NetworkQuotas).Except(InjectedFiles).Select(Quota)]);

    public static void MapQuotaSetsApi(this IEndpointRouteBuilder v21)
    {
        v21.MapGet("/os-quota-sets/{project}", (string project, HttpContext context, QuotaStore quotas, ServerGroupStore groups) => ShowAsync(project, context, quotas, groups, detail: false));
        v21.MapGet("/os-quota-sets/{project}/detail", (string project, HttpContext context, QuotaStore quotas, ServerGroupStore groups) => ShowAsync(project, context, quotas, groups, detail: true));
        v21.MapGet("/os-quota-sets/{project}/defaults", DefaultsAsync);
        v21.MapPut("/os-quota-sets/{project}", UpdateAsync).AdminOnly("os_compute_api:os-quota-sets:update");
        v21.MapDelete("/os-quota-sets/{project}", ResetAsync).AdminOnly("os_compute_api:os-quota-sets:delete");
        v21.MapGet("/os-quota-class-sets/{name}", ShowClassAsync).AdminOnly("os_compute_api:os-quota-class-sets:show");
        v21.MapPut("/os-quota-class-sets/{name}", UpdateClassAsync).AdminOnly("os_compute_api:os-quota-class-sets:update");
        v21.MapGet("/limits", LimitsAsync);
    }

    private static RequestContext Reader(HttpContext context, string project)
    {
        var caller = ComputeApi.Caller(context);
        return caller.IsAdmin || project == caller.ProjectId
            ? caller
            : throw ApiException.Forbidden($"Policy doesn't allow os_compute_api:os-quota-sets:show to be performed (project {project} is not yours).");
    }

    private static JsonObject QuotaSet(string? id, IReadOnlyDictionary<string, long> limits, IReadOnlyDictionary<string, long>? usage, string[] filtered)
    {
        var set = new JsonObject();
        if (id is not null)
        {
            set["id"] = id;
        }

        foreach (var name in All.Except(filtered))
        {
            var limit = limits.GetValueOrDefault(name, -1);
            set[name] = usage is null ? JsonValue.Create(limit) : new JsonObject { ["limit"] = limit, ["in_use"] = usage.GetValueOrDefault(name), ["reserved"] = 0 };
        }

        return set;
    }

    /// <summary>
    /// The project's usage as Nova's detail shows it: the central allocations, and its server
    /// groups counted (key_pairs and server_group_members are per user and per group in Nova, shown as 0).
    /// </summary>
    private static async Task<IReadOnlyDictionary<string, long>> UsageAsync(string project, QuotaStore quotas, ServerGroupStore groups, CancellationToken cancellationToken)
    {
        var usage = new Dictionary<string, long>(await quotas.UsageAsync(project, cancellationToken), StringComparer.Ordinal)
        {
            [QuotaResources.ServerGroups] = (await groups.ListAsync(project, cancellationToken)).Count,
        };
        usage.Remove(QuotaResources.KeyPairs);
        return usage;
    }

    private static async Task ShowAsync(string project, HttpContext context, QuotaStore quotas, ServerGroupStore groups, bool detail)
    {
        Reader(context, project);
        var limits = await quotas.LimitsAsync(project, context.RequestAborted);
        var usage = detail ? await UsageAsync(project, quotas, groups, context.RequestAborted) : null;
        await NovaJson.WriteAsync(context, new JsonObject { ["quota_set"] = QuotaSet(project, limits, usage, FilteredFromSets(context)) });
    }

    private static async Task DefaultsAsync(string project, HttpContext context, QuotaStore quotas)
    {
        ComputeApi.Caller(context);
        await NovaJson.WriteAsync(context, new JsonObject { ["quota_set"] = QuotaSet(project, await quotas.DefaultsAsync(context.RequestAborted), null, FilteredFromSets(context)) });
    }

    private static async Task ShowClassAsync(string name, HttpContext context, QuotaStore quotas)
    {
        ComputeApi.Caller(context);
        await NovaJson.WriteAsync(context, new JsonObject { ["quota_class_set"] = QuotaSet(name, await quotas.ClassAsync(name, context.RequestAborted), null, FilteredFromClasses(context)) });
    }

    /// <summary>Nova's quota class update: any class name of 1 to 255 characters, stored; the <c>default</c> class's limits are every project's that has none of its own.</summary>
    private static async Task UpdateClassAsync(string name, HttpContext context, QuotaStore quotas)
    {
        ComputeApi.Caller(context);
        var schema = NovaJson.AtLeast(context, 57) ? ClassUpdate257 : NovaJson.AtLeast(context, 50) ? ClassUpdate250 : ClassUpdate;
        var body = await schema.ReadAsync(context, BodyAction.Update);
        if (name.Length is < 1 or > 255)
        {
            throw ApiException.BadRequest($"Invalid input received: quota_class_name has {name.Length} characters, more than 255.");
        }

        // "networks" (nova-network's) is accepted before 2.50 and forgotten, as nothing shows it.
        var limits = body.Fields.Where(f => f.Key != "networks").ToDictionary(f => f.Key, f => body.Long(f.Key)!.Value, StringComparer.Ordinal);
        await quotas.SetClassAsync(name, limits, context.RequestAborted);
        await NovaJson.WriteAsync(context, new JsonObject { ["quota_class_set"] = QuotaSet(null, await quotas.ClassAsync(name, context.RequestAborted), null, FilteredFromClasses(context)) });
    }

    private static async Task UpdateAsync(string project, HttpContext context, QuotaStore quotas)
    {
        var schema = NovaJson.AtLeast(context, 57) ? SetUpdate257 : NovaJson.AtLeast(context, 36) ? SetUpdate236 : SetUpdate;
        var body = await schema.ReadAsync(context, BodyAction.Update);
        if (body.Has("networks"))
        {
            throw ApiException.BadRequest("The networks quota has been removed");
        }

        var force = body.Bool("force") ?? false;
        var limits = body.Fields.Where(f => f.Key != "force").ToDictionary(f => f.Key, f => body.Long(f.Key)!.Value, StringComparer.Ordinal);

        try
        {
            await quotas.SetLimitsAsync(project, limits, force, context.RequestAborted);
        }
        catch (QuotaBelowUsageException e)
        {
            throw ApiException.BadRequest(e.Message);
        }

        await NovaJson.WriteAsync(context, new JsonObject { ["quota_set"] = QuotaSet(null, await quotas.LimitsAsync(project, context.RequestAborted), null, FilteredFromSets(context)) });
    }

    private static async Task ResetAsync(string project, HttpContext context, QuotaStore quotas)
    {
        await quotas.ResetAsync(project, All, context.RequestAborted);
        await NovaJson.NoContentAsync(context, StatusCodes.Status202Accepted);
    }

    private static async Task LimitsAsync(HttpContext context, QuotaStore quotas, ServerGroupStore groups)
    {
        var caller = ComputeApi.Caller(context);
        var project = caller.ProjectId;
        if (context.Request.Query.TryGetValue("tenant_id", out var tenant) && tenant.ToString() != caller.ProjectId)
        {
            project = caller.IsAdmin ? tenant.ToString() : throw ApiException.Forbidden("Policy doesn't allow os_compute_api:limits:other_project to be performed.");
        }

        var limits = await quotas.LimitsAsync(project, context.RequestAborted);
        var usage = await quotas.UsageAsync(project, context.RequestAborted);
        var absolute = new JsonObject
        {
            ["maxServerMeta"] = limits.GetValueOrDefault(QuotaResources.MetadataItems, -1),
            ["maxTotalCores"] = limits.GetValueOrDefault(QuotaResources.Cores, -1),
            ["maxTotalInstances"] = limits.GetValueOrDefault(QuotaResources.Instances, -1),
            ["maxTotalKeypairs"] = limits.GetValueOrDefault(QuotaResources.KeyPairs, -1),
            ["maxTotalRAMSize"] = limits.GetValueOrDefault(QuotaResources.Ram, -1),
            ["maxServerGroups"] = limits.GetValueOrDefault(QuotaResources.ServerGroups, -1),
            ["maxServerGroupMembers"] = limits.GetValueOrDefault(QuotaResources.ServerGroupMembers, -1),
            ["totalCoresUsed"] = usage.GetValueOrDefault(QuotaResources.Cores),
            ["totalInstancesUsed"] = usage.GetValueOrDefault(QuotaResources.Instances),
            ["totalRAMUsed"] = usage.GetValueOrDefault(QuotaResources.Ram),
            ["totalServerGroupsUsed"] = (await groups.ListAsync(project, context.RequestAborted)).Count,
        };
        if (!NovaJson.AtLeast(context, 36))
        {
            absolute["maxSecurityGroupRules"] = limits.GetValueOrDefault("security_group_rules", -1);
            absolute["maxSecurityGroups"] = limits.GetValueOrDefault("security_groups", -1);
            absolute["maxTotalFloatingIps"] = limits.GetValueOrDefault("floating_ips", -1);
            absolute["totalFloatingIpsUsed"] = 0;
            absolute["totalSecurityGroupsUsed"] = 0;
        }

        if (!NovaJson.AtLeast(context, 57))
        {
            absolute["maxImageMeta"] = limits.GetValueOrDefault(QuotaResources.MetadataItems, -1);
            absolute["maxPersonality"] = limits.GetValueOrDefault("injected_files", -1);
            absolute["maxPersonalitySize"] = limits.GetValueOrDefault("injected_file_content_bytes", -1);
        }

        await NovaJson.WriteAsync(context, new JsonObject { ["limits"] = new JsonObject { ["rate"] = new JsonArray(), ["absolute"] = absolute } });
    }
}
