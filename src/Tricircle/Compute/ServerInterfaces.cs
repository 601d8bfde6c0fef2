using System.Text.Json;
using System.Text.Json.Nodes;
using Tricircle.Errors;
using Tricircle.Identity;
using Tricircle.Jobs;
using Tricircle.Network;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Compute;

/// <summary>
/// A server's interfaces (<c>os-interface</c>) in central terms: the pod's Nova knows its own
/// copies of the ports, networks and subnets, so answers are turned to the central ids, and an
/// attach by a central network or port makes the central port and its copy in the server's pod
/// first, as a boot does; a detach releases what Tricircle made for it.
/// </summary>
internal sealed class ServerInterfaces(
    ServerNetworks serverNetworks,
    CentralPorts central,
    PortStore ports,
    SecurityGroupStore groups,
    RoutingStore routings,
    JobQueue jobs)
{
    /// <summary>Turns the pod's ids in <c>interfaceAttachment</c> objects into the central ones (those Tricircle knows).</summary>
    public async Task ToCentralAsync(Pod pod, IReadOnlyList<JsonObject> attachments, CancellationToken cancellationToken)
    {
        var portIds = await routings.TopsOfAsync("port", pod.PodId, [.. attachments.Select(a => Text(a, "port_id")).OfType<string>().Distinct()], cancellationToken);
        var networkIds = await routings.TopsOfAsync("network", pod.PodId, [.. attachments.Select(a => Text(a, "net_id")).OfType<string>().Distinct()], cancellationToken);
        var subnetIds = await routings.TopsOfAsync("subnet", pod.PodId,
            [.. attachments.SelectMany(a => (a["fixed_ips"] as JsonArray ?? []).OfType<JsonObject>()).Select(f => Text(f, "subnet_id")).OfType<string>().Distinct()], cancellationToken);
        foreach (var attachment in attachments)
        {
            Replace(attachment, "port_id", portIds);
            Replace(attachment, "net_id", networkIds);
            foreach (var fixedIp in (attachment["fixed_ips"] as JsonArray ?? []).OfType<JsonObject>())
            {
                Replace(fixedIp, "subnet_id", subnetIds);
            }
        }
    }

    /// <summary>The pod's id of a port attached to the server (404 as Nova's when it is not one of the server's).</summary>
    public async Task<string> BottomPortAsync(string serverId, Pod pod, string portId, CancellationToken cancellationToken)
    {
        var mine = (await ports.ServerPortsAsync(serverId, cancellationToken)).Any(p => p.PortId == portId);
        return mine && await routings.FindInPodAsync(portId, "port", pod.PodId, cancellationToken) is { BottomId: { } bottom }
            ? bottom
            : throw TricircleException.NotFound($"Port {portId} is not attached");
    }

    /// <summary>
    /// Makes an attach's port ready: the caller's central port, or a new one on the central
    /// network (in the server's groups), and its copy in the server's pod. The request is then
    /// pointed at the pod's port. When it fails, what it made is released.
    /// </summary>
    public async Task<ServerNic> PrepareAttachAsync(string serverId, Pod pod, JsonObject attachment, RequestContext caller, CancellationToken cancellationToken)
    {
        var portId = Text(attachment, "port_id");
        var networkId = Text(attachment, "net_id");
        if (portId is not null && networkId is not null)
        {
            throw TricircleException.Invalid("Must not input both network_id and port_id");
        }

        var fixedIp = (attachment["fixed_ips"] as JsonArray ?? []).OfType<JsonObject>().Select(f => Text(f, "ip_address")).FirstOrDefault(ip => ip is not null);
        WantedNic wanted;
        if (portId is not null)
        {
            var port = await central.FindPortAsync(portId, caller, cancellationToken) ?? throw TricircleException.NotFound($"Port id {portId} could not be found.");
            if (port.DeviceId.Length > 0)
            {
                throw TricircleException.Conflict($"Port {portId} is still in use.");
            }

            wanted = new WantedNic(await central.FindNetworkAsync(port.NetworkId, caller, cancellationToken) ?? throw TricircleException.NotFound($"Network {port.NetworkId} could not be found."), port, null, null);
        }
        else if (networkId is not null)
        {
            wanted = new WantedNic(await central.FindNetworkAsync(networkId, caller, cancellationToken) ?? throw TricircleException.NotFound($"Network {networkId} could not be found."), null, fixedIp, null);
        }
        else
        {
            throw TricircleException.Invalid("Invalid input for field/attribute interfaceAttachment: give a port_id or a net_id.");
        }

        if (fixedIp is not null && wanted.Port is not null)
        {
            throw TricircleException.Invalid("Must input network_id when request IP address");
        }

        var (allowed, why) = await serverNetworks.AllowedPodsAsync([wanted], cancellationToken);
        if (allowed is not null && !allowed.Any(p => p.PodId == pod.PodId))
        {
            throw TricircleException.Invalid($"The server is in pod {pod.RegionName}, where the interface cannot be: {why}.");
        }

        var nic = (await serverNetworks.PrepareAsync(pod, [wanted], await GroupNamesAsync(serverId, cancellationToken), caller, null, cancellationToken))[0];
        attachment.Remove("net_id");
        attachment.Remove("fixed_ips");
        attachment["port_id"] = nic.BottomPortId;
        return nic;
    }

    /// <summary>The pod attached it: the server has the port (its delete releases it) and the central port shows the server.</summary>
    public async Task AttachedAsync(string serverId, Pod pod, ServerNic nic, CancellationToken cancellationToken)
    {
        await ports.AttachToServerAsync(serverId, pod.PodId, nic.Port.Id, nic.Created, "compute:" + pod.AzName, pod.RegionName, cancellationToken);
        await serverNetworks.BootedAsync(serverId, pod, [nic], cancellationToken); // the host the pod's Nova bound it on
    }

    /// <summary>The pod refused the attach: a port made for it goes (its copy by its job); the caller's stays as it was.</summary>
    public Task AbandonAsync(Pod pod, ServerNic nic, CancellationToken cancellationToken) =>
        nic.Created ? serverNetworks.AbandonAsync(pod, [nic.Port], cancellationToken) : Task.CompletedTask;

    /// <summary>
    /// The pod detached it: a port Tricircle made for the server goes (its copy by its job); the
    /// caller's is unbound (its copy stays, unbound by the pod's Nova).
    /// </summary>
    public async Task DetachedAsync(string serverId, Pod pod, string portId, CancellationToken cancellationToken)
    {
        var created = (await ports.ServerPortsAsync(serverId, cancellationToken)).FirstOrDefault(p => p.PortId == portId).Created;
        if (created)
        {
            var batch = jobs.Begin();
            await central.DeletePortAsync(portId, batch, batch.Queue(JobRequest.InPod(JobTypes.PortSync, pod.PodId, portId, null)), cancellationToken);
            await batch.RunAsync(refusalsEnd: false, cancellationToken);
        }
        else
        {
            await central.UnbindAsync(portId, cancellationToken);
            await ports.ForgetServerPortAsync(serverId, portId, cancellationToken);
        }
    }

    /// <summary>The names of the groups the server's other ports are in: a new interface gets them, as Nova gives it the server's.</summary>
    private async Task<IReadOnlyList<string>> GroupNamesAsync(string serverId, CancellationToken cancellationToken)
    {
        foreach (var (portId, _) in await ports.ServerPortsAsync(serverId, cancellationToken))
        {
            if (await ports.FindTopAsync(portId, cancellationToken) is { SecurityGroups.Count: > 0 } port)
            {
                var found = await Task.WhenAll(port.SecurityGroups.Select(id => groups.FindTopAsync(id, cancellationToken)));
                return [.. found.OfType<TopSecurityGroup>().Select(g => g.Name).Distinct(StringComparer.Ordinal)];
            }
        }

        return [];
    }

    private static string? Text(JsonObject node, string field) =>
        node[field] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    private static void Replace(JsonObject node, string field, IReadOnlyDictionary<string, string> tops)
    {
        if (Text(node, field) is { } bottom && tops.TryGetValue(bottom, out var top))
        {
            node[field] = top;
        }
    }
}
