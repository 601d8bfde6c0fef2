using System.Net;
using System.Text.Json.Nodes;

namespace Tricircle.Emulator.Contract;

/// <summary>
/// Cinder's backups API where no backup service is needed (a real region may run none: then a
/// create is accepted and the backup goes to error, and restore and delete answer that the
/// cinder-backup service is not found, which the emulator does not play).
/// </summary>
public sealed class CinderBackupContractTests(ContractTarget target) : IClassFixture<ContractTarget>
{
    private static readonly Dictionary<string, string> V345 = new() { ["OpenStack-API-Version"] = "volume 3.45" };

    [Fact]
    public async Task List_AndDetail_AreArraysOfBackups_WithCountFrom345()
    {
        var brief = (await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/backups", target.DemoToken)).Expect(HttpStatusCode.OK);
        Assert.IsType<JsonArray>(brief["backups"]);
        var detail = (await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/backups/detail", target.DemoToken)).Expect(HttpStatusCode.OK);
        Assert.IsType<JsonArray>(detail["backups"]);
        var counted = (await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/backups/detail?with_count=true", target.DemoToken, headers: V345)).Expect(HttpStatusCode.OK);
        Assert.Equal(counted["backups"]!.AsArray().Count, counted["count"]!.GetValue<int>());
        Assert.Null((await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/backups?with_count=true", target.DemoToken)).Expect(HttpStatusCode.OK)["count"]); // before 3.45
    }

    [Fact]
    public async Task Unknown_Backup_Is404ItemNotFound_ForShowDeleteAndRestore()
    {
        var id = Guid.NewGuid().ToString();
        var shown = await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/backups/" + id, target.DemoToken);
        Assert.Equal(HttpStatusCode.NotFound, shown.Status);
        Assert.Equal($"Backup {id} could not be found.", shown.Json["itemNotFound"]!["message"]!.GetValue<string>());
        Assert.Equal(404, shown.Json["itemNotFound"]!["code"]!.GetValue<int>());
        Assert.NotNull((await target.SendAsync(HttpMethod.Delete, target.DemoVolume, "/backups/" + id, target.DemoToken)).Json["itemNotFound"]);
        Assert.NotNull((await target.SendAsync(HttpMethod.Post, target.DemoVolume, $"/backups/{id}/restore", target.DemoToken, new JsonObject { ["restore"] = new JsonObject() })).Json["itemNotFound"]);
    }

    [Fact]
    public async Task Create_ForAnUnknownVolume_Is404_AndBadBodiesAre400()
    {
        var volume = Guid.NewGuid().ToString();
        var missing = await target.SendAsync(HttpMethod.Post, target.DemoVolume, "/backups", target.DemoToken, new JsonObject { ["backup"] = new JsonObject { ["volume_id"] = volume } });
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Equal($"Volume {volume} could not be found.", missing.Json["itemNotFound"]!["message"]!.GetValue<string>());

        JsonObject[] bad =
        [
            new() { ["backup"] = new JsonObject { ["name"] = "no volume" } },
            new() { ["backup"] = new JsonObject { ["volume_id"] = "not-a-uuid" } },
            new() { ["backup"] = new JsonObject { ["volume_id"] = volume, ["bogus"] = 1 } },
            new() { ["backup"] = new JsonObject { ["volume_id"] = volume, ["incremental"] = "maybe" } },
            new() { ["backup"] = "x" },
            new() { ["nothing"] = new JsonObject() },
        ];
        foreach (var body in bad)
        {
            var refused = await target.SendAsync(HttpMethod.Post, target.DemoVolume, "/backups", target.DemoToken, body);
            Assert.True(refused.Status == HttpStatusCode.BadRequest, $"{body.ToJsonString()}: {refused}");
            Assert.NotNull(refused.Json["badRequest"]);
        }
    }
}
