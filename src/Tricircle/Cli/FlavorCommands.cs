using System.CommandLine;
using System.Text.Json;

namespace Tricircle.Cli;

/// <summary><c>tricircle flavor import</c>: the pods' flavors made central.</summary>
internal static class FlavorCommands
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static readonly Column[] Columns =
        [new("ID", "id"), new("Name", "name"), new("Result", "result"), new("Reason", "reason")];

    // The answer's lists, in the order the table shows them, with the word each row gets.
    private static readonly (string List, string Result)[] Outcomes =
        [("imported", "imported"), ("existing", "already central"), ("conflicts", "conflict"), ("skipped", "skipped")];

    public static Command Create(CloudOptions cloud)
    {
        var flavor = AdminCommand.Group("flavor", "Central flavors, as the pods have them.", cloud);

        var pod = new Option<string?>("--pod") { Description = "Import this pod's flavors (id or region name); default: those every pod has" };
        var import = new Command("import", "Make the pods' flavors central: those every pod (or the named pod) has with the same id, name and specs; ones already central stay, conflicts are reported.") { pod };
        import.SetAdminAction(cloud, async (parse, client, format, ct) =>
        {
            var body = new Dictionary<string, object?>();
            if (parse.GetValue(pod) is { } reference)
            {
                body["pod"] = reference;
            }

            var answer = (await client.PostAsync("flavors/import", new { import = body }, ct)).GetProperty("import");
            if (format == "json")
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(answer, Indented));
                return;
            }

            var rows = Outcomes
                .SelectMany(o => answer.GetProperty(o.List).EnumerateArray().Select(i => JsonSerializer.SerializeToElement(new
                {
                    id = i.GetProperty("id").GetString(),
                    name = i.GetProperty("name").GetString(),
                    result = o.Result,
                    reason = i.TryGetProperty("reason", out var why) ? why.GetString() : "",
                })))
                .ToList();
            Output.List(format, rows, Columns);
            foreach (var failed in answer.GetProperty("failed_pods").EnumerateArray())
            {
                await Console.Error.WriteLineAsync($"tricircle: pod {failed.GetProperty("region_name").GetString()} did not answer ({failed.GetProperty("reason").GetString()}); its flavors were left out.");
            }
        });

        flavor.Subcommands.Add(import);
        return flavor;
    }
}
