using System.Text.Json.Nodes;

namespace Tricircle.Network;

/// <summary>
/// <c>GET /v2.0/extensions</c>: the Neutron API extensions the central Neutron implements.
/// Clients (openstackclient, Horizon, Nova) decide what to send by this list, so it names only
/// what is really served; each capability adds its aliases here when it lands.
/// </summary>
internal static class NetworkExtensionsApi
{
    public sealed record Extension(string Alias, string Name, string Description, string Updated);

    // Names, descriptions and dates as Zed's neutron-lib definitions and Neutron's extension descriptors give them.
    public static readonly IReadOnlyList<Extension> Served =
    [
        new("provider", "Provider Network", "Expose mapping of virtual networks to physical networks", "2012-09-07T10:00:00-00:00"),
        new("external-net", "Neutron external network", "Adds external network attribute to network resource.", "2013-01-14T10:00:00-00:00"),
        new("standard-attr-tag", "Tag support for resources with standard attribute: subnet, trunk, network_segment_range, router, network, policy, subnetpool, port, security_group, floatingip", "Enables to set tag on resources with standard attribute.", "2017-01-01T00:00:00-00:00"),
        new("tag-ports-during-bulk-creation", "Tag Ports During Bulk Creation", "Allow to tag ports during bulk creation", "2019-12-29T19:00:00-00:00"),
        new("allowed-address-pairs", "Allowed Address Pairs", "Provides allowed address pairs", "2013-07-23T10:00:00-00:00"),
        new("port-security", "Port Security", "Provides port security", "2012-07-23T10:00:00-00:00"),
        new("binding", "Port Binding", "Expose port bindings of a virtual port to external application", "2014-02-03T10:00:00-00:00"),
        new("extra_dhcp_opt", "Neutron Extra DHCP options", "Extra options configuration for DHCP. For example PXE boot options to DHCP clients can be specified (e.g. tftp-server, server-ip-address, bootfile-name)", "2013-03-17T12:00:00-00:00"),
        new("ip-substring-filtering", "IP address substring filtering", "Provides IP address substring filtering when listing ports", "2017-11-28T09:00:00-00:00"),
        new("network_availability_zone", "Network Availability Zone", "Availability zone support for network.", "2015-01-01T10:00:00-00:00"),
        new("standard-attr-description", "standard-attr-description", "Extension to add descriptions to standard attributes", "2016-02-10T10:00:00-00:00"),
        new("standard-attr-timestamp", "Resource timestamps", "Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes.", "2016-09-12T10:00:00-00:00"),
        new("standard-attr-revisions", "Resource revision numbers", "This extension will display the revision number of neutron resources.", "2016-04-11T10:00:00-00:00"),
        new("project-id", "project_id field enabled", "Extension that indicates that project_id field is enabled.", "2016-09-09T09:09:09-09:09"),
        new("net-mtu", "Network MTU", "Provides MTU attribute for a network resource.", "2015-03-25T10:00:00-00:00"),
        new("net-mtu-writable", "Network MTU (writable)", "Provides a writable MTU attribute for a network resource.", "2017-07-12T00:00:00-00:00"),
        new("filter-validation", "Filter parameters validation", "Provides validation on filter parameters.", "2018-07-04T10:00:00-00:00"),
        new("sorting", "Sorting support", "Extension that indicates that sorting is enabled.", "2016-06-12T00:00:00-00:00"),
        new("pagination", "Pagination support", "Extension that indicates that pagination is enabled.", "2016-06-12T00:00:00-00:00"),
        new("security-group", "security-group", "The security groups extension.", "2012-10-05T10:00:00-00:00"),
        new("security-groups-normalized-cidr", "Normalized CIDR field for security group rules", "Add new field with normalized remote_ip_prefix cidr in SG rule", "2020-07-28T10:00:00-00:00"),
        new("stateful-security-group", "Stateful security group", "Indicates if the security group is stateful or not", "2019-11-26T09:00:00-00:00"),
        new("quotas", "Quota management support", "Expose functions for quotas management per project", "2012-07-29T10:00:00-00:00"),
        new("quota_details", "Quota details management support", "Expose functions for quotas usage statistics per project", "2017-02-10T10:00:00-00:00"),
        new("availability_zone", "Availability Zone", "The availability zone extension.", "2015-01-01T10:00:00-00:00"),
        new("agent", "agent", "The agent management extension.", "2013-02-03T10:00:00-00:00"),
        new("router", "Neutron L3 Router", "Router abstraction for basic L3 forwarding between L2 Neutron networks and access to external networks via a NAT gateway.", "2012-07-20T10:00:00-00:00"),
        new("extraroute", "Neutron Extra Route", "Extra routes configuration for L3 router", "2013-02-01T10:00:00-00:00"),
        new("ext-gw-mode", "Neutron L3 Configurable external gateway mode", "Extension of the router abstraction for specifying whether SNAT should occur on the external gateway", "2013-03-28T10:00:00-00:00"),
        new("router_availability_zone", "Router Availability Zone", "Availability zone support for router.", "2015-01-01T10:00:00-00:00"),
        new("subnet_allocation", "Subnet Allocation", "Enables allocation of subnets from a subnet pool", "2015-03-30T10:00:00-00:00"),
        new("default-subnetpools", "Default Subnetpools", "Provides ability to mark and use a subnetpool as the default.", "2016-02-18T18:00:00-00:00"),
        new("subnetpool-prefix-ops", "Subnet Pool Prefix Operations", "Provides support for adjusting the prefix list of subnet pools", "2019-02-08T10:00:00-00:00"),
        new("address-scope", "Address scope", "Address scopes extension.", "2015-07-26T10:00:00-00:00"),
        new("fip-port-details", "Floating IP Port Details Extension", "Add port_details attribute to Floating IP resource", "2018-04-09T10:00:00-00:00"),
        new("qos", "Quality of Service", "The Quality of Service extension.", "2015-06-08T10:00:00-00:00"),
        new("qos-bw-limit-direction", "Direction for QoS bandwidth limit rule", "Allow to configure QoS bandwidth limit rule with specific direction: ingress or egress", "2017-04-10T10:00:00-00:00"),
        new("qos-bw-minimum-ingress", "Ingress direction for QoS minimum bandwidth rule", "Allow to configure QoS minumum bandwidth rule with ingress direction.", "2018-07-09T10:00:00-00:00"),
        new("qos-default", "QoS default policy", "Expose the QoS default policy per project", "2017-041-06T10:00:00-00:00"),
        new("qos-port-network-policy", "QoS port network policy ID", "Adds a the QoS network ID to the port definition", "2019-11-01T10:00:00-00:00"),
        new("qos-pps-minimum", "QoS minimum packet rate rule", "Allow to configure QoS minimum packet rate rule.", "2021-07-14T10:00:00-00:00"),
        new("qos-rule-type-details", "Details of QoS rule types", "Expose details about QoS rule types supported by loaded backend drivers", "2017-06-22T10:00:00-00:00"),
        new("trunk", "Trunk Extension", "Provides support for trunk ports", "2016-01-01T10:00:00-00:00"),
        new("trunk-details", "Trunk port details", "Expose trunk port details", "2016-01-01T10:00:00-00:00"),
    ];

    public static void MapNetworkExtensionsApi(this IEndpointRouteBuilder v20)
    {
        v20.MapGet("/extensions", () => TypedResults.Json(new JsonObject { ["extensions"] = new JsonArray([.. Served.Select(Json)]) }));
        v20.MapGet("/extensions/{alias}", (string alias) =>
            Served.FirstOrDefault(e => e.Alias == alias) is { } extension
                ? TypedResults.Json(new JsonObject { ["extension"] = Json(extension) })
                : throw NeutronErrors.NotFound("Extension", alias));
    }

    private static JsonNode Json(Extension e) => new JsonObject
    {
        ["name"] = e.Name,
        ["alias"] = e.Alias,
        ["description"] = e.Description,
        ["updated"] = e.Updated,
        ["links"] = new JsonArray(),
    };
}
