using System.Text.Json.Nodes;

namespace Tricircle.Emulator.Regions.Network;

internal sealed partial class NeutronState
{
    /// <summary>Neutron's default quotas (neutron.conf [quotas]).</summary>
    private static readonly (string Resource, int Limit)[] DefaultQuotas =
    [
        ("network", 100), ("subnet", 100), ("subnetpool", -1), ("port", 500), ("router", 10),
        ("floatingip", 50), ("security_group", 10), ("security_group_rule", 100), ("rbac_policy", 10),
    ];

    private readonly Dictionary<string, Dictionary<string, int>> _quotas = new(StringComparer.Ordinal);

    private int Limit(string project, string resource) =>
        _quotas.TryGetValue(project, out var set) && set.TryGetValue(resource, out var limit) ? limit : DefaultQuotas.First(q => q.Resource == resource).Limit;

    private int Used(string project, string resource) => resource switch
    {
        "network" => _networks.Count(n => Project(n) == project),
        "subnet" => _subnets.Count(n => Project(n) == project),
        "port" => _ports.Count(n => Project(n) == project),
        "router" => _routers.Count(n => Project(n) == project),
        "floatingip" => _floatingIps.Count(n => Project(n) == project),
        "security_group" => _groups.Count(n => Project(n) == project),
        "security_group_rule" => _rules.Count(n => Project(n) == project),
        _ => 0,
    };

    /// <summary>409 OverQuota when <paramref name="project"/> has no room for <paramref name="count"/> more.</summary>
    private void CheckQuota(string project, string resource, int count = 1)
    {
        var limit = Limit(project, resource);
        if (limit >= 0 && Used(project, resource) + count > limit)
        {
            throw OpenStackFault.Conflict($"Quota exceeded for resources: ['{resource}'].", "OverQuota");
        }
    }

    private static void QuotaAccess(Caller caller, string project)
    {
        if (!caller.IsAdmin && caller.ProjectId != project)
        {
            throw OpenStackFault.Forbidden("Non-admin is not authorized to access quotas for another project", "HTTPForbidden");
        }
    }

    public JsonObject Quota(Caller caller, string project, bool details, bool defaults)
    {
        QuotaAccess(caller, project);
        lock (_gate)
        {
            var quota = new JsonObject();
            foreach (var (resource, fallback) in DefaultQuotas)
            {
                var limit = defaults ? fallback : Limit(project, resource);
                quota[resource] = details ? new JsonObject { ["limit"] = limit, ["used"] = Used(project, resource), ["reserved"] = 0 } : limit;
            }

            return quota;
        }
    }

    public JsonObject UpdateQuota(Caller caller, string project, JsonObject body)
    {
        if (!caller.IsAdmin)
        {
            throw Policy("rule:update_quota");
        }

        foreach (var (key, value) in body)
        {
            if (!DefaultQuotas.Any(q => q.Resource == key))
            {
                throw OpenStackFault.BadRequest($"Unrecognized attribute(s) '{key}'");
            }

            if (!NeutronBody.TryInt(value, out var limit) || limit < -1)
            {
                throw OpenStackFault.BadRequest($"Invalid input for {key}. Reason: '{value?.ToJsonString()}' is not an integer or is smaller than -1.");
            }
        }

        lock (_gate)
        {
            if (!_quotas.TryGetValue(project, out var set))
            {
                _quotas[project] = set = new Dictionary<string, int>(StringComparer.Ordinal);
            }

            foreach (var (key, value) in body)
            {
                set[key] = NeutronBody.Int(body, key)!.Value;
            }
        }

        return Quota(caller, project, details: false, defaults: false);
    }

    public void ResetQuota(Caller caller, string project)
    {
        if (!caller.IsAdmin)
        {
            throw Policy("rule:delete_quota");
        }

        lock (_gate)
        {
            _quotas.Remove(project);
        }
    }

    /// <summary>The projects with quotas that differ from the defaults (admin only).</summary>
    public JsonArray Quotas(Caller caller)
    {
        if (!caller.IsAdmin)
        {
            throw Policy("rule:get_quota");
        }

        List<string> projects;
        lock (_gate)
        {
            projects = [.. _quotas.Keys];
        }

        return new JsonArray(projects.Select(p =>
        {
            var quota = Quota(caller, p, details: false, defaults: false);
            quota["project_id"] = p;
            quota["tenant_id"] = p;
            return (JsonNode)quota;
        }).ToArray());
    }
}
