using System.Text.Json.Nodes;
using Tricircle.Errors;
using Tricircle.Identity;
using Tricircle.Placement;
using Tricircle.Pods;

namespace Tricircle.Compute;

/// <summary>
/// A multi-create (<c>max_count</c> &gt; 1) through the gateway: the pod is asked for one server
/// at a time, so that each server is recorded (routing row, quota, central ports) like any other
/// and, on networks, gets ports of its own. Servers are named as Nova names them
/// (<c>name-1</c> … <c>name-N</c>). The create path boots servers 2…N here, in parallel, then
/// server 1 through the forwarder, whose answer is the one the caller sees, as Nova answers a
/// multi-create with its first server.
/// </summary>
internal sealed class ServerBatch(
    ServerCatalogue catalogue,
    ServerNetworks serverNetworks,
    PodScheduler scheduler,
    PodClient client,
    ServerRecords records)
{
    // Nova's default multi_instance_display_name_template, %(name)s-%(count)d.
    public static string NameOf(string baseName, int index) => $"{baseName}-{index.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Boots servers 2…<paramref name="count"/> of the request in the placement's pod (the
    /// template <paramref name="root"/> already points at the pod's flavor, image and zone).
    /// Returns the ids booted and the first refusal, if any.
    /// </summary>
    public async Task<(IReadOnlyList<string> Booted, Exception? FirstFailure)> BootOthersAsync(
        PodPlacement placement,
        JsonObject root,
        string baseName,
        int count,
        ServerNeeds needs,
        IReadOnlyList<WantedNic>? nics,
        RequestContext caller,
        IEnumerable<KeyValuePair<string, string>> headers,
        CancellationToken cancellationToken)
    {
        var pod = placement.Pod;
        using var recording = new SemaphoreSlim(1); // one binding row per tenant and AZ: record one at a time
        var results = await Task.WhenAll(Enumerable.Range(2, count - 1).Select(async index =>
        {
            try
            {
                return (Id: await BootOneAsync(index), Error: (Exception?)null);
            }
            catch (Exception e) when (e is TricircleException or PodErrorException or HttpRequestException)
            {
                return (Id: (string?)null, Error: e);
            }
        }));
        return ([.. results.Where(r => r.Id is not null).Select(r => r.Id!)], results.FirstOrDefault(r => r.Error is not null).Error);

        async Task<string> BootOneAsync(int index)
        {
            var copy = root.DeepClone().AsObject();
            var server = copy["server"]!.AsObject();
            server["name"] = NameOf(baseName, index);
            server.Remove("return_reservation_id");
            var reservation = await catalogue.ReserveAsync(caller, needs with { Count = 1 }, cancellationToken);
            IReadOnlyList<ServerNic> ready = [];
            string? id = null, made = null;
            try
            {
                if (nics is not null)
                {
                    ready = await serverNetworks.PrepareAsync(pod, nics, ServerNetworks.GroupNames(server), caller, cancellationToken);
                    ServerNetworks.PointAtPod(server, nics, ready);
                }

                var answer = await client.SendJsonAsync(pod, ComputeApi.ServiceType, HttpMethod.Post, "servers", copy, caller.AuthToken, cancellationToken, headers);
                made = answer?["server"]?["id"]?.ToString() is { Length: > 0 } answered
                    ? answered
                    : throw new PodErrorException(pod, StatusCodes.Status502BadGateway, "the server create answered without the server's id");
                await recording.WaitAsync(CancellationToken.None);
                try
                {
                    await scheduler.RecordAsync(placement, caller.ProjectId, ServersApi.ResourceType, made, made, CancellationToken.None);
                }
                finally
                {
                    recording.Release();
                }

                id = made;
                await catalogue.KeepAsync(reservation, id, CancellationToken.None);
                await serverNetworks.BootedAsync(id, pod, ready, CancellationToken.None);
                return id;
            }
            finally
            {
                if (id is null)
                {
                    await catalogue.ReleaseAsync(reservation, CancellationToken.None);
                    if (made is not null)
                    {
                        await records.AbandonAsync(made, caller.ProjectId, pod, CancellationToken.None);
                    }

                    await serverNetworks.AbandonAsync(ready.Where(n => n.Created).Select(n => n.Port), CancellationToken.None);
                }
            }
        }
    }

    /// <summary>Servers of a multi-create that cannot stand (too few made, or the first refused) go, with their quota, ports and rows (see <see cref="ServerRecords"/>).</summary>
    public async Task RemoveAsync(Pod pod, IReadOnlyList<string> serverIds, RequestContext caller) =>
        await Task.WhenAll(serverIds.Select(id => records.ForgetAsync(id, caller.ProjectId, pod, CancellationToken.None)));
}
