using System.CommandLine;
using System.Net.Sockets;

namespace Tricircle.Sandbox;

/// <summary><c>tricircle sandbox</c>: the README's first command.</summary>
internal static class SandboxCommand
{
    public static Command Create()
    {
        var pods = new Option<int>("--pods") { Description = "Number of bottom pods (RegionOne in az1, RegionTwo in az2, ...)", DefaultValueFactory = _ => 2 };
        var dataDir = new Option<string>("--data-dir") { Description = "Where the SQLite database and openrc files go", DefaultValueFactory = _ => ".tricircle" };
        var database = new Option<string?>("--database") { Description = "A PostgreSQL (or SQLite) connection instead of SQLite in the data directory" };
        var keystonePort = new Option<int>("--keystone-port") { Description = "Port of the emulated Keystone (0: any free port)", DefaultValueFactory = _ => 5000 };
        var adminPort = new Option<int>("--admin-port") { Description = "Port of the Admin API (0: any free port)", DefaultValueFactory = _ => 19999 };
        var command = new Command("sandbox", "Run everything on this machine: emulated Keystone, Tricircle on SQLite, pods registered.")
        {
            pods, dataDir, database, keystonePort, adminPort,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var count = parse.GetValue(pods);
            if (count is < 1 or > 50)
            {
                await Console.Error.WriteLineAsync("tricircle sandbox: --pods must be between 1 and 50.");
                return 2;
            }

            var options = new SandboxOptions(count, parse.GetValue(dataDir)!, parse.GetValue(database), parse.GetValue(keystonePort), parse.GetValue(adminPort));
            try
            {
                return await new SandboxRunner(options, Console.Out).RunAsync(cancellationToken);
            }
            catch (IOException e) when (e.InnerException is SocketException || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                await Console.Error.WriteLineAsync($"tricircle sandbox: a port is taken ({e.Message}). Stop what uses it, or pick others with --keystone-port and --admin-port.");
                return 1;
            }
        });
        return command;
    }
}
