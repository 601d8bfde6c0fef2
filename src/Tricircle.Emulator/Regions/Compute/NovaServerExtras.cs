using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Tricircle.Emulator.Regions.Compute;

/// <summary>A server's tags (2.26+), diagnostics (admin) and security groups (from its Neutron ports), as Zed's Nova.</summary>
internal sealed partial class NovaApi
{
    /// <summary>nova.objects.instance.MAX_TAG_COUNT; a tag is at most 60 characters, without ',' and '/'.</summary>
    private const int MaxTags = 50;

    private static readonly string[] TagStates = ["active", "paused", "suspended", "stopped"];

    private void MapServerExtras(IEndpointRouteBuilder app)
    {
        Route(app, "GET", "/servers/{id}/tags", ListTagsAsync);
        Route(app, "PUT", "/servers/{id}/tags", ReplaceTagsAsync);
        Route(app, "DELETE", "/servers/{id}/tags", DeleteTagsAsync);
        Route(app, "GET", "/servers/{id}/tags/{tag}", ShowTagAsync);
        Route(app, "PUT", "/servers/{id}/tags/{tag}", AddTagAsync);
        Route(app, "DELETE", "/servers/{id}/tags/{tag}", DeleteTagAsync);
        Route(app, "GET", "/servers/{id}/diagnostics", DiagnosticsAsync);
        Route(app, "GET", "/servers/{id}/os-security-groups", ServerSecurityGroupsAsync);
    }

    // Before 2.26 the tag routes do not exist for Nova's dispatcher: a 404 with the microversion headers.
    private static void RequireTags(HttpContext context)
    {
        if (!AtLeast(context, 26))
        {
            throw OpenStackFault.NotFound("The resource could not be found.");
        }
    }

    private static bool ValidTag(string tag) => tag.Length is >= 1 and <= 60 && !tag.Contains(',', StringComparison.Ordinal) && !tag.Contains('/', StringComparison.Ordinal);

    private async Task ListTagsAsync(HttpContext context)
    {
        RequireTags(context);
        var server = FindServer(context);
        JsonArray tags;
        lock (State.Sync)
        {
            tags = [.. server.Tags.Select(t => (JsonNode)t)];
        }

        await Ok(context, new JsonObject { ["tags"] = tags });
    }

    private async Task ShowTagAsync(HttpContext context)
    {
        RequireTags(context);
        var server = FindServer(context);
        var tag = Param(context, "tag");
        lock (State.Sync)
        {
            if (!server.Tags.Contains(tag, StringComparer.Ordinal))
            {
                throw OpenStackFault.NotFound($"Server {server.Id} has no tag '{tag}'");
            }
        }

        await NoContent(context, 204);
    }

    private async Task AddTagAsync(HttpContext context)
    {
        RequireTags(context);
        var server = FindServer(context);
        var tag = Param(context, "tag");
        lock (State.Sync)
        {
            RequireState(server, "update tag", TagStates);
            if (!ValidTag(tag))
            {
                throw OpenStackFault.BadRequest($"Tag '{tag}' is invalid. It must be a non empty string without characters '/' and ','. Validation error message: '{tag}' does not match '^[^,/]*$'");
            }

            if (server.Tags.Count >= MaxTags)
            {
                throw OpenStackFault.BadRequest($"The number of tags exceeded the per-server limit {MaxTags}");
            }

            if (server.Tags.Contains(tag, StringComparer.Ordinal))
            {
                context.Response.StatusCode = 204;
                return;
            }

            server.Tags.Add(tag);
            server.UpdatedAt = region.Time.GetUtcNow();
        }

        context.Response.Headers.Location = $"{Links(context, "servers", server.Id)[0]!["href"]!.GetValue<string>()}/tags/{tag}";
        context.Response.StatusCode = 201;
        context.Response.ContentType = "text/html; charset=UTF-8";
        await Task.CompletedTask;
    }

    private async Task ReplaceTagsAsync(HttpContext context)
    {
        RequireTags(context);
        var server = FindServer(context);
        var body = await RegionHttp.ReadObjectAsync(context);
        if (body["tags"] is not JsonArray array)
        {
            throw OpenStackFault.BadRequest($"Invalid input for field/attribute tags. Value: {body.ToJsonString()}. 'tags' is a required property");
        }

        NoExtraKeys(body, "request body", "tags");
        var tags = new List<string>();
        foreach (var node in array)
        {
            if (node is not JsonValue value || !value.TryGetValue<string>(out var tag) || !ValidTag(tag))
            {
                throw OpenStackFault.BadRequest($"Invalid input for field/attribute tags. Value: {array.ToJsonString()}. {node?.ToJsonString() ?? "None"} is not a valid tag");
            }

            if (!tags.Contains(tag, StringComparer.Ordinal))
            {
                tags.Add(tag);
            }
        }

        if (array.Count > MaxTags)
        {
            throw OpenStackFault.BadRequest($"Invalid input for field/attribute tags. Value: {array.ToJsonString()}. {array.ToJsonString()} is too long");
        }

        JsonArray result;
        lock (State.Sync)
        {
            RequireState(server, "update tags", TagStates);
            server.Tags.Clear();
            server.Tags.AddRange(tags);
            server.UpdatedAt = region.Time.GetUtcNow();
            result = [.. server.Tags.Select(t => (JsonNode)t)];
        }

        await Ok(context, new JsonObject { ["tags"] = result });
    }

    private async Task DeleteTagAsync(HttpContext context)
    {
        RequireTags(context);
        var server = FindServer(context);
        var tag = Param(context, "tag");
        lock (State.Sync)
        {
            RequireState(server, "delete tag", TagStates);
            if (!server.Tags.Remove(tag))
            {
                throw OpenStackFault.NotFound($"Tag {tag} could not be found.");
            }

            server.UpdatedAt = region.Time.GetUtcNow();
        }

        await NoContent(context, 204);
    }

    private async Task DeleteTagsAsync(HttpContext context)
    {
        RequireTags(context);
        var server = FindServer(context);
        lock (State.Sync)
        {
            RequireState(server, "delete tags", TagStates);
            server.Tags.Clear();
            server.UpdatedAt = region.Time.GetUtcNow();
        }

        await NoContent(context, 204);
    }

    /// <summary>Admin only (os_compute_api:os-server-diagnostics); 2.48 gives the standard format, earlier the driver's own (libvirt's keys).</summary>
    private async Task DiagnosticsAsync(HttpContext context)
    {
        var server = FindServer(context);
        RequireAdmin(context, "os-server-diagnostics");
        JsonObject body;
        lock (State.Sync)
        {
            if (server.VmState is not ("active" or "paused" or "suspended" or "stopped" or "resized" or "rescued"))
            {
                throw OpenStackFault.Conflict($"Cannot 'get_diagnostics' instance {server.Id} while it is in vm_state {server.VmState}");
            }

            var memoryKb = server.Flavor.Ram * 1024L;
            if (AtLeast(context, 48))
            {
                body = new JsonObject
                {
                    ["state"] = server.VmState == "active" ? "running" : server.VmState == "stopped" ? "shutdown" : server.VmState,
                    ["driver"] = "libvirt",
                    ["hypervisor"] = "kvm",
                    ["hypervisor_os"] = "linux",
                    ["uptime"] = server.LaunchedAt is { } launched ? (long)(region.Time.GetUtcNow() - launched).TotalSeconds : 0,
                    ["config_drive"] = server.ConfigDrive,
                    ["num_cpus"] = server.Flavor.Vcpus,
                    ["num_nics"] = server.Ports.Count,
                    ["num_disks"] = 1 + server.Volumes.Count,
                    ["memory_details"] = new JsonObject { ["maximum"] = server.Flavor.Ram, ["used"] = 0 },
                    ["cpu_details"] = new JsonArray([.. Enumerable.Range(0, server.Flavor.Vcpus).Select(i => (JsonNode)new JsonObject { ["id"] = i, ["time"] = 0, ["utilisation"] = null })]),
                    ["nic_details"] = new JsonArray(),
                    ["disk_details"] = new JsonArray([.. Enumerable.Range(0, 1 + server.Volumes.Count).Select(_ => (JsonNode)new JsonObject { ["read_bytes"] = 0, ["read_requests"] = 0, ["write_bytes"] = 0, ["write_requests"] = 0, ["errors_count"] = -1 })]),
                };
            }
            else
            {
                body = new JsonObject { ["memory"] = memoryKb, ["memory-actual"] = memoryKb, ["memory-rss"] = 0 };
                for (var cpu = 0; cpu < server.Flavor.Vcpus; cpu++)
                {
                    body[$"cpu{cpu}_time"] = 0;
                }

                body["vda_read"] = 0;
                body["vda_read_req"] = 0;
                body["vda_write"] = 0;
                body["vda_write_req"] = 0;
                body["vda_errors"] = -1;
            }
        }

        await Ok(context, body);
    }

    /// <summary>
    /// The groups of the server's Neutron ports in Nova's old shape (ingress rules only, sorted by
    /// project and name); none for a server without ports.
    /// </summary>
    private async Task ServerSecurityGroupsAsync(HttpContext context)
    {
        var server = FindServer(context);
        var ids = region.Network.Inspect("ports")!
            .OfType<JsonObject>()
            .Where(p => p["device_id"]?.GetValue<string>() == server.Id)
            .SelectMany(p => p["security_groups"] as JsonArray ?? [])
            .Select(g => g!.GetValue<string>())
            .ToHashSet(StringComparer.Ordinal);
        var all = region.Network.Inspect("security_groups")!.OfType<JsonObject>().ToList();
        var names = all.ToDictionary(g => g["id"]!.GetValue<string>(), g => (Name: g["name"]?.GetValue<string>(), Project: g["tenant_id"]?.GetValue<string>()), StringComparer.Ordinal);
        var groups = all
            .Where(g => ids.Contains(g["id"]!.GetValue<string>()))
            .Select(g => NovaSecurityGroup(g, names))
            .OrderBy(g => g["tenant_id"]?.GetValue<string>(), StringComparer.Ordinal)
            .ThenBy(g => g["name"]?.GetValue<string>(), StringComparer.Ordinal);
        await Ok(context, new JsonObject { ["security_groups"] = new JsonArray([.. groups]) });
    }

    // nova.network.security_group_api's conversion and the API's formatting of it.
    private static JsonObject NovaSecurityGroup(JsonObject group, Dictionary<string, (string? Name, string? Project)> names)
    {
        var rules = new JsonArray();
        foreach (var rule in (group["security_group_rules"] as JsonArray ?? []).OfType<JsonObject>().Where(r => r["direction"]?.GetValue<string>() == "ingress"))
        {
            var protocol = rule["protocol"]?.GetValue<string>();
            JsonNode? from = rule["port_range_min"]?.DeepClone(), to = rule["port_range_max"]?.DeepClone();
            if (protocol is not null && from is null && to is null)
            {
                (from, to) = protocol.ToUpperInvariant() is "TCP" or "UDP" ? (1, 65535) : (-1, -1);
            }

            var remote = rule["remote_group_id"]?.GetValue<string>();
            if (remote is not null && !names.ContainsKey(remote))
            {
                continue; // Nova skips a rule whose remote group is gone
            }

            rules.Add(new JsonObject
            {
                ["id"] = rule["id"]?.DeepClone(),
                ["parent_group_id"] = rule["security_group_id"]?.DeepClone(),
                ["ip_protocol"] = protocol,
                ["from_port"] = from,
                ["to_port"] = to,
                ["group"] = remote is null ? new JsonObject() : new JsonObject { ["name"] = names[remote].Name, ["tenant_id"] = names[remote].Project },
                ["ip_range"] = remote is null ? new JsonObject { ["cidr"] = rule["remote_ip_prefix"]?.GetValue<string>() ?? "0.0.0.0/0" } : new JsonObject(),
            });
        }

        return new JsonObject
        {
            ["id"] = group["id"]?.DeepClone(),
            ["description"] = group["description"]?.DeepClone(),
            ["name"] = group["name"]?.DeepClone(),
            ["tenant_id"] = group["tenant_id"]?.DeepClone(),
            ["rules"] = rules,
        };
    }
}
