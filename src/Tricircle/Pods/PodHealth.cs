using System.Diagnostics;

namespace Tricircle.Pods;

/// <summary>
/// Probes every pod's services at once: each (pod, service) pair is resolved through the
/// catalog and asked for its version document, all in parallel, each with its own deadline, so
/// one dead pod costs one timeout, not one per pod.
/// </summary>
internal sealed class PodHealth(PodEndpoints endpoints, IHttpClientFactory httpClientFactory)
{
    public const string HttpClientName = "pod-health";

    /// <summary>The services a pod is expected to run.</summary>
    public static readonly IReadOnlyList<string> ServiceTypes = ["compute", "network", "volumev3", "image"];

    public async Task<IReadOnlyList<ServiceProbe>> ProbeAsync(IEnumerable<Pod> pods, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var probes = pods.Where(p => !p.IsCentral)
            .SelectMany(p => ServiceTypes.Select(t => ProbeAsync(p, t, deadline, cancellationToken)));
        return await Task.WhenAll(probes);
    }

    private async Task<ServiceProbe> ProbeAsync(Pod pod, string serviceType, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(deadline);
        Uri? url = null;
        try
        {
            url = await endpoints.GetAsync(pod, serviceType, timeout.Token);
            if (url is null)
            {
                return new ServiceProbe(pod.RegionName, serviceType, null, ProbeState.Missing, "no endpoint in the catalog", watch.Elapsed);
            }

            var answer = await AskAsync(url, timeout.Token);
            if (answer is null)
            {
                // Unreachable at the cached URL: the catalog may have moved it.
                var refreshed = await endpoints.RefreshAsync(pod, serviceType, timeout.Token);
                if (refreshed is not null && refreshed != url)
                {
                    url = refreshed;
                    answer = await AskAsync(url, timeout.Token);
                }
            }

            return answer is { } status
                ? new ServiceProbe(pod.RegionName, serviceType, url, status < 500 ? ProbeState.Up : ProbeState.Failing, $"HTTP {status}", watch.Elapsed)
                : new ServiceProbe(pod.RegionName, serviceType, url, ProbeState.Down, "connection refused or reset", watch.Elapsed);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ServiceProbe(pod.RegionName, serviceType, url, ProbeState.Down, $"no answer within {deadline.TotalSeconds:0.#} s", watch.Elapsed);
        }
        catch (Exception e) when (e is Identity.KeystoneException or HttpRequestException)
        {
            return new ServiceProbe(pod.RegionName, serviceType, url, ProbeState.Down, e.Message, watch.Elapsed);
        }
    }

    /// <summary>The status code of a GET of the service root, or null when nothing answered.</summary>
    private async Task<int?> AskAsync(Uri url, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await httpClientFactory.CreateClient(HttpClientName).GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            return (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}

internal enum ProbeState
{
    Up,
    Failing,
    Down,
    Missing,
}

internal sealed record ServiceProbe(string Region, string ServiceType, Uri? Url, ProbeState State, string Detail, TimeSpan Elapsed);
