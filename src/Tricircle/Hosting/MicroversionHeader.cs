using Tricircle.Pods;

namespace Tricircle.Hosting;

/// <summary>The microversion a request names in its headers, read as Nova and Cinder read it (an HTTP matter: 400 and 406).</summary>
internal static class MicroversionHeader
{
    /// <summary>
    /// The version named for <paramref name="service"/> in <c>OpenStack-API-Version</c> (then in
    /// <paramref name="legacyHeader"/>, if any): the minimum when none, the maximum for
    /// <c>latest</c>, 400 when unparsable (<paramref name="invalidFormat"/> words it), 406 outside the
    /// range (<paramref name="refused"/> sees the version first).
    /// </summary>
    public static Microversion Requested(
        HttpRequest request, string service, string? legacyHeader, Microversion min, Microversion max, Func<string, string> invalidFormat, Action<Microversion>? refused = null)
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
            refused?.Invoke(version);
            throw new ApiException(StatusCodes.Status406NotAcceptable, $"Version {version} is not supported by the API. Minimum is {min} and maximum is {max}.");
        }

        return version;
    }
}
