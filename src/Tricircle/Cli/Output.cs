using System.Text.Json;
using Spectre.Console;

namespace Tricircle.Cli;

/// <summary>
/// A column of CLI output: its header and the API field it shows; <paramref name="Show"/>, when
/// given, is how a table shows a present, non-null value (json and value output keep the API's).
/// </summary>
internal sealed record Column(string Header, string Field, Func<JsonElement, string>? Show = null);

/// <summary>
/// Prints API objects as the <c>openstack</c> CLI does: a table by default (a field/value
/// table for one object), <c>-f json</c> with the API's own field names for scripts,
/// <c>-f value</c> for shell pipelines.
/// </summary>
internal static class Output
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static void List(string format, IReadOnlyList<JsonElement> rows, IReadOnlyList<Column> columns)
    {
        switch (format)
        {
            case "json":
                Console.Out.WriteLine(JsonSerializer.Serialize(rows.Select(r => Project(r, columns)), Indented));
                break;
            case "value":
                foreach (var row in rows)
                {
                    Console.Out.WriteLine(string.Join(' ', columns.Select(c => Line(row, c.Field))));
                }

                break;
            default:
                var table = NewTable();
                foreach (var column in columns)
                {
                    table.AddColumn(new TableColumn(Markup.Escape(column.Header)) { NoWrap = true });
                }

                foreach (var row in rows)
                {
                    table.AddRow(columns.Select(c => Markup.Escape(Shown(row, c))).ToArray());
                }

                Terminal().Write(table);
                break;
        }
    }

    public static void Item(string format, JsonElement item, IReadOnlyList<Column> fields)
    {
        switch (format)
        {
            case "json":
                Console.Out.WriteLine(JsonSerializer.Serialize(Project(item, fields), Indented));
                break;
            case "value":
                foreach (var field in fields)
                {
                    Console.Out.WriteLine(Line(item, field.Field));
                }

                break;
            default:
                var table = NewTable();
                table.AddColumn("Field");
                table.AddColumn(new TableColumn("Value") { NoWrap = true });
                foreach (var field in fields)
                {
                    table.AddRow(Markup.Escape(field.Field), Markup.Escape(Shown(item, field)));
                }

                Terminal().Write(table);
                break;
        }
    }

    /// <summary>Writes a table built elsewhere with the same console settings.</summary>
    public static void Write(Table table) => Terminal().Write(table);

    private static Table NewTable() => new Table().Border(TableBorder.Ascii);

    // Wide enough that ids never wrap when output goes to a pipe or a file.
    private static IAnsiConsole Terminal()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(System.Console.Out),
            Ansi = System.Console.IsOutputRedirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = System.Console.IsOutputRedirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
        });
        if (System.Console.IsOutputRedirected)
        {
            console.Profile.Width = 1000;
        }

        return console;
    }

    private static Dictionary<string, JsonElement?> Project(JsonElement item, IReadOnlyList<Column> columns) =>
        columns.ToDictionary(c => c.Field, c => item.TryGetProperty(c.Field, out var v) ? v.Clone() : (JsonElement?)null);

    private static string Shown(JsonElement item, Column column) =>
        column.Show is { } show && item.TryGetProperty(column.Field, out var value) && value.ValueKind != JsonValueKind.Null ? show(value) : Text(item, column.Field);

    // -f value: one line per row (or field) whatever a value holds, as pipelines count on.
    private static string Line(JsonElement item, string field) => Text(item, field).ReplaceLineEndings(" ");

    private static string Text(JsonElement item, string field) =>
        !item.TryGetProperty(field, out var value) ? "" : value.ValueKind switch
        {
            JsonValueKind.String => value.GetString() ?? "",
            JsonValueKind.Null => "None",
            JsonValueKind.True => "True",
            JsonValueKind.False => "False",
            _ => value.GetRawText(),
        };
}
