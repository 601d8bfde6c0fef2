using System.Net;
using System.Text.Json.Nodes;

namespace Tricircle.Emulator.Contract;

/// <summary>
/// Cinder's volume transfers between two projects: the admin's project offers a volume, the demo
/// project (a member, who cannot see the offer) accepts it with the key. Zed (api/v3/router.py)
/// maps <c>/volume-transfers</c> at every microversion; <c>no_snapshots</c> is taken there from 3.55.
/// </summary>
public sealed class CinderTransferContractTests(ContractTarget target) : IClassFixture<ContractTarget>
{
    private static readonly Dictionary<string, string> V357 = new() { ["OpenStack-API-Version"] = "volume 3.57" };

    private async Task<string> AdminVolumeAsync()
    {
        var body = new JsonObject { ["volume"] = new JsonObject { ["size"] = 1, ["name"] = "contract-transfer-" + Guid.NewGuid().ToString("N")[..8] } };
        var id = (await target.SendAsync(HttpMethod.Post, target.Volume, "/volumes", target.AdminToken, body)).Expect(HttpStatusCode.Accepted)["volume"]!["id"]!.GetValue<string>();
        await StatusAsync(target.Volume, target.AdminToken, id, "available");
        return id;
    }

    private Task<string> StatusAsync(Uri service, string token, string id, string status) =>
        ContractTarget.EventuallyAsync(async () =>
        {
            var shown = await target.SendAsync(HttpMethod.Get, service, "/volumes/" + id, token);
            var now = shown.Status == HttpStatusCode.OK ? shown.Json["volume"]!["status"]!.GetValue<string>() : shown.ToString();
            return (now == status, now);
        }, $"volume {id} {status}");

    /// <summary>Whoever holds it at the end deletes it (an offer still open is taken back first).</summary>
    private async Task CleanUpAsync(string volume, string? transfer)
    {
        if (transfer is not null)
        {
            await target.SendAsync(HttpMethod.Delete, target.Volume, "/os-volume-transfer/" + transfer, target.AdminToken);
        }

        await target.SendAsync(HttpMethod.Delete, target.Volume, "/volumes/" + volume, target.AdminToken); // an admin deletes any project's
        await ContractTarget.EventuallyAsync(async () =>
        {
            var response = await target.SendAsync(HttpMethod.Get, target.Volume, "/volumes/" + volume, target.AdminToken);
            return (response.Status == HttpStatusCode.NotFound, response.Status);
        }, $"volume {volume} deleted");
    }

    [Fact]
    public async Task Offer_IsHiddenFromOtherProjects_AndAcceptedWithTheKey_TheVolumeChangesProject()
    {
        var volume = await AdminVolumeAsync();
        string? transfer = null;
        try
        {
            var offer = (await target.SendAsync(HttpMethod.Post, target.Volume, "/os-volume-transfer", target.AdminToken, new JsonObject { ["transfer"] = new JsonObject { ["volume_id"] = volume, ["name"] = "gift" } }))
                .Expect(HttpStatusCode.Accepted)["transfer"]!;
            transfer = offer["id"]!.GetValue<string>();
            var key = offer["auth_key"]!.GetValue<string>();
            Assert.Equal(16, key.Length);
            Assert.Equal("gift", offer["name"]!.GetValue<string>());
            Assert.Equal(volume, offer["volume_id"]!.GetValue<string>());
            Assert.Null(offer["no_snapshots"]); // before 3.55
            Assert.Contains(offer["links"]!.AsArray(), l => l!["rel"]!.GetValue<string>() == "self" && l["href"]!.GetValue<string>().Contains("/os-volume-transfer/" + transfer, StringComparison.Ordinal));
            Assert.Equal("awaiting-transfer", await StatusAsync(target.Volume, target.AdminToken, volume, "awaiting-transfer"));

            var shown = (await target.SendAsync(HttpMethod.Get, target.Volume, "/os-volume-transfer/" + transfer, target.AdminToken)).Expect(HttpStatusCode.OK)["transfer"]!;
            Assert.Null(shown["auth_key"]);
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$", shown["created_at"]!.GetValue<string>());
            var brief = (await target.SendAsync(HttpMethod.Get, target.Volume, "/os-volume-transfer", target.AdminToken)).Expect(HttpStatusCode.OK)["transfers"]!.AsArray();
            var mine = Assert.Single(brief, t => t!["id"]!.GetValue<string>() == transfer)!;
            Assert.Equal(["id", "links", "name", "volume_id"], mine.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));

            // Another project is told it does not exist, and does not list it.
            var hidden = await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/os-volume-transfer/" + transfer, target.DemoToken);
            Assert.Equal(HttpStatusCode.NotFound, hidden.Status);
            Assert.Equal($"Transfer {transfer} could not be found.", hidden.Json["itemNotFound"]!["message"]!.GetValue<string>());
            Assert.Equal(HttpStatusCode.NotFound, (await target.SendAsync(HttpMethod.Delete, target.DemoVolume, "/os-volume-transfer/" + transfer, target.DemoToken)).Status);
            Assert.DoesNotContain(transfer, (await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/os-volume-transfer/detail", target.DemoToken)).Expect(HttpStatusCode.OK).ToJsonString(), StringComparison.Ordinal);

            // A wrong key is 400; the right one hands the volume over.
            var wrong = await target.SendAsync(HttpMethod.Post, target.DemoVolume, $"/os-volume-transfer/{transfer}/accept", target.DemoToken, new JsonObject { ["accept"] = new JsonObject { ["auth_key"] = "0123456789abcdef" } });
            Assert.Equal(HttpStatusCode.BadRequest, wrong.Status);
            Assert.Equal($"Invalid auth key: Attempt to transfer {transfer} with invalid auth key.", wrong.Json["badRequest"]!["message"]!.GetValue<string>());
            var accepted = (await target.SendAsync(HttpMethod.Post, target.DemoVolume, $"/os-volume-transfer/{transfer}/accept", target.DemoToken, new JsonObject { ["accept"] = new JsonObject { ["auth_key"] = key } }))
                .Expect(HttpStatusCode.Accepted)["transfer"]!;
            Assert.Equal(transfer, accepted["id"]!.GetValue<string>());
            Assert.Equal(volume, accepted["volume_id"]!.GetValue<string>());
            transfer = null;

            Assert.Equal("available", await StatusAsync(target.DemoVolume, target.DemoToken, volume, "available"));
            var owned = (await target.SendAsync(HttpMethod.Get, target.Volume, "/volumes/" + volume, target.AdminToken)).Expect(HttpStatusCode.OK)["volume"]!;
            Assert.Equal(target.DemoProjectId, owned["os-vol-tenant-attr:tenant_id"]!.GetValue<string>());
            Assert.Equal(HttpStatusCode.NotFound, (await target.SendAsync(HttpMethod.Get, target.Volume, "/os-volume-transfer/" + accepted["id"]!.GetValue<string>(), target.AdminToken)).Status); // accepted: gone
        }
        finally
        {
            await CleanUpAsync(volume, transfer);
        }
    }

    [Fact]
    public async Task VolumeTransfers_TakeNoSnapshotsFrom355_ShowHistoryFrom357_AndDeleteGivesTheVolumeBack()
    {
        var volume = await AdminVolumeAsync();
        string? transfer = null;
        try
        {
            // Zed maps /volume-transfers whatever the microversion.
            Assert.IsType<JsonArray>((await target.SendAsync(HttpMethod.Get, target.Volume, "/volume-transfers", target.AdminToken)).Expect(HttpStatusCode.OK)["transfers"]);

            var refused = await target.SendAsync(HttpMethod.Post, target.Volume, "/os-volume-transfer", target.AdminToken, new JsonObject { ["transfer"] = new JsonObject { ["volume_id"] = volume, ["no_snapshots"] = true } }, V357);
            Assert.Equal(HttpStatusCode.BadRequest, refused.Status); // the contrib route's schema never has it
            Assert.Equal(HttpStatusCode.BadRequest, (await target.SendAsync(HttpMethod.Post, target.Volume, "/volume-transfers", target.AdminToken, new JsonObject { ["transfer"] = new JsonObject { ["volume_id"] = volume, ["no_snapshots"] = true } })).Status);

            var offer = (await target.SendAsync(HttpMethod.Post, target.Volume, "/volume-transfers", target.AdminToken, new JsonObject { ["transfer"] = new JsonObject { ["volume_id"] = volume, ["no_snapshots"] = true } }, V357))
                .Expect(HttpStatusCode.Accepted)["transfer"]!;
            transfer = offer["id"]!.GetValue<string>();
            Assert.True(offer["no_snapshots"]!.GetValue<bool>());
            Assert.False(offer["accepted"]!.GetValue<bool>());
            Assert.Equal(target.AdminProjectId, offer["source_project_id"]!.GetValue<string>());
            Assert.Null(offer["destination_project_id"]);
            Assert.Null(offer["name"]);

            var again = await target.SendAsync(HttpMethod.Post, target.Volume, "/volume-transfers", target.AdminToken, new JsonObject { ["transfer"] = new JsonObject { ["volume_id"] = volume } });
            Assert.Equal(HttpStatusCode.BadRequest, again.Status); // the volume awaits a transfer already
            Assert.Equal(HttpStatusCode.BadRequest, (await target.SendAsync(HttpMethod.Delete, target.Volume, "/volumes/" + volume, target.AdminToken)).Status);

            var detail = (await target.SendAsync(HttpMethod.Get, target.Volume, "/volume-transfers/detail", target.AdminToken, headers: V357)).Expect(HttpStatusCode.OK)["transfers"]!.AsArray();
            Assert.True(Assert.Single(detail, t => t!["id"]!.GetValue<string>() == transfer)!["no_snapshots"]!.GetValue<bool>());

            Assert.Equal(HttpStatusCode.Accepted, (await target.SendAsync(HttpMethod.Delete, target.Volume, "/volume-transfers/" + transfer, target.AdminToken)).Status);
            Assert.Equal(HttpStatusCode.NotFound, (await target.SendAsync(HttpMethod.Get, target.Volume, "/volume-transfers/" + transfer, target.AdminToken)).Status);
            transfer = null;
            Assert.Equal("available", await StatusAsync(target.Volume, target.AdminToken, volume, "available"));

            var unknown = Guid.NewGuid().ToString();
            var accept = await target.SendAsync(HttpMethod.Post, target.DemoVolume, $"/volume-transfers/{unknown}/accept", target.DemoToken, new JsonObject { ["accept"] = new JsonObject { ["auth_key"] = "x" } });
            Assert.Equal(HttpStatusCode.NotFound, accept.Status);
            Assert.Equal($"Transfer {unknown} could not be found.", accept.Json["itemNotFound"]!["message"]!.GetValue<string>());
            Assert.Equal(HttpStatusCode.BadRequest, (await target.SendAsync(HttpMethod.Post, target.DemoVolume, $"/volume-transfers/{unknown}/accept", target.DemoToken, new JsonObject { ["accept"] = new JsonObject() })).Status);
        }
        finally
        {
            await CleanUpAsync(volume, transfer);
        }
    }
}
