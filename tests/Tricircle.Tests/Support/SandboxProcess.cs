using System.Diagnostics;
using System.Globalization;
using System.Text;
using Tricircle.Sandbox;

namespace Tricircle.Support;

/// <summary><c>tricircle sandbox</c> as a child process on free ports, in a temp data directory.</summary>
public sealed class SandboxProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SandboxProcess(Process process, string dataDirectory)
    {
        _process = process;
        DataDirectory = dataDirectory;
    }

    public string DataDirectory { get; }

    public int ExitCode => _process.ExitCode;

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

    public static async Task<SandboxProcess> StartAsync(int pods, string? database = null)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("tricircle-sandbox-").FullName;
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "tricircle"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "sandbox", "--data-dir", dataDirectory, "--keystone-port", "0", "--admin-port", "0", "--compute-port", "0", "--volume-port", "0", "--image-port", "0", "--network-port", "0", "--console-port", "0", "--pods", pods.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        if (database is not null)
        {
            start.ArgumentList.Add("--database");
            start.ArgumentList.Add(database);
        }

        var sandbox = new SandboxProcess(Process.Start(start)!, dataDirectory);
        sandbox._process.OutputDataReceived += (_, e) => sandbox.Append(e.Data, ready: e.Data == SandboxRunner.ReadyLine);
        sandbox._process.ErrorDataReceived += (_, e) => sandbox.Append(e.Data, ready: false);
        sandbox._process.BeginOutputReadLine();
        sandbox._process.BeginErrorReadLine();
        try
        {
            await sandbox._ready.Task.WaitAsync(TimeSpan.FromSeconds(90));
        }
        catch (TimeoutException)
        {
            await sandbox.DisposeAsync();
            throw new TimeoutException("the sandbox did not get ready:\n" + sandbox.Output);
        }

        return sandbox;
    }

    /// <summary>The variables <c>source openrc</c> (or <c>openrc.demo</c>) would set.</summary>
    public Dictionary<string, string?> Openrc(string file = "openrc") =>
        File.ReadAllLines(Path.Combine(DataDirectory, file))
            .Where(l => l.StartsWith("export ", StringComparison.Ordinal))
            .Select(l => l["export ".Length..].Split('=', 2))
            .ToDictionary(kv => kv[0], kv => (string?)kv[1]);

    /// <summary>Sends SIGTERM, as Ctrl-C or a service manager would, and waits for the exit.</summary>
    public async Task StopAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(deadline.Token);
    }

    private void Append(string? line, bool ready)
    {
        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (ready)
        {
            _ready.TrySetResult();
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
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // a log still being written on a slow shutdown
        }
    }
}
