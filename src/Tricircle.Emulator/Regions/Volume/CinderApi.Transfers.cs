using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Tricircle.Emulator.Regions.Volume;

/// <summary>
/// Cinder volume transfers as Zed serves them: <c>/os-volume-transfer</c> (api/contrib/volume_transfer.py:
/// the v2 schema whatever the microversion, no paging) and <c>/volume-transfers</c>
/// (api/v3/volume_transfer.py: <c>no_snapshots</c> from 3.55, paging and sorting from 3.59). Zed's
/// router maps <c>/volume-transfers</c> at every microversion (no gate). The views add
/// <c>no_snapshots</c> from 3.55 and the history fields from 3.57 on both. A transfer puts its
/// volume in <c>awaiting-transfer</c>; anyone with its id and auth key may accept it, and the
/// volume (with its snapshots unless <c>no_snapshots</c>) becomes the acceptor's project's.
/// </summary>
internal static partial class CinderApi
{
    // cinder.db.sqlalchemy.models.Transfer's attributes: a list filter on any other key matches nothing (is_valid_model_filters).
    private static readonly string[] TransferAttributes =
    [
        "id", "volume_id", "display_name", "salt", "crypt_hash", "expires_at", "no_snapshots", "source_project_id", "destination_project_id",
        "accepted", "volume", "created_at", "updated_at", "deleted_at", "deleted",
    ];

    private static readonly string[] TransferSortKeys = ["id", "created_at", "updated_at", "display_name", "name", "volume_id", "source_project_id", "destination_project_id"];

    private static void MapTransfers(Action<string, string, Func<CinderRequest, Task>> route)
    {
        foreach (var (collection, v3) in (ReadOnlySpan<(string, bool)>)[("/os-volume-transfer", false), ("/volume-transfers", true)])
        {
            route("GET", collection, r => ListTransfersAsync(r, v3, detail: false));
            route("GET", collection + "/detail", r => ListTransfersAsync(r, v3, detail: true));
            route("POST", collection, r => CreateTransferAsync(r, v3));
            route("GET", collection + "/{id}", ShowTransferAsync);
            route("DELETE", collection + "/{id}", DeleteTransferAsync);
            route("POST", collection + "/{id}/accept", AcceptTransferAsync);
        }
    }

    /// <summary>_transfer_get: a non-admin sees the transfers of its project's volumes only.</summary>
    private static CinderTransfer Transfer(CinderRequest r, string id, bool elevated = false) =>
        r.State.GetTransfer(id) is { } t && (elevated || r.Caller.CanSee(r.State.GetVolume(t.VolumeId)?.ProjectId ?? t.SourceProjectId))
            ? t
            : throw OpenStackFault.NotFound($"Transfer {id} could not be found.");

    private static JsonArray TransferLinks(CinderRequest r, string id) => CinderState.Links(r.Root, r.Caller.ProjectId, "os-volume-transfer", id);

    private static JsonObject TransferSummary(CinderRequest r, CinderTransfer t) => new()
    {
        ["id"] = t.Id,
        ["volume_id"] = t.VolumeId,
        ["name"] = t.Name,
        ["links"] = TransferLinks(r, t.Id),
    };

    private static JsonObject TransferDetail(CinderRequest r, CinderTransfer t, string? authKey = null)
    {
        var json = new JsonObject
        {
            ["id"] = t.Id,
            ["created_at"] = RegionHttp.CinderTimestamp(t.CreatedAt),
            ["name"] = t.Name,
            ["volume_id"] = t.VolumeId,
        };
        if (authKey is not null)
        {
            json["auth_key"] = authKey;
        }

        json["links"] = TransferLinks(r, t.Id);
        if (CinderState.AtLeast(r.Version, 55))
        {
            json["no_snapshots"] = t.NoSnapshots;
        }

        if (CinderState.AtLeast(r.Version, 57))
        {
            json["destination_project_id"] = null; // an accepted transfer is deleted: only offers are shown
            json["source_project_id"] = t.SourceProjectId;
            json["accepted"] = false;
        }

        return json;
    }

    private static async Task CreateTransferAsync(CinderRequest r, bool v3)
    {
        var root = await RegionHttp.ReadObjectAsync(r.Http);
        NoExtraKeys(root, "body", "transfer");
        var body = root["transfer"] as JsonObject
            ?? throw OpenStackFault.BadRequest(root.ContainsKey("transfer")
                ? $"Invalid input for field/attribute transfer. Value: {root["transfer"]?.ToJsonString() ?? "None"}. {root["transfer"]?.ToJsonString() ?? "None"} is not of type 'object'"
                : "Invalid input for field/attribute body. Value: " + root.ToJsonString() + ". 'transfer' is a required property");

        // The contrib controller validates with the v2 schema at every microversion; /volume-transfers takes no_snapshots from 3.55.
        var withSnapshotsFlag = v3 && CinderState.AtLeast(r.Version, 55);
        NoExtraKeys(body, "transfer", withSnapshotsFlag ? ["volume_id", "name", "no_snapshots"] : ["volume_id", "name"]);
        if (!body.ContainsKey("volume_id"))
        {
            throw OpenStackFault.BadRequest("Invalid input for field/attribute transfer. Value: " + body.ToJsonString() + ". 'volume_id' is a required property");
        }

        Uuid(body, "volume_id", nullable: false);
        var name = Str(body, "name");
        if (name is not null && name.Trim() is var stripped && (stripped.Length == 0 || stripped.Length > 255))
        {
            throw OpenStackFault.BadRequest($"Invalid input for field/attribute name. Value: {name}. The 'name' can not be {(stripped.Length == 0 ? "empty" : "greater than 255 characters")}.");
        }

        var noSnapshots = body["no_snapshots"] is { } flag && Bool(flag, "no_snapshots");
        var volumeId = Str(body, "volume_id")!;

        JsonObject json;
        lock (r.State.Sync)
        {
            var volume = Volume(r, volumeId);
            if (volume.Status != "available")
            {
                throw OpenStackFault.BadRequest("Invalid volume: status must be available");
            }

            if (!noSnapshots && r.State.Snapshots.FirstOrDefault(s => s.VolumeId == volume.Id && s.Status != "available") is { } busy)
            {
                throw OpenStackFault.BadRequest($"Invalid snapshot: snapshot: {busy.Id} status must be available");
            }

            // transfer/api.py: a random salt and key (hex digits, to be typed by hand), stored only as HMAC-SHA1(salt, key).
            var salt = RandomHex(8);
            var authKey = RandomHex(16);
            var transfer = new CinderTransfer(RegionContext.NewId(), volume.Id, name?.Trim(), salt, CryptHash(salt, authKey), noSnapshots, volume.ProjectId, r.Now);
            r.State.Add(transfer);
            volume.Status = "awaiting-transfer";
            volume.UpdatedAt = r.Now;
            json = TransferDetail(r, transfer, authKey);
        }

        await r.WriteAsync(202, new JsonObject { ["transfer"] = json });
    }

    private static Task ShowTransferAsync(CinderRequest r)
    {
        JsonObject json;
        lock (r.State.Sync)
        {
            json = TransferDetail(r, Transfer(r, r.Route("id")));
        }

        return r.WriteAsync(200, new JsonObject { ["transfer"] = json });
    }

    private static Task DeleteTransferAsync(CinderRequest r)
    {
        lock (r.State.Sync)
        {
            var transfer = Transfer(r, r.Route("id"));

            // transfer_destroy: the volume is available again if it was awaiting the transfer.
            if (r.State.GetVolume(transfer.VolumeId) is { Status: "awaiting-transfer" } volume)
            {
                volume.Status = "available";
                volume.UpdatedAt = r.Now;
            }

            r.State.RemoveTransfer(transfer.Id);
        }

        r.Http.Response.StatusCode = 202;
        return Task.CompletedTask;
    }

    private static async Task AcceptTransferAsync(CinderRequest r)
    {
        var root = await RegionHttp.ReadObjectAsync(r.Http);
        NoExtraKeys(root, "body", "accept");
        var body = root["accept"] as JsonObject
            ?? throw OpenStackFault.BadRequest(root.ContainsKey("accept")
                ? $"Invalid input for field/attribute accept. Value: {root["accept"]?.ToJsonString() ?? "None"}. {root["accept"]?.ToJsonString() ?? "None"} is not of type 'object'"
                : "Invalid input for field/attribute body. Value: " + root.ToJsonString() + ". 'accept' is a required property");
        NoExtraKeys(body, "accept", "auth_key");
        var key = body["auth_key"] switch
        {
            null when !body.ContainsKey("auth_key") => throw OpenStackFault.BadRequest("Invalid input for field/attribute accept. Value: " + body.ToJsonString() + ". 'auth_key' is a required property"),
            JsonValue s when s.GetValueKind() == JsonValueKind.String => s.GetValue<string>(),
            JsonValue n when n.GetValueKind() == JsonValueKind.Number && !n.ToJsonString().Contains('.', StringComparison.Ordinal) => n.ToJsonString(),
            var other => throw OpenStackFault.BadRequest($"Invalid input for field/attribute auth_key. Value: {other?.ToJsonString() ?? "None"}. {other?.ToJsonString() ?? "None"} is not of type 'string', 'integer'"),
        };

        JsonObject json;
        lock (r.State.Sync)
        {
            // The acceptor is of another project: the transfer is looked up elevated, the key is the proof.
            var id = r.Route("id");
            var transfer = Transfer(r, id, elevated: true);
            if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(CryptHash(transfer.Salt, key)), Encoding.ASCII.GetBytes(transfer.CryptHash)))
            {
                throw OpenStackFault.BadRequest($"Invalid auth key: Attempt to transfer {id} with invalid auth key.");
            }

            var volume = r.State.GetVolume(transfer.VolumeId) ?? throw OpenStackFault.NotFound($"Volume {transfer.VolumeId} could not be found.");
            var snapshots = transfer.NoSnapshots ? [] : r.State.Snapshots.Where(s => s.VolumeId == volume.Id).ToList();

            // The acceptor's quota must take the volume (and its snapshots): QUOTAS.reserve, then process_reserve_over_quota's words.
            var own = r.State.Volumes.Where(v => v.ProjectId == r.Caller.ProjectId).ToList();
            var used = own.Sum(v => (long)v.Size) + r.State.Snapshots.Where(s => s.ProjectId == r.Caller.ProjectId).Sum(s => (long)s.Size);
            if (used + volume.Size > CinderState.MaxGigabytes)
            {
                throw new OpenStackFault(413, $"VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota. Requested {volume.Size}G, quota is {CinderState.MaxGigabytes}G and {used}G has been consumed.", "overLimit");
            }

            if (own.Count >= CinderState.MaxVolumes)
            {
                throw new OpenStackFault(413, $"VolumeLimitExceeded: Maximum number of volumes allowed ({CinderState.MaxVolumes}) exceeded for quota 'volumes'.", "overLimit");
            }

            if (snapshots.Count > 0 && r.State.Snapshots.Count(s => s.ProjectId == r.Caller.ProjectId) + snapshots.Count > CinderState.MaxSnapshots)
            {
                throw new OpenStackFault(413, $"SnapshotLimitExceeded: Maximum number of snapshots allowed ({CinderState.MaxSnapshots}) exceeded for quota 'snapshots'.", "overLimit");
            }

            if (volume.Status != "awaiting-transfer")
            {
                throw OpenStackFault.BadRequest($"Invalid volume: Transfer {id}: Volume id {volume.Id} expected in awaiting-transfer state.");
            }

            if (snapshots.FirstOrDefault(s => s.Status != "available") is { } busy)
            {
                throw OpenStackFault.BadRequest($"Invalid snapshot: Transfer {id}: Snapshot {busy.Id} is not in the expected available state.");
            }

            volume.ProjectId = r.Caller.ProjectId;
            volume.UserId = r.Caller.UserId;
            volume.Status = "available";
            volume.UpdatedAt = r.Now;
            foreach (var snapshot in snapshots)
            {
                snapshot.ProjectId = r.Caller.ProjectId;
                snapshot.UserId = r.Caller.UserId;
                snapshot.UpdatedAt = r.Now;
            }

            r.State.RemoveTransfer(transfer.Id); // accepted: soft-deleted, gone from the API
            json = TransferSummary(r, transfer);
        }

        await r.WriteAsync(202, new JsonObject { ["transfer"] = json });
    }

    private static Task ListTransfersAsync(CinderRequest r, bool v3, bool detail)
    {
        var query = r.Http.Request.Query;
        var paging = v3 && CinderState.AtLeast(r.Version, 59);
        var allTenants = r.Caller.IsAdmin && IsTrue(query["all_tenants"].ToString());

        // What is left of the query is a filter on the model (name is display_name); paging and sorting count only from 3.59 on /volume-transfers.
        string[] taken = paging ? ["all_tenants", "marker", "limit", "offset", "sort", "sort_key", "sort_dir"] : ["all_tenants"];
        var filters = query.Where(q => !taken.Contains(q.Key, StringComparer.Ordinal))
            .ToDictionary(q => q.Key == "name" ? "display_name" : q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
        var projectFilter = filters.Remove("project_id", out var p) ? p : null;
        var (limit, offset) = (PagingInt(query, "limit"), PagingInt(query, "offset") ?? 0);

        JsonObject result;
        lock (r.State.Sync)
        {
            var valid = filters.Keys.All(k => TransferAttributes.Contains(k.TrimEnd('~'), StringComparer.Ordinal));
            var owner = allTenants ? projectFilter : r.Caller.ProjectId;
            var transfers = !valid ? [] : r.State.Transfers
                .Where(t => owner is null || (r.State.GetVolume(t.VolumeId)?.ProjectId ?? t.SourceProjectId) == owner)
                .Where(t => filters.All(f => TransferField(t, f.Key) == f.Value))
                .ToList();

            transfers = paging
                ? Sort(transfers, query, TransferSortKeys, CompareTransfers, t => t.Id, out _)
                : [.. transfers.OrderBy(t => t.CreatedAt).ThenBy(t => t.Id, StringComparer.Ordinal)];
            if (paging)
            {
                var start = 0;
                if (query["marker"].ToString() is { Length: > 0 } marker)
                {
                    start = transfers.FindIndex(t => t.Id == marker) is var at and >= 0 ? at + 1 : throw OpenStackFault.NotFound($"Transfer {marker} could not be found.");
                }

                transfers = [.. transfers.Skip(start + offset).Take(limit ?? int.MaxValue)];
            }

            // common.limited then slices what the database gave by limit and offset once more (offset counts twice from 3.59, as in Zed).
            var count = transfers.Count;
            var page = transfers.Skip(offset).Take(Math.Min(limit is null or 0 ? 1000 : limit.Value, 1000)).ToList();
            result = new JsonObject
            {
                ["transfers"] = new JsonArray([.. page.Select(t => (JsonNode)(detail ? TransferDetail(r, t) : TransferSummary(r, t)))]),
            };
            if (page.Count > 0 && Math.Min(limit ?? 1000, 1000) <= count)
            {
                result["transfers_links"] = new JsonArray(new JsonObject { ["rel"] = "next", ["href"] = NextLink(r, "os-volume-transfer", page[^1].Id) });
            }
        }

        return r.WriteAsync(200, result);
    }

    private static int? PagingInt(IQueryCollection query, string key)
    {
        if (query[key].ToString() is not { Length: > 0 } text)
        {
            return null;
        }

        // common.get_pagination_params' words (limit's own, offset's from strutils.validate_integer).
        if (!int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            throw OpenStackFault.BadRequest(key == "limit" ? "limit param must be an integer" : $"{key} must be an integer");
        }

        return value >= 0 ? value : throw OpenStackFault.BadRequest(key == "limit" ? "limit param must be positive" : $"{key} must be >= 0");
    }

    private static string? TransferField(CinderTransfer t, string key) => key.TrimEnd('~') switch
    {
        "id" => t.Id,
        "volume_id" => t.VolumeId,
        "display_name" => t.Name,
        "source_project_id" => t.SourceProjectId,
        "no_snapshots" => t.NoSnapshots ? "True" : "False",
        "accepted" or "deleted" => "False",
        _ => null,
    };

    private static int CompareTransfers(CinderTransfer a, CinderTransfer b, string key) => key switch
    {
        "created_at" => a.CreatedAt.CompareTo(b.CreatedAt),
        "updated_at" => 0, // an offer is never updated
        "display_name" or "name" => string.CompareOrdinal(a.Name, b.Name),
        "volume_id" => string.CompareOrdinal(a.VolumeId, b.VolumeId),
        "source_project_id" => string.CompareOrdinal(a.SourceProjectId, b.SourceProjectId),
        _ => 0,
    };

    private static string RandomHex(int length) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes((length + 1) / 2))[..length];

    // Cinder's own algorithm (transfer/api.py _get_crypt_hash), kept so the emulator stores what Zed stores.
#pragma warning disable CA5350
    private static string CryptHash(string salt, string authKey) =>
        Convert.ToHexStringLower(HMACSHA1.HashData(Encoding.UTF8.GetBytes(salt), Encoding.UTF8.GetBytes(authKey)));
#pragma warning restore CA5350
}
