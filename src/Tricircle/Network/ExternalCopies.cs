using Tricircle.Errors;
using Tricircle.Pods;

namespace Tricircle.Network;

/// <summary>
/// An external network's copies in its pod (<see cref="ExternalHomes"/>), made from its create
/// on rather than at a first boot there: the network (same provider attributes,
/// <c>router:external</c>), its subnets and their DHCP ports, named after the central ids as
/// every copy. The <c>network_sync</c> and <c>subnet_sync</c> jobs call this when the pod has no
/// copy: those its creates queue and run at once, and those that follow a pod that was down, or
/// that lost the copy. What the pod refuses (a flat physical network in use, one it does not
/// know, an overlapping CIDR) becomes a refusal naming the pod, with the pod's own error type.
/// </summary>
internal sealed class ExternalCopies(ExternalHomes homes, PodNetworks podNetworks, SubnetStore subnets, CentralPorts central)
{
    /// <summary>
    /// Makes the network's copy in <paramref name="pod"/> and those of its subnets (only
    /// <paramref name="subnetId"/> when given), when the network is external and lives there;
    /// false when it does not (nothing is done: other networks' copies wait for a boot).
    /// </summary>
    public async Task<bool> EnsureAsync(Pod pod, TopNetwork network, string? subnetId, CancellationToken cancellationToken)
    {
        if (await homes.PodOfAsync(network, cancellationToken) is not { } home || home.PodId != pod.PodId)
        {
            return false;
        }

        var ofNetwork = await subnets.ListTopAsync(network.Id, cancellationToken);
        var wanted = subnetId is null ? ofNetwork : [.. ofNetwork.Where(s => s.Id == subnetId)];
        var dhcpPorts = await central.DhcpPortsAsync(network, wanted, cancellationToken);
        var bottom = await RefusedAsAsync(pod, $"external network {network.Id}", () => podNetworks.EnsureNetworkAsync(pod, network, cancellationToken));
        var which = subnetId is null ? "a subnet" : "subnet " + subnetId;
        await RefusedAsAsync(pod, $"{which} of external network {network.Id}", () => podNetworks.EnsureSubnetsAsync(pod, bottom, network, wanted, dhcpPorts, cancellationToken));
        return true;
    }

    /// <summary>The pod's 400, 404 or 409 as a refusal of <paramref name="what"/>, naming the pod and keeping the pod's message and error type.</summary>
    private static async Task<T> RefusedAsAsync<T>(Pod pod, string what, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (PodErrorException e) when (e.StatusCode is StatusCodes.Status400BadRequest or StatusCodes.Status404NotFound or StatusCodes.Status409Conflict)
        {
            var kind = e.StatusCode switch
            {
                StatusCodes.Status404NotFound => ErrorKind.NotFound,
                StatusCodes.Status409Conflict => ErrorKind.Conflict,
                _ => ErrorKind.Invalid,
            };
            throw new TricircleException(kind, $"Pod {pod.RegionName} refused {what}: {e.PodMessage}", e.PodType);
        }
    }
}
