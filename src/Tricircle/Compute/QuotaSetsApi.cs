using System.Text.Json.Nodes;
using Tricircle.Hosting;
using Tricircle.Identity;
using Tricircle.Quotas;

namespace Tricircle.Compute;

/// <summary>
/// <c>os-quota-sets</c> and <c>limits</c> over the central quotas. instances, cores, ram,
/// key_pairs and metadata_items are kept and enforced centrally; the other fields Nova shows are
/// reported at Nova's defaults and cannot be changed here.
/// </summary>
internal static class QuotaSetsApi
{
    private static readonly string[] Central = [QuotaResources.Instances, QuotaResources.Cores, QuotaResources.Ram, QuotaResources.KeyPairs, QuotaResources.MetadataItems];

    // Nova's defaults of what the gateway does not keep, with the microversion that dropped each.
    private static readonly (string Name, long Value, int DroppedAt)[] Fixed =
    [
        ("floating_ips", 10, 36), ("fixed_ips", -1, 36), ("security_groups", 10, 36), ("security_group_rules", 20, 36),
        ("injected_files", 5, 57), ("injected_file_content_bytes", 10240, 57), ("injected_file_path_bytes", 255, 57),
        ("server_groups", 10, int.MaxValue), ("server_group_members", 10, int.MaxValue),
    ];

    // Nova's quota_sets update: every quota an integer (or a string of one) from -1 to the database's int.
    private static readonly BodySchema Update = new(
        "quota_set",
        [
            .. Central.Concat(Fixed.Select(f => f.Name)).Select(name => new BodyField(name, JsonKind.Integer | JsonKind.IntegerText) { Minimum = -1, Maximum = int.MaxValue }),
            new BodyField("force", JsonKind.Boolean | JsonKind.BooleanText),
        ]);

    public static void MapQuotaSetsApi(this IEndpointRouteBuilder v21)
    {
        v21.MapGet("/os-quota-sets/{project}", (string project, HttpContext context, QuotaStore quotas) => ShowAsync(project, context, quotas, detail: false));
        v21.MapGet("/os-quota-sets/{project}/detail", (string project, HttpContext context, QuotaStore quotas) => ShowAsync(project, context, quotas, detail: true));
        v21.MapGet("/os-quota-sets/{project}/defaults", DefaultsAsync);
        v21.MapPut("/os-quota-sets/{project}", UpdateAsync).AdminOnly("os_compute_api:os-quota-sets:update");
        v21.MapDelete("/os-quota-sets/{project}", ResetAsync).AdminOnly("os_compute_api:os-quota-sets:delete");
        v21.MapGet("/limits", LimitsAsync);
    }

    private static RequestContext Reader(HttpContext context, string project)
    {
        var caller = ComputeApi.Caller(context);
        return caller.IsAdmin || project == caller.ProjectId
            ? caller
            : throw ApiException.Forbidden($"Policy doesn't allow os_compute_api:os-quota-sets:show to be performed (project {project} is not yours).");
    }

    private static JsonObject QuotaSet(HttpContext context, string project, IReadOnlyDictionary<string, long> limits, IReadOnlyDictionary<string, long>? usage)
    {
        var set = new JsonObject { ["id"] = project };
        JsonNode Entry(string name, long limit) =>
            usage is null ? JsonValue.Create(limit) : new JsonObject { ["limit"] = limit, ["in_use"] = name == QuotaResources.KeyPairs ? 0 : usage.GetValueOrDefault(name), ["reserved"] = 0 };
        foreach (var name in Central)
        {
            set[name] = Entry(name, limits.GetValueOrDefault(name, -1));
        }

        foreach (var (name, value, droppedAt) in Fixed)
        {
            if (!NovaJson.AtLeast(context, droppedAt))
            {
                set[name] = usage is null ? value : new JsonObject { ["limit"] = value, ["in_use"] = 0, ["reserved"] = 0 };
            }
        }

        return set;
    }

    private static async Task ShowAsync(string project, HttpContext context, QuotaStore quotas, bool detail)
    {
        Reader(context, project);
        var limits = await quotas.LimitsAsync(project, context.RequestAborted);
        var usage = detail ? await quotas.UsageAsync(project, context.RequestAborted) : null;
        await NovaJson.WriteAsync(context, new JsonObject { ["quota_set"] = QuotaSet(context, project, limits, usage) });
    }

    private static async Task DefaultsAsync(string project, HttpContext context, QuotaStore quotas)
    {
        ComputeApi.Caller(context);
        await NovaJson.WriteAsync(context, new JsonObject { ["quota_set"] = QuotaSet(context, project, quotas.Defaults, null) });
    }

    private static async Task UpdateAsync(string project, HttpContext context, QuotaStore quotas)
    {
        var body = await Update.ReadAsync(context, BodyAction.Update);
        var force = body.Bool("force") ?? false;
        var limits = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (name, _) in body.Fields)
        {
            if (name == "force")
            {
                continue;
            }

            if (!Central.Contains(name, StringComparer.Ordinal))
            {
                throw ApiException.BadRequest($"Quota {name} is not kept by Tricircle's Nova gateway (only {string.Join(", ", Central)}); set it in the pods.");
            }

            limits[name] = body.Long(name)!.Value;
        }

        try
        {
            await quotas.SetLimitsAsync(project, limits, force, context.RequestAborted);
        }
        catch (QuotaBelowUsageException e)
        {
            throw ApiException.BadRequest(e.Message);
        }

        await NovaJson.WriteAsync(context, new JsonObject { ["quota_set"] = QuotaSet(context, project, await quotas.LimitsAsync(project, context.RequestAborted), null).Also(s => s.Remove("id")) });
    }

    private static async Task ResetAsync(string project, HttpContext context, QuotaStore quotas)
    {
        await quotas.ResetAsync(project, Central, context.RequestAborted);
        await NovaJson.NoContentAsync(context, StatusCodes.Status202Accepted);
    }

    private static async Task LimitsAsync(HttpContext context, QuotaStore quotas)
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
            ["maxServerGroups"] = 10,
            ["maxServerGroupMembers"] = 10,
            ["totalCoresUsed"] = usage.GetValueOrDefault(QuotaResources.Cores),
            ["totalInstancesUsed"] = usage.GetValueOrDefault(QuotaResources.Instances),
            ["totalRAMUsed"] = usage.GetValueOrDefault(QuotaResources.Ram),
            ["totalServerGroupsUsed"] = 0,
        };
        if (!NovaJson.AtLeast(context, 36))
        {
            absolute["maxSecurityGroupRules"] = 20;
            absolute["maxSecurityGroups"] = 10;
            absolute["maxTotalFloatingIps"] = 10;
            absolute["totalFloatingIpsUsed"] = 0;
            absolute["totalSecurityGroupsUsed"] = 0;
        }

        if (!NovaJson.AtLeast(context, 57))
        {
            absolute["maxImageMeta"] = 128;
            absolute["maxPersonality"] = 5;
            absolute["maxPersonalitySize"] = 10240;
        }

        await NovaJson.WriteAsync(context, new JsonObject { ["limits"] = new JsonObject { ["rate"] = new JsonArray(), ["absolute"] = absolute } });
    }

    private static JsonObject Also(this JsonObject json, Action<JsonObject> change)
    {
        change(json);
        return json;
    }
}
