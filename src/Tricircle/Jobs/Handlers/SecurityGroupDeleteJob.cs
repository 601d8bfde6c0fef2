using System.Data.Common;
using Tricircle.Network;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Jobs.Handlers;

/// <summary>
/// <c>security_group_delete</c>: the group's copies go from the pods, then the central group.
/// Groups whose rules named it as their remote group lose those rules centrally (Neutron's
/// cascade), so their copies are synced too.
/// </summary>
internal sealed class SecurityGroupDeleteJob(SecurityGroupStore groups, PodNetworks podNetworks, DeletingMarks marks, CopiesDelete copies, JobQueue queue, RoutingStore routings)
    : CentralDeleteJob(marks, copies, queue, routings)
{
    public override JobType Type => JobTypes.SecurityGroupDelete;

    protected override JobType SyncType => JobTypes.SecurityGroupSync;

    protected override string ResourceType => "security_group";

    protected override string InUseType => "SecurityGroupInUse";

    protected override async Task<string?> ProjectOfAsync(string id, CancellationToken cancellationToken) =>
        (await groups.FindTopAsync(id, cancellationToken))?.ProjectId;

    protected override Task DeleteCopyAsync(Pod pod, string id, CancellationToken cancellationToken) => podNetworks.DeleteSecurityGroupCopyAsync(pod, id, cancellationToken);

    protected override Task DeleteCentralAsync(string id, bool keepMark, Data.InTransaction also, CancellationToken cancellationToken) =>
        groups.DeleteAsync(id, keepMark, also, cancellationToken);

    // Read before the cascade (the store runs this ahead of its delete).
    protected override async Task AlsoAsync(DbConnection connection, DbTransaction tx, JobBatch later, string id, string projectId, CancellationToken cancellationToken) =>
        await later.SyncAsync(connection, tx, JobTypes.SecurityGroupSync, "security_group", await SecurityGroupStore.ReferencingAsync(connection, tx, id, cancellationToken), cancellationToken);
}
