using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Tricircle.Hosting;
using Tricircle.Pods;

namespace Tricircle.Network;

/// <summary>
/// The central region's Neutron v2.0 on its own port: networks, subnets, ports, security
/// groups, routers and floating IPs live in Tricircle's database and are made in a pod's Neutron
/// when a server there needs them. Errors in Neutron's shape (<c>{"NeutronError": {"type", "message", "detail"}}</c>).
/// </summary>
internal static class NetworkApi
{
    public const string ServiceType = "network";

    public static void MapNetworkApi(this IEndpointRouteBuilder app)
    {
        var root = app.MapGroup("").WithMetadata(new ApiRoleMetadata(ServiceRole.Network));

        // Neutron lists its one API version without a token.
        root.MapGet("/", (HttpContext context) => TypedResults.Json(new JsonObject
        {
            ["versions"] = new JsonArray(new JsonObject
            {
                ["id"] = "v2.0",
                ["status"] = "CURRENT",
                ["links"] = new JsonArray(new JsonObject { ["href"] = PodForwarder.GatewayBase(context) + "/v2.0/", ["rel"] = "self" }),
            }),
        })).WithMetadata(new AllowAnonymousAttribute());

        var v20 = root.MapGroup("/v2.0");
        v20.MapGet("/", (HttpContext context) => TypedResults.Json(new JsonObject
        {
            ["resources"] = new JsonArray([.. Collections.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.TrimEnd('s'),
                ["collection"] = c,
                ["links"] = new JsonArray(new JsonObject { ["href"] = Url(context, c), ["rel"] = "self" }),
            })]),
        }));
        v20.MapNetworkExtensionsApi();
        v20.MapNetworksApi();
        v20.MapSubnetsApi();
        v20.MapSubnetPoolsApi();
        v20.MapAddressScopesApi();
        v20.MapPortsApi();
        v20.MapSecurityGroupsApi();
        v20.MapQosApi();
        v20.MapRoutersApi();
        v20.MapFloatingIpsApi();
        v20.MapTrunksApi();
        v20.MapAvailabilityZonesApi();
        v20.MapAgentsApi();
        v20.MapNetworkQuotasApi();
    }

    /// <summary>The top-level collections the v2.0 root lists.</summary>
    public static readonly IReadOnlyList<string> Collections = ["networks", "subnets", "ports", "security-groups", "security-group-rules", "routers", "floatingips", "subnetpools", "address-scopes", "trunks"];

    /// <summary>The API's URL of a v2.0 collection or resource, for links.</summary>
    public static string Url(HttpContext context, string relative) => $"{PodForwarder.GatewayBase(context)}/v2.0/{relative}";
}
