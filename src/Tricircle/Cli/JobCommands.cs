using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Tricircle.Cli;

/// <summary><c>tricircle job list|show|create|delete|redo|schemas</c>.</summary>
internal static class JobCommands
{
    // The API's view of a job, in its order; -f json gives these.
    private static readonly string[] FieldNames =
        ["id", "type", "status", "project_id", "resource", "pod_id", "requests", "attempts", "last_error", "run_after", "worker", "timestamp", "updated_at", "finished_at"];

    // Where no table is drawn, no region names are looked up.
    private static readonly Dictionary<string, string> Empty = new(StringComparer.Ordinal);

    private static readonly Column[] RunColumns =
        [new("Started", "started_at"), new("Finished", "finished_at"), new("Worker", "worker"), new("Outcome", "outcome"), new("Error", "error", e => Shorten(e.GetString(), 120))];

    private static readonly Column[] SchemaColumns =
        [new("Type", "type"), new("Resource", "resource", keys => string.Join(", ", keys.EnumerateArray().Select(k => k.GetString()))), new("Operator May Create", "operator_may_create"), new("Description", "description")];

    public static Command Create(CloudOptions cloud)
    {
        var job = AdminCommand.Group("job", "Jobs: the changes that must still reach the pods, and those that failed to.", cloud);

        var type = new Option<string?>("--type") { Description = "Only jobs of this type (see `job schemas`)" };
        var status = new Option<string?>("--status") { Description = "Only jobs in this state: NEW, RUNNING, SUCCESS or FAIL (any case)" };
        var project = new Option<string?>("--project") { Description = "Only this project's jobs (default: every project's)" };
        var pod = new Option<string?>("--pod") { Description = "Only jobs in this pod (id or region name)" };
        var resource = new Option<string?>("--resource") { Description = "Only jobs on this resource: any one of a job's keys (a network id, say)" };
        var limit = new Option<int?>("--limit") { Description = "One page of at most this many (default: every page)" };
        var marker = new Option<string?>("--marker") { Description = "Start after this job id" };
        var list = new Command("list", "List jobs, newest first.") { type, status, project, pod, resource, limit, marker };
        list.SetAdminAction(cloud, async (parse, client, format, ct) =>
        {
            var path = "jobs" + AdminCommand.Query(
            [
                ("type", parse.GetValue(type)),
                ("status", parse.GetValue(status)),
                ("project_id", parse.GetValue(project)),
                ("pod_id", parse.GetValue(pod) is { } p ? await AdminCommand.PodIdAsync(client, p, ct) : null),
                ("resource_id", parse.GetValue(resource)),
                ("limit", parse.GetValue(limit)?.ToString(CultureInfo.InvariantCulture)),
                ("marker", parse.GetValue(marker)),
            ]);
            var rows = await AdminCommand.PagesAsync(client, path, "jobs", follow: parse.GetValue(limit) is null, ct);
            await ListAsync(client, format, rows, ct);
        });

        var showId = new Argument<string>("job") { Description = "Job id" };
        var show = new Command("show", "Show a job and its latest runs.") { showId };
        show.SetAdminAction(cloud, async (parse, client, format, ct) =>
        {
            var shown = (await client.GetAsync($"jobs/{AdminCommand.Escape(parse.GetValue(showId)!)}", ct)).GetProperty("job");
            if (format == "json")
            {
                Output.Item(format, shown, [.. Fields(Empty), new Column("runs", "runs")]);
                return;
            }

            Output.Item(format, shown, Fields(format == "table" ? await RegionsAsync(client, ct) : Empty));
            var runs = shown.TryGetProperty("runs", out var r) ? r.EnumerateArray().ToList() : [];
            if (format == "table" && runs.Count > 0)
            {
                Output.List(format, runs, RunColumns);
            }
        });

        var createType = new Option<string>("--type") { Description = "The job type (`job schemas` says which an operator may create)", Required = true };
        var createResource = new Option<string[]>("--resource") { Description = "key=value, once for each of the type's keys (a pod_id may be a region name)", Required = true };
        var createProject = new Option<string?>("--project") { Description = "The project it is for (default: the resource's)" };
        var create = new Command("create", "Queue a job (a resync of a resource in a pod, a cleanup, an audit).") { createType, createResource, createProject };
        create.SetAdminAction(cloud, async (parse, client, format, ct) =>
        {
            var keys = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in parse.GetValue(createResource)!)
            {
                var at = pair.IndexOf('=', StringComparison.Ordinal);
                if (at <= 0)
                {
                    throw new CliException($"--resource takes key=value, not '{pair}'.");
                }

                var key = pair[..at];
                var value = pair[(at + 1)..];
                if (!keys.TryAdd(key, key == "pod_id" ? await AdminCommand.PodIdAsync(client, value, ct) : value))
                {
                    throw new CliException($"--resource {key} is given twice.");
                }
            }

            var body = new Dictionary<string, object> { ["type"] = parse.GetValue(createType)!, ["resource"] = keys };
            if (parse.GetValue(createProject) is { } p)
            {
                body["project_id"] = p;
            }

            var created = (await client.PostAsync("jobs", new { job = body }, ct)).GetProperty("job");
            Output.Item(format, created, Fields(format == "table" ? await RegionsAsync(client, ct) : Empty));
        });

        var deleteIds = new Argument<string[]>("job") { Description = "Job ids", Arity = ArgumentArity.OneOrMore };
        var delete = new Command("delete", "Delete jobs that are not running (a NEW one then never runs).") { deleteIds };
        delete.SetAdminAction(cloud, async (parse, client, _, ct) =>
        {
            foreach (var id in parse.GetValue(deleteIds)!)
            {
                await client.DeleteAsync($"jobs/{AdminCommand.Escape(id)}", ct);
            }
        });

        var redoIds = new Argument<string[]>("job") { Description = "Job ids", Arity = ArgumentArity.OneOrMore };
        var redo = new Command("redo", "Run NEW or FAIL jobs again now, their attempts counted from zero; shows the jobs that will run.") { redoIds };
        redo.SetAdminAction(cloud, async (parse, client, format, ct) =>
        {
            var redone = new List<JsonElement>();
            foreach (var id in parse.GetValue(redoIds)!)
            {
                redone.Add((await client.PutAsync($"jobs/{AdminCommand.Escape(id)}", new { }, ct)).GetProperty("job"));
            }

            await ListAsync(client, format, redone, ct);
        });

        var schemas = new Command("schemas", "List the job types, their resource keys and which an operator may create.");
        schemas.SetAdminAction(cloud, async (_, client, format, ct) =>
            Output.List(format, (await client.GetAsync("jobs/schemas", ct)).GetProperty("schemas").EnumerateArray().ToList(), SchemaColumns));

        job.Subcommands.Add(list);
        job.Subcommands.Add(show);
        job.Subcommands.Add(create);
        job.Subcommands.Add(delete);
        job.Subcommands.Add(redo);
        job.Subcommands.Add(schemas);
        return job;
    }

    /// <summary>Jobs as a table of what an operator scans for (json: every field).</summary>
    private static async Task ListAsync(AdminClient client, string format, IReadOnlyList<JsonElement> rows, CancellationToken cancellationToken)
    {
        if (format == "json")
        {
            Output.List(format, rows, Fields(Empty));
            return;
        }

        var regions = format == "table" ? await RegionsAsync(client, cancellationToken) : Empty;
        Output.List(
            format,
            rows,
            [
                new("ID", "id"),
                new("Type", "type"),
                new("Status", "status"),
                new("Resource", "resource", r => Pairs(r, regions)),
                new("Pod", "pod_id", p => regions.GetValueOrDefault(p.GetString() ?? "") ?? p.GetString() ?? ""),
                new("Attempts", "attempts"),
                new("Last Error", "last_error", e => Shorten(e.GetString(), 60)),
                new("Updated", "updated_at"),
            ]);
    }

    private static Column[] Fields(Dictionary<string, string> regions) =>
    [
        .. FieldNames.Select(f => f switch
        {
            "resource" => new Column(f, f, r => Pairs(r, regions)),
            "pod_id" => new Column(f, f, p => p.GetString() is { } id && regions.TryGetValue(id, out var region) ? $"{id} ({region})" : p.GetString() ?? ""),
            _ => new Column(f, f),
        }),
    ];

    /// <summary>Pod ids to region names, for tables (one call).</summary>
    private static async Task<Dictionary<string, string>> RegionsAsync(AdminClient client, CancellationToken cancellationToken) =>
        (await client.GetAsync("pods", cancellationToken)).GetProperty("pods").EnumerateArray()
            .ToDictionary(p => p.GetProperty("pod_id").GetString()!, p => p.GetProperty("region_name").GetString()!, StringComparer.Ordinal);

    /// <summary>The resource map as <c>pod_id=RegionOne network_id=…</c>: a pod by its region's name.</summary>
    private static string Pairs(JsonElement resource, Dictionary<string, string> regions) =>
        resource.ValueKind != JsonValueKind.Object
            ? resource.GetRawText()
            : string.Join(' ', resource.EnumerateObject().Select(p =>
            {
                var value = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
                return $"{p.Name}={(p.Name == "pod_id" ? regions.GetValueOrDefault(value, value) : value)}";
            }));

    /// <summary>The first line of an error, cut to fit a table cell.</summary>
    private static string Shorten(string? text, int max)
    {
        var line = (text ?? "").Split('\n')[0].Trim();
        return line.Length <= max ? line : line[..(max - 3)] + "...";
    }
}
