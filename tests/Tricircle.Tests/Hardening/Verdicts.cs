using System.Text.Json;
using Tricircle.Hardening.Fuzz;
using Tricircle.Support;

namespace Tricircle.Hardening;

/// <summary>
/// Collects the checks of a matrix and fails once at the end with every violation, each saying
/// who did what to whose resource, what came back and what OpenStack answers.
/// </summary>
internal sealed class Verdicts
{
    private readonly List<string> _failures = [];
    private int _checks;

    /// <summary>The call must answer one of <paramref name="statuses"/>, an error in its API's shape.</summary>
    public async Task ExpectAsync(string what, Task<ApiResponse> call, FuzzApi api, params int[] statuses)
    {
        _checks++;
        var response = await call;
        var status = (int)response.Status;
        if (!statuses.Contains(status))
        {
            _failures.Add($"{what}: got {status} {Cut(response.Text)}; OpenStack: {string.Join(" or ", statuses)}");
        }
        else if (status >= 400 && FuzzOracle.ShapeProblem(api, IsolationWorld.Answer(response)) is { } problem)
        {
            _failures.Add($"{what}: {status} {problem}");
        }
    }

    /// <summary>The list must answer 200 without the item (and so not read it), or a refusal.</summary>
    public async Task NotListedAsync(string what, Task<ApiResponse> call, string collection, string id)
    {
        _checks++;
        var response = await call;
        if ((int)response.Status >= 400)
        {
            return; // refused outright: nothing read
        }

        if ((int)response.Status != 200)
        {
            _failures.Add($"{what}: got {(int)response.Status} {Cut(response.Text)}; want 200 without it");
            return;
        }

        var items = response.Json.TryGetProperty(collection, out var list) ? list.EnumerateArray().ToList() : [];
        if (items.Any(i => i.ValueKind == JsonValueKind.Object && i.TryGetProperty("id", out var itemId) && itemId.ValueKind == JsonValueKind.String && itemId.GetString() == id))
        {
            _failures.Add($"{what}: the list shows it: {Cut(response.Text)}");
        }
    }

    /// <summary>What the owner (and the pod) see must not have changed.</summary>
    public void Same(string what, string before, string after)
    {
        _checks++;
        if (before != after)
        {
            _failures.Add($"{what} changed:\n      before {Cut(before, 400)}\n      after  {Cut(after, 400)}");
        }
    }

    public void Fail(string what) => _failures.Add(what);

    public void AssertNone(string title) =>
        Assert.True(_failures.Count == 0, $"{title}: {_failures.Count} of {_checks} checks failed (0 reads or writes across projects is the rule):\n  " + string.Join("\n  ", _failures));

    private static string Cut(string text, int max = 260)
    {
        text = text.Replace("\n", " ", StringComparison.Ordinal);
        return text.Length > max ? text[..max] + "…" : text;
    }
}
