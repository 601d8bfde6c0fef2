using System.Net;
using System.Text.Json.Nodes;

namespace Tricircle.Emulator.Regions.Network;

/// <summary>
/// The region's Neutron: networks, subnets, ports, routers, floating IPs, security groups. Each
/// resource is kept as the JSON object the API shows an admin; one lock guards everything. The
/// contract members (<see cref="CreatePortForDevice"/> …) are what the region's Nova calls in-process.
/// </summary>
internal sealed partial class NeutronState(RegionContext region)
{
    public const string RouterInterface = "network:router_interface";
    public const string RouterGateway = "network:router_gateway";
    public const string FloatingIpOwner = "network:floatingip";
    public const string DhcpOwner = "network:dhcp";

    private readonly Lock _gate = new();
    private readonly List<JsonObject> _networks = [];
    private readonly List<JsonObject> _subnets = [];
    private readonly List<JsonObject> _ports = [];
    private readonly List<JsonObject> _routers = [];
    private readonly List<JsonObject> _floatingIps = [];
    private readonly List<JsonObject> _groups = [];
    private readonly List<JsonObject> _rules = [];
    private readonly List<JsonObject> _trunks = [];

    public RegionContext Region { get; } = region;

    private string Now => RegionHttp.Timestamp(Region.Time.GetUtcNow());

    /// <summary>Admin inspection: the collection (networks, subnets, ports, routers, floatingips, security_groups, security_group_rules, qos_policies) as the API would list it to an admin.</summary>
    public JsonArray? Inspect(string collection)
    {
        lock (_gate)
        {
            var items = Collection(collection);
            return items is null ? null : new JsonArray(items.Select(i => i.DeepClone()).ToArray());
        }
    }

    private List<JsonObject>? Collection(string collection) => collection switch
    {
        "networks" => _networks,
        "subnets" => _subnets,
        "ports" => _ports,
        "routers" => _routers,
        "floatingips" => _floatingIps,
        "security_groups" => _groups.Select(WithRules).ToList(),
        "security_group_rules" => _rules,
        "qos_policies" => _qosPolicies.Select(WithQosRules).ToList(),
        "trunks" => _trunks,
        _ => null,
    };

    /// <summary>The collection as <paramref name="caller"/> may list it (copies, admin-only attributes removed).</summary>
    public List<JsonObject> Visible(Caller caller, string collection)
    {
        lock (_gate)
        {
            if (collection == "security_groups")
            {
                EnsureDefaultGroup(caller.ProjectId);
            }

            var items = Collection(collection) ?? throw OpenStackFault.NotFound("The resource could not be found.");
            return items.Where(i => CanSee(caller, collection, i)).Select(i => View(caller, i)).ToList();
        }
    }

    /// <summary>One resource as <paramref name="caller"/> sees it; 404 in Neutron's words when unknown or invisible.</summary>
    public JsonObject Show(Caller caller, string collection, string id)
    {
        lock (_gate)
        {
            var item = Collection(collection)!.FirstOrDefault(i => Id(i) == id);
            if (item is null || !CanSee(caller, collection, item))
            {
                throw NotFound(collection, id);
            }

            return View(caller, item);
        }
    }

    private bool CanSee(Caller caller, string collection, JsonObject item)
    {
        if (caller.IsAdmin || Project(item) == caller.ProjectId)
        {
            return true;
        }

        return collection switch
        {
            "networks" => Bool(item, "shared") || Bool(item, "router:external"),
            "subnets" => Net(Str(item, "network_id")) is { } n && Bool(n, "shared"),
            "ports" => Net(Str(item, "network_id")) is { } n && Project(n) == caller.ProjectId,
            "security_group_rules" => _groups.FirstOrDefault(g => Id(g) == Str(item, "security_group_id")) is { } g && Project(g) == caller.ProjectId,
            _ => false,
        };
    }

    private static JsonObject View(Caller caller, JsonObject item)
    {
        var copy = (JsonObject)item.DeepClone();
        if (!caller.IsAdmin)
        {
            foreach (var key in copy.Select(p => p.Key).Where(k => k.StartsWith("provider:", StringComparison.Ordinal) || (k.StartsWith("binding:", StringComparison.Ordinal) && k != "binding:vnic_type")).ToList())
            {
                copy.Remove(key);
            }
        }

        return copy;
    }

    private JsonObject WithRules(JsonObject group)
    {
        group["security_group_rules"] = new JsonArray(_rules.Where(r => Str(r, "security_group_id") == Id(group)).Select(r => r.DeepClone()).ToArray());
        return group;
    }

    private static OpenStackFault NotFound(string collection, string id) => collection switch
    {
        "networks" => OpenStackFault.NotFound($"Network {id} could not be found.", "NetworkNotFound"),
        "subnets" => OpenStackFault.NotFound($"Subnet {id} could not be found.", "SubnetNotFound"),
        "ports" => OpenStackFault.NotFound($"Port {id} could not be found.", "PortNotFound"),
        "routers" => OpenStackFault.NotFound($"Router {id} could not be found.", "RouterNotFound"),
        "floatingips" => OpenStackFault.NotFound($"Floating IP {id} could not be found", "FloatingIPNotFound"),
        "security_groups" => OpenStackFault.NotFound($"Security group {id} does not exist", "SecurityGroupNotFound"),
        "security_group_rules" => OpenStackFault.NotFound($"Security group rule {id} does not exist", "SecurityGroupRuleNotFound"),
        "trunks" => OpenStackFault.NotFound($"Trunk {id} could not be found.", "TrunkNotFound"),
        _ => OpenStackFault.NotFound("The resource could not be found."),
    };

    /// <summary>The live object (not a copy) when the caller may see it, else 404.</summary>
    private JsonObject Get(Caller caller, string collection, string? id)
    {
        var item = id is null ? null : Collection(collection)!.FirstOrDefault(i => Id(i) == id);
        if (item is null || !CanSee(caller, collection, item))
        {
            throw NotFound(collection, id ?? "None");
        }

        return item;
    }

    /// <summary>Neutron's owner-only policies (update, delete): an admin or the owning project; others 403.</summary>
    private static void RequireOwner(Caller caller, JsonObject item, string action)
    {
        if (!caller.IsAdmin && Project(item) != caller.ProjectId)
        {
            throw Policy(action);
        }
    }

    private static OpenStackFault Policy(string rule) => OpenStackFault.Forbidden($"({rule}) is disallowed by policy", "PolicyNotAuthorized");

    private static string OwnerProject(Caller caller, JsonObject body, string resource)
    {
        var tenant = NeutronBody.Str(body, "tenant_id");
        var project = NeutronBody.Str(body, "project_id");
        if (tenant is not null && project is not null && tenant != project)
        {
            throw OpenStackFault.BadRequest("'project_id' and 'tenant_id' do not match");
        }

        var owner = project ?? tenant ?? caller.ProjectId;
        if (owner != caller.ProjectId && !caller.IsAdmin)
        {
            throw Policy($"rule:create_{resource}");
        }

        return owner;
    }

    private JsonObject Stamp(JsonObject item, string projectId)
    {
        var now = Now;
        item["tenant_id"] = projectId;
        item["project_id"] = projectId;
        item["created_at"] = now;
        item["updated_at"] = now;
        item["revision_number"] = 0;
        return item;
    }

    private void Touch(JsonObject item)
    {
        item["updated_at"] = Now;
        item["revision_number"] = (int)item["revision_number"]! + 1;
    }

    private static string Id(JsonObject item) => (string)item["id"]!;

    private static string Project(JsonObject item) => Str(item, "project_id") ?? "";

    private static string? Str(JsonObject item, string key) => NeutronBody.Str(item, key);

    private static bool Bool(JsonObject item, string key) => NeutronBody.Bool(item, key, false);

    private JsonObject? Net(string? id) => _networks.FirstOrDefault(n => Id(n) == id);

    private JsonObject? SubnetById(string? id) => _subnets.FirstOrDefault(s => Id(s) == id);

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray());

    private static IPNetwork Cidr(JsonObject subnet) => IPNetwork.Parse((string)subnet["cidr"]!);

    private static int Version(JsonObject subnet) => (int)subnet["ip_version"]!;

    private static string InvalidInput(string message) => $"Invalid input for operation: {message}.";

    /// <summary>standard-attr-tag: the resource's tags after <paramref name="change"/> (replace all, add one, remove one, or read with null).</summary>
    public JsonArray Tags(Caller caller, string collection, string id, Func<List<string>, List<string>>? change)
    {
        lock (_gate)
        {
            var item = Get(caller, collection, id);
            var tags = item["tags"]!.AsArray().Select(t => (string)t!).ToList();
            if (change is null)
            {
                return Strings(tags);
            }

            RequireOwner(caller, item, "rule:update_" + collection.TrimEnd('s'));
            var updated = change(tags);
            foreach (var tag in updated)
            {
                if (tag.Length is 0 or > 255 || tag.Contains(',', StringComparison.Ordinal))
                {
                    throw OpenStackFault.BadRequest($"Invalid input for operation: '{tag}' is not a valid tag.", "InvalidInput");
                }
            }

            item["tags"] = Strings(updated.Distinct(StringComparer.Ordinal));
            Touch(item);
            return Strings(updated.Distinct(StringComparer.Ordinal));
        }
    }
}

/// <summary>A port as Nova sees it.</summary>
internal sealed record PortInfo(string Id, string NetworkId, string NetworkName, string MacAddress, IReadOnlyList<FixedIpInfo> FixedIps, string Status, string DeviceId);

internal sealed record FixedIpInfo(string SubnetId, string IpAddress, int IpVersion);
