using System.Data.Common;
using Tricircle.Network;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Jobs.Handlers;

/// <summary>
/// <c>subnet_delete</c>: the subnet's copies (with its DHCP port) go from the pods, then the
/// central subnet; the project's groups with remote-group rules are synced wherever they have
/// copies, since the CIDRs such a rule stands for lost this one.
/// </summary>
internal sealed class SubnetDeleteJob(SubnetStore subnets, PodNetworks podNetworks, DeletingMarks marks, CopiesDelete copies, JobQueue queue, RoutingStore routings)
    : CentralDeleteJob(marks, copies, queue, routings)
{
    public override JobType Type => JobTypes.SubnetDelete;

    protected override JobType SyncType => JobTypes.SubnetSync;

    protected override string ResourceType => "subnet";

    protected override string InUseType => "SubnetInUse";

    protected override async Task<string?> ProjectOfAsync(string id, CancellationToken cancellationToken) =>
        (await subnets.FindTopAsync(id, cancellationToken))?.ProjectId;

    protected override Task DeleteCopyAsync(Pod pod, string id, CancellationToken cancellationToken) => podNetworks.DeleteSubnetCopyAsync(pod, id, cancellationToken);

    protected override Task DeleteCentralAsync(string id, bool keepMark, Data.InTransaction also, CancellationToken cancellationToken) =>
        subnets.DeleteAsync(id, keepMark, also, cancellationToken);

    protected override async Task AlsoAsync(DbConnection connection, DbTransaction tx, JobBatch later, string id, string projectId, CancellationToken cancellationToken) =>
        await later.SyncAsync(connection, tx, JobTypes.SecurityGroupSync, "security_group",
            await SecurityGroupStore.WithRemoteGroupRulesAsync(connection, tx, projectId, cancellationToken), cancellationToken);
}
