using Tricircle.Network;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Jobs.Handlers;

/// <summary><c>network_delete</c>: the network's copies go from the pods, then the central network with its subnets and DHCP ports.</summary>
internal sealed class NetworkDeleteJob(NetworkStore networks, PodNetworks podNetworks, DeletingMarks marks, CopiesDelete copies, JobQueue queue, RoutingStore routings)
    : CentralDeleteJob(marks, copies, queue, routings)
{
    public override JobType Type => JobTypes.NetworkDelete;

    protected override JobType SyncType => JobTypes.NetworkSync;

    protected override string ResourceType => "network";

    protected override string InUseType => "NetworkInUse";

    protected override async Task<string?> ProjectOfAsync(string id, CancellationToken cancellationToken) =>
        (await networks.FindTopAsync(id, cancellationToken))?.ProjectId;

    protected override Task DeleteCopyAsync(Pod pod, string id, CancellationToken cancellationToken) => podNetworks.DeleteNetworkCopyAsync(pod, id, cancellationToken);

    protected override Task DeleteCentralAsync(string id, bool keepMark, Data.InTransaction also, CancellationToken cancellationToken) =>
        networks.DeleteAsync(id, keepMark, also, cancellationToken);
}
