using System.Text.Json.Nodes;

namespace Tricircle.Emulator.Regions.Compute;

/// <summary>
/// The region's Nova: flavors, keypairs, servers, aggregates. One lock guards everything; the
/// API code takes <see cref="Sync"/> around reads and writes and calls other services outside it.
/// </summary>
internal sealed class NovaState
{
    public NovaState(RegionContext region)
    {
        Region = region;
        var now = region.Time.GetUtcNow();
        // As devstack seeds them.
        foreach (var (id, name, ram, vcpus, disk) in new (string, string, int, int, int)[]
        {
            ("1", "m1.tiny", 512, 1, 1),
            ("2", "m1.small", 2048, 1, 20),
            ("3", "m1.medium", 4096, 2, 40),
            ("4", "m1.large", 8192, 4, 80),
            ("5", "m1.xlarge", 16384, 8, 160),
        })
        {
            Flavors.Add(new Flavor { Id = id, Name = name, Ram = ram, Vcpus = vcpus, Disk = disk, CreatedAt = now });
        }

        var index = 1;
        foreach (var (binary, host, zone) in new[]
        {
            ("nova-scheduler", "controller", "internal"),
            ("nova-conductor", "controller", "internal"),
        }.Concat(region.ComputeHosts.Select(h => ("nova-compute", h, region.Options.AvailabilityZone))))
        {
            // The first compute host keeps the id it had when a region had one.
            var key = binary == "nova-compute" && host != region.ComputeHost ? binary + "/" + host : binary;
            Services.Add(new NovaService { Id = index++, Uuid = StableUuid(region.Options.Name + "/" + key), Binary = binary, Host = host, Zone = zone, UpdatedAt = now });
        }
    }

    public RegionContext Region { get; }

    /// <summary>A UUID derived from a name, so that a region's service and hypervisor ids stay the same across restarts.</summary>
    public static string StableUuid(string name) =>
        new Guid(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name))[..16]).ToString();

    public Lock Sync { get; } = new();

    public List<Flavor> Flavors { get; } = [];

    public List<Keypair> Keypairs { get; } = [];

    public List<Server> Servers { get; } = [];

    public List<Aggregate> Aggregates { get; } = [];

    /// <summary>Deleted servers and when they went, for <c>os-simple-tenant-usage</c>.</summary>
    public List<(Server Server, DateTimeOffset TerminatedAt)> Terminated { get; } = [];

    /// <summary>The region's Nova services (a controller's scheduler and conductor, one compute host), for <c>os-services</c> and <c>os-hypervisors</c>.</summary>
    public List<NovaService> Services { get; } = [];

    public List<ServerGroup> ServerGroups { get; } = [];

    /// <summary>os-quota-class-sets: each class's stored limits (the <c>default</c> class's are every project's here).</summary>
    public Dictionary<string, Dictionary<string, long>> QuotaClasses { get; } = new(StringComparer.Ordinal);

    /// <summary>os-quota-sets: the limits an admin set for a project (over its default class).</summary>
    public Dictionary<string, Dictionary<string, long>> ProjectQuotas { get; } = new(StringComparer.Ordinal);

    /// <summary>Each server's instance actions, kept after it is deleted (2.21 lists a deleted server's).</summary>
    public Dictionary<string, ActionLog> Actions { get; } = new(StringComparer.Ordinal);

    public List<Migration> Migrations { get; } = [];

    public int NextMigrationId { get; set; } = 1;

    public int NextAggregateId { get; set; } = 1;

    public int NextKeypairId { get; set; } = 1;

    public int NextInstanceNumber { get; set; } = 1;

    /// <summary>Admin inspection: servers, flavors, keypairs, aggregates.</summary>
    public JsonArray? Inspect(string collection)
    {
        lock (Sync)
        {
            return collection switch
            {
                "servers" => [.. Servers.Select(s => (JsonNode)new JsonObject
                {
                    ["id"] = s.Id,
                    ["name"] = s.Name,
                    ["tenant_id"] = s.ProjectId,
                    ["user_id"] = s.UserId,
                    ["status"] = NovaServerStatus.Status(s.VmState, s.TaskState),
                    ["OS-EXT-STS:vm_state"] = s.VmState,
                    ["OS-EXT-STS:task_state"] = s.TaskState,
                    ["flavor_id"] = s.Flavor.Id,
                    ["image_id"] = s.ImageId,
                    ["key_name"] = s.KeyName,
                    ["port_ids"] = new JsonArray([.. s.Ports.Select(p => (JsonNode)p.PortId)]),
                    ["volume_ids"] = new JsonArray([.. s.Volumes.Select(v => (JsonNode)v.VolumeId)]),
                    ["OS-EXT-AZ:availability_zone"] = Region.Options.AvailabilityZone,
                    ["OS-EXT-SRV-ATTR:host"] = s.Host,
                })],
                "flavors" => [.. Flavors.Select(f => (JsonNode)new JsonObject
                {
                    ["id"] = f.Id,
                    ["name"] = f.Name,
                    ["ram"] = f.Ram,
                    ["vcpus"] = f.Vcpus,
                    ["disk"] = f.Disk,
                    ["os-flavor-access:is_public"] = f.IsPublic,
                    ["extra_specs"] = ToJson(f.ExtraSpecs),
                    ["projects"] = new JsonArray([.. f.Projects.Select(p => (JsonNode)p)]),
                })],
                "keypairs" => [.. Keypairs.Select(k => (JsonNode)new JsonObject
                {
                    ["name"] = k.Name,
                    ["user_id"] = k.UserId,
                    ["fingerprint"] = k.Fingerprint,
                    ["type"] = k.Type,
                })],
                "server_groups" => [.. ServerGroups.Select(g => (JsonNode)new JsonObject
                {
                    ["id"] = g.Id,
                    ["name"] = g.Name,
                    ["policy"] = g.Policy,
                    ["project_id"] = g.ProjectId,
                    ["members"] = new JsonArray([.. g.Members.Where(m => Servers.Any(s => s.Id == m)).Select(m => (JsonNode)m)]),
                })],
                "migrations" => [.. Migrations.Select(m => (JsonNode)new JsonObject
                {
                    ["id"] = m.Id,
                    ["instance_uuid"] = m.InstanceUuid,
                    ["migration_type"] = m.Type,
                    ["status"] = m.Status,
                    ["source_compute"] = m.SourceCompute,
                    ["dest_compute"] = m.DestCompute,
                })],
                "aggregates" => [.. Aggregates.Select(a => (JsonNode)new JsonObject
                {
                    ["id"] = a.Id,
                    ["name"] = a.Name,
                    ["availability_zone"] = a.AvailabilityZone,
                    ["hosts"] = new JsonArray([.. a.Hosts.Select(h => (JsonNode)h)]),
                    ["metadata"] = ToJson(a.Metadata),
                })],
                _ => null,
            };
        }
    }

    public static JsonObject ToJson(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var json = new JsonObject();
        foreach (var (key, value) in pairs)
        {
            json[key] = value;
        }

        return json;
    }
}

internal sealed class Flavor
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public int Ram { get; init; }

    public int Vcpus { get; init; }

    public int Disk { get; init; }

    public int Ephemeral { get; init; }

    public int Swap { get; init; }

    public double RxtxFactor { get; init; } = 1.0;

    public bool IsPublic { get; init; } = true;

    public string? Description { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public SortedDictionary<string, string> ExtraSpecs { get; } = new(StringComparer.Ordinal);

    /// <summary>Projects a private flavor is shared with.</summary>
    public List<string> Projects { get; } = [];
}

internal sealed class Keypair
{
    public required int Id { get; init; }

    public required string Name { get; init; }

    public required string UserId { get; init; }

    public required string PublicKey { get; init; }

    public required string Fingerprint { get; init; }

    public string Type { get; init; } = "ssh";

    public DateTimeOffset CreatedAt { get; init; }
}

internal sealed class Aggregate
{
    public required int Id { get; init; }

    public required string Uuid { get; init; }

    public required string Name { get; set; }

    public string? AvailabilityZone { get; set; }

    public List<string> Hosts { get; } = [];

    public SortedDictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? UpdatedAt { get; set; }
}

/// <summary>A port on a server: whether Nova created it (deleted with the server) or was given it (unbound).</summary>
internal sealed record ServerPort(string PortId, bool CreatedByNova, string? Tag);

internal sealed class ServerVolume
{
    public required string AttachmentId { get; init; }

    public required string VolumeId { get; init; }

    public required string Device { get; init; }

    public bool DeleteOnTermination { get; init; }

    public int? BootIndex { get; init; }

    public string? Tag { get; init; }
}

internal sealed class Server
{
    public required string Id { get; init; }

    public required string Name { get; set; }

    public required string ProjectId { get; init; }

    public required string UserId { get; init; }

    public required Flavor Flavor { get; set; }

    /// <summary>The flavor before a resize (until confirm or revert).</summary>
    public Flavor? OldFlavor { get; set; }

    public string? VmStateBeforeResize { get; set; }

    /// <summary>Null when booted from a volume.</summary>
    public string? ImageId { get; set; }

    public string? KeyName { get; init; }

    public string? UserData { get; init; }

    public string? Description { get; set; }

    public string AccessIPv4 { get; set; } = "";

    public string AccessIPv6 { get; set; } = "";

    public required string AdminPass { get; init; }

    public List<string> SecurityGroups { get; } = [];

    public bool ConfigDrive { get; init; }

    public SortedDictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    public List<string> Tags { get; } = [];

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? LaunchedAt { get; set; }

    public required string VmState { get; set; }

    public string? TaskState { get; set; }

    /// <summary>When its delete was accepted: it is gone once the region's delete delay has passed.</summary>
    public DateTimeOffset? DeletingSince { get; set; }

    public int PowerState { get; set; }

    public bool Locked { get; set; }

    public string? LockedReason { get; set; }

    public string? Host { get; set; }

    /// <summary>The host a cold migration left, until it is confirmed or reverted.</summary>
    public string? OldHost { get; set; }

    /// <summary>The migration a confirm or revert finishes.</summary>
    public Migration? PendingMigration { get; set; }

    public required string ReservationId { get; init; }

    public int LaunchIndex { get; init; }

    public JsonObject? Fault { get; set; }

    public List<ServerPort> Ports { get; } = [];

    public List<ServerVolume> Volumes { get; } = [];

    public int InstanceNumber { get; init; }
}

/// <summary>Nova's vm_state/task_state to API status mapping (nova.api.openstack.common).</summary>
internal static class NovaServerStatus
{
    public static string Status(string vmState, string? taskState) => vmState switch
    {
        "active" => taskState switch
        {
            "rebooting" or "reboot_pending" or "reboot_started" => "REBOOT",
            "rebooting_hard" or "reboot_pending_hard" or "reboot_started_hard" => "HARD_REBOOT",
            "rebuilding" or "rebuild_block_device_mapping" or "rebuild_spawning" => "REBUILD",
            "resize_prep" or "resize_migrating" or "resize_migrated" or "resize_finish" => "RESIZE",
            "migrating" => "MIGRATING",
            "updating_password" => "PASSWORD",
            _ => "ACTIVE",
        },
        "building" => "BUILD",
        "stopped" => taskState is "resize_prep" or "resize_migrating" or "resize_migrated" or "resize_finish" ? "RESIZE" : "SHUTOFF",
        "resized" => taskState == "resize_reverting" ? "REVERT_RESIZE" : "VERIFY_RESIZE",
        "paused" => "PAUSED",
        "suspended" => "SUSPENDED",
        "rescued" => "RESCUE",
        "error" => "ERROR",
        "deleted" => "DELETED",
        "soft-delete" => "SOFT_DELETED",
        "shelved" => "SHELVED",
        "shelved_offloaded" => "SHELVED_OFFLOADED",
        _ => "UNKNOWN",
    };

    /// <summary>The vm_state a status filter names (<c>?status=ACTIVE</c>).</summary>
    public static string[] VmStates(string status) => status.ToUpperInvariant() switch
    {
        "ACTIVE" or "REBOOT" or "HARD_REBOOT" or "REBUILD" or "MIGRATING" or "PASSWORD" => ["active"],
        "BUILD" => ["building"],
        "SHUTOFF" => ["stopped"],
        "VERIFY_RESIZE" or "REVERT_RESIZE" => ["resized"],
        "RESIZE" => ["active", "stopped"],
        "PAUSED" => ["paused"],
        "SUSPENDED" => ["suspended"],
        "RESCUE" => ["rescued"],
        "ERROR" => ["error"],
        "DELETED" => ["deleted"],
        "SOFT_DELETED" => ["soft-delete"],
        "SHELVED" => ["shelved"],
        "SHELVED_OFFLOADED" => ["shelved_offloaded"],
        _ => [],
    };
}

/// <summary>A row of Nova's <c>services</c> table.</summary>
internal sealed class NovaService
{
    public required int Id { get; init; }

    public required string Uuid { get; init; }

    public required string Binary { get; init; }

    public required string Host { get; init; }

    public required string Zone { get; init; }

    public bool Disabled { get; set; }

    public string? DisabledReason { get; set; }

    public bool ForcedDown { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A Nova server group (InstanceGroup): one policy, its rules, its members.</summary>
internal sealed class ServerGroup
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public required string ProjectId { get; init; }

    public required string UserId { get; init; }

    public required string Policy { get; init; }

    /// <summary>Only <c>max_server_per_host</c> exists (anti-affinity, 2.64).</summary>
    public int? MaxServerPerHost { get; init; }

    public List<string> Members { get; } = [];
}

/// <summary>The instance actions of one server (and whose server it was, for after it is gone).</summary>
internal sealed class ActionLog
{
    public required string ProjectId { get; init; }

    public List<InstanceAction> Actions { get; } = [];
}

internal sealed class InstanceAction
{
    public required string Action { get; init; }

    public required string RequestId { get; init; }

    public required string UserId { get; init; }

    public required string ProjectId { get; init; }

    public required DateTimeOffset StartTime { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>"Error" when an event failed (as Nova's action message), else null.</summary>
    public string? Message { get; set; }

    public List<InstanceActionEvent> Events { get; } = [];
}

internal sealed record InstanceActionEvent(string Event, DateTimeOffset StartTime, DateTimeOffset FinishTime, string Result, string? Traceback, string? Host);

/// <summary>A migration record (cold, resize or live) as <c>os-migrations</c> shows it.</summary>
internal sealed class Migration
{
    public required int Id { get; init; }

    public required string Uuid { get; init; }

    public required string InstanceUuid { get; init; }

    public required string Type { get; init; }

    public required string SourceCompute { get; init; }

    public required string DestCompute { get; init; }

    public int OldFlavorId { get; init; }

    public int NewFlavorId { get; init; }

    public required string Status { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }
}
