using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Tricircle.Emulator.Regions.Compute;

/// <summary>Availability zones, aggregates, services, hypervisors, limits and quota sets.</summary>
internal sealed partial class NovaApi
{
    private const string ControllerHost = "controller";

    private void MapMisc(IEndpointRouteBuilder app)
    {
        Route(app, "GET", "/os-availability-zone", c => AvailabilityZonesAsync(c, detail: false));
        Route(app, "GET", "/os-availability-zone/detail", c => AvailabilityZonesAsync(c, detail: true));
        Route(app, "GET", "/os-aggregates", ListAggregatesAsync);
        Route(app, "POST", "/os-aggregates", CreateAggregateAsync);
        Route(app, "GET", "/os-aggregates/{id}", ShowAggregateAsync);
        Route(app, "PUT", "/os-aggregates/{id}", UpdateAggregateAsync);
        Route(app, "DELETE", "/os-aggregates/{id}", DeleteAggregateAsync);
        Route(app, "POST", "/os-aggregates/{id}/action", AggregateActionAsync);
        MapOperator(app);
        Route(app, "GET", "/limits", LimitsAsync);
        Route(app, "GET", "/os-quota-sets/{project}", c => QuotaSetAsync(c, defaults: false));
        Route(app, "GET", "/os-quota-sets/{project}/defaults", c => QuotaSetAsync(c, defaults: true));
        Route(app, "GET", "/os-quota-sets/{project}/detail", QuotaDetailAsync);
        Route(app, "PUT", "/os-quota-sets/{project}", UpdateQuotaSetAsync);
        Route(app, "DELETE", "/os-quota-sets/{project}", DeleteQuotaSetAsync);
        Route(app, "GET", "/os-quota-class-sets/{id}", ShowQuotaClassAsync);
        Route(app, "PUT", "/os-quota-class-sets/{id}", UpdateQuotaClassAsync);
    }

    private static JsonObject ServiceState(DateTimeOffset now) => new()
    {
        ["available"] = true,
        ["active"] = true,
        ["updated_at"] = DbTime(now),
    };

    private async Task AvailabilityZonesAsync(HttpContext context, bool detail)
    {
        var zone = region.Options.AvailabilityZone;
        if (!detail)
        {
            await Ok(context, new JsonObject
            {
                ["availabilityZoneInfo"] = new JsonArray(new JsonObject { ["zoneName"] = zone, ["zoneState"] = new JsonObject { ["available"] = true }, ["hosts"] = null }),
            });
            return;
        }

        RequireAdmin(context, "os-availability-zone:detail");
        var now = region.Time.GetUtcNow();
        await Ok(context, new JsonObject
        {
            ["availabilityZoneInfo"] = new JsonArray(
                new JsonObject
                {
                    ["zoneName"] = "internal",
                    ["zoneState"] = new JsonObject { ["available"] = true },
                    ["hosts"] = new JsonObject
                    {
                        [ControllerHost] = new JsonObject { ["nova-conductor"] = ServiceState(now), ["nova-scheduler"] = ServiceState(now) },
                    },
                },
                new JsonObject
                {
                    ["zoneName"] = zone,
                    ["zoneState"] = new JsonObject { ["available"] = true },
                    ["hosts"] = new JsonObject([.. region.ComputeHosts.Select(h => KeyValuePair.Create(h, (JsonNode?)new JsonObject { ["nova-compute"] = ServiceState(now) }))]),
                }),
        });
    }

    // ---- aggregates ----

    private static JsonObject AggregateJson(HttpContext context, Aggregate aggregate)
    {
        var json = new JsonObject
        {
            ["availability_zone"] = aggregate.AvailabilityZone,
            ["created_at"] = DbTime(aggregate.CreatedAt),
            ["deleted"] = false,
            ["deleted_at"] = null,
            ["hosts"] = new JsonArray([.. aggregate.Hosts.Select(h => (JsonNode)h)]),
            ["id"] = aggregate.Id,
            ["metadata"] = NovaState.ToJson(aggregate.Metadata),
            ["name"] = aggregate.Name,
            ["updated_at"] = aggregate.UpdatedAt is { } updated ? DbTime(updated) : null,
        };
        if (AtLeast(context, 41))
        {
            json["uuid"] = aggregate.Uuid;
        }

        return json;
    }

    private Aggregate FindAggregateLocked(HttpContext context)
    {
        var id = Param(context, "id");
        return State.Aggregates.FirstOrDefault(a => a.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) == id || (AtLeast(context, 41) && a.Uuid == id))
            ?? throw OpenStackFault.NotFound($"Aggregate {id} could not be found.");
    }

    private async Task ListAggregatesAsync(HttpContext context)
    {
        RequireAdmin(context, "os-aggregates:index");
        JsonArray list;
        lock (State.Sync)
        {
            list = [.. State.Aggregates.Select(a => (JsonNode)AggregateJson(context, a))];
        }

        await Ok(context, new JsonObject { ["aggregates"] = list });
    }

    private async Task ShowAggregateAsync(HttpContext context)
    {
        RequireAdmin(context, "os-aggregates:show");
        JsonObject json;
        lock (State.Sync)
        {
            json = AggregateJson(context, FindAggregateLocked(context));
        }

        await Ok(context, new JsonObject { ["aggregate"] = json });
    }

    private static string? ValidZone(JsonObject body)
    {
        var zone = OptString(body, "availability_zone", 255);
        if (zone is { Length: 0 })
        {
            throw OpenStackFault.BadRequest("Invalid input for field/attribute availability_zone. Value: . '' is too short");
        }

        return zone;
    }

    private async Task CreateAggregateAsync(HttpContext context)
    {
        RequireAdmin(context, "os-aggregates:create");
        var body = await Body(context, "aggregate");
        NoExtraKeys(body, "aggregate", "name", "availability_zone");
        var name = ReqString(body, "name", "aggregate");
        var zone = ValidZone(body);
        Aggregate aggregate;
        lock (State.Sync)
        {
            if (State.Aggregates.Any(a => a.Name == name))
            {
                throw OpenStackFault.Conflict($"Aggregate {name} already exists.");
            }

            aggregate = new Aggregate { Id = State.NextAggregateId++, Uuid = RegionContext.NewId(), Name = name, AvailabilityZone = zone, CreatedAt = region.Time.GetUtcNow() };
            if (zone is not null)
            {
                aggregate.Metadata["availability_zone"] = zone;
            }

            State.Aggregates.Add(aggregate);
        }

        var json = AggregateJson(context, aggregate);
        json.Remove("hosts");
        json.Remove("metadata");
        await Ok(context, new JsonObject { ["aggregate"] = json });
    }

    private async Task UpdateAggregateAsync(HttpContext context)
    {
        RequireAdmin(context, "os-aggregates:update");
        var body = await Body(context, "aggregate");
        NoExtraKeys(body, "aggregate", "name", "availability_zone");
        if (body.Count == 0)
        {
            throw OpenStackFault.BadRequest("Invalid input for field/attribute aggregate. Value: {}. {} does not have enough properties");
        }

        var name = body.ContainsKey("name") ? ReqString(body, "name", "aggregate") : null;
        var zone = ValidZone(body);
        JsonObject json;
        lock (State.Sync)
        {
            var aggregate = FindAggregateLocked(context);
            if (name is not null && State.Aggregates.Any(a => a.Name == name && a != aggregate))
            {
                throw OpenStackFault.Conflict($"Aggregate {name} already exists.");
            }

            aggregate.Name = name ?? aggregate.Name;
            if (zone is not null)
            {
                aggregate.AvailabilityZone = zone;
                aggregate.Metadata["availability_zone"] = zone;
            }

            aggregate.UpdatedAt = region.Time.GetUtcNow();
            json = AggregateJson(context, aggregate);
        }

        await Ok(context, new JsonObject { ["aggregate"] = json });
    }

    private Task DeleteAggregateAsync(HttpContext context)
    {
        RequireAdmin(context, "os-aggregates:delete");
        lock (State.Sync)
        {
            var aggregate = FindAggregateLocked(context);
            if (aggregate.Hosts.Count > 0)
            {
                throw OpenStackFault.BadRequest($"Cannot perform action 'delete' on aggregate {aggregate.Id}. Reason: Host aggregate is not empty.");
            }

            State.Aggregates.Remove(aggregate);
        }

        return NoContent(context, 200);
    }

    private async Task AggregateActionAsync(HttpContext context)
    {
        var body = await RegionHttp.ReadObjectAsync(context);
        if (body.Count != 1 || body.First().Value is not JsonObject args)
        {
            throw OpenStackFault.BadRequest("Invalid input for field/attribute aggregate action.");
        }

        var action = body.First().Key;
        RequireAdmin(context, "os-aggregates:" + action);
        JsonObject json;
        lock (State.Sync)
        {
            var aggregate = FindAggregateLocked(context);
            switch (action)
            {
                case "add_host":
                    var host = ReqString(args, "host", action);
                    if (!region.ComputeHosts.Contains(host))
                    {
                        throw OpenStackFault.NotFound($"Compute host {host} could not be found.");
                    }

                    if (aggregate.Hosts.Contains(host))
                    {
                        throw OpenStackFault.Conflict($"Aggregate {aggregate.Id} already has host {host}.");
                    }

                    aggregate.Hosts.Add(host);
                    break;
                case "remove_host":
                    var removed = ReqString(args, "host", action);
                    if (!aggregate.Hosts.Remove(removed))
                    {
                        throw OpenStackFault.NotFound($"Aggregate {aggregate.Id} has no host {removed}.");
                    }

                    break;
                case "set_metadata":
                    foreach (var (key, value) in StringMap(args, "metadata", allowNullValues: true))
                    {
                        if (value is null)
                        {
                            aggregate.Metadata.Remove(key);
                        }
                        else
                        {
                            aggregate.Metadata[key] = value;
                        }

                        if (key == "availability_zone")
                        {
                            aggregate.AvailabilityZone = value;
                        }
                    }

                    break;
                default:
                    throw OpenStackFault.BadRequest($"Invalid input for field/attribute {action}. Additional properties are not allowed ('{action}' was unexpected)");
            }

            aggregate.UpdatedAt = region.Time.GetUtcNow();
            json = AggregateJson(context, aggregate);
        }

        await Ok(context, new JsonObject { ["aggregate"] = json });
    }

    // ---- limits and quotas ----

    private async Task LimitsAsync(HttpContext context)
    {
        var caller = context.Caller();
        var project = caller.IsAdmin && Query(context, "tenant_id") is { } tenant ? tenant : caller.ProjectId;
        int instances, cores, ram;
        Dictionary<string, long> limits;
        lock (State.Sync)
        {
            limits = ProjectQuota(project);
            var mine = State.Servers.Where(s => s.ProjectId == project).ToList();
            (instances, cores, ram) = (mine.Count, mine.Sum(s => s.Flavor.Vcpus), mine.Sum(s => s.Flavor.Ram));
        }

        var absolute = new JsonObject
        {
            ["maxServerMeta"] = limits["metadata_items"],
            ["maxTotalCores"] = limits["cores"],
            ["maxTotalInstances"] = limits["instances"],
            ["maxTotalKeypairs"] = limits["key_pairs"],
            ["maxTotalRAMSize"] = limits["ram"],
            ["maxServerGroups"] = limits["server_groups"],
            ["maxServerGroupMembers"] = limits["server_group_members"],
            ["totalCoresUsed"] = cores,
            ["totalInstancesUsed"] = instances,
            ["totalRAMUsed"] = ram,
            ["totalServerGroupsUsed"] = 0,
        };
        if (!AtLeast(context, 39))
        {
            // 2.39 dropped the image proxy and with it maxImageMeta.
            absolute["maxImageMeta"] = limits["metadata_items"];
        }

        if (!AtLeast(context, 36))
        {
            absolute["maxSecurityGroupRules"] = limits["security_group_rules"];
            absolute["maxSecurityGroups"] = limits["security_groups"];
            absolute["maxTotalFloatingIps"] = limits["floating_ips"];
            absolute["totalFloatingIpsUsed"] = 0;
            absolute["totalSecurityGroupsUsed"] = 0;
        }

        if (!AtLeast(context, 57))
        {
            absolute["maxPersonality"] = limits["injected_files"];
            absolute["maxPersonalitySize"] = limits["injected_file_content_bytes"];
        }

        await Ok(context, new JsonObject { ["limits"] = new JsonObject { ["rate"] = new JsonArray(), ["absolute"] = absolute } });
    }

    private async Task QuotaSetAsync(HttpContext context, bool defaults)
    {
        var project = Param(context, "project");
        var caller = context.Caller();
        if (!caller.IsAdmin && project != caller.ProjectId)
        {
            throw OpenStackFault.Forbidden("Policy doesn't allow os_compute_api:os-quota-sets:show to be performed.");
        }

        var quota = new JsonObject { ["id"] = project };
        var filtered = QuotaSetFiltered(context);
        lock (State.Sync)
        {
            foreach (var (key, value) in (defaults ? QuotaClass("default") : ProjectQuota(project)).Where(q => !filtered.Contains(q.Key)))
            {
                quota[key] = value;
            }
        }

        await Ok(context, new JsonObject { ["quota_set"] = quota });
    }

    private static string[] QuotaSetFiltered(HttpContext context) =>
        AtLeast(context, 57) ? [.. NovaNetworkQuotas, .. NovaInjectedFileQuotas] : AtLeast(context, 36) ? NovaNetworkQuotas : [];

    /// <summary>A project's quotas: its own limits (set by an admin) over the default class. Call under the lock.</summary>
    private Dictionary<string, long> ProjectQuota(string project)
    {
        var quota = QuotaClass("default");
        foreach (var (key, value) in State.ProjectQuotas.GetValueOrDefault(project) ?? [])
        {
            quota[key] = value;
        }

        return quota;
    }

    /// <summary>quota_sets.py detail: each key as limit, in_use and reserved (0 without reservations); owner or admin.</summary>
    private async Task QuotaDetailAsync(HttpContext context)
    {
        var project = Param(context, "project");
        var caller = context.Caller();
        if (!caller.IsAdmin && project != caller.ProjectId)
        {
            throw OpenStackFault.Forbidden("Policy doesn't allow os_compute_api:os-quota-sets:detail to be performed.");
        }

        var quota = new JsonObject { ["id"] = project };
        var filtered = QuotaSetFiltered(context);
        Refresh();
        lock (State.Sync)
        {
            var servers = State.Servers.Where(s => s.ProjectId == project).ToList();
            var used = new Dictionary<string, long>(StringComparer.Ordinal)
            {
                ["instances"] = servers.Count,
                ["cores"] = servers.Sum(s => (long)s.Flavor.Vcpus),
                ["ram"] = servers.Sum(s => (long)s.Flavor.Ram),
                ["server_groups"] = State.ServerGroups.Count(g => g.ProjectId == project),
            };
            foreach (var (key, value) in ProjectQuota(project).Where(q => !filtered.Contains(q.Key)))
            {
                quota[key] = new JsonObject { ["limit"] = value, ["in_use"] = used.GetValueOrDefault(key), ["reserved"] = 0 };
            }
        }

        await Ok(context, new JsonObject { ["quota_set"] = quota });
    }

    /// <summary>Admin only (os_compute_api:os-quota-sets:update), after the body's schema; the answer has no id.</summary>
    private async Task UpdateQuotaSetAsync(HttpContext context)
    {
        var project = Param(context, "project");
        var body = await Body(context, "quota_set");
        var filtered = QuotaSetFiltered(context);
        List<string> allowed;
        lock (State.Sync)
        {
            allowed = [.. QuotaClass("default").Keys.Where(k => !filtered.Contains(k)), "force"];
        }

        if (!AtLeast(context, 36))
        {
            allowed.Add("networks");
        }

        NoExtraKeys(body, "quota_set", [.. allowed]);
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (key, node) in body)
        {
            if (key == "force")
            {
                _ = OptBool(body, key);
                continue;
            }

            values[key] = OptInt(body, key, -1) ?? throw OpenStackFault.BadRequest($"Invalid input for field/attribute {key}. Value: None. None is not of type 'integer', 'string'");
        }

        RequireAdmin(context, "os-quota-sets:update");
        if (values.ContainsKey("networks"))
        {
            throw OpenStackFault.BadRequest("The networks quota has been removed");
        }

        var quota = new JsonObject();
        lock (State.Sync)
        {
            if (!State.ProjectQuotas.TryGetValue(project, out var stored))
            {
                State.ProjectQuotas[project] = stored = new Dictionary<string, long>(StringComparer.Ordinal);
            }

            foreach (var (key, value) in values)
            {
                stored[key] = value;
            }

            foreach (var (key, value) in ProjectQuota(project).Where(q => !filtered.Contains(q.Key)))
            {
                quota[key] = value;
            }
        }

        await Ok(context, new JsonObject { ["quota_set"] = quota });
    }

    /// <summary>Admin only (os_compute_api:os-quota-sets:delete): the project is back on the defaults; 202 as Nova.</summary>
    private async Task DeleteQuotaSetAsync(HttpContext context)
    {
        RequireAdmin(context, "os-quota-sets:delete");
        lock (State.Sync)
        {
            State.ProjectQuotas.Remove(Param(context, "project"));
        }

        await NoContent(context, 202);
    }

    private static readonly string[] NovaNetworkQuotas = ["fixed_ips", "floating_ips", "security_groups", "security_group_rules"];
    private static readonly string[] NovaInjectedFileQuotas = ["injected_files", "injected_file_content_bytes", "injected_file_path_bytes"];

    /// <summary>
    /// A quota class as Nova shows it: its stored values over the defaults (those of Nova's
    /// default class as installed, which its quota sets show). Call under the lock.
    /// </summary>
    private Dictionary<string, long> QuotaClass(string name)
    {
        var quota = new Dictionary<string, long>(StringComparer.Ordinal)
        {
            ["instances"] = NovaLimits.Instances,
            ["cores"] = NovaLimits.Cores,
            ["ram"] = NovaLimits.Ram,
            ["metadata_items"] = NovaLimits.MetadataItems,
            ["injected_files"] = 5,
            ["injected_file_content_bytes"] = 10240,
            ["injected_file_path_bytes"] = 255,
            ["key_pairs"] = NovaLimits.KeyPairs,
            ["server_groups"] = NovaLimits.ServerGroups,
            ["server_group_members"] = NovaLimits.ServerGroupMembers,
            ["fixed_ips"] = -1,
            ["floating_ips"] = 10,
            ["security_groups"] = 10,
            ["security_group_rules"] = 20,
        };
        foreach (var className in name == "default" ? ["default"] : new[] { "default", name })
        {
            foreach (var (key, value) in State.QuotaClasses.GetValueOrDefault(className) ?? [])
            {
                if (quota.ContainsKey(key))
                {
                    quota[key] = value;
                }
            }
        }

        return quota;
    }

    /// <summary>What a quota class shows at the microversion: server groups from 2.50 (bug 1693168), network quotas until 2.50, injected files until 2.57.</summary>
    private static string[] ClassFiltered(HttpContext context) =>
        AtLeast(context, 57) ? [.. NovaNetworkQuotas, .. NovaInjectedFileQuotas] : AtLeast(context, 50) ? NovaNetworkQuotas : ["server_groups", "server_group_members"];

    private async Task ShowQuotaClassAsync(HttpContext context)
    {
        RequireAdmin(context, "os-quota-class-sets:show");
        var id = Param(context, "id");
        var quota = new JsonObject { ["id"] = id };
        var filtered = ClassFiltered(context);
        lock (State.Sync)
        {
            foreach (var (key, value) in QuotaClass(id).Where(q => !filtered.Contains(q.Key)))
            {
                quota[key] = value;
            }
        }

        await Ok(context, new JsonObject { ["quota_class_set"] = quota });
    }

    /// <summary>Nova's quota class update: its schema per microversion (networks accepted before 2.50), values stored as given.</summary>
    private async Task UpdateQuotaClassAsync(HttpContext context)
    {
        RequireAdmin(context, "os-quota-class-sets:update");
        var id = Param(context, "id");
        var body = await Body(context, "quota_class_set");
        var filtered = ClassFiltered(context);
        List<string> allowed;
        lock (State.Sync)
        {
            allowed = [.. QuotaClass("default").Keys.Where(k => AtLeast(context, 50) ? !filtered.Contains(k) : true)];
        }

        if (!AtLeast(context, 50))
        {
            allowed.Add("networks");
        }

        NoExtraKeys(body, "quota_class_set", [.. allowed]);
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (key, node) in body)
        {
            long? value = node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number && v.TryGetValue<long>(out var n) ? n
                : node is JsonValue s && s.GetValueKind() == System.Text.Json.JsonValueKind.String && long.TryParse(s.GetValue<string>(), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed
                : null;
            values[key] = value switch
            {
                null => throw OpenStackFault.BadRequest($"Invalid input for field/attribute {key}. Value: {node?.ToJsonString() ?? "None"}. {node?.ToJsonString() ?? "None"} is not of type 'integer', 'string'"),
                < -1 => throw OpenStackFault.BadRequest($"Invalid input for field/attribute {key}. Value: {value}. {value} is less than the minimum of -1"),
                > int.MaxValue => throw OpenStackFault.BadRequest($"Invalid input for field/attribute {key}. Value: {value}. {value} is greater than the maximum of {int.MaxValue}"),
                _ => value.Value,
            };
        }

        var quota = new JsonObject();
        lock (State.Sync)
        {
            if (!State.QuotaClasses.TryGetValue(id, out var stored))
            {
                State.QuotaClasses[id] = stored = new Dictionary<string, long>(StringComparer.Ordinal);
            }

            foreach (var (key, value) in values)
            {
                stored[key] = value;
            }

            foreach (var (key, value) in QuotaClass(id).Where(q => !filtered.Contains(q.Key)))
            {
                quota[key] = value;
            }
        }

        await Ok(context, new JsonObject { ["quota_class_set"] = quota });
    }
}
