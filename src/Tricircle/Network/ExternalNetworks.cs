using Tricircle.Errors;
using Tricircle.Jobs;

namespace Tricircle.Network;

/// <summary>
/// Creates of external networks (spec §6.4): the central network first, with its home
/// (<see cref="ExternalHomes"/>) and a <c>network_sync</c> job for that pod in the same
/// transaction, which the request runs at once to its end (<see cref="ExternalCopies"/> makes
/// the copy), so the copy is in the pod before the answer. The pod's refusal removes the central
/// network and is the answer: nothing is left behind. A pod that cannot be reached now leaves
/// the job to the workers, which make the copy when the pod is back: the answer is 201 with the
/// network, whose <c>availability_zones</c> stay empty until then. Subnets of external networks
/// go the same way (<see cref="NetworkPropagation.CreateSubnetAsync"/>).
/// </summary>
internal sealed class ExternalNetworks(NetworkStore networks, ExternalHomes homes, JobQueue jobs)
{
    public async Task<NetworkRow> CreateAsync(NetworkCreate create, CancellationToken cancellationToken)
    {
        var (pod, hints) = await homes.ChooseAsync(create.AvailabilityZoneHints, cancellationToken);
        var copy = jobs.Begin();
        var network = await networks.CreateAsync(create with { AvailabilityZoneHints = hints }, row => async (connection, tx, ct) =>
        {
            await homes.Record(row, pod)(connection, tx, ct);
            await copy.Queue(JobRequest.InPod(JobTypes.NetworkSync, pod.PodId, row.Id, row.ProjectId))(connection, tx, ct);
        }, cancellationToken);
        await RunOrUndoAsync(copy, () => networks.DeleteAsync(network.Id, keepMark: false, null, CancellationToken.None), cancellationToken);
        return network;
    }

    /// <summary>
    /// Runs the job that makes a new resource's copy to its end; when the pod refuses, undoes
    /// the central resource and throws the refusal (the job goes with it). Anything else (the pod
    /// cannot be reached) leaves the job to the workers.
    /// </summary>
    public static async Task RunOrUndoAsync(JobBatch copy, Func<Task> undo, CancellationToken cancellationToken)
    {
        var results = await copy.RunAsync(refusalsEnd: true, cancellationToken, untilDone: true);
        if (results.Values.OfType<TricircleException>().FirstOrDefault(e => e.Kind != ErrorKind.Unavailable) is { } refusal)
        {
            await undo();
            throw refusal;
        }
    }
}
