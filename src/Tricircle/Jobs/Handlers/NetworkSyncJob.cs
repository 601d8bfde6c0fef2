using Tricircle.Network;
using Tricircle.Pods;

namespace Tricircle.Jobs.Handlers;

/// <summary>
/// <c>network_sync</c>: the network's copy in one pod takes central's attributes, or goes when
/// central's network is gone or being deleted. An external network's pod that has no copy (its
/// create's job, a pod that was down then, or one that lost it) gets it made, with its subnets.
/// </summary>
internal sealed class NetworkSyncJob(CopyRows rows, NetworkStore networks, SubnetStore subnets, PortStore ports, DeletingMarks marks, PodNetworks podNetworks, ExternalCopies external)
    : IJobHandler
{
    public JobType Type => JobTypes.NetworkSync;

    public async Task RunAsync(Job job, CancellationToken cancellationToken)
    {
        if (await rows.PodAsync(job, cancellationToken) is not { } pod)
        {
            return;
        }

        var id = job.Key("network_id");
        var network = await networks.FindTopAsync(id, cancellationToken);
        if (network is null || await marks.IsMarkedAsync(id, cancellationToken))
        {
            await podNetworks.DeleteNetworkCopyAsync(pod, id, cancellationToken);
            if (network is null && !await rows.AnyAsync("network", id, cancellationToken))
            {
                await marks.ClearAsync(id, cancellationToken); // the last copy of a deleted network: the guard is done
            }

            return;
        }

        if (await rows.BottomAsync(pod, "network", id, cancellationToken) is not { } bottom)
        {
            await external.EnsureAsync(pod, network, null, cancellationToken);
            return;
        }

        try
        {
            await podNetworks.UpdateAsync(pod, "networks", "network", bottom, await podNetworks.NetworkChangeAsync(pod, network, bottom, cancellationToken), cancellationToken);
        }
        catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status404NotFound)
        {
            // Deleted in the pod by hand: the network, its subnets and DHCP ports there went together.
            var subnetIds = (await subnets.ListTopAsync(id, cancellationToken)).Select(s => ("subnet", s.Id));
            var dhcpIds = (await ports.ListTopAsync(id, PortStore.DhcpOwner, cancellationToken)).Select(p => ("port", p.Id));
            await rows.ForgetAsync(pod, [("network", id), .. subnetIds, .. dhcpIds], cancellationToken);
            await external.EnsureAsync(pod, network, null, cancellationToken);
        }
    }
}
