using System.Text.Json.Nodes;
using Tricircle.Identity;
using Tricircle.Pods;

namespace Tricircle.Network;

/// <summary>
/// <c>/v2.0/agents</c> (alias <c>agent</c>): the central Neutron runs no agents of its own, so it
/// shows the pods' Neutron agents, merged over every pod, each with its host as
/// <c>host@Region</c> and its availability zone (when it has one) as the central region names
/// the pod's AZ. Agent ids are the pods' UUIDs; a show, update or delete finds the agent's pod by
/// asking them all. Admin only, as Neutron's default policy, and in Neutron's manner: a member
/// lists none and finds none (404 <c>AgentNotFound</c>). Filters are the agent's attributes
/// (anything else is 400, as <c>filter-validation</c> has it); <c>fields</c>. A pod that does
/// not answer is left out.
/// </summary>
internal static class AgentsApi
{
    private const string ServiceType = PodNetworks.ServiceType;

    private static readonly string[] Attributes =
    [
        "id", "agent_type", "binary", "topic", "host", "admin_state_up", "created_at", "started_at",
        "heartbeat_timestamp", "alive", "configurations", "description", "availability_zone",
        "resources_synced", "resource_versions", "load",
    ];

    public static void MapAgentsApi(this IEndpointRouteBuilder v20)
    {
        v20.MapGet("/agents", ListAsync);
        v20.MapGet("/agents/{id}", ShowAsync);
        v20.MapPut("/agents/{id}", UpdateAsync);
        v20.MapDelete("/agents/{id}", DeleteAsync);
    }

    /// <summary>A pod's Neutron path: catalogs register Neutron unversioned (then <c>v2.0/</c> goes in front) or, rarely, with <c>/v2.0</c> already.</summary>
    private static async Task<string> PathAsync(PodClient client, Pod pod, string path, CancellationToken cancellationToken)
    {
        var root = await client.ServiceRootAsync(pod, ServiceType, cancellationToken);
        return (root.AbsolutePath.TrimEnd('/').EndsWith("/v2.0", StringComparison.Ordinal) ? "" : "v2.0/") + path;
    }

    private static JsonObject View(JsonObject agent, Pod pod)
    {
        OperatorViews.QualifyField(agent, "host", pod);
        if (agent["availability_zone"] is JsonValue)
        {
            agent["availability_zone"] = pod.AzName;
        }

        return agent;
    }

    private static async Task<IResult> ListAsync(HttpContext context, OperatorViews views, PodClient client)
    {
        var query = context.Request.Query;
        var unknown = query.Keys.Where(k => !Attributes.Contains(k, StringComparer.Ordinal) && k != "fields").ToList();
        if (unknown.Count > 0)
        {
            throw new Hosting.ApiException(StatusCodes.Status400BadRequest, $"[{string.Join(", ", unknown.Select(k => $"'{k}'"))}] is invalid attribute for filtering", "HTTPBadRequest");
        }

        var caller = context.GetRequestContext();
        var fields = NeutronQuery.FieldsOf(query);
        var agents = new JsonArray();
        if (!caller.IsAdmin)
        {
            // As Neutron: what the policy does not let a caller see is not listed.
            return TypedResults.Json(new JsonObject { ["agents"] = agents });
        }

        // The pods filter by everything but the host (qualified here) and the zone (named
        // differently in the pod), which are matched here after the rewrite; fields are cut here.
        var pods = await views.PodsAsync(context.RequestAborted);
        var parts = new List<string>();
        foreach (var (key, values) in query.Where(q => q.Key is not ("fields" or "availability_zone")))
        {
            foreach (var value in values)
            {
                var text = value ?? "";
                if (key == "host" && OperatorViews.Split(text, pods) is { Pod: { } pod } split)
                {
                    pods = [.. pods.Where(p => p.Pod == pod)];
                    text = split.Host;
                }

                parts.Add(Uri.EscapeDataString(key) + "=" + Uri.EscapeDataString(text));
            }
        }

        var zones = query["availability_zone"].Where(z => z is not null).Select(z => z!).ToList();
        var podQuery = parts.Count > 0 ? "?" + string.Join('&', parts) : "";
        var answers = await views.AskAsync("agents", pods, async (pod, ct) =>
            (await client.SendJsonAsync(pod, ServiceType, HttpMethod.Get, await PathAsync(client, pod, "agents" + podQuery, ct), null, caller.AuthToken, ct))?["agents"] as JsonArray ?? [],
            context.RequestAborted);
        foreach (var (_, pod, list) in answers)
        {
            foreach (var agent in list.OfType<JsonObject>().Select(a => View((JsonObject)a.DeepClone(), pod)))
            {
                if (zones.Count == 0 || zones.Contains(agent["availability_zone"]?.ToString() ?? "", StringComparer.Ordinal))
                {
                    agents.Add(NeutronQuery.Project(agent, fields));
                }
            }
        }

        return TypedResults.Json(new JsonObject { ["agents"] = agents });
    }

    /// <summary>The pod that has the agent (each pod asked at once), and the agent; 404 for a member, as Neutron answers one.</summary>
    private static async Task<(Pod Pod, JsonObject Agent)> FindAsync(HttpContext context, OperatorViews views, PodClient client, string id)
    {
        var caller = context.GetRequestContext();
        if (!caller.IsAdmin)
        {
            throw NeutronErrors.NotFound("Agent", id);
        }

        var answers = await views.AskAsync("agents", await views.PodsAsync(context.RequestAborted), async (pod, ct) =>
        {
            try
            {
                return (await client.SendJsonAsync(pod, ServiceType, HttpMethod.Get, await PathAsync(client, pod, "agents/" + Uri.EscapeDataString(id), ct), null, caller.AuthToken, ct))?["agent"] as JsonObject;
            }
            catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status404NotFound)
            {
                return null;
            }
        }, context.RequestAborted);
        return answers.FirstOrDefault(a => a.Value is not null) is { Pod: { } pod, Value: { } agent }
            ? (pod, agent)
            : throw NeutronErrors.NotFound("Agent", id);
    }

    private static async Task<IResult> ShowAsync(string id, HttpContext context, OperatorViews views, PodClient client)
    {
        var (pod, agent) = await FindAsync(context, views, client, id);
        return TypedResults.Json(new JsonObject { ["agent"] = NeutronQuery.Project(View((JsonObject)agent.DeepClone(), pod), NeutronQuery.FieldsOf(context.Request.Query)) });
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext context, OperatorViews views, PodClient client)
    {
        var body = await Hosting.RequestBody.ReadObjectAsync(context, "agent");
        var (pod, _) = await FindAsync(context, views, client, id);
        var updated = await client.SendJsonAsync(pod, ServiceType, HttpMethod.Put, await PathAsync(client, pod, "agents/" + Uri.EscapeDataString(id), context.RequestAborted), body, context.GetRequestContext().AuthToken, context.RequestAborted);
        return TypedResults.Json(new JsonObject { ["agent"] = View(updated?["agent"]?.DeepClone() as JsonObject ?? [], pod) });
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, OperatorViews views, PodClient client)
    {
        var (pod, _) = await FindAsync(context, views, client, id);
        await client.SendJsonAsync(pod, ServiceType, HttpMethod.Delete, await PathAsync(client, pod, "agents/" + Uri.EscapeDataString(id), context.RequestAborted), null, context.GetRequestContext().AuthToken, context.RequestAborted);
        return TypedResults.NoContent();
    }
}
