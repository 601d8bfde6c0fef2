using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tricircle.Emulator.Regions.Network;

namespace Tricircle.Emulator.Regions.Compute;

/// <summary>Servers: create, list, show, update, delete, metadata, ips.</summary>
internal sealed partial class NovaApi
{
    // hostId by project and host (see HostId).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Project, string Host), string> HostIds = new();

    private void MapServers(IEndpointRouteBuilder app)
    {
        Route(app, "GET", "/servers", c => ListServersAsync(c, detail: false));
        Route(app, "GET", "/servers/detail", c => ListServersAsync(c, detail: true));
        Route(app, "POST", "/servers", CreateServerAsync);
        Route(app, "GET", "/servers/{id}", ShowServerAsync);
        Route(app, "PUT", "/servers/{id}", UpdateServerAsync);
        Route(app, "DELETE", "/servers/{id}", DeleteServerAsync);
        Route(app, "GET", "/servers/{id}/metadata", ListMetadataAsync);
        Route(app, "POST", "/servers/{id}/metadata", c => SetMetadataAsync(c, replace: false));
        Route(app, "PUT", "/servers/{id}/metadata", c => SetMetadataAsync(c, replace: true));
        Route(app, "GET", "/servers/{id}/metadata/{key}", ShowMetadataItemAsync);
        Route(app, "PUT", "/servers/{id}/metadata/{key}", SetMetadataItemAsync);
        Route(app, "DELETE", "/servers/{id}/metadata/{key}", DeleteMetadataItemAsync);
        Route(app, "GET", "/servers/{id}/ips", c => IpsAsync(c, null));
        Route(app, "GET", "/servers/{id}/ips/{network}", c => IpsAsync(c, Param(c, "network")));
        Route(app, "GET", "/servers/{id}/os-volume_attachments", ListVolumeAttachmentsAsync);
        Route(app, "POST", "/servers/{id}/os-volume_attachments", AttachVolumeAsync);
        Route(app, "GET", "/servers/{id}/os-volume_attachments/{volume}", ShowVolumeAttachmentAsync);
        Route(app, "DELETE", "/servers/{id}/os-volume_attachments/{volume}", DetachVolumeAsync);
        Route(app, "GET", "/servers/{id}/os-interface", ListInterfacesAsync);
        Route(app, "POST", "/servers/{id}/os-interface", AttachInterfaceAsync);
        Route(app, "GET", "/servers/{id}/os-interface/{port}", ShowInterfaceAsync);
        Route(app, "DELETE", "/servers/{id}/os-interface/{port}", DetachInterfaceAsync);
    }

    // ---- lookups and lazy state ----

    /// <summary>Servers whose build delay has passed turn ACTIVE (or ERROR when their image vanished); one being deleted meanwhile stays deleting.</summary>
    private void Refresh()
    {
        FinishDeletes();
        var now = region.Time.GetUtcNow();
        List<Server> due;
        lock (State.Sync)
        {
            due = [.. State.Servers.Where(s => s.VmState == "building" && s.DeletingSince is null && s.CreatedAt + region.Options.ServerBuildDelay <= now)];
        }

        if (due.Count == 0)
        {
            return;
        }

        var missingImage = due.Where(s => s.ImageId is not null && region.Image.FindImage(s.ImageId, s.ProjectId, isAdmin: true) is null).Select(s => s.Id).ToHashSet();
        lock (State.Sync)
        {
            foreach (var server in due.Where(s => s.VmState == "building" && s.DeletingSince is null))
            {
                var at = server.CreatedAt + region.Options.ServerBuildDelay;
                server.TaskState = null;
                server.UpdatedAt = at;
                if (missingImage.Contains(server.Id))
                {
                    server.VmState = "error";
                    server.PowerState = 0;
                    server.Fault = new JsonObject
                    {
                        ["code"] = 500,
                        ["created"] = Iso(at),
                        ["message"] = $"Build of instance {server.Id} aborted: Image {server.ImageId} could not be found.",
                        ["details"] = "",
                    };
                }
                else
                {
                    server.VmState = "active";
                    server.PowerState = 1;
                    server.LaunchedAt = at;
                }
            }
        }
    }

    private Server FindServerLocked(HttpContext context, string id)
    {
        var caller = context.Caller();
        return State.Servers.FirstOrDefault(s => s.Id == id && caller.CanSee(s.ProjectId))
            ?? throw OpenStackFault.NotFound($"Instance {id} could not be found.");
    }

    private Server FindServer(HttpContext context)
    {
        Refresh();
        lock (State.Sync)
        {
            return FindServerLocked(context, Param(context, "id"));
        }
    }

    private Dictionary<string, PortInfo> FetchPorts(IEnumerable<Server> servers)
    {
        List<string> ids;
        lock (State.Sync)
        {
            ids = [.. servers.SelectMany(s => s.Ports.Select(p => p.PortId))];
        }

        var ports = new Dictionary<string, PortInfo>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            if (region.Network.FindPort(id) is { } port)
            {
                ports[id] = port;
            }
        }

        return ports;
    }

    private static JsonObject Addresses(Server server, Dictionary<string, PortInfo> ports, bool extended)
    {
        var addresses = new JsonObject();
        foreach (var port in server.Ports.Select(p => ports.GetValueOrDefault(p.PortId)).OfType<PortInfo>())
        {
            if (addresses[port.NetworkName] is not JsonArray list)
            {
                list = [];
                addresses[port.NetworkName] = list;
            }

            foreach (var ip in port.FixedIps)
            {
                var entry = new JsonObject { ["version"] = ip.IpVersion, ["addr"] = ip.IpAddress };
                if (extended)
                {
                    entry["OS-EXT-IPS:type"] = "fixed";
                    entry["OS-EXT-IPS-MAC:mac_addr"] = port.MacAddress;
                }

                list.Add(entry);
            }
        }

        return addresses;
    }

    private static string HostId(Server server)
    {
        if (server.Host is null)
        {
            return "";
        }

        // A hash per project and host, not per server shown: a list shows many servers of few hosts.
        return HostIds.GetOrAdd((server.ProjectId, server.Host), static key =>
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key.Project + key.Host)))[..56]);
    }

    /// <summary>
    /// A server as Nova shows it, written straight to the answer (<paramref name="adminPass"/>
    /// last, as a rebuild's answer adds it). A list writes up to 1,000 of these: building a
    /// <c>JsonObject</c> tree of each and then writing the tree was most of an emulated region's
    /// CPU per list, and a merged list over 50 regions asks them all at once on the same cores.
    /// </summary>
    private void WriteServer(Utf8JsonWriter w, HttpContext context, Server server, Dictionary<string, PortInfo> ports, bool detail, string? adminPass = null)
    {
        w.WriteStartObject();
        w.WriteString("id", server.Id);
        w.WriteString("name", server.Name);
        if (!detail)
        {
            WriteLinks(w, context, "servers", server.Id);
            w.WriteEndObject();
            return;
        }

        var caller = context.Caller();
        var status = NovaServerStatus.Status(server.VmState, server.TaskState);
        w.WriteString("status", status);
        w.WriteString("tenant_id", server.ProjectId);
        w.WriteString("user_id", server.UserId);
        WritePairs(w, "metadata", server.Metadata);
        w.WriteString("hostId", HostId(server));
        if (server.ImageId is null)
        {
            w.WriteString("image", "");
        }
        else
        {
            w.WriteStartObject("image");
            w.WriteString("id", server.ImageId);
            WriteBookmark(w, context, "images", server.ImageId);
            w.WriteEndObject();
        }

        w.WriteStartObject("flavor");
        if (AtLeast(context, 47))
        {
            w.WriteNumber("vcpus", server.Flavor.Vcpus);
            w.WriteNumber("ram", server.Flavor.Ram);
            w.WriteNumber("disk", server.Flavor.Disk);
            w.WriteNumber("ephemeral", server.Flavor.Ephemeral);
            w.WriteNumber("swap", server.Flavor.Swap);
            w.WriteString("original_name", server.Flavor.Name);
            if (caller.IsAdmin)
            {
                WritePairs(w, "extra_specs", server.Flavor.ExtraSpecs);
            }
        }
        else
        {
            w.WriteString("id", server.Flavor.Id);
            WriteBookmark(w, context, "flavors", server.Flavor.Id);
        }

        w.WriteEndObject();
        w.WriteString("created", Iso(server.CreatedAt));
        w.WriteString("updated", Iso(server.UpdatedAt));
        w.WritePropertyName("addresses");
        Addresses(server, ports, extended: true).WriteTo(w);
        w.WriteString("accessIPv4", server.AccessIPv4);
        w.WriteString("accessIPv6", server.AccessIPv6);
        WriteLinks(w, context, "servers", server.Id);
        w.WriteString("OS-DCF:diskConfig", "MANUAL");
        if (status is "ACTIVE" or "BUILD" or "REBUILD" or "RESIZE" or "VERIFY_RESIZE" or "MIGRATING")
        {
            w.WriteNumber("progress", status == "BUILD" ? 0 : 100);
        }

        w.WriteString("OS-EXT-AZ:availability_zone", region.Options.AvailabilityZone);
        w.WriteString("config_drive", server.ConfigDrive ? "True" : "");
        w.WriteString("key_name", server.KeyName);
        w.WriteString("OS-SRV-USG:launched_at", server.LaunchedAt is { } launched ? DbTime(launched) : null);
        w.WriteNull("OS-SRV-USG:terminated_at");
        if (caller.IsAdmin)
        {
            w.WriteString("OS-EXT-SRV-ATTR:host", server.Host);
            w.WriteString("OS-EXT-SRV-ATTR:instance_name", InstanceName(server));
            w.WriteString("OS-EXT-SRV-ATTR:hypervisor_hostname", server.Host);
            if (AtLeast(context, 3))
            {
                w.WriteString("OS-EXT-SRV-ATTR:reservation_id", server.ReservationId);
                w.WriteNumber("OS-EXT-SRV-ATTR:launch_index", server.LaunchIndex);
                w.WriteString("OS-EXT-SRV-ATTR:hostname", Hostname(server.Name));
                w.WriteString("OS-EXT-SRV-ATTR:kernel_id", "");
                w.WriteString("OS-EXT-SRV-ATTR:ramdisk_id", "");
                w.WriteString("OS-EXT-SRV-ATTR:root_device_name", "/dev/vda");
                w.WriteString("OS-EXT-SRV-ATTR:user_data", server.UserData);
            }
        }

        w.WriteString("OS-EXT-STS:task_state", server.TaskState);
        w.WriteString("OS-EXT-STS:vm_state", server.VmState);
        w.WriteNumber("OS-EXT-STS:power_state", server.PowerState);
        w.WriteStartArray("os-extended-volumes:volumes_attached");
        foreach (var volume in server.Volumes)
        {
            w.WriteStartObject();
            w.WriteString("id", volume.VolumeId);
            if (AtLeast(context, 3))
            {
                w.WriteBoolean("delete_on_termination", volume.DeleteOnTermination);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();

        // As Nova with Neutron: the groups on the server's ports now (addSecurityGroup, or a port
        // changed in Neutron, shows at once), none is no key.
        if (server.VmState != "building" && region.Network.GroupNamesOfDevice(server.Id) is { Count: > 0 } groups)
        {
            w.WriteStartArray("security_groups");
            foreach (var group in groups)
            {
                w.WriteStartObject();
                w.WriteString("name", group);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        if (server.Fault is not null && server.VmState == "error")
        {
            w.WriteStartObject("fault");
            foreach (var (key, value) in server.Fault)
            {
                if (key != "details" || caller.IsAdmin)
                {
                    w.WritePropertyName(key);
                    WriteNode(w, value);
                }
            }

            w.WriteEndObject();
        }

        if (AtLeast(context, 9))
        {
            w.WriteBoolean("locked", server.Locked);
        }

        if (AtLeast(context, 16) && caller.IsAdmin)
        {
            w.WriteString("host_status", server.Host is null ? "" : "UP");
        }

        if (AtLeast(context, 19))
        {
            w.WriteString("description", server.Description);
        }

        if (AtLeast(context, 26))
        {
            w.WriteStartArray("tags");
            foreach (var tag in server.Tags)
            {
                w.WriteStringValue(tag);
            }

            w.WriteEndArray();
        }

        if (AtLeast(context, 63))
        {
            w.WriteNull("trusted_image_certificates");
        }

        if (AtLeast(context, 73))
        {
            w.WriteString("locked_reason", server.LockedReason);
        }

        if (adminPass is not null)
        {
            w.WriteString("adminPass", adminPass);
        }

        w.WriteEndObject();
    }

    private static void WritePairs(Utf8JsonWriter w, string name, IEnumerable<KeyValuePair<string, string>> pairs)
    {
        w.WriteStartObject(name);
        foreach (var (key, value) in pairs)
        {
            w.WriteString(key, value);
        }

        w.WriteEndObject();
    }

    private static void WriteNode(Utf8JsonWriter w, JsonNode? node)
    {
        if (node is null)
        {
            w.WriteNullValue();
        }
        else
        {
            node.WriteTo(w);
        }
    }

    private static string InstanceName(Server server) => "instance-" + server.InstanceNumber.ToString("x8", CultureInfo.InvariantCulture);

    private static string Hostname(string name)
    {
        var hostname = HostnameInvalid().Replace(name.ToLowerInvariant().Replace(' ', '-'), "").Trim('-', '.');
        return hostname.Length == 0 ? "server" : hostname[..Math.Min(63, hostname.Length)];
    }

    [GeneratedRegex("[^a-z0-9.-]")]
    private static partial Regex HostnameInvalid();

    /// <summary>A <c>{"server": …}</c> answer (show, update, rebuild with its <paramref name="adminPass"/>).</summary>
    private async Task RenderServerAsync(HttpContext context, Server server, int status = 200, string? adminPass = null)
    {
        var ports = FetchPorts([server]);
        ArrayBufferWriter<byte> body;
        lock (State.Sync)
        {
            body = RegionHttp.Render(w =>
            {
                w.WriteStartObject();
                w.WritePropertyName("server");
                WriteServer(w, context, server, ports, detail: true, adminPass);
                w.WriteEndObject();
            });
        }

        await RegionHttp.WriteJsonAsync(context, status, body);
    }

    // ---- list / show ----

    private async Task ListServersAsync(HttpContext context, bool detail)
    {
        Refresh();
        var caller = context.Caller();
        var allTenants = IsAllTenants(context);
        if (allTenants && !caller.IsAdmin)
        {
            RequireAdmin(context, detail ? "servers:detail:get_all_tenants" : "servers:index:get_all_tenants");
        }

        var project = allTenants ? Query(context, "project_id") ?? Query(context, "tenant_id") : caller.ProjectId;
        Regex? name = null;
        if (Query(context, "name") is { } namePattern)
        {
            try
            {
                name = new Regex(namePattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException)
            {
                throw OpenStackFault.BadRequest($"Invalid filter field: name. ({namePattern})");
            }
        }

        string[]? vmStates = null;
        if (Query(context, "status") is { } status)
        {
            vmStates = NovaServerStatus.VmStates(status);
            if (vmStates.Length == 0)
            {
                // Nova answers an unknown status with an empty list (admins) or 400.
                if (!caller.IsAdmin)
                {
                    throw OpenStackFault.BadRequest($"Invalid status value");
                }
            }
        }

        DateTimeOffset? changesSince = null;
        if ((Query(context, "changes-since") ?? Query(context, "changes_since")) is { } since)
        {
            changesSince = DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                ? at
                : throw OpenStackFault.BadRequest($"Invalid input for query parameters changes-since. Value: {since}. '{since}' is not a 'date-time'");
        }

        var image = Query(context, "image");
        var flavor = Query(context, "flavor");
        var host = caller.IsAdmin ? Query(context, "host") : null;
        var sortKeys = context.Request.Query["sort_key"].Select(k => k ?? "").ToList();
        var sortDirs = context.Request.Query["sort_dir"].Select(k => k ?? "").ToList();
        var limit = QueryLimit(context);
        var marker = Query(context, "marker");

        List<Server> servers;
        lock (State.Sync)
        {
            servers = [.. State.Servers.Where(s =>
                (project is null || s.ProjectId == project)
                && (name is null || name.IsMatch(s.Name))
                && (vmStates is null || vmStates.Contains(s.VmState))
                && (changesSince is null || s.UpdatedAt >= changesSince)
                && (image is null || s.ImageId == image)
                && (flavor is null || s.Flavor.Id == flavor)
                && (host is null || s.Host == host))];
        }

        var ports = FetchPorts(servers);
        if (Query(context, "ip") is { } ipPattern)
        {
            var ip = new Regex(ipPattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            lock (State.Sync)
            {
                servers = [.. servers.Where(s => s.Ports.Any(p => ports.TryGetValue(p.PortId, out var port) && port.FixedIps.Any(f => f.IpVersion == 4 && ip.IsMatch(f.IpAddress))))];
            }
        }

        servers = SortServers(servers, sortKeys, sortDirs);
        if (marker is not null)
        {
            var index = servers.FindIndex(s => s.Id == marker);
            servers = index < 0 ? throw OpenStackFault.BadRequest($"marker [{marker}] not found") : servers[(index + 1)..];
        }

        if (limit is { } max && servers.Count > max)
        {
            servers = servers[..max];
        }

        var next = limit is { } l && l > 0 && servers.Count == l ? NextLinks(context, detail ? "servers/detail" : "servers", l, servers[^1].Id) : null;
        ArrayBufferWriter<byte> body;
        lock (State.Sync)
        {
            body = RegionHttp.Render(w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("servers");
                foreach (var server in servers)
                {
                    WriteServer(w, context, server, ports, detail);
                }

                w.WriteEndArray();
                if (next is not null)
                {
                    w.WritePropertyName("servers_links");
                    next.WriteTo(w);
                }

                w.WriteEndObject();
            });
        }

        await RegionHttp.WriteJsonAsync(context, 200, body);
    }

    /// <summary>Nova's common.is_all_tenants: present and empty is true, else a boolean string or a 400.</summary>
    private static bool IsAllTenants(HttpContext context)
    {
        if (Query(context, "all_tenants") is not { } value)
        {
            return false;
        }

        return value.Trim().ToLowerInvariant() switch
        {
            "" or "1" or "t" or "true" or "on" or "y" or "yes" => true,
            "0" or "f" or "false" or "off" or "n" or "no" => false,
            _ => throw OpenStackFault.BadRequest($"Invalid input received: Unrecognized value '{value}', acceptable values are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'"),
        };
    }

    private static List<Server> SortServers(List<Server> servers, List<string> keys, List<string> dirs)
    {
        // As common.get_sort_params: the default key, but a sort_dir given alone still counts.
        if (keys.Count == 0)
        {
            keys = ["created_at", "id"];
            dirs = dirs.Count > 0 ? [dirs[0], dirs[0]] : ["desc", "desc"];
        }

        IOrderedEnumerable<Server>? ordered = null;
        for (var i = 0; i < keys.Count; i++)
        {
            var dir = i < dirs.Count ? dirs[i] : dirs.Count > 0 ? dirs[0] : "desc";
            if (dir is not ("asc" or "desc"))
            {
                throw OpenStackFault.BadRequest($"Invalid input for query parameters sort_dir. Value: {dir}. '{dir}' is not one of ['asc', 'desc']");
            }

            Func<Server, string> key = keys[i] switch
            {
                // Nova's columns keep whole seconds (what the API shows): ties go to the next key.
                "created_at" => s => s.CreatedAt.ToUnixTimeSeconds().ToString("D20", CultureInfo.InvariantCulture),
                "updated_at" => s => s.UpdatedAt.ToUnixTimeSeconds().ToString("D20", CultureInfo.InvariantCulture),
                "launched_at" => s => (s.LaunchedAt?.UtcTicks ?? 0).ToString("D20", CultureInfo.InvariantCulture),
                "id" or "uuid" => s => s.Id,
                "display_name" or "hostname" => s => s.Name,
                "display_description" => s => s.Description ?? "",
                "vm_state" => s => s.VmState,
                "task_state" => s => s.TaskState ?? "",
                "power_state" => s => s.PowerState.ToString("D3", CultureInfo.InvariantCulture),
                "host" or "node" => s => s.Host ?? "",
                "key_name" => s => s.KeyName ?? "",
                "project_id" => s => s.ProjectId,
                "user_id" => s => s.UserId,
                "availability_zone" or "config_drive" or "locked" or "access_ip_v4" or "access_ip_v6" or "instance_type_id" or "image_ref" or "kernel_id" or "ramdisk_id" or "launch_index" or "root_device_name" or "terminated_at" or "progress" or "memory_mb" or "vcpus" or "root_gb" or "ephemeral_gb" or "locked_by" => s => s.CreatedAt.UtcTicks.ToString("D20", CultureInfo.InvariantCulture),
                _ => throw OpenStackFault.BadRequest($"Invalid input for query parameters sort_key. Value: {keys[i]}. '{keys[i]}' is not one of the allowed sort keys"),
            };
            ordered = ordered is null
                ? dir == "asc" ? servers.OrderBy(key, StringComparer.Ordinal) : servers.OrderByDescending(key, StringComparer.Ordinal)
                : dir == "asc" ? ordered.ThenBy(key, StringComparer.Ordinal) : ordered.ThenByDescending(key, StringComparer.Ordinal);
        }

        return [.. ordered!];
    }

    private async Task ShowServerAsync(HttpContext context) => await RenderServerAsync(context, FindServer(context));

    private async Task UpdateServerAsync(HttpContext context)
    {
        var server = FindServer(context);
        var body = await Body(context, "server");
        var allowed = new List<string> { "name", "accessIPv4", "accessIPv6", "OS-DCF:diskConfig" };
        if (AtLeast(context, 19))
        {
            allowed.Add("description");
        }

        if (AtLeast(context, 90))
        {
            allowed.Add("hostname");
        }

        NoExtraKeys(body, "server", [.. allowed]);
        var name = body.ContainsKey("name") ? ReqString(body, "name", "server") : null;
        var description = OptString(body, "description", 255);
        var (ipv4, ipv6) = AccessIps(body);

        lock (State.Sync)
        {
            if (name is not null)
            {
                server.Name = name;
            }

            if (body.ContainsKey("description"))
            {
                server.Description = description;
            }

            server.AccessIPv4 = ipv4 ?? server.AccessIPv4;
            server.AccessIPv6 = ipv6 ?? server.AccessIPv6;
            server.UpdatedAt = region.Time.GetUtcNow();
        }

        await RenderServerAsync(context, server);
    }

    /// <summary>accessIPv4 and accessIPv6, which Nova's schema types as strings of format ipv4 and ipv6.</summary>
    private static (string? V4, string? V6) AccessIps(JsonObject body)
    {
        // Nova's parameter_types.accessIPv4/6 are {'type': 'string', ...}: null is refused, not "no change".
        foreach (var key in (string[])["accessIPv4", "accessIPv6"])
        {
            if (body.TryGetPropertyValue(key, out var node) && node is null)
            {
                throw OpenStackFault.BadRequest($"Invalid input for field/attribute {key}. Value: None. None is not of type 'string'");
            }
        }

        var ipv4 = OptString(body, "accessIPv4");
        var ipv6 = OptString(body, "accessIPv6");
        if (ipv4 is { Length: > 0 } && !(System.Net.IPAddress.TryParse(ipv4, out var a4) && a4.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && ipv4.Count(c => c == '.') == 3))
        {
            throw OpenStackFault.BadRequest($"Invalid input for field/attribute accessIPv4. Value: {ipv4}. '{ipv4}' is not a 'ipv4'");
        }

        if (ipv6 is { Length: > 0 } && !(System.Net.IPAddress.TryParse(ipv6, out var a6) && a6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6))
        {
            throw OpenStackFault.BadRequest($"Invalid input for field/attribute accessIPv6. Value: {ipv6}. '{ipv6}' is not a 'ipv6'");
        }

        return (ipv4, ipv6);
    }

    private static void CheckLocked(HttpContext context, Server server)
    {
        if (server.Locked && !context.Caller().IsAdmin)
        {
            throw OpenStackFault.Conflict($"Instance {server.Id} is locked");
        }
    }

    private Task DeleteServerAsync(HttpContext context)
    {
        var server = FindServer(context);
        var now = region.Time.GetUtcNow();
        bool gone;
        lock (State.Sync)
        {
            CheckLocked(context, server);
            if (server.DeletingSince is not null)
            {
                return NoContent(context, 204); // Nova: "Instance is already in deleting state, ignoring this request"
            }

            RecordAction(context, server, "delete", EventsOf("delete"));
            gone = region.DeleteDone(now, now);
            if (gone)
            {
                State.Servers.Remove(server);
                GroupOf(server.Id)?.Members.Remove(server.Id);
            }
            else
            {
                // The compute host takes a moment: shown with task_state deleting until then.
                server.TaskState = "deleting";
                server.DeletingSince = now;
                server.UpdatedAt = now;
            }
        }

        if (gone)
        {
            Teardown(server);
        }

        return NoContent(context, 204);
    }

    /// <summary>Servers whose delete is done are gone, as Nova's compute destroys them.</summary>
    private void FinishDeletes()
    {
        var now = region.Time.GetUtcNow();
        List<Server> done;
        lock (State.Sync)
        {
            done = [.. State.Servers.Where(s => s.DeletingSince is { } since && region.DeleteDone(since, now))];
            foreach (var server in done)
            {
                State.Servers.Remove(server);
                GroupOf(server.Id)?.Members.Remove(server.Id);
            }
        }

        foreach (var server in done)
        {
            Teardown(server);
        }
    }

    /// <summary>What Nova does when a server goes: ports it made deleted, given ports unbound, volumes detached (and deleted when asked).</summary>
    private void Teardown(Server server)
    {
        lock (State.Sync)
        {
            // os-simple-tenant-usage counts a deleted server's hours until it went.
            State.Terminated.Add((server, region.Time.GetUtcNow()));
        }

        foreach (var port in server.Ports)
        {
            try
            {
                region.Network.ReleasePort(port.PortId, port.CreatedByNova);
            }
            catch (OpenStackFault)
            {
                // The port is already gone: Nova carries on.
            }
        }

        foreach (var volume in server.Volumes)
        {
            try
            {
                region.Volume.Detach(volume.VolumeId, server.Id);
                if (volume.DeleteOnTermination)
                {
                    region.Volume.DeleteVolume(volume.VolumeId);
                }
            }
            catch (OpenStackFault)
            {
                // Already detached or deleted.
            }
        }
    }

    // ---- create ----

    private sealed record RequestedNetwork(string? NetworkId, string? PortId, string? FixedIp, string? Tag);

    private sealed record RequestedVolume(string Source, string Destination, string? Uuid, int? BootIndex, int? Size, bool DeleteOnTermination, string? Device, string? Tag);

    private async Task CreateServerAsync(HttpContext context)
    {
        var caller = context.Caller();
        var body = await RegionHttp.ReadObjectAsync(context);
        var spec = body["server"] as JsonObject
            ?? throw OpenStackFault.BadRequest($"Invalid input for field/attribute server. Value: {body.ToJsonString()}. 'server' is a required property");
        var name = ReqString(spec, "name", "server");
        var flavorRef = spec["flavorRef"] switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) && s.Length > 0 => s,
            JsonValue v when v.TryGetValue<int>(out var n) => n.ToString(CultureInfo.InvariantCulture),
            null => throw OpenStackFault.BadRequest($"Invalid input for field/attribute server. Value: {spec.ToJsonString()}. 'flavorRef' is a required property"),
            var other => throw OpenStackFault.BadRequest($"Invalid input for field/attribute flavorRef. Value: {other.ToJsonString()}. {other.ToJsonString()} is not of type 'string', 'integer'"),
        };
        var imageRef = OptString(spec, "imageRef");
        var (accessIpv4, accessIpv6) = AccessIps(spec);
        _ = OptString(spec, "adminPass", int.MaxValue); // a string, if given (Nova's admin_password)
        if (imageRef is { Length: > 0 } && imageRef.Contains('/', StringComparison.Ordinal))
        {
            imageRef = imageRef[(imageRef.LastIndexOf('/') + 1)..]; // an image href: Nova takes the id at its end
        }

        var keyName = OptString(spec, "key_name");
        var userData = OptString(spec, "user_data", 65535);
        if (userData is not null)
        {
            try
            {
                Convert.FromBase64String(userData);
            }
            catch (FormatException)
            {
                throw OpenStackFault.BadRequest($"Invalid input for field/attribute user_data. Value: {userData}. '{userData}' is not a 'base64'");
            }
        }

        var metadata = StringMap(spec, "metadata");
        if (metadata.Count > NovaLimits.MetadataItems)
        {
            throw OpenStackFault.Forbidden("Quota exceeded for metadata_items: Requested " + metadata.Count.ToString(CultureInfo.InvariantCulture) + ", but already used 0 of 128 metadata_items");
        }

        var zone = OptString(spec, "availability_zone");
        if (zone is { Length: 0 })
        {
            // parameter_types.name: at least one character.
            throw OpenStackFault.BadRequest("Invalid input for field/attribute availability_zone. Value: . '' is too short");
        }

        if (zone is { Length: > 0 })
        {
            var zoneName = zone.Split(':')[0];
            if (zoneName != region.Options.AvailabilityZone && zoneName.Length > 0)
            {
                throw OpenStackFault.BadRequest("The requested availability zone is not available");
            }

            if (zone.Contains(':', StringComparison.Ordinal))
            {
                RequireAdmin(context, "servers:create:forced_host");
            }
        }

        var securityGroups = new List<string>();
        if (spec["security_groups"] is JsonArray groups)
        {
            foreach (var group in groups)
            {
                securityGroups.Add(group is JsonObject g ? ReqString(g, "name", "security_groups") : throw OpenStackFault.BadRequest($"Invalid input for field/attribute security_groups. Value: {groups.ToJsonString()}. {group?.ToJsonString()} is not of type 'object'"));
            }
        }
        else if (spec["security_groups"] is not null)
        {
            throw OpenStackFault.BadRequest($"Invalid input for field/attribute security_groups. Value: {spec["security_groups"]!.ToJsonString()}. is not of type 'array'");
        }

        if (securityGroups.Count == 0)
        {
            securityGroups.Add("default");
        }

        var minCount = OptInt(spec, "min_count", 1) ?? 1;
        var maxCount = OptInt(spec, "max_count", 1) ?? minCount;
        if (maxCount < minCount)
        {
            throw OpenStackFault.BadRequest("min_count must be <= max_count");
        }

        var configDrive = OptBool(spec, "config_drive") ?? false;
        var description = AtLeast(context, 19) ? OptString(spec, "description", 255) : null;
        var tags = new List<string>();
        if (AtLeast(context, 52) && spec["tags"] is JsonArray tagArray)
        {
            tags.AddRange(tagArray.Select(t => t is JsonValue tv && tv.TryGetValue<string>(out var ts) ? ts : throw OpenStackFault.BadRequest("Invalid input for field/attribute tags.")));
        }

        var networks = ParseNetworks(context, spec);
        var volumes = ParseBlockDevices(spec);
        var bootVolume = volumes.FirstOrDefault(v => v.BootIndex == 0 && v.Destination == "volume");
        var imageBoot = volumes.FirstOrDefault(v => v.BootIndex == 0 && v.Destination == "local" && v.Source == "image");
        if (bootVolume is null && imageRef is not { Length: > 0 })
        {
            imageRef = imageBoot?.Uuid;
        }

        if (bootVolume is null && imageRef is not { Length: > 0 })
        {
            throw OpenStackFault.BadRequest("Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping combination is not valid.");
        }

        // Flavor, keypair, image: as Nova's API checks them before anything is built.
        Flavor flavor;
        lock (State.Sync)
        {
            flavor = State.Flavors.FirstOrDefault(f => f.Id == flavorRef && CanUse(f, caller))
                ?? throw OpenStackFault.BadRequest($"Flavor {flavorRef} could not be found.");
            if (keyName is not null && !State.Keypairs.Any(k => k.UserId == caller.UserId && k.Name == keyName))
            {
                throw OpenStackFault.BadRequest("Invalid key_name provided.");
            }
        }

        string? imageId = null;
        if (bootVolume is null)
        {
            var image = region.Image.FindImage(imageRef!, caller.ProjectId, caller.IsAdmin)
                ?? throw OpenStackFault.BadRequest("Can not find requested image");
            if (image.Status != "active")
            {
                throw OpenStackFault.BadRequest($"Image {image.Id} is not active.");
            }

            if (image.MinRam > flavor.Ram)
            {
                throw OpenStackFault.BadRequest("Flavor's memory is too small for requested image.");
            }

            if (flavor.Disk > 0 && image.MinDisk > flavor.Disk)
            {
                throw OpenStackFault.BadRequest("Flavor's disk is too small for requested image.");
            }

            imageId = image.Id;
        }

        foreach (var volume in volumes.Where(v => v.Destination == "volume"))
        {
            if (volume.Source == "volume" && (volume.Uuid is null || region.Volume.FindVolume(volume.Uuid) is not { } found || (found.ProjectId != caller.ProjectId && !caller.IsAdmin)))
            {
                throw OpenStackFault.BadRequest($"Block Device Mapping is Invalid: failed to get volume {volume.Uuid}.");
            }

            if (volume.Source is "snapshot" or "blank")
            {
                throw OpenStackFault.BadRequest($"Block Device Mapping is Invalid: source_type {volume.Source} with destination_type volume is not supported by this emulated region.");
            }

            if (volume.Source == "image" && volume.Uuid is not null && region.Image.FindImage(volume.Uuid, caller.ProjectId, caller.IsAdmin) is null)
            {
                throw OpenStackFault.BadRequest($"Image {volume.Uuid} could not be found.");
            }
        }

        if (maxCount > 1 && (networks.Any(n => n.PortId is not null) || volumes.Any(v => v.Source == "volume")))
        {
            throw OpenStackFault.BadRequest("Unable to launch multiple instances with a single configured port ID. Please launch your instance one by one with different ports.");
        }

        var serverGroup = HintedGroup(body, maxCount);
        var forcedHost = zone is not null && zone.IndexOf(':', StringComparison.Ordinal) is var colon and >= 0 && region.ComputeHosts.Contains(zone[(colon + 1)..]) ? zone[(colon + 1)..] : null;

        // Quotas, then the servers in BUILD.
        var now = region.Time.GetUtcNow();
        var reservation = "r-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var created = new List<Server>();
        lock (State.Sync)
        {
            var mine = State.Servers.Where(s => s.ProjectId == caller.ProjectId).ToList();

            // The project's limits as its quota set shows them (an admin's update, the default class); -1 is unlimited, as Nova's.
            var limits = ProjectQuota(caller.ProjectId);
            int Limit(string key) => limits.GetValueOrDefault(key, -1) is var l && l < 0 ? int.MaxValue : (int)Math.Min(l, int.MaxValue);
            int instances = Limit("instances"), cores = Limit("cores"), ram = Limit("ram");
            CheckQuota("instances", maxCount, mine.Count, instances, minCount, 1);
            CheckQuota("cores", maxCount * flavor.Vcpus, mine.Sum(s => s.Flavor.Vcpus), cores, minCount, flavor.Vcpus);
            CheckQuota("ram", maxCount * flavor.Ram, mine.Sum(s => s.Flavor.Ram), ram, minCount, flavor.Ram);
            var count = Math.Min(maxCount, Math.Min(
                instances - mine.Count,
                Math.Min((cores - mine.Sum(s => s.Flavor.Vcpus)) / Math.Max(1, flavor.Vcpus), (ram - mine.Sum(s => s.Flavor.Ram)) / Math.Max(1, flavor.Ram))));
            for (var i = 0; i < count; i++)
            {
                var server = new Server
                {
                    Id = RegionContext.NewId(),
                    Name = count > 1 ? $"{name}-{i + 1}" : name,
                    ProjectId = caller.ProjectId,
                    UserId = caller.UserId,
                    Flavor = flavor,
                    ImageId = imageId,
                    KeyName = keyName,
                    UserData = userData,
                    Description = description,
                    AdminPass = NewPassword(),
                    ConfigDrive = configDrive,
                    CreatedAt = now,
                    UpdatedAt = now,
                    VmState = "building",
                    TaskState = "spawning",
                    PowerState = 0,
                    Host = null,
                    ReservationId = reservation,
                    LaunchIndex = i,
                    InstanceNumber = State.NextInstanceNumber++,
                    AccessIPv4 = accessIpv4 ?? "",
                    AccessIPv6 = accessIpv6 ?? "",
                };
                // The scheduler: a host the server's group allows (none: ERROR, "No valid host", as Nova).
                serverGroup?.Members.Add(server.Id);
                server.Host = serverGroup is null && forcedHost is null
                    ? region.ComputeHost
                    : HostsFor(serverGroup, server.Id, forcedHost is null ? region.ComputeHosts : [forcedHost], created).FirstOrDefault();
                if (server.Host is null)
                {
                    (server.VmState, server.TaskState) = ("error", null);
                    server.Fault = new JsonObject
                    {
                        ["code"] = 500,
                        ["created"] = Iso(now),
                        ["message"] = "No valid host was found. There are not enough hosts available.",
                        ["details"] = "Traceback (most recent call last):\n  File \"/usr/lib/python3/dist-packages/nova/conductor/manager.py\", in schedule_and_build_instances\nnova.exception.NoValidHost: No valid host was found. There are not enough hosts available.\n",
                    };
                }

                server.SecurityGroups.AddRange(securityGroups);
                server.Tags.AddRange(tags);
                foreach (var (key, value) in metadata)
                {
                    server.Metadata[key] = value;
                }

                created.Add(server);
            }
        }

        foreach (var server in created.Where(s => s.Host is not null))
        {
            try
            {
                Provision(server, caller, networks, volumes, securityGroups);
            }
            catch
            {
                foreach (var done in created)
                {
                    Teardown(done);
                }

                lock (State.Sync)
                {
                    serverGroup?.Members.RemoveAll(m => created.Any(c => c.Id == m));
                }

                throw;
            }
        }

        lock (State.Sync)
        {
            State.Servers.AddRange(created);
            foreach (var server in created)
            {
                RecordAction(context, server, "create", server.Host is null ? ["conductor_schedule_and_build_instances"] : EventsOf("create"), server.Host is null ? "nova.exception.NoValidHost: No valid host was found. There are not enough hosts available." : null);
            }
        }

        if (OptBool(spec, "return_reservation_id") == true)
        {
            await Ok(context, new JsonObject { ["reservation_id"] = reservation }, 202);
            return;
        }

        var first = created[0];
        context.Response.Headers.Location = Links(context, "servers", first.Id)[0]!["href"]!.GetValue<string>();
        await Ok(context, new JsonObject
        {
            ["server"] = new JsonObject
            {
                ["id"] = first.Id,
                ["links"] = Links(context, "servers", first.Id),
                ["OS-DCF:diskConfig"] = "MANUAL",
                ["security_groups"] = new JsonArray([.. securityGroups.Select(g => (JsonNode)new JsonObject { ["name"] = g })]),
                ["adminPass"] = first.AdminPass,
            },
        }, 202);
    }

    private static void CheckQuota(string resource, int requested, int used, int limit, int minCount, int perInstance)
    {
        if (used + (minCount * perInstance) > limit)
        {
            throw OpenStackFault.Forbidden($"Quota exceeded for {resource}: Requested {minCount * perInstance}, but already used {used} of {limit} {resource}");
        }

        _ = requested;
    }

    private static string NewPassword()
    {
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        return new string(RandomNumberGenerator.GetItems<char>(alphabet, 12));
    }

    /// <summary>Ports from Neutron and volumes from Cinder for one new server; rolls back on failure by the caller.</summary>
    private void Provision(Server server, Caller caller, List<RequestedNetwork> networks, List<RequestedVolume> volumes, List<string> securityGroups)
    {
        var owner = "compute:" + region.Options.AvailabilityZone;
        foreach (var network in networks)
        {
            if (network.PortId is not null)
            {
                try
                {
                    var port = region.Network.BindPort(caller.ProjectId, network.PortId, server.Id, owner, server.Host!);
                    server.Ports.Add(new ServerPort(port.Id, CreatedByNova: false, network.Tag));
                }
                catch (OpenStackFault fault) when (fault.StatusCode == 404)
                {
                    throw OpenStackFault.BadRequest($"Port id {network.PortId} could not be found.");
                }
                catch (OpenStackFault fault) when (fault.StatusCode == 409)
                {
                    throw OpenStackFault.Conflict($"Port {network.PortId} is still in use.");
                }
            }
            else
            {
                try
                {
                    var port = region.Network.CreatePortForDevice(caller.ProjectId, network.NetworkId!, server.Id, owner, server.Host!, securityGroups, network.FixedIp);
                    server.Ports.Add(new ServerPort(port.Id, CreatedByNova: true, network.Tag));
                }
                catch (OpenStackFault fault) when (fault.StatusCode == 404)
                {
                    throw OpenStackFault.BadRequest($"Network {network.NetworkId} could not be found.");
                }
            }
        }

        var letter = 'b';
        foreach (var volume in volumes.Where(v => v.Destination == "volume").OrderBy(v => v.BootIndex is null ? int.MaxValue : v.BootIndex.Value))
        {
            var device = volume.BootIndex == 0 ? "/dev/vda" : volume.Device ?? "/dev/vd" + letter++;
            var volumeId = volume.Uuid!;
            var deleteOnTermination = volume.DeleteOnTermination;
            if (volume.Source == "image")
            {
                var made = region.Volume.CreateBootVolume(caller.ProjectId, volume.Uuid!, volume.Size ?? Math.Max(1, server.Flavor.Disk), null);
                volumeId = made.Id;
            }

            region.Volume.Attach(caller.ProjectId, volumeId, server.Id, device, server.Host!);
            server.Volumes.Add(new ServerVolume { AttachmentId = RegionContext.NewId(), VolumeId = volumeId, Device = device, DeleteOnTermination = deleteOnTermination, BootIndex = volume.BootIndex, Tag = volume.Tag });
        }
    }

    private static List<RequestedNetwork> ParseNetworks(HttpContext context, JsonObject spec)
    {
        var node = spec["networks"];
        if (node is null)
        {
            if (AtLeast(context, 37))
            {
                throw OpenStackFault.BadRequest($"Invalid input for field/attribute server. Value: {spec.ToJsonString()}. 'networks' is a required property");
            }

            return [];
        }

        if (node is JsonValue value && value.TryGetValue<string>(out var text))
        {
            // "auto" would allocate a network; this region offers none to auto-allocate, so it is "none".
            return text is "none" or "auto" && AtLeast(context, 37)
                ? []
                : throw OpenStackFault.BadRequest($"Invalid input for field/attribute networks. Value: {text}. '{text}' is not of type 'array'");
        }

        if (node is not JsonArray array)
        {
            throw OpenStackFault.BadRequest($"Invalid input for field/attribute networks. Value: {node.ToJsonString()}. {node.ToJsonString()} is not of type 'array'");
        }

        var result = new List<RequestedNetwork>();
        foreach (var item in array)
        {
            if (item is not JsonObject entry)
            {
                throw OpenStackFault.BadRequest($"Invalid input for field/attribute networks. Value: {array.ToJsonString()}. {item?.ToJsonString()} is not of type 'object'");
            }

            NoExtraKeys(entry, "networks", "uuid", "port", "fixed_ip", "tag");
            var uuid = OptString(entry, "uuid");
            var port = OptString(entry, "port");
            var fixedIp = OptString(entry, "fixed_ip");
            if (port is not null)
            {
                result.Add(new RequestedNetwork(null, port, null, OptString(entry, "tag")));
                continue;
            }

            if (uuid is null)
            {
                throw OpenStackFault.BadRequest("Bad network format: missing 'uuid'");
            }

            if (!Guid.TryParse(uuid, out _))
            {
                throw OpenStackFault.BadRequest($"Bad networks format: network uuid is not in proper format ({uuid})");
            }

            if (fixedIp is not null && !System.Net.IPAddress.TryParse(fixedIp, out _))
            {
                throw OpenStackFault.BadRequest($"Invalid input for field/attribute fixed_ip. Value: {fixedIp}. '{fixedIp}' is not a 'ipv4'");
            }

            result.Add(new RequestedNetwork(uuid, null, fixedIp, OptString(entry, "tag")));
        }

        return result;
    }

    private static List<RequestedVolume> ParseBlockDevices(JsonObject spec)
    {
        var result = new List<RequestedVolume>();
        if (spec["block_device_mapping_v2"] is null)
        {
            return result;
        }

        if (spec["block_device_mapping_v2"] is not JsonArray array)
        {
            throw OpenStackFault.BadRequest("Invalid input for field/attribute block_device_mapping_v2. Value is not of type 'array'");
        }

        foreach (var item in array)
        {
            if (item is not JsonObject bdm)
            {
                throw OpenStackFault.BadRequest("Invalid input for field/attribute block_device_mapping_v2. An item is not of type 'object'");
            }

            var source = OptString(bdm, "source_type") ?? "blank";
            var destination = OptString(bdm, "destination_type") ?? "local";
            if (source is not ("image" or "volume" or "snapshot" or "blank"))
            {
                throw OpenStackFault.BadRequest($"Invalid input for field/attribute source_type. Value: {source}. '{source}' is not one of ['volume', 'image', 'snapshot', 'blank']");
            }

            if (destination is not ("local" or "volume"))
            {
                throw OpenStackFault.BadRequest($"Invalid input for field/attribute destination_type. Value: {destination}. '{destination}' is not one of ['local', 'volume']");
            }

            int? bootIndex = bdm["boot_index"] is null ? null : OptInt(bdm, "boot_index", -1);
            if (bootIndex < 0)
            {
                bootIndex = null;
            }

            var uuid = OptString(bdm, "uuid");
            if (source is "image" or "volume" or "snapshot" && uuid is null)
            {
                throw OpenStackFault.BadRequest("Block Device Mapping is Invalid: Missing device UUID.");
            }

            if (source == "volume" && destination == "local")
            {
                throw OpenStackFault.BadRequest("Block Device Mapping is Invalid: Mapping image to local is not supported.");
            }

            var device = OptString(bdm, "device_name");
            if (device is not null && !device.StartsWith("/dev/", StringComparison.Ordinal))
            {
                device = "/dev/" + device;
            }

            result.Add(new RequestedVolume(source, destination, uuid, bootIndex, OptInt(bdm, "volume_size", 1), OptBool(bdm, "delete_on_termination") ?? false, device, OptString(bdm, "tag")));
        }

        if (result.Count(v => v.BootIndex == 0) > 1)
        {
            throw OpenStackFault.BadRequest("Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping combination is not valid.");
        }

        return result;
    }

    // ---- metadata and ips ----

    private async Task ListMetadataAsync(HttpContext context)
    {
        var server = FindServer(context);
        JsonObject metadata;
        lock (State.Sync)
        {
            metadata = NovaState.ToJson(server.Metadata);
        }

        await Ok(context, new JsonObject { ["metadata"] = metadata });
    }

    /// <summary>Nova changes a server's metadata only in these vm_states (not while building).</summary>
    private static readonly string[] MetadataStates = ["active", "paused", "suspended", "stopped"];

    private async Task SetMetadataAsync(HttpContext context, bool replace)
    {
        var server = FindServer(context);
        var body = await RegionHttp.ReadObjectAsync(context);
        if (body["metadata"] is null)
        {
            throw OpenStackFault.BadRequest($"Invalid input for field/attribute metadata. Value: {body.ToJsonString()}. 'metadata' is a required property");
        }

        var items = StringMap(body, "metadata");
        JsonObject result;
        lock (State.Sync)
        {
            CheckLocked(context, server);
            RequireState(server, "update metadata", MetadataStates);
            if ((replace ? items.Count : server.Metadata.Keys.Union(items.Keys).Count()) > NovaLimits.MetadataItems)
            {
                throw OpenStackFault.Forbidden("Quota exceeded for metadata_items: too many metadata items");
            }

            if (replace)
            {
                server.Metadata.Clear();
            }

            foreach (var (key, value) in items)
            {
                server.Metadata[key] = value;
            }

            server.UpdatedAt = region.Time.GetUtcNow();
            result = NovaState.ToJson(server.Metadata);
        }

        await Ok(context, new JsonObject { ["metadata"] = result });
    }

    private async Task ShowMetadataItemAsync(HttpContext context)
    {
        var server = FindServer(context);
        var key = Param(context, "key");
        string value;
        lock (State.Sync)
        {
            value = server.Metadata.TryGetValue(key, out var v) ? v : throw OpenStackFault.NotFound("Metadata item was not found");
        }

        await Ok(context, new JsonObject { ["meta"] = new JsonObject { [key] = value } });
    }

    private async Task SetMetadataItemAsync(HttpContext context)
    {
        var server = FindServer(context);
        var key = Param(context, "key");
        var body = await RegionHttp.ReadObjectAsync(context);
        var meta = StringMap(body, "meta");
        if (body["meta"] is null)
        {
            throw OpenStackFault.BadRequest($"Invalid input for field/attribute meta. Value: {body.ToJsonString()}. 'meta' is a required property");
        }

        if (meta.Count > 1)
        {
            throw OpenStackFault.BadRequest("Request body contains too many items");
        }

        if (!meta.TryGetValue(key, out var value))
        {
            throw OpenStackFault.BadRequest("Request body and URI mismatch");
        }

        lock (State.Sync)
        {
            CheckLocked(context, server);
            RequireState(server, "update metadata", MetadataStates);
            server.Metadata[key] = value;
            server.UpdatedAt = region.Time.GetUtcNow();
        }

        await Ok(context, new JsonObject { ["meta"] = new JsonObject { [key] = value } });
    }

    private Task DeleteMetadataItemAsync(HttpContext context)
    {
        var server = FindServer(context);
        lock (State.Sync)
        {
            CheckLocked(context, server);
            RequireState(server, "delete metadata", MetadataStates);
            if (!server.Metadata.Remove(Param(context, "key")))
            {
                throw OpenStackFault.NotFound("Metadata item was not found");
            }

            server.UpdatedAt = region.Time.GetUtcNow();
        }

        return NoContent(context, 204);
    }

    private async Task IpsAsync(HttpContext context, string? network)
    {
        var server = FindServer(context);
        var ports = FetchPorts([server]);
        JsonObject addresses;
        lock (State.Sync)
        {
            addresses = Addresses(server, ports, extended: false);
        }

        if (network is null)
        {
            await Ok(context, new JsonObject { ["addresses"] = addresses });
            return;
        }

        var list = addresses[network] ?? throw OpenStackFault.NotFound("Instance is not a member of specified network");
        await Ok(context, new JsonObject { [network] = list.DeepClone() });
    }
}
