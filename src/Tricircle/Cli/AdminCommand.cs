using System.CommandLine;
using System.Text.Json;

namespace Tricircle.Cli;

/// <summary>
/// Shared plumbing of the admin commands (<c>pod</c>, <c>binding</c>, <c>routing</c>): the
/// <c>--os-*</c> options, connecting, and turning failures into one stderr line and exit 1.
/// </summary>
internal static class AdminCommand
{
    public static Command Group(string name, string description, CloudOptions cloud)
    {
        var group = new Command(name, description);
        foreach (var option in cloud.All)
        {
            group.Options.Add(option);
        }

        return group;
    }

    public static void SetAdminAction(this Command command, CloudOptions cloud, Func<ParseResult, AdminClient, string, CancellationToken, Task> action)
    {
        command.SetAction(async (parse, cancellationToken) =>
        {
            var format = parse.GetValue(cloud.Format) ?? "table";
            if (format is not ("table" or "json" or "value"))
            {
                await Console.Error.WriteLineAsync($"tricircle: --format must be table, json or value, not '{format}'.");
                return 2;
            }

            try
            {
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
                var client = await AdminClient.ConnectAsync(parse, cloud, http, cancellationToken);
                await action(parse, client, format, cancellationToken);
                return 0;
            }
            catch (CliException e)
            {
                await Console.Error.WriteLineAsync($"tricircle: {e.Message}");
                return 1;
            }
        });
    }

    /// <summary>Resolves a pod given by id or by region name.</summary>
    public static async Task<JsonElement> FindPodAsync(AdminClient client, string reference, CancellationToken cancellationToken)
    {
        var pods = (await client.GetAsync("pods", cancellationToken)).GetProperty("pods").EnumerateArray().ToList();
        var match = pods.Where(p => p.GetProperty("pod_id").GetString() == reference).ToList();
        if (match.Count == 0)
        {
            match = pods.Where(p => p.GetProperty("region_name").GetString() == reference).ToList();
        }

        return match.Count == 1 ? match[0] : throw new CliException($"No pod with id or region name '{reference}'.");
    }

    public static async Task<string> PodIdAsync(AdminClient client, string reference, CancellationToken cancellationToken) =>
        (await FindPodAsync(client, reference, cancellationToken)).GetProperty("pod_id").GetString()!;

    /// <summary>A paged list's rows: the first page and, when <paramref name="follow"/>, every page its <c>*_links</c> lead to.</summary>
    public static async Task<List<JsonElement>> PagesAsync(AdminClient client, string path, string collection, bool follow, CancellationToken cancellationToken)
    {
        var rows = new List<JsonElement>();
        string? next = path;
        while (next is not null)
        {
            var page = await client.GetAsync(next, cancellationToken);
            rows.AddRange(page.GetProperty(collection).EnumerateArray());
            next = follow && page.TryGetProperty(collection + "_links", out var links)
                ? links.EnumerateArray().Where(l => l.GetProperty("rel").GetString() == "next").Select(l => l.GetProperty("href").GetString()).FirstOrDefault()
                : null;
        }

        return rows;
    }

    /// <summary>A query string of the options given (none: empty).</summary>
    public static string Query(IEnumerable<(string Key, string? Value)> parameters)
    {
        var given = parameters.Where(p => p.Value is not null).Select(p => $"{p.Key}={Escape(p.Value!)}").ToList();
        return given.Count == 0 ? "" : "?" + string.Join('&', given);
    }

    public static string Escape(string value) => Uri.EscapeDataString(value);
}
