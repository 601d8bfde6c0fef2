using System.Text;
using Xunit.Abstractions;

namespace Tricircle.Differential;

/// <summary>
/// Sends each request to both sides in turn, compares the answers
/// (<see cref="AnswerComparison"/>) and collects every difference, so that one run lists all of
/// them rather than stopping at the first.
/// </summary>
public sealed class DifferentialRun(DifferentialTarget direct, DifferentialTarget through, ITestOutputHelper output)
{
    private readonly List<string> _differences = [];

    public DifferentialTarget Direct { get; } = direct;

    public DifferentialTarget Through { get; } = through;

    public int Checks { get; private set; }

    public int Failed { get; private set; }

    /// <summary>Both sides answer <paramref name="request"/> alike; values named in <paramref name="capture"/> (<c>name=path</c>, <c>name=header:X</c>) are kept per side.</summary>
    public async Task<(DifferentialAnswer Direct, DifferentialAnswer Through)> CheckAsync(
        string what, DifferentialRequest request, Compare compare = Compare.Exact, string[]? ignore = null, params string[] capture)
    {
        var d = await Direct.SendAsync(request);
        var t = await Through.SendAsync(request);
        Checks++;
        var differences = AnswerComparison.Differences(d, Direct, t, Through, compare, new HashSet<string>(ignore ?? [], StringComparer.Ordinal));
        if (differences.Count > 0)
        {
            Failed++;
            var line = new StringBuilder($"{what} ({request.Method} {request.Path}):");
            foreach (var difference in differences)
            {
                line.Append("\n    ").Append(difference);
            }

            _differences.Add(line.ToString());
            output.WriteLine("DIFF " + line);
        }
        else
        {
            output.WriteLine($"same {what} ({request.Method} {request.Path}: {d.Status})");
        }

        Capture(d, Direct, capture);
        Capture(t, Through, capture);
        return (d, t);
    }

    /// <summary>Sends on each side until <paramref name="done"/> holds (not compared: the sides may take different times); fails the run after <paramref name="within"/>.</summary>
    public async Task WaitAsync(string what, DifferentialRequest request, Func<DifferentialAnswer, bool> done, TimeSpan? within = null)
    {
        foreach (var side in (DifferentialTarget[])[Direct, Through])
        {
            var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromMinutes(3));
            while (true)
            {
                var answer = await side.SendAsync(request);
                if (done(answer))
                {
                    break;
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"{side.Name}: {what}: still {answer.Status} {AnswerComparison.Excerpt(answer.Text)}");
                }

                await Task.Delay(250);
            }
        }
    }

    /// <summary>Sends on both sides without comparing (set-up and clean-up); returns the answers.</summary>
    public async Task<(DifferentialAnswer Direct, DifferentialAnswer Through)> SendAsync(DifferentialRequest request, params string[] capture)
    {
        var d = await Direct.SendAsync(request);
        var t = await Through.SendAsync(request);
        Capture(d, Direct, capture);
        Capture(t, Through, capture);
        return (d, t);
    }

    /// <summary>
    /// Waits into the next wall-clock second: Nova's and Cinder's timestamps have whole seconds,
    /// so what is made after this sorts after what was made before on both sides. A real service's
    /// clock, so no fake clock can stand in.
    /// </summary>
    public static Task NextSecondAsync()
    {
        var now = DateTime.UtcNow;
        return Task.Delay(TimeSpan.FromMilliseconds(1000 - now.Millisecond + 50));
    }

    /// <summary>Fails with every difference found, after writing the totals.</summary>
    public void AssertSame()
    {
        output.WriteLine($"{Checks} checks, {Checks - Failed} answered alike, {Failed} differ");
        Assert.True(_differences.Count == 0, $"{Failed} of {Checks} checks differ between {Direct.Name} and {Through.Name}:\n" + string.Join("\n", _differences));
    }

    private static void Capture(DifferentialAnswer answer, DifferentialTarget side, string[] capture)
    {
        foreach (var item in capture)
        {
            var (name, path) = (item[..item.IndexOf('=', StringComparison.Ordinal)], item[(item.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            var value = path.StartsWith("header:", StringComparison.Ordinal) ? answer.Header(path["header:".Length..]) : answer.At(path);
            if (value is not null)
            {
                side.Values[name] = value;
            }
        }
    }
}
