using System.Text.Json.Nodes;
using Tricircle.Pods;

namespace Tricircle.Network;

/// <summary>
/// <c>GET /v2.0/availability_zones</c>: the pods' AZs (their <c>az_name</c>), each offered for
/// networks and routers, as Neutron lists the zones of its agents. Filters on name, resource and
/// state; <c>fields</c>.
/// </summary>
internal static class AvailabilityZonesApi
{
    private static readonly string[] Filters = ["name", "resource", "state"];

    private static readonly string[] Resources = ["network", "router"];

    public static void MapAvailabilityZonesApi(this IEndpointRouteBuilder v20) =>
        v20.MapGet("/availability_zones", async (HttpContext context, PodStore pods) =>
        {
            var query = context.Request.Query;
            var unknown = query.Keys.Where(k => !Filters.Contains(k, StringComparer.Ordinal) && k != "fields").ToList();
            if (unknown.Count > 0)
            {
                throw new Hosting.ApiException(StatusCodes.Status400BadRequest, $"[{string.Join(", ", unknown.Select(k => $"'{k}'"))}] is invalid attribute for filtering", "HTTPBadRequest");
            }

            var zones = (await pods.ListAsync(new Dictionary<string, string>(), context.RequestAborted))
                .Where(p => !p.IsCentral)
                .Select(p => p.AzName)
                .Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal)
                .SelectMany(az => Resources.Select(resource => new JsonObject { ["name"] = az, ["resource"] = resource, ["state"] = "available" }))
                .Where(zone => Filters.All(f => !query.TryGetValue(f, out var wanted) || wanted.Contains((string?)zone[f])))
                .Select(zone => (JsonNode)NeutronQuery.Project(zone, NeutronQuery.FieldsOf(query)));
            return TypedResults.Json(new JsonObject { ["availability_zones"] = new JsonArray([.. zones]) });
        });
}
