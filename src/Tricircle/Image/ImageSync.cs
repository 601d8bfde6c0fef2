using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Tricircle.Errors;
using Tricircle.Identity;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Image;

/// <summary>
/// The PoC's image sync: when pods have their own Glance, an image a server boots from is
/// copied from the central Glance into the pod's first (same id, same attributes, data streamed
/// from one Glance to the other), once per pod, tracked by a routing row of type <c>image</c>.
/// <see cref="PodCopies"/> makes concurrent boots of one image into one pod copy it once.
/// </summary>
internal sealed partial class ImageSync(
    CentralGlance glance,
    PodEndpoints endpoints,
    PodClient client,
    PodCopies copies,
    IOptions<ImageOptions> options,
    ILogger<ImageSync> logger)
{
    public const string ResourceType = "image";

    // Attributes Glance computes or refuses on create; everything else travels with the copy.
    private static readonly HashSet<string> NotCopied = new(StringComparer.Ordinal)
    {
        "id", "status", "checksum", "os_hash_algo", "os_hash_value", "size", "virtual_size", "created_at", "updated_at",
        "self", "file", "schema", "direct_url", "locations", "stores", "owner", "deleted", "deleted_at", "location",
    };

    /// <summary>
    /// Makes the images of a server or volume (its <c>imageRef</c> and <c>block_device_mapping_v2</c>
    /// entries with <c>source_type</c> image) available in <paramref name="pod"/>'s Glance and
    /// points the request at the pod's copies. Nothing happens when the pod uses the central Glance.
    /// </summary>
    public async Task EnsureInPodAsync(Pod pod, JsonObject server, RequestContext caller, CancellationToken cancellationToken)
    {
        var uses = new List<(string Id, Action<string> Point)>();
        if (server["imageRef"] is JsonValue imageRef && imageRef.GetValueKind() == System.Text.Json.JsonValueKind.String && imageRef.ToString() is { Length: > 0 } href)
        {
            uses.Add((href[(href.LastIndexOf('/') + 1)..], id => server["imageRef"] = id)); // an href ends with the id, as Nova reads it
        }

        foreach (var bdm in (server["block_device_mapping_v2"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (bdm["source_type"]?.ToString() == "image" && bdm["uuid"] is JsonValue uuid && uuid.ToString() is { Length: > 0 } id)
            {
                uses.Add((id, bottom => bdm["uuid"] = bottom));
            }
        }

        if (uses.Count == 0 || await SourceForAsync(pod, cancellationToken) is not { } central)
        {
            return;
        }

        foreach (var group in uses.GroupBy(u => u.Id, StringComparer.Ordinal))
        {
            var bottom = await EnsureAsync(pod, central, group.Key, caller, cancellationToken);
            foreach (var use in group)
            {
                use.Point(bottom);
            }
        }
    }

    /// <summary>The central Glance when the pod has a Glance of its own (else nothing to copy).</summary>
    private async Task<Pod?> SourceForAsync(Pod pod, CancellationToken cancellationToken)
    {
        if (await endpoints.GetAsync(pod, CentralGlance.ServiceType, cancellationToken) is not { } podUrl)
        {
            return null; // no Glance in the pod: its Nova uses whatever its catalog says
        }

        if (await glance.TryGetAsync(cancellationToken) is not { } central)
        {
            Log.NoCentralGlance(logger, glance.Region, pod.RegionName);
            return null;
        }

        return PodClient.VersionedRoot(podUrl) == PodClient.VersionedRoot(central.Url) ? null : central.Pod;
    }

    /// <summary>The image's id in the pod's Glance, copying it there first if needed (once, however many boots ask).</summary>
    private async Task<string> EnsureAsync(Pod pod, Pod central, string imageId, RequestContext caller, CancellationToken cancellationToken)
    {
        try
        {
            return await copies.EnsureAsync(
                ResourceType,
                imageId,
                pod,
                caller.ProjectId,
                async ct => await CopyAsync(pod, central, imageId, caller, ct) ?? throw new UnknownImageException(),
                cancellationToken,
                TimeSpan.FromSeconds(options.Value.SyncWait));
        }
        catch (UnknownImageException)
        {
            return imageId; // in neither Glance: the pod's Nova says what it says about an unknown image
        }
    }

    /// <summary>
    /// The pod's image with this id: one already there, or a copy of the central one. Null when
    /// neither Glance knows the image (to the caller).
    /// </summary>
    private async Task<string?> CopyAsync(Pod pod, Pod central, string imageId, RequestContext caller, CancellationToken cancellationToken)
    {
        var path = "v2/images/" + Uri.EscapeDataString(imageId);
        if (await ShowAsync(pod, path, null, cancellationToken) is { } existing && existing["status"]?.ToString() == "active")
        {
            return imageId;
        }

        if (await ShowAsync(central, path, caller.AuthToken, cancellationToken) is not { } image)
        {
            return null;
        }

        if (image["status"]?.ToString() != "active")
        {
            throw TricircleException.Invalid($"Image {imageId} is not active.");
        }

        // A public (or community, or someone else's) image is copied by the admin for its owner;
        // the caller's own private image with the caller's token.
        var visibility = image["visibility"]?.ToString();
        var owner = image["owner"]?.ToString();
        var asAdmin = visibility is "public" or "community" || owner != caller.ProjectId;
        var token = asAdmin ? null : caller.AuthToken;
        var body = new JsonObject();
        foreach (var (key, value) in image)
        {
            if (value is not null && !NotCopied.Contains(key) && !key.StartsWith("os_glance_", StringComparison.Ordinal))
            {
                body[key] = value.DeepClone();
            }
        }

        body["id"] = imageId;
        if (asAdmin && owner is { Length: > 0 })
        {
            body["owner"] = owner;
        }

        Log.Copying(logger, imageId, glance.Region, pod.RegionName);
        try
        {
            await client.SendJsonAsync(pod, CentralGlance.ServiceType, HttpMethod.Post, "v2/images", body, token, cancellationToken);
        }
        catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status409Conflict)
        {
            // Left queued by a copy that died before its data went up: upload again below.
        }

        try
        {
            await CopyDataAsync(pod, central, path + "/file", caller.AuthToken, token, cancellationToken);
        }
        catch
        {
            // No half image left behind for the next attempt to trip over.
            try
            {
                using var delete = new HttpRequestMessage(HttpMethod.Delete, new Uri(path, UriKind.Relative));
                using var _ = await client.SendAsync(pod, CentralGlance.ServiceType, delete, null, CancellationToken.None);
            }
            catch (Exception e) when (e is TricircleException or HttpRequestException or Identity.KeystoneException)
            {
                Log.CleanupFailed(logger, imageId, pod.RegionName, e.Message);
            }

            throw;
        }

        Log.Copied(logger, imageId, pod.RegionName);
        return imageId;
    }

    /// <summary>GET file from the central Glance, PUT file to the pod's, one stream end to end.</summary>
    private async Task CopyDataAsync(Pod pod, Pod central, string filePath, string readToken, string? writeToken, CancellationToken cancellationToken)
    {
        using var get = new HttpRequestMessage(HttpMethod.Get, new Uri(filePath, UriKind.Relative));
        using var source = await client.SendAsync(central, CentralGlance.ServiceType, get, readToken, cancellationToken, unbounded: true);
        if (source.StatusCode == HttpStatusCode.NoContent)
        {
            return; // an image without data
        }

        if (!source.IsSuccessStatusCode)
        {
            throw new PodErrorException(central, (int)source.StatusCode, PodErrorException.MessageOf(await source.Content.ReadAsStringAsync(cancellationToken)) ?? "image data could not be read");
        }

        await using var stream = await source.Content.ReadAsStreamAsync(cancellationToken);
        using var put = new HttpRequestMessage(HttpMethod.Put, new Uri(filePath, UriKind.Relative)) { Content = new StreamContent(stream) };
        put.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        put.Content.Headers.ContentLength = source.Content.Headers.ContentLength;
        using var target = await client.SendAsync(pod, CentralGlance.ServiceType, put, writeToken, cancellationToken, unbounded: true);
        if (!target.IsSuccessStatusCode)
        {
            throw new PodErrorException(pod, (int)target.StatusCode, PodErrorException.MessageOf(await target.Content.ReadAsStringAsync(cancellationToken)) ?? "image data could not be written");
        }
    }

    private async Task<JsonObject?> ShowAsync(Pod pod, string path, string? token, CancellationToken cancellationToken)
    {
        try
        {
            return await client.SendJsonAsync(pod, CentralGlance.ServiceType, HttpMethod.Get, path, null, token, cancellationToken) as JsonObject;
        }
        catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status404NotFound)
        {
            return null;
        }
    }

    /// <summary>Neither Glance has the image: nothing to copy, nothing to record.</summary>
    private sealed class UnknownImageException() : Exception("The image is in neither Glance.");

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Copying image {ImageId} from the Glance of {Source} into pod {Pod}")]
        public static partial void Copying(ILogger logger, string imageId, string source, string pod);

        [LoggerMessage(2, LogLevel.Information, "Image {ImageId} is now in pod {Pod}")]
        public static partial void Copied(ILogger logger, string imageId, string pod);

        [LoggerMessage(3, LogLevel.Warning, "Could not remove the half-copied image {ImageId} from pod {Pod}: {Reason}")]
        public static partial void CleanupFailed(ILogger logger, string imageId, string pod, string reason);

        [LoggerMessage(4, LogLevel.Warning, "No central Glance in region {Region} (or it is this gateway): images are not synced into pod {Pod}")]
        public static partial void NoCentralGlance(ILogger logger, string region, string pod);
    }
}
