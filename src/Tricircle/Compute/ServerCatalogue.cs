using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Tricircle.Errors;
using Tricircle.Identity;
using Tricircle.Pods;
using Tricircle.Quotas;

namespace Tricircle.Compute;

/// <summary>What a server create needs from the central catalogue: its flavor, keypair and how many servers.</summary>
internal sealed record ServerNeeds(Flavor Flavor, Keypair? Keypair, int Count, int MetadataItems)
{
    /// <summary>min_count: fewer servers than this and a multi-create fails as a whole.</summary>
    public int MinCount { get; init; } = 1;
}

/// <summary>
/// A quota reservation made before the server had an id, with the project's limits as it read
/// them (the boot's port create counts its ports against these rather than reading them again).
/// </summary>
internal sealed record ServerReservation(string HolderId, IReadOnlyDictionary<string, long> Limits);

/// <summary>
/// The server create's use of the central catalogue: resolves flavorRef and key_name centrally,
/// reserves the project's quota before anything is forwarded, and copies the flavor and keypair
/// into the chosen pod.
/// </summary>
internal sealed class ServerCatalogue(FlavorStore flavors, FlavorSync flavorSync, KeypairStore keypairs, KeypairSync keypairSync, QuotaStore quotas, IOptions<QuotaOptions> quotaOptions)
{
    public const string HolderType = "server";

    public async Task<ServerNeeds> ResolveAsync(JsonObject server, RequestContext caller, CancellationToken cancellationToken)
    {
        var flavorRef = server["flavorRef"] switch
        {
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString(),
            var other => throw TricircleException.Invalid($"Invalid input for field/attribute flavorRef. Value: {other?.ToJsonString()}. It must be a flavor id or link."),
        };

        // A link (…/flavors/{id}) names the flavor by its last segment, as Nova takes it.
        var flavorId = flavorRef.TrimEnd('/');
        flavorId = Uri.UnescapeDataString(flavorId[(flavorId.LastIndexOf('/') + 1)..]);
        var flavor = await flavors.FindUsableAsync(flavorId, caller.ProjectId, caller.IsAdmin, cancellationToken)
            ?? throw TricircleException.Invalid($"Flavor {flavorId} could not be found.");

        Keypair? keypair = null;
        if (server["key_name"] is { } keyNode)
        {
            var keyName = keyNode is JsonValue k && k.GetValueKind() == JsonValueKind.String ? k.GetValue<string>() : throw TricircleException.Invalid("Invalid input for field/attribute key_name. It must be a string.");
            keypair = await keypairs.FindAsync(caller.UserId, keyName, cancellationToken) ?? throw TricircleException.Invalid("Invalid key_name provided.");
        }

        var min = Count(server, "min_count") ?? 1;
        var max = Count(server, "max_count") ?? min;
        if (max < min)
        {
            throw TricircleException.Invalid("min_count must be <= max_count");
        }

        // As Nova makes fewer than max_count when the quota allows fewer (but min_count), with
        // one request's cap standing in for a quota that is unlimited.
        var cap = quotaOptions.Value.MaxServersPerRequest;
        if (min > cap)
        {
            throw TricircleException.Forbidden($"Quota exceeded for instances: Requested {min}, but at most {cap} servers are made in one request ([quota] max_servers_per_request)");
        }

        max = Math.Min(max, cap);

        var metadata = server["metadata"] switch
        {
            null => 0,
            JsonObject items => items.Count,
            _ => throw TricircleException.Invalid("Invalid input for field/attribute metadata. It must be an object."),
        };
        return new ServerNeeds(flavor, keypair, max, metadata) { MinCount = min };
    }

    /// <summary>Reserves instances, cores and RAM for the servers (403 as Nova when over quota).</summary>
    public async Task<ServerReservation> ReserveAsync(RequestContext caller, ServerNeeds needs, CancellationToken cancellationToken)
    {
        var holderId = "reserved-" + Guid.NewGuid().ToString("N");
        try
        {
            // The metadata limit is checked on the limits the reservation reads (one read, in its transaction).
            var limits = await quotas.ReserveAsync(caller.ProjectId, HolderType, holderId, new Dictionary<string, long>
            {
                [QuotaResources.Instances] = needs.Count,
                [QuotaResources.Cores] = (long)needs.Count * needs.Flavor.Vcpus,
                [QuotaResources.Ram] = (long)needs.Count * needs.Flavor.Ram,
            }, limits =>
            {
                if (limits.GetValueOrDefault(QuotaResources.MetadataItems, -1) is var metaLimit and >= 0 && needs.MetadataItems > metaLimit)
                {
                    throw TricircleException.Forbidden($"Quota exceeded for metadata_items: Requested {needs.MetadataItems}, but already used 0 of {metaLimit} metadata_items");
                }
            }, null, cancellationToken);
            return new ServerReservation(holderId, limits);
        }
        catch (QuotaExceededException e)
        {
            throw TricircleException.Forbidden(e.Message); // Nova's 403, in its words
        }
    }

    /// <summary>Copies flavor and keypair into the pod and points the body at the pod's flavor.</summary>
    public async Task PrepareAsync(Pod pod, JsonObject server, ServerNeeds needs, RequestContext caller, CancellationToken cancellationToken)
    {
        server["flavorRef"] = await flavorSync.EnsureAsync(needs.Flavor, pod, caller.ProjectId, cancellationToken);
        if (needs.Keypair is { } keypair)
        {
            await keypairSync.EnsureInPodAsync(pod, keypair, caller, cancellationToken);
        }
    }

    /// <summary>The reservation now belongs to the created server.</summary>
    public Task KeepAsync(ServerReservation reservation, string serverId, CancellationToken cancellationToken) =>
        quotas.RekeyAsync(HolderType, reservation.HolderId, serverId, cancellationToken);

    public Task ReleaseAsync(ServerReservation reservation, CancellationToken cancellationToken) =>
        quotas.ReleaseAsync(HolderType, reservation.HolderId, cancellationToken);

    /// <summary>A deleted server's quota is free again.</summary>
    public Task ReleaseAsync(string serverId, CancellationToken cancellationToken) =>
        quotas.ReleaseAsync(HolderType, serverId, cancellationToken);

    private static int? Count(JsonObject server, string field)
    {
        var node = server[field];
        if (node is null)
        {
            return null;
        }

        var n = node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var number) ? number
            : node is JsonValue s && s.GetValueKind() == JsonValueKind.String && int.TryParse(s.GetValue<string>(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed
            : 0;
        return n >= 1 ? n : throw TricircleException.Invalid($"Invalid input for field/attribute {field}. Value: {node.ToJsonString()}. It must be an integer of at least 1.");
    }
}
