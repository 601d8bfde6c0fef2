using System.Text.Json.Nodes;
using Tricircle.Compute;
using Tricircle.Network;
using Tricircle.Pods;
using Tricircle.Routing;
using Tricircle.Volume;

namespace Tricircle.Jobs.Handlers;

/// <summary>
/// <c>pod_audit</c>: compares what one pod holds with central intent and queues a job for each
/// difference (not run here: the workers take them, and each shows in the jobs list).
/// <list type="bullet">
/// <item>Every copy Tricircle recorded in the pod (a routing row with its bottom id) of a
/// network, subnet, port or security group gets its sync job when central's resource is gone or
/// being deleted, when the pod no longer has the copy, or when the copy drifted from what its
/// sync puts on it (see <see cref="PodNetworks.NetworkDrift"/> and the others).</item>
/// <item>A pod resource of those kinds named after a central-style id that Tricircle does not
/// record there, but knows it made (the id is being deleted, or a job names it), gets its sync
/// job when central has none or is deleting it; the sync deletes it by name.</item>
/// <item>Every router with a copy in the pod gets its <c>router_sync</c>, which compares that copy (gateway, interfaces, routes) itself;
/// in shadow mode, every tenant's VxLAN network with a copy there its <c>shadow_port_sync</c>.</item>
/// <item>An external network living in the pod (<see cref="ExternalHomes"/>) that has no copy
/// recorded there, or a subnet of one without its copy, gets its sync job, which makes it: such
/// networks are in their pod from their create on, not from a first boot.</item>
/// <item>A server or volume recorded in the pod that the pod's list lacks, and whose own GET
/// answers 404, is forgotten with its cleanup job (its ports and quota released).</item>
/// </list>
/// Nothing else in the pod is touched. Calls go with the admin token, whole collections at a
/// time (every project; paged lists followed to their end), at most <c>[jobs] audit_rate</c> a
/// second to one pod (<see cref="AuditRateLimits"/>). A pod that cannot be reached fails the run
/// with <see cref="Errors.PodUnavailableException"/>: the job waits for it without counting.
/// </summary>
internal sealed partial class PodAuditJob(
    PodStore pods,
    RoutingStore routings,
    PodClient client,
    PodAdminToken adminToken,
    PodNetworks podNetworks,
    NetworkStore networks,
    SubnetStore subnets,
    PortStore ports,
    SecurityGroupStore groups,
    DeletingMarks marks,
    ExternalHomes externalHomes,
    ShadowPortSyncs shadowSyncs,
    JobStore jobs,
    JobQueue queue,
    ServerRecords servers,
    VolumeRecords volumes,
    AuditRateLimits limits,
    TimeProvider timeProvider,
    ILogger<PodAuditJob> logger) : IJobHandler
{
    /// <summary>A list asks pods for this many servers or volumes a page (Nova's and Cinder's usual most).</summary>
    private const int PageSize = 1000;

    private static readonly string[] CopyTypes = ["network", "subnet", "port", "security_group"];

    /// <summary>Per copied type: the pod's collection, its sync job, and the jobs whose names prove Tricircle made such a copy.</summary>
    private static readonly Dictionary<string, (string Collection, JobType Sync, JobType[] Proof)> Kinds = new(StringComparer.Ordinal)
    {
        ["network"] = ("networks", JobTypes.NetworkSync, [JobTypes.NetworkSync, JobTypes.NetworkDelete]),
        ["subnet"] = ("subnets", JobTypes.SubnetSync, [JobTypes.SubnetSync, JobTypes.SubnetDelete]),
        ["port"] = ("ports", JobTypes.PortSync, [JobTypes.PortSync]),
        ["security_group"] = ("security-groups", JobTypes.SecurityGroupSync, [JobTypes.SecurityGroupSync, JobTypes.SecurityGroupDelete]),
    };

    public JobType Type => JobTypes.PodAudit;

    public async Task RunAsync(Job job, CancellationToken cancellationToken)
    {
        if (await pods.FindAsync(job.Key(JobType.PodKey), cancellationToken) is not { } pod)
        {
            return; // removed meanwhile: nothing of it to compare
        }

        var started = timeProvider.GetTimestamp();
        var summary = new Summary();

        // The rows first: a copy made after this read is in the pod's lists, not taken for a leftover.
        var rows = await routings.OfPodAsync(pod.PodId, [.. CopyTypes, ServersApi.ResourceType, VolumesApi.ResourceType], cancellationToken);
        var repairs = await AuditCopiesAsync(pod, rows, summary, cancellationToken);

        // Routers' copies, and shadows of stretched VxLAN networks, are compared by their own syncs, which read the pods and put them right.
        var routers = await routings.OfPodAsync(pod.PodId, ["router"], cancellationToken);
        var shadowed = await shadowSyncs.ForNetworksAsync([.. rows.Where(r => r.ResourceType == "network" && r.BottomId is not null).Select(r => r.TopId)], cancellationToken);
        await queue.QueueAsync([.. repairs, .. routers.Select(r => RouterSyncs.For(r.TopId, r.ProjectId)), .. shadowed], cancellationToken);
        await AuditServersAsync(pod, [.. rows.Where(r => r.ResourceType == ServersApi.ResourceType)], summary, cancellationToken);
        await AuditVolumesAsync(pod, [.. rows.Where(r => r.ResourceType == VolumesApi.ResourceType)], summary, cancellationToken);

        Log.Audited(logger, pod.RegionName, summary.Networks, summary.Subnets, summary.Ports, summary.Groups, summary.Servers, summary.Volumes,
            repairs.Count, summary.Leftovers, summary.Forgotten, timeProvider.GetElapsedTime(started).TotalSeconds);
    }

    private async Task<IReadOnlyList<JobRequest>> AuditCopiesAsync(Pod pod, IReadOnlyList<ResourceRouting> rows, Summary summary, CancellationToken cancellationToken)
    {
        // What the pod holds, whole collections, every project.
        var held = new Dictionary<string, List<JsonObject>>(StringComparer.Ordinal);
        foreach (var (_, kind) in Kinds)
        {
            held[kind.Collection] = await ListAsync(pod, PodNetworks.ServiceType, kind.Collection, kind.Collection.Replace('-', '_'), "", cancellationToken);
        }

        var podRules = await ListAsync(pod, PodNetworks.ServiceType, "security-group-rules", "security_group_rules", "", cancellationToken);
        var rulesOf = podRules.GroupBy(r => Text(r["security_group_id"])).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);

        // Copies Tricircle recorded (made; a row without a bottom id is a copy being made, left to its maker).
        var recorded = rows.Where(r => Kinds.ContainsKey(r.ResourceType)).ToList();
        var leftovers = Kinds.ToDictionary(
            k => k.Key,
            k =>
            {
                var names = recorded.Where(r => r.ResourceType == k.Key).Select(r => r.TopId).ToHashSet(StringComparer.Ordinal);
                return held[k.Value.Collection].Where(o => IsCentralId(Text(o["name"])) && !names.Contains(Text(o["name"]))).ToList();
            },
            StringComparer.Ordinal);

        // Central, in bulk: every id recorded or named by a leftover.
        var idsOf = (string type) => recorded.Where(r => r.ResourceType == type).Select(r => r.TopId).Concat(leftovers[type].Select(o => Text(o["name"]))).ToList();
        var topNetworks = await networks.FindTopManyAsync(idsOf("network"), cancellationToken);
        var topSubnets = await subnets.FindTopManyAsync(idsOf("subnet"), cancellationToken);
        var topPorts = await ports.FindTopManyAsync(idsOf("port"), cancellationToken);
        var topGroups = await groups.FindTopManyAsync(idsOf("security_group"), cancellationToken);
        var marked = await marks.MarkedAsync([.. idsOf("network"), .. idsOf("subnet"), .. idsOf("security_group")], cancellationToken);
        var cidrs = await subnets.CidrsOfProjectsAsync([.. topGroups.Values.Select(g => g.ProjectId)], cancellationToken);

        var byId = held.ToDictionary(h => h.Key, h => h.Value.GroupBy(o => Text(o["id"])).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal), StringComparer.Ordinal);
        var topGroupOf = recorded.Where(r => r.ResourceType == "security_group" && r.BottomId is not null)
            .GroupBy(r => r.BottomId!).ToDictionary(g => g.Key, g => g.First().TopId, StringComparer.Ordinal);
        var repairs = new Dictionary<(string, string), JobRequest>();
        void Repair(string type, string id, string? projectId, string reason)
        {
            var request = JobRequest.InPod(Kinds[type].Sync, pod.PodId, id, projectId);
            if (repairs.TryAdd((request.Type.Name, id), request))
            {
                Log.Repair(logger, pod.RegionName, request.Type.Name, id, reason);
            }
        }

        // Networks first, then subnets, then ports: a copy the pod lost with its network's (a DHCP
        // port with its subnet's) is forgotten by that one's sync; a sync of its own could make the
        // network again while that one forgets it.
        var lostNetworks = new HashSet<string>(StringComparer.Ordinal);
        var lostSubnets = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in recorded.Where(r => r.BottomId is not null).OrderBy(r => Array.IndexOf(CopyTypes, r.ResourceType)))
        {
            var (collection, _, _) = Kinds[row.ResourceType];
            var copy = byId[collection].GetValueOrDefault(row.BottomId!);
            var (exists, drift) = row.ResourceType switch
            {
                "network" => Compare(topNetworks, row.TopId, copy, (top, c) => PodNetworks.NetworkDrift(top, c)),
                "subnet" => Compare(topSubnets, row.TopId, copy, (top, c) => PodNetworks.SubnetDrift(top, c)),
                "port" => Compare(topPorts, row.TopId, copy, (top, c) => PodNetworks.PortDrift(top, c, topGroupOf)),
                _ => Compare(topGroups, row.TopId, copy, (top, c) =>
                    PodNetworks.SecurityGroupDrift(top, cidrs.GetValueOrDefault(top.ProjectId, []), c, rulesOf.GetValueOrDefault(row.BottomId!, []))),
            };
            summary.Count(row.ResourceType);
            if (!exists || marked.Contains(row.TopId))
            {
                Repair(row.ResourceType, row.TopId, row.ProjectId, "is gone or being deleted centrally");
            }
            else if (copy is null)
            {
                var withItsParent = row.ResourceType switch
                {
                    "subnet" => lostNetworks.Contains(topSubnets[row.TopId].NetworkId),
                    "port" => topPorts[row.TopId] is var port && (lostNetworks.Contains(port.NetworkId)
                        || (port.DeviceOwner == PodNetworks.DhcpOwner && port.FixedIps.Any(f => lostSubnets.Contains(f.SubnetId)))),
                    _ => false,
                };
                (row.ResourceType switch { "network" => lostNetworks, "subnet" => lostSubnets, _ => null })?.Add(row.TopId);
                if (!withItsParent)
                {
                    Repair(row.ResourceType, row.TopId, row.ProjectId, "is recorded but the pod no longer has its copy");
                }
            }
            else if (drift is not null)
            {
                Repair(row.ResourceType, row.TopId, row.ProjectId, $"has drifted in the pod ({drift})");
            }
        }

        await MissingExternalAsync(pod, rows, Repair, cancellationToken);

        // Leftovers: only what Tricircle knows it made, and only those its sync deletes (central has none, or is deleting it).
        var candidates = leftovers.SelectMany(l => l.Value.Select(o => (Type: l.Key, Id: Text(o["name"]), Project: Text(o["project_id"]))))
            .Where(c => marked.Contains(c.Id) || c.Type switch
            {
                "network" => !topNetworks.ContainsKey(c.Id),
                "subnet" => !topSubnets.ContainsKey(c.Id),
                "port" => !topPorts.ContainsKey(c.Id),
                _ => !topGroups.ContainsKey(c.Id),
            })
            .ToList();
        if (candidates.Count > 0)
        {
            var podIds = (await pods.ListAsync(new Dictionary<string, string>(), cancellationToken)).Select(p => p.PodId).ToList();
            foreach (var ofType in candidates.GroupBy(c => c.Type))
            {
                // A job names the resource as "pod#id" (syncs) or "id" (deletes).
                var named = await jobs.WithJobsAsync(
                    [.. Kinds[ofType.Key].Proof.Select(t => t.Name)],
                    [.. ofType.SelectMany(c => podIds.Select(p => p + "#" + c.Id).Append(c.Id))],
                    cancellationToken);
                var proven = named.Select(n => n[(n.LastIndexOf('#') + 1)..]).ToHashSet(StringComparer.Ordinal);
                foreach (var (type, id, project) in ofType.Distinct().Where(c => marked.Contains(c.Id) || proven.Contains(c.Id)))
                {
                    summary.Leftovers++;
                    Repair(type, id, project.Length == 0 ? null : project, "is a copy Tricircle made and no longer records");
                }
            }
        }

        return [.. repairs.Values];
    }

    /// <summary>External networks living in the pod, and their subnets, with no copy recorded there (unless being deleted): their syncs make them.</summary>
    private async Task MissingExternalAsync(Pod pod, IReadOnlyList<ResourceRouting> rows, Action<string, string, string?, string> repair, CancellationToken cancellationToken)
    {
        var externals = await externalHomes.OfPodAsync(pod.PodId, cancellationToken);
        if (externals.Count == 0)
        {
            return;
        }

        var recorded = rows.Select(r => (r.ResourceType, r.TopId)).ToHashSet();
        var subnetsOf = new Dictionary<string, IReadOnlyList<TopSubnet>>(StringComparer.Ordinal);
        foreach (var (networkId, _) in externals)
        {
            subnetsOf[networkId] = await subnets.ListTopAsync(networkId, cancellationToken);
        }

        var deleting = await marks.MarkedAsync([.. externals.Select(e => e.NetworkId), .. subnetsOf.Values.SelectMany(l => l.Select(s => s.Id))], cancellationToken);
        foreach (var (networkId, projectId) in externals.Where(e => !deleting.Contains(e.NetworkId)))
        {
            if (!recorded.Contains(("network", networkId)))
            {
                repair("network", networkId, projectId, "is an external network living in this pod without its copy there");
                continue; // its sync makes its subnets too
            }

            foreach (var subnet in subnetsOf[networkId].Where(s => !recorded.Contains(("subnet", s.Id)) && !deleting.Contains(s.Id)))
            {
                repair("subnet", subnet.Id, subnet.ProjectId, "is a subnet of an external network living in this pod without its copy there");
            }
        }
    }

    private static (bool Exists, string? Drift) Compare<T>(IReadOnlyDictionary<string, T> central, string id, JsonObject? copy, Func<T, JsonObject, string?> drift) =>
        central.TryGetValue(id, out var top) ? (true, copy is null ? null : drift(top, copy)) : (false, null);

    /// <summary>Recorded servers the pod's list lacks are forgotten once their own GET says 404 (a list alone is never trusted).</summary>
    private async Task AuditServersAsync(Pod pod, IReadOnlyList<ResourceRouting> rows, Summary summary, CancellationToken cancellationToken)
    {
        summary.Servers = rows.Count;
        if (rows.Count == 0)
        {
            return;
        }

        var listed = (await ListAsync(pod, ComputeApi.ServiceType, "servers/detail", "servers", $"?all_tenants=1&limit={PageSize}", cancellationToken))
            .Select(s => Text(s["id"])).ToHashSet(StringComparer.Ordinal);
        foreach (var row in rows.Where(r => !listed.Contains(r.BottomId ?? r.TopId)))
        {
            if (await GoneAsync(pod, ComputeApi.ServiceType, "servers/" + Uri.EscapeDataString(row.BottomId ?? row.TopId), cancellationToken))
            {
                Log.Forgetting(logger, pod.RegionName, "server", row.TopId);
                await servers.ForgetLaterAsync(row.TopId, row.ProjectId, pod, cancellationToken);
                summary.Forgotten++;
            }
        }
    }

    /// <summary>As <see cref="AuditServersAsync"/>, for volumes (Cinder's paths carry a project: an admin reaches any volume under its own).</summary>
    private async Task AuditVolumesAsync(Pod pod, IReadOnlyList<ResourceRouting> rows, Summary summary, CancellationToken cancellationToken)
    {
        summary.Volumes = rows.Count;
        if (rows.Count == 0)
        {
            return;
        }

        var project = Uri.EscapeDataString((await adminToken.GetAsync(cancellationToken)).ProjectId ?? "");
        var listed = (await ListAsync(pod, VolumeApi.ServiceType, project + "/volumes/detail", "volumes", $"?all_tenants=1&limit={PageSize}", cancellationToken))
            .Select(v => Text(v["id"])).ToHashSet(StringComparer.Ordinal);
        foreach (var row in rows.Where(r => !listed.Contains(r.BottomId ?? r.TopId)))
        {
            if (await GoneAsync(pod, VolumeApi.ServiceType, $"{project}/volumes/{Uri.EscapeDataString(row.BottomId ?? row.TopId)}", cancellationToken))
            {
                Log.Forgetting(logger, pod.RegionName, "volume", row.TopId);
                await volumes.ForgetLaterAsync(row.TopId, row.ProjectId, pod, cancellationToken);
                summary.Forgotten++;
            }
        }
    }

    /// <summary>
    /// A whole collection of the pod (<paramref name="key"/>: its name in the answer): every page,
    /// following the pod's next links, each page one call within the rate.
    /// </summary>
    private async Task<List<JsonObject>> ListAsync(Pod pod, string serviceType, string path, string key, string query, CancellationToken cancellationToken)
    {
        var all = new List<JsonObject>();
        var asked = new HashSet<string>(StringComparer.Ordinal);
        while (asked.Add(query))
        {
            var answer = await CallAsync(pod, serviceType, path + query, cancellationToken);
            var page = (answer?[key] as JsonArray ?? []).OfType<JsonObject>().ToList();
            all.AddRange(page);
            var next = Text((answer?[key + "_links"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(l => Text(l["rel"]) == "next")?["href"]);
            var at = next.IndexOf('?', StringComparison.Ordinal);
            if (page.Count == 0 || at < 0)
            {
                break;
            }

            query = next[at..];
        }

        return all;
    }

    /// <summary>Whether the pod answers 404 for the resource itself.</summary>
    private async Task<bool> GoneAsync(Pod pod, string serviceType, string path, CancellationToken cancellationToken)
    {
        try
        {
            await CallAsync(pod, serviceType, path, cancellationToken);
            return false;
        }
        catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status404NotFound)
        {
            return true;
        }
    }

    /// <summary>One GET of the audit, with the admin token, once the pod's rate allows it.</summary>
    private async Task<JsonNode?> CallAsync(Pod pod, string serviceType, string path, CancellationToken cancellationToken)
    {
        await limits.WaitAsync(pod.PodId, cancellationToken);
        return serviceType == PodNetworks.ServiceType
            ? await podNetworks.SendAsync(pod, HttpMethod.Get, path, null, cancellationToken)
            : await client.SendJsonAsync(pod, serviceType, HttpMethod.Get, path, null, null, cancellationToken);
    }

    private static bool IsCentralId(string name) => name.Length == 36 && Guid.TryParseExact(name, "D", out _);

    private static string Text(JsonNode? node) => node is JsonValue value ? value.ToString() : "";

    private sealed class Summary
    {
        public int Networks { get; set; }

        public int Subnets { get; set; }

        public int Ports { get; set; }

        public int Groups { get; set; }

        public int Servers { get; set; }

        public int Volumes { get; set; }

        public int Leftovers { get; set; }

        public int Forgotten { get; set; }

        public void Count(string resourceType)
        {
            switch (resourceType)
            {
                case "network":
                    Networks++;
                    break;
                case "subnet":
                    Subnets++;
                    break;
                case "port":
                    Ports++;
                    break;
                default:
                    Groups++;
                    break;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information,
            "Audit of pod {Region}: compared {Networks} networks, {Subnets} subnets, {Ports} ports, {Groups} security groups, {Servers} servers and {Volumes} volumes; "
            + "queued {Repairs} syncs ({Leftovers} for leftover copies), forgot {Forgotten} servers and volumes the pod no longer has; {Seconds:0.0} s")]
        public static partial void Audited(ILogger logger, string region, int networks, int subnets, int ports, int groups, int servers, int volumes, int repairs, int leftovers, int forgotten, double seconds);

        [LoggerMessage(2, LogLevel.Information, "Audit of pod {Region}: {Type} for {Id}, which {Reason}")]
        public static partial void Repair(ILogger logger, string region, string type, string id, string reason);

        [LoggerMessage(3, LogLevel.Information, "Audit of pod {Region}: the {What} {Id} is gone from the pod; forgetting it and releasing what it held")]
        public static partial void Forgetting(ILogger logger, string region, string what, string id);
    }
}
