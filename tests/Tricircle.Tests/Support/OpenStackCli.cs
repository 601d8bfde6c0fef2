using System.Text.Json;

namespace Tricircle.Support;

/// <summary>
/// The real <c>openstack</c> CLI as one user of a sandbox (the variables of its openrc file):
/// <see cref="JsonAsync"/> and <see cref="RunAsync"/> assert exit 0 and show the output when not.
/// </summary>
public sealed class OpenStackCli(IReadOnlyDictionary<string, string?> environment)
{
    public IReadOnlyDictionary<string, string?> Environment => environment;

    /// <summary>The <c>export NAME=value</c> lines of an openrc file the sandbox wrote.</summary>
    public static OpenStackCli FromOpenrc(string path) => new(File.ReadAllLines(path)
        .Where(l => l.StartsWith("export ", StringComparison.Ordinal))
        .Select(l => l["export ".Length..].Split('=', 2))
        .ToDictionary(kv => kv[0], kv => (string?)kv[1]));

    /// <summary>Runs the command with <c>-f json</c> and returns its parsed output.</summary>
    public async Task<JsonElement> JsonAsync(params string[] args)
    {
        var result = await RunAsync([.. args, "-f", "json"]);
        return JsonDocument.Parse(result.Stdout).RootElement.Clone();
    }

    public async Task<CliRunner.Result> RunAsync(params string[] args)
    {
        var result = await TryAsync(args);
        Assert.True(result.ExitCode == 0, $"openstack {string.Join(' ', args)}\n{result}");
        return result;
    }

    /// <summary>Runs the command whatever its exit code (for the refusals a test expects).</summary>
    public Task<CliRunner.Result> TryAsync(params string[] args) => CliRunner.RunAsync("openstack", args, environment);
}
