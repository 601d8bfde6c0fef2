using Dapper;
using Microsoft.Extensions.Options;
using Tricircle.Data;
using Tricircle.Identity;

namespace Tricircle.Pods;

/// <summary>
/// A pod's service URLs, from the Keystone catalog of the region whose name is the pod's
/// <c>region_name</c> (the configured interface, public by default), kept in
/// <c>cached_endpoints</c>. A missing endpoint is looked up; an unreachable one is re-read
/// through <see cref="RefreshAsync"/> when <c>[client] auto_refresh_endpoint</c> is on.
/// </summary>
internal sealed partial class PodEndpoints(
    Database database,
    KeystoneTokenValidator keystone,
    IHttpClientFactory httpClientFactory,
    IOptions<KeystoneAuthOptions> authOptions,
    IOptions<ClientOptions> clientOptions,
    TimeProvider timeProvider,
    ILogger<PodEndpoints> logger)
{
    // The same service goes by several types across releases; a catalog may use any of them.
    private static readonly Dictionary<string, string[]> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["volumev3"] = ["volumev3", "block-storage", "volume"],
        ["block-storage"] = ["block-storage", "volumev3", "volume"],
    };

    private readonly ClientOptions _client = clientOptions.Value;

    // Several services of one pod missing at once (a first fan-out) share one catalog read.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Task<Dictionary<string, string>>> _reading = new(StringComparer.Ordinal);

    // Every forwarded request needs its pod's URL: the rows are kept in memory for a while so a
    // request costs no database read for it. Another instance's refresh is seen at the latest
    // when this copy expires, or sooner when the stale URL fails and RefreshAsync reads the catalog.
    private static readonly TimeSpan MemoryLifetime = TimeSpan.FromSeconds(60);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (Dictionary<string, string> Urls, DateTimeOffset Until)> _memory = new(StringComparer.Ordinal);

    // Regions that are not pods have no rows to cache in (cached_endpoints refers to pods).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Dictionary<string, string>> _unregistered = new(StringComparer.Ordinal);

    /// <summary>The pod's URL for <paramref name="serviceType"/>, or null when its region has none.</summary>
    public async Task<Uri?> GetAsync(Pod pod, string serviceType, CancellationToken cancellationToken)
    {
        if (!pod.IsRegistered)
        {
            if (_unregistered.TryGetValue(pod.PodId, out var known) && UrlOf(known, serviceType) is { } knownUrl)
            {
                return ServiceUrls.Parse(knownUrl);
            }

            return await ReadCatalogAsync(pod, serviceType, cancellationToken);
        }

        if (!_memory.TryGetValue(pod.PodId, out var memory) || memory.Until <= timeProvider.GetUtcNow())
        {
            await using var connection = await database.OpenAsync(cancellationToken);

            // A pod has a handful of services: read them all and choose the alias here.
            var rows = (await connection.QueryAsync<(string Type, string Url)>(new CommandDefinition(
                "SELECT service_type, service_url FROM cached_endpoints WHERE pod_id = @PodId",
                new { pod.PodId },
                cancellationToken: cancellationToken))).ToDictionary(r => r.Type, r => r.Url, StringComparer.OrdinalIgnoreCase);
            memory = (rows, timeProvider.GetUtcNow() + MemoryLifetime);
            _memory[pod.PodId] = memory;
        }

        if (UrlOf(memory.Urls, serviceType) is { } url)
        {
            return ServiceUrls.Parse(url);
        }

        return await ReadCatalogAsync(pod, serviceType, cancellationToken);
    }

    /// <summary>
    /// Called when the cached URL did not answer: re-reads the catalog (if allowed) and returns
    /// what it says now, or the cached URL when refreshing is off or the catalog was read for this
    /// pod less than <see cref="RefreshQuiet"/> ago.
    /// </summary>
    public async Task<Uri?> RefreshAsync(Pod pod, string serviceType, CancellationToken cancellationToken)
    {
        if (!_client.AutoRefreshEndpoint
            || (_refreshedAt.TryGetValue(pod.PodId, out var at) && timeProvider.GetUtcNow() - at < RefreshQuiet))
        {
            return await GetAsync(pod, serviceType, cancellationToken);
        }

        var url = await ReadCatalogAsync(pod, serviceType, cancellationToken);
        _refreshedAt[pod.PodId] = timeProvider.GetUtcNow();
        return url;
    }

    // A pod that is down fails every call until its circuit opens, which on a busy gateway takes
    // a while (half the calls of the circuit's window must fail): one catalog read per pod in this
    // time answers them all, instead of a Keystone call for every failed call.
    private static readonly TimeSpan RefreshQuiet = TimeSpan.FromSeconds(10);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _refreshedAt = new(StringComparer.Ordinal);

    private async Task<Uri?> ReadCatalogAsync(Pod pod, string serviceType, CancellationToken cancellationToken)
    {
        var read = new TaskCompletionSource<Dictionary<string, string>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = _reading.GetOrAdd(pod.PodId, read.Task);
        if (task == read.Task)
        {
            // Not tied to this caller's token: others may be waiting for the same read. Keystone's
            // HTTP timeout and the database command timeout bound it.
            _ = FillAsync();
        }

        async Task FillAsync()
        {
            try
            {
                read.SetResult(await ReadAndStoreCatalogAsync(pod, CancellationToken.None));
            }
            catch (Exception e)
            {
                read.SetException(e);
            }
            finally
            {
                _reading.TryRemove(KeyValuePair.Create(pod.PodId, read.Task));
            }
        }

        var found = await task.WaitAsync(cancellationToken);
        var url = UrlOf(found, serviceType);
        return url is null ? null : ServiceUrls.Parse(url);
    }

    /// <summary>Every service URL of one region (the configured interface), read from the catalog with the service token.</summary>
    private async Task<Dictionary<string, string>> ReadRegionAsync(string regionName, CancellationToken cancellationToken)
    {
        var token = await keystone.GetServiceTokenAsync(cancellationToken);
        var authUrl = string.IsNullOrWhiteSpace(_client.AuthUrl) ? authOptions.Value.AuthUrl : _client.AuthUrl;
        var client = new KeystoneClient(httpClientFactory.CreateClient(KeystoneTokenValidator.HttpClientName), new Uri(authUrl));
        var catalog = await client.GetCatalogAsync(token.Id, cancellationToken);
        return catalog
            .SelectMany(s => s.Endpoints.Select(e => (s.Type, Endpoint: e)))
            .Where(x => x.Endpoint.RegionId == regionName && string.Equals(x.Endpoint.Interface, _client.EndpointInterface, StringComparison.OrdinalIgnoreCase))
            .GroupBy(x => x.Type, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First().Endpoint.Url, StringComparer.OrdinalIgnoreCase);
    }

    private async Task<Dictionary<string, string>> ReadAndStoreCatalogAsync(Pod pod, CancellationToken cancellationToken)
    {
        // One catalog read refreshes every service of the pod, not just the one asked for.
        var found = await ReadRegionAsync(pod.RegionName, cancellationToken);
        if (!pod.IsRegistered)
        {
            _unregistered[pod.PodId] = found;
            return found;
        }

        var now = DbTime.Now(timeProvider);
        await using (var connection = await database.OpenAsync(cancellationToken))
        await using (var tx = await Database.BeginWriteAsync(connection, cancellationToken))
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM cached_endpoints WHERE pod_id = @PodId", new { pod.PodId }, tx, cancellationToken: cancellationToken));
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO cached_endpoints (pod_id, service_type, service_url, refreshed_at) VALUES (@podId, @type, @url, @now)",
                found.Select(f => new { podId = pod.PodId, type = f.Key, url = f.Value, now }),
                tx,
                cancellationToken: cancellationToken));
            await tx.CommitAsync(cancellationToken);
        }

        _memory[pod.PodId] = (found, timeProvider.GetUtcNow() + MemoryLifetime);

        Log.Refreshed(logger, pod.RegionName, found.Count);
        return found;
    }

    // The URL under the first of the type's names the catalog has (a loop: on every pod call).
    private static string? UrlOf(Dictionary<string, string> urls, string serviceType)
    {
        if (!Aliases.TryGetValue(serviceType, out var aliases))
        {
            return urls.GetValueOrDefault(serviceType);
        }

        foreach (var type in aliases)
        {
            if (urls.TryGetValue(type, out var url))
            {
                return url;
            }
        }

        return null;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Read the endpoints of region {Region} from Keystone: {Count} service(s)")]
        public static partial void Refreshed(ILogger logger, string region, int count);
    }
}
