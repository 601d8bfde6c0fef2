using System.Net;
using System.Text.Json.Nodes;

namespace Tricircle.Emulator.Contract;

/// <summary>
/// What a client waiting for a delete sees (Nova and Cinder): the resource shown deleting until it
/// is gone (404), never another state; then what depends on it being gone works. Lenient on timing:
/// a region may finish a delete before the first read.
/// </summary>
public sealed class DeleteWaitContractTests(ContractTarget target) : IClassFixture<ContractTarget>
{
    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    private static string Str(JsonNode? node) => node!.GetValue<string>();

    private Task<ContractResponse> Nova(HttpMethod method, string path, string? token, JsonNode? body = null, string? microversion = null) =>
        target.SendAsync(method, target.Compute, path, token, body, microversion is null ? null : new Dictionary<string, string> { ["OpenStack-API-Version"] = "compute " + microversion });

    private Task<ContractResponse> Cinder(HttpMethod method, string path, JsonNode? body = null) => target.SendAsync(method, target.DemoVolume, path, target.DemoToken, body);

    /// <summary>Reads until 404; every 200 before it must show the delete under way (<paramref name="deleting"/>).</summary>
    private static async Task WaitGoneAsync(Func<Task<ContractResponse>> read, Func<JsonNode, bool> deleting, string what) =>
        await ContractTarget.EventuallyAsync(async () =>
        {
            var response = await read();
            if (response.Status == HttpStatusCode.NotFound)
            {
                return (true, 0);
            }

            Assert.True(deleting(response.Expect(HttpStatusCode.OK)), $"{what} is shown in another state while its delete is under way: {response}");
            return (false, 0);
        }, what + " gone");

    private async Task<JsonNode> WaitCinderAsync(string collection, string id, string status) =>
        await ContractTarget.EventuallyAsync(async () =>
        {
            var item = (await Cinder(HttpMethod.Get, $"/{collection}/{id}")).Expect(HttpStatusCode.OK)[collection[..^1]]!;
            Assert.NotEqual("error", Str(item["status"]));
            return (Str(item["status"]) == status, item);
        }, $"{collection} {id} {status}");

    [Fact]
    public async Task SnapshotDelete_ShowsDeletingUntil404_ThenItsVolumeDeletes()
    {
        var volume = Str((await Cinder(HttpMethod.Post, "/volumes", new JsonObject { ["volume"] = new JsonObject { ["size"] = 1, ["name"] = Unique("contract-delwait") } })).Expect(HttpStatusCode.Accepted)["volume"]!["id"]);
        await WaitCinderAsync("volumes", volume, "available");
        var snapshot = Str((await Cinder(HttpMethod.Post, "/snapshots", new JsonObject { ["snapshot"] = new JsonObject { ["volume_id"] = volume, ["name"] = Unique("contract-delwait") } })).Expect(HttpStatusCode.Accepted)["snapshot"]!["id"]);
        await WaitCinderAsync("snapshots", snapshot, "available");

        Assert.Equal(HttpStatusCode.Accepted, (await Cinder(HttpMethod.Delete, "/snapshots/" + snapshot)).Status);
        await WaitGoneAsync(() => Cinder(HttpMethod.Get, "/snapshots/" + snapshot), s => Str(s["snapshot"]!["status"]) == "deleting", "snapshot " + snapshot);

        // Waiting for the snapshot's 404 is enough: the volume has no snapshot left.
        var deleted = await Cinder(HttpMethod.Delete, "/volumes/" + volume);
        Assert.True(deleted.Status == HttpStatusCode.Accepted, deleted.ToString());
        await WaitGoneAsync(() => Cinder(HttpMethod.Get, "/volumes/" + volume), v => Str(v["volume"]!["status"]) == "deleting", "volume " + volume);
    }

    [Fact]
    public async Task ServerDelete_TaskStateDeletingUntil404_ThenItsActionsListedFrom221Only()
    {
        var images = (await target.SendAsync(HttpMethod.Get, target.Image, "/v2/images?status=active&visibility=public", target.AdminToken)).Expect(HttpStatusCode.OK)["images"]!.AsArray();
        var image = images.FirstOrDefault(i => Str(i!["name"]).StartsWith("cirros", StringComparison.Ordinal)) ?? images.First();
        var server = new JsonObject { ["name"] = Unique("contract-delwait"), ["imageRef"] = Str(image!["id"]), ["flavorRef"] = "1", ["networks"] = "none" };
        var id = Str((await Nova(HttpMethod.Post, "/servers", target.DemoToken, new JsonObject { ["server"] = server }, "2.37")).Expect(HttpStatusCode.Accepted)["server"]!["id"]);
        await ContractTarget.EventuallyAsync(async () =>
        {
            var status = Str((await Nova(HttpMethod.Get, "/servers/" + id, target.DemoToken)).Expect(HttpStatusCode.OK)["server"]!["status"]);
            return (status is "ACTIVE" or "ERROR", status);
        }, $"server {id} built");

        Assert.Equal(HttpStatusCode.NoContent, (await Nova(HttpMethod.Delete, "/servers/" + id, target.DemoToken)).Status);
        await WaitGoneAsync(
            () => Nova(HttpMethod.Get, "/servers/" + id, target.DemoToken),
            s => s["server"]!["OS-EXT-STS:task_state"]?.ToString() == "deleting" || Str(s["server"]!["status"]) == "DELETED",
            "server " + id);

        // Nova reads a deleted instance for its actions from 2.21 on; below, the instance is not found.
        var actions = (await Nova(HttpMethod.Get, $"/servers/{id}/os-instance-actions", target.DemoToken, microversion: "2.21")).Expect(HttpStatusCode.OK)["instanceActions"]!.AsArray();
        var delete = Assert.Single(actions, a => Str(a!["action"]) == "delete")!;
        Assert.Contains(actions, a => Str(a!["action"]) == "create");
        var shown = (await Nova(HttpMethod.Get, $"/servers/{id}/os-instance-actions/{Str(delete["request_id"])}", target.DemoToken, microversion: "2.21")).Expect(HttpStatusCode.OK);
        Assert.Equal("delete", Str(shown["instanceAction"]!["action"]));
        Assert.Equal(HttpStatusCode.NotFound, (await Nova(HttpMethod.Get, $"/servers/{id}/os-instance-actions", target.DemoToken, microversion: "2.20")).Status);
    }
}
