using System.Net.NetworkInformation;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tricircle.Hosting;
using Tricircle.Identity;

namespace Tricircle.Network;

/// <summary><c>/v2.0/ports</c>: ports with centrally allocated MACs and fixed IPs.</summary>
internal static class PortsApi
{
    private static readonly string[] VnicTypes = ["normal", "direct", "macvtap", "baremetal", "direct-physical", "virtio-forwarder", "smart-nic", "vdpa", "remote-managed"];

    // Neutron's port attribute map. The host binding and its profile are an admin's (default
    // policy); a chosen MAC also the network owner's on create (checked with the network).
    private static readonly BodySchema Schema = new(
        "port",
        [
            NeutronBody.Name,
            NeutronBody.Description,
            new("network_id", JsonKind.String) { Required = true, MaxLength = 255, Put = false },
            new("mac_address", JsonKind.String) { Format = "mac" },
            new("fixed_ips", JsonKind.Array) { Items = new("", JsonKind.Object) { Properties = new(null, new("subnet_id", JsonKind.String | JsonKind.Null), new("ip_address", JsonKind.String | JsonKind.Null)) { RejectUnknown = false } } },
            NeutronBody.Strings with { Name = "security_groups", Kind = JsonKind.Array | JsonKind.Null },
            new("allowed_address_pairs", JsonKind.Array | JsonKind.Null)
            {
                Items = new("", JsonKind.Object) { Properties = new(null, new("ip_address", JsonKind.String), new("mac_address", JsonKind.String) { Format = "mac" }) },
            },
            NeutronBody.Bool with { Name = "port_security_enabled" },
            NeutronBody.Bool with { Name = "admin_state_up" },
            new("device_id", JsonKind.String) { MaxLength = 255 },
            new("device_owner", JsonKind.String) { MaxLength = 255 },
            new("binding:host_id", JsonKind.String) { MaxLength = 255, AdminRule = "" },
            new("binding:profile", JsonKind.Object | JsonKind.Null) { AdminRule = "" },
            new("binding:vnic_type", JsonKind.String) { Enum = VnicTypes },
            new("extra_dhcp_opts", JsonKind.Array | JsonKind.Null) { Items = new("", JsonKind.Object) },
            new("qos_policy_id", JsonKind.String | JsonKind.Null) { Format = "uuid" },
            .. NeutronBody.Owner,
            NeutronBody.Strings with { Name = "tags", Put = false },
        ]);

    public static void MapPortsApi(this IEndpointRouteBuilder v20)
    {
        v20.MapGet("/ports", ListAsync);
        v20.MapPost("/ports", CreateAsync);
        v20.MapGet("/ports/{id}", ShowAsync);
        v20.MapPut("/ports/{id}", UpdateAsync);
        v20.MapDelete("/ports/{id}", DeleteAsync);
        v20.MapTags("ports", PortStore.CountRevisionAsync, async (context, id, _) => await context.RequestServices.GetRequiredService<PortStore>().GetAsync(id, context.GetRequestContext(), context.RequestAborted));
    }

    private static async Task ListAsync(HttpContext context, PortStore store)
    {
        var caller = context.GetRequestContext();
        var query = NeutronQuery.Parse(context.Request.Query, PortStore.Schema);
        var (rows, tags) = await store.ListAsync(query, caller, context.RequestAborted);
        await NeutronBody.WriteAsync(context, 200, query.Respond(context, "ports", [.. rows.Select(r => r.ToView(caller.IsAdmin, tags[r.Id]))]));
    }

    private static async Task ShowAsync(string id, HttpContext context, PortStore store)
    {
        var caller = context.GetRequestContext();
        var port = await store.GetAsync(id, caller, context.RequestAborted);
        await NeutronBody.ShowAsync(context, "port", await store.ViewAsync(port, caller.IsAdmin, context.RequestAborted));
    }

    private static Task CreateAsync(HttpContext context, PortStore store, NetworkStore networks, NetworkPropagation propagation, QosStore qos) =>
        NeutronBulk.CreateAsync(context, Schema, "ports", async body =>
        {
            var caller = context.GetRequestContext();
            var port = await CreateOneAsync(body, caller, store, networks, qos, context.RequestAborted);
            return new(await store.ViewAsync(port, caller.IsAdmin, context.RequestAborted), ct => propagation.DeletePortAsync(port.Id, ct));
        });

    private static async Task<PortRow> CreateOneAsync(Body body, RequestContext caller, PortStore store, NetworkStore networks, QosStore qos, CancellationToken cancellationToken)
    {
        var networkId = body.String("network_id")!;
        var network = await networks.GetAsync(networkId, caller, cancellationToken);
        if (!caller.IsAdmin && network.ProjectId != caller.ProjectId && !network.Shared)
        {
            throw NeutronErrors.PolicyDenied("create_port");
        }

        // Neutron's create_port:mac_address: the network's owner, an admin or an advanced service.
        if (body.Has("mac_address") && !caller.IsAdmin && !IsAdvancedService(caller) && network.ProjectId != caller.ProjectId)
        {
            throw NeutronErrors.PolicyDenied("create_port:mac_address");
        }

        var port = new PortRow
        {
            ProjectId = NeutronBody.OwnerOf(body, caller, "port"),
            NetworkId = networkId,
            Name = body.String("name") ?? "",
            Description = body.String("description") ?? "",
            MacAddress = body.String("mac_address") is { } mac ? Mac(mac) : "",
            AdminStateUp = body.Bool("admin_state_up") ?? true,
            DeviceId = body.String("device_id") ?? "",
            DeviceOwner = body.String("device_owner") ?? "",
            PortSecurityEnabled = body.Bool("port_security_enabled") ?? network.PortSecurityEnabled,
            QosPolicyId = await NetworksApi.QosPolicyAsync(body, caller, qos, cancellationToken),
        };
        Apply(body, port);
        return await store.CreateAsync(port, FixedIps(body), SecurityGroups(body), body.Strings("tags") ?? [], cancellationToken);
    }

    private static async Task UpdateAsync(string id, HttpContext context, PortStore store, NetworkPropagation propagation, QosStore qos, QosPropagation qosCopies)
    {
        var caller = context.GetRequestContext();
        var port = await store.GetAsync(id, caller, context.RequestAborted);
        var body = await Schema.ReadAsync(context, BodyAction.Update);

        // Neutron's update_port:mac_address: an admin's or an advanced service's only.
        if (body.Has("mac_address") && !caller.IsAdmin && !IsAdvancedService(caller))
        {
            throw NeutronErrors.PolicyDenied("update_port:mac_address");
        }

        port.Name = body.String("name") ?? port.Name;
        port.Description = body.String("description") ?? port.Description;
        port.AdminStateUp = body.Bool("admin_state_up") ?? port.AdminStateUp;
        port.DeviceId = body.String("device_id") ?? port.DeviceId;
        port.DeviceOwner = body.String("device_owner") ?? port.DeviceOwner;
        port.PortSecurityEnabled = body.Bool("port_security_enabled") ?? port.PortSecurityEnabled;
        port.MacAddress = body.String("mac_address") is { } mac ? Mac(mac) : port.MacAddress;
        var policyBefore = port.QosPolicyId;
        if (body.Has("qos_policy_id"))
        {
            port.QosPolicyId = await NetworksApi.QosPolicyAsync(body, caller, qos, context.RequestAborted);
        }

        Apply(body, port);
        port = await propagation.UpdatePortAsync(port, FixedIps(body), SecurityGroups(body), context.RequestAborted);
        if (policyBefore is not null && policyBefore != port.QosPolicyId)
        {
            await qosCopies.SyncCopiesAsync(policyBefore, context.RequestAborted); // its copies go where nothing uses them now
        }

        await NeutronBody.ShowAsync(context, "port", await store.ViewAsync(port, caller.IsAdmin, context.RequestAborted));
    }

    private static async Task DeleteAsync(string id, HttpContext context, PortStore store, RouterStore routers, FloatingIpStore floatingIps, TrunkStore trunks, NetworkPropagation propagation)
    {
        var caller = context.GetRequestContext();
        var port = await store.GetAsync(id, caller, context.RequestAborted);
        await trunks.RefusePortDeleteAsync(id, context.RequestAborted);

        // Neutron's prevent_l3_port_deletion: a live router's port goes with its interface or gateway, a floating IP's with the floating IP.
        if ((port.DeviceOwner is PortStore.RouterInterfaceOwner or PortStore.RouterGatewayOwner && await routers.FindAsync(port.DeviceId, null, context.RequestAborted) is not null)
            || (port.DeviceOwner == PortStore.FloatingIpOwner && await floatingIps.FindAsync(port.DeviceId, null, context.RequestAborted) is not null))
        {
            throw Errors.TricircleException.Conflict($"Port {id} cannot be deleted directly via the port API: has device owner {port.DeviceOwner}.", "ServicePortInUse");
        }

        // Neutron's disassociate_floatingips: a member may not take away another project's floating IP (an admin associated it).
        if (!caller.IsAdmin && await floatingIps.AssociatedByOtherProjectAsync(id, caller.ProjectId, context.RequestAborted))
        {
            throw Errors.TricircleException.Conflict($"Unable to complete the operation on port {id} because the port still has an associated floating IP.", "FipAssociated");
        }

        await propagation.DeletePortAsync(id, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>The groups asked for (null: not named, so the default on create, unchanged on update); a null is no groups, as neutron-lib's convert_none_to_empty_list makes it.</summary>
    private static List<string>? SecurityGroups(Body body) => body.Has("security_groups") ? body.Strings("security_groups") ?? [] : null;

    /// <summary>An advanced service (Neutron's <c>advsvc</c> role) may set what its network owner may.</summary>
    private static bool IsAdvancedService(RequestContext caller) => caller.Roles.Contains("advsvc", StringComparer.OrdinalIgnoreCase);

    /// <summary>The attributes create and update read alike.</summary>
    private static void Apply(Body body, PortRow port)
    {
        port.BindingHostId = body.String("binding:host_id") ?? port.BindingHostId;
        if (body.Has("binding:profile"))
        {
            port.BindingProfile = body.Object("binding:profile")?.ToJsonString() ?? "{}";
        }

        port.BindingVnicType = body.String("binding:vnic_type") ?? port.BindingVnicType;
        // Neutron's convert_none_to_empty_list: null is no pairs (on an update: remove them all).
        if (body.IsNull("allowed_address_pairs"))
        {
            port.AllowedAddressPairs = "[]";
        }
        else if (body.Array("allowed_address_pairs") is { } pairs)
        {
            port.AllowedAddressPairs = JsonSerializer.Serialize(pairs.Select(p =>
            {
                if (Body.Of(p!.AsObject()).String("ip_address") is not { } ip)
                {
                    throw NeutronErrors.InvalidInput("allowed_address_pairs entries need an ip_address");
                }

                // An address or a CIDR, as Neutron's allowed-address-pairs.
                return new AddressPair(NeutronAddresses.AddressOrNetwork(ip), Body.Of(p.AsObject()).String("mac_address") is { } m ? Mac(m) : null);
            }).ToList());
        }

        if (body.Array("extra_dhcp_opts") is { } opts)
        {
            port.ExtraDhcpOpts = new JsonArray([.. opts.Select(o => Body.Of(o!.AsObject()) is var opt && opt.String("opt_name") is { } name
                ? (JsonNode)new JsonObject { ["opt_name"] = name, ["opt_value"] = opt.String("opt_value"), ["ip_version"] = Body.AsLong(opt.Node("ip_version")) ?? 4 }
                : throw NeutronErrors.InvalidInput("extra_dhcp_opts entries need an opt_name"))]).ToJsonString();
        }
    }

    private static List<FixedIpRequest>? FixedIps(Body body) => NeutronBody.FixedIps(body, "fixed_ips");

    private static string Mac(string text) =>
        PhysicalAddress.TryParse(text.Replace(':', '-').ToUpperInvariant(), out var mac) && mac.GetAddressBytes() is { Length: 6 } bytes && text.Length == 17 && (bytes[0] & 1) == 0
            ? string.Join(':', bytes.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)))
            : throw NeutronErrors.InvalidInput($"'{text}' is not a valid MAC address");
}
