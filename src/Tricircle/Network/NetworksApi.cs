using Tricircle.Hosting;
using Tricircle.Identity;

namespace Tricircle.Network;

/// <summary><c>/v2.0/networks</c>: the central networks, with provider and external attributes as Neutron's policy allows.</summary>
internal static class NetworksApi
{
    // Neutron's network attribute map; provider attributes and router:external are an admin's (default policy).
    private static readonly BodySchema Schema = new(
        "network",
        [
            NeutronBody.Name,
            NeutronBody.Description,
            NeutronBody.Bool with { Name = "admin_state_up" },
            NeutronBody.Bool with { Name = "shared" },
            NeutronBody.Bool with { Name = "router:external", AdminRule = "" },
            NeutronBody.Int with { Name = "mtu", Minimum = 68 },
            // neutron-lib's provider_net: type:string for the type and physnet, convert_to_int for
            // the id; all three refuse None ("'None' is not a valid string", "... is not an integer").
            new("provider:network_type", JsonKind.String) { MaxLength = 255, AdminRule = "", Put = false },
            new("provider:physical_network", JsonKind.String) { MaxLength = 255, AdminRule = "", Put = false },
            NeutronBody.Int with { Name = "provider:segmentation_id", AdminRule = "", Put = false },
            NeutronBody.Strings with { Name = "availability_zone_hints" },
            NeutronBody.Bool with { Name = "port_security_enabled" },
            new("qos_policy_id", JsonKind.String | JsonKind.Null) { Format = "uuid" },
            .. NeutronBody.Owner,
            NeutronBody.Strings with { Name = "tags", Put = false },
        ]);

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

    private static Task CreateAsync(HttpContext context, NetworkStore store, ExternalNetworks external, NetworkPropagation propagation, QosStore qos) =>
        NeutronBulk.CreateAsync(context, Schema, "networks", async body =>
        {
            var caller = context.GetRequestContext();
            var network = await CreateOneAsync(body, caller, store, external, qos, context.RequestAborted);
            return new(await store.ViewAsync(network, caller.IsAdmin, context.RequestAborted), ct => propagation.DeleteNetworkAsync(network, ct));
        });

    private static async Task<NetworkRow> CreateOneAsync(Body body, RequestContext caller, NetworkStore store, ExternalNetworks external, QosStore qos, CancellationToken cancellationToken)
    {
        var project = NeutronBody.OwnerOf(body, caller, "network");
        var create = new NetworkCreate(
            project,
            body.String("name") ?? "",
            body.String("description") ?? "",
            body.Bool("admin_state_up") ?? true,
            SharedFlag(body, caller, "create"),
            body.Bool("router:external") ?? false,
            body.Int("mtu"),
            body.String("provider:network_type"),
            body.String("provider:physical_network"),
            body.Int("provider:segmentation_id"),
            body.Strings("availability_zone_hints") ?? [],
            body.Bool("port_security_enabled") ?? true,
            body.Strings("tags") ?? [],
            await QosPolicyOfNewAsync(body, caller, project, qos, cancellationToken));
        return create.External ? await external.CreateAsync(create, cancellationToken) : await store.CreateAsync(create, null, cancellationToken);
    }

    private static async Task UpdateAsync(string id, HttpContext context, NetworkStore store, NetworkPropagation propagation, ExternalFlips flips, QosStore qos, QosPropagation qosCopies)
    {
        var caller = context.GetRequestContext();
        var network = await store.GetOwnedAsync(id, caller, "update", context.RequestAborted);
        var body = await Schema.ReadAsync(context, BodyAction.Update);
        network.Name = body.String("name") ?? network.Name;
        network.Description = body.String("description") ?? network.Description;
        network.AdminStateUp = body.Bool("admin_state_up") ?? network.AdminStateUp;
        network.Shared = body.Has("shared") ? SharedFlag(body, caller, "update") : network.Shared;
        network.Mtu = body.Int("mtu") ?? network.Mtu;
        network.PortSecurityEnabled = body.Bool("port_security_enabled") ?? network.PortSecurityEnabled;
        var hints = HintsChange(network, body);
        var policyBefore = network.QosPolicyId;
        if (body.Has("qos_policy_id"))
        {
            network.QosPolicyId = await QosPolicyAsync(body, caller, qos, context.RequestAborted);
        }

        network = body.Bool("router:external") is { } external && external != network.RouterExternal
            ? external ? await flips.MakeExternalAsync(network, context.RequestAborted) : await flips.MakeInternalAsync(network, context.RequestAborted)
            : await propagation.UpdateNetworkAsync(network, hints, context.RequestAborted);
        if (policyBefore is not null && policyBefore != network.QosPolicyId)
        {
            await qosCopies.SyncCopiesAsync(policyBefore, context.RequestAborted); // its copies go where nothing uses them now
        }

        await NeutronBody.ShowAsync(context, "network", await store.ViewAsync(network, caller.IsAdmin, context.RequestAborted));
    }

    /// <summary>The policy a body names (null: none), which the caller must be able to see (Neutron's 404 QosPolicyNotFound).</summary>
    public static async Task<string?> QosPolicyAsync(Body body, RequestContext caller, QosStore qos, CancellationToken cancellationToken) =>
        body.String("qos_policy_id") is { } id ? (await qos.GetAsync(id, caller, cancellationToken)).Id : null;

    /// <summary>A new network's policy: the one asked for, else the project's default policy (qos-default).</summary>
    private static async Task<string?> QosPolicyOfNewAsync(Body body, RequestContext caller, string project, QosStore qos, CancellationToken cancellationToken) =>
        body.Has("qos_policy_id") ? await QosPolicyAsync(body, caller, qos, cancellationToken) : await qos.DefaultOfAsync(project, cancellationToken);

    private static async Task DeleteAsync(string id, HttpContext context, NetworkStore store, FloatingIpChanges floatingIps, NetworkPropagation propagation)
    {
        var caller = context.GetRequestContext();
        var network = await store.GetOwnedAsync(id, caller, "delete", context.RequestAborted);
        if (network.RouterExternal)
        {
            // As Neutron: the floating IPs on it that no port uses go with it.
            await floatingIps.DeleteDisassociatedAsync(network.Id, caller, context.RequestAborted);
        }

        await propagation.DeleteNetworkAsync(network, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>
    /// An external network lives in the one pod chosen when it was made (<see cref="ExternalHomes"/>),
    /// so its hints do not change (the same values again are fine); <c>router:external</c> itself
    /// may flip (<see cref="ExternalFlips"/>). Returns the hints to store (null: unchanged).
    /// </summary>
    private static List<string>? HintsChange(NetworkRow network, Body body)
    {
        var hints = body.Strings("availability_zone_hints");
        if ((network.RouterExternal || body.Bool("router:external") == true) && hints is not null && !hints.SequenceEqual(network.Hints(), StringComparer.Ordinal))
        {
            throw NeutronErrors.InvalidInput($"availability_zone_hints of external network {network.Id} cannot change: it lives in the one pod chosen when it was made.");
        }

        return hints;
    }

    // Neutron's default policy lets only admins share a network.
    private static bool SharedFlag(Body body, RequestContext caller, string action) =>
        body.Bool("shared") is { } shared
            ? shared && !caller.IsAdmin ? throw NeutronErrors.PolicyDenied($"{action}_network:shared") : shared
            : false;
}
