namespace Tricircle.Jobs;

/// <summary>
/// A kind of job: its name, the keys that name the resource it works on (joined by <c>#</c> in
/// the job's <c>resource_id</c>, as upstream), and whether an operator may start one through the
/// Admin API (a resync; not the second half of a user's delete).
/// </summary>
internal sealed record JobType(string Name, IReadOnlyList<string> Keys, bool OperatorMay, string Description)
{
    public const string PodKey = "pod_id";

    /// <summary>The pod the job works in, when one of its keys is a pod.</summary>
    public string? PodOf(IReadOnlyDictionary<string, string> resource) => Keys.Contains(PodKey) && resource.TryGetValue(PodKey, out var pod) ? pod : null;

    public string ResourceId(IReadOnlyDictionary<string, string> resource) => string.Join('#', Keys.Select(k => resource[k]));

    /// <summary>The resource map of a stored <c>resource_id</c> (upstream's split on '#').</summary>
    public IReadOnlyDictionary<string, string> Resource(string resourceId)
    {
        var parts = resourceId.Split('#');
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < Keys.Count; i++)
        {
            map[Keys[i]] = i < parts.Length ? parts[i] : "";
        }

        return map;
    }
}

/// <summary>Every job type this build runs (<c>GET /v1.0/jobs/schemas</c>).</summary>
internal static class JobTypes
{
    public static readonly JobType NetworkSync = new("network_sync", ["pod_id", "network_id"], true,
        "Makes the network's copy in the pod what the central network says: updated, or deleted (with its subnets and DHCP ports) when the central network is gone; an external network's copy (with its subnets) is made in its pod when missing.");

    public static readonly JobType SubnetSync = new("subnet_sync", ["pod_id", "subnet_id"], true,
        "Makes the subnet's copy in the pod what the central subnet says (gateway, pools, DHCP and its port, DNS, routes), or deletes it; a subnet of an external network is made in that network's pod when missing.");

    public static readonly JobType PortSync = new("port_sync", ["pod_id", "port_id"], true,
        "Makes the port's copy in the pod what the central port says (addresses, groups, pairs, state), or deletes it, with a server a failed boot left on it.");

    public static readonly JobType SecurityGroupSync = new("security_group_sync", ["pod_id", "security_group_id"], true,
        "Makes the security group's copy in the pod what central says (rules with remote groups expanded, description), or deletes it.");

    public static readonly JobType QosPolicySync = new("qos_policy_sync", ["pod_id", "qos_policy_id"], true,
        "Makes the QoS policy's copy in the pod what central says (description, shared, rules), or deletes it when central's policy is gone or no network or port copy in the pod uses it.");

    public static readonly JobType NetworkDelete = new("network_delete", ["network_id"], false,
        "Finishes a network's delete: its copies go from every pod, then the central network.");

    public static readonly JobType SubnetDelete = new("subnet_delete", ["subnet_id"], false,
        "Finishes a subnet's delete: its copies and its DHCP port go from every pod, then the central subnet.");

    public static readonly JobType SecurityGroupDelete = new("security_group_delete", ["security_group_id"], false,
        "Finishes a security group's delete: its copies go from every pod, then the central group.");

    public static readonly JobType ServerCleanup = new("server_cleanup", ["pod_id", "server_id"], false,
        "What is left of a server Tricircle no longer records (deleted, or a boot that failed after the pod made it): the server in its pod if still there, its quota, ports and bindings.");

    public static readonly JobType DeleteWait = new("delete_wait", ["pod_id", "resource_type", "resource_id"], false,
        "Waits for a server, volume, snapshot or backup whose delete its pod accepted to be gone from the pod (its 404), retrying with backoff while the pod still shows it deleting; then forgets it and frees what goes with it (its quota; a server's ports, by server_cleanup). A delete the pod gave up on (the resource left in another state) leaves it recorded.");

    public static readonly JobType VolumeCleanup = new("volume_cleanup", ["pod_id", "volume_id"], false,
        "A volume Tricircle does not record (a create that failed after the pod made it): deleted from its pod, its quota released.");

    public static readonly JobType VolumeTransferAccept = new("volume_transfer_accept", ["pod_id", "transfer_id", "volume_id", "project_id"], false,
        "Settles a volume transfer's acceptance by project_id from what the pod says: accepted there, the volume (and the snapshots that went with it) are the project's centrally too, routings and quota usage moved in one transaction; otherwise the project's reservation is given back.");

    public static readonly JobType ServerGroupCleanup = new("server_group_cleanup", ["pod_id", "server_group_id"], false,
        "A deleted server group's copy in a pod: deleted there (its members stay where they are), its routing row forgotten.");

    public static readonly JobType RouterSync = new("router_sync", ["router_id"], true,
        "Makes the router's copies in the pods what central says: a copy in each pod its networks (and external gateway) are in, gateways, interfaces, the project's bridge network between its copies, the routes through it and its floating IPs; copies in pods it left, and a bridge no router needs, removed.");

    public static readonly JobType FloatingIpSync = new("floatingip_sync", ["floatingip_id"], true,
        "Makes the floating IP's copy in its external network's pod what central says: there with its address, on its port (or that port's shadow when the port is in another pod) or on none; deleted when central's is gone.");

    public static readonly JobType ShadowPortSync = new("shadow_port_sync", ["network_id"], true,
        "With [network] cross_pod_vxlan_mode = shadow: makes the shadows of a VxLAN network's instance ports right in every pod holding a copy of it (one per port of another pod, its MAC, addresses and host), and removes those no port or floating IP needs.");

    public static readonly JobType TrunkSync = new("trunk_sync", ["pod_id", "trunk_id"], true,
        "Makes the trunk's copy in its parent port's pod what central says: made on the parent's copy when missing, subports' copies made and added, extra ones removed, description and admin_state_up synced, central's status the copy's; deleted when central's trunk is gone.");

    public static readonly JobType PodAudit = new("pod_audit", ["pod_id"], true,
        "Compares what the pod holds with central intent (networks, subnets, ports, security groups, servers, volumes) and queues a sync or cleanup job for each difference.");

    public static readonly IReadOnlyList<JobType> All =
        [NetworkSync, SubnetSync, PortSync, SecurityGroupSync, QosPolicySync, NetworkDelete, SubnetDelete, SecurityGroupDelete, ServerCleanup, DeleteWait, VolumeCleanup, VolumeTransferAccept, ServerGroupCleanup, RouterSync, FloatingIpSync, ShadowPortSync, TrunkSync, PodAudit];

    /// <summary>A <see cref="DeleteWait"/> job for one resource in its pod.</summary>
    public static JobRequest DeleteWaitFor(string podId, string resourceType, string resourceId, string? projectId) =>
        JobRequest.For(DeleteWait, projectId, (JobType.PodKey, podId), ("resource_type", resourceType), ("resource_id", resourceId));

    private static readonly Dictionary<string, JobType> ByName = All.ToDictionary(t => t.Name, StringComparer.Ordinal);

    public static JobType? Find(string name) => ByName.GetValueOrDefault(name);
}
