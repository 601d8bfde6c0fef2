using System.Globalization;
using System.Text;

namespace Tricircle.Hardening.Fuzz;

/// <summary>
/// The findings of a fuzz run, grouped by cause: for each oracle, each distinct cause (the
/// exception behind a 500, the shape an error had, the rule a 2xx broke) with how many requests,
/// which input classes and endpoints, what OpenStack answers instead, and the first cases
/// (replayable by number).
/// </summary>
internal static class FuzzReport
{
    /// <summary>Oracles in the order a reader should fix them.</summary>
    private static readonly string[] Order =
    [
        "no-answer", "pod-unavailable-after-fuzz", "tricircle-5xx", "server-error-after-answer", "unauthenticated-2xx", "member-did-admin-op", "cross-project", "oversized-accepted",
        "accepted-malformed-json", "accepted-bad-input", "accepted-invalid-field", "accepted-unknown-field", "unknown-id-accepted", "accepted-bad-query",
        "bad-microversion-accepted", "odd-method-accepted", "pod-url-in-answer", "error-shape", "no-request-id", "pod-5xx",
    ];

    public static string Build(FuzzRun run, string dialect, string fixtureName, IReadOnlyList<string> health, IReadOnlyList<ServerError> unmatched, IReadOnlyList<ServerError> otherLogged)
    {
        var report = new StringBuilder();
        var observations = run.Observations.ToList();
        var failing = observations.Where(o => o.Fails).ToList();
        var invariant = CultureInfo.InvariantCulture;
        report.AppendLine(invariant, $"# Fuzz run on {dialect}: seed {run.Seed}, {run.Sent} requests over {run.Routed} operations, {run.Concurrency} clients, {run.Elapsed.TotalSeconds:F0} s ({run.Sent / Math.Max(1, run.Elapsed.TotalSeconds):F0}/s)");
        report.AppendLine(invariant, $"cases 0..{run.SweepSize - 1}: the sweep (every field of every body set to each other JSON kind, edge numbers and odd strings); the rest drawn at random");
        report.AppendLine(invariant, $"by API: {Histogram(run.Apis)}");
        report.AppendLine(invariant, $"by class: {Histogram(run.Classes)}");
        report.AppendLine(invariant, $"statuses: {Histogram(run.Statuses)}");
        report.AppendLine(invariant, $"forwarded pod 5xx (reported, not failed on): {observations.Count(o => o.Oracle == "pod-5xx")}");
        report.AppendLine(invariant, $"slowest operations (mean): {string.Join(", ", run.Routes.OrderByDescending(r => r.Value.Seconds / r.Value.Count).Take(5).Select(r => $"{r.Key} {r.Value.Seconds / r.Value.Count * 1000:F0} ms"))}");
        report.AppendLine(invariant, $"failing requests: {failing.Select(o => o.Case.Number).Distinct().Count()}, in {failing.Select(o => (o.Oracle, o.Cause)).Distinct().Count()} distinct causes; health after the run: {(health.Count == 0 ? "every pod serves" : string.Join("; ", health))}");
        report.AppendLine(invariant, $"replay cases: TRICIRCLE_FUZZ_SEED={run.Seed} TRICIRCLE_FUZZ_CASES=<n,n,...> ./run-tests.sh --filter \"FullyQualifiedName~{fixtureName}\"");

        foreach (var problem in health)
        {
            report.AppendLine().AppendLine(invariant, $"## pod-unavailable-after-fuzz: {problem}");
        }

        if (unmatched.Count > 0)
        {
            report.AppendLine().AppendLine(invariant, $"## server-error-after-answer ({unmatched.Count} logged, causes below)");
            foreach (var group in unmatched.GroupBy(e => e.Signature).OrderByDescending(g => g.Count()))
            {
                report.AppendLine(invariant, $"- ×{group.Count()} {group.Key} (e.g. {group.First().RequestId ?? "no request id"} {group.First().Path}: {FuzzGenerator.Cut(group.First().Message, 160)})");
            }
        }

        var index = 0;
        foreach (var oracle in observations.Select(o => o.Oracle).Distinct().OrderBy(o => Array.IndexOf(Order, o) is var i and >= 0 ? i : 99))
        {
            var ofOracle = observations.Where(o => o.Oracle == oracle).ToList();
            var causes = ofOracle.GroupBy(o => o.Cause).OrderByDescending(g => g.Count()).ToList();
            report.AppendLine().AppendLine(invariant, $"## {oracle}: {ofOracle.Count} requests, {causes.Count} causes");
            foreach (var cause in causes)
            {
                index++;
                var cases = cause.OrderBy(o => o.Case.Number).ToList();
                report.AppendLine(invariant, $"[{index}] {cause.Key}");
                report.AppendLine(invariant, $"    {cases.Count} requests; classes: {Histogram(cases.GroupBy(o => o.Case.Class).ToDictionary(g => g.Key, g => g.Count()))}; callers: {Histogram(cases.GroupBy(o => o.Case.Caller.ToString()).ToDictionary(g => g.Key, g => g.Count()))}; statuses: {Histogram(cases.GroupBy(o => o.Answer.Failure is null ? o.Answer.Status.ToString(invariant) : "none").ToDictionary(g => g.Key, g => g.Count()))}");
                var endpoints = cases.GroupBy(o => o.Case.Route.ToString()).OrderByDescending(g => g.Count()).ToList();
                report.AppendLine(invariant, $"    endpoints ({endpoints.Count}): {string.Join(", ", endpoints.Take(40).Select(g => $"{g.Key} ×{g.Count()}"))}{(endpoints.Count > 40 ? ", …" : "")}");
                if (cases.Any(o => o.Where is not null))
                {
                    report.AppendLine(invariant, $"    thrown at: {string.Join("; ", cases.Where(o => o.Where is not null).GroupBy(o => o.Where).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} ×{g.Count()}"))}");
                }

                report.AppendLine(invariant, $"    want: {cases[0].Want}");
                foreach (var example in cases.Take(2))
                {
                    var c = example.Case;
                    report.AppendLine(invariant, $"    e.g. #{c.Number} {c.Method} {c.UrlExcerpt(160)} as {c.Caller}{(c.ContentType is null || c.ContentType == "application/json" ? "" : $" ({c.ContentType})")}");
                    report.AppendLine(invariant, $"         {c.Class}: {Printable(FuzzGenerator.Cut(c.Detail, 200))}");
                    report.AppendLine(invariant, $"         body: {Printable(c.BodyExcerpt(240))}");
                    report.AppendLine(invariant, $"         got: {Printable(example.Answer.Failure ?? $"{example.Answer.Status} {example.Answer.RequestId} {FuzzGenerator.Cut(example.Answer.Body.Replace("\n", " ", StringComparison.Ordinal), 300)}")}");
                }

                report.AppendLine(invariant, $"    cases: {string.Join(",", cases.Take(12).Select(o => o.Case.Number))}");
            }
        }

        if (otherLogged.Count > 0)
        {
            report.AppendLine().AppendLine(invariant, $"## other errors the service logged (not tied to an answer; for information): {otherLogged.Count}");
            foreach (var group in otherLogged.GroupBy(e => e.Signature).OrderByDescending(g => g.Count()).Take(15))
            {
                report.AppendLine(invariant, $"- ×{group.Count()} {group.Key}");
            }
        }

        return report.ToString();
    }

    /// <summary>Control characters shown as escapes, so the report stays text.</summary>
    private static string Printable(string text) =>
        string.Concat(text.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));

    private static string Histogram(IEnumerable<KeyValuePair<string, int>> counts) =>
        string.Join(", ", counts.OrderByDescending(c => c.Value).Select(c => $"{c.Key} {c.Value}"));
}
