using System.Globalization;
using System.Net;
using System.Text;
using Flotilla.Planning;

namespace Flotilla.Dashboard.Internal;

/// <summary>
/// Draws a plan's dependency graph as SVG, left to right: a step's column is the length of the
/// longest chain of steps it waits for, and rows within a column follow the steps they wait for
/// (a barycentre pass), so one host's build, copy, activate and verify line up. Each step is a
/// <c>&lt;g class="step state-STATE" data-step="ID"&gt;</c> that the page's script recolours live.
/// </summary>
internal static class PlanGraphSvg
{
    public const int NodeWidth = 176;
    public const int NodeHeight = 30;
    private const int ColumnGap = 56;
    private const int RowGap = 14;
    private const int Margin = 8;
    private const int MaxLabel = 24;

    public sealed record Layout(IReadOnlyDictionary<string, (int Column, int Row)> Positions, int Columns, int Rows);

    public static Layout Arrange(Plan plan)
    {
        var ids = plan.Steps.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        var column = new Dictionary<string, int>(StringComparer.Ordinal);
        // Steps come in an order where each follows the steps it depends on (docs/plan.md).
        foreach (var step in plan.Steps)
        {
            column[step.Id] = step.DependsOn.Where(ids.Contains).Select(d => column.GetValueOrDefault(d) + 1).DefaultIfEmpty(0).Max();
        }

        var rows = new Dictionary<string, int>(StringComparer.Ordinal);
        var order = plan.Steps.Select((step, index) => (step, index)).ToDictionary(p => p.step.Id, p => p.index, StringComparer.Ordinal);
        var columns = column.Values.DefaultIfEmpty(-1).Max() + 1;
        for (var c = 0; c < columns; c++)
        {
            var inColumn = plan.Steps.Where(s => column[s.Id] == c)
                .OrderBy(s => s.DependsOn.Where(rows.ContainsKey).Select(d => (double)rows[d]).DefaultIfEmpty(double.MaxValue).Average())
                .ThenBy(s => order[s.Id])
                .ToList();
            for (var r = 0; r < inColumn.Count; r++)
            {
                rows[inColumn[r].Id] = r;
            }
        }

        var positions = plan.Steps.ToDictionary(s => s.Id, s => (column[s.Id], rows[s.Id]), StringComparer.Ordinal);
        return new Layout(positions, columns, rows.Values.DefaultIfEmpty(-1).Max() + 1);
    }

    /// <param name="states">Each step's state name (<see cref="StepStates"/>); missing steps are pending.</param>
    public static string Render(Plan plan, IReadOnlyDictionary<string, string>? states = null)
    {
        var layout = Arrange(plan);
        var width = Margin * 2 + Math.Max(1, layout.Columns) * (NodeWidth + ColumnGap) - ColumnGap;
        var height = Margin * 2 + Math.Max(1, layout.Rows) * (NodeHeight + RowGap) - RowGap;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plan-graph\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{Escape(plan.Operation.ToString().ToLowerInvariant())} plan: {plan.Steps.Length} steps\">");
        svg.Append("<g class=\"edges\">");
        foreach (var step in plan.Steps)
        {
            var (toX, toY) = Origin(layout.Positions[step.Id]);
            foreach (var dependency in step.DependsOn.Where(layout.Positions.ContainsKey))
            {
                var (fromX, fromY) = Origin(layout.Positions[dependency]);
                var x1 = fromX + NodeWidth;
                var y1 = fromY + NodeHeight / 2;
                var y2 = toY + NodeHeight / 2;
                var bend = (toX - x1) / 2;
                svg.Append(CultureInfo.InvariantCulture, $"<path class=\"edge\" data-from=\"{Escape(dependency)}\" data-to=\"{Escape(step.Id)}\" d=\"M{x1},{y1} C{x1 + bend},{y1} {toX - bend},{y2} {toX},{y2}\"/>");
            }
        }

        svg.Append("</g>");
        foreach (var step in plan.Steps)
        {
            var (x, y) = Origin(layout.Positions[step.Id]);
            var state = states?.GetValueOrDefault(step.Id) ?? "pending";
            var label = step.Id.Length > MaxLabel ? step.Id[..(MaxLabel - 1)] + "…" : step.Id;
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"step kind-{Escape(step.Kind.ToName())} state-{Escape(state)}\" data-step=\"{Escape(step.Id)}\">");
            svg.Append(CultureInfo.InvariantCulture, $"<title>{Escape(step.Id)}: {Escape(state)}</title>");
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x}\" y=\"{y}\" width=\"{NodeWidth}\" height=\"{NodeHeight}\" rx=\"6\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + 10}\" y=\"{y + NodeHeight / 2 + 5}\">{Escape(label)}</text></g>");
        }

        svg.Append("</svg>");
        return svg.ToString();
    }

    private static (int X, int Y) Origin((int Column, int Row) position) =>
        (Margin + position.Column * (NodeWidth + ColumnGap), Margin + position.Row * (NodeHeight + RowGap));

    private static string Escape(string text) => WebUtility.HtmlEncode(text);
}
