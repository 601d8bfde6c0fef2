using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Tricircle.Hosting;

namespace Tricircle.Pods;

/// <summary>
/// The microversion range a gateway can offer for one service type: the lowest maximum among
/// the pods' version documents (what every pod supports), capped by what the gateway itself
/// understands. Read from the pods in parallel and kept for five minutes (ten seconds when a pod
/// could not say).
/// </summary>
internal sealed class PodMicroversions(PodStore pods, PodClient client, PodFanOut fanOut, TimeProvider timeProvider)
{
    private static readonly TimeSpan KeepFor = TimeSpan.FromMinutes(5);
    private readonly ConcurrentDictionary<string, (Microversion Max, DateTimeOffset Until)> _cached = new(StringComparer.Ordinal);

    public async Task<Microversion> LowestMaxAsync(string serviceType, Microversion gatewayMax, CancellationToken cancellationToken)
    {
        if (_cached.TryGetValue(serviceType, out var cached) && cached.Until > timeProvider.GetUtcNow())
        {
            return cached.Max;
        }

        var bottom = (await pods.ListAsync(new Dictionary<string, string>(), cancellationToken)).Where(p => !p.IsCentral).ToList();
        var answers = await fanOut.AskAsync(bottom, async (pod, ct) =>
        {
            var document = await client.SendJsonAsync(pod, serviceType, HttpMethod.Get, "", null, null, ct);

            // Nova's versioned root answers {"version": ...}; Cinder's {"versions": [...]}.
            var entry = document?["version"] ?? (document?["versions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(v => v["status"]?.ToString() == "CURRENT");
            return Microversion.TryParse(entry?["version"]?.ToString(), out var v) ? v : gatewayMax;
        }, cancellationToken);
        var max = answers.Where(a => a.Succeeded).Select(a => a.Value).Append(gatewayMax).Min();
        _cached[serviceType] = (max, timeProvider.GetUtcNow() + (answers.All(a => a.Succeeded) ? KeepFor : TimeSpan.FromSeconds(10)));
        return max;
    }

    /// <summary>
    /// The version named for <paramref name="service"/> in <c>OpenStack-API-Version</c> (then in
    /// <paramref name="legacyHeader"/>, if any): the minimum when none, the maximum for
    /// <c>latest</c>, 400 when unparsable (<paramref name="invalidFormat"/> words it), 406 outside the range.
    /// </summary>
    public static Microversion Requested(
        HttpRequest request, string service, string? legacyHeader, Microversion min, Microversion max, Func<string, string> invalidFormat)
    {
        string? text = null;
        foreach (var header in request.Headers["OpenStack-API-Version"])
        {
            foreach (var item in header?.Split(',') ?? [])
            {
                var parts = item.Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (parts.Length == 2 && parts[0].Equals(service, StringComparison.OrdinalIgnoreCase))
                {
                    text = parts[1];
                }
            }
        }

        if (text is null && legacyHeader is not null)
        {
            text = request.Headers[legacyHeader].FirstOrDefault();
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            return min;
        }

        if (text.Trim().Equals("latest", StringComparison.OrdinalIgnoreCase))
        {
            return max;
        }

        if (!Microversion.TryParse(text, out var version))
        {
            throw new ApiException(StatusCodes.Status400BadRequest, invalidFormat(text));
        }

        if (version < min || version > max)
        {
            throw new ApiException(StatusCodes.Status406NotAcceptable, $"Version {version} is not supported by the API. Minimum is {min} and maximum is {max}.");
        }

        return version;
    }
}
