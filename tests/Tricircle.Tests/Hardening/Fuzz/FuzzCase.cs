using System.Text;

namespace Tricircle.Hardening.Fuzz;

/// <summary>
/// One generated request, reproducible from (seed, number): what is sent, and when OpenStack
/// would certainly refuse it, why (<see cref="MustRefuse"/>: a 2xx is then a finding).
/// </summary>
internal sealed class FuzzCase
{
    public required int Number { get; init; }

    public required FuzzRoute Route { get; init; }

    /// <summary>The input class (json-syntax, wrong-type, query, ...).</summary>
    public required string Class { get; init; }

    /// <summary>What exactly was done (the field and value, the header, ...).</summary>
    public string Detail { get; set; } = "";

    public required string Method { get; set; }

    public required string Url { get; set; }

    public required FuzzCaller Caller { get; init; }

    public List<KeyValuePair<string, string>> Headers { get; } = [];

    /// <summary>The body (null: none). An oversized one is made at send time from <see cref="OversizeBytes"/>.</summary>
    public byte[]? Body { get; set; }

    public int OversizeBytes { get; set; }

    /// <summary>The content type to send with a body (null: none at all).</summary>
    public string? ContentType { get; set; }

    /// <summary>Sent without a Content-Length (chunked).</summary>
    public bool Chunked { get; set; }

    /// <summary>Why a 2xx would be wrong (null: any answer but a 5xx or a malformed error will do).</summary>
    public string? MustRefuse { get; set; }

    /// <summary>The oracle a 2xx answer falls under when <see cref="MustRefuse"/> is set.</summary>
    public string RefusalOracle { get; set; } = "accepted-bad-input";

    /// <summary>The refusal's reason without the case's values, which findings are grouped by.</summary>
    public string RefusalKey { get; set; } = "";

    /// <summary>The body as text, cut for a report.</summary>
    public string BodyExcerpt(int max = 300)
    {
        if (OversizeBytes > 0)
        {
            return $"<{OversizeBytes} bytes: {Encoding.UTF8.GetString(Body ?? [], 0, Math.Min(120, Body?.Length ?? 0))}…>";
        }

        if (Body is null)
        {
            return "(none)";
        }

        var text = Encoding.UTF8.GetString(Body);
        var cut = text.Length > max ? text[..max] + $"… ({Body.Length} bytes)" : text;
        return cut.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal);
    }

    public string UrlExcerpt(int max = 200) => Url.Length > max ? Url[..max] + $"… ({Url.Length} chars)" : Url;

    public override string ToString() => $"#{Number} {Class} {Method} {UrlExcerpt()} as {Caller}";
}
