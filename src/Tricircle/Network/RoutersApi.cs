using System.Text.Json;
using Tricircle.Errors;
using Tricircle.Hosting;
using Tricircle.Identity;
using Tricircle.Pods;

namespace Tricircle.Network;

/// <summary>
/// <c>/v2.0/routers</c>: central routers with their interfaces, external gateway and extra
/// routes (Neutron's router, extraroute, ext-gw-mode and router_availability_zone). Each change
/// queues the router's sync job, which carries it to the router's copies in the pods
/// (<see cref="RouterCopies"/>).
/// </summary>
internal static class RoutersApi
{
    private static readonly BodyField FixedIps = new("external_fixed_ips", JsonKind.Array)
    {
        Items = new("", JsonKind.Object) { Properties = new(null, new("subnet_id", JsonKind.String), new("ip_address", JsonKind.String)) },
    };

    // Neutron's external_gateway_info (type:dict_or_nodata): network_id required, the rest optional.
    private static readonly BodyField Gateway = new("external_gateway_info", JsonKind.Object | JsonKind.Null)
    {
        Properties = new(null, new BodyField("network_id", JsonKind.String) { MaxLength = 255 }, NeutronBody.Bool with { Name = "enable_snat" }, FixedIps),
    };

    // Neutron's router attribute map with extraroute's routes (allow_post False) and the AZ hints (allow_put False).
    private static readonly BodySchema Schema = new(
        "router",
        [
            NeutronBody.Name,
            NeutronBody.Description,
            NeutronBody.Bool with { Name = "admin_state_up" },
            Gateway,
            new("routes", JsonKind.Array | JsonKind.Null)
            {
                Post = false,
                Items = new("", JsonKind.Object) { Properties = new(null, new("destination", JsonKind.String), new("nexthop", JsonKind.String)) },
            },
            NeutronBody.Strings with { Name = "availability_zone_hints", Put = false },
            .. NeutronBody.Owner,
            NeutronBody.Strings with { Name = "tags", Put = false },
        ]);

    // add_router_interface / remove_router_interface: a bare object, no wrapper.
    private static readonly BodySchema InterfaceSchema = new(
        null,
        new BodyField("subnet_id", JsonKind.String) { MaxLength = 255 },
        new BodyField("port_id", JsonKind.String) { MaxLength = 255 });

    public static void MapRoutersApi(this IEndpointRouteBuilder v20)
    {
        v20.MapGet("/routers", ListAsync);
        v20.MapPost("/routers", CreateAsync);
        v20.MapGet("/routers/{id}", ShowAsync);
        v20.MapPut("/routers/{id}", UpdateAsync);
        v20.MapDelete("/routers/{id}", DeleteAsync);
        v20.MapPut("/routers/{id}/add_router_interface", AddInterfaceAsync);
        v20.MapPut("/routers/{id}/remove_router_interface", RemoveInterfaceAsync);
        v20.MapTags("routers", RouterStore.CountRevisionAsync, async (context, id, _) =>
            await context.RequestServices.GetRequiredService<RouterStore>().GetAsync(id, context.GetRequestContext(), context.RequestAborted));
    }

    private static async Task ListAsync(HttpContext context, RouterStore store)
    {
        var caller = context.GetRequestContext();
        var query = NeutronQuery.Parse(context.Request.Query, RouterStore.Schema);
        var (rows, gateways, tags, zones) = await store.ListAsync(query, caller, context.RequestAborted);
        await NeutronBody.WriteAsync(context, 200, query.Respond(context, "routers", [.. rows.Select(r => r.ToView(caller.IsAdmin, gateways.GetValueOrDefault(r.Id), tags[r.Id], zones[r.Id]))]));
    }

    private static async Task ShowAsync(string id, HttpContext context, RouterStore store)
    {
        var caller = context.GetRequestContext();
        var router = await store.GetAsync(id, caller, context.RequestAborted);
        await NeutronBody.ShowAsync(context, "router", await store.ViewAsync(router, caller.IsAdmin, context.RequestAborted));
    }

    private static async Task CreateAsync(HttpContext context, RouterStore store, RouterGateways gateways, PodStore pods)
    {
        var caller = context.GetRequestContext();
        var body = await Schema.ReadAsync(context);
        var hints = body.Strings("availability_zone_hints") ?? [];
        var allPods = await pods.ListAsync(new Dictionary<string, string>(), context.RequestAborted);
        RouterPlacement.CheckHints(hints, allPods);
        var gateway = GatewayOf(body, caller, "create");
        var router = await gateways.CreateRouterAsync(
            new RouterRow
            {
                ProjectId = NeutronBody.OwnerOf(body, caller, "router"),
                Name = body.String("name") ?? "",
                Description = body.String("description") ?? "",
                AdminStateUp = body.Bool("admin_state_up") ?? true,
                AvailabilityZoneHints = JsonSerializer.Serialize(hints),
            },
            body.Strings("tags") ?? [],
            RouterPlacement.IsLocal(hints, allPods),
            context.RequestAborted);
        if (gateway is not null)
        {
            try
            {
                router = await gateways.SetAsync(router, gateway, caller, context.RequestAborted);
            }
            catch (Exception)
            {
                // As Neutron: a router whose gateway cannot be set is not left behind, whatever stopped it.
                await gateways.DeleteRouterAsync(router, CancellationToken.None);
                throw;
            }
        }

        await NeutronBody.ShowAsync(context, "router", await store.ViewAsync(router, caller.IsAdmin, context.RequestAborted), 201);
    }

    private static async Task UpdateAsync(string id, HttpContext context, RouterStore store, RouterGateways gateways)
    {
        var caller = context.GetRequestContext();
        var router = await store.GetAsync(id, caller, context.RequestAborted);
        var body = await Schema.ReadAsync(context, BodyAction.Update);

        // Routes are read (and, without a gateway change, judged) before anything changes, so a
        // refused PUT leaves the router as it was; next hops on a gateway this same PUT sets can
        // only be judged once that gateway is there.
        var changesGateway = body.Has("external_gateway_info");
        var routes = !body.Has("routes") ? null : body.IsNull("routes") ? [] : RouteRules.Parse(body.Array("routes")!, router.Id);
        if (routes is not null && !changesGateway)
        {
            RouteRules.Check(routes, await store.PortsAsync(router.Id, context.RequestAborted), await gateways.SubnetsAsync(router.Id, context.RequestAborted));
        }

        if (changesGateway)
        {
            // Routes judged against the new gateway inside its transaction: refused, the gateway stays as it was.
            var gateway = GatewayOf(body, caller, "update");
            if (gateway is null)
            {
                if (routes is not null)
                {
                    RouteRules.Check(routes, [.. (await store.PortsAsync(router.Id, context.RequestAborted)).Where(p => p.DeviceOwner != PortStore.RouterGatewayOwner)],
                        [.. (await gateways.SubnetsAsync(router.Id, context.RequestAborted)).Where(s => s.NetworkId != router.GwNetworkId)]);
                }

                router = await gateways.ClearAsync(router, context.RequestAborted);
            }
            else
            {
                router = await gateways.SetAsync(router, gateway, caller, context.RequestAborted, routes is null ? null : RouteRules.CheckIn(routes, router.Id));
            }
        }

        router.Name = body.String("name") ?? router.Name;
        router.Description = body.String("description") ?? router.Description;
        router.AdminStateUp = body.Bool("admin_state_up") ?? router.AdminStateUp;
        if (routes is not null)
        {
            router.Routes = JsonSerializer.Serialize(routes);
        }

        // A PUT of the gateway alone has had its one sync with the gateway's change.
        if (!changesGateway || body.Has("name") || body.Has("description") || body.Has("admin_state_up") || routes is not null)
        {
            router = await gateways.UpdateAsync(router, context.RequestAborted);
        }
        await NeutronBody.ShowAsync(context, "router", await store.ViewAsync(router, caller.IsAdmin, context.RequestAborted));
    }

    private static async Task DeleteAsync(string id, HttpContext context, RouterStore store, RouterGateways gateways)
    {
        var router = await store.GetAsync(id, context.GetRequestContext(), context.RequestAborted);
        await gateways.DeleteRouterAsync(router, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task AddInterfaceAsync(string id, HttpContext context, RouterStore store, RouterInterfaces interfaces)
    {
        var caller = context.GetRequestContext();
        var router = await store.GetAsync(id, caller, context.RequestAborted);
        var body = await InterfaceSchema.ReadAsync(context, BodyAction.Update);
        var (subnetId, portId) = (body.String("subnet_id"), body.String("port_id"));
        RequireUuids(subnetId, portId);
        var info = (subnetId, portId) switch
        {
            (not null, not null) => throw BadRouterRequest("Cannot specify both subnet-id and port-id"),
            (not null, null) => await interfaces.AddSubnetAsync(router, subnetId, caller, context.RequestAborted),
            _ => await interfaces.AddPortAsync(router, portId!, caller, context.RequestAborted),
        };
        await NeutronBody.WriteAsync(context, 200, info);
    }

    // As l3_db._validate_interface_info: one of them at least, each a UUID (before any lookup).
    private static void RequireUuids(string? subnetId, string? portId)
    {
        if (subnetId is null && portId is null)
        {
            throw BadRouterRequest("Either subnet_id or port_id must be specified");
        }

        foreach (var id in (string?[])[portId, subnetId])
        {
            if (id is not null && !Guid.TryParseExact(id, "D", out _) && !Guid.TryParseExact(id, "N", out _))
            {
                throw BadRouterRequest($"'{id}' is not a valid UUID");
            }
        }
    }

    private static async Task RemoveInterfaceAsync(string id, HttpContext context, RouterStore store, RouterInterfaces interfaces)
    {
        var caller = context.GetRequestContext();
        var router = await store.GetAsync(id, caller, context.RequestAborted);
        var body = await InterfaceSchema.ReadAsync(context, BodyAction.Update);
        var (subnetId, portId) = (body.String("subnet_id"), body.String("port_id"));
        RequireUuids(subnetId, portId);

        await NeutronBody.WriteAsync(context, 200, await interfaces.RemoveAsync(router, subnetId, portId, context.RequestAborted));
    }

    /// <summary>
    /// The asked gateway, or null for none (<c>{}</c> or null: Neutron clears it). Setting SNAT or
    /// the external fixed IPs is an admin's in Neutron's default policy.
    /// </summary>
    private static GatewayRequest? GatewayOf(Body body, RequestContext caller, string action)
    {
        if (!body.Has("external_gateway_info") || body.Object("external_gateway_info") is not { } info || info.Count == 0)
        {
            return null;
        }

        var gateway = Body.Of(info);
        foreach (var adminOnly in new[] { "enable_snat", "external_fixed_ips" })
        {
            if (gateway.Has(adminOnly) && !caller.IsAdmin)
            {
                throw NeutronErrors.PolicyDenied($"{action}_router:external_gateway_info:{adminOnly}");
            }
        }

        var networkId = gateway.String("network_id") ?? throw NeutronErrors.InvalidInput("external_gateway_info: network_id is required");
        var fixedIps = NeutronBody.FixedIps(gateway, "external_fixed_ips");
        return new GatewayRequest(networkId, gateway.Bool("enable_snat"), fixedIps);
    }

    /// <summary>Neutron's <c>BadRequest(resource='router')</c>.</summary>
    public static TricircleException BadRouterRequest(string message) => TricircleException.Invalid("Bad router request: " + message, "BadRequest");
}

/// <summary>An external gateway asked for: the network, SNAT (null: unchanged, true for a new one) and fixed IPs (null: any).</summary>
internal sealed record GatewayRequest(string NetworkId, bool? EnableSnat, IReadOnlyList<FixedIpRequest>? FixedIps);
