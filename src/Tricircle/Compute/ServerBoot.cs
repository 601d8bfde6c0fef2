using System.Text.Json.Nodes;
using Tricircle.Errors;
using Tricircle.Identity;
using Tricircle.Image;
using Tricircle.Placement;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Compute;

/// <summary>Where and how a server create goes, decided before anything is made: its needs, networks and pod.</summary>
internal sealed record BootPlan(RequestContext Caller, ServerNeeds Needs, IReadOnlyList<WantedNic>? Nics, PodPlacement Placement)
{
    public Pod Pod => Placement.Pod;

    /// <summary>The server group the servers join (<c>os:scheduler_hints</c>), if any.</summary>
    public ServerGroup? Group { get; init; }
}

/// <summary>
/// Sends one server's create to the pod: <paramref name="created"/> is called with the new
/// server's id before its answer is passed on, <paramref name="refused"/> before a refusal is.
/// </summary>
internal delegate Task SendCreate(JsonObject root, Func<string, Task> created, Func<Task> refused);

/// <summary>
/// A server create through the Nova gateway, as one pipeline. <see cref="PlanAsync"/> reads and
/// places (nothing made yet); then each server goes through the steps
/// <list type="number">
/// <item>quota reserved centrally (undo: given back),</item>
/// <item>its ports, centrally and in the pod, in parallel with the flavor and keypair copied into the pod (undo: the ports deleted, their copies by jobs; flavor and keypair copies are caches and stay),</item>
/// <item>the create sent to the pod (undo: the server deleted there, by a <c>server_cleanup</c> job),</item>
/// <item>recorded: routing row, tenant binding, quota and ports kept, in one transaction; from here on nothing is undone,</item>
/// <item>the central ports shown as the server's.</item>
/// </list>
/// When a step fails, the undos of the steps before it run in reverse, before the refusal is
/// passed on; what a pod cannot take now is finished by jobs when it can. A multi-create boots
/// servers 2…N first (each through the same steps, in parallel), then the first, whose answer
/// the caller gets as Nova answers with its first server; fewer than <c>min_count</c> made
/// removes those made.
/// </summary>
internal sealed partial class ServerBoot(
    ServerCatalogue catalogue,
    ServerNetworks serverNetworks,
    PodScheduler scheduler,
    ImageSync imageSync,
    RoutingStore routings,
    PodStore pods,
    PodClient client,
    ServerRecords records,
    ServerGroups groups,
    TimeProvider timeProvider,
    ILogger<ServerBoot> logger)
{
    // Nova's default multi_instance_display_name_template, %(name)s-%(count)d.
    public static string NameOf(string baseName, int index) => $"{baseName}-{index.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Reads the request and places it: flavor, keypair and count; networks; the pod (beside a
    /// volume it boots from, among the pods its networks allow, or by AZ and binding). The image
    /// is copied into the pod when that pod has its own Glance (a cache: no undo), and the body
    /// is made the pod's (its zone by the pod's own name).
    /// </summary>
    public async Task<BootPlan> PlanAsync(JsonObject root, RequestContext caller, CancellationToken cancellationToken)
    {
        var server = root["server"]!.AsObject();
        var needs = await catalogue.ResolveAsync(server, caller, cancellationToken);
        var hinted = await groups.HintedAsync(root, caller, needs.Count, cancellationToken);
        var nics = await serverNetworks.ReadAsync(server, needs.Count, caller, cancellationToken);
        var requestedAz = server["availability_zone"] is JsonValue azValue ? azValue.ToString() : null;

        // A server on an existing volume or snapshot must boot where that lives; one on networks
        // limited to some pods (hints, a local network's home) among those.
        var (allowed, why) = nics is null ? (null, "") : await serverNetworks.AllowedPodsAsync(nics, cancellationToken);
        PodPlacement placement;
        var source = await SourcePodAsync(server, caller, cancellationToken);

        // An affinity group's members share the first one's pod (see ServerGroups).
        if (hinted is { } affine && await groups.AffinityPodAsync(affine.Group, affine.Members, requestedAz, cancellationToken) is { } groupPod)
        {
            var conflict = source is { } s && s.Pod.PodId != groupPod.PodId ? $"{s.What} is in pod {s.Pod.RegionName}"
                : allowed is not null && !allowed.Any(p => p.PodId == groupPod.PodId) ? $"the server cannot be there: {why}"
                : null;
            if (conflict is not null && !affine.Group.IsSoft)
            {
                throw ServerGroups.NoValidHost(affine.Group, groupPod, conflict);
            }

            if (conflict is null)
            {
                source = (groupPod, $"Server group {affine.Group.Id}");
            }
        }

        if (source is { } from)
        {
            if (allowed is not null && !allowed.Any(p => p.PodId == from.Pod.PodId))
            {
                throw TricircleException.Invalid($"{from.What} is in pod {from.Pod.RegionName} (availability zone {from.Pod.AzName}), where the server cannot be: {why}.");
            }

            placement = await scheduler.PlaceBesideAsync(caller.ProjectId, from.Pod, from.What, requestedAz, cancellationToken);
        }
        else
        {
            placement = allowed is not null
                ? await scheduler.PlaceAmongAsync(caller.ProjectId, allowed, why, requestedAz, cancellationToken)
                : await scheduler.PlaceAsync(caller.ProjectId, requestedAz, cancellationToken);
            if (hinted is { } spread)
            {
                placement = await groups.SpreadAsync(spread.Group, spread.Members, placement, allowed, caller, cancellationToken);
            }
        }

        // The pod's own copy of the group, for the pod's scheduler to keep the policy among its hosts.
        if (hinted is { } member)
        {
            await groups.PointHintAsync(member.Group, placement.Pod, root, caller, cancellationToken);
        }

        // Pods with their own Glance get the image first (imageRef then names the pod's copy).
        await imageSync.EnsureInPodAsync(placement.Pod, server, caller, cancellationToken);

        // The pod knows its zone by its own name; a host part (admin "az:host") stays.
        var hostPart = requestedAz is not null && requestedAz.IndexOf(':', StringComparison.Ordinal) is var colon and >= 0 ? requestedAz[colon..] : "";
        server.Remove("availability_zone");
        if (placement.BottomAz is { } bottomAz)
        {
            server["availability_zone"] = bottomAz + hostPart;
        }
        else if (hostPart.Length > 0)
        {
            server["availability_zone"] = hostPart;
        }

        return new BootPlan(caller, needs, nics, placement) { Group = hinted?.Group };
    }

    /// <summary>
    /// Boots the plan's servers: 2…N here (multi-create), then the first through
    /// <paramref name="sendFirst"/> (the caller's answer). The first's refusal is passed on by
    /// <paramref name="sendFirst"/> itself, after everything of the create is undone.
    /// </summary>
    public async Task CreateAsync(BootPlan plan, JsonObject root, SendCreate sendFirst, IEnumerable<KeyValuePair<string, string>> headers, CancellationToken cancellationToken)
    {
        var server = root["server"]!.AsObject();
        IReadOnlyList<string> others = [];
        if (plan.Needs.Count > 1)
        {
            server.Remove("min_count");
            server.Remove("max_count");
            var baseName = server["name"]!.ToString();
            var (booted, failure) = await BootOthersAsync(plan, root, baseName, headers, cancellationToken);
            if (booted.Count + 1 < plan.Needs.MinCount)
            {
                await RemoveAsync(plan, booted);
                throw failure!;
            }

            others = booted;
            server["name"] = NameOf(baseName, 1);
        }

        var removed = false;
        async Task RemoveOthersAsync()
        {
            if (!removed)
            {
                removed = true;
                await RemoveAsync(plan, others);
            }
        }

        try
        {
            var first = await BootOneAsync(plan, root, async (body, created, refused) =>
                await sendFirst(body, created, async () =>
                {
                    await refused();
                    await RemoveOthersAsync(); // the caller is told the whole create failed
                }), cancellationToken);
            if (first is null)
            {
                await RemoveOthersAsync();
            }
        }
        catch
        {
            await RemoveOthersAsync();
            throw;
        }
    }

    /// <summary>
    /// One server through the steps (see the class remarks); its id once recorded, or null when
    /// the pod refused it (the refusal already passed on by <paramref name="send"/>).
    /// </summary>
    private async Task<string?> BootOneAsync(BootPlan plan, JsonObject root, SendCreate send, CancellationToken cancellationToken)
    {
        var pod = plan.Pod;
        var caller = plan.Caller;
        var needs = plan.Needs with { Count = 1 };
        var server = root["server"]!.AsObject();
        var undo = new Undo(logger, pod);
        string? recorded = null;
        try
        {
            // 1. Quota, before anything is made.
            var reservation = await catalogue.ReserveAsync(caller, needs, cancellationToken);
            undo.Add("quota", () => catalogue.ReleaseAsync(reservation, CancellationToken.None));

            // 2. Ports (central and in the pod) and the flavor and keypair: independent calls to the pod.
            var networks = plan.Nics is { } wanted
                ? serverNetworks.PrepareAsync(pod, wanted, ServerNetworks.GroupNames(server), caller, reservation.Limits, cancellationToken)
                : Task.FromResult<IReadOnlyList<ServerNic>>([]);
            try
            {
                await Task.WhenAll(catalogue.PrepareAsync(pod, server, needs, caller, cancellationToken), networks);
            }
            finally
            {
                if (networks.IsCompletedSuccessfully)
                {
                    undo.Add("ports", () => serverNetworks.AbandonAsync(pod, networks.Result.Where(n => n.Created).Select(n => n.Port), CancellationToken.None));
                }
            }

            var nics = await networks;
            if (plan.Nics is { } asked)
            {
                ServerNetworks.PointAtPod(server, asked, nics);
            }

            // 3. The create, 4. recorded in one transaction as soon as the pod answers with the id.
            await send(root, async id =>
            {
                undo.Add("server", () => records.AbandonAsync(id, caller.ProjectId, pod, CancellationToken.None));
                await scheduler.RecordAsync(plan.Placement, caller.ProjectId, ServersApi.ResourceType, id, id,
                    async (connection, tx, ct) =>
                    {
                        await Quotas.QuotaStore.RekeyAsync(connection, tx, ServerCatalogue.HolderType, reservation.HolderId, id, ct);
                        await Network.PortStore.RecordServerPortsAsync(connection, tx, id, pod.PodId, [.. nics.Select(n => (n.Port.Id, n.Created))], ct);
                        if (plan.Group is { } group)
                        {
                            await ServerGroupStore.AddMemberAsync(connection, tx, group.Id, id, pod.PodId, Data.DbTime.Now(timeProvider), ct);
                        }


                        // The central ports show the server at once; the pod's name stands in for its host until the pod tells (step 5).
                        foreach (var nic in nics)
                        {
                            await Network.PortStore.UpdateBindingAsync(connection, tx, nic.Port.Id, id, "compute:" + pod.AzName, pod.RegionName, "ACTIVE", Data.DbTime.Now(timeProvider), ct);
                        }
                    },
                    CancellationToken.None);
                recorded = id;
                undo.Clear();

                // 5. The central ports' host as the pod's Nova bound them (best effort: the boot stands either way).
                await serverNetworks.BootedAsync(id, pod, nics, CancellationToken.None);
            }, () => undo.RunAsync());
            return recorded;
        }
        finally
        {
            if (recorded is null)
            {
                await undo.RunAsync();
            }
        }
    }

    /// <summary>Servers 2…N of a multi-create, in parallel, each through the pipeline; the ids made and the first refusal.</summary>
    private async Task<(IReadOnlyList<string> Booted, Exception? FirstFailure)> BootOthersAsync(
        BootPlan plan, JsonObject root, string baseName, IEnumerable<KeyValuePair<string, string>> headers, CancellationToken cancellationToken)
    {
        using var recording = new SemaphoreSlim(1); // one binding row per tenant and AZ: record one at a time
        var results = await Task.WhenAll(Enumerable.Range(2, plan.Needs.Count - 1).Select(async index =>
        {
            var copy = root.DeepClone().AsObject();
            var server = copy["server"]!.AsObject();
            server["name"] = NameOf(baseName, index);
            server.Remove("return_reservation_id");
            try
            {
                var id = await BootOneAsync(plan, copy, async (body, created, refused) =>
                {
                    JsonNode? answer;
                    try
                    {
                        answer = await client.SendJsonAsync(plan.Pod, ComputeApi.ServiceType, HttpMethod.Post, "servers", body, plan.Caller.AuthToken, cancellationToken, headers);
                    }
                    catch (PodErrorException)
                    {
                        await refused();
                        throw;
                    }

                    var id = answer?["server"]?["id"]?.ToString() is { Length: > 0 } made
                        ? made
                        : throw new PodErrorException(plan.Pod, StatusCodes.Status502BadGateway, "the server create answered without the server's id");
                    await recording.WaitAsync(CancellationToken.None);
                    try
                    {
                        await created(id);
                    }
                    finally
                    {
                        recording.Release();
                    }
                }, cancellationToken);
                return (Id: id, Error: (Exception?)null);
            }
            catch (Exception e) when (e is TricircleException or PodErrorException or HttpRequestException)
            {
                return (Id: (string?)null, Error: e);
            }
        }));
        return ([.. results.Where(r => r.Id is not null).Select(r => r.Id!)], results.FirstOrDefault(r => r.Error is not null).Error);
    }

    /// <summary>Servers of a multi-create that cannot stand go, with their quota, ports and rows (see <see cref="ServerRecords"/>).</summary>
    private async Task RemoveAsync(BootPlan plan, IReadOnlyList<string> serverIds) =>
        await Task.WhenAll(serverIds.Select(id => records.ForgetAsync(id, plan.Caller.ProjectId, plan.Pod, CancellationToken.None)));

    /// <summary>The pod of a volume or snapshot the server boots from, if any.</summary>
    private async Task<(Pod Pod, string What)?> SourcePodAsync(JsonObject server, RequestContext caller, CancellationToken cancellationToken)
    {
        var sources = new List<(string Type, string Id)>();
        foreach (var bdm in (server["block_device_mapping_v2"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var type = bdm["source_type"]?.ToString();
            if (type is "volume" or "snapshot" && bdm["uuid"]?.ToString() is { Length: > 0 } uuid)
            {
                sources.Add((type, uuid));
            }
        }

        foreach (var bdm in (server["block_device_mapping"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (bdm["volume_id"]?.ToString() is { Length: > 0 } volume)
            {
                sources.Add(("volume", volume));
            }
            else if (bdm["snapshot_id"]?.ToString() is { Length: > 0 } snapshot)
            {
                sources.Add(("snapshot", snapshot));
            }
        }

        (Pod Pod, string What)? found = null;
        foreach (var (type, id) in sources)
        {
            var what = $"{(type == "volume" ? "Volume" : "Snapshot")} {id}";
            var routing = await routings.FindTopAsync(id, type, caller.IsAdmin ? null : caller.ProjectId, cancellationToken)
                ?? throw TricircleException.Invalid($"{what} could not be found.");
            var pod = await pods.GetAsync(routing.PodId, cancellationToken);
            if (found is { } earlier && earlier.Pod.PodId != pod.PodId)
            {
                throw TricircleException.Invalid($"{earlier.What} is in pod {earlier.Pod.RegionName} and {what} in pod {pod.RegionName}: a server's volumes must share its pod.");
            }

            found = (pod, what);
        }

        return found;
    }

    /// <summary>The undos of one server's steps so far, run once, newest first; one that fails is logged and the rest still run.</summary>
    private sealed class Undo(ILogger logger, Pod pod)
    {
        private readonly List<(string Step, Func<Task> Action)> _steps = [];

        public void Add(string step, Func<Task> action)
        {
            lock (_steps)
            {
                _steps.Add((step, action));
            }
        }

        /// <summary>Nothing to undo any more (the server is recorded).</summary>
        public void Clear()
        {
            lock (_steps)
            {
                _steps.Clear();
            }
        }

        public async Task RunAsync()
        {
            while (true)
            {
                (string Step, Func<Task> Action) next;
                lock (_steps)
                {
                    if (_steps.Count == 0)
                    {
                        return;
                    }

                    next = _steps[^1];
                    _steps.RemoveAt(_steps.Count - 1);
                }

                try
                {
                    await next.Action();
                }
                catch (Exception e) when (e is TricircleException or PodErrorException or HttpRequestException or System.Data.Common.DbException)
                {
                    Log.UndoFailed(logger, next.Step, pod.RegionName, e.Message);
                }
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Undoing the {Step} step of a failed boot in pod {Region} failed: {Reason}")]
        public static partial void UndoFailed(ILogger logger, string step, string region, string reason);
    }
}
