using System.Text.Json.Nodes;
using Tricircle.Errors;
using Tricircle.Identity;
using Tricircle.Placement;
using Tricircle.Pods;
using Tricircle.Quotas;
using Tricircle.Routing;

namespace Tricircle.Compute;

/// <summary>
/// What a server group's policy means across pods, at boot. Hosts are a pod's business, so each
/// pod that holds members has its own group of the same policy (made with the first member there,
/// a routing row of type <c>server_group</c>) and the pod's scheduler keeps the policy among its
/// hosts; the gateway keeps it among pods:
/// <list type="bullet">
/// <item><b>affinity</b>: one host, so one pod, the first member's. A later member that cannot go
/// there (another AZ asked, its networks or volume elsewhere, the pod disabled) is refused with
/// Nova's "No valid host was found" as a 400 at once, rather than a server in ERROR; the pod
/// unreachable is a 503 (try again).</item>
/// <item><b>soft-affinity</b>: the first member's pod when it can be, else wherever the server
/// would go without the group.</item>
/// <item><b>anti-affinity</b> and <b>soft-anti-affinity</b>: different hosts; servers in different
/// pods are on different hosts by construction, so a member goes to the pod of its AZ with the
/// fewest members (the tenant's usual pod on a tie), and inside a pod the pod enforces it.</item>
/// </list>
/// </summary>
internal sealed class ServerGroups(ServerGroupStore store, PodCopies copies, PodClient client, PodStore pods, PodScheduler scheduler, QuotaStore quotas)
{
    private static readonly KeyValuePair<string, string>[] PolicyVersion =
        [new("OpenStack-API-Version", "compute 2.64"), new("X-OpenStack-Nova-API-Version", "2.64")];

    /// <summary>
    /// The group a create's <c>os:scheduler_hints</c> names (Nova's schema: a uuid), the caller's
    /// own (or any, for an admin); Nova's 400 when there is none, its 403 when it has no room
    /// for <paramref name="count"/> more members.
    /// </summary>
    public async Task<(ServerGroup Group, IReadOnlyList<ServerGroupMember> Members)?> HintedAsync(JsonObject root, RequestContext caller, int count, CancellationToken cancellationToken)
    {
        if (HintsOf(root)?["group"] is not { } node)
        {
            return null;
        }

        var id = node is JsonValue value && value.TryGetValue<string>(out var text) ? text : node.ToJsonString();
        if (!Guid.TryParse(id, out _))
        {
            throw TricircleException.Invalid($"Invalid input for field/attribute group. Value: {id}. '{id}' is not a 'uuid'");
        }

        var group = await store.FindAsync(id.ToLowerInvariant(), cancellationToken);
        if (group is null || (!caller.IsAdmin && group.ProjectId != caller.ProjectId))
        {
            throw TricircleException.Invalid($"Instance group {id} could not be found.");
        }

        // Nova's server_group_members quota, the caller's project's limit (counted centrally: members in every pod).
        var members = (await store.MembersAsync([group.Id], cancellationToken))[group.Id].ToList();
        var limit = (await quotas.LimitsAsync(caller.ProjectId, cancellationToken)).GetValueOrDefault(QuotaResources.ServerGroupMembers, -1);
        if (limit >= 0 && members.Count + count > limit)
        {
            throw TricircleException.Forbidden("Quota exceeded, too many servers in group");
        }

        return (group, members);
    }

    private static JsonObject? HintsOf(JsonObject root) =>
        root["os:scheduler_hints"] as JsonObject ?? root["OS-SCH-HNT:scheduler_hints"] as JsonObject;

    /// <summary>
    /// The pod an affinity group's next member must (or, soft, should) go to: the first member's.
    /// Null when the group leaves the choice to the usual placement.
    /// </summary>
    public async Task<Pod?> AffinityPodAsync(ServerGroup group, IReadOnlyList<ServerGroupMember> members, string? requestedAz, CancellationToken cancellationToken)
    {
        if (!group.IsAffinity || members.Count == 0)
        {
            return null;
        }

        var pod = await pods.FindAsync(members[0].PodId, cancellationToken);
        var az = PodScheduler.AzOf(requestedAz);
        string? why = pod is null ? "its pod is no longer registered"
            : pod.Disabled ? $"its pod {pod.RegionName} is disabled"
            : az is not null && az != pod.AzName ? $"availability zone {az} was asked"
            : null;
        if (why is null && pod is not null && !client.IsReachable(pod))
        {
            if (group.IsSoft)
            {
                return null;
            }

            throw TricircleException.Unavailable($"Server group {group.Id} has the affinity policy: its members are in pod {pod.RegionName}, which cannot be reached now; try again later.");
        }

        if (why is null)
        {
            return pod;
        }

        return group.IsSoft ? null : throw NoValidHost(group, pod, why);
    }

    /// <summary>Nova's refusal of an affinity member that cannot join the others (a 400 here, at once).</summary>
    public static TricircleException NoValidHost(ServerGroup group, Pod? pod, string why) =>
        TricircleException.Invalid($"No valid host was found. Server group {group.Id} has the {group.Policy} policy and its members are in pod {pod?.RegionName ?? "(gone)"}{(pod is null ? "" : $" (availability zone {pod.AzName})")}, but {why}.");

    /// <summary>
    /// An anti-affinity member's pod: among the open, reachable pods of the usual choice's AZ (and
    /// <paramref name="allowed"/>, when its networks limit it), the one holding the fewest members,
    /// the usual choice on a tie.
    /// </summary>
    public async Task<PodPlacement> SpreadAsync(ServerGroup group, IReadOnlyList<ServerGroupMember> members, PodPlacement usual, IReadOnlyList<Pod>? allowed, RequestContext caller, CancellationToken cancellationToken)
    {
        if (group.IsAffinity || members.Count == 0)
        {
            return usual;
        }

        var count = members.GroupBy(m => m.PodId).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var candidates = (await pods.ListAsync(new Dictionary<string, string>(), cancellationToken))
            .Where(p => !p.IsCentral && !p.Disabled && p.AzName == usual.Pod.AzName && client.IsReachable(p) && (allowed is null || allowed.Any(a => a.PodId == p.PodId)))
            .OrderBy(p => count.GetValueOrDefault(p.PodId))
            .ThenBy(p => p.PodId == usual.Pod.PodId ? 0 : 1)
            .ToList();
        var best = candidates.FirstOrDefault();
        if (best is null || count.GetValueOrDefault(best.PodId) >= count.GetValueOrDefault(usual.Pod.PodId))
        {
            return usual;
        }

        return await scheduler.PlaceBesideAsync(caller.ProjectId, best, $"Server group {group.Id}", null, cancellationToken);
    }

    /// <summary>
    /// The group's copy in the pod (made with the caller's token, so that it is the project's
    /// there; named by the central id), and the create's hint pointed at it.
    /// </summary>
    public async Task PointHintAsync(ServerGroup group, Pod pod, JsonObject root, RequestContext caller, CancellationToken cancellationToken)
    {
        var bottom = await copies.EnsureAsync(ServerGroupsApi.ResourceType, group.Id, pod, group.ProjectId, async ct =>
        {
            var spec = new JsonObject { ["name"] = group.Id, ["policy"] = group.Policy };
            if (group.MaxServerPerHost is { } max)
            {
                spec["rules"] = new JsonObject { ["max_server_per_host"] = max };
            }

            var made = await client.SendJsonAsync(pod, ComputeApi.ServiceType, HttpMethod.Post, "os-server-groups", new JsonObject { ["server_group"] = spec }, caller.AuthToken, ct, PolicyVersion);
            return made?["server_group"]?["id"]?.ToString() is { Length: > 0 } id
                ? id
                : throw new PodErrorException(pod, StatusCodes.Status502BadGateway, "the server group create answered without the group's id");
        }, cancellationToken);
        HintsOf(root)!["group"] = bottom;
    }
}
