using System.Text.Json;
using System.Text.Json.Nodes;
using Tricircle.Errors;
using Tricircle.Identity;
using Tricircle.Jobs;
using Tricircle.Network;
using Tricircle.Pods;

namespace Tricircle.Compute;

/// <summary>One requested NIC: a central network, and the central port when the caller named one.</summary>
internal sealed record WantedNic(TopNetwork Network, TopPort? Port, string? FixedIp, JsonNode? Tag);

/// <summary>A NIC ready in the pod: its central port (made by Tricircle or the caller's) and the pod's copy.</summary>
internal sealed record ServerNic(TopNetwork Network, TopPort Port, bool Created, string BottomPortId);

/// <summary>
/// A server's networks through the compute gateway: the request's <c>networks</c> name central
/// networks and ports; the central ports are made (for a bare network), their networks,
/// subnets, groups and the ports themselves made in the server's pod (<see cref="PodNetworks"/>),
/// and the pod's Nova boots on the pod's ports. The central port then shows the server; deleting
/// the server deletes the ports made for it and unbinds those the caller gave.
/// </summary>
internal sealed partial class ServerNetworks(
    CentralPorts central,
    NetworkPlaces places,
    PodNetworks podNetworks,
    PortStore ports,
    TrunkStore trunks,
    TrunkCopies trunkCopies,
    JobQueue jobs,
    ILogger<ServerNetworks> logger)
{
    /// <summary>
    /// The central NICs the request asks for; null when it asks for none (absent, <c>none</c>, an
    /// empty list), which the pod's Nova is then told as it was.
    /// </summary>
    public async Task<IReadOnlyList<WantedNic>?> ReadAsync(JsonObject server, int count, RequestContext caller, CancellationToken cancellationToken)
    {
        var networks = server["networks"];
        List<WantedNic> wanted = [];
        switch (networks)
        {
            case null:
            case JsonValue value when value.GetValueKind() == JsonValueKind.String && value.ToString() == "none":
            case JsonArray { Count: 0 }:
                return null;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String && value.ToString() == "auto":
                var usable = await central.UsableNetworksAsync(caller, cancellationToken);
                wanted.Add(usable.Count switch
                {
                    1 => new WantedNic(usable[0], null, null, null),
                    0 => throw TricircleException.Invalid($"Unable to automatically allocate a network for project {caller.ProjectId}: it has no network, and Tricircle allocates none. Create one, or boot with networks \"none\"."),
                    _ => throw TricircleException.Conflict("Multiple possible networks found, use a Network ID to be more specific."),
                });
                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    wanted.Add(await ReadOneAsync(item as JsonObject ?? throw TricircleException.Invalid($"Invalid input for field/attribute networks. Value: {array.ToJsonString()}. {item?.ToJsonString()} is not of type 'object'"), caller, cancellationToken));
                }

                break;
            default:
                throw TricircleException.Invalid("Invalid input for field/attribute networks: expected \"none\", \"auto\" or a list.");
        }

        var ports = wanted.Where(w => w.Port is not null).Select(w => w.Port!.Id).ToList();
        if (ports.Count != ports.Distinct(StringComparer.Ordinal).Count())
        {
            throw TricircleException.Invalid("Bad network format: the same port is requested twice.");
        }

        if (count > 1 && ports.Count > 0)
        {
            // Nova's own refusal: one port cannot serve several servers.
            throw TricircleException.Invalid("Unable to launch multiple instances with a single configured port ID. Please launch your instance one by one with different ports.");
        }

        return wanted;
    }

    private async Task<WantedNic> ReadOneAsync(JsonObject item, RequestContext caller, CancellationToken cancellationToken)
    {
        var portId = item["port"] is JsonValue p && p.GetValueKind() == JsonValueKind.String ? p.ToString() : null;
        var networkId = item["uuid"] is JsonValue u && u.GetValueKind() == JsonValueKind.String ? u.ToString() : null;
        var fixedIp = item["fixed_ip"] is JsonValue f && f.GetValueKind() == JsonValueKind.String ? f.ToString() : null;
        if (portId is { Length: > 0 })
        {
            if (fixedIp is not null)
            {
                throw TricircleException.Invalid($"Invalid input for field/attribute networks: a port ({portId}) and a fixed_ip cannot be requested together.");
            }

            var port = await central.FindPortAsync(portId, caller, cancellationToken)
                ?? throw TricircleException.Invalid($"Port id {portId} could not be found.");
            if (port.DeviceId.Length > 0)
            {
                throw TricircleException.Conflict($"Port {portId} is still in use.");
            }

            var network = await central.FindNetworkAsync(port.NetworkId, caller, cancellationToken)
                ?? throw TricircleException.Invalid($"Network {port.NetworkId} could not be found.");
            return new WantedNic(network, port, null, item["tag"]?.DeepClone());
        }

        if (networkId is not { Length: > 0 })
        {
            throw TricircleException.Invalid("Bad networks format: each entry needs a network uuid or a port.");
        }

        var found = await central.FindNetworkAsync(networkId, caller, cancellationToken)
            ?? throw TricircleException.Invalid($"Network {networkId} could not be found.");
        return new WantedNic(found, null, fixedIp, item["tag"]?.DeepClone());
    }

    /// <summary>The pods every requested network may be used in (null when any), and why, for errors.</summary>
    public async Task<(IReadOnlyList<Pod>? Pods, string Why)> AllowedPodsAsync(IReadOnlyList<WantedNic> wanted, CancellationToken cancellationToken)
    {
        // A trunk goes where its parent does, with its subports: their networks must be able to follow.
        var subportNetworks = await trunkCopies.SubportNetworksAsync([.. wanted.Select(w => w.Port?.Id).OfType<string>()], cancellationToken);
        return await places.AllowedForAllAsync([.. wanted.Select(w => w.Network), .. subportNetworks], cancellationToken);
    }

    /// <summary>The security groups the request names (they go on the ports Tricircle makes; the caller's own ports keep theirs).</summary>
    public static IReadOnlyList<string> GroupNames(JsonObject server) =>
        (server["security_groups"] as JsonArray ?? []).OfType<JsonObject>().Select(g => g["name"]?.ToString()).OfType<string>().Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Points the request's <c>networks</c> at the pod's ports (tags kept); the groups travel on the ports.</summary>
    public static void PointAtPod(JsonObject server, IReadOnlyList<WantedNic> wanted, IReadOnlyList<ServerNic> ready)
    {
        server["networks"] = new JsonArray([.. ready.Select((n, i) =>
        {
            var entry = new JsonObject { ["port"] = n.BottomPortId };
            if (wanted[i].Tag is { } tag)
            {
                entry["tag"] = tag.DeepClone();
            }

            return (JsonNode)entry;
        })]);
        server.Remove("security_groups");
    }

    /// <summary>
    /// Makes the NICs ready in the pod: central ports for bare networks, then everything in the
    /// pod. The central ports made here are deleted again when this fails. <paramref name="quotaLimits"/>:
    /// the project's limits as the boot's quota reservation read them (null: each port create reads them).
    /// </summary>
    public async Task<IReadOnlyList<ServerNic>> PrepareAsync(
        Pod pod, IReadOnlyList<WantedNic> wanted, IReadOnlyList<string> groups, RequestContext caller, IReadOnlyDictionary<string, long>? quotaLimits, CancellationToken cancellationToken)
    {
        foreach (var network in wanted.Select(w => w.Network).DistinctBy(n => n.Id))
        {
            await places.ClaimAsync(network, pod, cancellationToken);
        }

        var owner = "compute:" + pod.AzName;
        var made = new List<TopPort>();
        try
        {
            var ports = new List<(TopPort Port, bool Created)>();
            (IReadOnlyList<string>? Ids, bool Read) groupIds = (null, false); // looked up once, for the first port made
            foreach (var nic in wanted)
            {
                if (nic.Port is { } given)
                {
                    ports.Add((given, false));
                    continue;
                }

                if (!groupIds.Read)
                {
                    groupIds = (await central.ServerGroupIdsAsync(groups, caller, cancellationToken), true);
                }

                var port = await central.CreateServerPortAsync(nic.Network, nic.FixedIp, groupIds.Ids, owner, caller, quotaLimits, cancellationToken);
                made.Add(port);
                ports.Add((port, true));
            }

            var bottoms = await Task.WhenAll(ports.Select(async (p, i) =>
                await podNetworks.EnsurePortAsync(pod, await central.MaterialAsync(p.Port, wanted[i].Network, cancellationToken), cancellationToken)));

            // A trunk on a given port is made in the pod before its Nova binds the parent.
            foreach (var (port, i) in ports.Select((p, i) => (p, i)).Where(p => !p.p.Created))
            {
                await trunkCopies.EnsureForParentAsync(pod, port.Port.Id, bottoms[i], cancellationToken);
            }
            return ports.Select((p, i) => new ServerNic(wanted[i].Network, p.Port, p.Created, bottoms[i])).ToList();
        }
        catch
        {
            await AbandonAsync(pod, made, CancellationToken.None);
            throw;
        }
    }

    /// <summary>The pod has the server, recorded with its ports (which show it): their host becomes the one the pod's Nova bound them on.</summary>
    public async Task BootedAsync(string serverId, Pod pod, IReadOnlyList<ServerNic> nics, CancellationToken cancellationToken)
    {
        await Task.WhenAll(nics.Select(async nic =>
        {
            try
            {
                // The pod's Nova may bind the port later than it answers: then the pod's name stays the host.
                var bottom = await podNetworks.ShowPortAsync(pod, nic.BottomPortId, cancellationToken);
                if (bottom?["binding:host_id"]?.ToString() is { Length: > 0 } host)
                {
                    await central.BindAsync(nic.Port.Id, serverId, "compute:" + pod.AzName, host, cancellationToken);
                }
            }
            catch (Exception e) when (e is TricircleException or PodErrorException or HttpRequestException)
            {
                // The central port shows the server already (recorded with it); only the host is the pod's name.
                Log.BindFailed(logger, nic.Port.Id, serverId, e.Message);
            }
        }));

        // The routers of these networks now reach into this pod (and their other pods' shadows of the ports): the workers converge them (the boot does not wait for it).
        // A trunk on a parent here takes the status its copy has now that the parent is bound.
        var trunkSyncs = new List<JobRequest>();
        foreach (var nic in nics.Where(n => !n.Created))
        {
            if (await trunks.OfParentAsync(nic.Port.Id, cancellationToken) is { } trunk)
            {
                trunkSyncs.Add(TrunkChanges.For(pod.PodId, trunk.Id, trunk.ProjectId));
            }
        }

        await jobs.QueueAsync([.. await central.PortsInPodSyncsAsync([.. nics.Select(n => n.Port.NetworkId).Distinct(StringComparer.Ordinal)], cancellationToken), .. trunkSyncs], cancellationToken);
    }

    /// <summary>
    /// A boot that did not happen: the ports made for it go centrally now, and from the pod by
    /// their sync jobs (run at once; when the pod cannot be reached, when it is back). The job is
    /// queued for the boot's pod whether or not a copy was recorded there: one whose answer was
    /// lost was made all the same, and the job finds it by its name. The caller's ports stay as
    /// they were.
    /// </summary>
    public async Task AbandonAsync(Pod pod, IEnumerable<TopPort> made, CancellationToken cancellationToken)
    {
        var batch = jobs.Begin();
        foreach (var port in made)
        {
            await central.DeletePortAsync(port.Id, batch, batch.Queue(JobRequest.InPod(JobTypes.PortSync, pod.PodId, port.Id, port.ProjectId)), cancellationToken);
        }

        await batch.RunAsync(refusalsEnd: false, cancellationToken);
    }

    /// <summary>
    /// The server is gone: the central ports Tricircle made for it are deleted (their pod copies
    /// by sync jobs queued in <paramref name="batch"/>), the caller's are unbound (their pod copy
    /// stays, unbound by the pod's Nova, for the port's next use there).
    /// </summary>
    public async Task ReleasePortsAsync(string serverId, JobBatch batch, CancellationToken cancellationToken)
    {
        foreach (var (portId, created) in await ports.ServerPortsAsync(serverId, cancellationToken))
        {
            if (created)
            {
                await central.DeletePortAsync(portId, batch, batch.Sync(JobTypes.PortSync, "port", portId), cancellationToken);
            }
            else
            {
                await central.UnbindAsync(portId, cancellationToken);
                await ports.ForgetServerPortAsync(serverId, portId, cancellationToken);

                // Neutron's trunk goes DOWN when its parent is unbound; the copy follows by its sync.
                if (await trunks.OfParentAsync(portId, cancellationToken) is { } trunk)
                {
                    await trunks.SetStatusAsync(trunk.Id, TrunkStore.Down, cancellationToken);
                    await jobs.QueueAsync(await trunkCopies.SyncsAsync(trunk, cancellationToken), cancellationToken);
                }
            }
        }
    }

    /// <summary>
    /// A pod's server views name the pod's networks and security groups, whose names are the
    /// central ids: <c>addresses</c> are shown under the central networks' names, and
    /// <c>security_groups</c> by the central groups' names, as Nova on the central Neutron would.
    /// </summary>
    public async Task ShowCentralNamesAsync(IEnumerable<JsonNode?> servers, CancellationToken cancellationToken)
    {
        var views = new List<JsonObject>();
        foreach (var server in servers)
        {
            if (server is JsonObject view)
            {
                views.Add(view);
            }
        }

        await RenameAddressesAsync(views, cancellationToken);
        await RenameGroupsAsync(views, cancellationToken);
    }

    /// <summary>
    /// The pod's label of the server's network shown centrally as <paramref name="label"/> (Nova
    /// labels addresses by network name; the pod's copy is named by the central id), or null when
    /// none of the server's networks has that name. Two of its networks by one name (which Nova
    /// shows under one label) are read from the first.
    /// </summary>
    public async Task<string?> PodLabelAsync(string serverId, string label, CancellationToken cancellationToken)
    {
        var networkIds = new List<string>();
        foreach (var (portId, _) in await ports.ServerPortsAsync(serverId, cancellationToken))
        {
            if (await ports.FindAsync(portId, null, cancellationToken) is { } port)
            {
                networkIds.Add(port.NetworkId);
            }
        }

        var names = await central.NetworkNamesAsync([.. networkIds.Distinct(StringComparer.Ordinal)], cancellationToken);
        return names.Where(n => n.Value == label).Select(n => n.Key).Order(StringComparer.Ordinal).FirstOrDefault();
    }

    // Loops over indices and short lists, not LINQ chains, sets or enumerators: this runs on every
    // forwarded show, where the chains were 3.8% of its CPU samples and the sets and rebuilt
    // groups a tenth of what the gateway allocated for the show itself (bench/README). One
    // server has a network or two and a group or two: a list's linear search beats hashing there.
    private async Task RenameAddressesAsync(List<JsonObject> servers, CancellationToken cancellationToken)
    {
        var withAddresses = new List<JsonObject>(servers.Count);
        var ids = new List<string>();
        var seen = Seen(servers);
        foreach (var server in servers)
        {
            if (server["addresses"] is JsonObject addresses)
            {
                withAddresses.Add(addresses);
                foreach (var (key, _) in addresses)
                {
                    AddOnce(ids, seen, key);
                }
            }
        }

        if (ids.Count == 0)
        {
            return;
        }

        var names = await central.NetworkNamesAsync(ids, cancellationToken);
        if (names.Count == 0)
        {
            return;
        }

        var keys = new List<string>();
        foreach (var addresses in withAddresses)
        {
            keys.Clear();
            foreach (var (key, _) in addresses)
            {
                keys.Add(key); // the object is edited below: its keys are read first
            }

            foreach (var key in keys)
            {
                if (names.TryGetValue(key, out var name) && name != key)
                {
                    var value = addresses[key];
                    addresses.Remove(key);
                    if (addresses[name] is JsonArray existing && value is JsonArray more)
                    {
                        while (more.Count > 0)
                        {
                            var entry = more[0];
                            more.RemoveAt(0);
                            existing.Add(entry);
                        }
                    }
                    else
                    {
                        addresses[name] = value;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Each group named by a central group's id shown by that group's name, each name once (the
    /// first time it comes, as Nova lists them), each group as <c>{"name": …}</c> alone; a
    /// group without a name is left out.
    /// </summary>
    private async Task RenameGroupsAsync(List<JsonObject> servers, CancellationToken cancellationToken)
    {
        var lists = new List<JsonArray>(servers.Count);
        var podNames = new List<string?>(); // each listed group's name, in the lists' order
        var ids = new List<string>();
        var seen = Seen(servers);
        foreach (var server in servers)
        {
            if (server["security_groups"] is JsonArray list)
            {
                lists.Add(list);
                for (var i = 0; i < list.Count; i++)
                {
                    var name = list[i] is JsonObject named && named["name"] is { } value ? value.ToString() : null;
                    podNames.Add(name);
                    if (name is not null && Guid.TryParse(name, out _))
                    {
                        AddOnce(ids, seen, name);
                    }
                }
            }
        }

        if (ids.Count == 0)
        {
            return;
        }

        var names = await central.SecurityGroupNamesAsync(ids, cancellationToken);
        var shown = new List<string>();
        var next = 0;
        foreach (var list in lists)
        {
            shown.Clear();
            var count = list.Count;
            var kept = 0;
            for (var i = 0; i < count; i++)
            {
                var name = podNames[next++];
                var group = list[kept];
                var shownName = name is null ? null : names.TryGetValue(name, out var centralName) ? centralName : name;
                if (shownName is null || shown.Contains(shownName))
                {
                    list.RemoveAt(kept);
                    continue;
                }

                shown.Add(shownName);
                if (group is JsonObject { Count: 1 } alone && alone["name"] is JsonValue value && value.GetValueKind() == JsonValueKind.String)
                {
                    if (!string.Equals(shownName, name, StringComparison.Ordinal))
                    {
                        alone["name"] = shownName;
                    }
                }
                else
                {
                    list[kept] = new JsonObject { ["name"] = shownName };
                }

                kept++;
            }
        }
    }

    // A page of servers (a merged list, all tenants') may name hundreds of networks and groups,
    // where a list's search would grow with their square: there a set says what was seen.
    private static HashSet<string>? Seen(List<JsonObject> servers) => servers.Count > 1 ? new(StringComparer.Ordinal) : null;

    private static void AddOnce(List<string> values, HashSet<string>? seen, string value)
    {
        if (seen is null ? !values.Contains(value) : seen.Add(value))
        {
            values.Add(value);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(2, LogLevel.Warning, "The host of central port {Port} (server {Server}) could not be read from its pod; it stays the pod's name: {Reason}")]
        public static partial void BindFailed(ILogger logger, string port, string server, string reason);
    }
}
