using System.Globalization;
using Tricircle.Compute;
using Tricircle.Jobs;
using Tricircle.Network;
using Tricircle.Pods;
using Tricircle.Volume;

namespace Tricircle.WebConsole.Topology;

/// <summary>What kind of resource the side panel shows.</summary>
internal enum ResourceKind
{
    Network,
    Router,
    Server,
    Volume,
    FloatingIp,
}

/// <summary>A copy in a pod with the status the pod gave for it just now (or why it gave none).</summary>
internal sealed record CopyStatus(TopologyCopy Copy, string Status);

/// <summary>A job about the resource, as the job engine keeps it.</summary>
internal sealed record ResourceJob(string Id, string Type, string Status, string? PodId, string? LastError, DateTime UpdatedAt);

/// <summary>The side panel's content: the central record's fields, the copies with their status from the pods, the jobs.</summary>
internal sealed record ResourceDetail(ResourceKind Kind, string Id, string Title, IReadOnlyList<(string Field, string Value)> Fields, IReadOnlyList<CopyStatus> Copies, IReadOnlyList<ResourceJob> Jobs, DateTimeOffset StatusAt);

/// <summary>
/// The detail of one resource of a <see cref="TopologyModel"/> (so a member sees only what its
/// picture has): its central record from the model, its copies' status asked of each pod holding
/// one (one GET per pod, in parallel, each within <see cref="Deadline"/>), and the latest jobs whose
/// keys include its id.
/// </summary>
internal sealed class ResourceDetails(PodStore pods, PodClient client, PodNetworks podNetworks, PodAdminToken adminToken, PodFanOut fanOut, JobStore jobs, TimeProvider timeProvider)
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(3);

    public const int JobLimit = 20;

    /// <summary>
    /// The detail, or null when the model has no such resource (gone since, or not the viewer's).
    /// Jobs only <paramref name="withJobs"/>: they are the admin's (the Admin API's jobs need the admin role).
    /// </summary>
    public async Task<ResourceDetail?> ReadAsync(TopologyModel model, ResourceKind kind, string id, bool withJobs, CancellationToken cancellationToken)
    {
        if (Describe(model, kind, id) is not { } described)
        {
            return null;
        }

        var (title, fields, copies) = described;
        var statuses = await StatusesAsync(kind, copies, cancellationToken);
        var (found, _) = withJobs ? await jobs.ListAsync(new Dictionary<string, string> { ["resource_id"] = id }, null, JobLimit, cancellationToken) : ([], false);
        return new ResourceDetail(kind, id, title, fields, statuses,
            [.. found.Select(j => new ResourceJob(j.Id, j.Type, j.Status, j.PodId, j.LastError, j.UpdatedAt))], timeProvider.GetUtcNow());
    }

    private static (string Title, List<(string, string)> Fields, IReadOnlyList<TopologyCopy> Copies)? Describe(TopologyModel model, ResourceKind kind, string id)
    {
        string NetworkName(string networkId) => model.Networks.FirstOrDefault(n => n.Id == networkId) is { } n && n.Name.Length > 0 ? $"{n.Name} ({networkId})" : networkId;
        switch (kind)
        {
            case ResourceKind.Network when model.Networks.FirstOrDefault(n => n.Id == id) is { } network:
                return ($"network {network.Name}", [
                    ("id", network.Id),
                    ("name", network.Name),
                    ("project", network.ProjectId.Length > 0 ? network.ProjectId : "(none: a bridge network belongs to no project)"),
                    ("kind", network.Kind.ToString().ToLowerInvariant()),
                    ("segment", network.Segment),
                    ("shared", network.Shared ? "yes" : "no"),
                    ("subnets", network.Subnets.Count == 0 ? "none" : string.Join(", ", network.Subnets.Select(s => $"{s.Cidr} {s.Name}".Trim()))),
                ], network.Copies);
            case ResourceKind.Router when model.Routers.FirstOrDefault(r => r.Id == id) is { } router:
                return ($"router {router.Name}", [
                    ("id", router.Id),
                    ("name", router.Name),
                    ("project", router.ProjectId),
                    ("status", router.Status),
                    .. router.Links.Select(l => (l.Kind.ToString().ToLowerInvariant(), $"{NetworkName(l.NetworkId)} {l.IpAddress}".TrimEnd())),
                ], router.Copies);
            case ResourceKind.Server when model.Servers.FirstOrDefault(s => s.Id == id) is { } server:
                return ($"server {server.Name ?? server.Id}", [
                    ("id", server.Id),
                    ("name", server.Name ?? "(not known: its pod did not answer)"),
                    ("project", server.ProjectId),
                    ("pod", server.Copy.PodName),
                    ("networks", server.NetworkIds.Count == 0 ? "none" : string.Join(", ", server.NetworkIds.Select(NetworkName))),
                ], [server.Copy]);
            case ResourceKind.Volume when model.Volumes.FirstOrDefault(v => v.Id == id) is { } volume:
                return ($"volume {volume.Id}", [("id", volume.Id), ("project", volume.ProjectId), ("pod", volume.Copy.PodName)], [volume.Copy]);
            case ResourceKind.FloatingIp when model.FloatingIps.FirstOrDefault(f => f.Id == id) is { } fip:
                return ($"floating IP {fip.Address}", [
                    ("id", fip.Id),
                    ("address", fip.Address),
                    ("project", fip.ProjectId),
                    ("status", fip.Status),
                    ("external network", NetworkName(fip.NetworkId)),
                    ("port", fip.PortId ?? "none"),
                    ("fixed IP", fip.FixedIpAddress ?? "none"),
                    ("server", fip.ServerId ?? "none"),
                    ("router", fip.RouterId ?? "none"),
                ], fip.Copies);
            default:
                return null;
        }
    }

    private async Task<IReadOnlyList<CopyStatus>> StatusesAsync(ResourceKind kind, IReadOnlyList<TopologyCopy> copies, CancellationToken cancellationToken)
    {
        var podRows = new List<Pod>();
        foreach (var copy in copies)
        {
            if (await pods.FindCachedAsync(copy.PodId, cancellationToken) is { } pod)
            {
                podRows.Add(pod);
            }
        }

        var answers = (await fanOut.AskAsync(podRows, (pod, ct) => StatusAsync(kind, pod, copies.First(c => c.PodId == pod.PodId).BottomId, ct), cancellationToken, Deadline))
            .ToDictionary(a => a.Pod.PodId, StringComparer.Ordinal);
        return [.. copies.Select(c => new CopyStatus(c, answers.TryGetValue(c.PodId, out var a)
            ? a.Succeeded ? a.Value ?? "?" : a.Error is PodErrorException { StatusCode: 404 } ? "missing in the pod (404)" : "no answer: " + a.Failure
            : "pod not registered"))];
    }

    private async Task<string> StatusAsync(ResourceKind kind, Pod pod, string? bottomId, CancellationToken cancellationToken)
    {
        if (bottomId is null)
        {
            return "being made";
        }

        var escaped = Uri.EscapeDataString(bottomId);
        var (singular, answer) = kind switch
        {
            ResourceKind.Network => ("network", await podNetworks.SendAsync(pod, HttpMethod.Get, "networks/" + escaped, null, cancellationToken)),
            ResourceKind.Router => ("router", await podNetworks.SendAsync(pod, HttpMethod.Get, "routers/" + escaped, null, cancellationToken)),
            ResourceKind.FloatingIp => ("floatingip", await podNetworks.SendAsync(pod, HttpMethod.Get, "floatingips/" + escaped, null, cancellationToken)),
            ResourceKind.Server => ("server", await client.SendJsonAsync(pod, ComputeApi.ServiceType, HttpMethod.Get, "servers/" + escaped, null, null, cancellationToken)),
            _ => ("volume", await client.SendJsonAsync(pod, VolumeApi.ServiceType, HttpMethod.Get,
                $"{Uri.EscapeDataString((await adminToken.GetAsync(cancellationToken)).ProjectId ?? "")}/volumes/{escaped}", null, null, cancellationToken)),
        };
        return answer?[singular]?["status"]?.ToString() ?? "?";
    }

    /// <summary>When the statuses were read, as the panel says it.</summary>
    public static string At(DateTimeOffset at) => at.ToString("HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
