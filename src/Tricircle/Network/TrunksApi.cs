using System.Text.Json.Nodes;
using Tricircle.Hosting;
using Tricircle.Identity;

namespace Tricircle.Network;

/// <summary>
/// <c>/v2.0/trunks</c>: central trunks (Neutron's trunk extension), each living in its parent
/// port's pod (<see cref="TrunkCopies"/>), and their member actions.
/// </summary>
internal static class TrunksApi
{
    // neutron-lib's trunk attribute map (sub_ports checked by TrunkRules, as its type:subports validator).
    private static readonly BodySchema Schema = new(
        "trunk",
        [
            NeutronBody.Name,
            NeutronBody.Description,
            NeutronBody.Bool with { Name = "admin_state_up" },
            new("port_id", JsonKind.String) { Required = true, Put = false, Format = "uuid" },
            new("sub_ports", JsonKind.Any) { Put = false },
            .. NeutronBody.Owner,
            NeutronBody.Strings with { Name = "tags", Put = false },
        ]);

    // add_subports / remove_subports: a bare object.
    private static readonly BodySchema SubportsSchema = new(null, new BodyField("sub_ports", JsonKind.Any) { Required = true });

    public static void MapTrunksApi(this IEndpointRouteBuilder v20)
    {
        v20.MapGet("/trunks", ListAsync);
        v20.MapPost("/trunks", CreateAsync);
        v20.MapGet("/trunks/{id}", ShowAsync);
        v20.MapPut("/trunks/{id}", UpdateAsync);
        v20.MapDelete("/trunks/{id}", DeleteAsync);
        v20.MapPut("/trunks/{id}/add_subports", (string id, HttpContext context, TrunkStore store, TrunkChanges changes) => ChangeSubportsAsync(id, context, store, changes, add: true));
        v20.MapPut("/trunks/{id}/remove_subports", (string id, HttpContext context, TrunkStore store, TrunkChanges changes) => ChangeSubportsAsync(id, context, store, changes, add: false));
        v20.MapGet("/trunks/{id}/get_subports", GetSubportsAsync);
        v20.MapTags("trunks", TrunkStore.CountRevisionAsync, async (context, id, _) =>
            await context.RequestServices.GetRequiredService<TrunkStore>().GetAsync(id, context.GetRequestContext(), context.RequestAborted));
    }

    private static async Task ListAsync(HttpContext context, TrunkStore store)
    {
        var query = NeutronQuery.Parse(context.Request.Query, TrunkStore.Schema);
        var (rows, subports, tags) = await store.ListAsync(query, context.GetRequestContext(), context.RequestAborted);
        await NeutronBody.WriteAsync(context, 200, query.Respond(context, "trunks", [.. rows.Select(r => r.ToView(subports[r.Id], tags[r.Id]))]));
    }

    private static async Task ShowAsync(string id, HttpContext context, TrunkStore store)
    {
        var trunk = await store.GetAsync(id, context.GetRequestContext(), context.RequestAborted);
        await NeutronBody.ShowAsync(context, "trunk", await store.ViewAsync(trunk, context.RequestAborted));
    }

    private static async Task CreateAsync(HttpContext context, TrunkStore store, TrunkChanges changes)
    {
        var caller = context.GetRequestContext();
        var body = await Schema.ReadAsync(context);
        var (subports, problem) = TrunkRules.Subports(body.Has("sub_ports") ? body.Node("sub_ports") : new JsonArray());
        if (problem is not null)
        {
            throw Errors.TricircleException.Invalid($"Invalid input for sub_ports. Reason: {problem}.", "HTTPBadRequest");
        }

        var row = new TrunkRow
        {
            ProjectId = NeutronBody.OwnerOf(body, caller, "trunk"),
            Name = body.String("name") ?? "",
            Description = body.String("description") ?? "",
            PortId = body.String("port_id")!,
            AdminStateUp = body.Bool("admin_state_up") ?? true,
        };
        var trunk = await changes.CreateAsync(row, subports!, body.Strings("tags") ?? [], caller, context.RequestAborted);
        await NeutronBody.ShowAsync(context, "trunk", await store.ViewAsync(trunk, context.RequestAborted), 201);
    }

    private static async Task UpdateAsync(string id, HttpContext context, TrunkStore store, TrunkChanges changes)
    {
        var caller = context.GetRequestContext();
        await store.GetAsync(id, caller, context.RequestAborted);
        var body = await Schema.ReadAsync(context, BodyAction.Update);
        var trunk = await changes.UpdateAsync(id, body.String("name"), body.String("description"), body.Bool("admin_state_up"), caller, context.RequestAborted);
        await NeutronBody.ShowAsync(context, "trunk", await store.ViewAsync(trunk, context.RequestAborted));
    }

    private static async Task DeleteAsync(string id, HttpContext context, TrunkStore store, TrunkChanges changes)
    {
        var caller = context.GetRequestContext();
        await store.GetAsync(id, caller, context.RequestAborted);
        await changes.DeleteAsync(id, caller, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>add_subports and remove_subports answer the whole trunk, as Neutron's.</summary>
    private static async Task ChangeSubportsAsync(string id, HttpContext context, TrunkStore store, TrunkChanges changes, bool add)
    {
        var caller = context.GetRequestContext();
        var before = await store.GetAsync(id, caller, context.RequestAborted);
        var body = await SubportsSchema.ReadAsync(context);
        var (subports, problem) = TrunkRules.Subports(body.Node("sub_ports"));
        if (problem is not null)
        {
            throw NeutronErrors.InvalidInput(problem + ".");
        }

        var trunk = await changes.ChangeSubportsAsync(before, subports!, add, caller, context.RequestAborted);
        await NeutronBody.WriteAsync(context, 200, await store.ViewAsync(trunk, context.RequestAborted));
    }

    private static async Task GetSubportsAsync(string id, HttpContext context, TrunkStore store)
    {
        var trunk = await store.GetAsync(id, context.GetRequestContext(), context.RequestAborted);
        await NeutronBody.WriteAsync(context, 200, new JsonObject { ["sub_ports"] = Subport.Json(await store.SubportsAsync(trunk.Id, context.RequestAborted)) });
    }
}
