namespace Tricircle.Routing;

/// <summary>The resource types a routing row may map (upstream's networking types plus the gateway's).</summary>
internal static class ResourceTypes
{
    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        // Networking (upstream master).
        "network", "subnet", "port", "router", "security_group", "floatingip", "trunk", "port_pair",
        "port_pair_group", "flow_classifier", "port_chain", "qos_policy",
        // A port's stand-in in another pod (a floating IP's target, seen from the external network's pod).
        "shadow_port",
        // Compute, volume and image gateways (2.0.1 / Trio2o and ours).
        "server", "volume", "snapshot", "backup", "volume_type", "flavor", "keypair", "image",
        // A volume transfer on offer, in its volume's pod (forgotten once accepted or deleted).
        "volume_transfer",
        // A central server group's copy in a pod (the pod's own group of the same policy).
        "server_group",
    };
}
