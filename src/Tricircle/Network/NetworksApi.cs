using System.Text.Json.Nodes;
using Tricircle.Identity;

namespace Tricircle.Network;

/// <summary><c>/v2.0/networks</c>: the central networks, with provider and external attributes as Neutron's policy allows.</summary>
internal static class NetworksApi
{
    private static readonly HashSet<string> Create =
    [
        "name", "description", "admin_state_up", "shared", "router:external", "mtu", "provider:network_type", "provider:physical_network",
        "provider:segmentation_id", "availability_zone_hints", "port_security_enabled", "tenant_id", "project_id", "tags",
    ];

    private static readonly HashSet<string> Update = ["name", "description", "admin_state_up", "shared", "router:external", "mtu", "availability_zone_hints", "port_security_enabled"];

    private static readonly HashSet<string> AdminOnly = ["provider:network_type", "provider:physical_network", "provider:segmentation_id", "router:external"];

    public static void MapNetworksApi(this IEndpointRouteBuilder v20)
    {
        v20.MapGet("/networks", ListAsync);
        v20.MapPost("/networks", CreateAsync);
        v20.MapGet("/networks/{id}", ShowAsync);
        v20.MapPut("/networks/{id}", UpdateAsync);
        v20.MapDelete("/networks/{id}", DeleteAsync);
        v20.MapTags("networks", NetworkStore.CountRevisionAsync, async (context, id, change) =>
        {
            var store = context.RequestServices.GetRequiredService<NetworkStore>();
            var caller = context.GetRequestContext();
            _ = change ? await store.GetOwnedAsync(id, caller, "update", context.RequestAborted) : await store.GetAsync(id, caller, context.RequestAborted);
        });
    }

    private static async Task ListAsync(HttpContext context, NetworkStore store)
    {
        var caller = context.GetRequestContext();
        var query = NeutronQuery.Parse(context.Request.Query, NetworkStore.Schema);
        var (rows, subnets, tags, zones) = await store.ListAsync(query, caller, context.RequestAborted);
        await NeutronBody.WriteAsync(context, 200, query.Respond(context, "networks", [.. rows.Select(r => r.ToView(caller.IsAdmin, subnets[r.Id], tags[r.Id], zones[r.Id]))]));
    }

    private static async Task ShowAsync(string id, HttpContext context, NetworkStore store)
    {
        var caller = context.GetRequestContext();
        var network = await store.GetAsync(id, caller, context.RequestAborted);
        await NeutronBody.ShowAsync(context, "network", await store.ViewAsync(network, caller.IsAdmin, context.RequestAborted));
    }

    private static async Task CreateAsync(HttpContext context, NetworkStore store)
    {
        var caller = context.GetRequestContext();
        var body = await NeutronBody.ReadAsync(context, "network", Create, AdminOnly);
        var create = new NetworkCreate(
            NeutronBody.OwnerOf(body, caller, "network"),
            NeutronBody.Str(body, "name") ?? "",
            NeutronBody.Str(body, "description") ?? "",
            NeutronBody.Bool(body, "admin_state_up") ?? true,
            SharedFlag(body, caller, "create"),
            NeutronBody.Bool(body, "router:external") ?? false,
            Mtu(body),
            NeutronBody.Str(body, "provider:network_type"),
            NeutronBody.Str(body, "provider:physical_network"),
            NeutronBody.Int(body, "provider:segmentation_id"),
            NeutronBody.Strings(body, "availability_zone_hints") ?? [],
            NeutronBody.Bool(body, "port_security_enabled") ?? true,
            NeutronBody.Strings(body, "tags") ?? []);
        var network = await store.CreateAsync(create, context.RequestAborted);
        await NeutronBody.ShowAsync(context, "network", await store.ViewAsync(network, caller.IsAdmin, context.RequestAborted), 201);
    }

    private static async Task UpdateAsync(string id, HttpContext context, NetworkStore store, NetworkPropagation propagation)
    {
        var caller = context.GetRequestContext();
        var network = await store.GetOwnedAsync(id, caller, "update", context.RequestAborted);
        var body = await NeutronBody.ReadAsync(context, "network", Update, AdminOnly, "update");
        network.Name = NeutronBody.Str(body, "name") ?? network.Name;
        network.Description = NeutronBody.Str(body, "description") ?? network.Description;
        network.AdminStateUp = NeutronBody.Bool(body, "admin_state_up") ?? network.AdminStateUp;
        network.Shared = body.ContainsKey("shared") ? SharedFlag(body, caller, "update") : network.Shared;
        network.RouterExternal = NeutronBody.Bool(body, "router:external") ?? network.RouterExternal;
        network.Mtu = Mtu(body) ?? network.Mtu;
        network.PortSecurityEnabled = NeutronBody.Bool(body, "port_security_enabled") ?? network.PortSecurityEnabled;
        network = await propagation.UpdateNetworkAsync(network, NeutronBody.Strings(body, "availability_zone_hints"), context.RequestAborted);
        await NeutronBody.ShowAsync(context, "network", await store.ViewAsync(network, caller.IsAdmin, context.RequestAborted));
    }

    private static async Task DeleteAsync(string id, HttpContext context, NetworkStore store, NetworkPropagation propagation)
    {
        var caller = context.GetRequestContext();
        var network = await store.GetOwnedAsync(id, caller, "delete", context.RequestAborted);
        await propagation.DeleteNetworkAsync(network, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    // Neutron's default policy lets only admins share a network.
    private static bool SharedFlag(JsonObject body, RequestContext caller, string action) =>
        NeutronBody.Bool(body, "shared") is { } shared
            ? shared && !caller.IsAdmin ? throw NeutronErrors.PolicyDenied($"{action}_network:shared") : shared
            : false;

    private static int? Mtu(JsonObject body) =>
        NeutronBody.Int(body, "mtu") is { } mtu && mtu < 68 ? throw NeutronErrors.InvalidInput($"'{mtu}' is too small - must be at least '68'") : NeutronBody.Int(body, "mtu");
}
