using Tricircle.Hosting;
using Tricircle.Identity;
using Tricircle.Placement;

namespace Tricircle.Admin;

/// <summary><c>/v1.0/bindings</c>: which pod a tenant's new resources go to, per AZ.</summary>
internal static class BindingsApi
{
    private static readonly string[] CreateFields = ["tenant_id", "pod_id"];
    private static readonly string[] UpdateFields = ["is_binding"];

    public static void MapBindingsApi(this IEndpointRouteBuilder v1)
    {
        var bindings = v1.MapGroup("/bindings").RequireAdmin("bindings");
        bindings.MapGet("", ListAsync).WithPolicyAction("list");
        bindings.MapPost("", CreateAsync).WithPolicyAction("create");
        bindings.MapGet("/{id}", ShowAsync).WithPolicyAction("show");
        bindings.MapPut("/{id}", UpdateAsync).WithPolicyAction("update");
        bindings.MapDelete("/{id}", DeleteAsync).WithPolicyAction("delete");
    }

    private static async Task<IResult> ListAsync(HttpRequest request, PodBindingStore store, CancellationToken cancellationToken)
    {
        var filters = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (key, value) in AdminApi.Filters(request, PodBindingStore.Filters))
        {
            filters[key] = key == "is_binding" ? AdminApi.ParseBool(key, value) : value;
        }

        var list = await store.ListAsync(filters, cancellationToken);
        return TypedResults.Json(new { pod_bindings = list.Select(b => b.ToView()) });
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, PodBindingStore store, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadWrappedAsync(request, "pod_binding", cancellationToken);
        RequestBody.RejectUnknown(body, "pod_binding", CreateFields);
        var binding = await store.AddAsync(
            RequestBody.RequiredString(body, "tenant_id", 36),
            RequestBody.RequiredString(body, "pod_id", 36),
            cancellationToken);
        return TypedResults.Json(new { pod_binding = binding.ToView() });
    }

    private static async Task<IResult> ShowAsync(string id, PodBindingStore store, CancellationToken cancellationToken) =>
        TypedResults.Json(new { pod_binding = (await store.GetAsync(id, cancellationToken)).ToView() });

    private static async Task<IResult> UpdateAsync(string id, HttpRequest request, PodBindingStore store, CancellationToken cancellationToken)
    {
        await store.GetAsync(id, cancellationToken);
        var body = await RequestBody.ReadWrappedAsync(request, "pod_binding", cancellationToken);
        RequestBody.RejectUnknown(body, "pod_binding", UpdateFields);
        var active = RequestBody.Boolean(body, "is_binding") ?? throw ApiException.BadRequest("'is_binding' is required: the only field a binding update changes.");
        return TypedResults.Json(new { pod_binding = (await store.SetActiveAsync(id, active, cancellationToken)).ToView() });
    }

    private static async Task<IResult> DeleteAsync(string id, PodBindingStore store, CancellationToken cancellationToken)
    {
        await store.DeleteAsync(id, cancellationToken);
        return TypedResults.Json(new { });
    }
}
