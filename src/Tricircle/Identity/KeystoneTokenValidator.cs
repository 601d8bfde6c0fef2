using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Tricircle.Identity;

/// <summary>
/// Validates user tokens against Keystone with the service's own token, as keystonemiddleware
/// does: results are cached until the token expires or <c>token_cache_time</c> passes, and
/// concurrent requests with the same token share one call to Keystone.
/// </summary>
internal sealed partial class KeystoneTokenValidator(
    IHttpClientFactory httpClientFactory,
    IOptions<KeystoneAuthOptions> options,
    TimeProvider timeProvider,
    ILogger<KeystoneTokenValidator> logger) : IDisposable
{
    public const string HttpClientName = "keystone";
    private const int MaxCachedTokens = 50_000;

    private readonly KeystoneAuthOptions _options = options.Value;
    private readonly ConcurrentDictionary<TokenKey, CachedToken> _cache = new();
    private readonly ConcurrentDictionary<TokenKey, Task<KeystoneToken?>> _inFlight = new();
    private readonly KeystoneTokenSource _serviceToken = new(
        () => new KeystoneClient(httpClientFactory.CreateClient(HttpClientName), new Uri(options.Value.AuthUrl)),
        new KeystoneCredentials(options.Value.Username, options.Value.Password, options.Value.ProjectName, options.Value.UserDomainName, options.Value.ProjectDomainName),
        timeProvider);

    /// <summary>The token's holder, or null when Keystone says the token is not valid.</summary>
    /// <exception cref="KeystoneException">Keystone could not be asked (unreachable, or refused the service).</exception>
    public async Task<KeystoneToken?> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        var key = CacheKey(token);
        var now = timeProvider.GetUtcNow();
        if (_cache.TryGetValue(key, out var cached))
        {
            if (cached.ValidUntil > now)
            {
                return cached.Token;
            }

            _cache.TryRemove(KeyValuePair.Create(key, cached));
        }

        // One Keystone call per token however many requests carry it; a caller that gives up
        // does not cancel the call the others wait for.
        var fetch = new TaskCompletionSource<KeystoneToken?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = _inFlight.GetOrAdd(key, fetch.Task);
        if (task == fetch.Task)
        {
            _ = FetchAsync(key, token, fetch);
        }

        return await task.WaitAsync(cancellationToken);
    }

    /// <summary>The service user's own token (with the catalog), renewed before it expires.</summary>
    public async Task<KeystoneToken> GetServiceTokenAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _serviceToken.GetAsync(cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new KeystoneException(503, $"Keystone at {_options.AuthUrl} is unreachable: {e.Message}");
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new KeystoneException(503, $"Keystone at {_options.AuthUrl} did not answer in time: {e.Message}");
        }
    }

    private async Task FetchAsync(TokenKey key, string token, TaskCompletionSource<KeystoneToken?> fetch)
    {
        KeystoneToken? result = null;
        Exception? failure = null;
        try
        {
            result = await FetchAsync(key, token);
        }
        catch (Exception e)
        {
            failure = e;
        }

        // Forgotten before anyone is answered, even when every waiter gave up: a waiter that
        // comes straight back (its cache entry expired) must start a new call, never be handed
        // this finished one.
        _inFlight.TryRemove(KeyValuePair.Create(key, fetch.Task));
        if (failure is null)
        {
            fetch.SetResult(result);
        }
        else
        {
            fetch.SetException(failure);
        }
    }

    private async Task<KeystoneToken?> FetchAsync(TokenKey key, string token)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(_options.HttpConnectTimeout) * 2, timeProvider);
        KeystoneToken? result;
        try
        {
            result = await ValidateWithServiceTokenAsync(token, timeout.Token);
        }
        catch (HttpRequestException e)
        {
            throw new KeystoneException(503, $"Keystone at {_options.AuthUrl} is unreachable: {e.Message}");
        }
        catch (OperationCanceledException)
        {
            throw new KeystoneException(503, $"Keystone at {_options.AuthUrl} did not answer in time.");
        }

        if (result is null)
        {
            Log.TokenRejected(logger);
            return null;
        }

        var now = timeProvider.GetUtcNow();
        var validUntil = now + TimeSpan.FromSeconds(_options.TokenCacheTime);
        if (result.ExpiresAt < validUntil)
        {
            validUntil = result.ExpiresAt;
        }

        if (validUntil <= now)
        {
            return result.ExpiresAt > now ? result : null;
        }

        if (_cache.Count >= MaxCachedTokens)
        {
            Prune(now);
        }

        _cache[key] = new CachedToken(result, validUntil);
        return result;
    }

    private async Task<KeystoneToken?> ValidateWithServiceTokenAsync(string token, CancellationToken cancellationToken)
    {
        var service = await GetServiceTokenAsync(cancellationToken);
        try
        {
            return await CreateClient().ValidateAsync(service.Id, token, cancellationToken);
        }
        catch (KeystoneException e) when (e.StatusCode == 401)
        {
            // Our own token was revoked or Keystone restarted with new keys: renew once.
            _serviceToken.Invalidate(service);
            service = await GetServiceTokenAsync(cancellationToken);
            return await CreateClient().ValidateAsync(service.Id, token, cancellationToken);
        }
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var entry in _cache)
        {
            if (entry.Value.ValidUntil <= now)
            {
                _cache.TryRemove(entry);
            }
        }

        if (_cache.Count >= MaxCachedTokens)
        {
            _cache.Clear();
        }
    }

    private KeystoneClient CreateClient() => new(httpClientFactory.CreateClient(HttpClientName), new Uri(_options.AuthUrl));

    // Tokens are bearer secrets: keep only their hashes in memory. The hash is a value, hashed
    // from a stack buffer: every request looks its token up, with no garbage for it.
    private static TokenKey CacheKey(string token)
    {
        var most = Encoding.UTF8.GetMaxByteCount(token.Length);
        var rented = most > 1024 ? ArrayPool<byte>.Shared.Rent(most) : null;
        Span<byte> utf8 = rented ?? stackalloc byte[1024];
        try
        {
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(utf8[..Encoding.UTF8.GetBytes(token, utf8)], hash);
            return new TokenKey(
                BinaryPrimitives.ReadUInt64LittleEndian(hash),
                BinaryPrimitives.ReadUInt64LittleEndian(hash[8..]),
                BinaryPrimitives.ReadUInt64LittleEndian(hash[16..]),
                BinaryPrimitives.ReadUInt64LittleEndian(hash[24..]));
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented, clearArray: true);
            }
        }
    }

    public void Dispose() => _serviceToken.Dispose();

    private sealed record CachedToken(KeystoneToken Token, DateTimeOffset ValidUntil);

    /// <summary>A token's SHA-256.</summary>
    private readonly record struct TokenKey(ulong A, ulong B, ulong C, ulong D);

    private static partial class Log
    {
        [LoggerMessage(2, LogLevel.Debug, "Keystone rejected a token")]
        public static partial void TokenRejected(ILogger logger);
    }
}
