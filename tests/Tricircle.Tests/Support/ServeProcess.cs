using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Tricircle.Support;

/// <summary>
/// <c>tricircle serve --config-file F --roles R</c> as a child process: another instance on the
/// same database, as an operator would run one on another machine. Its runs and leases name it
/// <see cref="Worker"/> (<c>host:pid</c>).
/// </summary>
public sealed class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _waits = [];

    private ServeProcess(Process process) => _process = process;

    /// <summary>This instance as job runs and leases name it.</summary>
    public string Worker => $"{Environment.MachineName}:{_process.Id.ToString(CultureInfo.InvariantCulture)}";

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts it and waits until its output shows <paramref name="readyText"/> (by default the
    /// host's own line once every part of it started); fails at once if it exits first.
    /// <paramref name="environment"/>: <c>TRICIRCLE_section__key</c> overrides.
    /// </summary>
    public static async Task<ServeProcess> StartAsync(string configFile, string roles, IReadOnlyDictionary<string, string>? environment = null, string readyText = "Application started.")
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "tricircle"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "serve", "--config-file", configFile, "--roles", roles })
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var serve = new ServeProcess(Process.Start(start)!);
        var ready = serve.WaitFor(readyText);
        serve._process.OutputDataReceived += (_, e) => serve.Append(e.Data);
        serve._process.ErrorDataReceived += (_, e) => serve.Append(e.Data);
        serve._process.BeginOutputReadLine();
        serve._process.BeginErrorReadLine();
        var exited = serve._process.WaitForExitAsync();
        if (await Task.WhenAny(ready, exited, Task.Delay(TimeSpan.FromSeconds(60))) != ready)
        {
            var why = exited.IsCompleted ? $"exited with {serve._process.ExitCode}" : "did not get ready within 60 s";
            await serve.DisposeAsync();
            throw new InvalidOperationException($"tricircle serve --roles {roles} {why}:\n" + serve.Output);
        }

        return serve;
    }

    /// <summary>Completes when a line of its output contains <paramref name="text"/> (at once if one did).</summary>
    public Task WaitFor(string text)
    {
        lock (_output)
        {
            if (_output.ToString().Contains(text, StringComparison.Ordinal))
            {
                return Task.CompletedTask;
            }

            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waits.Add((text, seen));
            return seen.Task;
        }
    }

    /// <summary><c>kill -9</c>: no shutdown, no goodbye to the database; then waits for it to be gone.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: false); // SIGKILL on Unix
        await _process.WaitForExitAsync();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            foreach (var wait in _waits.Where(w => line.Contains(w.Text, StringComparison.Ordinal)).ToList())
            {
                wait.Seen.TrySetResult();
                _waits.Remove(wait);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
