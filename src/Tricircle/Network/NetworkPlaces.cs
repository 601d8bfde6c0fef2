using Dapper;
using Tricircle.Data;
using Tricircle.Errors;
using Tricircle.Pods;

namespace Tricircle.Network;

/// <summary>
/// Where a network may live (spec §6.1): its <c>availability_zone_hints</c> (pod names or AZ
/// names) limit it to those pods; a network of type <c>local</c> lives in the one pod where it is
/// first used, recorded in <c>network_homes</c>, and an external network in the one pod chosen
/// when it was made, recorded there too (<see cref="ExternalHomes"/>); anything else may span
/// every pod (cross-pod L2).
/// </summary>
internal sealed class NetworkPlaces(PodStore pods, Database database, TimeProvider timeProvider)
{
    /// <summary>The pods the network may be used in, or null when any pod will do.</summary>
    public async Task<IReadOnlyList<Pod>?> AllowedPodsAsync(TopNetwork network, CancellationToken cancellationToken)
    {
        List<Pod>? allowed = null;
        var homed = network.Segment.NetworkType == "local" || network.External;
        if (network.AvailabilityZoneHints.Count > 0 || homed)
        {
            var all = (await pods.ListAsync(new Dictionary<string, string>(), cancellationToken)).Where(p => !p.IsCentral).ToList();
            allowed = network.AvailabilityZoneHints.Count == 0
                ? null
                : all.Where(p => network.AvailabilityZoneHints.Contains(p.RegionName) || network.AvailabilityZoneHints.Contains(p.AzName)).ToList();
            if (homed && await HomeAsync(network.Id, cancellationToken) is { } home)
            {
                // An external network's home is the truth, even should its hinted AZ change later.
                allowed = (network.External ? all : allowed ?? all).Where(p => p.PodId == home).ToList();
            }
        }

        return allowed;
    }

    /// <summary>
    /// Refuses (400 naming the network and the pod) a use of the network in a pod outside its
    /// places; a <c>local</c> network used for the first time is given this pod as its home.
    /// </summary>
    public async Task ClaimAsync(TopNetwork network, Pod pod, CancellationToken cancellationToken)
    {
        var allowed = await AllowedPodsAsync(network, cancellationToken);
        if (allowed is not null && !allowed.Any(p => p.PodId == pod.PodId))
        {
            throw Outside(network, pod, allowed);
        }

        if (network.Segment.NetworkType != "local")
        {
            return;
        }

        // The first use wins; a concurrent first use elsewhere reads the winner's row.
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO network_homes (network_id, pod_id, created_at) VALUES (@networkId, @podId, @now) ON CONFLICT (network_id) DO NOTHING",
                new { networkId = network.Id, podId = pod.PodId, now = DbTime.Now(timeProvider) },
                cancellationToken: cancellationToken));
        }

        if (await HomeAsync(network.Id, cancellationToken) is { } home && home != pod.PodId)
        {
            throw Outside(network, pod, [await pods.GetAsync(home, cancellationToken)]);
        }
    }

    /// <summary>The pods allowed for every one of <paramref name="networks"/> (null when any pod will do), and why, for errors.</summary>
    public async Task<(IReadOnlyList<Pod>? Pods, string Why)> AllowedForAllAsync(IEnumerable<TopNetwork> networks, CancellationToken cancellationToken)
    {
        IReadOnlyList<Pod>? allowed = null;
        var why = new List<string>();
        foreach (var network in networks.DistinctBy(n => n.Id))
        {
            if (await AllowedPodsAsync(network, cancellationToken) is not { } these)
            {
                continue;
            }

            why.Add($"network {Name(network)} may be used only in {Places(network, these)}");
            allowed = allowed is null ? these : allowed.Where(p => these.Any(t => t.PodId == p.PodId)).ToList();
        }

        return (allowed, string.Join("; ", why));
    }

    private async Task<string?> HomeAsync(string networkId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<string>(new CommandDefinition(
            "SELECT pod_id FROM network_homes WHERE network_id = @networkId", new { networkId }, cancellationToken: cancellationToken));
    }

    private static TricircleException Outside(TopNetwork network, Pod pod, IReadOnlyList<Pod> allowed) =>
        TricircleException.Invalid($"Network {Name(network)} may be used only in {Places(network, allowed)}, not in pod {pod.RegionName} (availability zone {pod.AzName}).");

    private static string Name(TopNetwork network) => network.Name.Length > 0 && network.Name != network.Id ? $"{network.Id} ({network.Name})" : network.Id;

    private static string Places(TopNetwork network, IReadOnlyList<Pod> allowed)
    {
        var pods = allowed.Count == 0 ? "no registered pod" : "pod " + string.Join(", ", allowed.Select(p => $"{p.RegionName} (availability zone {p.AzName})"));
        var reasons = new List<string>();
        if (network.AvailabilityZoneHints.Count > 0)
        {
            reasons.Add("availability_zone_hints " + string.Join(", ", network.AvailabilityZoneHints));
        }

        if (network.External)
        {
            reasons.Add("external, which lives in the pod chosen when it was made");
        }
        else if (network.Segment.NetworkType == "local")
        {
            reasons.Add("type local, which lives in the pod where it was first used");
        }

        return $"{pods} ({string.Join("; ", reasons)})";
    }
}
