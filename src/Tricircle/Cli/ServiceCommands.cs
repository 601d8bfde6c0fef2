using System.CommandLine;
using Microsoft.Extensions.Options;
using Tricircle.Data;
using Tricircle.Hosting;

namespace Tricircle.Cli;

/// <summary><c>tricircle serve</c> and <c>tricircle db</c>: commands that run the service itself.</summary>
internal static class ServiceCommands
{
    public static Option<string[]> ConfigFileOption() => new("--config-file")
    {
        Description = $"An oslo-style INI file; may be repeated, later files win. Default: {TricircleConfiguration.DefaultConfigFile} if it exists.",
        AllowMultipleArgumentsPerToken = false,
    };

    public static Command Serve()
    {
        var configFiles = ConfigFileOption();
        var roles = new Option<string?>("--roles") { Description = "Comma-separated roles to run (admin, compute, volume, image, network, console, jobs); default: all. Overrides [DEFAULT] roles." };
        var command = new Command("serve", "Run the service (every API role in one process by default).") { configFiles, roles };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var overrides = new Dictionary<string, string?>();
            if (parse.GetValue(roles) is { } r)
            {
                overrides["DEFAULT:roles"] = r;
            }

            return await RunAsync(parse.GetValue(configFiles), overrides, quiet: false, async app =>
            {
                await app.StartAsync(cancellationToken);
                await app.WaitForShutdownAsync(cancellationToken);
                return 0;
            });
        });
        return command;
    }

    public static Command Db()
    {
        var db = new Command("db", "Database schema.");
        var configFiles = ConfigFileOption();
        var sync = new Command("sync", "Apply the schema migrations the database lacks.") { configFiles };
        sync.SetAction(async (parse, cancellationToken) => await RunAsync(parse.GetValue(configFiles), null, async app =>
        {
            var migrator = app.Services.GetRequiredService<SchemaMigrator>();
            var database = app.Services.GetRequiredService<Database>();
            var applied = await migrator.MigrateAsync(cancellationToken);
            var version = await migrator.CurrentVersionAsync(cancellationToken);
            await Console.Out.WriteLineAsync(applied.Count == 0
                ? $"{database.Connection.Describe()} is up to date at schema version {version}."
                : $"Applied {applied.Count} migration(s) to {database.Connection.Describe()}; schema version is now {version}.");
            return 0;
        }));

        var versionConfig = ConfigFileOption();
        var version = new Command("version", "Print the database's schema version.") { versionConfig };
        version.SetAction(async (parse, cancellationToken) => await RunAsync(parse.GetValue(versionConfig), null, async app =>
        {
            var current = await app.Services.GetRequiredService<SchemaMigrator>().CurrentVersionAsync(cancellationToken);
            await Console.Out.WriteLineAsync(current.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return 0;
        }));

        db.Subcommands.Add(sync);
        db.Subcommands.Add(version);
        return db;
    }

    /// <summary>
    /// Loads the configuration and builds the host, turning configuration mistakes into a
    /// message that names the key and exit code 2 instead of a stack trace.
    /// </summary>
    internal static Task<int> RunAsync(string[]? configFiles, Dictionary<string, string?>? overrides, Func<WebApplication, Task<int>> run) =>
        RunAsync(configFiles, overrides, quiet: true, run);

    private static async Task<int> RunAsync(string[]? configFiles, Dictionary<string, string?>? overrides, bool quiet, Func<WebApplication, Task<int>> run)
    {
        try
        {
            var configuration = TricircleConfiguration.Load(configFiles, overrides);
            await using var app = ServiceHost.Build(configuration, quiet: quiet);
            return await run(app);
        }
        catch (Exception e) when (e is OptionsValidationException or FileNotFoundException)
        {
            var messages = e is OptionsValidationException v ? v.Failures : [e.Message];
            foreach (var message in messages)
            {
                await Console.Error.WriteLineAsync($"tricircle: configuration error: {message}");
            }

            return 2;
        }
        catch (InvalidOperationException e) when (e.Message.Contains("configuration", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("schema version", StringComparison.Ordinal))
        {
            // The binder names the key it could not convert ("DEFAULT:admin_port").
            await Console.Error.WriteLineAsync($"tricircle: {e.Message}{(e.InnerException is { } inner ? " " + inner.Message : "")}");
            return 2;
        }
        catch (IOException e) when (e.Message.Contains("address", StringComparison.OrdinalIgnoreCase))
        {
            await Console.Error.WriteLineAsync($"tricircle: cannot listen: {e.Message}");
            return 1;
        }
    }
}
