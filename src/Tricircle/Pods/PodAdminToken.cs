using Microsoft.Extensions.Options;
using Tricircle.Identity;

namespace Tricircle.Pods;

/// <summary>
/// The token for admin-only pod calls (flavors, provider attributes, aggregates): the
/// <c>[client]</c> admin credentials, or the service user's own token when none are configured
/// (the service user holds the admin role in every multi-region guide).
/// </summary>
internal sealed class PodAdminToken(
    IHttpClientFactory httpClientFactory,
    IOptions<ClientOptions> clientOptions,
    IOptions<KeystoneAuthOptions> authOptions,
    KeystoneTokenValidator keystone,
    TimeProvider timeProvider) : IDisposable
{
    private readonly KeystoneTokenSource? _source = Create(httpClientFactory, clientOptions.Value, authOptions.Value, timeProvider);

    public async Task<KeystoneToken> GetAsync(CancellationToken cancellationToken)
    {
        if (_source is null)
        {
            return await keystone.GetServiceTokenAsync(cancellationToken);
        }

        try
        {
            return await _source.GetAsync(cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new KeystoneException(503, $"Keystone is unreachable: {e.Message}");
        }
    }

    private static KeystoneTokenSource? Create(IHttpClientFactory factory, ClientOptions client, KeystoneAuthOptions auth, TimeProvider timeProvider)
    {
        if (string.IsNullOrWhiteSpace(client.AdminUsername))
        {
            return null;
        }

        var authUrl = new Uri(string.IsNullOrWhiteSpace(client.AuthUrl) ? auth.AuthUrl : client.AuthUrl);
        return new KeystoneTokenSource(
            () => new KeystoneClient(factory.CreateClient(KeystoneTokenValidator.HttpClientName), authUrl),
            new KeystoneCredentials(client.AdminUsername, client.AdminPassword, client.AdminTenant, client.AdminUserDomainName, client.AdminTenantDomainName),
            timeProvider);
    }

    public void Dispose() => _source?.Dispose();
}
