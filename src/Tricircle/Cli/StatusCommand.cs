using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Tricircle.Data;
using Tricircle.Identity;
using Tricircle.Pods;

namespace Tricircle.Cli;

/// <summary>
/// <c>tricircle status</c>: is the database at this build's schema, does Keystone accept the
/// service user, and does every service of every pod answer. Exit 0 when all is well, 1 otherwise.
/// </summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var configFiles = ServiceCommands.ConfigFileOption();
        var timeout = new Option<double>("--timeout") { Description = "Seconds each pod service has to answer", DefaultValueFactory = _ => 5 };
        var command = new Command("status", "Health of the database, Keystone and every pod.") { configFiles, timeout };
        command.SetAction(async (parse, cancellationToken) => await ServiceCommands.RunAsync(parse.GetValue(configFiles), null, async app =>
        {
            var healthy = true;
            var table = new Table().Border(TableBorder.Ascii).AddColumns("Check", "State", "Detail");

            var database = app.Services.GetRequiredService<Database>();
            try
            {
                var current = await app.Services.GetRequiredService<SchemaMigrator>().CurrentVersionAsync(cancellationToken);
                var needed = SchemaMigrator.Available(database.Dialect).Max(m => m.Version);
                healthy &= current == needed;
                table.AddRow("database", current == needed ? "up" : "behind", Markup.Escape($"{database.Connection.Describe()} schema {current} (this build: {needed})"));
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException)
            {
                healthy = false;
                table.AddRow("database", "down", Markup.Escape($"{database.Connection.Describe()}: {e.Message}"));
            }

            try
            {
                var token = await app.Services.GetRequiredService<KeystoneTokenValidator>().GetServiceTokenAsync(cancellationToken);
                table.AddRow("keystone", "up", Markup.Escape($"service token for {token.UserName} until {token.ExpiresAt:u}"));
                if (healthy)
                {
                    var pods = await app.Services.GetRequiredService<PodStore>().ListAsync(new Dictionary<string, string>(), cancellationToken);
                    var probes = await app.Services.GetRequiredService<PodHealth>().ProbeAsync(pods, TimeSpan.FromSeconds(parse.GetValue(timeout)), cancellationToken);
                    foreach (var probe in probes)
                    {
                        healthy &= probe.State == ProbeState.Up;
                        table.AddRow(
                            Markup.Escape($"{probe.Region} {probe.ServiceType}"),
                            probe.State.ToString().ToLowerInvariant(),
                            Markup.Escape($"{probe.Url?.ToString() ?? "-"} {probe.Detail} ({probe.Elapsed.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms)"));
                    }
                }
            }
            catch (KeystoneException e)
            {
                healthy = false;
                table.AddRow("keystone", "down", Markup.Escape(e.Message));
            }

            Output.Write(table);
            return healthy ? 0 : 1;
        }));
        return command;
    }
}
