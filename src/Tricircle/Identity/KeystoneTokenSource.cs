namespace Tricircle.Identity;

/// <summary>
/// A token for one set of credentials, issued on first use and renewed shortly before it
/// expires; concurrent callers share one issue call.
/// </summary>
internal sealed class KeystoneTokenSource(Func<KeystoneClient> client, KeystoneCredentials credentials, TimeProvider timeProvider) : IDisposable
{
    private static readonly TimeSpan RenewMargin = TimeSpan.FromMinutes(2);
    private readonly SemaphoreSlim _lock = new(1, 1);
    private KeystoneToken? _token;

    public KeystoneCredentials Credentials { get; } = credentials;

    public async Task<KeystoneToken> GetAsync(CancellationToken cancellationToken)
    {
        if (Fresh(_token) is { } token)
        {
            return token;
        }

        await _lock.WaitAsync(cancellationToken);
        try
        {
            return Fresh(_token) ?? (_token = await client().IssueTokenAsync(Credentials, cancellationToken));
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Forgets <paramref name="stale"/> (Keystone refused it) so that the next call issues a new one.</summary>
    public void Invalidate(KeystoneToken stale) => Interlocked.CompareExchange(ref _token, null, stale);

    private KeystoneToken? Fresh(KeystoneToken? token) =>
        token is not null && token.ExpiresAt - RenewMargin > timeProvider.GetUtcNow() ? token : null;

    public void Dispose() => _lock.Dispose();
}
