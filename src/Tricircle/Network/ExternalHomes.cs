using Dapper;
using Microsoft.Extensions.Options;
using Tricircle.Data;
using Tricircle.Errors;
using Tricircle.Pods;

namespace Tricircle.Network;

/// <summary>
/// The pod an external network lives in (spec §6.1: external networks are always local to one
/// region), chosen when it is created: its one <c>availability_zone_hints</c> entry names a
/// pod's region, or an availability zone holding exactly one pod (as upstream's
/// <c>find_pod_by_az_or_region</c>); without hints, <c>[network]
/// default_region_for_external_network</c>, which then becomes its hint, as upstream does, so
/// that the network shows where it lives. The pod is recorded in <c>network_homes</c> in the
/// network's create transaction: a pod added later to a hinted AZ does not move it.
/// </summary>
internal sealed class ExternalHomes(PodStore pods, Database database, IOptions<NetworkOptions> options, TimeProvider timeProvider)
{
    /// <summary>The pod a new external network goes to and the hints it keeps; 400 naming what is wrong with the hints, 409 for a disabled pod.</summary>
    public async Task<(Pod Pod, IReadOnlyList<string> Hints)> ChooseAsync(IReadOnlyList<string> hints, CancellationToken cancellationToken)
    {
        var all = (await pods.ListAsync(new Dictionary<string, string>(), cancellationToken)).Where(p => !p.IsCentral).ToList();
        Pod pod;
        if (hints.Count == 0)
        {
            var region = options.Value.DefaultRegionForExternalNetwork;
            pod = all.FirstOrDefault(p => p.RegionName == region) ?? throw NeutronErrors.InvalidInput(
                $"an external network lives in one region; none is named in availability_zone_hints, and [{NetworkOptions.Section}] default_region_for_external_network, '{region}', is not the region of a registered pod.");
            hints = [region];
        }
        else if (hints.Count > 1)
        {
            throw NeutronErrors.InvalidInput(
                $"an external network lives in exactly one region: availability_zone_hints must name one region (or an availability zone of one pod), not {hints.Count} ({string.Join(", ", hints)}).");
        }
        else
        {
            var hint = hints[0];
            var inZone = all.Where(p => p.AzName == hint).ToList();
            pod = all.FirstOrDefault(p => p.RegionName == hint) ?? inZone.Count switch
            {
                0 => throw NeutronErrors.InvalidInput($"availability_zone_hints: '{hint}' is neither an availability zone nor a region of a pod"),
                1 => inZone[0],
                _ => throw NeutronErrors.InvalidInput(
                    $"an external network lives in exactly one region, and availability zone {hint} has {inZone.Count} pods ({string.Join(", ", inZone.Select(p => p.RegionName).Order(StringComparer.Ordinal))}): name one of their regions in availability_zone_hints."),
            };
        }

        if (pod.Disabled)
        {
            throw TricircleException.Conflict(
                $"Pod {pod.RegionName} ({pod.AzName}) is disabled{(pod.DisabledReason.Length > 0 ? $" ({pod.DisabledReason})" : "")}: an external network is made in its pod at once, and a disabled pod takes no new resources until an operator enables it again.");
        }

        return (pod, hints);
    }

    /// <summary>
    /// Records the network's pod, in its create transaction. A flat external network takes no
    /// central key on its physical network (a physnet name is each region's own: two regions may
    /// each have their external network on <c>extern</c>, as upstream's flat driver allows), so a
    /// second one on the same physical network of the same pod is refused here, as that pod would.
    /// </summary>
    public InTransaction Record(NetworkRow network, Pod pod) => async (connection, tx, cancellationToken) =>
    {
        if (network.NetworkType == "flat" && await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            """
            SELECT n.id FROM networks n JOIN network_homes h ON h.network_id = n.id
            WHERE h.pod_id = @podId AND n.router_external AND n.network_type = 'flat' AND n.physical_network = @physnet AND n.id <> @id
            """,
            new { podId = pod.PodId, physnet = network.PhysicalNetwork, id = network.Id },
            tx,
            cancellationToken: cancellationToken)) is { } other)
        {
            throw TricircleException.Conflict(
                $"Unable to create the flat network. Physical network {network.PhysicalNetwork} is in use (by external network {other} in pod {pod.RegionName}).", "FlatNetworkInUse");
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO network_homes (network_id, pod_id, created_at) VALUES (@networkId, @podId, @now)",
            new { networkId = network.Id, podId = pod.PodId, now = DbTime.Now(timeProvider) },
            tx,
            cancellationToken: cancellationToken));
    };

    /// <summary>Forgets the network's pod, in the transaction that makes it an internal network again.</summary>
    public static InTransaction Forget(string networkId) => (connection, tx, cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("DELETE FROM network_homes WHERE network_id = @networkId", new { networkId }, tx, cancellationToken: cancellationToken));

    /// <summary>The pod an external network lives in; null for another network (or one whose pod was removed).</summary>
    public async Task<Pod?> PodOfAsync(TopNetwork network, CancellationToken cancellationToken)
    {
        if (!network.External)
        {
            return null;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var podId = await connection.QueryFirstOrDefaultAsync<string>(new CommandDefinition(
            "SELECT pod_id FROM network_homes WHERE network_id = @id", new { id = network.Id }, cancellationToken: cancellationToken));
        return podId is null ? null : await pods.FindAsync(podId, cancellationToken);
    }

    /// <summary>The external networks living in a pod (for its audit): id and project.</summary>
    public async Task<IReadOnlyList<(string NetworkId, string ProjectId)>> OfPodAsync(string podId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<(string, string)>(new CommandDefinition(
            "SELECT n.id, n.project_id FROM networks n JOIN network_homes h ON h.network_id = n.id WHERE h.pod_id = @podId AND n.router_external ORDER BY n.created_at, n.id",
            new { podId },
            cancellationToken: cancellationToken))];
    }
}
