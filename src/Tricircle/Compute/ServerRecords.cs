using Dapper;
using Tricircle.Data;
using Tricircle.Jobs;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Compute;

/// <summary>
/// The end of what Tricircle records of a server. A delete the pod accepts keeps the server
/// routed (it is shown as its pod shows it, <c>task_state: deleting</c>) and queues a
/// <c>delete_wait</c> job. When its pod no longer has it (that job, or a read, sees the pod's
/// 404) or it must go (a multi-create that cannot stand), its routing row goes and, in the same
/// transaction, a <c>server_cleanup</c> job is queued that deletes it from the pod if it is still
/// there and releases its quota and ports (run at once; by the workers when a pod or the database
/// fails half-way), and a tombstone keeps the pod of the deleted server for its instance actions
/// (Nova lists a deleted server's actions from microversion 2.21). So a crash or an outage never
/// leaves a port or quota behind.
/// </summary>
internal sealed class ServerRecords(RoutingStore routings, JobQueue jobs, ServerGroupStore groups, Database database, TimeProvider timeProvider, PodClient client)
{
    public Task ForgetAsync(string serverId, string projectId, Pod pod, CancellationToken cancellationToken) =>
        ForgetAsync(serverId, projectId, pod, runHere: true, cancellationToken);

    /// <summary>The same, with the cleanup left to the workers: for a job that finds the server gone (an audit, a delete's wait).</summary>
    public Task ForgetLaterAsync(string serverId, string projectId, Pod pod, CancellationToken cancellationToken) =>
        ForgetAsync(serverId, projectId, pod, runHere: false, cancellationToken);

    /// <summary>
    /// The pod accepted the server's delete: it stays routed until the pod says it is gone, which
    /// a <c>delete_wait</c> job waits for (nobody need read it again for it to be forgotten). A
    /// delete the pod finished at once (a local delete, its host being down) is forgotten now.
    /// </summary>
    public async Task DeletingAsync(string serverId, string projectId, Pod pod, CancellationToken cancellationToken)
    {
        if (await GoneAsync(pod, serverId, cancellationToken))
        {
            await ForgetAsync(serverId, projectId, pod, cancellationToken);
            return;
        }

        await jobs.QueueAsync([JobTypes.DeleteWaitFor(pod.PodId, ServersApi.ResourceType, serverId, projectId)], cancellationToken);
    }

    /// <summary>Whether the pod says the server is gone (its 404); anything else is left to the job.</summary>
    private async Task<bool> GoneAsync(Pod pod, string serverId, CancellationToken cancellationToken)
    {
        try
        {
            await client.SendJsonAsync(pod, ComputeApi.ServiceType, HttpMethod.Get, "servers/" + Uri.EscapeDataString(serverId), null, null, cancellationToken);
            return false;
        }
        catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status404NotFound)
        {
            return true;
        }
        catch (Exception e) when (e is PodErrorException or Errors.TricircleException or HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private async Task ForgetAsync(string serverId, string projectId, Pod pod, bool runHere, CancellationToken cancellationToken)
    {
        var batch = jobs.Begin(runHere);
        var cleanup = batch.Queue(JobRequest.InPod(JobTypes.ServerCleanup, pod.PodId, serverId, projectId));
        var now = DbTime.Now(timeProvider);
        await routings.ForgetAsync(serverId, ServersApi.ResourceType, pod.PodId, async (connection, tx, ct) =>
        {
            await cleanup(connection, tx, ct);
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO deleted_servers (server_id, pod_id, project_id, deleted_at) VALUES (@serverId, @podId, @projectId, @now)
                ON CONFLICT (server_id) DO UPDATE SET pod_id = excluded.pod_id, project_id = excluded.project_id, deleted_at = excluded.deleted_at
                """,
                new { serverId, podId = pod.PodId, projectId, now },
                tx,
                cancellationToken: ct));
        }, cancellationToken);
        await groups.RemoveMemberAsync(serverId, cancellationToken); // as Nova, a deleted server is no member
        await batch.RunAsync(refusalsEnd: false, cancellationToken);
    }

    /// <summary>
    /// A deleted server's tombstone, as a routing to its pod (of <paramref name="projectId"/>
    /// unless null): where its instance actions are asked for.
    /// </summary>
    public async Task<ResourceRouting?> FindDeletedAsync(string serverId, string? projectId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QueryFirstOrDefaultAsync<DeletedServer>(new CommandDefinition(
            "SELECT pod_id, project_id, deleted_at FROM deleted_servers WHERE server_id = @serverId AND (@projectId IS NULL OR project_id = @projectId)",
            new { serverId, projectId },
            cancellationToken: cancellationToken));
        return row is null
            ? null
            : new ResourceRouting { TopId = serverId, BottomId = serverId, PodId = row.PodId, ProjectId = row.ProjectId, ResourceType = ServersApi.ResourceType, CreatedAt = row.DeletedAt };
    }

    /// <summary>A server the pod made but Tricircle never recorded (its boot failed after): the same cleanup, with no row to forget.</summary>
    public async Task AbandonAsync(string serverId, string projectId, Pod pod, CancellationToken cancellationToken)
    {
        await jobs.RunAsync([JobRequest.InPod(JobTypes.ServerCleanup, pod.PodId, serverId, projectId)], cancellationToken);
    }

    private sealed class DeletedServer
    {
        public string PodId { get; set; } = "";

        public string ProjectId { get; set; } = "";

        public DateTime DeletedAt { get; set; }
    }
}
