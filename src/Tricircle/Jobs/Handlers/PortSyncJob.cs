using Tricircle.Network;
using Tricircle.Pods;

namespace Tricircle.Jobs.Handlers;

/// <summary>
/// <c>port_sync</c>: the port's copy in one pod takes central's addresses, groups (made in the pod
/// when new there), address pairs and state, or goes when central's port is gone, with a server
/// a failed boot left on it (see <see cref="PodNetworks.DeletePortCopyAsync"/>).
/// </summary>
internal sealed class PortSyncJob(CopyRows rows, PortStore ports, NetworkStore networks, CentralPorts central, PodNetworks podNetworks) : IJobHandler
{
    public JobType Type => JobTypes.PortSync;

    public async Task RunAsync(Job job, CancellationToken cancellationToken)
    {
        if (await rows.PodAsync(job, cancellationToken) is not { } pod)
        {
            return;
        }

        var id = job.Key("port_id");
        var port = await ports.FindTopAsync(id, cancellationToken);
        if (port is null)
        {
            await podNetworks.DeletePortCopyAsync(pod, id, cancellationToken);
            return;
        }

        if (await rows.BottomAsync(pod, "port", id, cancellationToken) is not { } bottom
            || await networks.FindTopAsync(port.NetworkId, cancellationToken) is not { } network)
        {
            return;
        }

        try
        {
            await podNetworks.UpdatePortAsync(pod, await central.MaterialAsync(port, network, cancellationToken), bottom, cancellationToken);
        }
        catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status404NotFound && e.PodMessage.Contains(bottom, StringComparison.Ordinal))
        {
            await rows.ForgetAsync(pod, [("port", id)], cancellationToken);
        }
    }
}
