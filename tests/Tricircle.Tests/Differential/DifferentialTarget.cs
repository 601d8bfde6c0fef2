using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Tricircle.Differential;

/// <summary>
/// One side of a differential run: a region's own Nova and Cinder, or Tricircle's gateways in
/// front of it. Each side makes its own resources, named with its own <see cref="Prefix"/> so that
/// the two never collide in the pod both end up in; the comparison reads each side's prefix as the
/// same name.
/// </summary>
public sealed class DifferentialTarget(string name, HttpClient http, Uri compute, Uri volume, string token, string availabilityZone, string prefix)
{
    public string Name { get; } = name;

    /// <summary>The versioned roots: <c>…/v2.1</c> and <c>…/v3/{project}</c> (no trailing slash).</summary>
    public Uri Compute { get; } = compute;

    public Uri Volume { get; } = volume;

    public string Token { get; } = token;

    /// <summary>Where this side's servers and volumes go (a region's own zone, or the pod's AZ as Tricircle names it).</summary>
    public string AvailabilityZone { get; } = availabilityZone;

    /// <summary>The names this side gives its resources start with it.</summary>
    public string Prefix { get; } = prefix;

    /// <summary>Values captured from earlier answers (ids, request ids), by name, for <c>{name}</c> in paths and bodies.</summary>
    public Dictionary<string, string> Values { get; } = new(StringComparer.Ordinal);

    /// <summary>The service's unversioned root (<c>http://host:port/</c>), for version documents.</summary>
    public Uri Root(string service) => new((service == "compute" ? Compute : Volume).GetLeftPart(UriPartial.Authority) + "/");

    public string Substitute(string text)
    {
        var result = text.Replace("{az}", AvailabilityZone, StringComparison.Ordinal).Replace("{p}", Prefix, StringComparison.Ordinal);
        foreach (var (key, value) in Values)
        {
            result = result.Replace("{" + key + "}", value, StringComparison.Ordinal);
        }

        return result;
    }

    public async Task<DifferentialAnswer> SendAsync(DifferentialRequest request, CancellationToken cancellationToken = default)
    {
        var path = Substitute(request.Path);
        var url = request.Service switch
        {
            "compute-root" => new Uri(Root("compute"), path.TrimStart('/')),
            "volume-root" => new Uri(Root("volume"), path.TrimStart('/')),
            "compute" => new Uri(Compute + path),
            _ => new Uri(Volume + path),
        };
        using var message = new HttpRequestMessage(request.Method, url);
        if (request.Authenticated)
        {
            message.Headers.TryAddWithoutValidation("X-Auth-Token", request.Token ?? Token);
        }

        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        foreach (var (header, value) in request.Headers)
        {
            message.Headers.TryAddWithoutValidation(header, value);
        }

        if (request.RawBody is not null)
        {
            message.Content = new StringContent(Substitute(request.RawBody), Encoding.UTF8, "application/json");
        }
        else if (request.Body is not null)
        {
            message.Content = new StringContent(Substitute(request.Body.ToJsonString()), Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(message, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, values) in response.Headers.Concat(response.Content.Headers))
        {
            headers[key] = string.Join(", ", values);
        }

        JsonNode? body = null;
        if (text.Length > 0 && headers.TryGetValue("Content-Type", out var type) && type.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                body = JsonNode.Parse(text);
            }
            catch (System.Text.Json.JsonException)
            {
                body = null;
            }
        }

        return new DifferentialAnswer((int)response.StatusCode, headers, body, text);
    }
}

/// <summary>A request as both sides send it; <c>{name}</c> in the path or body is the side's captured value.</summary>
public sealed record DifferentialRequest(string Service, HttpMethod Method, string Path)
{
    public JsonNode? Body { get; init; }

    /// <summary>A body sent as written (malformed JSON, wrong types).</summary>
    public string? RawBody { get; init; }

    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    public bool Authenticated { get; init; } = true;

    /// <summary>Another token than the side's (a second project's), or null.</summary>
    public string? Token { get; init; }
}

/// <summary>What a side answered.</summary>
public sealed record DifferentialAnswer(int Status, IReadOnlyDictionary<string, string> Headers, JsonNode? Body, string Text)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    /// <summary>The value at a dotted path (<c>server.id</c>, <c>volumes.0.id</c>), or null.</summary>
    public string? At(string path)
    {
        var node = Body;
        foreach (var part in path.Split('.'))
        {
            node = node switch
            {
                JsonObject o => o[part],
                JsonArray a when int.TryParse(part, System.Globalization.CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
                _ => null,
            };
        }

        return node is JsonValue v ? v.ToString() : node?.ToJsonString();
    }
}
