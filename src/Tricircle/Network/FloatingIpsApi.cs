using Tricircle.Hosting;
using Tricircle.Identity;

namespace Tricircle.Network;

/// <summary>
/// <c>/v2.0/floatingips</c>: central floating IPs (Neutron's router extension, with
/// fip-port-details). Central state only: no pod has a floating IP yet.
/// </summary>
internal static class FloatingIpsApi
{
    // neutron-lib's floatingips attribute map: the address and where it comes from only on create
    // (floating_ip_address an admin's, by default policy, checked below), the association on both.
    private static readonly BodySchema Schema = new(
        "floatingip",
        [
            new("floating_network_id", JsonKind.String) { Required = true, Put = false, Format = "uuid" },
            new("floating_ip_address", JsonKind.String | JsonKind.Null) { Put = false, Format = "ip" },
            new("subnet_id", JsonKind.String | JsonKind.Null) { Put = false, Format = "uuid" },
            new("port_id", JsonKind.String | JsonKind.Null) { Format = "uuid" },
            new("fixed_ip_address", JsonKind.String | JsonKind.Null) { Format = "ip" },
            NeutronBody.Description,
            .. NeutronBody.Owner,
            NeutronBody.Strings with { Name = "tags", Put = false },
        ]);

    public static void MapFloatingIpsApi(this IEndpointRouteBuilder v20)
    {
        v20.MapGet("/floatingips", ListAsync);
        v20.MapPost("/floatingips", CreateAsync);
        v20.MapGet("/floatingips/{id}", ShowAsync);
        v20.MapPut("/floatingips/{id}", UpdateAsync);
        v20.MapDelete("/floatingips/{id}", DeleteAsync);
        v20.MapTags("floatingips", FloatingIpStore.CountRevisionAsync, async (context, id, _) =>
            await context.RequestServices.GetRequiredService<FloatingIpStore>().GetAsync(id, context.GetRequestContext(), context.RequestAborted));
    }

    private static async Task ListAsync(HttpContext context, FloatingIpStore store)
    {
        var query = NeutronQuery.Parse(context.Request.Query, FloatingIpStore.Schema);
        var (rows, ports, tags) = await store.ListAsync(query, context.GetRequestContext(), context.RequestAborted);
        await NeutronBody.WriteAsync(context, 200, query.Respond(context, "floatingips", [.. rows.Select(r => r.ToView(r.FixedPortId is { } p ? ports.GetValueOrDefault(p) : null, tags[r.Id]))]));
    }

    private static async Task ShowAsync(string id, HttpContext context, FloatingIpStore store)
    {
        var fip = await store.GetAsync(id, context.GetRequestContext(), context.RequestAborted);
        await NeutronBody.ShowAsync(context, "floatingip", await store.ViewAsync(fip, context.RequestAborted));
    }

    private static async Task CreateAsync(HttpContext context, FloatingIpStore store, FloatingIpChanges changes)
    {
        var caller = context.GetRequestContext();
        var body = await Schema.ReadAsync(context);

        // Neutron's policy checks an attribute only when set to other than its default (null).
        if (body.String("floating_ip_address") is not null && !caller.IsAdmin)
        {
            throw NeutronErrors.PolicyDenied("create_floatingip:floating_ip_address");
        }

        var fip = await changes.CreateAsync(
            new FloatingIpCreate(
                NeutronBody.OwnerOf(body, caller, "floatingip"),
                body.String("floating_network_id")!,
                body.String("subnet_id"),
                body.String("floating_ip_address"),
                body.String("port_id"),
                body.String("fixed_ip_address"),
                body.String("description") ?? "",
                body.Strings("tags") ?? []),
            caller,
            context.RequestAborted);
        await NeutronBody.ShowAsync(context, "floatingip", await store.ViewAsync(fip, context.RequestAborted), 201);
    }

    private static async Task UpdateAsync(string id, HttpContext context, FloatingIpStore store, FloatingIpChanges changes)
    {
        var caller = context.GetRequestContext();
        var before = await store.GetAsync(id, caller, context.RequestAborted);
        var body = await Schema.ReadAsync(context, BodyAction.Update);
        // As Neutron (l3_db._check_and_get_fip_assoc): an empty update disassociates, as it did
        // when a floating IP had nothing else to update; any other body without port_id keeps it.
        var change = new FloatingIpChange(body.Has("port_id") || body.Fields.Count == 0, body.String("port_id"), body.String("fixed_ip_address"), body.String("description"));
        var fip = await changes.UpdateAsync(before, change, caller, context.RequestAborted);
        await NeutronBody.ShowAsync(context, "floatingip", await store.ViewAsync(fip, context.RequestAborted));
    }

    private static async Task DeleteAsync(string id, HttpContext context, FloatingIpStore store, FloatingIpChanges changes)
    {
        var fip = await store.GetAsync(id, context.GetRequestContext(), context.RequestAborted);
        await changes.DeleteAsync(fip, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }
}
