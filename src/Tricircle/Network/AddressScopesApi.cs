using Tricircle.Hosting;
using Tricircle.Identity;

namespace Tricircle.Network;

/// <summary><c>/v2.0/address-scopes</c> (Neutron's address-scope): central only, as the subnet pools in them.</summary>
internal static class AddressScopesApi
{
    // Neutron's address_scope attribute map.
    private static readonly BodySchema Schema = new(
        "address_scope",
        [
            NeutronBody.Name,
            NeutronBody.Bool with { Name = "shared" },
            NeutronBody.Int with { Name = "ip_version", Required = true, Put = false },
            .. NeutronBody.Owner,
        ]);

    public static void MapAddressScopesApi(this IEndpointRouteBuilder v20)
    {
        v20.MapGet("/address-scopes", ListAsync);
        v20.MapPost("/address-scopes", CreateAsync);
        v20.MapGet("/address-scopes/{id}", ShowAsync);
        v20.MapPut("/address-scopes/{id}", UpdateAsync);
        v20.MapDelete("/address-scopes/{id}", DeleteAsync);
    }

    private static async Task ListAsync(HttpContext context, AddressScopeStore store)
    {
        var query = NeutronQuery.Parse(context.Request.Query, AddressScopeStore.Schema);
        var rows = await store.ListAsync(query, context.GetRequestContext(), context.RequestAborted);
        await NeutronBody.WriteAsync(context, 200, query.Respond(context, "address_scopes", [.. rows.Select(r => r.ToView())]));
    }

    private static async Task ShowAsync(string id, HttpContext context, AddressScopeStore store) =>
        await NeutronBody.ShowAsync(context, "address_scope", (await store.GetAsync(id, context.GetRequestContext(), context.RequestAborted)).ToView());

    private static async Task CreateAsync(HttpContext context, AddressScopeStore store)
    {
        var caller = context.GetRequestContext();
        var body = await Schema.ReadAsync(context);
        var version = body.Int("ip_version")!.Value;
        if (version is not (4 or 6))
        {
            throw NeutronAddresses.InvalidAttribute("ip_version", $"{version} is not in [4, 6]");
        }

        var scope = await store.CreateAsync(
            new AddressScopeRow
            {
                ProjectId = NeutronBody.OwnerOf(body, caller, "address_scope"),
                Name = body.String("name") ?? "",
                Shared = Shared(body, caller, "create"),
                IpVersion = version,
            },
            context.RequestAborted);
        await NeutronBody.ShowAsync(context, "address_scope", scope.ToView(), 201);
    }

    private static async Task UpdateAsync(string id, HttpContext context, AddressScopeStore store)
    {
        var caller = context.GetRequestContext();
        var current = await store.GetAsync(id, caller, context.RequestAborted);
        AddressScopeStore.Owner(current, caller, "update");
        var body = await Schema.ReadAsync(context, BodyAction.Update);
        var shared = body.Has("shared") ? Shared(body, caller, "update") : (bool?)null;
        var scope = await store.UpdateAsync(id, body.String("name"), shared, caller, context.RequestAborted);
        await NeutronBody.ShowAsync(context, "address_scope", scope.ToView());
    }

    private static async Task DeleteAsync(string id, HttpContext context, AddressScopeStore store)
    {
        await store.DeleteAsync(id, context.GetRequestContext(), context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    // create_address_scope:shared and update_address_scope:shared are an admin's (enforced when not the default, false).
    private static bool Shared(Body body, RequestContext caller, string action) =>
        body.Bool("shared") is true ? caller.IsAdmin ? true : throw NeutronErrors.PolicyDenied($"{action}_address_scope:shared") : false;
}
