using System.Net.NetworkInformation;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tricircle.Identity;

namespace Tricircle.Network;

/// <summary><c>/v2.0/ports</c>: ports with centrally allocated MACs and fixed IPs.</summary>
internal static class PortsApi
{
    private static readonly HashSet<string> Create =
    [
        "name", "description", "network_id", "mac_address", "fixed_ips", "security_groups", "allowed_address_pairs", "port_security_enabled", "admin_state_up",
        "device_id", "device_owner", "binding:host_id", "binding:profile", "binding:vnic_type", "extra_dhcp_opts", "tenant_id", "project_id", "tags",
    ];

    private static readonly HashSet<string> Update =
    [
        "name", "description", "fixed_ips", "security_groups", "allowed_address_pairs", "port_security_enabled", "admin_state_up",
        "device_id", "device_owner", "binding:host_id", "binding:profile", "binding:vnic_type", "extra_dhcp_opts",
    ];

    // As Neutron's default policy: the host binding and its profile, and a chosen MAC, are an admin's.
    private static readonly HashSet<string> AdminOnly = ["binding:host_id", "binding:profile", "mac_address"];

    private static readonly string[] VnicTypes = ["normal", "direct", "macvtap", "baremetal", "direct-physical", "virtio-forwarder", "smart-nic", "vdpa", "remote-managed"];

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

    private static async Task CreateAsync(HttpContext context, PortStore store, NetworkStore networks)
    {
        var caller = context.GetRequestContext();
        var body = await NeutronBody.ReadAsync(context, "port", Create, AdminOnly);
        var networkId = NeutronBody.Str(body, "network_id") ?? throw NeutronErrors.InvalidInput("network_id is required");
        var network = await networks.GetAsync(networkId, caller, context.RequestAborted);
        if (!caller.IsAdmin && network.ProjectId != caller.ProjectId && !network.Shared)
        {
            throw NeutronErrors.PolicyDenied("create_port");
        }

        var port = new PortRow
        {
            ProjectId = NeutronBody.OwnerOf(body, caller, "port"),
            NetworkId = networkId,
            Name = NeutronBody.Str(body, "name") ?? "",
            Description = NeutronBody.Str(body, "description") ?? "",
            MacAddress = NeutronBody.Str(body, "mac_address") is { } mac ? Mac(mac) : "",
            AdminStateUp = NeutronBody.Bool(body, "admin_state_up") ?? true,
            DeviceId = NeutronBody.Str(body, "device_id") ?? "",
            DeviceOwner = NeutronBody.Str(body, "device_owner") ?? "",
            PortSecurityEnabled = NeutronBody.Bool(body, "port_security_enabled") ?? network.PortSecurityEnabled,
        };
        Apply(body, port);
        var created = await store.CreateAsync(port, FixedIps(body), NeutronBody.Strings(body, "security_groups"), NeutronBody.Strings(body, "tags") ?? [], context.RequestAborted);
        await NeutronBody.ShowAsync(context, "port", await store.ViewAsync(created, caller.IsAdmin, context.RequestAborted), 201);
    }

    private static async Task UpdateAsync(string id, HttpContext context, PortStore store, NetworkPropagation propagation)
    {
        var caller = context.GetRequestContext();
        var port = await store.GetAsync(id, caller, context.RequestAborted);
        var body = await NeutronBody.ReadAsync(context, "port", Update, AdminOnly, "update");
        port.Name = NeutronBody.Str(body, "name") ?? port.Name;
        port.Description = NeutronBody.Str(body, "description") ?? port.Description;
        port.AdminStateUp = NeutronBody.Bool(body, "admin_state_up") ?? port.AdminStateUp;
        port.DeviceId = NeutronBody.Str(body, "device_id") ?? port.DeviceId;
        port.DeviceOwner = NeutronBody.Str(body, "device_owner") ?? port.DeviceOwner;
        port.PortSecurityEnabled = NeutronBody.Bool(body, "port_security_enabled") ?? port.PortSecurityEnabled;
        Apply(body, port);
        port = await propagation.UpdatePortAsync(port, FixedIps(body), NeutronBody.Strings(body, "security_groups"), context.RequestAborted);
        await NeutronBody.ShowAsync(context, "port", await store.ViewAsync(port, caller.IsAdmin, context.RequestAborted));
    }

    private static async Task DeleteAsync(string id, HttpContext context, PortStore store, NetworkPropagation propagation)
    {
        await store.GetAsync(id, context.GetRequestContext(), context.RequestAborted);
        await propagation.DeletePortAsync(id, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>The attributes create and update read alike.</summary>
    private static void Apply(JsonObject body, PortRow port)
    {
        port.BindingHostId = NeutronBody.Str(body, "binding:host_id") ?? port.BindingHostId;
        if (body.TryGetPropertyValue("binding:profile", out var profile))
        {
            port.BindingProfile = profile is null ? "{}" : profile is JsonObject ? profile.ToJsonString() : throw NeutronErrors.InvalidInput("binding:profile must be a dictionary");
        }

        if (NeutronBody.Str(body, "binding:vnic_type") is { } vnic)
        {
            port.BindingVnicType = VnicTypes.Contains(vnic) ? vnic : throw NeutronErrors.InvalidInput($"'{vnic}' is not in {string.Join(", ", VnicTypes)}");
        }

        if (NeutronBody.List(body, "allowed_address_pairs") is { } pairs)
        {
            port.AllowedAddressPairs = JsonSerializer.Serialize(pairs.Select(p =>
            {
                if (p is not JsonObject o || NeutronBody.Str(o, "ip_address") is not { } ip)
                {
                    throw NeutronErrors.InvalidInput("allowed_address_pairs entries need an ip_address");
                }

                // An address or a CIDR, as Neutron's allowed-address-pairs.
                var canonical = ip.Contains('/', StringComparison.Ordinal) ? CidrOrAddress(ip) : Ipam.Format(Ipam.ParseAddress(ip, "allowed_address_pairs"), Ipam.TryParseAddress(ip, out _, out var v) ? v : 4);
                return new AddressPair(canonical, NeutronBody.Str(o, "mac_address") is { } m ? Mac(m) : null);
            }).ToList());
        }

        if (NeutronBody.List(body, "extra_dhcp_opts") is { } opts)
        {
            port.ExtraDhcpOpts = new JsonArray([.. opts.Select(o => o is JsonObject opt && NeutronBody.Str(opt, "opt_name") is { } name
                ? (JsonNode)new JsonObject { ["opt_name"] = name, ["opt_value"] = NeutronBody.Str(opt, "opt_value"), ["ip_version"] = NeutronBody.Int(opt, "ip_version") ?? 4 }
                : throw NeutronErrors.InvalidInput("extra_dhcp_opts entries need an opt_name"))]).ToJsonString();
        }
    }

    private static string CidrOrAddress(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var address = Ipam.ParseAddress(text[..slash], "allowed_address_pairs");
        _ = Ipam.TryParseAddress(text[..slash], out _, out var version);
        return int.TryParse(text[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var prefix) && prefix <= (version == 4 ? 32 : 128)
            ? $"{Ipam.Format(address, version)}/{prefix}"
            : throw NeutronErrors.InvalidInput($"'{text}' is not a valid IP subnet.");
    }

    private static List<FixedIpRequest>? FixedIps(JsonObject body) =>
        NeutronBody.List(body, "fixed_ips")?.Select(f =>
        {
            if (f is not JsonObject o)
            {
                throw NeutronErrors.InvalidInput($"'{f?.ToJsonString()}' is not a valid fixed IP");
            }

            var ip = NeutronBody.Str(o, "ip_address");
            if (ip is not null && !Ipam.TryParseAddress(ip, out _, out _))
            {
                throw NeutronErrors.InvalidInput($"'{ip}' is not a valid IP address");
            }

            return new FixedIpRequest(NeutronBody.Str(o, "subnet_id"), ip);
        }).ToList();

    private static string Mac(string text) =>
        PhysicalAddress.TryParse(text.Replace(':', '-').ToUpperInvariant(), out var mac) && mac.GetAddressBytes() is { Length: 6 } bytes && text.Length == 17 && (bytes[0] & 1) == 0
            ? string.Join(':', bytes.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)))
            : throw NeutronErrors.InvalidInput($"'{text}' is not a valid MAC address");
}
