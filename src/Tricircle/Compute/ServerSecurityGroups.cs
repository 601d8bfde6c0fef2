using Tricircle.Errors;
using Tricircle.Network;

namespace Tricircle.Compute;

/// <summary>
/// Nova's <c>addSecurityGroup</c> and <c>removeSecurityGroup</c> in central terms: Nova with
/// Neutron puts the group on (or takes it off) every port of the server, so the gateway does
/// that to the central ports, whose copies follow by their sync jobs. The pod's Nova is never
/// asked: it would look the name up among the pod's copies, which are named by central id, and
/// a name is only ever resolved within the server's own project.
/// </summary>
internal sealed class ServerSecurityGroups(PortStore ports, SecurityGroupStore groups, NetworkPropagation propagation)
{
    public async Task AddAsync(string serverId, string projectId, string name, CancellationToken cancellationToken)
    {
        var groupId = await GroupIdAsync(projectId, name, cancellationToken);
        foreach (var port in await PortsAsync(serverId, cancellationToken))
        {
            if (!port.PortSecurityEnabled || port.FixedIps.Count == 0)
            {
                throw TricircleException.Invalid("Network requires port_security_enabled and subnet associated in order to apply security groups.");
            }

            if (!port.SecurityGroups.Contains(groupId, StringComparer.Ordinal))
            {
                await propagation.UpdatePortAsync(port, null, [.. port.SecurityGroups, groupId], cancellationToken);
            }
        }
    }

    public async Task RemoveAsync(string serverId, string projectId, string name, CancellationToken cancellationToken)
    {
        var groupId = await GroupIdAsync(projectId, name, cancellationToken);
        var found = false;
        foreach (var port in await PortsAsync(serverId, cancellationToken))
        {
            if (port.SecurityGroups.Contains(groupId, StringComparer.Ordinal))
            {
                found = true;
                await propagation.UpdatePortAsync(port, null, [.. port.SecurityGroups.Where(g => g != groupId)], cancellationToken);
            }
        }

        if (!found)
        {
            throw TricircleException.NotFound($"Security group {name} not associated with the instance {serverId}");
        }
    }

    /// <summary>The groups on the server's ports (Nova's <c>GET /servers/{id}/os-security-groups</c>).</summary>
    public async Task<IReadOnlyList<TopSecurityGroup>> OfServerAsync(string serverId, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        foreach (var (portId, _) in await ports.ServerPortsAsync(serverId, cancellationToken))
        {
            if (await ports.FindAsync(portId, null, cancellationToken) is { } port)
            {
                ids.AddRange(port.SecurityGroups);
            }
        }

        return [.. (await groups.FindTopManyAsync(ids, cancellationToken)).Values];
    }

    private async Task<string> GroupIdAsync(string projectId, string name, CancellationToken cancellationToken)
    {
        try
        {
            return (await groups.IdsByNameAsync(projectId, [name], cancellationToken))[0];
        }
        catch (TricircleException e) when (e.Kind == ErrorKind.Invalid)
        {
            throw TricircleException.NotFound($"Security group {name} not found for project {projectId}.");
        }
    }

    /// <summary>The server's central ports; none is Nova's 404 ("could not be found as device id on any ports").</summary>
    private async Task<List<PortRow>> PortsAsync(string serverId, CancellationToken cancellationToken)
    {
        var found = new List<PortRow>();
        foreach (var (portId, _) in await ports.ServerPortsAsync(serverId, cancellationToken))
        {
            if (await ports.FindAsync(portId, null, cancellationToken) is { } port)
            {
                found.Add(port);
            }
        }

        return found.Count > 0 ? found : throw TricircleException.NotFound($"instance_id {serverId} could not be found as device id on any ports");
    }
}
