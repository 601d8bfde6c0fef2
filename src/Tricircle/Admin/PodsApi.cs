using Tricircle.Hosting;
using Tricircle.Identity;
using Tricircle.Pods;

namespace Tricircle.Admin;

/// <summary><c>/v1.0/pods</c>: the pod registry.</summary>
internal static class PodsApi
{
    private static readonly BodySchema Create = new(
        "pod",
        new("region_name", JsonKind.String) { MaxLength = 255 },
        new("pod_name", JsonKind.String) { MaxLength = 255 },
        new("az_name", JsonKind.String | JsonKind.Null) { MaxLength = 255 },
        new("pod_az_name", JsonKind.String | JsonKind.Null) { MaxLength = 255 },
        new("dc_name", JsonKind.String | JsonKind.Null) { MaxLength = 255 },
        new("disabled", JsonKind.Boolean),
        new("disabled_reason", JsonKind.String | JsonKind.Null) { MaxLength = 255 });

    // region_name is declared so that its refusal can say why (it names the pod's Keystone region).
    private static readonly BodySchema Update = new(
        "pod",
        new("region_name", JsonKind.Any),
        new("pod_name", JsonKind.Any),
        new("az_name", JsonKind.String) { MaxLength = 255 },
        new("pod_az_name", JsonKind.String) { MaxLength = 255 },
        new("dc_name", JsonKind.String) { MaxLength = 255 },
        new("disabled", JsonKind.Boolean),
        new("disabled_reason", JsonKind.String | JsonKind.Null) { MaxLength = 255 });

    public static void MapPodsApi(this IEndpointRouteBuilder v1)
    {
        var pods = v1.MapGroup("/pods").RequireAdmin("pods");
        pods.MapGet("", ListAsync).WithPolicyAction("list");
        pods.MapPost("", CreateAsync).WithPolicyAction("create");
        pods.MapGet("/{podId}", ShowAsync).WithPolicyAction("show");
        pods.MapPut("/{podId}", UpdateAsync).WithPolicyAction("update");
        pods.MapDelete("/{podId}", DeleteAsync).WithPolicyAction("delete");
    }

    private static async Task<IResult> ListAsync(HttpRequest request, PodStore store, CancellationToken cancellationToken)
    {
        var filters = AdminApi.Filters(request, PodStore.Filters);
        var list = await store.ListAsync(filters, cancellationToken);
        return TypedResults.Json(new { pods = list.Select(p => p.ToView()) });
    }

    private static async Task<IResult> CreateAsync(HttpContext context, PodStore store, CancellationToken cancellationToken)
    {
        var body = await Create.ReadAsync(context);
        var regionName = body.String("region_name");
        var podName = body.String("pod_name");
        if (regionName is not null && podName is not null && regionName != podName)
        {
            throw ApiException.BadRequest("region_name and pod_name (its older name) differ; give one of them.");
        }

        var region = regionName ?? podName;
        if (string.IsNullOrEmpty(region))
        {
            throw ApiException.BadRequest("'region_name' is required and can not be empty.");
        }

        var pod = await store.CreateAsync(
            region,
            body.String("az_name") ?? "",
            body.String("pod_az_name") ?? "",
            body.String("dc_name") ?? "",
            body.Bool("disabled") ?? false,
            body.String("disabled_reason") ?? "",
            cancellationToken);
        return TypedResults.Json(new { pod = pod.ToView() });
    }

    private static async Task<IResult> ShowAsync(string podId, PodStore store, CancellationToken cancellationToken) =>
        TypedResults.Json(new { pod = (await store.GetAsync(podId, cancellationToken)).ToView() });

    private static async Task<IResult> UpdateAsync(string podId, HttpContext context, PodStore store, CancellationToken cancellationToken)
    {
        await store.GetAsync(podId, cancellationToken); // 404 before judging the body
        var body = await Update.ReadAsync(context, BodyAction.Update);
        if (body.Has("region_name") || body.Has("pod_name"))
        {
            throw ApiException.BadRequest("region_name can not be changed: it names the pod's Keystone region. Create a new pod instead.");
        }

        var pod = await store.UpdateAsync(
            podId,
            body.String("az_name"),
            body.String("pod_az_name"),
            body.String("dc_name"),
            body.Bool("disabled"),
            body.IsNull("disabled_reason") ? "" : body.String("disabled_reason"),
            cancellationToken);
        return TypedResults.Json(new { pod = pod.ToView() });
    }

    private static async Task<IResult> DeleteAsync(string podId, PodStore store, Jobs.JobStore jobs, CancellationToken cancellationToken)
    {
        await store.DeleteAsync(podId, cancellationToken);

        // What was queued for the pod is moot now (a running job finds no pod and ends).
        await jobs.DeleteOfPodAsync(podId, cancellationToken);
        return TypedResults.Json(new { });
    }
}
