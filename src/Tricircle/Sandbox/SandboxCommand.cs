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
        var computePort = new Option<int>("--compute-port") { Description = "Port of the Nova gateway (0: any free port)", DefaultValueFactory = _ => 19998 };
        var volumePort = new Option<int>("--volume-port") { Description = "Port of the Cinder gateway (0: any free port)", DefaultValueFactory = _ => 19997 };
        var imagePort = new Option<int>("--image-port") { Description = "Port of the Glance gateway (0: any free port)", DefaultValueFactory = _ => 9292 };
        var networkPort = new Option<int>("--network-port") { Description = "Port of the central Neutron (0: any free port)", DefaultValueFactory = _ => 9696 };
        var consolePort = new Option<int>("--console-port") { Description = "Port of the web console (0: any free port)", DefaultValueFactory = _ => 19996 };
        var command = new Command("sandbox", "Run everything on this machine: emulated Keystone, Tricircle on SQLite, pods registered.")
        {
            pods, dataDir, database, keystonePort, adminPort, computePort, volumePort, imagePort, networkPort, consolePort,
        };
        command.Subcommands.Add(Fault());
        command.SetAction(async (parse, cancellationToken) =>
        {
            var count = parse.GetValue(pods);
            if (count is < 1 or > 50)
            {
                await Console.Error.WriteLineAsync("tricircle sandbox: --pods must be between 1 and 50.");
                return 2;
            }

            var options = new SandboxOptions(count, parse.GetValue(dataDir)!, parse.GetValue(database), parse.GetValue(keystonePort), parse.GetValue(adminPort))
            {
                ComputePort = parse.GetValue(computePort),
                VolumePort = parse.GetValue(volumePort),
                ImagePort = parse.GetValue(imagePort),
                NetworkPort = parse.GetValue(networkPort),
                ConsolePort = parse.GetValue(consolePort),
            };
            try
            {
                return await new SandboxRunner(options, Console.Out).RunAsync(cancellationToken);
            }
            catch (IOException e) when (e.InnerException is SocketException || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                await Console.Error.WriteLineAsync($"tricircle sandbox: a port is taken ({e.Message}). Stop what uses it, or pick others with --keystone-port, --admin-port, --compute-port, --volume-port, --image-port, --network-port and --console-port.");
                return 1;
            }
        });
        return command;
    }

    /// <summary><c>tricircle sandbox fault REGION --down|--up|--latency MS|--answer-after MS|--error-rate P</c>, from another shell.</summary>
    private static Command Fault()
    {
        var region = new Argument<string>("region") { Description = "The emulated region (RegionOne, RegionTwo, ...)" };
        var down = new Option<bool>("--down") { Description = "Stop the region's services: their ports refuse connections" };
        var up = new Option<bool>("--up") { Description = "Start them again on the same ports" };
        var latency = new Option<int?>("--latency") { Description = "Add this many milliseconds to every request (0 removes it)" };
        var answerAfter = new Option<int?>("--answer-after") { Description = "Start no answer sooner than this many milliseconds after its request arrived, the region's work inside it (0 removes it)" };
        var errorRate = new Option<double?>("--error-rate") { Description = "Answer this share (0..1) of requests with a 500" };
        var holdDeletes = new Option<bool?>("--hold-deletes") { Description = "true: deletes the region accepts stay under way (a server task_state deleting, a volume or snapshot deleting) until set false" };
        var dataDir = new Option<string>("--data-dir") { Description = "The running sandbox's data directory", DefaultValueFactory = _ => ".tricircle" };
        var command = new Command("fault", "Change a running sandbox's fault knobs for one region.") { region, down, up, latency, answerAfter, errorRate, holdDeletes, dataDir };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(down) && parse.GetValue(up))
            {
                await Console.Error.WriteLineAsync("tricircle sandbox fault: give --down or --up, not both.");
                return 2;
            }

            var faults = new Dictionary<string, object>();
            if (parse.GetValue(down) || parse.GetValue(up))
            {
                faults["down"] = parse.GetValue(down);
            }

            if (parse.GetValue(latency) is { } ms)
            {
                faults["latency_ms"] = ms;
            }

            if (parse.GetValue(answerAfter) is { } after)
            {
                faults["answer_after_ms"] = after;
            }

            if (parse.GetValue(errorRate) is { } p)
            {
                faults["error_rate"] = p;
            }

            if (parse.GetValue(holdDeletes) is { } hold)
            {
                faults["hold_deletes"] = hold;
            }

            if (faults.Count == 0)
            {
                await Console.Error.WriteLineAsync("tricircle sandbox fault: say what to change: --down, --up, --latency MS, --answer-after MS, --error-rate P or --hold-deletes true|false.");
                return 2;
            }

            var directory = Path.GetFullPath(parse.GetValue(dataDir)!);
            var state = SandboxState.Read(directory);
            if (state is null)
            {
                await Console.Error.WriteLineAsync($"tricircle sandbox fault: no sandbox is running with data directory {directory} (no {SandboxControl.StateFile}).");
                return 1;
            }

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            try
            {
                using var response = await http.PostAsync(
                    new Uri(state.ControlUrl, $"regions/{Uri.EscapeDataString(parse.GetValue(region)!)}/faults"),
                    System.Net.Http.Json.JsonContent.Create(new { faults }),
                    cancellationToken);
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    await Console.Error.WriteLineAsync($"tricircle sandbox fault: {Cli.AdminClient.ErrorMessage(text) ?? text}");
                    return 1;
                }

                await Console.Out.WriteLineAsync(text);
                return 0;
            }
            catch (HttpRequestException e)
            {
                await Console.Error.WriteLineAsync($"tricircle sandbox fault: the sandbox at {state.ControlUrl} does not answer ({e.Message}); is it still running?");
                return 1;
            }
        });
        return command;
    }
}
