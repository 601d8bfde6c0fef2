using Tricircle.Compute;
using Tricircle.Hosting;
using Tricircle.Identity;

namespace Tricircle.Admin;

/// <summary>
/// <c>POST /v1.0/flavors/import</c>: makes the pods' own flavors central (see <see cref="FlavorImport"/>),
/// from every pod or the one named by <c>pod</c> (id or region name). Answers what it imported,
/// found already central, left as conflicts or skipped, and which pods did not answer.
/// </summary>
internal static class FlavorImportApi
{
    private static readonly BodySchema Import = new("import", new BodyField("pod", JsonKind.String | JsonKind.Null) { MinLength = 1, MaxLength = 255 });

    public static void MapFlavorImportApi(this IEndpointRouteBuilder v1)
    {
        var flavors = v1.MapGroup("/flavors").RequireAdmin("flavors");
        flavors.MapPost("/import", ImportAsync).WithPolicyAction("import");
    }

    private static async Task<IResult> ImportAsync(HttpContext context, FlavorImport import, CancellationToken cancellationToken)
    {
        var body = await Import.ReadAsync(context);
        var report = await import.ImportAsync(body.String("pod"), cancellationToken);
        static object[] Items(IReadOnlyList<FlavorImportItem> items) =>
            [.. items.Select(i => i.Reason is null ? (object)new { id = i.Id, name = i.Name } : new { id = i.Id, name = i.Name, reason = i.Reason })];
        return TypedResults.Json(new
        {
            import = new
            {
                imported = Items(report.Imported),
                existing = Items(report.Existing),
                conflicts = Items(report.Conflicts),
                skipped = Items(report.Skipped),
                failed_pods = report.FailedPods.Select(p => new { pod_id = p.Id, region_name = p.Name, reason = p.Reason }),
            },
        });
    }
}
