using System.Text.Json.Nodes;

namespace Tricircle.Network;

/// <summary>
/// <c>/v2.0/agents</c> (alias <c>agent</c>): the central Neutron runs no agents (the pods' own
/// Neutrons have theirs), so the list is empty for everyone, as Neutron's is to a member, and
/// every agent id is 404 <c>AgentNotFound</c>, for a show, an update or a delete. Filters are
/// the agent's attributes (anything else is 400, as <c>filter-validation</c> has it); <c>fields</c>.
/// </summary>
internal static class AgentsApi
{
    private static readonly string[] Attributes =
    [
        "id", "agent_type", "binary", "topic", "host", "admin_state_up", "created_at", "started_at",
        "heartbeat_timestamp", "alive", "configurations", "description", "availability_zone",
        "resources_synced", "resource_versions", "load",
    ];

    public static void MapAgentsApi(this IEndpointRouteBuilder v20)
    {
        v20.MapGet("/agents", (HttpContext context) =>
        {
            var unknown = context.Request.Query.Keys.Where(k => !Attributes.Contains(k, StringComparer.Ordinal) && k != "fields").ToList();
            if (unknown.Count > 0)
            {
                throw new Hosting.ApiException(StatusCodes.Status400BadRequest, $"[{string.Join(", ", unknown.Select(k => $"'{k}'"))}] is invalid attribute for filtering", "HTTPBadRequest");
            }

            return TypedResults.Json(new JsonObject { ["agents"] = new JsonArray() });
        });
        v20.MapGet("/agents/{id}", (string id) => NotFound(id));
        v20.MapPut("/agents/{id}", (string id) => NotFound(id));
        v20.MapDelete("/agents/{id}", (string id) => NotFound(id));
    }

    private static IResult NotFound(string id) => throw NeutronErrors.NotFound("Agent", id);
}
