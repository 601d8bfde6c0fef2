using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Tricircle.Emulator.Regions.Compute;

/// <summary>
/// An operator's views of the region's Nova, as Zed answers them: <c>os-services</c> (list,
/// enable/disable/force-down by host and binary before 2.53, by uuid from 2.53, delete),
/// <c>os-hypervisors</c> (list, detail, show, statistics until 2.87) and
/// <c>os-simple-tenant-usage</c> (paged by instance from 2.40).
/// </summary>
internal sealed partial class NovaApi
{
    private const int UuidForIdMinor = 53;

    private void MapOperator(IEndpointRouteBuilder app)
    {
        Route(app, "GET", "/os-services", ServicesAsync);
        Route(app, "PUT", "/os-services/{id}", UpdateServiceAsync);
        Route(app, "DELETE", "/os-services/{id}", DeleteServiceAsync);
        Route(app, "GET", "/os-hypervisors", c => HypervisorsAsync(c, detail: false));
        Route(app, "GET", "/os-hypervisors/detail", c => HypervisorsAsync(c, detail: true));
        Route(app, "GET", "/os-hypervisors/statistics", HypervisorStatisticsAsync);
        Route(app, "GET", "/os-hypervisors/{id}", ShowHypervisorAsync);
        Route(app, "GET", "/os-hypervisors/{id}/uptime", HypervisorUptimeAsync);
        Route(app, "GET", "/os-simple-tenant-usage", c => UsageAsync(c, tenant: null));
        Route(app, "GET", "/os-simple-tenant-usage/{tenant}", c => UsageAsync(c, Param(c, "tenant")));
    }

    // ---- services ----

    private static JsonObject ServiceJson(HttpContext context, NovaService service, bool forcedDown)
    {
        var json = new JsonObject
        {
            ["id"] = AtLeast(context, UuidForIdMinor) ? service.Uuid : service.Id,
            ["binary"] = service.Binary,
            ["disabled_reason"] = service.DisabledReason,
            ["host"] = service.Host,
            ["state"] = service.ForcedDown ? "down" : "up",
            ["status"] = service.Disabled ? "disabled" : "enabled",
            ["updated_at"] = DbTime(service.UpdatedAt),
            ["zone"] = service.Zone,
        };
        if (forcedDown)
        {
            json["forced_down"] = service.ForcedDown;
        }

        return json;
    }

    private async Task ServicesAsync(HttpContext context)
    {
        RequireAdmin(context, "os-services:list");
        var binary = Query(context, "binary");
        var host = Query(context, "host");
        JsonArray services;
        lock (State.Sync)
        {
            services = [.. State.Services
                .Where(s => string.IsNullOrEmpty(binary) || s.Binary == binary)
                .Where(s => string.IsNullOrEmpty(host) || s.Host == host)
                .Select(s => (JsonNode)ServiceJson(context, s, AtLeast(context, 11)))];
        }

        await Ok(context, new JsonObject { ["services"] = services });
    }

    private async Task UpdateServiceAsync(HttpContext context)
    {
        var id = Param(context, "id");
        var body = await RegionHttp.ReadObjectAsync(context);
        if (AtLeast(context, UuidForIdMinor))
        {
            await UpdateServiceByUuidAsync(context, id, body);
            return;
        }

        NoExtraKeys(body, "service", AtLeast(context, 11) ? ["host", "binary", "disabled_reason", "forced_down"] : ["host", "binary", "disabled_reason"]);
        var host = ReqString(body, "host", "service");
        var binary = ReqString(body, "binary", "service");
        var reason = OptString(body, "disabled_reason", allowEmpty: false);
        RequireAdmin(context, "os-services:update");
        var result = new JsonObject { ["host"] = host, ["binary"] = binary };
        Action<NovaService> change;
        switch (id)
        {
            case "enable":
                result["status"] = "enabled";
                change = s => (s.Disabled, s.DisabledReason) = (false, null);
                break;
            case "disable":
                result["status"] = "disabled";
                change = s => (s.Disabled, s.DisabledReason) = (true, null);
                break;
            case "disable-log-reason":
                if (reason is null)
                {
                    throw OpenStackFault.BadRequest("Missing disabled reason field");
                }

                result["status"] = "disabled";
                result["disabled_reason"] = reason;
                change = s => (s.Disabled, s.DisabledReason) = (true, reason);
                break;
            case "force-down" when AtLeast(context, 11):
                if (body["forced_down"] is not JsonValue forced || !forced.TryGetValue<bool>(out var down))
                {
                    throw OpenStackFault.BadRequest("Missing forced_down field");
                }

                result["forced_down"] = down;
                change = s => s.ForcedDown = down;
                break;
            default:
                throw OpenStackFault.NotFound("Unknown action");
        }

        if (binary != "nova-compute")
        {
            throw OpenStackFault.BadRequest($"Updating a {binary} service is not supported. Only nova-compute services can be updated.");
        }

        lock (State.Sync)
        {
            var service = State.Services.FirstOrDefault(s => s.Host == host && s.Binary == binary)
                ?? throw OpenStackFault.NotFound($"Could not find binary {binary} on host {host}.");
            change(service);
            service.UpdatedAt = region.Time.GetUtcNow();
        }

        await Ok(context, new JsonObject { ["service"] = result });
    }

    private async Task UpdateServiceByUuidAsync(HttpContext context, string id, JsonObject body)
    {
        NoExtraKeys(body, "service", "status", "disabled_reason", "forced_down");
        var status = OptString(body, "status");
        if (status is not (null or "enabled" or "disabled"))
        {
            throw OpenStackFault.BadRequest($"Invalid input for field/attribute status. Value: {status}. '{status}' is not one of ['enabled', 'disabled']");
        }

        var reason = OptString(body, "disabled_reason", allowEmpty: false);
        bool? forcedDown = null;
        if (body.ContainsKey("forced_down"))
        {
            forcedDown = body["forced_down"] is JsonValue v && v.TryGetValue<bool>(out var b)
                ? b
                : throw OpenStackFault.BadRequest($"Invalid input for field/attribute forced_down. Value: {body["forced_down"]?.ToJsonString() ?? "None"}. {body["forced_down"]?.ToJsonString() ?? "None"} is not of type 'boolean', 'string'");
        }

        if (!Guid.TryParse(id, out _))
        {
            throw OpenStackFault.BadRequest($"Invalid uuid {id}");
        }

        RequireAdmin(context, "os-services:update");
        JsonObject json;
        lock (State.Sync)
        {
            var service = State.Services.FirstOrDefault(s => s.Uuid == id) ?? throw OpenStackFault.NotFound($"Service {id} could not be found.");
            if (service.Binary != "nova-compute")
            {
                throw OpenStackFault.BadRequest($"Updating a {service.Binary} service is not supported. Only nova-compute services can be updated.");
            }

            if (status is null && forcedDown is null)
            {
                throw OpenStackFault.BadRequest("No updates were requested. Fields 'status' or 'forced_down' should be specified.");
            }

            if (status == "enabled")
            {
                if (reason is not null)
                {
                    throw OpenStackFault.BadRequest("Specifying 'disabled_reason' with status 'enabled' is invalid.");
                }

                (service.Disabled, service.DisabledReason) = (false, null);
            }
            else if (status == "disabled")
            {
                (service.Disabled, service.DisabledReason) = (true, reason);
            }

            if (forcedDown is { } down)
            {
                service.ForcedDown = down;
            }

            service.UpdatedAt = region.Time.GetUtcNow();
            json = ServiceJson(context, service, forcedDown: true);
        }

        await Ok(context, new JsonObject { ["service"] = json });
    }

    private Task DeleteServiceAsync(HttpContext context)
    {
        RequireAdmin(context, "os-services:delete");
        var id = Param(context, "id");
        var byUuid = AtLeast(context, UuidForIdMinor);
        if (byUuid && !Guid.TryParse(id, out _))
        {
            throw OpenStackFault.BadRequest($"Invalid uuid {id}");
        }

        if (!byUuid && !int.TryParse(id, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            throw OpenStackFault.BadRequest("Invalid input received: id must be an integer");
        }

        lock (State.Sync)
        {
            var service = State.Services.FirstOrDefault(s => byUuid ? s.Uuid == id : s.Id.ToString(CultureInfo.InvariantCulture) == id)
                ?? throw OpenStackFault.NotFound($"Service {id} not found.");
            if (service.Binary == "nova-compute")
            {
                if (State.Servers.Any(s => s.Host == service.Host))
                {
                    throw OpenStackFault.Conflict("Unable to delete compute service that is hosting instances. Migrate or delete the instances first.");
                }

                // As Nova: the host leaves its aggregates, and its compute node (the hypervisor) goes.
                State.Aggregates.ForEach(a => a.Hosts.Remove(service.Host));
            }

            State.Services.Remove(service);
        }

        return NoContent(context, 204);
    }

    // ---- hypervisors ----

    /// <summary>The region's compute nodes (one per compute host, in the hosts' order), while their nova-compute services exist.</summary>
    private List<NovaService> ComputeServicesLocked() =>
        [.. region.ComputeHosts.Select(h => State.Services.FirstOrDefault(s => s.Binary == "nova-compute" && s.Host == h)).OfType<NovaService>()];

    /// <summary>A node's id: its host's position (1, 2, ...) before 2.53, a stable UUID from then (the first host's as when a region had one).</summary>
    private string HypervisorId(NovaService service, bool uuids) =>
        !uuids ? (region.ComputeHosts.ToList().IndexOf(service.Host) + 1).ToString(CultureInfo.InvariantCulture)
        : NovaState.StableUuid(region.Options.Name + (service.Host == region.ComputeHost ? "/hypervisor" : "/hypervisor/" + service.Host));

    private NovaService? HypervisorLocked(string id, bool uuids) => ComputeServicesLocked().FirstOrDefault(s => HypervisorId(s, uuids) == id);

    private JsonObject HypervisorJson(HttpContext context, NovaService service, bool detail, bool? withServers)
    {
        var uuids = AtLeast(context, UuidForIdMinor);
        var servers = State.Servers.Where(s => s.Host == service.Host).ToList();
        var json = new JsonObject
        {
            ["id"] = uuids ? HypervisorId(service, true) : int.Parse(HypervisorId(service, false), CultureInfo.InvariantCulture),
            ["hypervisor_hostname"] = service.Host,
            ["state"] = service.ForcedDown ? "down" : "up",
            ["status"] = service.Disabled ? "disabled" : "enabled",
        };
        if (detail)
        {
            json["hypervisor_type"] = "QEMU";
            json["hypervisor_version"] = 4002000;
            json["host_ip"] = "127.0.0.1";
            json["service"] = new JsonObject { ["id"] = uuids ? service.Uuid : service.Id, ["host"] = service.Host, ["disabled_reason"] = service.DisabledReason };
            if (!AtLeast(context, 88))
            {
                var (vcpus, ram, disk) = (servers.Sum(s => s.Flavor.Vcpus), servers.Sum(s => s.Flavor.Ram), servers.Sum(s => s.Flavor.Disk));
                json["vcpus"] = 64;
                json["memory_mb"] = 262144;
                json["local_gb"] = 2000;
                json["vcpus_used"] = vcpus;
                json["memory_mb_used"] = 512 + ram;
                json["local_gb_used"] = disk;
                json["free_ram_mb"] = 262144 - 512 - ram;
                json["free_disk_gb"] = 2000 - disk;
                json["current_workload"] = 0;
                json["running_vms"] = servers.Count;
                json["disk_available_least"] = 2000 - disk;
                const string cpuInfo = "{\"arch\": \"x86_64\", \"model\": \"qemu64\", \"vendor\": \"Intel\"}";
                json["cpu_info"] = AtLeast(context, 28) ? JsonNode.Parse(cpuInfo) : cpuInfo;
            }
            else
            {
                json["uptime"] = Uptime;
            }
        }

        if (servers.Count > 0 && withServers == true)
        {
            json["servers"] = new JsonArray([.. servers.Select(s => (JsonNode)new JsonObject { ["name"] = s.Name, ["uuid"] = s.Id })]);
        }
        else if (withServers == true && AtLeast(context, 75))
        {
            json["servers"] = new JsonArray();
        }

        return json;
    }

    private static bool? WithServers(HttpContext context)
    {
        if (!AtLeast(context, UuidForIdMinor) || Query(context, "with_servers") is not { } text)
        {
            return null;
        }

        return text.ToLowerInvariant() switch
        {
            "1" or "t" or "true" or "on" or "y" or "yes" => true,
            "0" or "f" or "false" or "off" or "n" or "no" => false,
            _ => throw OpenStackFault.BadRequest($"Invalid input for query parameters with_servers. Value: {text}. '{text}' is not one of ['True', 'true', '1', 'on', 'yes', 'False', 'false', '0', 'off', 'no']"),
        };
    }

    private async Task HypervisorsAsync(HttpContext context, bool detail)
    {
        RequireAdmin(context, detail ? "os-hypervisors:list-detail" : "os-hypervisors:list");
        var withServers = WithServers(context);
        var pattern = AtLeast(context, UuidForIdMinor) ? Query(context, "hypervisor_hostname_pattern") : null;
        var paged = AtLeast(context, 33);
        var limit = paged ? QueryLimit(context) : null;
        var marker = paged ? Query(context, "marker") : null;
        if (pattern is not null && (context.Request.Query.ContainsKey("limit") || marker is not null))
        {
            throw OpenStackFault.BadRequest("Paging over hypervisors with the hypervisor_hostname_pattern query parameter is not supported.");
        }

        Refresh();
        var list = new JsonArray();
        lock (State.Sync)
        {
            var uuids = AtLeast(context, UuidForIdMinor);
            var nodes = ComputeServicesLocked();
            if (marker is not null)
            {
                var at = nodes.FindIndex(n => HypervisorId(n, uuids) == marker);
                nodes = at < 0 ? throw OpenStackFault.BadRequest($"marker [{marker}] not found") : nodes[(at + 1)..];
            }

            if (pattern is not null)
            {
                nodes = [.. nodes.Where(n => n.Host.Contains(pattern, StringComparison.OrdinalIgnoreCase))];
                if (nodes.Count == 0)
                {
                    throw OpenStackFault.NotFound($"No hypervisor matching '{pattern}' could be found.");
                }
            }

            foreach (var service in nodes.Take(limit ?? int.MaxValue))
            {
                list.Add(HypervisorJson(context, service, detail, withServers));
            }
        }

        await Ok(context, new JsonObject { ["hypervisors"] = list });
    }

    private async Task ShowHypervisorAsync(HttpContext context)
    {
        var id = Param(context, "id");
        var withServers = WithServers(context);
        var uuids = AtLeast(context, UuidForIdMinor);
        if (uuids && !Guid.TryParse(id, out _))
        {
            throw OpenStackFault.BadRequest($"Invalid uuid {id}");
        }

        RequireAdmin(context, "os-hypervisors:show");
        Refresh();
        JsonObject json;
        lock (State.Sync)
        {
            var service = HypervisorLocked(id, uuids) ?? throw OpenStackFault.NotFound($"Hypervisor with ID '{id}' could not be found.");
            json = HypervisorJson(context, service, detail: true, withServers);
        }

        await Ok(context, new JsonObject { ["hypervisor"] = json });
    }

    private const string Uptime = " 10:00:00 up 1 day,  2:03,  1 user,  load average: 0.00, 0.00, 0.00";

    private async Task HypervisorUptimeAsync(HttpContext context)
    {
        if (AtLeast(context, 88))
        {
            throw OpenStackFault.NotFound("The resource could not be found.");
        }

        var id = Param(context, "id");
        var uuids = AtLeast(context, UuidForIdMinor);
        if (uuids && !Guid.TryParse(id, out _))
        {
            throw OpenStackFault.BadRequest($"Invalid uuid {id}");
        }

        RequireAdmin(context, "os-hypervisors:uptime");
        JsonObject json;
        lock (State.Sync)
        {
            var service = HypervisorLocked(id, uuids) ?? throw OpenStackFault.NotFound($"Hypervisor with ID '{id}' could not be found.");
            json = HypervisorJson(context, service, detail: false, withServers: null);
            json["uptime"] = Uptime;
        }

        await Ok(context, new JsonObject { ["hypervisor"] = json });
    }

    private async Task HypervisorStatisticsAsync(HttpContext context)
    {
        if (AtLeast(context, 88))
        {
            throw OpenStackFault.NotFound("The resource could not be found.");
        }

        RequireAdmin(context, "os-hypervisors:statistics");
        Refresh();
        var stats = new JsonObject { ["count"] = 0 };
        foreach (var key in (string[])["vcpus", "memory_mb", "local_gb", "vcpus_used", "memory_mb_used", "local_gb_used", "free_ram_mb", "free_disk_gb", "current_workload", "running_vms", "disk_available_least"])
        {
            stats[key] = 0;
        }

        lock (State.Sync)
        {
            foreach (var service in ComputeServicesLocked())
            {
                var node = HypervisorJson(context, service, detail: true, withServers: null);
                foreach (var key in stats.Select(p => p.Key).Where(k => k != "count").ToList())
                {
                    stats[key] = stats[key]!.GetValue<int>() + node[key]!.GetValue<int>();
                }

                stats["count"] = stats["count"]!.GetValue<int>() + 1;
            }
        }

        await Ok(context, new JsonObject { ["hypervisor_statistics"] = stats });
    }

    // ---- usage ----

    private static DateTimeOffset UsageTime(string? text, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(text))
        {
            return now;
        }

        string[] formats = ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFF", "yyyy-MM-dd HH:mm:ss.FFFFFF"];
        return DateTimeOffset.TryParseExact(text, formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? at
            : throw OpenStackFault.BadRequest("Invalid datetime string: Datetime is in invalid format");
    }

    private async Task UsageAsync(HttpContext context, string? tenant)
    {
        var caller = context.Caller();
        if (tenant is null ? !caller.IsAdmin : !caller.IsAdmin && tenant != caller.ProjectId)
        {
            throw OpenStackFault.Forbidden($"Policy doesn't allow os_compute_api:os-simple-tenant-usage:{(tenant is null ? "list" : "show")} to be performed.");
        }

        Refresh();
        var now = region.Time.GetUtcNow();
        var start = UsageTime(Query(context, "start"), now);
        var stop = UsageTime(Query(context, "end"), now);

        // Nova reads the clock once for each missing bound: two missing bounds are an empty period, not a bad one.
        if (start > stop || (start == stop && (Query(context, "start") is { Length: > 0 } || Query(context, "end") is { Length: > 0 })))
        {
            throw OpenStackFault.BadRequest("Invalid start time. The start time cannot occur after the end time.");
        }

        stop = stop > now ? now : stop;
        var detailed = tenant is not null || Query(context, "detailed") == "1";
        var paged = AtLeast(context, 40);
        var limit = (paged ? QueryLimit(context) : null) ?? 1000;
        var marker = paged ? Query(context, "marker") : null;
        List<(Server Server, DateTimeOffset? TerminatedAt)> instances;
        lock (State.Sync)
        {
            instances = [.. State.Servers.Select(s => (s, (DateTimeOffset?)null)).Concat(State.Terminated.Select(t => (t.Server, (DateTimeOffset?)t.TerminatedAt)))];
        }

        // Nova's window (terminated after the start, launched before the end), in (project, uuid) order.
        var active = instances
            .Where(i => (i.TerminatedAt is null || i.TerminatedAt > start) && i.Server.LaunchedAt < stop && (tenant is null || i.Server.ProjectId == tenant))
            .OrderBy(i => i.Server.ProjectId, StringComparer.Ordinal).ThenBy(i => i.Server.Id, StringComparer.Ordinal)
            .ToList();
        if (marker is not null)
        {
            var at = instances.FindIndex(i => i.Server.Id == marker);
            if (at < 0)
            {
                throw OpenStackFault.BadRequest($"Marker {marker} could not be found.");
            }

            var markerKey = (instances[at].Server.ProjectId, instances[at].Server.Id);
            active = [.. active.Where(i => string.CompareOrdinal(i.Server.ProjectId, markerKey.ProjectId) > 0 || (i.Server.ProjectId == markerKey.ProjectId && string.CompareOrdinal(i.Server.Id, markerKey.Id) > 0))];
        }

        var page = active.Take(limit).ToList();
        var tenants = new List<JsonObject>();
        foreach (var group in page.GroupBy(i => i.Server.ProjectId))
        {
            var usages = new JsonArray();
            double gb = 0, vcpus = 0, mb = 0, hours = 0;
            foreach (var (server, terminated) in group)
            {
                var launched = server.LaunchedAt!.Value;
                var from = launched > start ? launched : start;
                var to = terminated is { } t && t < stop ? t : stop;
                var h = Math.Max(0, (to - from).TotalHours);
                var localGb = server.Flavor.Disk + server.Flavor.Ephemeral;
                (gb, vcpus, mb, hours) = (gb + (localGb * h), vcpus + (server.Flavor.Vcpus * h), mb + (server.Flavor.Ram * h), hours + h);
                usages.Add(new JsonObject
                {
                    ["ended_at"] = terminated is { } end ? DbTime(end) : null,
                    ["flavor"] = server.Flavor.Name,
                    ["hours"] = h,
                    ["instance_id"] = server.Id,
                    ["local_gb"] = localGb,
                    ["memory_mb"] = server.Flavor.Ram,
                    ["name"] = server.Name,
                    ["started_at"] = DbTime(launched),
                    ["state"] = terminated is null ? server.VmState : "terminated",
                    ["tenant_id"] = server.ProjectId,
                    ["uptime"] = (int)((terminated ?? now) - launched).TotalSeconds,
                    ["vcpus"] = server.Flavor.Vcpus,
                });
            }

            var summary = new JsonObject
            {
                ["start"] = DbTime(start),
                ["stop"] = DbTime(stop),
                ["tenant_id"] = group.Key,
                ["total_hours"] = hours,
                ["total_local_gb_usage"] = gb,
                ["total_memory_mb_usage"] = mb,
                ["total_vcpus_usage"] = vcpus,
            };
            if (detailed)
            {
                summary["server_usages"] = usages;
            }

            tenants.Add(summary);
        }

        var path = tenant is null ? "os-simple-tenant-usage" : "os-simple-tenant-usage/" + tenant;
        var links = paged && page.Count == limit && page.Count > 0 ? NextLinks(context, path, limit, page[^1].Server.Id) : null;
        var body = tenant is null
            ? new JsonObject { ["tenant_usages"] = new JsonArray([.. tenants]) }
            : new JsonObject { ["tenant_usage"] = tenants.FirstOrDefault() ?? new JsonObject() };
        if (links is not null)
        {
            body[tenant is null ? "tenant_usages_links" : "tenant_usage_links"] = links;
        }

        await Ok(context, body);
    }
}
