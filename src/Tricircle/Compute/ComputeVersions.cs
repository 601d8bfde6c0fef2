using System.Globalization;
using System.Text.Json.Nodes;
using Tricircle.Hosting;
using Tricircle.Pods;

namespace Tricircle.Compute;

/// <summary>A Nova microversion, "2.37".</summary>
internal readonly record struct Microversion(int Major, int Minor) : IComparable<Microversion>
{
    public static readonly Microversion Min = new(2, 1);

    /// <summary>The newest the gateway itself understands (Nova 2024.2's).</summary>
    public static readonly Microversion GatewayMax = new(2, 96);

    public static bool TryParse(string? text, out Microversion version)
    {
        version = default;
        var parts = text?.Trim().Split('.') ?? [];
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minor))
        {
            version = new Microversion(major, minor);
            return true;
        }

        return false;
    }

    public int CompareTo(Microversion other) => Major != other.Major ? Major.CompareTo(other.Major) : Minor.CompareTo(other.Minor);

    public static bool operator <(Microversion a, Microversion b) => a.CompareTo(b) < 0;

    public static bool operator >(Microversion a, Microversion b) => a.CompareTo(b) > 0;

    public static bool operator <=(Microversion a, Microversion b) => a.CompareTo(b) <= 0;

    public static bool operator >=(Microversion a, Microversion b) => a.CompareTo(b) >= 0;

    public override string ToString() => $"{Major}.{Minor}";
}

/// <summary>
/// The microversion range the compute gateway offers: what every pod's Nova supports (the
/// intersection of their version documents), capped by what the gateway understands. Read from
/// the pods in parallel and kept for five minutes.
/// </summary>
internal sealed class ComputeVersions(PodStore pods, PodClient client, PodFanOut fanOut, TimeProvider timeProvider)
{
    public const string ServiceType = "compute";
    private static readonly TimeSpan KeepFor = TimeSpan.FromMinutes(5);
    private (Microversion Max, DateTimeOffset Until)? _cached;

    public async Task<Microversion> MaxAsync(CancellationToken cancellationToken)
    {
        if (_cached is { } cached && cached.Until > timeProvider.GetUtcNow())
        {
            return cached.Max;
        }

        var bottom = (await pods.ListAsync(new Dictionary<string, string>(), cancellationToken)).Where(p => !p.IsCentral).ToList();
        var answers = await fanOut.AskAsync(bottom, async (pod, ct) =>
        {
            var document = await client.SendJsonAsync(pod, ServiceType, HttpMethod.Get, "", null, null, ct);
            return Microversion.TryParse(document?["version"]?["version"]?.ToString(), out var v) ? v : Microversion.GatewayMax;
        }, cancellationToken);
        var max = answers.Where(a => a.Succeeded).Select(a => a.Value).Append(Microversion.GatewayMax).Min();

        // A pod that could not say is asked again next time, sooner.
        var until = timeProvider.GetUtcNow() + (answers.All(a => a.Succeeded) ? KeepFor : TimeSpan.FromSeconds(10));
        _cached = (max, until);
        return max;
    }

    /// <summary>
    /// The microversion a request asks for (<c>OpenStack-API-Version: compute X.Y</c> before
    /// <c>X-OpenStack-Nova-API-Version</c>; none is 2.1; <c>latest</c> is the offered maximum),
    /// or a 406 as Nova answers one it does not offer.
    /// </summary>
    public async Task<Microversion> RequestedAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        string? text = null;
        foreach (var header in request.Headers["OpenStack-API-Version"])
        {
            var parts = header?.Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
            if (parts.Length == 2 && parts[0].Equals("compute", StringComparison.OrdinalIgnoreCase))
            {
                text = parts[1];
            }
        }

        text ??= request.Headers["X-OpenStack-Nova-API-Version"].FirstOrDefault();
        if (string.IsNullOrWhiteSpace(text))
        {
            return Microversion.Min;
        }

        var max = await MaxAsync(cancellationToken);
        if (text.Trim().Equals("latest", StringComparison.OrdinalIgnoreCase))
        {
            return max;
        }

        if (!Microversion.TryParse(text, out var version))
        {
            throw new ApiException(StatusCodes.Status400BadRequest, $"Invalid format for API version: {text}. It must be 'latest' or MAJOR.MINOR.");
        }

        if (version < Microversion.Min || version > max)
        {
            throw new ApiException(StatusCodes.Status406NotAcceptable, $"Version {version} is not supported by the API. Minimum is {Microversion.Min} and maximum is {max}.");
        }

        return version;
    }

    /// <summary>The v2.1 version entry, as Nova writes it.</summary>
    public static JsonObject Entry(string baseUrl, Microversion max) => new()
    {
        ["id"] = "v2.1",
        ["status"] = "CURRENT",
        ["version"] = max.ToString(),
        ["min_version"] = Microversion.Min.ToString(),
        ["updated"] = "2013-07-23T11:33:21Z",
        ["links"] = new JsonArray(new JsonObject { ["rel"] = "self", ["href"] = baseUrl + "/v2.1/" }),
    };
}
