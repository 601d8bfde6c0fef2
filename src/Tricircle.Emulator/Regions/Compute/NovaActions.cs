using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Tricircle.Emulator.Regions.Compute;

/// <summary>Server actions, remote consoles, volume attachments and interfaces.</summary>
internal sealed partial class NovaApi
{
    private void MapActions(IEndpointRouteBuilder app)
    {
        Route(app, "POST", "/servers/{id}/action", ServerActionAsync);
        Route(app, "POST", "/servers/{id}/remote-consoles", RemoteConsoleAsync);
    }

    /// <summary>Nova's check_instance_state: 409 when the server is in a vm_state (or busy task_state) the action refuses.</summary>
    private static void RequireState(Server server, string action, params string[] vmStates)
    {
        // The message names the compute API's method, not the action's wire name.
        action = action switch
        {
            "os-start" => "start",
            "os-stop" => "stop",
            "shelveOffload" => "shelve_offload",
            "confirmResize" => "confirm_resize",
            "revertResize" => "revert_resize",
            "createImage" => "snapshot",
            "forceDelete" => "force_delete",
            "changePassword" => "set_admin_password",
            _ => action,
        };
        if (vmStates.Length > 0 && !vmStates.Contains(server.VmState))
        {
            throw OpenStackFault.Conflict($"Cannot '{action}' instance {server.Id} while it is in vm_state {server.VmState}");
        }

        if (server.TaskState is not null)
        {
            throw OpenStackFault.Conflict($"Cannot '{action}' instance {server.Id} while it is in task_state {server.TaskState}");
        }
    }

    /// <summary>
    /// <c>os-getConsoleOutput</c>: the last <c>length</c> lines of the server's console (none:
    /// all), <c>length</c> read as Nova's schema reads it (an integer from -1, or a string of one).
    /// The lines are the fake virt driver's, which the lab's real Nova runs.
    /// </summary>
    private static string ConsoleOutput(Server server, JsonNode? argument)
    {
        if (argument is not JsonObject args)
        {
            var value = argument?.ToJsonString() ?? "None";
            throw OpenStackFault.BadRequest($"Invalid input for field/attribute os-getConsoleOutput. Value: {value}. {value} is not of type 'object'");
        }

        foreach (var (key, _) in args)
        {
            if (key != "length")
            {
                throw OpenStackFault.BadRequest($"Invalid input for field/attribute os-getConsoleOutput. Value: {args.ToJsonString()}. Additional properties are not allowed ('{key}' was unexpected)");
            }
        }

        long? length = null;
        switch (args["length"])
        {
            case null:
                break;
            case JsonValue value when value.TryGetValue<long>(out var number):
                length = number >= -1 ? number : throw OpenStackFault.BadRequest($"Invalid input for field/attribute length. Value: {number}. {number} is less than the minimum of -1");
                break;
            case JsonValue value when value.TryGetValue<string>(out var text):
                // The schema's minimum is for numbers only: "-5" passes, as in Nova.
                length = System.Text.RegularExpressions.Regex.IsMatch(text, "^-?[0-9]+$") && long.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var parsed)
                    ? parsed
                    : throw OpenStackFault.BadRequest($"Invalid input for field/attribute length. Value: {text}. '{text}' does not match '^-?[0-9]+$'");
                break;
            default:
                throw OpenStackFault.BadRequest($"Invalid input for field/attribute length. Value: {args["length"]!.ToJsonString()}. {args["length"]!.ToJsonString()} is not of type 'integer', 'string', 'null'");
        }

        if (server.VmState == "building")
        {
            throw OpenStackFault.Conflict($"Instance {server.Id} is not ready");
        }

        // Nova's _tail_log: Python's lines[-length:], nothing for 0 (so -1 drops the first line).
        string[] lines = ["FAKE CONSOLE OUTPUT", "ANOTHER", "LAST LINE"];
        var start = length switch
        {
            null => 0,
            0 => lines.Length,
            > 0 => (int)Math.Max(0, lines.Length - length.Value),
            _ => (int)Math.Min(lines.Length, -length.Value),
        };
        return string.Join('\n', lines[start..]);
    }

    private async Task ServerActionAsync(HttpContext context)
    {
        var server = FindServer(context);
        var body = await RegionHttp.ReadObjectAsync(context);
        if (body.Count != 1)
        {
            throw OpenStackFault.BadRequest(body.Count == 0 ? "Malformed request body" : "There is no such action: " + string.Join(", ", body.Select(p => p.Key)));
        }

        var (action, argument) = body.First();
        var args = argument as JsonObject ?? [];
        var now = region.Time.GetUtcNow();
        JsonNode? response = null;
        var status = 202;
        Flavor? newFlavor = null;
        string? newImage = null;
        if (action == "resize")
        {
            var flavorRef = args["flavorRef"]?.ToString() ?? throw OpenStackFault.BadRequest($"Invalid input for field/attribute resize. Value: {args.ToJsonString()}. 'flavorRef' is a required property");
            lock (State.Sync)
            {
                newFlavor = State.Flavors.FirstOrDefault(f => f.Id == flavorRef && CanUse(f, context.Caller()))
                    ?? throw OpenStackFault.BadRequest("Unable to locate requested flavor.");
            }
        }
        else if (action == "rebuild")
        {
            var imageRef = ReqString(args, "imageRef", "rebuild");
            newImage = (region.Image.FindImage(imageRef[(imageRef.LastIndexOf('/') + 1)..], server.ProjectId, context.Caller().IsAdmin)
                ?? throw OpenStackFault.BadRequest("Cannot find requested image")).Id;
        }

        string? imageName = null;
        Dictionary<string, string>? imageMetadata = null;
        if (action == "createImage")
        {
            imageName = ReqString(args, "name", "createImage");
            imageMetadata = StringMap(args, "metadata");
        }

        Server? deleted = null;
        var recorded = false;
        lock (State.Sync)
        {
            if (action is not ("lock" or "unlock" or "os-getVNCConsole" or "os-getSPICEConsole" or "os-getSerialConsole" or "os-getConsoleOutput" or "os-resetState" or "createImage"))
            {
                CheckLocked(context, server);
            }

            switch (action)
            {
                case "os-start":
                    RequireState(server, action, "stopped");
                    (server.VmState, server.PowerState) = ("active", 1);
                    break;
                case "os-stop":
                    RequireState(server, action, "active", "rescued", "error");
                    (server.VmState, server.PowerState) = ("stopped", 4);
                    break;
                case "reboot":
                    var type = OptString(args, "type") ?? throw OpenStackFault.BadRequest($"Invalid input for field/attribute reboot. Value: {args.ToJsonString()}. 'type' is a required property");
                    if (type.ToUpperInvariant() is not ("SOFT" or "HARD"))
                    {
                        throw OpenStackFault.BadRequest($"Invalid input for field/attribute type. Value: {type}. '{type}' does not match '^(hard|HARD|soft|SOFT)$'");
                    }

                    if (type.Equals("SOFT", StringComparison.OrdinalIgnoreCase))
                    {
                        RequireState(server, action, "active");
                    }
                    else
                    {
                        RequireState(server, action, "active", "stopped", "paused", "suspended", "error");
                    }

                    (server.VmState, server.PowerState) = ("active", 1);
                    break;
                case "pause":
                    RequireState(server, action, "active");
                    (server.VmState, server.PowerState) = ("paused", 3);
                    break;
                case "unpause":
                    RequireState(server, action, "paused");
                    (server.VmState, server.PowerState) = ("active", 1);
                    break;
                case "suspend":
                    RequireState(server, action, "active");
                    (server.VmState, server.PowerState) = ("suspended", 4);
                    break;
                case "resume":
                    RequireState(server, action, "suspended");
                    (server.VmState, server.PowerState) = ("active", 1);
                    break;
                case "lock":
                    server.Locked = true;
                    server.LockedReason = AtLeast(context, 73) ? OptString(args, "locked_reason") : null;
                    break;
                case "unlock":
                    server.Locked = false;
                    server.LockedReason = null;
                    break;
                case "shelve":
                    RequireState(server, action, "active", "stopped", "paused", "suspended");
                    // shelved_offload_time defaults to 0: Nova offloads at once.
                    (server.VmState, server.PowerState, server.Host) = ("shelved_offloaded", 4, null);
                    break;
                case "shelveOffload":
                    RequireState(server, action, "shelved");
                    (server.VmState, server.PowerState, server.Host) = ("shelved_offloaded", 4, null);
                    break;
                case "unshelve":
                    RequireState(server, action, "shelved", "shelved_offloaded");
                    (server.VmState, server.PowerState, server.Host) = ("active", 1, HostsFor(GroupOf(server.Id), server.Id, region.ComputeHosts).FirstOrDefault() ?? region.ComputeHost);
                    break;
                case "resize":
                    RequireState(server, action, "active", "stopped");
                    if (newFlavor!.Id == server.Flavor.Id)
                    {
                        throw OpenStackFault.BadRequest("When resizing, instances must change flavor!");
                    }

                    server.OldFlavor = server.Flavor;
                    server.Flavor = newFlavor;
                    server.VmStateBeforeResize = server.VmState;
                    server.VmState = "resized";
                    server.PendingMigration = NewMigration(server, "resize", server.Host ?? region.ComputeHost, server.Host ?? region.ComputeHost, server.OldFlavor, newFlavor, "finished"); // resize to the same host allowed, as devstack
                    break;
                case "confirmResize":
                    RequireState(server, action, "resized");
                    server.VmState = server.VmStateBeforeResize ?? "active";
                    server.OldFlavor = null;
                    server.OldHost = null;
                    if (server.PendingMigration is { } confirmed)
                    {
                        confirmed.Status = "confirmed";
                        confirmed.UpdatedAt = now;
                    }

                    server.PendingMigration = null;
                    status = 204;
                    break;
                case "revertResize":
                    RequireState(server, action, "resized");
                    server.Flavor = server.OldFlavor ?? server.Flavor;
                    server.VmState = server.VmStateBeforeResize ?? "active";
                    server.OldFlavor = null;
                    if (server.OldHost is { } back)
                    {
                        server.Host = back;
                        region.Network.MoveDevice(server.Id, back);
                    }

                    server.OldHost = null;
                    if (server.PendingMigration is { } reverted)
                    {
                        reverted.Status = "reverted";
                        reverted.UpdatedAt = now;
                    }

                    server.PendingMigration = null;
                    break;
                case "migrate":
                    recorded = ColdMigrate(context, server, argument);
                    break;
                case "os-migrateLive":
                    LiveMigrate(context, server, argument as JsonObject ?? throw OpenStackFault.BadRequest($"Invalid input for field/attribute os-migrateLive. Value: {argument?.ToJsonString() ?? "None"}. {argument?.ToJsonString() ?? "None"} is not of type 'object'"));
                    recorded = State.Migrations.LastOrDefault(m => m.InstanceUuid == server.Id)?.Status == "error";
                    break;
                case "rescue":
                    RequireState(server, action, "active", "stopped", "error");
                    (server.VmState, server.PowerState) = ("rescued", 1);
                    response = new JsonObject { ["adminPass"] = OptString(args, "adminPass") ?? NewPassword() };
                    status = 200;
                    break;
                case "unrescue":
                    RequireState(server, action, "rescued");
                    (server.VmState, server.PowerState) = ("active", 1);
                    break;
                case "rebuild":
                    RequireState(server, action, "active", "stopped", "error");
                    if (server.ImageId is null)
                    {
                        throw OpenStackFault.BadRequest("Rebuilding a volume-backed server is not supported by this emulated region.");
                    }

                    server.ImageId = newImage;
                    if (OptString(args, "name") is { } rebuildName)
                    {
                        server.Name = rebuildName;
                    }

                    if (args["metadata"] is not null)
                    {
                        server.Metadata.Clear();
                        foreach (var (key, value) in StringMap(args, "metadata"))
                        {
                            server.Metadata[key] = value;
                        }
                    }

                    server.VmState = server.VmState == "error" ? "active" : server.VmState;
                    break;
                case "createImage":
                    RequireState(server, action, "active", "stopped", "paused", "suspended");
                    break;
                case "os-getVNCConsole":
                case "os-getSPICEConsole":
                case "os-getSerialConsole":
                    var consoleType = OptString(args, "type") ?? throw OpenStackFault.BadRequest($"Invalid input for field/attribute {action}. Value: {args.ToJsonString()}. 'type' is a required property");
                    var allowedTypes = action switch
                    {
                        "os-getVNCConsole" => new[] { "novnc", "xvpvnc" },
                        "os-getSPICEConsole" => ["spice-html5"],
                        _ => ["serial"],
                    };
                    if (!allowedTypes.Contains(consoleType))
                    {
                        throw OpenStackFault.BadRequest($"Invalid input for field/attribute type. Value: {consoleType}. '{consoleType}' is not one of [{string.Join(", ", allowedTypes.Select(t => $"'{t}'"))}]");
                    }

                    if (server.VmState == "building")
                    {
                        throw OpenStackFault.Conflict("Instance not yet ready");
                    }

                    response = new JsonObject { ["console"] = new JsonObject { ["type"] = consoleType, ["url"] = ConsoleUrl(context, consoleType) } };
                    status = 200;
                    break;
                case "os-getConsoleOutput":
                    response = new JsonObject { ["output"] = ConsoleOutput(server, argument) };
                    status = 200;
                    break;
                case "os-resetState":
                    RequireAdmin(context, "os-admin-actions:reset_state");
                    var state = OptString(args, "state");
                    if (state is not ("active" or "error"))
                    {
                        throw OpenStackFault.BadRequest($"Invalid input for field/attribute state. Value: {state}. '{state}' is not one of ['active', 'error']");
                    }

                    (server.VmState, server.TaskState) = (state, null);
                    break;
                case "forceDelete":
                    RequireState(server, action);
                    State.Servers.Remove(server);
                    RecordAction(context, server, "delete", EventsOf("delete"));
                    recorded = true;
                    deleted = server;
                    break;
                case "trigger_crash_dump" when AtLeast(context, 17):
                    RequireState(server, action, "active", "paused", "rescued", "resized", "error");
                    break;
                case "addSecurityGroup":
                    // As Nova with Neutron: the project's group, looked up in Neutron, on every port.
                    var added = region.Network.ChangeDeviceGroup(server.ProjectId, server.Id, ReqString(args, "name", action), add: true);
                    if (!server.SecurityGroups.Contains(added))
                    {
                        server.SecurityGroups.Add(added);
                    }

                    break;
                case "removeSecurityGroup":
                    server.SecurityGroups.Remove(region.Network.ChangeDeviceGroup(server.ProjectId, server.Id, ReqString(args, "name", action), add: false));
                    break;
                case "changePassword":
                    RequireState(server, action, "active");
                    _ = ReqString(args, "adminPass", action);
                    break;
                default:
                    throw OpenStackFault.BadRequest($"There is no such action: {action}");
            }

            server.UpdatedAt = now;
            if (!recorded && ActionName(action) is { } name)
            {
                RecordAction(context, server, name, EventsOf(name));
            }
        }

        if (deleted is not null)
        {
            Teardown(deleted);
        }

        if (action == "createImage")
        {
            var properties = new Dictionary<string, string>(imageMetadata!, StringComparer.Ordinal)
            {
                ["instance_uuid"] = server.Id,
                ["image_type"] = "snapshot",
                ["user_id"] = context.Caller().UserId,
            };
            if (server.ImageId is not null)
            {
                properties["base_image_ref"] = server.ImageId;
            }

            var image = region.Image.CreateImage(server.ProjectId, imageName!, properties, 0, "qcow2", "bare");
            if (AtLeast(context, 45))
            {
                response = new JsonObject { ["image_id"] = image.Id }; // 2.45 moved the id from the Location header to the body
            }
            else
            {
                context.Response.Headers.Location = region.ImageUrl.ToString().TrimEnd('/') + "/v2/images/" + image.Id;
            }
        }

        if (action == "rebuild")
        {
            await RenderServerAsync(context, server, 202, OptString(args, "adminPass") ?? NewPassword());
            return;
        }

        if (response is null)
        {
            await NoContent(context, status);
            return;
        }

        await Ok(context, response, status);
    }

    private static string ConsoleUrl(HttpContext context, string type)
    {
        var token = RegionContext.NewId();
        var host = context.Request.Host.Host;
        return type switch
        {
            "novnc" => $"http://{host}:6080/vnc_auto.html?path=%3Ftoken%3D{token}",
            "xvpvnc" => $"http://{host}:6081/console?token={token}",
            "spice-html5" => $"http://{host}:6082/spice_auto.html?token={token}",
            "serial" => $"ws://{host}:6083/?token={token}",
            _ => $"http://{host}:6080/?token={token}",
        };
    }

    private async Task RemoteConsoleAsync(HttpContext context)
    {
        if (!AtLeast(context, 6))
        {
            throw OpenStackFault.NotFound("The resource could not be found.");
        }

        var server = FindServer(context);
        var body = await Body(context, "remote_console");
        var protocol = ReqString(body, "protocol", "remote_console");
        var type = ReqString(body, "type", "remote_console");
        var valid = protocol switch
        {
            "vnc" => type is "novnc" or "xvpvnc",
            "spice" => type == "spice-html5",
            "serial" => type == "serial",
            "rdp" => type == "rdp-html5",
            "mks" => type == "webmks",
            _ => throw OpenStackFault.BadRequest($"Invalid input for field/attribute protocol. Value: {protocol}. '{protocol}' is not one of ['vnc', 'spice', 'rdp', 'serial', 'mks']"),
        };
        if (!valid)
        {
            throw OpenStackFault.BadRequest($"Unsupported console type {type}");
        }

        if (protocol is "rdp" or "mks")
        {
            throw new OpenStackFault(501, "Unable to get console: the console type is not enabled in this region.");
        }

        lock (State.Sync)
        {
            if (server.VmState == "building")
            {
                throw OpenStackFault.Conflict("Instance not yet ready");
            }
        }

        await Ok(context, new JsonObject { ["remote_console"] = new JsonObject { ["protocol"] = protocol, ["type"] = type, ["url"] = ConsoleUrl(context, type) } });
    }

    // ---- volume attachments ----

    private static JsonObject AttachmentJson(HttpContext context, Server server, ServerVolume volume)
    {
        var json = new JsonObject
        {
            ["id"] = volume.VolumeId,
            ["serverId"] = server.Id,
            ["volumeId"] = volume.VolumeId,
            ["device"] = volume.Device,
        };
        if (AtLeast(context, 70))
        {
            json["tag"] = volume.Tag;
        }

        if (AtLeast(context, 79))
        {
            json["delete_on_termination"] = volume.DeleteOnTermination;
        }

        return json;
    }

    private async Task ListVolumeAttachmentsAsync(HttpContext context)
    {
        var server = FindServer(context);
        JsonArray list;
        lock (State.Sync)
        {
            list = [.. server.Volumes.Select(v => (JsonNode)AttachmentJson(context, server, v))];
        }

        await Ok(context, new JsonObject { ["volumeAttachments"] = list });
    }

    private async Task ShowVolumeAttachmentAsync(HttpContext context)
    {
        var server = FindServer(context);
        var volumeId = Param(context, "volume");
        JsonObject json;
        lock (State.Sync)
        {
            var volume = server.Volumes.FirstOrDefault(v => v.VolumeId == volumeId)
                ?? throw OpenStackFault.NotFound($"Volume {volumeId} is not attached to the instance {server.Id}.");
            json = AttachmentJson(context, server, volume);
        }

        await Ok(context, new JsonObject { ["volumeAttachment"] = json });
    }

    private async Task AttachVolumeAsync(HttpContext context)
    {
        var server = FindServer(context);
        var body = await Body(context, "volumeAttachment");
        var allowed = new List<string> { "volumeId", "device" };
        if (AtLeast(context, 49))
        {
            allowed.Add("tag");
        }

        if (AtLeast(context, 79))
        {
            allowed.Add("delete_on_termination");
        }

        NoExtraKeys(body, "volumeAttachment", [.. allowed]);
        var volumeId = ReqString(body, "volumeId", "volumeAttachment");
        var requestedDevice = OptString(body, "device");
        var caller = context.Caller();
        if (region.Volume.FindVolume(volumeId) is not { } found || (found.ProjectId != caller.ProjectId && !caller.IsAdmin))
        {
            throw OpenStackFault.NotFound($"Volume {volumeId} could not be found.");
        }

        string device;
        lock (State.Sync)
        {
            CheckLocked(context, server);
            RequireState(server, "attach_volume", "active", "paused", "stopped", "suspended", "shelved", "shelved_offloaded");
            if (server.Volumes.Any(v => v.VolumeId == volumeId))
            {
                throw OpenStackFault.BadRequest($"Invalid volume: volume {volumeId} is already attached to instance {server.Id}");
            }

            var used = server.Volumes.Select(v => v.Device).Append("/dev/vda").ToHashSet(StringComparer.Ordinal);
            device = requestedDevice is { Length: > 0 } && !used.Contains(requestedDevice)
                ? requestedDevice
                : Enumerable.Range('b', 24).Select(c => "/dev/vd" + (char)c).First(d => !used.Contains(d));
        }

        region.Volume.Attach(found.ProjectId, volumeId, server.Id, device, region.ComputeHost);
        var attachment = new ServerVolume
        {
            AttachmentId = RegionContext.NewId(),
            VolumeId = volumeId,
            Device = device,
            DeleteOnTermination = OptBool(body, "delete_on_termination") ?? false,
            Tag = OptString(body, "tag"),
        };
        JsonObject json;
        lock (State.Sync)
        {
            server.Volumes.Add(attachment);
            server.UpdatedAt = region.Time.GetUtcNow();
            json = AttachmentJson(context, server, attachment);
        }

        await Ok(context, new JsonObject { ["volumeAttachment"] = json });
    }

    private Task DetachVolumeAsync(HttpContext context)
    {
        var server = FindServer(context);
        var volumeId = Param(context, "volume");
        lock (State.Sync)
        {
            CheckLocked(context, server);
            var volume = server.Volumes.FirstOrDefault(v => v.VolumeId == volumeId)
                ?? throw OpenStackFault.NotFound($"volume_id not found: {volumeId}");
            if (volume.BootIndex == 0)
            {
                throw OpenStackFault.BadRequest("Cannot detach a root device volume");
            }

            RequireState(server, "detach_volume", "active", "paused", "stopped", "suspended", "shelved", "shelved_offloaded");
            server.Volumes.Remove(volume);
            server.UpdatedAt = region.Time.GetUtcNow();
        }

        region.Volume.Detach(volumeId, server.Id);
        return NoContent(context, 202);
    }

    // ---- interfaces ----

    private static JsonObject InterfaceJson(HttpContext context, ServerPort attached, Network.PortInfo port)
    {
        var json = new JsonObject
        {
            ["port_state"] = port.Status,
            ["fixed_ips"] = new JsonArray([.. port.FixedIps.Select(f => (JsonNode)new JsonObject { ["subnet_id"] = f.SubnetId, ["ip_address"] = f.IpAddress })]),
            ["port_id"] = port.Id,
            ["net_id"] = port.NetworkId,
            ["mac_addr"] = port.MacAddress,
        };
        if (AtLeast(context, 70))
        {
            json["tag"] = attached.Tag;
        }

        return json;
    }

    private async Task ListInterfacesAsync(HttpContext context)
    {
        var server = FindServer(context);
        var ports = FetchPorts([server]);
        JsonArray list;
        lock (State.Sync)
        {
            list = [.. server.Ports.Where(p => ports.ContainsKey(p.PortId)).Select(p => (JsonNode)InterfaceJson(context, p, ports[p.PortId]))];
        }

        await Ok(context, new JsonObject { ["interfaceAttachments"] = list });
    }

    private async Task ShowInterfaceAsync(HttpContext context)
    {
        var server = FindServer(context);
        var portId = Param(context, "port");
        ServerPort attached;
        lock (State.Sync)
        {
            attached = server.Ports.FirstOrDefault(p => p.PortId == portId) ?? throw OpenStackFault.NotFound($"Port {portId} is not attached");
        }

        var port = region.Network.FindPort(portId) ?? throw OpenStackFault.NotFound($"Port {portId} is not attached");
        await Ok(context, new JsonObject { ["interfaceAttachment"] = InterfaceJson(context, attached, port) });
    }

    private async Task AttachInterfaceAsync(HttpContext context)
    {
        var server = FindServer(context);
        var body = await Body(context, "interfaceAttachment");
        NoExtraKeys(body, "interfaceAttachment", "port_id", "net_id", "fixed_ips", "tag");
        var portId = OptString(body, "port_id");
        var netId = OptString(body, "net_id");
        if (portId is not null && netId is not null)
        {
            throw OpenStackFault.BadRequest("Must not input both network_id and port_id");
        }

        string? fixedIp = null;
        if (body["fixed_ips"] is JsonArray ips && ips.Count > 0 && ips[0] is JsonObject first)
        {
            fixedIp = OptString(first, "ip_address");
            if (netId is null)
            {
                throw OpenStackFault.BadRequest("Must input network_id when request IP address");
            }
        }

        lock (State.Sync)
        {
            CheckLocked(context, server);
            RequireState(server, "attach_interface", "active", "paused", "stopped");
        }

        var owner = "compute:" + region.Options.AvailabilityZone;
        Network.PortInfo port;
        bool created;
        if (portId is not null)
        {
            try
            {
                port = region.Network.BindPort(server.ProjectId, portId, server.Id, owner, region.ComputeHost);
            }
            catch (OpenStackFault fault) when (fault.StatusCode == 404)
            {
                throw OpenStackFault.NotFound($"Port id {portId} could not be found.");
            }
            catch (OpenStackFault fault) when (fault.StatusCode == 409)
            {
                throw OpenStackFault.Conflict($"Port {portId} is still in use.");
            }

            created = false;
        }
        else
        {
            if (netId is null)
            {
                throw OpenStackFault.BadRequest("Unable to automatically allocate a network for the interface: give port_id or net_id.");
            }

            try
            {
                List<string> groups;
                lock (State.Sync)
                {
                    groups = [.. server.SecurityGroups];
                }

                port = region.Network.CreatePortForDevice(server.ProjectId, netId, server.Id, owner, region.ComputeHost, groups, fixedIp);
            }
            catch (OpenStackFault fault) when (fault.StatusCode == 404)
            {
                throw OpenStackFault.NotFound($"Network {netId} could not be found.");
            }

            created = true;
        }

        var attached = new ServerPort(port.Id, created, OptString(body, "tag"));
        lock (State.Sync)
        {
            server.Ports.Add(attached);
            server.UpdatedAt = region.Time.GetUtcNow();
        }

        await Ok(context, new JsonObject { ["interfaceAttachment"] = InterfaceJson(context, attached, port) });
    }

    private Task DetachInterfaceAsync(HttpContext context)
    {
        var server = FindServer(context);
        var portId = Param(context, "port");
        ServerPort attached;
        lock (State.Sync)
        {
            CheckLocked(context, server);
            attached = server.Ports.FirstOrDefault(p => p.PortId == portId) ?? throw OpenStackFault.NotFound($"Port {portId} is not attached");
            RequireState(server, "detach_interface", "active", "paused", "stopped");
            server.Ports.Remove(attached);
            server.UpdatedAt = region.Time.GetUtcNow();
        }

        region.Network.ReleasePort(portId, attached.CreatedByNova);
        return NoContent(context, 202);
    }
}
