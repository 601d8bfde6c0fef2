using Tricircle.Hosting;
using Tricircle.Identity;
using Tricircle.Placement;

namespace Tricircle.Admin;

/// <summary><c>/v1.0/bindings</c>: which pod a tenant's new resources go to, per AZ.</summary>
internal static class BindingsApi
{
    private static readonly BodySchema Create = new(
        "pod_binding",
        new("tenant_id", JsonKind.String) { Required = true, MinLength = 1, MaxLength = 36 },
        new("pod_id", JsonKind.String) { Required = true, MinLength = 1, MaxLength = 36 });

    private static readonly BodySchema Update = new("pod_binding", new BodyField("is_binding", JsonKind.Boolean));

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

    private static async Task<IResult> CreateAsync(HttpContext context, PodBindingStore store, CancellationToken cancellationToken)
    {
        var body = await Create.ReadAsync(context);
        var binding = await store.AddAsync(body.String("tenant_id")!, body.String("pod_id")!, cancellationToken);
        return TypedResults.Json(new { pod_binding = binding.ToView() });
    }

    private static async Task<IResult> ShowAsync(string id, PodBindingStore store, CancellationToken cancellationToken) =>
        TypedResults.Json(new { pod_binding = (await store.GetAsync(id, cancellationToken)).ToView() });

    private static async Task<IResult> UpdateAsync(string id, HttpContext context, PodBindingStore store, CancellationToken cancellationToken)
    {
        await store.GetAsync(id, cancellationToken);
        var body = await Update.ReadAsync(context, BodyAction.Update);
        var active = body.Bool("is_binding") ?? throw ApiException.BadRequest("'is_binding' is required: the only field a binding update changes.");
        return TypedResults.Json(new { pod_binding = (await store.SetActiveAsync(id, active, cancellationToken)).ToView() });
    }

    private static async Task<IResult> DeleteAsync(string id, PodBindingStore store, CancellationToken cancellationToken)
    {
        await store.DeleteAsync(id, cancellationToken);
        return TypedResults.Json(new { });
    }
}
