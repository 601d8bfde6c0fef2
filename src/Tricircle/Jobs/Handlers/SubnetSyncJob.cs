using Tricircle.Network;
using Tricircle.Pods;

namespace Tricircle.Jobs.Handlers;

/// <summary>
/// <c>subnet_sync</c>: the subnet's copy in one pod takes central's gateway, pools, DHCP flag,
/// DNS servers and routes (with the central DHCP port when DHCP is on), or goes when central's
/// subnet is gone or being deleted. A subnet of an external network gets its copy made in that
/// network's pod when it has none (its create's job, or a pod that was down or lost it).
/// </summary>
internal sealed class SubnetSyncJob(CopyRows rows, NetworkStore networks, SubnetStore subnets, PortStore ports, DeletingMarks marks, PodNetworks podNetworks, ExternalCopies external)
    : IJobHandler
{
    public JobType Type => JobTypes.SubnetSync;

    public async Task RunAsync(Job job, CancellationToken cancellationToken)
    {
        if (await rows.PodAsync(job, cancellationToken) is not { } pod)
        {
            return;
        }

        var id = job.Key("subnet_id");
        var subnet = await subnets.FindTopAsync(id, cancellationToken);
        if (subnet is null || await marks.IsMarkedAsync(id, cancellationToken))
        {
            await podNetworks.DeleteSubnetCopyAsync(pod, id, cancellationToken);
            if (subnet is null && !await rows.AnyAsync("subnet", id, cancellationToken))
            {
                await marks.ClearAsync(id, cancellationToken);
            }

            return;
        }

        if (await rows.BottomAsync(pod, "subnet", id, cancellationToken) is not { } bottom)
        {
            await MakeExternalAsync(pod, subnet, cancellationToken);
            return;
        }

        var dhcp = subnet.EnableDhcp
            ? (await ports.ListTopAsync(subnet.NetworkId, PortStore.DhcpOwner, cancellationToken)).FirstOrDefault(p => p.FixedIps.Any(f => f.SubnetId == id))
            : null;
        try
        {
            await podNetworks.UpdateAsync(pod, "subnets", "subnet", bottom, PodNetworks.SubnetChange(subnet), cancellationToken);
        }
        catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status404NotFound)
        {
            await rows.ForgetAsync(pod, [("subnet", id), .. dhcp is null ? [] : new[] { ("port", dhcp.Id) }], cancellationToken);
            await MakeExternalAsync(pod, subnet, cancellationToken);
            return;
        }

        // DHCP turned on after the subnet was copied: the pod gets the central DHCP port too.
        if (dhcp is not null && await rows.BottomAsync(pod, "network", subnet.NetworkId, cancellationToken) is { } bottomNetwork)
        {
            await podNetworks.EnsureDhcpPortAsync(pod, dhcp, bottomNetwork, new Dictionary<string, string> { [id] = bottom }, cancellationToken);
        }
    }

    private async Task MakeExternalAsync(Pod pod, TopSubnet subnet, CancellationToken cancellationToken)
    {
        if (await networks.FindTopAsync(subnet.NetworkId, cancellationToken) is { External: true } network)
        {
            await external.EnsureAsync(pod, network, subnet.Id, cancellationToken);
        }
    }
}
