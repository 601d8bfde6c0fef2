using Tricircle.Hosting;
using Tricircle.Identity;
using Tricircle.Pods;

namespace Tricircle.Admin;

/// <summary><c>/v1.0/pods</c>: the pod registry.</summary>
internal static class PodsApi
{
    private static readonly string[] CreateFields = ["region_name", "pod_name", "az_name", "pod_az_name", "dc_name", "disabled", "disabled_reason"];
    private static readonly string[] UpdateFields = ["az_name", "pod_az_name", "dc_name", "disabled", "disabled_reason"];

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

    private static async Task<IResult> CreateAsync(HttpRequest request, PodStore store, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadWrappedAsync(request, "pod", cancellationToken);
        RequestBody.RejectUnknown(body, "pod", CreateFields);
        var regionName = RequestBody.OptionalString(body, "region_name");
        var podName = RequestBody.OptionalString(body, "pod_name");
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
            RequestBody.OptionalString(body, "az_name", allowNull: true) ?? "",
            RequestBody.OptionalString(body, "pod_az_name", allowNull: true) ?? "",
            RequestBody.OptionalString(body, "dc_name", allowNull: true) ?? "",
            RequestBody.Boolean(body, "disabled") ?? false,
            RequestBody.OptionalString(body, "disabled_reason", allowNull: true) ?? "",
            cancellationToken);
        return TypedResults.Json(new { pod = pod.ToView() });
    }

    private static async Task<IResult> ShowAsync(string podId, PodStore store, CancellationToken cancellationToken) =>
        TypedResults.Json(new { pod = (await store.GetAsync(podId, cancellationToken)).ToView() });

    private static async Task<IResult> UpdateAsync(string podId, HttpRequest request, PodStore store, CancellationToken cancellationToken)
    {
        await store.GetAsync(podId, cancellationToken); // 404 before judging the body
        var body = await RequestBody.ReadWrappedAsync(request, "pod", cancellationToken);
        if (body.TryGetProperty("region_name", out _) || body.TryGetProperty("pod_name", out _))
        {
            throw ApiException.BadRequest("region_name can not be changed: it names the pod's Keystone region. Create a new pod instead.");
        }

        RequestBody.RejectUnknown(body, "pod", UpdateFields);
        var pod = await store.UpdateAsync(
            podId,
            RequestBody.OptionalString(body, "az_name"),
            RequestBody.OptionalString(body, "pod_az_name"),
            RequestBody.OptionalString(body, "dc_name"),
            RequestBody.Boolean(body, "disabled"),
            body.TryGetProperty("disabled_reason", out var reason) && reason.ValueKind == System.Text.Json.JsonValueKind.Null ? "" : RequestBody.OptionalString(body, "disabled_reason"),
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
