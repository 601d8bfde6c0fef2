using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tricircle.Hardening.Fuzz;

/// <summary>What came back for a case (or how the connection failed).</summary>
internal sealed record FuzzAnswer(int Status, string Body, string? ContentType, bool HasWwwAuthenticate, string? RequestId, string? Failure, TimeSpan Elapsed)
{
    public string? Location { get; init; }
}

/// <summary>One thing found: which oracle, what cause (what findings are grouped by), the case and its answer.</summary>
internal sealed record FuzzObservation(string Oracle, string Cause, FuzzCase Case, FuzzAnswer Answer, string Want)
{
    /// <summary>Where the service threw (the first frame in Tricircle's code), for a 5xx whose error was logged.</summary>
    public string? Where { get; init; }

    /// <summary>Forwarded pods' 5xx are counted and reported, not failed on (they are the emulator's, or a real pod's).</summary>
    public bool Fails => Oracle != "pod-5xx";
}

/// <summary>
/// Judges an answer: no dropped connection, no 5xx of Tricircle's own (a pod's forwarded 5xx is
/// counted apart), every error in its API's shape, and no 2xx where OpenStack certainly refuses
/// (<see cref="FuzzCase.MustRefuse"/>).
/// </summary>
internal static class FuzzOracle
{
    public static IEnumerable<FuzzObservation> Judge(FuzzCase c, FuzzAnswer a, ServerErrorLog log, IReadOnlyList<string> podAuthorities)
    {
        if (a.Failure is not null)
        {
            yield return new FuzzObservation("no-answer", Normalize.Text(a.Failure), c, a, "an answer: OpenStack never drops a connection for bad input");
            yield break;
        }

        if (a.Status >= 500)
        {
            if (IsPods(a.Body))
            {
                yield return new FuzzObservation("pod-5xx", $"{a.Status} {Normalize.Text(Message(a.Body) ?? a.Body)}", c, a, Expected(c));
            }
            else
            {
                var error = log.Claim(a.RequestId, c.Method, new Uri(c.Url).AbsolutePath);
                var cause = error is not null ? $"{a.Status} {error.Cause}" : $"{a.Status} {Normalize.Text(Message(a.Body) ?? a.Body)}";
                yield return new FuzzObservation("tricircle-5xx", cause, c, a, Expected(c)) { Where = error?.Frame };
            }
        }

        if (podAuthorities.FirstOrDefault(p => a.Body.Contains(p, StringComparison.Ordinal) || a.Location?.Contains(p, StringComparison.Ordinal) == true) is { } pod)
        {
            var where = a.Location?.Contains(pod, StringComparison.Ordinal) == true ? "Location" : Normalize.Text(JsonKeyBefore(a.Body, pod), 60);
            yield return new FuzzObservation("pod-url-in-answer", $"{a.Status / 100}xx naming a pod's URL ({where})", c, a, "the gateway's own URLs only: clients never see a pod");
        }

        if (a.RequestId is null && a.Body.Length > 0)
        {
            yield return new FuzzObservation("no-request-id", $"{a.Status / 100}xx without x-openstack-request-id", c, a, "every answer carries x-openstack-request-id (README; a 500's message points at it)");
        }

        var accept = c.Headers.LastOrDefault(h => h.Key == "Accept").Value;
        var jsonWanted = accept is null || accept.Contains("json", StringComparison.OrdinalIgnoreCase) && !accept.Contains("json;q=0", StringComparison.OrdinalIgnoreCase);
        if (a.Status >= 400 && c.Method != "HEAD" && !RefusedByKestrel(c, a) && (jsonWanted || c.Route.Api != FuzzApi.Image || a.Body.Length == 0) && ShapeProblem(c.Route.Api, a) is { } problem)
        {
            yield return new FuzzObservation("error-shape", $"{a.Status} {problem}", c, a, $"{a.Status} with a body in {c.Route.Api}'s error shape ({ShapeOf(c.Route.Api)})");
        }

        if (a.Status is >= 200 and < 300 && c.MustRefuse is not null)
        {
            var route = c.RefusalOracle is "accepted-invalid-field" or "accepted-unknown-field" or "unknown-id-accepted" or "cross-project" ? $" [{c.Route.Api} {c.Route.Name}]" : "";
            yield return new FuzzObservation(c.RefusalOracle, c.RefusalKey + route, c, a, c.MustRefuse);
        }
    }

    /// <summary>
    /// Requests the HTTP server refuses before any of Tricircle's code runs, with an empty body
    /// it does not let an application change (README, Limits): a request line over 1 MiB, headers
    /// over 256 KiB, a path holding %00 (the request target is invalid to Kestrel), a header
    /// holding a control character such as NUL.
    /// </summary>
    private static bool RefusedByKestrel(FuzzCase c, FuzzAnswer a)
    {
        if (a.Body.Length > 0)
        {
            return false;
        }

        var uri = new Uri(c.Url);
        return a.Status switch
        {
            414 => c.Method.Length + uri.PathAndQuery.Length > 1024 * 1024 - 16,
            431 => c.Headers.Sum(h => h.Key.Length + h.Value.Length + 4) > 256 * 1024 - 2048,
            400 => uri.AbsolutePath.Contains("%00", StringComparison.Ordinal) || c.Headers.Any(h => h.Value.Any(char.IsControl)),
            _ => false,
        };
    }

    /// <summary>An emulated pod's own failure, passed on (its message says so).</summary>
    public static bool IsPods(string body) =>
        body.Contains("in the emulated", StringComparison.Ordinal) || body.Contains("Injected fault", StringComparison.Ordinal);

    private static string Expected(FuzzCase c) => c.Class switch
    {
        "json-syntax" or "invalid-utf8" or "lone-surrogate" or "deep-nesting" => "400: the body is not valid JSON text (OpenStack's parsers refuse it)",
        "non-object" => "400: the body (or its wrapper) is not an object",
        "duplicate-key" => "as for the last value of the duplicate key (Python's json keeps it): 400 naming the field if that value is bad",
        "wrong-type" or "number" or "odd-string" => "400 naming the field (or the pod's answer for a forwarded body)",
        "fields" => "400 naming the unknown or missing attribute",
        "id" => "404 for an id that names nothing (400 where the API checks an id's shape)",
        "query" => "400 naming the bad query parameter (or the list, when the parameter is ignored)",
        "method" => "405",
        "content-type" => "400 or 415 (or the answer for JSON)",
        "header" => "400/401/406 naming the header (431 for one too large)",
        "oversized" => "413 naming the limit (oslo.middleware's max_request_body_size, 114688 bytes)",
        "long-url" => "414 or 400 in the API's error shape",
        _ => "2xx, or a 4xx in the API's shape",
    };

    private static string ShapeOf(FuzzApi api) => api switch
    {
        FuzzApi.Network => "{\"NeutronError\": {\"type\", \"message\", \"detail\"}}",
        FuzzApi.Image => "webob's {\"message\", \"code\", \"title\"}",
        _ => "{\"<type>\": {\"message\", \"code\"}}",
    };

    /// <summary>Why an error body is not its API's (null: it is), 401s being keystonemiddleware's everywhere.</summary>
    public static string? ShapeProblem(FuzzApi api, FuzzAnswer a)
    {
        if (a.Status == 401 && !a.HasWwwAuthenticate)
        {
            return "401 without WWW-Authenticate";
        }

        if (a.Body.Length == 0)
        {
            return "with an empty body";
        }

        if (a.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) != true)
        {
            return $"with Content-Type {a.ContentType ?? "(none)"}";
        }

        JsonNode? json;
        try
        {
            json = JsonNode.Parse(a.Body);
        }
        catch (JsonException)
        {
            return "with a body that is not JSON";
        }

        if (json is not JsonObject root)
        {
            return "with a body that is not a JSON object";
        }

        if (a.Status == 401)
        {
            return root["error"] is JsonObject e && IsString(e["message"]) && e["code"] is JsonValue ? null : "not keystonemiddleware's {\"error\": {\"code\", \"title\", \"message\"}}: " + Keys(root);
        }

        switch (api)
        {
            case FuzzApi.Network:
                return root["NeutronError"] is JsonObject n && IsString(n["type"]) && IsString(n["message"]) && n.ContainsKey("detail") ? null : "not {\"NeutronError\": {...}}: " + Keys(root);
            case FuzzApi.Image:
                return IsString(root["message"]) && IsString(root["code"]) && IsString(root["title"]) ? null : "not webob's {\"message\", \"code\", \"title\"}: " + Keys(root);
            default:
                if (root.Count != 1 || root.First().Value is not JsonObject inner)
                {
                    return "not {\"<type>\": {\"message\", \"code\"}}: " + Keys(root);
                }

                if (!IsString(inner["message"]))
                {
                    return $"{{\"{root.First().Key}\"}} without a message";
                }

                return inner["code"] is JsonValue code && code.GetValueKind() == JsonValueKind.Number && code.ToJsonString() == a.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)
                    ? null
                    : $"{{\"{root.First().Key}\"}} whose code is {inner["code"]?.ToJsonString() ?? "missing"}";
        }
    }

    /// <summary>The JSON key nearest before <paramref name="text"/> in <paramref name="body"/> (where a pod's URL shows).</summary>
    private static string JsonKeyBefore(string body, string text)
    {
        var at = body.IndexOf(text, StringComparison.Ordinal);
        var colon = body.LastIndexOf("\":", at, StringComparison.Ordinal);
        var quote = colon > 0 ? body.LastIndexOf('"', colon - 1) : -1;
        return quote >= 0 ? "in \"" + body[(quote + 1)..colon] + "\"" : "in the body";
    }

    private static bool IsString(JsonNode? node) => node?.GetValueKind() == JsonValueKind.String;

    private static string Keys(JsonObject root) => "{" + string.Join(", ", root.Select(p => p.Key)) + "}";

    /// <summary>The message of an OpenStack error body, whatever its shape (as the gateway reads a pod's).</summary>
    public static string? Message(string body) => Pods.PodErrorException.MessageOf(body);
}
