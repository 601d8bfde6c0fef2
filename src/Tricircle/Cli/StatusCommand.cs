using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Tricircle.Data;
using Tricircle.Identity;
using Tricircle.Jobs;
using Tricircle.Pods;

namespace Tricircle.Cli;

/// <summary>
/// <c>tricircle status</c>: is the database at this build's schema, does Keystone accept the
/// service user, does every service of every pod answer, and what jobs each pod has pending or
/// failed. Exit 0 when all is well, 1 otherwise (a failed job too: it waits for an operator).
/// </summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var configFiles = ServiceCommands.ConfigFileOption();
        var timeout = new Option<double>("--timeout") { Description = "Seconds each pod service has to answer", DefaultValueFactory = _ => 5 };
        var command = new Command("status", "Health of the database, Keystone, every pod, and the jobs pending or failed in each.") { configFiles, timeout };
        command.SetAction(async (parse, cancellationToken) => await ServiceCommands.RunAsync(parse.GetValue(configFiles), null, async app =>
        {
            var healthy = true;
            var schemaCurrent = false;
            var table = new Table().Border(TableBorder.Ascii).AddColumns("Check", "State", "Detail");

            var database = app.Services.GetRequiredService<Database>();
            try
            {
                var current = await app.Services.GetRequiredService<SchemaMigrator>().CurrentVersionAsync(cancellationToken);
                var needed = SchemaMigrator.Available(database.Dialect).Max(m => m.Version);
                schemaCurrent = current == needed;
                healthy &= schemaCurrent;
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

            // Jobs need only the database: they are counted even when Keystone is down.
            if (schemaCurrent)
            {
                healthy &= await AddJobRowsAsync(app.Services, table, cancellationToken);
            }

            Output.Write(table);
            return healthy ? 0 : 1;
        }));
        return command;
    }

    /// <summary>
    /// A row per pod (and one for jobs of no one pod) with its pending and failed jobs; false
    /// when a job has failed, since a FAIL job waits for an operator. Pending ones are the
    /// engine at work, and a pod that is down shows above.
    /// </summary>
    private static async Task<bool> AddJobRowsAsync(IServiceProvider services, Table table, CancellationToken cancellationToken)
    {
        try
        {
            var counts = await services.GetRequiredService<JobStore>().CountsByPodAsync(cancellationToken);
            var pods = await services.GetRequiredService<PodStore>().ListAsync(new Dictionary<string, string>(), cancellationToken);
            var names = pods.ToDictionary(p => p.PodId, p => p.RegionName, StringComparer.Ordinal);

            // Every pod but the central one, then pods that are gone but still have jobs, then no pod.
            var rows = pods.Where(p => !p.IsCentral).Select(p => (string?)p.PodId)
                .Concat(counts.Select(c => c.PodId).Where(id => id is not null && !pods.Any(p => !p.IsCentral && p.PodId == id)).Distinct())
                .Append(null);
            var failing = false;
            foreach (var podId in rows)
            {
                long Count(string status) => counts.Where(c => c.PodId == podId && c.Status == status).Sum(c => c.Count);
                var (fresh, running, failed) = (Count(JobStatus.New), Count(JobStatus.Running), Count(JobStatus.Fail));
                failing |= failed > 0;
                var state = failed > 0 ? "failing" : fresh + running > 0 ? "pending" : "ok";
                var name = podId is null ? "(no pod)" : names.GetValueOrDefault(podId, podId);
                table.AddRow(
                    Markup.Escape($"jobs {name}"),
                    state,
                    string.Create(CultureInfo.InvariantCulture, $"{fresh} new, {running} running, {failed} failed"));
            }

            return !failing;
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException)
        {
            table.AddRow("jobs", "down", Markup.Escape(e.Message));
            return false;
        }
    }
}
