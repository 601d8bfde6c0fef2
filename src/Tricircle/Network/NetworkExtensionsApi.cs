using System.Text.Json.Nodes;

namespace Tricircle.Network;

/// <summary>
/// <c>GET /v2.0/extensions</c>: the Neutron API extensions the central Neutron implements.
/// Clients (openstackclient, Horizon, Nova) decide what to send by this list, so it names only
/// what is really served; each capability adds its aliases here when it lands.
/// </summary>
internal static class NetworkExtensionsApi
{
    public sealed record Extension(string Alias, string Name, string Description, string Updated = "2013-01-01T00:00:00-00:00");

    public static readonly IReadOnlyList<Extension> Served =
    [
        new("security-group", "security-group", "The security groups extension."),
        new("stateful-security-group", "Stateful security group", "Indicates if the security group is stateful or not", "2019-11-26T09:00:00-00:00"),
        new("quotas", "Quota management support", "Expose functions for quotas management per project", "2012-07-29T10:00:00-00:00"),
        new("quota_details", "Quota details management support", "Expose functions for quotas usage statistics per project", "2017-02-10T10:00:00-00:00"),
        new("availability_zone", "Availability Zone", "The availability zone extension.", "2015-01-01T10:00:00-00:00"),
    ];

    public static void MapNetworkExtensionsApi(this IEndpointRouteBuilder v20)
    {
        v20.MapGet("/extensions", () => TypedResults.Json(new JsonObject { ["extensions"] = new JsonArray([.. Served.Select(Json)]) }));
        v20.MapGet("/extensions/{alias}", (string alias) =>
            Served.FirstOrDefault(e => e.Alias == alias) is { } extension
                ? TypedResults.Json(new JsonObject { ["extension"] = Json(extension) })
                : throw NetworkApi.NotFound("Extension", alias));
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
