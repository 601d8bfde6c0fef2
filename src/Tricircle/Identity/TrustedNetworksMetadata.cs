using System.Net;

namespace Tricircle.Identity;

/// <summary>
/// Endpoint metadata: clients from these networks pass <see cref="KeystoneAuthMiddleware"/>
/// without a token (a Prometheus server scrapes without credentials); anyone else is
/// authenticated as usual, and the endpoint decides what a token's holder may do.
/// </summary>
internal sealed record TrustedNetworksMetadata(IReadOnlyList<IPNetwork> Networks)
{
    public bool Contains(IPAddress? remote)
    {
        if (remote is null)
        {
            return false;
        }

        var address = remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote;
        return Networks.Any(n => n.Contains(address));
    }
}
