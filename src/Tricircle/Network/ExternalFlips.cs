using System.Data.Common;
using Dapper;
using Tricircle.Errors;
using Tricircle.Jobs;
using Tricircle.Routing;

namespace Tricircle.Network;

/// <summary>
/// <c>router:external</c> changed on an existing network, which Neutron allows an admin both
/// ways. An external network lives in one pod (<see cref="ExternalHomes"/>), so a network
/// becomes external only when the pod its hints choose is the only one holding a copy of it (a
/// copy elsewhere carries ports there: 409, nothing changed). The flag, the home and a
/// <c>network_sync</c> for that pod go in one transaction, and the request runs the job at once,
/// as a create does: the pod's copy flips, or is made with its subnets; the pod's refusal flips
/// the network back and is the answer. It stops being external as Neutron allows, not while a
/// router has its gateway on it (<c>ExternalNetworkInUse</c>), and, stricter than Neutron, not
/// while floating IPs are on it: their copies live on the pod's external network.
/// </summary>
internal sealed class ExternalFlips(NetworkStore networks, ExternalHomes homes, JobQueue jobs)
{
    public async Task<NetworkRow> MakeExternalAsync(NetworkRow network, CancellationToken cancellationToken)
    {
        if (network.NetworkType == "local")
        {
            throw NeutronErrors.InvalidInput(
                $"network {network.Id} is of type local, which each pod makes on its own hosts: an external network needs a segment the pod's routers reach (flat or vlan, usually); create one with provider:network_type.");
        }

        var (pod, hints) = await homes.ChooseAsync(network.Hints(), cancellationToken);
        var copy = jobs.Begin();
        network.RouterExternal = true;
        network = await networks.UpdateAsync(network, hints, async (connection, tx, ct) =>
        {
            var elsewhere = (await RoutingStore.RowsAsync(connection, tx, "network", [network.Id], ct)).Where(r => r.PodId != pod.PodId).Select(r => r.PodId).ToList();
            if (elsewhere.Count > 0)
            {
                throw TricircleException.Conflict(
                    $"Network {network.Id} cannot become external: an external network lives in one pod ({pod.RegionName}, chosen by its availability_zone_hints), and it has copies with ports in {elsewhere.Count} other pod(s); remove those ports, or create a new external network.",
                    "NetworkInUse");
            }

            await homes.Record(network, pod)(connection, tx, ct);
            await copy.Queue(JobRequest.InPod(JobTypes.NetworkSync, pod.PodId, network.Id, network.ProjectId))(connection, tx, ct);
        }, cancellationToken);

        var flipped = network;
        await ExternalNetworks.RunOrUndoAsync(copy, async () =>
        {
            flipped.RouterExternal = false;
            await networks.UpdateAsync(flipped, null, ExternalHomes.Forget(flipped.Id), CancellationToken.None);
        }, cancellationToken);
        return network;
    }

    public async Task<NetworkRow> MakeInternalAsync(NetworkRow network, CancellationToken cancellationToken)
    {
        var home = await homes.PodOfAsync(network.ToTop(), cancellationToken);
        var batch = jobs.Begin();
        network.RouterExternal = false;
        network = await networks.UpdateAsync(network, null, async (connection, tx, ct) =>
        {
            await RefuseInUseAsync(connection, tx, network.Id, ct);
            await ExternalHomes.Forget(network.Id)(connection, tx, ct);
            if (home is not null)
            {
                await batch.Queue(JobRequest.InPod(JobTypes.NetworkSync, home.PodId, network.Id, network.ProjectId))(connection, tx, ct);
            }
        }, cancellationToken);
        await batch.RunAsync(refusalsEnd: false, cancellationToken);
        return network;
    }

    private static async Task RefuseInUseAsync(DbConnection connection, DbTransaction tx, string networkId, CancellationToken cancellationToken)
    {
        var gateways = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM ports WHERE network_id = @networkId AND device_owner = @owner",
            new { networkId, owner = PortStore.RouterGatewayOwner },
            tx,
            cancellationToken: cancellationToken));
        if (gateways > 0)
        {
            throw TricircleException.Conflict($"External network {networkId} cannot be updated to be made non-external, since it has existing gateway ports.", "ExternalNetworkInUse");
        }

        var floatingIps = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM floatingips WHERE floating_network_id = @networkId", new { networkId }, tx, cancellationToken: cancellationToken));
        if (floatingIps > 0)
        {
            throw TricircleException.Conflict(
                $"External network {networkId} cannot be updated to be made non-external, since it has {floatingIps} floating IP(s): they live on its copy in its pod; delete them first.",
                "ExternalNetworkInUse");
        }
    }
}
