using Tricircle.Data;
using Tricircle.Jobs;

namespace Tricircle.Network;

/// <summary>
/// Central changes of QoS policies and rules, with a <c>qos_policy_sync</c> job queued in the
/// same transaction for every pod holding a copy of the policy; the request then runs them
/// itself (what a pod cannot take now is left to the workers, see README "Jobs").
/// </summary>
internal sealed class QosPropagation(QosStore store, Database database, JobQueue jobs)
{
    public const string ResourceType = "qos_policy";

    public async Task<QosPolicyRow> UpdatePolicyAsync(QosPolicyRow policy, CancellationToken cancellationToken)
    {
        var batch = jobs.Begin();
        policy = await store.UpdateAsync(policy, batch.Sync(JobTypes.QosPolicySync, ResourceType, policy.Id), cancellationToken);
        await batch.RunAsync(refusalsEnd: false, cancellationToken);
        return policy;
    }

    public async Task<QosRuleRow> SaveRuleAsync(QosRuleRow rule, bool isNew, CancellationToken cancellationToken)
    {
        var batch = jobs.Begin();
        rule = await store.SaveRuleAsync(rule, isNew, batch.Sync(JobTypes.QosPolicySync, ResourceType, rule.QosPolicyId), cancellationToken);
        await batch.RunAsync(refusalsEnd: false, cancellationToken);
        return rule;
    }

    public async Task DeleteRuleAsync(QosRuleRow rule, CancellationToken cancellationToken)
    {
        var batch = jobs.Begin();
        await store.DeleteRuleAsync(rule, batch.Sync(JobTypes.QosPolicySync, ResourceType, rule.QosPolicyId), cancellationToken);
        await batch.RunAsync(refusalsEnd: false, cancellationToken);
    }

    /// <summary>Deletes the policy (409 QosPolicyInUse while a network or port uses it); its copies then go from the pods by their syncs.</summary>
    public async Task DeletePolicyAsync(string id, CancellationToken cancellationToken)
    {
        var batch = jobs.Begin();
        await store.DeleteAsync(id, batch.Sync(JobTypes.QosPolicySync, ResourceType, id), cancellationToken);
        await batch.RunAsync(refusalsEnd: false, cancellationToken);
    }

    /// <summary>
    /// After a network or port left <paramref name="policyId"/> (its copies already changed): the
    /// policy's copies are synced, and go from the pods where nothing uses them any more.
    /// </summary>
    public async Task SyncCopiesAsync(string? policyId, CancellationToken cancellationToken)
    {
        if (policyId is null)
        {
            return;
        }

        var batch = jobs.Begin();
        await using (var connection = await database.OpenAsync(cancellationToken))
        await using (var tx = await Database.BeginWriteAsync(connection, cancellationToken))
        {
            await batch.Sync(JobTypes.QosPolicySync, ResourceType, policyId)(connection, tx, cancellationToken);
            await tx.CommitAsync(cancellationToken);
        }

        await batch.RunAsync(refusalsEnd: false, cancellationToken);
    }
}
