using Tricircle.Errors;
using Tricircle.Pods;

namespace Tricircle.Network;

/// <summary>
/// Tricircle's router placement rules (spec §6.1), in one place because the next increment (the
/// bottom routers and the bridge network) decides where a router lives by the same rules: a
/// router whose hints are exactly one region name is a <em>local</em> router living in that pod
/// only; any other router is instantiated in every pod its networks reach. A network must be
/// where its router can be (<c>RouterNetworkLocationMismatch</c>).
/// </summary>
internal static class RouterPlacement
{
    /// <summary>Each hint must name a pod's AZ or region; Neutron's <c>AvailabilityZoneNotFound</c> (a NotFound, so 404) otherwise.</summary>
    public static void CheckHints(IReadOnlyList<string> hints, IReadOnlyList<Pod> pods)
    {
        foreach (var hint in hints)
        {
            if (!pods.Any(p => !p.IsCentral && (p.AzName == hint || p.RegionName == hint)))
            {
                throw TricircleException.NotFound($"AvailabilityZone {hint} could not be found.", "AvailabilityZoneNotFound");
            }
        }
    }

    /// <summary>A local router: its hints are exactly one region name of a pod.</summary>
    public static bool IsLocal(IReadOnlyList<string> routerHints, IReadOnlyList<Pod> pods) =>
        routerHints.Count == 1 && pods.Any(p => !p.IsCentral && p.RegionName == routerHints[0]);

    /// <summary>
    /// Whether a network may be attached to a router (Tricircle's
    /// <c>validate_router_net_location_match</c>): a router without hints takes any network; a
    /// network without hints (it may be in any pod) only a local router; a local router needs its
    /// region among the network's; another router needs the network's regions among its own.
    /// </summary>
    public static void CheckNetwork(IReadOnlyList<string> routerHints, IReadOnlyList<string> networkHints, IReadOnlyList<Pod> pods)
    {
        if (routerHints.Count == 0)
        {
            return;
        }

        var routerRegions = Regions(routerHints, pods);
        var local = IsLocal(routerHints, pods);
        if (networkHints.Count == 0)
        {
            if (!local)
            {
                throw Mismatch(routerRegions, ["All Region"]);
            }

            return;
        }

        var networkRegions = Regions(networkHints, pods);
        var fits = local ? routerRegions.IsSubsetOf(networkRegions) : networkRegions.IsSubsetOf(routerRegions);
        if (!fits)
        {
            throw Mismatch(routerRegions, networkRegions);
        }
    }

    /// <summary>The regions hints stand for: a region name itself, an AZ name every region in it.</summary>
    private static SortedSet<string> Regions(IReadOnlyList<string> hints, IReadOnlyList<Pod> pods) =>
        new(hints.SelectMany(h => pods.Where(p => !p.IsCentral && (p.RegionName == h || p.AzName == h)).Select(p => p.RegionName).DefaultIfEmpty(h)), StringComparer.Ordinal);

    // Tricircle's message, with Python's list formatting.
    private static TricircleException Mismatch(IEnumerable<string> router, IEnumerable<string> network) =>
        TricircleException.Invalid(
            $"router located in {PyList(router)}, but network located in {PyList(network)}, location mismatch.",
            "RouterNetworkLocationMismatch");

    private static string PyList(IEnumerable<string> items) => "[" + string.Join(", ", items.Select(i => $"'{i}'")) + "]";
}
