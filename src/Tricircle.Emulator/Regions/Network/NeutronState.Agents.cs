using System.Text.Json.Nodes;

namespace Tricircle.Emulator.Regions.Network;

/// <summary>
/// The region's Neutron agents (<c>agent</c> extension) as an ML2/OVS devstack has them on its one
/// host: Open vSwitch, DHCP, L3 and metadata agents. Admin only, as Neutron's default policy: a
/// member lists none and finds none (404), as Neutron hides what a policy does not let one see.
/// </summary>
internal sealed partial class NeutronState
{
    private static readonly string[] AgentUpdatable = ["admin_state_up", "description"];

    private List<JsonObject>? _agents;

    private List<JsonObject> AgentsLocked()
    {
        if (_agents is not null)
        {
            return _agents;
        }

        var zone = Region.Options.AvailabilityZone;
        var host = Region.ComputeHost;
        _agents = [];
        foreach (var (type, binary, topic, hasZone) in new[]
        {
            ("Open vSwitch agent", "neutron-openvswitch-agent", "N/A", false),
            ("DHCP agent", "neutron-dhcp-agent", "dhcp_agent", true),
            ("L3 agent", "neutron-l3-agent", "l3_agent", true),
            ("Metadata agent", "neutron-metadata-agent", "N/A", false),
        })
        {
            _agents.Add(new JsonObject
            {
                ["id"] = Compute.NovaState.StableUuid(Region.Options.Name + "/" + binary),
                ["agent_type"] = type,
                ["binary"] = binary,
                ["topic"] = topic,
                ["host"] = host,
                ["admin_state_up"] = true,
                ["created_at"] = Now.Replace("T", " ", StringComparison.Ordinal).TrimEnd('Z'),
                ["started_at"] = Now.Replace("T", " ", StringComparison.Ordinal).TrimEnd('Z'),
                ["heartbeat_timestamp"] = Now.Replace("T", " ", StringComparison.Ordinal).TrimEnd('Z'),
                ["alive"] = true,
                ["configurations"] = new JsonObject(),
                ["description"] = null,
                ["availability_zone"] = hasZone ? zone : null,
                ["resources_synced"] = null,
                ["load"] = 0,
            });
        }

        return _agents;
    }

    public IReadOnlyList<JsonObject> Agents(Caller caller)
    {
        lock (_gate)
        {
            return caller.IsAdmin ? [.. AgentsLocked().Select(a => (JsonObject)a.DeepClone())] : [];
        }
    }

    public JsonObject Agent(Caller caller, string id)
    {
        lock (_gate)
        {
            return (JsonObject)FindAgentLocked(caller, id).DeepClone();
        }
    }

    public JsonObject UpdateAgent(Caller caller, string id, JsonObject body)
    {
        if (body.Select(p => p.Key).FirstOrDefault(k => !AgentUpdatable.Contains(k)) is { } key)
        {
            throw OpenStackFault.BadRequest($"Attribute '{key}' not allowed in PUT", "HTTPBadRequest");
        }

        var up = true;
        if (body.ContainsKey("admin_state_up") && !NeutronBody.TryBool(body["admin_state_up"], out up))
        {
            throw OpenStackFault.BadRequest($"Invalid input for admin_state_up. Reason: '{body["admin_state_up"]?.ToJsonString() ?? "None"}' cannot be converted to boolean.", "InvalidInput");
        }

        if (body["description"] is { } d && (d.GetValueKind() != System.Text.Json.JsonValueKind.String || d.GetValue<string>().Length > 255))
        {
            throw OpenStackFault.BadRequest($"Invalid input for description. Reason: '{d.ToJsonString()}' is not a valid string.", "InvalidInput");
        }

        lock (_gate)
        {
            var agent = FindAgentLocked(caller, id);
            if (body.ContainsKey("admin_state_up"))
            {
                agent["admin_state_up"] = up;
            }

            if (body.ContainsKey("description"))
            {
                agent["description"] = body["description"]?.DeepClone();
            }

            return (JsonObject)agent.DeepClone();
        }
    }

    public void DeleteAgent(Caller caller, string id)
    {
        lock (_gate)
        {
            AgentsLocked().Remove(FindAgentLocked(caller, id));
        }
    }

    // As Neutron's controller: the agent is fetched first (AgentNotFound), then the admin-only
    // policy hides one that exists behind a plain 404 ("pretend that it doesn't exist").
    private JsonObject FindAgentLocked(Caller caller, string id)
    {
        var agent = AgentsLocked().FirstOrDefault(a => a["id"]!.GetValue<string>() == id) ?? throw OpenStackFault.NotFound($"Agent {id} could not be found.", "AgentNotFound");
        return caller.IsAdmin ? agent : throw OpenStackFault.NotFound("The resource could not be found.", "HTTPNotFound");
    }
}
