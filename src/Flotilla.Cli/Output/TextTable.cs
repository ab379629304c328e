using System.Text;
using Spectre.Console;

namespace Flotilla.Cli.Output;

/// <summary>
/// A table of text. On a person's terminal it is drawn with Spectre.Console: bold headers, states
/// in colour, fitted to the terminal's width (long cells wrap inside their column). Otherwise (a
/// file, a pipe, <c>--plain</c>) it is plain aligned columns without colours, as scripts read it.
/// </summary>
internal sealed class TextTable(params string[] headers)
{
    private static readonly Dictionary<string, Color> Colours = new(StringComparer.Ordinal)
    {
        ["succeeded"] = Color.Green, ["healthy"] = Color.Green, ["active"] = Color.Green, ["running"] = Color.Green, ["online"] = Color.Green, ["ok"] = Color.Green,
        ["failed"] = Color.Red, ["unhealthy"] = Color.Red, ["critical"] = Color.Red, ["offline"] = Color.Red, ["unreachable"] = Color.Red, ["error"] = Color.Red,
        ["warning"] = Color.Yellow, ["rolled back"] = Color.Yellow, ["needs attention"] = Color.Yellow, ["stale"] = Color.Yellow, ["unknown"] = Color.Yellow,
    };

    private readonly List<string[]> _rows = [];

    public void Add(params string[] cells) => _rows.Add(cells);

    public async Task WriteAsync(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (Terminal.Live(context) is not { } console)
        {
            await context.Output.WriteAsync(ToString()).ConfigureAwait(false);
            return;
        }

        var table = new Table().Border(TableBorder.Minimal).BorderColor(Color.Grey);
        foreach (var header in headers)
        {
            var column = new TableColumn(new Text(header, new Style(decoration: Decoration.Bold)));
            // The first column names the row (a host, a run): it keeps its width, the others wrap.
            table.AddColumn(table.Columns.Count == 0 ? column.NoWrap() : column);
        }

        foreach (var row in _rows)
        {
            table.AddRow(row.Select(cell => new Text(cell, Colours.TryGetValue(cell, out var colour) ? new Style(colour) : Style.Plain)));
        }

        console.Write(table);
    }

    public override string ToString()
    {
        var widths = headers.Select(h => h.Length).ToArray();
        foreach (var row in _rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        var builder = new StringBuilder();
        Append(builder, headers, widths);
        foreach (var row in _rows)
        {
            Append(builder, row, widths);
        }

        return builder.ToString();
    }

    private static void Append(StringBuilder builder, string[] cells, int[] widths)
    {
        for (var i = 0; i < cells.Length; i++)
        {
            builder.Append(i == cells.Length - 1 ? cells[i] : cells[i].PadRight(widths[i] + 2));
        }

        builder.Append('\n');
    }
}
