using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Tricircle.Emulator.Regions.Compute;

/// <summary>
/// Instance actions (<c>os-instance-actions</c>: what was done to a server, by whom, under which
/// request id, with its events) and migrations (cold, resize and live, <c>os-migrations</c>).
/// </summary>
internal sealed partial class NovaApi
{
    private void MapInstanceActions(IEndpointRouteBuilder app)
    {
        Route(app, "GET", "/servers/{id}/os-instance-actions", ListInstanceActionsAsync);
        Route(app, "GET", "/servers/{id}/os-instance-actions/{request_id}", ShowInstanceActionAsync);
        Route(app, "GET", "/os-migrations", ListMigrationsAsync);
    }

    /// <summary>
    /// Records an action on <paramref name="server"/> under the request's id, with its events
    /// (each Success, or the last an Error when <paramref name="error"/> says why). Caller holds the lock.
    /// </summary>
    private void RecordAction(HttpContext context, Server server, string action, string[] events, string? error = null)
    {
        var now = region.Time.GetUtcNow();
        var caller = context.Caller();
        if (!State.Actions.TryGetValue(server.Id, out var log))
        {
            log = new ActionLog { ProjectId = server.ProjectId };
            State.Actions[server.Id] = log;
        }

        var record = new InstanceAction
        {
            Action = action,
            RequestId = context.Items[EmulatedService.RequestIdItem] as string ?? "req-" + Guid.NewGuid().ToString("D"),
            UserId = caller.UserId,
            ProjectId = caller.ProjectId,
            StartTime = now,
            UpdatedAt = now,
            Message = error is null ? null : "Error",
        };
        for (var i = 0; i < events.Length; i++)
        {
            var failed = error is not null && i == events.Length - 1;
            record.Events.Add(new InstanceActionEvent(events[i], now, now, failed ? "Error" : "Success", failed ? "Traceback (most recent call last):\n" + error : null, server.Host ?? region.ComputeHost));
        }

        log.Actions.Add(record);
    }

    /// <summary>The events Nova's services record for an action (the usual ones; enough to show).</summary>
    private static string[] EventsOf(string action) => action switch
    {
        "create" => ["compute__do_build_and_run_instance"],
        "delete" => ["compute_terminate_instance"],
        "stop" => ["compute_stop_instance"],
        "start" => ["compute_start_instance"],
        "reboot" => ["compute_reboot_instance"],
        "rebuild" => ["compute_rebuild_instance"],
        "resize" => ["conductor_migrate_server", "compute_prep_resize", "compute_resize_instance", "compute_finish_resize"],
        "migrate" => ["conductor_migrate_server", "compute_prep_resize", "compute_resize_instance", "compute_finish_resize"],
        "confirmResize" => ["compute_confirm_resize"],
        "revertResize" => ["compute_revert_resize", "compute_finish_revert_resize"],
        "live-migration" => ["conductor_live_migrate_instance", "compute_check_can_live_migrate_destination", "compute_live_migration", "compute_post_live_migration_at_destination"],
        "createImage" => ["compute_snapshot_instance"],
        "shelve" => ["compute_shelve_instance"],
        "unshelve" => ["conductor_unshelve_instance", "compute_unshelve_instance"],
        "resetState" or "lock" or "unlock" => [],
        _ => ["compute_" + action + "_instance"],
    };

    /// <summary>Nova's action names for the server actions it records (nova.compute.instance_actions); null for those it does not.</summary>
    private static string? ActionName(string action) => action switch
    {
        "os-start" => "start",
        "os-stop" => "stop",
        "reboot" or "pause" or "unpause" or "suspend" or "resume" or "lock" or "unlock" or "shelve" or "shelveOffload"
            or "unshelve" or "resize" or "confirmResize" or "revertResize" or "rescue" or "unrescue" or "rebuild"
            or "createImage" or "changePassword" or "trigger_crash_dump" or "migrate" => action,
        "os-resetState" => "resetState",
        "os-migrateLive" => "live-migration",
        _ => null,
    };

    /// <summary>The server's action log, if the caller may read it: the live server's, or (2.21) a deleted one's.</summary>
    private (string ServerId, string ProjectId, List<InstanceAction> Actions) FindActions(HttpContext context)
    {
        Refresh();
        var id = Param(context, "id");
        var caller = context.Caller();
        lock (State.Sync)
        {
            var server = State.Servers.FirstOrDefault(s => s.Id == id && caller.CanSee(s.ProjectId));
            State.Actions.TryGetValue(id, out var log);
            if (server is null && (!AtLeast(context, 21) || log is null || !caller.CanSee(log.ProjectId)))
            {
                throw OpenStackFault.NotFound($"Instance {id} could not be found.");
            }

            return (id, server?.ProjectId ?? log!.ProjectId, [.. (log?.Actions ?? []).OrderByDescending(a => a.StartTime).ThenByDescending(a => log!.Actions.IndexOf(a))]);
        }
    }

    private static JsonObject ActionJson(HttpContext context, string serverId, InstanceAction action)
    {
        var json = new JsonObject
        {
            ["action"] = action.Action,
            ["instance_uuid"] = serverId,
            ["request_id"] = action.RequestId,
            ["user_id"] = action.UserId,
            ["project_id"] = action.ProjectId,
            ["start_time"] = DbTime(action.StartTime),
            ["message"] = action.Message,
        };
        if (AtLeast(context, 58))
        {
            json["updated_at"] = DbTime(action.UpdatedAt);
        }

        return json;
    }

    private async Task ListInstanceActionsAsync(HttpContext context)
    {
        var (serverId, _, actions) = FindActions(context);
        if (!AtLeast(context, 58))
        {
            await Ok(context, new JsonObject { ["instanceActions"] = new JsonArray([.. actions.Select(a => (JsonNode)ActionJson(context, serverId, a))]) });
            return;
        }

        foreach (var (key, values) in context.Request.Query)
        {
            if (key is not ("limit" or "marker" or "changes-since") && !(key == "changes-before" && AtLeast(context, 66)))
            {
                throw OpenStackFault.BadRequest($"Invalid input for query parameters {key}. Value: {values[^1]}. Additional properties are not allowed ('{key}' was unexpected)");
            }
        }

        DateTimeOffset? Time(string name)
        {
            if (Query(context, name) is not { } text)
            {
                return null;
            }

            return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                ? at
                : throw OpenStackFault.BadRequest($"Invalid input for query parameters {name}. Value: {text}. '{text}' is not a 'date-time'");
        }

        var since = Time("changes-since");
        var before = Time("changes-before");
        if (since is not null && before is not null && before < since)
        {
            throw OpenStackFault.BadRequest("The value of changes-since must be less than or equal to changes-before.");
        }

        IEnumerable<InstanceAction> page = actions.Where(a => (since is null || a.UpdatedAt >= since) && (before is null || a.UpdatedAt <= before));
        if (Query(context, "marker") is { } marker)
        {
            var list = page.ToList();
            var at = list.FindIndex(a => a.RequestId == marker);
            if (at < 0)
            {
                throw OpenStackFault.BadRequest($"Marker {marker} could not be found.");
            }

            page = list.Skip(at + 1);
        }

        var limit = QueryLimit(context);
        var items = page.Take(limit ?? 1000).ToList();
        var body = new JsonObject { ["instanceActions"] = new JsonArray([.. items.Select(a => (JsonNode)ActionJson(context, serverId, a))]) };
        if (limit is { } max && items.Count == max && max > 0)
        {
            body["links"] = NextLinks(context, $"servers/{serverId}/os-instance-actions", max, items[^1].RequestId);
        }

        await Ok(context, body);
    }

    private async Task ShowInstanceActionAsync(HttpContext context)
    {
        var (serverId, projectId, actions) = FindActions(context);
        var requestId = Param(context, "request_id");
        var action = actions.FirstOrDefault(a => a.RequestId == requestId)
            ?? throw OpenStackFault.NotFound($"Action {requestId} not found");
        var json = ActionJson(context, serverId, action);
        var admin = context.Caller().IsAdmin;

        // Events: admins always (with tracebacks), owners from 2.51 (without); host (admin) and hostId from 2.62.
        if (admin || AtLeast(context, 51))
        {
            json["events"] = new JsonArray([.. action.Events.Select(e =>
            {
                var ev = new JsonObject
                {
                    ["event"] = e.Event,
                    ["start_time"] = DbTime(e.StartTime),
                    ["finish_time"] = DbTime(e.FinishTime),
                    ["result"] = e.Result,
                };
                if (admin)
                {
                    ev["traceback"] = e.Traceback;
                }

                if (AtLeast(context, 62))
                {
                    if (admin)
                    {
                        ev["host"] = e.Host;
                    }

                    ev["hostId"] = e.Host is null ? "" : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(projectId + e.Host)))[..56];
                }

                return (JsonNode)ev;
            })]);
        }

        await Ok(context, new JsonObject { ["instanceAction"] = json });
    }

    // ---- migrations ----

    private static int FlavorNumber(Flavor flavor) => int.TryParse(flavor.Id, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : Math.Abs(flavor.Id.GetHashCode(StringComparison.Ordinal) % 100000);

    /// <summary>A new migration record of <paramref name="server"/>. Caller holds the lock.</summary>
    private Migration NewMigration(Server server, string type, string source, string dest, Flavor oldFlavor, Flavor newFlavor, string status)
    {
        var now = region.Time.GetUtcNow();
        var migration = new Migration
        {
            Id = State.NextMigrationId++,
            Uuid = RegionContext.NewId(),
            InstanceUuid = server.Id,
            Type = type,
            SourceCompute = source,
            DestCompute = dest,
            OldFlavorId = FlavorNumber(oldFlavor),
            NewFlavorId = FlavorNumber(newFlavor),
            Status = status,
            CreatedAt = now,
            UpdatedAt = now,
        };
        State.Migrations.Add(migration);
        return migration;
    }

    /// <summary>
    /// <c>migrate</c> (cold; a host from 2.56): the server moves to another host and waits in
    /// VERIFY_RESIZE; with no other host its group allows the call is still accepted (Zed casts it)
    /// and the migration ends in error. True when the action was recorded here. Caller holds the lock.
    /// </summary>
    private bool ColdMigrate(HttpContext context, Server server, JsonNode? argument)
    {
        RequireAdmin(context, "os-migrate-server:migrate");
        string? host = null;
        if (argument is JsonObject args)
        {
            if (!AtLeast(context, 56))
            {
                throw OpenStackFault.BadRequest($"Invalid input for field/attribute migrate. Value: {args.ToJsonString()}. {args.ToJsonString()} is not of type 'null'");
            }

            NoExtraKeys(args, "migrate", "host");
            host = args["host"] is null ? null : OptString(args, "host");
        }
        else if (argument is not null)
        {
            throw OpenStackFault.BadRequest($"Invalid input for field/attribute migrate. Value: {argument.ToJsonString()}. {argument.ToJsonString()} is not of type '{(AtLeast(context, 56) ? "object', 'null" : "null")}'");
        }

        CheckLocked(context, server);
        RequireState(server, "migrate", "active", "stopped");
        string dest;
        try
        {
            dest = Destination(server, host, "No valid host found for cold migrate", (id, h) => $"Unable to migrate instance ({id}) to current host ({h}).");
        }
        catch (OpenStackFault fault) when (fault.StatusCode == 400 && fault.Message.StartsWith("No valid host", StringComparison.Ordinal))
        {
            // Zed casts the migration to the conductor: accepted, then the scheduler finds no host,
            // the migration ends in error and the server stays where it is (as a one-host lab region shows).
            NewMigration(server, "migration", server.Host!, host ?? "", server.Flavor, server.Flavor, "error");
            RecordAction(context, server, "migrate", ["cold_migrate", "conductor_migrate_server"], "nova.exception.NoValidHost: " + fault.Message);
            return true;
        }

        server.PendingMigration = NewMigration(server, "migration", server.Host!, dest, server.Flavor, server.Flavor, "finished");
        server.OldHost = server.Host;
        server.Host = dest;
        server.OldFlavor = server.Flavor;
        server.VmStateBeforeResize = server.VmState;
        server.VmState = "resized";
        region.Network.MoveDevice(server.Id, dest);
        return false;
    }

    /// <summary>
    /// <c>os-migrateLive</c>: the server moves to another host and stays ACTIVE. No host to go to
    /// is a 400 before 2.34; from 2.34 the call is asynchronous, so the API accepts it and the
    /// migration ends in error, the server where it was. Caller holds the lock.
    /// </summary>
    private void LiveMigrate(HttpContext context, Server server, JsonObject args)
    {
        RequireAdmin(context, "os-migrate-server:migrate_live");
        var allowed = new List<string> { "host", "block_migration" };
        if (!AtLeast(context, 25))
        {
            allowed.Add("disk_over_commit");
        }

        if (AtLeast(context, 30) && !AtLeast(context, 68))
        {
            allowed.Add("force");
        }

        NoExtraKeys(args, "os-migrateLive", [.. allowed]);
        foreach (var required in allowed.Where(k => k is "host" or "block_migration" or "disk_over_commit"))
        {
            if (!args.ContainsKey(required))
            {
                throw OpenStackFault.BadRequest($"Invalid input for field/attribute os-migrateLive. Value: {args.ToJsonString()}. '{required}' is a required property");
            }
        }

        if (!(AtLeast(context, 25) && args["block_migration"] is JsonValue auto && auto.TryGetValue<string>(out var text) && text == "auto"))
        {
            _ = OptBool(args, "block_migration");
        }

        var host = args["host"] is null ? null : OptString(args, "host");
        CheckLocked(context, server);
        RequireState(server, "os-migrateLive", "active", "paused");
        string dest;
        try
        {
            dest = Destination(server, host, "There are not enough hosts available.", (id, h) => $"Unable to migrate instance ({id}) to current host ({h}).");
        }
        catch (OpenStackFault fault) when (fault.StatusCode == 400 && AtLeast(context, 34) && !fault.Message.StartsWith("Compute host", StringComparison.Ordinal))
        {
            // Asynchronous from 2.34: accepted, then the conductor's checks fail the migration.
            NewMigration(server, "live-migration", server.Host!, host ?? "", server.Flavor, server.Flavor, "error");
            RecordAction(context, server, "live-migration", ["conductor_live_migrate_instance"], fault.Message);
            return;
        }

        NewMigration(server, "live-migration", server.Host!, dest, server.Flavor, server.Flavor, "completed");
        server.Host = dest;
        region.Network.MoveDevice(server.Id, dest);
    }

    /// <summary>
    /// Where a migration goes: the asked host (which must exist and not be the server's), or the
    /// first other host the server's group allows; Nova's 400s otherwise. Caller holds the lock.
    /// </summary>
    private string Destination(Server server, string? host, string noHostReason, Func<string, string, string> sameHost)
    {
        if (host is not null)
        {
            if (!region.ComputeHosts.Contains(host))
            {
                throw OpenStackFault.BadRequest($"Compute host {host} could not be found.");
            }

            if (host == server.Host)
            {
                throw OpenStackFault.BadRequest(sameHost(server.Id, host));
            }
        }

        var candidates = HostsFor(GroupOf(server.Id), server.Id, region.ComputeHosts.Where(h => h != server.Host && (host is null || h == host)));
        return candidates.FirstOrDefault() ?? throw OpenStackFault.BadRequest("No valid host was found. " + noHostReason);
    }

    private async Task ListMigrationsAsync(HttpContext context)
    {
        RequireAdmin(context, "os-migrations:index");
        var paged = AtLeast(context, 59);
        foreach (var (key, values) in context.Request.Query)
        {
            var known = key is "instance_uuid" or "status" or "host" or "source_compute" or "migration_type" or "hidden"
                || (paged && key is "limit" or "marker" or "changes-since") || (AtLeast(context, 66) && key == "changes-before");
            if (!known && paged)
            {
                throw OpenStackFault.BadRequest($"Invalid input for query parameters {key}. Value: {values[^1]}. Additional properties are not allowed ('{key}' was unexpected)");
            }
        }

        List<Migration> all;
        lock (State.Sync)
        {
            all = [.. State.Migrations];
        }

        IEnumerable<Migration> found = all.OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id);
        if (Query(context, "instance_uuid") is { } instance)
        {
            found = found.Where(m => m.InstanceUuid == instance);
        }

        if (Query(context, "status") is { } status)
        {
            found = found.Where(m => m.Status.Equals(status, StringComparison.OrdinalIgnoreCase));
        }

        if (Query(context, "host") is { } host)
        {
            found = found.Where(m => m.SourceCompute == host || m.DestCompute == host);
        }

        if (Query(context, "source_compute") is { } source)
        {
            found = found.Where(m => m.SourceCompute == source);
        }

        if (Query(context, "migration_type") is { } type)
        {
            found = found.Where(m => m.Type == type);
        }

        if (paged && Query(context, "changes-since") is { } sinceText)
        {
            var since = DateTimeOffset.TryParse(sinceText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                ? at
                : throw OpenStackFault.BadRequest($"Invalid input for query parameters changes-since. Value: {sinceText}. '{sinceText}' is not a 'date-time'");
            found = found.Where(m => m.UpdatedAt >= since);
        }

        int? limit = null;
        if (paged)
        {
            if (Query(context, "marker") is { } marker)
            {
                var list = found.ToList();
                var index = list.FindIndex(m => m.Uuid == marker);
                if (index < 0)
                {
                    throw OpenStackFault.BadRequest($"Marker {marker} could not be found.");
                }

                found = list.Skip(index + 1);
            }

            limit = QueryLimit(context);
            found = found.Take(limit ?? 1000);
        }

        var items = found.ToList();
        var json = new JsonArray();
        foreach (var m in items)
        {
            var item = new JsonObject
            {
                ["id"] = m.Id,
                ["status"] = m.Status,
                ["instance_uuid"] = m.InstanceUuid,
                ["source_node"] = m.SourceCompute,
                ["source_compute"] = m.SourceCompute,
                ["dest_node"] = m.DestCompute,
                ["dest_compute"] = m.DestCompute,
                ["dest_host"] = "127.0.0.1",
                ["old_instance_type_id"] = m.OldFlavorId,
                ["new_instance_type_id"] = m.NewFlavorId,
                ["created_at"] = DbTime(m.CreatedAt),
                ["updated_at"] = DbTime(m.UpdatedAt),
            };
            if (AtLeast(context, 23))
            {
                item["migration_type"] = m.Type;
            }

            if (paged)
            {
                item["uuid"] = m.Uuid;
            }

            json.Add(item);
        }

        var body = new JsonObject { ["migrations"] = json };
        if (limit is { } max && max > 0 && items.Count == max)
        {
            body["migrations_links"] = NextLinks(context, "os-migrations", max, items[^1].Uuid);
        }

        await Ok(context, body);
    }
}
