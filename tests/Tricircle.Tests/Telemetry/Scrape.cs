using System.Globalization;

namespace Tricircle.Telemetry;

/// <summary>A Prometheus text scrape, read as tests need it: the sum of a metric's series that carry some labels.</summary>
internal sealed record Scrape(string Text)
{
    public static async Task<Scrape> ReadAsync(HttpClient http, Uri adminUrl, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(adminUrl, "metrics"));
        if (token is not null)
        {
            request.Headers.Add("X-Auth-Token", token);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"scrape answered {(int)response.StatusCode}: {text}");
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType ?? "", StringComparison.Ordinal);
        return new Scrape(text);
    }

    /// <summary>The lines of <paramref name="metric"/> (exact name) whose labels include every <c>name="value"</c> given.</summary>
    public IEnumerable<string> Series(string metric, params string[] labels) =>
        Text.Split('\n')
            .Where(l => l.StartsWith(metric + "{", StringComparison.Ordinal) || l.StartsWith(metric + " ", StringComparison.Ordinal))
            .Where(l => labels.All(x => l.Contains(x, StringComparison.Ordinal)));

    public double Sum(string metric, params string[] labels) => Series(metric, labels).Sum(Value);

    /// <summary>The sample's value: the first field after the labels (a timestamp may follow).</summary>
    private static double Value(string line)
    {
        var rest = line[(line.LastIndexOf('}') + 1)..].Trim();
        if (!line.Contains('{', StringComparison.Ordinal))
        {
            rest = line[(line.IndexOf(' ', StringComparison.Ordinal) + 1)..].Trim();
        }

        return double.Parse(rest.Split(' ')[0], CultureInfo.InvariantCulture);
    }

    /// <summary>The samples a failure message needs: counts and the service's own, not every bucket.</summary>
    public override string ToString() => string.Join('\n', Text.Split('\n').Where(l =>
        l.StartsWith("tricircle_", StringComparison.Ordinal) && !l.Contains("_bucket{", StringComparison.Ordinal)
        || l.StartsWith("http_server_request_duration_seconds_count", StringComparison.Ordinal)));
}
