using System.Globalization;
using System.Text;

namespace Flotilla.Planning.Internal;

/// <summary>
/// Mermaid flowchart: node ids are <c>n0</c>, <c>n1</c>... in plan order with the step id as a
/// quoted label; one subgraph per phase; edges <c>n0 --> n1</c> from dependency to dependent.
/// Labels use Mermaid's entity codes for <c>"</c>, <c>#</c>, <c>&lt;</c>, <c>&gt;</c>, <c>&amp;</c>,
/// backticks and control characters, so no name can close a label or inject markup.
/// </summary>
internal static class MermaidPlanRenderer
{
    public static string Render(Plan plan)
    {
        var node = new Dictionary<string, string>(plan.Steps.Length, StringComparer.Ordinal);
        for (var i = 0; i < plan.Steps.Length; i++)
        {
            node[plan.Steps[i].Id] = "n" + i.ToString(CultureInfo.InvariantCulture);
        }

        var text = new StringBuilder("flowchart TD\n");
        var group = 0;
        foreach (var (phase, members) in PhaseGroups.Of(plan))
        {
            text.Append(CultureInfo.InvariantCulture, $"  subgraph p{group++}[\"{Label(phase)}\"]\n");
            foreach (var i in members)
            {
                text.Append("    ").Append(node[plan.Steps[i].Id]).Append("[\"").Append(Label(plan.Steps[i].Id)).Append("\"]\n");
            }

            text.Append("  end\n");
        }

        foreach (var step in plan.Steps)
        {
            foreach (var dependency in step.DependsOn)
            {
                text.Append("  ").Append(node[dependency]).Append(" --> ").Append(node[step.Id]).Append('\n');
            }
        }

        return text.ToString();
    }

    internal static string Label(string text)
    {
        var builder = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            switch (c)
            {
                case '"':
                    builder.Append("#quot;");
                    break;
                case '#':
                    builder.Append("#35;");
                    break;
                case '<':
                    builder.Append("#lt;");
                    break;
                case '>':
                    builder.Append("#gt;");
                    break;
                case '&':
                    builder.Append("#amp;");
                    break;
                case '`' or < ' ' or '\u007f':
                    builder.Append(CultureInfo.InvariantCulture, $"#{(int)c};");
                    break;
                default:
                    builder.Append(c);
                    break;
            }
        }

        return builder.ToString();
    }
}
