using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Tricircle.Emulator.Regions.Network;

/// <summary>Neutron v2.0 over HTTP: version documents, extensions and the core and L3 resources.</summary>
internal static class NeutronApi
{
    /// <summary>The extensions this emulator implements (what openstackclient checks before using a feature).</summary>
    private static readonly (string Alias, string Name, string Description)[] Extensions =
    [
        ("allowed-address-pairs", "Allowed Address Pairs", "Provides allowed address pairs"),
        ("agent", "agent", "The agent management extension."),
        ("availability_zone", "Availability Zone", "The availability zone extension."),
        ("binding", "Port Binding", "Expose port bindings of a virtual port to external application"),
        ("external-net", "Neutron external network", "Adds external network attribute to network resource."),
        ("extra_dhcp_opt", "Neutron Extra DHCP options", "Extra options configuration for DHCP. For example PXE boot options to DHCP clients can be specified (e.g. tftp-server, server-ip-address, bootfile-name)"),
        ("extraroute", "Neutron Extra Route", "Extra routes configuration for L3 router"),
        ("fip-port-details", "Floating IP Port Details Extension", "Add port_details attribute to Floating IP resource"),
        ("ip_allocation", "IP Allocation", "IP allocation extension."),
        ("l2_adjacency", "L2 Adjacency", "Display L2 Adjacency for Neutron Networks."),
        ("net-mtu", "Network MTU", "Provides MTU attribute for a network resource."),
        ("net-mtu-writable", "Network MTU (writable)", "Provides a writable MTU attribute for a network resource."),
        ("network_availability_zone", "Network Availability Zone", "Availability zone support for network."),
        ("port-security", "Port Security", "Provides port security"),
        ("project-id", "project_id field enabled", "Extension that indicates that project_id field is enabled."),
        ("provider", "Provider Network", "Expose mapping of virtual networks to physical networks"),
        ("router", "Neutron L3 Router", "Router abstraction for basic L3 forwarding between L2 Neutron networks and access to external networks via a NAT gateway."),
        ("router_availability_zone", "Router Availability Zone", "Availability zone support for router."),
        ("ext-gw-mode", "Neutron L3 Configurable external gateway mode", "Extension of the router abstraction for specifying whether SNAT should occur on the external gateway"),
        ("security-group", "security-group", "The security groups extension."),
        ("security-groups-normalized-cidr", "Normalized CIDR field for security group rules", "Add new field with normalized remote_ip_prefix cidr in SG rule"),
        ("stateful-security-group", "Stateful security group", "Indicates if the security group is stateful or not"),
        ("quotas", "Quota management support", "Expose functions for quotas management per project"),
        ("quota_details", "Quota details management support", "Expose functions for quotas usage statistics per project"),
        ("trunk", "Trunk Extension", "Provides support for trunk ports"),
        ("trunk-details", "Trunk port details", "Expose trunk port details"),
        ("standard-attr-tag", "Tag support for resources with standard attribute: subnet, trunk, network_segment_range, router, network, policy, subnetpool, port, security_group, floatingip", "Enables to set tag on resources with standard attribute."),
        ("standard-attr-description", "standard-attr-description", "Extension to add descriptions to standard attributes"),
        ("standard-attr-revisions", "Resource revision numbers", "This extension will display the revision number of neutron resources."),
        ("standard-attr-timestamp", "Resource timestamps", "Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes."),
        ("pagination", "Pagination support", "Extension that indicates that pagination is enabled."),
        ("sorting", "Sorting support", "Extension that indicates that sorting is enabled."),
        ("fields", "fields", "Extension that indicates that the fields parameter is supported."),
        ("qos", "Quality of Service", "The Quality of Service extension."),
        ("qos-bw-limit-direction", "Direction for QoS bandwidth limit rule", "Allow to configure QoS bandwidth limit rule with specific direction: ingress or egress"),
        ("qos-bw-minimum-ingress", "Ingress direction for QoS minimum bandwidth rule", "Allow to configure QoS minumum bandwidth rule with ingress direction."),
        ("qos-default", "QoS default policy", "Expose the QoS default policy per project"),
        ("qos-port-network-policy", "QoS port network policy ID", "Adds a the QoS network ID to the port definition"),
        ("qos-pps-minimum", "QoS minimum packet rate rule", "Allow to configure QoS minimum packet rate rule."),
        ("qos-rule-type-details", "Details of QoS rule types", "Expose details about QoS rule types supported by loaded backend drivers"),
    ];

    /// <summary>URL segment, collection key, singular key.</summary>
    private static readonly (string Path, string Collection, string Singular)[] Resources =
    [
        ("networks", "networks", "network"),
        ("subnets", "subnets", "subnet"),
        ("ports", "ports", "port"),
        ("routers", "routers", "router"),
        ("floatingips", "floatingips", "floatingip"),
        ("security-groups", "security_groups", "security_group"),
        ("security-group-rules", "security_group_rules", "security_group_rule"),
        ("trunks", "trunks", "trunk"),
    ];

    public static void Map(IEndpointRouteBuilder app, RegionContext region)
    {
        var state = region.Network;
        app.MapGet("/", context => RegionHttp.WriteJsonAsync(context, 200, new JsonObject
        {
            ["versions"] = new JsonArray(new JsonObject
            {
                ["id"] = "v2.0",
                ["status"] = "CURRENT",
                ["links"] = new JsonArray(new JsonObject { ["href"] = Base(context) + "/v2.0/", ["rel"] = "self" }),
            }),
        })).AllowAnonymous();
        app.MapGet("/v2.0", context => !context.Request.Path.Value!.EndsWith('/')
            ? throw OpenStackFault.NotFound("The resource could not be found.") // Neutron lists resources only at "/v2.0/"
            : RegionHttp.WriteJsonAsync(context, 200, new JsonObject
            {
                ["resources"] = new JsonArray(Resources.Select(r => (JsonNode)new JsonObject
                {
                    ["links"] = new JsonArray(new JsonObject { ["href"] = $"{Base(context)}/v2.0/{r.Path}", ["rel"] = "self" }),
                    ["name"] = r.Singular,
                    ["collection"] = r.Collection,
                }).ToArray()),
            }));
        app.MapGet("/v2.0/extensions", context => RegionHttp.WriteJsonAsync(context, 200, new JsonObject
        {
            ["extensions"] = new JsonArray(Extensions.Select(e => (JsonNode)Extension(e)).ToArray()),
        }));
        app.MapGet("/v2.0/extensions/{alias}", context =>
        {
            var alias = (string)context.Request.RouteValues["alias"]!;
            var extension = Extensions.FirstOrDefault(e => e.Alias == alias);
            return extension.Alias is null
                ? throw OpenStackFault.NotFound($"Extension with alias {alias} does not exist")
                : RegionHttp.WriteJsonAsync(context, 200, new JsonObject { ["extension"] = Extension(extension) });
        });

        foreach (var (path, collection, singular) in Resources)
        {
            app.MapGet($"/v2.0/{path}", context =>
                RegionHttp.WriteJsonAsync(context, 200, NeutronQuery.List(context.Request, collection, state.Visible(context.Caller(), collection))));
            app.MapGet($"/v2.0/{path}/{{id}}", context =>
            {
                var id = Id(context);
                var item = collection == "security_groups" ? state.ShowGroup(context.Caller(), id) : state.Show(context.Caller(), collection, id);
                var fields = context.Request.Query["fields"].Where(f => !string.IsNullOrEmpty(f)).Select(f => f!).ToList();
                return RegionHttp.WriteJsonAsync(context, 200, new JsonObject { [singular] = NeutronQuery.Project(item, fields) });
            });
            app.MapPost($"/v2.0/{path}", async context =>
            {
                var body = await ReadResourceBodyAsync(context, singular);
                var caller = context.Caller();
                if (body[collection] is JsonArray bulk)
                {
                    if (bulk.Count == 0)
                    {
                        throw OpenStackFault.BadRequest("Resources required");
                    }

                    // All or nothing, as ML2's native bulk: an item that fails takes back those made before it.
                    var created = new JsonArray();
                    try
                    {
                        foreach (var item in bulk)
                        {
                            var fields = item is JsonObject o && o.ContainsKey(singular) ? Wrapped(o, singular) : item as JsonObject;
                            created.Add(Create(state, caller, collection, fields ?? throw OpenStackFault.BadRequest($"Object '{singular}' contains invalid data")));
                        }
                    }
                    catch (OpenStackFault)
                    {
                        foreach (var made in created.Reverse())
                        {
                            Delete(state, collection)(caller, (string)made!["id"]!);
                        }

                        throw;
                    }

                    await RegionHttp.WriteJsonAsync(context, 201, new JsonObject { [collection] = created });
                    return;
                }

                var one = Create(state, caller, collection, Wrapped(body, singular));
                await RegionHttp.WriteJsonAsync(context, 201, new JsonObject { [singular] = one });
            });
            app.MapPut($"/v2.0/{path}/{{id}}", async context =>
            {
                var body = Wrapped(await ReadResourceBodyAsync(context, singular), singular);
                var caller = context.Caller();
                var id = Id(context);
                JsonObject updated = collection switch
                {
                    "networks" => state.UpdateNetwork(caller, id, body),
                    "subnets" => state.UpdateSubnet(caller, id, body),
                    "ports" => state.UpdatePort(caller, id, body),
                    "routers" => state.UpdateRouter(caller, id, body),
                    "floatingips" => state.UpdateFloatingIp(caller, id, body),
                    "security_groups" => state.UpdateGroup(caller, id, body),
                    "trunks" => state.UpdateTrunk(caller, id, body),
                    _ => throw new OpenStackFault(405, "The method is not allowed for this resource.", "HTTPMethodNotAllowed"),
                };
                await RegionHttp.WriteJsonAsync(context, 200, new JsonObject { [singular] = updated });
            });
            app.MapDelete($"/v2.0/{path}/{{id}}", context =>
            {
                var caller = context.Caller();
                var id = Id(context);
                Delete(state, collection)(caller, id);
                context.Response.StatusCode = 204;
                return Task.CompletedTask;
            });
        }

        foreach (var (path, collection, _) in Resources.Where(r => r.Collection != "security_group_rules"))
        {
            app.MapGet($"/v2.0/{path}/{{id}}/tags", context =>
                RegionHttp.WriteJsonAsync(context, 200, new JsonObject { ["tags"] = state.Tags(context.Caller(), collection, Id(context), null) }));
            app.MapGet($"/v2.0/{path}/{{id}}/tags/{{tag}}", context =>
            {
                var tag = (string)context.Request.RouteValues["tag"]!;
                if (!state.Tags(context.Caller(), collection, Id(context), null).Any(t => (string?)t == tag))
                {
                    throw OpenStackFault.NotFound($"Tag {tag} could not be found.", "TagNotFound");
                }

                context.Response.StatusCode = 204;
                return Task.CompletedTask;
            });
            app.MapPut($"/v2.0/{path}/{{id}}/tags", async context =>
            {
                var body = await ReadMemberActionBodyAsync(context);
                var tags = body["tags"] as JsonArray ?? throw OpenStackFault.BadRequest("Invalid input for tags. Reason: a list of tags is expected.");
                var wanted = tags.Select(t => t?.GetValueKind() == System.Text.Json.JsonValueKind.String ? t.GetValue<string>() : throw OpenStackFault.BadRequest($"Invalid input for operation: '{t?.ToJsonString()}' is not a valid tag.", "InvalidInput")).ToList();
                await RegionHttp.WriteJsonAsync(context, 200, new JsonObject { ["tags"] = state.Tags(context.Caller(), collection, Id(context), _ => wanted) });
            });
            app.MapPut($"/v2.0/{path}/{{id}}/tags/{{tag}}", context =>
            {
                var tag = (string)context.Request.RouteValues["tag"]!;
                state.Tags(context.Caller(), collection, Id(context), current => [.. current, tag]);
                context.Response.StatusCode = 201;
                context.Response.ContentType = "application/json";
                return context.Response.WriteAsync("null", context.RequestAborted); // Neutron's body is the JSON null
            });
            app.MapDelete($"/v2.0/{path}/{{id}}/tags", context =>
            {
                state.Tags(context.Caller(), collection, Id(context), _ => []);
                context.Response.StatusCode = 204;
                return Task.CompletedTask;
            });
            app.MapDelete($"/v2.0/{path}/{{id}}/tags/{{tag}}", context =>
            {
                var tag = (string)context.Request.RouteValues["tag"]!;
                state.Tags(context.Caller(), collection, Id(context), current => current.Contains(tag)
                    ? current.Where(t => t != tag).ToList()
                    : throw OpenStackFault.NotFound($"Tag {tag} could not be found.", "TagNotFound"));
                context.Response.StatusCode = 204;
                return Task.CompletedTask;
            });
        }

        // availability_zone: the region's one zone, for networks and routers.
        app.MapGet("/v2.0/availability_zones", context => RegionHttp.WriteJsonAsync(context, 200, NeutronQuery.List(
            context.Request,
            "availability_zones",
            ((string[])["network", "router"]).Select(resource => new JsonObject { ["name"] = region.Options.AvailabilityZone, ["resource"] = resource, ["state"] = "available" }))));
        // agent: the region's agents, admin only.
        app.MapGet("/v2.0/agents", context => RegionHttp.WriteJsonAsync(context, 200, NeutronQuery.List(context.Request, "agents", state.Agents(context.Caller()))));
        app.MapGet("/v2.0/agents/{id}", context => RegionHttp.WriteJsonAsync(context, 200, new JsonObject { ["agent"] = NeutronQuery.Project(state.Agent(context.Caller(), Id(context)), context.Request.Query["fields"].Where(f => !string.IsNullOrEmpty(f)).Select(f => f!).ToList()) }));
        app.MapPut("/v2.0/agents/{id}", async context =>
        {
            var body = Wrapped(await ReadResourceBodyAsync(context, "agent"), "agent");
            await RegionHttp.WriteJsonAsync(context, 200, new JsonObject { ["agent"] = state.UpdateAgent(context.Caller(), Id(context), body) });
        });
        app.MapDelete("/v2.0/agents/{id}", context =>
        {
            state.DeleteAgent(context.Caller(), Id(context));
            context.Response.StatusCode = 204;
            return Task.CompletedTask;
        });
        app.MapGet("/v2.0/quotas", context =>
            RegionHttp.WriteJsonAsync(context, 200, new JsonObject { ["quotas"] = state.Quotas(context.Caller()) }));
        app.MapGet("/v2.0/quotas/{project}", context =>
            RegionHttp.WriteJsonAsync(context, 200, new JsonObject { ["quota"] = state.Quota(context.Caller(), Project(context), details: false, defaults: false) }));
        app.MapGet("/v2.0/quotas/{project}/details", context =>
            RegionHttp.WriteJsonAsync(context, 200, new JsonObject { ["quota"] = state.Quota(context.Caller(), Project(context), details: true, defaults: false) }));
        app.MapGet("/v2.0/quotas/{project}/default", context =>
            RegionHttp.WriteJsonAsync(context, 200, new JsonObject { ["quota"] = state.Quota(context.Caller(), Project(context), details: false, defaults: true) }));
        app.MapPut("/v2.0/quotas/{project}", async context =>
        {
            var body = Wrapped(await ReadResourceBodyAsync(context, "quota"), "quota");
            await RegionHttp.WriteJsonAsync(context, 200, new JsonObject { ["quota"] = state.UpdateQuota(context.Caller(), Project(context), body) });
        });
        app.MapDelete("/v2.0/quotas/{project}", context =>
        {
            state.ResetQuota(context.Caller(), Project(context));
            context.Response.StatusCode = 204;
            return Task.CompletedTask;
        });

        MapQos(app, state);
        // The trunk extension's member actions.
        app.MapPut("/v2.0/trunks/{id}/add_subports", async context =>
        {
            var body = await ReadMemberActionBodyAsync(context);
            await RegionHttp.WriteJsonAsync(context, 200, state.ChangeSubports(context.Caller(), Id(context), body, add: true));
        });
        app.MapPut("/v2.0/trunks/{id}/remove_subports", async context =>
        {
            var body = await ReadMemberActionBodyAsync(context);
            await RegionHttp.WriteJsonAsync(context, 200, state.ChangeSubports(context.Caller(), Id(context), body, add: false));
        });
        app.MapGet("/v2.0/trunks/{id}/get_subports", context =>
            RegionHttp.WriteJsonAsync(context, 200, new JsonObject { ["sub_ports"] = state.Show(context.Caller(), "trunks", Id(context))["sub_ports"]!.DeepClone() }));

        app.MapPut("/v2.0/routers/{id}/add_router_interface", async context =>
        {
            var body = await ReadMemberActionBodyAsync(context);
            await RegionHttp.WriteJsonAsync(context, 200, state.AddRouterInterface(context.Caller(), Id(context), body));
        });
        app.MapPut("/v2.0/routers/{id}/remove_router_interface", async context =>
        {
            var body = await ReadMemberActionBodyAsync(context);
            await RegionHttp.WriteJsonAsync(context, 200, state.RemoveRouterInterface(context.Caller(), Id(context), body));
        });
    }

    /// <summary>The qos service plugin's resources: policies, their rules of each type, rule types.</summary>
    private static void MapQos(IEndpointRouteBuilder app, NeutronState state)
    {
        app.MapGet("/v2.0/qos/policies", context =>
            RegionHttp.WriteJsonAsync(context, 200, NeutronQuery.List(context.Request, "policies", state.ListQosPolicies(context.Caller()))));
        app.MapPost("/v2.0/qos/policies", async context =>
        {
            var body = Wrapped(await ReadResourceBodyAsync(context, "policy"), "policy");
            await RegionHttp.WriteJsonAsync(context, 201, new JsonObject { ["policy"] = state.CreateQosPolicy(context.Caller(), body) });
        });
        app.MapGet("/v2.0/qos/policies/{id}", context =>
        {
            var fields = context.Request.Query["fields"].Where(f => !string.IsNullOrEmpty(f)).Select(f => f!).ToList();
            return RegionHttp.WriteJsonAsync(context, 200, new JsonObject { ["policy"] = NeutronQuery.Project(state.ShowQosPolicy(context.Caller(), Id(context)), fields) });
        });
        app.MapPut("/v2.0/qos/policies/{id}", async context =>
        {
            var body = Wrapped(await ReadResourceBodyAsync(context, "policy"), "policy");
            await RegionHttp.WriteJsonAsync(context, 200, new JsonObject { ["policy"] = state.UpdateQosPolicy(context.Caller(), Id(context), body) });
        });
        app.MapDelete("/v2.0/qos/policies/{id}", context =>
        {
            state.DeleteQosPolicy(context.Caller(), Id(context));
            context.Response.StatusCode = 204;
            return Task.CompletedTask;
        });
        foreach (var type in NeutronState.QosRuleTypes.Keys)
        {
            var (collection, singular) = (type + "_rules", type + "_rule");
            app.MapGet($"/v2.0/qos/policies/{{id}}/{collection}", context =>
                RegionHttp.WriteJsonAsync(context, 200, new JsonObject { [collection] = state.ListQosRules(context.Caller(), Id(context), type) }));
            app.MapPost($"/v2.0/qos/policies/{{id}}/{collection}", async context =>
            {
                var body = Wrapped(await ReadResourceBodyAsync(context, singular), singular);
                await RegionHttp.WriteJsonAsync(context, 201, new JsonObject { [singular] = state.CreateQosRule(context.Caller(), Id(context), type, body) });
            });
            app.MapGet($"/v2.0/qos/policies/{{id}}/{collection}/{{rule}}", context =>
                RegionHttp.WriteJsonAsync(context, 200, new JsonObject { [singular] = state.ShowQosRule(context.Caller(), Id(context), type, Rule(context)) }));
            app.MapPut($"/v2.0/qos/policies/{{id}}/{collection}/{{rule}}", async context =>
            {
                var body = Wrapped(await ReadResourceBodyAsync(context, singular), singular);
                await RegionHttp.WriteJsonAsync(context, 200, new JsonObject { [singular] = state.UpdateQosRule(context.Caller(), Id(context), type, Rule(context), body) });
            });
            app.MapDelete($"/v2.0/qos/policies/{{id}}/{collection}/{{rule}}", context =>
            {
                state.DeleteQosRule(context.Caller(), Id(context), type, Rule(context));
                context.Response.StatusCode = 204;
                return Task.CompletedTask;
            });
        }

        // The rule types the region's one driver (openvswitch) supports; a type's details are an admin's (Zed's plugin raises NotAuthorized).
        app.MapGet("/v2.0/qos/rule-types", context => RegionHttp.WriteJsonAsync(context, 200, new JsonObject
        {
            ["rule_types"] = new JsonArray([.. NeutronState.QosRuleTypes.Keys.Select(t => (JsonNode)new JsonObject { ["type"] = t })]),
        }));
        app.MapGet("/v2.0/qos/rule-types/{type}", context =>
        {
            if (!context.Caller().IsAdmin)
            {
                throw OpenStackFault.Forbidden("Not authorized.", "NotAuthorized");
            }

            var type = (string)context.Request.RouteValues["type"]!;
            if (!NeutronState.QosRuleTypes.TryGetValue(type, out var spec))
            {
                throw OpenStackFault.NotFound($"Rule type {type} could not be found.", "QosRuleTypeNotFound");
            }

            var parameters = new JsonArray([.. spec.Values.Select(v => (JsonNode)new JsonObject
            {
                ["parameter_name"] = v,
                ["parameter_type"] = v == "dscp_mark" ? "choices" : "range",
                ["parameter_values"] = v == "dscp_mark"
                    ? new JsonArray([.. ((int[])[0, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40, 44, 46, 48, 56]).Select(m => (JsonNode)m)])
                    : new JsonObject { ["start"] = 0, ["end"] = int.MaxValue },
            })]);
            if (spec.Directions is not null)
            {
                parameters.Add(new JsonObject { ["parameter_name"] = "direction", ["parameter_type"] = "choices", ["parameter_values"] = new JsonArray([.. spec.Directions.Select(d => (JsonNode)d)]) });
            }

            return RegionHttp.WriteJsonAsync(context, 200, new JsonObject
            {
                ["rule_type"] = new JsonObject { ["type"] = type, ["drivers"] = new JsonArray(new JsonObject { ["name"] = "openvswitch", ["supported_parameters"] = parameters }) },
            });
        });
    }

    private static string Rule(HttpContext context) => (string)context.Request.RouteValues["rule"]!;

    private static JsonObject Create(NeutronState state, Caller caller, string collection, JsonObject body) => collection switch
    {
        "networks" => state.CreateNetwork(caller, body),
        "subnets" => state.CreateSubnet(caller, body),
        "ports" => state.CreatePort(caller, body),
        "routers" => state.CreateRouter(caller, body),
        "floatingips" => state.CreateFloatingIp(caller, body),
        "security_groups" => state.CreateGroup(caller, body),
        "trunks" => state.CreateTrunk(caller, body),
        _ => state.CreateRule(caller, body),
    };

    private static Action<Caller, string> Delete(NeutronState state, string collection) => collection switch
    {
        "networks" => state.DeleteNetwork,
        "subnets" => state.DeleteSubnet,
        "ports" => state.DeletePort,
        "routers" => state.DeleteRouter,
        "floatingips" => state.DeleteFloatingIp,
        "security_groups" => state.DeleteGroup,
        "trunks" => state.DeleteTrunk,
        _ => state.DeleteRule,
    };

    // Neutron's body hook drops what it cannot parse, and the controller then finds no resource in it.
    private static Task<JsonObject> ReadResourceBodyAsync(HttpContext context, string resource) =>
        RegionHttp.ReadObjectAsync(context, $"Unable to find '{resource}' in request body", sameForAnyNonObject: true);

    // Extension and member-action bodies go through neutron.wsgi's JSON deserializer.
    private static Task<JsonObject> ReadMemberActionBodyAsync(HttpContext context) =>
        RegionHttp.ReadObjectAsync(context, "Malformed request body: Cannot understand JSON", malformedType: "MalformedRequestBody");

    // As neutron.api.v2.base.Controller.prepare_request_body.
    private static JsonObject Wrapped(JsonObject body, string resource) =>
        body[resource] as JsonObject ?? throw OpenStackFault.BadRequest($"Unable to find '{resource}' in request body");

    private static string Id(HttpContext context) => (string)context.Request.RouteValues["id"]!;

    private static string Project(HttpContext context) => (string)context.Request.RouteValues["project"]!;

    private static string Base(HttpContext context) => $"{context.Request.Scheme}://{context.Request.Host}";

    private static JsonObject Extension((string Alias, string Name, string Description) e) => new()
    {
        ["name"] = e.Name,
        ["alias"] = e.Alias,
        ["description"] = e.Description,
        ["updated"] = "2013-01-20T00:00:00-00:00",
        ["links"] = new JsonArray(),
    };
}
