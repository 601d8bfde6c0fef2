using System.Diagnostics;

namespace Tricircle.Support;

/// <summary>Runs a command-line program as a child process with a clean OS_* environment and a deadline.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
    }

    /// <summary>The <c>tricircle</c> executable built beside the tests.</summary>
    public static Task<Result> TricircleAsync(IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        RunAsync(Path.Combine(AppContext.BaseDirectory, "tricircle"), args, environment);

    public static async Task<Result> RunAsync(string program, IEnumerable<string> args, IReadOnlyDictionary<string, string?> environment, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The test machine's own cloud settings must not leak into the child.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("OS_", StringComparison.Ordinal) || k.StartsWith("TRICIRCLE_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        // Python's requests would send loopback traffic through a configured proxy.
        start.Environment["no_proxy"] = start.Environment["NO_PROXY"] = "127.0.0.1,localhost";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish in time; stderr: {await stderr}");
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
