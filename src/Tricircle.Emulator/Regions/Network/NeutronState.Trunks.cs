using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tricircle.Emulator.Regions.Network;

/// <summary>
/// Neutron's trunk service plugin with the openvswitch driver (Zed): trunks on unbound parent
/// ports, vlan subports (or <c>inherit</c>), the parent's <c>trunk_details</c>, and the data
/// plane's part done at once: a trunk is ACTIVE while its parent is bound, its subports bound to
/// the parent's host with device_owner <c>trunk:subport</c>.
/// </summary>
internal sealed partial class NeutronState
{
    public const string SubportOwner = "trunk:subport";

    public JsonObject CreateTrunk(Caller caller, JsonObject body)
    {
        NeutronBody.Validate("trunk", body, create: true);
        if (NeutronBody.Str(body, "port_id") is not { } portId)
        {
            throw OpenStackFault.BadRequest("Failed to parse request. Required attribute 'port_id' not specified");
        }

        var requested = body["sub_ports"] ?? new JsonArray();
        if (ValidateSubports(requested) is { } bad)
        {
            throw OpenStackFault.BadRequest($"Invalid input for sub_ports. Reason: {bad}.");
        }

        lock (_gate)
        {
            var project = OwnerProject(caller, body, "trunk");
            CheckTrunkPort(caller, portId, parent: true);
            var parent = Get(caller, "ports", portId);
            var id = RegionContext.NewId();
            var subports = CheckSubports(caller, (JsonArray)requested, parent, id);
            var trunk = Stamp(new JsonObject
            {
                ["id"] = id,
                ["name"] = NeutronBody.Str(body, "name") ?? "",
                ["description"] = NeutronBody.Str(body, "description") ?? "",
                ["admin_state_up"] = NeutronBody.Bool(body, "admin_state_up", true),
                ["status"] = "DOWN",
                ["port_id"] = portId,
                ["sub_ports"] = subports,
                ["tags"] = new JsonArray(),
            }, project);
            _trunks.Add(trunk);
            FollowParent(trunk);
            return (JsonObject)trunk.DeepClone();
        }
    }

    public JsonObject UpdateTrunk(Caller caller, string id, JsonObject body)
    {
        NeutronBody.Validate("trunk", body, create: false);
        lock (_gate)
        {
            var trunk = Get(caller, "trunks", id);
            RequireOwner(caller, trunk, "rule:update_trunk");
            foreach (var key in (string[])["name", "description"])
            {
                if (body.ContainsKey(key))
                {
                    trunk[key] = NeutronBody.Str(body, key);
                }
            }

            if (body.ContainsKey("admin_state_up"))
            {
                trunk["admin_state_up"] = NeutronBody.Bool(body, "admin_state_up", true);
            }

            Touch(trunk);
            return (JsonObject)trunk.DeepClone();
        }
    }

    public void DeleteTrunk(Caller caller, string id)
    {
        lock (_gate)
        {
            var trunk = Get(caller, "trunks", id);
            RequireOwner(caller, trunk, "rule:delete_trunk");
            Manageable(trunk);

            // The openvswitch driver cannot untrunk a bound port.
            if (_ports.FirstOrDefault(p => Id(p) == Str(trunk, "port_id")) is { } parent && Str(parent, "binding:host_id") is { Length: > 0 })
            {
                throw OpenStackFault.Conflict($"Trunk {id} is currently in use.", "TrunkInUse");
            }

            foreach (var sub in trunk["sub_ports"]!.AsArray().OfType<JsonObject>())
            {
                UnbindSubport(Str(sub, "port_id"));
            }

            _trunks.Remove(trunk);
            if (_ports.FirstOrDefault(p => Id(p) == Str(trunk, "port_id")) is { } port)
            {
                port.Remove("trunk_details");
            }
        }
    }

    /// <summary><c>PUT /trunks/{id}/add_subports</c> and <c>remove_subports</c>: the trunk after the change.</summary>
    public JsonObject ChangeSubports(Caller caller, string id, JsonObject body, bool add)
    {
        lock (_gate)
        {
            var trunk = Get(caller, "trunks", id);
            RequireOwner(caller, trunk, add ? "rule:add_subports" : "rule:remove_subports");
            var requested = body["sub_ports"];
            if (ValidateSubports(requested) is { } bad)
            {
                throw OpenStackFault.BadRequest(InvalidInput(bad), "InvalidInput");
            }

            var current = trunk["sub_ports"]!.AsArray();
            if (add)
            {
                var parent = _ports.First(p => Id(p) == Str(trunk, "port_id"));
                var added = CheckSubports(caller, (JsonArray)requested!, parent, id);
                Manageable(trunk);
                foreach (var sub in added.OfType<JsonObject>())
                {
                    if (current.OfType<JsonObject>().Any(c => Str(c, "segmentation_type") == Str(sub, "segmentation_type") && NeutronBody.Int(c, "segmentation_id") == NeutronBody.Int(sub, "segmentation_id")))
                    {
                        throw OpenStackFault.Conflict(
                            $"segmentation_type {Str(sub, "segmentation_type")} and segmentation_id {NeutronBody.Int(sub, "segmentation_id")} already in use on trunk {id}.", "DuplicateSubPort");
                    }
                }

                foreach (var sub in added)
                {
                    current.Add(sub!.DeepClone());
                }
            }
            else
            {
                Manageable(trunk);
                var gone = ((JsonArray)requested!).OfType<JsonObject>().Select(s => Str(s, "port_id")!).ToList();
                foreach (var portId in gone)
                {
                    if (!current.OfType<JsonObject>().Any(c => Str(c, "port_id") == portId))
                    {
                        throw OpenStackFault.NotFound($"SubPort {portId} on trunk {id} could not be found.", "SubPortNotFound");
                    }
                }

                trunk["sub_ports"] = new JsonArray([.. current.OfType<JsonObject>().Where(c => !gone.Contains(Str(c, "port_id")!)).Select(c => (JsonNode)c.DeepClone())]);
                foreach (var portId in gone)
                {
                    UnbindSubport(portId);
                }
            }

            Touch(trunk);
            FollowParent(trunk);
            return (JsonObject)trunk.DeepClone();
        }
    }

    /// <summary>After a parent port's binding changed: its trunk's status and subports follow (what the OVS agent reports).</summary>
    private void ParentBindingChanged(JsonObject port)
    {
        if (_trunks.FirstOrDefault(t => Str(t, "port_id") == Id(port)) is { } trunk)
        {
            FollowParent(trunk);
        }
    }

    private void FollowParent(JsonObject trunk)
    {
        var parent = _ports.FirstOrDefault(p => Id(p) == Str(trunk, "port_id"));
        if (parent is null)
        {
            return;
        }

        var host = Str(parent, "binding:host_id") ?? "";
        var status = host.Length > 0 ? "ACTIVE" : "DOWN";
        if (Str(trunk, "status") != status)
        {
            trunk["status"] = status;
            Touch(trunk);
        }

        var subports = new JsonArray();
        foreach (var sub in trunk["sub_ports"]!.AsArray().OfType<JsonObject>())
        {
            var port = _ports.FirstOrDefault(p => Id(p) == Str(sub, "port_id"));
            if (port is not null && host.Length > 0 && Str(port, "binding:host_id") != host)
            {
                port["device_owner"] = SubportOwner;
                SetBinding(port, host);
                Touch(port);
            }

            var detail = (JsonObject)sub.DeepClone();
            detail["mac_address"] = port is null ? null : Str(port, "mac_address");
            subports.Add(detail);
        }

        parent["trunk_details"] = new JsonObject { ["trunk_id"] = Id(trunk), ["sub_ports"] = subports };
    }

    private void UnbindSubport(string? portId)
    {
        if (_ports.FirstOrDefault(p => Id(p) == portId) is { } port && Str(port, "device_owner") == SubportOwner)
        {
            port["device_owner"] = "";
            SetBinding(port, "");
            Touch(port);
        }
    }

    private static void Manageable(JsonObject trunk)
    {
        if (!Bool(trunk, "admin_state_up"))
        {
            throw OpenStackFault.Conflict($"Trunk {Id(trunk)} is currently disabled.", "TrunkDisabled");
        }
    }

    /// <summary>neutron.services.trunk.rules.TrunkPortValidator: a port in no trunk; a parent also unbound (openvswitch), a subport on no device.</summary>
    private void CheckTrunkPort(Caller caller, string portId, bool parent)
    {
        if (_trunks.Any(t => t["sub_ports"]!.AsArray().OfType<JsonObject>().Any(s => Str(s, "port_id") == portId)))
        {
            throw OpenStackFault.Conflict($"Port {portId} is in use by another trunk.", "TrunkPortInUse");
        }

        if (_trunks.Any(t => Str(t, "port_id") == portId))
        {
            throw OpenStackFault.Conflict($"Port {portId} is currently in use and is not eligible for use as a parent port.", "ParentPortInUse");
        }

        var port = Get(caller, "ports", portId);
        if (parent && Str(port, "binding:host_id") is { Length: > 0 })
        {
            throw OpenStackFault.Conflict($"Port {portId} is currently in use and is not eligible for use as a parent port.", "ParentPortInUse");
        }

        if (!parent && Str(port, "device_id") is { Length: > 0 } device)
        {
            throw OpenStackFault.Conflict(
                $"Unable to complete operation on port {portId} for network {Str(port, "network_id")}. Port already has an attached device {device}.", "PortInUse");
        }
    }

    /// <summary>rules.SubPortsValidator with trunk validation: MTU, inherit, segmentation, each port free.</summary>
    private JsonArray CheckSubports(Caller caller, JsonArray requested, JsonObject parent, string trunkId)
    {
        var parentMtu = NeutronBody.Int(Net(Str(parent, "network_id"))!, "mtu");
        var result = new JsonArray();
        foreach (var sub in requested.OfType<JsonObject>())
        {
            var portId = Str(sub, "port_id")!;
            var port = _ports.FirstOrDefault(p => Id(p) == portId);
            var network = port is null ? null : Net(Str(port, "network_id"));
            var type = Str(sub, "segmentation_type");
            var segmentation = sub["segmentation_id"];
            if (type == "inherit" && network is not null)
            {
                type = Str(network, "provider:network_type");
                segmentation = network["provider:segmentation_id"]?.DeepClone();
            }

            if (portId == Id(parent))
            {
                throw OpenStackFault.Conflict($"Port {portId} is currently in use and is not eligible for use as a parent port.", "ParentPortInUse");
            }

            if (network is not null && NeutronBody.Int(network, "mtu") is { } mtu && mtu > parentMtu)
            {
                throw OpenStackFault.Conflict(
                    $"MTU {mtu} of subport {portId} cannot be greater than MTU {parentMtu} of trunk {Id(parent)}.", "SubPortMtuGreaterThanTrunkPortMtu");
            }

            if (type is null || segmentation is null)
            {
                throw OpenStackFault.BadRequest(InvalidInput($"Invalid subport details '{Python(sub)}': missing segmentation information. Must specify both segmentation_id and segmentation_type"), "InvalidInput");
            }

            if (!NeutronBody.TryInt(segmentation, out var id))
            {
                throw OpenStackFault.BadRequest(InvalidInput($"Invalid subport details: segmentation_id '{Text(segmentation)}' is not an integer"), "InvalidInput");
            }

            if (type != "vlan")
            {
                throw OpenStackFault.BadRequest(InvalidInput($"Unknown segmentation_type '{type}'"), "InvalidInput");
            }

            if (id is < 1 or > 4094)
            {
                throw OpenStackFault.BadRequest(InvalidInput($"Segmentation ID '{id}' is not in range"), "InvalidInput");
            }

            CheckTrunkPort(caller, portId, parent: false);
            result.Add(new JsonObject { ["segmentation_id"] = id, ["segmentation_type"] = type, ["port_id"] = portId });
        }

        _ = trunkId;
        return result;
    }

    /// <summary>neutron-lib's validate_subports: a list of dicts, each a unique port UUID with both segmentation details (or inherit).</summary>
    private static string? ValidateSubports(JsonNode? data)
    {
        if (data is not JsonArray list)
        {
            return $"Invalid data format for subports: '{Text(data)}' is not a list";
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        var segmentations = new HashSet<(string?, string)>();
        foreach (var item in list)
        {
            if (item is not JsonObject sub)
            {
                return $"Invalid data format for subport: '{Text(item)}' is not a dict";
            }

            if (!sub.ContainsKey("port_id"))
            {
                return "A valid port UUID must be specified";
            }

            if (Str(sub, "port_id") is not { } portId || !Guid.TryParse(portId, out _))
            {
                return $"Invalid UUID for subport: '{Text(sub["port_id"])}'";
            }

            if (!ids.Add(portId))
            {
                return $"Non unique UUID for subport: '{portId}'";
            }

            var type = Str(sub, "segmentation_type");
            if (type == "inherit")
            {
                return null;
            }

            var segmentation = sub["segmentation_id"];
            if ((type is null or "" || segmentation is null) && sub.Count > 1)
            {
                return $"Invalid subport details '{Python(sub)}': missing segmentation information. Must specify both segmentation_id and segmentation_type";
            }

            if (segmentation is not null && !segmentations.Add((type, segmentation.ToJsonString())))
            {
                return $"Segmentation ID '{Text(segmentation)}' for '{portId}' is not unique";
            }
        }

        return null;
    }

    /// <summary>Neutron's port delete rule: no port in a trunk goes (enforce_port_deletion_rules).</summary>
    private void RefuseTrunkPortDelete(string portId)
    {
        if (_trunks.FirstOrDefault(t => t["sub_ports"]!.AsArray().OfType<JsonObject>().Any(s => Str(s, "port_id") == portId)) is { } holder)
        {
            throw OpenStackFault.Conflict($"Port {portId} is currently a subport for trunk {Id(holder)}.", "PortInUseAsSubPort");
        }

        if (_trunks.FirstOrDefault(t => Str(t, "port_id") == portId) is { } trunk)
        {
            throw OpenStackFault.Conflict($"Port {portId} is currently a parent port for trunk {Id(trunk)}.", "PortInUseAsTrunkParent");
        }
    }

    private static string Text(JsonNode? value) =>
        value is null ? "None" : value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString();

    // How Python prints a dict in these messages.
    private static string Python(JsonObject value) =>
        "{" + string.Join(", ", value.Select(p => $"'{p.Key}': " + (p.Value?.GetValueKind() == JsonValueKind.String ? $"'{p.Value}'" : Text(p.Value)))) + "}";
}
