using System.Collections.Concurrent;
using System.Net;
using System.Net.NetworkInformation;
using Microsoft.Extensions.Options;
using Tricircle.Errors;
using Tricircle.Hosting;
using Tricircle.Pods;

namespace Tricircle.Image;

/// <summary>
/// The Glance that holds the central images: the image endpoint of <c>[image] glance_region</c>
/// in the Keystone catalog (the central region by default). Reached like a pod (through
/// <see cref="PodClient"/>, with its circuit breaker), whether or not that region is a pod.
/// </summary>
internal sealed class CentralGlance(
    PodStore pods,
    PodEndpoints endpoints,
    ServiceListeners listeners,
    IOptions<ImageOptions> imageOptions,
    IOptions<ClientOptions> clientOptions)
{
    public const string ServiceType = "image";

    // Host names in catalog URLs resolve once: whether one is ours does not change while we run.
    private readonly ConcurrentDictionary<string, Task<bool>> _ownHosts = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The region whose Glance this is.</summary>
    public string Region => imageOptions.Value.GlanceRegion is { Length: > 0 } region ? region : clientOptions.Value.TopRegionName;

    /// <summary>
    /// The Glance to call, or a 503 saying why there is none: no image endpoint in the region, or
    /// one that is this gateway itself (its image role registered in the region that
    /// <c>glance_region</c> names would forward to itself forever).
    /// </summary>
    public async Task<(Pod Pod, Uri Url)> GetAsync(CancellationToken cancellationToken)
    {
        var (pod, url) = await FindAsync(cancellationToken);
        if (url is null)
        {
            throw TricircleException.Unavailable($"The image service is unavailable: region {Region} has no image endpoint in the Keystone catalog. Set [image] glance_region to the region of the Glance that holds the images.");
        }

        if (await IsOwnListenerAsync(url, cancellationToken))
        {
            throw TricircleException.Unavailable(LoopMessage(url));
        }

        return (pod, url);
    }

    /// <summary>The Glance when there is a usable one; null when the region has none or it is this gateway.</summary>
    public async Task<(Pod Pod, Uri Url)?> TryGetAsync(CancellationToken cancellationToken)
    {
        var (pod, url) = await FindAsync(cancellationToken);
        return url is null || await IsOwnListenerAsync(url, cancellationToken) ? null : (pod, url);
    }

    public string LoopMessage(Uri url) =>
        $"The image service is unavailable: [image] glance_region is {Region}, whose image endpoint {url} is this Tricircle image gateway itself. " +
        $"Set [image] glance_region to the region of a real Glance, or turn the image role off and register the shared Glance in {Region} directly.";

    /// <summary>The 503 for a Glance that did not answer, naming its region (never its URL: clients see only the gateway).</summary>
    public TricircleException Unavailable(TricircleException podError) =>
        TricircleException.Unavailable($"The image service is unavailable: Glance of region {Region} did not answer. ({podError.Message})");

    private async Task<(Pod Pod, Uri? Url)> FindAsync(CancellationToken cancellationToken)
    {
        var pod = await pods.FindByRegionAsync(Region, cancellationToken) ?? Pod.ForRegion(Region);
        return (pod, await endpoints.GetAsync(pod, ServiceType, cancellationToken));
    }

    private async Task<bool> IsOwnListenerAsync(Uri url, CancellationToken cancellationToken)
    {
        Uri own;
        try
        {
            own = listeners.Url(ServiceRole.Image);
        }
        catch (InvalidOperationException)
        {
            return false; // the image role is off here: nothing of ours listens
        }

        if (url.Port != own.Port)
        {
            return false;
        }

        return await _ownHosts.GetOrAdd(url.DnsSafeHost, IsLocalHostAsync).WaitAsync(cancellationToken);
    }

    /// <summary>Whether a host name or address is this machine (loopback or one of its interfaces).</summary>
    public static async Task<bool> IsLocalHostAsync(string host)
    {
        IPAddress[] addresses;
        if (IPAddress.TryParse(host, out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(host);
            }
            catch (System.Net.Sockets.SocketException)
            {
                return false;
            }
        }

        var local = NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .ToHashSet();
        return addresses.Any(a => IPAddress.IsLoopback(a) || local.Contains(a));
    }
}
