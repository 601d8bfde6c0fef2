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
/// Each pod service's row also shows the calls a running instance made to it lately (its Admin
/// API's <c>GET /v1.0/status</c>: the catalog's <c>tricircle</c> endpoint, or <c>--admin-url</c>):
/// how many, their p50 and p95 latency and the share that failed. These inform; they do not
/// change the exit code.
/// </summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var configFiles = ServiceCommands.ConfigFileOption();
        var timeout = new Option<double>("--timeout") { Description = "Seconds each pod service has to answer", DefaultValueFactory = _ => 5 };
        var adminUrl = new Option<string?>("--admin-url") { Description = "The Admin API of the instance whose recent pod calls to show; default: the catalog's tricircle endpoint" };
        var command = new Command("status", "Health of the database, Keystone, every pod, and the jobs pending or failed in each.") { configFiles, timeout, adminUrl };
        command.SetAction(async (parse, cancellationToken) => await ServiceCommands.RunAsync(parse.GetValue(configFiles), null, async app =>
        {
            var healthy = true;
            var schemaCurrent = false;
            var table = new Table().Border(TableBorder.Ascii).AddColumns("Check", "State", "Detail", "Calls", "p50", "p95", "Errors");

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
                    var deadline = TimeSpan.FromSeconds(parse.GetValue(timeout));
                    var pods = await app.Services.GetRequiredService<PodStore>().ListAsync(new Dictionary<string, string>(), cancellationToken);
                    var recent = RecentCallsAsync(app.Services, token, parse.GetValue(adminUrl), deadline, cancellationToken);
                    var probes = await app.Services.GetRequiredService<PodHealth>().ProbeAsync(pods, deadline, cancellationToken);
                    var (calls, callsProblem) = await recent;
                    foreach (var probe in probes)
                    {
                        healthy &= probe.State == ProbeState.Up;
                        table.AddRow([
                            Markup.Escape($"{probe.Region} {probe.ServiceType}"),
                            probe.State.ToString().ToLowerInvariant(),
                            Markup.Escape($"{probe.Url?.ToString() ?? "-"} {probe.Detail} ({probe.Elapsed.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms)"),
                            .. CallCells(calls?.FirstOrDefault(c => c.Region == probe.Region && c.Service == probe.ServiceType))]);
                    }

                    // Calls to services the probe does not cover (or pods no longer registered).
                    foreach (var other in calls?.Where(c => !probes.Any(p => p.Region == c.Region && p.ServiceType == c.Service)) ?? [])
                    {
                        table.AddRow([Markup.Escape($"{other.Region} {other.Service}"), "called", "-", .. CallCells(other)]);
                    }

                    if (callsProblem is not null)
                    {
                        table.AddRow("pod calls", "unknown", Markup.Escape(callsProblem), "-", "-", "-", "-");
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

    /// <summary>The Calls, p50, p95 and Errors cells of a pod service's row ("-" when it was not called lately).</summary>
    private static string[] CallCells(Telemetry.PodCallSummary? calls) => calls is null
        ? ["-", "-", "-", "-"]
        : [
            calls.Calls.ToString(CultureInfo.InvariantCulture),
            calls.P50Ms.ToString("0.#", CultureInfo.InvariantCulture) + " ms",
            calls.P95Ms.ToString("0.#", CultureInfo.InvariantCulture) + " ms",
            (calls.ErrorRate * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%",
        ];

    /// <summary>
    /// A running instance's recent pod calls (<c>GET /v1.0/status</c> with the service token), or
    /// why there are none to show: this command may run where no instance is.
    /// </summary>
    private static async Task<(IReadOnlyList<Telemetry.PodCallSummary>? Calls, string? Problem)> RecentCallsAsync(
        IServiceProvider services, KeystoneToken token, string? adminUrl, TimeSpan deadline, CancellationToken cancellationToken)
    {
        if (adminUrl is not null && !(Uri.TryCreate(adminUrl, UriKind.Absolute, out var given) && (given.Scheme == Uri.UriSchemeHttp || given.Scheme == Uri.UriSchemeHttps)))
        {
            return (null, $"--admin-url '{adminUrl}' is not an http(s) URL");
        }

        var endpoint = adminUrl
            ?? token.Catalog.Where(s => s.Type == AdminClient.ServiceType).SelectMany(s => s.Endpoints)
                .OrderBy(e => e.Interface switch { "internal" => 0, "public" => 1, _ => 2 })
                .Select(e => e.Url).FirstOrDefault();
        if (endpoint is null)
        {
            return (null, $"the catalog has no '{AdminClient.ServiceType}' endpoint; pass --admin-url to see an instance's recent pod calls");
        }

        var root = endpoint.TrimEnd('/');
        var url = (root.EndsWith("/v1.0", StringComparison.Ordinal) ? root : root + "/v1.0") + "/status";
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(deadline);
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.TryAddWithoutValidation("X-Auth-Token", token.Id);
            using var response = await services.GetRequiredService<IHttpClientFactory>().CreateClient().SendAsync(request, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                return (null, $"{url} answered {(int)response.StatusCode}");
            }

            using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(timeout.Token));
            return ([.. body.RootElement.GetProperty("status").GetProperty("pod_calls").EnumerateArray().Select(c => new Telemetry.PodCallSummary(
                c.GetProperty("region_name").GetString() ?? "",
                c.GetProperty("service_type").GetString() ?? "",
                c.GetProperty("calls").GetInt32(),
                c.GetProperty("errors").GetInt32(),
                c.GetProperty("p50_ms").GetDouble(),
                c.GetProperty("p95_ms").GetDouble()))], null);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return (null, $"no answer from {url}: {(e is OperationCanceledException ? "timed out" : e.Message)}");
        }
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
