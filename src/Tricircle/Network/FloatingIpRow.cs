using System.Text.Json.Nodes;

namespace Tricircle.Network;

/// <summary>A row of <c>floatingips</c>; the association (port, fixed IP, router) is null when there is none.</summary>
internal sealed class FloatingIpRow
{
    public string Id { get; set; } = "";

    public string ProjectId { get; set; } = "";

    public string FloatingNetworkId { get; set; } = "";

    public string FloatingIpAddress { get; set; } = "";

    public string FloatingPortId { get; set; } = "";

    public string? FixedPortId { get; set; }

    public string? FixedIpAddress { get; set; }

    public string? RouterId { get; set; }

    public string Status { get; set; } = FloatingIpStore.Down;

    public string Description { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public int RevisionNumber { get; set; } = 1;

    /// <summary>
    /// Neutron's view with fip-port-details' <c>port_details</c> (null when not associated). No
    /// dns_*, qos_policy_id or port_forwardings: those extensions are not served.
    /// </summary>
    public JsonObject ToView(FloatingIpPort? port, IReadOnlyList<string> tags)
    {
        var view = new JsonObject
        {
            ["id"] = Id,
            ["floating_network_id"] = FloatingNetworkId,
            ["floating_ip_address"] = FloatingIpAddress,
            ["fixed_ip_address"] = FixedIpAddress,
            ["port_id"] = FixedPortId,
            ["router_id"] = RouterId,
            ["status"] = Status,
            ["description"] = Description,
            ["port_details"] = FixedPortId is null || port is null ? null : port.Details(),
        };
        NeutronBody.AddStandard(view, ProjectId, CreatedAt, UpdatedAt, RevisionNumber, tags);
        return view;
    }
}

/// <summary>What fip-port-details shows of the associated port (Neutron's <c>_make_port_details_dict</c>).</summary>
internal sealed class FloatingIpPort
{
    public string Id { get; set; } = "";

    public string Name { get; set; } = "";

    public string NetworkId { get; set; } = "";

    public string MacAddress { get; set; } = "";

    public bool AdminStateUp { get; set; }

    public string Status { get; set; } = "";

    public string DeviceId { get; set; } = "";

    public string DeviceOwner { get; set; } = "";

    public JsonObject Details() => new()
    {
        ["name"] = Name,
        ["network_id"] = NetworkId,
        ["mac_address"] = MacAddress,
        ["admin_state_up"] = AdminStateUp,
        ["status"] = Status,
        ["device_id"] = DeviceId,
        ["device_owner"] = DeviceOwner,
    };
}

/// <summary>A floating IP asked for: where its address comes from, and the port to associate with it (if any).</summary>
internal sealed record FloatingIpCreate(
    string ProjectId,
    string NetworkId,
    string? SubnetId,
    string? FloatingIpAddress,
    string? PortId,
    string? FixedIpAddress,
    string Description,
    IReadOnlyList<string> Tags);

/// <summary>
/// A floating IP's update as Neutron reads it: <paramref name="PortGiven"/> says whether the body
/// names <c>port_id</c> (null in it disassociates); a null description is unchanged.
/// </summary>
internal sealed record FloatingIpChange(bool PortGiven, string? PortId, string? FixedIpAddress, string? Description);
