using System.Text.Json.Nodes;
using Tricircle.Hosting;
using Tricircle.Identity;
using Tricircle.Quotas;

namespace Tricircle.Network;

/// <summary>
/// Neutron's <c>quotas</c> and <c>quota_details</c> extensions over the central quotas: a
/// project reads its own (an admin any), only an admin changes them (403 otherwise).
/// </summary>
internal static class NetworkQuotasApi
{
    // Neutron's quota attribute map: each resource convert_to_int, in [-1, the database's int].
    private static readonly BodySchema Update = new(
        "quota",
        [
            .. QuotaResources.NetworkResources.Select(r => NeutronBody.Int with { Name = r, Minimum = -1 }),
            NeutronBody.Bool with { Name = "check_limit" },
            NeutronBody.Bool with { Name = "force" },
        ]);

    public static void MapNetworkQuotasApi(this IEndpointRouteBuilder v20)
    {
        v20.MapGet("/quotas", IndexAsync).AdminOnly("get_quota");
        v20.MapGet("/quotas/tenant", (HttpContext context) =>
            TypedResults.Json(new JsonObject { ["tenant"] = new JsonObject { ["tenant_id"] = context.GetRequestContext().ProjectId } }));
        v20.MapGet("/quotas/{projectId}", ShowAsync);
        v20.MapGet("/quotas/{projectId}/default", async (string projectId, HttpContext context, NetworkQuotas quotas) =>
        {
            Reader(context, projectId);
            return TypedResults.Json(new JsonObject { ["quota"] = Limits(await quotas.Store.DefaultsAsync(context.RequestAborted)) });
        });
        v20.MapGet("/quotas/{projectId}/details", DetailsAsync);
        v20.MapPut("/quotas/{projectId}", UpdateAsync).AdminOnly("update_quota");
        v20.MapDelete("/quotas/{projectId}", ResetAsync).AdminOnly("delete_quota");
    }

    private static async Task<IResult> IndexAsync(HttpContext context, NetworkQuotas quotas)
    {
        var items = new JsonArray();
        foreach (var project in await quotas.Store.ProjectsWithLimitsAsync(QuotaResources.NetworkResources, context.RequestAborted))
        {
            var item = Limits(await quotas.Store.LimitsAsync(project, context.RequestAborted));
            item["project_id"] = project;
            item["tenant_id"] = project;
            items.Add(item);
        }

        return TypedResults.Json(new JsonObject { ["quotas"] = items });
    }

    private static async Task<IResult> ShowAsync(string projectId, HttpContext context, NetworkQuotas quotas)
    {
        Reader(context, projectId);
        return TypedResults.Json(new JsonObject { ["quota"] = Limits(await quotas.Store.LimitsAsync(projectId, context.RequestAborted)) });
    }

    private static async Task<IResult> DetailsAsync(string projectId, HttpContext context, NetworkQuotas quotas)
    {
        Reader(context, projectId);
        var limits = await quotas.Store.LimitsAsync(projectId, context.RequestAborted);
        var usage = await quotas.UsageAsync(projectId, context.RequestAborted);
        var details = new JsonObject();
        foreach (var resource in QuotaResources.NetworkResources)
        {
            details[resource] = new JsonObject { ["limit"] = limits.GetValueOrDefault(resource, -1), ["used"] = usage.GetValueOrDefault(resource), ["reserved"] = 0 };
        }

        return TypedResults.Json(new JsonObject { ["quota"] = details });
    }

    private static async Task<IResult> UpdateAsync(string projectId, HttpContext context, NetworkQuotas quotas)
    {
        var body = await Update.ReadAsync(context, BodyAction.Update);

        // check_limit (quota-check-limit): refuse a limit below the usage; force is openstackclient's and the default here.
        var checkLimit = body.Bool("check_limit") ?? false;
        var limits = QuotaResources.NetworkResources.Where(body.Has).ToDictionary(r => r, r => body.Long(r)!.Value, StringComparer.Ordinal);

        if (checkLimit)
        {
            var usage = await quotas.UsageAsync(projectId, context.RequestAborted);
            foreach (var (resource, limit) in limits)
            {
                if (limit >= 0 && usage.GetValueOrDefault(resource) > limit)
                {
                    throw new ApiException(StatusCodes.Status400BadRequest,
                        $"Quota limit {limit} for {resource} must be greater than or equal to already used and reserved {usage[resource]}.", "InvalidQuotaValue");
                }
            }
        }

        await quotas.Store.SetLimitsAsync(projectId, limits, force: true, context.RequestAborted);
        return TypedResults.Json(new JsonObject { ["quota"] = Limits(await quotas.Store.LimitsAsync(projectId, context.RequestAborted)) });
    }

    private static async Task<IResult> ResetAsync(string projectId, HttpContext context, NetworkQuotas quotas)
    {
        await quotas.Store.ResetAsync(projectId, QuotaResources.NetworkResources.ToList(), context.RequestAborted);
        return TypedResults.NoContent();
    }

    private static JsonObject Limits(IReadOnlyDictionary<string, long> limits)
    {
        var quota = new JsonObject();
        foreach (var resource in QuotaResources.NetworkResources)
        {
            quota[resource] = limits.GetValueOrDefault(resource, -1);
        }

        return quota;
    }

    private static void Reader(HttpContext context, string projectId)
    {
        var caller = context.GetRequestContext();
        if (!caller.IsAdmin && caller.ProjectId != projectId)
        {
            throw AdminPolicy.Denied(context, "get_quota");
        }
    }
}
